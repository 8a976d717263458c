"""Hostile or careless scenario files are refused quickly, with one short message naming file and field."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from innosim.model.errors import InputError, excerpt
from innosim.model.scenario_files import ALLOW_ENV, load_scenario, load_scenario_file
from innosim.model.yaml_files import MAX_BYTES, read_yaml
from tests.conftest import ROOT, SCENARIOS, cli

CITY = SCENARIOS / "cities" / "qingdao.yaml"


def scenario(tmp: Path, body: str, name: str = "s.yaml") -> Path:
    p = tmp / name
    p.write_text(f"city: {CITY}\n{body}", encoding="utf-8")
    return p


def refused(path: Path) -> InputError:
    with pytest.raises(InputError) as e:
        load_scenario(path)
    return e.value


@pytest.mark.parametrize("body,field,fragment", [
    ("instruments: {vouchers: {budget: .nan}}", "instruments.vouchers.budget", "finite"),
    ("instruments: {vouchers: {budget: {2024: .inf}}}", "instruments.vouchers.budget", "finite"),
    ("policy: {budget_scale: .inf}", "policy.budget_scale", "finite"),
    ("instruments: {vouchers: {budget: true}}", "instruments.vouchers.budget", "number"),
    ("instruments: {vouchers: {budget: '3'}}", "instruments.vouchers.budget", "number"),
    ("assumptions: {p_pass: .nan}", "assumptions.p_pass", "finite"),
    ("instruments: {vouchers: {options: {rate: .nan}}}", "instruments", "finite"),
    ("name: " + "a" * 300, "name", "at most 64"),
    ("name: '..'", "name", "start with a letter"),
    ("name: .hidden", "name", "start with a letter"),
])
def test_bad_values_refused(tmp_path, body, field, fragment):
    err = refused(scenario(tmp_path, body + "\n"))
    assert err.field.startswith(field) and fragment in err.problem, str(err)


def test_duplicate_key_is_an_error_not_last_wins(tmp_path):
    err = refused(scenario(tmp_path, "instruments:\n  vouchers: {budget: 0.3}\n  vouchers: {budget: 900}\n"))
    assert "duplicate key 'vouchers'" in err.problem and "line" in err.problem


def test_deep_nesting_refused_before_recursion(tmp_path):
    p = tmp_path / "deep.yaml"
    p.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="nested deeper"):
        read_yaml(p)


def test_alias_bomb_refused_fast(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    lines.append("instruments: {vouchers: {budget: *i}}")
    p = scenario(tmp_path, "\n".join(lines) + "\n")
    t0 = time.perf_counter()
    err = refused(p)
    assert time.perf_counter() - t0 < 2.0 and "aliases" in err.problem


def test_oversized_file_refused_unread(tmp_path):
    p = scenario(tmp_path, "# " + "x" * (MAX_BYTES + 10) + "\n")
    assert "MB" in refused(p).problem


def parent_elsewhere(tmp: Path) -> tuple[Path, Path]:
    """(folder of a parent scenario, child in a sibling folder that extends it)."""
    outside, home = tmp / "elsewhere", tmp / "study"
    outside.mkdir()
    home.mkdir()
    (outside / "parent.yaml").write_text(f"city: {CITY}\n", encoding="utf-8")
    child = home / "child.yaml"
    child.write_text("extends: ../elsewhere/parent.yaml\nname: c\n", encoding="utf-8")
    return outside, child


def test_extends_and_city_outside_allowed_folders(tmp_path, monkeypatch):
    outside, child = parent_elsewhere(tmp_path)
    monkeypatch.delenv(ALLOW_ENV, raising=False)
    err = refused(child)
    assert err.field == "extends" and "outside" in err.problem and "--allow-path" in err.problem
    monkeypatch.setenv(ALLOW_ENV, str(outside))
    assert load_scenario(child).name == "c"
    foreign = child.parent / "foreign.yaml"
    foreign.write_text(f"city: {tmp_path / 'elsewhere' / 'city.yaml'}\n", encoding="utf-8")
    monkeypatch.delenv(ALLOW_ENV)
    assert refused(foreign).field == "city"


def test_symlink_loop_is_one_clean_error(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.symlink_to(b)
    b.symlink_to(a)
    child = scenario(tmp_path, "extends: a.yaml\n", "child.yaml")
    err = refused(child)
    assert err.field == "extends"


def test_error_in_parent_is_reported_against_the_parent(tmp_path):
    parent = scenario(tmp_path, "instruments: {vouchers: {budget: -1}}\n", "parent.yaml")
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\nname: c\n", encoding="utf-8")
    err = refused(child)
    assert err.path == str(parent) and err.field == "instruments.vouchers.budget"


def test_excerpt_is_short_and_bounded():
    nested: list = [1]
    for _ in range(30):
        nested = [nested] * 10
    t0 = time.perf_counter()
    text = excerpt(nested)
    assert len(text) <= 60 and time.perf_counter() - t0 < 0.5
    assert len(excerpt("y" * 10_000)) <= 60


def test_cli_reports_one_line(tmp_path):
    p = scenario(tmp_path, "instruments: {vouchers: {budget: .nan}}\n")
    r = cli("validate", str(p))
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert os.fspath(p) in r.stderr and "instruments.vouchers.budget" in r.stderr


def test_shipped_files_still_load():
    for p in sorted(SCENARIOS.glob("*.yaml")):
        assert load_scenario_file(p).scenario.name
    assert (ROOT / "scenarios" / "cities" / "qingdao.yaml").is_file()


def test_cli_allow_path_option(tmp_path):
    outside, child = parent_elsewhere(tmp_path)
    env_free = cli("validate", str(child))
    assert env_free.returncode == 2 and "--allow-path" in env_free.stderr
    ok = cli("validate", str(child), "--allow-path", str(outside))
    assert ok.returncode == 0, ok.stderr
