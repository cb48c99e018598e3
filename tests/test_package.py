"""The package as a user meets it: the README's commands, the demo, cuda_available()."""
import pathlib
import re
import subprocess
import sys

import turboattn as ta

ROOT = pathlib.Path(__file__).resolve().parent.parent


def readme_commands():
    text = (ROOT / "README.md").read_text()
    return re.findall(r"^(pip install .*)$", text, flags=re.M)


def test_ci_runs_exactly_the_readme_commands():
    commands = readme_commands()
    assert len(commands) == 2, commands  # one installs and runs the demo, one runs the tests
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    for command in commands:
        assert command in ci, f"{command!r} is in README.md but not in .ci/run"


def test_cuda_available_reports_build_and_device():
    built, present = ta.cuda_available()
    assert isinstance(built, bool) and isinstance(present, bool)
    assert built == bool(ta._C.BUILT_WITH_CUDA)
    assert not present or built


def test_demo_prints_errors_against_float64():
    res = subprocess.run([sys.executable, "-m", "turboattn.demo", "--seq", "192", "--heads", "4", "--dim", "64"],
                         capture_output=True, text=True, check=True, timeout=120)
    rows = [line for line in res.stdout.splitlines() if line.startswith(("prefill", "decode"))]
    assert len(rows) == 10, res.stdout
    # Lower bounds of the cosine to float64 per kind of row, about half-way from what this run measures
    # (prefill 0.998, 4-bit decode 0.989, 2-bit decode 0.52-0.79 at N=192, D=64) to what a broken
    # kernel gives (a wrong mask, block or head decorrelates the output: cosine near 0).
    floors = {"prefill": 0.99, "4-bit": 0.95, "2-bit": 0.3, "mixed": 0.3}
    for line in rows:
        cosine = float(line.split()[-5])
        kind = "prefill" if line.startswith("prefill") else next(k for k in ("4-bit", "2-bit", "mixed") if k in line)
        assert floors[kind] < cosine <= 1.0, line
