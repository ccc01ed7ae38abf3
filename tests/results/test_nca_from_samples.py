"""Issue 27, item 5: NCA per subject from the sampled long table, with BLQ rules.

The issue: samples below the LLOQ make ``nca.auc``/``nca.cmax`` NaN for most subjects
(one censored baseline is enough), there is no BLQ rule, and subject labels are lost
when a DataFrame goes in.  ``nca.from_samples`` handles BLQ samples as the R package
PKNCA's ``conc.blq`` option does (first / middle / last positions, "drop", "keep" as 0,
a number) plus the shorthands, and keeps the table's subject labels.

References: trapezoids computed by hand on a tiny table (the numbers are written out
below), ``np.polyfit`` for the terminal slope, and ``np.trapezoid`` on each simulated
subject's rows.
"""
import doctest
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import endorphin as en
from endorphin import nca
from endorphin.math import nca as nca_module

NAN = float("nan")
T = [0.0, 10.0, 20.0, 40.0, 60.0, 90.0]                                 # min


def _table():
    """Three subjects with string labels, LLOQ 1 pmol/L, in the order S-101, S-007, S-042.

    S-101: one censored baseline; S-007: BLQ first, middle and last; S-042: all BLQ."""
    rows = {
        "S-101": [NAN, 5.0, 8.0, 4.0, 2.0, 1.2],
        "S-007": [NAN, NAN, 6.0, NAN, 3.0, NAN],
        "S-042": [NAN] * 6,
    }
    parts = []
    for s, v in rows.items():
        v = np.array(v)
        parts.append(pd.DataFrame({"subject": s, "time": T, "assay": "plasma", "value": v,
                                   "unit": "pmol/L", "censored": np.isnan(v),
                                   "lloq": 1.0}))
    return pd.concat(parts, ignore_index=True)


# AUC by hand (trapezoids, pmol/L * min), per rule
# S-101 with 0 at t=0: 0-10: 25, 10-20: 65, 20-40: 120, 40-60: 60, 60-90: 48 -> 318
# S-007 rules: zero-before-first (0,0)(10,0)(20,6)(60,3)             -> 30 + 180 = 210
#              pknca: also (90,0) kept as 0                           -> 210 + 45 = 255
#              drop: (20,6)(60,3)                                      -> 180
#              zero: (0,0)(10,0)(20,6)(40,0)(60,3)(90,0)               -> 30+60+30+45 = 165
#              lloq/2: 0.5 for BLQ: 5 + 32.5 + 65 + 35 + 52.5          -> 190
HAND = {
    "zero-before-first": {"S-101": 318.0, "S-007": 210.0, "S-042": 0.0},
    "pknca": {"S-101": 318.0, "S-007": 255.0, "S-042": 0.0},
    "drop": {"S-101": 318.0 - 25.0, "S-007": 180.0, "S-042": NAN},
    "zero": {"S-101": 318.0, "S-007": 165.0, "S-042": 0.0},
    "lloq/2": {"S-101": 318.0 + 2.5, "S-007": 190.0, "S-042": 0.5 * 90},
}


def test_nca_of_the_wide_table_is_nan_with_one_censored_baseline():
    # the case: pivoting the long table and calling nca.auc / nca.cmax
    wide = _table().pivot(index="subject", columns="time", values="value")
    assert np.isnan(nca.auc(wide.columns.to_numpy(float), wide.to_numpy())).all()
    assert np.isnan(nca.cmax(wide.to_numpy())).all()
    assert not hasattr(nca.auc(wide.columns.to_numpy(float), wide.to_numpy()), "index")


