"""Packaging promises: installed layout, lazy imports, command line, metadata files."""
import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import endorphin as en

REPO = Path(__file__).resolve().parents[2]


def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


def test_tested_package_is_the_installed_one():
    assert not Path(en.__file__).resolve().is_relative_to(REPO)
    assert Path(en._ufuncs.__file__).suffix in {".so", ".pyd"}


def test_version_matches_metadata():
    assert en.__version__ == metadata.version("endorphin")


def test_import_does_not_pull_in_optional_heavy_packages():
    code = ("import sys, json, endorphin; "
            "print(json.dumps(sorted(m for m in ('matplotlib', 'xarray', 'dask', "
            "'distributed', 'tqdm', 'scipy', 'numba') if m in sys.modules)))")
    p = run(sys.executable, "-c", code, cwd="/")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == []


def _cli_variants():
    script = Path(sys.executable).with_name("endorphin")
    return [[str(script)], [sys.executable, "-m", "endorphin"]]


def test_cli_help_and_version():
    for cli in _cli_variants():
        p = run(*cli, "--help", cwd="/")
        assert p.returncode == 0, p.stderr
        assert "usage: endorphin" in p.stdout and "demo" in p.stdout
        p = run(*cli, "--version", cwd="/")
        assert p.returncode == 0
        assert p.stdout.strip() == f"endorphin {en.__version__}"


def test_cli_demo_runs_the_default_scenario(tmp_path):
    for k, cli in enumerate(_cli_variants()):
        out = tmp_path / f"demo{k}"
        p = run(*cli, "demo", "--n", "60", "--out", str(out), cwd="/")
        assert p.returncode == 0, p.stderr
        # the 80 % row: 5 min after the bout well above the resting level
        row = [line for line in p.stdout.splitlines() if line.strip().startswith("80%")][0]
        import re
        pre, post = (float(v) for v in re.findall(r"(\d+\.\d+) \[", row))
        fold = float(row.split()[-1])
        assert 2.0 < pre < 10.0 and post > 2.5 * pre and fold > 2.5
        csv = (out / "demo_exercise.csv").read_text().splitlines()
        # the columns of Comparison.to_pandas() (issue 27: was subject,time_min,intensity,...)
        assert csv[0] == "scenario,subject,time,variable,value,unit"
        assert len(csv) > 1000
        import importlib.util
        if importlib.util.find_spec("matplotlib") is not None:
            png = (out / "demo_exercise.png").read_bytes()
            assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_demo_bad_arguments():
    for cli in _cli_variants():
        p = run(*cli, "demo", "--n", "0", cwd="/")
        assert p.returncode == 2 and "--n" in p.stderr


def test_cli_bad_usage_exits_nonzero():
    for cli in _cli_variants():
        assert run(*cli, "no-such-command", cwd="/").returncode == 2
        p = run(*cli, cwd="/")
        assert p.returncode == 2 and "usage" in p.stdout


def test_stub_and_metadata_files_shipped():
    pkg = Path(en.__file__).parent
    assert (pkg / "_ufuncs.pyi").is_file() and (pkg / "py.typed").is_file()
    stub = (pkg / "_ufuncs.pyi").read_text()
    import numpy as np
    for name in dir(en._ufuncs):
        if isinstance(getattr(en._ufuncs, name), np.ufunc):
            assert f"\n{name}: np.ufunc" in stub
    for f in ("LICENSE", "CITATION.cff", "CHANGELOG.md", "README.md"):
        assert (REPO / f).is_file()
