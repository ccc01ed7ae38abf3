"""Lazy results of ``chunks=``: trajectories and summaries as dask arrays.

``Scenario.simulate(chunks=K)`` and ``Scenario.summarize(chunks=K)`` (the
runner, :mod:`endorphin.scenario.runner`) split the population into chunks of
``K`` subjects, simulate each chunk with the C engine in a Dask task and
return the containers of this module, backed by dask arrays.  They run on
whatever Dask scheduler is current: the local threaded scheduler by default, a
``dask.distributed.Client`` (processes, a cluster) when one is active.
:class:`Summaries` also holds in-memory summaries (``Scenario.summarize``
without ``chunks``).

The dose-response ufuncs work on dask arrays directly (NumPy's ufunc protocol),
and the gufuncs on xarray objects through ``xarray.apply_ufunc(...,
dask="parallelized")`` (see their docstrings).
"""
from __future__ import annotations

import numpy as np

from .._validate import known, suggest
from ..engine import core
from .meta import netcdf_attr, output_meta
from .result import Result

__all__ = ["LazyResult", "Summaries"]

_STATS = core.SUMMARY_STATS


_SKETCH = np.linspace(0.0, 1.0, 1001)


def _sketch(block: np.ndarray):
    """A chunk's quantile sketch: (count, values at the ranks _SKETCH), per column."""
    flat = block.reshape(block.shape[0], -1)
    return flat.shape[0], np.quantile(flat, _SKETCH, axis=0)


def _merge_sketches(sketches, probs: np.ndarray) -> np.ndarray:
    """Solve sum_i n_i F_i(x) = p N for every column and probability (bisection)."""
    counts = np.array([c for c, _ in sketches], dtype=np.float64)
    tables = np.stack([t for _, t in sketches])            # (chunks, 1001, columns)
    total = counts.sum()
    lo = tables[:, 0, :].min(axis=0)
    hi = tables[:, -1, :].max(axis=0)
    n_cols = tables.shape[2]
    out = np.empty((probs.size, n_cols))

    def cdf(x, col):
        f = 0.0
        for i in range(len(sketches)):
            f += counts[i] * np.interp(x, tables[i, :, col], _SKETCH, left=0.0, right=1.0)
        return f / total

    for col in range(n_cols):
        for j, p in enumerate(probs):
            a, b = lo[col], hi[col]
            for _ in range(200):
                mid = 0.5 * (a + b)
                if mid <= a or mid >= b:
                    break
                if cdf(mid, col) < p:
                    a = mid
                else:
                    b = mid
            out[j, col] = 0.5 * (a + b)
    return out


class LazyResult:
    """A scenario's trajectories as dask arrays, chunked along subjects.

    Attributes
    ----------
    y : dask.array.Array (subject, output, time)
    status : dask.array.Array (subject,) int8
    time : ndarray (time,), minutes
    output_names : tuple of str
    scenario : Scenario
    provenance : dict

    Nothing is simulated until :meth:`compute`, :meth:`to_xarray` values,
    :meth:`to_zarr` or :meth:`to_netcdf` ask for it.
    """

    def __init__(self, scenario, y, status, output_names, provenance):
        self.scenario = scenario
        self.y = y
        self.status = status
        self.output_names = tuple(output_names)
        self.provenance = dict(provenance, chunks=int(y.chunks[0][0]))
        self.time = scenario.times

    @property
    def t(self) -> np.ndarray:
        return self.time

    @property
    def n_subjects(self) -> int:
        return self.y.shape[0]

    def keys(self) -> tuple:
        return self.output_names

    def __getitem__(self, name: str):
        """A (subject, time) dask array."""
        try:
            return self.y[:, self.output_names.index(name)]
        except ValueError:
            raise KeyError(f"{name!r} is not an output of this result; "
                           f"{suggest(name, self.output_names)}(outputs: "
                           f"{known(self.output_names)}; see .output_names)") from None

    def compute(self, **kwargs):
        """Simulate every chunk and return an in-memory :class:`endorphin.Result`
        (``kwargs`` go to ``dask.compute``)."""
        import dask
        y, status = dask.compute(self.y, self.status, **kwargs)
        pop = self.scenario.population
        return Result(self.time, y, self.output_names, subjects=pop.subjects, status=status,
                      covariates=pop.covariates, name=self.scenario.name,
                      provenance=self.provenance, scenario=self.scenario)

    def to_xarray(self):
        """An xarray Dataset backed by the dask arrays (lazy; dims subject, time;
        units and long_name as :meth:`endorphin.Result.to_xarray`)."""
        import xarray as xr
        pop = self.scenario.population
        coords = {"subject": ("subject", pop.subjects, {"long_name": "virtual subject index"}),
                  "time": ("time", self.time, {"units": "min", "long_name":
                                               "time since the start of the scenario"})}
        for key, values in pop.covariates.items():
            coords[key] = ("subject", values)
        data = {}
        for j, name in enumerate(self.output_names):
            unit, long_name = output_meta(name)
            data[name] = (("subject", "time"), self.y[:, j],
                          {"units": unit, "long_name": long_name})
        data["status"] = ("subject", self.status, {"long_name": "engine status (0 = success)"})
        attrs = {"Conventions": "CF-1.10", "title": "endorphin simulation"
                 + (f": {self.scenario.name}" if self.scenario.name else "")}
        attrs.update({k: netcdf_attr(v) for k, v in self.provenance.items()})
        return xr.Dataset(data, coords=coords, attrs=attrs)

    def to_zarr(self, store, **kwargs):
        """Write the results chunk by chunk to a Zarr store (each task's chunk is
        simulated, written and released).  ``consolidated`` defaults to False (not
        part of the Zarr 3 format)."""
        kwargs.setdefault("consolidated", False)
        return self.to_xarray().to_zarr(store, **kwargs)

    def to_netcdf(self, path, **kwargs):
        """Write the results to NetCDF (computed chunk by chunk)."""
        return self.to_xarray().to_netcdf(path, **kwargs)

    def __repr__(self) -> str:
        return (f"<endorphin LazyResult: {self.n_subjects} subjects x {self.time.size} times, "
                f"{len(self.output_names)} outputs, {len(self.y.chunks[0])} chunks of "
                f"<= {self.y.chunks[0][0]} subjects (not computed)>")


