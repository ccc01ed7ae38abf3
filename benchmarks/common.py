"""Shared machinery of the endorphin benchmarks: timing, ratios, C limits, output.

The machines these benchmarks run on are shared and noisy, so absolute times mean
little.  Every workload script therefore

* runs all of its implementations in the same process, **round-robin**
  (A B C A B C ...), one warm-up round first, then at least 5 timed rounds, so a
  drift in machine speed hits every implementation alike (:func:`interleaved`);
* divides each implementation's time by the baseline's time **of the same round**
  and summarises those per-round ratios by their median and min-max
  (:func:`per_round_ratio`), instead of dividing two medians taken at different
  moments;
* writes everything, all rounds included, to ``benchmarks/results/<name>.json``
  (git-ignored) and prints a markdown table.

The practical limits are small plain-C loops (``c/limits.c``), compiled on first use
into ``benchmarks/build/`` (git-ignored) and called through ctypes directly on the
NumPy buffers, without copies (:func:`build_c`).  They time themselves with
clock_gettime around the loop ("kernel only"), so the ctypes call does not count.
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import hashlib
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CDIR = HERE / "c"
BUILD = HERE / "build"
RESULTS = HERE / "results"

CC = os.environ.get("CC", "gcc")
# -O3 -march=native: the limits must be the best plain C this machine can run.
# -fPIC: the objects go into a shared library loaded by ctypes.
BASE_CFLAGS = ["-O3", "-march=native", "-fPIC", "-std=gnu11"]

# Fewer timed rounds than this make a development run only (flagged in the output).
MIN_ROUNDS = 5


# --------------------------------------------------------------------------- C limits
def build_c(src: str, name: str, extra: tuple[str, ...] | list[str] = (),
            fast_math_compile: bool = False) -> ctypes.CDLL:
    """Compile ``c/<src>`` into ``build/<name>.so`` and load it with ctypes.

    ``fast_math_compile=True`` adds ``-ffast-math`` to the compile step only, for
    a peer row that reproduces what a user gets with it (gcc then vectorises
    exp/log through glibc's libmvec); the limits never use it.

    Compiling and linking are two separate gcc calls, and the link call never sees
    ``-ffast-math`` (it is refused outright): gcc links crtfastmath.o into any shared
    object linked with -ffast-math, and its constructor switches the whole Python
    process to flush-to-zero / denormals-are-zero on load, silently changing NumPy's
    results (1e-300 * 1e-10 becomes 0).  See benchmarks/README.md, "Lessons".

    The library is rebuilt when the source, the flags or the compiler change (a
    stamp file records a hash of all three); it is written under a temporary name
    and renamed, so an interrupted build never leaves a half-written library.
    """
    extra = list(extra)
    if any(f == "-ffast-math" or f.startswith("-Ofast") for f in extra):
        # The limits are plain C and the flag would change their rounding; a
        # peer row asks for it with fast_math_compile=True, which keeps it out
        # of the link step.  Refuse rather than risk the link step.
        raise ValueError("pass fast_math_compile=True, not -ffast-math in extra")
    BUILD.mkdir(parents=True, exist_ok=True)
    src_path = CDIR / src
    out = BUILD / f"{name}.so"
    obj = BUILD / f"{name}.o"
    fm = ["-ffast-math"] if fast_math_compile else []
    compile_cmd = [CC, *BASE_CFLAGS, *extra, *fm, "-c", "-o", str(obj), str(src_path)]
    link_cmd = [CC, "-shared", "-o", str(out) + ".tmp", str(obj), "-lm"]
    key = hashlib.sha256()
    key.update(src_path.read_bytes())
    key.update(shlex.join(compile_cmd).encode())
    key.update(shlex.join(link_cmd).encode())
    key.update(_compiler_version().encode())
    stamp = BUILD / f"{name}.stamp"
    if not (out.exists() and stamp.exists() and stamp.read_text() == key.hexdigest()):
        subprocess.run(compile_cmd, check=True)
        subprocess.run(link_cmd, check=True)
        os.replace(str(out) + ".tmp", out)
        obj.unlink()
        stamp.write_text(key.hexdigest())
    lib = ctypes.CDLL(str(out))
    check_no_flush_to_zero(f"after loading {out.name}")
    return lib


def cfunc(lib: ctypes.CDLL, name: str, argtypes: list, restype=ctypes.c_double):
    """Declare the C signature of ``lib.name`` (every limit returns its kernel time)."""
    f = getattr(lib, name)
    f.argtypes = argtypes
    f.restype = restype
    return f


def addr(a: np.ndarray) -> int:
    """Address of a C-contiguous float64 array's data, for a ``void *`` argument."""
    if not (a.flags.c_contiguous and a.dtype == np.float64):
        raise TypeError("the C limits take C-contiguous float64 arrays")
    return a.ctypes.data


def check_no_flush_to_zero(where: str = "") -> None:
    """Raise if the process computes with flush-to-zero (a -ffast-math link leak)."""
    if np.float64(1e-300) * np.float64(1e-10) == 0.0:
        raise RuntimeError(f"flush-to-zero is on {where}: some library was linked with "
                           "-ffast-math (crtfastmath.o); results would be wrong")


def _compiler_version() -> str:
    try:
        return subprocess.run([CC, "--version"], capture_output=True, text=True,
                              check=True).stdout.splitlines()[0]
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "unknown"


# --------------------------------------------------------------------------- timing
def interleaved(fns: dict, repeats: int, warmup: int = 1) -> dict[str, list[float]]:
    """Time every function once per round, round-robin, and return the times.

    ``fns`` maps a row name to a function of no argument.  A function that returns
    a ``float`` reports its own kernel-only time in seconds (a C limit); for any
    other return value the wall time of the call (time.perf_counter) is used.
    Results are returned in round order, so ``times[a][i]`` and ``times[b][i]``
    come from the same round.  The garbage collector is paused while timing: it
    would otherwise run at a moment that depends on the allocations of the
    previous rows.
    """
    if repeats < 1:
        raise ValueError("repeats must be >= 1")
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(warmup):          # page in code and buffers, build caches
            for f in fns.values():
                f()
        times: dict[str, list[float]] = {k: [] for k in fns}
        for _ in range(repeats):
            for k, f in fns.items():
                t0 = time.perf_counter()
                r = f()
                t1 = time.perf_counter()
                # `type(r) is float`: a NumPy float64 result (an np.float64 is a
                # float subclass) must not be mistaken for a kernel time.
                times[k].append(r if type(r) is float else t1 - t0)
    finally:
        if was_enabled:
            gc.enable()
    return times


def time_rows(rows: dict, repeats: int) -> dict[str, list[float]]:
    """:func:`interleaved` over the rows' functions (``rows[name][0]``), announced."""
    print(f"timing {len(rows)} rows, 1 warm-up + {repeats} rounds ...", flush=True)
    return interleaved({k: v[0] for k, v in rows.items()}, repeats=repeats)


def row_errors(rows: dict, out: np.ndarray, error, skip=()) -> dict[str, float | None]:
    """Each row's error, from one call of its function (``rows[name][0]``).

    `out` (the rows' preallocated output) is filled with NaN first; `error` gets the
    array the call returns, or else `out`.  Rows named in `skip` (whose result is not
    the workload's) get None.
    """
    acc: dict[str, float | None] = {}
    for name, row in rows.items():
        if name in skip:
            acc[name] = None
            continue
        out.fill(np.nan)
        r = row[0]()
        acc[name] = error(r if isinstance(r, np.ndarray) else out)
    return acc


def summary(xs: list[float]) -> dict:
    """Median, min and max of a list (all values kept for the JSON file)."""
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs),
            "n": len(xs), "all": list(xs)}


