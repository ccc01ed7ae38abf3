"""The engine underneath: batched ODE integration over NumPy arrays.

``endorphin.core.simulate`` integrates many independent subjects of one
registered model (``endorphin.core.models``) at once, in C, with the GIL
released and the subjects spread over threads.  Arrays in, arrays out: no
Python object per subject.  The scenario layer builds its calls from
stimuli, doses and populations; this level is for users who bring their own
arrays.

Method (``method="explicit"``): Dormand-Prince 5(4) with dense output and PI
step control, every subject with its own step sizes.  Input switches
(``breaks``) and doses are breakpoints: the integrator stops exactly there,
applies the doses and restarts, so no event is ever missed by step control.
Outputs are right-continuous (an output requested at a dose time sees the
dosed state) and are taken from the dense output, so the steps do not depend
on the requested times.  On-demand dosing (``demand=``) adds state events:
the time an output crosses a threshold is located on the dense output.
Results are bitwise identical for any thread count and any split of the
population.  Time is in minutes throughout endorphin.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .. import _integrate
from .._validate import integer, known, real, suggest

__all__ = ["Model", "SimResult", "models", "simulate", "STATUS", "SUMMARY_STATS",
           "dose_schedule", "population_percentiles", "DEMAND_KEYS"]


class Model(NamedTuple):
    """A model registered with the engine: names of its states, parameters,
    piecewise-constant inputs and outputs, in the engine's order."""
    name: str
    doc: str
    states: tuple
    params: tuple
    inputs: tuple
    outputs: tuple
    has_init: bool


class SimResult(NamedTuple):
    """Result of :func:`simulate`.

    t : (T,) output times; y : (N, n_outputs, T) the selected outputs;
    output_names : their names; status : (N,) int8, see :data:`STATUS`;
    n_rhs, n_accepted, n_rejected : (N,) int64 counters per subject
    (right-hand-side evaluations, including those of finite-difference
    Jacobians; accepted and rejected steps); n_jac : (N,) int64 Jacobian
    evaluations; stiff : (N,) bool, True where the stiff method produced the
    result (always for ``method="stiff"``; after a switch for ``"auto"``);
    summary : (N, n_outputs, 6) or None, the per-subject statistics of
    :data:`SUMMARY_STATS` over ``[t0, t_end]`` when ``summary=True``;
    demand_times : (N, max_events) float64 or None, with ``demand=``: the
    times of each subject's demand doses in order, NaN-padded (the first
    ``max_events`` of them); demand_count : (N,) int64 or None, how many
    demand doses each subject received (all of them: ``demand_count >
    max_events`` means ``demand_times`` holds only the first ones, see
    :attr:`demand_overflow`).
    """
    t: np.ndarray
    y: np.ndarray
    output_names: tuple
    status: np.ndarray
    n_rhs: np.ndarray
    n_accepted: np.ndarray
    n_rejected: np.ndarray
    n_jac: np.ndarray
    stiff: np.ndarray
    summary: np.ndarray | None = None
    demand_times: np.ndarray | None = None
    demand_count: np.ndarray | None = None

    @property
    def demand_overflow(self) -> np.ndarray | None:
        """(N,) bool: True where a subject received more demand doses than
        ``demand_times`` has columns (``max_events``); None without ``demand=``."""
        if self.demand_count is None:
            return None
        return self.demand_count > self.demand_times.shape[1]


#: Meaning of the status codes in :attr:`SimResult.status`.
STATUS = {
    0: "success",
    1: "step budget (max_steps) exhausted",
    2: "step size underflow",
    3: "non-finite state",
    4: "the model found no initial state",
    5: "the stiff method's iteration matrix stayed singular",
}

#: method name -> (engine method, Tsitouras pair)
METHODS = {"explicit": (0, False), "dopri5": (0, False), "tsit5": (0, True),
            "stiff": (1, False), "auto": (2, False)}

#: The statistics of summary mode, in the order of the last axis of
#: :attr:`SimResult.summary`: maximum, time of the (first) maximum, minimum,
#: area under the curve (trapezoid-free: Simpson's 3/8 rule on every step's
#: dense output), time above the output's threshold, value at t_end.
SUMMARY_STATS = ("max", "tmax", "min", "auc", "time_above", "end")

