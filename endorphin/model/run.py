"""The array-level run of the endorphin model: stimuli given as piecewise-constant
segments, the pulse generator, the engine (:func:`endorphin.core.simulate`)."""
from __future__ import annotations

import numpy as np

from .._validate import unknown_name
from ..engine import core
from .pulses import pulse_doses
from .table import ENGINE, INDEX

__all__ = ["stimulus_inputs", "simulate"]


def stimulus_inputs(segments, t0: float, t_end: float, *, names=None):
    """Breaks and inputs for ``core.simulate`` from stimulus segments.

    ``segments``: iterable of ``(input_name, start, duration, level)``, input
    names from ``names`` (default ``core.models["endorphin"].inputs``; the
    drug variants add ``drug<k>_rate`` ...); overlapping segments add.
    Returns ``breaks (B,)`` and ``inputs (B+1, len(names))``.
    """
    names = ENGINE.inputs if names is None else tuple(names)
    edges = set()
    segs = []
    for seg in segments:
        if len(seg) != 4:
            raise ValueError("each segment must be (input, start, duration, level)")
        name, start, dur, level = seg
        if name not in names:
            raise ValueError(unknown_name(name, names, "input"))
        for lab, v in (("start", start), ("duration", dur), ("level", level)):
            if isinstance(v, bool) or not np.isscalar(v) or not np.isfinite(v):
                raise ValueError(f"segment {lab} must be a finite number, got {v!r}")
        if dur < 0 or level < 0:
            raise ValueError(f"segment duration and level must be >= 0, got {dur}, {level}")
        a, b = max(float(start), t0), min(float(start) + float(dur), t_end)
        if b <= a:
            continue
        segs.append((names.index(name), a, b, float(level)))
        edges.update(e for e in (a, b) if t0 < e < t_end)
    breaks = np.array(sorted(edges))
    inputs = np.zeros((breaks.size + 1, len(names)))
    lefts = np.concatenate([[t0], breaks])
    for j, a, b, level in segs:
        inputs[(lefts >= a) & (lefts < b), j] += level
    return breaks, inputs


def simulate(params, t_out, *, segments=(), pulses=False, circadian=True, seed=0,
             t0=None, doses=None, outputs=None, rtol=1e-6, atol=1e-9, threads=None,
             **pulse_params) -> core.SimResult:
    """Run the endorphin model for the subjects in ``params`` (array level).

    ``params`` (N, P) or (P,) from :func:`default_parameters` or
    :func:`sample_parameters`; ``segments`` as in :func:`stimulus_inputs`;
    ``pulses`` draws each subject's pituitary pulses (keyed by ``seed``);
    ``circadian=False`` sets ``a_circ = 0``.  ``doses`` as in
    :func:`endorphin.core.simulate` (e.g. ``([0.0], ["bend_plasma"], [50.0])``
    for an IV bolus raising plasma by 50 pmol/L).  The initial state is each
    subject's resting state.
    """
    params = np.array(core.float_array(params, "params", (1, 2)), dtype=np.float64)
    if params.ndim == 1:
        params = params[None]
    if params.shape[1] != len(ENGINE.params):
        raise ValueError(f"params must have {len(ENGINE.params)} columns (see "
                         f"endorphin.parameters()), got shape {params.shape}")
    t_out = np.asarray(t_out, dtype=np.float64)
    if t_out.ndim != 1 or t_out.size == 0:
        raise ValueError("t_out must be a non-empty 1-D array of times (minutes)")
    t0 = float(t_out[0]) if t0 is None else float(t0)
    t_end = float(t_out[-1])
    N = params.shape[0]
    if not circadian:
        params[:, INDEX["a_circ"]] = 0.0
    breaks, inputs = stimulus_inputs(segments, t0, t_end)
    if pulses:
        doses = pulse_doses(params, t0, t_end, seed, doses, **pulse_params)
    else:
        params[:, INDEX["pulse_mean"]] = 0.0
    return core.simulate("endorphin", params, t_out, t0=t0, breaks=breaks,
                         inputs=inputs, doses=doses, outputs=outputs, rtol=rtol,
                         atol=atol, threads=threads)
