"""Time courses of simulations: :func:`time_course`, :func:`timeline`,
:func:`occupancy`, :func:`tolerance` and :func:`compare` (the conventions of
every figure are in :mod:`endorphin.plot`)."""
from __future__ import annotations

import math

import numpy as np

from .._validate import choice, suggest
from ..results import Comparison, Result
from ..results.meta import output_meta
from ..scenario import Dose, Exercise, Pain, Protocol, Scenario, Stimulus
from .common import (LINESTYLES, RECEPTORS, TimeAxis, check_center, draw_observed, get_axes,
                     legend_elsewhere,
                     median_line, observed_sets, output_label, pyplot, quiet, set_ylabel,
                     styled)
from .theme import BAND_HATCHES, NEUTRAL, PALETTE, color as palette_color

__all__ = ["time_course", "timeline", "occupancy", "tolerance", "compare"]


def _dataset_as_result(result):
    """An xarray Dataset (``res.to_xarray()``, ``xr.open_dataset`` of a saved
    result) as the Result it describes (:meth:`Result.from_xarray`)."""
    if type(result).__module__.startswith("xarray") and hasattr(result, "data_vars"):
        if "scenario" in result.dims:
            raise TypeError("result is a comparison's Dataset (it has a 'scenario' "
                            "dimension): use en.plot.compare(en.Comparison.from_xarray(ds), "
                            "name)")
        return Result.from_xarray(result)
    return result


def _check_result(result):
    if not isinstance(result, Result):
        raise TypeError(f"result must be an endorphin Result, got {type(result).__name__}")


