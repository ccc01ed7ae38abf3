"""Scenario files: TOML written by Scenario.to_toml reads back to an equal scenario
that simulates to the same numbers; bad files give errors naming the key; the
``endorphin simulate`` command runs a file."""
import subprocess
import sys

import numpy as np
import pytest

import endorphin as en
from endorphin.io import toml as _toml

SCENARIOS = {
    "rest": lambda: en.Scenario(t_end=60, dt=5),
    "mixed": lambda: en.Scenario(
        en.Exercise(0.8, start=60, duration=30) + en.Acupuncture(start=100, duration=20)
        + en.Pain(level=4, start=10, duration=5).repeat(every=100, times=3),
        [en.Dose("naloxone", 0.4, time=50),
         en.Dose("morphine", rate=0.01, duration=100, unit="mg", time=5, every=200, times=2),
         en.Dose("morphine", 5, "mg", route="oral", time=0)],
        en.Population(20, seed=2, covariates={"body_weight": [60.0 + i for i in range(20)],
                                               "sex": "female"}, t_half_plasma=40.0,
                      cv={"t_half_csf": 0.1}, correlation={("t_half_plasma", "t_half_csf"): 0.4}),
        name='quote " and \\ backslash', t_end=500, dt=2.5, clock_start="07:30",
        circadian=False, pulses=False),
    "subject": lambda: en.Scenario(en.Stress(0.5, start=0, duration=10),
                                   population=en.Subject(condition="fibromyalgia", seed=3,
                                                         rho_p=12.0), t_end=30),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_round_trip(name, tmp_path):
    sc = SCENARIOS[name]()
    path = sc.to_toml(tmp_path / "s.toml")
    back = en.Scenario.from_toml(path)
    assert back == sc
    # the text is TOML that tomllib reads to the same dict
    import tomllib
    assert tomllib.loads(path.read_text()) == _toml.to_dict(sc)
    a = sc.simulate(outputs=["plasma_beta_endorphin"])
    b = back.simulate(outputs=["plasma_beta_endorphin"])
    np.testing.assert_array_equal(a["plasma_beta_endorphin"], b["plasma_beta_endorphin"])


@pytest.mark.parametrize("text, pattern", [
    ("t_end = 10\nwhatever = 1\n", "unknown key.*whatever"),
    ("[[stimuli]]\ntype = 'Jogging'\nstart = 0\nduration = 5\n", "stimuli\\[0\\].type"),
    ("[[stimuli]]\ntype = 'Exercise'\nintensity = 0.5\nstart = 0\nduration = 5\nspeed = 3\n",
     "stimuli\\[0\\].*speed"),
    ("[[doses]]\ndrug = 'morphine'\namount = -1\n", "amount"),
    ("[[doses]]\ndrug = 'morphine'\namount = 1\nflavour = 'mint'\n", "doses\\[0\\].*flavour"),
    ("[population]\ntype = 'Crowd'\n", "population.type"),
    ("[population]\nn = 5\nheight = 3\n", "height"),
    ("t_end = [1, 2\n", "not valid TOML"),
    ("t_end = -5\n", "t_end"),
])
def test_bad_files_name_the_problem(text, pattern):
    with pytest.raises(ValueError, match=pattern):
        _toml.loads(text)


def test_cli_simulate(tmp_path):
    sc = SCENARIOS["mixed"]()
    path = sc.to_toml(tmp_path / "s.toml")
    out = tmp_path / "r.csv"
    cmd = [sys.executable, "-m", "endorphin", "simulate", str(path), "-o", str(out),
           "--outputs", "plasma_beta_endorphin,morphine_plasma"]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert p.returncode == 0, p.stderr
    import pandas as pd
    df = pd.read_csv(out)
    assert set(df["variable"]) == {"plasma_beta_endorphin", "morphine_plasma"}
    res = sc.simulate(outputs=["morphine_plasma"])
    got = df[(df.variable == "morphine_plasma") & (df.subject == 3)].sort_values("time")
    np.testing.assert_allclose(got["value"].to_numpy(), res["morphine_plasma"][3], rtol=1e-12)
    bad = subprocess.run([sys.executable, "-m", "endorphin", "simulate", str(path), "-o",
                          str(tmp_path / "r.xlsx")], capture_output=True, text=True,
                         cwd=tmp_path, timeout=60)
    assert bad.returncode == 2 and ".nc or .csv" in bad.stderr
    missing = subprocess.run([sys.executable, "-m", "endorphin", "simulate",
                              str(tmp_path / "nope.toml"), "-o", str(out)],
                             capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert missing.returncode == 1 and "no such file" in missing.stderr


def test_readme_example_file_is_valid():
    from pathlib import Path
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    sc = _toml.loads(block)
    assert sc.population.n == 100 and sc.doses[0].drug == "naloxone"
    assert sc.protocol[0].intensity == 0.8 and sc.pulses is False
