"""The ``endorphin`` command line (also ``python -m endorphin``)."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._version import __version__


def _demo(args: argparse.Namespace) -> int:
    """The default scenario: a virtual population cycling for 30 min at 60, 70
    and 80 % VO2max from 08:00 (the Goldfarb et al. 1990 protocol), with
    pituitary pulses and the circadian rhythm, and a naloxone challenge (the
    80 % bout with pain, with and without naloxone); prints a summary and
    writes a CSV (and a PNG when matplotlib is installed) into ``args.out``."""
    import time
    from pathlib import Path

    import numpy as np

    from . import model

    n = args.n
    if n < 1:
        print(f"endorphin demo: --n must be >= 1, got {n}", file=sys.stderr)
        return 2
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"endorphin demo: cannot create {out}: {exc}", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    pop = model.sample_parameters(n, seed=args.seed)
    t = np.arange(-15.0, 121.0, 1.0)
    names = ["plasma_beta_endorphin", "csf_beta_endorphin", "plasma_cortisol", "analgesia",
             "mood"]
    runs = {}
    for intensity in (0.6, 0.7, 0.8):
        res = model.simulate(pop, t, t0=-15.0, pulses=True, seed=args.seed,
                             segments=[("exercise", 0.0, 30.0, intensity)], outputs=names)
        runs[intensity] = res.y
    elapsed = time.perf_counter() - t0

    print(f"endorphin demo: {n} virtual subjects cycling 30 min at 60/70/80 % VO2max "
          f"from 08:00 (pulses and circadian rhythm on); {3 * n} simulations of "
          f"{t[-1] - t[0]:.0f} min in {elapsed:.2f} s")
    print("\nplasma beta-endorphin (pmol/L), population median [5-95 %]:")
    print(f"  {'intensity':>9}  {'before':>18}  {'5 min after the bout':>22}  "
          f"{'fold change of the means':>24}")
    at = {name: i for i, name in enumerate(names)}
    i_pre, i_post = int(np.flatnonzero(t == -5.0)[0]), int(np.flatnonzero(t == 35.0)[0])
    for intensity, y in runs.items():
        pre, post = y[:, at["plasma_beta_endorphin"], i_pre], y[:, at["plasma_beta_endorphin"],
                                                               i_post]
        q0, q1 = np.percentile(pre, [5, 50, 95]), np.percentile(post, [5, 50, 95])
        print(f"  {intensity:>8.0%}  {q0[1]:6.1f} [{q0[0]:4.1f}-{q0[2]:4.1f}]  "
              f"{q1[1]:10.1f} [{q1[0]:4.1f}-{q1[2]:5.1f}]  {post.mean() / pre.mean():24.2f}")
    print("  published (Goldfarb 1990, 12 men, mean +- SE): rest 4.34 +- 0.36; 80 %: "
          "21.91 +- 2.03 at +5 min; no rise at 60 %")
    y8 = runs[0.8]
    peak_a = y8[:, at["analgesia"]].max(axis=1) - y8[:, at["analgesia"], 0]
    print(f"\npeak extra analgesia at 80 %: median {np.median(peak_a):.3f} "
          f"(0-1 scale; opioid plus non-opioid)")

    # the naloxone challenge: the 80 % bout with pain, with and without naloxone
    from . import scenario as sc_
    stim = sc_.Exercise(0.8, start=60, duration=30) + sc_.Pain(level=6, start=60, duration=90)
    pop_n = sc_.Population(min(n, 200), seed=args.seed)
    nlx = sc_.Dose("naloxone", 0.1, "mg/kg", route="iv", time=40)
    challenge = {}
    for label, doses, protocol in (("rest", None, None), ("stimulus", None, stim),
                                   ("naloxone", nlx, None), ("stimulus+naloxone", nlx, stim)):
        r = sc_.Scenario(protocol, doses, population=pop_n, t_end=240, dt=1.0,
                         pulses=False).simulate(outputs=["opioid_analgesia"])
        challenge[label] = r["opioid_analgesia"]
    tn = np.arange(241.0)
    win = (tn >= 60) & (tn <= 180)
    comp = (challenge["stimulus"] - challenge["rest"])[:, win].max(1)
    comp_n = (challenge["stimulus+naloxone"] - challenge["naloxone"])[:, win].max(1)
    print(f"\nnaloxone challenge ({pop_n.n} subjects; 30 min at 80 % with pain 6; naloxone "
          f"0.1 mg/kg IV 20 min before): the stimulus's opioid analgesia, mean peak "
          f"{comp.mean():.3f} without and {comp_n.mean():.3f} with naloxone: "
          f"{100 * (1 - comp_n.mean() / comp.mean()):.0f} % blocked (model target: >= 80 %)")

    # tidy CSV: the columns of Comparison.to_pandas() (scenario, subject, time, variable,
    # value, unit), one scenario per intensity (population subset); en.open_result reads it
    from .results import Comparison, Result
    keep = min(n, 50)
    cmp = Comparison({f"{100 * intensity:.0f} % VO2max": Result(t, y[:keep], names)
                      for intensity, y in runs.items()})
    csv = out / "demo_exercise.csv"
    cmp.to_pandas().to_csv(csv, index=False)
    print(f"\nwrote {csv} (first {keep} subjects, tidy long format)")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no figure (pip install 'endorphin[plot]')")
        return 0
    fig, axes = plt.subplots(1, 3, figsize=(15, 4), constrained_layout=True)
    for label, col in (("stimulus", "#0072B2"), ("stimulus+naloxone", "#D55E00")):
        lo, med, hi = np.percentile(challenge[label], [5, 50, 95], axis=0)
        axes[2].fill_between(tn, lo, hi, color=col, alpha=0.15, lw=0)
        axes[2].plot(tn, med, color=col, label=label)
    axes[2].axvspan(60, 90, color="0.88", zorder=0, label="exercise 80 %")
    axes[2].axvspan(90, 150, color="0.95", zorder=0, label="pain 6 continues")
    axes[2].axvline(40, color="k", ls=":", lw=0.8, label="naloxone 0.1 mg/kg IV")
    axes[2].set(xlabel="time [min]", ylabel="opioid analgesia [0-1]",
                title="80 % VO2max + pain 6 (60-150 min)")
    axes[2].legend(fontsize=8)
    for (intensity, y), col in zip(runs.items(), ("#0072B2", "#E69F00", "#D55E00")):
        for ax, name in zip(axes, ("plasma_beta_endorphin", "analgesia")):
            lo, hi = np.percentile(y[:, at[name]], [5, 95], axis=0)
            ax.fill_between(t, lo, hi, color=col, alpha=0.15, lw=0)
            # the population mean (the published values are means +- SE)
            ax.plot(t, y[:, at[name]].mean(axis=0), color=col,
                    label=f"{intensity:.0%} VO2max (mean, 5-95 %)")
    axes[0].errorbar([35.0], [21.91], yerr=[2 * 2.03], fmt="ks",
                     label="Goldfarb 1990, 80 % (+-2 SE)")
    axes[0].set(xlabel="time from the start of cycling [min]",
                ylabel="plasma beta-endorphin [pmol/L]")
    axes[1].set(xlabel="time from the start of cycling [min]", ylabel="analgesia [0-1]")
    for ax in axes[:2]:
        ax.axvspan(0, 30, color="0.92", zorder=0)
    axes[0].legend(fontsize=8)
    png = out / "demo_exercise.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)
    print(f"wrote {png}")
    return 0


def _command_simulate(args: argparse.Namespace) -> int:
    """Run a scenario file; write the results (.nc NetCDF, .csv tidy table or
    .zarr) and optionally a figure."""
    import time
    from pathlib import Path

    from . import scenario

    try:
        sc = scenario.Scenario.from_toml(args.scenario)
    except FileNotFoundError:
        print(f"endorphin simulate: no such file: {args.scenario}", file=sys.stderr)
        return 1
    except (ValueError, TypeError) as exc:
        print(f"endorphin simulate: {args.scenario}: {exc}", file=sys.stderr)
        return 2
    out = Path(args.output)
    if out.suffix not in (".nc", ".csv"):
        print(f"endorphin simulate: -o must end in .nc or .csv, got {out}", file=sys.stderr)
        return 2
    outputs = None
    if args.outputs:
        outputs = [o.strip() for o in args.outputs.split(",") if o.strip()]
    t0 = time.perf_counter()
    try:
        res = sc.simulate(outputs=outputs, threads=args.threads)
    except (ValueError, TypeError) as exc:
        print(f"endorphin simulate: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - t0
    print(f"endorphin simulate: {res.n_subjects} subjects x {res.time.size} times, "
          f"{len(res.keys())} outputs in {elapsed:.2f} s")
    if out.suffix == ".csv":
        res.to_pandas().to_csv(out, index=False)
    else:
        try:
            res.to_xarray(parameters=True).to_netcdf(out)
        except ImportError as exc:
            print(f"endorphin simulate: writing NetCDF needs xarray and h5netcdf "
                  f"(pip install 'endorphin[xarray]'): {exc}", file=sys.stderr)
            return 1
    print(f"wrote {out}")
    if args.plot:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("endorphin simulate: --plot needs matplotlib (pip install "
                  "'endorphin[plot]')", file=sys.stderr)
            return 1
        fig = _plot_outputs(plt, res, sc.name or Path(args.scenario).stem)
        fig.savefig(args.plot, dpi=110)
        plt.close(fig)
        print(f"wrote {args.plot}")
    return 0


def _plot_outputs(plt, res, title: str):
    """One panel per output of ``res`` (up to three columns), each titled with the
    output's name; the figure titled ``title`` and the number of subjects."""
    import math
    names = list(res.keys())
    ncols = min(3, len(names))
    nrows = math.ceil(len(names) / ncols)
    # every panel keeps its own time axis (a shared one hides the labels of a panel
    # with an empty slot under it)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.8 * ncols, 3.0 * nrows), squeeze=False,
                             layout="constrained")
    for ax, name in zip(axes.ravel(), names):
        res.plot(name, ax=ax, label="median (5-95 %)")
        ax.set_title(name, fontsize=9)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    fig.suptitle(f"{title}: {res.n_subjects} subjects")
    return fig


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="endorphin",
        description="Simulate beta-endorphin release, opioid receptor binding "
                    "and their effects (time in minutes, concentrations in "
                    "pmol/L and nmol/L).",
    )
    parser.add_argument("--version", action="version",
                        version=f"endorphin {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo", help="run the default scenario and write a CSV and a PNG",
        description="Simulate a virtual population cycling 30 min at 60, 70 and 80 % "
                    "VO2max (Goldfarb et al. 1990), print the plasma beta-endorphin "
                    "response against the published values, run a naloxone challenge "
                    "(how much of the exercise analgesia is opioid), and write a tidy "
                    "CSV and a PNG figure.")
    demo.add_argument("--n", type=int, default=500, help="virtual subjects (default 500)")
    demo.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    demo.add_argument("--out", default="endorphin-demo",
                      help="folder for the CSV and PNG (default ./endorphin-demo)")
    demo.set_defaults(func=_demo)
    simulate = sub.add_parser(
        "simulate", help="run a scenario file (TOML) and write the results",
        description="Run the scenario described by a TOML file (see "
                    "Scenario.to_toml) and write the results as NetCDF (.nc) or a tidy "
                    "CSV table (.csv, the columns of Result.to_pandas()); "
                    "en.open_result(path) reopens either.")
    simulate.add_argument("scenario", help="the scenario file (.toml)")
    simulate.add_argument("-o", "--output", required=True,
                          help="results file: .nc (NetCDF, needs xarray) or .csv")
    simulate.add_argument("--outputs", default="",
                          help="comma-separated output names to keep (default all)")
    simulate.add_argument("--plot", default=None, metavar="PNG",
                          help="also write a figure: one panel per output (every output "
                               "written; choose them with --outputs), titled with the "
                               "scenario's name or file name")
    simulate.add_argument("--threads", type=int, default=None,
                          help="engine threads (default: all cores)")
    simulate.set_defaults(func=_command_simulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``endorphin`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
