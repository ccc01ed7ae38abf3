"""The data :func:`endorphin.fit_model` takes: a tidy table or a NONMEM-style table.

Both become the same internal form (:class:`Data`): the observations as a tidy
table (``subject, time, output, value, censored, lloq``), each subject's body
weight where the data has one, and each subject's doses where the data has them.

Tidy table
    Columns ``subject``, ``time`` (min after the scenario's t = 0), ``output`` (a
    name of ``scenario.outputs()``), ``value`` (in that output's units).
    Optional: ``censored`` (bool: the value was below the lower limit of
    quantification) with ``lloq`` (the limit, output units; needed on censored
    rows; a censored row's ``value`` is not used and may be NaN), and
    ``body_weight`` (kg, one value per subject).  Per-subject doses come with the
    separate ``doses=`` table: ``subject``, ``time`` (min), ``amount`` (in the
    unit of the scenario dose it replaces, e.g. mg/kg for a per-kg dose) and,
    when the scenario has several drug doses, ``dose`` (the 0-based index of the
    scenario dose among ``[d for d in scenario.doses if d.drug !=
    "beta_endorphin"]``).

NONMEM-style table (recognised by columns ``ID``, ``TIME`` and ``DV``, any case)
    ``ID`` subject; ``TIME`` min (as everywhere in endorphin: multiply hours by
    60); ``EVID`` 0 observation, 1 dose (without EVID: rows with ``AMT > 0``
    are doses); ``MDV`` 1 drops an observation row; ``AMT`` the dose, in the
    unit of the scenario dose it replaces; ``CMT``: with one scenario drug dose
    it is not read, with several a dose row's ``CMT`` = k replaces the k-th
    (1-based) scenario drug dose.  The output of an observation row is the
    ``OUTPUT`` column's name where the table has one, otherwise the plasma
    concentration ``"<drug>_plasma"`` of the scenario's one dosed drug (DV in
    nmol/L, the output's units).  Optional ``BLQ`` (or ``CENS``) 1 marks a
    censored row, whose limit is the ``LLOQ`` column or, without it, DV (NONMEM's
    M3 convention); ``WT`` body weight (kg, constant within a subject).  Times must
    be sorted within each subject; EVID 2-4, ``RATE`` (infusions) and
    ``ADDL``/``II`` are refused (describe infusions and repeats in the scenario, or
    expand them into dose rows).

Doses from data
    A subject with doses in the data gets exactly those boluses of the scenario
    dose they replace (its drug, route, unit, bioavailability and lag), at the
    data's times and amounts, instead of that dose's administrations in the
    scenario; a subject without dose rows has the scenario's doses.  Only bolus
    doses can be replaced.
"""
from __future__ import annotations

import numpy as np

from .._validate import known, suggest

__all__ = ["Data", "read_data", "is_nonmem"]

_NONMEM_KEYS = ("ID", "TIME", "DV")
_NONMEM_REFUSED = {"RATE": "infusions from data are not supported: describe the infusion "
                           "in the scenario",
                   "ADDL": "additional doses (ADDL/II) are not expanded: write one dose row "
                           "per administration",
                   "II": "additional doses (ADDL/II) are not expanded: write one dose row "
                         "per administration",
                   "SS": "steady-state doses (SS) are not supported"}


class Data:
    """Observations (tidy, checked), body weights and doses of the subjects.

    Attributes
    ----------
    obs : pandas.DataFrame
        ``subject, time, output, value, censored, lloq``, index 0..n-1.
    body_weight : pandas.Series or None
        kg by subject (None: the data has none).
    doses : pandas.DataFrame or None
        ``subject, time, amount, dose`` (``dose`` the index of the scenario drug
        dose replaced), or None.
    """

    def __init__(self, obs, body_weight=None, doses=None):
        self.obs, self.body_weight, self.doses = obs, body_weight, doses


def is_nonmem(data) -> bool:
    """True for a NONMEM-style table (columns ID, TIME, DV in any case)."""
    cols = {str(c).upper() for c in data.columns}
    return all(k in cols for k in _NONMEM_KEYS) and "subject" not in data.columns


def _drug_doses(sc):
    return [d for d in sc.doses if not d.is_endogenous]


