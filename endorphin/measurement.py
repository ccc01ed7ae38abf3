"""Simulated measurements: immunoassays and patient-reported outcomes.

A simulation gives the *true* concentrations and effects of every virtual
subject.  A study sees them through a measurement: blood or CSF drawn at a
few times, an immunoassay with its imprecision, a lower limit of
quantification (LLOQ) and cross-reacting peptides; or a patient who rates
pain on a 0-10 scale.  This module models that step (docs/model.md section 6):

* :class:`Assay` -- immunoassay of a model output: the combined
  proportional-plus-additive error model ``y = c (1 + cv z1) + floor z2``
  (``z1``, ``z2`` independent standard normal; the usual "CV plus floor"
  description of assay precision), censoring below the LLOQ (flagged, value
  NaN), optional beta-lipotropin cross-reactivity for beta-endorphin, and
  the reporting unit (pmol/L or pg/mL, ...).  Factories with documented
  defaults: :meth:`Assay.plasma`, :meth:`Assay.csf`, :meth:`Assay.acth`,
  :meth:`Assay.cortisol`.
* :class:`PRO` -- patient-reported outcomes with rater noise:
  :meth:`PRO.nrs` (0-10 integer numeric rating scale of pain),
  :meth:`PRO.vas` (0-100 mm visual analogue scale of pain), :meth:`PRO.mood`
  (0-100 mm mood scale, 50 = the subject's rest), :meth:`PRO.hads_anxiety` and
  :meth:`PRO.hads_depression` (HADS subscales, integer 0-21).
* :func:`sample` -- measure a :class:`~endorphin.results.Result` at given
  times; ``Result.sample`` calls it.
* :func:`convert` -- unit conversion (1 pmol/L of beta-endorphin = 3.465
  pg/mL exactly, from its molar mass 3465 g/mol).

Randomness is keyed: subject ``s`` measured with an assay of stream number
``purpose`` draws from ``numpy.random.Generator(numpy.random.Philox(
numpy.random.SeedSequence(seed, spawn_key=(s, purpose))))``.  A subject's
noise therefore does not depend on the population size, on chunking, on
threads or on which other subjects are sampled; different assays (plasma,
ACTH, NRS, ...) have different stream numbers and independent noise.  One
generator is built per subject (about 20 us each, so 10^4 subjects cost
about 0.2 s); the draws of a subject are vectorised over its times.

Units follow the model: time in minutes, beta-endorphin and ACTH in pmol/L,
cortisol in nmol/L.
"""
from __future__ import annotations

import math
import numbers
import zlib
from dataclasses import dataclass, field

import numpy as np

from . import _units
from ._validate import choice, suggest
from ._random import (PURPOSE_ACTH, PURPOSE_CORTISOL, PURPOSE_CSF, PURPOSE_HADS_A,
                      PURPOSE_HADS_D, PURPOSE_MOOD, PURPOSE_NRS, PURPOSE_PLASMA, PURPOSE_VAS,
                      keyed_rng)
from .model import ACTH_MW, BEND_MW

__all__ = ["Assay", "PRO", "sample", "convert", "UNITS", "CORTISOL_MW"]

#: Cortisol (hydrocortisone) molar mass, g/mol.
CORTISOL_MW = 362.46

#: Reporting units per model output: factor from the model's unit (the first
#: entry, factor 1) to each unit.  Mass units of a peptide of molar mass M
#: g/mol: 1 pmol/L = M / 1000 pg/mL (= M / 1000 ng/L).
UNITS: dict[str, dict[str, float]] = {
    "plasma_beta_endorphin": {"pmol/L": 1.0, "fmol/mL": 1.0, "pg/mL": BEND_MW / 1000.0,
                              "ng/L": BEND_MW / 1000.0},
    "csf_beta_endorphin": {"pmol/L": 1.0, "fmol/mL": 1.0, "pg/mL": BEND_MW / 1000.0,
                           "ng/L": BEND_MW / 1000.0},
    "plasma_acth": {"pmol/L": 1.0, "pg/mL": ACTH_MW / 1000.0, "ng/L": ACTH_MW / 1000.0},
    "plasma_cortisol": {"nmol/L": 1.0, "ng/mL": CORTISOL_MW / 1000.0,
                        "ug/dL": CORTISOL_MW / 10000.0},
}
_ANALYTE_ALIASES = {"beta_endorphin": "plasma_beta_endorphin",
                    "beta-endorphin": "plasma_beta_endorphin",
                    "acth": "plasma_acth", "cortisol": "plasma_cortisol"}



