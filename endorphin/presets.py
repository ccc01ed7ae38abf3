"""``endorphin.presets``: the conditions (parameter presets), which live in :mod:`endorphin.model.presets`.

This module makes ``import endorphin.presets`` and ``from endorphin import presets`` give that
module itself (one module object, so state such as registrations is shared).
"""
import sys

from .model import presets as _impl

sys.modules[__name__] = _impl
