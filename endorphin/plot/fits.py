"""Figures of model fits (:func:`endorphin.fit_model`).

* :func:`vpc` -- a visual predictive check (:func:`endorphin.estimation.vpc`):
  the observations as points, the observed percentiles as lines (the median
  solid, the outer ones dashed) and the confidence intervals of the same
  percentiles over the simulated replicates as bands, one panel per output;
* :func:`gof` -- the goodness-of-fit set: for a population fit DV against
  PRED and against IPRED (with the identity line), CWRES against time and
  against PRED, ``|IWRES|`` against IPRED and the normal QQ plot of CWRES; for
  an individual fit (no population prediction) DV against IPRED, IWRES against
  time, ``|IWRES|`` against IPRED and the QQ plot of IWRES;
* :func:`profile` -- a profile likelihood (:func:`endorphin.estimation.profile`):
  ``-2 log L`` above its minimum against the fixed value, per subject, with the
  ``chi^2_1(level)`` threshold and, for one subject, the interval's bounds.
"""
from __future__ import annotations

from statistics import NormalDist

import numpy as np

from ..results.meta import output_meta
from .common import get_axes, output_label, pyplot, styled
from .theme import BAND_ALPHA, NEUTRAL, color

__all__ = ["vpc", "gof", "profile"]

IDENTITY_GID = "endorphin-identity"
POINTS_GID = "endorphin-points"


def _panels(n: int, axes, shape, size):
    if axes is None:
        fig, axs = pyplot().subplots(*shape, figsize=size, squeeze=False)
        return np.ravel(axs)[:n]
    axs = np.ravel(np.asarray(axes, dtype=object))
    if axs.size != n or not all(hasattr(a, "plot") for a in axs):
        raise ValueError(f"axes must be {n} matplotlib Axes, got {axs.size}")
    return axs


# ---------------------------------------------------------------------------
# the visual predictive check
# ---------------------------------------------------------------------------
def _pct(p: float) -> str:
    return f"P{100 * p:g}"


@styled
def vpc(v, output: str | None = None, *, ax=None, points: bool = True, log: bool = False):
    """Draw a visual predictive check.

    Parameters
    ----------
    v : endorphin.estimation.VPC
        The result of ``fit.vpc(...)``.
    output : str, optional
        One output (default: every output of the check, one panel each).
    ax : matplotlib Axes or sequence of Axes, optional
        One per drawn output (default: a new figure).
    points : bool
        Draw the observations.
    log : bool
        Logarithmic y axis (non-positive values are not shown).

    Returns
    -------
    matplotlib.axes.Axes, or an array of them for several outputs
    """
    from ..estimation.diagnostics import VPC
    if not isinstance(v, VPC):
        raise TypeError(f"v must be an endorphin VPC (fit.vpc(...)), got {type(v).__name__}")
    outputs = list(dict.fromkeys(v.table["output"]))
    if output is not None:
        if output not in outputs:
            raise ValueError(f"output must be one of {outputs}, got {output!r}")
        outputs = [output]
    if ax is None:
        axs = _panels(len(outputs), None, (1, len(outputs)), (5.0 * len(outputs), 3.8))
    elif len(outputs) == 1 and not isinstance(ax, (list, tuple, np.ndarray)):
        axs = [get_axes(ax)]
    else:
        axs = _panels(len(outputs), ax, None, None)
    for a, o in zip(axs, outputs):
        tab = v.table[v.table["output"] == o]
        if points:
            obs = v.observed[v.observed["output"] == o]
            a.plot(obs["time"], obs["value"], "o", color=NEUTRAL, alpha=0.35, markersize=2.5,
                   linestyle="none", label="observed", gid=POINTS_GID)
        for p in v.pi:
            t = tab[tab["pi"] == p].sort_values("bin")
            mid = abs(p - 0.5) < 1e-12
            col = color(0) if mid else color(1)
            a.fill_between(t["time"], t["sim_lo"], t["sim_hi"], color=col, alpha=BAND_ALPHA,
                           linewidth=0,
                           label=f"simulated {_pct(p)}, {100 * v.ci:g} % CI")
            a.plot(t["time"], t["observed"], color=col, linestyle="-" if mid else "--",
                   linewidth=1.4, label=f"observed {_pct(p)}")
        if log:
            a.set_yscale("log")
        a.set_xlabel("time [min]")
        a.set_ylabel(output_label(o))
        a.set_title(f"VPC, {v.replicates} replicates", fontsize="medium")
    axs[0].legend(frameon=False, fontsize="small")
    return axs[0] if len(axs) == 1 else np.asarray(axs, dtype=object)


