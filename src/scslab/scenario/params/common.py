"""Building blocks shared by the parameter schemas."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: The most steps a scenario runs (steps are int32 in the kernels' records).
MAX_STEPS = 10_000_000


class StrictModel(BaseModel):
    """A frozen pydantic model that refuses unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Schedule(StrictModel):
    """A parameter that changes during a run.

    ``gradual``: from step ``start`` on, the value moves by ``rate`` per step
    toward ``target`` and stays there. ``jump``: at step ``start`` it becomes
    ``target`` at once.
    """

    mode: Literal["gradual", "jump"] = Field(description="gradual change per step, or a jump")
    start: int = Field(0, ge=0, le=MAX_STEPS, description="step at which the change begins")
    target: float = Field(ge=0, le=1, description="value reached at the end of the change")
    rate: float = Field(
        0.0, ge=0, le=1, description="change per step toward target (gradual mode only)"
    )

    @model_validator(mode="after")
    def _rate_for_gradual(self) -> Schedule:
        if self.mode == "gradual" and self.rate == 0:
            raise ValueError("rate must be > 0 when mode is 'gradual'")
        return self

    def value_at(self, initial: float, step: int) -> float:
        """The scheduled value after `step` steps, starting from `initial`."""
        if step < self.start:
            return initial
        if self.mode == "jump":
            return self.target
        moved = self.rate * (step - self.start + 1)
        if self.target < initial:
            return max(self.target, initial - moved)
        return min(self.target, initial + moved)
