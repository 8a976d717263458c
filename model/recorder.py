"""The recorder: every indicator of every quarter, read from the model's state after the quarter's phases."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from innosim.agents.brokers import BrokerPool
from innosim.agents.enterprise_rules import YOUNG_YEARS
from innosim.agents.enterprises import EnterpriseTable
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
        registered = f.tech_sme | (f.tech_sme_last & (q % 4 < 3))
        d["tech_enterprises"][q] = np.count_nonzero(f.alive & (f.hte | registered))
        d["hte"][q] = np.count_nonzero(f.hte)
        d["tech_sme"][q] = np.count_nonzero(f.tech_sme)
        d["listed_hte"][q] = np.count_nonzero(f.listed & f.hte & f.alive)
        d["platforms"][q] = m.platforms.count(f)
        d["municipal_labs"][q] = m.platforms.municipal()
        d["national_key_labs"][q] = m.platforms.national
        d["tech_brokers"][q] = m.brokers.count()
        d["incubated"][q] = np.count_nonzero(f.incubated)
        d["national_incubators"][q] = np.count_nonzero(m.incubators.national)
        d["firms_alive"][q] = np.count_nonzero(f.alive)
        d["young_firms"][q] = np.count_nonzero(f.alive & (f.birth_q > q - 4 * YOUNG_YEARS))
        held = f.stake > 0
        d["public_stakes"][q] = np.count_nonzero(held)
        d["public_stake_cost"][q] = float(f.stake_cost[held].sum())
        d["vc_backed"][q] = np.count_nonzero(f.vc_backed & f.alive)
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
