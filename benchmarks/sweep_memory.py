"""Memory of a long sweep: resident memory (RSS) of the sweep process and its workers while running, and of
building the tables, charts and PRIM discovery from a 20,000-run store.

    python benchmarks/sweep_memory.py [--runs 2000] [--workers 2] [--scale-to 20000]

Phase 1 runs a real sweep of ``--runs`` runs (4 budget levels) through the command line and samples the RSS of
the whole process tree every second, with the number of stored runs: a flat profile means memory does not grow
with the number of runs (results go to the on-disk store; at most 4 × workers runs are in flight).
Phase 2 builds the outputs of a ``--scale-to``-run sweep in a fresh process: the phase-1 store is repeated
(real rows, re-keyed to new run indices) up to that size, and the peak RSS of the output step is measured. The
workers have exited before the outputs are built, so a sweep's peak is the larger of the two phases. With
``--runs 20000`` phase 1 measures a full 20,000-run sweep directly (about an hour on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024

PHASE2 = r"""
import json, resource, sys, time
from pathlib import Path
import pandas as pd
import pyarrow as pa, pyarrow.parquet as pq
sys.path.insert(0, sys.argv[1])
from innosim.experiments.runs.store import RunStore
from innosim.experiments.sweep.command import write_outputs
from innosim.experiments.sweep.spec import load_sweep
spec, src, dst, scale = Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5])
sweep = load_sweep(spec)
rows = RunStore(src / "store").read()
per_point = int(rows.groupby("point").size().min())
rows = rows[rows["run"] < per_point]
copies = -(-scale // len(rows))
(dst / "store").mkdir(parents=True)
for c in range(copies):  # one part per copy, like a sweep's flushed parts
    part = rows.copy()
    part["run"] = part["run"] + c * per_point
    pq.write_table(pa.Table.from_pandas(part, preserve_index=False), dst / "store" / f"part-{c + 1:06d}.parquet")
del rows, part
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter()
store = RunStore(dst / "store")
n = copies * per_point
write_outputs(sweep, dst, store, {p.index: n for p in sweep.points}, {})
print(json.dumps({"runs": n * len(sweep.points), "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "peak_before_outputs_mb": before, "seconds": time.perf_counter() - t}))
"""


def stored_runs(folder: Path) -> int:
    """Rows in the finished parts of a store (a part being renamed into place is counted next time)."""
    n = 0
    for part in folder.glob("part-*.parquet") if folder.is_dir() else []:
        try:
            n += pq.read_metadata(part).num_rows
        except OSError:
            pass
    return n


def tree_rss(proc: psutil.Process) -> tuple[float, float]:
    """(main, workers) RSS in MB."""
    try:
        main = proc.memory_info().rss / MB
        kids = sum(c.memory_info().rss for c in proc.children(recursive=True)) / MB
    except psutil.NoSuchProcess:
        return 0.0, 0.0
    return main, kids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scale-to", type=int, default=20000)
    a = ap.parse_args()
    per_point = a.runs // 4
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "memory.yaml"
        spec.write_text(f"name: memory\nbase: {ROOT / 'scenarios' / 'baseline.yaml'}\n"
                        "axes: [{field: budget_scale, values: [0.5, 1.0, 2.0, 3.0]}]\n"
                        f"runs: {{draws: {per_point}}}\n", encoding="utf-8")
        out = Path(tmp) / "run"
        cmd = [sys.executable, "-m", "innosim.experiments.cli", "sweep", str(spec), "--out", str(out), "--workers",
               str(a.workers), "--quiet"]
        proc = psutil.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples = []
        t0 = time.monotonic()
        while proc.poll() is None:
            m, w = tree_rss(proc)
            stored = stored_runs(out / "store")
            samples.append((time.monotonic() - t0, stored, m, w))
            time.sleep(1.0)
        if proc.returncode != 0:
            sys.exit(f"sweep failed: {proc.stderr.read().decode()[-2000:]}")
        total_runs = 4 * per_point
        secs = time.monotonic() - t0
        print(f"phase 1: {total_runs} runs on {a.workers} workers in {secs:.0f} s")
        print(f"{'stored runs':>12}{'main MB':>10}{'workers MB':>12}{'total MB':>10}")
        for frac in (0.1, 0.25, 0.5, 0.75, 1.0):
            s = min((s for s in samples if s[1] >= frac * total_runs * 0.999), key=lambda s: s[0],
                    default=samples[-1])
            print(f"{s[1]:>12}{s[2]:>10.0f}{s[3]:>12.0f}{s[2] + s[3]:>10.0f}")
        run_peak = max(s[2] + s[3] for s in samples)
        # growth of the sweep process while its workers run, from 10% of the runs stored to the last such sample
        running = [s for s in samples if s[3] > 50 and s[1] >= 0.1 * total_runs]
        growth = running[-1][2] - running[0][2] if running else float("nan")
        print(f"peak RSS while running (main + workers): {run_peak:.0f} MB; the sweep process grew {growth:+.0f} MB "
              f"from 10% of the runs stored to the end of running")
        dst = Path(tmp) / "scaled"
        r = subprocess.run([sys.executable, "-c", PHASE2, str(ROOT), str(spec), str(out), str(dst),
                            str(a.scale_to)], capture_output=True, text=True, cwd=ROOT)
        if r.returncode != 0:
            sys.exit(f"phase 2 failed: {r.stderr[-2000:]}")
        res = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"phase 2: outputs of a {res['runs']}-run store built in {res['seconds']:.0f} s, peak RSS "
              f"{res['peak_mb']:.0f} MB")
        peak = max(run_peak, res["peak_mb"])
        print(f"peak of a {res['runs']}-run sweep: {peak:.0f} MB (goal < 2048 MB)")


if __name__ == "__main__":
    main()
