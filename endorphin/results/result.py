"""Results of scenario simulations: arrays, xarray, pandas, summaries, plots.

:class:`Result` holds the trajectories of one scenario, ``(subject,
output, time)`` float64, with the scenario, every subject's parameters and
the provenance of the run (package version, integrator, tolerances, seed).
``res[name]`` gives a read-only ``(subject, time)`` view of one output;
:meth:`Result.to_xarray` a CF-style Dataset (dims ``subject``, ``time``;
``units`` and ``long_name`` on every variable; :meth:`Result.from_xarray` and
:func:`endorphin.open_result` read it back); :meth:`Result.to_pandas` a
tidy long table; :meth:`Result.summary`
per-subject metrics of every output (Cmax, Tmax, AUC of concentrations; peak
effects; mean, min, max and time above clinical cut-points of scores) with
population percentiles; :meth:`Result.sample` simulated
measurements (:mod:`endorphin.measurement`); :meth:`Result.plot` the
population median with a percentile band.  :class:`Comparison` (from
:func:`endorphin.scenario.compare`) holds several results side by side with a
``scenario`` dimension.

Units: time in minutes; beta-endorphin and ACTH in pmol/L, cortisol in
nmol/L, effects dimensionless (``"1"``); AUCs in unit x min.  xarray,
matplotlib and tqdm are optional and imported only where needed.
"""
from __future__ import annotations

from collections.abc import Mapping
from html import escape

import numpy as np

from .._validate import known, suggest
from . import codec
from .meta import netcdf_attr, output_meta, plotter
from .summary import (SUMMARY_THRESHOLDS, Summary, check_percentiles, check_thresholds,
                      quiet_nan, summary_tables)

__all__ = ["Result", "Comparison", "Summary", "SUMMARY_THRESHOLDS"]


_STATUS_MEANINGS = ("success max_steps_exhausted step_size_underflow non_finite_state "
                    "no_initial_state singular_iteration_matrix")
_COVARIATE_UNITS = {"body_weight": ("kg", "body weight"), "age": ("year", "age"),
                    "sex": (None, "sex")}
_REPR_SUBJECTS = 2000      # the HTML view's statistics use at most this many subjects


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


_CODEC_ATTRS = (codec.RESULT_ATTR, codec.SCENARIO_ATTR, codec.COMPARISON_ATTR)
_RESERVED_ATTRS = ("Conventions", "title", "source") + _CODEC_ATTRS


def _parameter_names(p: int) -> list:
    from ..engine import core
    names = list(core.models["endorphin"].params)
    return names if len(names) == p else [f"p{k}" for k in range(p)]


def _check_dataset(ds, label):
    if not (hasattr(ds, "data_vars") and hasattr(ds, "dims") and hasattr(ds, "attrs")):
        raise TypeError(f"{label} must be an xarray Dataset (from to_xarray or "
                        f"xarray.open_dataset), got {type(ds).__name__}")
    missing = [d for d in ("subject", "time") if d not in ds.dims]
    if missing:
        raise ValueError(f"{label} must have the dims 'subject' and 'time' (as written by "
                         f"Result.to_xarray); it has {list(ds.dims)}")


def _result_from_dataset(ds, meta, scenario):
    """A Result of a (subject, time) Dataset: ``meta`` is the decoded JSON attribute or
    None (then outputs and provenance are read from the variables and attributes)."""
    if meta is not None:
        if int(meta.get("format", 0)) > codec.FORMAT:
            raise ValueError(f"this result was saved by a newer endorphin (format "
                             f"{meta['format']}); upgrade endorphin to read it")
        names = list(meta["output_names"])
        provenance = meta.get("provenance") or {}
        name = meta.get("name")
        clock_start = meta.get("clock_start")
        cov_types = meta.get("covariates") or {}
    else:
        names = [k for k, v in ds.data_vars.items() if v.dims == ("subject", "time")]
        provenance = {k: (v.item() if isinstance(v, np.generic) else v)
                      for k, v in ds.attrs.items() if k not in _RESERVED_ATTRS}
        title = str(ds.attrs.get("title", ""))
        name = title.split(": ", 1)[1] if title.startswith("endorphin simulation: ") \
            else None
        clock_start = None
        if "clock_time" in ds.coords and ds.sizes["time"]:
            clock_start = float(np.mod(ds["clock_time"].values[0] - ds["time"].values[0],
                                       1440.0))
        cov_types = {k: None for k, c in ds.coords.items()
                     if c.dims == ("subject",) and k != "subject"}
    missing = [n for n in names if n not in ds.data_vars]
    if missing:
        raise ValueError(f"ds lacks the output variable(s) {missing}")
    if not names:
        raise ValueError("ds has no (subject, time) output variables")
    t = np.asarray(ds["time"].values, dtype=np.float64)
    y = np.stack([np.asarray(ds[n].transpose("subject", "time").values, dtype=np.float64)
                  for n in names], axis=1)

    def flags(key, dtype):
        if key not in ds.data_vars:
            return None
        return np.asarray(ds[key].values).astype(dtype)

    params = None
    if "parameters" in ds.data_vars:
        params = np.asarray(ds["parameters"].transpose("subject", "parameter").values,
                            dtype=np.float64)
    covariates = {}
    for k, dtype in cov_types.items():
        if k in ds.coords or k in ds.data_vars:
            v = np.asarray(ds[k].values)
            covariates[k] = v.astype(dtype) if dtype else v
    return Result(t, y, names, subjects=np.asarray(ds["subject"].values),
                  status=flags("status", np.int8), stiff=flags("stiff", bool),
                  params=params, covariates=covariates, name=name, provenance=provenance,
                  scenario=scenario,
                  clock_start=None if scenario is not None else clock_start)


