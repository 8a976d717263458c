"""The check of a transferred posterior: a city whose figures are too thin to calibrate on runs with the
behavioural posterior fitted elsewhere and its own city-level quantities (its profile), and each published
figure is compared with the model's 90% predictive band (calibration/README.md).

Works on an ``innosim run`` results folder: ``annual.csv`` (one row per replicate and year) and the city's
published figures the folder carries (``observed.csv``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from innosim.calibration.observed import OBSERVED_NAME, points_for
from innosim.model.calendar import FIRST_YEAR, LAST_YEAR


def predictive_table(annual: pd.DataFrame, observed: pd.DataFrame) -> pd.DataFrame:
    """One row per published year-end or full-year figure with a model counterpart (targets excluded): the
    figure, its kind, the model's median and 90% band over replicates in that year, and whether the figure lies
    in the band (a ``partial`` figure is a lower bound: it is met when the band's top reaches it)."""
    rows = []
    for indicator in OBSERVED_NAME:
        if indicator not in annual.columns:
            continue
        obs = points_for(indicator, range(FIRST_YEAR, LAST_YEAR + 1), frame=observed)
        for rec in obs.to_dict("records"):
            v = annual.loc[annual["year"] == rec["year"], indicator].to_numpy(float)
            if v.size == 0:
                continue
            lo, med, hi = np.quantile(v, [0.05, 0.5, 0.95])
            inside = hi >= rec["value"] if rec["kind"] == "partial" else lo <= rec["value"] <= hi
            rows.append({"indicator": indicator, "year": int(rec["year"]), "kind": rec["kind"],
                         "published": float(rec["value"]), "source": rec["source_id"], "model_p05": lo,
                         "model_median": med, "model_p95": hi, "consistent": bool(inside), "runs": int(v.size)})
    return pd.DataFrame(rows)


def predictive_check(folder: str | Path) -> pd.DataFrame:
    """``predictive_table`` of an ``innosim run`` results folder."""
    folder = Path(folder)
    return predictive_table(pd.read_csv(folder / "annual.csv"), pd.read_csv(folder / "observed.csv",
                                                                            dtype={"year": str}))
