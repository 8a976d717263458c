"""Regenerate the stored regression baseline (``tests/baselines/baseline.json``).

Run this only when a change to the model is intended to change its numbers, and say why in the commit:

    python tests/update_baseline.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.regression import BASELINE_FILE, compute  # noqa: E402


def main() -> None:
    data = compute()
    BASELINE_FILE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {BASELINE_FILE.relative_to(ROOT)} ({len(data['values'])} values)")


if __name__ == "__main__":
    main()
