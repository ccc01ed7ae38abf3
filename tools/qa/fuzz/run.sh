#!/usr/bin/env bash
# Coverage-guided fuzzing of endorphin's C entry points with atheris (libFuzzer).
#
# Usage: tools/qa/fuzz/run.sh SECONDS [--jobs J] [--venv DIR] [libFuzzer args...]
#
# Builds a copy of the extension with clang, -fsanitize=address and libFuzzer's
# coverage instrumentation (-fsanitize=fuzzer-no-link), so libFuzzer is guided by
# the C code's edges as well as the Python harness's, and memory errors abort
# with an ASan report.  Runs tools/qa/fuzz/fuzz_endorphin.py for SECONDS with
# LD_PRELOAD of atheris's asan_with_fuzzer.so.  The corpus is kept in
# $FUZZ_CORPUS (default: $TMPDIR/endorphin-fuzz-corpus, reused by later runs);
# crashing inputs are written to $FUZZ_ARTIFACTS (default ./fuzz-artifacts/) --
# copy each into tests/data/fuzz_regressions/ once fixed
# (tests/reliability/test_regressions.py replays them).
#
# Needs clang (apt-get install clang) and pip access for atheris.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
SECONDS_TO_RUN=${1:?usage: tools/qa/fuzz/run.sh SECONDS [--jobs J] [--venv DIR] [libFuzzer args]}
shift
JOBS=1
VENV=""
while [ $# -gt 0 ]; do
    case "$1" in
        --jobs) JOBS=$2; shift 2 ;;
        --venv) VENV=$2; shift 2 ;;
        *) break ;;
    esac
done
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/endorphin-fuzz.XXXXXX")
CORPUS=${FUZZ_CORPUS:-${TMPDIR:-/tmp}/endorphin-fuzz-corpus}
ARTIFACTS=${FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}
mkdir -p "$CORPUS" "$ARTIFACTS"

if ! command -v clang >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq clang >/dev/null
    else
        echo "run.sh: clang is needed (apt-get install clang)" >&2; exit 2
    fi
fi
if [ -z "$VENV" ]; then
    VENV="$SCRATCH/venv"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet "numpy>=2.0" "pandas>=2.0" "setuptools>=77" atheris
fi
"$VENV/bin/python" -c "import atheris" 2>/dev/null \
    || "$VENV/bin/python" -m pip install --quiet atheris

# Instrumented build from a copy (no stale objects).
mkdir -p "$SCRATCH/src"
tar -C "$REPO" --exclude=./build --exclude=./.git --exclude='*.egg-info' -cf - . \
    | tar -C "$SCRATCH/src" -xf -
CC=clang LDSHARED="clang -shared" \
    ENDORPHIN_CFLAGS="-fsanitize=fuzzer-no-link,address -fno-omit-frame-pointer -g -O1" \
    "$VENV/bin/python" -m pip install --quiet --no-deps --no-build-isolation \
    --force-reinstall "$SCRATCH/src"

ATHERIS_DIR=$("$VENV/bin/python" -c "import atheris; print(atheris.path())")
cd "$SCRATCH"
echo "fuzzing for ${SECONDS_TO_RUN}s, $JOBS job(s); corpus $CORPUS; artifacts $ARTIFACTS"
set +e
# --jobs J: J independent fuzzers sharing the corpus directory (libFuzzer's own
# -jobs re-executes argv[0], which is a Python script here).
pids=()
for j in $(seq 1 "$JOBS"); do
    env LD_PRELOAD="$ATHERIS_DIR/asan_with_fuzzer.so" \
        ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:abort_on_error=1:symbolize=1" \
        PYTHONMALLOC=malloc \
        nice -n 10 "$VENV/bin/python" "$REPO/tools/qa/fuzz/fuzz_endorphin.py" \
        -max_total_time="$SECONDS_TO_RUN" -timeout=20 -rss_limit_mb=4096 -max_len=1024 \
        -print_final_stats=1 -artifact_prefix="$ARTIFACTS/" "$@" "$CORPUS" \
        > "$SCRATCH/fuzz-$j.log" 2>&1 &
    pids+=($!)
done
rc=0
for pid in "${pids[@]}"; do wait "$pid" || rc=$?; done
for j in $(seq 1 "$JOBS"); do
    echo "--- fuzzer $j (log $SCRATCH/fuzz-$j.log)"; tail -n 25 "$SCRATCH/fuzz-$j.log"
done
rc=$?
set -e
ls "$ARTIFACTS" | grep -E '^(crash|leak|timeout|oom)-' && { echo "findings in $ARTIFACTS" >&2; exit 1; }
exit $rc
