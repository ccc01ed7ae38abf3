"""The pituitary pulse generator: pulse times and sizes per subject, as doses of the
engine's ``pulse`` state, merged with the user's doses."""
from __future__ import annotations

import numpy as np

from ..engine import core
from .table import ENGINE, INDEX, PURPOSE_PULSES, check_n, check_seed, pulse_defaults, \
    keyed_rng, default_parameters

__all__ = ["pulse_schedule", "pulse_doses", "mean_pulse", "mean_field_doses"]


def _pulse_block_size(m: float, cv: float) -> int:
    """Intervals drawn per block: the expected count m plus 6 standard deviations."""
    return int(np.ceil(m + 6.0 * cv * np.sqrt(m) + 2.0))


def pulse_schedule(n: int, t0: float, t_end: float, seed: int = 0, *, first_subject: int = 0,
                   tau_pulse=None, **pulse_params):
    """Pituitary pulse times and sizes for ``n`` subjects.

    A gamma renewal process per subject (mean interval ``pulse_interval``,
    CV ``pulse_interval_cv``) with log-normal sizes (mean ``pulse_amplitude``,
    CV ``pulse_amplitude_cv``), started one day before ``t0`` so that ``t0``
    falls at a random phase of the process.  Each subject draws from its own
    generator keyed by ``(seed, first_subject + i, PURPOSE_PULSES)``.

    Returns
    -------
    times, amounts : ndarray (n, D)
        Doses of the engine's ``pulse`` state, padded with zero amounts at
        ``t_end``.  The first column is the tail at ``t0`` of the pulses
        before ``t0`` (sum of ``a_j exp(-(t0 - t_j) / tau_pulse)``), which
        needs ``tau_pulse`` (scalar or (n,)).
    pulse_mean : float
        Time average of the pulse state, ``amplitude * tau_pulse / interval``
        (for the ``pulse_mean`` engine parameter).
    """
    n = check_n(n)
    seed = check_seed(seed)
    pp = pulse_defaults(**pulse_params)
    if not (np.isfinite(t0) and np.isfinite(t_end) and t_end >= t0):
        raise ValueError(f"need finite t0 <= t_end, got {t0!r}, {t_end!r}")
    if tau_pulse is None:
        tau_pulse = default_parameters()[INDEX["tau_pulse"]]
    tau = np.broadcast_to(np.asarray(tau_pulse, dtype=np.float64), (n,))
    if not (np.isfinite(tau).all() and (tau > 0).all()):
        raise ValueError("tau_pulse must be positive and finite")
    mean_i, cv_i = pp["pulse_interval"], pp["pulse_interval_cv"]
    mean_a, cv_a = pp["pulse_amplitude"], pp["pulse_amplitude_cv"]
    if not (mean_i > 0 and cv_i > 0 and mean_a >= 0 and cv_a >= 0):
        raise ValueError("pulse_interval and pulse_interval_cv must be > 0, "
                         "pulse_amplitude and pulse_amplitude_cv >= 0")
    shape = 1.0 / cv_i**2
    scale = mean_i / shape
    s_a = np.sqrt(np.log1p(cv_a**2))
    start = t0 - 1440.0
    # Each subject's stream: one uniform phase, then blocks of K gamma intervals and K
    # normal deviates (sizes), block after block until the pulses pass t_end.  K
    # depends only on the window and the interval law, never on which other subjects
    # share the call, so a subject's pulses do not depend on the chunking.
    K = _pulse_block_size((t_end - start) / mean_i, cv_i)
    G = np.empty((n, K))
    Z = np.empty((n, K))
    U = np.empty(n)
    extra = {}
    for i in range(n):
        g = keyed_rng(seed, first_subject + i, PURPOSE_PULSES)
        U[i] = g.uniform(0.0, mean_i)
        G[i] = g.gamma(shape, scale, K)
        Z[i] = g.standard_normal(K)
        reach = start + U[i] + G[i].sum()
        if reach <= t_end:                  # rare: the block ended before t_end
            gs, zs = [G[i]], [Z[i]]
            while reach <= t_end:
                gs.append(g.gamma(shape, scale, K))
                zs.append(g.standard_normal(K))
                reach += gs[-1].sum()
            extra[i] = (np.concatenate(gs), np.concatenate(zs))
    if extra:
        W = max(v[0].size for v in extra.values())
        G = np.pad(G, ((0, 0), (0, W - K)), constant_values=np.inf)
        Z = np.pad(Z, ((0, 0), (0, W - K)))
        for i, (gi, zi) in extra.items():
            G[i, :gi.size], Z[i, :zi.size] = gi, zi
    # pulse j at start + u + (sum of the first j intervals)
    ti = start + U[:, None] + np.concatenate([np.zeros((n, 1)), np.cumsum(G[:, :-1], axis=1)],
                                             axis=1)
    ai = mean_a * np.exp(s_a * Z - 0.5 * s_a**2)
    before = ti < t0
    with np.errstate(under="ignore"):
        decay = np.exp(-(t0 - np.where(before, ti, t0)) / tau[:, None])
    tail = np.sum(np.where(before, ai * decay, 0.0), axis=1)
    keep = ~before & (ti <= t_end)
    counts = keep.sum(axis=1)
    D = 1 + int(counts.max())
    T = np.full((n, D), float(t_end))
    A = np.zeros((n, D))
    T[:, 0], A[:, 0] = t0, tail
    rows, cols = np.nonzero(keep)
    pos = 1 + np.cumsum(keep, axis=1)[rows, cols] - 1
    T[rows, pos] = ti[rows, cols]
    A[rows, pos] = ai[rows, cols]
    return T, A, mean_pulse(tau, **pp)