def _default_purpose(kind: str, output: str) -> int:
    # a stable stream number for a custom assay (CRC32 is stable across runs,
    # unlike hash()); far above the named streams
    return 1000 + zlib.crc32(f"{kind}:{output}".encode()) % 1_000_000


def _real(value, name: str, *, low=None, high=None, low_open=False, unit="") -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number{unit}, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (v < low or (low_open and v == low)):
        rng = f"> {low:g}" if low_open else f">= {low:g}"
        if high is not None:
            rng += f" and <= {high:g}"
        raise ValueError(f"{name} must be {rng}{unit}, got {value!r}")
    if high is not None and v > high:
        raise ValueError(f"{name} must be <= {high:g}{unit}, got {value!r}")
    return v


def _check_measures(instrument: str, output, measured: str) -> None:
    """An instrument rates one output: anything else is a ValueError naming ``output``."""
    if not isinstance(output, str):
        raise TypeError(f"output must be a string, got {type(output).__name__}")
    if output != measured:
        raise ValueError(f"output: PRO.{instrument}() measures {measured!r}, not "
                         f"{output!r}")


def _analyte(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"analyte must be a string, got {type(name).__name__}")
    # any case ("Cortisol"); an unknown name suggests the closest
    names = sorted(UNITS) + sorted(_ANALYTE_ALIASES)
    return choice(name, UNITS, "analyte", aliases=_ANALYTE_ALIASES, message=lambda v: (
        f"analyte {v!r} has no unit table; {suggest(v, names)}known: {names}"))


def _unit_name(analyte: str, unit: str, argname: str = "unit") -> str:
    """The canonical spelling of a concentration unit of `analyte`."""
    table = UNITS[analyte]
    if not isinstance(unit, str):
        raise TypeError(f"{argname} must be a string, got {type(unit).__name__}")
    # any case where only one unit folds to it ("PG/ML" is pg/mL)
    return choice(unit, table, argname, message=lambda v: (
        f"{argname} {v!r} is not available for {analyte}; {suggest(v, table)}"
        f"allowed: {list(table)}"))


def _factor(analyte: str, unit: str, argname: str = "unit") -> float:
    return UNITS[analyte][_unit_name(analyte, unit, argname)]


def _concentration(x, output: str, name: str):
    """A pint concentration (mass or substance per volume) in the model's unit of
    ``output``; anything else unchanged."""
    if not _units.is_quantity(x):
        return x
    if output not in UNITS:
        raise ValueError(f"{name}: a quantity needs an output with known units "
                         f"({sorted(UNITS)}), got output {output!r}")
    model_unit = next(iter(UNITS[output]))
    for unit in UNITS[output]:         # the first unit of the same dimensions
        try:
            value = x.to(unit).magnitude
        except Exception:              # pint.DimensionalityError
            continue
        return convert(float(value), unit, model_unit, output)
    raise ValueError(f"{name}: expected a concentration of {output} (mass or amount per "
                     f"volume, e.g. pg/mL or pmol/L), got {x!s}")


