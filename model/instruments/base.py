"""The instrument protocol: who is eligible, in what order, asking how much, and what the money does.

Instruments implement the hooks; ``model.instruments.delivery`` runs them the same way for every instrument
(when, within what budget, booking and the payment record), so no instrument touches the ledger. Every
instrument draws only from its own named random stream and does nothing, draws nothing, when its budget for the
year is used up or zero: an instrument with zero budget leaves every output of a run identical.
Money in yuan; options in 万元 (``WAN``) as the documents state caps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from innosim.agents.world import World
from innosim.model.instruments.kernels import merit_score
from innosim.model.units import WAN


class Options(BaseModel):
    """Instrument options. Exact types, finite numbers. The options named in ``caps`` are the documents' caps:
    their values come from the city profile's instrument menu (``model.instruments.menu``), which is also the
    most a scenario may set; the defaults here only serve an instrument built without a city."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
    caps: ClassVar[tuple[str, ...]] = ()


@dataclass(frozen=True)
class Call:
    """One instrument's call in one quarter: quarter index, calendar year, budget left (yuan), and its own stream
    (``rng``), made from ``stream`` on first use: most calls draw nothing, and setting a generator's state costs
    more than many of them (≈ 12 µs against 450 calls a run)."""

    q: int
    year: int
    budget_left: float
    stream: Callable[[], np.random.Generator]

    @cached_property
    def rng(self) -> np.random.Generator:
        return self.stream()


@dataclass(frozen=True)
class Ask:
    """Amounts asked per selected id (yuan, within the caps) and, where the payment co-funds a purchase, what the
    purchase costs (``basis``, yuan; e.g. the service fee a voucher pays half of)."""

    amount: np.ndarray
    basis: np.ndarray | None = None


@dataclass(frozen=True)
class Grant:
    """What was paid: recipient ids, yuan paid, and the purchase cost of each (``basis``, if the ask had one)."""

    idx: np.ndarray
    paid: np.ndarray
    basis: np.ndarray | None = None


class Instrument:
    """Base class. Subclasses set ``key``, ``family``, ``quarters`` and implement the hooks.

    ``phase`` says where in the quarter the instrument is delivered: ``"instruments"`` (phase 4, the default) or
    ``"platforms"`` (phase 7, after the platform round, for awards to the platforms it created)."""

    key: ClassVar[str]
    family: ClassVar[str]
    label_en: ClassVar[str]
    label_zh: ClassVar[str]
    quarters: ClassVar[tuple[int, ...]] = (1, 2, 3, 4)
    recipients: ClassVar[str] = "firms"
    phase: ClassVar[str] = "instruments"
    Options: ClassVar[type[Options]] = Options

    def __init__(self, options: Options) -> None:
        self.opt = options

    def signals(self, budget_left: float) -> dict[str, float | bool]:
        """What this instrument announces this quarter (``model.signals.PolicySignals`` fields); none by default."""
        return {}

    def eligible(self, w: World, call: Call) -> np.ndarray:
        """Mask over firm rows (or over university rows, service points, new platforms: see ``recipients``)."""
        raise NotImplementedError

    def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
        """Eligible ids in priority order; default: random order (first come, first served)."""
        idx = np.flatnonzero(mask)
        return idx[call.rng.permutation(idx.size)]

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        """What each selected id asks for."""
        raise NotImplementedError

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        """What the money does to its recipients."""
        raise NotImplementedError


def fund_rd(w: World, idx: np.ndarray, paid: np.ndarray, grants: bool = True) -> None:
    """Project money (yuan) joins the firms' R&D pipeline, spent over the next four quarters."""
    f = w.firms
    np.add.at(f.public_pipe, idx, paid)
    np.add.at(f.public_year, idx, paid)
    if grants:
        np.add.at(f.grants_cum, idx, paid)


def payable(budget_left: float, min_ask: float) -> int | None:
    """How many requests of at least ``min_ask`` yuan a budget can reach: the ledger pays nobody after the first
    request that does not fit, so no one beyond this many places in the order is paid (None: no bound)."""
    return int(budget_left // min_ask) + 1 if min_ask > 0 else None


def best_first(idx: np.ndarray, score: np.ndarray, limit: int | None = None) -> np.ndarray:
    """``idx`` by descending score (stable); only the best ``limit`` when given (see ``payable``)."""
    if limit is not None and 0 < limit < idx.size:
        keep = np.argpartition(-score, limit - 1)[:limit]
        idx, score = idx[keep], score[keep]
    return idx[np.argsort(-score, kind="stable")]


def merit_order(w: World, idx: np.ndarray, rng: np.random.Generator, noise: float,
                prior_bonus: float, extra: np.ndarray | float = 0.0, limit: int | None = None) -> np.ndarray:
    """Selection by a noisy merit score with a bonus for earlier grantees (the Matthew effect); the best ``limit``
    only when given (``best_first``)."""
    f = w.firms
    k = np.log1p(f.knowledge[idx] / WAN)
    # k.mean() and k.std() as numpy computes them (the same pairwise sums and divisions), the mean computed once
    # and without their Python-level wrappers, which cost more than the sums on a few thousand rows.
    mean = np.add.reduce(k) / k.size
    dev = k - mean
    sd = np.sqrt(np.add.reduce(dev * dev) / k.size)
    score = np.empty(idx.size)
    merit_score(idx, k, mean, sd + 1e-9, f.quality, rng.standard_normal(idx.size), f.grants_cum, noise, prior_bonus,
                score)
    score += extra
    return best_first(idx, score, limit)
