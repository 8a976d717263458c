"""Absurd requests are refused at once (exit 2, one line, the estimate and the flag that overrides it)."""

from __future__ import annotations

import time

import pytest

from innosim.experiments.runs import limits
from innosim.model.errors import InputError
from tests.conftest import SCENARIOS, cli

BASELINE = str(SCENARIOS / "baseline.yaml")


def _refused(r, *fragments: str) -> None:
    err = r.stderr.strip()
    assert r.returncode == 2, (r.stdout, err)
    assert "Traceback" not in err and len(err.splitlines()) == 1 and err.startswith("innosim: error: "), err
    for f in fragments:
        assert f in err, (f, err)


def test_more_workers_than_cores_needs_force(tmp_path):
    n = limits.machine_cores() + 1
    r = cli("run", BASELINE, "--workers", str(n), "--out", str(tmp_path / "o"))
    _refused(r, "--workers", f"{limits.machine_cores()} cores", "--force-workers")
    assert not (tmp_path / "o").exists()
    limits.check_workers(n, force=True)  # forced: allowed


@pytest.mark.parametrize("args,fragments", [
    (["run", BASELINE, "--replicates", "100000000"], ["100,000,000 runs", "days", "--yes"]),
    (["compare", BASELINE, BASELINE, "--replicates", "60000"], ["120,000 runs", "--yes"]),
    (["sensitivity", BASELINE, "--n", "1000000"], ["--n", "GB", "--yes"]),
])
def test_huge_requests_ask_for_yes_at_once(args, fragments, tmp_path):
    t0 = time.monotonic()
    r = cli(*args, "--out", str(tmp_path / "o"))
    assert time.monotonic() - t0 < 15, "the estimate must come before any task is built"
    _refused(r, *fragments)
    assert not (tmp_path / "o").exists()


def test_huge_sweep_asks_for_yes_and_huge_grid_is_refused(tmp_path):
    spec = tmp_path / "big.yaml"
    spec.write_text(f"name: big\nbase: {BASELINE}\naxes:\n  - {{field: budget_scale, low: 0.5, high: 2, "
                    "points: 100}\n  - {field: mix.equity, low: 0.1, high: 0.4, points: 100}\nruns: {draws: 20}\n",
                    encoding="utf-8")
    r = cli("sweep", str(spec), "--out", str(tmp_path / "o"))
    _refused(r, "200,020 runs", "--yes")
    assert not (tmp_path / "o").exists()
    spec.write_text(spec.read_text().replace("points: 100", "points: 1000"), encoding="utf-8")
    t0 = time.monotonic()
    r = cli("validate", str(spec))
    assert time.monotonic() - t0 < 15
    _refused(r, "1,000,000 points", "at most 10,000")


def test_estimates():
    assert limits.check_size(limits.Estimate(100, 1), yes=False, option="--replicates") is False
    assert limits.check_size(limits.Estimate(10**7, 1), yes=True, option="--replicates") is True
    with pytest.raises(InputError, match="--yes"):
        limits.check_size(limits.Estimate(10, 1, design_bytes=2 * limits.MAX_BYTES), yes=False, option="--n")
    # two workers halve the estimate (on a machine with two cores)
    assert limits.Estimate(1000, 2).seconds == pytest.approx(1000 * limits.SECONDS_PER_RUN /
                                                              min(2, limits.machine_cores()))


def test_python_api_refuses_an_absurd_sensitivity_design_before_building_it(tmp_path):
    """The cap sits where the design is built: ``engine.sample`` and ``run_sensitivity`` refuse it too, naming
    the size and the override, before anything is allocated or written (the command line is unchanged)."""
    from types import SimpleNamespace

    from innosim.experiments.sensitivity.command import SensitivityRequest, run_sensitivity
    from innosim.experiments.sensitivity.engine import design_bytes, sample
    from innosim.experiments.sensitivity.space import all_factors, problem

    prob = problem(all_factors(SimpleNamespace(start_year=0, target_year=0)), grouped=False)  # type: ignore
    n = 2 ** 22
    assert design_bytes(prob, "sobol", n) > limits.MAX_BYTES
    t0 = time.monotonic()
    with pytest.raises(InputError, match=r"rows × \d+ factors would take about [\d.]+ GB.*--yes \(yes=True\)"):
        sample(prob, "sobol", n, seed=1)
    assert len(sample(prob, "morris", 2, seed=1, yes=True)) == 2 * (prob["num_vars"] + 1)
    with pytest.raises(InputError, match="--n.*GB.*--yes"):
        run_sensitivity(SensitivityRequest(BASELINE, "sobol", n=n, out=str(tmp_path / "o"), progress=False))
    assert time.monotonic() - t0 < 15 and not (tmp_path / "o").exists()
