"""The sdist holds what building and testing from it need (tools/check_dist.py), and the
checker itself notices a missing file, a build product and a wrong version.

One test builds the sdist (setuptools, no isolation: about 3 s; skipped without the
``build`` package, which CI's "wheel and sdist" stage installs and uses itself); the
checker's own test uses small hand-made archives.
"""
import importlib.util
import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _checker():
    spec = importlib.util.spec_from_file_location("check_dist", REPO / "tools" / "check_dist.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _tarball(path, files, version):
    """An sdist-like archive: top folder endorphin-<version>/, PKG-INFO with `version`."""
    with tarfile.open(path, "w:gz") as tar:
        members = dict(files)
        members["PKG-INFO"] = f"Metadata-Version: 2.4\nName: endorphin\nVersion: {version}\n"
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(f"endorphin-{version}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_checker_flags_missing_files_build_products_and_version(tmp_path, capsys):
    chk = _checker()
    need, _ = chk.required_files()
    version = chk.version_of_source()
    # the tracked tree is required: setup.py and the C sources it names among them
    assert {"setup.py", "pyproject.toml", "LICENSE", "README.md",
            "csrc/ufuncs/_ufuncs.c", "csrc/glue/pool.h", "endorphin/model/spec.py"} <= need
    full = {name: "x" for name in need if name != "PKG-INFO"}
    good = tmp_path / "good.tar.gz"
    _tarball(good, full, version)
    assert chk.main([str(good)]) == 0

    lacking = tmp_path / "lacking.tar.gz"
    _tarball(lacking, {k: v for k, v in full.items() if k != "csrc/glue/pool.h"}, version)
    assert chk.main([str(lacking)]) == 1
    assert "sdist lacks csrc/glue/pool.h" in capsys.readouterr().err

    dirty = tmp_path / "dirty.tar.gz"
    _tarball(dirty, {**full, "endorphin/_ufuncs.cpython-311-x86_64-linux-gnu.so": "",
                     "vhill_table.h": ""}, version)
    assert chk.main([str(dirty)]) == 1
    err = capsys.readouterr().err
    assert "build product: endorphin/_ufuncs.cpython-311" in err and "vhill_table.h" in err

    other = tmp_path / "other.tar.gz"
    _tarball(other, full, version + "9")
    assert chk.main([str(other)]) == 1
    assert "Version" in capsys.readouterr().err


def test_built_sdist_holds_everything(tmp_path):
    pytest.importorskip("build")
    pytest.importorskip("setuptools")
    out = subprocess.run([sys.executable, "-m", "build", "--sdist", "--no-isolation",
                          "--outdir", str(tmp_path), str(REPO)],
                         capture_output=True, text=True, cwd=tmp_path)
    if out.returncode != 0:
        pytest.fail(f"python -m build --sdist failed:\n{out.stdout[-2000:]}{out.stderr[-2000:]}")
    sdist = next(tmp_path.glob("endorphin-*.tar.gz"))
    assert _checker().main([str(sdist)]) == 0
