"""argparse types of the command line's numeric options: a bad value is one error line naming the option, exit 2
(``cli.Parser.error``), never a traceback."""

from __future__ import annotations

import argparse


def positive(name: str, zero: bool = False):
    """argparse type: a whole number >= 1 (>= 0 with ``zero``)."""
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number (got {text!r})") from None
        if v < (0 if zero else 1):
            raise argparse.ArgumentTypeError(f"{name} must be {'>= 0' if zero else '>= 1'} (got {v})")
        return v
    return parse


def share(name: str):
    """argparse type: a number from 0 to 1."""
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number from 0 to 1 (got {text!r})") from None
        if not 0.0 <= v <= 1.0:
            raise argparse.ArgumentTypeError(f"{name} must be from 0 to 1 (got {v})")
        return v
    return parse
