"""Results of scenario simulations: the containers the runner returns.

* :mod:`~endorphin.results.result`: :class:`Result` (one scenario's
  trajectories, with xarray/pandas views, summaries, samples and ``.plot``),
  and :class:`Comparison` (several results side by side);
* :mod:`~endorphin.results.summary`: :class:`Summary` (per-subject metrics of every
  output, population percentiles) and the cut-points it uses;
* :mod:`~endorphin.results.lazy`: ``LazyResult`` and ``Summaries`` (dask-backed,
  from ``chunks=``; summaries of ``Scenario.summarize``);
* :mod:`~endorphin.results.meta`: units and long names of the outputs;
* :mod:`~endorphin.results.files`: :func:`open_result` (a saved result back
  as a Result or Comparison); :mod:`~endorphin.results.codec`: the attributes
  that carry name, provenance and scenario through netCDF.

Drawing is :mod:`endorphin.plot`'s: ``Result.plot`` calls the function it
registers (:func:`~endorphin.results.meta.register_plotter`).
"""
from .._public import examples
from . import codec, files, lazy, meta, result, summary
from .files import open_result
from .meta import OUTPUT_META, output_meta
from .result import Comparison, Result, Summary

__all__ = ["Result", "Comparison", "Summary", "OUTPUT_META", "output_meta", "open_result"]

__test__ = examples(result, lazy, meta, files, summary)   # doctest.testmod(endorphin.results)
