"""Figures of virtual trials (:class:`endorphin.Trial`).

* :func:`power_curve` -- simulated power against subjects per arm (the curve
  :func:`endorphin.sample_size` returns with ``return_curve=True``, or a list of
  :class:`~endorphin.TrialResult` of different sizes), with the target power, the
  chosen ``n`` and a 95 % Monte Carlo band;
* :func:`effects` -- the distribution of the effect estimates over replicates,
  with their mean and, if given, the true effect (hazard ratios on a log axis);
* :func:`arms` -- the per-subject endpoint values of each arm pooled over
  replicates (box plots), or for a time-to-event endpoint each arm's pooled
  Kaplan-Meier curve.
"""
from __future__ import annotations

import numpy as np

from .common import get_axes, quiet, styled
from .theme import BAND_ALPHA, NEUTRAL, color

__all__ = ["power_curve", "effects", "arms", "kaplan_meier"]


def _result(tr):
    from ..trial import TrialResult
    if not isinstance(tr, TrialResult):
        raise TypeError(f"tr must be an endorphin TrialResult, got {type(tr).__name__}")
    return tr


def _comparison(tr, comparison) -> str:
    comps = tr.comparisons
    if isinstance(comparison, str) and comparison in comps:
        return comparison
    if isinstance(comparison, (int, np.integer)) and not isinstance(comparison, bool) \
            and 0 <= comparison < len(comps):
        return comps[int(comparison)]
    raise ValueError(f"comparison must be an index or one of {comps}, got {comparison!r}")


def kaplan_meier(times, events):
    """The Kaplan-Meier product-limit estimate: (event times, survival just after
    each), NaN pairs left out.  ``S(t) = prod over event times u <= t of (1 - d_u /
    n_u)`` (``n_u`` at risk: times >= u)."""
    t = np.asarray(times, dtype=np.float64).ravel()
    e = np.asarray(events, dtype=np.float64).ravel()
    ok = ~np.isnan(t) & ~np.isnan(e)
    t, e = t[ok], e[ok] > 0
    u = np.unique(t[e])
    ts = np.sort(t)
    n = ts.size - np.searchsorted(ts, u, side="left")
    d = np.array([np.count_nonzero(t[e] == x) for x in u])
    return u, np.cumprod(1.0 - d / np.maximum(n, 1))


