"""Target 4, second half (docs/model.md, validation targets): a Schild analysis of naloxone
against morphine on the mu operational response with R held fixed returns the
configured naloxone K (pA2 within 0.05 log units, slope within 0.05 of 1).

The analysis is done as a pharmacologist would (Arunlakshana & Schild 1959):
EC50 of morphine alone and with 4 naloxone concentrations, read from
concentration-response curves on a grid by interpolation (not from the
model's formula), then log(DR - 1) regressed on log[B] with scipy."""
import numpy as np
import pytest

from endorphin import drugs
from endorphin.model import receptor_response


def _ec50(conc, effect):
    """Concentration at half of the curve's own maximum, interpolated on log c."""
    half = 0.5 * effect.max()
    i = int(np.flatnonzero(effect >= half)[0])
    x0, x1 = np.log(conc[i - 1]), np.log(conc[i])
    y0, y1 = effect[i - 1], effect[i]
    return float(np.exp(x0 + (half - y0) * (x1 - x0) / (y1 - y0)))


@pytest.mark.parametrize("fraction", [1.0, 0.5])
def test_schild_returns_naloxone_K(fraction):
    from scipy import stats
    a = np.logspace(-3, 6, 9001)          # morphine, nmol/L (fine grid: interpolation error)
    e0 = receptor_response(a, 0.0, receptor_fraction=fraction)
    ec0 = _ec50(a, e0)
    B = np.array([1.0, 3.0, 10.0, 30.0, 100.0])     # naloxone, nmol/L
    dr = np.array([_ec50(a, receptor_response(a, b, receptor_fraction=fraction)) / ec0
                   for b in B])
    fit = stats.linregress(np.log10(B * 1e-9), np.log10(dr - 1.0))
    pA2 = fit.intercept / fit.slope        # x-intercept is log10 K_B = -pA2
    K = drugs["naloxone"].K_mu
    assert abs(fit.slope - 1.0) < 0.05, fit.slope
    assert abs(pA2 - (-np.log10(K * 1e-9))) < 0.05, (pA2, K)
    # and the maximum does not move (surmountable, competitive antagonism)
    assert receptor_response(a[-1:], 100.0, receptor_fraction=fraction)[0] == \
        pytest.approx(e0[-1], rel=1e-3)


def test_receptor_response_bad_input():
    with pytest.raises(ValueError, match="receptor"):
        receptor_response(1.0, receptor="sigma")
    with pytest.raises(ValueError, match="agonist_conc"):
        receptor_response(-1.0)
    with pytest.raises(ValueError, match="receptor_fraction"):
        receptor_response(1.0, receptor_fraction=1.5)
