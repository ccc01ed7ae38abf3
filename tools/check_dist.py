"""Check what `python -m build` made: the sdist holds everything needed to build from it,
and the sdist's and the wheel's metadata carry the version of endorphin/_version.py.

    python tools/check_dist.py dist/endorphin-<v>.tar.gz [dist/endorphin-<v>-*.whl ...]

The sdist must contain (each missing file is listed):

* the build's own files: pyproject.toml, setup.py, MANIFEST.in, LICENSE, README.md, PKG-INFO;
* every C source and header setup.py names (its ``sources=`` and ``depends=`` lists, read
  from setup.py's text) and every other file of csrc/ the repository tracks (the headers
  the sources include, the C harness of csrc/tests);
* the Python files setup.py runs at build time (endorphin/model/spec.py,
  endorphin/math/docstrings.py) and the whole package endorphin/ (.py, .pyi, py.typed);
* with a git checkout beside this script: every tracked file except the repository's own
  plumbing (.ci/, .gitignore files), so that the tests (tests/data too), docs, notebooks,
  benchmarks and tools ship as well.

It must not contain build products: compiled objects (.o, .so, .pyd), byte code, or the
headers setup.py generates (endorphin_docs.h, vhill_table.h, endorphin_model_layout.h).

Exit status 1 with the list of problems, 0 with a one-line summary.
"""
import argparse
import re
import subprocess
import sys
import tarfile
import zipfile
from email.parser import HeaderParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

ALWAYS = ["pyproject.toml", "setup.py", "MANIFEST.in", "LICENSE", "README.md", "PKG-INFO",
          "endorphin/_version.py", "endorphin/model/spec.py", "endorphin/math/docstrings.py",
          "endorphin/py.typed", "tools/smoke.py"]
# tracked files that an sdist need not carry (the repository's plumbing)
NOT_SHIPPED = re.compile(r"^(\.ci/|\.github/|(.*/)?\.gitignore$|\.gitattributes$)")
FORBIDDEN = re.compile(r"(\.(o|so|pyd|pyc|dll|dylib)$|__pycache__/|(^|/)(endorphin_docs|"
                       r"vhill_table|endorphin_model_layout)\.h$|^build/|\.egg-info/.*\.so$)")


def version_of_source() -> str:
    text = (REPO / "endorphin" / "_version.py").read_text()
    return re.search(r'__version__\s*=\s*"([^"]+)"', text).group(1)


def setup_py_files() -> set[str]:
    """The C files and build-time Python files setup.py names."""
    text = (REPO / "setup.py").read_text()
    return set(re.findall(r'"((?:csrc|endorphin)/[\w/.-]+\.(?:c|h|py))"', text))


def tracked_files() -> list[str] | None:
    try:
        out = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], check=True,
                             capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [f for f in out.decode().split("\0") if f]


def required_files() -> tuple[set[str], bool]:
    need = set(ALWAYS) | setup_py_files()
    need |= {str(p.relative_to(REPO)) for p in (REPO / "endorphin").rglob("*")
             if p.is_file() and p.suffix in (".py", ".pyi") and "__pycache__" not in p.parts}
    tracked = tracked_files()
    if tracked is not None:
        need |= {f for f in tracked if not NOT_SHIPPED.match(f)}
    return need, tracked is not None


def sdist_members(path: Path) -> tuple[set[str], str]:
    with tarfile.open(path) as tar:
        names = [m.name for m in tar.getmembers() if m.isfile()]
        top = names[0].split("/", 1)[0]
        pkg_info = tar.extractfile(f"{top}/PKG-INFO").read().decode()
    return {n.split("/", 1)[1] for n in names if "/" in n}, pkg_info


def wheel_metadata(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        meta = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
        return z.read(meta[0]).decode()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sdist", type=Path)
    ap.add_argument("wheels", type=Path, nargs="*")
    args = ap.parse_args(argv)
    problems = []
    version = version_of_source()
    members, pkg_info = sdist_members(args.sdist)
    need, with_git = required_files()
    for f in sorted(need - members):
        problems.append(f"sdist lacks {f}")
    for f in sorted(members):
        if FORBIDDEN.search(f):
            problems.append(f"sdist carries a build product: {f}")
    got = HeaderParser().parsestr(pkg_info)["Version"]
    if got != version:
        problems.append(f"sdist PKG-INFO Version {got} != endorphin/_version.py {version}")
    for whl in args.wheels:
        got = HeaderParser().parsestr(wheel_metadata(whl))["Version"]
        if got != version:
            problems.append(f"{whl.name}: METADATA Version {got} != {version}")
        if f"-{version}-" not in whl.name:
            problems.append(f"{whl.name}: file name does not carry version {version}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    print(f"{args.sdist.name}: {len(members)} files, all {len(need)} required present "
          f"({'every tracked file' if with_git else 'no git: the fixed list'}), no build "
          f"products; version {version} in the sdist and {len(args.wheels)} wheel(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
