"""The drug table (endorphin.drugs): sources, unit conversions and closed-form PK.

References used here are independent of the module's own arithmetic:
published numbers (docs/sources.md section 4, the papers' abstracts), molecular
formulas with IUPAC atomic weights, textbook PK identities, and
scipy.integrate.solve_ivp (Radau, rtol 1e-10) on the compartment ODEs.
"""
import dataclasses
import doctest
import math
import re
import subprocess
import sys
from collections.abc import Mapping

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.integrate import quad, solve_ivp
from scipy.optimize import minimize_scalar

import endorphin.drugs as drugs

LN2 = math.log(2.0)
BUILTIN = ("morphine", "fentanyl", "naloxone", "naltrexone", "buprenorphine",
           "carfentanil", "beta_endorphin")
KINETIC = ("fentanyl", "naloxone", "carfentanil", "buprenorphine")


@pytest.fixture(autouse=True)
def _clean_table():
    drugs.reset()
    yield
    drugs.reset()


# -- the table and its sources ---------------------------------------------------
CITATION = re.compile(r"doi:10\.\d{4,}/\S+|PMID \d{6,}|PMC\d{5,}|github\.com/\S+"
                      r"|\b(19|20)\d\d;\s?\d+")


def _valid_source(s):
    if s.startswith(("assumed: ", "computed: ")):
        return len(s.split(": ", 1)[1]) >= 20      # a reason, not a bare tag
    return bool(CITATION.search(s))


def test_builtin_drugs_present():
    assert set(BUILTIN) <= set(drugs.names())
    assert drugs.names()[:len(BUILTIN)] == BUILTIN


@pytest.mark.parametrize("name", BUILTIN)
def test_required_fields_and_sources(name):
    d = drugs[name]
    assert d.kind in drugs.KINDS
    vals = d.values()
    required = {"molar_mass", "cl", "v1", "ke0", "f_brain", "F_iv", "lag_iv"}
    required |= {f"{p}_{r}" for p in ("K", "tau") for r in drugs.RECEPTORS}
    assert required <= set(vals)
    # every numeric value has a source, and no source names an absent field
    assert set(d.sources) == set(vals), set(vals) ^ set(d.sources)
    for field, src in d.sources.items():
        assert _valid_source(src), f"{name}.{field}: {src!r}"
    for field, v in vals.items():
        assert math.isfinite(v), field
    if d.kind == "antagonist":
        assert d.tau_mu == d.tau_delta == d.tau_kappa == 0.0
    else:
        assert d.tau_mu > 0
    assert d.kinetic == (name in KINETIC)


def test_source_checker_rejects_bare_values():
    assert not _valid_source("assumed: ")
    assert not _valid_source("assumed: yes")
    assert not _valid_source("some paper")
    assert _valid_source("Life Sci 1991;48:2165")
    assert _valid_source("x doi:10.1002/cpt.2696")


def test_to_pandas_rows_units_sources():
    df = drugs.to_pandas()
    assert list(df.columns) == ["drug", "field", "value", "unit", "description", "source"]
    assert set(df.drug) == set(BUILTIN)
    n_values = sum(len(drugs[n].values()) for n in BUILTIN)
    assert len(df) == n_values
    assert not df.duplicated(["drug", "field"]).any()
    assert (df.source.str.len() > 0).all()
    row = df[(df.drug == "morphine") & (df.field == "cl")].iloc[0]
    assert (row.value, row.unit) == (1.584, "L/min")
    row = df[(df.drug == "fentanyl") & (df.field == "kon")].iloc[0]
    assert row.unit == "(nmol/L)^-0.8439/min"
    assert df.set_index(["drug", "field"]).loc[("naloxone", "ka_im"), "unit"] == "1/min"


# -- molar masses from the formulas (IUPAC standard atomic weights) --------------
ATOMIC = {"C": 12.011, "H": 1.008, "N": 14.007, "O": 15.999}
FORMULAS = {"morphine": "C17H19NO3", "fentanyl": "C22H28N2O", "naloxone": "C19H21NO4",
            "naltrexone": "C20H23NO4", "buprenorphine": "C29H41NO4",
            "carfentanil": "C24H30N2O3"}


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_molar_mass_from_formula(name):
    mass = sum(ATOMIC[el] * int(k or 1)
               for el, k in re.findall(r"([A-Z][a-z]?)(\d*)", FORMULAS[name]))
    assert drugs[name].molar_mass == pytest.approx(mass, abs=0.002)
    assert FORMULAS[name] in drugs[name].sources["molar_mass"]


