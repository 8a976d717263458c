"""Sweep throughput: runs per second of the same 200-run sweep on 1 and on 2 workers, measured in one process.

    python benchmarks/sweep_scaling.py [--runs-per-point 100] [--workers 2]

The sweep has 2 points (budget ×1 and ×2) × 100 runs. Reported for each worker count: runs per second while
running (worker start-up included, from the manifest) and end to end (sweep file to finished tables and charts,
which adds a constant few seconds of PRIM and plotting), and the speed-up of N workers over one. The goal in
issue 4 is ≥ 1.7× on 2 workers. Machines here are shared: compare the ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from innosim.experiments.sweep.command import SweepRequest, run_sweep  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs-per-point", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "bench.yaml"
        spec.write_text(f"name: bench\nbase: {ROOT / 'scenarios' / 'baseline.yaml'}\n"
                        "axes: [{field: budget_scale, values: [1.0, 2.0]}]\n"
                        f"runs: {{draws: {a.runs_per_point}}}\n", encoding="utf-8")
        runs = 2 * a.runs_per_point
        rate, total = {}, {}
        for w in (1, a.workers):
            t = time.perf_counter()
            out = run_sweep(SweepRequest(spec, out=str(Path(tmp) / f"w{w}"), workers=w, progress=False))
            dt = time.perf_counter() - t
            run_s = json.loads((out / "manifest.json").read_text())["seconds_this_session"]
            rate[w], total[w] = runs / run_s, runs / dt
            print(f"{w} worker(s): {runs} runs; running {run_s:6.1f} s = {rate[w]:5.2f} runs/s; end to end "
                  f"{dt:6.1f} s = {total[w]:5.2f} runs/s", flush=True)
    print(f"speed-up {a.workers} workers / 1 worker: running {rate[a.workers] / rate[1]:.2f}x, end to end "
          f"{total[a.workers] / total[1]:.2f}x (goal >= 1.7x on 2)")


if __name__ == "__main__":
    main()
