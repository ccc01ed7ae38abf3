"""Independent references for the batched ODE engine tests (``endorphin.core``).

Nothing here imports the engine.  Three kinds of reference:

* closed-form pharmacokinetics evaluated in mpmath (60 significant digits) from the exact
  binary values of the inputs: IV bolus, constant infusion, Bateman oral absorption
  (including ka -> ke, where the float64 formula cancels catastrophically, and ka == ke),
  the two-compartment bi-exponential, superposition for repeated doses;
* the exact solution of a linear ODE with piecewise-constant input and bolus doses by the
  matrix exponential (``linear_exact``): for a linear system this *is* the solution, up to
  the rounding of ``scipy.linalg.expm`` (about 1e-15 relative to the state's norm);
* the W4 workload (benchmarks/README.md, W4), re-implemented here from the benchmark
  peers' ``w4_model.py`` (not imported), with
  its reference solution ``data/w4_reference_20subjects.npz`` (scipy Radau, rtol 1e-10,
  atol 1e-12, cross-checked with DOP853 at rtol 1e-13 to 4e-11; the peers' ``w4_check.py``).
"""
import math
from pathlib import Path

import mpmath
import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data"
DPS = 60


# ---------------------------------------------------------------------------- PK closed forms
def _mp(x):
    return mpmath.mpf(float(x))


def _after_dose(t, t_dose, amounts):
    """Two compartments' amounts at the times `t`: 0 before `t_dose`, from s = t - t_dose
    on ``amounts(s)`` (two mpmath numbers, evaluated at the caller's precision)."""
    first, second = [], []
    for ti in np.atleast_1d(t):
        s = _mp(ti) - _mp(t_dose)
        a, b = amounts(s) if s >= 0 else (0.0, 0.0)
        first.append(float(a))
        second.append(float(b))
    return np.array(first), np.array(second)


def bolus_1cpt(t, dose, ke, t_dose=0.0):
    """Central amount after an IV bolus `dose` at `t_dose` (0 before it; right-continuous)."""
    with mpmath.workdps(DPS):
        out = []
        for ti in np.atleast_1d(t):
            dt = _mp(ti) - _mp(t_dose)
            out.append(float(_mp(dose) * mpmath.exp(-_mp(ke) * dt)) if dt >= 0 else 0.0)
    return np.array(out)


def infusion_1cpt(t, rate, ke, t_on, t_off):
    """Central amount for a constant infusion `rate` on [t_on, t_off), from zero."""
    with mpmath.workdps(DPS):
        r, k, a, b = _mp(rate), _mp(ke), _mp(t_on), _mp(t_off)
        out = []
        for ti in np.atleast_1d(t):
            ti = _mp(ti)
            if ti <= a:
                v = mpmath.mpf(0)
            elif ti <= b:
                v = r / k * (1 - mpmath.exp(-k * (ti - a)))
            else:
                v = r / k * (1 - mpmath.exp(-k * (b - a))) * mpmath.exp(-k * (ti - b))
            out.append(float(v))
    return np.array(out)


def bateman(t, amount, ka, ke, t_dose=0.0):
    """(depot, central) amounts after `amount` (= F*D) into the depot at `t_dose`.

    central = A ka/(ka - ke) (e^{-ke s} - e^{-ka s}), s = t - t_dose; for ka == ke the limit
    A k s e^{-k s}.  Evaluated in mpmath at 60 digits, so ka within 1e-12 of ke is exact
    (in float64 the difference of exponentials loses all its digits there).
    """
    with mpmath.workdps(DPS):
        A, ka_, ke_ = _mp(amount), _mp(ka), _mp(ke)

        def amounts(s):
            if ka_ == ke_:
                c = A * ka_ * s * mpmath.exp(-ka_ * s)
            else:
                c = A * ka_ / (ka_ - ke_) * (mpmath.exp(-ke_ * s) - mpmath.exp(-ka_ * s))
            return A * mpmath.exp(-ka_ * s), c
        return _after_dose(t, t_dose, amounts)


