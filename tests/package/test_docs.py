"""The README's example and every ufunc docstring's examples run as doctests."""
import doctest
from pathlib import Path

import numpy as np
import pytest

import endorphin as en
from endorphin.math.docstrings import DOCS

REPO = Path(__file__).resolve().parents[2]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_readme_doctest():
    res = doctest.testfile(str(REPO / "README.md"), module_relative=False,
                           optionflags=FLAGS, verbose=False)
    assert res.attempted >= 3 and res.failed == 0


def test_scale_out_page_doctest():
    """docs/scale-out.md's local example (a chunked summary run) runs as written."""
    pytest.importorskip("dask")
    res = doctest.testfile(str(REPO / "docs" / "scale-out.md"), module_relative=False,
                           optionflags=FLAGS, verbose=False)
    assert res.attempted >= 5 and res.failed == 0


@pytest.mark.parametrize("mod, func", [
    ("core", "simulate"), ("core", "dose_schedule"), ("core", "population_percentiles"),
    ("model", "parameters"), ("model", "default_parameters"), ("model", "bend_dose"),
    ("model", "receptor_response"),
])
def test_module_docstring_examples(mod, func):
    import importlib
    doc = getattr(importlib.import_module(f"endorphin.{mod}"), func).__doc__
    test = doctest.DocTestParser().get_doctest(doc, {}, func, None, 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test)
    assert runner.tries >= 1 and runner.failures == 0


@pytest.mark.parametrize("name", sorted(DOCS))
def test_docstring_examples(name):
    parser = doctest.DocTestParser()
    test = parser.get_doctest(DOCS[name], {"np": np, "en": en}, name, None, 0)
    assert test.examples, f"{name} has no examples"
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test)
    assert runner.failures == 0


@pytest.mark.parametrize("name", sorted(n for n in DOCS if not n.startswith("_")))
def test_docstring_shape(name):
    doc = DOCS[name]
    first = doc.splitlines()[0]
    assert first.startswith(f"{name}(")
    for section in ("Parameters", "Returns", "Examples"):
        assert f"\n{section}\n" in doc
    assert "roadcast" in doc
