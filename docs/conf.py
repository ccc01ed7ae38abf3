"""Sphinx configuration of the endorphin documentation site.

Build: ``pip install ".[docs]"`` then ``sphinx-build -W -b html docs docs/_build/html``
(or ``tools/build_docs.sh``).  The package is imported from the installed copy, never the
source tree (the compiled extension lives only in the installed package).

The markdown pages that already live in docs/ (model.md, api.md, sources.md,
reliability.md, scale-out.md) are pages of the site as they are (MyST); the user guide's
own pages are MyST-NB text notebooks whose code cells run at build time; the notebooks
of notebooks/ are copied into docs/examples/ and executed at build time (myst-nb).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# Never import the package from the source tree (it has no compiled extension there).
sys.path = [p for p in sys.path if Path(p or ".").resolve() not in (REPO, HERE)]
# The kernels that run the notebooks must draw inline (a CI-wide MPLBACKEND=Agg would
# leave the pages without figures); this process itself draws nothing.
os.environ.pop("MPLBACKEND", None)

import endorphin  # noqa: E402

# ``en.endpoint`` is an attribute (endorphin.trial.endpoints), not an importable module
# name; autodoc imports modules by name, so give it one for the reference.
sys.modules.setdefault("endorphin.endpoint", endorphin.endpoint)

# -- the notebooks: copied from notebooks/ (the one copy, stored without outputs) ------
EXAMPLES = HERE / "examples"
# ENDORPHIN_EXECUTED_NOTEBOOKS (CI): a folder of the same notebooks already executed by
# the slow tests (tests/package/test_notebooks.py); a copy whose code cells equal the
# stored notebook's is rendered with its outputs instead of being executed again
EXECUTED = os.environ.get("ENDORPHIN_EXECUTED_NOTEBOOKS")


def _code(path):
    import json
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [("".join(c["source"]) if isinstance(c["source"], list) else c["source"])
            for c in cells if c["cell_type"] == "code"]


def _rendered_as_is(path) -> bytes:
    """The executed notebook with myst-nb's per-notebook switch: do not execute."""
    import json
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb.setdefault("metadata", {})["mystnb"] = {"execution_mode": "off"}
    return (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


for nb in sorted((REPO / "notebooks").glob("*.ipynb")):
    done = Path(EXECUTED) / nb.name if EXECUTED else None
    if done is not None and done.exists() and _code(done) == _code(nb):
        data = _rendered_as_is(done)
    else:
        data = nb.read_bytes()
    dest = EXAMPLES / nb.name
    if not dest.exists() or dest.read_bytes() != data:
        dest.write_bytes(data)

# -- project -----------------------------------------------------------------------------
project = "endorphin"
author = "The endorphin developers"
copyright = "The endorphin developers"
release = endorphin.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "sphinx_copybutton",
]

# docs/model.md is included by user-guide/model.md (with the parameter table generated
# from endorphin.parameters()), so it is not a page of its own.
exclude_patterns = ["_build", "**.ipynb_checkpoints", "jupyter_execute", "model.md"]
templates_path = ["_templates"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
# figures/*.png are referenced from the pages; README-style relative links stay text
suppress_warnings = ["myst.header"]

# -- API reference ----------------------------------------------------------------------
autosummary_generate = True
autosummary_ignore_module_all = False     # a module's page lists exactly its __all__
autosummary_imported_members = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"                # numpydoc's Parameters sections carry the types
autoclass_content = "class"
numpydoc_show_class_members = False       # the class template documents members itself
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# -- notebooks and executable pages (myst-nb) -------------------------------------------
# "cache" executes every notebook and page (a reused executed notebook carries its own
# "off", above); "off" for a quick look
nb_execution_mode = os.environ.get("ENDORPHIN_DOCS_EXECUTE", "cache")
nb_execution_timeout = 300                # seconds per cell
nb_execution_raise_on_error = True        # a failing cell fails the build
nb_execution_show_tb = True               # and its traceback is in the log
nb_execution_in_temp = True               # files a notebook writes go to a scratch folder
nb_execution_cache_path = str(HERE / "_build" / ".jupyter_cache")
nb_merge_streams = True
nb_render_markdown_format = "myst"     # markdown outputs (the parameter table) as MyST
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

# -- HTML ---------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"endorphin {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False


def _numpydoc_signature_only_for_callables(app):
    """numpydoc reads a signature from the first line of every docstring, also for the
    ufuncs, which autodoc sees as data (not routines) and gives no signature slot; Sphinx
    then fails on the signature numpydoc returns.  Keep numpydoc's signatures for the
    rest; the ufuncs' pages (template autosummary/ufunc.rst) document them as functions."""
    import numpydoc.numpydoc as nd

    for lid in [lst.id for lst in app.events.listeners.get("autodoc-process-signature", [])
                if getattr(lst.handler, "__module__", "") == nd.__name__]:
        app.disconnect(lid)

    def mangle_signature(app, what, name, obj, options, sig, retann):
        if what == "data":
            return None
        return nd.mangle_signature(app, what, name, obj, options, sig, retann)

    app.connect("autodoc-process-signature", mangle_signature)


def setup(app):
    app.connect("builder-inited", _numpydoc_signature_only_for_callables)
