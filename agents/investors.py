"""Investors: VC funds and angel networks (deals on a noisy quality signal), banks (loans), and the public
guidance fund that holds the 拨改投 stakes, exits them after the holding period and recycles the proceeds."""

from __future__ import annotations

import mesa
import numpy as np
from scipy.special import ndtri

from innosim.agents.enterprise_rules import annual_hazard
from innosim.agents.kernels import vc_screen
from innosim.agents.world import World
from innosim.model.calendar import year_of
from innosim.model.rng import slot_normals, slot_uniforms
from innosim.model.signals import funded_share
from innosim.model.units import WAN

DEAL_MEDIAN_WAN = 800.0  # median VC round, 万 yuan (assumption)
SEED_MEDIAN_WAN = 300.0  # median seed round, 万 yuan (assumption)
DEAL_SIGMA = 1.0
VC_RD_SHARE = 0.4  # share of raised money spent on R&D
SIGNAL_NOISE = 0.7
VC_MAX_AGE_Y = 8.0
SEED_MAX_AGE_Y = 3.0  # a seed-stage firm is at most this old (years)
# Bounds of the standard normal quantile over 4,096 equal buckets of u (vc_screen): ndtri of the bucket's ends,
# widened by 1e-9 against rounding; the outer buckets are unbounded.
_Z_LO = ndtri(np.arange(4096) / 4096.0) - 1e-9
_Z_HI = ndtri(np.arange(1, 4097) / 4096.0) + 1e-9


SEED_RATE_REF = 0.10  # e_seed is the deal uplift at a sure 10% reward (Denes et al. 2023's credits are 25-35%)
SEED_SHARE = 0.5  # share of deals that are seed-stage (firms ≤ 3 years), for the expected claims


def expected_seed_rate(m: World, q: int) -> float:
    """Reward per seed yuan VCs can expect for the rest of the year: the rate times the share of the expected seed
    volume the budget left covers."""
    s, p = m.signals, m.params
    if s.seed_budget <= 0 or s.seed_rate <= 0:
        return 0.0
    quarters_left = 4 - q % 4
    volume = (SEED_SHARE * p["vc_deals"] / 4.0 * (1.0 + p["e_seed"]) * quarters_left
              * SEED_MEDIAN_WAN * WAN * np.exp(0.5 * DEAL_SIGMA**2))
    return s.seed_rate * funded_share(s.seed_budget, s.seed_rate * volume)


