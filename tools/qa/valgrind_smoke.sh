#!/usr/bin/env bash
# valgrind memcheck on a smoke run of every C entry point (tools/qa/valgrind/smoke.py),
# with the installed endorphin of PYTHON (default python3).
#
# Usage: tools/qa/valgrind_smoke.sh [PYTHON]
# PYTHONMALLOC=malloc so that valgrind sees every allocation; errors (invalid
# reads/writes, uses of uninitialised values) and definite leaks fail the run.
# CPython's own "possibly lost" blocks (interned objects, arenas) are not
# errors (--errors-for-leak-kinds=definite); tools/qa/valgrind/python.supp holds
# the narrow suppressions for CPython/NumPy internals.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=${1:-python3}
if ! command -v valgrind >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
    else
        echo "valgrind_smoke.sh: valgrind not found" >&2; exit 2
    fi
fi
cd /   # never import endorphin from the source tree
PYTHONMALLOC=malloc valgrind --tool=memcheck --error-exitcode=1 --leak-check=full \
    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
    --suppressions="$REPO/tools/qa/valgrind/python.supp" --num-callers=30 -q \
    "$PY" "$REPO/tools/qa/valgrind/smoke.py"
echo "valgrind smoke: clean"
