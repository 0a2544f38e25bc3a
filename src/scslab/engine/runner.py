"""The step loop: initialise, step, collect metrics, offer checkpoints.

The loop does no I/O and prints nothing: progress and checkpoints go to
callbacks owned by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scslab.engine.model import Model
from scslab.engine.rng import Streams
from scslab.engine.state import State

Row = dict[str, float]


@dataclass
class Checkpoint:
    """Everything needed to continue a run bit for bit after `step` steps."""

    step: int
    fields: dict[str, NDArray[Any]]
    python_scalars: list[str]
    rng_state: dict[str, dict[str, Any]]
    rows: list[Row] = field(default_factory=list)


def snapshot(state: State, streams: Streams, rows: list[Row]) -> Checkpoint:
    """Copy the state, the streams and the rows collected so far."""
    return Checkpoint(
        step=state.step,
        fields={k: np.array(v, copy=True) for k, v in state.fields().items()},
        python_scalars=state.python_scalars(),
        rng_state=streams.get_state(),
        rows=[dict(r) for r in rows],
    )


def restore(checkpoint: Checkpoint, params: Any, streams: Streams) -> State:
    """Rebuild the state of a checkpoint and put `streams` back where they were."""
    streams.set_state(checkpoint.rng_state)
    return State.from_fields(checkpoint.fields, params, checkpoint.step, checkpoint.python_scalars)


def _collect(model: Model, state: State, rows: list[Row]) -> None:
    row: Row = {"step": float(state.step)}
    for name, value in model.metrics(state).items():
        row[name] = float(value)
    rows.append(row)


def simulate(
    model: Model,
    scenario: Any,
    streams: Streams,
    *,
    steps: int,
    collect_every: int = 1,
    resume: Checkpoint | None = None,
    on_step: Callable[[int, int], None] | None = None,
    checkpoint_every: int | None = None,
    on_checkpoint: Callable[[Checkpoint], None] | None = None,
) -> tuple[State, list[Row]]:
    """Run `model` for `steps` steps and return the final state and metric rows.

    Metrics are collected after initialisation (step 0), after every step that
    is a multiple of `collect_every`, and after the last step. With `resume`,
    the run continues from a checkpoint, and its rows are exactly those an
    unbroken run would give.

    A scenario with schedules (``scenario.params_at``, see
    `scslab.scenario.schedules`) has its parameters resolved before every
    step: the step that produces state ``s``, and the metrics collected after
    it, see the values in force at step ``s``.

    Parameters
    ----------
    on_step : callable, optional
        Called as ``on_step(done, steps)`` after each step.
    on_checkpoint : callable, optional
        Called with a `Checkpoint` after every `checkpoint_every` steps
        (never after the last step).
    """
    if resume is None:
        state = model.init(scenario, streams)
        state.step = 0
        rows: list[Row] = []
        _collect(model, state, rows)
    else:
        state = restore(resume, scenario.params, streams)
        rows = [dict(r) for r in resume.rows]
    params_at = getattr(scenario, "params_at", None)
    scheduled = callable(params_at) and bool(getattr(scenario, "schedules", None))
    while state.step < steps:
        if scheduled:
            state.params = params_at(state.step + 1)  # type: ignore[misc]
        model.step(state, streams)
        state.step += 1
        if state.step % collect_every == 0 or state.step == steps:
            _collect(model, state, rows)
        if on_step is not None:
            on_step(state.step, steps)
        if (
            on_checkpoint is not None
            and checkpoint_every
            and state.step % checkpoint_every == 0
            and state.step < steps
        ):
            on_checkpoint(snapshot(state, streams, rows))
    return state, rows
