"""Issue 27, item 9 (figures): a saved default figure keeps its wrapped y-label,
the bands of compared scenarios stay distinguishable, one legend per figure."""
import io
import json
from pathlib import Path

import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import endorphin as en  # noqa: E402

# the longest default label of the model (wrapped onto three lines in a 7 x 4 figure)
LONG = "occupancy_kappa_beta_endorphin"


@pytest.fixture(autouse=True)
def _close():
    plt.close("all")
    yield
    plt.close("all")


def test_a_wrapped_ylabel_survives_savefig_with_defaults():
    res = en.Scenario(t_end=60, dt=5, population=en.Population(10, seed=1)).simulate(
        outputs=[LONG])
    ax = en.plot.time_course(res, LONG)
    label = ax.yaxis.label
    assert "\n" in label.get_text()                     # the label was wrapped
    fig = ax.figure
    buf = io.BytesIO()
    fig.savefig(buf, format="png")                      # the caller's defaults (no bbox)
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    box, frame = label.get_window_extent(renderer), fig.bbox
    assert frame.x0 <= box.x0 and box.x1 <= frame.x1, (box, frame)
    assert frame.y0 <= box.y0 and box.y1 <= frame.y1, (box, frame)
    # the rcParams of the caller are untouched (the layout is the figure's own)
    assert not mpl.rcParams["figure.constrained_layout.use"]


def test_identical_bands_of_two_scenarios_stay_apart():
    sc = en.Scenario(en.Exercise(0.8, start=10, duration=30), t_end=90, dt=5,
                     population=en.Population(30, seed=3))
    cmp = en.compare({"A": sc, "B": sc}, outputs=["plasma_beta_endorphin"])
    ax = en.plot.compare(cmp, "plasma_beta_endorphin", bands=(5, 95))
    bands = [c for c in ax.collections if len(c.get_paths())]
    assert len(bands) == 2
    a, b = bands
    fa, fb = a.get_facecolor()[0], b.get_facecolor()[0]
    assert not np.allclose(fa, fb)
    # each band in its scenario's colour (Okabe-Ito blue, vermillion) ...
    assert np.allclose(fa[:3], mpl.colors.to_rgb(en.plot.PALETTE[0]))
    assert np.allclose(fb[:3], mpl.colors.to_rgb(en.plot.PALETTE[1]))
    # ... and the second hatched, so where they overlap they do not mix into grey
    assert not a.get_hatch() and b.get_hatch()


def _legends(fig):
    return [a.get_legend() for a in fig.axes if a.get_legend() is not None]


def test_panels_drawn_one_by_one_get_one_legend():
    sc = en.Scenario(en.Exercise(0.8, start=10, duration=30), t_end=60, dt=5,
                     population=en.Population(10, seed=3))
    cmp = en.compare({"rest": en.Scenario(t_end=60, dt=5), "exercise": sc},
                     outputs=["plasma_beta_endorphin", "plasma_acth", "plasma_cortisol"])
    fig, axes = plt.subplots(1, 3)
    for ax, k in zip(axes, ["plasma_beta_endorphin", "plasma_acth", "plasma_cortisol"]):
        cmp.plot(k, ax=ax)
    assert len(_legends(fig)) == 1
    # a second figure gets its own legend
    fig2, ax2 = plt.subplots()
    cmp.plot("plasma_acth", ax=ax2)
    assert len(_legends(fig2)) == 1


def test_notebook_05_draws_one_legend():
    nb = Path(__file__).resolve().parents[2] / "notebooks" / "05_conditions.ipynb"
    cells = [c for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code"]
    ns = {}
    code = "".join(cells[1]["source"]).replace("Population(300", "Population(20")
    exec("import numpy as np\nimport matplotlib.pyplot as plt\nimport endorphin as en\n"
         + code, ns)
    exec("".join(cells[2]["source"]), ns)
    assert len(_legends(ns["fig"])) == 1
    assert len(ns["fig"].axes) == 3
