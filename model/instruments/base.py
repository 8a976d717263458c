"""The instrument protocol: delivery (when, to whom, within what budget) kept apart from the effect.

Every instrument draws only from its own named random stream and does nothing, draws nothing, when its budget
for the year is used up or zero: an instrument with zero budget leaves every output of a run identical.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from innosim.model.calendar import quarter_of, year_of

if TYPE_CHECKING:
    from innosim.model.simulation import InnosimModel

WAN = 1e4  # yuan per 万


class Options(BaseModel):
    """Instrument options; caps default to the documents' figures (seed 004)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Instrument:
    """Base class. Subclasses set ``key``, ``family``, ``quarters`` and implement the hooks."""

    key: ClassVar[str]
    family: ClassVar[str]
    label_en: ClassVar[str]
    label_zh: ClassVar[str]
    quarters: ClassVar[tuple[int, ...]] = (1, 2, 3, 4)
    recipients: ClassVar[str] = "firms"
    Options: ClassVar[type[Options]] = Options

    def __init__(self, options: Options) -> None:
        self.opt = options

    # --- delivery ---------------------------------------------------------------------------------
    def eligible(self, m: InnosimModel, q: int, rng: np.random.Generator) -> np.ndarray:
        """Mask over firm rows (or university rows when ``recipients == 'universities'``)."""
        raise NotImplementedError

    def select(self, m: InnosimModel, q: int, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Eligible ids in priority order; default: random order (first come, first served)."""
        idx = np.flatnonzero(mask)
        return idx[rng.permutation(idx.size)]

    def request(self, m: InnosimModel, q: int, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Amount asked per selected id, in yuan, already within the caps."""
        raise NotImplementedError

    def effect(self, m: InnosimModel, q: int, idx: np.ndarray, paid: np.ndarray, rng: np.random.Generator) -> None:
        """What the money does to its recipients."""
        raise NotImplementedError

    # --- the shared delivery loop -----------------------------------------------------------------
    def deliver(self, m: InnosimModel, q: int) -> float:
        """Run this quarter's call if any; returns yuan paid."""
        year = year_of(q)
        if quarter_of(q) not in self.quarters or m.ledger.remaining(self.key, year) <= 0:
            return 0.0
        rng = m.streams.get(self.key, q)
        mask = self.eligible(m, q, rng)
        idx = self.select(m, q, mask, rng)
        if idx.size == 0:
            return 0.0
        req = self.request(m, q, idx, rng)
        paid = m.ledger.fit(self.key, year, req)
        keep = paid > 0
        idx, paid = idx[keep], paid[keep]
        total = m.ledger.book(self.key, year, paid)
        if idx.size:
            for listener in m.payment_listeners:
                listener((self.key, year, idx.copy(), paid.copy()))
        if idx.size:
            self.effect(m, q, idx, paid, rng)
        return total


def fund_rd(m: InnosimModel, idx: np.ndarray, paid: np.ndarray, grants: bool = True) -> None:
    """Project money (yuan) joins the firms' R&D pipeline, spent over the next four quarters."""
    f = m.firms
    np.add.at(f.public_pipe, idx, paid)
    np.add.at(f.public_year, idx, paid)
    if grants:
        np.add.at(f.grants_cum, idx, paid)


def merit_order(m: InnosimModel, idx: np.ndarray, rng: np.random.Generator, noise: float,
                prior_bonus: float, extra: np.ndarray | float = 0.0) -> np.ndarray:
    """Selection by a noisy merit score with a bonus for earlier grantees (the Matthew effect)."""
    f = m.firms
    k = np.log1p(f.knowledge[idx] / WAN)
    merit = (k - k.mean()) / (k.std() + 1e-9) + 0.5 * f.quality[idx]
    score = merit + noise * rng.standard_normal(idx.size) + prior_bonus * (f.grants_cum[idx] > 0) + extra
    return idx[np.argsort(-score, kind="stable")]
