"""What the regression baseline stores: yearly indicators of two baseline replicates at a fixed seed."""

from __future__ import annotations

from pathlib import Path

from innosim.experiments.runs.ensemble import Task, run_replicate, to_annual
from innosim.model.parameters import prior_medians
from innosim.model.scenario_files import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE_FILE = ROOT / "tests" / "baselines" / "baseline.json"
SEED = 20240101
COLUMNS = ("tech_enterprises", "hte", "tech_sme", "rd_expenditure", "platforms", "tech_contract_turnover",
           "tech_brokers", "firms_alive", "vc_deals", "public_stakes", "spend_equity", "spend_vouchers")


def compute() -> dict:
    scen = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    values = {}
    for k in (0, 1):
        a = to_annual(run_replicate(scen, Task(k, prior_medians()), SEED))
        for _, row in a.iterrows():
            for c in COLUMNS:
                values[f"r{k}/{int(row['year'])}/{c}"] = float(row[c])
    return {"seed": SEED, "scenario": "scenarios/baseline.yaml", "values": values}
