"""Identifiability check: calibrate on data the model itself generated at known parameter values, and report
which parameters the 2021-2023 figures can recover (truth inside the 90% credible interval, interval narrower
than the prior). Writes ``identifiability.csv`` into --out and prints the table.

    python -m calibration.identifiability [--population-size 200] [--generations 5] [--workers 2] [--out DIR]

The synthetic data are the median of ``--replicates`` runs at the truth (the prior medians unless --truth names
a posterior file, whose weighted medians are used). Nuisance parameters are drawn from their priors as in the
real calibration.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from innosim.calibration import abc as A
from innosim.calibration.observation_model import used
from innosim.model.parameters import BY_NAME, prior_medians
from innosim.model.scenario_files import load_scenario


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    cdf = np.cumsum(w[order]) / w.sum()
    return float(x[order][min(np.searchsorted(cdf, q), len(x) - 1)])


def check(post: pd.DataFrame, truth: dict[str, float]) -> pd.DataFrame:
    rows = []
    w = post["weight"].to_numpy()
    for name, value in truth.items():
        x = post[name].to_numpy()
        lo, med, hi = (weighted_quantile(x, w, q) for q in (0.05, 0.5, 0.95))
        p = BY_NAME[name]
        rows.append({"parameter": name, "truth": value, "post_median": med, "ci90_low": lo, "ci90_high": hi,
                     "inside": lo <= value <= hi, "ci_width_over_prior": (hi - lo) / (p.high - p.low),
                     "identified": (lo <= value <= hi) and (hi - lo) / (p.high - p.low) < 0.5})
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="scenarios/baseline.yaml")
    ap.add_argument("--population-size", type=int, default=200)
    ap.add_argument("--generations", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--replicates", type=int, default=5)
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--out", default="results/identifiability")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    scen = load_scenario(a.scenario)
    truth = {n: prior_medians()[n] for n in A.CALIBRATED}
    obs = used()
    runs = [A.simulate_statistics(scen, {**prior_medians(), **truth}, a.seed, r, obs) for r in range(a.replicates)]
    synthetic = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
    A.progress_logging()
    abc, observed, close = A.build_abc(scen, list(truth), a.population_size, a.seed, a.workers,
                                       obs=obs, observed=synthetic)
    try:
        history = A.run_abc(abc, observed, out / A.DB_NAME, a.generations, False, a.seed)
    finally:
        if close:
            close()
    table = check(A.posterior_frame(history), truth)
    table.to_csv(out / "identifiability.csv", index=False)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