def test_beta_endorphin_mass_from_sequence():
    # average residue masses (H2O removed per peptide bond) + one water
    res = {"G": 57.051, "A": 71.078, "S": 87.077, "P": 97.115, "V": 99.131, "T": 101.104,
           "L": 113.158, "I": 113.158, "N": 114.103, "E": 129.114, "K": 128.172,
           "Q": 128.129, "M": 131.196, "F": 147.174, "Y": 163.173}
    seq = "YGGFMTSEKSQTPLVTLFKNAIIKNAYKKGE"
    mass = sum(res[a] for a in seq) + 18.015
    assert drugs["beta_endorphin"].molar_mass == pytest.approx(mass, rel=2e-4)


# -- kinetic binding: unit conversions -------------------------------------------
# Mann et al. 2022 (FDA Ligand_Data): Kon in pM^-n s^-1, Koff in s^-1;
# Kd_eq in pM and dissociation half-lives as tabulated in docs/sources.md 4b.
MANN = {  # Kon, Koff, n, Kd_eq (pM), off t1/2 (s)
    "naloxone": (1.669e-4, 0.03959, 0.858, 586.0, 17.5),
    "fentanyl": (3.081e-5, 0.004331, 0.8439, 351.0, 160.0),
    "carfentanil": (9.954e-6, 2.467e-4, 1.025, 23.0, 47.0 * 60.0),
}


@pytest.mark.parametrize("name", sorted(MANN))
def test_mann_conversion(name):
    Kon, Koff, n, kd_pm, t_off_s = MANN[name]
    d = drugs[name]
    assert d.n == n
    # rates: the association flux at any concentration is the same in both unit
    # systems: Kon [pM^-n/s] * (L in pM)^n * 60 s/min == kon * (L in nM)^n
    for L_nM in (0.01, 0.5, 3.0, 40.0):
        assert d.kon * L_nM ** n == pytest.approx(Kon * (1000.0 * L_nM) ** n * 60.0,
                                                  rel=1e-12)
    assert d.koff == pytest.approx(Koff * 60.0, rel=1e-12)
    # Kd_eq = (koff/kon)^(1/n) reproduces the published pM value (rounded there)
    kd_nM = (d.koff / d.kon) ** (1.0 / n)
    assert kd_nM * 1000.0 == pytest.approx(kd_pm, rel=0.005)
    assert d.K_mu == pytest.approx(kd_nM, rel=1e-12)
    # the per-minute koff gives the tabulated dissociation half-life
    assert LN2 / d.koff * 60.0 == pytest.approx(t_off_s, rel=0.02)


def test_mann_kd_reproduces_science_md_values_directly():
    # independent of the module: the published Kd_eq from the raw Mann numbers
    for Kon, Koff, n, kd_pm, _ in MANN.values():
        assert (Koff / Kon) ** (1.0 / n) == pytest.approx(kd_pm, rel=0.005)


def test_buprenorphine_yassen_conversion():
    d = drugs["buprenorphine"]
    # Yassen 2007: kon 0.203 mL/ng/min, koff 0.0172 1/min, KD 0.18 nmol/L, n = 1.
    # At C = 2 ng/mL the association rate per receptor is 0.203 * 2 per min; the same
    # concentration in nmol/L is 2 ng/mL * 1000 mL/L / 467.65 ng/nmol.
    c_ng_ml = 2.0
    c_nM = c_ng_ml * 1000.0 / 467.65
    assert d.kon * c_nM == pytest.approx(0.203 * c_ng_ml, rel=1e-12)
    assert (d.koff, d.n) == (0.0172, 1.0)
    assert d.koff / d.kon == pytest.approx(0.18, rel=0.01)
    assert d.K_mu == pytest.approx(d.koff / d.kon, rel=1e-12)
    assert LN2 / d.ke0 == pytest.approx(173.0, rel=1e-12)


def test_buprenorphine_pk_from_fda_rate_constants():
    # the FDA code's rate constants (1/s) for Yassen's 3-compartment model
    k10, k12, k21, k13, k31, V1 = 0.004174, 0.00423, 0.00109, 0.00292, 0.000123, 5.71
    d = drugs["buprenorphine"]
    assert d.v1 == V1
    assert d.cl / d.v1 == pytest.approx(k10 * 60, rel=1e-12)
    assert d.q2 / d.v1 == pytest.approx(k12 * 60, rel=1e-12)
    assert d.q2 / d.v2 == pytest.approx(k21 * 60, rel=1e-12)
    assert d.q3 / d.v1 == pytest.approx(k13 * 60, rel=1e-12)
    assert d.q3 / d.v3 == pytest.approx(k31 * 60, rel=1e-12)
    # the same file's biophase rate, 6.7333e-5 1/s, is Yassen's 173-min biophase:
    # evidence that this parameter set is the Yassen one
    assert LN2 / (6.7333e-5 * 60) == pytest.approx(173.0, rel=0.01)


