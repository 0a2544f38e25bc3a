"""A toy model for engine and CLI tests: independent random walkers."""

from __future__ import annotations

from pydantic import Field

from scslab.engine import State, Streams
from scslab.engine.describe import Description, Measure
from scslab.scenario.params.common import StrictModel


class ToyParams(StrictModel):
    n: int = Field(100, ge=1, le=10**9, description="walkers")
    drift: float = Field(0.0, ge=-1, le=1, description="mean step")
    bytes_per_agent: int = Field(16, ge=0, description="declared memory per walker")
    fail_at_step: int | None = Field(None, ge=0, description="raise at this step (tests)")


class ToyModel:
    description = Description(
        measures=(
            Measure("mean", "mean", "position", "Mean position over the walkers."),
            Measure("sd", "sd", "position", "Standard deviation of the positions."),
            Measure(
                "total",
                "total",
                "position x steps",
                "Sum over the steps so far of the mean position.",
                levers=("params.drift",),
            ),
        )
    )

    def init(self, scenario, rng: Streams) -> State:
        p = scenario.params
        return State(params=p, x=rng["init"].normal(size=p.n), total=0.0)

    def step(self, state: State, rng: Streams) -> None:
        if state.params.fail_at_step is not None and state.step >= state.params.fail_at_step:
            raise ValueError(f"toy failure at step {state.step}")
        state.x += rng["walk"].normal(state.params.drift, 1.0, size=state.x.size)
        state.total += float(state.x.mean())

    def metrics(self, state: State) -> dict[str, float]:
        return {"mean": float(state.x.mean()), "sd": float(state.x.std()), "total": state.total}

    def estimate_bytes(self, scenario) -> int:
        return scenario.params.n * scenario.params.bytes_per_agent


def counterfactual(scenario):
    """The toy's 'baseline': the same walkers without drift."""
    from scslab.scenario import load_scenario

    return load_scenario(scenario.to_dict(), {"params.drift": 0.0})
