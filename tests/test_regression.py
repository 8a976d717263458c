"""The model's numbers do not change by accident. After an intended change: python tests/update_baseline.py"""

from __future__ import annotations

import json

import pytest

from tests.regression import BASELINE_FILE, compute


def test_matches_stored_baseline():
    if not BASELINE_FILE.is_file():
        pytest.fail("no stored baseline: run python tests/update_baseline.py and commit the file")
    stored = json.loads(BASELINE_FILE.read_text(encoding="utf-8"))["values"]
    now = compute()["values"]
    assert set(now) == set(stored)
    changed = {k: (stored[k], now[k]) for k in stored if abs(now[k] - stored[k]) > 1e-9 * max(1.0, abs(stored[k]))}
    assert not changed, f"{len(changed)} values changed, e.g. {list(changed.items())[:5]}; if intended, run " \
                        "python tests/update_baseline.py"