# -- PK numbers against the published values ------------------------------------
def test_morphine_half_life_from_cl_and_v():
    d = drugs["morphine"]
    t_half_h = LN2 * d.v1 / d.cl / 60.0
    assert t_half_h == pytest.approx(2.2, rel=0.10)        # docs/sources.md: 2.2 +- 1.0 h
    assert drugs.half_lives(d)[0] / 60.0 == pytest.approx(t_half_h, rel=1e-12)
    assert (d.cl, d.v1) == (1584e-3, 276.0)                # mL/min -> L/min


def test_beta_endorphin_pk_foley():
    d = drugs["beta_endorphin"]
    assert d.v1 == pytest.approx(0.178 * 70)
    assert d.cl == pytest.approx(3.2e-3 * 70)
    assert drugs.half_lives(d)[0] == pytest.approx(37.0, rel=0.10)   # Foley 1979
    assert LN2 / d.ke0 == pytest.approx(93.0)
    import endorphin.model as m
    p = m.parameters().set_index("name")["value"]
    for r in drugs.RECEPTORS:
        assert getattr(d, f"K_{r}") == p[f"K_bend_{r}"]
        assert getattr(d, f"tau_{r}") == p[f"tau_bend_{r}"]


def test_naloxone_dowling_and_label():
    d = drugs["naloxone"]
    # Dowling 2008 in L/h -> L/min
    assert (d.cl * 60, d.q2 * 60, d.q3 * 60) == pytest.approx((91.0, 5.66, 29.8))
    assert (d.v1, d.v2, d.v3) == (2.87, 1.49, 33.6)
    assert (d.routes["im"].F, d.routes["intranasal"].F) == (0.36, 0.04)
    # terminal half-life within the label's adult range 30-81 min (mean 64)
    t_term = drugs.half_lives(d)[0]
    assert 30.0 < t_term < 81.0
    assert t_term == pytest.approx(64.0, rel=0.1)
    assert LN2 / d.ke0 == pytest.approx(6.5)                 # Yassen 2007 biophase
    # Dowling: median tmax 12 min IM and 6-9 min IN; the ka read as 1/h gives
    # tmax of the right size, 1/min would give about 1 min
    t = np.linspace(0.0, 60.0, 60001)
    for route, lo, hi in (("im", 4.0, 15.0), ("intranasal", 3.0, 10.0)):
        c = drugs.concentration(d, t, {"amount": 0.8, "unit": "mg", "route": route})
        assert lo < t[np.argmax(c)] < hi, route


def test_naltrexone_pk():
    d = drugs["naltrexone"]
    assert drugs.half_lives(d)[0] == pytest.approx(240.0)     # about 4 h
    assert d.cl == 3.51
    assert d.routes["oral"] == (0.05, 0.012, 0.0)


def test_fentanyl_shafer_and_derived_constants():
    d = drugs["fentanyl"]
    assert (d.cl, d.v1, d.q2, d.v2, d.q3, d.v3) == (0.632, 12.1, 2.8, 35.7, 1.55, 224.0)
    assert d.routes["intranasal"].F == pytest.approx((515 / 47) / (672 / 50), abs=5e-4)
    # effect-site peak after an IV bolus at 3.694 min (Shafer & Varvel), by ODE
    V1, V2, V3, CL, Q2, Q3 = d.v1, d.v2, d.v3, d.cl, d.q2, d.q3

    def rhs(t, y):
        c1, c2, c3, ce = y
        return [(-CL * c1 - Q2 * (c1 - c2) - Q3 * (c1 - c3)) / V1,
                Q2 * (c1 - c2) / V2, Q3 * (c1 - c3) / V3, d.ke0 * (c1 - ce)]

    sol = solve_ivp(rhs, (0, 30), [1.0 / V1, 0, 0, 0], method="Radau", rtol=1e-10,
                    atol=1e-16, dense_output=True)
    peak = minimize_scalar(lambda t: -sol.sol(t)[3], bounds=(0.5, 15),
                           method="bounded", options={"xatol": 1e-6}).x
    assert peak == pytest.approx(3.694, rel=0.005)
    # intranasal tmax = 12 min (median 0.20 h), from the closed form
    tmax = minimize_scalar(lambda t: -drugs.concentration(
        d, t, {"amount": 50, "unit": "ug", "route": "intranasal"}),
        bounds=(1, 60), method="bounded", options={"xatol": 1e-6}).x
    assert tmax == pytest.approx(12.0, rel=0.01)
    # carfentanil reuses this disposition (assumed)
    c = drugs["carfentanil"]
    assert (c.cl, c.v1, c.q2, c.v2, c.q3, c.v3, c.ke0) == \
        (d.cl, d.v1, d.q2, d.v2, d.q3, d.v3, d.ke0)


