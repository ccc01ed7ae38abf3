"""Test configuration: the suite must exercise the *installed* package.

``python -m pytest`` run from the repository root puts the root first on
``sys.path``, where the ``endorphin/`` source folder (without its compiled
extension) would shadow the installed package.  Drop that entry before any
test imports endorphin, then check where endorphin came from.
"""
import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _is_repo_root(entry: str) -> bool:
    try:
        return Path(entry or os.getcwd()).resolve() == REPO_ROOT
    except OSError:
        return False


sys.path[:] = [p for p in sys.path if not _is_repo_root(p)]
# Shared test helpers (engine_refs, references, layouts, interrupt, registry, threads) live in
# tests/_support/: on sys.path so that `import engine_refs` works from any test folder.
SUPPORT = Path(__file__).resolve().parent / "_support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))
# A Python subprocess that a test starts must not import the source tree either:
# safe-path mode (Python 3.11+) keeps its working directory off sys.path, and
# tests start subprocesses outside the tree (cwd) for Python 3.10.
os.environ["PYTHONSAFEPATH"] = "1"

import endorphin  # noqa: E402  (must follow the sys.path clean-up)
import endorphin._engine_tests  # noqa: E402,F401  (registers the engine's test models)

if Path(endorphin.__file__).resolve().is_relative_to(REPO_ROOT):
    raise pytest.UsageError(
        f"endorphin was imported from the source tree ({endorphin.__file__}); "
        "install it first: python -m pip install '.[test]'")


def pytest_report_header(config):
    import numpy
    return (f"endorphin {endorphin.__version__} from {Path(endorphin.__file__).parent}; "
            f"numpy {numpy.__version__}")
