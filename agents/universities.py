"""Universities and research institutes: research funding and staff -> transferable results (Poisson) ->
contracts through brokers or direct ties, and spin-outs. State in arrays (tens of rows), Mesa agent views."""

from __future__ import annotations

import mesa
import numpy as np

from innosim.agents.round_kernels import tie_counts
from innosim.agents.technology_market import brokered_values, quarter_share
from innosim.agents.world import World
from innosim.model.city import Universities as UniProfile
from innosim.model.units import YI

RESULT_DECAY_Q = 0.10  # share of unmatched results that go stale each quarter
TIE_CONTRACT_Q = 0.02  # quarterly chance that a firm-university tie yields a contract (CPB 2007: mostly "once-only")
PILOT_GAIN = 2.0  # conversion uplift per yuan of pilot money relative to the university's yearly R&D


class University(mesa.Agent):
    """Mesa view of university row ``uid``."""

    def __init__(self, model: mesa.Model, uid: int) -> None:
        super().__init__(model)
        self.uid = uid

    @property
    def researchers(self) -> int:
        return int(self.model.universities.researchers[self.uid])

    @property
    def rd_year(self) -> float:
        """Yearly R&D funding, yuan."""
        return float(self.model.universities.rd_year[self.uid])

    @property
    def platforms(self) -> int:
        return int(self.model.platforms.univ_platforms[self.uid])


class UniversitySector:
    """All universities and institutes; vectorised across rows."""

    def __init__(self, model: mesa.Model, prof: UniProfile, rng: np.random.Generator) -> None:
        n = prof.count
        w = np.exp(prof.size_sigma * rng.standard_normal(n))
        w /= w.sum()
        self.n = n
        self.growth = prof.rd_growth
        self.researchers = np.maximum(20, np.round(prof.researchers_total * w)).astype(np.int64)
        self.rd_year = prof.rd_total_yi * YI * w
        self.grant_year = np.zeros(n)  # research grants received this year (yuan)
        self.grant_pipe = np.zeros(n)  # grant money not yet spent (yuan), spent over the four quarters after receipt
        self.grant_spend_q = np.zeros(n)  # yuan of grants spent per quarter while the pipe lasts
        self.results = np.zeros(n)
        self.pilot = np.zeros(n)
        self.agents = [University(model, i) for i in range(n)]

    def receive_research_grants(self, idx: np.ndarray, paid: np.ndarray) -> None:
        """NSF grants (yuan) add to this year's research money and are spent over the next four quarters."""
        np.add.at(self.grant_year, idx, paid)
        np.add.at(self.grant_pipe, idx, paid)
        self.grant_spend_q = self.grant_pipe / 4.0

    def receive_pilot_platforms(self, idx: np.ndarray, paid: np.ndarray) -> None:
        """Pilot / proof-of-concept money (yuan) builds conversion capacity."""
        np.add.at(self.pilot, idx, paid)

    def rd_quarter(self) -> float:
        """R&D performed this quarter, yuan: a quarter of core funding plus grant money spent this quarter (every
        grant yuan reaches the statistic, in the four quarters after it is paid)."""
        spent = np.minimum(self.grant_spend_q, self.grant_pipe)
        self.grant_pipe -= spent
        return float(self.rd_year.sum() / 4.0 + spent.sum())

    def step(self, m: World, q: int, rng: np.random.Generator) -> None:
        """Results arrive, brokers and ties turn some into contracts, some contracts spin out firms."""
        p = m.params
        boost = 1.0 + self.grant_year / self.rd_year
        lam = p["lambda_u"] * self.researchers / 100.0 / 4.0 * boost
        self.results = self.results * (1 - RESULT_DECAY_Q) + rng.poisson(lam)
        conversion = 1.0 + PILOT_GAIN * self.pilot / self.rd_year
        capacity = m.brokers.capacity(p["k_b"], quarter_share(q, p["h1_share"]))
        total = self.results.sum()
        share = np.minimum(1.0, capacity / max(total, 1.0) * conversion)
        brokered = rng.binomial(self.results.astype(np.int64), share)
        direct = rng.binomial(tie_counts(m.firms.alive, m.firms.tie_uni, self.n), TIE_CONTRACT_Q)
        self.results = np.maximum(0.0, self.results - brokered)
        n_contracts = brokered + direct
        k = int(n_contracts.sum())
        values = brokered_values(k, rng)
        m.flows["contract_deals"] += float(values.sum())
        m.flows["contracts_university"] += k
        m.flows["brokered_matches"] += int(brokered.sum())
        m.brokers.use(float(brokered.sum()))
        spins = rng.binomial(n_contracts, p["p_spin"])
        m.queue_spinouts(np.repeat(np.arange(self.n), spins))

    def year_end(self) -> None:
        """Core funding grows; this year's grants are spent."""
        self.rd_year *= 1.0 + self.growth
        self.grant_year[:] = 0.0