# ---------------------------------------------------------------------------
# goodness of fit
# ---------------------------------------------------------------------------
def _predictions(fit):
    import pandas as pd

    from ..estimation import ModelFit
    from ..estimation.population import PopulationFit
    if isinstance(fit, pd.DataFrame):
        tab = fit
    elif isinstance(fit, (ModelFit, PopulationFit)):
        predict = getattr(fit, "predict", None)
        if predict is None:
            raise TypeError(f"fit: this {type(fit).__name__} has no predict(); pass the "
                            f"predictions table (value, time, pred, ipred, iwres, cwres)")
        tab = predict()
    else:
        raise TypeError(f"fit must be a ModelFit, a PopulationFit or a predictions "
                        f"DataFrame, got {type(fit).__name__}")
    if "ipred" not in tab.columns and "prediction" in tab.columns:
        tab = tab.rename(columns={"prediction": "ipred"})
    population = {"pred", "cwres"} <= set(tab.columns)
    need = ["output", "time", "value", "ipred", "iwres"] + (["pred", "cwres"]
                                                            if population else [])
    missing = [c for c in need if c not in tab.columns]
    if missing:
        raise ValueError(f"fit: the predictions lack column(s) {missing} (need {need}; a "
                         f"population fit's also pred and cwres)")
    if len(tab) == 0:
        raise ValueError("fit: the predictions table has no rows")
    return tab, population


def _unit(outputs) -> str:
    units = {output_meta(o)[0] for o in outputs}
    if len(units) == 1:
        u = units.pop()
        return "" if u == "1" else f" [{u}]"
    return ""


def _scatter(ax, tab, x, y, outputs, transform=None, label=True):
    for i, o in enumerate(outputs):
        t = tab[tab["output"] == o]
        yy = t[y].to_numpy(dtype=np.float64)
        if transform is not None:
            yy = transform(yy)
        ax.plot(t[x].to_numpy(dtype=np.float64), yy, "o", color=color(i), alpha=0.6,
                markersize=3, linestyle="none", gid=POINTS_GID,
                label=o if label and len(outputs) > 1 else None)


def _identity(ax, tab, x, log):
    v = np.concatenate([tab[x].to_numpy(dtype=np.float64),
                        tab["value"].to_numpy(dtype=np.float64)])
    v = v[np.isfinite(v) & ((v > 0) if log else True)]
    lo, hi = (v.min(), v.max()) if v.size else (0.0, 1.0)
    ax.plot([lo, hi], [lo, hi], color=NEUTRAL, linewidth=0.9, gid=IDENTITY_GID,
            label="identity")
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")


def _qq(ax, tab, col, outputs):
    r = tab[col].to_numpy(dtype=np.float64)
    r = np.sort(r[np.isfinite(r)])
    n = r.size
    nd = NormalDist()
    q = np.array([nd.inv_cdf((k + 0.5) / n) for k in range(n)])
    ax.plot(q, r, "o", color=color(0), alpha=0.6, markersize=3, linestyle="none",
            gid=POINTS_GID)
    lim = [float(min(q.min(initial=-3.0), r.min(initial=-3.0))),
           float(max(q.max(initial=3.0), r.max(initial=3.0)))]
    ax.plot(lim, lim, color=NEUTRAL, linewidth=0.9, gid=IDENTITY_GID)
    ax.set_xlabel("standard normal quantile")
    ax.set_ylabel(f"{col.upper()} quantile")


