"""The examples of a layer's submodules, collected for its package's doctests.

A layer package (``endorphin.scenario``, ``endorphin.results``,
``endorphin.plot``) re-exports names defined in its submodules, so
``doctest.testmod(endorphin.scenario)`` would find none of their examples:
doctest only searches objects defined in the module it is given.  Each layer
sets ``__test__ = examples(submodules...)`` (doctest's own hook), so the
package's doctests run every example its submodules hold.
"""
from __future__ import annotations

import inspect

__all__ = ["examples"]


def _functions(cls):
    for name, value in vars(cls).items():
        if isinstance(value, (classmethod, staticmethod)):
            value = value.__func__
        elif isinstance(value, property):
            value = value.fget
        if inspect.isfunction(value) and value.__qualname__.startswith(cls.__qualname__ + "."):
            yield name, value


def examples(*modules) -> dict[str, str]:
    """``{name: docstring}`` of every docstring with an example (``>>>``) in
    ``modules``: the module, its functions and classes, and their methods."""
    out = {}

    def add(key, doc):
        if doc and ">>>" in doc:
            out[key] = doc

    for mod in modules:
        short = mod.__name__.rpartition(".")[2]
        add(short, mod.__doc__)
        for name, obj in vars(mod).items():
            if getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isclass(obj):
                add(f"{short}.{name}", obj.__doc__)
                for meth, fn in _functions(obj):
                    add(f"{short}.{name}.{meth}", fn.__doc__)
            elif inspect.isfunction(obj):
                add(f"{short}.{name}", obj.__doc__)
    return out
