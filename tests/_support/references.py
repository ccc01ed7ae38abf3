"""Independent mpmath references for the dose-response ufuncs and gufuncs.

Every function here takes ordinary Python/NumPy floats, converts each one to the
mpmath number with the *exact* binary value of that float (``mpmath.mpf(float(v))``
is exact for float16/32/64 inputs) and evaluates the textbook formula of the
specification at ``DPS`` significant decimal digits.  The comparison against the
C kernels therefore measures only the kernels' own rounding errors.

The formulas are written from the SPECIFICATION in the test brief (and
docs/api.md section 1), never from the C code.  Where the specification
states a limit (x = 0, x = inf, slope = +-inf, effect = emax ...) the reference
returns that limit explicitly; mpmath's own arithmetic would give 0 * inf = nan.

Helpers at the bottom (``evaluate``, ``evaluate_core``) map a reference over
broadcast NumPy arrays and return float64 arrays, rounded once from the mpmath
value (so the reference itself carries at most 0.5 ulp).
"""
import math

import mpmath
import numpy as np

DPS = 50

mp = mpmath.mp


def _work():
    """At least DPS digits; more if the caller (e.g. mpmath.diff) already works higher."""
    return mpmath.workdps(max(DPS, mp.dps))


def _m(v):
    """The exact mpmath value of one float (or int) input; mpf values pass through
    unchanged (so mpmath.diff can differentiate the references)."""
    if isinstance(v, mpmath.mpf):
        return v
    return mpmath.mpf(float(v))


# ---------------------------------------------------------------- elementwise

def hill(c, emax, ec50, n):
    """emax c^n / (ec50^n + c^n)  (c >= 0, ec50 > 0, n > 0)."""
    with _work():
        c, emax, ec50, n = map(_m, (c, emax, ec50, n))
        if c == 0:
            return mpmath.mpf(0)
        if mpmath.isinf(c):
            return emax
        if mpmath.isinf(n):      # step function
            return emax if c > ec50 else (mpmath.mpf(0) if c < ec50 else emax / 2)
        # emax / (1 + (ec50/c)^n): the same function, written without huge powers
        return emax / (1 + mpmath.power(ec50 / c, n))


def emax_model(c, e0, emax, ec50, n):
    """e0 + hill(c, emax, ec50, n)."""
    with _work():
        return _m(e0) + hill(c, emax, ec50, n)


def _logistic_z(x, b, e):
    """z = exp(b (log x - log e)) = (x/e)^b, with the stated limits; may be 0 or inf.

    Returns None for the indeterminate case 0 * inf (b = 0 with x in {0, inf},
    b = +-inf with x = e), which the callers resolve as z = 1 (the midpoint).
    """
    x, b, e = map(_m, (x, b, e))
    if b == 0:
        return mpmath.mpf(1)
    if x == 0:
        t = -mpmath.inf
    elif mpmath.isinf(x):
        t = mpmath.inf
    else:
        t = mpmath.log(x) - mpmath.log(e)
    if t == 0:
        return mpmath.mpf(1)
    if mpmath.isinf(b) or mpmath.isinf(t):
        return mpmath.inf if (b > 0) == (t > 0) else mpmath.mpf(0)
    return mpmath.exp(b * t)


def ll4(x, b, c, d, e):
    """drc LL.4: c + (d - c) / (1 + exp(b (log x - log e)))."""
    with _work():
        z = _logistic_z(x, b, e)
        c, d = _m(c), _m(d)
        if mpmath.isinf(z):
            return c
        return c + (d - c) / (1 + z)


def ll5(x, b, c, d, e, f):
    """drc LL.5: c + (d - c) / (1 + exp(b (log x - log e)))^f."""
    with _work():
        z = _logistic_z(x, b, e)
        c, d, f = _m(c), _m(d), _m(f)
        if mpmath.isinf(z):
            return c
        return c + (d - c) / mpmath.power(1 + z, f)