@pytest.mark.parametrize("route,tmax", [("sc", 15.0), ("oral", 45.0)])
def test_morphine_absorption_tmax(route, tmax):
    d = drugs["morphine"]
    F, ka, lag = d.routes[route]
    k = d.cl / d.v1
    # Bateman function peak, ln(ka/k)/(ka - k)
    assert math.log(ka / k) / (ka - k) + lag == pytest.approx(tmax, rel=0.01)
    assert F == {"sc": 1.0, "oral": 0.239}[route]


def test_ac50_calibration_closed_form():
    # Steady state: Ce = f_brain Cp; mu occupancy x/(1+x), x = Ce/K; operational
    # E = tau occ / (1 + tau occ).  At Cp = the fentanyl MEAC, E must be 1/2, and the
    # maximal effect tau/(1+tau) must not be capped near one half.  (Morphine's f_brain
    # is calibrated with the whole model to Sarton 2000's experiment and analysis:
    # tests/validation/test_drug_targets.py.)
    assert drugs["morphine"].tau_mu / (1 + drugs["morphine"].tau_mu) > 0.85
    for name, c50 in (("fentanyl", 600.0 / 336.479),):
        d = drugs[name]
        x = d.f_brain * c50 / d.K_mu
        occ = x / (1 + x)
        E = d.tau_mu * occ / (1 + d.tau_mu * occ)
        assert E == pytest.approx(0.5, rel=1e-12), name
        assert d.tau_mu / (1 + d.tau_mu) > 0.85
    assert drugs["morphine"].ac50 == 71.2
    assert drugs["morphine"].ke0 == 0.0070


# -- dose units --------------------------------------------------------------------
def test_dose_to_nmol_units():
    mw = drugs["morphine"].molar_mass
    # 10 mg = 0.010 g; / (g/mol) = mol; x 1e9 = nmol
    assert drugs.dose_to_nmol("morphine", 10, "mg") == pytest.approx(0.010 / mw * 1e9)
    assert drugs.dose_to_nmol("morphine", 500, "ug") == pytest.approx(500e-6 / mw * 1e9)
    assert drugs.dose_to_nmol("morphine", 500, "mcg") == \
        drugs.dose_to_nmol("morphine", 500, "ug")
    assert drugs.dose_to_nmol("morphine", 0.1, "mg/kg", body_weight=80) == \
        pytest.approx(8e-3 / mw * 1e9)
    assert drugs.dose_to_nmol("naloxone", 123.0, "nmol") == 123.0
    out = drugs.dose_to_nmol(drugs["fentanyl"], [0.0, 100.0], "ug")
    assert_allclose(out, [0.0, 100e-6 / 336.479 * 1e9])


@pytest.mark.parametrize("args,exc,word", [
    (("morphine", 1.0, "g"), ValueError, "unit"),
    (("morphine", -1.0, "mg"), ValueError, "amount"),
    (("morphine", float("nan"), "mg"), ValueError, "amount"),
    (("morphine", "1", "mg"), ValueError, "amount"),
    (("nodrug", 1.0, "mg"), KeyError, "nodrug"),
])
def test_dose_to_nmol_rejects(args, exc, word):
    with pytest.raises(exc, match=word):
        drugs.dose_to_nmol(*args)


def test_dose_to_nmol_rejects_body_weight():
    with pytest.raises(ValueError, match="body_weight"):
        drugs.dose_to_nmol("morphine", 1.0, "mg/kg", body_weight=0.0)


