"""A model for sweep tests whose worker process dies (os._exit) on request."""

from __future__ import annotations

import os

import numpy as np
from pydantic import Field

from scslab.engine import State, Streams
from scslab.scenario.params.common import StrictModel


class CrashParams(StrictModel):
    n: int = Field(10, ge=1, description="walkers")
    crash: bool = Field(False, description="kill the worker process at the first step")


class CrashModel:
    def init(self, scenario, rng: Streams) -> State:
        return State(params=scenario.params, x=rng["init"].normal(size=scenario.params.n))

    def step(self, state: State, rng: Streams) -> None:
        if state.params.crash:
            if os.environ.get("SCSLAB_TEST_PARENT") == str(os.getpid()):
                raise RuntimeError("crash requested in the parent process")
            os._exit(17)
        state.x += rng["walk"].normal(size=state.x.size)

    def metrics(self, state: State) -> dict[str, float]:
        return {"mean": float(np.mean(state.x))}