def biexp_bolus_2cpt(t, dose, k10, k12, k21, t_dose=0.0):
    """(central, peripheral) amounts after an IV bolus into the central compartment.

    alpha, beta (alpha > beta > 0) are the roots of s^2 - (k10 + k12 + k21) s + k10 k21;
    central = D (A e^{-alpha s} + B e^{-beta s}), A = (alpha - k21)/(alpha - beta),
    B = (k21 - beta)/(alpha - beta); peripheral = D k12 (e^{-beta s} - e^{-alpha s})/(alpha - beta).
    """
    with mpmath.workdps(DPS):
        D, a10, a12, a21 = _mp(dose), _mp(k10), _mp(k12), _mp(k21)
        ssum, prod = a10 + a12 + a21, a10 * a21
        disc = mpmath.sqrt(ssum ** 2 - 4 * prod)
        alpha, beta = (ssum + disc) / 2, (ssum - disc) / 2

        def amounts(s):
            ea, eb = mpmath.exp(-alpha * s), mpmath.exp(-beta * s)
            return (D * ((alpha - a21) * ea + (a21 - beta) * eb) / (alpha - beta),
                    D * a12 * (eb - ea) / (alpha - beta))
        return _after_dose(t, t_dose, amounts)


def accumulation_peak_trough(dose, ke, tau, n):
    """Peak just after the n-th of n IV boluses every tau (amount), and the trough tau later.

    peak_n = D (1 - r^n)/(1 - r), trough_n = r peak_n, r = e^{-ke tau}; as n -> inf the
    accumulation ratio peak/D -> 1/(1 - e^{-ke tau})."""
    with mpmath.workdps(DPS):
        r = mpmath.exp(-_mp(ke) * _mp(tau))
        peak = _mp(dose) * (1 - r ** n) / (1 - r)
        return float(peak), float(peak * r)


# ------------------------------------------------------------ linear systems, exactly
def linear_system(model, p):
    """(A, Bu) of the registered linear PK models: dy/dt = A y + Bu * rate."""
    if model == "linear1":
        ka, ke, _ = p
        A = np.array([[-ka, 0.0], [ka, -ke]])
        Bu = np.array([0.0, 1.0])
    elif model == "linear2":
        ka, k10, k12, k21, _ = p
        A = np.array([[-ka, 0.0, 0.0],
                      [ka, -(k10 + k12), k21],
                      [0.0, k12, -k21]])
        Bu = np.array([0.0, 1.0, 0.0])
    else:
        raise ValueError(model)
    return A, Bu


def linear_exact(model, p, t_out, *, y0=None, t0=None, breaks=(), rates=(0.0,), doses=()):
    """Exact states (S, T) of a linear PK model at t_out (right-continuous at doses).

    breaks (B,), rates (B+1,) the infusion rate per segment, doses [(time, state, amount)].
    Each piece is propagated with expm of the augmented matrix [[A, b u], [0, 0]], which is
    the exact flow of a linear system with constant input."""
    from scipy.linalg import expm
    A, Bu = linear_system(model, p)
    S = A.shape[0]
    t_out = np.asarray(t_out, dtype=float)
    t0 = float(t_out[0]) if t0 is None else float(t0)
    y = np.zeros(S) if y0 is None else np.array(y0, dtype=float)
    bounds = [t0, *map(float, breaks), float(t_out[-1])]
    rates = list(rates) if len(rates) == len(bounds) - 1 else [rates[0]] * (len(bounds) - 1)

    def flow(y, dt, rate):
        M = np.zeros((S + 1, S + 1))
        M[:S, :S] = A
        M[:S, S] = Bu * rate
        z = expm(M * dt) @ np.append(y, 1.0)
        return z[:S]

    # event times: breaks and doses; integrate from event to event, sampling outputs
    events = sorted({*map(float, breaks), *(float(d[0]) for d in doses)})
    out = np.empty((S, t_out.size))
    t = t0

    def rate_at(tt):
        # segment index for time tt (right-continuous)
        return rates[int(np.searchsorted(np.asarray(bounds[1:-1]), tt, side="right"))]

    def apply_doses(y, tt):
        y = y.copy()
        for td, st, amt in doses:
            if float(td) == tt:
                y[st] += amt
        return y

    y = apply_doses(y, t)
    marks = [e for e in events if e > t0] + [np.inf]
    k = 0
    for j, tj in enumerate(t_out):
        while marks[k] <= tj:
            y = flow(y, marks[k] - t, rate_at(t))
            t = marks[k]
            y = apply_doses(y, t)
            k += 1
        out[:, j] = flow(y, tj - t, rate_at(t)) if tj > t else y
    return out


