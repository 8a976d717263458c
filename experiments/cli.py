"""The ``innosim`` command line. Bad input exits with status 2 and one message naming file, field and problem; so
does a full disk, a quota or a refused permission (naming the folder and what to do). Ctrl-C exits with 130 and
says what is on disk and how to continue. Absurd requests (more workers than cores, more than about four hours of
runs or a design over ~1 GB) are refused before any work unless ``--force-workers`` / ``--yes`` is given.

Each command turns its arguments into a request object and hands it to the command module. The matplotlib
backend is chosen here, once, before any chart module is imported.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from innosim.experiments.argtypes import positive
from innosim.experiments.calibrate.arguments import add_parsers as add_calibration
from innosim.experiments.explore.command import add_parser as add_explore
from innosim.experiments.runs import limits, stopped
from innosim.model.errors import InputError


def _read_csv(path: Path):  # pandas imported here, not at the top: main() catches a Ctrl-C while it is imported
    return __import__("pandas").read_csv(path)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors: exit 2 without a traceback
        self.print_usage(sys.stderr)
        print(f"innosim: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _positive(name: str):
    """A whole number >= 1; the seed may be 0."""
    return positive(name, zero=name == "seed")


def _lang(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the charts (default en)")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="innosim", description="Agent-based simulator of a city's innovation ecosystem under S&T "
                "policy: how likely are the city plan's targets under a scenario?")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    r = sub.add_parser("run", help="run a scenario ensemble and write results, targets and fan charts")
    r.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
    r.add_argument("--replicates", type=_positive("replicates"), default=100, help="replicates (default 100)")
    r.add_argument("--seed", type=_positive("seed"), default=20240101, help="seed fixing every number")
    r.add_argument("--workers", type=_positive("workers"), default=1, help="worker processes (default 1)")
    r.add_argument("--out", default=None, help="results folder (default results/<scenario-name>/; never overwritten)")
    r.add_argument("--params", default="posterior",
                   help="parameter sets: 'posterior' (the shipped calibrated posterior, default), 'prior' (prior "
                        "medians) or the path of a posterior .parquet file")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    _lang(r)
    add_calibration(sub)
    s = sub.add_parser("sweep", help="run a sweep file: P(each target met) per budget/mix point, paired "
                       "differences, budget curve, heatmap, PRIM scenario discovery")
    s.add_argument("spec", help="sweep YAML file, e.g. scenarios/sweeps/smoke.yaml")
    s.add_argument("--out", default=None, help="results folder (default results/sweeps/<name>/; never overwritten)")
    s.add_argument("--backend", choices=["processes", "dask"], default="processes",
                   help="local worker processes (default) or a Dask cluster")
    s.add_argument("--scheduler", default=None,
                   help="Dask scheduler address, e.g. tcp://host:8786 (with --backend dask; without it a local "
                        "cluster of --workers processes is started)")
    s.add_argument("--workers", type=_positive("workers"), default=1, help="worker processes (default 1)")
    s.add_argument("--resume", action="store_true", help="continue the sweep in --out (or the default folder)")
    s.add_argument("--flush-every", type=_positive("flush-every"), default=100,
                   help="runs buffered before a store part is written (default 100; a kill loses at most these)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    _lang(s)
    e = sub.add_parser("sensitivity", help="Morris screening or Sobol' indices (SALib) of the city plan's outcomes "
                       "over the behavioural parameters and the family budget levers")
    e.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
    e.add_argument("--method", choices=["morris", "sobol"], default="morris", help="default morris")
    e.add_argument("--n", type=_positive("n"), default=None,
                   help="Morris trajectories (default 10) or Sobol' base sample, a power of 2 (default 64)")
    e.add_argument("--replicates", type=_positive("replicates"), default=2,
                   help="runs per design row with different random streams (default 2; >= 2 measures noise)")
    e.add_argument("--params", default="all",
                   help="factors: 'all' (default), groups (rd_response, hte, tech_sme, voucher, investors, "
                        "transfer, platforms, demography, levers) and/or names, comma-separated")
    e.add_argument("--grouped", action="store_true", help="indices per group instead of per factor (SALib groups)")
    e.add_argument("--ranges", choices=["prior", "posterior"], default="prior",
                   help="factor ranges: priors (default) or the calibrated posterior's 5-95%% range")
    e.add_argument("--outputs", default="values,met",
                   help="values, met, yearly and/or output names, comma-separated (default values,met)")
    e.add_argument("--no-second-order", action="store_true", help="Sobol': skip S2 (N(D+2) runs, not N(2D+2))")
    e.add_argument("--seed", type=_positive("seed"), default=20240101)
    e.add_argument("--backend", choices=["processes", "dask"], default="processes")
    e.add_argument("--scheduler", default=None, help="Dask scheduler address (with --backend dask)")
    e.add_argument("--workers", type=_positive("workers"), default=1)
    e.add_argument("--out", default=None,
                   help="results folder (default results/sensitivity/<scenario>-<method>/; never overwritten)")
    e.add_argument("--resume", action="store_true", help="continue the batch in --out (or the default folder)")
    e.add_argument("--flush-every", type=_positive("flush-every"), default=100)
    e.add_argument("--quiet", action="store_true", help="no progress bar")
    _lang(e)
    m = sub.add_parser("compare", help="compare scenarios (instrument mixes) on paired runs: P(targets), "
                       "target-year bands, cost per extra unit and deadweight against a no-new-policy counterfactual")
    m.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario YAML files")
    m.add_argument("--replicates", type=_positive("replicates"), default=200,
                   help="paired replicates per scenario (default 200)")
    m.add_argument("--counterfactual", action="store_true",
                   help="also run the no-new-policy counterfactual (no budget from the plan's first year) and report "
                        "cost per extra unit and deadweight against it")
    m.add_argument("--seed", type=_positive("seed"), default=20240101)
    m.add_argument("--params", default="posterior", help="'posterior' (default), 'prior' or a posterior .parquet")
    m.add_argument("--backend", choices=["processes", "dask"], default="processes")
    m.add_argument("--scheduler", default=None, help="Dask scheduler address (with --backend dask)")
    m.add_argument("--workers", type=_positive("workers"), default=1)
    m.add_argument("--out", default=None,
                   help="results folder (default results/comparisons/<names>/; never overwritten)")
    m.add_argument("--quiet", action="store_true", help="no progress bar")
    _lang(m)
    d = sub.add_parser("response", help="dose-response per instrument family on paired runs: each target's "
                       "target-year value and P(met) as one family's budget is scaled, money disbursed vs budgeted")
    d.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
    d.add_argument("--families", default=None, help="instrument families, comma-separated (default all: subsidy, "
                   "award, voucher, equity, finance, transfer)")
    d.add_argument("--levels", default="0,0.5,1,2,4",
                   help="factors on the family's budget from the plan's first year, comma-separated, >= 0 "
                        "(default 0,0.5,1,2,4; level 1, the scenario itself, is always run)")
    d.add_argument("--replicates", type=_positive("replicates"), default=100,
                   help="paired replicates per point (default 100)")
    d.add_argument("--seed", type=_positive("seed"), default=20240101)
    d.add_argument("--params", default="posterior", help="'posterior' (default), 'prior' or a posterior .parquet")
    d.add_argument("--workers", type=_positive("workers"), default=1)
    d.add_argument("--out", default=None,
                   help="results folder (default results/response/<scenario-name>/; never overwritten)")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    _lang(d)
    b = sub.add_parser("brief", help="briefing charts (PNG + PDF), briefing.html and briefing.pdf from results "
                       "folders, in Chinese or English")
    b.add_argument("results", nargs="+", metavar="RESULTS_DIR",
                   help="results folders of run, sweep, sensitivity, compare or calibrate")
    b.add_argument("--lang", choices=["zh", "en"], default="zh", help="language (default zh)")
    b.add_argument("--out", default=None, help="folder (default results/briefings/<lang>/; never overwritten)")
    add_explore(sub)
    v = sub.add_parser("validate", help="check a scenario or sweep file without running it")
    v.add_argument("scenario", help="scenario or sweep YAML file")
    for name, cmd in sub.choices.items():
        if name in ("run", "calibrate", "backtest", "sweep", "sensitivity", "compare", "response"):
            cmd.add_argument("--force-workers", action="store_true",
                             help="allow more --workers than the machine has cores")
        if name in ("run", "sweep", "sensitivity", "compare", "response"):
            cmd.add_argument("--yes", action="store_true",
                             help="start even if the estimate exceeds about four hours of runs or ~1 GB of design")
        if name != "brief":
            cmd.add_argument("--allow-path", action="append", default=[], metavar="DIR",
                             help="also let extends: and city: name files in DIR (by default only the scenario's "
                                  "own folder and the shipped scenarios/ tree); may be repeated")
    return p


def _allow_paths(dirs: list[str]) -> None:
    """Folders given with --allow-path join INNOSIM_ALLOW_PATHS, which worker processes inherit."""
    if dirs:
        from innosim.model.scenario_files import ALLOW_ENV
        known = [d for d in os.environ.get(ALLOW_ENV, "").split(os.pathsep) if d]
        os.environ[ALLOW_ENV] = os.pathsep.join(known + [str(Path(d).resolve()) for d in dirs])


def _plan_of(folder: Path):
    """The city plan a results folder was judged against, from its manifest."""
    from innosim.model.city import Plan
    return Plan(**json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["plan"])


def _need_dask(a: argparse.Namespace) -> None:
    if a.scheduler and a.backend != "dask":
        raise InputError("--scheduler", a.scheduler, "a scheduler address needs --backend dask")


def _cmd_run(a: argparse.Namespace) -> int:
    from innosim.experiments.runs.command import RunRequest, format_summary, run_scenario

    folder = run_scenario(RunRequest(a.scenario, a.replicates, a.seed, a.workers, a.out, progress=not a.quiet,
                                     params=a.params, lang=a.lang))
    annual = _read_csv(folder / "annual.csv")
    print(format_summary(annual, _plan_of(folder)))
    print(f"\nresults: {folder}/ (annual.csv, timeseries.parquet, targets.csv, ledger.csv, manifest.json)")
    print(f"charts:  {', '.join(str(p) for p in sorted(Path(folder).glob('fan_*.png')))}")
    return 0


def _cmd_sweep(a: argparse.Namespace) -> int:
    from innosim.experiments.sweep.command import SweepRequest, format_probabilities, run_sweep

    _need_dask(a)
    folder = run_sweep(SweepRequest(a.spec, a.out, a.backend, a.scheduler, a.workers, a.resume, progress=not a.quiet,
                                    flush_runs=a.flush_every, lang=a.lang))
    print(format_probabilities(folder, _plan_of(folder).targets))
    charts = ", ".join(p.name for p in sorted(folder.glob("*.png")))
    print(f"\nresults: {folder}/ (probabilities.csv, paired_differences.csv, discovery.csv, points.csv, store/, "
          f"manifest.json)")
    print(f"charts:  {charts}")
    return 0


def _cmd_sensitivity(a: argparse.Namespace) -> int:
    from innosim.experiments.sensitivity.command import SensitivityRequest, run_sensitivity

    _need_dask(a)
    folder = run_sensitivity(SensitivityRequest(
        a.scenario, a.method, a.n, a.replicates, a.params, a.outputs, a.ranges, a.grouped, not a.no_second_order,
        a.seed, a.workers, a.backend, a.scheduler, a.out, a.resume, progress=not a.quiet, flush_runs=a.flush_every,
        lang=a.lang, yes=a.yes))
    idx = _read_csv(folder / "indices.csv")
    col = "ST" if a.method == "sobol" else "mu_star"
    print(f"most influential factors ({col}, top 5 per output):")
    shown = idx[~idx["output"].str.match(r".*\.\d{4}$")].dropna(subset=[col])  # yearly outputs: see the chart
    for output, g in shown.groupby("output", sort=False):
        top = g.reindex(g[col].abs().sort_values(ascending=False).index).head(5)
        print(f"  {output:<34}" + ", ".join(f"{r.parameter} {getattr(r, col):.3g}" for r in top.itertuples()))
    print(f"\nresults: {folder}/ (indices.csv, noise.csv, warnings.csv, sample.csv, outputs.parquet, store/, "
          "manifest.json)")
    print(f"charts:  {', '.join(p.name for p in sorted(folder.glob('*.png')))}")
    return 0


def _cmd_compare(a: argparse.Namespace) -> int:
    from innosim.experiments.compare.command import CompareRequest, format_comparison, run_compare

    _need_dask(a)
    folder = run_compare(CompareRequest(tuple(a.scenarios), a.replicates, a.seed, a.counterfactual, a.out, a.workers,
                                        a.backend, a.scheduler, a.params, progress=not a.quiet, lang=a.lang))
    print(format_comparison(_read_csv(folder / "comparison.csv"), _plan_of(folder)))
    extra = "cost_effectiveness.csv, deadweight.csv, " if a.counterfactual else ""
    print(f"\nresults: {folder}/ (comparison.csv, {extra}runs.parquet, manifest.json)")
    print(*(f"chart:   {p}" for p in folder.glob("ranking.png")), sep="\n")  # none when the plan sets no target
    if not a.counterfactual:
        print("note: cost per extra unit and deadweight need --counterfactual", file=sys.stderr)
    return 0


def _cmd_response(a: argparse.Namespace) -> int:
    from innosim.experiments.response import command as rc

    folder = rc.run_response(rc.ResponseRequest(a.scenario, rc.parse_families(a.families), rc.parse_levels(a.levels),
                                                a.replicates, a.seed, a.workers, a.out, a.params,
                                                progress=not a.quiet, lang=a.lang))
    plan = _plan_of(folder)
    print(rc.format_summary(_read_csv(folder / "response.csv"), list(plan.targets), plan.target_year))
    print(f"\nresults: {folder}/ (response.csv, response_paired.parquet, manifest.json)")
    print(f"charts:  {', '.join(p.name for p in sorted(folder.glob('*.png')))}")
    return 0


def _cmd_brief(a: argparse.Namespace) -> int:
    from innosim.experiments.report.brief import BriefRequest, make_brief

    folder = make_brief(BriefRequest(tuple(a.results), a.lang, a.out))
    print(f"briefing: {folder / 'briefing.html'}, {folder / 'briefing.pdf'}")
    print(f"charts:   {', '.join(p.name for p in sorted(folder.glob('*.png')))}")
    return 0


def _cmd_validate(a: argparse.Namespace) -> int:
    from innosim.model.calendar import FIRST_YEAR, LAST_YEAR
    from innosim.model.policy import total_yi
    from innosim.model.scenario_files import load_scenario
    from innosim.model.yaml_files import read_yaml

    if "axes" in read_yaml(Path(a.scenario)):
        from innosim.experiments.sweep.spec import load_sweep

        sw = load_sweep(a.scenario)
        spec = sw.spec
        runs = (f"{spec.runs.draws * spec.runs.replicates} runs per point" if spec.runs else
                f"runs until every interval is within ±{spec.precision.half_width:g} (at most "
                f"{spec.precision.max_runs} per point)")
        print(f"{a.scenario}: ok — sweep '{spec.name}' on {sw.base_path.name}, {len(sw.points)} points "
              f"({', '.join(sw.axis_fields)}), {runs}")
        return 0
    s = load_scenario(a.scenario)
    total = total_yi(s)
    print(f"{a.scenario}: ok — scenario '{s.name}', city {Path(s.city).name}, "
          f"{len(s.instruments)} instruments budgeted, {total:.2f} 亿元 over {FIRST_YEAR}-{LAST_YEAR}")
    return 0


def _estimate(a: argparse.Namespace) -> tuple[limits.Estimate, str] | None:
    """What the request would run (arithmetic on the arguments and the sweep file's axes; no task is built)."""
    if a.command == "run":
        return limits.Estimate(a.replicates, a.workers), "--replicates"
    if a.command == "compare":
        return limits.Estimate(a.replicates * (len(a.scenarios) + a.counterfactual), a.workers), "--replicates"
    if a.command == "response":
        from innosim.experiments.response.command import n_points, parse_families, parse_levels

        points = n_points(parse_families(a.families), parse_levels(a.levels))  # bad lists: one line, exit 2
        return limits.Estimate(points * a.replicates, a.workers), "--replicates, --families or --levels"
    if a.command == "sweep":
        from innosim.experiments.sweep.spec import SweepSpec
        from innosim.model.yaml_files import read_yaml

        raw = read_yaml(Path(a.spec))
        try:
            spec = SweepSpec(**{"name": Path(a.spec).stem, **raw})
        except Exception:  # an invalid sweep file: the command itself reports it in one line
            return None
        points = spec.include_base
        size = 1
        for axis in spec.axes:
            size *= len(axis.grid())
        per_point = spec.runs.draws * spec.runs.replicates if spec.runs else spec.precision.max_runs  # type: ignore
        return limits.Estimate((size + points) * per_point, a.workers), "the sweep's points or runs"
    if a.command == "sensitivity":
        from types import SimpleNamespace

        from innosim.experiments.sensitivity.space import all_factors, select

        d = len(select(a.params, all_factors(SimpleNamespace(start_year=0, target_year=0))))  # type: ignore
        n = a.n or (10 if a.method == "morris" else 64)
        if a.method == "sobol" and n & (n - 1):  # not a power of 2: the command's own check says so
            return None
        rows = n * (d + 1 if a.method == "morris" else (2 * d + 2 if not a.no_second_order else d + 2))
        return limits.Estimate(rows * a.replicates, a.workers, design_bytes=2 * 8 * rows * d), "--n"
    return None


def _guard(a: argparse.Namespace) -> None:
    """Refuse absurd requests before any work (see ``runs.limits``); announce large ones started with --yes."""
    if hasattr(a, "workers") and not (getattr(a, "scheduler", None)):
        limits.check_workers(a.workers, a.force_workers)
    est = _estimate(a)
    if est is not None and limits.check_size(est[0], a.yes, est[1]):
        print(f"innosim: starting {est[0].describe()} (--yes); progress follows", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    since, args = time.time() - 1, None  # folders this command starts have markers written after ``since``
    stopped.PUBLISHED.clear()  # what an earlier command in this process completed is not this one's
    with stopped.CtrlC() as ctrl_c:
        try:  # from the first import on: Ctrl-C while the command starts is one line too, not a traceback
            __import__("matplotlib").use("Agg")  # files only, no display: chosen once, before any chart module
            args = build_parser().parse_args(argv)
            _allow_paths(getattr(args, "allow_path", []))
            _guard(args)
            stopped.check()  # a Ctrl-C that Python dropped while the modules above were imported
            commands = {"run": _cmd_run, "validate": _cmd_validate, "brief": _cmd_brief,
                        "sweep": _cmd_sweep, "sensitivity": _cmd_sensitivity, "compare": _cmd_compare,
                        "response": _cmd_response}
            status = commands.get(args.command, getattr(args, "handler", None))(args)
            if ctrl_c.lost:  # dropped by Python after the command's last check point (its results published)
                print("innosim: Ctrl-C came too late to stop the command; it finished normally", file=sys.stderr)
            return status
        except InputError as e:
            print(f"innosim: error: {e}", file=sys.stderr)
            return 2
        except (KeyboardInterrupt, ImportError) as e:
            if isinstance(e, ImportError) and not ctrl_c.seen:  # a C extension's import cut short by Ctrl-C only
                raise
            print(f"innosim: {stopped.interrupted(args, argv, since) if args else stopped.STARTING}", file=sys.stderr)
            return 130
        except OSError as e:
            problem = limits.disk_problem(e)
            if problem is None or args is None:
                raise
            print(f"innosim: error: {stopped.disk_error(args, problem, since)}", file=sys.stderr)
            return 2
        finally:  # the status returned is the process's: no exit by SIGINT for a Ctrl-C caught above
            stopped.forget_caught_interrupts()


if __name__ == "__main__":
    sys.exit(main())
