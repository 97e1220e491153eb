"""Write error rate (WER) of the SOT-MTJ from the stochastic LLGS ensemble at 300 K.

WER = 1 - P(switch) for one SHM pulse of given current and width, with a
Clopper-Pearson interval; a sweep maps WER over pulse widths and currents. The device
physics and the switching criterion are those of :mod:`spincim.devices.switching`.
"""

from __future__ import annotations

import numpy as np

from .. import limits
from ..devices import switching
from ..devices.mtj import SotDevice
from ..errors import ParameterError


def wer_point(device: SotDevice, *, i_shm_a: float, pulse_s: float, runs: int, seed: int,
              workers: int | None = None, progress=None, executor=None,
              scheduler: str | None = None, checkpoint=None) -> dict:
    """WER of one (current, pulse) point: JSON-ready dict with a 95 % interval.

    The point is one chunk (one seeded ensemble): with ``executor``/``scheduler`` it runs
    there (see :mod:`.executor`); with ``checkpoint`` a finished point is stored and a
    re-run returns it.
    """
    _check(runs, [i_shm_a], [pulse_s])
    params = _parameters(device, mode="point", currents_a=[i_shm_a], pulses_s=[pulse_s],
                         runs=runs, seed=seed)
    item = (device, float(i_shm_a), float(pulse_s), runs, seed, workers)
    return _run_points([item], params, progress, executor, scheduler, checkpoint)[0]


def _check(runs, currents_a, pulses_s) -> None:
    """The library's ranges (the CLI's too) before any work."""
    limits.check_count("runs", runs)
    for i in currents_a:
        limits.check_current_a("currents_a", i)
    for p in pulses_s:
        limits.check_pulse_s("pulses_s", p)


def _point(item, progress=None) -> dict:
    """One WER point from (device, current, pulse, runs, seed, threads)."""
    device, i_shm_a, pulse_s, runs, seed, workers = item
    st = switching.switch_ensemble(device, i_shm_a=i_shm_a, pulse_s=pulse_s, runs=runs,
                                   seed=seed, workers=workers, progress=progress)
    lo, hi = st.ci95
    return {"current_a": i_shm_a, "pulse_s": pulse_s, "runs": runs,
            "switched": st.switched, "p_switch": st.switched_fraction,
            "p_switch_ci95": [lo, hi], "wer": 1.0 - st.switched_fraction,
            "wer_ci95": [1.0 - hi, 1.0 - lo],
            "wer_upper_bound_95": 1.0 - lo,
            "t_switch_s_median": st.t_switch_s_median, "wall_s": st.wall_s}


def _parameters(device: SotDevice, **run) -> dict:
    from .. import __version__

    return {"device": device, **run, "spincim_version": __version__}


def _point_steps(item) -> int:
    """LLGS spin-steps of one point (as the CLI's progress bar counts them)."""
    return item[3] * int(round((item[2] + 2e-9) / 1e-12))


def _run_points(items: list, params: dict, progress, executor, scheduler,
                checkpoint) -> list[dict]:
    """WER points over an executor, stored in / restored from a checkpoint."""
    import functools

    from . import checkpoint as ckpt
    from .executor import LocalExecutor, executor_scope

    with ckpt.checkpoint_scope(checkpoint, kind="mc write", parameters=params) as store:
        with executor_scope(executor, scheduler=scheduler, workers=1) as ex:
            local = isinstance(ex, LocalExecutor)  # map runs here: progress per step
            fn = functools.partial(_point, progress=progress) if local else _point
            stored = store.done("points") if store is not None else {}

            def done(index: int, _result) -> None:
                if progress is not None and (not local or index in stored):
                    progress(_point_steps(items[index]))

            return ex.map(fn, items, on_result=done, checkpoint=store, stage="points")


def wer_sweep(device: SotDevice, *, currents_a, pulses_s, runs: int, seed: int,
              workers: int | None = None, progress=None, executor=None,
              scheduler: str | None = None, checkpoint=None) -> dict:
    """WER over a grid: ``wer[i][j]`` for current i and pulse j (each pulse its own run).

    Every grid point uses its own seed spawned from ``seed`` (independent ensembles) and
    is one chunk: points run on ``executor``/``scheduler`` (:mod:`.executor`) and, with
    ``checkpoint``, finished points are stored and skipped on resume.
    """
    currents = [float(c) for c in currents_a]
    pulses = [float(p) for p in pulses_s]
    if not currents or not pulses:
        raise ParameterError("sweep", "give at least one current and one pulse width")
    seeds = np.random.SeedSequence(seed).spawn(len(currents) * len(pulses))
    items = [(device, current, pulse, runs,
              int(seeds[i * len(pulses) + j].generate_state(1)[0]), workers)
             for i, current in enumerate(currents) for j, pulse in enumerate(pulses)]
    params = _parameters(device, mode="sweep", currents_a=currents, pulses_s=pulses,
                         runs=runs, seed=seed)
    points = _run_points(items, params, progress, executor, scheduler, checkpoint)
    grid = [points[i * len(pulses):(i + 1) * len(pulses)] for i in range(len(currents))]
    return {"currents_a": currents, "pulses_s": pulses, "runs": runs, "seed": seed,
            "wer": [[p["wer"] for p in row] for row in grid],
            "wer_ci95": [[p["wer_ci95"] for p in row] for row in grid],
            "points": grid}