@styled
def time_course(result, name: str = "plasma_beta_endorphin", ax=None, *, bands=(5, 95),
                label=None, color=None, observed=None, subjects=None, time_unit="min",
                offset=0.0, timeline=False, center="median", xlabel=None, ylabel=None,
                **kwargs):
    """Population median (or mean) of an output over time, with percentile bands.

    Parameters
    ----------
    result : Result or xarray.Dataset
        A simulation result, or its Dataset (``res.to_xarray()`` or
        ``xr.open_dataset`` of a saved result: read with
        :meth:`Result.from_xarray`).
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
    result = _dataset_as_result(result)
    _check_result(result)
    if not isinstance(name, str):
        raise TypeError(f"name must be an output name (str), got {type(name).__name__}")
    result[name]                                       # KeyError naming the outputs
    check_center(center)
    sets = observed_sets(observed)
    tx = TimeAxis.of(result, time_unit, offset)
    strip = None
    if timeline:
        if ax is None:
            plt = pyplot()
            fig, (ax, strip) = plt.subplots(
                2, 1, sharex=True, figsize=(7.0, 4.6), layout="constrained",
                gridspec_kw={"height_ratios": [4.0, _strip_height(result)]})
        else:
            ax = get_axes(ax)
            from mpl_toolkits.axes_grid1 import make_axes_locatable
            strip = make_axes_locatable(ax).append_axes("bottom", size="22%", pad=0.08,
                                                        sharex=ax)
    ax = get_axes(ax)
    median_line(ax, result, name, tx, bands=bands, label=label, color=color,
                 subjects=subjects, center=center, **kwargs)
    unit = output_meta(name)[0]
    for k, obs in enumerate(sets):
        draw_observed(ax, obs, name, unit, tx, k)
    set_ylabel(ax, output_label(name) if ylabel is None else ylabel)
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


@styled
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
    tx = TimeAxis(time_unit, offset, clock_start)
    if ax is None:
        rows = _rows(*_timeline_items(protocol)[:2]) + [d.drug for d in doses]
        plt = pyplot()
        _, ax = plt.subplots(figsize=(7.0, 0.6 + 0.35 * max(1, len(set(rows)))),
                             layout="constrained")
    ax = get_axes(ax)
    _draw_timeline(ax, protocol, tx, doses=doses, t_end=t_end)
    end = t_end if t_end is not None else _timeline_items(protocol)[2]
    if end is not None:
        ax.set_xlim(float(tx(0.0)), float(tx(end)))
    tx.decorate(ax, xlabel)
    return ax


# ---------------------------------------------------------------------------
# receptors: occupancy by ligand, tolerance
# ---------------------------------------------------------------------------
def _check_receptor(receptor) -> str:
    """The canonical receptor name (any case)."""
    if not isinstance(receptor, str):
        raise ValueError(f"receptor must be one of {RECEPTORS}, got {receptor!r}")
    return choice(receptor, RECEPTORS, "receptor", message=lambda v: (
        f"receptor must be one of {RECEPTORS}, got {v!r}; {suggest(v, RECEPTORS)}"
        .rstrip("; ")))


def _subject_or_mean(y, subject, result):
    if subject is None:
        return quiet(np.nanmean, y, axis=0) if y.shape[0] else np.full(y.shape[1], np.nan)
    hits = np.flatnonzero(result.subjects == subject)
    if hits.size != 1:
        raise ValueError(f"subject {subject!r} is not in this result (subjects "
                         f"{result.subjects[:5].tolist()}...)")
    return y[hits[0]]


@styled
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
    _check_result(result)
    receptor = _check_receptor(receptor)
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
    tx = TimeAxis.of(result, time_unit, offset)
    ax = get_axes(ax)
    t = tx(result.t)
    layers = [_subject_or_mean(result[pre + g], subject, result) for g in ligands]
    colors = [palette_color(i) for i in range(len(ligands))]
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


@styled
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
    _check_result(result)
    if receptors is None:
        receptors = [r for r in RECEPTORS if f"receptor_{r}" in result]
        if not receptors:
            raise ValueError("this result has no receptor_mu|delta|kappa output; simulate "
                             "with outputs=['receptor_mu', ...]")
    elif isinstance(receptors, str):
        receptors = [receptors]
    receptors = [_check_receptor(r) for r in receptors]
    tx = TimeAxis.of(result, time_unit, offset)
    ax = get_axes(ax)
    t = tx(result.t)
    for i, r in enumerate(receptors):
        col = palette_color(i)
        median_line(ax, result, f"receptor_{r}", tx, bands=bands, label=f"{r} (functional)",
                     color=col, subjects=None)
        if components:
            for part, ls in (("acute", ":"), ("chronic", "--")):
                key = f"receptor_{part}_{r}"
                if key in result:
                    y = result[key]
                    med = (quiet(np.nanmedian, y, axis=0) if y.shape[0]
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
@styled
def compare(comparison, names="plasma_beta_endorphin", axes=None, *, scenarios=None,
            bands=(5, 95), time_unit="min", offset=0.0, observed=None, legend=True,
            panel_letters=None, ncols=None, center="median", xlabel=None, **kwargs):
    """Panels of outputs, the scenarios of a comparison overlaid in each.

    Every scenario keeps its colour in every panel (Okabe-Ito, in the
    comparison's order), and its line style; the first scenario's bands are
    filled, the others' hatched in their colour, so that identical bands do
    not mix into one grey.  The legend is drawn once per figure: in the first
    panel, and not at all when another panel of the same figure already has
    the same legend (``cmp.plot(name, ax=ax)`` in a loop over panels).

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
    check_center(center)
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
            axs = [get_axes(None)]
        else:
            plt = pyplot()
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
        ax = get_axes(ax)
        first = comparison.results[keys[0]] if keys else None
        tx = TimeAxis.of(first, time_unit, offset)
        for i, k in enumerate(keys):
            kw = dict(kwargs)
            kw.setdefault("ls", LINESTYLES[i % len(LINESTYLES)])
            # the first scenario's bands filled, the others' hatched in their colour
            hatch = BAND_HATCHES[(i - 1) % len(BAND_HATCHES)] if i else None
            median_line(ax, comparison.results[k], n, tx, bands=bands, label=k,
                        color=palette_color(i), subjects=None, center=center,
                        hatch=hatch, **kw)
        if p == 0:
            unit = output_meta(n)[0]
            for j, obs in enumerate(observed_sets(observed)):
                draw_observed(ax, obs, n, unit, tx, j)
        set_ylabel(ax, output_label(n))
        tx.decorate(ax, xlabel)
        if first is not None and first.t.size:
            ax.set_xlim(tx(first.t[0]), tx(first.t[-1]))
            if tx.unit == "clock":
                tx.decorate(ax, xlabel)
        if letters:
            ax.set_title(chr(ord("A") + p), loc="left", fontweight="bold")
        if p == 0 and legend and not legend_elsewhere(ax):
            ax.legend()
    axs = axs[:len(names)]
    return axs[0] if single else np.array(axs, dtype=object)
