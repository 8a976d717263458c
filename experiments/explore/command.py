"""``innosim explore``: start the page and print its address (arguments, request, entry point; the server and the
page are imported only when it runs)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

HELP = "a local page (Solara) to try budgets, mixes and assumptions and see the targets; prints its address"


@dataclass(frozen=True)
class ExploreRequest:
    """What ``innosim explore`` is asked to do: port, host, page language (zh or en), parameter source
    (``posterior`` or ``prior``), worker processes per run and where exported results folders go."""

    port: int = 8765
    host: str = "127.0.0.1"
    lang: str = "zh"
    params: str = "posterior"
    workers: int = 1
    out: str = "results"


def add_parser(sub) -> argparse.ArgumentParser:
    """Add the ``explore`` sub-command to argparse's sub-parsers ``sub``; its ``handler`` is ``from_args``."""
    p = sub.add_parser("explore", help=HELP)
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="page language (default zh)")
    p.add_argument("--params", choices=["posterior", "prior"], default="posterior",
                   help="parameters per replicate: the shipped posterior (default) or the prior medians")
    p.add_argument("--workers", type=int, default=1, help="worker processes per run (default 1)")
    p.add_argument("--out", default="results", help="where exported results folders go (default results/)")
    p.set_defaults(handler=from_args, force_workers=False)
    return p


def from_args(a: argparse.Namespace) -> int:
    """Entry point of the command line."""
    explore(ExploreRequest(a.port, a.host, a.lang, a.params, a.workers, a.out))
    return 0


def explore(req: ExploreRequest) -> None:
    """Serve the page until Ctrl-C."""
    from innosim.experiments.explore.server import serve
    from innosim.experiments.explore.settings import assumption_parameters

    assumption_parameters()  # a renamed parameter fails here, before the server starts
    print(f"innosim explore: http://{req.host}:{req.port}/  (Ctrl-C stops it)", flush=True)
    serve(req.host, req.port, req.lang, req.params, req.workers, req.out)
