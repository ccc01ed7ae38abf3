"""The API reference of the documentation site (docs/reference/index.rst) lists every
public name: each name of ``endorphin.__all__`` is an autosummary entry, and each public
submodule among them is an entry rendered with the module template, which lists that
module's ``__all__`` (so names added there appear without editing the docs).  Checked on
the sources, without building the site."""
import re
import types
from pathlib import Path

import endorphin as en

DOCS = Path(__file__).resolve().parents[2] / "docs"
INDEX = DOCS / "reference" / "index.rst"
MODULE_TEMPLATE = DOCS / "_templates" / "autosummary" / "module.rst"
#: names of __all__ that are not objects with a page of their own
NOT_DOCUMENTED = {"__version__"}


def _autosummary_blocks(text):
    """[(options, entries)] of every ``.. autosummary::`` directive in an rst text."""
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == ".. autosummary::":
            options, entries = {}, []
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith("   ")):
                s = lines[i].strip()
                m = re.fullmatch(r":(\w+):\s*(.*)", s)
                if m:
                    options[m.group(1)] = m.group(2)
                elif s and not s.startswith(".."):
                    entries.append(s.lstrip("~"))
                i += 1
            blocks.append((options, entries))
        else:
            i += 1
    return blocks


def _entries():
    text = INDEX.read_text()
    assert ".. currentmodule:: endorphin" in text
    plain, modules = set(), set()
    for options, entries in _autosummary_blocks(text):
        assert "toctree" in options, "every entry needs a generated page"
        for name in entries:
            name = name.removeprefix("endorphin.")
            (modules if options.get("template") == "autosummary/module.rst" else plain).add(name)
    return plain, modules


def test_reference_parses():
    plain, modules = _entries()
    assert {"hill", "Scenario", "fit_model"} <= plain
    assert {"design", "plot", "nca"} <= modules


def test_every_public_name_has_an_entry():
    plain, modules = _entries()
    missing = [n for n in en.__all__ if n not in NOT_DOCUMENTED and n not in plain | modules]
    assert not missing, f"add to docs/reference/index.rst: {missing}"


def test_public_submodules_use_the_module_template():
    plain, modules = _entries()
    submodules = {n for n in en.__all__ if isinstance(getattr(en, n), types.ModuleType)}
    assert submodules, "endorphin exports submodules (design, plot, nca, ...)"
    wrong = sorted(submodules - modules)
    assert not wrong, f"list these with :template: autosummary/module.rst: {wrong}"
    # the estimation layer is documented as a module too (its methods grow there)
    assert "estimation" in modules


def test_documented_modules_define_all():
    """The module template lists ``__all__``; a module without one would list dir()."""
    _, modules = _entries()
    for name in sorted(modules):
        mod = getattr(en, name)
        assert isinstance(getattr(mod, "__all__", None), (list, tuple)), name
        for member in mod.__all__:
            assert hasattr(mod, member), f"endorphin.{name}.__all__ names {member!r}, " \
                                         "which the module does not have"


def test_module_template_lists_all_members():
    text = MODULE_TEMPLATE.read_text()
    assert ".. autosummary::" in text and ":toctree:" in text
    assert "{% for item in members %}" in text


def test_entries_exist():
    plain, modules = _entries()
    for name in sorted(plain | modules):
        assert hasattr(en, name), f"docs/reference/index.rst lists endorphin.{name}, " \
                                  "which does not exist"
