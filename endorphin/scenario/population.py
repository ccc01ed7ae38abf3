"""Virtual populations: subjects drawn around a condition's parameters.

A :class:`Population` (or a single :class:`Subject`) gives the virtual
subjects of a scenario: parameters drawn with the variability of
:func:`endorphin.model.sample_parameters` around a condition of
:mod:`endorphin.presets`, keyed by (seed, subject), and covariates
(``body_weight`` in kg scales per-kg doses and the beta-endorphin dosing
volumes; ``sex`` gives women morphine's effect-site constants of Sarton et
al. 2000, :data:`endorphin.scenario.drug_plan.SEX_EFFECTS`; ``sex`` and ``age``
are kept as coordinates of the results).  Drug PK varies between subjects with the
drug table's CVs (keyed by (seed, subject, drug)); ``drug_variability=False`` keeps
every subject's drug PK typical while its physiology varies.
"""
from __future__ import annotations

import numbers
import types
from collections.abc import Mapping

import numpy as np

from .. import _units, model
from ..model import drugs, presets
from .._validate import choice, integer, real, unknown_name
from ..engine import core
from . import covariates as covariate_dists

__all__ = ["Population", "Subject", "CONDITIONS"]

#: Conditions (parameter presets of :mod:`endorphin.presets`).
CONDITIONS = presets.names()


# ---------------------------------------------------------------------------
# Populations
# ---------------------------------------------------------------------------
_ENGINE = core.models["endorphin"]
_PULSE_NAMES = tuple(r.name for r in model.PULSE_TABLE)
_PARAM_TABLE = {r.name: r for r in model.TABLE + model.PULSE_TABLE}
_SCENARIO_SETTINGS = {"clock_start": "a Scenario setting (Scenario(clock_start=...))",
                      "pulse_mean": "derived from the pulse generator"}
_BODY_WEIGHT = {r.name: r for r in model.DOSING_TABLE}["body_weight"]
# covariate -> (unit, low, high) for numbers; sex is categorical
_COVARIATES = {"body_weight": (_BODY_WEIGHT.unit, _BODY_WEIGHT.low, _BODY_WEIGHT.high),
               "age": ("year", 0.0, 120.0), "vo2max": ("mL/kg/min", 10.0, 90.0),
               "sex": (None, None, None)}
#: The covariates a population takes (``Population(covariates=...)``).
COVARIATE_NAMES = tuple(_COVARIATES)
_SEXES = {"f": "female", "female": "female", "m": "male", "male": "male"}
_DEFAULT_BODY_WEIGHT = _BODY_WEIGHT.value


