"""Shared fixtures: the repository root, shipped scenarios, and a CLI runner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from innosim.model.city import Plan, load_city
from innosim.model.parameters import prior_medians
from innosim.model.scenario_files import load_scenario

# A suite started as a background job of a non-interactive shell inherits SIGINT ignored; the commands the Ctrl-C
# tests start would inherit that too (and innosim leaves an ignored SIGINT alone, as it must for background jobs).
# Catching it here gives every test, and every process a test starts, the default disposition of an interactive run.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def city_plan() -> Plan:
    """The shipped city's plan: its targets, target year and plan years."""
    return load_city(SCENARIOS / "cities" / "qingdao.yaml").plan


@pytest.fixture(scope="session")
def baseline():
    return load_scenario(SCENARIOS / "baseline.yaml")


@pytest.fixture(scope="session")
def medians():
    return prior_medians()


# The files that take longest (CI's durations), longest first. Under pytest-xdist (pyproject's addopts: two processes,
# one file at a time each, in collection order) they start first, so that neither process is left with a long file
# while the other has finished; a serial run keeps the usual order.
SLOW_FILES = ("test_calibration.py", "test_compat_newer_mesa.py", "test_brief.py", "test_sweep.py",
              "test_report_charts.py", "test_sensitivity.py", "test_explore_browser.py")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        rank = {name: i for i, name in enumerate(SLOW_FILES)}
        items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``innosim`` as a user would (a fresh interpreter), capturing output."""
    return subprocess.run([sys.executable, "-m", "innosim.experiments.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=600)


def write_scenario(tmp: Path, text: str, name: str = "s.yaml") -> Path:
    """A scenario file in ``tmp`` whose ``city`` points at the shipped Qingdao profile."""
    p = tmp / name
    p.write_text(text.replace("CITY", str(SCENARIOS / "cities" / "qingdao.yaml")), encoding="utf-8")
    return p


@pytest.fixture(autouse=True)
def _keep_ctrl_c(request):
    """A test that runs a command in-process may leave SIGINT ignored or blocked in the pytest process (a worker
    guard run in-process); every later subprocess would inherit it and ignore Ctrl-C. Restore the disposition and
    the mask after each test, and say which test changed them."""
    handler = signal.getsignal(signal.SIGINT)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    yield
    if signal.getsignal(signal.SIGINT) is not handler or signal.pthread_sigmask(signal.SIG_BLOCK, set()) != mask:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        warnings.warn(f"{request.node.nodeid} left SIGINT ignored or blocked; restored", stacklevel=1)
