"""Issue 27, item 6: a saved result reopens as the Result (or Comparison) it was.

``en.open_result(path)`` and ``Result.from_xarray(ds)`` restore everything
``to_xarray`` writes (times, outputs in order, subjects, covariates, status and
stiff flags, parameters, name, provenance with its booleans/None/dicts, clock
start, scenario); the comparison is checked with ``==`` against the original
object (``Result.__eq__`` compares every array, the provenance dict and the
scenario), never against values read back from a file by the code under test.
The command line's files (``endorphin simulate -o x.nc`` / ``x.csv``) reopen too,
and ``plot.time_course`` takes the Dataset of ``xr.open_dataset`` (the issue's
TypeError).
"""
import numpy as np
import pytest

import endorphin as en
from endorphin import cli
from endorphin.results import Comparison, Result

xr = pytest.importorskip("xarray")

OUTS = ["plasma_beta_endorphin", "morphine_plasma", "pain_nrs"]


def _scenario(n=6, name="morphine after exercise", dose=10.0):
    return en.Scenario(
        en.Exercise(0.8, start=30, duration=30) + en.Pain(level=6, start=0, duration=90),
        en.Dose("morphine", dose, "mg", route="iv", time=10),
        en.Population(n, seed=3, covariates={"body_weight": np.linspace(55.0, 95.0, n)}),
        t_end=120, dt=2.0, clock_start="09:30", name=name)


@pytest.fixture(scope="module")
def res():
    return _scenario().simulate(outputs=OUTS)


def _engines():
    import importlib.util
    out = [None]                                # xarray's default (h5netcdf here)
    if importlib.util.find_spec("scipy") is not None:
        out.append("scipy")                     # netCDF3: no int64, no bool, no groups
    return out


@pytest.mark.parametrize("engine", _engines())
def test_simulated_result_round_trips_through_netcdf(res, tmp_path, engine):
    path = tmp_path / "r.nc"
    res.to_xarray(parameters=True).to_netcdf(path, engine=engine)
    back = en.open_result(path, engine=engine)
    assert isinstance(back, Result)
    assert back == res                          # arrays, names, provenance, scenario
    # each part, so a failure says which one is lost
    assert back.output_names == tuple(OUTS)
    assert back.scenario == res.scenario and back.scenario is not None
    assert back.provenance == res.provenance
    assert back.provenance["circadian"] is True and back.provenance["pulses"] is True
    np.testing.assert_array_equal(back.params, res.params)
    np.testing.assert_array_equal(back.stiff, res.stiff)
    np.testing.assert_array_equal(back.covariates["body_weight"], np.linspace(55, 95, 6))
    assert back.clock_start == 9 * 60 + 30
    assert back.name == "morphine after exercise"
    # the reopened result works like the original
    pd_ = pytest.importorskip("pandas")
    pd_.testing.assert_frame_equal(back.summary().population, res.summary().population)


def test_values_netcdf_cannot_store_round_trip(tmp_path):
    t = np.linspace(0.0, 60.0, 7)
    y = np.arange(2 * 2 * 7, dtype=float).reshape(2, 2, 7)
    prov = {"pulses": True, "circadian": False, "note": None, "big": 2**100,
            "nested": {"a": [1, 2.5, None], "b": {"deep": True}}, "pair": (1, "x"),
            "int_keys": {1: "one"}, "empty": "", "rtol": 1e-6, "seed": np.int64(7)}
    res = Result(t, y, ["mood", "pain_nrs"], subjects=[10, 42], status=[0, 3],
                 stiff=[False, True], params=np.array([[1.0, 2.0], [3.0, np.nan]]),
                 covariates={"sex": np.array(["f", "m"]), "age": np.array([30, 41])},
                 name="ünïcode run", provenance=prov, clock_start=1234.5)
    for engine in _engines():
        path = tmp_path / f"p-{engine}.nc"
        ds = res.to_xarray(parameters=True)
        # the readable attributes stay as before (booleans 0/1, None "", big ints text)
        assert ds.attrs["pulses"] == 1 and ds.attrs["note"] == ""
        assert ds.attrs["big"] == str(2**100)
        ds.to_netcdf(path, engine=engine)
        back = en.open_result(path, engine=engine)
        assert back == res, engine
        assert back.provenance == prov
        assert type(back.provenance["pulses"]) is bool and back.provenance["note"] is None
        assert back.provenance["pair"] == (1, "x") and back.provenance["int_keys"] == {1: "one"}
        assert isinstance(back.provenance["seed"], np.int64)
        assert back.clock_start == 1234.5 and back.scenario is None
        assert back.stiff.tolist() == [False, True] and back.status.tolist() == [0, 3]
        assert back.covariates["sex"].tolist() == ["f", "m"]
    # in memory too, without a file
    assert Result.from_xarray(res.to_xarray(parameters=True)) == res


