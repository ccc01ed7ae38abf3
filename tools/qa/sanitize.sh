#!/usr/bin/env bash
# Build endorphin's C extension with -fsanitize=address,undefined and run the
# test suite under it (NumPy's recipe: a stock CPython with libasan preloaded).
#
# Usage: tools/qa/sanitize.sh [--venv DIR] [pytest args...]
#   --venv DIR   install into this existing virtual environment (default: a new
#                one under $TMPDIR with the [test] extra)
# Any UBSan finding or ASan error aborts the run with a non-zero exit code.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/scratch_env.sh"     # REPO, qa_venv, qa_copy_tree
VENV=""
if [ "${1:-}" = "--venv" ]; then VENV=$2; shift 2; fi
qa_venv asan

# Build from a copy without build/, so no object compiled without the
# sanitizers is reused.
qa_copy_tree
ENDORPHIN_SANITIZE=1 ENDORPHIN_WERROR="${ENDORPHIN_WERROR:-0}" \
    "$VENV/bin/python" -m pip install --quiet --no-deps --force-reinstall "$SCRATCH/src"

# Make sure the installed extension really is the instrumented one.
# (located without importing it: an instrumented module cannot load without
# the libasan preload)
PKG=$(cd / && "$VENV/bin/python" -c "import importlib.util as u; print(u.find_spec('endorphin').submodule_search_locations[0])")
SO=$(ls "$PKG"/_ufuncs*.so)
# (grep without -q: with pipefail, grep -q exiting at the first match can kill
# ldd with SIGPIPE and fail the pipeline although the library is there)
if ! ldd "$SO" | grep libasan >/dev/null; then
    echo "sanitize.sh: $SO is not linked against libasan" >&2
    exit 1
fi

LIBASAN=$(gcc -print-file-name=libasan.so)
LIBUBSAN=$(gcc -print-file-name=libubsan.so)
cd "$SCRATCH"
# detect_leaks=0: CPython itself "leaks" interned objects at exit; leaks of the
# extension are caught by the refcount/tracemalloc tests and valgrind instead.
env LD_PRELOAD="$LIBASAN $LIBUBSAN" \
    ASAN_OPTIONS="detect_leaks=0:symbolize=1:strict_init_order=true:allocator_may_return_null=1:halt_on_error=1:abort_on_error=1" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    PYTHONMALLOC=malloc \
    "$VENV/bin/python" -m pytest "$REPO/tests" -p no:cacheprovider -q "$@"
