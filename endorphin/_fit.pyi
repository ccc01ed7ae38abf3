import numpy as np

def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray | None, start: np.ndarray, model: int,
         free_mask: int, lo: np.ndarray, hi: np.ndarray, ec50_range: float, max_iter: int,
         xtol: float, ftol: float, vcov: int, threads: int
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                    np.ndarray]: ...
