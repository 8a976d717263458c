"""S&T platforms as a tiered pipeline: municipal labs (市重点实验室, new R&D institutes, city technology-innovation
centres) that the city designates and funds, feeding provincial approval — competitive and rationed from above —
and, rarely, national key labs. A platform row has a host (a firm or a university), a level and a readiness (yuan
invested in it). "Provincial-and-above" platforms (省级以上科创平台, the plan's indicator) are levels 2 and 3.

Each Q4: labs of exited firms close and some fail evaluation; hosts invest a share of their R&D in their labs;
ready municipal labs apply to the province, which approves at most its ration (``prov_quota``) for the city; a few
provincial labs become national; then hosts weigh founding a municipal lab (expected city award against their
set-up cost) and the platform-award instrument pays awards to this round's promotions and founds the municipal
labs it can fund (``model.instruments.awards.PlatformAwards``). Money in yuan.
"""

from __future__ import annotations

import numpy as np

from innosim.agents.enterprises import EnterpriseTable, top_rows
from innosim.agents.world import World
from innosim.model.calendar import FIRST_YEAR
from innosim.model.rng import slot_normals
from innosim.model.units import WAN

LAB_RD_SHARE = 0.05  # share of a host's yearly R&D that goes into each of its labs (assumption)
READY_YEARS = 2  # years a municipal lab runs before it is a credible provincial candidate (assumption)
RIVAL_FACTOR = 2.0  # the rest of the province fields twice the city's initial candidate strength (the calibration
# city won 5 of 16 provincial key labs in 2020 and 19 of 44 in 2025: a third to two fifths)
UNIV_PROPOSALS_PER_THRESHOLD = 0.25  # municipal-lab proposals a year per host threshold of university R&D
LAB_COST_SIGMA = 1.0  # log-sd of set-up costs across hosts
FIRM, UNIV = 0, 1
MUNICIPAL, PROVINCIAL, NATIONAL = 1, 2, 3
OFFER_NATIONAL, OFFER_PROVINCIAL, OFFER_MUNICIPAL = 3, 2, 1