def _covariates(covariates, n: int, seed: int = 0, dists: dict | None = None) -> dict:
    if covariates is None:
        return {}
    try:
        import pandas as pd
        if isinstance(covariates, pd.DataFrame):
            if len(covariates) != n:
                raise ValueError(f"covariates has {len(covariates)} rows; expected n = {n}")
            covariates = {c: covariates[c].to_numpy() for c in covariates.columns}
    except ImportError:  # pragma: no cover - pandas is a hard dependency
        pass
    if not isinstance(covariates, Mapping):
        raise TypeError(f"covariates must be a mapping (name -> value or per-subject "
                        f"values) or a DataFrame, got {type(covariates).__name__}")
    out = {}
    for key, val in covariates.items():
        if key not in _COVARIATES:
            raise ValueError(unknown_name(key, _COVARIATES, "covariates", what="covariate"))
        unit, low, high = _COVARIATES[key]
        if isinstance(val, covariate_dists.DISTRIBUTIONS):
            if key == "sex" and not isinstance(val, covariate_dists.Categorical):
                raise TypeError("covariates['sex'] must be a value, per-subject values "
                                "or a Categorical distribution")
            if dists is not None:
                dists[key] = val
            val = covariate_dists.draw(val, seed, n, list(_COVARIATES).index(key))
            if key != "sex":
                val = val.astype(np.float64) if val.dtype != object else np.array(
                    val.tolist())
        elif unit is not None:
            val = _units.magnitude(val, unit, f"covariates[{key!r}]")
        arr = np.asarray(val)
        if arr.ndim == 0:
            arr = np.broadcast_to(arr, (n,))
        if arr.shape != (n,):
            raise ValueError(f"covariates[{key!r}] must be a scalar or have n = {n} values, "
                             f"got shape {arr.shape}")
        if key == "sex":
            vals = []
            for v in arr.tolist():
                if not isinstance(v, str) or v.lower() not in _SEXES:
                    raise ValueError(f"covariates['sex'] values must be 'female'/'male' "
                                     f"(or 'F'/'M'), got {v!r}")
                vals.append(_SEXES[v.lower()])
            out[key] = np.array(vals)
        else:
            if arr.dtype == bool or arr.dtype == object or not (
                    np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype,
                                                                          np.integer)):
                raise TypeError(f"covariates[{key!r}] must be numbers ({unit}), got dtype "
                                f"{arr.dtype}")
            arr = arr.astype(np.float64)
            if not np.isfinite(arr).all() or (arr < low).any() or (arr > high).any():
                raise ValueError(f"covariates[{key!r}] must be finite and within "
                                 f"[{low:g}, {high:g}] {unit}")
            out[key] = np.array(arr)
    return out


def _overrides(overrides: dict) -> tuple:
    engine, pulses = {}, {}
    for key, v in overrides.items():
        if key in _SCENARIO_SETTINGS:
            raise ValueError(f"parameter {key} cannot be overridden per subject: it is "
                             f"{_SCENARIO_SETTINGS[key]}")
        if key not in _PARAM_TABLE:
            raise ValueError(unknown_name(key, _PARAM_TABLE, "overrides", what="parameter",
                                          hint="see endorphin.parameters() for the names"))
        row = _PARAM_TABLE[key]
        unit = f"{row.unit}; " if row.unit not in ("1", "") else ""
        value = real(v, key, low=0.0, low_open=row.low > 0,
                      unit=f"{unit}documented range {row.low:g}-{row.high:g}")
        (pulses if key in _PULSE_NAMES else engine)[key] = value
    return engine, pulses


