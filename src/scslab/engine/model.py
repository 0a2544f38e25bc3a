"""What a model is: three functions over a `State`."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from scslab.engine.rng import Streams
from scslab.engine.state import State


@runtime_checkable
class Model(Protocol):
    """A model: ``init`` builds the state, ``step`` advances it, ``metrics`` measures it.

    ``scenario`` is a validated scenario (see `scslab.scenario`); the model reads
    ``scenario.params``. ``rng`` holds one named stream per mechanism. ``step``
    must not increment ``state.step``: the runner does that.
    """

    def init(self, scenario: Any, rng: Streams) -> State: ...

    def step(self, state: State, rng: Streams) -> None: ...

    def metrics(self, state: State) -> dict[str, float]: ...


def estimate_bytes(model: object, scenario: Any) -> int:
    """Bytes a model needs for `scenario`, or 0 when it cannot tell."""
    fn = getattr(model, "estimate_bytes", None)
    return int(fn(scenario)) if callable(fn) else 0