def per_round_ratio(num: list[float], den: list[float]) -> dict:
    """Summary of the per-round ratios num[i] / den[i] (both from the same rounds)."""
    if len(num) != len(den):
        raise ValueError("ratio of time lists from different numbers of rounds")
    return summary([a / b for a, b in zip(num, den)])


def target(label: str, ratio: dict, limit: float, higher_is_better: bool) -> dict:
    """PASS/FAIL of a per-round ratio's median against a target.

    The verdict uses the median; when the rounds' min-max range straddles the
    target the line says so, because then one more run could flip it.
    """
    med, lo, hi = ratio["median"], ratio["min"], ratio["max"]
    ok = med >= limit if higher_is_better else med <= limit
    straddles = lo < limit < hi
    op = ">=" if higher_is_better else "<="
    line = (f"{'PASS' if ok else 'FAIL'}  {label}: {med:.2f}x (rounds {lo:.2f}-{hi:.2f}), "
            f"target {op} {limit:g}x" + ("  [range straddles the target]" if straddles else ""))
    return {"label": label, "pass": ok, "median": med, "min": lo, "max": hi,
            "target": f"{op} {limit:g}", "straddles": straddles, "line": line}


def unavailable_target(label: str, why: str) -> dict:
    """A target that cannot be checked in this run (e.g. the function is missing)."""
    return {"label": label, "pass": None, "line": f"N/A   {label}: {why}"}


