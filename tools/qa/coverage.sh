#!/usr/bin/env bash
# C line coverage (gcov) of endorphin's C core under the test suite.
#
# Usage: tools/qa/coverage.sh [--venv DIR] [pytest args...]
#   --venv DIR  an existing virtual environment with the [test] extra
#   pytest args default to the whole suite (tests/); pass test files to run
#   a subset, e.g. tools/qa/coverage.sh tests/engine/test_engine.py
# Builds a scratch copy with --coverage -O0 (no stale objects), runs pytest,
# then reports line coverage per C file and the total with gcovr (pip).
# The instrumented modules are imported from the scratch copy (PYTHONPATH); the
# venv's installed endorphin is left alone.
# Not part of CI (it rebuilds the extension); run it before a release.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/scratch_env.sh"     # REPO, qa_venv, qa_copy_tree
VENV=""
if [ "${1:-}" = "--venv" ]; then VENV=$2; shift 2; fi
qa_venv cov
"$VENV/bin/python" -m pip install --quiet gcovr "setuptools>=77"
qa_copy_tree --exclude='./endorphin/*.so'
# built in place in the scratch copy, imported from there through PYTHONPATH
# (the objects and their .gcno/.gcda files stay in $SCRATCH/obj)
(cd "$SCRATCH/src" && ENDORPHIN_CFLAGS="--coverage -O0 -g" LDFLAGS="--coverage" \
    "$VENV/bin/python" setup.py -q build_ext --inplace --build-temp "$SCRATCH/obj")
export PYTHONPATH="$SCRATCH/src"
if [ -z "$(find "$SCRATCH" -name '*.gcno' | head -1)" ]; then
    echo "coverage.sh: no .gcno files: the build was not instrumented" >&2; exit 1
fi
cd "$SCRATCH"
if [ $# -eq 0 ]; then set -- "$REPO/tests"; fi
"$VENV/bin/python" -m pytest -q -p no:cacheprovider "$@" || echo "(some tests failed; coverage reported anyway)"
echo "=== C line coverage (csrc/, generated headers excluded)"
"$VENV/bin/python" -m gcovr --root "$SCRATCH/src" --filter "$SCRATCH/src/csrc/" \
    --exclude '.*/csrc/tests/.*' --gcov-ignore-parse-errors=all \
    --print-summary --txt "$SCRATCH/coverage.txt" "$SCRATCH" | tail -3
cat "$SCRATCH/coverage.txt"
echo "report: $SCRATCH/coverage.txt"
