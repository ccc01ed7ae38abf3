"""The result of a population fit (``fit_model(method="foce" | "saem")``).

The model for subject ``i`` and fitted parameter ``k``:
``theta_ik = theta_k exp(eta_ik)``, ``eta_i ~ N(0, Omega)`` (log-normal
between-subject variability; a parameter whose omega^2 is fixed at 0 has none),
and the observation ``y_ij ~ N(f_ij, a^2 + (b f_ij)^2)`` with the additive SD
``a`` and the proportional SD ``b`` (a fraction); ``error="additive"`` fixes
``b = 0``, ``"proportional"`` fixes ``a = 0``, ``"combined"`` estimates both
(nlmixr2's "combined2", NONMEM's usual combined model with two EPS).
"""
from __future__ import annotations

import numpy as np

__all__ = ["PopulationFit", "residual_sd", "diagnostics"]


def residual_sd(f, additive: float, proportional: float):
    """The residual SD ``sqrt(a^2 + (b f)^2)`` of predictions ``f``."""
    f = np.asarray(f, dtype=np.float64)
    return np.sqrt(additive ** 2 + (proportional * f) ** 2)


class PopulationFit:
    """A population (mixed-effects) fit.

    Attributes
    ----------
    method : {"foce", "saem"}
    error : {"additive", "proportional", "combined"}
    params : pandas.Series
        Typical values (natural scale) by parameter name.
    omega : pandas.Series
        omega^2 (variances of the log-normal random effects) by parameter name;
        0 where the parameter has no between-subject variability.
    omega_matrix : pandas.DataFrame
        The full Omega (diagonal unless a block was estimated).
    sigma : pandas.Series
        Residual SDs: ``"additive"`` (output units) and/or ``"proportional"``
        (a fraction), as the error model has them.
    eta : pandas.DataFrame
        Individual random effects, one row per subject (index ``subject``): the
        empirical Bayes estimates (conditional modes) for FOCE-I, the
        conditional means for SAEM.
    individual : pandas.DataFrame
        Individual parameters ``params * exp(eta)``.
    stderr : pandas.Series
        Standard errors (covariance step) of the typical values (natural
        scale), of ``"omega2:<name>"`` and ``"sigma:<kind>"``; NaN where not
        available.
    ofv : float
        Objective function value, ``-2 log L`` (FOCE-I: its approximation;
        SAEM: by importance sampling or the linearisation, see ``ofv_method``).
    converged : bool
    iterations : int
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def predict(self):
        """The data with the diagnostics, one row per observation.

        Columns added: ``pred`` (population prediction, eta = 0), ``ipred``
        (individual prediction at the individual estimates), ``res``
        (value - pred), ``iwres`` ((value - ipred) / residual SD at ipred) and
        ``cwres`` (conditional weighted residuals, Hooker, Staatz & Karlsson
        2007, Pharm Res 24:2187: from the FOCE linearisation around the
        individual estimates; see :func:`diagnostics`).
        """
        diag = getattr(self, "_diagnostics", None)
        if diag is None:
            raise ValueError(f"this PopulationFit (method={self.method!r}) has no "
                             f"predictions")
        out = self._data.copy()
        for k in ("pred", "ipred", "res", "iwres", "cwres"):
            out[k] = diag[k]
        return out

    def __repr__(self) -> str:
        return (f"PopulationFit(method={self.method!r}, error={self.error!r}, "
                f"subjects={len(self.eta)}, params={dict(self.params.round(6))}, "
                f"omega={dict(self.omega.round(6))}, sigma={dict(self.sigma.round(6))}, "
                f"ofv={self.ofv:.6g})")

    def vpc(self, replicates: int = 200, *, seed: int = 0, bins=None,
            pi=(0.05, 0.5, 0.95), ci: float = 0.95):
        """Visual predictive check: see
        :func:`endorphin.estimation.diagnostics.vpc`."""
        from .diagnostics import vpc
        return vpc(self, replicates, seed=seed, bins=bins, pi=pi, ci=ci)

    def profile(self, name: str, values=None, **kwargs):
        """Profile likelihood: not implemented yet for population fits (raises
        NotImplementedError with the reason; see
        :func:`endorphin.estimation.diagnostics.profile`)."""
        from .diagnostics import profile
        return profile(self, name, values, **kwargs)

def diagnostics(Y, mask, f_pred, f_ipred, G, eta, omega, additive, proportional):
    """PRED, IPRED, RES, IWRES and CWRES, each (N, M) (padding slots 0).

    ``G`` (N, M, Q) is ``d f / d eta`` at the individual estimates ``eta``
    (N, Q), ``omega`` (Q, Q).  CWRES (Hooker, Staatz & Karlsson 2007, Pharm
    Res 24:2187, doi:10.1007/s11095-007-9361-x): the residuals of the FOCE
    linearisation around ``eta``, ``E_i = f_i(eta_i) - G_i eta_i``,
    ``C_i = G_i Omega G_i' + diag(V_i)``, whitened by the symmetric inverse
    square root: ``C_i^-1/2 (y_i - E_i)``.  IWRES ``(y - IPRED) / sqrt(V)``
    with ``V`` at IPRED; RES ``y - PRED``.
    """
    w = mask.astype(np.float64)
    V = np.where(mask, residual_sd(f_ipred, additive, proportional) ** 2, 1.0)
    Gm = G * w[:, :, None]
    C = np.einsum("smq,qr,snr->smn", Gm, omega, Gm) + V[:, :, None] * np.eye(Y.shape[1])
    e = np.where(mask, Y - (f_ipred - np.einsum("smq,sq->sm", G, eta)), 0.0)
    lam, U = np.linalg.eigh(C)
    cw = np.einsum("smk,sk,snk,sn->sm", U, 1.0 / np.sqrt(lam), U, e)
    return {"pred": np.where(mask, f_pred, 0.0), "ipred": np.where(mask, f_ipred, 0.0),
            "res": np.where(mask, Y - f_pred, 0.0),
            "iwres": np.where(mask, (Y - f_ipred) / np.sqrt(V), 0.0),
            "cwres": np.where(mask, cw, 0.0)}