class Summaries:
    """Per-subject summary statistics of a scenario (engine summary mode).

    Attributes
    ----------
    values : ndarray or dask array (subject, output, stat)
        ``stat`` in :data:`endorphin.core.SUMMARY_STATS`: max, tmax (min),
        min, auc (unit x min), time_above (min above the output's threshold),
        end (the value at t_end).
    status : ndarray or dask array (subject,) int8
    output_names, stats : tuple of str
    """

    def __init__(self, values, status, output_names, scenario):
        self.values = values
        self.status = status
        self.output_names = tuple(output_names)
        self.stats = _STATS
        self.scenario = scenario

    @property
    def lazy(self) -> bool:
        return not isinstance(self.values, np.ndarray)

    def compute(self, **kwargs) -> Summaries:
        """In-memory summaries (a no-op when already computed)."""
        if not self.lazy:
            return self
        import dask
        v, s = dask.compute(self.values, self.status, **kwargs)
        return Summaries(v, s, self.output_names, self.scenario)

    def to_xarray(self):
        """Dataset with one variable per output, dims (subject, stat)."""
        import xarray as xr
        pop = self.scenario.population
        data = {}
        for j, name in enumerate(self.output_names):
            unit, long_name = output_meta(name)
            data[name] = (("subject", "stat"), self.values[:, j],
                          {"units": unit, "long_name": long_name})
        data["status"] = ("subject", self.status)
        return xr.Dataset(data, coords={"subject": pop.subjects, "stat": list(self.stats)})

    def percentiles(self, q=(5, 50, 95)):
        """Population percentiles of every statistic: a DataFrame indexed by
        (output, stat), one column per percentile.

        Exact (NumPy's linear interpolation) for computed summaries.  For lazy
        ones each chunk is reduced to a quantile sketch (its values at the
        ranks 0, 0.001, ..., 1 and its count: ``1001 x outputs x 6`` floats per
        chunk) and the sketches are merged by solving ``sum_i n_i F_i(x) = q N``
        for x, with each chunk's empirical CDF ``F_i`` interpolated on its
        sketch; the result is within 0.1 percentile rank of the exact one, and
        no trajectory or full summary array is ever held.
        """
        import pandas as pd
        q = np.asarray(q, dtype=np.float64)
        if q.ndim != 1 or not ((q >= 0) & (q <= 100)).all():
            raise ValueError("q must be a 1-D sequence of percentiles in [0, 100]")
        n_o, n_s = len(self.output_names), len(self.stats)
        if self.lazy:
            import dask
            blocks = self.values.to_delayed().ravel()
            sketches = dask.compute(*[dask.delayed(_sketch)(b) for b in blocks])
            vals = _merge_sketches(sketches, q / 100.0).reshape(len(q), n_o, n_s)
        else:
            vals = np.percentile(self.values, q, axis=0)
        index = [(name, stat) for name in self.output_names for stat in self.stats]
        return pd.DataFrame(vals.reshape(len(q), -1).T,
                            index=pd.MultiIndex.from_tuples(index, names=["output", "stat"]),
                            columns=[f"p{x:g}" for x in q])

    def __repr__(self) -> str:
        state = "lazy" if self.lazy else "computed"
        return (f"<endorphin Summaries ({state}): {self.values.shape[0]} subjects x "
                f"{len(self.output_names)} outputs x {len(self.stats)} stats>")
