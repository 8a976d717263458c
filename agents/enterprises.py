"""Enterprises as rows: state in numpy columns, plus a Mesa agent view for inspecting any one firm.

Money columns are in yuan (revenue per year, R&D per quarter unless named ``*_year``); time columns are
quarter indices (0 = 2021Q1, negative before) or calendar years. A firm never leaves the table: exit sets
``alive`` to False, so a firm's row index is its permanent id and its slot in every random stream.
"""

from __future__ import annotations

import mesa
import numpy as np

from innosim.model.city import CityProfile
from innosim.model.units import WAN, YI

# name -> (dtype, fill value for a new row)
COLUMNS: dict[str, tuple[type, object]] = {
    "alive": (bool, True), "segment": (np.int8, 0), "large": (bool, False), "tech": (bool, True),
    "marine": (bool, False), "key_chain": (bool, False), "birth_q": (np.int16, 0),
    "revenue": (np.float64, 0.0), "nu": (np.float64, 0.0), "quality": (np.float64, 0.0),
    "rd": (np.float64, 0.0), "rd_year": (np.float64, 0.0), "rd_last_year": (np.float64, 0.0),
    "rd_reported_year": (np.float64, 0.0), "rd_prev_year": (np.float64, 0.0), "knowledge": (np.float64, 0.0),
    "private_pipe": (np.float64, 0.0), "platform": (np.int8, 0), "voucher_need_q": (np.int16, -1),
    "public_pipe": (np.float64, 0.0), "public_year": (np.float64, 0.0), "award_cash": (np.float64, 0.0),
    "grants_cum": (np.float64, 0.0), "hte": (bool, False), "hte_until": (np.int16, 0),
    "hte_first_year": (np.int16, 0), "tech_sme": (bool, False), "tech_sme_last": (bool, False),
    "listed": (bool, False), "incubated": (bool, False), "incubator": (np.int16, -1),
    "inc_until_q": (np.int16, -1), "vc_backed": (bool, False), "vc_q": (np.int16, -1),
    "stake": (np.float64, 0.0), "stake_cost": (np.float64, 0.0), "stake_exit_q": (np.int16, -1),
    "convertible": (np.float64, 0.0), "conv_deadline_q": (np.int16, -1),
    "tie_uni": (np.int16, -1), "loan_until_q": (np.int16, -1), "voucher_used": (np.float64, 0.0),
    "innov_year": (bool, False),
    # Fixed traits drawn at birth (standard normal or uniform); decisions scale them by parameters.
    "z_reg": (np.float64, 0.0), "z_hte": (np.float64, 0.0), "z_kappa": (np.float64, 0.0),
    "z_margin": (np.float64, 0.0), "fin_u": (np.float64, 0.5),
    # This year's service need (log value / fee) and fee (yuan); the year's growth shock and last year's.
    "svc_ratio": (np.float64, 0.0), "svc_fee": (np.float64, 0.0), "growth_year": (np.float64, 0.0),
    "growth_last": (np.float64, 0.0), "revenue_last_year": (np.float64, 0.0), "rd_relabel_year": (np.float64, 0.0),
    "fin_tight": (bool, True),  # financially constrained this year (by size; see agents.enterprise_rules)
    "rd_boost": (np.float64, 1.0),  # own-R&D multiplier this year from an expected R&D-increase reward
}


LARGE_REVENUE = 4e8  # yuan/yr: a "large" enterprise in the national SME classification (营业收入 ≥ 4亿)


def hte_threshold(revenue: np.ndarray) -> np.ndarray:
    """R&D/revenue threshold of HTE certification by yearly revenue (yuan): 5% / 4% / 3%."""
    return np.where(revenue <= 5e7, 0.05, np.where(revenue <= 2e8, 0.04, 0.03))


def _blank(dtype: type, fill: float, size: int) -> np.ndarray:
    """A column of ``size`` rows holding its default: zeros from fresh (calloc'd) pages, which cost nothing until
    a row is used, else filled."""
    return np.zeros(size, dtype=dtype) if fill == 0 else np.full(size, fill, dtype=dtype)


class EnterpriseTable:
    """Columnar enterprise state with amortised growth; ``n`` rows are in use."""

    def __init__(self, capacity: int) -> None:
        # Spare rows hold their defaults from the start, so an append writes only the columns it is given.
        self._store = {k: _blank(dt, fill, max(capacity, 16)) for k, (dt, fill) in COLUMNS.items()}
        self.n = 0
        self.nu_scale = 1.0  # factor that matched initial R&D intensities to the profile's R&D total
        self._rebind()

    def _rebind(self) -> None:
        for k, arr in self._store.items():
            setattr(self, k, arr[: self.n])

    def append(self, count: int, **values: np.ndarray) -> np.ndarray:
        """Add ``count`` rows (defaults from ``COLUMNS``, overridden by ``values``); returns their ids."""
        if count <= 0:
            return np.empty(0, dtype=np.int64)
        need = self.n + count
        cap = len(self._store["alive"])
        if need > cap:
            new_cap = max(need, int(cap * 1.5))
            for k, (dt, fill) in COLUMNS.items():
                grown = _blank(dt, fill, new_cap)
                grown[: self.n] = self._store[k][: self.n]
                self._store[k] = grown
        ids = np.arange(self.n, need)
        for k, v in values.items():
            self._store[k][self.n:need] = v
        self.n = need
        self._rebind()
        return ids

    def age_years(self, q: int) -> np.ndarray:
        """Age in years at quarter ``q``."""
        return (q - self.birth_q) / 4.0

    def tech_based(self) -> np.ndarray:
        """Mask of tech-based enterprises: registered tech SMEs ∪ valid HTEs, counted once."""
        return self.alive & (self.hte | self.tech_sme)

    def snapshot(self, i: int) -> dict[str, object]:
        """Every column of firm ``i`` as plain Python values."""
        return {k: self._store[k][i].item() for k in COLUMNS}


