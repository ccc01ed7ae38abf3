"""Figures of simulations and dose-response data (matplotlib, imported lazily).

Helpers for the pictures a physiologist or pharmacologist puts in a paper:

* :func:`time_course` -- population median of an output with nested
  percentile bands, optional individual subjects and observed data (a study's
  samples from :meth:`Result.sample` or published means with error bars), and
  optionally the stimulus and dose :func:`timeline` underneath;
* :func:`timeline` -- the protocol (stimuli as bars, shaded by level) and the
  doses (boluses as markers, infusions as bars) as a strip;
* :func:`occupancy` -- receptor occupancy stacked by ligand over time
  (outputs ``occupancy_<receptor>_<ligand>``);
* :func:`tolerance` -- functional receptor fractions (``receptor_mu|delta|kappa``)
  over days: desensitization and recovery;
* :func:`compare` -- one panel per output, the scenarios of a
  :class:`~endorphin.results.Comparison` overlaid in each;
* :func:`dose_response` -- data points, fitted curves (Hill, Emax, LL.4,
  LL.5) and their pointwise confidence bands;
* :func:`schild` -- the Schild plot, log(DR - 1) against log [antagonist],
  with the regression line, slope and pA2.

Conventions: every helper takes ``ax=`` (or makes a figure), returns the
Axes (an array of Axes for several panels), labels the axes ``long_name
[units]`` from :func:`endorphin.results.output_meta` (no bracket for
dimensionless outputs), never calls ``plt.show()`` and works under
``MPLBACKEND=Agg``.  Drawing happens inside :func:`endorphin._style.style`
(Okabe-Ito colours, font sizes), which leaves the user's global rcParams
alone.  Times are in minutes unless ``time_unit`` says ``"h"``, ``"day"`` or
``"clock"`` (clock time from the scenario's ``clock_start``).  A result with
one subject gets no band; a result with no subjects or no times draws empty
(NaN) lines rather than failing.
"""
from __future__ import annotations

import functools
import math
import textwrap
import warnings
from collections.abc import Mapping

import numpy as np

from ._style import BAND_ALPHA, NEUTRAL, PALETTE, color as _palette_color, style
from .results import Comparison, Result, _check_bands, output_meta

__all__ = ["time_course", "timeline", "occupancy", "tolerance", "compare",
           "dose_response", "schild", "style", "PALETTE"]