def convert(value, from_unit: str, to_unit: str, analyte: str = "beta_endorphin"):
    """Convert concentrations of an analyte between units.

    Parameters
    ----------
    value : float or array_like
        Concentration(s) in ``from_unit``.
    from_unit, to_unit : str
        Units from :data:`UNITS` for the analyte, e.g. ``"pmol/L"``,
        ``"pg/mL"`` (= ng/L) for beta-endorphin and ACTH; ``"nmol/L"``,
        ``"ng/mL"``, ``"ug/dL"`` for cortisol.
    analyte : str
        ``"beta_endorphin"`` (3465 g/mol), ``"acth"`` (4541 g/mol),
        ``"cortisol"`` (362.46 g/mol), or a model output name of
        :data:`UNITS`.

    Returns
    -------
    float or ndarray
        The concentration(s) in ``to_unit``.  From the model's unit the
        result is exactly ``value * factor``, so 1 pmol/L of beta-endorphin
        is 3.465 pg/mL to the last bit.

    Examples
    --------
    >>> from endorphin.measurement import convert
    >>> round(convert(4.34, "pmol/L", "pg/mL"), 4)      # Goldfarb 1990 resting level
    15.0381
    >>> convert([10.0, 20.0], "pg/mL", "pmol/L", "acth").round(3)   # broadcasting
    array([2.202, 4.404])
    """
    analyte = _analyte(analyte)
    f_from = _factor(analyte, from_unit, "from_unit")
    f_to = _factor(analyte, to_unit, "to_unit")
    v = value if np.isscalar(value) else np.asarray(value, dtype=np.float64)
    if f_from == 1.0:
        return v * f_to
    if f_to == 1.0:
        return v / f_from
    return v / f_from * f_to