# -- closed-form PK against the ODEs ------------------------------------------------
def _ode_concentration(d, t_eval, doses):
    """Oracle: integrate the amount ODEs with Radau between dose events."""
    comps = [(d.q2, d.v2), (d.q3, d.v3)]
    comps = [(q, v) for q, v in comps if q is not None]
    routes = [r for r in d.routes if r != "iv"]
    nd = len(routes)
    events = []   # (time, kind, payload)
    for dose in doses:
        nmol = drugs.dose_to_nmol(d, dose["amount"], dose.get("unit", "mg"))
        route = dose.get("route", "iv")
        every, times = dose.get("every", 0.0), dose.get("times", 1)
        for k in range(times):
            t0 = dose.get("time", 0.0) + k * every
            if route == "iv" and dose.get("duration"):
                rate = nmol / dose["duration"]
                events += [(t0, "rate", rate), (t0 + dose["duration"], "rate", -rate)]
            elif route == "iv":
                events.append((t0, "bolus", nmol))
            else:
                F, ka, lag = d.routes[route]
                events.append((t0 + lag, routes.index(route), F * nmol))
    kas = np.array([d.routes[r].ka for r in routes])

    def rhs(t, y, rate):
        dep, a = y[:nd], y[nd:]
        c1 = a[0] / d.v1
        da = np.zeros_like(a)
        da[0] = rate + kas @ dep - d.cl * c1
        for j, (q, v) in enumerate(comps, start=1):
            flow = q * (c1 - a[j] / v)
            da[0] -= flow
            da[j] = flow
        return np.concatenate([-kas * dep, da])

    y = np.zeros(nd + 1 + len(comps))
    rate, t_cur = 0.0, min([e[0] for e in events] + [float(np.min(t_eval))])
    t_eval = np.asarray(t_eval, float)
    out = np.zeros_like(t_eval)
    scale = max(e[2] for e in events if e[1] != "rate") if any(
        e[1] != "rate" for e in events) else 1.0
    stops = sorted({e[0] for e in events} | {float(t_eval.max()) + 1.0})
    for t_next in stops:
        if t_next > t_cur:
            sel = (t_eval >= t_cur) & (t_eval < t_next)
            sol = solve_ivp(rhs, (t_cur, t_next), y, method="Radau", args=(rate,),
                            rtol=1e-10, atol=1e-14 * scale,
                            t_eval=np.append(t_eval[sel], t_next))
            assert sol.success
            out[sel] = sol.y[nd, :-1] / d.v1
            y = sol.y[:, -1].copy()
            t_cur = t_next
        for te, kind, val in events:
            if te == t_next:
                if kind == "rate":
                    rate += val
                elif kind == "bolus":
                    y[nd] += val
                else:
                    y[kind] += val
    return out


TWO_CMT = drugs.Drug(
    name="two_cmt_test", molar_mass=300.0, kind="agonist", cl=0.8, v1=20.0, q2=1.5,
    v2=80.0, routes={"iv": (1.0, None, 0.0), "oral": (0.6, 0.03, 12.0),
                     "sc": (0.9, 0.2, 0.0)},
    ke0=0.1, f_brain=0.1, K_mu=1.0, K_delta=100.0, K_kappa=100.0, tau_mu=5.0)
MORPHINE_LAG = "morphine_lag"

CASES = [
    ("morphine", [{"amount": 10, "unit": "mg", "time": 5.0}]),
    ("morphine", [{"amount": 10, "unit": "mg", "time": 0.0, "duration": 30.0},
                  {"amount": 20, "unit": "mg", "route": "oral", "time": 100.0,
                   "every": 240.0, "times": 4}]),
    (MORPHINE_LAG, [{"amount": 30, "unit": "mg", "route": "oral", "time": 10.0,
                     "every": 180.0, "times": 3}]),
    ("fentanyl", [{"amount": 100, "unit": "ug"},
                  {"amount": 200, "unit": "ug", "time": 60.0, "duration": 120.0},
                  {"amount": 50, "unit": "ug", "route": "intranasal", "time": 300.0}]),
    ("naloxone", [{"amount": 0.4, "unit": "mg", "route": "iv", "time": 0.0,
                   "every": 45.0, "times": 3},
                  {"amount": 0.8, "unit": "mg", "route": "im", "time": 20.0},
                  {"amount": 2.0, "unit": "mg", "route": "intranasal", "time": 90.0}]),
    ("naltrexone", [{"amount": 50, "unit": "mg", "route": "oral", "every": 1440.0,
                     "times": 2}]),
    ("buprenorphine", [{"amount": 0.4, "unit": "mg", "duration": 15.0, "time": 2.0}]),
    ("two_cmt_test", [{"amount": 5, "unit": "mg", "route": "oral", "time": 3.0},
                      {"amount": 5, "unit": "mg", "route": "sc", "time": 200.0},
                      {"amount": 1, "unit": "mg", "time": 400.0, "duration": 60.0}]),
]


def _resolve(name):
    if name == "two_cmt_test":
        return TWO_CMT
    if name == MORPHINE_LAG:
        m = drugs["morphine"]
        return dataclasses.replace(m, name=MORPHINE_LAG,
                                   routes={**m.routes, "oral": (0.239, 0.0566, 20.0)})
    return drugs[name]


