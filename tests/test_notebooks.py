"""Execute every notebook in notebooks/ (SMALL mode) and fail on any error in any cell.

The kernel is this interpreter (a throw-away kernelspec pointing at sys.executable), so the notebooks
import the same turboattn as the tests do, whether built in place or installed.
"""
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

import turboattn  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
KERNEL_NAME = "turboattn-tests"


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """Environment for the kernel: our kernelspec first on JUPYTER_PATH, SMALL=1, turboattn importable."""
    jupyter_dir = tmp_path_factory.mktemp("jupyter")
    spec_dir = jupyter_dir / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "python3 (tests)", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    package_root = str(Path(turboattn.__file__).resolve().parent.parent)
    return {"JUPYTER_PATH": os.pathsep.join(filter(None, [str(jupyter_dir), os.environ.get("JUPYTER_PATH")])),
            "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
            "SMALL": "1", "MPLBACKEND": "Agg"}


def test_notebooks_exist():
    names = {p.stem for p in NOTEBOOK_PATHS}
    assert {"accuracy_sweep", "sas_softmax", "real_activations"} <= names


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.stem)
def test_notebook_saved_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells, f"{path.name} has no code"
    assert all(not c.outputs and c.execution_count is None for c in code_cells), \
        f"{path.name} was saved with outputs; rebuild it with scripts/build_notebooks.py"


def test_notebooks_match_sources():
    spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "scripts" / "build_notebooks.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    for src in sorted((NOTEBOOKS / "src").glob("*.py")):
        built = nbformat.writes(builder.build(src)) + "\n"
        saved = (NOTEBOOKS / f"{src.stem}.ipynb").read_text()
        assert built == saved, f"{src.stem}.ipynb is out of date: run python scripts/build_notebooks.py"


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.stem)
def test_notebook_executes(path, kernel_env, monkeypatch):
    for name, value in kernel_env.items():
        monkeypatch.setenv(name, value)
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name=KERNEL_NAME,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, naming the cell, on any exception
    print(f"{path.name}: {time.perf_counter() - start:.1f} s")
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "error"]
    assert not errors
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                      if o.get("output_type") == "stream" and o.get("name") == "stdout")
    assert "SMALL=True" in printed, "the notebook did not run in SMALL mode"
    assert "| " in printed, "the notebook printed no table"
    assert "nan" not in printed.lower().replace("n/a", ""), "a measure came out NaN"
