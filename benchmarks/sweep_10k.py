"""A real 10,000-run sweep of the baseline on 2 workers, end to end: sweep file to finished store, tables and
charts (issue 13's goal: ≤ 15 minutes, ≥ 11.1 runs/s, on 2 cores).

    python benchmarks/sweep_10k.py [--runs 10000] [--workers 2] [--out DIR]

The sweep has 4 points (budget ×0.5, ×1, ×1.5, ×2) × runs/4 posterior draws each. Reported: wall-clock seconds
end to end, runs per second end to end and while running (from the manifest, worker start-up included), and the
machine (cores, load average at the start and at the end — these machines are shared, so say what else ran).
The last line printed is a JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from innosim.experiments.sweep.command import SweepRequest, run_sweep  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=None, help="keep the sweep folder here (default: a temporary folder)")
    a = ap.parse_args()
    per_point = a.runs // 4
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "sweep10k.yaml"
        spec.write_text(f"name: sweep10k\nbase: {ROOT / 'scenarios' / 'baseline.yaml'}\n"
                        "axes: [{field: budget_scale, values: [0.5, 1.0, 1.5, 2.0]}]\n"
                        f"runs: {{draws: {per_point}}}\n", encoding="utf-8")
        out = a.out or str(Path(tmp) / "out")
        t = time.perf_counter()
        folder = run_sweep(SweepRequest(spec, out=out, workers=a.workers, progress=True))
        wall = time.perf_counter() - t
        running = json.loads((folder / "manifest.json").read_text())["seconds_this_session"]
    runs = 4 * per_point
    result = {"runs": runs, "workers": a.workers, "wall_s": round(wall, 1), "runs_per_s": round(runs / wall, 2),
              "running_runs_per_s": round(runs / running, 2), "goal_s": 900, "meets_goal": wall <= 900,
              "cores": os.cpu_count(), "python": platform.python_version(),
              "load_start": [round(x, 2) for x in load0], "load_end": [round(x, 2) for x in os.getloadavg()]}
    print(f"{runs} runs on {a.workers} workers: {wall:.0f} s end to end ({runs / wall:.2f} runs/s; "
          f"{runs / running:.2f} runs/s while running); goal 900 s", flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
