# Type stubs for the compiled module endorphin._ufuncs.
# Each name is a numpy.ufunc; see endorphin/_docstrings.py for the documentation.
import numpy as np

hill: np.ufunc
