"""Virtual trials (issue 23, point 6): 1,000 replicates of a 12-week, 2 x 50-subject,
3 x/week exercise trial in fibromyalgia; target at most 60 s on the 2-core machine.

Workload: control (no programme) against 12 weeks of 3 x 40 min/week exercise at 60 %
VO2max (Mon, Wed, Fri 17:00), fibromyalgia, pulses and rhythm on; endpoints the change
of the pain NRS (en.PRO.nrs()) from day 0 to day 84, and the IMMPACT 30 % responder.

Rows (one run):
    trial  en.Trial(...).run(replicates=--replicates) (day resolution, one population
           per arm, keyed draws, analyses vectorized over replicates)
    loop   the hand-written loop a user writes without it: per replicate and arm a
           Population(n, seed=...), Scenario.simulate(method="day"), Result.sample with
           the NRS, scipy's t-test; timed on --loop replicates and scaled to --replicates
Reported: seconds, subject-days per second, power, the ratio loop / trial.

Run:
    python benchmarks/trial.py --replicates 1000 --loop 20
"""
import argparse
import time

import numpy as np

import endorphin as en

DAY = 1440.0


def arms(n=1, seed=0):
    prog = en.weekly(en.Exercise(0.6, start=17 * 60, duration=40),
                     days=("mon", "wed", "fri"), weeks=12)
    pop = en.Population(n, condition="fibromyalgia", seed=seed)
    return {"control": en.Scenario(population=pop, t_end=84 * DAY, dt=DAY),
            "exercise": en.Scenario(prog, population=pop, t_end=84 * DAY, dt=DAY)}


ENDPOINTS = [en.endpoint.change("pain_nrs", at=84 * DAY, baseline=0,
                                instrument=en.PRO.nrs()),
             en.endpoint.responder("pain_nrs", at=84 * DAY, baseline=0, reduction=0.30,
                                   instrument=en.PRO.nrs())]


def loop(replicates, n, threads):
    from scipy import stats
    p = []
    for r in range(replicates):
        change = {}
        for a, (name, _) in enumerate(arms().items()):
            sc = arms(n, seed=10_000 * r + a)[name]
            res = sc.simulate(outputs=["pain_nrs"], method="day", threads=threads)
            s = res.sample([0.0, 84 * DAY], en.PRO.nrs())
            w = s.pivot(index="subject", columns="time", values="value")
            change[name] = (w[84 * DAY] - w[0.0]).to_numpy(dtype=float)
        p.append(stats.ttest_ind(change["exercise"], change["control"]).pvalue)
    return np.array(p)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--n", type=int, default=50, help="subjects per arm")
    ap.add_argument("--loop", type=int, default=20, help="replicates of the loop row")
    ap.add_argument("--threads", type=int, default=None)
    a = ap.parse_args()
    trial = en.Trial(arms(), n_per_arm=a.n, endpoints=ENDPOINTS)
    t0 = time.perf_counter()
    res = trial.run(replicates=a.replicates, seed=1, threads=a.threads)
    t_trial = time.perf_counter() - t0
    sd = 2 * a.n * a.replicates * 84
    print(f"trial  {a.replicates} replicates x 2 x {a.n} subjects x 84 days: "
          f"{t_trial:.1f} s ({sd / t_trial:,.0f} subject-days/s); target 60 s "
          f"({'met' if t_trial <= 60 else 'not met'})")
    print(res.power(0.05).to_string())
    t0 = time.perf_counter()
    p = loop(a.loop, a.n, a.threads)
    t_loop = (time.perf_counter() - t0) / a.loop * a.replicates
    print(f"loop   {a.loop} replicates timed, scaled to {a.replicates}: {t_loop:.1f} s; "
          f"power of the change (t-test) {np.mean(p < 0.05):.2f} on {a.loop}")
    print(f"ratio  loop / trial = {t_loop / t_trial:.2f}")


if __name__ == "__main__":
    main()