models: dict[str, Model] = {}


def _list_models() -> None:
    """Bring :data:`models` up to date with the engine's registry (at import, and
    whenever an extension registers models, e.g. the test extension)."""
    for m in _integrate._models():
        models.setdefault(m[0], Model(*m))


_list_models()
_integrate._on_register(_list_models)

#: The keys of :func:`simulate`'s ``demand=`` mapping (the first five are required).
DEMAND_KEYS = ("output", "threshold", "state", "amount", "lockout", "max_doses", "window",
               "op", "max_events")
_DEMAND_REQUIRED = DEMAND_KEYS[:5]


def _demand_arrays(demand, m: Model) -> dict:
    """Validate ``demand=`` of :func:`simulate` (everything but N)."""
    from collections.abc import Mapping
    if not isinstance(demand, Mapping):
        raise TypeError(f"demand must be a dict with keys {DEMAND_KEYS[:5]} (and optionally "
                        f"{DEMAND_KEYS[5:]}), got {type(demand).__name__}")
    for key in demand:
        if key not in DEMAND_KEYS:
            raise ValueError(f"demand: unknown key {key!r}; {suggest(str(key), DEMAND_KEYS)}"
                             f"(keys: {DEMAND_KEYS})")
    for key in _DEMAND_REQUIRED:
        if key not in demand:
            raise ValueError(f"demand: {key!r} is required (keys {_DEMAND_REQUIRED})")
    d = {}

    def index(key, names, what):
        v = demand[key]
        if isinstance(v, str):
            if v not in names:
                raise ValueError(f"demand {key} {v!r} is not {what} of {m.name!r}; "
                                 f"{suggest(v, names)}(known: {known(names)})")
            return names.index(v)
        i = integer(v, f"demand {key}", low=0, high=len(names) - 1)
        return i

    d["output"] = index("output", m.outputs, "an output")
    d["state"] = index("state", m.states, "a state")
    for key, low, low_open in (("threshold", None, False), ("amount", 0.0, False),
                               ("lockout", 0.0, True)):
        a = float_array(demand[key], f"demand {key}", (0, 1))
        if a.size == 0:
            raise ValueError(f"demand {key} must be a number or one per subject (N,)")
        if low is not None and ((a < low).any() or (low_open and (a == low).any())):
            raise ValueError(f"demand {key} must be {'>' if low_open else '>='} {low:g}"
                             f"{' minutes' if key == 'lockout' else ''}")
        d[key] = np.ascontiguousarray(a.reshape(-1))
    max_doses = demand.get("max_doses")
    window = demand.get("window")
    if max_doses is None:
        if window is not None:
            raise ValueError("demand window (minutes) is used only with max_doses")
        d["max_doses"], d["window"] = 0, 0.0
    else:
        d["max_doses"] = integer(max_doses, "demand max_doses", low=1, high=1_000_000)
        if window is None:
            raise ValueError("demand max_doses needs window= (the trailing window, minutes)")
        d["window"] = real(window, "demand window", low=0.0, low_open=True, unit="min")
    op = demand.get("op", ">")
    if op not in (">", ">="):
        raise ValueError(f"demand op must be '>' or '>=', got {op!r}")
    d["inclusive"] = op == ">="
    d["max_events"] = integer(demand.get("max_events", 256), "demand max_events", low=0,
                              high=10_000_000)
    return d


# Refuse requests whose result alone would exceed this many bytes (the check
# happens before anything is allocated).
_MAX_RESULT_BYTES = 1 << 40


