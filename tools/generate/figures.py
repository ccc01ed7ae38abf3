"""Draw the model's main time courses into docs/figures/ (needs matplotlib).

    python tools/generate/figures.py

* exercise.png: 30 min cycling at 60/70/80 % VO2max from 08:00 (pulses and
  rhythm on), population median and 5-95 % band of plasma beta-endorphin and
  analgesia, with Goldfarb et al. 1990's
  published points (rest 4.34 +- 0.36, peak 21.91 +- 2.03 pmol/L, mean +- SE).
* day.png: one day with pulses and the circadian rhythm (three subjects and
  the population mean), plasma beta-endorphin, ACTH and cortisol.
* naloxone.png: the naloxone challenge of validation target 4 (exercise at 80 %
  plus pain 6; naloxone 0.1 mg/kg IV 20 min before): opioid and non-opioid
  analgesia with and without naloxone, and naloxone's mu occupancy.
* tolerance.png: target 5, a 2 mg/h morphine infusion for 3 days, then 7 days
  off: plasma morphine, the functional mu fraction and its chronic part, opioid
  analgesia, and the steady-state concentration-analgesia curve with the
  receptors of day 0, day 3 and day 10.
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import endorphin as en  # noqa: E402
from endorphin import model as M  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "docs" / "figures"


def exercise(pop):
    t = np.arange(-15.0, 121.0, 1.0)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    colors = {0.6: "tab:blue", 0.7: "tab:orange", 0.8: "tab:red"}
    for intensity, col in colors.items():
        res = M.simulate(pop, t, t0=-15.0, pulses=True, seed=4,
                         segments=[("exercise", 0.0, 30.0, intensity)],
                         outputs=["plasma_beta_endorphin", "analgesia"])
        for ax, k in zip(axes, range(2)):
            y = res.y[:, k]
            lo, med, hi = np.percentile(y, [5, 50, 95], axis=0)
            ax.fill_between(t, lo, hi, color=col, alpha=0.15, lw=0)
            ax.plot(t, med, color=col, label=f"{intensity:.0%} VO2max (median, 5-95 %)")
            ax.plot(t, y.mean(0), color=col, ls="--", lw=0.8)
    ax = axes[0]
    ax.errorbar([-5.0], [4.34], yerr=[2 * 0.36], fmt="ko", label="Goldfarb 1990 rest (+-2 SE)")
    ax.errorbar([35.0], [21.91], yerr=[2 * 2.03], fmt="ks",
                label="Goldfarb 1990, 80 %, +5 min (+-2 SE)")
    ax.axvspan(0, 30, color="0.9", zorder=0)
    ax.set(xlabel="time from start of cycling (min)", ylabel="plasma beta-endorphin (pmol/L)",
           title="30 min cycling: plasma beta-endorphin")
    ax.legend(fontsize=7)
    axes[1].axvspan(0, 30, color="0.9", zorder=0)
    axes[1].set(xlabel="time from start of cycling (min)", ylabel="analgesia (0-1)",
                title="analgesia (opioid + non-opioid)")
    fig.savefig(OUT / "exercise.png", dpi=120)
    plt.close(fig)


def day(pop):
    t = np.arange(0.0, 1440.0 + 1, 2.0)
    res = M.simulate(pop, t, pulses=True, seed=3,
                     outputs=["plasma_beta_endorphin", "plasma_acth", "plasma_cortisol"])
    clock = (M.default_parameters()[M.core.models["endorphin"].params.index("clock_start")]
             + t) / 60.0
    fig, axes = plt.subplots(3, 1, figsize=(10, 8), sharex=True, constrained_layout=True)
    labels = ["plasma beta-endorphin (pmol/L)", "plasma ACTH (pmol/L)",
              "plasma cortisol (nmol/L)"]
    for k, ax in enumerate(axes):
        for i in range(3):
            ax.plot(clock, res.y[i, k], lw=0.9, label=f"subject {i}")
        ax.plot(clock, res.y[:, k].mean(0), color="k", lw=2, label="population mean")
        ax.set_ylabel(labels[k])
    axes[0].axvline(10 + 43 / 60, color="0.5", ls=":", label="published acrophase 10:43")
    axes[0].legend(fontsize=7, ncol=5)
    axes[-1].set_xlabel("clock time (h; 24 = midnight)")
    axes[0].set_title("A day at rest with pituitary pulses and the circadian rhythm")
    fig.savefig(OUT / "day.png", dpi=120)
    plt.close(fig)


def _band(ax, t, y, color, label):
    lo, med, hi = np.percentile(y, [5, 50, 95], axis=0)
    ax.fill_between(t, lo, hi, color=color, alpha=0.18, lw=0)
    ax.plot(t, med, color=color, label=label)


def naloxone():
    stim = en.Exercise(0.8, start=60, duration=30) + en.Pain(level=6, start=60, duration=90)
    nlx = en.Dose("naloxone", 0.1, "mg/kg", time=40)
    outs = ["opioid_analgesia", "nonopioid_analgesia", "occupancy_mu"]
    runs = {}
    for name, doses in (("control", None), ("naloxone", nlx)):
        sc = en.Scenario(stim, doses, population=en.Population(300, seed=4), t_end=300,
                         dt=1.0, pulses=False)
        runs[name] = sc.simulate(outputs=outs)
    t = runs["control"].time
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), constrained_layout=True)
    for ax, k in zip(axes, outs):
        for name, col in (("control", "#0072B2"), ("naloxone", "#D55E00")):
            _band(ax, t, runs[name][k], col, f"{name} (median, 5-95 %)")
        ax.axvspan(60, 90, color="0.92", zorder=0, label="exercise 80 %")
        ax.axvspan(90, 150, color="0.96", zorder=0, label="pain 6 (60-150 min)")
        ax.axvline(40, color="k", ls=":", lw=0.8, label="naloxone 0.1 mg/kg IV")
        ax.set(xlabel="time (min)", ylabel=k.replace("_", " ") + " (0-1)")
    axes[0].set_title("opioid analgesia: abolished by naloxone")
    axes[1].set_title("non-opioid analgesia: unchanged")
    axes[2].set_title("mu occupancy (all ligands)")
    axes[0].legend(fontsize=7)
    fig.savefig(OUT / "naloxone.png", dpi=120)
    plt.close(fig)


def tolerance():
    days = 3
    sc = en.Scenario(doses=en.Dose("morphine", rate=2.0 / 60, unit="mg", duration=days * 1440),
                     t_end=10 * 1440, dt=20, circadian=False, pulses=False)
    rec = ["receptor_mu", "receptor_delta", "receptor_kappa"]
    r = sc.simulate(outputs=["morphine_plasma", "opioid_analgesia", "receptor_chronic_mu",
                             "receptor_acute_mu"] + rec)
    t = r.time / 1440.0
    fig, axes = plt.subplots(1, 4, figsize=(16, 4), constrained_layout=True)
    axes[0].plot(t, r["morphine_plasma"][0], color="#0072B2")
    axes[0].set(xlabel="time (days)", ylabel="plasma morphine (nmol/L)",
                title="2 mg/h IV for 3 days, then off")
    axes[1].plot(t, r["receptor_mu"][0], color="#000000", label="functional mu fraction")
    axes[1].plot(t, r["receptor_chronic_mu"][0], color="#D55E00",
                 label="chronic (down-regulation)")
    axes[1].plot(t, r["receptor_acute_mu"][0], color="#009E73", label="acute")
    axes[1].set(xlabel="time (days)", ylabel="fraction", ylim=(0, 1.05),
                title="mu receptors: desensitization and recovery")
    axes[1].legend(fontsize=7)
    axes[2].plot(t, r["opioid_analgesia"][0], color="#CC79A7")
    axes[2].set(xlabel="time (days)", ylabel="opioid analgesia (0-1)",
                title="analgesia fades on a constant infusion")
    c = np.logspace(0, 4, 200)
    p = sc.population.typical()
    for day_, col, ls in ((0, "#0072B2", "-"), (3, "#D55E00", "-"), (10, "#009E73", "--")):
        i = min(np.searchsorted(r.time, day_ * 1440.0), r.time.size - 1)
        R = np.array([r[k][0, i] for k in rec])
        a = M.drug_response(c, "morphine", p, receptors=R)
        axes[3].semilogx(c, a, color=col, ls=ls,
                         label=f"day {day_}: AC50 {M.ac50('morphine', p, receptors=R):.0f} nmol/L")
    axes[3].axhline(0.5, color="0.6", ls=":")
    axes[3].set(xlabel="steady plasma morphine (nmol/L)", ylabel="opioid analgesia (0-1)",
                title="receptors of day 0, 3, 10")
    axes[3].legend(fontsize=7)
    fig.savefig(OUT / "tolerance.png", dpi=120)
    plt.close(fig)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    exercise(M.sample_parameters(500, 1))
    day(M.sample_parameters(200, 2))
    naloxone()
    tolerance()
    print("wrote", *sorted(p.name for p in OUT.glob("*.png")))


if __name__ == "__main__":
    main()
