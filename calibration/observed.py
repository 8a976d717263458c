"""A city's published figures (the file its profile names under ``observed``, in ``calibration/data/``) with their
kind and source. Without a path: the file of the default scenario's city (``scenarios/baseline.yaml``).

Kinds: ``actual``; ``partial`` (part of a year or a running total: a lower bound); ``target`` (not an
observation); ``implied_base`` (half a 2028 doubling target: soft). Values stated as 突破 / 超 are lower bounds.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# model indicator -> indicator name in the observed file
OBSERVED_NAME = {
    "tech_enterprises": "tech_enterprises",
    "hte": "hte_stock",
    "tech_sme": "tech_sme_registered",
    "rd_expenditure": "rd_expenditure",
    "platforms": "platforms_provincial_plus",
    "tech_contract_turnover": "tech_contract_turnover",
    "tech_brokers": "tech_brokers",
    "national_key_labs": "national_key_labs",
}


def default_observed() -> Path:
    """The observed file of the default scenario's city profile."""
    from innosim.model.scenario_files import SHIPPED_SCENARIOS, load_scenario_file

    return Path(load_scenario_file(SHIPPED_SCENARIOS / "baseline.yaml").city.observed)


def load_observed(path: Path | None = None) -> pd.DataFrame:
    """All rows of the observed file; ``year`` stays text because some rows span years (2021-2024)."""
    return pd.read_csv(default_observed() if path is None else path, dtype={"year": str})


def points_for(indicator: str, years: range = range(2020, 2024), frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Full-year or year-end observations of a model indicator in ``years`` (all kinds but ``target``)."""
    df = load_observed() if frame is None else frame
    name = OBSERVED_NAME.get(indicator)
    if name is None:
        return df.iloc[0:0]
    sel = df[(df["indicator"] == name) & (df["kind"] != "target") & df["period"].isin(["year", "year_end"])]
    sel = sel[sel["year"].str.fullmatch(r"\d{4}")]
    sel = sel.assign(year=sel["year"].astype(int))
    return sel[sel["year"].isin(list(years))]
