"""Outcome and harm measures: pure functions of a model's `State`."""

from scslab.metrics.regime import disparate_impact, falsification_gap, measure, ratio

__all__ = ["disparate_impact", "falsification_gap", "measure", "ratio"]