class Population:
    """A virtual population: ``n`` subjects drawn around the model's defaults.

    Every parameter with an inter-individual CV in
    :func:`endorphin.parameters` is drawn log-normal around its typical value
    (median = typical) with CV ``cv * variability``, clipped to its
    documented range (:func:`endorphin.model.sample_parameters`).  Subject
    ``i`` draws from its own generator keyed by ``(seed, i, purpose)``, so
    its parameters and pulses do not depend on ``n``, on chunking or on
    threads: the first 100 subjects of a population of 1000 are the
    population of 100.

    Parameters
    ----------
    n : int
        Number of subjects, ``>= 1``.
    condition : str
        Parameter preset of :mod:`endorphin.presets`: ``"healthy"``,
        ``"fibromyalgia"``, ``"chronic_pain"``, ``"depression_anhedonia"``,
        ``"trained"``, ``"opioid_tolerant"``; any case (``"Fibromyalgia"``).
    variability : float
        Multiplier of every documented CV, 0-5 (1: the documented
        variability; 0: every subject has the typical parameters and symptom
        traits; 0.5: half the documented CVs).  The symptoms' day-to-day
        fluctuation (docs/model.md, "Symptoms") is within-subject and is not
        scaled: with ongoing symptoms (fibromyalgia, chronic pain, anxiety,
        depression) subjects still differ from day to day, also at 0.
    seed : int, optional
        Non-negative seed of the keyed streams; None draws fresh entropy,
        which is then recorded in :attr:`seed` (and in results' provenance),
        so a run can always be repeated.
    covariates : mapping or DataFrame, optional
        ``body_weight`` (kg, 20-300; scales per-kg doses and the beta-endorphin
        dosing volumes, default 70 kg), ``vo2max`` (mL/kg/min, 10-90; turns
        ``Exercise(vo2=...)`` workloads into each subject's relative
        intensity), ``sex`` ("female"/"male") and ``age`` (years, 0-120).
        Each a scalar, ``n`` values, or a distribution
        (:class:`~endorphin.scenario.Normal`, :class:`~endorphin.scenario.Categorical`)
        from which each subject draws its own value, keyed by (seed, subject)
        (:mod:`endorphin.scenario.covariates`); all are kept as coordinates of the
        results.  ``sex="female"`` gives morphine the women's ke0 and
        effect-site factor (Sarton et al. 2000:
        ``endorphin.scenario.drug_plan.SEX_EFFECTS``).  Age enters no parameter: the
        package's sources give no age effect on its parameters (docs/model.md).
    cv : mapping of str to float, optional
        Per-parameter CV overrides (``variability`` still scales them), e.g.
        ``{"t_half_plasma": 0.3}``; see :func:`endorphin.model.sample_parameters`.
    correlation : mapping of (str, str) to float, optional
        Correlations of the log-normal deviates of pairs of varied parameters,
        e.g. ``{("store_time_p", "rho_p"): -0.5}``.
    drug_variability : bool
        True (default): each subject's drug PK (clearance, volumes, ``ka`` and
        ``F`` of the routes) is drawn around the drug table's typical values
        with the drug's CVs (:attr:`endorphin.drugs.Drug.cv`, times
        ``variability``), keyed by (seed, subject, drug) so that a subject
        has the same PK in every scenario with the same seed.  False: every
        subject has the typical drug PK (scaled with body weight where the
        drug's source does so: :attr:`endorphin.drugs.Drug.weight_exponents`)
        while its physiology still varies.  See :meth:`drug_parameters`.
    **overrides : float
        Typical values of parameters (engine or pulse-generator names of
        :func:`endorphin.parameters`), e.g. ``t_half_plasma=40``; subjects
        vary around them.  Values must be finite and non-negative (positive
        where the documented range is positive); with ``variability > 0`` a
        varying parameter must lie in its documented range, to which the
        draws are clipped.

    Examples
    --------
    >>> from endorphin.scenario import Population
    >>> pop = Population(n=1000, seed=1)
    >>> pop.parameters().shape
    (1000, ...)
    >>> bool((Population(n=10, seed=1).parameters() == pop.parameters()[:10]).all().all())
    True
    """

    # defaults for populations pickled before cv/correlation existed
    cv: Mapping = types.MappingProxyType({})
    correlation: Mapping = types.MappingProxyType({})
    drug_variability: bool = True
    covariate_distributions: Mapping = types.MappingProxyType({})

    def __init__(self, n: int, condition: str = "healthy", variability: float = 1.0,
                 seed: int | None = None, covariates=None, *, cv=None, correlation=None,
                 drug_variability: bool = True, **overrides):
        self.n = integer(n, "n", low=1, high=10**9)
        if not isinstance(drug_variability, (bool, np.bool_)):
            raise TypeError(f"drug_variability must be True or False, got "
                            f"{drug_variability!r}")
        self.drug_variability = bool(drug_variability)
        if cv is not None and not isinstance(cv, Mapping):
            raise TypeError(f"cv must be a mapping parameter -> CV, got {type(cv).__name__}")
        if correlation is not None and not isinstance(correlation, Mapping):
            raise TypeError(f"correlation must be a mapping (name, name) -> rho, got "
                            f"{type(correlation).__name__}")
        self.cv = dict(cv or {})
        self.correlation = {tuple(k) if isinstance(k, (tuple, list)) else k: v
                            for k, v in (correlation or {}).items()}
        model.cv_and_cholesky(1.0, self.cv, self.correlation)    # validate now
        if not isinstance(condition, str):
            raise TypeError(f"condition must be a string, got {type(condition).__name__}")
        # any case ("Fibromyalgia"); an unknown name suggests the closest
        self.condition = choice(condition, CONDITIONS, "condition",
                                hint="see endorphin.presets")
        self.variability = real(variability, "variability", low=0.0, high=5.0)
        if seed is None:
            seed = int(np.random.SeedSequence().entropy)
        elif isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"seed must be a non-negative integer or None, got "
                            f"{type(seed).__name__}")
        elif seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)
        self.covariate_distributions = {}
        self.covariates = _covariates(covariates, self.n, self.seed,
                                      self.covariate_distributions)
        self.overrides = dict(overrides)
        self._engine_overrides, self._pulse_overrides = _overrides(self.overrides)
        if self.variability > 0:
            for key, v in self._engine_overrides.items():
                row = _PARAM_TABLE[key]
                if row.cv > 0 and not row.low <= v <= row.high:
                    raise ValueError(
                        f"{key}={v:g} is outside its documented range {row.low:g}-"
                        f"{row.high:g}, to which the population's log-normal draws are "
                        f"clipped; use a value inside the range, or variability=0 (or "
                        f"Subject) for a value outside it")

    # -- parameters
    @property
    def subjects(self) -> np.ndarray:
        """Subject indices ``0 .. n-1`` (the keys of their random streams)."""
        return np.arange(self.n, dtype=np.int64)

    @property
    def body_weight(self) -> np.ndarray:
        """Body weight per subject, kg (default 70)."""
        return self.covariates.get("body_weight",
                                   np.full(self.n, _DEFAULT_BODY_WEIGHT))

    @property
    def vo2max(self) -> np.ndarray:
        """Untrained VO2max, mL/kg/min: the ``vo2max`` covariate per subject, else the
        typical ``vo2max_base`` of the condition (:data:`DEFAULT_VO2MAX`, assumed) for
        every subject.  Without the covariate each subject's own value is drawn around
        it (the engine parameter ``vo2max_base``, CV 0.2); training raises the model's
        ``vo2max`` output above it."""
        if "vo2max" in self.covariates:
            return self.covariates["vo2max"]
        return np.full(self.n, self.typical()[model.INDEX["vo2max_base"]])

    @property
    def pulse_parameters(self) -> dict:
        """Overrides of the pulse generator (see :func:`endorphin.model.pulse_schedule`)."""
        return dict(self._pulse_overrides)

    def typical(self) -> np.ndarray:
        """The typical subject's engine parameters, (P,): the defaults, the condition's
        preset (:mod:`endorphin.presets`), then the explicit overrides."""
        return model.default_parameters(**{**presets.get(self.condition).values(),
                                           **self._engine_overrides})

    def draw(self, first: int = 0, count: int | None = None) -> np.ndarray:
        """Engine parameters of subjects ``first .. first+count-1``, (count, P).

        Parameters
        ----------
        first : int
            First subject index.
        count : int, optional
            Number of subjects (default: to the end of the population).
        """
        first = integer(first, "first", low=0, high=self.n - 1)
        count = self.n - first if count is None else integer(count, "count", low=1,
                                                             high=self.n - first)
        base = self.typical()
        if self.variability == 0.0:
            out = np.tile(base, (count, 1))
        else:
            out = model.sample_parameters(count, self.seed, self.variability, base=base,
                                          first_subject=first, cv=self.cv or None,
                                          correlation=self.correlation or None)
        if "vo2max" in self.covariates:       # the covariate is the untrained VO2max
            out[:, model.INDEX["vo2max_base"]] = self.covariates["vo2max"][first:first + count]
        return out

    def drug_pk(self, drug, first: int = 0, count: int | None = None) -> dict:
        """PK of ``drug`` for subjects ``first .. first+count-1``: field -> (count,)
        array (see :meth:`drug_parameters`)."""
        drug = drugs.get(drug)
        first = integer(first, "first", low=0, high=self.n - 1)
        count = self.n - first if count is None else integer(count, "count", low=1,
                                                             high=self.n - first)
        from .drug_plan import individual_pk
        scale = self.variability if self.drug_variability else 0.0
        return individual_pk(drug, self.seed, first, count,
                             self.body_weight[first:first + count], scale)

    def drug_parameters(self, drug):
        """Every subject's PK of ``drug`` as the simulation uses it.

        Parameters
        ----------
        drug : str or endorphin.drugs.Drug

        Returns
        -------
        pandas.DataFrame
            Index ``subject``; columns ``cl`` (L/min), ``v1`` (L), ``q2``, ``v2``,
            ``q3``, ``v3`` where the drug has them, and per extravascular route
            ``ka_<route>`` (1/min) and ``F_<route>``: the drug table's typical
            values, scaled with body weight (``weight_exponents``, reference
            70 kg) and drawn with the drug's CVs times ``variability`` (log-normal,
            median = typical; F logit-normal), unless ``drug_variability=False``.

        Examples
        --------
        >>> from endorphin.scenario import Population
        >>> pk = Population(200, seed=1).drug_parameters("morphine")
        >>> list(pk.columns)
        ['cl', 'v1', 'ka_sc', 'F_sc', 'ka_oral', 'F_oral']
        >>> float(Population(3, seed=1, drug_variability=False)
        ...       .drug_parameters("morphine").cl.iloc[0])
        1.584
        """
        import pandas as pd
        return pd.DataFrame(self.drug_pk(drug),
                            index=pd.Index(self.subjects, name="subject"))

    def parameters(self):
        """Every subject's engine parameters as a table.

        Returns
        -------
        pandas.DataFrame
            Index ``subject``; one column per engine parameter (units in
            :func:`endorphin.parameters`).  ``clock_start`` and
            ``pulse_mean`` are set by the scenario at simulation time.
        """
        import pandas as pd
        return pd.DataFrame(self.draw(), index=pd.Index(self.subjects, name="subject"),
                            columns=list(_ENGINE.params))

    def _key(self):
        cov = tuple(sorted((k, v.tolist()) for k, v in self.covariates.items()))
        return (type(self).__name__, self.n, self.condition, self.variability, self.seed,
                cov, tuple(sorted(self.overrides.items())), tuple(sorted(self.cv.items())),
                tuple(sorted(self.correlation.items())), self.drug_variability)

    def __eq__(self, other):
        if not isinstance(other, Population):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.overrides.items())
        cov = f", covariates={sorted(self.covariates)}" if self.covariates else ""
        dv = "" if self.drug_variability else ", drug_variability=False"
        return (f"Population(n={self.n}, condition={self.condition!r}, "
                f"variability={self.variability:g}, seed={self.seed}{cov}{dv}{extra})")


class Subject(Population):
    """One virtual subject (n = 1): the typical subject, with parameter overrides.

    Parameters
    ----------
    condition : str
        ``"healthy"`` (see :class:`Population`).
    seed : int
        Seed of the subject's pulse stream (and measurement noise), default 0.
    covariates : mapping, optional
        ``body_weight`` (kg), ``sex``, ``age`` as for :class:`Population`.
    **overrides : float
        Parameter values, e.g. ``Subject(t_half_plasma=40.0)``.

    Examples
    --------
    >>> from endorphin.scenario import Subject
    >>> Subject(t_half_plasma=40.0).parameters()["t_half_plasma"].tolist()
    [40.0]
    """

    def __init__(self, condition: str = "healthy", *, seed: int = 0, covariates=None,
                 **overrides):
        super().__init__(1, condition, 0.0, seed, covariates, **overrides)

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.overrides.items())
        cov = "".join(f", {k}={v[0].item()!r}" for k, v in self.covariates.items())
        return f"Subject(condition={self.condition!r}, seed={self.seed}{cov}{extra})"
