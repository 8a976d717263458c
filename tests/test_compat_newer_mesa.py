"""innosim works on Mesa 3.3 (Python 3.11, the README's default) and on the newest Mesa pip picks under Python 3.12
(3.5 at the time of writing): this test builds a Python 3.12 environment beside the checkout (``.venv312/``, made
once and reused while pyproject.toml is unchanged) and runs a fast subset of the suite in it — the model's
regression baseline, determinism, the memory fix, instruments, common random numbers and the run command — and
checks that a mixed-budget scenario gives byte-identical tables on both lines.

The environment holds what the subset imports, not the whole of innosim's dependencies: innosim itself (editable,
without dependencies), the dependencies named in ``SUBSET_DEPENDENCIES`` with the version ranges pyproject.toml gives
them, and pytest with its range from the test extra. pyabc, Dask, ema-workbench, SALib, Solara and the test extra's
Playwright are not imported by the subset; installing them took about 40% of the build's CPU time and half its disk
(1.8 GB against 0.8 GB). A dependency the subset starts to import without being listed fails the subset with
``ModuleNotFoundError`` naming it: add it to ``SUBSET_DEPENDENCIES``.

Python 3.12 is found as ``python3.12`` on the PATH or under pyenv. Where it is missing the test is skipped, except in
CI (``CI=true``), where a missing interpreter is a failure: CI must exercise both Mesa lines.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

VENV = ROOT / ".venv312"
# What a Mesa upgrade can break: the model's numbers, determinism, the memory fix, the agents, the commands.
SUBSET = ["tests/test_regression.py", "tests/test_determinism.py", "tests/test_memory_and_agents.py",
          "tests/test_instruments.py", "tests/test_common_random_numbers.py", "tests/test_run_command.py"]
# innosim's dependencies that the subset and `innosim run` import (pyproject.toml names them; their ranges come from
# there). Checked by listing sys.modules at the exit of the subset's run and of its commands.
SUBSET_DEPENDENCIES = {"mesa", "numpy", "scipy", "numba", "pandas", "pyarrow", "pydantic", "pyyaml", "matplotlib",
                       "tqdm"}


def python312() -> str | None:
    """A working Python 3.12: on the PATH, or installed by pyenv (whose shim fails unless 3.12 is selected)."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [shutil.which("python3.12"), *map(str, sorted(root.glob("versions/3.12*/bin/python3.12")))]
    for found in filter(None, candidates):
        ok = subprocess.run([found, "-c", "import sys; assert sys.version_info[:2] == (3, 12)"], capture_output=True)
        if ok.returncode == 0:
            return found
    return None


def _name(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()


# What the subset's test files import from the test extra (the memory test reads the resident size with psutil).
SUBSET_TEST_DEPENDENCIES = {"pytest", "psutil"}


def subset_requirements() -> list[str]:
    """The requirement strings of pyproject.toml for ``SUBSET_DEPENDENCIES`` and, from the test extra, for
    ``SUBSET_TEST_DEPENDENCIES``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = [r for r in project["dependencies"] if _name(r) in SUBSET_DEPENDENCIES]
    assert {_name(r) for r in deps} == SUBSET_DEPENDENCIES, "a subset dependency is no longer in pyproject.toml"
    test = [r for r in project["optional-dependencies"]["test"] if _name(r) in SUBSET_TEST_DEPENDENCIES]
    assert {_name(r) for r in test} == SUBSET_TEST_DEPENDENCIES, "a subset test dependency left the test extra"
    return deps + test


def ensure_venv(python: str) -> Path:
    """``.venv312`` with the subset's requirements and innosim (editable, without its other dependencies); rebuilt
    when pyproject.toml or the requirements change."""
    stamp = VENV / "pyproject.sha256"
    requirements = subset_requirements()
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + "\n".join(requirements).encode()).hexdigest()
    bin_python = VENV / "bin" / "python"
    if bin_python.is_file() and stamp.is_file() and stamp.read_text() == want:
        return bin_python
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(VENV)], check=True, timeout=300)
    # The requirements first, then innosim without dependencies (pip would otherwise warn about those not installed).
    for args in (requirements, ["--no-deps", "-e", "."]):
        r = subprocess.run([str(bin_python), "-m", "pip", "install", "-q", *args], cwd=ROOT, capture_output=True,
                           text=True, timeout=1200)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    stamp.write_text(want)
    return bin_python


@pytest.mark.skipif(sys.version_info[:2] == (3, 12), reason="already running under Python 3.12")
def test_fast_subset_on_python312_with_newest_mesa(tmp_path):
    python = python312()
    if python is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Python 3.12 not found: CI must run the subset on the newer Mesa (install it with pyenv)")
        pytest.skip("Python 3.12 not found on this machine")
    bin_python = ensure_venv(python)
    mesa = subprocess.run([str(bin_python), "-c", "import mesa; print(mesa.__version__)"], capture_output=True,
                          text=True, check=True).stdout.strip()
    assert tuple(int(x) for x in mesa.split(".")[:2]) >= (3, 4), f"pip picked Mesa {mesa} under Python 3.12"
    # In one process: pytest-xdist (pyproject's addopts) is not installed here, and the suite around this test
    # already keeps both cores busy.
    r = subprocess.run([str(bin_python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=-ra",
                        *SUBSET], cwd=ROOT, capture_output=True, text=True, timeout=1500)
    tail = "\n".join(r.stdout.strip().splitlines()[-15:])
    assert r.returncode == 0, f"Python 3.12 / Mesa {mesa}:\n{tail}\n{r.stderr[-2000:]}"
    # The same numbers on both lines: a mixed-budget scenario (budgets added across families) byte for byte.
    args = ["-m", "innosim.experiments.cli", "run", "scenarios/mix_equity_heavy.yaml", "--replicates", "3", "--quiet"]
    for py, out in ((sys.executable, tmp_path / "py311"), (str(bin_python), tmp_path / "py312")):
        done = subprocess.run([py, *args, "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    for name in ("annual.csv", "ledger.csv", "targets.csv"):
        assert (tmp_path / "py311" / name).read_bytes() == (tmp_path / "py312" / name).read_bytes(), name
