"""Saved results opened again: :func:`open_result`.

A result saved with ``res.to_xarray().to_netcdf(path)`` (or by ``endorphin
simulate -o results.nc``), or a comparison's ``cmp.to_xarray()``, reopens as
the :class:`~endorphin.Result` (or :class:`~endorphin.Comparison`) it was,
provenance and scenario included; a tidy CSV table (``res.to_pandas().to_csv``,
``endorphin simulate -o results.csv``) reopens with its outputs, subjects and
times only (a CSV holds no provenance, status or scenario).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .result import Comparison, Result

__all__ = ["open_result", "from_pandas"]


def open_result(path, *, engine=None):
    """Open a saved result.

    Parameters
    ----------
    path : str or path-like
        A netCDF file (``.nc``, as written by ``res.to_xarray().to_netcdf``
        or ``endorphin simulate -o file.nc``), a Zarr store (``.zarr``) or a
        tidy CSV table (``.csv``: columns ``subject``, ``time`` (min),
        ``variable``, ``value``, ``unit``, and ``scenario`` first for a
        comparison, as :meth:`Result.to_pandas` writes them).
    engine : str, optional
        xarray's backend (``"h5netcdf"``, ``"netcdf4"``, ``"scipy"``; default
        xarray's choice).

    Returns
    -------
    Result or Comparison
        A comparison when the file has a ``scenario`` dimension (or column).
        The data are read into memory and the file is closed.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ImportError
        For netCDF/Zarr without xarray (``pip install 'endorphin[xarray]'``).

    Examples
    --------
    >>> import endorphin as en, tempfile, os
    >>> res = en.Scenario(en.Exercise(0.8, start=30, duration=30),
    ...                   population=en.Population(5, seed=1), t_end=90).simulate(
    ...                   outputs=["plasma_beta_endorphin"])
    >>> path = os.path.join(tempfile.mkdtemp(), "r.csv")
    >>> res.to_pandas().to_csv(path, index=False)
    >>> back = en.open_result(path)
    >>> bool((back["plasma_beta_endorphin"] == res["plasma_beta_endorphin"]).all())
    True
    """
    try:
        p = Path(path)
    except TypeError:
        raise TypeError(f"path must be a file path (str or path-like), got "
                        f"{type(path).__name__}") from None
    if not p.exists():
        raise FileNotFoundError(f"open_result: no such file: {p}")
    if p.suffix.lower() == ".csv":
        import pandas as pd
        # every float as written: pandas >= 3.1 parses round-trip by default (and deprecates
        # float_precision); pandas 2.x and 3.0 need it asked for
        major_minor = tuple(int(x) for x in re.findall(r"\d+", pd.__version__)[:2])
        kw = {} if major_minor >= (3, 1) else {"float_precision": "round_trip"}
        return from_pandas(pd.read_csv(p, **kw))
    try:
        import xarray as xr
    except ImportError:
        raise ImportError("open_result needs xarray for netCDF and Zarr: pip install "
                          "'endorphin[xarray]'") from None
    if p.suffix.lower() == ".zarr" or p.is_dir():
        ds = xr.open_zarr(p, consolidated=False)
    else:
        ds = xr.open_dataset(p, engine=engine)
    with ds:
        ds = ds.load()
    return Comparison.from_xarray(ds) if "scenario" in ds.dims else Result.from_xarray(ds)


def from_pandas(df):
    """A :class:`Result` (or :class:`Comparison`, with a ``scenario`` column) of a
    tidy long table as :meth:`Result.to_pandas` gives it.

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``subject``, ``time`` (min), ``variable`` and ``value``
        (``unit`` is checked against the model's unit of each output); every
        (subject, time) pair of every variable present once.

    Returns
    -------
    Result or Comparison
        Outputs in their order of first appearance; no provenance, status or
        scenario (a table does not hold them).
    """
    import pandas as pd
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    need = ["subject", "time", "variable", "value"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise ValueError(f"df must have the columns {need} (as Result.to_pandas() writes "
                         f"them); missing {missing}")
    if "scenario" in df.columns:
        keys = list(dict.fromkeys(df["scenario"].astype(str)))
        scen = df["scenario"].astype(str)
        return Comparison({k: _one(df[scen == k].drop(columns="scenario")) for k in keys})
    return _one(df)


def _one(df):
    from .meta import output_meta
    names = list(dict.fromkeys(df["variable"].astype(str)))
    if "unit" in df.columns:
        units = df.groupby(df["variable"].astype(str), sort=False, observed=True)["unit"] \
            .first().astype(str)
        bad = {n: u for n, u in units.items() if u != output_meta(n)[0]}
        if bad:
            raise ValueError(f"df: units differ from the model's ({bad}); convert the "
                             f"values to {[output_meta(n)[0] for n in bad]} first")
    subjects = np.unique(df["subject"].to_numpy())
    times = np.unique(df["time"].to_numpy(dtype=np.float64))
    wide = df.pivot_table(index=["subject", "time"], columns="variable", values="value",
                          aggfunc="first", observed=True, dropna=False)
    full = _full_index(subjects, times)
    if len(df) != len(names) * subjects.size * times.size:
        raise ValueError(f"df must hold every (subject, time) of every variable once: "
                         f"{len(df)} rows for {len(names)} variables x {subjects.size} "
                         f"subjects x {times.size} times")
    wide = wide.reindex(full)
    y = np.stack([wide[n].to_numpy(dtype=np.float64).reshape(subjects.size, times.size)
                  for n in names], axis=1)
    return Result(times, y, names, subjects=subjects)


def _full_index(subjects, times):
    import pandas as pd
    return pd.MultiIndex.from_product([subjects, times], names=["subject", "time"])