@pytest.mark.parametrize("name,doses", CASES, ids=[c[0] + str(i) for i, c in
                                                   enumerate(CASES)])
def test_closed_form_matches_ode(name, doses):
    d = _resolve(name)
    t = np.concatenate([np.linspace(0.0, 700.0, 1401)[1:] + 0.123, [1500.0, 2900.0]])
    ref = _ode_concentration(d, t, doses)
    got = drugs.concentration(d, t, doses)
    assert ref.max() > 0
    assert_allclose(got, ref, rtol=1e-7, atol=1e-9 * ref.max())


def test_zero_before_first_dose_and_jump_at_bolus():
    d = drugs["fentanyl"]
    c = drugs.concentration(d, [0.0, 9.999, 10.0], {"amount": 100, "unit": "ug",
                                                    "time": 10.0})
    D = drugs.dose_to_nmol(d, 100, "ug")
    assert c[0] == c[1] == 0.0
    assert c[2] == pytest.approx(D / d.v1, rel=1e-12)


def test_absorption_rate_equal_to_elimination_rate():
    # ka == k: the Bateman function's limit D F k t exp(-k t) / V
    m = drugs["morphine"]
    k = m.cl / m.v1
    d = dataclasses.replace(m, name="m_eq", routes={"oral": (0.5, k, 0.0)})
    t = np.array([1.0, 60.0, 174.2, 600.0])
    D = drugs.dose_to_nmol(d, 10, "mg")
    want = 0.5 * D * k * t * np.exp(-k * t) / d.v1
    got = drugs.concentration(d, t, {"amount": 10, "unit": "mg", "route": "oral"})
    assert_allclose(got, want, rtol=1e-12)
    ref = _ode_concentration(d, t, [{"amount": 10, "unit": "mg", "route": "oral"}])
    assert_allclose(got, ref, rtol=1e-7)


# -- textbook identities ------------------------------------------------------------
def test_accumulation_ratio_one_compartment():
    d = drugs["morphine"]
    k = d.cl / d.v1
    tau = 240.0
    D = drugs.dose_to_nmol(d, 10, "mg")
    for n in (1, 2, 5, 60):
        dose = {"amount": 10, "unit": "mg", "every": tau, "times": n}
        t_last = (n - 1) * tau
        peak = drugs.concentration(d, t_last, dose)
        trough = drugs.concentration(d, t_last + tau - 1e-9, dose)
        ratio_n = (1 - math.exp(-n * k * tau)) / (1 - math.exp(-k * tau))
        assert peak == pytest.approx(D / d.v1 * ratio_n, rel=1e-10)
        assert trough == pytest.approx(D / d.v1 * ratio_n * math.exp(-k * tau), rel=1e-8)
    # steady state: 1 / (1 - exp(-k tau))
    assert peak / (D / d.v1) == pytest.approx(1 / (1 - math.exp(-k * tau)), rel=1e-12)


def test_infusion_plateau_and_auc():
    d = drugs["morphine"]
    R = drugs.dose_to_nmol(d, 1.0, "mg")          # 1 mg/min for 5000 min
    c_ss = drugs.concentration(d, 4999.0, {"amount": 5000.0, "unit": "mg",
                                           "rate": 1.0})
    assert c_ss == pytest.approx(R / d.cl, rel=1e-9)          # Css = R / CL
    # AUC = F D / CL for any disposition and route (linear PK)
    for name, route in (("fentanyl", "iv"), ("naloxone", "im"), ("morphine", "oral")):
        dd = drugs[name]
        F = dd.routes[route].F
        D = drugs.dose_to_nmol(dd, 1.0, "mg")
        f = lambda t: drugs.concentration(dd, t, {"amount": 1.0, "unit": "mg",   # noqa
                                                  "route": route})
        edges = [0, 1, 10, 60, 600, 3000, 20000, 200000]
        auc = sum(quad(f, a, b, limit=200, epsabs=0, epsrel=1e-11)[0]
                  for a, b in zip(edges[:-1], edges[1:]))
        assert auc == pytest.approx(F * D / dd.cl, rel=1e-6), name