def synthesise(profile: CityProfile, rng: np.random.Generator, capacity_factor: float = 3.0) -> EnterpriseTable:
    """The end-of-initial-year firm population of ``profile`` (vectorised draws per segment)."""
    ent = profile.enterprises
    total = sum(s.count for s in ent.segments)
    table = EnterpriseTable(int(total * capacity_factor))
    for code, seg in enumerate(ent.segments):
        n = seg.count
        z_rev, z_nu, z_q = rng.standard_normal((3, n))
        age = rng.exponential(seg.age_mean_years, n) + 0.25
        table.append(
            n,
            segment=code, tech=seg.tech,
            marine=rng.random(n) < seg.marine_share, key_chain=rng.random(n) < seg.key_chain_share,
            birth_q=-np.round(age * 4).astype(np.int16),
            revenue=seg.revenue_median_wan * WAN * np.exp(seg.revenue_sigma * z_rev),
            nu=np.clip(seg.rd_intensity_median * np.exp(seg.rd_intensity_sigma * z_nu), 1e-4, 0.6),
            quality=0.6 * z_nu + 0.8 * z_q,
            **traits(rng, n),
        )
    t = table
    t.large[:] = t.revenue >= LARGE_REVENUE
    # Scale intensities so that firms' R&D matches the profile's observed total (亿元).
    t.nu_scale = ent.rd_total_yi * YI / float(np.sum(t.nu * t.revenue))
    t.nu *= t.nu_scale
    rd_year = t.nu * t.revenue
    t.rd_last_year[:] = rd_year
    t.rd_reported_year[:] = rd_year
    t.rd_prev_year[:] = rd_year / 1.1
    t.revenue_last_year[:] = t.revenue
    t.knowledge[:] = ent.knowledge_years * rd_year
    _initial_statuses(t, profile, rng)
    return t


def traits(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Fixed traits of ``n`` new firms: cost, audit-risk and margin draws (standard normal) and the uniform that
    places a firm against the financing-constraint curve. Drawn after a block's other draws."""
    z = rng.standard_normal((4, n))
    return {"z_reg": z[0], "z_hte": z[1], "z_kappa": z[2], "z_margin": z[3], "fin_u": rng.random(n)}


def top_rows(mask: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` rows of ``mask`` with the highest ``score``, best first, ties in row order: the first ``k`` of a
    stable sort of all of them by descending score, without sorting them all."""
    idx = np.flatnonzero(mask)
    if k >= idx.size:
        return idx
    s = -score[idx]
    kth = np.partition(s, k - 1)[k - 1] if k > 0 else -np.inf
    if np.isnan(kth):
        return idx[np.argsort(s, kind="stable")[:k]]
    better = np.flatnonzero(s < kth)
    keep = np.sort(np.concatenate((better, np.flatnonzero(s == kth)[: k - better.size])))
    return idx[keep[np.argsort(s[keep], kind="stable")]]


def _initial_statuses(t: EnterpriseTable, profile: CityProfile, rng: np.random.Generator) -> None:
    ent = profile.enterprises
    year0 = profile.initial_year
    noise = rng.standard_normal((3, t.n))
    ratio = t.nu / hte_threshold(t.revenue)
    # Certified firms are those that meet the criteria best (intensity relative to the threshold, knowledge).
    score = np.log(ratio) + 0.3 * np.log1p(t.knowledge / 1e6) + 0.3 * noise[0]
    hte = top_rows(t.tech & (t.birth_q <= -4), score, ent.hte_stock)
    t.hte[hte] = True
    # Certificates run three years; spread the initial ones over the three renewal years.
    t.hte_until[hte] = year0 + 1 + rng.integers(0, 3, hte.size)
    t.hte_first_year[hte] = year0 - rng.integers(0, 6, hte.size)
    listed = top_rows(t.hte, np.log(t.revenue), ent.listed_hte)
    t.listed[listed] = True
    small_tech = t.tech & ~t.large & (t.revenue <= 2e8)
    reg = top_rows(small_tech, np.log(t.nu) + np.log(t.knowledge + 1) * 0.2 + 0.5 * noise[1], ent.tech_sme_registered)
    t.tech_sme_last[reg] = True
    young = small_tech & (t.birth_q > -32)
    vc = top_rows(young, t.quality + noise[2], ent.vc_backed)
    t.vc_backed[vc] = True
    t.vc_q[vc] = -4


class EnterpriseAgent(mesa.Agent):
    """A Mesa agent view of one firm's row; reads live state from the table (it has no step of its own)."""

    def __init__(self, model: mesa.Model, firm_id: int) -> None:
        super().__init__(model)
        self.firm_id = int(firm_id)

    @property
    def state(self) -> dict[str, object]:
        """All state of this firm, read from the columns now."""
        return self.model.firms.snapshot(self.firm_id)

    def __getattr__(self, name: str):
        if name in COLUMNS:
            return self.model.firms._store[name][self.firm_id].item()
        raise AttributeError(name)
