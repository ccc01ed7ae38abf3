"""Summaries of results: per-subject metrics of every output and population percentiles.

:func:`summary_tables` computes, per subject, the metrics of each output by its kind
(:data:`endorphin.model.spec.OUTPUTS`): Cmax, Tmax and AUC of concentrations, the peak of
the named effects and its time, mean/min/max of scores, fractions and ratios, and the time
at or above clinical cut-points (:data:`SUMMARY_THRESHOLDS`); :class:`Summary` holds them
with their population percentiles.  :meth:`endorphin.Result.summary` and
:meth:`endorphin.Comparison.summary` call it.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from html import escape

import numpy as np

from ..math import nca
from .meta import output_kind, output_meta

__all__ = ["Summary", "SUMMARY_THRESHOLDS", "summary_tables", "check_thresholds",
           "check_percentiles", "quiet_nan"]

# summary metrics by output kind (endorphin.model.spec.OUTPUTS): concentrations get
# Cmax/Tmax/AUC; the named effects their peak and its time; scores, fractions, ratios and
# the other effects mean/min/max; the clinical scores also the time at or above cut-points
_PEAKS = ("analgesia", "opioid_analgesia", "nonopioid_analgesia", "mood")

#: Default cut-points of :meth:`Result.summary` (time at or above each, minutes).
#: Pain NRS: 5 (moderate) and 7 (severe): mild 1-4, moderate 5-6, severe 7-10
#: (Serlin et al. 1995, Pain 61:277-284, doi:10.1016/0304-3959(94)00178-H; other
#: populations place them higher, e.g. Boonstra et al. 2016, Front Psychol 7:1466,
#: doi:10.3389/fpsyg.2016.01466: mild <= 5 in chronic musculoskeletal pain).  HADS-A and
#: HADS-D: 8 ("possible"/doubtful case, 8-10) and 11 (probable case, >= 11) (Zigmond &
#: Snaith 1983, Acta Psychiatr Scand 67:361-370, doi:10.1111/j.1600-0447.1983.tb09716.x;
#: 8 the best balance of sensitivity and specificity: Bjelland et al. 2002, J Psychosom
#: Res 52:69-77, doi:10.1016/S0022-3999(01)00296-3).
SUMMARY_THRESHOLDS = {"pain_nrs": (5.0, 7.0), "anxiety_score": (8.0, 11.0),
                      "depression_score": (8.0, 11.0)}


def quiet_nan(fn, *args, **kwargs):
    # all-NaN slices (failed subjects) give NaN without a RuntimeWarning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)



class Summary:
    """Per-subject metrics and population percentiles of a result.

    Attributes
    ----------
    subjects : pandas.DataFrame
        One row per subject (index ``subject``; with ``scenario`` first for a
        comparison), columns in the order of the outputs.  By the output's
        kind (:data:`endorphin.model.spec.OUTPUTS`; drug outputs
        ``<drug>_plasma``, ``<drug>_effect_site``, ``occupancy_<r>_<drug>``
        by their pattern):

        * concentrations (beta-endorphin, ACTH, cortisol, drug plasma and
          effect-site): ``<output>_cmax`` (its unit), ``<output>_tmax``
          (min) and ``<output>_auc`` (unit x min, over the output grid);
        * ``analgesia``, ``opioid_analgesia``, ``nonopioid_analgesia`` and
          ``mood``: ``<output>_peak`` (maximum) and ``<output>_tpeak`` (min),
          and ``<output>_mean``; ``mood_min``;
        * scores (``pain_nrs``, ``anxiety_score``, ``depression_score``,
          ``vo2max``), receptor fractions, ratios and the other effects:
          ``<output>_mean`` (time-weighted: trapezoidal AUC / duration),
          ``<output>_min``, ``<output>_max`` in the output's unit;
        * ``pain_nrs`` and the HADS scores also ``<output>_time_ge_<c>``
          (min): time at or above each cut-point ``c`` of
          :data:`SUMMARY_THRESHOLDS` (or ``thresholds=``), on the linear
          interpolant of the output grid.

        Internal states of the release chain (kind ``"internal"``) and
        outputs the model does not know are skipped: see ``skipped``.
    population : pandas.DataFrame
        One row per metric (index ``metric``; with ``scenario`` first for a
        comparison): ``unit``, ``mean``, ``sd`` and the requested
        percentiles (``p5``, ``p50``, ``p95``, ...), NaN-aware.
    units : dict
        Unit of every metric.
    skipped : dict
        Outputs of the result that have no metric, each with the reason.
    """

    def __init__(self, subjects, population, units: dict, skipped=None):
        self.subjects = subjects
        self.population = population
        self.units = dict(units)
        self.skipped = dict(skipped or {})

    def _skipped_line(self) -> str:
        if not self.skipped:
            return ""
        by_reason = {}
        for name, why in self.skipped.items():
            by_reason.setdefault(why, []).append(name)
        return "skipped: " + "; ".join(f"{', '.join(v)} ({k})" for k, v in by_reason.items())

    def __repr__(self) -> str:
        table = (self.population.to_string() if len(self.population)
                 else "(no metrics: no output of a summarised kind)")
        skipped = self._skipped_line()
        return (f"Summary of {len(self.subjects)} subject rows\n{table}"
                + (f"\n{skipped}" if skipped else ""))

    def _repr_html_(self) -> str:
        text = escape(repr(self))
        return (f"<div><pre style='display:none' class='endorphin-text-fallback'>{text}"
                f"</pre><b>Population summary</b> ({len(self.subjects)} subject rows; "
                f"per-subject values in <code>.subjects</code>)"
                f"{self.population.to_html(float_format=lambda x: f'{x:.4g}')}"
                + (f"<p>{escape(self._skipped_line())}</p>" if self.skipped else "")
                + "</div>")


def _time_at_or_above(t, y, level):
    """Minutes with y >= level on the piecewise-linear interpolant of (t, y), per row
    (NaN where a row has NaN)."""
    a, b = y[:, :-1], y[:, 1:]
    dt = np.diff(t)
    hi, lo = np.maximum(a, b), np.minimum(a, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(lo >= level, 1.0,
                        np.where(hi < level, 0.0, (hi - level) / (hi - lo)))
    out = (frac * dt).sum(axis=1)
    return np.where(np.isnan(y).any(axis=1), np.nan, out)


def summary_tables(t, get, names, subjects, percentiles, auc_method, thresholds=None):
    import pandas as pd
    cuts = dict(SUMMARY_THRESHOLDS)
    if thresholds is not None:
        cuts.update(thresholds)
    cols, units, skipped = {}, {}, {}
    span = float(t[-1] - t[0]) if t.size > 1 else 0.0
    for name in names:
        kind = output_kind(name)
        u = output_meta(name)[0]
        if kind is None:
            skipped[name] = "not a model output: kind unknown"
            continue
        if kind == "internal":
            skipped[name] = "internal state of the release chain (kind 'internal')"
            continue
        y = get(name)
        if kind == "concentration":
            cols[f"{name}_cmax"] = nca.cmax(y)
            cols[f"{name}_tmax"] = nca.tmax(t, y)
            cols[f"{name}_auc"] = nca.auc(t, y, method=auc_method)
            units.update({f"{name}_cmax": u, f"{name}_tmax": "min",
                          f"{name}_auc": f"{u}*min"})
            continue
        if name in _PEAKS:
            k = np.argmax(y, axis=1)
            cols[f"{name}_peak"] = y[np.arange(y.shape[0]), k]
            cols[f"{name}_tpeak"] = np.where(np.isnan(y).any(axis=1), np.nan, t[k])
            units.update({f"{name}_peak": u, f"{name}_tpeak": "min"})
        if span > 0:
            dt = np.diff(t)
            cols[f"{name}_mean"] = (0.5 * (y[:, 1:] + y[:, :-1]) * dt).sum(axis=1) / span
        else:
            cols[f"{name}_mean"] = y[:, 0].copy()
        cols[f"{name}_min"] = y.min(axis=1)
        units.update({f"{name}_mean": u, f"{name}_min": u})
        if name not in _PEAKS:
            cols[f"{name}_max"] = y.max(axis=1)
            units[f"{name}_max"] = u
        for c in cuts.get(name, ()):
            key = f"{name}_time_ge_{float(c):g}"
            cols[key] = _time_at_or_above(t, y, float(c))
            units[key] = "min"
    for name in _PEAKS:             # the effects' minimum was reported for mood only
        if name != "mood" and f"{name}_min" in cols:
            del cols[f"{name}_min"], units[f"{name}_min"]
    per = pd.DataFrame(cols, index=pd.Index(subjects, name="subject"))
    qs = [float(q) for q in percentiles]
    rows = []
    for metric in per.columns:
        v = per[metric].to_numpy(dtype=np.float64)
        row = {"unit": units[metric], "mean": quiet_nan(np.nanmean, v),
               "sd": quiet_nan(np.nanstd, v, ddof=1) if v.size > 1 else 0.0}
        pct = quiet_nan(np.nanpercentile, v, qs)
        row.update({f"p{q:g}": p for q, p in zip(qs, pct)})
        rows.append(row)
    pop = pd.DataFrame(rows, index=pd.Index(list(per.columns), name="metric"),
                       columns=["unit", "mean", "sd", *(f"p{q:g}" for q in qs)])
    return per, pop, units, skipped


def check_thresholds(thresholds):
    if thresholds is None:
        return None
    if not isinstance(thresholds, Mapping):
        raise TypeError(f"thresholds must be a mapping of output name to cut-points, got "
                        f"{type(thresholds).__name__}")
    out = {}
    for k, v in thresholds.items():
        vals = (v,) if np.ndim(v) == 0 else tuple(v)
        try:
            out[k] = tuple(float(x) for x in vals)
        except (TypeError, ValueError):
            raise TypeError(f"thresholds[{k!r}] must be a number or a sequence of numbers "
                            f"(in the output's unit), got {v!r}") from None
    return out


def check_percentiles(percentiles):
    try:
        qs = [float(q) for q in percentiles]
    except (TypeError, ValueError):
        raise TypeError(f"percentiles must be a sequence of numbers in [0, 100], got "
                        f"{percentiles!r}") from None
    if not qs or not all(0.0 <= q <= 100.0 for q in qs):
        raise ValueError(f"percentiles must be numbers in [0, 100], got {percentiles!r}")
    return qs
