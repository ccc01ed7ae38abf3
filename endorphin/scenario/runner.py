"""The runner: a scenario's subjects through the engine, in process or as Dask tasks.

:meth:`Scenario.simulate <endorphin.scenario.Scenario.simulate>` and
:meth:`Scenario.summarize <endorphin.scenario.Scenario.summarize>` delegate
here.  :func:`run` is the one loop over :func:`endorphin.core.simulate`: it
simulates subjects ``first .. first + count - 1`` of a scenario, so a whole
population, a progress-bar chunk and a Dask task are the same call with
other bounds (every draw is keyed by subject: any split gives the same
numbers).  :func:`simulate_chunked` and :func:`summarize_chunked` build the
Dask graph of ``chunks=`` (see :mod:`endorphin.results.lazy` for what they
return).

Reproducibility: every random draw (parameters, pulses) is keyed by (seed,
subject, purpose), so a chunked run is bitwise identical to an in-process run
whatever the chunk size, the number of workers and retries of lost tasks.
What goes to the workers pickles: the scenario (plain Python objects), the
drugs it doses (so a user-registered drug works on a worker that never saw
``endorphin.drugs.register``), and the output names; workers need only the
package installed.  Each task runs the engine with one thread (Dask supplies
the parallelism); its memory is bounded by the chunk: ``K x outputs x times``
floats for trajectories, ``K x outputs x 6`` for summaries.
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from .. import model
from ..model import pulses, symptoms
from .._validate import flag, known, suggest
from .._version import __version__
from ..engine import core
from ..results import Result
from ..results.lazy import LazyResult, Summaries
from . import drug_plan as drug_plan_module
from .doses import BEND_ROUTES
from .stimuli import Exercise

__all__ = ["simulate", "summarize", "run", "simulate_chunked", "summarize_chunked"]


#: The day resolution (docs/model.md, "Long horizons"): pulses by their mean field,
#: Dormand-Prince at these default tolerances.
DAY_METHOD = "day"
DAY_TOLERANCES = (1e-3, 1e-6)
FULL_TOLERANCES = (1e-6, 1e-9)


def check_method(method) -> None:
    if not isinstance(method, str) or (method not in core.METHODS and method != DAY_METHOD):
        ok = sorted(core.METHODS) + [DAY_METHOD]
        raise ValueError(f"method must be one of {ok}, got {method!r}"
                         + (f"; {suggest(method, ok).strip()}" if suggest(method, ok) else ""))


def tolerances(method, rtol, atol) -> tuple:
    """The tolerances a run uses: the caller's, else the method's defaults."""
    d = DAY_TOLERANCES if method == DAY_METHOD else FULL_TOLERANCES
    return (d[0] if rtol is None else rtol), (d[1] if atol is None else atol)


#: A result above this many bytes with the default outputs (all of them) warns.
_WARN_RESULT_BYTES = 1 << 30


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):      # pragma: no cover - not POSIX
        return None


def check_result_size(n: int, n_outputs: int, n_times: int, defaulted: bool) -> None:
    """MemoryError when the trajectories cannot fit in this machine's memory; a
    warning when the default (every output) makes them large."""
    nbytes = 8 * n * n_outputs * n_times
    hint = ("pass outputs=[...] to keep fewer outputs, chunks= for a lazy (dask) result, "
            "or use Scenario.summarize for per-subject summaries")
    mem = _physical_memory()
    if mem is not None and nbytes > mem:
        raise MemoryError(f"the result would take {nbytes / 2**30:.1f} GiB ({n} subjects x "
                          f"{n_outputs} outputs x {n_times} times x 8 bytes), more than this "
                          f"machine's {mem / 2**30:.1f} GiB; {hint}")
    if defaulted and nbytes > _WARN_RESULT_BYTES:
        warnings.warn(f"the result takes {nbytes / 2**30:.1f} GiB: every one of the "
                      f"{n_outputs} outputs for {n} subjects x {n_times} times; {hint}",
                      UserWarning, stacklevel=4)




def simulate(sc, *, threads: int | None = None, method: str = "auto",
             rtol: float | None = None, atol: float | None = None, outputs=None,
             progress: bool = False, chunks: int | None = None):
    """What :meth:`Scenario.simulate` does (see its docstring)."""
    check_method(method)
    rtol, atol = tolerances(method, rtol, atol)
    defaulted = outputs is None
    outputs = check_outputs(sc, outputs)
    progress = flag(progress, "progress")
    if chunks is not None:
        return simulate_chunked(sc, chunks, outputs=outputs, method=method, rtol=rtol,
                                atol=atol)
    pop = sc.population
    N = pop.n
    check_result_size(N, len(outputs), sc.times.size, defaulted)
    bar = None
    if progress:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        if tqdm is not None:
            bar = tqdm(total=N, unit="subject", desc=sc.name or "simulate",
                       disable=None)
    demand = {}
    try:
        y, status, stiff, params = run(sc, 0, N, outputs, method=method, rtol=rtol,
                                       atol=atol, threads=threads, bar=bar,
                                       demand_out=demand)
    finally:
        if bar is not None:
            bar.close()
    res = to_result(sc, y, status, stiff, params, outputs, method, rtol, atol)
    if demand:
        res.demand_doses = demand_table(sc, demand)
    return res


def summarize(sc, outputs=None, *, thresholds=None, chunks: int | None = None,
              method: str = "auto", rtol: float | None = None, atol: float | None = None,
              threads: int | None = None):
    """What :meth:`Scenario.summarize` does (see its docstring)."""
    if outputs is None:
        outputs = ("plasma_beta_endorphin", "analgesia", "opioid_analgesia", "mood")
    outputs = check_outputs(sc, outputs)
    check_method(method)
    rtol, atol = tolerances(method, rtol, atol)
    thr = np.zeros(len(outputs)) if thresholds is None else np.asarray(
        core.float_array(thresholds, "thresholds", (1,)), dtype=np.float64)
    if thr.shape != (len(outputs),):
        raise ValueError(f"thresholds must have one value per output ({len(outputs)}), "
                         f"got shape {thr.shape}")
    if chunks is not None:
        return summarize_chunked(sc, chunks, outputs=outputs, thresholds=thr,
                                 method=method, rtol=rtol, atol=atol)
    vals, status, _, _ = run(sc, 0, sc.population.n, outputs, method=method,
                             rtol=rtol, atol=atol, threads=threads, summary=True,
                             thresholds=thr)
    return Summaries(vals, status, outputs, sc)


def check_outputs(sc, outputs) -> tuple:
    available = sc.outputs()
    if outputs is None:
        outputs = available
    elif isinstance(outputs, str):
        outputs = (outputs,)
    else:
        try:
            outputs = tuple(outputs)
        except TypeError:
            raise TypeError(f"outputs must be a sequence of output names, got "
                            f"{type(outputs).__name__}") from None
    for o in outputs:
        if o not in available:
            raise ValueError(f"outputs: {o!r} is not an output of this scenario; "
                             f"{suggest(o, available)}(known: {known(available)}; see "
                             f"endorphin.core.models['endorphin'].outputs)")
    if len(outputs) == 0:
        raise ValueError("outputs must name at least one output")
    return tuple(outputs)


def demand_arguments(sc, plan, sums) -> dict | None:
    """The engine's ``demand=`` for the scenario's on-demand dose (amounts (N,) to be
    sliced per chunk), or None."""
    dm = plan.demand
    if dm is None:
        return None
    eng = sums.get(dm["output"], [dm["output"]])
    if len(eng) != 1:
        raise ValueError(f"doses: the on-demand rule reads {dm['output']!r}, a drug given by "
                         f"two routes (two engine slots, summed); the engine's rule needs "
                         f"one output")
    mph = dm["max_per_hour"]
    # the lockout bounds the number of demand doses: every time fits
    capacity = int(sc.t_end // dm["lockout"]) + 2
    if mph is not None:
        capacity = min(capacity, int(mph * (sc.t_end // 60.0 + 1)) + 1)
    return dict(output=eng[0], threshold=dm["threshold"], state=dm["state"],
                amount=dm["nmol"], lockout=dm["lockout"], op=dm["op"],
                max_doses=mph, window=None if mph is None else 60.0, max_events=capacity)


def demand_table(sc, demand: dict):
    """``Result.demand_doses``: one row per demand dose given (subject, time in
    minutes, drug, amount_mg as dosed, amount_nmol bioavailable)."""
    import pandas as pd
    times, count = demand["times"], demand["count"]
    dm = demand["plan"]
    subj = np.repeat(np.arange(times.shape[0]), np.minimum(count, times.shape[1]))
    valid = ~np.isnan(times)
    t = times[valid]
    return pd.DataFrame({"subject": sc.population.subjects[subj] if subj.size else subj,
                         "time": t, "drug": dm["drug"],
                         "amount_mg": dm["mg"][subj], "amount_nmol": dm["nmol"][subj]})


def run(sc, first: int, count: int, outputs, *, method="auto", rtol=1e-6,
        atol=1e-9, threads=None, bar=None, summary=False, thresholds=None,
        demand_out=None, params=None, times=None, drug_pk=None, schedules=None):
    """Simulate subjects ``first .. first + count - 1`` (their draws and pulses are
    keyed by subject, so any split gives the same numbers).  Returns ``y``
    (count, outputs, times) or, with ``summary``, the engine's summaries
    (count, outputs, 6), then ``status``, ``stiff`` and the parameters.
    ``demand_out``, a dict, receives the demand doses of an on-demand dose
    (``times`` (count, K) NaN-padded, ``count`` (count,), ``plan``).

    The estimation layer (:mod:`endorphin.estimation`) and the study design
    (:mod:`endorphin.design`, ``times`` only) pass explicit subjects:
    ``params`` (count, P) engine parameters used instead of the population's
    draws (a copy; the scenario's settings still apply; the symptoms get no trait
    draws and no day-to-day fluctuation, so equal rows give equal outputs), ``times`` output times
    instead of ``sc.times`` (sorted, within ``[0, t_end]``) and ``drug_pk`` a
    mapping drug name -> {field: (count,) array} overriding fields of the
    population's drug PK; ``schedules`` per-subject boluses replacing a dose's
    administrations (:func:`endorphin.scenario.drug_plan.plan`; the index is that
    of the dose among the scenario's drug doses)."""
    pop = sc.population
    N = int(count)
    t_out = sc.times if times is None else np.asarray(times, dtype=np.float64)
    n_keep = t_out.size
    if times is not None and not summary and (t_out.size == 0 or t_out[-1] < sc.t_end):
        # the engine integrates to its last output time and refuses events (doses,
        # pulses) after it: integrate to t_end and drop that extra column at the end
        t_out = np.append(t_out, sc.t_end)
    explicit = params
    if params is None:
        params = pop.draw(first, count)
    else:
        params = np.array(params, dtype=np.float64)
        if params.shape != (N, len(model.INDEX)):
            raise ValueError(f"params must have shape ({N}, P), got {params.shape}")
    params = apply_settings(sc, params)
    bw = pop.body_weight[first:first + count]
    sex = pop.covariates.get("sex")
    sex = None if sex is None else sex[first:first + count]

    def pk(drug):
        out = pop.drug_pk(drug, first, count)
        if drug_pk and drug.name in drug_pk:
            out = {**out, **{k: np.asarray(v, dtype=np.float64)
                             for k, v in drug_pk[drug.name].items()}}
        return out
    plan = drug_plan(sc, bw, pk=pk, schedules=schedules)
    # each subject's own untrained VO2max (drawn, or the covariate) for Exercise(vo2=)
    breaks, inputs = stimulus_inputs(sc, bw, plan,
                                     params[:, model.INDEX["vo2max_base"]])
    boluses = bolus_arrays(sc, bw, plan)
    # engine outputs to compute; a drug given in two slots sums them
    sums = plan.drug_outputs()
    dem = demand_arguments(sc, plan, sums)
    # the count of demand doses is not an engine output: it comes from their times
    counted = {f"{plan.demand['drug']}_demand_doses"} if dem is not None else set()
    if summary and dem is not None:
        raise ValueError("summary mode does not support on-demand dosing (Dose.on_demand): "
                         "use Scenario.simulate")
    eng_outputs = []
    for o in outputs:
        if o in counted:
            continue
        for e in sums.get(o, [o]):
            if e not in eng_outputs:
                eng_outputs.append(e)
    if not eng_outputs:
        eng_outputs.append(dem["output"])   # the engine needs one output to write
    direct = tuple(eng_outputs) == tuple(outputs)
    if summary and not direct:
        raise ValueError("summary mode cannot sum a drug given by two routes (two "
                         "engine slots): the maximum of a sum is not a sum of maxima; "
                         "ask for full trajectories instead")
    width = 6 if summary else t_out.size
    y = np.empty((N, len(outputs), width))
    ybuf = y if direct else np.empty((N, len(eng_outputs), width))
    status = np.zeros(N, dtype=np.int8)
    stiff = np.zeros(N, dtype=bool)
    engine_method = "explicit" if method == DAY_METHOD else method
    if dem is not None:
        d_times = np.full((N, dem["max_events"]), np.nan)
        d_count = np.zeros(N, dtype=np.int64)
    n_chunks = min(N, 20) if bar is not None else 1
    edges = np.linspace(0, N, n_chunks + 1).round().astype(int)
    ix = model.INDEX
    for a, b in zip(edges[:-1], edges[1:]):
        if b <= a:
            continue
        p = params[a:b]                       # a view: fills params' pulse_mean
        inp = inputs[a:b] if inputs.ndim == 3 else inputs
        brk, inp = symptom_inputs(sc, p, first + a, breaks, inp, plan.model,
                                  random=explicit is None)
        sx = None if sex is None else sex[a:b]
        doses = None
        if boluses is not None:
            doses = (boluses[0], boluses[1], boluses[2][a:b])
        if sc.pulses and method == DAY_METHOD:
            # the pulses by their mean field: a constant drive holding the pulse
            # multiplier at its time average pulse_mean (set by pulse_doses' rule)
            p[:, ix["pulse_mean"]] = pulses.mean_pulse(p[:, ix["tau_pulse"]],
                                                       **pop.pulse_parameters)
            doses = pulses.mean_field_doses(p, 0.0, doses, model=plan.model)
        elif sc.pulses:
            doses = model.pulse_doses(p, 0.0, sc.t_end, pop.seed, doses,
                                      first_subject=int(first + a), model=plan.model,
                                      **pop.pulse_parameters)
        else:
            p[:, ix["pulse_mean"]] = 0.0
        if method == DAY_METHOD:
            inp = day_inputs(inp, p, plan.model, sc.pulses)
        demand = None
        if dem is not None:
            demand = dict(dem, amount=dem["amount"][a:b])
        if summary:
            res = core.simulate(plan.model, plan.parameters(p, sx, slice(a, b)), [sc.t_end],
                                t0=0.0,
                                breaks=brk, inputs=inp, doses=doses,
                                outputs=eng_outputs, rtol=rtol, atol=atol,
                                method=engine_method, threads=threads, summary=True,
                                thresholds=thresholds)
            ybuf[a:b] = res.summary
        else:
            res = core.simulate(plan.model, plan.parameters(p, sx, slice(a, b)), t_out,
                                t0=0.0,
                                breaks=brk, inputs=inp, doses=doses,
                                outputs=eng_outputs, rtol=rtol, atol=atol,
                                method=engine_method, threads=threads, out=ybuf[a:b],
                                demand=demand)
            if dem is not None:
                d_times[a:b] = res.demand_times
                d_count[a:b] = res.demand_count
        status[a:b] = res.status
        stiff[a:b] = res.stiff
        if bar is not None:
            bar.update(b - a)
    if not direct:
        for j, o in enumerate(outputs):
            if o in counted:
                # cumulative demand doses at each output time (right-continuous)
                for i in range(N):
                    ti = d_times[i, :min(int(d_count[i]), d_times.shape[1])]
                    y[i, j] = np.searchsorted(ti, t_out, side="right")
                y[status != 0, j] = np.where(np.isfinite(ybuf[status != 0, 0]),
                                             y[status != 0, j], np.nan)
                continue
            idx = [eng_outputs.index(e) for e in sums.get(o, [o])]
            y[:, j] = ybuf[:, idx].sum(axis=1)
    if demand_out is not None and dem is not None:
        demand_out.update(times=d_times, count=d_count, plan=plan.demand)
    if n_keep < t_out.size:
        y = np.ascontiguousarray(y[:, :, :n_keep])
    return y, status, stiff, params


def day_inputs(inputs, params, model_name, pulses: bool):
    """``inputs`` (N, B+1, U) of the day resolution (docs/model.md, "Long horizons"):
    ``acute_qss`` 1, and with pulses the ``pulse_rate`` column set to each subject's
    pulse_mean / tau_pulse."""
    names = core.models[model_name].inputs
    out = np.array(np.broadcast_to(inputs, (params.shape[0],) + inputs.shape[-2:]))
    out[:, :, names.index("acute_qss")] = 1.0
    if pulses:
        rate = params[:, model.INDEX["pulse_mean"]] / params[:, model.INDEX["tau_pulse"]]
        out[:, :, names.index("pulse_rate")] = rate[:, None]
    return out


def symptom_inputs(sc, params, first, breaks, inputs, model_name, random=True):
    """The symptom traits (into ``params``, in place) and day-to-day fluctuations of
    subjects ``first ..`` joined with the stimulus inputs (docs/model.md, "Symptoms";
    keyed by (seed, subject), so any split gives the same numbers).

    ``random=False`` (explicit parameter rows: estimation and design lanes, each a
    point in parameter space, not a drawn subject): no trait draws and no
    fluctuation (``X = 0``, the mean day), so the model is deterministic and two
    lanes at the same point give the same prediction."""
    pop = sc.population
    if random:
        sb, sv = symptoms.symptom_schedule(params, 0.0, sc.t_end, pop.seed,
                                           first_subject=int(first),
                                           variability=pop.variability)
    else:
        sb, sv = np.empty(0), np.zeros((params.shape[0], 1, len(symptoms.SYMPTOMS)))
    names = core.models[model_name].inputs
    cols = [names.index(f"{k}_fluctuation") for k in symptoms.SYMPTOMS]
    return symptoms.merge_inputs(breaks, inputs, sb, sv, cols)


def provenance(sc, method, rtol, atol) -> dict:
    pop = sc.population
    return {
        "endorphin_version": __version__,
        "model": drug_plan(sc, pop.body_weight[:1]).model, "method": method,
        "rtol": float(rtol), "atol": float(atol), "seed": pop.seed,
        "condition": pop.condition, "variability": pop.variability,
        "n_subjects": pop.n, "t_end": sc.t_end, "dt": sc.dt,
        "clock_start": sc.clock_start_text, "start_day": sc.start_day,
        "circadian": sc.circadian,
        "pulses": sc.pulses, "population": repr(pop),
        "protocol": "; ".join(repr(s) for s in sc.protocol) or "rest",
        "doses": "; ".join(repr(d) for d in sc.doses) or "none",
        "scenario": sc.name or "",
    }


def to_result(sc, y, status, stiff, params, outputs, method, rtol, atol) -> Result:
    pop = sc.population
    N = pop.n
    bad = status != 0
    if bad.any():
        counts = ", ".join(f"{int((status == k).sum())} {core.STATUS.get(int(k), k)}"
                           for k in np.unique(status[bad]))
        warnings.warn(f"the engine failed for {int(bad.sum())} of {N} subjects "
                      f"({counts}); their outputs are NaN from the failure on (see "
                      f"result.status)",
                      RuntimeWarning, stacklevel=4)
    prov = provenance(sc, method, rtol, atol)
    t_out = sc.times
    return Result(t_out, y, outputs, subjects=pop.subjects, status=status, stiff=stiff,
                  params=params, covariates=pop.covariates, name=sc.name,
                  provenance=prov, scenario=sc)


def apply_settings(sc, params: np.ndarray) -> np.ndarray:
    ix = model.INDEX
    params[:, ix["clock_start"]] = sc.clock_start
    if not sc.circadian:
        params[:, ix["a_circ"]] = 0.0
    if "high" in sc.protocol.frequencies():
        # high-frequency acupuncture is not endorphin-mediated (Pomeranz): the
        # single acupuncture channel keeps only its non-opioid route
        params[:, ix["acupuncture_gain_pituitary"]] = 0.0
        params[:, ix["acupuncture_gain_hypothalamic"]] = 0.0
    return params


def drug_plan(sc, body_weight: np.ndarray, pk=None, schedules=None):
    """The drug plan (slots, model variant, drug boluses and infusions); ``pk`` maps a
    drug to its subjects' PK (:func:`endorphin.scenario.drug_plan.individual_pk`;
    default: the typical PK); ``schedules``: per-subject boluses by the index of the
    dose among the scenario's drug doses (:func:`endorphin.scenario.drug_plan.plan`)."""
    return drug_plan_module.plan([d for d in sc.doses if not d.is_endogenous], sc.t_end,
                                 body_weight, pk=pk, schedules=schedules)


def stimulus_inputs(sc, body_weight: np.ndarray, plan, vo2max: np.ndarray | None = None):
    """breaks (B,), inputs (B+1, U) or per subject (N, B+1, U); ``vo2max`` of the
    same subjects as ``body_weight`` (default: the population's first N)."""
    names = core.models[plan.model].inputs
    # Exercise(vo2=) is the exercise_vo2 input (the model reads it with the current
    # VO2max); its range is checked here against the untrained VO2max, the lowest
    absolute = [s for s in sc.protocol if isinstance(s, Exercise) and s.vo2 is not None]
    segs = sorted((s.segment() for s in sc.protocol), key=lambda g: (g[1], g[0]))
    N = body_weight.shape[0]
    per_subject = []                       # (input, start, duration, rate (N,))
    if absolute:
        if vo2max is None:
            vo2max = sc.population.vo2max[:N]
        for s in absolute:
            s.relative(vo2max)
    for d in sc.doses:
        if d.is_endogenous and d.is_infusion:
            col = BEND_ROUTES[d.route][1]
            rate = np.array([d.step(w)[1] for w in body_weight]) / d.duration  # pmol/L/min
            per_subject += [(col, float(t), d.duration, rate)
                            for t in d.administrations()]
    per_subject += plan.infusions
    shared = []
    for col, start, dur, rate in per_subject:
        rate = np.broadcast_to(np.asarray(rate, dtype=np.float64), (N,))
        if (rate == rate[0]).all():
            shared.append((col, start, dur, float(rate[0])))
    varying = [x for x in per_subject if not (np.broadcast_to(
        np.asarray(x[3], dtype=np.float64), (N,)) == np.ravel(x[3])[0]).all()]
    breaks, inputs = model.stimulus_inputs(segs + shared, 0.0, sc.t_end, names=names)
    if not varying:
        return breaks, inputs
    # per-subject rates: the edges of the varying segments join the breaks
    edges = set(breaks.tolist())
    for _, start, dur, _ in varying:
        for e in (start, start + dur):
            if 0.0 < e < sc.t_end:
                edges.add(float(e))
    breaks2 = np.array(sorted(edges))
    lefts_old = np.concatenate([[0.0], breaks])
    lefts = np.concatenate([[0.0], breaks2])
    base = inputs[np.searchsorted(lefts_old, lefts, side="right") - 1]
    out = np.repeat(base[None], N, axis=0)
    for col, start, dur, rate in varying:
        a, b = max(start, 0.0), min(start + dur, sc.t_end)
        on = (lefts >= a) & (lefts < b)
        out[:, on, names.index(col)] += np.asarray(rate, dtype=np.float64)[:, None]
    return breaks2, out


def bolus_arrays(sc, body_weight: np.ndarray, plan):
    """User boluses: times (D,), states (D,), amounts (N, D), sorted by time."""
    times, states, cols = [], [], []
    for d in sc.doses:
        if not d.is_endogenous or d.is_infusion:
            continue
        steps = np.array([d.step(w)[1] for w in body_weight])
        for t in d.administrations():
            if t <= sc.t_end:
                times.append(float(t))
                states.append(BEND_ROUTES[d.route][0])
                cols.append(steps)
    times += plan.bolus_times.tolist()
    states += plan.bolus_states.tolist()
    cols += list(plan.bolus_nmol.T)
    if not times:
        return None
    order = np.argsort(times, kind="stable")
    return (np.array(times)[order], np.array(states)[order],
            np.stack(cols, axis=1)[:, order])

# -- running


# ---------------------------------------------------------------------------
# chunks=: Dask tasks over subjects
# ---------------------------------------------------------------------------
def _check_chunks(chunks, n: int) -> int:
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)):
        raise TypeError(f"chunks must be a positive integer (subjects per task), got "
                        f"{type(chunks).__name__}")
    if chunks < 1:
        raise ValueError(f"chunks must be >= 1 subjects per task, got {chunks}")
    return int(min(chunks, n))


