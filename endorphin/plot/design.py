"""Figures of study designs (:mod:`endorphin.design`).

* :func:`sampling_times` -- sampling times over the predicted profile: the
  population median of an output with its percentile band, a vertical mark at each
  sampling time (several schedules as rows of ticks), the LLOQ with the region below
  it shaded and the samples whose median falls below it drawn hollow;
* :func:`schedules` -- power (``detection_search``) or efficiency of candidate
  schedules as a sorted dot chart with Monte Carlo error bars.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..results import Result
from .common import TimeAxis, band_pairs, bands_for, get_axes, output_label, quiet, \
    set_ylabel, styled
from .theme import BAND_ALPHA, NEUTRAL, color

__all__ = ["sampling_times", "schedules"]

SAMPLE_GID = "endorphin-sample"


def _schedules(times) -> dict:
    if isinstance(times, Mapping):
        items = list(times.items())
    else:
        items = [(None, times)]
    if not items:
        raise ValueError("times must hold at least one schedule")
    out = {}
    for name, t in items:
        try:
            a = np.atleast_1d(np.asarray(t, dtype=np.float64))
        except (TypeError, ValueError):
            raise TypeError(f"times must be sampling times (minutes) or a mapping name -> "
                            f"times, got {type(t).__name__}") from None
        if a.ndim != 1 or a.size == 0 or not np.isfinite(a).all():
            raise ValueError(f"times: schedule {name!r} must be a non-empty 1-D sequence "
                             f"of finite minutes")
        out[name] = np.sort(a)
    return out


@styled
def sampling_times(result, output: str, times, *, lloq=None, bands=(5, 95), ax=None,
                   time_unit: str = "min", label: str | None = None):
    """Sampling times over the predicted profile with its population band.

    Parameters
    ----------
    result : Result or Scenario
        A simulated population (a Scenario is simulated for ``output``).
    output : str
        The sampled output.
    times : array_like or mapping name -> array_like
        One schedule (minutes): a dotted vertical line and a marker on the median at
        each time.  Several schedules: one row of ticks per schedule along the bottom
        of the Axes, labelled with its name.
    lloq : float or Assay, optional
        Lower limit of quantification in the output's model unit (an Assay gives its
        own): drawn as a dashed line with the region below it shaded; samples whose
        median is below it are drawn hollow.
    bands : (float, float) or sequence of pairs or None
        Percentile band(s) of the population.
    time_unit : {"min", "h", "day", "clock"}
        Unit of the time axis.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import endorphin as en
    >>> sc = en.Scenario(en.Exercise(0.8, start=30, duration=30), t_end=180,
    ...                  population=en.Population(20, seed=1))
    >>> ax = en.plot.sampling_times(sc, "plasma_beta_endorphin", [0, 60, 65, 90])
    """
    from ..measurement import PRO, Assay
    from ..scenario import Scenario
    if isinstance(result, Scenario):
        result = result.simulate(outputs=[output])
    if not isinstance(result, Result):
        raise TypeError(f"result must be an endorphin Result or Scenario, got "
                        f"{type(result).__name__}")
    if output not in result.output_names:
        from .._validate import choice
        choice(output, result.output_names, "output", what="output")
    scheds = _schedules(times)
    if isinstance(lloq, (Assay, PRO)):
        lloq = lloq.lloq if isinstance(lloq, Assay) else None
    if lloq is not None:
        lloq = float(lloq)
        if not np.isfinite(lloq) or lloq < 0:
            raise ValueError(f"lloq must be a finite number >= 0, got {lloq!r}")
    ax = get_axes(ax)
    tx = TimeAxis.of(result, time_unit, 0.0)
    y = result[output]
    t = tx(result.t)
    med = quiet(np.nanmedian, y, axis=0)
    col = color(0)
    ax.plot(t, med, color=col, zorder=3, label=label or "median")
    if y.shape[0] > 1:
        pairs = band_pairs(bands)
        bands_for(ax, t, y, pairs, col)
        if pairs:
            lo, hi = pairs[0]
            ax.fill_between([], [], [], color=col, alpha=BAND_ALPHA,
                            label=f"{lo:g}-{hi:g} % of subjects")
    if lloq is not None:
        ax.axhline(lloq, color=NEUTRAL, ls="--", lw=0.9, label=f"LLOQ {lloq:g}")
        ax.axhspan(0.0, lloq, color=NEUTRAL, alpha=0.12, lw=0, zorder=0)
    single = len(scheds) == 1
    for k, (name, ts) in enumerate(scheds.items()):
        m = np.interp(ts, result.t, med)
        below = (m < lloq) if lloq is not None else np.zeros(ts.size, bool)
        c = NEUTRAL if single else color(k + 1)
        if single:
            for x in tx(ts):
                ax.axvline(x, color=NEUTRAL, ls=":", lw=0.9, zorder=2)
            ax.plot(tx(ts[~below]), m[~below], "o", color=c, ms=6, zorder=5,
                    gid=SAMPLE_GID, label=name or f"{ts.size} samples")
            if below.any():
                ax.plot(tx(ts[below]), m[below], "o", mfc="white", color=c, ms=6,
                        zorder=5, gid=SAMPLE_GID, label="median < LLOQ")
        else:
            trans = ax.get_xaxis_transform()
            row = 0.04 + 0.06 * (len(scheds) - 1 - k)
            ax.plot(tx(ts), np.full(ts.size, row), "|", color=c, ms=9, mew=2,
                    transform=trans, zorder=5, gid=SAMPLE_GID, label=str(name))
            if below.any():
                ax.plot(tx(ts[below]), np.full(int(below.sum()), row), "o", mfc="white",
                        color=c, ms=5, transform=trans, zorder=6)
    lo_y = 0.0 if np.nanmin(y) >= 0 else None
    if not single:                         # room for the rows of ticks
        top = float(np.nanmax(quiet(np.nanpercentile, y, 97.5, axis=0)))
        ax.set_ylim(-0.08 * len(scheds) * top if lo_y == 0.0 else None)
    elif lo_y == 0.0:
        ax.set_ylim(bottom=0.0)
    if not single and lo_y == 0.0:         # no negative ticks under the rows
        ax.set_yticks([v for v in ax.get_yticks() if v >= 0])
    tx.decorate(ax)
    set_ylabel(ax, output_label(output))
    ax.legend(frameon=False, fontsize="small")
    return ax


def _values(data, value):
    """(names, values, errors, groups) from a detection_search table, a mapping name ->
    number or DesignResult, or a Series."""
    import pandas as pd

    from ..design.fim import DesignResult
    if isinstance(data, pd.DataFrame):
        value = value or ("power" if "power" in data.columns else None)
        if value is None or value not in data.columns:
            raise ValueError(f"value must name a column of the table "
                             f"({', '.join(map(str, data.columns))}), got {value!r}")
        if "schedule" not in data.columns:
            raise ValueError("the table needs a 'schedule' column (as detection_search's)")
        groups = data["n"].to_numpy() if "n" in data.columns else np.zeros(len(data), int)
        err = data["se"].to_numpy(dtype=float) if "se" in data.columns and \
            value == "power" else None
        return (data["schedule"].astype(str).to_numpy(), data[value].to_numpy(dtype=float),
                err, groups, value)
    if isinstance(data, (Mapping, pd.Series)):
        items = list(data.items())
        if not items:
            raise ValueError("data is empty")
        if all(isinstance(v, DesignResult) for _, v in items):
            # D-efficiency relative to the best design: (det F / det F_best)^(1/K)
            K = {len(v.names) for _, v in items}
            if len(K) != 1:
                raise ValueError("the designs must estimate the same parameters")
            ld = np.array([v.log_det for _, v in items])
            vals = np.exp((ld - ld.max()) / K.pop())
            value = value or "D-efficiency"
        else:
            try:
                vals = np.array([float(v) for _, v in items])
            except (TypeError, ValueError):
                raise TypeError("data values must be numbers or DesignResult") from None
            value = value or "value"
        return (np.array([str(k) for k, _ in items]), vals, None,
                np.zeros(len(items), int), value)
    raise TypeError(f"data must be detection_search's DataFrame, a mapping name -> value "
                    f"(or DesignResult) or a Series, got {type(data).__name__}")


@styled
def schedules(data, value: str | None = None, *, ax=None, reference: float | None = None):
    """Power or efficiency of candidate schedules: a dot chart, best on top.

    Parameters
    ----------
    data : DataFrame, mapping or Series
        :func:`endorphin.design.detection_search`'s table (``power`` with its Monte
        Carlo ``se`` as 95 % error bars; one colour per ``n``), or a mapping schedule
        name -> number, or name -> :class:`~endorphin.design.fim.DesignResult` (drawn
        as D-efficiency relative to the best, ``(det F / det F_best)^(1/K)`` for K
        estimated parameters).
    value : str, optional
        The column (table) or axis label (mapping); default ``"power"`` /
        ``"D-efficiency"``.
    reference : float, optional
        A vertical reference line (e.g. a target power of 0.8).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import endorphin as en
    >>> ax = en.plot.schedules({"A": 0.9, "B": 0.6, "C": 0.75}, "power", reference=0.8)
    """
    names, vals, err, groups, value = _values(data, value)
    if not np.isfinite(vals).all():
        raise ValueError(f"{value}: the values must be finite")
    ax = get_axes(ax)
    gs = list(dict.fromkeys(groups.tolist()))
    # schedule order: by the best value over the groups, best on top
    order = {}
    for nm, v in zip(names, vals):
        order[nm] = max(order.get(nm, -np.inf), v)
    ranked = sorted(order, key=lambda k: order[k])
    ypos = {nm: i for i, nm in enumerate(ranked)}
    offs = (np.arange(len(gs)) - (len(gs) - 1) / 2) * (0.5 / max(len(gs), 1))
    for j, g in enumerate(gs):
        sel = groups == g
        yy = np.array([ypos[nm] for nm in names[sel]]) + offs[j]
        c = color(j)
        lab = f"n = {g}" if len(gs) > 1 or "n" in getattr(data, "columns", []) else None
        if err is not None:
            ax.errorbar(vals[sel], yy, xerr=1.96 * err[sel], fmt="o", color=c, ms=5,
                        elinewidth=1.0, capsize=2, label=lab, zorder=3)
        else:
            ax.plot(vals[sel], yy, "o", color=c, ms=6, label=lab, zorder=3)
            for x, y_ in zip(vals[sel], yy):
                ax.plot([0, x], [y_, y_], color=c, lw=0.8, alpha=0.5, zorder=2)
    ax.set_yticks(range(len(ranked)), ranked)
    ax.set_ylim(-0.6, len(ranked) - 0.4)
    if reference is not None:
        ax.axvline(float(reference), color=NEUTRAL, ls="--", lw=0.9,
                   label=f"{reference:g}")
    if value in ("power",) or value.endswith("efficiency"):
        ax.set_xlim(0, 1.02)
    ax.set_xlabel(value)
    ax.grid(axis="x", alpha=0.3)
    if ax.get_legend_handles_labels()[1]:
        ax.legend(frameon=False, fontsize="small", loc="lower right")
    return ax
