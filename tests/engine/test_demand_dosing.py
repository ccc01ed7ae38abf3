"""On-demand dosing in the engine (core.simulate(demand=...)): state events located
on the dense output, lockout and window as breakpoints, against a case solved by hand.

The test model pca1 (csrc/testing/test_models.c) is one-compartment PK with an
absorption depot: conc = central / V decays with half-life T = ln 2 / ke, and the
output need = base + pain - conc.  The rule "need > h" is "conc < c_thr" with
c_thr = base + pain - h, and each demand dose of A raises conc by A / V.  Between
doses conc(t) = c_k exp(-ke (t - t_k)), so the next dose comes at

    t_{k+1} = max(allowed_{k+1}, t_k + T log2(c_k / c_thr))

where allowed = t_k + lockout (and, with max_doses M in a window W, also
t_{k+1-M} + W): the lockout binds when the concentration is already below the
floor when it ends, the threshold binds otherwise (a crossing located inside a
step).  :func:`reference_times` iterates this exactly.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import endorphin._engine_tests  # noqa: F401  (registers pca1)
from endorphin import core

T_HALF = 60.0
KE = math.log(2) / T_HALF
V = 10.0
METHODS = ("dopri5", "tsit5", "stiff", "auto")


def reference_times(c0, c_dose, c_thr, lockout, t_end, *, max_doses=None, window=None,
                    t_start=0.0):
    """Demand dose times of pca1 by hand (see the module docstring)."""
    times = []
    t_last, c_last = t_start, c0          # conc c_last at t_last (after any dose there)
    allowed = t_start
    while True:
        # the first t >= allowed with conc(t) < c_thr (conc falls monotonically)
        cross = t_last + (T_HALF * math.log2(c_last / c_thr) if c_last >= c_thr else 0.0)
        t = max(allowed, cross)
        if t > t_end:
            return np.array(times)
        c = c_last * math.exp(-KE * (t - t_last)) + c_dose
        times.append(t)
        t_last, c_last = t, c
        allowed = t + lockout
        if max_doses is not None and len(times) >= max_doses:
            allowed = max(allowed, times[-max_doses] + window)


def run(amount=60.0, threshold=6.0, base=10.0, lockout=10.0, t_end=600.0, method="dopri5",
        n_out=61, **kw):
    p = np.array([0.5, KE, V, base])
    demand = dict(output="need", threshold=threshold, state="central", amount=amount,
                  lockout=lockout)
    demand.update({k: kw.pop(k) for k in ("max_doses", "window", "op", "max_events")
                   if k in kw})
    return core.simulate("pca1", kw.pop("params", p), np.linspace(0.0, t_end, n_out),
                         rtol=1e-10, atol=1e-12, method=method, demand=demand, **kw)


CASES = {
    # threshold binds: each dose (6) lifts conc from the floor 4 to 10; the decay
    # back takes T log2(2.5) = 79.3 min > lockout
    "threshold": dict(amount=60.0, lockout=10.0),
    # lockout binds throughout: 0.3 per dose, steady state 0.3 / (1 - 2^(-1/6)) =
    # 2.75 < 4, so every lockout end finds conc below the floor
    "lockout": dict(amount=3.0, lockout=10.0),
    # both: lockout ends first, until the accumulation reaches the floor
    # (steady state 4.58 > 4), then crossings located inside steps
    "mixed": dict(amount=5.0, lockout=10.0),
    # a window: at most 3 doses in any 60 minutes
    "window": dict(amount=3.0, lockout=10.0, max_doses=3, window=60.0),
    "window_mixed": dict(amount=5.0, lockout=10.0, max_doses=4, window=45.0),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_dose_times_match_the_hand_solution(case, method):
    kw = dict(CASES[case])
    res = run(method=method, **kw)
    ref = reference_times(0.0, kw["amount"] / V, 4.0, kw["lockout"], 600.0,
                          max_doses=kw.get("max_doses"), window=kw.get("window"))
    assert res.status[0] == 0
    n = int(res.demand_count[0])
    assert n == ref.size, (case, res.demand_times[0, :n], ref)
    np.testing.assert_allclose(res.demand_times[0, :n], ref, rtol=1e-8, atol=1e-8)
    assert np.isnan(res.demand_times[0, n:]).all()
    got = res.demand_times[0, :n]
    assert (np.diff(got) >= 10.0 - 1e-9).all()
    if "max_doses" in kw:
        for t in got:
            in_window = ((got > t - kw["window"]) & (got <= t)).sum()
            assert in_window <= kw["max_doses"]


def test_the_cases_exercise_both_kinds_of_event():
    """The hand cases do what they claim: lockout ends, located crossings, or both."""
    for case, kinds in (("threshold", {"cross"}), ("lockout", {"lockout"}),
                        ("mixed", {"cross", "lockout"})):
        kw = CASES[case]
        ref = reference_times(0.0, kw["amount"] / V, 4.0, kw["lockout"], 600.0)
        gaps = np.diff(ref)
        seen = {"lockout" if abs(g - 10.0) < 1e-12 else "cross" for g in gaps}
        assert seen == kinds, case


def test_concentration_at_the_located_crossing_is_the_floor():
    """Just before each located dose the concentration is the floor c_thr = 4 (the
    trajectory is the dense output, outputs right-continuous: at a dose time the
    output sees the dose)."""
    res = run(amount=60.0)
    times = res.demand_times[0, :res.demand_count[0]]
    # the same trajectory with the doses as scheduled boluses
    p = np.array([0.5, KE, V, 10.0])
    t_probe = np.sort(np.concatenate([times[1:] - 1e-7, times]))
    sched = core.simulate("pca1", p, t_probe, t0=0.0, rtol=1e-10, atol=1e-12,
                          doses=(times, ["central"] * times.size, [60.0] * times.size),
                          outputs=["conc"])
    conc = sched.y[0, 0]
    before = conc[np.isin(t_probe, times[1:] - 1e-7)]
    at = conc[np.isin(t_probe, times)]
    np.testing.assert_allclose(before, 4.0, rtol=1e-7)
    np.testing.assert_allclose(at[1:], 10.0, rtol=1e-7)


@pytest.mark.parametrize("method", METHODS)
def test_trajectory_equals_the_doses_scheduled_at_the_located_times(method):
    """A depot being absorbed while demand doses go into central: the state
    restarted at a located crossing is the whole interpolated state (the model's
    outputs read only central), so the trajectory equals a run with the delivered
    doses scheduled in advance."""
    p = np.array([0.05, KE, V, 10.0])
    t = np.linspace(0.0, 900.0, 181)
    y0 = np.array([80.0, 0.0])
    res = core.simulate("pca1", p, t, y0=y0, rtol=1e-10, atol=1e-12, method=method,
                        demand=dict(output="need", threshold=6.0, state="central",
                                    amount=30.0, lockout=15.0))
    n = int(res.demand_count[0])
    times = res.demand_times[0, :n]
    assert n >= 4
    # some doses at located crossings (not at a lockout end) after the depot's input
    assert (np.abs(np.diff(times) - 15.0) > 1e-6).any()
    sched = core.simulate("pca1", p, t, y0=y0, rtol=1e-10, atol=1e-12, method=method,
                          doses=(times, ["central"] * n, [30.0] * n))
    np.testing.assert_allclose(res.y, sched.y, rtol=1e-8, atol=1e-9)


def test_a_subject_that_never_crosses_gets_no_dose():
    res = run(base=3.0)          # need = 3 - conc <= 3 < 6
    assert res.demand_count[0] == 0
    assert np.isnan(res.demand_times).all()
    assert res.demand_times.shape == (1, 256)


def test_input_switch_is_an_event():
    """pain jumps at t = 100 (an input switch): need jumps above the threshold, and
    the dose is at the switch itself; then the floor is base + pain - h = 2."""
    p = np.array([0.5, KE, V, 3.0])
    res = core.simulate("pca1", p, np.linspace(0.0, 600.0, 61), rtol=1e-10, atol=1e-12,
                        breaks=[100.0], inputs=[[0.0], [5.0]],
                        demand=dict(output="need", threshold=6.0, state="central",
                                    amount=30.0, lockout=10.0))
    n = int(res.demand_count[0])
    ref = reference_times(0.0, 3.0, 2.0, 10.0, 600.0, t_start=100.0)
    assert res.demand_times[0, 0] == 100.0
    np.testing.assert_allclose(res.demand_times[0, :n], ref, rtol=1e-8)


def test_op_at_or_above():
    """need starts exactly at the threshold: '>=' doses at t0 itself, '>' just after
    (the crossing at t0 located to the time tolerance)."""
    p = np.array([0.5, KE, V, 10.0])
    y0 = np.array([0.0, 40.0])              # conc 4: need = 6 = h
    kw = dict(rtol=1e-10, atol=1e-12)
    dem = dict(output="need", threshold=6.0, state="central", amount=60.0, lockout=10.0)
    ge = core.simulate("pca1", p, [0.0, 100.0], y0=y0, demand=dict(dem, op=">="), **kw)
    gt = core.simulate("pca1", p, [0.0, 100.0], y0=y0, demand=dict(dem, op=">"), **kw)
    assert ge.demand_times[0, 0] == 0.0
    assert 0.0 <= gt.demand_times[0, 0] < 1e-9
    # outputs are right-continuous: t = 0 sees the dose given there
    assert ge.y[0, 0, 0] == pytest.approx(10.0)


def test_per_subject_rules_and_bitwise_independent_of_threads():
    N = 11
    amounts = np.linspace(5.0, 80.0, N)
    thr = np.linspace(5.0, 7.0, N)
    p = np.tile([0.5, KE, V, 10.0], (N, 1))
    p[:, 0] = np.linspace(0.01, 1.0, N)
    y0 = np.column_stack([np.linspace(0, 100, N), np.zeros(N)])
    outs = []
    for threads, lanes in ((1, True), (2, True), (3, False)):
        r = core.simulate("pca1", p, np.linspace(0.0, 1440.0, 97), y0=y0, threads=threads,
                          demand=dict(output="need", threshold=thr, state="central",
                                      amount=amounts, lockout=np.full(N, 12.0),
                                      max_doses=5, window=120.0), _lanes=lanes)
        outs.append(r)
    for r in outs[1:]:
        assert r.y.tobytes() == outs[0].y.tobytes()
        assert r.demand_times.tobytes() == outs[0].demand_times.tobytes()
        assert (r.demand_count == outs[0].demand_count).all()
    # each subject alone gives its row bitwise
    for i in (0, 5, 10):
        one = core.simulate("pca1", p[i], np.linspace(0.0, 1440.0, 97), y0=y0[i],
                            demand=dict(output="need", threshold=thr[i], state="central",
                                        amount=amounts[i], lockout=12.0, max_doses=5,
                                        window=120.0))
        assert one.demand_times.tobytes() == outs[0].demand_times[i:i + 1].tobytes()
    # a larger amount never asks for more doses (same threshold)
    r = core.simulate("pca1", np.tile([0.5, KE, V, 10.0], (N, 1)), [0.0, 1440.0],
                      demand=dict(output="need", threshold=6.0, state="central",
                                  amount=amounts, lockout=10.0))
    assert (np.diff(r.demand_count) <= 0).all() and r.demand_count[0] > r.demand_count[-1]


def test_max_events_overflow_is_flagged_never_overrun():
    res = run(amount=3.0, max_events=2)
    assert res.demand_times.shape == (1, 2)
    assert res.demand_count[0] == 61            # every lockout end in [0, 600]
    assert res.demand_overflow[0]
    np.testing.assert_allclose(res.demand_times[0], [0.0, 10.0])
    none = run(amount=3.0, max_events=0)
    assert none.demand_times.shape == (1, 0) and none.demand_count[0] == 61
    assert run(amount=60.0).demand_overflow[0] == np.False_
    plain = core.simulate("pca1", [0.5, KE, V, 10.0], [0.0, 1.0])
    assert plain.demand_times is None and plain.demand_overflow is None


def test_fixed_steps_locate_on_the_dense_output():
    """With fixed steps (no error control) the crossing is still inside a step and
    located on its dense output: the times are as accurate as the interpolant."""
    res = run(amount=60.0, fixed_step=0.5)
    ref = reference_times(0.0, 6.0, 4.0, 10.0, 600.0)
    np.testing.assert_allclose(res.demand_times[0, :res.demand_count[0]], ref, rtol=1e-8)


BAD = [
    ("not a dict", 5, TypeError, "demand must be a dict"),
    ("unknown key", dict(output="need", threshold=6, state="central", amount=1, lockout=1,
                         lockuot=3), ValueError, "unknown key 'lockuot'"),
    ("missing", dict(output="need", threshold=6, state="central", amount=1), ValueError,
     "'lockout' is required"),
    ("output", dict(output="nede", threshold=6, state="central", amount=1, lockout=1),
     ValueError, "demand output 'nede' is not an output"),
    ("state", dict(output="need", threshold=6, state="centre", amount=1, lockout=1),
     ValueError, "demand state 'centre' is not a state"),
    ("state index", dict(output="need", threshold=6, state=7, amount=1, lockout=1),
     ValueError, "demand state"),
    ("lockout 0", dict(output="need", threshold=6, state="central", amount=1, lockout=0),
     ValueError, "demand lockout must be > 0"),
    ("negative amount", dict(output="need", threshold=6, state="central", amount=-1,
                             lockout=1), ValueError, "demand amount must be >= 0"),
    ("nan threshold", dict(output="need", threshold=np.nan, state="central", amount=1,
                           lockout=1), ValueError, "demand threshold must be finite"),
    ("text amount", dict(output="need", threshold=6, state="central", amount="1",
                         lockout=1), TypeError, "demand amount"),
    ("max without window", dict(output="need", threshold=6, state="central", amount=1,
                                lockout=1, max_doses=3), ValueError, "needs window"),
    ("window without max", dict(output="need", threshold=6, state="central", amount=1,
                                lockout=1, window=60), ValueError, "only with max_doses"),
    ("max 0", dict(output="need", threshold=6, state="central", amount=1, lockout=1,
                   max_doses=0, window=60), ValueError, "demand max_doses must be >= 1"),
    ("op", dict(output="need", threshold=6, state="central", amount=1, lockout=1, op="<"),
     ValueError, "demand op must be"),
    ("max_events", dict(output="need", threshold=6, state="central", amount=1, lockout=1,
                        max_events=-1), ValueError, "demand max_events"),
    ("per subject N", dict(output="need", threshold=[6, 7, 8], state="central", amount=1,
                           lockout=[1, 2]), ValueError, "disagree on the number of subjects"),
]


@pytest.mark.parametrize("name,demand,exc,match", BAD, ids=[b[0] for b in BAD])
def test_bad_demand(name, demand, exc, match):
    with pytest.raises(exc, match=match):
        core.simulate("pca1", [0.5, KE, V, 10.0], [0.0, 10.0], demand=demand)


def test_demand_refuses_summary_mode():
    with pytest.raises(ValueError, match="summary"):
        core.simulate("pca1", [0.5, KE, V, 10.0], [0.0, 10.0], summary=True,
                      demand=dict(output="need", threshold=6, state="central", amount=1,
                                  lockout=1))


def test_private_entry_point_checks_its_arguments():
    """The glue refuses a bad demand tuple (never trusts raw pointers)."""
    from endorphin import _integrate
    N = 1
    base = dict(model="pca1", params=np.array([[0.5, KE, V, 10.0]]), t_out=np.array([0.0, 1.0]),
                t0=0.0, breaks=np.zeros((1, 0)), inputs=np.zeros((1, 1, 1)),
                dose_times=np.zeros((1, 0)), dose_states=np.zeros((1, 0), dtype=np.int64),
                dose_amounts=np.zeros((1, 0)), y0=None, out_idx=np.array([0]),
                rtol=1e-6, atol=1e-9, max_steps=1000, threads=1, y=np.empty((1, 1, 2)),
                status=np.zeros(1, np.int8), n_rhs=np.zeros(1, np.int64),
                n_accepted=np.zeros(1, np.int64), n_rejected=np.zeros(1, np.int64))
    one = np.ones(1)
    good = (1, 1, False, 0, 0.0, one, one, one, np.empty((N, 4)), np.zeros(N, np.int64))
    _integrate._simulate(**base, demand=good)
    for bad, match in (((5,) + good[1:], "out of range"),
                       (good[:1] + (9,) + good[2:], "out of range"),
                       (good[:7] + (np.zeros(1),) + good[8:], "lockout must be > 0"),
                       (good[:8] + (np.empty((2, 4)),) + good[9:], "demand times"),
                       (good[:5] + (np.ones(3),) + good[6:], "demand threshold has 3 rows"),
                       (good[:3] + (-1,) + good[4:], "max_doses or window")):
        with pytest.raises(ValueError, match=match):
            _integrate._simulate(**base, demand=bad)
    with pytest.raises(TypeError):
        _integrate._simulate(**base, demand=[1, 2])
