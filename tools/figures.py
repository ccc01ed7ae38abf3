"""Draw the model's main time courses into docs/figures/ (needs matplotlib).

    python tools/figures.py

* exercise.png: 30 min cycling at 60/70/80 % VO2max from 08:00 (pulses and
  rhythm on), population median and 5-95 % band of plasma beta-endorphin and
  analgesia, with Goldfarb et al. 1990's
  published points (rest 4.34 +- 0.36, peak 21.91 +- 2.03 pmol/L, mean +- SE).
* day.png: one day with pulses and the circadian rhythm (three subjects and
  the population mean), plasma beta-endorphin, ACTH and cortisol.
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from endorphin import model as M  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "figures"


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


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    exercise(M.sample_parameters(500, 1))
    day(M.sample_parameters(200, 2))
    print("wrote", *sorted(p.name for p in OUT.glob("*.png")))


if __name__ == "__main__":
    main()