def _numeric(d, c, where, allow_nan=False):
    try:
        x = d[c].astype(np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: column {c!r} must be numeric") from None
    bad = ~np.isfinite(x.to_numpy())
    if allow_nan is not False:
        bad &= ~allow_nan
    if bad.any():
        raise ValueError(f"{where}: column {c!r} has NaN or infinite values ({int(bad.sum())} "
                         f"rows, e.g. row {int(np.flatnonzero(bad)[0])}); drop or fill them")
    return x


def _check_obs(data, sc, where="data"):
    """The checked tidy observation table."""
    import pandas as pd
    need = ("subject", "time", "output", "value")
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise ValueError(f"{where}: missing column(s) {missing}; a tidy table needs columns "
                         f"{list(need)} (optional: censored, lloq, body_weight), a NONMEM-"
                         f"style table columns ID, TIME, DV (EVID, MDV, AMT, CMT ...)")
    if len(data) == 0:
        raise ValueError(f"{where} has no rows")
    d = data[list(need)].copy().reset_index(drop=True)
    if "censored" in data.columns:
        c = data["censored"].reset_index(drop=True)
        if c.isna().any():
            raise ValueError(f"{where}: column 'censored' has missing values; use True/False")
        try:
            cens = c.astype(bool).to_numpy()
        except (TypeError, ValueError):
            raise TypeError(f"{where}: column 'censored' must be boolean") from None
    else:
        cens = np.zeros(len(d), dtype=bool)
    d["censored"] = cens
    if cens.any():
        if "lloq" not in data.columns:
            raise ValueError(f"{where}: {int(cens.sum())} censored rows need an 'lloq' column "
                             f"(the lower limit of quantification, output units)")
        d["lloq"] = _numeric(data.reset_index(drop=True), "lloq", where,
                             allow_nan=~cens).to_numpy()
    else:
        d["lloq"] = np.nan
    d["time"] = _numeric(d, "time", where)
    d["value"] = _numeric(d, "value", where, allow_nan=cens)
    if d["subject"].isna().any():
        raise ValueError(f"{where}: column 'subject' has missing values")
    t = d["time"].to_numpy()
    if (t < 0).any():
        raise ValueError(f"{where}: column 'time' has negative times (min {t.min():g} min); "
                         f"times are minutes after the scenario's t = 0")
    if (t > sc.t_end).any():
        raise ValueError(f"{where}: column 'time' has times after the scenario's t_end = "
                         f"{sc.t_end:g} min (max {t.max():g}); lengthen t_end")
    available = sc.outputs()
    for o in pd.unique(d["output"]):
        if o not in available:
            raise ValueError(f"{where}: output {o!r} is not an output of this scenario; "
                             f"{suggest(str(o), available)}(known: {known(available)})")
    dup = d.duplicated(["subject", "time", "output"], keep=False)
    if dup.any():
        first = d[dup].iloc[0]
        raise ValueError(f"{where}: {int(dup.sum())} duplicate (subject, time, output) rows, "
                         f"e.g. subject {first['subject']!r} at {first['time']:g} min, "
                         f"{first['output']!r}")
    return d


def _check_weights(subject, weight, where, column):
    import pandas as pd
    w = pd.Series(np.asarray(weight, dtype=np.float64), index=np.asarray(subject))
    if not np.isfinite(w.to_numpy()).all() or (w <= 0).any():
        raise ValueError(f"{where}: column {column!r} must be positive, finite body weights "
                         f"(kg)")
    g = w.groupby(level=0)
    varying = g.nunique() > 1
    if varying.any():
        raise ValueError(f"{where}: column {column!r} varies within subject(s) "
                         f"{list(varying[varying].index[:5])}; one body weight per subject")
    out = g.first()
    if ((out < 20) | (out > 300)).any():
        raise ValueError(f"{where}: column {column!r}: body weights must be 20-300 kg, got "
                         f"{out.min():g}-{out.max():g}")
    out.index.name = "subject"
    return out.rename("body_weight")


def _check_doses(doses, sc, where="doses"):
    """The per-subject dose table (subject, time, amount, dose)."""
    import pandas as pd
    if not isinstance(doses, pd.DataFrame):
        raise TypeError(f"{where} must be a pandas DataFrame with columns subject, time, "
                        f"amount, got {type(doses).__name__}")
    missing = [c for c in ("subject", "time", "amount") if c not in doses.columns]
    if missing:
        raise ValueError(f"{where}: missing column(s) {missing}; per-subject doses need "
                         f"columns subject, time (min), amount (optional: dose)")
    drug_doses = _drug_doses(sc)
    if not drug_doses:
        raise ValueError(f"{where}: the scenario has no drug dose for the data's doses to "
                         f"replace; add one (its drug, route and unit are used)")
    d = doses[["subject", "time", "amount"]].copy().reset_index(drop=True)
    if d["subject"].isna().any():
        raise ValueError(f"{where}: column 'subject' has missing values")
    d["time"] = _numeric(d, "time", where)
    if d["amount"].isna().any():
        raise ValueError(f"{where}: {int(d['amount'].isna().sum())} dose(s) without an "
                         f"amount (column 'amount' is NaN)")
    d["amount"] = _numeric(d, "amount", where)
    if (d["amount"] <= 0).any():
        raise ValueError(f"{where}: column 'amount' must be positive (a dose row needs its "
                         f"amount)")
    if (d["time"] < 0).any():
        raise ValueError(f"{where}: column 'time' has negative times")
    if "dose" in doses.columns:
        k = _numeric(doses.reset_index(drop=True), "dose", where).to_numpy()
        if (k != np.round(k)).any() or (k < 0).any() or (k >= len(drug_doses)).any():
            raise ValueError(f"{where}: column 'dose' must index the scenario's drug doses "
                             f"0..{len(drug_doses) - 1}")
        d["dose"] = k.astype(np.int64)
    elif len(drug_doses) > 1:
        raise ValueError(f"{where}: the scenario has {len(drug_doses)} drug doses; say which "
                         f"each row replaces with a 'dose' column (0-based index)")
    else:
        d["dose"] = 0
    for k in np.unique(d["dose"]):
        if drug_doses[k].is_infusion or drug_doses[k].is_on_demand:
            raise ValueError(f"{where}: scenario dose {k} ({drug_doses[k].drug}) is an "
                             f"infusion or on-demand dose; doses from data replace bolus "
                             f"doses only")
    dup = d.duplicated(keep=False)
    if dup.any():
        raise ValueError(f"{where}: {int(dup.sum())} duplicate dose rows (same subject, time, "
                         f"amount, dose), e.g. subject {d[dup].iloc[0]['subject']!r}")
    return d


def _from_nonmem(table, sc):
    """(observations, body weights, doses) of a NONMEM-style table."""
    import pandas as pd
    where = "data (NONMEM-style table)"
    cols = {str(c).upper(): c for c in table.columns}
    t = table.rename(columns={v: k for k, v in cols.items()}).reset_index(drop=True)
    for c, why in _NONMEM_REFUSED.items():
        if c in t.columns and (pd.to_numeric(t[c], errors="coerce").fillna(0) != 0).any():
            raise ValueError(f"{where}: column {c!r}: {why}")
    if t["ID"].isna().any():
        raise ValueError(f"{where}: column 'ID' has missing values")
    time = _numeric(t, "TIME", where).to_numpy()
    if "EVID" in t.columns:
        evid = _numeric(t, "EVID", where).to_numpy()
        odd = ~np.isin(evid, (0, 1))
        if odd.any():
            raise ValueError(f"{where}: column 'EVID' must be 0 (observation) or 1 (dose); "
                             f"got {sorted(set(evid[odd].tolist()))} (EVID 2-4: other events "
                             f"and resets are not supported)")
        is_dose = evid == 1
    elif "AMT" in t.columns:
        amt = pd.to_numeric(t["AMT"], errors="coerce").to_numpy()
        is_dose = np.nan_to_num(amt) > 0
    else:
        is_dose = np.zeros(len(t), dtype=bool)
    # times sorted within each subject (NONMEM's own requirement)
    ids = t["ID"].to_numpy()
    for sid in pd.unique(ids):
        ti = time[ids == sid]
        if (np.diff(ti) < 0).any():
            k = int(np.flatnonzero(np.diff(ti) < 0)[0])
            raise ValueError(f"{where}: times are not sorted within subject ID {sid!r} "
                             f"({ti[k]:g} then {ti[k + 1]:g} min); sort by ID, TIME")
    dup = t.duplicated(keep=False)
    if dup.any():
        raise ValueError(f"{where}: {int(dup.sum())} duplicate rows, e.g. ID "
                         f"{t[dup].iloc[0]['ID']!r} at TIME {t[dup].iloc[0]['TIME']:g}")
    # doses
    doses = None
    if is_dose.any():
        if "AMT" not in t.columns:
            raise ValueError(f"{where}: dose rows (EVID = 1) but no 'AMT' column")
        dt = t[is_dose]
        amt = pd.to_numeric(dt["AMT"], errors="coerce")
        if amt.isna().any() or (amt <= 0).any():
            bad = dt[amt.isna() | (amt <= 0)].iloc[0]
            raise ValueError(f"{where}: dose rows (EVID = 1) without an amount: AMT is "
                             f"{bad['AMT']!r} for ID {bad['ID']!r} at TIME {bad['TIME']:g}")
        dd = pd.DataFrame({"subject": dt["ID"].to_numpy(), "time": time[is_dose],
                           "amount": amt.to_numpy()})
        n_drug = len(_drug_doses(sc))
        if n_drug > 1:
            if "CMT" not in t.columns:
                raise ValueError(f"{where}: the scenario has {n_drug} drug doses; a 'CMT' "
                                 f"column must say which (1-based) each dose row replaces")
            dd["dose"] = _numeric(dt, "CMT", where).to_numpy() - 1
        doses = _check_doses(dd, sc, where)
    # observations
    obs_rows = ~is_dose
    if "MDV" in t.columns:
        mdv = pd.to_numeric(t["MDV"], errors="coerce").fillna(0).to_numpy()
        obs_rows &= mdv == 0
    o = t[obs_rows]
    if len(o) == 0:
        raise ValueError(f"{where}: no observation rows (EVID = 0, MDV = 0)")
    if "OUTPUT" in t.columns:
        output = o["OUTPUT"].to_numpy()
    else:
        drugs = list(dict.fromkeys(d.drug for d in _drug_doses(sc)))
        if len(drugs) != 1:
            raise ValueError(f"{where}: without an 'OUTPUT' column the observations are the "
                             f"plasma concentration of the scenario's one dosed drug, but it "
                             f"doses {len(drugs)} drugs ({drugs}); add an OUTPUT column "
                             f"naming each row's output")
        output = f"{drugs[0]}_plasma"
    obs = pd.DataFrame({"subject": o["ID"].to_numpy(), "time": time[obs_rows],
                        "output": output, "value": o["DV"].to_numpy()})
    cens_col = "BLQ" if "BLQ" in t.columns else ("CENS" if "CENS" in t.columns else None)
    if cens_col is not None:
        cens = _numeric(o, cens_col, where).to_numpy()
        if not np.isin(cens, (0, 1)).all():
            raise ValueError(f"{where}: column {cens_col!r} must be 0 or 1")
        obs["censored"] = cens == 1
        obs["lloq"] = (o["LLOQ"].to_numpy() if "LLOQ" in t.columns
                       else o["DV"].to_numpy())
    weights = None
    if "WT" in t.columns:
        weights = _check_weights(t["ID"], _numeric(t, "WT", where), where, "WT")
    return obs, weights, doses


def read_data(data, sc, doses=None) -> Data:
    """Check ``data`` (a tidy or NONMEM-style table) and ``doses`` against the
    scenario ``sc``; see the module docstring."""
    import pandas as pd
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame (a tidy table with columns "
                        f"subject, time, output, value, or a NONMEM-style table with ID, "
                        f"TIME, DV ...), got {type(data).__name__}")
    if is_nonmem(data):
        if doses is not None:
            raise ValueError("doses: a NONMEM-style table carries its doses (EVID = 1 rows); "
                             "pass doses= only with a tidy table")
        obs, weights, dose_table = _from_nonmem(data, sc)
        where = "data (NONMEM-style table)"
    else:
        obs, where = data, "data"
        weights = None
        if "body_weight" in data.columns:
            weights = _check_weights(data["subject"], _numeric(
                data.reset_index(drop=True), "body_weight", "data"), "data", "body_weight")
        dose_table = None if doses is None else _check_doses(doses, sc)
    obs = _check_obs(obs, sc, where)
    subjects = set(pd.unique(obs["subject"]))
    if dose_table is not None:
        extra = set(pd.unique(dose_table["subject"])) - subjects
        if extra:
            raise ValueError(f"doses: subject(s) {sorted(extra, key=str)[:5]} have doses but "
                             f"no observations")
        late = dose_table["time"] > sc.t_end
        if late.any():
            raise ValueError(f"doses: dose times after the scenario's t_end = {sc.t_end:g} "
                             f"min (max {dose_table['time'].max():g})")
    return Data(obs, weights, dose_table)