def tol_units(got, ref, rtol, atol):
    """|got - ref| / (atol + rtol |ref|): the error in units of the requested tolerance."""
    return np.abs(got - ref) / (atol + rtol * np.abs(ref))


# ------------------------------------------------------------- W4 (benchmarks/README.md)
# Re-implemented from the benchmark peers' w4_model.py (TYP, SUBJ_KEYS, FIXED, CV, SEED, N_MAX,
# PROTOCOL, CHANNELS, segments(), population(), fixed_vector(), steady_state()).
W4_TYP = {"k_el_p": math.log(2) / 25.0, "rho_p": 3.0, "rho_h": 2.0, "tau_A": 5.0,
          "C_p_base": 3.0}
W4_SUBJ_KEYS = ("k_el_p", "rho_p", "rho_h", "tau_A", "C_p_base")
W4_FIXED = {
    "tau_syn": 240.0, "k_rel_p": 1 / 120.0, "k_rel_h": 1 / 120.0, "sigma_p": 1.0,
    "sigma_h": 1.0, "k_el_h": math.log(2) / 60.0, "C_h_base": 30.0, "a_circ": 0.3,
    "t_peak": 480.0, "t_clock0": 0.0, "m": 1.0, "K": (1.0, 1.0, 50.0), "tau": (3.0, 3.0, 0.5),
    "k_des": (1e-3, 1e-3, 1e-3), "k_rec": (1 / 2880.0,) * 3, "w": (1.0, 0.5, 0.3),
    "pm2nm": 1e-3,
}
W4_FIXED_KEYS = ("tau_syn", "k_rel_p", "k_rel_h", "sigma_p", "sigma_h", "k_el_h", "C_h_base",
                 "a_circ", "t_peak", "t_clock0", "m", "K_mu", "K_delta", "K_kappa", "tau_mu",
                 "tau_delta", "tau_kappa", "k_des_mu", "k_des_delta", "k_des_kappa",
                 "k_rec_mu", "k_rec_delta", "k_rec_kappa", "w_mu", "w_delta", "w_kappa",
                 "pm2nm")
W4_STATES = ("A_p", "A_h", "P_p", "P_h", "S_p", "S_h", "C_p", "C_h", "R_mu", "R_delta",
             "R_kappa")
W4_CV, W4_SEED, W4_NMAX = 0.30, 20240504, 100_000
W4_T_END = 1440.0
W4_T_OUT = np.arange(0.0, 1441.0)
W4_CHANNELS = {
    "exercise": {"u50": 0.65, "n": 6.0, "g_p": 1.0, "g_h": 0.8},
    "pain": {"u50": 5.0, "n": 2.0, "g_p": 0.6, "g_h": 0.6},
    "laughter": {"u50": 0.5, "n": 2.0, "g_p": 0.1, "g_h": 0.6},
}
W4_PROTOCOL = [("exercise", 60.0, 45.0, 0.75), ("laughter", 300.0, 15.0, 1.0),
               ("pain", 600.0, 120.0, 4.0)]


def w4_segments():
    """(breaks (6,), inputs (7, 2)): interior switching times and (D_p, D_h) per segment,
    computed as in w4_model.segments() (drive = sum_k g_qk u^n / (u50^n + u^n))."""
    bounds = {0.0, W4_T_END}
    for _, s, d, _ in W4_PROTOCOL:
        bounds.update((s, s + d))
    seg_t = np.array(sorted(bounds))
    seg_D = np.zeros((len(seg_t) - 1, 2))
    for i in range(len(seg_t) - 1):
        tm = 0.5 * (seg_t[i] + seg_t[i + 1])
        u = {k: 0.0 for k in W4_CHANNELS}
        for ch, s, d, lev in W4_PROTOCOL:
            if s <= tm < s + d:
                u[ch] += lev
        for ch, p in W4_CHANNELS.items():
            if u[ch] > 0:
                h = u[ch] ** p["n"] / (p["u50"] ** p["n"] + u[ch] ** p["n"])
                seg_D[i, 0] += p["g_p"] * h
                seg_D[i, 1] += p["g_h"] * h
    return seg_t[1:-1].copy(), seg_D