def test_dataset_without_the_json_attribute_is_read_from_variables(res):
    ds = res.to_xarray()
    for key in ("endorphin_result", "endorphin_scenario"):
        del ds.attrs[key]
    back = Result.from_xarray(ds)
    np.testing.assert_array_equal(back.y, res.y)
    assert back.output_names == tuple(OUTS) and back.name == res.name
    assert back.provenance["method"] == res.provenance["method"]
    assert back.clock_start == 570.0


def test_comparison_round_trips_with_different_subjects(tmp_path):
    cmp = en.compare({"10 mg": _scenario(6), "5 mg": _scenario(4, name="low", dose=5.0)},
                     outputs=OUTS)
    path = tmp_path / "c.nc"
    ds = cmp.to_xarray(parameters=True)
    assert ds["morphine_plasma"].dims == ("scenario", "subject", "time")
    ds.to_netcdf(path)
    back = en.open_result(path)
    assert isinstance(back, Comparison)
    assert back == cmp
    assert back["5 mg"].n_subjects == 4 and back["5 mg"].scenario == cmp["5 mg"].scenario
    assert Comparison.from_xarray(ds) == cmp
    with pytest.raises(ValueError, match="comparison"):
        Result.from_xarray(ds)


def test_bad_input_names_the_argument(tmp_path, res):
    with pytest.raises(TypeError, match="ds must be an xarray Dataset"):
        Result.from_xarray({"a": 1})
    with pytest.raises(ValueError, match="one result"):
        Comparison.from_xarray(res.to_xarray())
    with pytest.raises(FileNotFoundError, match="no such file"):
        en.open_result(tmp_path / "missing.nc")
    with pytest.raises(ValueError, match="'subject' and 'time'"):
        Result.from_xarray(xr.Dataset({"a": ("x", [1.0])}))


def test_time_course_takes_an_opened_dataset(res, tmp_path):
    """The issue: ``plot.time_course(xr.open_dataset(...))`` raised TypeError."""
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    path = tmp_path / "r.nc"
    res.to_xarray().to_netcdf(path)
    with xr.open_dataset(path) as ds:
        ax = en.plot.time_course(ds, "morphine_plasma")
    expected = np.median(res["morphine_plasma"], axis=0)
    line = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == res.t.size][0]
    np.testing.assert_allclose(line.get_ydata(), expected)
    plt.close("all")
    ax = en.plot.time_course(en.open_result(path), "pain_nrs")
    assert ax.get_lines()
    plt.close("all")


def test_cli_outputs_open_with_open_result(tmp_path, monkeypatch, capsys):
    sc = _scenario(5)
    toml = sc.to_toml(tmp_path / "s.toml")
    expected = sc.simulate(outputs=OUTS)
    nc, csv = tmp_path / "out.nc", tmp_path / "out.csv"
    assert cli.main(["simulate", str(toml), "-o", str(nc), "--outputs", ",".join(OUTS)]) == 0
    assert en.open_result(nc) == expected
    assert cli.main(["simulate", str(toml), "-o", str(csv), "--outputs", ",".join(OUTS)]) == 0
    back = en.open_result(csv)                  # a CSV keeps outputs, subjects and times
    assert back.output_names == tuple(OUTS)
    np.testing.assert_array_equal(back.t, expected.t)
    np.testing.assert_array_equal(back.subjects, expected.subjects)
    np.testing.assert_array_equal(back.y, expected.y)
    capsys.readouterr()