class PlatformRegistry:
    """Every lab as a row (host kind, host id, level, readiness); firm-hosted levels also in ``firms.platform``."""

    def __init__(self, municipal: int, provincial_plus: int, national_key_labs: int, n_univ: int,
                 univ_rd: np.ndarray, firms: EnterpriseTable, host_threshold_wan: float,
                 municipal_threshold_wan: float, rng: np.random.Generator) -> None:
        self.threshold = host_threshold_wan * WAN
        self.muni_threshold = municipal_threshold_wan * WAN
        self.n_univ = n_univ
        # Initial labs: a third of each level at the largest R&D firms, the rest at universities by R&D.
        kinds, hosts, levels = [], [], []
        counts = ((NATIONAL, national_key_labs), (PROVINCIAL, provincial_plus - national_key_labs),
                  (MUNICIPAL, municipal))
        order = top_rows(np.ones(firms.n, dtype=bool), firms.rd_last_year, sum(c // 3 for _, c in counts))
        taken = 0
        for level, count in counts:
            n_firm = count // 3
            kinds += [FIRM] * n_firm + [UNIV] * (count - n_firm)
            hosts += list(order[taken:taken + n_firm])
            taken += n_firm
            hosts += list(rng.choice(n_univ, size=count - n_firm, p=univ_rd / univ_rd.sum()))
            levels += [level] * count
        self.kind = np.array(kinds, dtype=np.int8)
        self.host = np.array(hosts, dtype=np.int64)
        self.level = np.array(levels, dtype=np.int8)
        self.invest = np.zeros(self.kind.size)
        self.year = FIRST_YEAR - 1
        self.founded = self.year - rng.integers(0, 6, self.kind.size)
        self.open = np.ones(self.kind.size, dtype=bool)
        self._mark_firms(firms)
        # The rest of the province, in units of the city's initial candidate strength (scenario-independent).
        muni = self.level == MUNICIPAL
        self.rivals = RIVAL_FACTOR * float(np.minimum(1.0, self._host_rd(firms, univ_rd)[muni] / self.threshold).sum())
        self.national = int(national_key_labs)
        self.created = 0
        self.closed = 0
        self.new_labs = np.empty(0, dtype=np.int64)  # labs promoted in the last round
        self.cand_kind = np.empty(0, dtype=np.int8)  # municipal-lab applicants of the last round, priority order
        self.cand_host = np.empty(0, dtype=np.int64)

    def _mark_firms(self, firms: EnterpriseTable) -> None:
        firms.platform[:] = 0
        sel = self.open & (self.kind == FIRM)
        np.maximum.at(firms.platform, self.host[sel], self.level[sel])

    def _host_rd(self, firms: EnterpriseTable, univ_rd: np.ndarray) -> np.ndarray:
        """Yearly R&D (yuan) behind each lab: the host firm's last year, or the university's R&D shared among its
        open labs."""
        is_firm = self.kind == FIRM
        labs_per_univ = np.bincount(self.host[self.open & ~is_firm], minlength=self.n_univ)
        per_lab = univ_rd / np.maximum(labs_per_univ, 1)
        return np.where(is_firm, firms.rd_last_year[np.where(is_firm, self.host, 0)],
                        per_lab[np.where(is_firm, 0, self.host)])

    def count(self, firms: EnterpriseTable) -> int:
        """Provincial-and-above platforms now (labs open at level ≥ 2)."""
        return int(np.count_nonzero(self.open & (self.level >= PROVINCIAL)))

    def municipal(self) -> int:
        """Municipal labs open now."""
        return int(np.count_nonzero(self.open & (self.level == MUNICIPAL)))

    # --- what the award instrument sees and does ------------------------------------------------------
    def offers(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows the award instrument may pay, in priority order: (kind of offer, lab or applicant index) —
        promotions to national, then to provincial, then municipal applicants."""
        lv = self.level[self.new_labs]
        nat, prov = self.new_labs[lv == NATIONAL], self.new_labs[lv == PROVINCIAL]
        kind = np.concatenate((np.full(nat.size, OFFER_NATIONAL), np.full(prov.size, OFFER_PROVINCIAL),
                               np.full(self.cand_kind.size, OFFER_MUNICIPAL))).astype(np.int8)
        ref = np.concatenate((nat, prov, np.arange(self.cand_kind.size)))
        return kind, ref

    def receive_awards(self, firms: EnterpriseTable, kind: np.ndarray, ref: np.ndarray, paid: np.ndarray) -> None:
        """Awards go into the promoted labs; a funded municipal applicant founds its lab with the award."""
        award = kind != OFFER_MUNICIPAL
        np.add.at(self.invest, ref[award], paid[award])
        found = ref[~award]
        if found.size:
            self.kind = np.concatenate((self.kind, self.cand_kind[found]))
            self.host = np.concatenate((self.host, self.cand_host[found]))
            self.level = np.concatenate((self.level, np.full(found.size, MUNICIPAL, dtype=np.int8)))
            self.invest = np.concatenate((self.invest, paid[~award]))
            self.founded = np.concatenate((self.founded, np.full(found.size, self.year, dtype=np.int64)))
            self.open = np.concatenate((self.open, np.ones(found.size, dtype=bool)))
            firm_hosts = self.cand_host[found][self.cand_kind[found] == FIRM]
            firms.platform[firm_hosts] = np.maximum(firms.platform[firm_hosts], MUNICIPAL)
            self.created += found.size

    # --- the annual round ----------------------------------------------------------------------------
    def annual_round(self, m: World, year: int, rng: np.random.Generator, key: np.uint64) -> None:
        """Closures, host investment, provincial approvals within the ration, national promotions, and this
        year's municipal-lab applicants (for the award instrument, which pays after the round). ``key``: slot-draw
        key of the firm applicants' set-up costs."""
        f, p, u = m.firms, m.params, m.universities
        self.year = year
        n = self.kind.size
        z = rng.random((2, n))
        is_firm = self.kind == FIRM
        host_alive = np.where(is_firm, f.alive[np.where(is_firm, self.host, 0)], True)
        failed = self.open & (z[0] < p["platform_exit"])
        closing = self.open & (~host_alive | failed)
        self.open &= ~closing
        self.closed += int(closing.sum())
        host_rd = self._host_rd(f, u.rd_year + u.grant_year)
        self.invest += np.where(self.open, LAB_RD_SHARE * host_rd, 0.0)
        # Municipal labs that have run READY_YEARS apply; the province approves `prov_quota` a year across the
        # province, and the city's share grows with its candidates' strength against the rest of the province.
        ready = np.flatnonzero(self.open & (self.level == MUNICIPAL) & (year - self.founded >= READY_YEARS))
        strength = np.minimum(1.0, host_rd[ready] / self.threshold)
        total = float(strength.sum())
        wins = min(ready.size, int(rng.poisson(p["prov_quota"] * total / (total + self.rivals))))
        score = strength * np.exp(0.5 * rng.standard_normal(n)[ready])
        ready = ready[np.argsort(-score, kind="stable")[:wins]]
        self.level[ready] = PROVINCIAL
        # A few provincial labs become national, the readiest first.
        k = int(rng.poisson(p["national_rate"]))
        prov = self.open & (self.level == PROVINCIAL)
        prov[ready] = False  # this year's approvals are not promoted again
        prov = np.flatnonzero(prov)
        nat = prov[np.argsort(-self.invest[prov], kind="stable")[:k]]
        self.level[nat] = NATIONAL
        self.national += nat.size
        self.new_labs = np.concatenate((nat, ready))
        self._mark_firms(f)
        self._applicants(m, rng, key)

    def _applicants(self, m: World, rng: np.random.Generator, key: np.uint64) -> None:
        """Hosts that found a municipal lab if the city funds it: firms with enough R&D and no lab yet, and
        university proposals, apply when the expected award exceeds their set-up cost (a firm's, a slot draw under
        ``key``)."""
        f, p, u, s = m.firms, m.params, m.universities, m.signals
        firm_c = np.flatnonzero(f.alive & (f.platform == 0) & (f.rd_last_year >= self.muni_threshold))
        univ_rd = u.rd_year + u.grant_year
        proposals = rng.poisson(UNIV_PROPOSALS_PER_THRESHOLD * univ_rd / self.threshold)
        univ_c = np.repeat(np.arange(self.n_univ), proposals)
        z_f = slot_normals(key, firm_c)
        z_u = rng.standard_normal(univ_c.size)
        cost_f = p["lab_cost_wan"] * WAN * np.exp(LAB_COST_SIGMA * z_f)
        cost_u = p["lab_cost_wan"] * WAN * np.exp(LAB_COST_SIGMA * z_u)
        expected = s.lab_award * expected_share(np.concatenate((cost_f, cost_u)), s.lab_award, s.lab_budget)
        firm_c = firm_c[expected > cost_f]
        firm_c = firm_c[np.argsort(-f.rd_last_year[firm_c], kind="stable")]
        univ_c = univ_c[expected > cost_u]
        self.cand_kind = np.concatenate((np.full(univ_c.size, UNIV), np.full(firm_c.size, FIRM))).astype(np.int8)
        self.cand_host = np.concatenate((univ_c, firm_c)).astype(np.int64)


def expected_share(costs: np.ndarray, award: float, budget: float) -> float:
    """The funded share hosts can expect when they all reason alike: the share ``s`` at which the awards asked by
    the hosts whose cost is below ``s·award`` just use up the budget (1 if the budget covers every host whose cost
    is below the full award). Found by bisection: the claims grow with ``s``, so the fixed point is unique."""
    if budget <= 0 or award <= 0:
        return 0.0
    if award * np.count_nonzero(costs < award) <= budget:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if mid * award * np.count_nonzero(costs < mid * award) > budget:
            hi = mid
        else:
            lo = mid
    return lo
