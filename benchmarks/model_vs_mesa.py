"""Time one full baseline run at the baseline city's scale against Mesa's own empty loop, in the same process.

Model: building the city (every agent and instrument) plus all 32 quarters. Mesa: 32 calls of
``model.agents.shuffle_do("step")`` over already-created agents whose ``step`` does nothing, as many agents as
the run had firms (every firm that existed during the run). Medians of ``--repeat`` alternating repetitions,
so machine noise hits both sides alike; both wall-clock and CPU time (``time.process_time``, which other
processes on a shared machine disturb less) are reported. The last line printed is a JSON object.

    python benchmarks/model_vs_mesa.py [--repeat 7] [--scenario scenarios/baseline.yaml]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from pathlib import Path

import mesa

from innosim.model.calendar import N_QUARTERS
from innosim.model.run import run_one
from innosim.model.scenario_files import load_scenario

ROOT = Path(__file__).resolve().parent.parent


class _Empty(mesa.Agent):
    def step(self) -> None:
        pass


class FirmCount:
    """Probe: the number of firm rows (every firm that existed during the run) at the end."""

    name = "firms"

    def start(self, model) -> None:
        return None

    def after_quarter(self, model, q: int) -> None:
        return None

    def finish(self, model) -> int:
        return int(model.firms.n)


def time_model(scenario, seed: int) -> tuple[float, float, int]:
    """Wall and CPU seconds of one full run through ``model.run.run_one`` (building the city included, disposal
    too), and the number of firm rows it ended with."""
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    res = run_one(scenario, {}, seed, 0, probes=(FirmCount(),))  # {}: the parameters' defaults
    return time.perf_counter() - t0, time.process_time() - c0, res.probes["firms"]


def time_mesa(n_agents: int) -> tuple[float, float]:
    """Wall and CPU seconds of Mesa's empty loop over ``n_agents`` agents."""
    model = mesa.Model(rng=1)
    for _ in range(n_agents):
        _Empty(model)
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(N_QUARTERS):
        model.agents.shuffle_do("step")
    out = time.perf_counter() - t0, time.process_time() - c0
    model.remove_all_agents()
    getattr(mesa.Agent, "_ids", {}).pop(model, None)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    a = ap.parse_args()
    scenario = load_scenario(a.scenario)
    time_model(scenario, 0)  # warm-up: imports, caches
    model_t, mesa_t, model_c, mesa_c, n = [], [], [], [], 0
    for r in range(a.repeat):
        dt, dc, n = time_model(scenario, r)
        et, ec = time_mesa(n)
        model_t.append(dt)
        model_c.append(dc)
        mesa_t.append(et)
        mesa_c.append(ec)
        print(f"repeat {r + 1}/{a.repeat}: model {dt:.3f} s (cpu {dc:.3f}), mesa empty loop {et:.3f} s "
              f"(cpu {ec:.3f}) ({n} agents)")
    ms, es = statistics.median(model_t), statistics.median(mesa_t)
    mc, ec = statistics.median(model_c), statistics.median(mesa_c)
    print(json.dumps({"n_firms": n, "quarters": N_QUARTERS, "model_s": round(ms, 4), "mesa_empty_s": round(es, 4),
                      "ratio": round(ms / es, 3), "model_cpu_s": round(mc, 4), "mesa_empty_cpu_s": round(ec, 4),
                      "ratio_cpu": round(mc / ec, 3)}))


if __name__ == "__main__":
    main()
