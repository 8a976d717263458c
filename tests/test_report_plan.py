"""The briefing reads the city plan from each results folder's manifest (title, years, targets) and falls back to
the folder's targets.csv and the legacy plan for folders written before manifests carried it."""

from __future__ import annotations

import dataclasses
import json

import pytest

from innosim.experiments.report.brief import BriefRequest, briefing_plan, doc_title
from innosim.experiments.report.plan import LEGACY, from_manifest
from innosim.experiments.report.sources import Source

PLAN = {"title": "Testville 2025–2027 plan", "start_year": 2025, "target_year": 2027,
        "targets": {"tech_brokers": 4000, "platforms": 150}}


def test_plan_block_is_read():
    p = from_manifest({"command": "innosim run", "plan": PLAN})
    assert (p.title, p.start_year, p.target_year) == ("Testville 2025–2027 plan", 2025, 2027)
    assert dict(p.targets) == {"tech_brokers": 4000.0, "platforms": 150.0}


def test_without_a_plan_block_targets_csv_then_legacy(tmp_path):
    (tmp_path / "targets.csv").write_text("indicator,target,p_met\ntech_brokers,3500,0.5\nall,,0.1\n",
                                          encoding="utf-8")
    p = from_manifest({"command": "innosim run"}, tmp_path)
    assert p.title is None and dict(p.targets) == {"tech_brokers": 3500.0}
    assert (p.start_year, p.target_year) == (LEGACY.start_year, LEGACY.target_year)
    assert from_manifest({"command": "innosim sweep"}) == LEGACY


def test_title_names_the_plan_or_keeps_the_old_wording(tmp_path):
    with_plan = Source(tmp_path, "sweep", {"command": "innosim sweep", "plan": PLAN})
    without = Source(tmp_path, "sweep", {"command": "innosim sweep"})
    plan = briefing_plan([without, with_plan])
    assert plan.title == PLAN["title"]
    assert "Testville" in doc_title(plan, "en") and "2027" in doc_title(plan, "en")
    assert "Testville" in doc_title(plan, "zh")
    assert doc_title(briefing_plan([without]), "en") == "innosim briefing: can Qingdao meet its 2028 S&T targets?"
    json.dumps(dataclasses.asdict(plan))  # plain data


def test_brief_request_is_frozen():
    req = BriefRequest(("a", "b"))
    assert req.lang == "zh" and req.out is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        req.lang = "en"  # type: ignore[misc]