@styled
def gof(fit, *, axes=None, log: bool = False):
    """The goodness-of-fit plots of a fit.

    Parameters
    ----------
    fit : PopulationFit, ModelFit or pandas.DataFrame
        A fit (its ``predict()`` is used) or a predictions table with columns
        ``output``, ``time``, ``value`` (DV), ``ipred`` (or ``prediction``),
        ``iwres`` and, for the population set, ``pred`` and ``cwres``.
    axes : sequence of matplotlib Axes, optional
        6 Axes (population) or 4 (individual); default a new figure.
    log : bool
        Logarithmic axes for DV against predictions (non-positive values not
        shown).

    Returns
    -------
    ndarray of matplotlib.axes.Axes
        Population: DV vs PRED, DV vs IPRED, CWRES vs time, CWRES vs PRED,
        ``|IWRES|`` vs IPRED, QQ plot of CWRES.  Individual: DV vs IPRED,
        IWRES vs time, ``|IWRES|`` vs IPRED, QQ plot of IWRES.  Several outputs
        are coloured apart (legend in the first panel).
    """
    tab, population = _predictions(fit)
    outputs = list(dict.fromkeys(tab["output"]))
    unit = _unit(outputs)
    if population:
        axs = _panels(6, axes, (2, 3), (11.0, 6.8))
    else:
        axs = _panels(4, axes, (2, 2), (8.0, 6.8))
    k = 0
    if population:
        a = axs[k]
        _scatter(a, tab, "pred", "value", outputs)
        _identity(a, tab, "pred", log)
        a.set_xlabel(f"PRED{unit}")
        a.set_ylabel(f"DV{unit}")
        k += 1
    a = axs[k]
    _scatter(a, tab, "ipred", "value", outputs, label=not population)
    _identity(a, tab, "ipred", log)
    a.set_xlabel(f"IPRED{unit}")
    a.set_ylabel(f"DV{unit}")
    k += 1
    res = "cwres" if population else "iwres"
    a = axs[k]
    _scatter(a, tab, "time", res, outputs, label=False)
    a.axhline(0.0, color=NEUTRAL, linewidth=0.8, linestyle=":")
    a.set_xlabel("time [min]")
    a.set_ylabel(res.upper())
    k += 1
    if population:
        a = axs[k]
        _scatter(a, tab, "pred", "cwres", outputs, label=False)
        a.axhline(0.0, color=NEUTRAL, linewidth=0.8, linestyle=":")
        a.set_xlabel(f"PRED{unit}")
        a.set_ylabel("CWRES")
        k += 1
    a = axs[k]
    _scatter(a, tab, "ipred", "iwres", outputs, transform=np.abs, label=False)
    a.set_xlabel(f"IPRED{unit}")
    a.set_ylabel("|IWRES|")
    k += 1
    _qq(axs[k], tab, res, outputs)
    h, labels = axs[0].get_legend_handles_labels()
    if labels:
        axs[0].legend(frameon=False, fontsize="small")
    return np.asarray(axs, dtype=object)


# ---------------------------------------------------------------------------
# profile likelihood
# ---------------------------------------------------------------------------
@styled
def profile(p, subject=None, *, ax=None, max_subjects: int = 12):
    """Draw a profile likelihood: ``delta`` (-2 log L above the estimate's)
    against the fixed value, per subject, with the threshold
    ``chi^2_1(level)``.

    Parameters
    ----------
    p : endorphin.estimation.Profile
        The result of ``fit.profile(name)``.
    subject : label or list of labels, optional
        Subjects to draw (default: the first ``max_subjects``).  With one
        subject the likelihood interval's bounds are drawn as dotted lines and
        the estimate as a marker.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..estimation.diagnostics import Profile
    if not isinstance(p, Profile):
        raise TypeError(f"p must be an endorphin Profile (fit.profile(name)), got "
                        f"{type(p).__name__}")
    known = list(p.interval.index)
    if subject is None:
        if isinstance(max_subjects, bool) or not isinstance(max_subjects, (int, np.integer)) \
                or max_subjects < 1:
            raise ValueError(f"max_subjects must be a positive integer, got {max_subjects!r}")
        subjects = known[:max_subjects]
    else:
        subjects = list(subject) if isinstance(subject, (list, tuple, np.ndarray)) \
            else [subject]
        bad = [s for s in subjects if s not in known]
        if bad or not subjects:
            raise ValueError(f"subject: {bad or subject!r} not among the profiled subjects "
                             f"{known[:10]}{' ...' if len(known) > 10 else ''}")
    ax = get_axes(ax)
    for i, s in enumerate(subjects):
        t = p.table[p.table["subject"] == s].sort_values("value")
        ax.plot(t["value"], t["delta"], "o-", color=color(i), markersize=3, linewidth=1.2,
                label=f"subject {s}" if len(subjects) <= 8 else None)
    ax.axhline(p.threshold, color=NEUTRAL, linestyle="--", linewidth=0.9,
               label=f"chi2(1) {100 * p.level:g} % = {p.threshold:.2f}")
    if len(subjects) == 1:
        row = p.interval.loc[subjects[0]]
        for b in (row["lower"], row["upper"]):
            if np.isfinite(b):
                ax.axvline(b, color=color(0), linestyle=":", linewidth=0.9)
        ax.plot([row["estimate"]], [0.0], "D", color=NEUTRAL, markersize=5,
                label="estimate")
    ax.set_xlabel(p.name)
    ax.set_ylabel("-2 log L above the minimum")
    ax.set_title(f"profile likelihood of {p.name}", fontsize="medium")
    ax.legend(frameon=False, fontsize="small")
    return ax
