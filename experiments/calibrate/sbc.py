"""Simulation-based calibration of the whole calibration method (Talts et al. 2018), from the command line.

For M draws θ_m from the prior of the calibrated parameters (the others at the values the real calibration gives
them: fixed ones at their documented values, the rest drawn from their priors inside every simulation, so the
generative model is exactly the one the method assumes), simulate one realisation of every used statistic at θ_m
(one replicate: data are one draw of the model, not a median), calibrate on it (pyabc's generation 0, then the ABC-MCMC
ladder) and record the rank of each true value among L posterior draws. Writes ``ranks.csv``,
``sbc_summary.csv`` (chi-square and KS p-values of uniformity, 90% coverage), ``sbc_ranks.png`` and
``manifest.json`` into --out.

    python -m innosim.experiments.calibrate.sbc [--datasets 20] [--params theta_sell,p_register,h1_share]
        [--population-size 60] [--generations 1] [--rejuvenate 200] [--stages 4] [--moves 2] [--draws 99]
        [--workers 2]
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from pathlib import Path

import numpy as np

from innosim.calibration import abc as A
from innosim.calibration.observation_model import used
from innosim.calibration.posterior import prior_draw
from innosim.calibration.rejuvenate import ladder
from innosim.calibration.sbc import run_sbc, summarise
from innosim.experiments.report.backtest_charts import sbc_chart
from innosim.experiments.runs.executors import make_executor
from innosim.model.scenario_files import load_scenario


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="scenarios/baseline.yaml")
    ap.add_argument("--params", default="theta_sell,p_register,h1_share")
    ap.add_argument("--datasets", type=int, default=20)
    ap.add_argument("--population-size", type=int, default=60)
    ap.add_argument("--generations", type=int, default=1)
    ap.add_argument("--rejuvenate", type=int, default=200)
    ap.add_argument("--stages", type=int, default=4)
    ap.add_argument("--moves", type=int, default=2)
    ap.add_argument("--draws", type=int, default=99)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=31337)
    ap.add_argument("--out", default="results/sbc")
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    names = A.resolve_names(a.params)
    scenario = load_scenario(a.scenario)
    obs = used()
    fixed = A.default_fixed(names)
    rng = np.random.default_rng(a.seed)
    truths = [prior_draw(rng, names) for _ in range(a.datasets)]
    t0 = time.monotonic()
    A.progress_logging()
    with make_executor("processes", a.workers) as ex:

        def fit(m: int, truth: dict[str, float]):
            seed = a.seed + 1 + m
            vec = A.full_vector(truth, fixed, np.random.default_rng(np.random.SeedSequence([seed, 1])))
            data = A.simulate_statistics(scenario, vec, seed, 10_000 + m, obs)
            folder = out / f"dataset_{m:03d}"
            folder.mkdir(exist_ok=True)  # pyabc's SQLite file needs its folder
            abc, observed = A.build_abc(scenario, names, a.population_size, seed, ex.map, obs=obs, observed=data)
            h = A.run_abc(abc, observed, folder / A.DB_NAME, a.generations, (folder / A.DB_NAME).is_file(), seed)
            pop = A.population_frame(h)
            if not a.rejuvenate:
                return pop
            make = functools.partial(A.build_mover, scenario, names, obs=obs, observed=data)
            state, _ = ladder(pop, make, a.rejuvenate, a.stages, a.moves, folder / "rejuvenation", seed, ex.map)
            state["weight"] = 1.0 / len(state)
            return state

        ranks = run_sbc(truths, fit, a.draws, a.seed)
    summary = summarise(ranks, a.draws)
    ranks.to_csv(out / "ranks.csv", index=False)
    summary.to_csv(out / "sbc_summary.csv", index=False)
    chart = sbc_chart(ranks, a.draws, out)
    (out / "manifest.json").write_text(json.dumps({
        "command": "python -m innosim.experiments.calibrate.sbc", **vars(a), "calibrated": names,
        "seconds": round(time.monotonic() - t0, 1), "chart": chart.name,
        "summary": summary.to_dict("records")}, indent=2), encoding="utf-8")
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.3g}"))


if __name__ == "__main__":
    main()