def _top_k(ids: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best ids by score, best first, without sorting them all."""
    if k <= 0:
        return ids[:0]
    if k < ids.size:
        keep = np.argpartition(-score, k - 1)[:k]
        ids, score = ids[keep], score[keep]
    return ids[np.argsort(-score, kind="stable")]


class VCFund(mesa.Agent):
    """A venture fund; its deals are assigned by the sector's vectorised screening, and its tallies are kept in
    the sector's arrays (``index``: its row there)."""

    def __init__(self, model: mesa.Model, book: np.ndarray, index: int) -> None:
        super().__init__(model)
        self._book = book
        self.index = index

    @property
    def deals(self) -> int:
        """Deals made so far."""
        return int(self._book[0, self.index])

    @property
    def invested(self) -> float:
        """Yuan invested so far."""
        return float(self._book[1, self.index])


class AngelNetwork(VCFund):
    """Angels: seed deals only."""


class Bank(mesa.Agent):
    """A bank lending to credit-white-list firms (loans booked when the loan subsidy pays)."""

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.subsidised_loans = 0


class GuidanceFund(mesa.Agent):
    """The municipal guidance / 拨改投 fund: holds stakes (in the firm columns) and exits them."""

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.exits = 0
        self.proceeds = 0.0  # yuan
        self.written_off = 0.0  # yuan of cost lost to firm exits

    def step_exits(self, m: World, q: int, key: np.uint64) -> None:
        """Exit stakes whose holding period ends: heavy-tailed multiples of cost, mean ``R_rec`` (a slot draw under
        ``key`` per exiting stake)."""
        f, p = m.firms, m.params
        due = np.flatnonzero(f.stake_exit_q == q)  # few rows: the stake test on those only
        due = due[f.stake[due] > 0]
        if due.size == 0:
            return
        u = slot_normals(key, due)
        sigma = 2.0 / p["pareto_a"]
        quality_tilt = np.exp(0.3 * f.quality[due] - 0.045)
        multiple = p["R_rec"] * np.exp(sigma * u - 0.5 * sigma**2) * quality_tilt
        proceeds = f.stake_cost[due] * multiple
        m.receive_equity_proceeds(year_of(q), float(proceeds.sum()))
        self.exits += due.size
        self.proceeds += float(proceeds.sum())
        m.flows["equity_exits"] += due.size
        m.flows["equity_proceeds"] += float(proceeds.sum())
        f.stake[due] = 0.0
        f.stake_cost[due] = 0.0
        f.stake_exit_q[due] = -1

    def expected_proceeds(self, m: World, q: int) -> float:
        """Expected exit proceeds (yuan) of the stakes still held after quarter ``q``: cost × mean multiple
        (``R_rec`` with the quality tilt) × the chance the firm survives to its exit at today's hazard."""
        f, p = m.firms, m.params
        held = np.flatnonzero(f.stake > 0)
        if held.size == 0:
            return 0.0
        years_left = np.maximum(f.stake_exit_q[held] - q, 0) / 4.0
        survive = (1.0 - np.minimum(annual_hazard(m, q)[held], 1.0)) ** years_left
        multiple = p["R_rec"] * np.exp(0.3 * f.quality[held] - 0.045)
        return float(np.sum(f.stake_cost[held] * multiple * survive))

    def write_off(self, m: World, dead: np.ndarray) -> None:
        """Stakes in firms that exit are lost."""
        f = m.firms
        lost = dead[f.stake[dead] > 0]
        self.written_off += float(f.stake_cost[lost].sum())
        m.flows["equity_written_off"] += float(f.stake_cost[lost].sum())
        f.stake[lost] = 0.0
        f.stake_cost[lost] = 0.0
        f.stake_exit_q[lost] = -1
        f.convertible[dead] = 0.0


def _positions(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Positions in ``sorted_ids`` (ascending, unique) of those ``ids`` it holds."""
    pos = np.searchsorted(sorted_ids, ids)
    hit = pos < sorted_ids.size
    pos, ids = pos[hit], ids[hit]
    return pos[sorted_ids[pos] == ids]


class InvestorSector:
    """All investors. VC screening, deals, convertible conversion and listings are vectorised here."""

    def __init__(self, model: mesa.Model, vc_funds: int, angels: int, banks: int, guidance: int) -> None:
        # Rows: deals, yuan invested, per fund (VCs, then angel networks), added to per quarter by bincount.
        self.vc_book = np.zeros((2, vc_funds + angels))
        self.vcs = ([VCFund(model, self.vc_book, i) for i in range(vc_funds)]
                    + [AngelNetwork(model, self.vc_book, vc_funds + i) for i in range(angels)])
        self.banks = [Bank(model) for _ in range(banks)]
        self.guidance = [GuidanceFund(model) for _ in range(guidance)]
        self.fund = self.guidance[0]
        self.deals_this_quarter = np.empty(0, dtype=np.int64)
        self.deal_amount = np.zeros(0)
        self._loan_rr = 0

    def step(self, m: World, q: int, rng: np.random.Generator, keys: tuple[np.uint64, np.uint64, np.uint64]) -> None:
        """This quarter's VC and angel deals. ``keys``: slot-draw keys of the signal noise, the seed deals' extra
        noise and the amounts (``model.rng.slot_uniforms``: each firm's draw is its own in every scenario)."""
        f, p = m.firms, m.params
        n = f.n
        base = int(rng.poisson(p["vc_deals"] / 4.0))
        extra = int(rng.poisson(p["e_seed"] * p["vc_deals"] / 4.0 * expected_seed_rate(m, q) / SEED_RATE_REF))
        young_noise = SIGNAL_NOISE + 3.0 * abs(p["q_shift"])
        ids, hi, ids_y, hi_y, t, t_y = vc_screen(
            q, f.alive, f.tech, f.birth_q, f.vc_backed, f.quality, f.hte, f.incubated, f.tie_uni, VC_MAX_AGE_Y,
            SEED_MAX_AGE_Y, keys[0], SIGNAL_NOISE, base, keys[1], young_noise, extra, _Z_LO, _Z_HI)
        # Only candidates that can be among the best are scored (vc_screen); the choice equals scoring them all.
        cand = ids[hi >= t]
        signal = (f.quality[cand] + SIGNAL_NOISE * ndtri(slot_uniforms(keys[0], cand)) + 0.3 * f.hte[cand]
                  + 0.2 * f.incubated[cand] + 0.2 * (f.tie_uni[cand] >= 0))
        chosen = _top_k(cand, signal, base)
        if extra:
            # Reward-driven seed deals: young firms, screened with a noisier signal (lower average quality).
            young = ids_y[hi_y >= t_y]
            young = np.delete(young, _positions(young, chosen))  # np.isin sorts both: ~20× slower here
            noisy = f.quality[young] + young_noise * ndtri(slot_uniforms(keys[1], young))
            chosen = np.concatenate((chosen, _top_k(young, noisy, extra)))
        self.deals_this_quarter = chosen
        self.deal_amount = np.zeros(n)
        if chosen.size == 0:
            return
        median = np.where((q - f.birth_q[chosen]) / 4.0 <= SEED_MAX_AGE_Y, SEED_MEDIAN_WAN, DEAL_MEDIAN_WAN) * WAN
        amount = median * np.exp(DEAL_SIGMA * ndtri(slot_uniforms(keys[2], chosen)))
        self.deal_amount[chosen] = amount
        f.vc_backed[chosen] = True
        f.vc_q[chosen] = q
        f.private_pipe[chosen] += VC_RD_SHARE * amount
        if self.vcs:
            owners = rng.integers(0, len(self.vcs), chosen.size)
            self.vc_book[0] += np.bincount(owners, minlength=len(self.vcs))
            self.vc_book[1] += np.bincount(owners, weights=amount, minlength=len(self.vcs))
        m.flows["vc_deals"] += chosen.size
        self._convert(m, q, chosen, amount)

    def _convert(self, m: World, q: int, ids: np.ndarray, amount: np.ndarray) -> None:
        """先投后股: a pending convertible grant becomes a stake at the round's valuation."""
        f = m.firms
        conv = (f.convertible[ids] > 0) & (f.conv_deadline_q[ids] >= q)
        c, amt = ids[conv], amount[conv]
        post = 4.0 * f.revenue[c] + amt + f.convertible[c]
        f.stake[c] = np.clip(f.convertible[c] / post, 0.0, 1.0)
        f.stake_cost[c] = f.convertible[c]
        f.stake_exit_q[c] = q + int(round(4 * m.params["T_exit"]))
        f.convertible[c] = 0.0
        m.flows["converted_grants"] += c.size

    def expire_convertibles(self, m: World, q: int) -> None:
        """Convertibles past their deadline stay grants."""
        f = m.firms
        held = np.flatnonzero(f.convertible > 0)  # few rows: the deadline test on those only
        f.convertible[held[f.conv_deadline_q[held] < q]] = 0.0

    def listings(self, m: World, q: int, key: np.uint64) -> None:
        """IPOs of HTEs large enough to list (revenue ≥ 2亿); VC backing doubles the chance (a slot draw under
        ``key`` per such firm)."""
        f = m.firms
        big = np.flatnonzero(f.alive & f.hte & ~f.listed & (f.revenue >= 2e8))
        chance = m.params["p_list"] * np.where(f.vc_backed[big], 2.0, 1.0)
        f.listed[big[slot_uniforms(key, big) < chance]] = True

    def book_loans(self, ids: np.ndarray) -> None:
        """Subsidised loans, spread over the banks in turn."""
        if not self.banks:
            return
        owners = (self._loan_rr + np.arange(ids.size)) % len(self.banks)
        for k, bank in zip(np.bincount(owners, minlength=len(self.banks)), self.banks, strict=True):
            bank.subsidised_loans += int(k)
        self._loan_rr += ids.size
