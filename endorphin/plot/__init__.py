"""Figures of simulations and dose-response data (matplotlib, imported lazily).

Helpers for the pictures a physiologist or pharmacologist puts in a paper:

* :func:`time_course` -- population median of an output with nested
  percentile bands, optional individual subjects and observed data (a study's
  samples from :meth:`Result.sample` or published means with error bars), and
  optionally the stimulus and dose :func:`timeline` underneath;
* :func:`timeline` -- the protocol (stimuli as bars, shaded by level) and the
  doses (boluses as markers, infusions as bars) as a strip;
* :func:`occupancy` -- receptor occupancy stacked by ligand over time
  (outputs ``occupancy_<receptor>_<ligand>``);
* :func:`tolerance` -- functional receptor fractions (``receptor_mu|delta|kappa``)
  over days: desensitization and recovery;
* :func:`compare` -- one panel per output, the scenarios of a
  :class:`~endorphin.results.Comparison` overlaid in each;
* :func:`dose_response` -- data points, fitted curves (Hill, Emax, LL.4,
  LL.5) and their pointwise confidence bands;
* :func:`schild` -- the Schild plot, log(DR - 1) against log [antagonist],
  with the regression line, slope and pA2;
* :func:`power_curve`, :func:`effects`, :func:`arms` -- virtual trials
  (:mod:`~endorphin.plot.trials`): power against n, the distribution of effect
  estimates, the arms' endpoint values or Kaplan-Meier curves.
* :func:`vpc`, :func:`gof`, :func:`profile` -- model fits
  (:mod:`~endorphin.plot.fits`): the visual predictive check, the
  goodness-of-fit set, a profile likelihood.

Conventions: every helper takes ``ax=`` (or makes a figure), returns the
Axes (an array of Axes for several panels), labels the axes ``long_name
[units]`` from :func:`endorphin.results.output_meta` (no bracket for
dimensionless outputs), never calls ``plt.show()`` and works under
``MPLBACKEND=Agg``.  Drawing happens inside :func:`endorphin.plot.style`
(Okabe-Ito colours, font sizes), which leaves the user's global rcParams
alone.  Times are in minutes unless ``time_unit`` says ``"h"``, ``"day"`` or
``"clock"`` (clock time from the scenario's ``clock_start``).  A result with
one subject gets no band; a result with no subjects or no times draws empty
(NaN) lines rather than failing.

The rooms: :mod:`~endorphin.plot.trajectories` (time courses, timelines,
occupancy, tolerance, comparisons), :mod:`~endorphin.plot.curves`
(dose-response and Schild), :mod:`~endorphin.plot.common` (time axis, labels,
bands), :mod:`~endorphin.plot.theme` (:func:`style`, :data:`PALETTE`).
Importing this package registers :func:`time_course` and :func:`compare` as
the drawing of ``Result.plot`` and ``Comparison.plot``.
"""
from .._public import examples
from ..results.meta import register_plotter
from . import common, curves, fits, trajectories, trials
from . import design
from .common import output_label
from .curves import confidence_band, dose_response, schild, schild_line
from .fits import gof, profile, vpc
from .theme import PALETTE, style
from .trajectories import compare, occupancy, time_course, timeline, tolerance
from .trials import arms, effects, kaplan_meier, power_curve
from .design import sampling_times, schedules

__all__ = ["time_course", "timeline", "occupancy", "tolerance", "compare",
           "dose_response", "schild", "style", "PALETTE", "power_curve", "effects",
           "arms", "kaplan_meier", "sampling_times", "schedules", "vpc", "gof", "profile"]

__test__ = examples(trajectories, curves, common, trials, design)   # doctest.testmod(endorphin.plot)

register_plotter("time_course", time_course)
register_plotter("compare", compare)
