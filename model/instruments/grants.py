"""Project grants: key-technology projects, tech-SME project support, the natural-science fund and pilot /
proof-of-concept platforms. Caps from seed 004 (万 yuan); amounts in yuan."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from innosim.agents.world import World
from innosim.model.instruments.base import Ask, Call, Grant, Instrument, Options, fund_rd, merit_order, payable
from innosim.model.units import WAN


class KeyTechOptions(Options):
    caps: ClassVar[tuple[str, ...]] = ("cap_project_wan", "cap_demo_wan")
    cap_project_wan: float = Field(500.0, gt=0, description="≤ 500万 per key-technology project")
    cap_demo_wan: float = Field(1000.0, gt=0, description="≤ 1,000万 per demonstration project")
    demo_share: float = Field(0.1, ge=0, le=1, description="share of awards that are demonstration projects")
    project_share_of_rd: float = Field(0.5, gt=0, le=2, description="grant asked, as share of yearly R&D")
    min_rd_wan: float = Field(200.0, ge=0, description="yearly R&D to be a credible applicant")
    selection_noise: float = Field(0.4, ge=0, le=3)
    prior_grant_bonus: float = Field(0.3, ge=0, le=3)
    marine_bonus: float = Field(0.3, ge=0, le=3, description="海创: marine firms' score bonus")


class KeyTechGrants(Instrument):
    """强链 / 建链 / 布链 / 海创 key-technology project grants, one call a year (Q2)."""

    key = "key_tech_grants"
    family = "subsidy"
    label_en = "Key-technology project grants"
    label_zh = "关键技术攻关项目"
    quarters = (2,)
    Options = KeyTechOptions

    def eligible(self, w: World, call: Call) -> np.ndarray:
        f = w.firms
        return f.alive & (f.hte | f.large | f.key_chain) & (f.rd_last_year >= self.opt.min_rd_wan * WAN)

    def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
        idx = np.flatnonzero(mask)
        marine = self.opt.marine_bonus * w.firms.marine[idx]
        o = self.opt
        least = min(o.cap_demo_wan, o.cap_project_wan, o.project_share_of_rd * o.min_rd_wan) * WAN
        return merit_order(w, idx, call.rng, o.selection_noise, o.prior_grant_bonus, marine,
                           payable(call.budget_left, least))

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        f = w.firms
        demo = (call.rng.random(idx.size) < self.opt.demo_share) & (f.large[idx] | f.key_chain[idx])
        cap = np.where(demo, self.opt.cap_demo_wan, self.opt.cap_project_wan) * WAN
        return Ask(np.minimum(cap, self.opt.project_share_of_rd * f.rd_last_year[idx]))

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        fund_rd(w, grant.idx, grant.paid)


class SMEOptions(Options):
    caps: ClassVar[tuple[str, ...]] = ("cap_wan",)
    cap_wan: float = Field(100.0, gt=0, description="≤ 100万 per tech-SME project")
    min_rd_wan: float = Field(40.0, ge=0, description="yearly R&D to be a credible applicant (co-funds the project)")
    project_share_of_rd: float = Field(0.5, gt=0, le=2)
    min_request_wan: float = Field(10.0, ge=0)
    selection_noise: float = Field(0.6, ge=0, le=3)
    prior_grant_bonus: float = Field(0.2, ge=0, le=3)


class SMEProjectSupport(Instrument):
    """Project support for registered tech SMEs (沃土 pipeline), one call a year (Q3)."""

    key = "sme_project_support"
    family = "subsidy"
    label_en = "Tech-SME project support"
    label_zh = "科技型中小企业项目"
    quarters = (3,)
    Options = SMEOptions

    def signals(self, budget_left: float) -> dict[str, float | bool]:
        """Registered SMEs can apply: firms weigh the expected project when deciding to register."""
        return {"sme_budget": budget_left, "sme_cap": self.opt.cap_wan * WAN,
                "sme_share_of_rd": self.opt.project_share_of_rd, "sme_min_rd": self.opt.min_rd_wan * WAN}

    def eligible(self, w: World, call: Call) -> np.ndarray:
        f = w.firms
        return f.alive & f.tech_sme & ~f.large & (f.rd_last_year >= self.opt.min_rd_wan * WAN)

    def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
        return merit_order(w, np.flatnonzero(mask), call.rng, self.opt.selection_noise, self.opt.prior_grant_bonus,
                           limit=payable(call.budget_left, self.opt.min_request_wan * WAN))

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        ask = self.opt.project_share_of_rd * w.firms.rd_last_year[idx]
        return Ask(np.clip(ask, self.opt.min_request_wan * WAN, self.opt.cap_wan * WAN))

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        fund_rd(w, grant.idx, grant.paid)


class NSFOptions(Options):
    caps: ClassVar[tuple[str, ...]] = ("cap_wan",)
    cap_wan: float = Field(100.0, gt=0, description="≤ 100万 per grant")
    youth_share: float = Field(0.6, ge=0, le=1, description="150 youth of 250 grants in 2023 (seed 002)")
    youth_grant_wan: float = Field(15.0, gt=0, le=100.0)
    exploration_grant_wan: float = Field(50.0, gt=0, le=100.0)


class NSFFund(Instrument):
    """Municipal natural-science fund: grants to university researchers (Q2); raise university R&D and the
    rate of transferable results."""

    key = "nsf_fund"
    family = "subsidy"
    label_en = "Municipal natural-science fund"
    label_zh = "市自然科学基金"
    quarters = (2,)
    recipients = "universities"
    Options = NSFOptions

    def eligible(self, w: World, call: Call) -> np.ndarray:
        return np.ones(w.universities.n, dtype=bool)

    def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
        u = w.universities
        # Many small grants: each university receives applications in proportion to its researchers.
        n_apps = int(u.researchers.sum() // 40)
        return call.rng.choice(u.n, size=n_apps, p=u.researchers / u.researchers.sum())

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        youth = call.rng.random(idx.size) < self.opt.youth_share
        amt = np.where(youth, self.opt.youth_grant_wan, self.opt.exploration_grant_wan)
        return Ask(np.minimum(amt, self.opt.cap_wan) * WAN)

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        idx, paid = grant.idx, grant.paid
        w.universities.receive_research_grants(idx, paid)


class PilotOptions(Options):
    caps: ClassVar[tuple[str, ...]] = ("cap_concept_wan", "cap_pilot_wan")
    cap_concept_wan: float = Field(2000.0, gt=0, description="concept-verification ≤ 2,000万")
    cap_pilot_wan: float = Field(200.0, gt=0, description="pilot service platform ≤ 200万")
    concept_share: float = Field(0.3, ge=0, le=1)


class PilotPlatforms(Instrument):
    """Proof-of-concept and pilot service platforms at universities (Q2): raise the share of results that
    become transferable contracts."""

    key = "pilot_platforms"
    family = "subsidy"
    label_en = "Pilot / proof-of-concept platforms"
    label_zh = "概念验证与中试平台"
    quarters = (2,)
    recipients = "universities"
    Options = PilotOptions

    def eligible(self, w: World, call: Call) -> np.ndarray:
        return np.ones(w.universities.n, dtype=bool)

    def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
        u = w.universities
        return call.rng.choice(u.n, size=4 * u.n, p=u.rd_year / u.rd_year.sum())

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        concept = call.rng.random(idx.size) < self.opt.concept_share
        return Ask(np.where(concept, self.opt.cap_concept_wan, self.opt.cap_pilot_wan) * WAN)

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        idx, paid = grant.idx, grant.paid
        w.universities.receive_pilot_platforms(idx, paid)
