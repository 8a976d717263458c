"""The recorder: every indicator of every quarter, read from the model's state after the quarter's phases."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from innosim.agents.brokers import BrokerPool
from innosim.agents.enterprise_rules import YOUNG_YEARS
from innosim.agents.enterprises import EnterpriseTable
from innosim.agents.round_kernels import census
from innosim.model.calendar import N_QUARTERS
from innosim.model.indicators import ACCUMULATED, FLOWS, STOCKS


class PlatformCounts(Protocol):
    national: int

    def count(self, firms: EnterpriseTable) -> int: ...

    def municipal(self) -> int: ...


class IncubatorFlags(Protocol):
    national: np.ndarray


class UniversityRD(Protocol):
    def rd_quarter(self) -> float: ...


class Observed(Protocol):
    """What the recorder reads."""

    firms: EnterpriseTable
    platforms: PlatformCounts
    brokers: BrokerPool
    incubators: IncubatorFlags
    universities: UniversityRD
    flows: dict[str, float]


class Recorder:
    """Quarterly indicator arrays, one row per quarter index."""

    def __init__(self, instrument_keys: list[str]) -> None:
        self.spend_keys = [f"spend_{k}" for k in instrument_keys]
        self.names = list(STOCKS) + list(FLOWS) + self.spend_keys
        self.data = {k: np.zeros(N_QUARTERS) for k in self.names}

    def record(self, m: Observed, q: int, rd_firms: float, births: int, exits: int, spend: dict[str, float]) -> None:
        f = m.firms
        d = self.data
        # Last year's register counts until the year's Q4 round; one pass for every firm count.
        (d["tech_enterprises"][q], d["hte"][q], d["tech_sme"][q], d["listed_hte"][q], d["incubated"][q],
         d["firms_alive"][q], d["young_firms"][q], d["public_stakes"][q], d["vc_backed"][q]) = census(
            f.alive, f.hte, f.tech_sme, f.tech_sme_last, f.listed, f.incubated, f.birth_q, f.stake, f.vc_backed,
            q % 4 < 3, q - 4 * YOUNG_YEARS)
        d["platforms"][q] = m.platforms.count(f)
        d["municipal_labs"][q] = m.platforms.municipal()
        d["national_key_labs"][q] = m.platforms.national
        d["tech_brokers"][q] = m.brokers.count()
        d["national_incubators"][q] = np.count_nonzero(m.incubators.national)
        d["public_stake_cost"][q] = float(np.compress(f.stake > 0, f.stake_cost).sum())
        rd_u = m.universities.rd_quarter()
        d["rd_firms"][q] = rd_firms
        d["rd_universities"][q] = rd_u
        d["rd_expenditure"][q] = rd_firms + rd_u
        d["births"][q] = births
        d["exits"][q] = exits
        for k in ACCUMULATED:
            d[k][q] = m.flows[k]
        for k, v in spend.items():
            d[f"spend_{k}"][q] = v