def parse_repeats(doc: str, argv: list[str] | None, default: int):
    """The command line of a benchmark whose one option is ``--repeats``, described by
    the first line of `doc`; returns the parsed arguments and :func:`check_repeats`."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=default, help="timed rounds (>= 5 to quote)")
    args = ap.parse_args(argv)
    return args, check_repeats(args.repeats)


def check_repeats(repeats: int) -> bool:
    """Warn about a development run (fewer than MIN_ROUNDS timed rounds)."""
    if repeats < MIN_ROUNDS:
        print(f"NOTE: {repeats} timed rounds (< {MIN_ROUNDS}): a development run, "
              "not a measurement to quote.", flush=True)
        return False
    return True


# --------------------------------------------------------------------------- output
def fmt_time(s: float) -> str:
    if s >= 1:
        return f"{s:.3g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} us"


def fmt_time_range(s: dict) -> str:
    """A :func:`summary` of times as ``median (min-max)``."""
    return f"{fmt_time(s['median'])} ({fmt_time(s['min'])}-{fmt_time(s['max'])})"


def fmt_ratio(r: dict | None) -> str:
    if r is None:
        return ""
    return f"{r['median']:.2f} ({r['min']:.2f}-{r['max']:.2f})"


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """A github-flavoured markdown table, columns padded for reading in a terminal."""
    cells = [headers] + rows
    w = [max(len(str(r[i])) for r in cells) for i in range(len(headers))]

    def line(r):
        return "| " + " | ".join(str(x).ljust(w[i]) for i, x in enumerate(r)) + " |"

    return "\n".join([line(headers), "|" + "|".join("-" * (x + 2) for x in w) + "|"]
                     + [line(r) for r in rows])


def print_report(heading: str, headers: list[str], table: list[list[str]], targets_title: str,
                 targets: list[dict], notes: list[str]) -> None:
    """Print a benchmark's result: the heading, the table, the targets and the notes."""
    print()
    print(heading)
    print()
    print(markdown_table(headers, table))
    print()
    print(targets_title)
    for tg in targets:
        print("  " + tg["line"])
    for note in notes:
        print("NOTE: " + note)


def machine_info() -> dict:
    """What the figures depend on: CPU, load, versions, NumPy's SIMD targets."""
    info = {"python": sys.version.split()[0], "numpy": np.__version__,
            "platform": platform.platform(), "ncpu": os.cpu_count(),
            "cc": _compiler_version(),
            "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(l.split(":", 1)[1].strip() for l in f
                               if l.startswith("model name"))
        with open("/proc/loadavg") as f:
            info["loadavg_at_start"] = f.read().split()[:3]
    except (OSError, StopIteration):
        info["cpu"] = platform.processor()
    try:
        from numpy._core import _multiarray_umath as mu    # NumPy 2
    except ImportError:                                     # NumPy 1.x
        from numpy.core import _multiarray_umath as mu
    info["numpy_simd_dispatch"] = list(getattr(mu, "__cpu_dispatch__", []))
    try:
        import endorphin
        info["endorphin"] = endorphin.__version__
        info["endorphin_file"] = endorphin.__file__
    except ImportError:
        info["endorphin"] = None
    return info


def save_json(name: str, payload: dict) -> Path:
    """Write results/<name>.json (all rounds included) and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    data = dict(payload)
    data["machine"] = machine_info()
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, default=float))
    os.replace(tmp, path)
    return path
