"""The ``calibrate`` and ``backtest`` sub-commands' arguments and handlers (kept out of ``experiments/cli.py``).
Each sub-parser sets ``handler``, which the command line calls with the parsed arguments."""

from __future__ import annotations

import argparse

from innosim.experiments.argtypes import positive, share


def common(c: argparse.ArgumentParser, population: int, generations: int, rejuvenate: int, moves: int,
           predictive: int, stages: int, final_moves: int) -> None:
    c.add_argument("--scenario", default="scenarios/baseline.yaml", help="scenario whose budgets apply")
    c.add_argument("--population-size", type=positive("population-size"), default=population)
    c.add_argument("--generations", type=positive("generations"), default=generations)
    c.add_argument("--rejuvenate", type=positive("rejuvenate", zero=True), default=rejuvenate, metavar="N",
                   help=f"particles resampled from the last generation and moved by ABC-MCMC (default {rejuvenate}; "
                        "0: the weighted last generation is the posterior)")
    c.add_argument("--stages", type=positive("stages"), default=stages,
                   help=f"ABC-MCMC stages after the last generation, each lowering epsilon to the particles' median "
                        f"distance (default {stages}; 1: moves at the last generation's epsilon only)")
    c.add_argument("--moves", type=positive("moves"), default=moves,
                   help=f"ABC-MCMC moves per particle and stage (default {moves})")
    c.add_argument("--final-moves", type=positive("final-moves"), default=final_moves,
                   help=f"more moves at the last epsilon, without resampling (default {final_moves}; fewer "
                        "unmoved copies, a larger ESS)")
    c.add_argument("--jump", type=share("jump"), default=0.5,
                   help="share of the final moves that are independence proposals from a normal fitted to the "
                        "particles, so copies of a lucky vector whose neighbourhood misses epsilon can move "
                        "(default 0.5; 0: random walk only)")
    c.add_argument("--scale", type=float, default=1.0,
                   help="move size relative to the particles' covariance × (2.38/√d)² (default 1; adapted per round)")
    grp = c.add_mutually_exclusive_group()
    grp.add_argument("--workers", type=positive("workers"), default=1, help="local worker processes")
    grp.add_argument("--scheduler", default=None, help="address of a Dask scheduler, e.g. tcp://host:8786")
    c.add_argument("--seed", type=positive("seed", zero=True), default=20240101)
    c.add_argument("--params", default=None,
                   help="parameters to calibrate: default set, 'all', group names or comma-separated names")
    c.add_argument("--resume", action="store_true", help="continue the run in --out (generations, then moves)")
    c.add_argument("--predictive", type=positive("predictive"), default=predictive,
                   help=f"posterior-predictive runs (default {predictive})")
    c.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the charts (default en)")


def add_parsers(sub) -> None:
    """Add ``calibrate`` and ``backtest`` to argparse's sub-parsers ``sub``."""
    c = sub.add_parser("calibrate", help="ABC-SMC calibration (pyabc) of the behavioural parameters to the "
                       "published figures before the plan, with ABC-MCMC rejuvenation")
    common(c, 500, 1, 1200, 2, 100, 5, 44)
    c.add_argument("--through", type=positive("through"), default=None, metavar="YEAR",
                   help="fit only figures whose period ends in YEAR or before (the others are scored as held out)")
    c.add_argument("--out", default=None, help="folder (default results/calibration/; never overwritten)")
    c.add_argument("--ship", nargs="?", const="", default=None, metavar="DIR",
                   help="copy the posterior into the checkout's calibration/posterior/ (the default for every run; "
                        "only when running from a checkout), or into DIR")
    c.set_defaults(handler=run_calibrate)
    b = sub.add_parser("backtest", help="calibrate through a year and score the next year's published figures "
                       "(coverage of the 50%%/90%% intervals, interval score, error of the median)")
    common(b, 100, 1, 100, 2, 60, 3, 2)
    b.add_argument("--through", type=positive("through"), default=2022, metavar="YEAR",
                   help="last year fitted (default 2022); the figures of YEAR+1 are scored")
    b.add_argument("--out", default=None, help="folder (default results/backtest/; never overwritten)")
    b.set_defaults(handler=run_backtest)


def request(a: argparse.Namespace, ship: str | None = None):
    from innosim.experiments.calibrate.command import CalibrateRequest

    return CalibrateRequest(a.scenario, a.population_size, a.generations, a.workers, a.scheduler, a.out, a.seed,
                            a.params, a.resume, a.predictive, ship, a.lang, a.through, a.rejuvenate, a.moves,
                            a.scale, a.stages, a.final_moves, a.jump)


def run_calibrate(a: argparse.Namespace) -> int:
    import pandas as pd  # here, not at the top: the command line catches a Ctrl-C while pandas is imported

    from innosim.experiments.calibrate.command import calibrate

    folder = calibrate(request(a, a.ship))
    fit = pd.read_csv(folder / "fit.csv")
    print(fit.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    print(f"\ncalibration: {folder}/ (posterior.parquet, history.db, fit.csv, generations.csv, manifest.json, charts)")
    return 0


def run_backtest(a: argparse.Namespace) -> int:
    import pandas as pd

    from innosim.experiments.calibrate.backtest import backtest, format_backtest

    folder = backtest(request(a))
    print(format_backtest(pd.read_csv(folder / "backtest.csv")))
    print(f"\nbacktest: {folder}/ (backtest.csv, backtest.png, manifest.json, calibration/)")
    return 0
