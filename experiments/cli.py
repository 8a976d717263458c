"""The ``innosim`` command line. Bad input exits with status 2 and one message naming file, field and problem."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from model.errors import InputError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors: exit 2 without a traceback
        self.print_usage(sys.stderr)
        print(f"innosim: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _positive(name: str):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number (got {text!r})") from None
        if v < (0 if name == "seed" else 1):
            raise argparse.ArgumentTypeError(f"{name} must be {'>= 0' if name == 'seed' else '>= 1'} (got {v})")
        return v
    return parse


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="innosim", description="Agent-based simulator of a city's innovation ecosystem under S&T "
                "policy: how likely are the 2028 targets under a scenario?")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    r = sub.add_parser("run", help="run a scenario ensemble and write results, targets and fan charts")
    r.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
    r.add_argument("--replicates", type=_positive("replicates"), default=100, help="replicates (default 100)")
    r.add_argument("--seed", type=_positive("seed"), default=20240101, help="seed fixing every number")
    r.add_argument("--workers", type=_positive("workers"), default=1, help="worker processes (default 1)")
    r.add_argument("--out", default=None, help="results folder (default results/<scenario-name>/; never overwritten)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    v = sub.add_parser("validate", help="check a scenario file without running it")
    v.add_argument("scenario", help="scenario YAML file")
    return p


def _cmd_run(a: argparse.Namespace) -> int:
    from experiments.run import format_summary, run_scenario

    folder = run_scenario(a.scenario, a.replicates, a.seed, a.workers, a.out, progress=not a.quiet)
    annual = pd.read_csv(folder / "annual.csv")
    print(format_summary(annual))
    print(f"\nresults: {folder}/ (annual.csv, timeseries.parquet, targets.csv, ledger.csv, manifest.json)")
    print(f"charts:  {', '.join(str(p) for p in sorted(Path(folder).glob('fan_*.png')))}")
    return 0


def _cmd_validate(a: argparse.Namespace) -> int:
    from model.config import load_scenario

    s = load_scenario(a.scenario)
    total = sum(sum(d.values()) for d in s.budgets_yuan().values()) / 1e8
    print(f"{a.scenario}: ok — scenario '{s.name}', city {Path(s.city).name}, "
          f"{len(s.instruments)} instruments budgeted, {total:.2f} 亿元 over 2021-2028")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"run": _cmd_run, "validate": _cmd_validate}[args.command](args)
    except InputError as e:
        print(f"innosim: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("innosim: interrupted; nothing was written to the results folder", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
