# Type stubs for the compiled module endorphin._ufuncs.
# Each name is a numpy.ufunc (documentation: endorphin/math/docstrings.py).
import numpy as np

# elementwise, loops ['f...->f', 'd...->d']
hill: np.ufunc
emax_model: np.ufunc
ll4: np.ufunc
ll5: np.ufunc
occupancy: np.ufunc
operational: np.ufunc
dose_ratio: np.ufunc
hill_inverse: np.ufunc
ecx: np.ufunc
# generalized ufuncs
competitive_occupancy: np.ufunc   # (l),(r,l)->(r,l)
operational_multi: np.ufunc       # (l),(l),(l),()->()
hill_jac: np.ufunc                # (),(),(),()->(3)
ll4_jac: np.ufunc                 # (),(),(),(),()->(4)
ll5_jac: np.ufunc                 # (),(),(),(),(),()->(5)
_auc_linear: np.ufunc             # (n),(n)->()
_auc_linlog: np.ufunc             # (n),(n)->()
_tmax: np.ufunc                   # (n),(n)->()
_cmax: np.ufunc                   # (n)->()
_half_life: np.ufunc              # (n),(n),()->()  (n_points: intp)

def _simd_isa() -> str: ...
