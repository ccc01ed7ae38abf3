"""en.weekly and Scenario(start_day=): session times against hand-computed clock times,
dropped sessions, errors that name the argument, the TOML round trip."""
from __future__ import annotations

import numpy as np
import pytest

import endorphin as en


def _starts(sc):
    return [s.start for s in sc.protocol]


def test_sessions_at_hand_computed_clock_times():
    # t = 0 is Monday 08:00; sessions at 18:00 on Mon/Wed/Fri: 10 h, 2 d + 10 h, 4 d + 10 h
    prog = en.weekly(en.Exercise(0.6, start=18 * 60, duration=40), days=("mon", "wed", "fri"),
                     weeks=3)
    sc = en.Scenario(prog, t_end=21 * 1440, dt=60.0)
    want = [(7 * w + d) * 1440 + 600 for w in range(3) for d in (0, 2, 4)]
    assert _starts(sc) == want
    assert all(s.duration == 40 and s.intensity == 0.6 for s in sc.protocol)


def test_start_day_and_clock_start_move_the_sessions():
    # t = 0 is Thursday 09:30: Mon 18:00 is 4 days + 8.5 h later, Fri 18:00 1 day + 8.5 h
    prog = en.weekly(en.Meditation(start=18 * 60, duration=20), days=("mon", "fri"), weeks=2)
    sc = en.Scenario(prog, t_end=14 * 1440, dt=60.0, start_day="thu", clock_start="09:30")
    h = 8.5 * 60
    assert _starts(sc) == [1440 + h, 4 * 1440 + h, 8 * 1440 + h, 11 * 1440 + h]
    assert sc.start_day == "thu"
    assert en.Scenario(t_end=60).start_day == "mon"


def test_sessions_before_t0_are_dropped():
    # t = 0 is Monday 08:00: the 07:00 Monday session of week 0 is before t = 0
    prog = en.weekly(en.Exercise(0.5, start=7 * 60, duration=30), days=("mon", "tue"), weeks=2)
    sc = en.Scenario(prog, t_end=14 * 1440, dt=60.0)
    assert _starts(sc) == [1440 - 60, 7 * 1440 - 60, 8 * 1440 - 60]
    # a session at exactly t = 0 is kept
    sc0 = en.Scenario(en.weekly(en.Exercise(0.5, start=480, duration=30), days="mon", weeks=1),
                      t_end=1440, dt=60.0)
    assert _starts(sc0) == [0.0]


def test_weekly_composes_and_runs():
    prog = (en.weekly(en.Exercise(0.8, start=9 * 60, duration=30), days="mon", weeks=1)
            + en.Pain(level=3, start=10, duration=20))
    sc = en.Scenario(prog, t_end=300, dt=5.0, pulses=False, population=en.Subject())
    assert sorted(_starts(sc)) == [10.0, 60.0]
    res = sc.simulate(outputs=["plasma_beta_endorphin"], threads=1)
    pb = res["plasma_beta_endorphin"][0]
    assert pb[res.time == 90.0][0] > 2.0 * pb[res.time == 55.0][0]
    assert "weekly" in en.__all__


def test_toml_round_trip(tmp_path):
    prog = en.weekly(en.Exercise(0.6, start=18 * 60, duration=40), days=("mon", "thu"), weeks=2)
    sc = en.Scenario(prog, population=en.Population(5, seed=2), t_end=14 * 1440, dt=1440.0,
                     start_day="wed", clock_start="07:00")
    back = en.Scenario.from_toml(sc.to_toml(tmp_path / "w.toml"))
    assert back == sc and back.start_day == "wed" and _starts(back) == _starts(sc)


@pytest.mark.parametrize("kw, exc, word", [
    (dict(days=("mon", "funday")), ValueError, "days"),
    (dict(days=("mon", "mon")), ValueError, "days"),
    (dict(days=()), ValueError, "days"),
    (dict(days=(1, 2)), TypeError, "days"),
    (dict(weeks=0), ValueError, "weeks"),
    (dict(weeks=-2), ValueError, "weeks"),
    (dict(weeks=2.5), TypeError, "weeks"),
    (dict(stimulus="exercise"), TypeError, "stimulus"),
    (dict(stimulus=en.Exercise(0.6, start=1500, duration=30)), ValueError, "stimulus"),
    (dict(stimulus=en.Exercise(0.6, start=600, duration=3000), days=("mon", "tue")),
     ValueError, "stimulus"),
])
def test_bad_input_names_the_argument(kw, exc, word):
    args = dict(stimulus=en.Exercise(0.6, start=600, duration=30), days=("mon",), weeks=2)
    args.update(kw)
    with pytest.raises(exc, match=word):
        en.weekly(args.pop("stimulus"), **args)


def test_bad_start_day_and_no_repeat_of_a_programme():
    with pytest.raises(ValueError, match="start_day"):
        en.Scenario(t_end=60, start_day="someday")
    with pytest.raises(TypeError, match="start_day"):
        en.Scenario(t_end=60, start_day=1)
    prog = en.weekly(en.Exercise(0.6, start=600, duration=30), days="mon", weeks=1)
    with pytest.raises(ValueError, match="repeat"):
        prog.repeat(every=1440, times=2)
    np.testing.assert_equal(len(prog), 1)          # the defaults: Monday 08:00
