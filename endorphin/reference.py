"""Pure-NumPy twin of the ``endorphin`` model: the slow, readable test oracle.

This module restates ``docs/model.md`` (the exact statement of the model that the
engine's C kernel ``csrc/kernels/endorphin_model.c`` implements) in plain Python, one
equation per line, parameters looked up by name.  It was written from the document, not
translated from the C, and shares no code with the engine: the tests compare the two
(right-hand side and outputs pointwise, the resting state, whole trajectories).  It is
slow (one Python call per right-hand-side evaluation, scipy's Radau), so use
``endorphin.core.simulate`` for real work.

Contents
--------
``STATES``, ``PARAMS``, ``INPUTS``, ``OUTPUTS``
    Names in the engine's order (``endorphin.core.models["endorphin"]``).
``rhs(t, y, p, u)``, ``outputs(t, y, p, u)``
    The derivatives and the algebraic outputs for one subject.
``rest_state(t0, p)``
    The resting state (the model's initial state): exact closed values with the rhythm
    off; with the rhythm on, the 24-h periodic orbit at ``t0``, found by shooting with the
    twin's own right-hand side (the rest dynamics are affine in the state, so one period of
    the flow is ``y(T) = M y(0) + g`` and the orbit solves ``(I - M) y = g``), not by the
    complex-amplitude formulas and quadrature the C uses.  With pulses on, the rest is
    the mean field: the pulse state held at ``pulse_mean`` (a parameter used only here).
``solve(p, t_out, protocol=None, ...)``
    A trajectory with piecewise-constant inputs and bolus doses, restarting the integrator
    at every input switch, dose and output time.

scipy (a test dependency, not a runtime one) is imported only by ``solve`` and by
``rest_state`` with the rhythm on.

Units as in the engine: time in minutes, beta-endorphin and ACTH in pmol/L, cortisol in
nmol/L, receptor affinities in nmol/L.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["STATES", "PARAMS", "INPUTS", "OUTPUTS", "CHANNELS", "DAY",
           "rhs", "outputs", "rest_state", "solve"]

#: The seven stimulus channels (inputs 0..6), each with its own Hill transform.
CHANNELS = ("exercise", "stress", "pain", "laughter", "meditation", "acupuncture",
            "placebo")

#: The three opioid receptors bound by beta-endorphin.
RECEPTORS = ("mu", "delta", "kappa")

STATES = (
    "act_p", "act_h", "syn_p", "syn_h", "store_p", "store_h", "pulse",
    "bend_plasma", "bend_csf", "acth", "cortisol",
) + tuple(f"nonopioid_{ch}" for ch in CHANNELS)

PARAMS = tuple(
    f"{ch}_{field}" for ch in CHANNELS
    for field in ("u50", "n", "gain_pituitary", "gain_hypothalamic", "nonopioid_gain")
) + (
    "tau_act", "tau_syn", "sigma_p", "sigma_h", "store_time_p", "store_time_h",
    "rho_p", "rho_h", "tau_pulse", "pulse_mean", "a_circ", "t_peak", "clock_start",
    "t_half_plasma", "t_half_csf", "bend_plasma_base", "bend_csf_base",
    "acth_base", "t_half_acth", "cortisol_base", "t_half_cortisol", "acth_ec50",
    "cortisol_hill", "tau_nonopioid",
    "K_bend_mu", "K_bend_delta", "K_bend_kappa",
    "tau_bend_mu", "tau_bend_delta", "tau_bend_kappa",
    "slope_mu", "slope_delta", "slope_kappa",
    "receptor_mu", "receptor_delta", "receptor_kappa",
    "w_mu", "w_delta", "w_kappa", "v_mu", "v_delta", "v_kappa",
)

INPUTS = CHANNELS + ("bend_iv_rate", "bend_icv_rate")

OUTPUTS = (
    "plasma_beta_endorphin", "csf_beta_endorphin", "plasma_acth", "plasma_cortisol",
    "occupancy_mu", "occupancy_delta", "occupancy_kappa",
    "receptor_mu", "receptor_delta", "receptor_kappa",
    "effect_mu", "effect_delta", "effect_kappa",
    "opioid_analgesia", "nonopioid_analgesia", "analgesia", "mood",
    "pain_nrs", "pain_threshold",
    "activation_pituitary", "activation_hypothalamic",
    "synthesis_pituitary", "synthesis_hypothalamic",
    "store_pituitary", "store_hypothalamic", "pulse", "circadian",
)

#: Period of the circadian rhythm (minutes).
DAY = 1440.0

# the states that are not zero at rest: the linear synthesis -> store -> plasma/CSF/ACTH
# chain, and cortisol (affine in itself, a Hill function of ACTH)
_LINEAR_REST = tuple(STATES.index(s) for s in (
    "syn_p", "syn_h", "store_p", "store_h", "bend_plasma", "bend_csf", "acth"))
_CORTISOL = STATES.index("cortisol")
_PULSE = STATES.index("pulse")


# ----------------------------------------------------------------------------- pieces
def _params(p) -> dict:
    p = np.asarray(p, dtype=float)
    if p.shape != (len(PARAMS),):
        raise ValueError(f"p must have shape ({len(PARAMS)},), got {p.shape}")
    return dict(zip(PARAMS, p.tolist()))


def _inputs(u) -> dict:
    u = np.asarray(u, dtype=float)
    if u.shape != (len(INPUTS),):
        raise ValueError(f"u must have shape ({len(INPUTS)},), got {u.shape}")
    return dict(zip(INPUTS, u.tolist()))


def channel_hill(u: float, u50: float, n: float) -> float:
    """h(u) = u^n / (u50^n + u^n) for u > 0, 0 for u <= 0 (docs/model.md, Inputs)."""
    if not u > 0.0:
        return 0.0
    return u ** n / (u50 ** n + u ** n)


def circadian(t, P: dict):
    """c(t) = 1 + a_circ cos(2 pi (t + clock_start - t_peak) / 1440)."""
    return 1.0 + P["a_circ"] * np.cos(2.0 * np.pi * (t + P["clock_start"] - P["t_peak"]) / DAY)


def cortisol_secretion(X, P: dict):
    """H(X) = X^m / (acth_ec50^m + X^m), m = cortisol_hill, X clipped at 0."""
    X = np.maximum(X, 0.0)
    m = P["cortisol_hill"]
    return X ** m / (P["acth_ec50"] ** m + X ** m)


def _stimuli(P: dict, U: dict) -> dict:
    """h_k(u_k) for the seven stimulus channels."""
    return {ch: channel_hill(U[ch], P[f"{ch}_u50"], P[f"{ch}_n"]) for ch in CHANNELS}


def _effects(C_h, P: dict):
    """Occupancy and operational-model effect at mu, delta, kappa for CSF C_h (pmol/L)."""
    L = 1e-3 * max(C_h, 0.0)                       # nmol/L at the receptors
    occ, eff = {}, {}
    for r in RECEPTORS:
        x = L / P[f"K_bend_{r}"]
        occ[r] = x / (1.0 + x)
        s = P[f"receptor_{r}"] * P[f"tau_bend_{r}"] * occ[r]
        sm = s ** P[f"slope_{r}"]
        eff[r] = sm / (1.0 + sm)
    return occ, eff


def _mood(eff: dict, P: dict) -> float:
    return P["v_mu"] * eff["mu"] + P["v_delta"] * eff["delta"] - P["v_kappa"] * eff["kappa"]


# ----------------------------------------------------------------------------- model
def rhs(t, y, p, u) -> np.ndarray:
    """dy/dt of the endorphin model (docs/model.md, table "States").

    ``y`` is the state (n_states,); it may also be (n_states, K), K states evaluated at
    once (scipy's ``vectorized=True`` layout).  ``p`` (n_params,) and ``u`` (n_inputs,)
    are in :data:`PARAMS` and :data:`INPUTS` order.
    """
    P, U = _params(p), _inputs(u)
    y = np.asarray(y, dtype=float)
    if y.shape[0] != len(STATES):
        raise ValueError(f"y must have {len(STATES)} rows, got shape {y.shape}")
    Y = dict(zip(STATES, y.tolist() if y.ndim == 1 else y))
    h = _stimuli(P, U)

    # drives to the pituitary and hypothalamic pools
    D_p = sum(P[f"{ch}_gain_pituitary"] * h[ch] for ch in CHANNELS)
    D_h = sum(P[f"{ch}_gain_hypothalamic"] * h[ch] for ch in CHANNELS)

    A_p, A_h = Y["act_p"], Y["act_h"]
    P_p, P_h = Y["syn_p"], Y["syn_h"]
    S_p, S_h = Y["store_p"], Y["store_h"]
    pulse = Y["pulse"]
    c = circadian(t, P)

    # release multipliers and elimination rates
    r_p = (1.0 + P["rho_p"] * A_p) * (1.0 + np.maximum(pulse, 0.0))
    r_h = 1.0 + P["rho_h"] * A_h
    k_p = math.log(2.0) / P["t_half_plasma"]
    k_h = math.log(2.0) / P["t_half_csf"]
    k_X = math.log(2.0) / P["t_half_acth"]
    k_F = math.log(2.0) / P["t_half_cortisol"]

    d = {}
    d["act_p"] = (D_p - A_p) / P["tau_act"]
    d["act_h"] = (D_h - A_h) / P["tau_act"]
    d["syn_p"] = (c * (1.0 + P["sigma_p"] * A_p) - P_p) / P["tau_syn"]
    d["syn_h"] = (c * (1.0 + P["sigma_h"] * A_h) - P_h) / P["tau_syn"]
    d["store_p"] = (P_p - r_p * S_p) / P["store_time_p"]
    d["store_h"] = (P_h - r_h * S_h) / P["store_time_h"]
    d["pulse"] = -pulse / P["tau_pulse"]
    d["bend_plasma"] = (k_p * (P["bend_plasma_base"] * r_p * S_p - Y["bend_plasma"])
                        + U["bend_iv_rate"])
    d["bend_csf"] = (k_h * (P["bend_csf_base"] * r_h * S_h - Y["bend_csf"])
                     + U["bend_icv_rate"])
    d["acth"] = k_X * (P["acth_base"] * r_p * S_p - Y["acth"])
    d["cortisol"] = k_F * (P["cortisol_base"] * cortisol_secretion(Y["acth"], P)
                           / cortisol_secretion(P["acth_base"], P) - Y["cortisol"])
    for ch in CHANNELS:
        d[f"nonopioid_{ch}"] = (h[ch] - Y[f"nonopioid_{ch}"]) / P["tau_nonopioid"]
    return np.array([d[s] for s in STATES], dtype=float)    # every d[s] has y[i]'s shape


def outputs(t, y, p, u) -> np.ndarray:
    """The model's outputs (docs/model.md, "Binding and effects" and "Outputs")."""
    P, U = _params(p), _inputs(u)
    y = np.asarray(y, dtype=float)
    if y.shape != (len(STATES),):
        raise ValueError(f"y must have shape ({len(STATES)},), got {y.shape}")
    Y = dict(zip(STATES, y.tolist()))

    occ, eff = _effects(Y["bend_csf"], P)
    _, eff_rest = _effects(P["bend_csf_base"], P)

    a_op = 1.0 - math.prod(1.0 - P[f"w_{r}"] * eff[r] for r in RECEPTORS)
    a_non = 1.0 - math.prod(
        1.0 - P[f"{ch}_nonopioid_gain"] * min(max(Y[f"nonopioid_{ch}"], 0.0), 1.0)
        for ch in CHANNELS)
    a = 1.0 - (1.0 - a_op) * (1.0 - a_non)
    mood = _mood(eff, P) - _mood(eff_rest, P)
    pain_nrs = min(max(U["pain"] * (1.0 - a), 0.0), 10.0)
    # min(1 / (1 - a), 10), written so that 1 - a = 0 gives 10 without dividing by 0
    pain_threshold = 1.0 / (1.0 - a) if (1.0 - a) > 0.1 else 10.0

    o = {
        "plasma_beta_endorphin": Y["bend_plasma"],
        "csf_beta_endorphin": Y["bend_csf"],
        "plasma_acth": Y["acth"],
        "plasma_cortisol": Y["cortisol"],
        "opioid_analgesia": a_op,
        "nonopioid_analgesia": a_non,
        "analgesia": a,
        "mood": mood,
        "pain_nrs": pain_nrs,
        "pain_threshold": pain_threshold,
        "activation_pituitary": Y["act_p"],
        "activation_hypothalamic": Y["act_h"],
        "synthesis_pituitary": Y["syn_p"],
        "synthesis_hypothalamic": Y["syn_h"],
        "store_pituitary": Y["store_p"],
        "store_hypothalamic": Y["store_h"],
        "pulse": Y["pulse"],
        "circadian": float(circadian(t, P)),
    }
    for r in RECEPTORS:
        o[f"occupancy_{r}"] = occ[r]
        o[f"receptor_{r}"] = P[f"receptor_{r}"]
        o[f"effect_{r}"] = eff[r]
    return np.array([o[name] for name in OUTPUTS], dtype=float)


# ----------------------------------------------------------------------------- rest
def _flow(t_start, t_end, Y0, p, u, *, rtol, atol, frozen=()):
    """Integrate K states (columns of Y0, (n_states, K)) from t_start to t_end at once.

    The states listed in ``frozen`` are held at their initial values (derivative 0)."""
    from scipy.integrate import solve_ivp

    S, K = Y0.shape
    frozen = list(frozen)

    def f(t, z):
        d = rhs(t, z.reshape(S, K), p, u)
        d[frozen] = 0.0
        return d.ravel()

    sol = solve_ivp(f, (t_start, t_end), Y0.ravel(), method="DOP853", rtol=rtol,
                    atol=atol)
    if not sol.success:
        raise RuntimeError(f"rest-state integration failed: {sol.message}")
    return sol.y[:, -1].reshape(S, K)


def rest_state(t0, p, *, rtol=1e-12, atol=1e-13) -> np.ndarray:
    """The resting state at time ``t0`` (docs/model.md, "Resting state").

    Stimuli, pulses and infusions off: activations, pulse and non-opioid states are 0.
    With pulses on (``pulse_mean`` > 0, the time-averaged pulse state) the pituitary
    store rests where the mean-field release ``(1 + pulse_mean) S_p`` balances synthesis.

    Rhythm off (``a_circ == 0``): synthesis and the hypothalamic store 1, the pituitary
    store ``1 / (1 + pulse_mean)``, every concentration at its base.

    Rhythm on: the 24-h periodic orbit of the resting model, by shooting with :func:`rhs`
    (DOP853 at ``rtol``) with the pulse state held at ``pulse_mean`` (the mean field).
    One day of that flow maps the linear chain (synthesis, stores, plasma, CSF, ACTH)
    affinely, ``y(t0) = M y(t0 - 1440) + g``; ``M`` and ``g`` come from integrating the
    zero state and the unit vectors together, and the periodic state solves
    ``(I - M) y = g``.  Cortisol is then affine in itself over the day,
    ``F(t0) = m F(t0 - 1440) + f`` given that ACTH orbit, so it is fixed from two
    integrations (``F = 0`` and ``F = 1``).  The returned pulse state is 0.
    """
    P = _params(p)
    if not P["pulse_mean"] >= 0.0:
        raise ValueError(f"pulse_mean must be >= 0, got {P['pulse_mean']}")
    y = np.zeros(len(STATES))
    if P["a_circ"] == 0.0:
        for s in ("syn_p", "syn_h", "store_h"):
            y[STATES.index(s)] = 1.0
        y[STATES.index("store_p")] = 1.0 / (1.0 + P["pulse_mean"])
        y[STATES.index("bend_plasma")] = P["bend_plasma_base"]
        y[STATES.index("bend_csf")] = P["bend_csf_base"]
        y[STATES.index("acth")] = P["acth_base"]
        y[STATES.index("cortisol")] = P["cortisol_base"]
        return y

    u0 = np.zeros(len(INPUTS))
    t_start = float(t0) - DAY
    lin = list(_LINEAR_REST)
    kw = dict(rtol=rtol, atol=atol, frozen=[_PULSE])
    # columns: the zero state, then a unit vector in each linear rest state
    Y0 = np.zeros((len(STATES), 1 + len(lin)))
    Y0[_PULSE] = P["pulse_mean"]
    for j, i in enumerate(lin):
        Y0[i, 1 + j] = 1.0
    Y1 = _flow(t_start, float(t0), Y0, p, u0, **kw)
    g = Y1[lin, 0]
    M = Y1[np.ix_(lin, range(1, 1 + len(lin)))] - g[:, None]
    y_lin = np.linalg.solve(np.eye(len(lin)) - M, g)

    # cortisol on that orbit: two starts, F = 0 and F = 1
    Z0 = np.zeros((len(STATES), 2))
    Z0[_PULSE] = P["pulse_mean"]
    Z0[lin, :] = y_lin[:, None]
    Z0[_CORTISOL, 1] = 1.0
    Z1 = _flow(t_start, float(t0), Z0, p, u0, **kw)
    f0, f1 = Z1[_CORTISOL, 0], Z1[_CORTISOL, 1]
    y[lin] = y_lin
    y[_CORTISOL] = f0 / (1.0 - (f1 - f0))
    return y


# ----------------------------------------------------------------------------- solve
def solve(p, t_out, protocol=None, y0=None, rtol=1e-10, atol=1e-12, *, doses=None,
          t0=None, method="Radau") -> np.ndarray:
    """Outputs (n_outputs, T) of one subject at ``t_out`` (nondecreasing, minutes).

    ``protocol = (breaks, inputs)``: breaks (B,) nondecreasing in (t0, t_end), inputs
    (B+1, n_inputs) on ``[t0, b0), [b0, b1), ..., [b_{B-1}, t_end]`` (default: all 0).
    ``y0``: the initial state (default :func:`rest_state` at ``t0``).  ``doses =
    (times, states, amounts)``: amounts added to the named (or indexed) states at those
    times.  ``t0`` defaults to ``t_out[0]``.  Everything is right-continuous: an output
    at a break or dose time sees the new inputs and the dosed state.

    scipy ``solve_ivp`` (Radau by default) is restarted at every break, dose and output
    time, so it never steps across a discontinuity and no output is interpolated.
    """
    from scipy.integrate import solve_ivp

    p = np.asarray(p, dtype=float)
    t_out = np.asarray(t_out, dtype=float)
    if t_out.ndim != 1 or t_out.size == 0 or (np.diff(t_out) < 0).any():
        raise ValueError("t_out must be a nonempty nondecreasing 1-D array")
    t0 = float(t_out[0]) if t0 is None else float(t0)
    t_end = float(t_out[-1])
    if t0 > t_out[0]:
        raise ValueError("t0 must be <= t_out[0]")

    if protocol is None:
        breaks, inputs = np.zeros(0), np.zeros((1, len(INPUTS)))
    else:
        breaks, inputs = protocol
        breaks = np.asarray(breaks, dtype=float).reshape(-1)
        inputs = np.asarray(inputs, dtype=float)
    if inputs.shape != (breaks.size + 1, len(INPUTS)):
        raise ValueError(f"inputs must have shape ({breaks.size + 1}, {len(INPUTS)})")

    if doses is None:
        d_t, d_i, d_a = np.zeros(0), np.zeros(0, dtype=int), np.zeros(0)
    else:
        d_t, d_s, d_a = doses
        d_t = np.asarray(d_t, dtype=float).reshape(-1)
        d_a = np.asarray(d_a, dtype=float).reshape(-1)
        d_i = np.array([STATES.index(s) if isinstance(s, str) else int(s) for s in d_s],
                       dtype=int)

    def inputs_at(t):
        # right-continuous: at a break the next segment's inputs apply (and of two
        # equal breaks the later one, so a zero-length segment never acts)
        return inputs[np.searchsorted(breaks, t, side="right")]

    y = rest_state(t0, p) if y0 is None else np.array(y0, dtype=float)
    stops = np.unique(np.concatenate([[t0, t_end], breaks, d_t, t_out]))
    out = np.empty((len(OUTPUTS), t_out.size))
    for j, s in enumerate(stops):
        for t_d, i, a in zip(d_t, d_i, d_a):
            if t_d == s:
                y[i] += a
        u = inputs_at(s)
        for k in np.flatnonzero(t_out == s):
            out[:, k] = outputs(s, y, p, u)
        if j + 1 < stops.size:
            sol = solve_ivp(lambda t, z: rhs(t, z, p, u), (s, stops[j + 1]), y,
                            method=method, rtol=rtol, atol=atol, vectorized=True)
            if not sol.success:
                raise RuntimeError(f"integration failed on [{s}, {stops[j + 1]}]: "
                                   f"{sol.message}")
            y = sol.y[:, -1].copy()
    return out
