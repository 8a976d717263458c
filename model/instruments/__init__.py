"""Policy instruments: each a registered class with budget, eligibility, selection, caps, payment and effect."""
