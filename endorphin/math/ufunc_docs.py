"""Attach the numpydoc text of endorphin/math/docstrings.py to the compiled ufuncs.

The same text is compiled into the C extension, but NumPy prepends a generic
``hill(x1, x2, x3, x4, /, ...)`` line to a ufunc's C docstring.  NumPy 2.2 and
newer let a ufunc's ``__doc__`` be replaced, so there the docstring starts with
the real parameter names; older NumPy keeps the generic line first.
"""
from __future__ import annotations

import numpy as np

from .docstrings import DOCS


def attach(namespace) -> None:
    """Set ``__doc__`` of every documented ufunc found in `namespace` (a module)."""
    for name, doc in DOCS.items():
        func = getattr(namespace, name, None)
        if not isinstance(func, np.ufunc):
            continue
        try:
            func.__doc__ = doc
        except (AttributeError, TypeError):   # NumPy < 2.2: read-only
            return