def _merge_doses(pulses, doses, n, model_states=None):
    """Pulse doses (N, Dp) and user doses into one per-subject schedule,
    sorted by time in every row (the states travel with their doses)."""
    if not isinstance(doses, (tuple, list)) or len(doses) != 3:
        raise TypeError("doses must be a tuple (times, states, amounts)")
    model_states = ENGINE.states if model_states is None else model_states
    times, states, amounts = (np.asarray(a) for a in doses)
    if states.dtype.kind in "US":
        bad = [s for s in np.unique(states) if s not in model_states]
        if bad:
            raise ValueError(f"doses state {bad[0]!r} is not a state of the model: "
                             f"{model_states}")
        states = np.vectorize(model_states.index, otypes=[np.int64])(states) \
            if states.size else states.astype(np.int64)
    try:
        D = np.broadcast_shapes(times.shape[-1:], states.shape[-1:], amounts.shape[-1:])[0]
        t = np.broadcast_to(times.astype(np.float64), (n, D))
        s = np.broadcast_to(states.astype(np.int64), (n, D))
        a = np.broadcast_to(amounts.astype(np.float64), (n, D))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"doses times, states and amounts do not fit {n} subjects: "
                         f"{exc}") from None
    T = np.concatenate([pulses[0], t], axis=1)
    S = np.concatenate([pulses[1], s], axis=1)
    A = np.concatenate([pulses[2], a], axis=1)
    order = np.argsort(T, axis=1, kind="stable")
    return (np.take_along_axis(T, order, 1), np.take_along_axis(S, order, 1),
            np.take_along_axis(A, order, 1))


def mean_pulse(tau_pulse, **pulse_params) -> np.ndarray:
    """Time average of the pulse state, ``pulse_amplitude * tau_pulse / pulse_interval``
    (the pulse multiplier's mean field; ``tau_pulse`` scalar or (n,))."""
    pp = pulse_defaults(**pulse_params)
    return pp["pulse_amplitude"] * np.asarray(tau_pulse, dtype=np.float64) / pp["pulse_interval"]


def mean_field_doses(params, t0: float, doses=None, *, model: str = "endorphin"):
    """The pulse multiplier's mean field (the day resolution): writes each subject's
    ``pulse_mean`` into ``params`` in place and returns ``doses`` merged with a bolus
    of that amount into the pulse state at ``t0``, so that the state starts at the
    fixed point of its constant drive ``pulse_rate = pulse_mean / tau_pulse`` (and stays
    there to the bit: a state off its fixed point would hold explicit steps at the
    stability limit of its 10-min decay)."""
    n = params.shape[0]
    pm = params[:, INDEX["pulse_mean"]]
    pt = np.full((n, 1), float(t0))
    ps = np.full((n, 1), ENGINE.states.index("pulse"), dtype=np.int64)
    pa = pm.reshape(n, 1).copy()
    if doses is None:
        return pt, ps, pa
    return _merge_doses((pt, ps, pa), doses, n, core.models[model].states)


def pulse_doses(params, t0: float, t_end: float, seed: int = 0, doses=None, *,
                first_subject: int = 0, model: str = "endorphin", **pulse_params):
    """The pulse generator's doses for the subjects in ``params`` (N, P), merged
    with the user's ``doses`` (as in :func:`endorphin.core.simulate`).

    Draws each subject's pulses (:func:`pulse_schedule`, keyed by ``seed`` and
    ``first_subject + i``) with the subject's ``tau_pulse``, writes the mean
    pulse multiplier into ``params[:, pulse_mean]`` **in place** (the resting
    state needs it), and returns ``(times, states, amounts)``, each (N, D),
    sorted by time in every row.
    """
    n = params.shape[0]
    pt, pa, pmean = pulse_schedule(n, t0, t_end, seed, first_subject=first_subject,
                                   tau_pulse=params[:, INDEX["tau_pulse"]], **pulse_params)
    params[:, INDEX["pulse_mean"]] = pmean
    ps = np.full(pt.shape, ENGINE.states.index("pulse"), dtype=np.int64)
    if doses is None:
        return pt, ps, pa
    return _merge_doses((pt, ps, pa), doses, n, core.models[model].states)