@pytest.mark.parametrize("rule", list(HAND))
def test_auc_by_hand_for_each_rule(rule):
    out = nca.from_samples(_table(), blq=rule)
    assert list(out.index) == ["S-101", "S-007", "S-042"]       # labels, first-seen order
    assert out.index.name == "subject"
    np.testing.assert_allclose(out["auc"].to_numpy(), [HAND[rule][s] for s in out.index],
                               rtol=1e-14)
    assert out.loc["S-101", "cmax"] == 8.0 and out.loc["S-101", "tmax"] == 20.0
    assert out.loc["S-007", "cmax"] == 6.0 and out.loc["S-007", "tmax"] == 20.0
    assert out.loc["S-101", "tlast"] == 90.0 and out.loc["S-101", "clast"] == 1.2
    assert out.loc["S-007", "tlast"] == 60.0 and out.loc["S-007", "clast"] == 3.0
    assert np.isnan(out.loc["S-042", "tlast"]) and np.isnan(out.loc["S-042", "clast"])
    assert out["n_blq"].tolist() == [1, 4, 6] and out["n_samples"].tolist() == [6, 6, 6]
    assert (out["unit"] == "pmol/L").all()
    assert out.attrs["units"]["auc"] == "pmol/L*min" and out.attrs["units"]["tmax"] == "min"


def test_half_life_and_samples_used():
    out = nca.from_samples(_table(), blq="zero-before-first")
    # terminal phase of S-101: the 3 measured points after Tmax (40, 60, 90 min)
    slope = np.polyfit([40.0, 60.0, 90.0], np.log([4.0, 2.0, 1.2]), 1)[0]
    assert out.loc["S-101", "half_life"] == pytest.approx(math.log(2) / -slope, rel=1e-12)
    assert out.loc["S-101", "n_points"] == 3
    # S-007 has 1 measured point after Tmax: no half-life, and no warning about it
    assert np.isnan(out.loc["S-007", "half_life"]) and out.loc["S-007", "n_points"] == 0
    assert out["n_used"].tolist() == [6, 4, 6]
    drop = nca.from_samples(_table(), blq="drop")
    assert drop["n_used"].tolist() == [5, 2, 0]
    assert np.isnan(drop.loc["S-042", ["auc", "cmax", "tmax"]].astype(float)).all()
    two = nca.from_samples(_table(), blq="drop", n_points=2)
    slope2 = np.polyfit([60.0, 90.0], np.log([2.0, 1.2]), 1)[0]
    assert two.loc["S-101", "half_life"] == pytest.approx(math.log(2) / -slope2, rel=1e-12)


def test_pknca_dict_and_numbers():
    tab = _table()
    # PKNCA's default written out is the default rule
    default = nca.from_samples(tab)
    as_dict = nca.from_samples(tab, blq={"first": "keep", "middle": "drop", "last": "keep"})
    pd.testing.assert_frame_equal(default, as_dict)
    np.testing.assert_allclose(default["auc"], [318.0, 255.0, 0.0])
    # S-007 with first dropped, middle 0.25, last kept as 0:
    # (20,6)(40,0.25)(60,3)(90,0): 62.5 + 32.5 + 45 = 140
    mixed = nca.from_samples(tab, blq={"first": "drop", "middle": 0.25, "last": "keep"})
    assert mixed.loc["S-007", "auc"] == pytest.approx(140.0, rel=1e-14)
    # one number for every BLQ sample: 0 is "zero"
    np.testing.assert_allclose(nca.from_samples(tab, blq=0)["auc"],
                               nca.from_samples(tab, blq="zero")["auc"], rtol=0)


def test_linear_up_log_down_by_hand():
    out = nca.from_samples(_table(), blq="zero-before-first", method="linear-up/log-down")
    # rising segments linear, falling ones (c1 - c2) dt / ln(c1 / c2)
    s101 = 25 + 65 + (8 - 4) * 20 / math.log(2) + (4 - 2) * 20 / math.log(2) \
        + (2 - 1.2) * 30 / math.log(2 / 1.2)
    assert out.loc["S-101", "auc"] == pytest.approx(s101, rel=1e-13)
    assert out.attrs["method"] == "linear-up/log-down"


def test_scenario_and_assay_split_the_subjects_and_labels_are_kept():
    a, b = _table(), _table()
    a.insert(0, "scenario", "placebo")
    b.insert(0, "scenario", "naloxone")
    b["value"] *= 2
    out = nca.from_samples(pd.concat([a, b], ignore_index=True), blq="zero-before-first")
    assert out.index.names == ["scenario", "subject"]
    assert out.loc[("naloxone", "S-101"), "auc"] == pytest.approx(2 * 318.0)
    assert out.loc[("placebo", "S-007"), "auc"] == pytest.approx(210.0)
    c = _table()
    c["assay"] = "csf"
    two = nca.from_samples(pd.concat([_table(), c], ignore_index=True), blq="drop")
    assert two.index.names == ["assay", "subject"] and len(two) == 6
    # subject as the index of the table works too
    idx = nca.from_samples(_table().set_index("subject"), blq="zero")
    assert list(idx.index) == ["S-101", "S-007", "S-042"]