def float_array(x, name: str, ndim: Sequence[int]) -> np.ndarray:
    """``x`` as a C-contiguous, aligned float64 array of ``ndim`` dimensions, finite;
    TypeError/ValueError naming ``name`` otherwise."""
    try:
        a = np.asarray(x)
    except Exception as exc:
        raise TypeError(f"{name} must be array-like of numbers: {exc}") from None
    if a.dtype == object or not (np.issubdtype(a.dtype, np.floating)
                                 or np.issubdtype(a.dtype, np.integer)):
        raise TypeError(f"{name} must be a real numeric array, got dtype {a.dtype}")
    if a.ndim not in ndim:
        raise ValueError(f"{name} must have {' or '.join(map(str, ndim))} dimensions, "
                         f"got shape {a.shape}")
    # C-contiguous, aligned, native float64 (arrays unpickled from a Dask worker's
    # buffers may be unaligned)
    a = np.require(a, dtype=np.float64, requirements=["C", "A"])
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return a


# the names simulate() below uses
_METHODS = METHODS
_float_array = float_array


def _lead(a: np.ndarray, name: str, n: int) -> None:
    if a.shape[0] not in (1, n):
        raise ValueError(f"{name} has {a.shape[0]} rows; expected 1 or N = {n}")


def dose_schedule(start, amount, *, every=None, times=1, lag=0.0, bioavailability=1.0):
    """Times and amounts of a (repeated) dose, for the ``doses=`` of :func:`simulate`.

    Parameters
    ----------
    start : float
        Time of the first administration (minutes).
    amount : float
        Amount per administration (the unit of the state dosed), ``>= 0``.
    every : float, optional
        Dosing interval (minutes, ``> 0``); required when ``times > 1``.
    times : int
        Number of administrations, ``>= 1``.
    lag : float
        Absorption lag (minutes, ``>= 0``): each dose reaches the depot at
        ``time + lag``.
    bioavailability : float
        Fraction F in [0, 1] of each amount that reaches the dosed state.

    Returns
    -------
    times, amounts : ndarray, (times,)

    Examples
    --------
    >>> from endorphin import core
    >>> core.dose_schedule(0.0, 10.0, every=720.0, times=3, lag=15.0, bioavailability=0.5)
    (array([  15.,  735., 1455.]), array([5., 5., 5.]))
    """
    vals = {"start": start, "amount": amount, "lag": lag, "bioavailability": bioavailability}
    for name, v in vals.items():
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                or not np.isfinite(v):
            raise ValueError(f"{name} must be a finite number, got {v!r}")
    if amount < 0:
        raise ValueError(f"amount must be >= 0, got {amount}")
    if lag < 0:
        raise ValueError(f"lag must be >= 0 minutes, got {lag}")
    if not 0 <= bioavailability <= 1:
        raise ValueError(f"bioavailability must be in [0, 1], got {bioavailability}")
    if isinstance(times, bool) or not isinstance(times, (int, np.integer)) or times < 1:
        raise ValueError(f"times must be a positive integer, got {times!r}")
    if times > 1:
        if every is None or isinstance(every, bool) or not np.isfinite(every) or every <= 0:
            raise ValueError(f"every must be a positive number of minutes when times > 1, "
                             f"got {every!r}")
    t = float(start) + float(lag) + (float(every) if times > 1 else 0.0) * np.arange(times)
    return t, np.full(times, float(amount) * float(bioavailability))


