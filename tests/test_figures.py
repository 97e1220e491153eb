"""The shared figure style: unit labels, log axes past two decades, file formats; and
``lut show --plot`` built on it (checked on the matplotlib objects, not pixels)."""

from importlib import resources

import pytest

from spincim import figures
from spincim.errors import ParameterError


def test_axis_label_uses_si_symbols():
    assert figures.axis_label("Read current", "µA") == "Read current (µA)"
    assert figures.axis_label("Area", "m2") == "Area (m²)"
    assert figures.axis_label("Energy", "j") == "Energy (J)"
    assert figures.axis_label("Active inputs", "1") == "Active inputs"


@pytest.mark.parametrize("values, log", [([1.0, 100.0], False), ([1.0, 100.1], True),
                                         ([1e-15, 1e-12], True), ([0.0, 5.0, 7.0], False)])
def test_log_axis_only_past_two_decades(values, log):
    fig, axes = figures.new_figure(1, 1)
    ax = axes[0][0]
    assert figures.use_log_if_wide(ax, values, "y") is log
    assert ax.get_yscale() == ("log" if log else "linear")
    assert ax.get_xscale() == "linear"
    import matplotlib.pyplot as plt
    plt.close(fig)


@pytest.mark.parametrize("suffix", [".png", ".pdf", ".svg"])
def test_save_formats(tmp_path, suffix):
    fig, axes = figures.new_figure()
    axes[0][0].plot([1, 2], [3, 4])
    path = figures.save(fig, tmp_path / f"f{suffix}")
    assert path.stat().st_size > 0


def test_save_refuses_other_formats(tmp_path):
    fig, _ = figures.new_figure()
    with pytest.raises(ParameterError, match="plot"):
        figures.save(fig, tmp_path / "f.jpg")


def test_lut_plot_scales_follow_the_data(tmp_path, monkeypatch):
    import matplotlib.figure

    from spincim.lut import io, plot

    lut = io.read_lut(str(resources.files("spincim.lut") / "data" / "default_22nm.h5"))
    seen = []
    monkeypatch.setattr(figures, "save", lambda fig, path: seen.append(fig))
    log = plot.plot_lut(lut, tmp_path / "lut.svg")
    (fig,) = seen
    assert isinstance(fig, matplotlib.figure.Figure)
    used = sorted(a for a in lut.axes if any(a in op.axes for op in lut.ops.values()))
    assert sorted(log) == used
    panels = fig.axes
    assert len(panels) == 2 * len(used)
    for row, axis_name in enumerate(used):
        for col, quantity in enumerate(("energy_j", "latency_s")):
            ax = panels[2 * row + col]
            values = [v for vs in plot.curves(lut, axis_name, quantity).values() for v in vs]
            wide = max(values) / min(v for v in values if v > 0) > figures.LOG_SPAN
            assert log[axis_name][quantity] is wide
            assert ax.get_yscale() == ("log" if wide else "linear")
            assert ax.get_ylabel() == ("Energy per operation (J)" if col == 0 else "Latency (s)")
            assert ax.get_xlabel().endswith(f"({lut.axes[axis_name].units})") \
                or lut.axes[axis_name].units == "1"
    # the 22 nm majority PROGRAM energy spans three decades over n_on: a log axis
    assert log["n_on"]["energy_j"] is True


def test_lut_show_plot_cli(tmp_path, capsys):
    import json

    from spincim.cli import main
    out = tmp_path / "lut.png"
    path = str(resources.files("spincim.lut") / "data" / "default_45nm.h5")
    assert main(["lut", "show", path, "--plot", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["plot"] == str(out)
    assert out.stat().st_size > 0


def test_sense_histograms_have_a_log_tail_view(tmp_path):
    import numpy as np

    from spincim.characterize.sense_margin import SenseSetup
    from spincim.characterize.sense_plot import plot_sense

    setup = SenseSetup()
    rng = np.random.default_rng(0)
    volts = {f"bl{c}": rng.normal(0.2 + 0.05 * c, 0.005, 500)
             for c in range(len(setup.configurations()))}
    volts.update({f"ref{op}": np.full(500, 0.25) for op in ("read", "and", "or")})
    grid = plot_sense(setup, volts, tmp_path / "sense.pdf")
    assert (tmp_path / "sense.pdf").stat().st_size > 0
    assert [ax.get_yscale() for ax in grid[1]] == ["log", "log"]
    assert all(ax.get_xlabel() == "Sense voltage (mV)" for row in grid for ax in row)
