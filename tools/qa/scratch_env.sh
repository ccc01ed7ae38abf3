# Sourced (not run) by coverage.sh and sanitize.sh: the repository root, a scratch
# folder with a virtual environment, and a clean copy of the source tree to build in.
# The caller sets VENV ("" for a new one) before calling qa_venv.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# qa_venv NAME: SCRATCH becomes a new folder $TMPDIR/endorphin-NAME.XXXXXX; unless VENV
# names an existing environment, a new one is made there with the [test] extra.
qa_venv() {
    SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/endorphin-$1.XXXXXX")
    if [ -z "$VENV" ]; then
        VENV="$SCRATCH/venv"
        python3 -m venv "$VENV"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        "$VENV/bin/python" -m pip install --quiet "$REPO[test]"
    fi
}

# qa_copy_tree [more tar options]: copy the tree to $SCRATCH/src without build/, .git
# and *.egg-info, so that no stale object is reused.
qa_copy_tree() {
    mkdir -p "$SCRATCH/src"
    tar -C "$REPO" --exclude=./build --exclude=./.git --exclude='*.egg-info' "$@" -cf - . \
        | tar -C "$SCRATCH/src" -xf -
}
