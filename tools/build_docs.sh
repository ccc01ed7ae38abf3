#!/usr/bin/env bash
# Build the documentation site with warnings as errors.
#
#   tools/build_docs.sh [OUT]            # in the active Python environment
#   tools/build_docs.sh --venv [OUT]     # in a fresh virtual environment (pip install ".[docs]")
#
# OUT defaults to docs/_build/html.  The notebooks (notebooks/*.ipynb) and the user
# guide's code cells run during the build (myst-nb); ENDORPHIN_DOCS_EXECUTE=off skips
# them for a quick look at the pages (no figures then).  Prints the build's duration.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fresh=0
if [ "${1:-}" = "--venv" ]; then
    fresh=1
    shift
fi
OUT=$(realpath -m "${1:-$REPO/docs/_build/html}")
unset MPLBACKEND      # the notebooks' kernels draw inline (docs/conf.py also drops it)
export PYDEVD_DISABLE_FILE_VALIDATION=1

if [ "$fresh" = 1 ]; then
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/endorphin-docs.XXXXXX")
    "${PYTHON:-python3}" -m venv "$WORK/venv"
    # shellcheck disable=SC1091
    source "$WORK/venv/bin/activate"
    python -m pip install --quiet --upgrade pip
    (cd "$REPO" && python -m pip install --quiet ".[docs]")
fi

# from outside the clone: the source tree must not shadow the installed package
cd "${TMPDIR:-/tmp}"
python -c "import endorphin, sphinx, myst_nb, numpydoc" 2>/dev/null || {
    echo "install the docs extra first: python -m pip install \".[docs]\" (or use --venv)" >&2
    exit 1
}

start=$(date +%s)
python -m sphinx -W --keep-going -b html "$REPO/docs" "$OUT"
echo "docs built in $(( $(date +%s) - start )) s: $OUT/index.html"
