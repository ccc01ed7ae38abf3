"""The model's one specification (endorphin/model/spec.py) against what is built from it
and what restates it independently.

* The compiled engine's layout is generated from the spec (setup.py writes
  endorphin_model_layout.h: counts, enums, name lists): every variant's names and counts
  equal the spec's.
* The pure-NumPy oracle (endorphin.model.reference) keeps its own names and equations:
  its channels, states, parameters, inputs and outputs are the spec's.
* The parameter table, output metadata and the package's own imports read the spec.
"""
import ast
from pathlib import Path

import numpy as np
import pytest

import endorphin as en
from endorphin import core
from endorphin.model import reference as ref
from endorphin.model import spec

VARIANTS = range(spec.MAX_DRUGS + 1)


@pytest.mark.parametrize("nd", VARIANTS)
def test_engine_layout_is_the_spec(nd):
    m = core.models[spec.model_name(nd)]
    names = spec.variant(nd)
    assert m.states == names["states"]
    assert m.params == names["params"]
    assert m.inputs == names["inputs"]
    assert m.outputs == names["outputs"]
    assert len(m.states) == len(spec.STATES) + nd * len(spec.DRUG_STATES)
    assert len(m.params) == len(spec.PARAMETERS) + nd * len(spec.DRUG_PARAMETERS)
    assert len(m.inputs) == len(spec.INPUTS) + nd * len(spec.DRUG_INPUTS)
    assert len(m.outputs) == len(spec.OUTPUTS) + nd * len(spec.DRUG_OUTPUTS)


def test_engine_has_exactly_the_spec_variants():
    ours = {k for k in core.models if k == spec.MODEL or k.startswith(spec.MODEL + "_d")}
    assert ours == {spec.model_name(nd) for nd in VARIANTS}


@pytest.mark.parametrize("nd", VARIANTS)
def test_reference_names_are_the_spec(nd):
    """The oracle's names (written from docs/model.md, not read from the spec)."""
    assert ref.names(nd) == spec.variant(nd)


def test_reference_channels_states_parameters_outputs_are_the_spec():
    assert ref.CHANNELS == tuple(c["name"] for c in spec.CHANNELS) == en.model.CHANNELS
    assert ref.RECEPTORS == spec.RECEPTORS
    assert ref.STATES == tuple(r["name"] for r in spec.STATES)
    assert ref.PARAMS == tuple(r[0] for r in spec.PARAMETERS)
    assert ref.INPUTS == tuple(r["name"] for r in spec.INPUTS)
    assert ref.OUTPUTS == tuple(r["name"] for r in spec.OUTPUTS)
    assert ref.DRUG_STATES == tuple(r["name"].format(slot="x")[2:] for r in spec.DRUG_STATES)
    assert ref.DRUG_PARAMS == tuple(r["name"].format(slot="x")[2:]
                                    for r in spec.DRUG_PARAMETERS)
    assert ref.DRUG_INPUTS == tuple(r["name"].format(slot="x")[2:] for r in spec.DRUG_INPUTS)


def test_channel_parameters_are_blocks_in_channel_order():
    names = [r[0] for r in spec.PARAMETERS]
    k = len(spec.CHANNEL_PARAMETERS)
    for i, c in enumerate(spec.CHANNELS):
        assert names[i * k:(i + 1) * k] == [f"{c['name']}_{f}" for f in spec.CHANNEL_PARAMETERS]
    # each channel has its input (input k is channel k) and its non-opioid state
    assert [r["name"] for r in spec.INPUTS[:len(spec.CHANNELS)]] == list(en.model.CHANNELS)
    for c in spec.CHANNELS:
        assert f"nonopioid_{c['name']}" in ref.STATES


def test_spec_rows_are_complete():
    for rows in (spec.PARAMETERS, spec.PULSE_PARAMETERS, spec.DOSING_PARAMETERS):
        for name, value, unit, low, high, cv, desc, source in rows:
            assert isinstance(name, str) and name.isidentifier(), name
            assert low <= value <= high, name
            assert cv >= 0 and unit and desc and source.strip(), name
    for rows, keys in ((spec.INPUTS, ("name", "unit", "range", "meaning")),
                       (spec.STATES, ("name", "unit", "equation")),
                       (spec.OUTPUTS, ("name", "unit", "long_name", "kind", "range")),
                       (spec.DRUG_STATES, ("name", "unit", "equation")),
                       (spec.DRUG_PARAMETERS, ("name", "unit", "meaning")),
                       (spec.DRUG_INPUTS, ("name", "unit", "range", "meaning")),
                       (spec.DRUG_OUTPUTS, ("name", "unit", "long_name", "kind", "range"))):
        for r in rows:
            assert set(keys) <= set(r) and all(r[k] for k in keys), r
    kinds = {"concentration", "fraction", "effect", "score", "ratio", "internal"}
    assert {r["kind"] for r in spec.OUTPUTS + spec.DRUG_OUTPUTS} <= kinds
    for rows in (spec.DRUG_STATES, spec.DRUG_PARAMETERS, spec.DRUG_INPUTS, spec.DRUG_OUTPUTS):
        assert all(r["name"].count("{slot}") == 1 for r in rows)