class Result:
    """Trajectories of every subject of a scenario, with their provenance.

    Usually made by :meth:`endorphin.scenario.Scenario.simulate`.

    Parameters
    ----------
    t : ndarray (T,)
        Output times, minutes from the start of the scenario.
    y : ndarray (N, n_outputs, T)
        Outputs in the model's units.
    output_names : sequence of str
        Names of the outputs, in the order of ``y``'s second axis.
    subjects : ndarray (N,), optional
        Subject indices (default ``0 .. N-1``).
    status : ndarray (N,) int8, optional
        Engine status per subject (0 = success; :data:`endorphin.core.STATUS`).
    stiff : ndarray (N,) bool, optional
        Whether the stiff method produced the subject's result.
    params : ndarray (N, P), optional
        Engine parameters of every subject (as simulated).
    covariates : dict of ndarray (N,), optional
        ``body_weight`` (kg), ``sex``, ``age`` (years).
    name : str, optional
        Label (the scenario's name).
    provenance : dict, optional
        Version, method, tolerances, seed and settings of the run.
    scenario : Scenario, optional
        The scenario simulated.
    clock_start : float, optional
        Clock time of t = 0, minutes after midnight, for a result without a
        scenario (default 0; a scenario's own ``clock_start`` wins).

    Attributes
    ----------
    t : ndarray (T,)
        Output times, minutes.
    output_names : tuple of str
    subjects, status, stiff, covariates, name, provenance, scenario
        As above.
    demand_doses : pandas.DataFrame or None
        With an on-demand dose (:meth:`endorphin.Dose.on_demand`), set by
        ``Scenario.simulate``: one row per demand dose given (``subject``,
        ``time`` in minutes, ``drug``, ``amount_mg``, ``amount_nmol``
        bioavailable); None otherwise.  Not saved by ``to_xarray`` (the
        output ``<drug>_demand_doses`` is).

    Examples
    --------
    >>> import numpy as np
    >>> from endorphin.results import Result
    >>> t = np.array([0.0, 30.0, 60.0])
    >>> res = Result(t, [[[4.0, 8.0, 6.0]], [[5.0, 5.0, 5.0]]], ["plasma_beta_endorphin"])
    >>> res["plasma_beta_endorphin"].shape            # (subject, time)
    (2, 3)
    >>> res.summary().subjects["plasma_beta_endorphin_cmax"].tolist()
    [8.0, 5.0]
    >>> res.to_pandas().columns.tolist()
    ['subject', 'time', 'variable', 'value', 'unit']
    """

    demand_doses = None

    def __init__(self, t, y, output_names, *, subjects=None, status=None, stiff=None,
                 params=None, covariates=None, name=None, provenance=None, scenario=None,
                 clock_start=None):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 3:
            raise ValueError(f"y must have shape (subject, output, time), got {y.shape}")
        N, O, T = y.shape
        t = np.array(t, dtype=np.float64)
        if t.shape != (T,):
            raise ValueError(f"t must have shape ({T},), got {t.shape}")
        names = tuple(output_names)
        if len(names) != O or len(set(names)) != O:
            raise ValueError(f"output_names must be {O} distinct names, got {names}")
        self.t = _readonly(t)
        # a read-only view: no copy of a large engine result, and the caller's
        # array keeps its own flags
        self._y = _readonly(y.view())
        self.output_names = names
        self._index = {n: i for i, n in enumerate(names)}
        self.subjects = _readonly(np.arange(N, dtype=np.int64) if subjects is None
                                  else np.array(subjects, dtype=np.int64))
        self.status = _readonly(np.zeros(N, np.int8) if status is None
                                else np.array(status, dtype=np.int8))
        self.stiff = _readonly(np.zeros(N, bool) if stiff is None
                               else np.array(stiff, dtype=bool))
        self.params = None if params is None else _readonly(np.array(params,
                                                                     dtype=np.float64))
        self.covariates = {k: np.asarray(v) for k, v in (covariates or {}).items()}
        self.name = name
        self.provenance = dict(provenance or {})
        self.scenario = scenario
        self._clock_start = None if clock_start is None else float(clock_start)
        for a, label in ((self.subjects, "subjects"), (self.status, "status"),
                         (self.stiff, "stiff")):
            if a.shape != (N,):
                raise ValueError(f"{label} must have shape ({N},), got {a.shape}")

    # -- pickling: keep the arrays read-only after a round trip
    def __setstate__(self, state):
        self.__dict__.update(state)
        for key in ("t", "_y", "subjects", "status", "stiff", "params"):
            if isinstance(self.__dict__.get(key), np.ndarray):
                _readonly(self.__dict__[key])

    # -- array access
    @property
    def time(self) -> np.ndarray:
        """Output times, minutes (same as :attr:`t`)."""
        return self.t

    @property
    def n_subjects(self) -> int:
        """Number of subjects."""
        return self._y.shape[0]

    @property
    def units(self) -> dict:
        """Unit of every output."""
        return {n: output_meta(n)[0] for n in self.output_names}

    @property
    def y(self) -> np.ndarray:
        """All outputs, read-only (subject, output, time)."""
        return self._y

    def keys(self) -> tuple:
        """Output names (``res[name]`` for each)."""
        return self.output_names

    def __contains__(self, name) -> bool:
        return name in self._index

    def __getitem__(self, name: str) -> np.ndarray:
        """One output as a read-only (subject, time) view, in its unit."""
        if not isinstance(name, str):
            raise TypeError(f"index a result by output name (str), got {type(name).__name__}")
        if name not in self._index:
            raise KeyError(f"{name!r} is not an output of this result; "
                           f"{suggest(name, self.output_names)}(available: "
                           f"{known(self.output_names)}; see .output_names)")
        return self._y[:, self._index[name], :]

    def parameters(self):
        """Every subject's engine parameters as simulated.

        Returns
        -------
        pandas.DataFrame
            Index ``subject``; one column per engine parameter.
        """
        import pandas as pd

        from ..engine import core
        if self.params is None:
            raise ValueError("this result does not hold parameters")
        return pd.DataFrame(self.params, index=pd.Index(self.subjects, name="subject"),
                            columns=list(core.models["endorphin"].params))

    # -- conversions
    @property
    def clock_start(self) -> float:
        """Clock time of t = 0, minutes after midnight (the scenario's; without one
        the ``clock_start`` given to the constructor, else 0)."""
        sc = self.scenario
        if sc is not None and hasattr(sc, "clock_start"):
            return float(sc.clock_start)
        own = self.__dict__.get("_clock_start")
        return 0.0 if own is None else own

    def to_xarray(self, *, parameters: bool = False):
        """The result as an xarray Dataset (:func:`endorphin.open_result` and
        :meth:`from_xarray` read it back).

        Parameters
        ----------
        parameters : bool
            Also write every subject's engine parameters (variable
            ``parameters``, dims ``(subject, parameter)``), so that the
            reopened result holds them (default False: ``ds.to_dataframe()``
            broadcasts over every dimension, and would repeat each output
            value once per parameter; drop them first with
            ``ds.drop_dims("parameter")``, or use :meth:`to_pandas`).
            ``endorphin simulate -o file.nc`` writes them.

        Returns
        -------
        xarray.Dataset
            One variable per output with dims ``(subject, time)`` and CF-style
            attributes ``units`` and ``long_name``; coordinates ``subject``,
            ``time`` (min), ``clock_time`` (min after midnight) and the
            covariates (``body_weight`` kg, ``sex``, ``age`` years); the
            variables ``status`` (engine status, CF flags) and ``stiff``
            (0/1: the stiff method produced the subject) and, when present,
            ``parameters``; the provenance (package version, model, method,
            rtol, atol, seed, settings) in the Dataset's attributes, readable
            by any netCDF tool (booleans as 0/1, None as ""); the exact
            values (name, provenance, clock start, output order) as JSON in
            the attribute ``endorphin_result`` and the scenario as its TOML
            file text in ``endorphin_scenario`` (see
            :mod:`endorphin.results.codec`).  The outputs share memory with
            the result (read-only).

        Raises
        ------
        ImportError
            If xarray is not installed (``pip install 'endorphin[xarray]'``).
        """
        try:
            import xarray as xr
        except ImportError:
            raise ImportError("to_xarray needs xarray: pip install 'endorphin[xarray]'") \
                from None
        coords = {
            "subject": ("subject", self.subjects, {"long_name": "virtual subject index"}),
            "time": ("time", self.t, {"units": "min",
                                      "long_name": "time since the start of the scenario"}),
            "clock_time": ("time", np.mod(self.clock_start + self.t, 1440.0),
                           {"units": "min", "long_name": "clock time (minutes after "
                                                         "midnight)"}),
        }
        for key, values in self.covariates.items():
            unit, long_name = _COVARIATE_UNITS.get(key, (None, key))
            attrs = {"long_name": long_name}
            if unit:
                attrs["units"] = unit
            coords[key] = ("subject", values, attrs)
        data = {}
        for name in self.output_names:
            unit, long_name = output_meta(name)
            data[name] = (("subject", "time"), self[name],
                          {"units": unit, "long_name": long_name})
        data["status"] = ("subject", self.status,
                          {"long_name": "engine status (0 = success)",
                           "flag_values": np.arange(6, dtype=np.int8),
                           "flag_meanings": _STATUS_MEANINGS})
        data["stiff"] = ("subject", self.stiff.astype(np.int8),
                         {"long_name": "integrator that produced the subject",
                          "flag_values": np.arange(2, dtype=np.int8),
                          "flag_meanings": "explicit stiff"})
        if parameters and self.params is not None:
            names = _parameter_names(self.params.shape[1])
            coords["parameter"] = ("parameter", np.array(names),
                                   {"long_name": "engine parameter (en.parameters())"})
            data["parameters"] = (("subject", "parameter"), self.params,
                                  {"long_name": "engine parameters of every subject as "
                                                "simulated (units: en.parameters())"})
        attrs = {"Conventions": "CF-1.10",
                 "title": "endorphin simulation" + (f": {self.name}" if self.name else ""),
                 "source": f"endorphin {self.provenance.get('endorphin_version', '')}"}
        attrs.update({k: netcdf_attr(v) for k, v in self.provenance.items()
                      if k not in _CODEC_ATTRS})
        attrs[codec.RESULT_ATTR] = codec.encode(self._meta())
        text = codec.dump_scenario(self.scenario)
        if text is not None:
            attrs[codec.SCENARIO_ATTR] = text
        return xr.Dataset(data, coords=coords, attrs=attrs)

    def _meta(self) -> dict:
        """What the arrays of ``to_xarray`` do not say (its JSON attribute)."""
        return {"format": codec.FORMAT, "name": self.name,
                "output_names": list(self.output_names),
                "provenance": self.provenance, "clock_start": self.clock_start,
                "has_scenario": self.scenario is not None,
                "covariates": {k: np.asarray(v).dtype.str for k, v in self.covariates.items()}}

    @classmethod
    def from_xarray(cls, ds) -> Result:
        """The :class:`Result` a Dataset of :meth:`to_xarray` describes.

        Everything ``to_xarray`` writes comes back: times (min), outputs in
        their order, subjects, covariates, status and stiff flags,
        parameters, name, provenance (with its booleans, None and nested
        values), clock start and the scenario (when :mod:`endorphin.io` is
        imported, as ``import endorphin`` does), so ``Result.from_xarray(
        res.to_xarray()) == res``, also through a netCDF file.  A Dataset
        without the ``endorphin_result`` attribute (other tools, older
        versions, ``LazyResult.to_xarray``) is read from its variables: every
        ``(subject, time)`` variable is an output, the other attributes are
        the provenance.

        Parameters
        ----------
        ds : xarray.Dataset
            Dims ``subject`` and ``time`` (minutes).  A Dataset with a
            ``scenario`` dimension is a comparison
            (:meth:`Comparison.from_xarray`, :func:`endorphin.open_result`).

        Returns
        -------
        Result

        Raises
        ------
        TypeError
            If ``ds`` is not an xarray Dataset.
        ValueError
            If it has no ``subject``/``time`` dims or a ``scenario`` dim.
        """
        _check_dataset(ds, "ds")
        if "scenario" in ds.dims:
            raise ValueError("ds has a 'scenario' dimension: it is a comparison; read it "
                             "with en.Comparison.from_xarray(ds) or en.open_result(path)")
        meta = codec.decode(ds.attrs[codec.RESULT_ATTR]) if codec.RESULT_ATTR in ds.attrs \
            else None
        scenario = codec.load_scenario(ds.attrs.get(codec.SCENARIO_ATTR))
        return _result_from_dataset(ds, meta, scenario)

    def to_pandas(self, variables=None, *, wide: bool = False):
        """The result as a pandas table.

        Parameters
        ----------
        variables : sequence of str, optional
            Outputs to include (default all).
        wide : bool
            False (default): tidy long format, one row per (subject, time,
            variable) with columns ``subject``, ``time`` (min),
            ``variable``, ``value`` and ``unit``.  True: one row per
            (subject, time) and one column per variable.

        Returns
        -------
        pandas.DataFrame
        """
        import pandas as pd
        if variables is None:
            variables = list(self.output_names)
        elif isinstance(variables, str):
            variables = [variables]
        else:
            variables = list(variables)
        for v in variables:
            if v not in self._index:
                raise ValueError(f"variables: {v!r} is not an output of this result; "
                                 f"{suggest(v, self.output_names)}(available: "
                                 f"{known(self.output_names)}; see .output_names)")
        N, T, V = self.n_subjects, self.t.size, len(variables)
        if wide:
            df = pd.DataFrame({"subject": np.repeat(self.subjects, T),
                               "time": np.tile(self.t, N)})
            for v in variables:
                df[v] = self[v].ravel()
            return df
        ks = [self._index[v] for v in variables]
        units = [output_meta(v)[0] for v in variables]
        unit_cats = list(dict.fromkeys(units))
        block = np.repeat(np.arange(V, dtype=np.int32), N * T)
        return pd.DataFrame({
            "subject": np.tile(np.repeat(self.subjects, T), V),
            "time": np.tile(self.t, N * V),
            "variable": pd.Categorical.from_codes(block, variables),
            "value": self._y[:, ks, :].transpose(1, 0, 2).ravel(),
            "unit": pd.Categorical.from_codes(
                np.array([unit_cats.index(u) for u in units], dtype=np.int32)[block],
                unit_cats),
        })

    def to_dataframe(self, variables=None, *, wide: bool = False):
        """Same as :meth:`to_pandas`."""
        return self.to_pandas(variables, wide=wide)

    def summary(self, percentiles=(5, 50, 95), auc_method: str = "linear", *,
                thresholds=None) -> Summary:
        """Per-subject metrics of every output and their population percentiles.

        Computed on the output grid: concentrations (beta-endorphin, ACTH,
        cortisol, every drug's plasma and effect-site concentration) with
        :mod:`endorphin.nca` (Cmax, Tmax, AUC over the simulated span); the
        analgesia and mood effects by their peak and its time; scores
        (pain NRS, HADS-A, HADS-D, VO2max), receptor fractions, ratios and
        effects by their time-weighted mean, minimum and maximum; the pain
        NRS and HADS scores also by the minutes at or above clinical
        cut-points (:data:`SUMMARY_THRESHOLDS`: NRS 5 and 7, HADS 8 and 11).
        Outputs without metrics (internal states of the release chain) are
        listed with the reason in ``Summary.skipped`` and in its repr.  A
        finer ``dt`` gives values closer to the continuous trajectories.

        Parameters
        ----------
        percentiles : sequence of float
            Population percentiles to report, in [0, 100].
        auc_method : {"linear", "linear-up/log-down"}
            AUC rule (:func:`endorphin.nca.auc`).
        thresholds : mapping of str to float or sequence of float, optional
            Cut-points per output (in its unit) whose time at or above is
            reported (min); they replace the defaults of that output, e.g.
            ``{"pain_nrs": [4]}`` or ``{"plasma_beta_endorphin": 10}``.

        Returns
        -------
        Summary
            ``.subjects`` (per subject) and ``.population`` (per metric)
            DataFrames and ``.skipped``; see :class:`Summary`.

        Examples
        --------
        >>> import numpy as np
        >>> from endorphin.results import Result
        >>> t = np.array([0.0, 30.0, 60.0])
        >>> res = Result(t, [[[0.0, 8.0, 4.0], [2.0, 6.0, 4.0]]],
        ...              ["morphine_plasma", "pain_nrs"])
        >>> s = res.summary()
        >>> s.subjects.iloc[0].to_dict()        # doctest: +NORMALIZE_WHITESPACE
        {'morphine_plasma_cmax': 8.0, 'morphine_plasma_tmax': 30.0,
         'morphine_plasma_auc': 300.0, 'pain_nrs_mean': 4.5, 'pain_nrs_min': 2.0,
         'pain_nrs_max': 6.0, 'pain_nrs_time_ge_5': 22.5, 'pain_nrs_time_ge_7': 0.0}
        """
        qs = check_percentiles(percentiles)
        if auc_method not in ("linear", "linear-up/log-down"):
            raise ValueError(f"auc_method must be 'linear' or 'linear-up/log-down', got "
                             f"{auc_method!r}")
        cuts = check_thresholds(thresholds)
        per, pop, units, skipped = summary_tables(self.t, self.__getitem__,
                                                   self.output_names, self.subjects, qs,
                                                   auc_method, cuts)
        return Summary(per, pop, units, skipped)

    def sample(self, times, assay=None, *, seed=None):
        """Simulated measurements at ``times`` (see :func:`endorphin.measurement.sample`).

        Parameters
        ----------
        times : array_like of float
            Sampling times, minutes, within ``[0, t_end]``.
        assay : Assay or PRO, optional
            Default ``Assay.plasma()``.
        seed : int, optional
            Seed of the measurement streams (default: the population's seed).

        Returns
        -------
        pandas.DataFrame
            Tidy: ``subject``, ``time``, ``assay``, ``value``, ``unit``,
            ``censored``, ``lloq``, ``true_value``.
        """
        from ..measurement import sample
        return sample(self, times, assay, seed=seed)

    def plot(self, name: str, ax=None, bands=(5, 95), *, label=None, **kwargs):
        """Population median of an output over time, with a percentile band.

        Delegates to :func:`endorphin.plot.time_course` (which also takes
        ``observed=``, ``subjects=``, ``time_unit=``, ``offset=`` and
        ``timeline=``).

        Parameters
        ----------
        name : str
            Output name.
        ax : matplotlib.axes.Axes, optional
            Default ``plt.gca()``.
        bands : (float, float), sequence of pairs, or None
            Percentiles of the shaded band(s) (None: no band; no band for one
            subject).
        label : str, optional
            Legend label of the median line (default the result's name).
        **kwargs
            Passed to :func:`endorphin.plot.time_course`.

        Returns
        -------
        matplotlib.axes.Axes
        """
        return plotter("time_course")(self, name, ax=ax, bands=bands, label=label, **kwargs)

    # -- comparison and display
    def __eq__(self, other):
        if not isinstance(other, Result):
            return NotImplemented
        def same(a, b):
            if a is None or b is None:
                return a is b
            return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
        return (self.output_names == other.output_names and same(self.t, other.t)
                and same(self._y, other._y) and same(self.subjects, other.subjects)
                and same(self.status, other.status) and same(self.stiff, other.stiff)
                and same(self.params, other.params) and self.name == other.name
                and self.provenance == other.provenance
                and self.covariates.keys() == other.covariates.keys()
                and all(np.array_equal(v, other.covariates[k])
                        for k, v in self.covariates.items())
                and self.scenario == other.scenario)

    __hash__ = None

    def __repr__(self) -> str:
        name = f" {self.name!r}" if self.name else ""
        failed = int((self.status != 0).sum())
        fail = f", {failed} failed" if failed else ""
        return (f"<endorphin Result{name}: {self.n_subjects} subjects x {self.t.size} times "
                f"({self.t[0]:g}-{self.t[-1]:g} min), {len(self.output_names)} outputs, "
                f"seed {self.provenance.get('seed', '?')}, method "
                f"{self.provenance.get('method', '?')!s}{fail}>")

    def _repr_html_(self) -> str:
        n = min(self.n_subjects, _REPR_SUBJECTS)
        rows = []
        for name in self.output_names:
            unit, long_name = output_meta(name)
            y = self[name][:n]
            start = quiet_nan(np.nanmedian, y[:, 0])
            peak = quiet_nan(np.nanmedian, quiet_nan(np.nanmax, y, axis=1))
            rows.append(f"<tr><td><code>{escape(name)}</code></td><td>{escape(unit)}</td>"
                        f"<td>{escape(long_name)}</td><td>{start:.4g}</td>"
                        f"<td>{peak:.4g}</td></tr>")
        which = "" if n == self.n_subjects else f" (first {n} subjects)"
        prov = "".join(f"<tr><td>{escape(str(k))}</td><td>{escape(str(v))}</td></tr>"
                       for k, v in self.provenance.items())
        title = "endorphin Result" + (f" {escape(repr(self.name))}" if self.name else "")
        return (
            "<div class='endorphin-result'>"
            "<style>.endorphin-text-fallback{display:none}</style>"
            f"<pre class='endorphin-text-fallback'>{escape(repr(self))}</pre>"
            f"<div class='endorphin-html'><b>{title}</b>: {self.n_subjects} subjects x "
            f"{self.t.size} times ({self.t[0]:g}-{self.t[-1]:g} min)"
            "<table><tr><th>output</th><th>unit</th><th>description</th>"
            f"<th>median at t = {self.t[0]:g}</th><th>median of the peak{which}</th></tr>"
            + "".join(rows) + "</table>"
            "<details><summary>provenance</summary><table>" + prov + "</table></details>"
            "</div></div>")