def test_macro_constants():
    for name in BUILTIN:
        d = drugs[name]
        coef, rate = drugs.macro_constants(d)
        assert len(coef) == d.n_compartments
        assert np.all(coef >= 0) and np.all(rate > 0)
        assert coef.sum() == pytest.approx(1 / d.v1, rel=1e-12)
        # the AUC of the impulse response is 1/CL
        assert (coef / rate).sum() == pytest.approx(1 / d.cl, rel=1e-10)
        assert np.all(np.diff(rate) < 0)
    # a 2-compartment model against the textbook alpha/beta formulas
    d = TWO_CMT
    k10, k12, k21 = d.cl / d.v1, d.q2 / d.v1, d.q2 / d.v2
    s, p = k10 + k12 + k21, k10 * k21
    alpha = (s + math.sqrt(s * s - 4 * p)) / 2
    beta = (s - math.sqrt(s * s - 4 * p)) / 2
    A = (alpha - k21) / (alpha - beta) / d.v1
    B = (k21 - beta) / (alpha - beta) / d.v1
    coef, rate = drugs.macro_constants(d)
    assert_allclose(rate, [alpha, beta], rtol=1e-12)
    assert_allclose(coef, [A, B], rtol=1e-10)


# -- doses given to concentration() ------------------------------------------------
def test_concentration_dose_handling():
    t = np.linspace(0, 300, 7)
    one = drugs.concentration("naloxone", t, {"amount": 0.4, "unit": "mg"})
    # doses of other drugs are skipped; mapping and object doses agree
    mixed = [{"drug": "morphine", "amount": 10, "unit": "mg"},
             {"drug": "naloxone", "amount": 0.4, "unit": "mg"}]
    assert_allclose(drugs.concentration("naloxone", t, mixed), one, rtol=0, atol=0)

    @dataclasses.dataclass
    class Dose:
        drug: str
        amount: float
        unit: str = "mg"
        route: str = "iv"
        time: float = 0.0

    assert_allclose(drugs.concentration("naloxone", t, [Dose("naloxone", 0.4)]), one)
    # rate and duration describe the same infusion
    a = drugs.concentration("morphine", t, {"amount": 10, "unit": "mg", "rate": 0.5})
    b = drugs.concentration("morphine", t, {"amount": 10, "unit": "mg", "duration": 20.0})
    assert_allclose(a, b, rtol=1e-14)
    # shape follows t
    assert drugs.concentration("morphine", np.zeros((2, 3)), {"amount": 1}).shape == (2, 3)


@pytest.mark.parametrize("dose,word", [
    ({"amount": 1, "route": "oral"}, "route"),                  # naloxone: no oral
    ({"amount": 1, "route": "im", "duration": 10}, "infusion"),
    ({"amount": 1, "times": 0}, "times"),
    ({"amount": 1, "times": 3}, "every"),
    ({"amount": 1, "rate": 0.1, "duration": 5.0}, "rate"),
    ({"amount": -1}, "amount"),
    ({"unit": "mg"}, "amount"),
])
def test_concentration_rejects_bad_doses(dose, word):
    with pytest.raises((ValueError, TypeError), match=word):
        drugs.concentration("naloxone", [0.0, 1.0], dose)


def test_concentration_rejects_bad_times():
    with pytest.raises(ValueError, match="t must be finite"):
        drugs.concentration("morphine", [0.0, np.nan], {"amount": 1})


# -- the registry ---------------------------------------------------------------------
def _user(**over):
    base = dict(molar_mass=300.0, kind="agonist", cl=1.0, v1=100.0,
                routes={"iv": (1.0, None, 0.0), "oral": (0.5, 0.02, 10.0)},
                ke0=0.1, f_brain=0.05, K_mu=2.0, K_delta=200.0, K_kappa=500.0, tau_mu=5.0)
    base.update(over)
    return base


def test_register_valid_user_drug():
    d = drugs.register("mydrug", **_user(q2=0.5, v2=50.0, sources={"cl": "my lab, 2024"}))
    assert drugs["mydrug"] is d and drugs.table["mydrug"] is d and drugs.get("mydrug") is d
    assert "mydrug" in drugs and "mydrug" in drugs.names() and len(drugs) == 8
    assert d.routes["oral"] == (0.5, 0.02, 10.0) and d.routes["oral"].ka == 0.02
    assert d.sources["cl"] == "my lab, 2024"
    assert d.sources["v1"].startswith("user-supplied")
    df = drugs.to_pandas()
    assert set(df[df.drug == "mydrug"].field) == set(d.values())
    # replacing needs replace=True
    with pytest.raises(ValueError, match="name.*already registered"):
        drugs.register("mydrug", **_user())
    d2 = drugs.register("mydrug", replace=True, **_user(cl=2.0))
    assert drugs["mydrug"].cl == 2.0 and d2 is drugs["mydrug"]
    # a variant of a built-in drug (morphine in women, Sarton 2000)
    w = drugs.register(drugs["morphine"], name="morphine_women", ke0=0.0030, ac50=41.7)
    assert (w.ke0, w.cl, w.sources["cl"]) == (0.0030, 1.584, drugs["morphine"].sources["cl"])
    drugs.unregister("mydrug")
    assert "mydrug" not in drugs
    with pytest.raises(ValueError, match="built-in"):
        drugs.unregister("morphine")
    drugs.reset()
    assert drugs.names() == BUILTIN