def test_cli_plot_draws_every_output_titled(tmp_path, monkeypatch):
    """The issue: ``endorphin simulate --plot`` drew only the first output, untitled."""
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    saved = []
    original = Figure.savefig

    def spy(self, *args, **kwargs):
        saved.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    toml = _scenario(5).to_toml(tmp_path / "trial.toml")
    png = tmp_path / "f.png"
    assert cli.main(["simulate", str(toml), "-o", str(tmp_path / "o.nc"),
                     "--outputs", ",".join(OUTS), "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fig = saved[-1]
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_lines()]
    assert [ax.get_title() for ax in panels] == OUTS
    # every panel labels its own time axis (none hidden by a shared axis)
    fig.canvas.draw()
    assert all(any(lbl.get_text() for lbl in ax.get_xticklabels()) for ax in panels)
    assert "morphine after exercise" in fig.get_suptitle()
    # without a scenario name: the file name
    (tmp_path / "noname.toml").write_text(
        (tmp_path / "trial.toml").read_text().replace('name = "morphine after exercise"\n',
                                                        ""))
    assert cli.main(["simulate", str(tmp_path / "noname.toml"), "-o",
                     str(tmp_path / "o2.nc"), "--outputs", "pain_nrs", "--plot",
                     str(png)]) == 0
    assert saved[-1].get_suptitle().startswith("noname")


def test_demo_help_prints_single_percent(capsys):
    """The issue: ``endorphin demo --help`` printed "%%"."""
    for cmd in (["demo", "--help"], ["simulate", "--help"], ["--help"]):
        with pytest.raises(SystemExit) as exc:
            cli.main(cmd)
        assert exc.value.code == 0
        out = capsys.readouterr().out
        assert "%%" not in out
    with pytest.raises(SystemExit):
        cli.main(["demo", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "60, 70 and 80 % VO2max" in out


def test_demo_csv_has_the_columns_of_to_pandas(tmp_path, capsys):
    """The issue: the demo CSV had ``time_min`` where ``to_pandas()`` has ``time`` and
    ``unit``.  Its columns now are a comparison's ``to_pandas()`` columns, and it
    reopens with ``open_result``."""
    import pandas as pd
    assert cli.main(["demo", "--n", "4", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    df = pd.read_csv(tmp_path / "demo_exercise.csv")
    one = Result(np.array([0.0, 1.0]), np.zeros((1, 1, 2)), ["mood"])
    assert list(df.columns) == ["scenario", *one.to_pandas().columns]
    assert set(df["scenario"]) == {"60 % VO2max", "70 % VO2max", "80 % VO2max"}
    assert (df.loc[df.variable == "plasma_cortisol", "unit"] == "nmol/L").all()
    back = en.open_result(tmp_path / "demo_exercise.csv")
    assert isinstance(back, Comparison) and len(back) == 3
    assert back["80 % VO2max"].t[0] == -15.0 and back["80 % VO2max"].n_subjects == 4


def test_parameters_can_be_left_out(res):
    ds = res.to_xarray()                        # the default: without them
    assert dict(ds.sizes) == {"subject": 6, "time": res.t.size}
    back = Result.from_xarray(ds)
    assert back.params is None
    np.testing.assert_array_equal(back.y, res.y)
    assert back.scenario == res.scenario
    # with them: the engine's parameter names, one row per subject
    full = res.to_xarray(parameters=True)
    assert full["parameters"].dims == ("subject", "parameter")
    assert full["parameter"].values.tolist() == list(res.parameters().columns)
