"""The engine: :func:`endorphin.core.simulate`, arrays in, arrays out, over the
compiled batched ODE integrator (``endorphin._integrate``)."""
from . import core

__all__ = ["core"]