def ll5_fraction(x, b, e, f):
    """1 / (1 + (x/e)^b)^f: the fraction of (d - c) that ll5 adds to c."""
    with _work():
        z = _logistic_z(x, b, e)
        if mpmath.isinf(z):
            return mpmath.mpf(0)
        return 1 / mpmath.power(1 + z, _m(f))


def occupancy(c, kd):
    """c / (c + kd)  (c >= 0, kd > 0; c = inf -> 1)."""
    with _work():
        c, kd = _m(c), _m(kd)
        if mpmath.isinf(c):
            return mpmath.mpf(1)
        return c / (c + kd)


def operational(a, ka, tau, em, n):
    """Black-Leff with slope: em tau^n a^n / ((ka + a)^n + tau^n a^n).

    Written as em u^n / (1 + u^n) with u = tau a / (ka + a), which is the same
    function and avoids huge intermediate powers (mpmath would not care, but
    the limits a = inf and tau = 0 become explicit).
    """
    with _work():
        a, ka, tau, em, n = map(_m, (a, ka, tau, em, n))
        if a == 0 or tau == 0:
            return mpmath.mpf(0)
        u = tau if mpmath.isinf(a) else tau * a / (ka + a)
        return em / (1 + mpmath.power(u, -n))


def dose_ratio(b, kb, slope):
    """Schild: 1 + (b/kb)^slope."""
    with _work():
        b, kb, slope = map(_m, (b, kb, slope))
        return 1 + mpmath.power(b / kb, slope)


def hill_inverse(effect, emax, ec50, n):
    """ec50 (effect / (emax - effect))^(1/n); effect = 0 -> 0, effect = emax -> inf."""
    with _work():
        effect, emax, ec50, n = map(_m, (effect, emax, ec50, n))
        if effect == 0:
            return mpmath.mpf(0)
        if effect == emax:
            return mpmath.inf
        return ec50 * mpmath.power(effect / (emax - effect), 1 / n)


def ecx(x, ec50, n):
    """ec50 (x / (1 - x))^(1/n); x = 0 -> 0, x = 1 -> inf."""
    return hill_inverse(x, 1.0, ec50, n)


# ---------------------------------------------------------------- gufuncs

def competitive_occupancy(conc, K):
    """(l),(r,l)->(r,l): occ[r, j] = x_rj / (1 + sum_m x_rm), x_rj = conc_j / K_rj.

    Exactly one infinite concentration: that ligand's occupancy is 1, the others 0.
    Returns a list of lists of mpf.
    """
    conc = [_m(v) for v in np.asarray(conc, dtype=np.float64).ravel()]
    K = np.asarray(K, dtype=np.float64)
    out = []
    with _work():
        inf_idx = [j for j, v in enumerate(conc) if mpmath.isinf(v)]
        for row in K:
            if len(inf_idx) == 1:
                out.append([mpmath.mpf(1) if j == inf_idx[0] else mpmath.mpf(0)
                            for j in range(len(conc))])
                continue
            x = [cj / _m(k) for cj, k in zip(conc, row)]
            denom = 1 + mpmath.fsum(x)
            out.append([xj / denom for xj in x])
    return out


def operational_multi(conc, K, tau, n):
    """(l),(l),(l),()->(): u = sum tau_j x_j / (1 + sum x_j), E = u^n / (1 + u^n)."""
    with _work():
        conc = [_m(v) for v in np.ravel(conc)]
        K = [_m(v) for v in np.ravel(K)]
        tau = [_m(v) for v in np.ravel(tau)]
        n = _m(n)
        inf_idx = [j for j, v in enumerate(conc) if mpmath.isinf(v)]
        if len(inf_idx) == 1:
            u = tau[inf_idx[0]]
        else:
            x = [cj / kj for cj, kj in zip(conc, K)]
            u = mpmath.fsum(tj * xj for tj, xj in zip(tau, x)) / (1 + mpmath.fsum(x))
        if u == 0:
            return mpmath.mpf(0)
        return 1 / (1 + mpmath.power(u, -n))


