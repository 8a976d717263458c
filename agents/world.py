"""What agent rules and instruments may read and write: the ``World`` protocol.

Rules (``agents/``) and instruments (``model/instruments/``) receive a ``World``, never the Mesa model itself,
so neither can reach the ledger, the random streams or another instrument. ``model.simulation.InnosimModel``
implements it. Sectors that rules of other modules touch appear as small protocols of exactly what is used,
so this module imports no agent module that takes a ``World`` (no import circle).
Units: money in yuan, time in quarter indices (0 = first simulated quarter) unless a name says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np

from innosim.agents.brokers import BrokerPool
from innosim.agents.enterprises import EnterpriseTable
from innosim.model.city import CityProfile
from innosim.model.signals import PolicySignals


class Universities(Protocol):
    """Universities and institutes as rows."""

    n: int
    researchers: np.ndarray  # persons
    rd_year: np.ndarray  # yearly core R&D funding, yuan
    grant_year: np.ndarray  # this year's research grants, yuan

    def receive_research_grants(self, idx: np.ndarray, paid: np.ndarray) -> None: ...

    def receive_pilot_platforms(self, idx: np.ndarray, paid: np.ndarray) -> None: ...


class Investors(Protocol):
    """This quarter's VC and angel deals, and the banks' subsidised loans."""

    deals_this_quarter: np.ndarray  # firm ids
    deal_amount: np.ndarray  # yuan per firm row

    def book_loans(self, ids: np.ndarray) -> None: ...


class CertificationRound(Protocol):
    """The year's HTE certification round."""

    certified: np.ndarray  # firm ids certified this year (first time or renewed)


class PlatformPipeline(Protocol):
    """The platform round's offers to the award instrument, and what the awards do."""

    def offers(self) -> tuple[np.ndarray, np.ndarray]: ...

    def receive_awards(self, firms: EnterpriseTable, kind: np.ndarray, ref: np.ndarray, paid: np.ndarray) -> None: ...


class World(Protocol):
    """The state rules and instruments act on, and the few actions they may take beyond writing columns."""

    firms: EnterpriseTable
    params: Mapping[str, float]
    flows: dict[str, float]  # this quarter's accumulated flows (model.indicators.ACCUMULATED)
    city: CityProfile
    year: int
    signals: PolicySignals
    universities: Universities
    investors: Investors
    brokers: BrokerPool
    hte_round: CertificationRound
    platforms: PlatformPipeline
    last_year_turnover: float  # registered technology-contract turnover of the last complete year, yuan
    nu_scale: float
    birth_segment_code: int
    firms_alive_start: int  # living firms at the start of this year

    def queue_spinouts(self, parents: np.ndarray) -> None: ...

    def add_firm_rd(self, idx: np.ndarray, amount: np.ndarray) -> None: ...

    def receive_equity_proceeds(self, year: int, amount: float) -> None: ...
