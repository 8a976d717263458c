"""One seed fixes every number; results do not depend on the number of workers."""

from __future__ import annotations

import numpy as np

from innosim.experiments.runs.ensemble import Task, run_ensemble
from innosim.experiments.runs.executors import make_executor
from innosim.model.simulation import InnosimModel
from tests.conftest import cli


def test_same_seed_same_run(baseline):
    a = InnosimModel(baseline, seed=11, replicate=3).run(12)
    b = InnosimModel(baseline, seed=11, replicate=3).run(12)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_seed_and_replicate_matter(baseline):
    a = InnosimModel(baseline, seed=11, replicate=0).run(8)
    b = InnosimModel(baseline, seed=12, replicate=0).run(8)
    c = InnosimModel(baseline, seed=11, replicate=1).run(8)
    assert not np.array_equal(a["tech_contract_turnover"], b["tech_contract_turnover"])
    assert not np.array_equal(a["tech_contract_turnover"], c["tech_contract_turnover"])


def test_ensemble_independent_of_workers(baseline, medians):
    tasks = [Task(k, medians) for k in range(4)]
    with make_executor("processes", 1) as ex:
        one = run_ensemble(baseline, tasks, 5, ex, quarters=8)
    with make_executor("processes", 2) as ex:
        two = run_ensemble(baseline, tasks, 5, ex, quarters=8)
    assert one[0].equals(two[0]) and one[1].equals(two[1])


def test_annual_csv_byte_identical_on_1_and_2_workers(tmp_path):
    outs = []
    for w in (1, 2):
        out = tmp_path / f"w{w}"
        r = cli("run", "scenarios/baseline.yaml", "--replicates", "3", "--seed", "9", "--workers", str(w),
                "--out", str(out), "--quiet")
        assert r.returncode == 0, r.stderr
        outs.append((out / "annual.csv").read_bytes())
    assert outs[0] == outs[1]
