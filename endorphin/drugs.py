"""``endorphin.drugs``: the drug registry and table, which live in :mod:`endorphin.model.drugs`.

This module makes ``import endorphin.drugs`` and ``from endorphin import drugs`` give that
module itself (one module object, so state such as registrations is shared).
"""
import sys

from .model import drugs as _impl

sys.modules[__name__] = _impl
