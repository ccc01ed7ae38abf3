"""The statistical tests of a trial, vectorized over replicates.

Every test compares a treatment arm ``y`` with the control arm ``x``: arrays
(R, n) of per-subject endpoint values of R replicates, NaN where a value is
missing (complete-case analysis: a missing value is left out).  Each returns
a dict of (R,) arrays: ``effect`` (treatment minus control, in the endpoint's
unit), ``ci_low``/``ci_high`` (a two-sided ``level`` confidence interval of the
effect), ``p_value`` (two-sided) and ``n_control``/``n_treatment`` (values
analysed).

=============  ================================================  =======================
test           effect                                            p-value
=============  ================================================  =======================
``ttest``      difference of means                               Student's two-sample t
                                                                 (pooled variance)
``ancova``     arm coefficient of ``value ~ arm + baseline``     t on n - 3 df (OLS)
``mannwhitney`` Hodges-Lehmann shift (median of the pairwise     Mann-Whitney U (scipy:
               differences; CI from the normal approximation of  exact for small
               the U distribution, Hollander & Wolfe)            samples without ties)
``chi2``       difference of proportions (Wald CI)               Pearson chi-square, 1 df,
                                                                 no continuity correction
``fisher``     difference of proportions (Wald CI)               Fisher's exact test
``logrank``    hazard ratio treatment / control, Peto's one-step  log-rank (Mantel-Cox)
               estimate ``exp((O - E) / V)``, CI                  chi-square, 1 df,
               ``exp((O - E) / V +- z / sqrt(V))``                 hypergeometric
                                                                 variance with ties
=============  ================================================  =======================

``logrank`` takes times (``x``, ``y``) and event flags (``x_event``, ``y_event``:
1 event, 0 censored); ``O`` and ``E`` are the treatment arm's observed and expected
events, ``V`` their variance, summed over the distinct event times (tied events
share a time).  The one-step estimate of the log hazard ratio is unbiased near a
ratio of 1 and shrinks towards 1 for ratios far from it (beyond about 0.5-2;
Berry et al., Stat Med 1991;10:749): the analysis the trial uses, a Cox model
is not fitted.

A degenerate replicate (fewer than 2 values in an arm, or no spread at all)
has ``p_value`` 1 when the arms do not differ and 0 when they differ without
spread (the test statistic is infinite); with fewer than 2 values in an arm
it is NaN, which never counts as significant.  scipy (the ``stats`` extra)
gives the distributions.
"""
from __future__ import annotations

import numpy as np

__all__ = ["ANALYSES", "run_test"]


def _stats():
    try:
        from scipy import stats
    except ImportError:
        raise ImportError("trial analysis needs scipy: pip install 'endorphin[stats]'") \
            from None
    return stats


def _counts(a):
    ok = ~np.isnan(a)
    return ok, ok.sum(axis=1)