def simulate(model, params, t_out, *, y0=None, t0=None, breaks=None, inputs=None,
             doses=None, rtol=1e-6, atol=1e-9, method="explicit", threads=None,
             outputs=None, max_steps=100_000, out=None, fixed_step=None,
             summary=False, thresholds=None, demand=None, _lanes=True) -> SimResult:
    """Integrate N subjects of a registered model and return the outputs.

    Parameters
    ----------
    model : str or Model
        A name in :data:`endorphin.core.models`.
    params : array_like, (N, P) or (P,)
        Parameters per subject, in ``models[model].params`` order (units as
        the model documents them; minutes for rates).
    t_out : array_like, (T,)
        Output times (minutes), finite and nondecreasing; the last one is
        the end of the integration.
    y0 : array_like, (N, S) or (S,), optional
        Initial states.  Default: the model's own initial state (the resting
        steady state for physiological models), else zeros.
    t0 : float, optional
        Start time, ``<= t_out[0]`` (default ``t_out[0]``).
    breaks : array_like, (B,) or (N, B), optional
        Times where the piecewise-constant inputs change, nondecreasing,
        inside ``(t0, t_end)``, shared or per subject.  Two equal breaks make
        a zero-length segment, whose inputs never act (so subjects with fewer
        switches pad their rows by repeating their last break).
    inputs : array_like, (B+1, U) or (N, B+1, U), optional
        Input values on ``[t0, b0), [b0, b1), ..., [b_{B-1}, t_end]``
        (default zeros).
    doses : tuple (times, states, amounts), optional
        Boluses: ``times`` (D,) or (N, D), nondecreasing, within
        ``[t0, t_end]``; ``states`` (D,) or (N, D) state indices or names;
        ``amounts`` (D,) or (N, D).  A dose adds its amount to the state at
        that time; doses at the same time are applied in their order.
        Oral doses with lag and bioavailability are doses into a depot state
        at ``time + lag`` of ``F * amount``; :func:`dose_schedule` builds
        repeated schedules.
    rtol, atol : float
        Relative (> 0) and absolute (>= 0) tolerances, used as in scipy's
        ``solve_ivp``: the RMS over states of
        ``err / (atol + rtol * |y|)`` is kept below 1 at every step.
    method : {"explicit", "dopri5", "tsit5", "stiff", "auto"}
        ``"explicit"`` (= ``"dopri5"``): Dormand-Prince 5(4).  ``"tsit5"``:
        Tsitouras 5(4), about 9 % fewer right-hand-side evaluations at the
        same ``rtol`` on the W4 workload with the same measured accuracy, but
        a less conservative error estimate where solutions grow fast (near a
        pole it reached 8 tolerance units where Dormand-Prince stays below
        5).  ``"stiff"``: Rodas4, an
        L-stable Rosenbrock method of order 4(3) using the model's analytic
        Jacobian (finite differences when it has none).  ``"auto"``: every
        subject starts with Dormand-Prince; when Hairer's stiffness test
        fires (the step size is limited by stability: ``h |lambda| > 3.25`` on 15
        recent steps) and more than 50,000 steps would be left at that step
        size (milder stiffness, such as naloxone's fast receptor binding over
        a day, is cheaper to ride out), or the step budget runs out, that
        subject is integrated again from ``t0`` with Rodas4
        (``result.stiff`` says which subjects were; the counters include both
        attempts).
    threads : int, optional
        Worker threads (default: the cores this process may use).  Results do
        not depend on it.
    outputs : sequence of str, optional
        Output names to keep (default: all of the model's outputs).
    max_steps : int
        Step budget per subject (accepted plus rejected); a subject that
        exhausts it gets status 1 and NaN outputs from then on.
    out : ndarray, (N, n_outputs, T) float64, optional
        Where to write the outputs (C-contiguous); returned as ``result.y``.
    fixed_step : float, optional
        Constant step size (minutes) instead of adaptive step control, for
        convergence studies: every step is accepted, ``rtol``/``atol`` are
        not used, and the last step of each segment is shortened to land on
        its end.  Default: adaptive.
    summary : bool
        Also compute, during the integration, per subject and selected
        output the statistics of :data:`SUMMARY_STATS` over ``[t0, t_end]``
        from the dense output (three nodes per step plus one refinement at
        an interior extreme; events included), into ``result.summary``.
        With ``t_out = [t_end]`` the memory is O(N): 10^7 subjects fit.
    thresholds : array_like, (n_outputs,), optional
        Thresholds of the ``time_above`` statistic, one per selected output
        (default 0).
    demand : dict, optional
        On-demand dosing (patient-controlled analgesia), one rule per subject,
        evaluated inside the engine on the subject's own trajectory: when
        model output ``output`` is above ``threshold`` (``op=">"``, the
        default, or ``">="``), at least ``lockout`` minutes have passed since
        the subject's last demand dose and, with ``max_doses``, fewer than
        ``max_doses`` demand doses were given in the trailing ``window``
        minutes, ``amount`` is added to state ``state``.  Keys: ``output``
        (name or index of a model output, selected or not), ``state`` (name
        or index), ``threshold``, ``amount`` (>= 0) and ``lockout`` (> 0
        minutes), each a number or (N,) per subject; optional ``max_doses``
        (int >= 1) with ``window`` (minutes > 0), ``op``, ``max_events``
        (demand times kept per subject, default 256).  The dose is delivered
        at the exact time the condition turns true: the upward crossing is
        located on the dense output of the accepted step (Illinois method,
        to 1e-12 of the step), the integration stops there and restarts
        with the dosed state; a condition already true at an event (t0, an
        input switch, a scheduled dose, the end of a lockout) doses at once.
        Outputs are right-continuous (an output at a dose time sees the
        dose).  A crossing that turns back within one step is not seen (as
        with every event locator checking signs at step ends): keep steps
        small relative to the output's excursions above the threshold, e.g.
        with ``rtol``.  All methods work (the explicit pairs through their
        dense outputs, Rodas4 through its continuous extension, ``"auto"``
        by both); the SIMD lane path is not used (subjects go one at a time,
        same results).  Not with ``summary=True``.  Results in
        ``demand_times`` and ``demand_count``.
    _lanes : bool
        Internal, for tests: ``False`` keeps the engine from integrating
        several subjects side by side in SIMD lanes (models with a lane
        right-hand side, explicit methods).  The results are bitwise the same
        either way; only the speed differs.

    Returns
    -------
    SimResult
        ``t``, ``y`` (N, n_outputs, T), ``output_names``, ``status``,
        ``n_rhs``, ``n_accepted``, ``n_rejected``.

    Examples
    --------
    >>> import numpy as np
    >>> from endorphin import core
    >>> t = np.array([0.0, 60.0, 120.0])
    >>> res = core.simulate("linear1", [0.0, np.log(2) / 60, 10.0], t, rtol=1e-10,
    ...                     doses=([0.0], ["central"], [100.0]), outputs=["conc"])
    >>> res.y.round(6)                      # 10 * 2**(-t/60): IV bolus, t1/2 60 min
    array([[[10. ,  5. ,  2.5]]])

    A population of 3 subjects with different elimination rates (broadcast doses):

    >>> p = np.array([[0.0, k, 10.0] for k in (0.01, 0.02, 0.04)])
    >>> core.simulate("linear1", p, t, doses=([0.0], [1], [100.0])).y.shape
    (3, 2, 3)
    """
    if isinstance(model, Model):
        model = model.name
    if not isinstance(model, str):
        raise TypeError(f"model must be a model name or core.Model, got {type(model).__name__}")
    if model not in models:
        raise ValueError(f"model {model!r} is not registered; {suggest(model, models)}"
                         f"known: {sorted(models)}")
    m = models[model]
    S, P, U = len(m.states), len(m.params), len(m.inputs)
    if not isinstance(method, str) or method not in _METHODS:
        raise ValueError(f"method must be one of {sorted(_METHODS)}, got {method!r}"
                         + (f"; {suggest(method, _METHODS).strip()}"
                            if suggest(method, _METHODS) else ""))

    # -- scalars
    for name, v in (("rtol", rtol), ("atol", atol)):
        if not isinstance(v, (int, float, np.integer, np.floating)) or isinstance(v, bool):
            raise TypeError(f"{name} must be a number, got {type(v).__name__}")
    if not (np.isfinite(rtol) and rtol > 0):
        raise ValueError(f"rtol must be > 0 and finite, got {rtol}")
    if not (np.isfinite(atol) and atol >= 0):
        raise ValueError(f"atol must be >= 0 and finite, got {atol}")
    if rtol < 1e-14:
        raise ValueError(f"rtol must be >= 1e-14 (below, rounding dominates), got {rtol}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) \
            or max_steps < 1:
        raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
    if fixed_step is not None:
        if isinstance(fixed_step, bool) or not isinstance(
                fixed_step, (int, float, np.integer, np.floating)) \
                or not np.isfinite(fixed_step) or fixed_step <= 0:
            raise ValueError(f"fixed_step must be a positive number of minutes, "
                             f"got {fixed_step!r}")
    if threads is None:
        # the cores this process may run on (a container's limit), not the machine's
        try:
            threads = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            threads = os.cpu_count() or 1
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    threads = int(min(threads, 1024))

    # -- arrays
    params = _float_array(params, "params", (1, 2))
    if params.shape[-1] != P:
        raise ValueError(f"params must have {P} columns for model {model!r} "
                         f"({', '.join(m.params)}), got shape {params.shape}")
    t_out = _float_array(t_out, "t_out", (1,))
    if t_out.size == 0:
        raise ValueError("t_out must hold at least one time")
    if (np.diff(t_out) < 0).any():
        raise ValueError("t_out must be nondecreasing")
    t_end = float(t_out[-1])
    if t0 is None:
        t0 = float(t_out[0])
    else:
        if not isinstance(t0, (int, float, np.integer, np.floating)) or not np.isfinite(t0):
            raise ValueError(f"t0 must be a finite number, got {t0!r}")
        t0 = float(t0)
        if t0 > t_out[0]:
            raise ValueError(f"t0 = {t0} must be <= t_out[0] = {t_out[0]}")

    if breaks is None:
        breaks = np.zeros((1, 0))
    breaks = _float_array(breaks, "breaks", (1, 2))
    if breaks.ndim == 1:
        breaks = breaks[None]
    if breaks.size and ((np.diff(breaks, axis=1) < 0).any() or (breaks[:, 0] <= t0).any()
                        or (breaks[:, -1] >= t_end).any()):
        raise ValueError(f"breaks must be nondecreasing and inside (t0, t_end) = "
                         f"({t0}, {t_end}) for every subject")
    B = breaks.shape[1]
    if inputs is None:
        inputs = np.zeros((1, B + 1, U))
    else:
        inputs = _float_array(inputs, "inputs", (2, 3))
        if inputs.ndim == 2:
            inputs = inputs[None]
        if inputs.shape[1:] != (B + 1, U):
            raise ValueError(f"inputs must have shape (B+1, U) = ({B + 1}, {U}) or "
                             f"(N, {B + 1}, {U}) for {B} breaks and model inputs "
                             f"{m.inputs}, got {inputs.shape}")

    if doses is None:
        dt = np.zeros((1, 0))
        ds = np.zeros((1, 0), dtype=np.int64)
        da = np.zeros((1, 0))
    else:
        if not isinstance(doses, (tuple, list)) or len(doses) != 3:
            raise TypeError("doses must be a tuple (times, states, amounts)")
        times, states, amounts = doses
        dt = _float_array(times, "doses times", (1, 2))
        da = _float_array(amounts, "doses amounts", (1, 2))
        states = np.asarray(states)
        if states.ndim not in (1, 2):
            raise ValueError("doses states must have shape (D,) or (N, D)")
        if states.dtype.kind in "US":
            idx = []
            for sname in states.ravel().tolist():
                if sname not in m.states:
                    raise ValueError(f"doses state {sname!r} is not a state of {model!r}; "
                                     f"{suggest(sname, m.states)}(states: {known(m.states)})")
                idx.append(m.states.index(sname))
            ds = np.array(idx, dtype=np.int64).reshape(states.shape)
        elif states.size == 0 or np.issubdtype(states.dtype, np.integer):
            ds = states.astype(np.int64)
            if ((ds < 0) | (ds >= S)).any():
                raise ValueError(f"doses states must be indices in [0, {S})")
        else:
            raise TypeError("doses states must be state indices or names")
        if dt.ndim == 1:
            dt = dt[None]
        if da.ndim == 1:
            da = da[None]
        if ds.ndim == 1:
            ds = ds[None]
        D = ds.shape[1]
        if dt.shape[1] != D or da.shape[1] != D:
            raise ValueError(f"doses times, states and amounts must have the same length "
                             f"(got {dt.shape[1]}, {D}, {da.shape[1]})")
        if D:
            if (np.diff(dt, axis=1) < 0).any():
                raise ValueError("doses times must be nondecreasing for every subject")
            if (dt < t0).any() or (dt > t_end).any():
                raise ValueError(f"doses times must lie within [t0, t_end] = [{t0}, {t_end}]")
        dt = np.require(dt, requirements=["C", "A"])
        da = np.require(da, requirements=["C", "A"])
        ds = np.require(ds, requirements=["C", "A"])

    dm = None if demand is None else _demand_arrays(demand, m)

    if y0 is not None:
        y0 = _float_array(y0, "y0", (1, 2))
        if y0.shape[-1] != S:
            raise ValueError(f"y0 must have {S} columns (states {m.states}), got {y0.shape}")
        if y0.ndim == 1:
            y0 = y0[None]

    # -- N from the per-subject arrays
    per_subject = {"params": params if params.ndim == 2 else params[None],
                   "breaks": breaks, "inputs": inputs, "doses times": dt, "doses amounts": da,
                   "doses states": ds}
    if y0 is not None:
        per_subject["y0"] = y0
    if dm is not None:
        for key in ("threshold", "amount", "lockout"):
            per_subject[f"demand {key}"] = dm[key]
    sizes = {name: a.shape[0] for name, a in per_subject.items() if a.shape[0] != 1}
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{name} has N={n}" for name, n in sizes.items())
        raise ValueError(f"per-subject arrays disagree on the number of subjects: {detail}")
    N = next(iter(sizes.values())) if sizes else 1
    if params.ndim == 1:
        params = params[None]
    for a, name in ((params, "params"), (breaks, "breaks"), (inputs, "inputs"),
                    (dt, "doses times"),
                    (da, "doses amounts"), (ds, "doses states")):
        _lead(a, name, N)
    if y0 is not None:
        _lead(y0, "y0", N)
    if dm is not None:
        for key in ("threshold", "amount", "lockout"):
            _lead(dm[key], f"demand {key}", N)

    # -- outputs
    if outputs is None:
        out_idx = np.arange(len(m.outputs), dtype=np.int64)
    else:
        if isinstance(outputs, str):
            outputs = [outputs]
        out_idx = []
        for oname in outputs:
            if oname not in m.outputs:
                raise ValueError(f"outputs: {oname!r} is not an output of {model!r}; "
                                 f"{suggest(oname, m.outputs)}(known: {known(m.outputs)}; "
                                 f"see core.models[{model!r}].outputs)")
            out_idx.append(m.outputs.index(oname))
        out_idx = np.array(out_idx, dtype=np.int64)
    names = tuple(m.outputs[i] for i in out_idx)
    shape = (N, len(out_idx), t_out.size)
    nbytes = 8 * N * len(out_idx) * t_out.size
    if out is None:
        if nbytes > _MAX_RESULT_BYTES:
            raise MemoryError(f"the result would need {nbytes / 2**30:.0f} GiB "
                              f"(N={N}, outputs={len(out_idx)}, T={t_out.size}); "
                              "select fewer outputs or times, or simulate in chunks")
        try:
            y = np.empty(shape)
        except (MemoryError, ValueError) as exc:
            raise MemoryError(f"cannot allocate the result of shape {shape}: {exc}") from None
    else:
        if not isinstance(out, np.ndarray) or out.dtype != np.float64 \
                or out.shape != shape or not out.flags.c_contiguous \
                or not out.flags.writeable:
            raise ValueError(f"out must be a writeable C-contiguous float64 array of "
                             f"shape {shape}")
        y = out
    if summary not in (True, False):
        raise TypeError(f"summary must be True or False, got {summary!r}")
    sm = thr = None
    if summary:
        if thresholds is None:
            thr = np.zeros(len(out_idx))
        else:
            thr = _float_array(thresholds, "thresholds", (0, 1))
            thr = np.broadcast_to(thr, (len(out_idx),)).copy() if thr.ndim == 0 or \
                thr.size == 1 else thr
            if thr.shape != (len(out_idx),):
                raise ValueError(f"thresholds must have one value per selected output "
                                 f"({len(out_idx)}), got shape {thr.shape}")
        try:
            sm = np.empty((N, len(out_idx), len(SUMMARY_STATS)))
        except (MemoryError, ValueError) as exc:
            raise MemoryError(f"cannot allocate the summary for N={N}: {exc}") from None
    elif thresholds is not None:
        raise ValueError("thresholds are used only with summary=True")
    d_times = d_count = d_arg = None
    if dm is not None:
        if summary:
            raise ValueError("demand (on-demand dosing) does not work with summary=True")
        if 8 * N * dm["max_events"] > _MAX_RESULT_BYTES:
            raise MemoryError(f"demand max_events = {dm['max_events']} for N={N} would need "
                              f"{8 * N * dm['max_events'] / 2**30:.0f} GiB")
        d_times = np.empty((N, dm["max_events"]))
        d_count = np.zeros(N, dtype=np.int64)
        d_arg = (dm["output"], dm["state"], dm["inclusive"], dm["max_doses"], dm["window"],
                 dm["threshold"], dm["amount"], dm["lockout"], d_times, d_count)
    status = np.zeros(N, dtype=np.int8)
    n_rhs = np.zeros(N, dtype=np.int64)
    n_acc = np.zeros(N, dtype=np.int64)
    n_rej = np.zeros(N, dtype=np.int64)
    n_jac = np.zeros(N, dtype=np.int64)
    used = np.zeros(N, dtype=np.int8)
    _integrate._simulate(
        model=model, params=params, t_out=t_out, t0=t0, breaks=breaks, inputs=inputs,
        dose_times=dt, dose_states=ds, dose_amounts=da, y0=y0, out_idx=out_idx,
        rtol=float(rtol), atol=float(atol), max_steps=int(max_steps), threads=threads,
        y=y, status=status, n_rhs=n_rhs, n_accepted=n_acc, n_rejected=n_rej,
        fixed_step=0.0 if fixed_step is None else float(fixed_step),
        method=_METHODS[method][0], n_jac=n_jac, used_stiff=used, summary=sm,
        thresholds=thr, tsit5=_METHODS[method][1], lanes=bool(_lanes), demand=d_arg)
    return SimResult(t_out, y, names, status, n_rhs, n_acc, n_rej, n_jac, used.astype(bool),
                     sm, d_times, d_count)


def population_percentiles(result: SimResult, q=(5, 50, 95)):
    """Population percentiles of a summary-mode result, as a pandas DataFrame.

    Rows are (output, statistic) pairs of :data:`SUMMARY_STATS`, columns the
    percentiles ``q`` (0-100), computed over the subjects with status 0
    (the others are counted in the ``n_failed`` column).  O(N) memory: made
    for populations of millions run with ``summary=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from endorphin import core
    >>> ke = np.linspace(0.01, 0.03, 101)
    >>> p = np.column_stack([np.zeros(101), ke, np.full(101, 10.0)])
    >>> r = core.simulate("linear1", p, [600.0], t0=0.0, outputs=["conc"], summary=True,
    ...                   doses=([0.0], ["central"], [100.0]))
    >>> tab = core.population_percentiles(r, q=(50,))
    >>> round(float(tab.loc[("conc", "max"), 50.0]), 6)
    10.0
    """
    import pandas as pd
    if not isinstance(result, SimResult) or result.summary is None:
        raise ValueError("result must be a SimResult of core.simulate(..., summary=True)")
    qs = np.atleast_1d(np.asarray(q, dtype=np.float64))
    if qs.ndim != 1 or qs.size == 0 or not np.isfinite(qs).all() \
            or (qs < 0).any() or (qs > 100).any():
        raise ValueError(f"q must be percentiles in [0, 100], got {q!r}")
    ok = result.status == 0
    s = result.summary[ok]
    rows, index = [], []
    for j, name in enumerate(result.output_names):
        for k, stat in enumerate(SUMMARY_STATS):
            vals = np.percentile(s[:, j, k], qs) if s.shape[0] else np.full(qs.size, np.nan)
            rows.append(list(vals) + [int((~ok).sum())])
            index.append((name, stat))
    cols = [float(v) for v in qs] + ["n_failed"]
    return pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["output", "stat"]),
                        columns=cols)
