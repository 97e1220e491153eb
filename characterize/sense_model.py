"""Analytic model of the sense path: the numpy cross-check of the SPICE Monte Carlo.

Each selected cell is its access transistor (a resistance ``r_on_ohm``, extracted from a
nominal SPICE run of the same path) in series with its MTJ; the selected cells of a
column are in parallel and carry the read current ``i_read_a``:

    Vsense = I_read * (1 / sum_k 1 / (R_on + R_mtj,k))

The AP resistance depends on its own bias, R_AP(V) = R_P (1 + TMR0 / (1 + (V/V_h)^2))
(devices/mtj.py), so the model iterates the divider to a fixed point. Vectorized over
trials: millions of trials take seconds.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError

#: fixed-point iterations of the bias-dependent TMR (converges to < 1e-12 V in ~6)
ITERATIONS = 12


def vsense_v(i_read_a: float, r_on_ohm, r_p_ohm, tmr0, v_half_v: float,
             states_ap) -> np.ndarray:
    """Sense voltage of ``n_cells`` cells read in parallel, for each trial (V).

    Parameters
    ----------
    i_read_a : float
        Read current into the bit line (A).
    r_on_ohm : float or (n_cells,) array
        Access-transistor on-resistance of each cell (Ohm).
    r_p_ohm, tmr0 : arrays of shape (trials, n_cells)
        Per-trial parallel resistance (RA / area) and zero-bias TMR of each MTJ.
    v_half_v : float
        Bias where the TMR halves (V).
    states_ap : sequence of bool, length n_cells
        Stored state of each cell (True = AP = '1').
    """
    r_p = np.atleast_2d(np.asarray(r_p_ohm, dtype=float))
    tmr = np.atleast_2d(np.asarray(tmr0, dtype=float))
    ap = np.asarray(states_ap, dtype=bool)
    if r_p.shape != tmr.shape or r_p.shape[1] != ap.size:
        raise ParameterError("states_ap", "r_p_ohm, tmr0 and states_ap disagree in shape")
    r_on = np.broadcast_to(np.asarray(r_on_ohm, dtype=float), (ap.size,))
    r_mtj = np.where(ap, r_p * (1.0 + tmr), r_p)
    for _ in range(ITERATIONS):
        g_branch = 1.0 / (r_on + r_mtj)
        v_sense = i_read_a / g_branch.sum(axis=1)
        v_mtj = v_sense[:, None] * g_branch * r_mtj
        r_mtj = np.where(ap, r_p * (1.0 + tmr / (1.0 + (v_mtj / v_half_v) ** 2)), r_p)
    g_branch = 1.0 / (r_on + r_mtj)
    return i_read_a / g_branch.sum(axis=1)
