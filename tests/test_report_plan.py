"""The briefing reads the city plan from each results folder's manifest (title, years, targets); a folder whose
charts need a plan and whose manifest names none is refused with one clear message."""

from __future__ import annotations

import dataclasses
import json

import pytest

from innosim.experiments.report.brief import BriefRequest, briefing_plan, doc_title
from innosim.experiments.report.plan import from_manifest
from innosim.experiments.report.sources import Source
from innosim.model.errors import InputError

PLAN = {"title": "Testville 2025–2027 plan", "start_year": 2025, "target_year": 2027,
        "targets": {"tech_brokers": 4000, "platforms": 150}}


def test_plan_block_is_read():
    p = from_manifest({"command": "innosim run", "plan": PLAN})
    assert (p.title, p.start_year, p.target_year) == ("Testville 2025–2027 plan", 2025, 2027)
    assert dict(p.targets) == {"tech_brokers": 4000.0, "platforms": 150.0}


def test_without_a_plan_block_the_folder_is_refused(tmp_path):
    assert from_manifest({"command": "innosim sweep"}) is None
    src = Source(tmp_path, "sweep", {"command": "innosim sweep"})
    with pytest.raises(InputError, match="plan"):
        _ = src.plan


def test_title_names_the_plan_of_the_first_folder_that_states_one(tmp_path):
    with_plan = Source(tmp_path, "sweep", {"command": "innosim sweep", "plan": PLAN})
    without = Source(tmp_path, "calibration", {"command": "innosim calibrate"})
    plan = briefing_plan([without, with_plan])
    assert plan.title == PLAN["title"]
    assert "Testville" in doc_title(plan, "en") and "2027" in doc_title(plan, "en")
    assert "Testville" in doc_title(plan, "zh")
    with pytest.raises(InputError, match="plan"):
        briefing_plan([without])
    json.dumps(dataclasses.asdict(plan))  # plain data


def test_brief_request_is_frozen():
    req = BriefRequest(("a", "b"))
    assert req.lang == "zh" and req.out is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        req.lang = "en"  # type: ignore[misc]
