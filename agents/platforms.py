"""Provincial-and-above S&T platforms (省级以上科创平台) and national key labs: created each year (Q4 round) by
universities and leading firms when their R&D capacity qualifies and awards allow; some fail evaluation."""

from __future__ import annotations

import numpy as np

from innosim.agents.enterprises import EnterpriseTable
from innosim.agents.world import World
from innosim.model.units import WAN

UNIV_RATE_SCALE = 4.0  # a university's R&D in units of ten host thresholds gives its candidate count


class PlatformRegistry:
    """Platform counts by host; firm-hosted platforms also live in the ``platform`` firm column."""

    def __init__(self, provincial_plus: int, national_key_labs: int, n_univ: int, firms: EnterpriseTable,
                 host_threshold_wan: float, rng: np.random.Generator) -> None:
        self.threshold = host_threshold_wan * WAN
        self.national = int(national_key_labs)
        # Initial platforms: two thirds at universities and institutes, the rest at the largest R&D firms.
        n_firm = provincial_plus // 3
        top = np.argsort(-firms.rd_last_year, kind="stable")[:n_firm]
        firms.platform[top] = 1
        self.univ_platforms = np.zeros(n_univ, dtype=np.int64)
        np.add.at(self.univ_platforms, rng.integers(0, n_univ, provincial_plus - n_firm), 1)
        self.created = 0
        self.closed = 0
        self.new_national = np.zeros(0, dtype=bool)  # platforms created in the last round, national first

    def count(self, firms: EnterpriseTable) -> int:
        """Provincial-and-above platforms now (firm-hosted among living firms plus university-hosted)."""
        return int(firms.platform[firms.alive].sum() + self.univ_platforms.sum())

    def annual_round(self, m: World, year: int, rng: np.random.Generator) -> None:
        """Candidates apply; those the open award budget would fund are more likely to set up. The new platforms
        are listed in ``new_national`` (national first) for the award instrument, which pays after the round."""
        f, p, u, offer = m.firms, m.params, m.universities, m.signals
        zf = rng.random(f.n)
        cand = np.flatnonzero(f.alive & (f.platform == 0) & (f.rd_last_year >= self.threshold))
        cand = cand[np.argsort(-f.rd_last_year[cand], kind="stable")]
        base_p = p["p_platform"] * np.minimum(2.0, np.sqrt(f.rd_last_year[cand] / self.threshold))
        expected = base_p * (1 + p["e_award"]) * offer.platform_award_provincial
        funded = np.cumsum(expected) <= offer.platform_award_budget  # in priority order, while the budget covers
        made = zf[cand] < base_p * (1 + p["e_award"] * funded)
        new_firm = cand[made]
        f.platform[new_firm] = 1
        lam_u = p["p_platform"] * (u.rd_year + u.grant_year) / (UNIV_RATE_SCALE * self.threshold)
        new_u = rng.poisson(lam_u * (1 + p["e_award"] * (offer.platform_award_budget > 0)))
        national = rng.binomial(new_u, p["national_share"])
        self.univ_platforms += new_u
        self.national += int(national.sum())
        is_nat = np.concatenate((np.zeros(new_firm.size, dtype=bool),
                                 np.repeat([True, False], [int(national.sum()), int((new_u - national).sum())])))
        self.new_national = is_nat[np.argsort(~is_nat, kind="stable")]
        self.created += int(new_firm.size + new_u.sum())
        # Evaluations close some platforms.
        zc = rng.random(f.n)
        closing = (f.platform > 0) & f.alive & (zc < p["platform_exit"])
        f.platform[closing] = 0
        lost_u = rng.binomial(self.univ_platforms, p["platform_exit"])
        self.univ_platforms -= lost_u
        self.closed += int(closing.sum() + lost_u.sum())
