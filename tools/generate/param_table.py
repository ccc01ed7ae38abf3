"""Rewrite the parameter list of docs/model.md from endorphin.parameters().

    python tools/generate/param_table.py          # run with the package installed

tests/package/test_model_docs.py checks that the list in the docs matches the table.
"""
from pathlib import Path

import endorphin as en

START, END = "<!-- parameter-list-start -->", "<!-- parameter-list-end -->"


def markdown() -> str:
    tab = en.parameters()
    lines = ["| name | value | unit | range | CV | kind | description | source |",
             "|---|---|---|---|---|---|---|---|"]
    for r in tab.itertuples():
        src = r.source.replace("|", "/")
        lines.append(f"| `{r.name}` | {r.value:g} | {r.unit} | {r.low:g}-{r.high:g} | "
                     f"{r.cv:g} | {r.kind} | {r.description} | {src} |")
    return "\n".join(lines)


def main():
    path = Path(__file__).resolve().parents[2] / "docs" / "model.md"
    text = path.read_text()
    head, rest = text.split(START)
    _, tail = rest.split(END)
    path.write_text(head + START + "\n" + markdown() + "\n" + END + tail)


if __name__ == "__main__":
    main()