@styled
def power_curve(curve, endpoint=0, *, target: float | None = None, ax=None,
                label: str | None = None, band: bool = True):
    """Simulated power against subjects per arm.

    Parameters
    ----------
    curve : pandas.Series, mapping n -> power, or sequence of TrialResult
        The curve of ``sample_size(..., return_curve=True)`` (its ``attrs`` give
        the target, the chosen ``n`` and the replicates), a mapping, or trial
        results of different sizes (power of ``endpoint`` in the first comparison,
        at alpha 0.05, against the first arm's ``n``).
    endpoint : int or str
        The endpoint, for a sequence of results.
    target : float, optional
        Target power drawn as a horizontal line (default: the curve's own).
    band : bool
        Draw the 95 % Monte Carlo band ``p +- 1.96 sqrt(p (1 - p) / R)`` when the
        number of replicates ``R`` is known.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = get_axes(ax)
    attrs = {}
    if isinstance(curve, (list, tuple)):
        if not curve:
            raise ValueError("curve must hold at least one TrialResult")
        pts = {}
        for r in curve:
            r = _result(r)
            name = r.endpoint_name(endpoint)
            pw = r.power(0.05)
            p = pw.loc[name] if not hasattr(pw, "columns") else pw.iloc[:, 0].loc[name]
            pts[int(next(iter(r.n_per_arm.values())))] = float(p)
            attrs["replicates"] = r.replicates
        n, p = np.array(sorted(pts)), np.array([pts[k] for k in sorted(pts)])
    elif hasattr(curve, "items"):
        attrs = dict(getattr(curve, "attrs", {}) or {})
        items = sorted((int(k), float(v)) for k, v in curve.items())
        if not items:
            raise ValueError("curve is empty")
        n = np.array([k for k, _ in items])
        p = np.array([v for _, v in items])
    else:
        raise TypeError(f"curve must be a power curve (pandas Series or mapping n -> "
                        f"power) or a list of TrialResult, got {type(curve).__name__}")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("curve: powers must lie in [0, 1]")
    col = color(0)
    R = attrs.get("replicates")
    if band and R:
        half = 1.96 * np.sqrt(p * (1 - p) / R)
        ax.fill_between(n, np.clip(p - half, 0, 1), np.clip(p + half, 0, 1), color=col,
                        alpha=BAND_ALPHA, linewidth=0, label="95 % MC band")
    ax.plot(n, p, "o-", color=col, markersize=3, label=label or "simulated power")
    target = attrs.get("target") if target is None else target
    if target is not None:
        ax.axhline(target, color=NEUTRAL, linestyle="--", linewidth=0.8,
                   label=f"target {target:g}")
    if attrs.get("n") is not None:
        ax.axvline(attrs["n"], color=NEUTRAL, linestyle=":", linewidth=0.8,
                   label=f"n = {attrs['n']} per arm")
    ax.set_xlabel("subjects per arm")
    ax.set_ylabel("power")
    ax.set_ylim(0, 1.02)
    ax.legend(frameon=False, fontsize="small")
    return ax


@styled
def effects(tr, endpoint=0, comparison=0, *, truth: float | None = None, ax=None,
            bins: int = 30):
    """The distribution of a comparison's effect estimates over replicates.

    A histogram of the effects (treatment minus control in the endpoint's unit; the
    hazard ratio of a log-rank endpoint, on a log axis), a solid line at their mean
    (geometric mean for hazard ratios), a dashed line at ``truth`` if given and a
    dotted one at no effect (0, or 1 for a ratio).

    Returns
    -------
    matplotlib.axes.Axes
    """
    tr = _result(tr)
    name = tr.endpoint_name(endpoint)
    comp = _comparison(tr, comparison)
    ax = get_axes(ax)
    est = tr.estimates
    eff = est.loc[(est["endpoint"] == name) & (est["comparison"] == comp),
                  "effect"].to_numpy(dtype=np.float64)
    eff = eff[np.isfinite(eff)]
    ratio = tr.trial.analysis[name] == "logrank"
    if ratio:
        eff = eff[eff > 0]
        centre = float(np.exp(np.mean(np.log(eff)))) if eff.size else np.nan
        edges = np.geomspace(eff.min(), eff.max(), bins + 1) if eff.size > 1 and \
            np.ptp(eff) > 0 else bins
        ax.set_xscale("log")
        from matplotlib.ticker import FormatStrFormatter
        ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(FormatStrFormatter("%g"))
    else:
        centre = float(np.mean(eff)) if eff.size else np.nan
        edges = bins
    ax.hist(eff, bins=edges, color=color(0), alpha=0.6, label=f"{eff.size} replicates")
    ax.axvline(centre, color=color(0), linewidth=1.5,
               label=f"{'geometric ' if ratio else ''}mean {centre:.3g}")
    if truth is not None:
        ax.axvline(truth, color=color(1), linestyle="--", linewidth=1.2,
                   label=f"true {truth:.3g}")
    ax.axvline(1.0 if ratio else 0.0, color=NEUTRAL, linestyle=":", linewidth=0.8)
    ax.set_xlabel(("hazard ratio" if ratio else "effect") + f" ({comp})")
    ax.set_ylabel("replicates")
    ax.set_title(name, fontsize="medium")
    ax.legend(frameon=False, fontsize="small")
    return ax


@styled
def arms(tr, endpoint=0, *, ax=None):
    """Each arm's per-subject endpoint values pooled over replicates: box plots (with
    the mean as a diamond), or for a time-to-event endpoint the pooled Kaplan-Meier
    curves (time in days when the visits are a day or more apart, else minutes).

    Returns
    -------
    matplotlib.axes.Axes
    """
    tr = _result(tr)
    name = tr.endpoint_name(endpoint)
    ep = next(e for e in tr.trial.endpoints if e.name == name)
    ax = get_axes(ax)
    names = list(tr.trial.arms)
    if ep.is_time_to_event:
        scale, unit = (1440.0, "day") if ep.every >= 1440 else (1.0, "min")
        for i, a in enumerate(names):
            u, s = kaplan_meier(tr.values[a][name], tr.events[a][name])
            x = np.concatenate([[0.0], u / scale])
            y = np.concatenate([[1.0], s])
            ax.step(x, y, where="post", color=color(i), label=a)
        ax.set_xlabel(f"time from start [{unit}]")
        ax.set_ylabel("without event (Kaplan-Meier)")
        ax.set_ylim(0, 1.02)
    else:
        data = [quiet(lambda v: v[~np.isnan(v)], tr.values[a][name].ravel())
                for a in names]
        bp = ax.boxplot(data, showfliers=False, patch_artist=True)
        ax.set_xticks(range(1, len(names) + 1), names)
        for i, box in enumerate(bp["boxes"]):
            box.set_facecolor(color(i))
            box.set_alpha(0.5)
        means = [float(np.mean(d)) if d.size else np.nan for d in data]
        ax.plot(range(1, len(names) + 1), means, "D", color=NEUTRAL, markersize=5,
                label="mean")
        ax.set_ylabel(name)
    ax.set_title(name, fontsize="medium")
    ax.legend(frameon=False, fontsize="small")
    return ax
