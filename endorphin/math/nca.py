"""Non-compartmental analysis (NCA) of concentration-time profiles.

Every function works over the LAST axis (the sampling times) and is batched
over all leading axes, so a (subject, time) array gives one value per subject.
`t` and `c` broadcast against each other: one time grid can serve a whole
population.  The work is done by compiled gufuncs; these wrappers check the
input and turn the gufuncs' invalid flags into clear exceptions.

Units: whatever `t` and `c` carry (minutes and pmol/L or nmol/L in endorphin);
an AUC is in unit(c) x unit(t), a half-life in unit(t).  Pint quantities (the
``units`` extra) are accepted and the results carry their units: ``auc`` of a time
in hours and a concentration in ng/mL is a quantity in ng/mL*h, ``tmax`` and
``half_life`` are in the unit of ``t``, ``cmax`` in the unit of ``c`` (a plain array
on the other side counts as dimensionless).  Nothing is stripped.

:func:`from_samples` is NCA per subject from the long table
:meth:`endorphin.results.Result.sample` returns, with the BLQ rules of
:mod:`endorphin.math.blq`.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _ufuncs, _units
from .._validate import choice
from . import blq as _blq

__all__ = ["auc", "cmax", "tmax", "half_life", "from_samples"]

_AUC_METHODS = {
    "linear": _ufuncs._auc_linear,
    "linear-up/log-down": _ufuncs._auc_linlog,
}


def _as_float_array(x, name: str) -> np.ndarray:
    try:
        a = np.asarray(x)
    except Exception as exc:  # e.g. ragged lists
        raise TypeError(f"{name} must be array-like of numbers: {exc}") from None
    if a.dtype == object or not (np.issubdtype(a.dtype, np.floating)
                                 or np.issubdtype(a.dtype, np.integer)
                                 or a.dtype == bool):
        raise TypeError(f"{name} must be a real numeric array, got dtype {a.dtype}")
    if a.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension (the sampling axis)")
    if a.dtype != np.float32:
        a = a.astype(np.float64, copy=False)
    return a


def _split(x, name: str, time: bool = False):
    """``(magnitude, units)`` of a pint quantity (``units`` None for anything else);
    a time quantity is checked to be a time."""
    if not _units.is_quantity(x):
        return x, None
    if time:
        try:
            _units.magnitude(x, "min", name)
        except ValueError:
            raise ValueError(f"{name} must be a time (e.g. hours or minutes), got a "
                             f"quantity in {x.units}") from None
    return x.magnitude, x.units


def _with_units(value, *units):
    """``value`` times the product of the units that are not None (``value`` itself
    when all are None)."""
    units = [u for u in units if u is not None]
    if not units:
        return value
    unit = units[0]
    for u in units[1:]:
        unit = unit * u
    return value * unit


def _profile(t, c, min_points: int):
    t = _as_float_array(t, "t")
    c = _as_float_array(c, "c")
    if t.shape[-1] != c.shape[-1]:
        raise ValueError(f"t and c must have the same number of samples on the last "
                         f"axis, got {t.shape[-1]} and {c.shape[-1]}")
    try:
        np.broadcast_shapes(t.shape[:-1], c.shape[:-1])
    except ValueError:
        raise ValueError(f"the leading axes of t {t.shape} and c {c.shape} do not "
                         "broadcast") from None
    n = c.shape[-1]
    if n < min_points:
        raise ValueError(f"need at least {min_points} samples on the last axis, got {n}")
    if np.isinf(t).any() or (np.diff(t, axis=-1) <= 0).any():
        raise ValueError("t must be finite and strictly increasing along the last axis")
    if (c < 0).any():
        raise ValueError("c must be non-negative (concentrations)")
    if t.dtype != c.dtype:   # one loop dtype for both
        t, c = t.astype(np.float64), c.astype(np.float64)
    return t, c


def auc(t, c, method: str = "linear"):
    """Area under the curve over the last axis.

    Parameters
    ----------
    t : array_like or pint Quantity, shape (..., n)
        Sampling times, strictly increasing (minutes in endorphin's tables; a
        quantity in any time unit).
    c : array_like or pint Quantity, shape (..., n)
        Concentrations, ``>= 0``; NaN gives NaN for that profile.
    method : {"linear", "linear-up/log-down"}
        ``"linear"``: the trapezoidal rule.  ``"linear-up/log-down"``: the
        trapezoid while the concentration rises or stays, the exact integral
        of an exponential decay, ``(c1 - c2) (t2 - t1) / log(c1/c2)``, on
        falling segments with both ends positive (the usual NCA convention;
        exact for mono-exponential elimination).

    Returns
    -------
    auc : ndarray or pint Quantity, shape (...)
        In unit(c) x unit(t): a quantity in ``c.units * t.units`` when either is a
        quantity.

    Examples
    --------
    >>> import numpy as np
    >>> from endorphin import nca
    >>> t = np.array([0.0, 1.0, 2.0, 4.0])
    >>> float(nca.auc(t, np.array([0.0, 4.0, 2.0, 1.0])))
    8.0
    >>> nca.auc(t, np.exp(-np.log(2) * t) * np.array([[1.0], [2.0]]),
    ...         method="linear-up/log-down").round(6)        # broadcasting
    array([1.352527, 2.705053])
    """
    method = choice(method, sorted(_AUC_METHODS), "method", fold_case=False)
    t, tu = _split(t, "t", time=True)
    c, cu = _split(c, "c")
    t, c = _profile(t, c, 2)
    return _with_units(_AUC_METHODS[method](t, c), cu, tu)


def cmax(c):
    """Maximum concentration over the last axis (NaN if the profile has a NaN), in
    the unit of ``c`` (a quantity when ``c`` is one).

    Examples
    --------
    >>> import numpy as np
    >>> from endorphin import nca
    >>> nca.cmax(np.array([[1.0, 5.0, 2.0], [3.0, 1.0, 0.0]]))
    array([5., 3.])
    """
    c, cu = _split(c, "c")
    c = _as_float_array(c, "c")
    if c.shape[-1] == 0:
        raise ValueError("c has no samples on the last axis")
    return _with_units(_ufuncs._cmax(c), cu)


def tmax(t, c):
    """Time of the first maximum concentration, over the last axis, in the unit of
    ``t`` (a quantity when ``t`` is one; the unit of ``c`` does not matter).

    Examples
    --------
    >>> import numpy as np
    >>> from endorphin import nca
    >>> nca.tmax(np.array([0.0, 10.0, 20.0]), np.array([[1.0, 5.0, 5.0], [3.0, 1.0, 0.0]]))
    array([10.,  0.])
    """
    t, tu = _split(t, "t", time=True)
    c, _ = _split(c, "c")
    t, c = _profile(t, c, 1)
    return _with_units(_ufuncs._tmax(t, c), tu)


def half_life(t, c, n_points: int = 3):
    """Terminal half-life ``log(2) / lambda_z`` over the last axis.

    ``lambda_z`` is the slope of an unweighted least-squares line through
    ``(t, log c)`` over the last `n_points` samples.  A profile whose last
    points are not all positive or do not decline gives NaN with a
    ``RuntimeWarning``.

    Parameters
    ----------
    t, c : array_like or pint Quantity, shape (..., n)
        Sampling times (strictly increasing) and concentrations.
    n_points : int
        Number of terminal samples used, ``2 <= n_points <= n``.

    Returns
    -------
    half_life : ndarray or pint Quantity, shape (...)
        In the unit of ``t`` (a quantity when ``t`` is one).

    Examples
    --------
    >>> import numpy as np
    >>> from endorphin import nca
    >>> t = np.arange(0.0, 60.0, 10.0)                        # minutes
    >>> c = 20.0 * np.exp(-np.log(2) / 37.0 * t)              # t1/2 37 min
    >>> round(float(nca.half_life(t, c, n_points=4)), 10)
    37.0
    """
    if isinstance(n_points, (bool, np.bool_)) or not isinstance(n_points, (int, np.integer)):
        raise TypeError(f"n_points must be an integer, got {type(n_points).__name__}")
    t, tu = _split(t, "t", time=True)
    c, _ = _split(c, "c")
    t, c = _profile(t, c, 2)
    n = c.shape[-1]
    if not 2 <= n_points <= n:
        raise ValueError(f"n_points must be between 2 and the number of samples ({n}), "
                         f"got {n_points}")
    return _with_units(_ufuncs._half_life(t, c, np.intp(n_points)), tu)


# ---------------------------------------------------------------------------
# NCA per subject from a long table of samples
# ---------------------------------------------------------------------------
_COLUMNS = ("subject", "time", "value", "censored", "lloq")


def _missing_columns(df, wanted: dict):
    import difflib
    have = [str(c) for c in df.columns]
    bad = []
    for role, col in wanted.items():
        if col not in df.columns:
            close = difflib.get_close_matches(str(col), have, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            bad.append(f"{col!r}{hint}" + (f" for {role}=" if role != col else ""))
    if bad:
        raise ValueError(f"samples lack the column(s) {', '.join(bad)}; it has "
                         f"{', '.join(map(repr, have))} (pass the names with subject=, "
                         f"time=, value=, censored=, lloq=)")


def from_samples(samples, blq="pknca", *, method: str = "linear", n_points: int = 3,
                 by=None, subject: str = "subject", time: str = "time",
                 value: str = "value", censored: str = "censored", lloq: str = "lloq"):
    """Non-compartmental analysis of every subject in a long table of samples.

    The table is the one :meth:`endorphin.results.Result.sample` (or
    :meth:`~endorphin.results.Comparison.sample`) returns, or measured data in the
    same form: one row per subject and sampling time with the columns
    ``subject``, ``time`` (minutes), ``value`` (NaN where censored), ``censored``
    (True below the LLOQ) and ``lloq``.  Samples below the LLOQ are handled by the
    rule ``blq`` before the NCA, so one censored baseline no longer turns a
    subject's AUC and Cmax into NaN.

    Parameters
    ----------
    samples : pandas.DataFrame
        The long table.  ``censored`` may be absent (nothing is censored then);
        ``lloq`` is needed only by the ``"lloq/2"`` setting.  A column
        ``scenario`` (from :meth:`Comparison.sample`) and an ``assay`` column
        with more than one assay split the subjects further.
    blq : str, number or dict
        What happens to samples below the LLOQ, as the R package PKNCA's
        ``conc.blq`` (see :mod:`endorphin.math.blq`): a dict
        ``{"first": s, "middle": s, "last": s}`` with each ``s`` one of
        ``"drop"``, ``"keep"`` (as 0), ``"lloq/2"`` or a number (in the table's
        unit), one such setting for every position, or a shorthand:

        ``"pknca"`` (default, PKNCA's default) first ``"keep"``, middle
        ``"drop"``, last ``"keep"``;
        ``"zero-before-first"``: 0 up to the first measurable sample, later BLQ
        samples dropped;
        ``"drop"``: every BLQ sample dropped;
        ``"zero"`` (or ``"keep"``): every BLQ sample 0;
        ``"lloq/2"``: every BLQ sample at half its LLOQ.

        "first" is at or before the first measurable sample (every sample of a
        subject with none), "middle" between the first and the last, "last" at
        or after the last.
    method : {"linear", "linear-up/log-down"}
        AUC method (see :func:`auc`).
    n_points : int
        Points of the terminal half-life: the last ``n_points`` measured
        (not imputed) samples after Tmax, all positive (NaN, and
        ``n_points`` 0 in the table, when there are fewer or they do not
        decline).
    by : str or list of str, optional
        Further columns that split the table (default: ``scenario`` when present
        and ``assay`` when it holds more than one assay).
    subject, time, value, censored, lloq : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per subject (per ``by`` group and subject), indexed by the
        table's subject labels (a MultiIndex with the ``by`` columns first), in
        the order they first appear.  Columns: ``auc`` (unit x min, over the
        samples left after the BLQ rule: AUClast when trailing BLQ samples are
        dropped, AUCall when they are 0), ``cmax`` (unit), ``tmax`` (min),
        ``clast`` and ``tlast`` (the last measured sample), ``half_life``
        (min) and ``n_points`` (points of its fit), ``n_samples`` (rows),
        ``n_blq`` (censored rows), ``n_used`` (samples in the AUC), ``unit``
        (of the concentrations).  NaN where fewer than 2 samples are left
        (``cmax``/``tmax`` need 1).  ``df.attrs`` holds ``blq`` (the rule as a
        dict), ``method`` and ``units`` (column -> unit, from the
        table's ``unit`` column; ``"unit"`` stands for it when the column is
        absent, empty or holds several units).

    Raises
    ------
    TypeError
        If ``samples`` is not a DataFrame, or ``blq`` is of the wrong type.
    ValueError
        Missing columns (with the closest names), an unknown ``blq`` rule or
        ``method`` (with the closest names), NaN values that are not censored
        (a failed simulation, or a value that was never measured: drop those
        rows), negative values, repeated sampling times of one subject, or
        ``"lloq/2"`` without a usable ``lloq``.

    Examples
    --------
    >>> import pandas as pd
    >>> from endorphin import nca
    >>> df = pd.DataFrame({"subject": [7, 7, 7, 7], "time": [0.0, 30, 60, 120],
    ...                    "value": [float("nan"), 8.0, 4.0, 2.0],
    ...                    "censored": [True, False, False, False], "lloq": 1.0})
    >>> nca.from_samples(df, blq="zero-before-first")[["auc", "cmax", "tmax", "n_blq"]]
               auc  cmax  tmax  n_blq
    subject
    7        480.0   8.0  30.0      1
    """
    import pandas as pd

    if not isinstance(samples, pd.DataFrame):
        raise TypeError(f"samples must be a pandas DataFrame (the long table "
                        f"Result.sample returns), got {type(samples).__name__}")
    method = choice(method, sorted(_AUC_METHODS), "method", fold_case=False)
    if isinstance(n_points, (bool, np.bool_)) or not isinstance(n_points, (int, np.integer)):
        raise TypeError(f"n_points must be an integer, got {type(n_points).__name__}")
    if n_points < 2:
        raise ValueError(f"n_points must be >= 2, got {n_points}")
    rules = _blq.rule(blq)
    df = samples
    if subject not in df.columns and subject in (df.index.names or ()):
        df = df.reset_index()
    wanted = {"subject": subject, "time": time, "value": value}
    has_cens = censored in df.columns
    if not has_cens and censored != "censored":
        wanted["censored"] = censored
    needs_lloq = "lloq/2" in rules.values()
    if needs_lloq:
        wanted["lloq"] = lloq
    _missing_columns(df, wanted)
    if by is None:
        by = [c for c in ("scenario",) if c in df.columns]
        if "assay" in df.columns and df["assay"].nunique(dropna=False) > 1:
            by.append("assay")
    else:
        by = [by] if isinstance(by, str) else list(by)
        _missing_columns(df, {b: b for b in by})
    keys = by + [subject]

    t_all = pd.to_numeric(df[time], errors="coerce").to_numpy(np.float64)
    if not np.isfinite(t_all).all():
        raise ValueError(f"column {time!r} must hold finite numbers (minutes)")
    v_all = pd.to_numeric(df[value], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    if has_cens:
        cens_all = df[censored].fillna(False).to_numpy(bool)
    else:
        cens_all = np.zeros(len(df), bool)
    bad = np.isnan(v_all) & ~cens_all
    if bad.any():
        where = df.loc[bad, keys + [time]].head(3).to_dict("records")
        raise ValueError(f"{int(bad.sum())} value(s) are NaN but not censored (e.g. "
                         f"{where}): a failed simulation or a missing measurement; drop "
                         f"those rows (or mark them censored) before the NCA")
    neg = (v_all < 0) & ~cens_all
    if neg.any():
        where = df.loc[neg, keys + [time, value]].head(3).to_dict("records")
        raise ValueError(f"{int(neg.sum())} value(s) are negative (e.g. {where}): "
                         "concentrations must be >= 0")
    lloq_all = None
    if needs_lloq:
        lloq_all = pd.to_numeric(df[lloq], errors="coerce").to_numpy(np.float64)
        if not np.all(np.isfinite(lloq_all[cens_all]) & (lloq_all[cens_all] >= 0)):
            raise ValueError(f"blq 'lloq/2' needs a finite lloq >= 0 in column {lloq!r} "
                             "for every censored sample")
    unit_all = df["unit"].astype(str).to_numpy() if "unit" in df.columns else None

    # groups in the order they first appear, times sorted within each
    codes, uniques = pd.MultiIndex.from_frame(df[keys]).factorize() if len(keys) > 1 \
        else pd.factorize(df[subject], use_na_sentinel=False)
    order = np.lexsort((t_all, codes))
    codes_s, t_s = codes[order], t_all[order]
    starts = np.flatnonzero(np.r_[True, codes_s[1:] != codes_s[:-1]])
    ends = np.r_[starts[1:], codes_s.size]
    dup = (np.diff(t_s) == 0) & (codes_s[1:] == codes_s[:-1])
    if dup.any():
        i = order[np.flatnonzero(dup)[0]]
        who = df.iloc[[i]][keys].to_dict("records")[0]
        raise ValueError(f"{who} has two samples at "
                         f"{time} = {t_all[i]:g}; one value per subject and time (split "
                         "the table with by= if it holds several assays or scenarios)")
    G = starts.size
    out = {k: np.full(G, np.nan) for k in ("auc", "cmax", "tmax", "clast", "tlast",
                                           "half_life")}
    n_pts = np.zeros(G, np.int64)
    n_samples = (ends - starts).astype(np.int64)
    n_blq = np.zeros(G, np.int64)
    n_used = np.zeros(G, np.int64)
    units = np.full(G, "", dtype=object)
    auc_fn = _AUC_METHODS[method]
    for g, (a, b) in enumerate(zip(starts, ends)):
        idx = order[a:b]
        tg, vg, cg = t_all[idx], v_all[idx], cens_all[idx]
        n_blq[g] = int(cg.sum())
        if unit_all is not None:
            units[g] = unit_all[idx[0]]
        meas = ~cg
        if meas.any():
            out["tlast"][g] = tg[meas][-1]
            out["clast"][g] = vg[meas][-1]
        tc, cc, mc = _blq.apply(tg, vg, cg, None if lloq_all is None else lloq_all[idx],
                                rules)
        n_used[g] = tc.size
        if tc.size == 0:
            continue
        k = int(np.argmax(cc))                     # the first maximum
        out["cmax"][g], out["tmax"][g] = cc[k], tc[k]
        if tc.size >= 2:
            out["auc"][g] = auc_fn(tc, cc)
        # terminal phase: measured, positive samples after Tmax, the last n_points
        term = mc & (tc > tc[k]) & (cc > 0)
        if term.sum() >= n_points:
            tt, ct = tc[term][-n_points:], cc[term][-n_points:]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                hl = float(_ufuncs._half_life(tt, ct, np.intp(n_points)))
            if np.isfinite(hl) and hl > 0:
                out["half_life"][g], n_pts[g] = hl, n_points

    if len(keys) > 1:
        index = pd.MultiIndex.from_tuples(list(uniques), names=keys)
    else:
        index = pd.Index(uniques, name=subject)
    res = pd.DataFrame({"auc": out["auc"], "cmax": out["cmax"], "tmax": out["tmax"],
                        "clast": out["clast"], "tlast": out["tlast"],
                        "half_life": out["half_life"], "n_points": n_pts,
                        "n_samples": n_samples, "n_blq": n_blq, "n_used": n_used,
                        "unit": units}, index=index)
    u = units[0] if G and len(set(units)) == 1 and units[0] else "unit"
    res.attrs.update(blq=dict(rules), method=method,
                     units={"auc": f"{u}*min", "cmax": u, "clast": u, "tmax": "min",
                            "tlast": "min", "half_life": "min"})
    return res