def _import_dask():
    try:
        import dask
        import dask.array as da
    except ImportError:
        raise ImportError("chunks= needs dask: pip install 'endorphin[dask]'") from None
    return dask, da


def _drug_objects(sc) -> tuple:
    from ..model import drugs
    return tuple(drugs.get(d.drug) for d in sc.doses if not d.is_endogenous)


def _ensure_drugs(drug_objs) -> None:
    """Register on this worker the drugs a scenario doses (user drugs included)."""
    from ..model import drugs
    for d in drug_objs:
        if d.name not in drugs.names():
            drugs.register(d)
        elif drugs.get(d.name).values() != d.values():
            drugs.register(d, replace=True)


def run_chunk(sc, drug_objs, first, count, outputs, method, rtol, atol, summary, thresholds):
    """One Dask task: subjects first .. first + count - 1."""
    _ensure_drugs(drug_objs)
    y, status, _, _ = run(sc, first, count, outputs, method=method, rtol=rtol, atol=atol,
                          threads=1, summary=summary, thresholds=thresholds)
    return y, status


def _lazy(sc, chunks, outputs, width, method, rtol, atol, summary, thresholds):
    dask, da = _import_dask()
    import operator
    n = sc.population.n
    k = _check_chunks(chunks, n)
    sc_key = dask.delayed(sc, pure=True)
    drug_key = dask.delayed(_drug_objects(sc), pure=True)
    ys, ss = [], []
    for first in range(0, n, k):
        count = min(k, n - first)
        task = dask.delayed(run_chunk, pure=True)(sc_key, drug_key, first, count, outputs,
                                               method, rtol, atol, summary, thresholds)
        ys.append(da.from_delayed(dask.delayed(operator.getitem)(task, 0),
                                  shape=(count, len(outputs), width), dtype=np.float64))
        ss.append(da.from_delayed(dask.delayed(operator.getitem)(task, 1),
                                  shape=(count,), dtype=np.int8))
    return da.concatenate(ys, axis=0), da.concatenate(ss, axis=0)


def simulate_chunked(sc, chunks, *, outputs, method, rtol, atol) -> LazyResult:
    """The lazy counterpart of ``Scenario.simulate`` (see the module docstring)."""
    y, status = _lazy(sc, chunks, outputs, sc.times.size, method, rtol, atol, False, None)
    return LazyResult(sc, y, status, outputs, provenance(sc, method, rtol, atol))


def summarize_chunked(sc, chunks, *, outputs, thresholds, method, rtol, atol) -> Summaries:
    """The lazy counterpart of ``Scenario.summarize``."""
    y, status = _lazy(sc, chunks, outputs, len(core.SUMMARY_STATS), method, rtol, atol, True,
                      thresholds)
    return Summaries(y, status, outputs, sc)
