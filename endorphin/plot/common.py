"""What the figures share: the time axis, labels from the outputs' metadata,
percentile bands, observed data, the median line, the style wrapper."""
from __future__ import annotations

import functools
import math
import textwrap
import warnings
from collections.abc import Mapping

import numpy as np

from .._validate import choice, suggest
from ..results import Result
from ..results.meta import check_bands, output_meta
from .theme import BAND_ALPHA, NEUTRAL, color as palette_color, style

TIME_UNITS = {"min": 1.0, "h": 60.0, "day": 1440.0, "clock": 60.0}
RECEPTORS = ("mu", "delta", "kappa")
MEDIAN_GID = "endorphin-median"
# scenarios differ by line style as well as colour: readable in greyscale, and
# coincident medians stay visible (a dashed line over a solid one)
LINESTYLES = ("-", "--", "-.", ":")


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------
def styled(fn):
    """Run a helper inside the house style (rcParams restored afterwards)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with style():
            return fn(*args, **kwargs)
    return wrapper


def pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("endorphin.plot needs matplotlib: pip install 'endorphin[plot]'") \
            from None
    return plt


def get_axes(ax):
    if ax is None:
        return pyplot().gca()
    if not hasattr(ax, "plot") or not hasattr(ax, "fill_between"):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def quiet(fn, *args, **kwargs):
    # all-NaN or empty slices (failed subjects, empty results) give NaN quietly
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)


def output_label(name: str) -> str:
    """Axis label of an output: ``long_name [units]`` (no bracket when
    dimensionless).

    Examples
    --------
    >>> output_label("plasma_cortisol")
    'serum total cortisol concentration [nmol/L]'
    """
    unit, long_name = output_meta(name)
    return long_name if unit == "1" else f"{long_name} [{unit}]"


def set_ylabel(ax, text: str):
    """Set the y label, wrapped onto as many lines as the Axes' height needs.

    The length is estimated from the font size (about 0.52 em per
    character of DejaVu Sans), before layout: good enough to keep a long
    ``long_name [units]`` from running off a short panel."""
    fig = ax.figure
    height_pt = ax.get_position().height * fig.get_figheight() * 72.0
    size = ax.yaxis.label.get_fontsize()
    need = len(text) * size * 0.52
    if "\n" not in text and height_pt > 0 and need > 0.92 * height_pt:
        lines = math.ceil(need / (0.92 * height_pt))
        text = "\n".join(textwrap.wrap(text, math.ceil(len(text) / lines) + 2,
                                      break_long_words=False,
                                      break_on_hyphens=False)) or text
    ax.set_ylabel(text)


def legend_elsewhere(ax) -> bool:
    """Whether another Axes of ``ax``'s figure already has a legend with the labels
    ``ax`` would show (one legend per figure when panels are drawn one by one)."""
    _, labels = ax.get_legend_handles_labels()
    for other in ax.figure.axes:
        leg = other.get_legend()
        if other is not ax and leg is not None and \
                [t.get_text() for t in leg.get_texts()] == labels:
            return True
    return False


def band_pairs(bands):
    """``bands`` as a list of (lo, hi) pairs, outermost first."""
    if bands is None or bands is False:
        return []
    if (isinstance(bands, (tuple, list)) and len(bands) > 0
            and all(isinstance(b, (tuple, list, np.ndarray)) for b in bands)):
        pairs = [check_bands(b) for b in bands]
    else:
        pairs = [check_bands(bands)]
    return sorted(pairs, key=lambda p: p[0] - p[1])          # widest first


def next_color(ax) -> str:
    """Palette colour for the next median line drawn by endorphin on ``ax``."""
    n = sum(1 for ln in ax.get_lines() if ln.get_gid() == MEDIAN_GID)
    return palette_color(n)


class TimeAxis:
    """Minutes -> the displayed time unit, and the x-axis decoration."""

    def __init__(self, unit: str = "min", offset=0.0, clock_start: float = 0.0):
        if not isinstance(unit, str) or unit not in TIME_UNITS:
            unit = choice(unit, TIME_UNITS, "time_unit", message=lambda v: (
                f"time_unit must be one of {tuple(TIME_UNITS)}, got {v!r}; "
                f"{suggest(v, TIME_UNITS)}".rstrip("; ")))
        offset = float(offset)
        if not math.isfinite(offset):
            raise ValueError(f"offset must be a finite number of minutes, got {offset!r}")
        self.unit, self.offset, self.clock_start = unit, offset, float(clock_start)

    @classmethod
    def of(cls, result, unit, offset):
        clock = result.clock_start if isinstance(result, Result) else 0.0
        return cls(unit, offset, clock)

    def __call__(self, t_min):
        t = np.asarray(t_min, dtype=np.float64) - self.offset
        if self.unit == "clock":
            return (t + self.offset + self.clock_start) / 60.0
        return t / TIME_UNITS[self.unit]

    def scale(self, duration_min):
        """A duration (minutes) in display units."""
        return np.asarray(duration_min, dtype=np.float64) / TIME_UNITS[self.unit]

    def decorate(self, ax, xlabel=None):
        if self.unit == "clock":
            from matplotlib.ticker import FuncFormatter, MultipleLocator
            lo, hi = ax.get_xlim()
            span = max(hi - lo, 1e-9)
            step = next((s for s in (0.25, 0.5, 1, 2, 3, 4, 6, 12, 24, 48, 96, 168)
                         if span / s <= 8), 336)
            ax.xaxis.set_major_locator(MultipleLocator(step))

            def hhmm(x, _pos):
                m = int(round(x * 60.0)) % 1440
                return f"{m // 60:02d}:{m % 60:02d}"
            ax.xaxis.set_major_formatter(FuncFormatter(hhmm))
            default = "clock time [h:min]"
        else:
            default = {"min": "time [min]", "h": "time [h]", "day": "time [day]"}[self.unit]
            if self.offset:
                default = default.replace("time", f"time from t = {self.offset:g} min")
        ax.set_xlabel(default if xlabel is None else xlabel)


# ---------------------------------------------------------------------------
# time courses
# ---------------------------------------------------------------------------
def observed_sets(observed):
    if observed is None:
        return []
    try:
        import pandas as pd
        frame = (pd.DataFrame,)
    except ImportError:               # pragma: no cover - pandas is a hard dependency
        frame = ()
    if isinstance(observed, (Mapping, *frame)):
        return [observed]
    if isinstance(observed, (list, tuple)) and all(isinstance(o, (Mapping, *frame))
                                                   for o in observed):
        return list(observed)
    raise TypeError("observed must be a DataFrame (e.g. from Result.sample), a mapping with "
                    "'time' and 'mean' (published points; optional 'se', 'sd' or 'yerr', "
                    "'label'), or a list of these; got " + type(observed).__name__)


def draw_observed(ax, obs, name, unit, tx, k):
    """One set of observed points: samples (DataFrame) or published means (mapping)."""
    from ..measurement import convert
    if isinstance(obs, Mapping):
        if "time" not in obs or ("mean" not in obs and "value" not in obs):
            raise ValueError("observed: a mapping needs 'time' and 'mean' (or 'value'), got "
                             f"keys {sorted(obs)}")
        t = np.atleast_1d(np.asarray(obs["time"], dtype=np.float64))
        y = np.atleast_1d(np.asarray(obs.get("mean", obs.get("value")), dtype=np.float64))
        if t.shape != y.shape:
            raise ValueError(f"observed: 'time' and 'mean' must have the same length, got "
                             f"{t.size} and {y.size}")
        err = None
        for key in ("yerr", "se", "sd"):
            if key in obs:
                err = np.asarray(obs[key], dtype=np.float64)
                break
        if "unit" in obs and obs["unit"] != unit:
            y = convert(y, obs["unit"], unit, name)
            err = None if err is None else convert(err, obs["unit"], unit, name)
        what = {"yerr": "", "se": " (mean ± SE)", "sd": " (mean ± SD)"}.get(key, "") \
            if err is not None else ""
        label = obs.get("label", "observed" + what)
        marker = obs.get("marker", ("s", "o", "D", "^")[k % 4])
        ax.errorbar(tx(t), y, yerr=err, fmt=marker, color=obs.get("color", "black"),
                    mfc=obs.get("mfc", "white"), mew=1.2, ms=5.5, elinewidth=1.0,
                    label=label, zorder=5)
        return
    df = obs
    for col in ("time", "value"):
        if col not in df.columns:
            raise ValueError(f"observed: a DataFrame needs columns 'time' and 'value' (as "
                             f"from Result.sample), missing {col!r}")
    t = np.array(df["time"], dtype=np.float64)
    y = np.array(df["value"], dtype=np.float64)             # a copy: converted below
    censored = (df["censored"].to_numpy(dtype=bool) if "censored" in df.columns
                else np.zeros(t.size, bool))
    lloq = (np.array(df["lloq"], dtype=np.float64) if "lloq" in df.columns
            else np.full(t.size, np.nan))
    if "unit" in df.columns and t.size:
        units = df["unit"].astype(str).to_numpy()
        for u in np.unique(units):
            if u != unit:
                sel = units == u
                y[sel] = convert(y[sel], u, unit, name)
                lloq[sel] = convert(lloq[sel], u, unit, name)
    ok = ~censored & np.isfinite(y)
    label = "measured" if not hasattr(df, "attrs") else df.attrs.get("label", "measured")
    ax.plot(tx(t[ok]), y[ok], ls="none", marker="o", ms=2.8, color=NEUTRAL, alpha=0.45,
            mew=0, label=label, zorder=4)
    cen = censored & np.isfinite(lloq)
    if cen.any():
        ax.plot(tx(t[cen]), lloq[cen], ls="none", marker="v", ms=3.5, mfc="none",
                color=NEUTRAL, alpha=0.6, label="< LLOQ (at the LLOQ)", zorder=4)


def bands_for(ax, t, y, pairs, col, hatch=None):
    """Nested percentile bands (widest first); returns the PolyCollections.

    With ``hatch`` the bands are hatched in ``col`` over half the fill opacity (the
    2nd, 3rd, ... scenario of a comparison: overlapping bands stay distinguishable)."""
    out = []
    for j, (lo_q, hi_q) in enumerate(pairs):
        lo, hi = quiet(np.nanpercentile, y, [lo_q, hi_q], axis=0)
        alpha = BAND_ALPHA * (1 + 0.6 * j)
        if hatch:
            from matplotlib.colors import to_rgba
            out.append(ax.fill_between(t, lo, hi, facecolor=to_rgba(col, 0.5 * alpha),
                                       edgecolor=to_rgba(col, min(1.0, 3.0 * alpha)),
                                       hatch=hatch, lw=0, zorder=1))
        else:
            out.append(ax.fill_between(t, lo, hi, color=col, alpha=alpha, lw=0, zorder=1))
    return out


def check_center(center):
    if center not in ("median", "mean"):
        raise ValueError(f"center must be 'median' or 'mean', got {center!r}")
    return np.nanmedian if center == "median" else np.nanmean


def median_line(ax, result, name, tx, *, bands, label, color, subjects, center="median",
                hatch=None, **kwargs):
    y = result[name]
    pairs = band_pairs(bands)
    stat = check_center(center)
    t = tx(result.t)
    col = color if color is not None else kwargs.pop("c", None) or next_color(ax)
    med = quiet(stat, y, axis=0) if y.shape[0] else np.full(t.shape, np.nan)
    kwargs.setdefault("zorder", 3)
    line, = ax.plot(t, med, color=col, gid=MEDIAN_GID,
                    label=label if label is not None else (result.name or center),
                    **kwargs)
    if y.shape[0] > 1 and t.size:
        bands_for(ax, t, y, pairs, col, hatch)
    if subjects:
        idx = (range(min(int(subjects), y.shape[0])) if np.isscalar(subjects)
               else np.asarray(subjects, dtype=np.intp))
        for i in idx:
            ax.plot(t, y[i], color=col, lw=0.6, alpha=0.6, zorder=2)
    return line
