"""The scenario: a protocol, doses and a population on a time grid.

:meth:`Scenario.simulate` runs the C engine (through the runner,
:mod:`endorphin.scenario.runner`) and returns a
:class:`~endorphin.results.Result`; :func:`compare` runs several scenarios
side by side.  Scenario files (TOML) are read and written by
:mod:`endorphin.io`, which registers its reader and writer here
(:func:`register_file_format`) when imported.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from .. import _units
from .._validate import clock_minutes, flag, known, real, suggest
from ..engine import core
from ..results import Comparison
from . import runner
from .doses import Dose
from .population import Population, Subject
from .stimuli import Protocol, Stimulus
from .weekly import WEEKDAYS, weekday

__all__ = ["Scenario", "compare", "register_file_format", "file_format"]

_ENGINE = core.models["endorphin"]
_MAX_TIMES = 10_000_000


class FileFormat(NamedTuple):
    read: object       # path -> Scenario
    write: object      # (Scenario, path) -> Path


_FILE_FORMATS: dict[str, FileFormat] = {}


def register_file_format(name: str, read, write) -> None:
    """Called by :mod:`endorphin.io`: the reader and writer of a scenario file format."""
    _FILE_FORMATS[name] = FileFormat(read, write)


def file_format(name: str) -> FileFormat:
    """The reader and writer registered for ``name`` ("toml")."""
    try:
        return _FILE_FORMATS[name]
    except KeyError:
        raise RuntimeError(f"no scenario file format {name!r} registered: import "
                           f"endorphin.io") from None


# ---------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------
def _clock(value) -> tuple:
    """clock_start as (minutes after midnight, "HH:MM")."""
    if isinstance(value, str):
        try:
            minutes = clock_minutes(value, "clock_start")
        except ValueError:
            raise ValueError(f"clock_start must be 'HH:MM' (00:00-23:59) or minutes after "
                             f"midnight in [0, 1440), got {value!r}") from None
    else:
        minutes = real(value, "clock_start", low=0.0, unit="minutes after midnight")
        if minutes >= 1440.0:
            raise ValueError(f"clock_start must be in [0, 1440) minutes after midnight, "
                             f"got {value!r}")
    h, mi = divmod(minutes, 60.0)
    return minutes, f"{int(h):02d}:{mi:02.0f}" if mi == int(mi) else f"{int(h):02d}:{mi:05.2f}"


def _cut_by_t_end(protocol, doses, t_end: float) -> list:
    """What a simulation to ``t_end`` drops of a protocol and doses that run longer:
    stimuli cut short, infusions cut short, repeated administrations after ``t_end``
    (stimuli starting after ``t_end`` have their own warning).  One phrase each."""
    out = []
    for st in protocol:
        if st.start < t_end < st.end:
            out.append(f"{type(st).__name__} {st.start:g}-{st.end:g} min is cut at t_end "
                       f"(its last {st.end - t_end:g} min dropped)")
    for d in doses:
        times = d.administrations()
        late = int(np.count_nonzero(times > t_end))
        if late:
            out.append(f"{late} of {times.size} {d.drug} administrations start after "
                       f"t_end and are dropped")
        if d.is_infusion:
            cut = times[(times <= t_end) & (times + d.duration > t_end)]
            for t in cut:
                out.append(f"the {d.drug} infusion {t:g}-{t + d.duration:g} min is cut at "
                           f"t_end (its last {t + d.duration - t_end:g} min dropped)")
    return out


class Scenario:
    """A protocol, doses and a population on a time grid, ready to simulate.

    Parameters
    ----------
    protocol : Protocol or Stimulus, optional
        Stimuli (None: rest).  Stimuli running past ``t_end`` are cut there.
    doses : Dose or sequence of Dose, optional
        Administrations (None or []: none).  A dose whose first
        administration is after ``t_end`` is rejected (ValueError); later
        administrations of a repeated schedule past ``t_end`` are dropped.
    population : Population or Subject, optional
        Default ``Subject()`` (the typical healthy subject, seed 0).
    t_end : float
        Length of the scenario, minutes, ``> 0`` (a pint time quantity is
        converted).  What the protocol or the doses hold beyond it is dropped
        with a UserWarning naming it: stimuli starting at or after ``t_end``,
        stimuli and infusions cut at ``t_end``, administrations of a repeated
        dose after ``t_end``; a dose whose first administration is after
        ``t_end`` is a ValueError.
    dt : float
        Output interval, minutes, ``0 < dt <= t_end``; outputs at ``0, dt,
        2 dt, ...`` and at ``t_end`` (at most 10^7 times).
    clock_start : str or float
        Clock time of t = 0, ``"HH:MM"`` or minutes after midnight (sets the
        engine parameter ``clock_start``).  Stimuli and doses given a clock
        time as their start (``Exercise(0.7, start="10:00", duration=30)``)
        are placed on this clock: at the first time at or after t = 0 that
        it shows that time (with the default ``"08:00"``, ``"10:00"`` is
        t = 120 min; a clock time earlier than ``clock_start``, such as
        ``"07:00"``, is the next day's, t = 1380 min, as the Unix ``at``
        command reads it).
    start_day : str
        Weekday of t = 0, ``"mon"`` .. ``"sun"`` (default ``"mon"``): where the
        sessions of :func:`endorphin.weekly` programmes fall.
    circadian : bool
        The circadian rhythm of POMC synthesis (False sets ``a_circ = 0``:
        at rest every concentration then equals its base value exactly).
    pulses : bool
        Ultradian pituitary pulses (a renewal process per subject, keyed by
        the population's seed).
    name : str, optional
        Label of the scenario (in results and their HTML view).

    Examples
    --------
    >>> from endorphin.scenario import Scenario, Exercise, Population
    >>> sc = Scenario(Exercise(0.8, start=60, duration=30), population=Population(50, seed=1),
    ...               t_end=240, dt=5)
    >>> res = sc.simulate(outputs=["plasma_beta_endorphin"])
    >>> res["plasma_beta_endorphin"].shape
    (50, 49)
    """

    def __init__(self, protocol=None, doses=None, population=None, t_end: float = 1440.0,
                 dt: float = 1.0, clock_start="08:00", circadian: bool = True,
                 pulses: bool = True, name: str | None = None, start_day: str = "mon"):
        self.t_end = real(_units.magnitude(t_end, "min", "t_end"), "t_end", low=0.0,
                          low_open=True, unit="min")
        self.dt = real(_units.magnitude(dt, "min", "dt"), "dt", low=0.0, low_open=True,
                       unit="min")
        if self.dt > self.t_end:
            raise ValueError(f"dt must be <= t_end = {self.t_end:g} min, got {dt!r}")
        if self.t_end / self.dt + 2 > _MAX_TIMES:
            raise ValueError(f"dt = {dt!r} gives more than {_MAX_TIMES} output times over "
                             f"t_end = {self.t_end:g} min; use a larger dt")
        if protocol is None:
            protocol = Protocol()
        elif isinstance(protocol, Stimulus):
            protocol = Protocol((protocol,))
        elif not isinstance(protocol, Protocol):
            raise TypeError(f"protocol must be a Protocol, a stimulus or None, got "
                            f"{type(protocol).__name__}")
        if protocol.frequencies() == {"low", "high"}:
            raise ValueError("protocol mixes low- and high-frequency Acupuncture; the engine "
                             "has one acupuncture channel, so simulate them as two scenarios")
        self.clock_start, self.clock_start_text = _clock(clock_start)
        self.start_day = WEEKDAYS[weekday(start_day, "start_day")]
        # weekly programmes placed on this scenario's clock (sessions before t = 0 dropped)
        self.protocol = protocol.resolved(self.clock_start, WEEKDAYS.index(self.start_day))
        late = [st for st in self.protocol if st.start >= self.t_end]
        if late:
            shown = ", ".join(f"{type(st).__name__} at {st.start:g} min" for st in late[:3])
            warnings.warn(f"{len(late)} stimulus(es) start at or after t_end = "
                          f"{self.t_end:g} min and are dropped ({shown}"
                          f"{', ...' if len(late) > 3 else ''}); times are in minutes",
                          UserWarning, stacklevel=2)
        if doses is None:
            doses = ()
        elif isinstance(doses, Dose):
            doses = (doses,)
        elif isinstance(doses, (str, bytes)) or not hasattr(doses, "__iter__"):
            raise TypeError(f"doses must be a Dose, a sequence of Dose or None, got "
                            f"{type(doses).__name__}")
        doses = tuple(doses)
        for d in doses:
            if not isinstance(d, Dose):
                raise TypeError(f"doses must hold Dose objects, got {type(d).__name__}")
        # clock-time doses ("10:00") placed on this scenario's clock
        doses = tuple(d.at_clock(self.clock_start) for d in doses)
        for d in doses:
            if d.time > self.t_end:
                raise ValueError(f"doses: the {d.drug} dose at time {d.time:g} min is after "
                                 f"t_end = {self.t_end:g} min (doses must start within "
                                 f"[0, t_end])")
        self.doses = doses
        self._check_demand()
        cut = _cut_by_t_end(self.protocol, doses, self.t_end)
        if cut:
            warnings.warn(f"t_end = {self.t_end:g} min is shorter than the protocol: "
                          + "; ".join(cut[:3]) + ("; ..." if len(cut) > 3 else "")
                          + " (times are in minutes)", UserWarning, stacklevel=2)
        if population is None:
            population = Subject()
        elif not isinstance(population, Population):
            raise TypeError(f"population must be a Population or Subject, got "
                            f"{type(population).__name__}")
        self.population = population
        self.circadian = flag(circadian, "circadian")
        self.pulses = flag(pulses, "pulses")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string or None, got {type(name).__name__}")
        self.name = name

    # -- files
    @classmethod
    def from_toml(cls, path) -> Scenario:
        """Read a scenario file (TOML; the layout is documented in the README's
        "Scenario files" section and :mod:`endorphin.io.toml`).

        >>> import endorphin as en, tempfile, os
        >>> sc = en.Scenario(en.Exercise(0.8, start=60, duration=30),
        ...                  en.Dose("naloxone", 0.4, time=50), en.Population(20, seed=2))
        >>> path = os.path.join(tempfile.mkdtemp(), "s.toml")
        >>> _ = sc.to_toml(path)
        >>> en.Scenario.from_toml(path) == sc
        True
        """
        return file_format("toml").read(path)

    def to_toml(self, path):
        """Write this scenario to a TOML file; returns the path."""
        return file_format("toml").write(self, path)

    # -- the grid and the engine's arrays
    @property
    def times(self) -> np.ndarray:
        """Output times, minutes: ``0, dt, 2 dt, ...`` and ``t_end``."""
        k = int(math.floor(self.t_end / self.dt * (1.0 + 1e-12)))
        t = self.dt * np.arange(k + 1, dtype=np.float64)
        t = t[t < self.t_end * (1.0 - 1e-12)]       # k >= 1 (dt <= t_end): t[0] = 0 stays
        return np.append(t, self.t_end)

    def _apply_settings(self, params: np.ndarray) -> np.ndarray:
        return runner.apply_settings(self, params)

    def _plan(self, body_weight: np.ndarray):
        """The drug plan (slots, model variant, drug boluses and infusions)."""
        return runner.drug_plan(self, body_weight)

    def outputs(self) -> tuple:
        """Names of the outputs this scenario produces: the model's (docs/api.md) and, per
        drug dosed, ``<drug>_plasma``, ``<drug>_effect_site`` (nmol/L) and
        ``occupancy_<receptor>_<drug>``; with an on-demand dose
        (:meth:`Dose.on_demand`), ``<drug>_demand_doses``, the cumulative number of
        demand doses given (right-continuous: a dose at an output time is counted
        there)."""
        names = list(_ENGINE.outputs)
        seen = []
        for d in self.doses:
            if not d.is_endogenous and d.drug not in seen:
                seen.append(d.drug)
        for drug in seen:
            names += [f"{drug}_plasma", f"{drug}_effect_site"] + [
                f"occupancy_{r}_{drug}" for r in ("mu", "delta", "kappa")]
        names += [f"{d.drug}_demand_doses" for d in self.doses if d.is_on_demand]
        return tuple(names)

    def _check_demand(self) -> None:
        """An on-demand dose: at most one, and its rule on an output of this scenario."""
        demand = [d for d in self.doses if d.is_on_demand]
        if len(demand) > 1:
            raise ValueError(f"doses: at most one on-demand dose (Dose.on_demand) per "
                             f"scenario, got {len(demand)}")
        if demand:
            output = demand[0].demand_rule[0]
            available = [o for o in self.outputs() if not o.endswith("_demand_doses")]
            if output not in available:
                raise ValueError(f"doses: the on-demand rule {demand[0].when!r} names "
                                 f"{output!r}, which is not an output of this scenario; "
                                 f"{suggest(output, available)}(known: {known(available)})")

    def _inputs(self, body_weight: np.ndarray, plan, vo2max: np.ndarray | None = None):
        return runner.stimulus_inputs(self, body_weight, plan, vo2max)

    def _boluses(self, body_weight: np.ndarray, plan):
        return runner.bolus_arrays(self, body_weight, plan)

    # -- running
    def simulate(self, *, threads: int | None = None, method: str = "auto",
                 rtol: float | None = None, atol: float | None = None, outputs=None,
                 progress: bool = False, chunks: int | None = None):
        """Simulate every subject of the population.

        Parameters
        ----------
        threads : int, optional
            Engine threads (default: the cores available).  Results do not
            depend on it.
        method : {"auto", "explicit", "stiff", "tsit5", "dopri5", "day"}
            Integrator (see :func:`endorphin.core.simulate`), or ``"day"``, the
            long-horizon resolution for programmes over weeks (docs/model.md,
            "Long horizons"): the pituitary pulses by their mean field instead of
            discrete pulses, the acute receptor factors at their quasi-steady
            state, explicit Dormand-Prince at ``rtol=1e-3, atol=1e-6``.
            Day-scale outputs (pain, the scores, VO2max, receptors, daily means)
            agree with the full model's population means within 2 %; plasma
            beta-endorphin at a given minute does not show its pulses.  The
            result's provenance says which method made it.
        rtol, atol : float, optional
            Relative (> 0) and absolute (>= 0, in the states' units: pmol/L,
            nmol/L, dimensionless) tolerances (default 1e-6 and 1e-9; 1e-3 and
            1e-6 with ``method="day"``).
        outputs : sequence of str, optional
            Output names to keep (default all; see
            ``endorphin.core.models["endorphin"].outputs``).  Fewer outputs
            need less memory: the result holds N x outputs x times floats.
        progress : bool
            Show a progress bar (``tqdm.auto``, if installed; silent without
            a terminal or notebook).  The population is then run in about
            20 chunks; results are identical.
        chunks : int, optional
            Subjects per Dask task (needs ``endorphin[dask]``): the result is
            then lazy (:class:`endorphin.results.lazy.LazyResult`, dask arrays chunked
            along subjects), computed on the current Dask scheduler (a
            ``dask.distributed.Client`` if one is active) when asked.  The
            numbers are bitwise those of an in-process run, whatever the
            chunking and the workers (every draw is keyed by subject).

        Returns
        -------
        Result
            Trajectories (subject, time) of every output, with the
            scenario, the subjects' parameters and the provenance (a
            ``LazyResult`` with ``chunks=``).

        Warns
        -----
        RuntimeWarning
            If the engine failed for some subjects (their outputs are NaN
            from the failure on; ``result.status`` says why).
        """
        return runner.simulate(self, threads=threads, method=method, rtol=rtol, atol=atol,
                               outputs=outputs, progress=progress, chunks=chunks)

    def summarize(self, outputs=None, *, thresholds=None, chunks: int | None = None,
                  method: str = "auto", rtol: float | None = None,
                  atol: float | None = None, threads: int | None = None):
        """Per-subject summaries computed during the integration, without keeping
        trajectories (memory O(subjects); with ``chunks``, O(chunk) per Dask task).

        Parameters
        ----------
        outputs : sequence of str, optional
            Default: plasma beta-endorphin, analgesia, opioid analgesia and mood.
        thresholds : sequence of float, optional
            Per output, the level whose time above is reported (default 0).
        chunks : int, optional
            Subjects per Dask task; the summaries are then a lazy dask array.
        method, rtol, atol, threads
            As in :meth:`simulate`.

        Returns
        -------
        endorphin.results.lazy.Summaries
            ``values`` (subjects, outputs, stats) with the stats of
            :data:`endorphin.core.SUMMARY_STATS` (max, tmax, min, auc,
            time_above, end), ``to_xarray()`` and ``percentiles(q)``.
        """
        return runner.summarize(self, outputs, thresholds=thresholds, chunks=chunks,
                                method=method, rtol=rtol, atol=atol, threads=threads)

    # -- housekeeping
    def _key(self):
        return (self.protocol, self.doses, self.population, self.t_end, self.dt,
                self.clock_start, self.circadian, self.pulses, self.name, self.start_day)

    def __eq__(self, other):
        if not isinstance(other, Scenario):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self) -> str:
        name = f"{self.name!r}, " if self.name else ""
        return (f"Scenario({name}{len(self.protocol)} stimuli, {len(self.doses)} doses, "
                f"{self.population!r}, t_end={self.t_end:g}, dt={self.dt:g}, "
                f"clock_start={self.clock_start_text!r}, start_day={self.start_day!r}, "
                f"circadian={self.circadian}, "
                f"pulses={self.pulses})")


def compare(scenarios: Mapping, **simulate_kwargs) -> Comparison:
    """Simulate several scenarios and hold the results side by side.

    Parameters
    ----------
    scenarios : mapping of str to Scenario
        Names (the ``scenario`` coordinate) and scenarios.  Use the same
        :class:`Population` object (or the same seed) in each to compare the
        same virtual subjects (common random numbers).
    **simulate_kwargs
        Passed to every :meth:`Scenario.simulate` (``threads``, ``method``,
        ``rtol``, ``atol``, ``outputs``, ``progress``).

    Returns
    -------
    Comparison
        ``cmp[name]`` is the :class:`~endorphin.results.Result` of a scenario;
        ``cmp[output]`` a (scenario, subject, time) array;
        ``to_xarray()``/``to_pandas()``/``summary()``/``sample()`` add a
        ``scenario`` dimension/column.

    Examples
    --------
    >>> from endorphin.scenario import Scenario, Exercise, Population, compare
    >>> pop = Population(20, seed=3)
    >>> cmp = compare({"60 %": Scenario(Exercise(0.6, start=30, duration=30), population=pop,
    ...                                 t_end=120, dt=5),
    ...                "80 %": Scenario(Exercise(0.8, start=30, duration=30), population=pop,
    ...                                 t_end=120, dt=5)},
    ...               outputs=["plasma_beta_endorphin"])
    >>> cmp["plasma_beta_endorphin"].shape
    (2, 20, 25)
    """
    if not isinstance(scenarios, Mapping):
        raise TypeError(f"scenarios must be a mapping of names to Scenario objects, got "
                        f"{type(scenarios).__name__}")
    if len(scenarios) == 0:
        raise ValueError("scenarios must hold at least one scenario")
    for key, sc in scenarios.items():
        if not isinstance(key, str):
            raise TypeError(f"scenario names must be strings, got {key!r}")
        if not isinstance(sc, Scenario):
            raise TypeError(f"scenarios[{key!r}] must be a Scenario, got "
                            f"{type(sc).__name__}")
        if key in _ENGINE.outputs:
            raise ValueError(f"scenario name {key!r} is also an output name; choose another")
    results = {}
    for key, sc in scenarios.items():
        res = sc.simulate(**simulate_kwargs)
        res.name = key
        results[key] = res
    return Comparison(results)
