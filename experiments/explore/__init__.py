"""``innosim explore``: a local Solara page to try budgets, mixes and assumptions and see the targets move."""
