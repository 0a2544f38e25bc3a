"""Experiments at scale: sweeps, replicates, sensitivity analysis, executors.

- `grid`: ``--vary`` / ``--param`` specs, full grids, Latin hypercubes;
- `sweep`: the resumable sweep runner (one DuckDB file, one transaction per run);
- `executors`: this process, local processes, or Dask, all as ``concurrent.futures``;
- `sensitivity`: Sobol and Morris indices with SALib;

``--baseline`` uses the model's counterfactual from the registry
(`scslab.scenario.registry.baseline_of`), the same as ``scslab run --baseline``.

Python use::

    from scslab.experiments import Plan, make_design, run_sweep
    from scslab.scenario import load_scenario

    base = load_scenario("epstein", ["steps=200"])
    design = make_design(["params.legitimacy=0.6:0.9:4"], base)
    summary = run_sweep(Plan(base, design, replicates=10), "runs/legit", workers=2)
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "Axis": "grid",
    "Design": "grid",
    "make_design": "grid",
    "parse_axis": "grid",
    "Plan": "sweep",
    "Summary": "sweep",
    "run_sweep": "sweep",
}


def __getattr__(name: str) -> Any:  # imported on first use: `scslab --help` stays fast
    if name in _WHERE:
        return getattr(importlib.import_module(f"scslab.experiments.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'scslab.experiments' has no attribute {name!r}")


__all__ = [
    "Axis",
    "Design",
    "Plan",
    "Summary",
    "make_design",
    "parse_axis",
    "run_sweep",
]