class Comparison:
    """Results of several scenarios side by side (from
    :func:`endorphin.scenario.compare`).

    ``cmp[scenario_name]`` is that scenario's :class:`Result`;
    ``cmp[output]`` stacks an output over the scenarios into a (scenario,
    subject, time) array (the scenarios must have the same subjects and
    times).  The conversions add a ``scenario`` dimension or column.

    Parameters
    ----------
    results : mapping of str to Result
    """

    def __init__(self, results: Mapping):
        if not isinstance(results, Mapping) or not results:
            raise TypeError("results must be a non-empty mapping of names to Result")
        for k, r in results.items():
            if not isinstance(k, str) or not isinstance(r, Result):
                raise TypeError("results must map scenario names (str) to Result objects")
        self.results = dict(results)

    @property
    def names(self) -> tuple:
        """Scenario names, in order."""
        return tuple(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self):
        return iter(self.results)

    def _same_grid(self, what: str):
        first = next(iter(self.results.values()))
        for k, r in self.results.items():
            if r.t.shape != first.t.shape or not np.array_equal(r.t, first.t):
                raise ValueError(f"{what} needs the same output times in every scenario; "
                                 f"{k!r} differs")
        return first

    def __getitem__(self, key: str):
        if key in self.results:
            return self.results[key]
        if not isinstance(key, str):
            raise TypeError(f"index by scenario or output name (str), got "
                            f"{type(key).__name__}")
        first = self._same_grid("stacking an output")
        for k, r in self.results.items():
            if key not in r:
                raise KeyError(f"{key!r} is neither a scenario ({list(self.results)}) nor an "
                               f"output of scenario {k!r}; "
                               f"{suggest(key, list(self.results) + list(r.output_names))}"
                               .rstrip("; "))
            if r.n_subjects != first.n_subjects:
                raise ValueError(f"stacking {key!r} needs the same number of subjects in "
                                 f"every scenario; {k!r} has {r.n_subjects}")
        return np.stack([r[key] for r in self.results.values()])

    def to_xarray(self, *, parameters: bool = False):
        """One Dataset with dims ``(scenario, subject, time)`` (``parameters`` as
        :meth:`Result.to_xarray`).

        Scenarios must share the output times; different subject sets are
        aligned on the ``subject`` coordinate (missing values NaN).
        Provenance attributes that differ between scenarios are dropped from
        the readable attributes; every scenario's own record (name,
        provenance, subjects, clock start, scenario file) is kept as JSON in
        ``endorphin_comparison``, so :meth:`from_xarray` and
        :func:`endorphin.open_result` give the comparison back.
        """
        try:
            import xarray as xr
        except ImportError:
            raise ImportError("to_xarray needs xarray: pip install 'endorphin[xarray]'") \
                from None
        self._same_grid("to_xarray")
        parts = [r.to_xarray(parameters=parameters) for r in self.results.values()]
        # a NumPy-string coordinate (netCDF-storable), not pandas' string dtype
        dim = xr.DataArray(np.array(list(self.results)), dims="scenario", name="scenario",
                           attrs={"long_name": "scenario"})
        ds = xr.concat(parts, dim=dim, data_vars="all", coords="different",
                       compat="equals", join="outer", combine_attrs="drop_conflicts")
        ds.attrs.pop("scenario", None)
        for key in _CODEC_ATTRS:
            ds.attrs.pop(key, None)
        ds.attrs["title"] = "endorphin comparison: " + ", ".join(self.results)
        # every scenario's own record: name, provenance, clock start, subjects, scenario
        ds.attrs[codec.COMPARISON_ATTR] = codec.encode({
            "format": codec.FORMAT,
            "scenarios": [[k, dict(r._meta(), subjects=r.subjects.tolist(),
                                   scenario_toml=p.attrs.get(codec.SCENARIO_ATTR))]
                          for (k, r), p in zip(self.results.items(), parts)]})
        return ds

    @classmethod
    def from_xarray(cls, ds) -> Comparison:
        """The :class:`Comparison` a Dataset of :meth:`to_xarray` describes
        (dims ``scenario``, ``subject``, ``time``): every scenario's
        :class:`Result` as :meth:`Result.from_xarray` restores it (its own
        subjects, provenance and scenario included)."""
        _check_dataset(ds, "ds")
        if "scenario" not in ds.dims:
            raise ValueError("ds has no 'scenario' dimension: it is one result; read it "
                             "with en.Result.from_xarray(ds)")
        records = None
        if codec.COMPARISON_ATTR in ds.attrs:
            rec = codec.decode(ds.attrs[codec.COMPARISON_ATTR])
            if int(rec.get("format", 0)) > codec.FORMAT:
                raise ValueError(f"this comparison was saved by a newer endorphin (format "
                                 f"{rec['format']}); upgrade endorphin to read it")
            records = dict((k, m) for k, m in rec["scenarios"])
        results = {}
        for key in ds["scenario"].values.tolist():
            part = ds.sel(scenario=key, drop=True)
            meta = None if records is None else records.get(str(key))
            if meta is not None:
                part = part.sel(subject=np.asarray(meta["subjects"],
                                                   dtype=part["subject"].dtype))
                scenario = codec.load_scenario(meta.get("scenario_toml"))
            else:
                if "status" in part.data_vars:   # subjects of another scenario: NaN here
                    part = part.isel(subject=np.flatnonzero(
                        np.isfinite(part["status"].values.astype(np.float64))))
                scenario = None
            results[str(key)] = _result_from_dataset(part, meta, scenario)
        return cls(results)

    def to_pandas(self, variables=None, *, wide: bool = False):
        """Tidy table of every scenario, with a ``scenario`` column first."""
        import pandas as pd
        parts = []
        for k, r in self.results.items():
            df = r.to_pandas(variables, wide=wide)
            df.insert(0, "scenario", k)
            parts.append(df)
        out = pd.concat(parts, ignore_index=True)
        out["scenario"] = pd.Categorical(out["scenario"], categories=list(self.results))
        return out

    def to_dataframe(self, variables=None, *, wide: bool = False):
        """Same as :meth:`to_pandas`."""
        return self.to_pandas(variables, wide=wide)

    def summary(self, percentiles=(5, 50, 95), auc_method: str = "linear", *,
                thresholds=None) -> Summary:
        """:meth:`Result.summary` of every scenario, indexed by (scenario, ...);
        ``skipped`` names the outputs skipped in any scenario."""
        import pandas as pd
        sums = {k: r.summary(percentiles, auc_method, thresholds=thresholds)
                for k, r in self.results.items()}
        subjects = pd.concat({k: s.subjects for k, s in sums.items()}, names=["scenario"])
        population = pd.concat({k: s.population for k, s in sums.items()},
                               names=["scenario"])
        units, skipped = {}, {}
        for s in sums.values():
            units.update(s.units)
            skipped.update(s.skipped)
        return Summary(subjects, population, units, skipped)

    def sample(self, times, assay=None, *, seed=None):
        """:meth:`Result.sample` of every scenario, with a ``scenario`` column first."""
        import pandas as pd
        parts = []
        for k, r in self.results.items():
            df = r.sample(times, assay, seed=seed)
            df.insert(0, "scenario", k)
            parts.append(df)
        out = pd.concat(parts, ignore_index=True)
        out["scenario"] = pd.Categorical(out["scenario"], categories=list(self.results))
        return out

    def plot(self, name: str, ax=None, bands=(5, 95), **kwargs):
        """Median and percentile band of an output for every scenario, one line each.

        Delegates to :func:`endorphin.plot.compare` (a list of names gives
        one panel per output).

        Returns
        -------
        matplotlib.axes.Axes
        """
        return plotter("compare")(self, name, ax, bands=bands, **kwargs)

    def __eq__(self, other):
        if not isinstance(other, Comparison):
            return NotImplemented
        return self.names == other.names and all(self.results[k] == other.results[k]
                                                 for k in self.names)

    __hash__ = None

    def __repr__(self) -> str:
        inner = ", ".join(f"{k!r}: {r.n_subjects} subjects" for k, r in self.results.items())
        return f"<endorphin Comparison of {len(self)} scenarios ({inner})>"

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{escape(k)}</td><td>{r.n_subjects}</td><td>{r.t.size}</td>"
                       f"<td>{escape(str(r.provenance.get('protocol', '')))}</td></tr>"
                       for k, r in self.results.items())
        return ("<div class='endorphin-comparison'>"
                "<style>.endorphin-text-fallback{display:none}</style>"
                f"<pre class='endorphin-text-fallback'>{escape(repr(self))}</pre>"
                f"<b>endorphin Comparison</b> of {len(self)} scenarios"
                "<table><tr><th>scenario</th><th>subjects</th><th>times</th>"
                "<th>protocol</th></tr>" + rows + "</table></div>")
