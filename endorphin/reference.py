"""``endorphin.reference``: the pure-NumPy oracle of the model, which live in :mod:`endorphin.model.reference`.

This module makes ``import endorphin.reference`` and ``from endorphin import reference`` give that
module itself (one module object, so state such as registrations is shared).
"""
import sys

from .model import reference as _impl

sys.modules[__name__] = _impl
