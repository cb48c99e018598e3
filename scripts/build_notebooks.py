"""Build the notebooks from their plain-Python sources, and (optionally) the results page.

Each notebooks/src/NAME.py is a script in "percent" cells (`# %%` code, `# %% [markdown]` text,
`# %% results` a code cell whose printed Markdown goes into RESULTS.md). Keeping the source as a
script makes diffs readable and lets `cd notebooks && SMALL=1 PYTHONPATH=. python src/NAME.py` run it
directly (figures are then drawn off screen).

    python scripts/build_notebooks.py             # notebooks/NAME.ipynb, outputs cleared
    python scripts/build_notebooks.py --results   # also execute them in full size -> notebooks/RESULTS.md
    python scripts/build_notebooks.py --check     # exit 1 when an .ipynb differs from its source
"""
import argparse
import os
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
RESULTS_TAG = "results"


def parse_cells(text):
    """[(kind, tags, source)] from a percent-format script."""
    cells, kind, tags, lines = [], None, [], []

    def flush():
        if kind is not None:
            source = "\n".join(lines).strip("\n")
            if kind == "markdown":  # markdown lines are written as comments in the script
                source = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#")
                                   for line in source.splitlines())
            cells.append((kind, tags, source))

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            header = line[4:].strip()
            kind = "markdown" if header == "[markdown]" else "code"
            tags = [RESULTS_TAG] if header == RESULTS_TAG else []
            lines = []
        elif kind is not None:
            lines.append(line)
    flush()
    return cells


def build(src_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, tags, source in parse_cells(src_path.read_text()):
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        cell.pop("id", None)  # ids change every build; keep the files stable
        nb.cells.append(cell)
    nb.nbformat_minor = 4  # no cell ids
    return nb


def execute(nb, env_small):
    """Run nb in a python3 kernel with cwd notebooks/ and SMALL set; return the executed notebook."""
    from nbclient import NotebookClient

    os.environ["SMALL"] = "1" if env_small else "0"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # an in-place build of this checkout, unless one is installed
    root_path = str(Path(__import__("turboattn").__file__).resolve().parent.parent)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [root_path, os.environ.get("PYTHONPATH")]))
    client = NotebookClient(nb, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    return nb


def results_markdown(name, nb):
    parts = [f"## {name}.ipynb\n"]
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## Conclusions"):
            parts.append("#" + cell.source + "\n")  # the notes that summarise the tables above
        elif cell.cell_type == "markdown" and cell.source.startswith("## "):
            parts.append("#" + cell.source.splitlines()[0] + "\n")
        if RESULTS_TAG in cell.metadata.get("tags", []):
            text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
            parts.append(text.strip() + "\n")
    return "\n".join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", action="store_true", help="execute full size and write notebooks/RESULTS.md")
    parser.add_argument("--check", action="store_true", help="only compare the .ipynb files with their sources")
    parser.add_argument("names", nargs="*", help="notebook names (default: all in notebooks/src)")
    args = parser.parse_args()
    sources = sorted((NOTEBOOKS / "src").glob("*.py"))
    if args.names:
        sources = [s for s in sources if s.stem in args.names]
    stale = []
    for src in sources:
        target = NOTEBOOKS / f"{src.stem}.ipynb"
        text = nbformat.writes(build(src)) + "\n"
        if args.check:
            if not target.exists() or target.read_text() != text:
                stale.append(target.name)
            continue
        target.write_text(text)
    if args.check:
        if stale:
            print("out of date (run scripts/build_notebooks.py):", ", ".join(stale))
            return 1
        return 0
    if args.results:
        page = ["# Accuracy results (full-size run of the notebooks)\n",
                f"Generated by `python scripts/build_notebooks.py --results` on {time.strftime('%Y-%m-%d')}; "
                "CPU path, errors against float64 attention on the same (float16) inputs.\n"]
        for src in sources:
            start = time.time()
            nb = execute(build(src), env_small=False)
            print(f"{src.stem}: {time.time() - start:.0f} s", file=sys.stderr)
            page.append(results_markdown(src.stem, nb))
        (NOTEBOOKS / "RESULTS.md").write_text("\n".join(page))
    return 0


if __name__ == "__main__":
    sys.exit(main())
