"""Doses: administrations of beta-endorphin or of a drug of :mod:`endorphin.drugs`.

Beta-endorphin itself goes IV into plasma or ICV into the CSF compartment
(through the volumes of Foley et al. 1979); every drug of
:mod:`endorphin.drugs` (morphine, naloxone, ...; up to 4 drug/route
combinations per scenario) enters the engine's drug slots
(:mod:`endorphin.scenario.drug_plan`), with NONMEM-equivalent bolus,
infusion, lag, bioavailability and repeated dosing (docs/model.md).  Amounts
in mg or ug (or per kg of body weight), times in minutes.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np

from .. import _units, model
from .._validate import choice, integer, real, suggest
from .stimuli import MAX_REPEATS, clock_offset, parse_start

__all__ = ["Dose", "DrugNotAvailableError", "BEND_ROUTES"]


# ---------------------------------------------------------------------------
# Doses
# ---------------------------------------------------------------------------
class DrugNotAvailableError(NotImplementedError, ValueError):
    """Kept for compatibility: no longer raised (every drug of :mod:`endorphin.drugs`
    can be dosed).  Formerly: a drug that the model could not simulate yet (part 2 of the
    model adds exogenous drugs).  Both a ``NotImplementedError`` and a
    ``ValueError``."""


_BEND_NAMES = {"beta_endorphin", "beta-endorphin", "betaendorphin", "beta endorphin",
               "bend", "b-endorphin", "\u03b2-endorphin", "\u03b2_endorphin"}
# unit -> (mg per unit, per kg of body weight)
_DOSE_UNITS = {"mg": (1.0, False), "ug": (1e-3, False), "\u00b5g": (1e-3, False),
               "\u03bcg": (1e-3, False), "mcg": (1e-3, False),
               "mg/kg": (1.0, True), "ug/kg": (1e-3, True), "\u00b5g/kg": (1e-3, True),
               "\u03bcg/kg": (1e-3, True), "mcg/kg": (1e-3, True),
               "nmol": (None, False)}
# route -> (dosed state, infusion input)
BEND_ROUTES = {"iv": ("bend_plasma", "bend_iv_rate"), "icv": ("bend_csf", "bend_icv_rate")}
_OTHER_ROUTES = ("im", "sc", "oral", "intranasal")


@dataclass(frozen=True)
class Dose:
    """An administration (bolus or infusion, possibly repeated) of a drug.

    ``drug`` is a name of :mod:`endorphin.drugs` (``"morphine"``,
    ``"fentanyl"``, ``"naloxone"``, ``"naltrexone"``, ``"buprenorphine"``,
    ``"carfentanil"``, or one added with :func:`endorphin.drugs.register`) or
    ``"beta_endorphin"``.  Exogenous drugs enter the model's drug slots
    (linear PK with the drug's F, ka and lag for the route, an effect site,
    receptor binding; docs/model.md "Drugs" and "Dosing semantics").
    Beta-endorphin itself goes IV into plasma (state ``bend_plasma``, volume of
    distribution 178 mL/kg) or ICV into the CSF compartment (``bend_csf``,
    0.74 mL/kg; Foley et al. 1979), converted by
    :func:`endorphin.model.bend_dose`.

    Parameters
    ----------
    drug : str
        A drug of :mod:`endorphin.drugs`, or ``"beta_endorphin"`` (also
        ``"beta-endorphin"``); any case (``"Naloxone"``).  An unknown name
        raises ValueError suggesting the closest names.
    amount : float
        Amount per administration in ``unit``, ``>= 0`` (for an infusion:
        the total infused over ``duration``).
    unit : {"mg", "ug", "nmol", "mg/kg", "ug/kg"}
        Per-kg units are multiplied by the subject's body weight ("mcg" and
        "µg" are accepted for "ug"); any case (``"MG"`` is mg).
    route : str
        One of the drug's routes (``endorphin.drugs[drug].routes``: "iv",
        "im", "sc", "oral", "intranasal"); beta-endorphin: "iv" or "icv";
        any case.
    time : float or str
        Time of the (first) administration, minutes, ``>= 0``, or a clock time
        ``"HH:MM"``: in a scenario, the first time at or after t = 0 that its
        clock (``Scenario(clock_start=)``) shows it (a clock time earlier than
        ``clock_start`` is the next day's); outside a scenario it is placed
        against the default ``clock_start`` 08:00 (``"10:00"`` is 120).  A dose
        at an output time is seen at that output (outputs are
        right-continuous).  The route's lag time is added.
    every : float, optional
        Interval between administrations, minutes, ``> 0`` (needed when
        ``times > 1``).
    times : int
        Number of administrations, ``1 <= times <= 100000``.
    duration : float, optional
        Infusion duration, minutes, ``> 0`` (default: a bolus).  For an
        extravascular route, a zero-order input into the absorption depot.
    rate : float, optional
        Infusion rate in ``unit`` per minute, ``> 0``.  Two of ``amount``,
        ``rate`` and ``duration`` give the third (``amount = rate *
        duration``); given all three, they must agree.

    when : str, optional
        On-demand dosing (patient-controlled analgesia): the rule
        ``"<output> > <number>"`` (or ``>=``) under which the subject asks
        for a dose, e.g. ``"pain_nrs > 4"``; see :meth:`on_demand`, which
        is the way to make one.  None: a scheduled dose.
    lockout : float, optional
        On-demand only: minutes, ``> 0``, from one demand dose to the
        earliest next one.
    max_per_hour : int, optional
        On-demand only: at most this many demand doses in any trailing
        60 minutes (None: no limit beyond the lockout).

    ``amount`` and ``rate`` may be pint quantities (if pint is installed):
    a mass (``0.4 * ureg.mg``), an amount of substance (nmol), a mass per
    body weight (mg/kg), or those per time for ``rate`` (``2 * ureg("mg/h")``);
    they are converted to ``unit`` when it is of the same kind, else to mg,
    nmol or mg/kg, and ``unit`` is set accordingly.  ``time``, ``every`` and
    ``duration`` may be time quantities (converted to minutes).

    Notes
    -----
    A scenario rejects a dose whose first administration is after its
    ``t_end``; later administrations of a repeated schedule that fall after
    ``t_end`` are dropped, and an infusion running past ``t_end`` is cut
    there.

    Examples
    --------
    >>> import endorphin as en
    >>> d = en.Dose("naloxone", amount=0.4, unit="mg", route="iv", time=50)
    >>> round(d.amount_nmol(70.0), 1)                   # 0.4 mg / 327.38 g/mol
    1221.8
    """
    drug: str
    amount: float | None = None
    unit: str = "mg"
    route: str = "iv"
    time: float = 0.0
    every: float | None = None
    times: int = 1
    duration: float | None = None
    rate: float | None = None
    when: str | None = None
    lockout: float | None = None
    max_per_hour: int | None = None

    #: A clock-time ``time`` ("HH:MM") as minutes after midnight, else None.
    _clock = None

    def __post_init__(self):
        from ..model import drugs as _drugs
        set_ = object.__setattr__
        time, clock = parse_start(self.time, "time")
        if clock is not None:
            set_(self, "_clock", clock)
            set_(self, "time", time)
        if not isinstance(self.drug, str):
            raise TypeError(f"drug must be a string, got {type(self.drug).__name__}")
        if self.drug.strip().lower() in _BEND_NAMES:
            set_(self, "drug", "beta_endorphin")
            routes = tuple(BEND_ROUTES)
        else:
            # case-insensitive where unambiguous; an unknown name suggests the closest
            known = tuple(dict.fromkeys(_drugs.names() + ("beta_endorphin",)))
            drug = choice(self.drug, known, "drug",
                          hint="add one with endorphin.drugs.register")
            set_(self, "drug", drug)
            routes = (tuple(BEND_ROUTES) if drug == "beta_endorphin"
                      else tuple(_drugs.get(drug).routes))
        if not isinstance(self.unit, str):
            raise TypeError(f"unit must be a string, got {type(self.unit).__name__}")
        # pint quantities (optional): amounts and rates carry their unit, times minutes
        amount, a_unit = _units.dose_amount(self.amount, self.unit, "amount")
        rate, r_unit = _units.dose_rate(self.rate, a_unit or self.unit, "rate")
        if a_unit is not None and r_unit is not None and a_unit != r_unit:
            raise ValueError(f"amount ({self.amount!s}) and rate ({self.rate!s}) must be "
                             f"the same kind of quantity (mass, substance or per kg)")
        set_(self, "amount", amount)
        set_(self, "rate", rate)
        if a_unit or r_unit:
            set_(self, "unit", a_unit or r_unit)
        for key in ("time", "every", "duration"):
            set_(self, key, _units.magnitude(getattr(self, key), "min", key))
        # dose units differ by more than case ("MG" is mg; no Mg dose is meant)
        set_(self, "unit", choice(self.unit, _DOSE_UNITS, "unit", what="dose unit"))
        if not isinstance(self.route, str):
            raise TypeError(f"route must be a string, got {type(self.route).__name__}")
        why = (" (beta-endorphin is a peptide given IV into plasma or ICV into the "
               "CSF, Foley 1979)") if self.drug == "beta_endorphin" else ""
        route = choice(self.route, routes, "route", message=lambda v: (
            f"route must be one of {routes} for {self.drug}, got {v!r}{why}"
            + (f"; {suggest(v, routes).strip()}" if suggest(v, routes) else "")))
        set_(self, "route", route)
        set_(self, "time", real(self.time, "time", low=0.0, unit="min"))
        if self.duration is not None:
            set_(self, "duration", real(self.duration, "duration", low=0.0, low_open=True,
                                         unit="min"))
        if self.rate is not None:
            # an infusion: two of amount, rate, duration give the third (as in
            # endorphin.drugs); all three must agree
            rate = real(self.rate, "rate", low=0.0, low_open=True, unit=f"{self.unit}/min")
            set_(self, "rate", rate)
            if self.amount is not None:
                amount = real(self.amount, "amount", low=0.0, unit=self.unit)
                if self.duration is None:
                    set_(self, "duration", real(amount / rate, "duration", low=0.0,
                                                 low_open=True, unit="min"))
                elif not math.isclose(amount, rate * self.duration, rel_tol=1e-9):
                    raise ValueError(f"amount ({amount:g} {self.unit}) != rate x duration "
                                     f"({rate * self.duration:g} {self.unit})")
            elif self.duration is None:
                raise ValueError("rate needs duration= (minutes of infusion) or amount=")
            else:
                set_(self, "amount", rate * self.duration)
        if self.amount is None:
            raise TypeError("amount is required (or rate= with duration=)")
        set_(self, "amount", real(self.amount, "amount", low=0.0, unit=self.unit))
        set_(self, "times", integer(self.times, "times", low=1, high=MAX_REPEATS))
        self._check_demand()
        if self.every is not None:
            set_(self, "every", real(self.every, "every", low=0.0, low_open=True,
                                      unit="min"))
        elif self.times > 1:
            raise ValueError("every (minutes between administrations) is required when "
                             "times > 1")

    @classmethod
    def on_demand(cls, drug: str, amount, unit: str = "mg", route: str = "iv", *,
                  when: str, lockout, max_per_hour: int | None = None) -> Dose:
        """An on-demand dose (patient-controlled analgesia, PCA): ``amount`` of
        ``drug`` whenever the subject's own ``when`` holds, at least ``lockout``
        minutes apart and at most ``max_per_hour`` in any trailing hour.

        The rule is evaluated inside the engine on each subject's trajectory:
        a dose is given at the exact time the output crosses the threshold
        (located on the integrator's dense output), or at the end of a
        lockout if the output is still above it then (docs/model.md,
        "Dosing semantics").  Demand doses are available from t = 0 to
        ``t_end``; bolus only (no infusion), by a route without absorption
        lag.  A scenario takes at most one on-demand dose, next to any
        scheduled doses; its result has the output ``<drug>_demand_doses``
        (cumulative number of demand doses given) and the table
        ``Result.demand_doses``.

        Parameters
        ----------
        drug, amount, unit, route
            As for :class:`Dose` (``amount`` per demand dose; per-kg units use
            each subject's body weight).
        when : str
            ``"<output> > <number>"`` or ``"<output> >= <number>"`` with an
            output of the scenario (``"pain_nrs > 4"``).
        lockout : float
            Minutes, ``> 0``.
        max_per_hour : int, optional
            ``>= 1``; None: no hourly limit.

        Examples
        --------
        >>> import endorphin as en
        >>> pca = en.Dose.on_demand("morphine", amount=1, unit="mg", route="iv",
        ...                         when="pain_nrs > 4", lockout=10, max_per_hour=4)
        >>> pca.demand_rule
        ('pain_nrs', '>', 4.0)
        """
        if when is None:
            raise TypeError("on_demand needs when= (a rule such as 'pain_nrs > 4')")
        if lockout is None:
            raise TypeError("on_demand needs lockout= (minutes between demand doses)")
        return cls(drug, amount=amount, unit=unit, route=route, when=when, lockout=lockout,
                   max_per_hour=max_per_hour)

    _RULE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|>)\s*"
                       r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")

    def _check_demand(self) -> None:
        set_ = object.__setattr__
        if self.when is None:
            for key in ("lockout", "max_per_hour"):
                if getattr(self, key) is not None:
                    raise ValueError(f"{key} is for on-demand doses only (Dose.on_demand("
                                     f"..., when=...))")
            return
        if not isinstance(self.when, str):
            raise TypeError(f"when must be a rule such as 'pain_nrs > 4', got "
                            f"{type(self.when).__name__}")
        m = self._RULE.match(self.when)
        if m is None:
            raise ValueError(f"when must read '<output> > <number>' or '<output> >= "
                             f"<number>' (e.g. 'pain_nrs > 4'), got {self.when!r}")
        set_(self, "_rule", (m.group(1), m.group(2), float(m.group(3))))
        if self.lockout is None:
            raise ValueError("lockout (minutes between demand doses, > 0) is required for "
                             "an on-demand dose")
        set_(self, "lockout", real(_units.magnitude(self.lockout, "min", "lockout"),
                                   "lockout", low=0.0, low_open=True, unit="min"))
        if self.max_per_hour is not None:
            set_(self, "max_per_hour", integer(self.max_per_hour, "max_per_hour", low=1,
                                               high=1_000_000))
        if self.is_infusion:
            raise ValueError("an on-demand dose is a bolus: no duration= or rate=")
        if self.times != 1 or self.every is not None:
            raise ValueError("an on-demand dose takes no every= or times= (the rule decides "
                             "when; lockout= and max_per_hour= limit how often)")
        if self.time != 0.0:
            raise ValueError("an on-demand dose takes no time=: demand doses are available "
                             "from t = 0 to t_end")
        if self.is_endogenous:
            raise ValueError("on-demand dosing is for the drugs of endorphin.drugs, not "
                             "beta-endorphin")

    @property
    def is_on_demand(self) -> bool:
        """True for an on-demand dose (:meth:`on_demand`)."""
        return self.when is not None

    @property
    def demand_rule(self) -> tuple | None:
        """``(output, op, threshold)`` of an on-demand dose's ``when``, else None."""
        return getattr(self, "_rule", None)

    def at_clock(self, clock_start: float) -> Dose:
        """This dose in a scenario whose t = 0 is ``clock_start`` (minutes after
        midnight): a clock-time ``time`` becomes minutes from t = 0 (the first time
        the clock shows it); other doses are returned as they are."""
        if self._clock is None:
            return self
        return replace(self, time=clock_offset(self._clock, clock_start))

    @property
    def is_infusion(self) -> bool:
        """True for an infusion (``duration`` given)."""
        return self.duration is not None

    @property
    def is_endogenous(self) -> bool:
        """True for beta-endorphin itself (dosed into the endogenous states)."""
        return self.drug == "beta_endorphin"

    def administrations(self) -> np.ndarray:
        """Start times of the administrations, minutes (before the route's lag)."""
        step = self.every if self.every is not None else 0.0
        return self.time + step * np.arange(self.times)

    def amount_mg(self, body_weight: float) -> float:
        """Amount per administration in mg for a subject of ``body_weight`` kg."""
        if self.unit == "nmol":
            return self.amount * self._molar_mass() * 1e-6
        per_mg, per_kg = _DOSE_UNITS[self.unit]
        return self.amount * per_mg * (body_weight if per_kg else 1.0)

    def amount_nmol(self, body_weight: float) -> float:
        """Amount per administration in nmol (before bioavailability)."""
        if self.unit == "nmol":
            return float(self.amount)
        return self.amount_mg(body_weight) * 1e6 / self._molar_mass()

    def _molar_mass(self) -> float:
        if self.is_endogenous:
            return model.BEND_MW
        from ..model import drugs as _drugs
        return _drugs.get(self.drug).molar_mass

    def step(self, body_weight: float) -> tuple:
        """Beta-endorphin only: ``(state, pmol/L)``, the concentration step of one
        administration (of the whole infused amount for an infusion)."""
        if not self.is_endogenous:
            raise ValueError(f"step() is for beta-endorphin doses; {self.drug} enters the "
                             f"drug slots (endorphin.scenario.drug_plan)")
        return model.bend_dose(self.amount_mg(body_weight), self.route,
                               body_weight=float(body_weight))