def plot_wer(result: dict, path: str):
    """WER against pulse width, one curve per current, 95 % intervals as error bars.

    A point without an error seen is drawn as an open triangle at its 95 % upper bound.
    Shared style (:mod:`spincim.figures`); the WER axis is logarithmic when the values
    and bounds span more than :data:`spincim.figures.LOG_SPAN`. Returns the axes (the
    figure itself is closed once written).
    """
    from .. import figures

    fig, grid = figures.new_figure(1, 1, width_in=6.4, panel_height_in=4.2)
    ax = grid[0][0]
    pulses_s = np.array(result["pulses_s"], dtype=float)
    t_factor, t_unit = figures.si_scale(pulses_s, "s")
    shown_values = []
    for i, current in enumerate(result["currents_a"]):
        colour = figures.PALETTE[i % len(figures.PALETTE)]
        marker = figures.MARKERS[i % len(figures.MARKERS)]
        wer = np.array(result["wer"][i], dtype=float)
        ci = [list(c) for c in result["wer_ci95"][i]]
        seen = wer > 0
        label = f"{figures.format_si(current, 'A')} (95 % interval)"
        if seen.any():
            ax.errorbar(pulses_s[seen] * t_factor, wer[seen],
                        yerr=figures.error_bars(wer[seen], [c for c, s in zip(ci, seen) if s]),
                        fmt=marker + "-", color=colour, ms=4, capsize=3, label=label)
            label = None
        zero = ~seen
        if zero.any():  # no error seen: the 95 % upper bound as an open marker
            hi = np.array([c[1] for c, z in zip(ci, zero) if z], dtype=float)
            ax.plot(pulses_s[zero] * t_factor, hi, "v", mfc="none", color=colour, ms=6,
                    label=label)
            shown_values += list(hi)
        shown_values += list(wer[seen]) + [c[0] for c, s in zip(ci, seen) if s]
    figures.use_log_if_wide(ax, shown_values, "y")
    ax.set_xlabel(figures.axis_label("Pulse width", t_unit))
    ax.set_ylabel(figures.axis_label("Write error rate (P to AP)", "1"))
    ax.set_title(f"{result['runs']} runs per point, {result.get('temperature_k', 300):g} K "
                 f"(open triangle: 95 % upper bound, no error seen)", fontsize=9)
    ax.legend(title="Write current")
    figures.save(fig, path)
    return ax


def switching_window(device: SotDevice, *, pulse_s: float, runs: int, seed: int,
                     p_low: float = 0.01, grid=None, workers: int | None = None) -> dict:
    """Currents where P(switch) reaches ``p_low`` and ``1 - p_low`` for one pulse (300 K).

    Their ratio is the current step a threshold (majority) write needs between "must
    not switch" and "must switch" for an error rate of about ``p_low`` per decision.
    ``grid`` is in units of Ic0 (default 0.6 .. 2.0); P is interpolated between points.
    """
    from ..devices.mtj import critical_current_a, thermal_stability

    if not 0 < p_low < 0.5:
        raise ParameterError("p_low", f"must be in (0, 0.5), got {p_low!r}")
    ic0 = critical_current_a(device)
    factors = np.linspace(0.6, 2.0, 29) if grid is None else np.asarray(grid, float)
    seeds = np.random.SeedSequence(seed).spawn(len(factors))
    p = np.array([switching.switch_ensemble(device, i_shm_a=float(f * ic0), pulse_s=pulse_s,
                                            runs=runs, seed=s, workers=workers
                                            ).switched_fraction
                  for f, s in zip(factors, seeds)])
    p_mono = np.maximum.accumulate(p)  # P(I) is non-decreasing; remove sampling wiggles
    if p_mono[0] > p_low or p_mono[-1] < 1 - p_low:
        raise ParameterError("grid", "the current grid does not bracket the switching window")
    i_lo = float(np.interp(p_low, p_mono, factors * ic0))
    # strictly increasing copy for the upper crossing (flat runs of P = 1 at the end)
    i_hi = float(np.interp(1 - p_low, p_mono + np.arange(len(p)) * 1e-12, factors * ic0))
    return {"pulse_s": pulse_s, "runs_per_point": runs, "p_low": p_low, "ic0_a": ic0,
            "delta": thermal_stability(device),
            "i_low_a": i_lo, "i_high_a": i_hi, "ratio": i_hi / i_lo,
            "currents_a": (factors * ic0).tolist(), "p_switch": p.tolist()}