# ---------------------------------------------------------------- Jacobians
# Analytic partial derivatives, evaluated in mpmath.  test_gufuncs.py checks these
# formulas against mpmath.diff (numerical differentiation at high precision) of the
# functions above, so the Jacobian references are themselves verified.

def hill_jac(c, emax, ec50, n):
    """d hill / d(emax, ec50, n)."""
    with _work():
        c, emax, ec50, n = map(_m, (c, emax, ec50, n))
        if c == 0:
            return [mpmath.mpf(0)] * 3
        r = 1 / (1 + mpmath.power(ec50 / c, n))        # c^n / (ec50^n + c^n)
        s = r * (1 - r)
        return [r, -emax * n * s / ec50, emax * s * mpmath.log(c / ec50)]


def ll4_jac(x, b, c, d, e):
    """d ll4 / d(b, c, d, e)."""
    with _work():
        x, b, c, d, e = map(_m, (x, b, c, d, e))
        if x == 0:
            fx = mpmath.mpf(1) if b > 0 else (mpmath.mpf(0) if b < 0 else mpmath.mpf(0.5))
            return [mpmath.mpf(0), 1 - fx, fx, mpmath.mpf(0)]
        L = mpmath.log(x / e)
        f = 1 / (1 + mpmath.exp(b * L))
        s = f * (1 - f)
        return [-(d - c) * s * L, 1 - f, f, (d - c) * b * s / e]


def ll5_jac(x, b, c, d, e, f):
    """d ll5 / d(b, c, d, e, f)."""
    with _work():
        x, b, c, d, e, f = map(_m, (x, b, c, d, e, f))
        if x == 0:
            g = mpmath.mpf(1) if b > 0 else (mpmath.mpf(0) if b < 0 else mpmath.power(2, -f))
            return [mpmath.mpf(0), 1 - g, g, mpmath.mpf(0), mpmath.mpf(0)]
        L = mpmath.log(x / e)
        z = mpmath.exp(b * L)
        g = mpmath.power(1 + z, -f)
        h = f * z * mpmath.power(1 + z, -f - 1)          # -(d/d(bL)) of g
        return [-(d - c) * h * L, 1 - g, g, (d - c) * b * h / e,
                -(d - c) * g * mpmath.log1p(z)]


# ---------------------------------------------------------------- evaluation helpers

def to_float(v):
    """Round an mpf (or a nested list of them) to float64 once."""
    if isinstance(v, (list, tuple)):
        return [to_float(w) for w in v]
    return float(v)


def evaluate(func, *args):
    """Map an elementwise reference over broadcast NumPy arguments -> float64 array."""
    b = np.broadcast_arrays(*[np.asarray(a) for a in args])
    flat = [x.ravel() for x in b]
    out = np.array([float(func(*vals)) for vals in zip(*flat)], dtype=np.float64)
    return out.reshape(b[0].shape) if b else out


def evaluate_jac(func, *args):
    """Map a Jacobian reference (returns a list) over broadcast scalar arguments."""
    b = np.broadcast_arrays(*[np.asarray(a) for a in args])
    flat = [x.ravel() for x in b]
    rows = [[float(v) for v in func(*vals)] for vals in zip(*flat)]
    out = np.array(rows, dtype=np.float64)
    return out.reshape(b[0].shape + (out.shape[-1],))


def exact_float32_ulp(ref):
    """1 float32 ulp at each reference value (spacing of the float32 nearest to it)."""
    with np.errstate(over="ignore"):          # beyond float32's range -> inf, filtered later
        r = np.abs(np.asarray(ref, dtype=np.float64)).astype(np.float32)
        return np.spacing(r).astype(np.float64)


def perturbed_logspace(lo, hi, num, delta=math.pi * 1e-3):
    """Powers of ten nudged off the decades, so no ratio of two of them is exact."""
    return np.logspace(lo, hi, num) * (1 + delta)