BAD = [
    (dict(cl=-1.0), ValueError, "cl"),
    (dict(cl=0.0), ValueError, "cl"),
    (dict(v1=float("nan")), ValueError, "v1"),
    (dict(v1=float("inf")), ValueError, "v1"),
    (dict(cl="1.0"), TypeError, "cl"),
    (dict(cl=True), TypeError, "cl"),
    (dict(molar_mass=0.0), ValueError, "molar_mass"),
    (dict(q2=1.0), ValueError, "q2"),
    (dict(q2=1.0, v2=-5.0), ValueError, "v2"),
    (dict(q3=1.0, v3=5.0), ValueError, "q3"),
    (dict(routes={"iv": (1.0, None, 0.0), "oral": (1.5, 0.02, 0.0)}), ValueError, "F_oral"),
    (dict(routes={"iv": (1.0, None, 0.0), "oral": (0.0, 0.02, 0.0)}), ValueError, "F_oral"),
    (dict(routes={"oral": (0.5, 0.0, 0.0)}), ValueError, "ka_oral"),
    (dict(routes={"sc": (0.5, None, 0.0)}), TypeError, "ka_sc"),
    (dict(routes={"im": (0.5, 0.1, -1.0)}), ValueError, "lag_im"),
    (dict(routes={"iv": (0.9, None, 0.0)}), ValueError, "F_iv"),
    (dict(routes={"iv": (1.0, 0.1, 0.0)}), ValueError, "ka_iv"),
    (dict(routes={"rectal": (0.5, 0.1, 0.0)}), ValueError, "route"),
    (dict(routes={"iv": 1.0}), TypeError, "routes"),
    (dict(routes={}), TypeError, "routes"),
    (dict(ke0=0.0), ValueError, "ke0"),
    (dict(f_brain=-0.1), ValueError, "f_brain"),
    (dict(K_mu=0.0), ValueError, "K_mu"),
    (dict(K_kappa=-3.0), ValueError, "K_kappa"),
    (dict(tau_mu=-1.0), ValueError, "tau_mu"),
    (dict(kind="inverse agonist"), ValueError, "kind"),
    (dict(kind="antagonist"), ValueError, "tau_mu"),
    (dict(kon=1.0), ValueError, "kon"),
    (dict(kon=1.0, koff=1.0, n=0.0), ValueError, "n"),
    (dict(ac50=-1.0), ValueError, "ac50"),
    (dict(sources={"clearance": "x"}), ValueError, "clearance"),
    (dict(sources={"cl": ""}), TypeError, "cl"),
    (dict(foo=1.0), TypeError, "foo"),
]


@pytest.mark.parametrize("over,exc,field", BAD, ids=[str(b[0])[:40] for b in BAD])
def test_register_rejects_bad_fields(over, exc, field):
    with pytest.raises(exc, match=re.escape(field)):
        drugs.register("baddrug", **_user(**over))
    assert "baddrug" not in drugs


def test_register_rejects_bad_calls():
    kw = _user()
    del kw["K_kappa"]
    with pytest.raises(TypeError, match="K_kappa"):
        drugs.register("x", **kw)
    with pytest.raises(ValueError, match="name"):
        drugs.register("my drug", **_user())
    with pytest.raises(TypeError, match="Drug or a drug name"):
        drugs.register(42, **_user())
    with pytest.raises(TypeError, match="replace"):
        drugs.register("x", replace="yes", **_user())


def test_table_is_a_read_only_mapping():
    assert isinstance(drugs.table, Mapping)
    assert drugs["morphine"] is drugs.table["morphine"]
    assert list(drugs) == list(drugs.table) == list(BUILTIN)
    with pytest.raises(KeyError, match="known drugs: morphine"):
        drugs["heroin"]
    with pytest.raises(TypeError):
        drugs.table["x"] = drugs["morphine"]
    d = drugs["morphine"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.cl = 2.0
    with pytest.raises(TypeError):
        d.routes["oral"] = (1.0, 1.0, 0.0)
    assert hash(d) == hash(drugs["morphine"])


def test_module_doctests():
    res = doctest.testmod(drugs, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.attempted >= 8 and res.failed == 0


def test_import_pulls_in_only_numpy_and_pandas():
    code = ("import sys, endorphin.drugs; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'scipy', 'matplotlib', 'xarray', 'dask', 'numba'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd="/")
    assert out.stdout.strip() == "[]"
