"""Cost per firm row: one baseline run at 1×, 4× and 20× the city's firms, in one process.

The city profile is scaled as a whole firm population: every segment's count, the initial HTE / registered /
listed / VC-backed stocks and the firms' initial R&D total are multiplied by the factor (universities,
incubators and budgets are not — they are not per firm). Reported per factor: firm rows (mean over the
quarters), CPU seconds
of a run (``time.process_time``, median of ``--repeat``), nanoseconds of CPU per firm-row-quarter (rows summed
over the 32 quarters), and the run's peak memory above the process's baseline (``tracemalloc``, numpy
allocations included). Linear cost shows as a flat ns-per-row-quarter. The last line printed is a JSON object.

    python benchmarks/firm_scaling.py [--factors 1 4 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
import tracemalloc
from pathlib import Path

from innosim.model.calendar import N_QUARTERS
from innosim.model.city import load_city
from innosim.model.run import run_one
from innosim.model.scenario_files import load_scenario

ROOT = Path(__file__).resolve().parent.parent


class RowQuarters:
    """Probe: firm rows summed over the quarters (the work a run does is proportional to this)."""

    name = "rows"

    def start(self, model) -> None:
        self.total = 0

    def after_quarter(self, model, q: int) -> None:
        self.total += int(model.firms.n)

    def finish(self, model) -> int:
        return self.total


def scaled(city, k: float):
    """``city`` with ``k`` times its firms (see the module docstring)."""
    e = city.enterprises
    segs = [s.model_copy(update={"count": round(s.count * k)}) for s in e.segments]
    ent = e.model_copy(update={
        "segments": segs, "rd_total_yi": e.rd_total_yi * k, "hte_stock": round(e.hte_stock * k),
        "tech_sme_registered": round(e.tech_sme_registered * k), "listed_hte": round(e.listed_hte * k),
        "vc_backed": round(e.vc_backed * k)})
    return city.model_copy(update={"enterprises": ent})


def measure(scenario, city, repeat: int) -> dict:
    """Timed runs without tracing, then one traced run for the peak (tracing slows allocation)."""
    cpu, rows = [], 0
    for r in range(repeat):
        gc.collect()
        c0 = time.process_time()
        res = run_one(scenario, {}, 1, r, probes=(RowQuarters(),), city=city)
        cpu.append(time.process_time() - c0)
        rows = res.probes["rows"]
    gc.collect()
    tracemalloc.start()
    run_one(scenario, {}, 1, 0, city=city)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    s = statistics.median(cpu)
    return {"rows_mean": round(rows / N_QUARTERS), "row_quarters": rows, "cpu_s": round(s, 3),
            "ns_per_row_quarter": round(s / rows * 1e9, 1), "peak_mb": round(peak / 2**20, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--factors", type=float, nargs="+", default=[1.0, 4.0, 20.0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    a = ap.parse_args()
    scenario = load_scenario(a.scenario)
    city = load_city(scenario.city)  # the scenario holds its profile's absolute path
    run_one(scenario, {}, 1, 0, city=city, quarters=4)  # warm-up: imports, compiled kernels
    out = {}
    for k in a.factors:
        out[f"x{k:g}"] = m = measure(scenario, scaled(city, k), a.repeat)
        print(f"{k:g}x the city's firms: {m['rows_mean']:,} rows on average, {m['cpu_s']:.2f} s CPU a run, "
              f"{m['ns_per_row_quarter']:.0f} ns per firm-row-quarter, peak {m['peak_mb']:.0f} MB", flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
