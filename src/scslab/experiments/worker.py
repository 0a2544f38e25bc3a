"""What a worker process does with one run of a sweep.

`execute` is a module-level function of plain data in, plain data out, so it
travels to local processes and to Dask workers alike. It never raises for a
failing run: the error comes back in the `Outcome` and the sweep goes on.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scslab.errors import ScslabError
from scslab.scenario.registry import ModelEntry


@dataclass(frozen=True)
class Task:
    """One run to do.

    Attributes
    ----------
    run_id : int
        The run's id in the sweep's database.
    scenario : dict
        The scenario of this run, resolved and validated (plain data).
    run_index : int
        Spawn key of the run's `SeedSequence` under the scenario's root seed.
    model : ModelEntry, optional
        The model's registry entry, for a model registered only in the parent
        process (plugins, tests); the worker registers it if it lacks it.
    """

    run_id: int
    scenario: dict[str, Any]
    run_index: int
    model: ModelEntry | None = None


@dataclass
class Outcome:
    """What one run gave back: status, timing, manifest and the metric columns."""

    run_id: int
    status: str  # "ok" | "failed"
    error: str | None
    wall_time_s: float
    manifest: dict[str, Any]
    columns: dict[str, np.ndarray] | None = field(default=None, repr=False)
    worker_env: dict[str, str | None] = field(default_factory=dict)


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, ScslabError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def execute(task: Task) -> Outcome:
    """Run `task` and return its `Outcome`; a failing run comes back as status 'failed'."""
    t0 = time.perf_counter()
    env = {
        "MALLOC_TRIM_THRESHOLD_": os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        "pid": str(os.getpid()),
    }
    try:
        if task.model is not None:
            from scslab.scenario.registry import MODELS

            MODELS.setdefault(task.model.name, task.model)
        from scslab import api

        result = api.run(task.scenario, run_index=task.run_index)
        columns = {name: result.metrics[name].to_numpy() for name in result.metrics.columns}
        manifest = json.loads(json.dumps(result.manifest, default=str))
        manifest["command"] = None  # the sweep's command is in its `sweep` table
        return Outcome(
            task.run_id,
            "ok",
            None,
            float(result.manifest["wall_time_s"]),
            manifest,
            columns,
            env,
        )
    except Exception as exc:  # a failing run is data, not a crash of the sweep
        from scslab.engine import seed_material

        seed = task.scenario.get("seed", 0)
        manifest = {
            "scenario": task.scenario,
            "seed": seed_material(int(seed), task.run_index),
            "traceback": traceback.format_exc(limit=-8),
        }
        return Outcome(
            task.run_id,
            "failed",
            _error_text(exc),
            time.perf_counter() - t0,
            manifest,
            None,
            env,
        )
