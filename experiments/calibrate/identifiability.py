"""Identifiability check from the command line: which calibrated parameters the 2021-2023 figures can recover.
Writes ``identifiability.csv`` into --out and prints the table.

    python -m innosim.experiments.calibrate.identifiability [--population-size 200] [--generations 1]
        [--rejuvenate 300] [--stages 4] [--moves 2] [--final-moves 8] [--workers 2]

The posterior is made as the shipped one is: pyabc's generation 0, then the ABC-MCMC ladder (``--rejuvenate 0``:
the weighted last pyabc generation instead).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from innosim.calibration import abc as A
from innosim.calibration.identifiability import identifiability
from innosim.experiments.runs.executors import make_executor
from innosim.model.scenario_files import load_scenario


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="scenarios/baseline.yaml")
    ap.add_argument("--population-size", type=int, default=200)
    ap.add_argument("--generations", type=int, default=1)
    ap.add_argument("--rejuvenate", type=int, default=300, help="particles moved by ABC-MCMC (0: none)")
    ap.add_argument("--stages", type=int, default=4)
    ap.add_argument("--moves", type=int, default=2)
    ap.add_argument("--final-moves", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--replicates", type=int, default=5)
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--out", default="results/identifiability")
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    A.progress_logging()
    with make_executor("processes", a.workers) as ex:
        table = identifiability(load_scenario(a.scenario), list(A.CALIBRATED), a.population_size, a.generations,
                                a.seed, a.replicates, out / A.DB_NAME, ex.map, a.rejuvenate, a.stages, a.moves,
                                a.final_moves)
    table.to_csv(out / "identifiability.csv", index=False)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
