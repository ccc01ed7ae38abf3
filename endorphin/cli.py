"""The ``endorphin`` command line (also ``python -m endorphin``)."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._version import __version__


def _demo(args: argparse.Namespace) -> int:
    # Placeholder until the scenario layer exists (it will simulate the
    # default scenario and write numbers, a CSV and a PNG).  Until then it
    # says so plainly and shows the one compiled function that exists.
    import numpy as np

    from ._ufuncs import hill

    print("endorphin demo: PLACEHOLDER -- the scenario layer (stimuli, drugs, "
          "virtual populations) is not implemented yet.")
    print("What exists today: the compiled Hill ufunc, endorphin.hill(c, emax, ec50, n).")
    c = np.array([0.1, 1.0, 3.0, 10.0, 100.0])
    effect = hill(c, 1.0, 3.0, 1.7)
    print("c (nmol/L):       " + "  ".join(f"{v:8.3g}" for v in c))
    print("hill(c, 1, 3, 1.7): " + "  ".join(f"{v:8.4f}" for v in effect))
    return 0


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
        "demo", help="run the default scenario (a placeholder for now)",
        description="Run the default scenario. PLACEHOLDER: until the scenario "
                    "layer exists it prints a short Hill-equation table.")
    demo.set_defaults(func=_demo)
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
