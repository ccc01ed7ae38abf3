"""The package's structure: no import circles between its modules (an import inside a
function counts too) and no module taking another module's private names.

Read from the installed package's source with ``ast``; nothing is imported.  A package's
``__init__.py`` only hands names on, so imports of it (and its own imports) are not
edges here; an import ``from ..model import spec`` is an edge to ``endorphin.model.spec``.
"""
import ast
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import endorphin

ROOT = Path(endorphin.__file__).parent


def _modules():
    mods = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        is_pkg = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_pkg else parts)
        mods[name] = (path, is_pkg)
    return mods


MODULES = _modules()
# the compiled extensions (_ufuncs, _integrate, _fit, _engine_tests): modules too
EXTENSIONS = {f"endorphin.{p.name.split('.')[0]}" for suffix in EXTENSION_SUFFIXES
              for p in ROOT.glob("*" + suffix)}


def _resolve(name):
    """The module a dotted import name lands in (the longest known prefix)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _imports(name):
    """(target module, imported names) for every import of module `name`."""
    path, is_pkg = MODULES[name]
    package = name if is_pkg else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(a.name, ()) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                head = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(head + ([base] if base else []))
            for a in node.names:
                sub = f"{base}.{a.name}"
                if _resolve(sub) == sub:             # a submodule
                    out.append((sub, ()))
                else:
                    out.append((base, (a.name,)))
    return [(t, names) for t, names in out if t.split(".")[0] == "endorphin"]


def _edges():
    edges = {m: set() for m in MODULES}
    for m, (_, is_pkg) in MODULES.items():
        if is_pkg:
            continue
        for target, _ in _imports(m):
            t = _resolve(target)
            if t and t != m and not MODULES[t][1]:
                edges[m].add(t)
    return edges


def test_the_walk_sees_the_layers():
    edges = _edges()
    assert len(MODULES) > 30
    assert {"endorphin._ufuncs", "endorphin._integrate", "endorphin._fit"} <= EXTENSIONS
    assert "endorphin.engine.core" in edges["endorphin.model.table"]
    assert "endorphin.model.spec" in edges["endorphin.results.meta"]


def test_no_import_circles():
    edges = _edges()
    circles = []
    for start in edges:
        seen, stack = set(), [(start, (start,))]
        while stack:
            node, path = stack.pop()
            for nxt in edges[node]:
                if nxt == start:
                    circles.append(path)
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, path + (nxt,)))
    assert not circles, sorted(circles)[:5]


def _private(name):
    return name.startswith("_") and not name.startswith("__")


def test_no_module_takes_another_modules_private_names():
    bad = []
    for m, (path, is_pkg) in MODULES.items():
        if is_pkg:
            continue
        for target, names in _imports(m):
            t = _resolve(target)
            bad += [f"{m}: from {t} import {n}" for n in names
                    if _private(n) and f"{t}.{n}" not in MODULES
                    and f"{t}.{n}" not in EXTENSIONS]
        # module._name, where `module` is an endorphin module bound by an import
        bound = {}
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                for a in node.names:
                    bound[a.asname or a.name] = a.name
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Attribute) and _private(node.attr)
                    and isinstance(node.value, ast.Name) and node.value.id in bound):
                owner = bound[node.value.id]
                full = [k for k in MODULES if k.endswith("." + owner)]
                # the compiled extensions (_ufuncs, _integrate, _fit) are the C layer's
                # entry points, not Python modules' private names
                if full and not owner.startswith("_"):
                    bad.append(f"{m}: {node.value.id}.{node.attr}")
    assert not bad, bad
