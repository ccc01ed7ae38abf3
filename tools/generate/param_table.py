"""Rewrite the generated tables of docs/model.md from the model's specification.

    python tools/generate/param_table.py          # run with the package installed

The inputs, states, outputs (endorphin/model/spec.py) and the parameter list
(endorphin.parameters(), which reads the spec) sit between the markers
``<!-- <name>-list-start -->`` and ``<!-- <name>-list-end -->``.
tests/package/test_model_docs.py checks that each block is this tool's output.
"""
from pathlib import Path

import endorphin as en
from endorphin.model import spec

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"
SLOT = "drug<k>"


def _slot(name: str) -> str:
    return name.format(slot=SLOT)


def inputs() -> str:
    """The input table: the channels, the infusions, then each drug slot's inputs."""
    lines = ["| # | input | unit | range | meaning |", "|---|---|---|---|---|"]
    for i, r in enumerate(spec.INPUTS):
        lines.append(f"| {i} | `{r['name']}` | {r['unit']} | {r['range']} | {r['meaning']} |")
    n, m = len(spec.INPUTS), len(spec.DRUG_INPUTS)
    for j, r in enumerate(spec.DRUG_INPUTS):
        lines.append(f"| {n + j} + {m}(k-1) | `{_slot(r['name'])}` | {r['unit']} | "
                     f"{r['range']} | drug slot k: {r['meaning']} |")
    return "\n".join(lines)


def states() -> str:
    """The state table and the drug slot's states."""
    lines = ["| # | state | unit | equation |", "|---|---|---|---|"]
    for i, r in enumerate(spec.STATES):
        lines.append(f"| {i} | `{r['name']}` | {r['unit']} | {r['equation']} |")
    lines += ["", f"and, for each drug slot k (after these, {len(spec.DRUG_STATES)} states "
              f"per slot):", "", "| state | unit | equation |", "|---|---|---|"]
    for r in spec.DRUG_STATES:
        lines.append(f"| `{_slot(r['name'])}` | {r['unit']} | {r['equation']} |")
    return "\n".join(lines)


def outputs() -> str:
    """The output table (unit, long name, kind, range) and the drug slot's outputs."""
    lines = ["| # | output | unit | long name | kind | range |", "|---|---|---|---|---|---|"]
    for i, r in enumerate(spec.OUTPUTS):
        lines.append(f"| {i} | `{r['name']}` | {r['unit']} | {r['long_name']} | {r['kind']} "
                     f"| {r['range']} |")
    lines += ["", f"then, for each drug slot k ({len(spec.DRUG_OUTPUTS)} outputs per slot):", "",
              "| output | unit | long name | kind | range |", "|---|---|---|---|---|"]
    for r in spec.DRUG_OUTPUTS:
        lines.append(f"| `{_slot(r['name'])}` | {r['unit']} | {_slot(r['long_name'])} | "
                     f"{r['kind']} | {r['range']} |")
    return "\n".join(lines)


def markdown() -> str:
    """The parameter list."""
    tab = en.parameters()
    lines = ["| name | value | unit | range | CV | kind | description | source |",
             "|---|---|---|---|---|---|---|---|"]
    for r in tab.itertuples():
        src = r.source.replace("|", "/")
        lines.append(f"| `{r.name}` | {r.value:g} | {r.unit} | {r.low:g}-{r.high:g} | "
                     f"{r.cv:g} | {r.kind} | {r.description} | {src} |")
    return "\n".join(lines)


#: marker name -> generator
BLOCKS = {"input": inputs, "state": states, "output": outputs, "parameter": markdown}


def block(text: str, name: str) -> str:
    """The text between the markers of block `name` in `text`."""
    start, end = f"<!-- {name}-list-start -->", f"<!-- {name}-list-end -->"
    return text.split(start)[1].split(end)[0]


def main():
    text = DOC.read_text()
    for name, gen in BLOCKS.items():
        start, end = f"<!-- {name}-list-start -->", f"<!-- {name}-list-end -->"
        head, rest = text.split(start)
        _, tail = rest.split(end)
        text = head + start + "\n" + gen() + "\n" + end + tail
    DOC.write_text(text)


if __name__ == "__main__":
    main()