def test_parameter_table_reads_the_spec():
    tab = en.parameters()
    rows = spec.PARAMETERS + spec.PULSE_PARAMETERS + spec.DOSING_PARAMETERS
    assert tab.name.tolist() == [r[0] for r in rows]
    assert tab.value.tolist() == [r[1] for r in rows]
    assert tab.source.tolist() == [r[7] for r in rows]
    np.testing.assert_array_equal(en.model.default_parameters(),
                                  [r[1] for r in spec.PARAMETERS])
    assert en.model.TABLE is en.model.table.TABLE
    assert en.model.INDEX == {r[0]: i for i, r in enumerate(spec.PARAMETERS)}


def test_output_meta():
    for r in spec.OUTPUTS:
        assert spec.output_meta(r["name"]) == (r["unit"], r["long_name"])
    assert spec.output_meta("drug2_plasma") == ("nmol/L", "plasma concentration of drug2")
    assert spec.output_meta("morphine_effect_site") == (
        "nmol/L", "effect-site concentration of morphine")
    assert spec.output_meta("occupancy_kappa_naloxone") == (
        "1", "fraction of kappa opioid receptors occupied by naloxone")
    assert spec.output_meta("occupancy_mu_beta_endorphin") == (
        "1", "fraction of mu opioid receptors occupied by beta-endorphin")
    assert spec.output_meta("something_else") == ("1", "something else")
    for nd in VARIANTS:
        for name in spec.variant(nd)["outputs"]:
            unit, long_name = spec.output_meta(name)
            assert unit in ("1", "pmol/L", "nmol/L", "mL/kg/min") and "_" not in long_name.replace(
                "beta_endorphin", ""), name


def _relative_imports(path: Path, package: str) -> set:
    """The modules of `package` that the module at `path` imports (any depth)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")
            base = base[:len(base) - node.level + 1]
            mod = ".".join(base + ([node.module] if node.module else []))
            if node.module:
                out.add(mod)
            else:
                out.update(f"{mod}.{a.name}" for a in node.names)
    return out


def test_model_package_imports_point_one_way():
    """No circle inside endorphin.model (drugs reads the spec, not the model), and the
    model imports nothing of the layers above it (only the engine, endorphin.engine.core,
    _ufuncs and _random, which import nothing of the package)."""
    root = Path(en.model.__file__).parent
    graph = {}
    for path in root.rglob("*.py"):
        rel = path.relative_to(root.parent.parent).with_suffix("")
        parts = list(rel.parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        name = ".".join(parts)
        package = name if is_pkg else name.rsplit(".", 1)[0]
        graph[name] = _relative_imports(path, package)
    # _random: the keyed streams; _validate: argument and name checks (issue 27, item 8:
    # one helper suggests close names everywhere); both import numpy only
    allowed_outside = {"endorphin.engine", "endorphin.engine.core", "endorphin._ufuncs",
                       "endorphin._random", "endorphin._validate"}
    leaf = ast.parse((root.parent / "_validate.py").read_text())
    assert not [n for n in ast.walk(leaf) if isinstance(n, ast.ImportFrom) and n.level], \
        "endorphin._validate must import nothing of the package"
    for name, deps in graph.items():
        outside = {d for d in deps if not d.startswith("endorphin.model")}
        assert outside <= allowed_outside, (name, outside)
    assert "endorphin.model.drugs.builtin" in graph
    for name in ("endorphin.model.spec", "endorphin.model.drugs.builtin"):
        assert not {d for d in graph[name] if d != "endorphin.model.spec"}, name

    # no cycle among the submodules (a package's __init__ may import its children)
    def deps(name):
        return {d for d in graph[name] if d in graph and not name.startswith(d + ".")
                and d != name}
    state = {}

    def visit(n, stack):
        state[n] = 1
        for d in deps(n):
            if state.get(d) == 1 and not d.startswith(n + "."):
                raise AssertionError(f"import circle: {stack + [d]}")
            if d not in state:
                visit(d, stack + [d])
        state[n] = 2

    for n in graph:
        if n not in state:
            visit(n, [n])


def test_public_aliases_are_the_package_modules():
    import endorphin.drugs
    import endorphin.presets
    import endorphin.reference
    assert endorphin.drugs is en.model.drugs is en.drugs
    assert endorphin.presets is en.model.presets is en.presets
    assert endorphin.reference is en.model.reference
    assert en.drugs["morphine"] is en.model.drugs.table["morphine"]
    assert sorted(en.presets) == sorted(en.model.presets.PRESETS)