# ---------------------------------------------------------------------------
# Immunoassays
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Assay:
    """An immunoassay of a model output.

    A sample with true concentration ``c`` (plus cross-reacting material) is
    measured as ``m = c (1 + cv z1) + floor z2`` with ``z1``, ``z2``
    independent standard normal; results with ``m < lloq`` are censored
    (flagged, value NaN).  The reported value is ``m`` in ``unit``.

    Parameters
    ----------
    output : str
        The model output measured, e.g. ``"plasma_beta_endorphin"``.
    cv : float
        Proportional (intra-assay) coefficient of variation, in [0, 1).
    floor : float
        SD of the additive (background) noise, ``>= 0``, in the model's unit
        of ``output`` (pmol/L for beta-endorphin and ACTH, nmol/L for
        cortisol).
    lloq : float
        Lower limit of quantification, ``>= 0``, in the model's unit of
        ``output`` (convert a kit's pg/mL with :func:`convert`).  ``floor``
        and ``lloq`` may also be pint concentrations (``3.5 * ureg("pg/mL")``),
        converted with the analyte's molar mass.
    unit : str, optional
        Reporting unit (default the model's unit; see :data:`UNITS`).
    cross_reactivity : float
        Fraction in [0, 1] of a cross-reacting species that the antiserum
        reads as analyte (molar basis).
    cross_output : str, optional
        The model output whose concentration stands for the cross-reacting
        species (required when ``cross_reactivity > 0``).
    cross_scale : float
        Molar ratio of the cross-reacting species to ``cross_output``.
    name : str, optional
        Label of the assay in sampled tables (default from ``output``).
    purpose : int, optional
        Stream number of the keyed random generators (default: fixed per
        factory; for custom assays a stable number derived from ``output``).

    Notes
    -----
    The factories carry the defaults and their provenance.  Values marked
    *assumed* are typical kit specifications, not measured in a study this
    package is calibrated on; change them to the kit you simulate.
    """
    output: str
    cv: float
    floor: float
    lloq: float
    unit: str | None = None
    cross_reactivity: float = 0.0
    cross_output: str | None = None
    cross_scale: float = 1.0
    name: str | None = None
    purpose: int | None = None
    factor: float = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.output, str):
            raise TypeError(f"output must be a string, got {type(self.output).__name__}")
        set_ = object.__setattr__
        set_(self, "cv", _real(self.cv, "cv", low=0.0, high=0.99))
        for key in ("floor", "lloq"):        # pint concentrations (optional)
            set_(self, key, _concentration(getattr(self, key), self.output, key))
        set_(self, "floor", _real(self.floor, "floor", low=0.0))
        set_(self, "lloq", _real(self.lloq, "lloq", low=0.0))
        set_(self, "cross_reactivity", _real(self.cross_reactivity, "cross_reactivity",
                                             low=0.0, high=1.0))
        set_(self, "cross_scale", _real(self.cross_scale, "cross_scale", low=0.0))
        if self.cross_reactivity > 0 and not isinstance(self.cross_output, str):
            raise ValueError("cross_output (a model output name) is required when "
                             "cross_reactivity > 0")
        if self.output in UNITS:
            unit = self.unit if self.unit is not None else next(iter(UNITS[self.output]))
            set_(self, "unit", _unit_name(self.output, unit))
            set_(self, "factor", _factor(self.output, unit))
        else:
            if self.unit is not None and not isinstance(self.unit, str):
                raise TypeError(f"unit must be a string, got {type(self.unit).__name__}")
            set_(self, "factor", 1.0)
        if self.name is None:
            set_(self, "name", self.output)
        elif not isinstance(self.name, str):
            raise TypeError(f"name must be a string, got {type(self.name).__name__}")
        if self.purpose is None:
            set_(self, "purpose", _default_purpose("assay", self.output))
        elif isinstance(self.purpose, bool) or not isinstance(self.purpose, numbers.Integral) \
                or self.purpose < 0:
            raise ValueError(f"purpose must be a non-negative integer, got {self.purpose!r}")

    # -- factories with documented defaults
    @classmethod
    def plasma(cls, *, cv: float = 0.08, floor: float = 0.3, lloq: float = 1.0,
               unit: str = "pmol/L", cross_reactivity: float = 0.0,
               lph_per_acth: float = 1.0) -> Assay:
        """Plasma beta-endorphin radio- or enzyme-immunoassay.

        Parameters
        ----------
        cv : float
            Intra-assay CV, default 0.08 (assumed: the precision used for the
            pulse calibration, ``tests/validation/test_pulsatility.py``, for a
            two-site IRMA at resting levels).
        floor : float
            Additive noise SD, pmol/L, default 0.3 (assumed: about 1 pg/mL).
        lloq : float
            LLOQ, pmol/L, default 1.0 (3.5 pg/mL; assumed: below the specific
            assays' resting 1.7 pmol/L, Nakao 1978, docs/sources.md section 10).
        unit : {"pmol/L", "fmol/mL", "pg/mL", "ng/L"}
            Reporting unit (1 pmol/L = 3.465 pg/mL).
        cross_reactivity : float
            Fraction of beta-lipotropin read as beta-endorphin, default 0.
            RIAs also detect beta-LPH: < 5 % for the antiserum of Goldfarb
            1990, 30 % for that of Dent et al. 1981 (docs/sources.md section 1).
            The default is 0 because the model's plasma level is calibrated
            on Goldfarb's assay (< 5 %), so it already stands for that assay.
        lph_per_acth : float
            Plasma beta-LPH per plasma ACTH (molar), default 1.  Beta-LPH is
            cut from POMC equimolar with ACTH (Liotta et al. 1978, PNAS
            75:2950) and the model releases both by the same pituitary flux,
            so beta-LPH is approximated by the ``plasma_acth`` output times
            this ratio (assumed: equal clearance; beta-LPH is not a state of
            the model).

        Returns
        -------
        Assay
            Measures ``plasma_beta_endorphin + cross_reactivity *
            lph_per_acth * plasma_acth``.
        """
        return cls("plasma_beta_endorphin", cv, floor, lloq, unit=unit,
                   cross_reactivity=cross_reactivity, cross_output="plasma_acth",
                   cross_scale=lph_per_acth, name="plasma beta-endorphin",
                   purpose=PURPOSE_PLASMA)

    @classmethod
    def csf(cls, *, cv: float = 0.10, floor: float = 1.0, lloq: float = 2.0,
            unit: str = "pmol/L") -> Assay:
        """Lumbar CSF beta-endorphin immunoassay.

        Parameters
        ----------
        cv : float
            Default 0.10 (assumed: CSF extracts are assayed with somewhat
            lower precision than plasma).
        floor : float
            Additive noise SD, pmol/L, default 1.0 (assumed).
        lloq : float
            LLOQ, pmol/L, default 2.0 (assumed: a tenth of the resting 22.2
            pmol/L, Nakao 1980).
        unit : {"pmol/L", "fmol/mL", "pg/mL", "ng/L"}
            Reporting unit.
        """
        return cls("csf_beta_endorphin", cv, floor, lloq, unit=unit,
                   name="CSF beta-endorphin", purpose=PURPOSE_CSF)

    @classmethod
    def acth(cls, *, cv: float = 0.05, floor: float = 0.1, lloq: float = 0.33,
             unit: str = "pmol/L") -> Assay:
        """Plasma ACTH immunometric assay.

        Parameters
        ----------
        cv : float
            Default 0.05 (assumed: typical of automated two-site
            immunometric ACTH assays).
        floor : float
            Additive noise SD, pmol/L, default 0.1 (assumed).
        lloq : float
            LLOQ, pmol/L, default 0.33 (1.5 pg/mL; assumed: the lower end of
            current automated kits).
        unit : {"pmol/L", "pg/mL", "ng/L"}
            Reporting unit (1 pmol/L = 4.541 pg/mL).
        """
        return cls("plasma_acth", cv, floor, lloq, unit=unit, name="plasma ACTH",
                   purpose=PURPOSE_ACTH)

    @classmethod
    def cortisol(cls, *, cv: float = 0.06, floor: float = 3.0, lloq: float = 5.0,
                 unit: str = "nmol/L") -> Assay:
        """Serum (total) cortisol immunoassay.

        Parameters
        ----------
        cv : float
            Default 0.06 (assumed: typical automated immunoassay).
        floor : float
            Additive noise SD, nmol/L, default 3 (assumed).
        lloq : float
            LLOQ, nmol/L, default 5 (assumed: about 0.2 ug/dL).
        unit : {"nmol/L", "ng/mL", "ug/dL"}
            Reporting unit (1 ug/dL = 27.59 nmol/L; 362.46 g/mol).
        """
        return cls("plasma_cortisol", cv, floor, lloq, unit=unit, name="serum cortisol",
                   purpose=PURPOSE_CORTISOL)

    # -- the measurement itself
    @property
    def n_draws(self) -> int:
        """Standard normal draws per sample (2: proportional and additive)."""
        return 2

    def outputs(self) -> tuple:
        """Model outputs this assay reads."""
        if self.cross_reactivity > 0:
            return (self.output, self.cross_output)
        return (self.output,)

    def measure(self, true: dict, z: np.ndarray):
        """Measured values from true values and standard normal draws.

        Parameters
        ----------
        true : dict of ndarray
            True values of :meth:`outputs`, each (..., K), model units.
        z : ndarray (2, ..., K)
            Standard normal draws.

        Returns
        -------
        value : ndarray (..., K) float64
            Measured value in ``unit`` (NaN where censored).
        censored : ndarray (..., K) bool
            True where the measurement is below the LLOQ.
        """
        c = np.asarray(true[self.output], dtype=np.float64)
        if self.cross_reactivity > 0:
            c = c + self.cross_reactivity * self.cross_scale * \
                np.asarray(true[self.cross_output], dtype=np.float64)
        m = c * (1.0 + self.cv * z[0]) + self.floor * z[1]
        censored = m < self.lloq
        value = m * self.factor
        value[censored] = np.nan
        return value, censored

    @property
    def lloq_reported(self) -> float:
        """The LLOQ in the reporting unit."""
        return self.lloq * self.factor