def _mean_var(a, ok, n):
    s = np.where(ok, a, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = s / n
        ss = np.where(ok, (a - m[:, None]) ** 2, 0.0).sum(axis=1)
    return m, ss


def _finish(effect, se, df, level, n1, n2):
    """p-value and CI from a t statistic (df may be an array), degenerate cases."""
    st = _stats()
    with np.errstate(invalid="ignore", divide="ignore"):
        t = effect / se
        p = 2.0 * st.t.sf(np.abs(t), df)
        q = st.t.ppf(0.5 + level / 2.0, df)
    zero_se = se == 0
    p = np.where(zero_se, np.where(effect == 0, 1.0, 0.0), p)
    p = np.where((n1 < 2) | (n2 < 2) | (df < 1), np.nan, p)
    return p, effect - q * se, effect + q * se


def ttest(x, y, level=0.95, **_):
    """Student's two-sample t-test (pooled variance), difference of means."""
    okx, n1 = _counts(x)
    oky, n2 = _counts(y)
    m1, ss1 = _mean_var(x, okx, n1)
    m2, ss2 = _mean_var(y, oky, n2)
    df = (n1 + n2 - 2).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        sp2 = (ss1 + ss2) / df
        se = np.sqrt(sp2 * (1.0 / n1 + 1.0 / n2))
    effect = m2 - m1
    p, lo, hi = _finish(effect, se, df, level, n1, n2)
    return dict(effect=effect, ci_low=lo, ci_high=hi, p_value=p, n_control=n1,
                n_treatment=n2)


def ancova(x, y, level=0.95, *, x_baseline=None, y_baseline=None, **_):
    """ANCOVA: ordinary least squares of ``value ~ 1 + arm + baseline`` per replicate;
    the effect is the arm coefficient (adjusted difference), t on n - 3 df."""
    if x_baseline is None or y_baseline is None:
        raise ValueError("analysis 'ancova' needs an endpoint with a baseline "
                         "(change, percent_change)")
    R = x.shape[0]
    v = np.concatenate([x, y], axis=1)
    b = np.concatenate([x_baseline, y_baseline], axis=1)
    arm = np.concatenate([np.zeros(x.shape[1]), np.ones(y.shape[1])])
    ok = ~np.isnan(v) & ~np.isnan(b)
    n1 = ok[:, :x.shape[1]].sum(axis=1)
    n2 = ok[:, x.shape[1]:].sum(axis=1)
    effect = np.full(R, np.nan)
    se = np.full(R, np.nan)
    for r in range(R):
        k = ok[r]
        n = int(k.sum())
        if n1[r] < 2 or n2[r] < 2 or n < 4:
            continue
        X = np.column_stack([np.ones(n), arm[k], b[r, k]])
        yy = v[r, k]
        beta, _, rank, _ = np.linalg.lstsq(X, yy, rcond=None)
        if rank < 3:                      # baseline constant: the t-test's model
            X = X[:, :2]
            beta, _, rank, _ = np.linalg.lstsq(X, yy, rcond=None)
        resid = yy - X @ beta
        dfr = n - X.shape[1]
        s2 = resid @ resid / dfr
        cov = s2 * np.linalg.inv(X.T @ X)
        effect[r] = beta[1]
        se[r] = np.sqrt(max(cov[1, 1], 0.0))
    df = (n1 + n2 - 3).astype(np.float64)
    p, lo, hi = _finish(effect, se, df, level, n1, n2)
    return dict(effect=effect, ci_low=lo, ci_high=hi, p_value=p, n_control=n1,
                n_treatment=n2)


def mannwhitney(x, y, level=0.95, **_):
    """Mann-Whitney U test; the effect is the Hodges-Lehmann shift of ``y`` over
    ``x``, its CI the order statistics of the pairwise differences at the normal
    approximation of U's distribution."""
    st = _stats()
    R = x.shape[0]
    out = {k: np.full(R, np.nan) for k in ("effect", "ci_low", "ci_high", "p_value")}
    n1 = (~np.isnan(x)).sum(axis=1)
    n2 = (~np.isnan(y)).sum(axis=1)
    z = st.norm.ppf(0.5 + level / 2.0)
    for r in range(R):
        a = x[r][~np.isnan(x[r])]
        c = y[r][~np.isnan(y[r])]
        if a.size < 2 or c.size < 2:
            continue
        d = np.sort((c[:, None] - a[None, :]).ravel())
        out["effect"][r] = np.median(d)
        m = d.size
        k = int(np.floor(m / 2.0 - z * np.sqrt(a.size * c.size * (a.size + c.size + 1)
                                                 / 12.0)))
        k = min(max(k, 0), m - 1)
        out["ci_low"][r], out["ci_high"][r] = d[k], d[m - 1 - k]
        if np.ptp(np.concatenate([a, c])) == 0:
            out["p_value"][r] = 1.0
        else:
            out["p_value"][r] = st.mannwhitneyu(c, a, alternative="two-sided").pvalue
    return dict(out, n_control=n1, n_treatment=n2)


def _proportions(x, y, level):
    st = _stats()
    okx, n1 = _counts(x)
    oky, n2 = _counts(y)
    k1 = np.where(okx, x, 0.0).sum(axis=1)
    k2 = np.where(oky, y, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = k1 / n1, k2 / n2
        se = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    z = st.norm.ppf(0.5 + level / 2.0)
    effect = p2 - p1
    return dict(effect=effect, ci_low=effect - z * se, ci_high=effect + z * se,
                n_control=n1, n_treatment=n2), (k1, n1, k2, n2)


def chi2(x, y, level=0.95, **_):
    """Pearson's chi-square test of a 2 x 2 table (responders by arm), 1 df, without
    continuity correction (equal to the two-proportion z-test)."""
    st = _stats()
    out, (k1, n1, k2, n2) = _proportions(x, y, level)
    n = n1 + n2
    with np.errstate(invalid="ignore", divide="ignore"):
        pool = (k1 + k2) / n
        zz = (k2 / n2 - k1 / n1) / np.sqrt(pool * (1 - pool) * (1.0 / n1 + 1.0 / n2))
        p = st.chi2.sf(zz ** 2, 1)
    p = np.where((pool == 0) | (pool == 1), 1.0, p)    # all or none respond: no difference
    p = np.where((n1 < 2) | (n2 < 2), np.nan, p)
    out["p_value"] = p
    return out


def fisher(x, y, level=0.95, **_):
    """Fisher's exact test of a 2 x 2 table (two-sided, scipy's definition)."""
    st = _stats()
    out, (k1, n1, k2, n2) = _proportions(x, y, level)
    p = np.full(k1.shape, np.nan)
    for r in range(p.size):
        if n1[r] >= 2 and n2[r] >= 2:
            table = [[int(k2[r]), int(n2[r] - k2[r])], [int(k1[r]), int(n1[r] - k1[r])]]
            p[r] = st.fisher_exact(table).pvalue
    out["p_value"] = p
    return out


def _logrank_one(t, e, g):
    """O - E and V of the group ``g == 1`` (times t, events e as bools)."""
    order = np.argsort(t, kind="stable")
    t, e, g = t[order], e[order], g[order]
    n = t.size
    ev_times = np.unique(t[e])
    if ev_times.size == 0:
        return 0.0, 0.0
    # at risk at time u: subjects with t >= u
    left = np.searchsorted(t, ev_times, side="left")
    at_risk = n - left
    at_risk1 = np.cumsum(g[::-1])[::-1][left]        # treatment subjects with t >= u
    idx = np.searchsorted(ev_times, t[e])
    d = np.bincount(idx, minlength=ev_times.size).astype(np.float64)
    d1 = np.bincount(idx, weights=g[e].astype(np.float64), minlength=ev_times.size)
    nn = at_risk.astype(np.float64)
    n1 = np.asarray(at_risk1, dtype=np.float64)
    o_e = float(np.sum(d1 - d * n1 / nn))
    with np.errstate(invalid="ignore", divide="ignore"):
        v = d * (n1 / nn) * (1.0 - n1 / nn) * np.where(nn > 1, (nn - d) / (nn - 1), 0.0)
    return o_e, float(np.sum(v))


def logrank(x, y, level=0.95, *, x_event=None, y_event=None, **_):
    """The log-rank test of times ``y`` (treatment) against ``x`` (control) with event
    flags; the effect is the hazard ratio treatment / control (Peto's estimate)."""
    if x_event is None or y_event is None:
        raise ValueError("analysis 'logrank' needs event flags (a time_to_event "
                         "endpoint)")
    st = _stats()
    R = x.shape[0]
    xe = np.asarray(x_event, dtype=np.float64)
    ye = np.asarray(y_event, dtype=np.float64)
    n1 = (~np.isnan(x) & ~np.isnan(xe)).sum(axis=1)
    n2 = (~np.isnan(y) & ~np.isnan(ye)).sum(axis=1)
    z = st.norm.ppf(0.5 + level / 2.0)
    out = {k: np.full(R, np.nan) for k in ("effect", "ci_low", "ci_high", "p_value")}
    for r in range(R):
        if n1[r] < 2 or n2[r] < 2:
            continue
        kx = ~np.isnan(x[r]) & ~np.isnan(xe[r])
        ky = ~np.isnan(y[r]) & ~np.isnan(ye[r])
        t = np.concatenate([x[r][kx], y[r][ky]])
        e = np.concatenate([xe[r][kx], ye[r][ky]]) > 0
        g = np.concatenate([np.zeros(int(kx.sum()), bool), np.ones(int(ky.sum()), bool)])
        o_e, v = _logrank_one(t, e, g)
        if v <= 0.0:                  # no events, or no information: no difference seen
            out["p_value"][r] = 1.0
            continue
        b = o_e / v
        out["effect"][r] = np.exp(b)
        out["ci_low"][r] = np.exp(b - z / np.sqrt(v))
        out["ci_high"][r] = np.exp(b + z / np.sqrt(v))
        out["p_value"][r] = st.chi2.sf(o_e * o_e / v, 1)
    return dict(out, n_control=n1, n_treatment=n2)


ANALYSES = {"ttest": ttest, "ancova": ancova, "mannwhitney": mannwhitney, "chi2": chi2,
            "fisher": fisher, "logrank": logrank}


def run_test(name: str, x, y, level=0.95, **kw) -> dict:
    """Run analysis ``name`` on control ``x`` and treatment ``y`` (R, n) arrays."""
    return ANALYSES[name](np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64),
                          level, **kw)
