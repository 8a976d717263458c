"""Incubators: capacity, tier, selection of start-ups on a noisy quality signal, tenancy, graduation.
Effects on tenants (hazard ``m_inc``, growth ``g_inc``) are applied by the enterprise rules."""

from __future__ import annotations

import mesa
import numpy as np

from innosim.agents.enterprises import EnterpriseTable
from innosim.model.city import Incubators as IncProfile

NATIONAL_CAPACITY_FACTOR = 3.0  # a national incubator hosts about three times a municipal one
UPGRADE_P = 0.015  # yearly chance a municipal incubator is recognised as national (19 -> 23, 2018-2023)
CAPACITY_GROWTH = 0.04  # yearly growth of incubator capacity
SELECTION_NOISE = 1.0


class Incubator(mesa.Agent):
    """Mesa view of incubator row ``iid``."""

    def __init__(self, model: mesa.Model, iid: int) -> None:
        super().__init__(model)
        self.iid = iid

    @property
    def capacity(self) -> int:
        return int(self.model.incubators.capacity[self.iid])

    @property
    def tenants(self) -> int:
        return int(self.model.incubators.tenants[self.iid])

    @property
    def national(self) -> bool:
        return bool(self.model.incubators.national[self.iid])


class IncubatorNetwork:
    """All incubators, vectorised."""

    def __init__(self, model: mesa.Model, prof: IncProfile, rng: np.random.Generator) -> None:
        n = prof.count
        self.n = n
        self.national = np.zeros(n, dtype=bool)
        self.national[rng.permutation(n)[: prof.national]] = True
        w = np.where(self.national, NATIONAL_CAPACITY_FACTOR, 1.0) * rng.uniform(0.5, 1.5, n)
        self.capacity_f = prof.capacity_total * w / w.sum()
        self.capacity = np.floor(self.capacity_f).astype(np.int64)
        self.tenants = np.zeros(n, dtype=np.int64)
        self.tenancy_q = int(round(prof.tenancy_years * 4))
        self.intake_share = prof.intake_share
        self.agents = [Incubator(model, i) for i in range(n)]

    def seat_initial(self, firms: EnterpriseTable, count: int, rng: np.random.Generator) -> None:
        """Place ``count`` of the youngest small tech firms as tenants at the start."""
        cand = np.flatnonzero(firms.tech & ~firms.large & (firms.birth_q > -self.tenancy_q))
        cand = cand[rng.permutation(cand.size)][:count]
        self._admit(firms, cand, 0, rng, spread=True)

    def _admit(self, firms: EnterpriseTable, ids: np.ndarray, q: int, rng: np.random.Generator,
               spread: bool = False) -> None:
        free = np.maximum(self.capacity - self.tenants, 0)
        slots = np.repeat(np.arange(self.n), free)
        slots = slots[rng.permutation(slots.size)]
        k = min(ids.size, slots.size)
        ids, where = ids[:k], slots[:k]
        firms.incubated[ids] = True
        firms.incubator[ids] = where
        stay = rng.integers(-self.tenancy_q // 2, self.tenancy_q // 2 + 1, k) if spread else rng.integers(-2, 3, k)
        firms.inc_until_q[ids] = q + self.tenancy_q // (2 if spread else 1) + stay
        np.add.at(self.tenants, where, 1)

    def step(self, firms: EnterpriseTable, q: int, new_ids: np.ndarray, rng: np.random.Generator) -> None:
        """Graduate tenants whose tenancy ended or who died, then select applicants among new firms."""
        tenants = np.flatnonzero(firms.incubated)  # a few thousand rows: test them, not the whole table
        leaving = tenants[(firms.inc_until_q[tenants] <= q) | ~firms.alive[tenants]]
        if leaving.size:
            np.subtract.at(self.tenants, firms.incubator[leaving], 1)
            firms.incubated[leaving] = False
            firms.incubator[leaving] = -1
        applicants = new_ids[rng.random(new_ids.size) < self.intake_share]
        signal = firms.quality[applicants] + SELECTION_NOISE * rng.standard_normal(applicants.size)
        self._admit(firms, applicants[np.argsort(-signal, kind="stable")], q, rng)

    def year_end(self, rng: np.random.Generator) -> None:
        """Capacity grows; some municipal incubators become national."""
        self.national |= rng.random(self.n) < UPGRADE_P
        self.capacity_f *= 1.0 + CAPACITY_GROWTH
        self.capacity = np.floor(self.capacity_f).astype(np.int64)
