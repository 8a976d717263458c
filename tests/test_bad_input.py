"""Every bad input exits 2 with one clear message (file, field, problem) and no traceback."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, cli, write_scenario

BAD = ROOT / "tests" / "bad_scenarios"
CASES = {
    "unknown_key.yaml": ["budgets", "unknown key"],
    "wrong_type.yaml": ["instruments.vouchers.budget", "lots"],
    "negative_budget.yaml": ["instruments.vouchers.budget", ">= 0"],
    "negative_budget_year.yaml": ["instruments.vouchers.budget", ">= 0"],
    "share_outside.yaml": ["policy.mix", "[0, 1]"],
    "shares_not_one.yaml": ["policy.mix", "sum to 1"],
    "missing_extends.yaml": ["extends", "no_such_parent.yaml"],
    "malformed.yaml": ["malformed YAML", "line"],
    "unknown_instrument.yaml": ["instruments", "magic_money"],
    "unknown_parameter.yaml": ["assumptions", "alpha_tiny"],
    "parameter_out_of_range.yaml": ["assumptions", "alpha_constrained", "outside"],
    "option_over_cap.yaml": ["vouchers.options.cap_wan"],
    "variant_shares.yaml": ["equity.options", "sum to 1"],
    "missing_city_file.yaml": ["no_such_city.yaml", "not found"],
    "missing_city.yaml": ["city", "missing"],
    "year_out_of_range.yaml": ["instruments.vouchers.budget", "2035"],
    "not_a_mapping.yaml": ["top level must be a mapping"],
    "circular_a.yaml": ["extends", "circular"],
    "bad_name.yaml": ["name", "letters"],
}


def test_corpus_is_complete():
    assert {p.name for p in BAD.glob("*.yaml")} - {"circular_b.yaml"} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_scenario_clean_exit_2(name):
    r = cli("validate", str(BAD / name))
    assert r.returncode == 2, (r.stdout, r.stderr)
    err = r.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith("innosim: error: ") and ".yaml" in err
    for fragment in CASES[name]:
        assert fragment in err, (fragment, err)


def test_run_refuses_bad_scenario_without_writing(tmp_path):
    out = tmp_path / "out"
    r = cli("run", str(BAD / "negative_budget.yaml"), "--out", str(out))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert not out.exists()


@pytest.mark.parametrize("args,fragment", [
    (["--replicates", "0"], "replicates must be >= 1"),
    (["--replicates", "ten"], "whole number"),
    (["--workers", "-1"], "workers must be >= 1"),
    (["--seed", "-3"], "seed must be >= 0"),
])
def test_bad_arguments_exit_2(args, fragment):
    r = cli("run", "scenarios/baseline.yaml", *args)
    assert r.returncode == 2 and fragment in r.stderr and "Traceback" not in r.stderr


def test_missing_scenario_file():
    r = cli("validate", "scenarios/nope.yaml")
    assert r.returncode == 2 and "nope.yaml" in r.stderr and "not found" in r.stderr


def test_existing_out_is_never_overwritten(tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    r = cli("run", "scenarios/baseline.yaml", "--replicates", "1", "--out", str(out), "--quiet")
    assert r.returncode == 2 and "--out" in r.stderr and "not empty" in r.stderr
    assert (out / "keep.txt").read_text() == "precious"


def _validate_city_variant(tmp_path, old: str, new: str):
    """Validate a scenario whose city profile is Qingdao's with ``old`` replaced by ``new``."""
    city = tmp_path / "city.yaml"
    src = (ROOT / "scenarios" / "cities" / "qingdao.yaml").read_text(encoding="utf-8")
    assert old in src
    city.write_text(src.replace(old, new), encoding="utf-8")
    return cli("validate", str(write_scenario(tmp_path, f"name: x\ncity: {city}\n")))


def test_bad_city_profile_named(tmp_path):
    r = _validate_city_variant(tmp_path, "  brokers: 900\n", "  brokers: -5\n")
    assert r.returncode == 2 and "city.yaml" in r.stderr and "transfer.brokers" in r.stderr


def test_unsourced_city_number_rejected(tmp_path):
    r = _validate_city_variant(tmp_path, "  transfer.brokers:", "  transfer.brokers_x:")
    assert r.returncode == 2 and "no source given for transfer.brokers" in r.stderr


@pytest.mark.parametrize("old,new,fragment", [
    ("    first_quarter: 2022Q2\n", "    first_quarter: 2022Q5\n", "transfer.registry_drive.first_quarter"),
    ("    full_quarter: 2023Q4\n", "    full_quarter: 2021Q4\n", "full_quarter comes before first_quarter"),
], ids=["no_quarter_5", "full_before_first"])
def test_bad_registry_drive_named(tmp_path, old, new, fragment):
    r = _validate_city_variant(tmp_path, old, new)
    assert r.returncode == 2 and "city.yaml" in r.stderr and fragment in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args,fragment", [
    (["--jump", "2"], "jump must be from 0 to 1"),
    (["--jump", "half"], "jump must be a number from 0 to 1"),
    (["--final-moves", "0"], "final-moves must be >= 1"),
])
def test_bad_calibrate_arguments_exit_2(args, fragment, tmp_path):
    r = cli("calibrate", *args, "--out", str(tmp_path / "cal"))
    assert r.returncode == 2 and fragment in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "cal").exists()
