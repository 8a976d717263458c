"""The identifiability check makes its posterior as the shipped one is (generation 0, then the ABC-MCMC ladder)."""

from __future__ import annotations

import pandas as pd

from innosim.calibration.identifiability import identifiability
from innosim.model.parameters import BY_NAME, prior_medians


def test_identifiability_with_the_ladder_reports_every_parameter(baseline, tmp_path):
    names = ["theta_sell", "h1_share"]
    table = identifiability(baseline, names, population=10, generations=1, seed=7, replicates=1,
                            db=tmp_path / "history.db", rejuvenate=12, stages=1, moves=1)
    assert list(table["parameter"]) == names
    for row in table.itertuples():
        p = BY_NAME[row.parameter]
        assert row.truth == prior_medians()[row.parameter]
        assert p.low <= row.ci90_low <= row.post_median <= row.ci90_high <= p.high
        assert row.inside == (row.ci90_low <= row.truth <= row.ci90_high)
    # the ladder's rounds are on disk beside the pyabc database (a rerun continues from them)
    rounds = sorted((tmp_path / "rejuvenation").rglob("round_*.parquet"))
    assert rounds and len(pd.read_parquet(rounds[-1])) == 12
