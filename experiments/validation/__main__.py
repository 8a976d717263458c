"""``python -m innosim.experiments.validation [--replicates N] [--params prior|posterior|FILE] [--seed S]
[--out FILE.md]``: run the virtual experiments, print the markdown table and, as the last line, the results as
JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from innosim.calibration.posterior import choose_posterior
from innosim.experiments.validation.table import markdown, run_all


def clean(x: object) -> object:
    """``x`` with numpy numbers as Python floats and non-finite numbers as None (strict JSON)."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [clean(v) for v in x]
    if isinstance(x, bool | str | int) or x is None:
        return x
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        v = float(x)
        return v if math.isfinite(v) else None
    return x


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m innosim.experiments.validation", description=__doc__)
    ap.add_argument("--replicates", type=int, default=10, help="replicates per experiment (default 10)")
    ap.add_argument("--params", default="prior",
                    help="prior (prior medians, default), posterior (the shipped one) or a posterior Parquet file")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="also write the table (with the command and date) to this file")
    a = ap.parse_args(argv)
    if a.replicates < 1:
        ap.error("--replicates must be at least 1")
    post = choose_posterior(a.params)
    t0 = time.perf_counter()
    rows = run_all(a.replicates, post, a.seed)
    source = "prior medians" if post is None else f"posterior {post.path} (sha256 {post.sha256[:12]})"
    head = (f"Measured {dt.date.today().isoformat()} with `python -m innosim.experiments.validation "
            f"--replicates {a.replicates} --params {a.params} --seed {a.seed}` on {source}, "
            f"{time.perf_counter() - t0:.0f} s.")
    table = markdown(rows)
    print(head + "\n\n" + table)
    if a.out:
        a.out.write_text(head + "\n\n" + table + "\n", encoding="utf-8")
    print(json.dumps(clean({"parameters": source, "replicates": a.replicates, "seed": a.seed,
                            "results": [r.row() for r in rows]}), allow_nan=False, ensure_ascii=False))
    return 0 if all(r.passed is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