# ---------------------------------------------------------------------------
# Patient-reported outcomes
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PRO:
    """A patient-reported outcome: a rating of a model output with rater noise.

    The reported value is ``clip(round((offset + scale * x + sd * z) /
    resolution) * resolution, low, high)`` with ``x`` the true output and
    ``z`` standard normal, independent per subject and time.

    Parameters
    ----------
    output : str
        Model output rated (``"pain_nrs"``, ``"mood"``).
    sd : float
        Rater noise SD, in the scale's unit, ``>= 0``.
    scale, offset : float
        Linear map from the output to the scale.
    low, high : float
        Ends of the scale.
    resolution : float
        Reporting step (1: integer ratings).
    unit : str
        Unit of the scale.
    name : str
        Label in sampled tables.
    purpose : int
        Stream number of the keyed random generators.
    """
    output: str
    sd: float
    scale: float = 1.0
    offset: float = 0.0
    low: float = 0.0
    high: float = 10.0
    resolution: float = 1.0
    unit: str = "1"
    name: str | None = None
    purpose: int | None = None

    def __post_init__(self):
        if not isinstance(self.output, str):
            raise TypeError(f"output must be a string, got {type(self.output).__name__}")
        set_ = object.__setattr__
        set_(self, "sd", _real(self.sd, "sd", low=0.0))
        for name in ("scale", "offset", "low", "high"):
            set_(self, name, _real(getattr(self, name), name))
        if self.high <= self.low:
            raise ValueError(f"high must be > low, got low={self.low}, high={self.high}")
        set_(self, "resolution", _real(self.resolution, "resolution", low=0.0,
                                       low_open=True))
        if self.name is None:
            set_(self, "name", self.output)
        if self.purpose is None:
            set_(self, "purpose", _default_purpose("pro", self.output))
        elif isinstance(self.purpose, bool) or not isinstance(self.purpose, numbers.Integral) \
                or self.purpose < 0:
            raise ValueError(f"purpose must be a non-negative integer, got {self.purpose!r}")

    @classmethod
    def nrs(cls, *, sd: float = 0.5, output: str = "pain_nrs") -> PRO:
        """Pain on the 11-point numeric rating scale (0 = no pain, 10 = worst
        possible; Farrar et al. 2001), integer.

        Parameters
        ----------
        sd : float
            Rater noise SD, NRS points, default 0.5 (the standard error of
            measurement of the NRS, 0.48 points in knee osteoarthritis, J
            Pain Res 2018, PMID 29731662; docs/sources.md section 7).

        output : str
            The output rated; only ``"pain_nrs"`` (any other gives a ValueError
            naming ``output``).

        Returns
        -------
        PRO
            Rates the ``pain_nrs`` output; values are integers 0..10.
        """
        _check_measures("nrs", output, "pain_nrs")
        return cls("pain_nrs", sd, 1.0, 0.0, 0.0, 10.0, 1.0, "1", "pain NRS (0-10)",
                   PURPOSE_NRS)

    @classmethod
    def vas(cls, *, sd: float = 5.0, output: str = "pain_nrs") -> PRO:
        """Pain on a 100-mm visual analogue scale, read to the millimetre.

        Parameters
        ----------
        sd : float
            Rater noise SD, mm, default 5 (assumed: the NRS SEM of 0.48
            points on the 10-times finer scale; the VAS minimal clinically
            significant difference is 13 mm, Todd et al. 1996).

        output : str
            The output rated; only ``"pain_nrs"`` (any other gives a ValueError
            naming ``output``).

        Returns
        -------
        PRO
            Rates ``10 mm x pain_nrs``; values are integers 0..100 mm.
        """
        _check_measures("vas", output, "pain_nrs")
        return cls("pain_nrs", sd, 10.0, 0.0, 0.0, 100.0, 1.0, "mm", "pain VAS (0-100 mm)",
                   PURPOSE_VAS)

    @classmethod
    def mood(cls, *, sd: float = 8.0, mm_per_unit: float = 50.0) -> PRO:
        """Mood on a 100-mm visual analogue scale, 50 mm = the subject's rest.

        Parameters
        ----------
        sd : float
            Rater noise SD, mm, default 8 (assumed).
        mm_per_unit : float
            Millimetres per unit of the model's ``mood`` output (the maximal
            mu effect is one unit), default 50 (assumed: full mu reward moves
            the rating from the middle to the top of the scale).

        Returns
        -------
        PRO
            Rates ``50 + mm_per_unit x mood``; values are integers 0..100 mm.
        """
        return cls("mood", sd, mm_per_unit, 50.0, 0.0, 100.0, 1.0, "mm",
                   "mood VAS (0-100 mm)", PURPOSE_MOOD)

    @classmethod
    def hads_anxiety(cls, *, sd: float = 1.5, output: str = "anxiety_score") -> PRO:
        """Anxiety on the HADS anxiety subscale (HADS-A): the integer total of its 7
        items, 0-21 (Zigmond & Snaith 1983; 8-10 mild, 11-14 moderate, 15-21 severe).

        Parameters
        ----------
        sd : float
            Questionnaire noise SD, HADS points, default 1.5: the standard error of
            measurement from internal consistency, SD x sqrt(1 - alpha), with the
            general-population SD 3.76 (Crawford et al. 2001) and alpha 0.83 (mean
            over studies, Bjelland et al. J Psychosom Res 2002;52:69).
        output : str
            The output rated; only ``"anxiety_score"`` (any other gives a ValueError
            naming ``output``: HADS-A does not measure it).

        Returns
        -------
        PRO
            Rates the ``anxiety_score`` output; values are integers 0..21.
        """
        _check_measures("hads_anxiety", output, "anxiety_score")
        return cls("anxiety_score", sd, 1.0, 0.0, 0.0, 21.0, 1.0, "1",
                   "HADS anxiety (0-21)", PURPOSE_HADS_A)

    @classmethod
    def hads_depression(cls, *, sd: float = 1.3, output: str = "depression_score") -> PRO:
        """Depression on the HADS depression subscale (HADS-D): the integer total of
        its 7 items, 0-21.

        Parameters
        ----------
        sd : float
            Questionnaire noise SD, HADS points, default 1.3: SD x sqrt(1 - alpha)
            with the general-population SD 3.07 (Crawford et al. 2001) and alpha 0.82
            (Bjelland et al. 2002).
        output : str
            The output rated; only ``"depression_score"`` (any other gives a
            ValueError naming ``output``).

        Returns
        -------
        PRO
            Rates the ``depression_score`` output; values are integers 0..21.
        """
        _check_measures("hads_depression", output, "depression_score")
        return cls("depression_score", sd, 1.0, 0.0, 0.0, 21.0, 1.0, "1",
                   "HADS depression (0-21)", PURPOSE_HADS_D)

    @property
    def n_draws(self) -> int:
        """Standard normal draws per rating (1)."""
        return 1

    def outputs(self) -> tuple:
        """Model outputs this PRO reads."""
        return (self.output,)

    @property
    def lloq_reported(self) -> float:
        """PROs have no LLOQ (NaN)."""
        return math.nan

    def measure(self, true: dict, z: np.ndarray):
        """Ratings from true values and standard normal draws.

        Returns ``value`` (float64, whole multiples of ``resolution``) and
        ``censored`` (all False).
        """
        x = np.asarray(true[self.output], dtype=np.float64)
        r = self.offset + self.scale * x + self.sd * z[0]
        r = np.clip(np.round(r / self.resolution) * self.resolution, self.low, self.high)
        return r, np.zeros(r.shape, dtype=bool)


