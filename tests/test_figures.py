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


# ------------------------------------------------------------- the figures of issue 20
def _capture(monkeypatch):
    """Keep the figure figures.save would write (checked on its objects, not pixels)."""
    seen = []

    def keep(fig, path):
        seen.append(fig)
        import matplotlib.pyplot as plt
        plt.close(fig)
        return path
    monkeypatch.setattr(figures, "save", keep)
    return seen


def test_si_prefix_and_error_bars():
    assert figures.si_scale([2e-5, 4e-5], "A") == (1e6, "µA")
    assert figures.si_scale([3e-12], "J") == pytest.approx((1e12, "pJ"))
    assert figures.format_si(2e-5, "A") == "20 µA"
    assert figures.error_bars([0.1, 0.0], [[0.05, 0.2], [0.0, None]]) == [[0.05, 0.0],
                                                                         [0.1, 0.0]]


def _importance_result(spread: float) -> dict:
    """An mc importance result whose p_fail spans ``spread`` (max/min)."""
    ps = {"0": 1e-6, "1": 1e-6 * spread}
    states = {s: {"p_fail": p, "ci95": [p / 2, p * 2], "design_point_sigma": 4.0, "n": 100}
              for s, p in ps.items()}
    return {"method": "model", "samples": 100,
            "ops": {"read": {"states": states, "p_fail": sum(ps.values()) / 2,
                             "ci95": [1e-7, 1e-3]}}}


# the axis holds the values and their interval ends: [p/2, 2p] of 1e-6 .. 2e-5 span 80
@pytest.mark.parametrize("spread, log", [(20.0, False), (1e4, True)])
def test_importance_plot_intervals_and_scale(tmp_path, monkeypatch, spread, log):
    from spincim.characterize.importance_plot import plot_importance

    seen = _capture(monkeypatch)
    out = plot_importance(_importance_result(spread), tmp_path / "imp.png")
    top, bottom = out["axes"]
    assert out["log"] is log and top.get_yscale() == ("log" if log else "linear")
    assert top.get_ylabel() == "Failure probability"
    assert bottom.get_ylabel() == "Design-point distance (σ)"
    # 95 % intervals drawn as error bars: the read states' bars span [p/2, 2p]
    from matplotlib.collections import LineCollection
    bars = [c for c in top.collections if isinstance(c, LineCollection)]
    spans = sorted(tuple(sorted((seg[0][1], seg[1][1]))) for c in bars for seg in c.get_segments())
    assert (5e-7, 2e-6) in [tuple(round(v, 12) for v in s) for s in spans]
    assert len(seen) == 1


def test_lut_diff_plot_units_and_log_axis(tmp_path, monkeypatch):
    from spincim.lut import plot

    def entry(e, t):
        return {"energy_j": {"shared_points": 6, "max_rel": e, "median_rel": e / 2},
                "latency_s": {"shared_points": 6, "max_rel": t, "median_rel": t / 2}}
    data = {"only_in_a": [], "only_in_b": ["preset"],
            "ops": {"read": entry(0.5, 0.01), "inv": entry(1e-4, 0.02),
                    "fa": {"error": "different axes"}}}
    seen = _capture(monkeypatch)
    log = plot.plot_diff(data, tmp_path / "d.svg")
    (fig,) = seen
    energy, latency = fig.axes
    # energy differences span 0.5 / 5e-5 = 1e4 > 100: log; latency 0.02 / 0.005 = 4: linear
    assert log == {"energy_j": True, "latency_s": False}
    assert energy.get_xscale() == "log" and latency.get_xscale() == "linear"
    assert energy.get_xlabel() == "Energy per operation: |relative difference| (%)"
    assert latency.get_xlabel() == "Latency: |relative difference| (%)"
    assert [t.get_text() for t in energy.get_yticklabels()] == ["read", "inv"]


def test_lut_diff_plot_cli(tmp_path, capsys):
    import json

    from spincim.cli import main
    path = str(resources.files("spincim.lut") / "data" / "default_45nm.h5")
    out = tmp_path / "diff.pdf"
    assert main(["lut", "diff", path, path, "--plot", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["plot"] == str(out)
    assert out.stat().st_size > 0


def test_estimate_breakdown_shows_every_category(tmp_path, monkeypatch):
    from spincim.estimator import energy, report

    est = energy.estimate("cifar10-bnn", "corn")
    _capture(monkeypatch)
    out = report.plot_estimate(est, tmp_path / "e.png")
    a, b, c = out["axes"]
    totals = est.energy_by_category()
    positive = [v for v in totals.values() if v > 0]
    wide = max(positive) / min(positive) > figures.LOG_SPAN
    assert out["log"]["categories"] is wide and b.get_xscale() == ("log" if wide else "linear")
    # every category is a labelled row, in words
    labels = [t.get_text() for t in b.get_yticklabels()]
    assert labels == [report.CATEGORY_WORDS[k] for k in energy.CATEGORIES]
    assert all("_" not in t for t in labels)
    factor, unit = figures.si_scale(list(totals.values()), "J")
    assert b.get_xlabel() == f"Energy per image ({unit})" and unit.endswith("J")
    # each bar is its category's energy, in the axis unit
    widths = [p.get_width() for p in b.patches]
    assert widths == pytest.approx([totals[k] * factor for k in energy.CATEGORIES])
    assert c.get_ylabel() == f"Energy per image ({unit})"


def test_wer_plot_has_intervals_and_si_units(tmp_path, monkeypatch):
    from spincim.characterize import rare_plot, write

    res = {"pulses_s": [1e-9, 2e-9, 4e-9], "currents_a": [1e-4, 2e-4], "runs": 1000,
           "temperature_k": 300.0, "method": "brute",
           "wer": [[0.5, 0.05, 0.0], [0.1, 0.002, 0.0]],
           "wer_ci95": [[[0.47, 0.53], [0.037, 0.065], [0.0, 0.0037]],
                        [[0.08, 0.12], [0.0005, 0.007], [0.0, 0.0037]]]}
    _capture(monkeypatch)
    for ax in (write.plot_wer(res, tmp_path / "w.png"),
               rare_plot.plot_wer_curves(res, tmp_path / "r.png")):
        assert ax.get_xlabel() == "Pulse width (ns)"
        assert ax.get_yscale() == "log"       # 0.5 .. 5e-4 spans 1000
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert "100 µA (95 % interval)" in texts and not any("uA" in t for t in texts)
        segs = [s for c in ax.collections for s in getattr(c, "get_segments", list)()]
        assert any(abs(s[0][1] - 0.0005) < 1e-12 and abs(s[1][1] - 0.007) < 1e-12
                   for s in segs)             # the 2 ns / 200 µA interval as a bar


def test_majority_plot_shared_style_with_intervals(tmp_path, monkeypatch):
    from spincim.characterize import majority_plot

    n = list(range(10))
    p = [0.0] * 5 + [1.0] * 5
    curves = {"corn": {"300 K": (n, p, [max(x - 0.1, 0) for x in p],
                                 [min(x + 0.1, 1) for x in p])}}
    _capture(monkeypatch)
    (ax,) = majority_plot.plot_p_ap(curves, tmp_path / "m.png")
    assert ax.get_xlabel() == "Inputs on (of 9)"
    assert ax.get_ylabel() == "Probability the cell ends in AP"
    assert ax.get_title() == majority_plot.DESIGN_WORDS["corn"]
    segs = [s for c in ax.collections for s in getattr(c, "get_segments", list)()]
    assert len(segs) == 10                     # one 95 % bar per count
