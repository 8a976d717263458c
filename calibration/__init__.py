"""Calibration: observed data with provenance (and, with issue 3, the ABC-SMC fit and shipped posterior)."""
