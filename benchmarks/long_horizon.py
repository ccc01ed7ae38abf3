"""Long horizons: a 12-week programme for a population, the day resolution against the
full model (issue 22, point 3; docs/model.md, "Long horizons").

Workload: fibromyalgia, 12 weeks of 3 x 40 min/week exercise at 60 % VO2max (Mon, Wed,
Fri 17:00), outputs once a day (08:00): pain_nrs, anxiety_score, depression_score,
vo2max, receptor_mu, receptor_chronic_mu; pulses and rhythm on.

Rows (each timed alone, best of --repeats):
    day   Scenario.simulate(method="day") on --n subjects (pulses as a mean field,
          quasi-steady acute receptors, Dormand-Prince at rtol 1e-3, atol 1e-6)
    full  Scenario.simulate() (discrete pulses, the default integrator, rtol 1e-6) on the
          first --full K subjects, compared per subject-day
Also reported: the agreement on those K subjects, the largest difference of the
population means of each output over the 85 daily outputs (relative, and in points for
the scores), and the target (--n 10000 in at most 6 s on the 2-core machine).

Run:
    python benchmarks/long_horizon.py --n 10000 --full 500
"""
import argparse
import time

import numpy as np

import endorphin as en

DAY = 1440.0
OUTPUTS = ["pain_nrs", "anxiety_score", "depression_score", "vo2max", "receptor_mu",
           "receptor_chronic_mu"]


def scenario(n):
    prog = en.weekly(en.Exercise(0.6, start=17 * 60, duration=40),
                     days=("mon", "wed", "fri"), weeks=12)
    return en.Scenario(prog, population=en.Population(n, condition="fibromyalgia", seed=1),
                       t_end=84 * DAY, dt=DAY)


def timed(fn, repeats):
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="subjects of the day row")
    ap.add_argument("--full", type=int, default=500, help="subjects of the full row")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    a = ap.parse_args()
    days = 84
    t_day, _ = timed(lambda: scenario(a.n).simulate(outputs=OUTPUTS, method="day",
                                                    threads=a.threads), a.repeats)
    sc = scenario(a.full)
    t_full, full = timed(lambda: sc.simulate(outputs=OUTPUTS, threads=a.threads), 1)
    _, day = timed(lambda: sc.simulate(outputs=OUTPUTS, method="day", threads=a.threads), 1)
    rate_day, rate_full = a.n * days / t_day, a.full * days / t_full
    print(f"12-week programme, daily outputs, {a.n} subjects (day) / {a.full} (full)")
    print(f"{'row':<6}{'time s':>10}{'subject-days/s':>16}{'x full':>8}")
    print(f"{'day':<6}{t_day:>10.2f}{rate_day:>16,.0f}{rate_day / rate_full:>8.1f}")
    print(f"{'full':<6}{t_full:>10.2f}{rate_full:>16,.0f}{1.0:>8.1f}")
    target = 6.0 * a.n / 10_000
    print(f"target: {a.n} subjects in <= {target:.1f} s: "
          f"{'PASS' if t_day <= target else 'FAIL'} ({t_day:.2f} s)")
    print("agreement of the population means (day vs full, same subjects):")
    for o in OUTPUTS:
        x, y = day[o].mean(axis=0), full[o].mean(axis=0)
        print(f"  {o:<22} max rel {np.max(np.abs(x - y) / np.abs(y)):.2e}  "
              f"max abs {np.max(np.abs(x - y)):.2e}")


if __name__ == "__main__":
    main()