_TIME_UNITS = {"min": 1.0, "h": 60.0, "day": 1440.0, "clock": 60.0}
_RECEPTORS = ("mu", "delta", "kappa")
_MEDIAN_GID = "endorphin-median"
# scenarios differ by line style as well as colour: readable in greyscale, and
# coincident medians stay visible (a dashed line over a solid one)
_LINESTYLES = ("-", "--", "-.", ":")


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------
def _styled(fn):
    """Run a helper inside the house style (rcParams restored afterwards)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with style():
            return fn(*args, **kwargs)
    return wrapper


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("endorphin.plot needs matplotlib: pip install 'endorphin[plot]'") \
            from None
    return plt


def _axes(ax):
    if ax is None:
        return _pyplot().gca()
    if not hasattr(ax, "plot") or not hasattr(ax, "fill_between"):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def _quiet(fn, *args, **kwargs):
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


def _set_ylabel(ax, text: str):
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


def _band_pairs(bands):
    """``bands`` as a list of (lo, hi) pairs, outermost first."""
    if bands is None or bands is False:
        return []
    if (isinstance(bands, (tuple, list)) and len(bands) > 0
            and all(isinstance(b, (tuple, list, np.ndarray)) for b in bands)):
        pairs = [_check_bands(b) for b in bands]
    else:
        pairs = [_check_bands(bands)]
    return sorted(pairs, key=lambda p: p[0] - p[1])          # widest first


def _next_color(ax) -> str:
    """Palette colour for the next median line drawn by endorphin on ``ax``."""
    n = sum(1 for ln in ax.get_lines() if ln.get_gid() == _MEDIAN_GID)
    return _palette_color(n)


class _TimeAxis:
    """Minutes -> the displayed time unit, and the x-axis decoration."""

    def __init__(self, unit: str = "min", offset=0.0, clock_start: float = 0.0):
        if unit not in _TIME_UNITS:
            raise ValueError(f"time_unit must be one of {tuple(_TIME_UNITS)}, got {unit!r}")
        offset = float(offset)
        if not math.isfinite(offset):
            raise ValueError(f"offset must be a finite number of minutes, got {offset!r}")
        self.unit, self.offset, self.clock_start = unit, offset, float(clock_start)

    @classmethod
    def of(cls, result, unit, offset):
        clock = result._clock_start() if isinstance(result, Result) else 0.0
        return cls(unit, offset, clock)

    def __call__(self, t_min):
        t = np.asarray(t_min, dtype=np.float64) - self.offset
        if self.unit == "clock":
            return (t + self.offset + self.clock_start) / 60.0
        return t / _TIME_UNITS[self.unit]

    def scale(self, duration_min):
        """A duration (minutes) in display units."""
        return np.asarray(duration_min, dtype=np.float64) / _TIME_UNITS[self.unit]

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
def _observed_sets(observed):
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


def _draw_observed(ax, obs, name, unit, tx, k):
    """One set of observed points: samples (DataFrame) or published means (mapping)."""
    from .measurement import convert
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


def _bands_for(ax, t, y, pairs, col):
    """Nested percentile bands (widest first); returns the PolyCollections."""
    out = []
    for j, (lo_q, hi_q) in enumerate(pairs):
        lo, hi = _quiet(np.nanpercentile, y, [lo_q, hi_q], axis=0)
        out.append(ax.fill_between(t, lo, hi, color=col, alpha=BAND_ALPHA * (1 + 0.6 * j),
                                   lw=0, zorder=1))
    return out


def _check_center(center):
    if center not in ("median", "mean"):
        raise ValueError(f"center must be 'median' or 'mean', got {center!r}")
    return np.nanmedian if center == "median" else np.nanmean


def _median_line(ax, result, name, tx, *, bands, label, color, subjects, center="median",
                 **kwargs):
    y = result[name]
    pairs = _band_pairs(bands)
    stat = _check_center(center)
    t = tx(result.t)
    col = color if color is not None else kwargs.pop("c", None) or _next_color(ax)
    med = _quiet(stat, y, axis=0) if y.shape[0] else np.full(t.shape, np.nan)
    kwargs.setdefault("zorder", 3)
    line, = ax.plot(t, med, color=col, gid=_MEDIAN_GID,
                    label=label if label is not None else (result.name or center),
                    **kwargs)
    if y.shape[0] > 1 and t.size:
        _bands_for(ax, t, y, pairs, col)
    if subjects:
        idx = (range(min(int(subjects), y.shape[0])) if np.isscalar(subjects)
               else np.asarray(subjects, dtype=np.intp))
        for i in idx:
            ax.plot(t, y[i], color=col, lw=0.6, alpha=0.6, zorder=2)
    return line


@_styled
def time_course(result, name: str = "plasma_beta_endorphin", ax=None, *, bands=(5, 95),
                label=None, color=None, observed=None, subjects=None, time_unit="min",
                offset=0.0, timeline=False, center="median", xlabel=None, ylabel=None,
                **kwargs):
    """Population median (or mean) of an output over time, with percentile bands.

    Parameters
    ----------
    result : Result
        A simulation result.
    name : str
        Output name (``result.output_names``).
    ax : matplotlib.axes.Axes, optional
        Default ``plt.gca()`` (with ``timeline=True``, a new two-row figure).
    bands : (float, float), sequence of pairs, or None
        Percentiles of the shaded band(s), e.g. ``(5, 95)`` or ``((5, 95),
        (25, 75))`` for nested bands (darker inside).  None: no band.  A
        result with one subject gets no band.
    label : str, optional
        Legend label of the median (default the result's name, or "median").
    color : color, optional
        Default: the next Okabe-Ito colour not yet used by a median on ``ax``.
    observed : DataFrame, mapping or list of them, optional
        Data to overlay.  A DataFrame with ``time`` and ``value`` columns
        (the output of :meth:`Result.sample`; ``censored`` values are drawn
        as open triangles at the LLOQ; another ``unit`` is converted) is
        drawn as small grey points; a mapping ``{"time": ..., "mean": ...,
        "se": ..., "label": ...}`` (or ``"sd"``/``"yerr"``, optional
        ``"unit"``) as black markers with error bars -- published means.
        Times in minutes on the result's clock.
    subjects : int or sequence of int, optional
        Also draw this many (or these) individual subjects as thin lines.
    time_unit : {"min", "h", "day", "clock"}
        Unit of the x axis; ``"clock"`` shows the clock time (``HH:MM``)
        from the scenario's ``clock_start``.
    offset : float
        Minutes subtracted from every time (e.g. the start of exercise, to
        plot "time from the start of cycling").
    timeline : bool
        Draw the scenario's stimuli and doses (:func:`timeline`) in a strip
        under the time course, sharing its x axis.
    center : {"median", "mean"}
        The line: population median (default) or mean (to set against
        published means; means of skewed data lie above the median).
    xlabel, ylabel : str, optional
        Override the axis labels (default ``time [min]`` and ``long_name
        [units]``).
    **kwargs
        Passed to ``ax.plot`` for the median line.

    Returns
    -------
    matplotlib.axes.Axes
        The time-course Axes (with ``timeline=True`` the strip is the next
        Axes of the figure, ``ax.figure.axes``).

    Examples
    --------
    >>> import endorphin as en
    >>> res = en.Scenario(en.Exercise(0.8, start=30, duration=30),
    ...                   population=en.Population(50, seed=1), t_end=150,
    ...                   dt=2).simulate(outputs=["plasma_beta_endorphin"])
    >>> ax = en.plot.time_course(res, "plasma_beta_endorphin", timeline=True)
    >>> ax.get_ylabel().replace("\\n", " ")           # wrapped to the panel's height
    'plasma beta-endorphin concentration [pmol/L]'
    >>> len(ax.figure.axes)                            # the time course and the strip
    2
    """
    if not isinstance(result, Result):
        raise TypeError(f"result must be an endorphin Result, got {type(result).__name__}")
    if not isinstance(name, str):
        raise TypeError(f"name must be an output name (str), got {type(name).__name__}")
    result[name]                                       # KeyError naming the outputs
    _check_center(center)
    sets = _observed_sets(observed)
    tx = _TimeAxis.of(result, time_unit, offset)
    strip = None
    if timeline:
        if ax is None:
            plt = _pyplot()
            fig, (ax, strip) = plt.subplots(
                2, 1, sharex=True, figsize=(7.0, 4.6), layout="constrained",
                gridspec_kw={"height_ratios": [4.0, _strip_height(result)]})
        else:
            ax = _axes(ax)
            from mpl_toolkits.axes_grid1 import make_axes_locatable
            strip = make_axes_locatable(ax).append_axes("bottom", size="22%", pad=0.08,
                                                        sharex=ax)
    ax = _axes(ax)
    _median_line(ax, result, name, tx, bands=bands, label=label, color=color,
                 subjects=subjects, center=center, **kwargs)
    unit = output_meta(name)[0]
    for k, obs in enumerate(sets):
        _draw_observed(ax, obs, name, unit, tx, k)
    _set_ylabel(ax, output_label(name) if ylabel is None else ylabel)
    if strip is not None:
        _draw_timeline(strip, result.scenario, tx, t_end=float(result.t[-1])
                       if result.t.size else None)
        ax.tick_params(labelbottom=False)
        ax.set_xlabel("")
        tx.decorate(strip, xlabel)
    else:
        tx.decorate(ax, xlabel)
    if result.t.size and np.isfinite(result.t).all():
        ax.set_xlim(tx(result.t[0]), tx(result.t[-1]))
        if tx.unit == "clock":
            tx.decorate(strip if strip is not None else ax, xlabel)
    if sets:
        ax.legend(loc="best")
    return ax


# ---------------------------------------------------------------------------
# timeline strip
# ---------------------------------------------------------------------------
def _level_text(s) -> str:
    from .scenario import Exercise, Pain
    if isinstance(s, Exercise):
        if s.vo2 is not None:
            return f"VO₂ {s.vo2:g} mL/kg/min"
        return f"{100 * s.intensity:.0f} % VO₂max"
    if isinstance(s, Pain):
        return f"NRS {s.level:g}"
    lvl = s.channel_level
    return "" if lvl == 1.0 else f"{lvl:g}"


def _timeline_items(scenario_like):
    """``(protocol, doses, t_end)`` from a Scenario, Result, Protocol, Stimulus or None."""
    from .scenario import Dose, Protocol, Scenario, Stimulus
    if isinstance(scenario_like, Result):
        scenario_like = scenario_like.scenario
    if isinstance(scenario_like, Scenario):
        return scenario_like.protocol, tuple(scenario_like.doses), scenario_like.t_end
    if scenario_like is None:
        return Protocol(), (), None
    if isinstance(scenario_like, Stimulus):
        return Protocol((scenario_like,)), (), None
    if isinstance(scenario_like, Protocol):
        return scenario_like, (), None
    if isinstance(scenario_like, Dose):
        return Protocol(), (scenario_like,), None
    raise TypeError(f"protocol must be a Protocol, a stimulus, a Scenario, a Result or None, "
                    f"got {type(scenario_like).__name__}")


def _rows(protocol, doses):
    rows = []
    for s in protocol:
        r = type(s).__name__.lower()
        if r not in rows:
            rows.append(r)
    for d in doses:
        r = d.drug.replace("_", "-")
        if r not in rows:
            rows.append(r)
    return rows


def _strip_height(result) -> float:
    protocol, doses, _ = _timeline_items(result)
    return 0.45 + 0.35 * max(1, len(_rows(protocol, doses)))


def _draw_timeline(ax, scenario_like, tx, *, doses=(), t_end=None):
    protocol, sc_doses, sc_end = _timeline_items(scenario_like)
    doses = tuple(sc_doses) + tuple(doses)
    t_end = sc_end if t_end is None else t_end
    if t_end is None:
        ends = [s.end for s in protocol] + [d.administrations()[-1] + (d.duration or 0.0)
                                            for d in doses]
        t_end = max(ends, default=1.0)
    rows = _rows(protocol, doses)
    ypos = {r: len(rows) - 1 - i for i, r in enumerate(rows)}
    width_min = max(float(t_end), 1e-9)
    axes_pt = ax.get_position().width * ax.figure.get_figwidth() * 72.0
    for s in protocol:
        y = ypos[type(s).__name__.lower()]
        lo, hi = s.level_range
        frac = (s.channel_level - lo) / (hi - lo) if hi > lo else 1.0
        start, stop = s.start, min(s.end, t_end)
        if stop <= start:
            continue
        ax.broken_barh([(float(tx(start)), float(tx.scale(stop - start)))], (y - 0.35, 0.7),
                       facecolors=NEUTRAL, alpha=0.25 + 0.6 * frac, lw=0)
        text = _level_text(s)
        if text:
            # inside the bar when it fits (estimated width), else just after it
            if len(text) * 7.5 * 0.6 < 0.9 * (stop - start) / width_min * axes_pt:
                ax.text(float(tx(0.5 * (start + stop))), y, text, ha="center", va="center",
                        fontsize=7.5, color="white" if frac > 0.55 else "black")
            else:
                ax.annotate(text, (float(tx(stop)), y), xytext=(3, 0),
                            textcoords="offset points", va="center", fontsize=7.5)
    for d in doses:
        y = ypos[d.drug.replace("_", "-")]
        times = d.administrations()
        times = times[times <= t_end]
        col = PALETTE[1]
        if d.is_infusion:
            bars = [(float(tx(a)), float(tx.scale(min(d.duration, t_end - a))))
                    for a in times]
            ax.broken_barh(bars, (y - 0.3, 0.6), facecolors=col, alpha=0.55, lw=0)
        else:
            ax.plot(tx(times), np.full(times.size, y), ls="none", marker="v", ms=6.5,
                    color=col, clip_on=False)
        if times.size:
            ax.annotate(f" {d.amount:g} {d.unit} {d.route}"
                        + (" infusion" if d.is_infusion else ""),
                        (float(tx(times[0])), y), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=7.5)
    ax.set_yticks(list(ypos.values()), list(ypos.keys()))
    ax.set_ylim(-0.6, max(len(rows), 1) - 0.4)
    ax.tick_params(axis="y", length=0)
    for side in ("left", "top", "right"):
        ax.spines[side].set_visible(False)
    if not rows:
        ax.text(0.5, 0.5, "rest (no stimuli, no doses)", transform=ax.transAxes,
                ha="center", va="center", fontsize=7.5, color=NEUTRAL)
    return ax


@_styled
def timeline(protocol=None, doses=None, ax=None, *, t_end=None, time_unit="min", offset=0.0,
             clock_start=0.0, xlabel=None):
    """A strip of the stimuli and doses of a scenario against time.

    One row per stimulus type (bars on ``[start, end)``, darker for a
    higher level, labelled with the level when there is room) and one row
    per drug (boluses as triangles at the administration times, infusions
    as bars), labelled with amount, unit and route.

    Parameters
    ----------
    protocol : Protocol, Stimulus, Scenario, Result or None
        The stimuli; a Scenario (or a Result's scenario) also brings its
        doses, ``t_end`` and ``clock_start``.
    doses : Dose or sequence of Dose, optional
        Doses to draw (added to a scenario's own).
    ax : matplotlib.axes.Axes, optional
        Default: a new short figure.
    t_end : float, optional
        End of the scenario, minutes (default: the scenario's, else the end
        of the last stimulus or dose); repeated doses after it are not drawn.
    time_unit : {"min", "h", "day", "clock"}
    offset : float
        Minutes subtracted from every time.
    clock_start : float
        Clock time of t = 0 in minutes after midnight for ``time_unit="clock"``
        (taken from a Scenario or Result when one is given).
    xlabel : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from .scenario import Dose, Scenario
    if isinstance(doses, Dose):
        doses = (doses,)
    doses = tuple(doses or ())
    for d in doses:
        if not isinstance(d, Dose):
            raise TypeError(f"doses must hold Dose objects, got {type(d).__name__}")
    if t_end is not None:
        t_end = float(t_end)
        if not (math.isfinite(t_end) and t_end > 0):
            raise ValueError(f"t_end must be a positive number of minutes, got {t_end!r}")
    src = protocol.scenario if isinstance(protocol, Result) else protocol
    if isinstance(src, Scenario):
        clock_start = src.clock_start
    tx = _TimeAxis(time_unit, offset, clock_start)
    if ax is None:
        rows = _rows(*_timeline_items(protocol)[:2]) + [d.drug for d in doses]
        plt = _pyplot()
        _, ax = plt.subplots(figsize=(7.0, 0.6 + 0.35 * max(1, len(set(rows)))),
                             layout="constrained")
    ax = _axes(ax)
    _draw_timeline(ax, protocol, tx, doses=doses, t_end=t_end)
    end = t_end if t_end is not None else _timeline_items(protocol)[2]
    if end is not None:
        ax.set_xlim(float(tx(0.0)), float(tx(end)))
    tx.decorate(ax, xlabel)
    return ax


# ---------------------------------------------------------------------------
# receptors: occupancy by ligand, tolerance
# ---------------------------------------------------------------------------
def _check_receptor(receptor):
    if receptor not in _RECEPTORS:
        raise ValueError(f"receptor must be one of {_RECEPTORS}, got {receptor!r}")


def _subject_or_mean(y, subject, result):
    if subject is None:
        return _quiet(np.nanmean, y, axis=0) if y.shape[0] else np.full(y.shape[1], np.nan)
    hits = np.flatnonzero(result.subjects == subject)
    if hits.size != 1:
        raise ValueError(f"subject {subject!r} is not in this result (subjects "
                         f"{result.subjects[:5].tolist()}...)")
    return y[hits[0]]


@_styled
def occupancy(result, receptor: str = "mu", ax=None, *, ligands=None, subject=None,
              total=True, time_unit="min", offset=0.0, xlabel=None):
    """Occupancy of one receptor stacked by ligand over time.

    Reads the outputs ``occupancy_<receptor>_<ligand>`` (beta-endorphin and
    every drug of the scenario).  Without ``subject`` the layers are the
    population *means*, which add up (medians do not), so the top of the
    stack is the mean total occupancy.

    Parameters
    ----------
    result : Result
    receptor : {"mu", "delta", "kappa"}
    ax : matplotlib.axes.Axes, optional
        Default ``plt.gca()``.
    ligands : sequence of str, optional
        Ligands to stack, bottom first (default: every
        ``occupancy_<receptor>_*`` output, in output order).
    subject : int, optional
        Draw this subject (by subject index) instead of the population mean.
    total : bool
        Also draw ``occupancy_<receptor>`` (all ligands, as simulated) as a
        dashed black line when it is an output.
    time_unit, offset, xlabel
        As in :func:`time_course`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(result, Result):
        raise TypeError(f"result must be an endorphin Result, got {type(result).__name__}")
    _check_receptor(receptor)
    pre = f"occupancy_{receptor}_"
    available = [n[len(pre):] for n in result.output_names if n.startswith(pre)]
    if ligands is None:
        ligands = available
    elif isinstance(ligands, str):
        ligands = [ligands]
    ligands = list(ligands)
    missing = [g for g in ligands if g not in available]
    if missing or not ligands:
        raise ValueError(f"ligands: no output occupancy_{receptor}_<ligand> for "
                         f"{missing or 'any ligand'}; this result has {available} (simulate "
                         f"with these outputs)")
    tx = _TimeAxis.of(result, time_unit, offset)
    ax = _axes(ax)
    t = tx(result.t)
    layers = [_subject_or_mean(result[pre + g], subject, result) for g in ligands]
    colors = [_palette_color(i) for i in range(len(ligands))]
    names = [g.replace("_", "-") for g in ligands]
    ax.stackplot(t, *layers, labels=names, colors=colors, alpha=0.8, lw=0)
    if total and f"occupancy_{receptor}" in result:
        tot = _subject_or_mean(result[f"occupancy_{receptor}"], subject, result)
        ax.plot(t, tot, color="black", ls="--", lw=1.0, label="total (all ligands)")
    ax.set_ylabel(f"fraction of {receptor} receptors occupied"
                  + ("" if subject is not None else "\n(population mean)"))
    ax.set_ylim(0.0, 1.0)
    if t.size:
        ax.set_xlim(t[0], t[-1])
    tx.decorate(ax, xlabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


@_styled
def tolerance(result, receptors=None, ax=None, *, bands=(5, 95), components=False,
              time_unit="day", offset=0.0, xlabel=None):
    """Functional receptor fractions over days: desensitization and recovery.

    Parameters
    ----------
    result : Result
        With outputs ``receptor_mu|delta|kappa`` (and, for ``components``,
        ``receptor_acute_<r>`` and ``receptor_chronic_<r>``).
    receptors : sequence of {"mu", "delta", "kappa"}, optional
        Default: those present in the result.
    ax : matplotlib.axes.Axes, optional
        Default ``plt.gca()``.
    bands : pair, sequence of pairs or None
        Percentile bands as in :func:`time_course`.
    components : bool
        Also draw the medians of the acute (dotted) and chronic (dashed)
        factors of each receptor.
    time_unit : {"day", "h", "min", "clock"}
        Default days.
    offset, xlabel
        As in :func:`time_course`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(result, Result):
        raise TypeError(f"result must be an endorphin Result, got {type(result).__name__}")
    if receptors is None:
        receptors = [r for r in _RECEPTORS if f"receptor_{r}" in result]
        if not receptors:
            raise ValueError("this result has no receptor_mu|delta|kappa output; simulate "
                             "with outputs=['receptor_mu', ...]")
    elif isinstance(receptors, str):
        receptors = [receptors]
    for r in receptors:
        _check_receptor(r)
    tx = _TimeAxis.of(result, time_unit, offset)
    ax = _axes(ax)
    t = tx(result.t)
    for i, r in enumerate(receptors):
        col = _palette_color(i)
        _median_line(ax, result, f"receptor_{r}", tx, bands=bands, label=f"{r} (functional)",
                     color=col, subjects=None)
        if components:
            for part, ls in (("acute", ":"), ("chronic", "--")):
                key = f"receptor_{part}_{r}"
                if key in result:
                    y = result[key]
                    med = (_quiet(np.nanmedian, y, axis=0) if y.shape[0]
                           else np.full(t.shape, np.nan))
                    ax.plot(t, med, color=col, ls=ls, lw=1.1, label=f"{r} {part} factor")
    ax.axhline(1.0, color=NEUTRAL, lw=0.6, ls=":", zorder=0)
    ax.set_ylim(0.0, 1.08)
    if t.size:
        ax.set_xlim(t[0], t[-1])
    ax.set_ylabel("functional fraction of opioid receptors\n(1: no desensitization)")
    tx.decorate(ax, xlabel)
    ax.legend(loc="lower right")
    return ax


# ---------------------------------------------------------------------------
# scenario comparison
# ---------------------------------------------------------------------------
@_styled
def compare(comparison, names="plasma_beta_endorphin", axes=None, *, scenarios=None,
            bands=(5, 95), time_unit="min", offset=0.0, observed=None, legend=True,
            panel_letters=None, ncols=None, center="median", xlabel=None, **kwargs):
    """Panels of outputs, the scenarios of a comparison overlaid in each.

    Every scenario keeps its colour in every panel (Okabe-Ito, in the
    comparison's order); the legend is drawn once, in the first panel.

    Parameters
    ----------
    comparison : Comparison
        From :func:`endorphin.compare`.
    names : str or sequence of str
        Output(s): one panel each.
    axes : Axes or array of Axes, optional
        One per output (default: ``plt.gca()`` for one output, else a new
        figure with ``ncols`` columns, default up to 3).
    scenarios : sequence of str, optional
        Scenarios to draw (default all).
    bands : pair, sequence of pairs or None
        As in :func:`time_course`.
    time_unit, offset, xlabel
        As in :func:`time_course`.
    observed : optional
        Observed data for the first panel (as in :func:`time_course`).
    legend : bool
    panel_letters : bool, optional
        Label panels A, B, ... (default: when there are several).
    center : {"median", "mean"}
        The line of each scenario (see :func:`time_course`).
    **kwargs
        Passed to ``ax.plot`` for the median lines.

    Returns
    -------
    matplotlib.axes.Axes or ndarray of Axes
        One Axes for a single output name (str), else an array, one per name.
    """
    if not isinstance(comparison, Comparison):
        raise TypeError(f"comparison must be an endorphin Comparison (from en.compare), got "
                        f"{type(comparison).__name__}")
    _check_center(center)
    single = isinstance(names, str)
    names = [names] if single else list(names)
    if not names or not all(isinstance(n, str) for n in names):
        raise ValueError(f"names must be an output name or a non-empty sequence of them, got "
                         f"{names!r}")
    keys = list(comparison.names) if scenarios is None else list(scenarios)
    for k in keys:
        if k not in comparison.results:
            raise ValueError(f"scenarios: {k!r} is not in the comparison "
                             f"{list(comparison.names)}")
        for n in names:
            comparison.results[k][n]                    # KeyError naming the outputs
    if axes is None:
        if single:
            axs = [_axes(None)]
        else:
            plt = _pyplot()
            nc = min(len(names), 3) if ncols is None else int(ncols)
            nr = -(-len(names) // nc)
            fig, grid = plt.subplots(nr, nc, figsize=(3.6 * nc + 0.6, 3.0 * nr + 0.4),
                                     layout="constrained", squeeze=False, sharex=True)
            axs = list(grid.ravel())
            for extra in axs[len(names):]:
                extra.set_visible(False)
    else:
        axs = list(np.atleast_1d(np.asarray(axes, dtype=object)).ravel())
        if len(axs) < len(names):
            raise ValueError(f"axes: {len(names)} outputs need {len(names)} Axes, got "
                             f"{len(axs)}")
    letters = (len(names) > 1) if panel_letters is None else bool(panel_letters)
    for p, (ax, n) in enumerate(zip(axs, names)):
        ax = _axes(ax)
        first = comparison.results[keys[0]] if keys else None
        tx = _TimeAxis.of(first, time_unit, offset)
        for i, k in enumerate(keys):
            kw = dict(kwargs)
            kw.setdefault("ls", _LINESTYLES[i % len(_LINESTYLES)])
            _median_line(ax, comparison.results[k], n, tx, bands=bands, label=k,
                         color=_palette_color(i), subjects=None, center=center, **kw)
        if p == 0:
            unit = output_meta(n)[0]
            for j, obs in enumerate(_observed_sets(observed)):
                _draw_observed(ax, obs, n, unit, tx, j)
        _set_ylabel(ax, output_label(n))
        tx.decorate(ax, xlabel)
        if first is not None and first.t.size:
            ax.set_xlim(tx(first.t[0]), tx(first.t[-1]))
            if tx.unit == "clock":
                tx.decorate(ax, xlabel)
        if letters:
            ax.set_title(chr(ord("A") + p), loc="left", fontweight="bold")
        if p == 0 and legend:
            ax.legend()
    axs = axs[:len(names)]
    return axs[0] if single else np.array(axs, dtype=object)


# ---------------------------------------------------------------------------
# dose-response curves and Schild plots
# ---------------------------------------------------------------------------
def _models():
    from . import _ufuncs as U

    def emax_jac(c, e0, emax, ec50, n):
        j = U.hill_jac(c, emax, ec50, n)
        return np.concatenate([np.ones(j.shape[:-1] + (1,)), j], axis=-1)
    return {
        "hill": (U.hill, U.hill_jac, ("emax", "ec50", "n")),
        "emax": (U.emax_model, emax_jac, ("e0", "emax", "ec50", "n")),
        "ll4": (U.ll4, U.ll4_jac, ("b", "c", "d", "e")),
        "ll5": (U.ll5, U.ll5_jac, ("b", "c", "d", "e", "f")),
    }


def _quantile(level: float, dof: int) -> float:
    """Two-sided Student t quantile (normal without SciPy)."""
    try:
        from scipy.stats import t as student
        return float(student.ppf(0.5 + level / 2.0, dof))
    except ImportError:               # pragma: no cover - SciPy is optional
        from statistics import NormalDist
        return NormalDist().inv_cdf(0.5 + level / 2.0)


def confidence_band(x_data, y_data, params, model: str, x, level: float = 0.95):
    """Pointwise confidence band of a least-squares dose-response curve.

    The asymptotic (delta-method) band of nonlinear least squares:
    ``cov = s^2 (J^T J)^-1`` with ``J`` the model's Jacobian at the data and
    ``s^2 = RSS / (n - p)``, then ``f(x) +- t_{n-p} sqrt(g^T cov g)`` with
    ``g`` the gradient of the curve at ``x``.

    Parameters
    ----------
    x_data, y_data : array_like (n,)
        The data the curve was fitted to (non-finite pairs are ignored).
    params : array_like (p,)
        Fitted parameters in the model's order (``ll4``: b, c, d, e).
    model : {"hill", "emax", "ll4", "ll5"}
    x : array_like
        Where to evaluate the band.
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    (lower, fit, upper) : tuple of ndarray
        Shapes of ``x``; lower and upper are NaN when ``n <= p`` or
        ``J^T J`` is singular.
    """
    table = _models()
    if model not in table:
        raise ValueError(f"model must be one of {tuple(table)}, got {model!r}")
    if not (0.0 < float(level) < 1.0):
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    f, jac, pnames = table[model]
    params = np.asarray(params, dtype=np.float64)
    if params.shape != (len(pnames),):
        raise ValueError(f"params must have shape ({len(pnames)},) for {model} "
                         f"({', '.join(pnames)}), got {params.shape}")
    xd = np.asarray(x_data, dtype=np.float64).ravel()
    yd = np.asarray(y_data, dtype=np.float64).ravel()
    if xd.shape != yd.shape:
        raise ValueError(f"x_data and y_data must have the same size, got {xd.size} and "
                         f"{yd.size}")
    x = np.asarray(x, dtype=np.float64)
    fit = f(x, *params)
    ok = np.isfinite(xd) & np.isfinite(yd)
    xd, yd = xd[ok], yd[ok]
    n, p = xd.size, params.size
    nan = np.full(x.shape, np.nan)
    if n <= p:
        return nan, fit, nan.copy()
    J = jac(xd, *params)
    resid = yd - f(xd, *params)
    s2 = float(resid @ resid) / (n - p)
    try:
        cov = s2 * np.linalg.inv(J.T @ J)
    except np.linalg.LinAlgError:
        return nan, fit, nan.copy()
    g = jac(x, *params)
    var = np.einsum("...i,ij,...j->...", g, cov, g)
    half = _quantile(float(level), n - p) * np.sqrt(np.maximum(var, 0.0))
    return fit - half, fit, fit + half


def _band_from_cov(model, params, cov, dof, x, level):
    """Delta-method band from a parameter covariance (a fitter's ``cov``)."""
    f, jac, _ = _models()[model]
    fit = f(x, *params)
    cov = np.asarray(cov, dtype=np.float64)
    if not (np.isfinite(cov).all() and np.isfinite(params).all()) or not dof or dof < 1:
        nan = np.full(np.shape(fit), np.nan)
        return nan, fit, nan.copy()
    g = jac(x, *params)
    var = np.einsum("...i,ij,...j->...", g, cov, g)
    half = _quantile(float(level), int(dof)) * np.sqrt(np.maximum(var, 0.0))
    return fit - half, fit, fit + half


def _fit_parts(fit, model, params):
    """Model name and parameters (..., p) from a fit object or arguments."""
    if fit is not None:
        params = np.asarray(getattr(fit, "params"), dtype=np.float64)
        model = getattr(fit, "model", model)
    if params is not None and model is None:
        raise ValueError("model is required with params= ('hill', 'emax', 'll4' or 'll5')")
    if params is not None:
        params = np.asarray(params, dtype=np.float64)
        npar = len(_models()[model][2]) if model in _models() else None
        if npar is None:
            raise ValueError(f"model must be one of {tuple(_models())}, got {model!r}")
        if params.ndim == 0 or params.shape[-1] != npar:
            raise ValueError(f"params must end in an axis of {npar} ({model}: "
                             f"{', '.join(_models()[model][2])}), got shape {params.shape}")
    return model, params


@_styled
def dose_response(x, y=None, ax=None, *, model=None, params=None, fit=None, level=0.95,
                  band=True, labels=None, xscale="log", xlabel="concentration",
                  ylabel="response", colors=None, n_grid=200):
    """Dose-response data, fitted curves and their confidence bands.

    Several curves at once: ``y`` of shape ``(..., n)`` and ``params`` of
    shape ``(..., p)`` are flattened over their leading axes into curves.

    Parameters
    ----------
    x : array_like (n,) or the shape of ``y``
        Concentrations or doses (in ``xlabel``'s unit).  On a log axis,
        points with ``x <= 0`` (controls) are not drawn.
    y : array_like (..., n), optional
        Responses; NaN marks a missing point.
    ax : matplotlib.axes.Axes, optional
        Default ``plt.gca()``.
    model : {"hill", "emax", "ll4", "ll5"}, optional
        Curve model (:func:`endorphin.hill`, :func:`endorphin.emax_model`,
        :func:`endorphin.ll4`, :func:`endorphin.ll5`).
    params : array_like (..., p), optional
        Curve parameters in the model's order (hill: emax, ec50, n; emax:
        e0, emax, ec50, n; ll4: b, c, d, e; ll5: b, c, d, e, f).
    fit : FitResult or object, optional
        A fit with ``.params`` (and ``.model``), e.g. from
        :func:`endorphin.fit_dose_response`; overrides ``params``.  When it
        has ``.cov`` (and ``.df``), the band uses that covariance (the
        fitter's choice, drc's Hessian by default).
    level : float
        Confidence level of the band.
    band : bool
        Draw the pointwise confidence band of each curve: from the fit's
        covariance, else recomputed from ``y`` (needs more points than
        parameters; see :func:`confidence_band`).
    labels : sequence of str, optional
        Legend label of each curve.
    xscale : {"log", "linear"}
    xlabel, ylabel : str
        Axis labels (give the units, e.g. ``"morphine [nmol/L]"``).
    colors : sequence of colors, optional
    n_grid : int
        Points of each drawn curve.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if xscale not in ("log", "linear"):
        raise ValueError(f"xscale must be 'log' or 'linear', got {xscale!r}")
    model, params = _fit_parts(fit, model, params)
    fit_cov = getattr(fit, "cov", None) if fit is not None else None
    if fit_cov is not None:
        fit_cov = np.asarray(fit_cov, dtype=np.float64).reshape(-1, params.shape[-1],
                                                               params.shape[-1])
        fit_df = np.broadcast_to(np.asarray(getattr(fit, "df", 0)), params.shape[:-1]
                                 ).reshape(-1)
    x = np.asarray(x, dtype=np.float64)
    if y is None and params is None:
        raise ValueError("give data (y=) or a curve (params= with model=, or fit=)")
    if y is not None:
        y = np.asarray(y, dtype=np.float64)
        if y.ndim == 0:
            raise ValueError("y must have at least one dimension (points along the last)")
        try:
            xb = np.broadcast_to(x, y.shape)
        except ValueError:
            raise ValueError(f"x of shape {x.shape} does not broadcast to y of shape "
                             f"{y.shape}") from None
        lead = y.shape[:-1]
        Y, X = y.reshape(-1, y.shape[-1]), xb.reshape(-1, y.shape[-1])
    else:
        lead, Y, X = None, None, None
    if params is not None:
        P = params.reshape(-1, params.shape[-1])
        if lead is not None and P.shape[0] != Y.shape[0]:
            if P.shape[0] == 1:
                P = np.repeat(P, Y.shape[0], axis=0)
            else:
                raise ValueError(f"params describe {P.shape[0]} curves but y holds "
                                 f"{Y.shape[0]}")
    else:
        P = None
    k = Y.shape[0] if Y is not None else P.shape[0]
    if labels is not None:
        labels = [labels] if isinstance(labels, str) else list(labels)
        if len(labels) != k:
            raise ValueError(f"labels must have one entry per curve ({k}), got {len(labels)}")
    ax = _axes(ax)
    xs = x if X is None else X
    pos = xs[np.isfinite(xs) & (xs > 0)] if xscale == "log" else xs[np.isfinite(xs)]
    if pos.size == 0:
        raise ValueError("x has no finite (positive, for a log axis) values")
    if xscale == "log":
        lo, hi = pos.min(), pos.max()
        grid = np.geomspace(lo / 2.0, hi * 2.0, int(n_grid)) if hi > lo else \
            np.geomspace(lo / 10.0, lo * 10.0, int(n_grid))
    else:
        lo, hi = min(pos.min(), 0.0), pos.max()
        grid = np.linspace(lo, hi if hi > lo else lo + 1.0, int(n_grid))
    for i in range(k):
        col = colors[i % len(colors)] if colors is not None else _palette_color(i)
        lab = labels[i] if labels is not None else None
        if Y is not None:
            xi, yi = X[i], Y[i]
            show = np.isfinite(yi) & ((xi > 0) if xscale == "log" else np.isfinite(xi))
            ax.plot(xi[show], yi[show], ls="none", marker="o", ms=4.5, color=col,
                    mfc=col if P is None else "white", mew=1.1, zorder=4,
                    label=lab if P is None else None)
        if P is not None:
            f = _models()[model][0]
            curve = f(grid, *P[i])
            ax.plot(grid, curve, color=col, label=lab, zorder=3)
            if band and fit_cov is not None and fit_cov.shape[0] == P.shape[0]:
                lo_b, _, hi_b = _band_from_cov(model, P[i], fit_cov[i], int(fit_df[i]),
                                               grid, level)
                if np.isfinite(lo_b).any():
                    ax.fill_between(grid, lo_b, hi_b, color=col, alpha=BAND_ALPHA, lw=0,
                                    zorder=1)
            elif band and Y is not None:
                lo_b, _, hi_b = confidence_band(X[i], Y[i], P[i], model, grid, level)
                if np.isfinite(lo_b).any():
                    ax.fill_between(grid, lo_b, hi_b, color=col, alpha=BAND_ALPHA, lw=0,
                                    zorder=1)
    ax.set_xscale(xscale)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if labels is not None:
        ax.legend()
    return ax


def _ec50_interp(x, y, half):
    """x at which y crosses ``half`` (log-linear interpolation, first crossing)."""
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0)
    x, y = x[ok], y[ok]
    order = np.argsort(x)
    lx, y = np.log(x[order]), y[order]
    s = np.sign(y - half)
    idx = np.flatnonzero(s[:-1] * s[1:] <= 0)
    idx = idx[y[idx + 1] != y[idx]] if idx.size else idx
    if idx.size == 0:
        return np.nan
    j = idx[0]
    w = (half - y[j]) / (y[j + 1] - y[j])
    return float(np.exp(lx[j] + w * (lx[j + 1] - lx[j])))


_MOLAR = {"mol/L": 1.0, "M": 1.0, "mmol/L": 1e-3, "umol/L": 1e-6, "µmol/L": 1e-6,
          "nmol/L": 1e-9, "nM": 1e-9, "pmol/L": 1e-12}


def schild_line(dose_ratios, antagonist, unit: str = "nmol/L"):
    """Least-squares Schild regression: slope and pA2.

    Regresses ``log10(DR - 1)`` on ``log10 [B]`` (``[B]`` in mol/L); the
    x intercept is ``-pA2``, so ``pA2 = intercept / slope`` (Arunlakshana and
    Schild 1959).  Points with ``DR <= 1`` or ``[B] <= 0`` cannot be drawn in
    these coordinates and are left out.

    Parameters
    ----------
    dose_ratios : array_like (n,) or (r, n)
        Agonist EC50 with antagonist over EC50 without (``r`` replicates).
    antagonist : array_like (n,)
        Antagonist concentrations in ``unit``.
    unit : str
        Concentration unit of ``antagonist`` (mol/L, mmol/L, umol/L, nmol/L
        or pmol/L; also M, nM).

    Returns
    -------
    (log_b, log_dr1, slope, pA2) : tuple
        The drawable points (log10 mol/L, log10(DR - 1)) and the line; slope
        and pA2 are NaN with fewer than two distinct concentrations.

    Examples
    --------
    >>> import numpy as np
    >>> b = np.array([1.0, 10.0, 100.0])          # nmol/L
    >>> _, _, slope, pa2 = schild_line(1 + b / 2.0, b)   # KB = 2 nmol/L
    >>> round(slope, 12), round(pa2, 6)                  # -log10(2e-9)
    (1.0, 8.69897)
    """
    if unit not in _MOLAR:
        raise ValueError(f"unit must be one of {tuple(_MOLAR)}, got {unit!r}")
    b = np.asarray(antagonist, dtype=np.float64)
    dr = np.asarray(dose_ratios, dtype=np.float64)
    if b.ndim != 1:
        raise ValueError(f"antagonist must be 1-d, got shape {b.shape}")
    try:
        drb, bb = np.broadcast_arrays(dr, b)
    except ValueError:
        raise ValueError(f"dose_ratios of shape {dr.shape} do not match antagonist of "
                         f"{b.size} concentrations") from None
    drb, bb = drb.ravel(), bb.ravel()
    ok = np.isfinite(drb) & np.isfinite(bb) & (drb > 1.0) & (bb > 0.0)
    log_b = np.log10(bb[ok] * _MOLAR[unit])
    log_dr1 = np.log10(drb[ok] - 1.0)
    if np.unique(log_b).size < 2:
        return log_b, log_dr1, np.nan, np.nan
    slope, intercept = np.polyfit(log_b, log_dr1, 1)
    return log_b, log_dr1, float(slope), float(intercept / slope)


@_styled
def schild(dose_ratios=None, antagonist=None, ax=None, *, curves=None, unit="nmol/L",
           fit=True, label=None, color=None):
    """Schild plot: log(DR - 1) against log [antagonist], with the regression.

    Parameters
    ----------
    dose_ratios : array_like (n,) or (r, n), or SchildResult, optional
        Dose ratios at each antagonist concentration (``r`` replicates), or
        the result of :func:`endorphin.schild_analysis` (its points and
        line are drawn; ``unit`` is the unit of the concentrations it was
        given).
    antagonist : array_like (n,)
        Antagonist concentrations in ``unit``.  With ``curves``, one per
        curve, 0 for the control curve.
    ax : matplotlib.axes.Axes, optional
        Default ``plt.gca()``.
    curves : (x, Y), optional
        Agonist concentration-response curves instead of dose ratios:
        ``x`` (m,) agonist concentrations, ``Y`` (n, m) responses, one row
        per antagonist concentration, one of them 0 (the control).  Each
        curve's EC50 is where it crosses half the control's (max + min)
        (log-linear interpolation), and DR = EC50 / EC50_control.
    unit : str
        Unit of ``antagonist`` (see :func:`schild_line`).
    fit : bool or object
        True: draw the least-squares line and report slope and pA2; an
        object with ``pA2`` and ``slope`` attributes (e.g. from
        :func:`endorphin.schild_analysis`, its pA2 in ``unit``): draw that
        line; False: points only.
    label, color : optional
        Legend label and colour of the points.

    Returns
    -------
    matplotlib.axes.Axes
        The slope and pA2 are written in the Axes' corner.
    """
    if unit not in _MOLAR:
        raise ValueError(f"unit must be one of {tuple(_MOLAR)}, got {unit!r}")
    shift = -math.log10(_MOLAR[unit])          # log10 of (concentration unit -> mol/L)
    if hasattr(dose_ratios, "pA2") and hasattr(dose_ratios, "log_antagonist"):
        sr = dose_ratios                       # an endorphin.schild_analysis result
        lb = np.asarray(sr.log_antagonist, dtype=np.float64).ravel()
        ly = np.asarray(sr.log_dr_minus_1, dtype=np.float64).ravel()
        ok = np.isfinite(lb) & np.isfinite(ly)
        if not ok.any():
            raise ValueError("no point with dose ratio > 1 and antagonist > 0 to draw")
        return _schild_draw(ax, lb[ok] - shift, ly[ok], float(sr.slope),
                            float(sr.pA2) + shift, label, color)
    if antagonist is None:
        raise TypeError("antagonist (concentrations) is required")
    b = np.asarray(antagonist, dtype=np.float64)
    if curves is not None:
        if dose_ratios is not None:
            raise ValueError("give dose_ratios or curves, not both")
        try:
            xa, Y = curves
        except (TypeError, ValueError):
            raise TypeError("curves must be a pair (x, Y)") from None
        xa, Y = np.asarray(xa, dtype=np.float64), np.atleast_2d(np.asarray(Y, np.float64))
        if Y.shape != (b.size, xa.size):
            raise ValueError(f"curves: Y must have shape (len(antagonist), len(x)) = "
                             f"({b.size}, {xa.size}), got {Y.shape}")
        ctrl = np.flatnonzero(b == 0)
        if ctrl.size != 1:
            raise ValueError("curves need exactly one control curve (antagonist 0)")
        y0 = Y[ctrl[0]]
        half = 0.5 * (np.nanmax(y0) + np.nanmin(y0))
        ec = np.array([_ec50_interp(xa, yi, half) for yi in Y])
        keep = b > 0
        dose_ratios, b = ec[keep] / ec[ctrl[0]], b[keep]
    if dose_ratios is None:
        raise TypeError("dose_ratios or curves is required")
    log_b, log_dr1, slope, pa2 = schild_line(dose_ratios, b, unit)
    if log_b.size == 0:
        raise ValueError("no point with dose ratio > 1 and antagonist > 0 to draw")
    if fit is None or fit is False:
        slope = pa2 = None
    elif fit is not True:
        slope, pa2 = float(getattr(fit, "slope")), float(getattr(fit, "pA2")) + shift
    return _schild_draw(ax, log_b, log_dr1, slope, pa2, label, color)


def _schild_draw(ax, log_b, log_dr1, s, p, label, color):
    ax = _axes(ax)
    col = color if color is not None else _palette_color(0)
    ax.plot(log_b, log_dr1, ls="none", marker="o", ms=5, alpha=0.7 if log_b.size > 12 else 1.0,
            color=col, label=label, zorder=4)
    text = None
    if s is not None:
        if np.isfinite(s) and np.isfinite(p):
            xs = np.array([min(log_b.min(), -p) - 0.3, log_b.max() + 0.3])
            ax.plot(xs, s * (xs + p), color=col, lw=1.3, zorder=3,
                    label="Schild regression" if label else None)
            ax.plot([-p], [0.0], marker="x", color="black", ms=7, zorder=5)
            text = f"pA$_2$ = {p:.2f}\nslope = {s:.2f}"
    ax.axhline(0.0, color=NEUTRAL, lw=0.6, ls=":", zorder=0)
    ax.set_xlabel("log$_{10}$ [antagonist] [mol/L]")
    ax.set_ylabel("log$_{10}$ (dose ratio − 1)")
    if text:
        ax.text(0.03, 0.97, text, transform=ax.transAxes, va="top", ha="left")
    if label:
        ax.legend(loc="lower right")
    return ax