# ---------------------------------------------------------------------------
# Sampling a result
# ---------------------------------------------------------------------------
def _times(times, t: np.ndarray) -> np.ndarray:
    times = _units.magnitude(times, "min", "times")       # a pint quantity: to minutes
    try:
        a = np.asarray(times)
    except Exception as exc:
        raise TypeError(f"times must be array-like of numbers: {exc}") from None
    if a.dtype == object or a.dtype == bool or not (
            np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise TypeError(f"times must be numbers (minutes), got dtype {a.dtype}")
    a = np.atleast_1d(a.astype(np.float64))
    if a.ndim != 1 or a.size == 0:
        raise ValueError("times must be a non-empty 1-D sequence of minutes")
    if not np.isfinite(a).all():
        raise ValueError("times must be finite (no NaN or inf)")
    lo, hi = float(t[0]), float(t[-1])
    if (a < lo).any() or (a > hi).any():
        raise ValueError(f"times must lie within the simulated window [{lo:g}, {hi:g}] min, "
                         f"got {a.min():g} to {a.max():g}")
    return a


def interpolate(t: np.ndarray, y: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Values of trajectories ``y`` (N, T) on grid ``t`` (T,) at ``times`` (K,).

    Exact at grid times (a time on the grid takes that grid value, so a dose
    given at a sampling time is seen, as in the engine); linear in between.
    """
    T = t.size
    if T == 1:
        return np.repeat(y[:, :1], times.size, axis=1)
    j = np.searchsorted(t, times, side="right") - 1       # t[j] <= time < t[j+1]
    j = np.clip(j, 0, T - 1)
    exact = t[j] == times
    jj = np.minimum(j, T - 2)
    w = np.where(exact, 0.0, (times - t[jj]) / (t[jj + 1] - t[jj]))
    lo = y[:, np.where(exact, j, jj)]
    hi = y[:, np.where(exact, j, jj + 1)]
    return lo + w * (hi - lo)


def check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def measure(result, times: np.ndarray, assay, seed: int, subjects: np.ndarray):
    """The measurement arrays behind :func:`sample`: ``assay`` (an Assay or PRO) reads
    ``result`` at ``times`` (minutes, validated) for ``subjects`` (their keys, in the
    result's order), with noise keyed by (seed, subject, assay.purpose).  Returns
    ``value`` (N, K) in the assay's unit (NaN where censored), ``censored`` (N, K) and
    ``true`` (output -> (N, K) noise-free values in model units)."""
    true = {out: interpolate(result.t, result[out], times) for out in assay.outputs()}
    z = np.empty((assay.n_draws, subjects.size, times.size))
    for i, s in enumerate(subjects.tolist()):
        z[:, i, :] = keyed_rng(seed, s, assay.purpose).standard_normal(
            (assay.n_draws, times.size))
    value, censored = assay.measure(true, z)
    return value, censored, true


def sample(result, times, assay=None, *, seed=None):
    """Measure every subject of a result at ``times`` with an assay or a PRO.

    Parameters
    ----------
    result : endorphin.results.Result
        A simulation result holding the outputs the assay reads.
    times : array_like of float
        Sampling times, minutes, within ``[0, t_end]``.  Grid times are
        exact; between grid points the trajectories are interpolated
        linearly (simulate with a finer ``dt`` for exact values).
    assay : Assay or PRO, optional
        Default :meth:`Assay.plasma`.
    seed : int, optional
        Seed of the keyed measurement streams (default: the population's
        seed, recorded in ``result.provenance["seed"]``).

    Returns
    -------
    pandas.DataFrame
        One row per subject and time, tidy: ``subject``, ``time`` (min),
        ``assay`` (name), ``value`` (in ``unit``; NaN if censored),
        ``unit``, ``censored`` (bool, below the LLOQ), ``lloq`` (in
        ``unit``; NaN for PROs) and ``true_value`` (the noise-free model
        output in ``unit``, without cross-reactivity).

    Raises
    ------
    TypeError
        If ``assay`` is not an :class:`Assay` or :class:`PRO`.
    ValueError
        If ``times`` are outside the simulated window or the result lacks
        an output the assay needs.
    """
    import pandas as pd

    if assay is None:
        assay = Assay.plasma()
    if not isinstance(assay, (Assay, PRO)):
        raise TypeError(f"assay must be an endorphin Assay or PRO, got "
                        f"{type(assay).__name__}")
    times = _times(times, result.t)
    for out in assay.outputs():
        if out not in result.output_names:
            raise ValueError(f"assay {assay.name!r} needs the output {out!r}, which this "
                             f"result does not hold; simulate with outputs= including it")
    seed = check_seed(result.provenance.get("seed", 0) if seed is None else seed)
    subjects = np.asarray(result.subjects)
    N, K = subjects.size, times.size
    value, censored, true = measure(result, times, assay, seed, subjects)
    if isinstance(assay, Assay):
        true_reported = true[assay.output] * assay.factor
    else:
        true_reported = true[assay.output]
    unit = assay.unit if assay.unit is not None else ""
    df = pd.DataFrame({
        "subject": np.repeat(subjects, K),
        "time": np.tile(times, N),
        "assay": pd.Categorical.from_codes(np.zeros(N * K, dtype=np.int8), [assay.name]),
        "value": value.ravel(),
        "unit": pd.Categorical.from_codes(np.zeros(N * K, dtype=np.int8), [unit]),
        "censored": censored.ravel(),
        "lloq": np.full(N * K, assay.lloq_reported),
        "true_value": true_reported.ravel(),
    })
    if isinstance(assay, PRO) and assay.resolution == 1.0 \
            and float(assay.low).is_integer():
        # integer ratings (NaN only for subjects whose simulation failed)
        df["value"] = df["value"].astype(np.int64 if not np.isnan(value).any() else "Int64")
    return df
