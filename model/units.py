"""Money units, defined once: the model computes in yuan; tables report 亿元; options and profiles use 万元."""

from __future__ import annotations

WAN = 1e4  # yuan per 万元
YI = 1e8  # yuan per 亿元 (100 million yuan)


def to_yi(yuan: float) -> float:
    """Yuan -> 亿元."""
    return yuan / YI
