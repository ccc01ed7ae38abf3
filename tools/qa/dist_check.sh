#!/usr/bin/env bash
# The distributions as a user meets them (CI's "wheel and sdist" stage; docs/building.md):
#
#  1. `python -m build` from the repository root: the sdist, then the wheel built from the
#     sdist in an isolated environment (NumPy 2, pyproject's build-system), with the
#     limited API (ENDORPHIN_LIMITED_API=1: one cp310-abi3 wheel, as cibuildwheel builds
#     it); ENDORPHIN_WERROR passes through (CI sets it);
#  2. tools/check_dist.py (the sdist holds every tracked file and no build product; the
#     version of endorphin/_version.py in the sdist's and the wheel's metadata) and
#     `auditwheel show` (the manylinux tag this machine's build qualifies for);
#  3. the wheel in a fresh virtual environment beside the oldest NumPy that the runtime
#     floor (numpy>=1.25) allows on this Python (pip picks pandas): tools/smoke.py, then
#     the fast tests of the compiled parts (tests/ufuncs, tests/engine), a scenario test
#     and the results tests, from the repository root (tests/conftest.py checks that the
#     installed package is the one tested);
#  4. the sdist alone in another fresh environment, installed from a folder outside the
#     repository (a normal, version-specific build): tools/smoke.py.
#
# Usage: tools/qa/dist_check.sh [PYTHON]   (PYTHON: the interpreter to build with and to
# make the environments from; default python3)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=${1:-python3}
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/endorphin-dist.XXXXXX")
t0=$(date +%s)
step() { printf -- '--- [%4ss] %s\n' "$(( $(date +%s) - t0 ))" "$*"; }

step "build and auditwheel into the building interpreter"
"$PY" -m pip install --quiet build auditwheel

step "python -m build (sdist, then the abi3 wheel from it) -> $SCRATCH/dist"
(cd "$REPO" && ENDORPHIN_LIMITED_API=1 "$PY" -m build --outdir "$SCRATCH/dist" >"$SCRATCH/build.log" 2>&1) \
    || { tail -40 "$SCRATCH/build.log"; exit 1; }
SDIST=$(ls "$SCRATCH"/dist/endorphin-*.tar.gz)
WHEEL=$(ls "$SCRATCH"/dist/endorphin-*.whl)
ls -l "$SCRATCH/dist"

step "what the sdist holds; the version in both metadata"
"$PY" "$REPO/tools/check_dist.py" "$SDIST" "$WHEEL"
"$PY" -m auditwheel show "$WHEEL" 2>&1 | sed -n '1,4p'

# the oldest NumPy with wheels for this Python at or above the floor numpy>=1.25
minor=$("$PY" -c 'import sys; print(sys.version_info[1])')
case "$minor" in
    10|11) OLDEST=1.25.2 ;;
    12) OLDEST=1.26.4 ;;
    13) OLDEST=2.1.0 ;;
    *) OLDEST=2.3.2 ;;
esac

step "the wheel in a fresh environment beside numpy==$OLDEST"
"$PY" -m venv "$SCRATCH/wheel-venv"
W="$SCRATCH/wheel-venv/bin/python"
"$W" -m pip install --quiet "$WHEEL" "numpy==$OLDEST" pytest scipy mpmath hypothesis
"$W" -m pip list 2>/dev/null | grep -iE '^(endorphin|numpy|pandas|scipy) '
(cd "$SCRATCH" && "$W" "$REPO/tools/smoke.py")
(cd "$REPO" && "$W" -m pytest -q -p no:cacheprovider tests/ufuncs tests/engine \
    tests/scenario/test_scenario.py tests/results)

step "the sdist alone in a fresh environment, from $SCRATCH (outside the repository)"
"$PY" -m venv "$SCRATCH/sdist-venv"
S="$SCRATCH/sdist-venv/bin/python"
(cd "$SCRATCH" && "$S" -m pip install --quiet "$SDIST")
(cd "$SCRATCH" && "$S" "$REPO/tools/smoke.py")

step "distributions checked"
rm -rf "$SCRATCH"