def w4_population(n):
    """(n, 5) subject parameters (first n rows of the fixed N_MAX draw), SUBJ_KEYS order."""
    assert n <= W4_NMAX
    z = np.random.default_rng(W4_SEED).standard_normal((W4_NMAX, 5))[:n]
    omega = math.sqrt(math.log(1 + W4_CV ** 2))
    typ = np.array([W4_TYP[k] for k in W4_SUBJ_KEYS])
    return np.ascontiguousarray(typ * np.exp(omega * z))


def w4_fixed_vector():
    F = W4_FIXED
    v = [F["tau_syn"], F["k_rel_p"], F["k_rel_h"], F["sigma_p"], F["sigma_h"], F["k_el_h"],
         F["C_h_base"], F["a_circ"], F["t_peak"], F["t_clock0"], F["m"],
         *F["K"], *F["tau"], *F["k_des"], *F["k_rec"], *F["w"], F["pm2nm"]]
    return np.array(v, dtype=np.float64)


def w4_params(subj):
    """(n, 32) engine parameter matrix: the 5 subject parameters then the 27 fixed ones."""
    subj = np.atleast_2d(subj)
    return np.hstack([subj, np.broadcast_to(w4_fixed_vector(), (subj.shape[0], 27))])


def w4_steady_state(subj):
    """(n, 11) resting steady state, as w4_model.steady_state (bisection, 200 iterations)."""
    F = W4_FIXED
    n = subj.shape[0]
    c0 = 1.0 + F["a_circ"] * np.cos(2 * np.pi * (0.0 + F["t_clock0"] - F["t_peak"]) / 1440.0)
    y = np.zeros((n, 11))
    y[:, 2:6] = c0
    y[:, 6] = subj[:, 4] * c0
    y[:, 7] = F["C_h_base"] * c0
    L = y[:, 7] * F["pm2nm"]
    for r in range(3):
        x = L / F["K"][r]
        a = F["tau"][r] * x / (1 + x)
        lo, hi = np.zeros(n), np.ones(n)
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            s = mid * a
            g = F["k_rec"][r] * (1 - mid) - F["k_des"][r] * (s / (1.0 + s)) * mid
            lo = np.where(g > 0, mid, lo)
            hi = np.where(g > 0, hi, mid)
        y[:, 8 + r] = 0.5 * (lo + hi)
    return y


def w4_reference():
    """The stored Radau reference: dict with out (20, 3, 1441), t, subj (20, 5), y0 (20, 11)."""
    with np.load(DATA / "w4_reference_20subjects.npz", allow_pickle=False) as d:
        return {k: d[k] for k in d.files}


# ---------------------------------------------------------------------------- shared checks
def assert_interpolant_meets_step_values(sim, params):
    """Breaks with an unchanged input force step points at known times.  The interpolant of
    the step ending there meets the step value: y(b - d) - y(b) equals the true difference
    (about -y'(b) d) up to rounding, for d = 1e-6 (the interpolant's own error changes over
    d by ~d/h of the local error, far below the 1e-12 bound used).

    `sim(model, params, t, **kw)` runs the engine under test on the model ``linear1``
    with `params`; returns the simulated central amount and its exact reference.
    """
    bks = np.array([37.0, 91.0, 203.5])
    d = 1e-6
    t = np.sort(np.concatenate([[0.0, 400.0], bks, bks - d, bks + d]))
    res = sim("linear1", params, t, breaks=bks, inputs=np.full((4, 1), 0.8),
              doses=([0.0], [0], [60.0]))
    ref = linear_exact("linear1", params, t, doses=[(0.0, 0, 60.0)], breaks=bks,
                       rates=[0.8] * 4)
    y = res.y[0, 1]
    for b in bks:
        i = int(np.flatnonzero(t == b)[0])
        for j in (i - 1, i + 1):
            got = y[j] - y[i]
            want = ref[1, j] - ref[1, i]
            assert abs(got - want) <= 1e-12 * abs(y[i]), (b, j, got, want)
    return y, ref[1]