def test_clear_errors():
    tab = _table()
    with pytest.raises(ValueError, match=r"'time'.*'Time'"):
        nca.from_samples(tab.rename(columns={"time": "Time"}))
    with pytest.raises(ValueError, match="did you mean 'zero-before-first'"):
        nca.from_samples(tab, blq="zero-before-frist")
    with pytest.raises(ValueError, match="did you mean 'lloq/2'"):
        nca.from_samples(tab, blq="lloq2")
    with pytest.raises(ValueError, match="did you mean 'first'"):
        nca.from_samples(tab, blq={"frist": 0, "middle": "drop", "last": "drop"})
    with pytest.raises(ValueError, match="missing 'last'"):
        nca.from_samples(tab, blq={"first": 0, "middle": "drop"})
    with pytest.raises(ValueError, match="did you mean 'drop'"):
        nca.from_samples(tab, blq={"first": 0, "middle": "dorp", "last": "keep"})
    with pytest.raises(ValueError, match=">= 0"):
        nca.from_samples(tab, blq=-1.0)
    with pytest.raises(TypeError, match="blq"):
        nca.from_samples(tab, blq=None)
    bad = tab.copy()
    bad.loc[2, "censored"] = True                      # fine: censored
    bad.loc[3, "value"] = NAN                          # NaN but not censored
    with pytest.raises(ValueError, match="NaN but not censored"):
        nca.from_samples(bad)
    with pytest.raises(ValueError, match="lloq"):
        nca.from_samples(tab.drop(columns="lloq"), blq="lloq/2")
    nca.from_samples(tab.drop(columns="lloq"), blq="zero")          # not needed there
    with pytest.raises(ValueError, match="two samples"):
        nca.from_samples(pd.concat([tab, tab]))
    with pytest.raises(TypeError, match="DataFrame"):
        nca.from_samples(tab.to_numpy())
    with pytest.raises(ValueError, match="did you mean 'linear'"):
        nca.from_samples(tab, method="linaer")


def test_simulated_samples_with_a_censored_baseline():
    # a morphine dose at 30 min: the pre-dose samples are below the LLOQ for everyone
    sc = en.Scenario(doses=[en.Dose("morphine", amount=10, unit="mg", route="iv", time=30)],
                     population=en.Population(n=6, seed=1), t_end=480, dt=1.0)
    res = sc.simulate(outputs=["morphine_plasma"])
    assay = en.Assay(output="morphine_plasma", cv=0.1, floor=0.5, lloq=2.0)
    times = [0, 15, 45, 60, 90, 120, 180, 240, 360, 480]
    s = res.sample(times, assay, seed=3)
    s = s[s["subject"].isin([1, 3, 4])]                         # labels that are not 0..n-1
    wide = s.pivot(index="subject", columns="time", values="value")
    old = nca.auc(wide.columns.to_numpy(float), wide.to_numpy())
    assert np.isnan(old).all()                                   # the issue: all NaN
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nca.from_samples(s, blq="zero-before-first")
    assert list(out.index) == [1, 3, 4]
    for subj, rows in s.groupby("subject"):
        rows = rows.sort_values("time")
        first = rows["time"][~rows["censored"]].min()
        keep = ~rows["censored"] | (rows["time"] < first)
        c = rows["value"].where(~rows["censored"], 0.0)[keep].to_numpy()
        t = rows["time"][keep].to_numpy()
        trap = getattr(np, "trapezoid", None) or np.trapz
        assert out.loc[subj, "auc"] == pytest.approx(trap(c, t), rel=1e-12)
        assert out.loc[subj, "cmax"] == rows["value"].max()
        assert out.loc[subj, "n_blq"] == rows["censored"].sum() > 0
        assert np.isfinite(out.loc[subj, "half_life"])


def test_docstring_examples():
    res = doctest.testmod(nca_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0 and res.attempted > 5
