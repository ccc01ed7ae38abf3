"""The one look of endorphin's figures: palette, sizes and a context manager.

Every helper of :mod:`endorphin.plot` draws inside :func:`style`, a
``matplotlib.rc_context`` with :data:`RC`: the user's global ``rcParams`` are
never changed.  The palette is Okabe and Ito's (2008, "Color Universal Design",
https://jfly.uni-koeln.de/color/), distinguishable with the common forms of
colour-vision deficiency and in greyscale by lightness; the order below puts
the most distinct pairs first (blue/vermillion, then bluish green, reddish
purple, orange, sky blue).

matplotlib is imported only inside :func:`style`, never at import time.
"""
from __future__ import annotations

import contextlib

__all__ = ["OKABE_ITO", "PALETTE", "RC", "BAND_ALPHA", "BAND_HATCHES", "NEUTRAL", "color",
           "style"]

#: The eight Okabe-Ito colours by name (sRGB hex).
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Colour cycle of lines and bands (yellow last: too light for thin lines on white).
PALETTE: tuple[str, ...] = tuple(OKABE_ITO[k] for k in (
    "blue", "vermillion", "bluish_green", "reddish_purple", "orange", "sky_blue",
    "black", "yellow"))

#: Grey of annotations (stimulus spans, reference lines, published points).
NEUTRAL = "#4D4D4D"

#: Opacity of the outer percentile band; inner bands add to it.
BAND_ALPHA = 0.18

#: Hatches of the bands of the 2nd, 3rd, ... scenario of a comparison (the first is
#: filled): bands that overlap stay apart instead of mixing into grey.
BAND_HATCHES: tuple[str, ...] = ("////", "\\\\", "xx", "..", "++", "oo")

#: rcParams applied inside every helper (sizes in points, for a figure about
#: 7 inches wide as in a two-column paper or a notebook).
RC: dict = {
    "font.size": 10.0,
    "axes.titlesize": 11.0,
    "axes.labelsize": 10.0,
    "xtick.labelsize": 9.0,
    "ytick.labelsize": 9.0,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "axes.titlelocation": "left",
    "axes.grid": False,
    "lines.linewidth": 1.6,
    "lines.markersize": 5.0,
    "errorbar.capsize": 2.5,
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 100.0,
    "savefig.dpi": 150.0,
    "savefig.bbox": "tight",
    # figures made inside a helper keep constrained layout after it returns, so a
    # wrapped y-label survives fig.savefig() with the caller's defaults (issue 27)
    "figure.constrained_layout.use": True,
    "image.cmap": "cividis",
}


# rcParams that style() does not restore (see there)
_KEEP = ("backend", "interactive")


def color(i: int) -> str:
    """The ``i``-th colour of :data:`PALETTE` (cycling)."""
    return PALETTE[int(i) % len(PALETTE)]


@contextlib.contextmanager
def style(**overrides):
    """Draw with endorphin's look, restoring the caller's rcParams afterwards.

    Parameters
    ----------
    **overrides
        rcParams to change on top of :data:`RC` (dots as underscores are not
        translated: pass ``**{"font.size": 12}``).

    Examples
    --------
    >>> import matplotlib
    >>> from endorphin.plot import style
    >>> before = matplotlib.rcParams["font.size"]
    >>> with style():
    ...     inside = matplotlib.rcParams["font.size"]
    >>> inside, matplotlib.rcParams["font.size"] == before
    (10.0, True)
    """
    import matplotlib
    from cycler import cycler
    rc = dict(RC)
    rc["axes.prop_cycle"] = cycler(color=list(PALETTE))
    rc.update(overrides)
    params = matplotlib.rcParams
    # like matplotlib.rc_context, but "interactive" (as well as "backend") keeps
    # whatever happened inside: the first figure of a Jupyter session resolves
    # the inline backend, which switches interactive mode on; restoring the old
    # False would stop every later figure of the session from being shown
    orig = dict(params.copy())
    for key in _KEEP:
        orig.pop(key, None)
    try:
        params.update(rc)
        yield
    finally:
        dict.update(params, orig)
