"""A live simulation for the dashboard: the scenario and its counterfactual, stepped together.

The dashboard drives ``model.step`` itself (no `simulate` loop), so it can
stop, step once, or run for a time budget. Both worlds start from the same
seed material as ``scslab run``, so their random numbers are common and the
first metrics equal a saved run's. No Panel here.

`Simulation.advance` runs in a worker thread: it holds the simulation's lock
while it steps, so two calls never step the same worlds at once, and it stops
between steps once its `cancel` event is set (a pause or a reset).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from scslab.engine import State, Streams, seed_material, seed_sequence
from scslab.errors import ScenarioError
from scslab.scenario import Scenario, kernel

#: People shown in the picture of the society.
SAMPLE = 2000


@dataclass
class World:
    """One world: a model, its streams and its state."""

    scenario: Scenario
    model: Any
    streams: Streams
    state: State

    @classmethod
    def start(cls, scenario: Scenario) -> World:
        model = kernel(scenario.model)
        streams = Streams(seed_sequence(seed_material(scenario.seed)))
        state = model.init(scenario, streams)
        state.step = 0
        return cls(scenario, model, streams, state)

    def step(self) -> None:
        self.state.params = self.scenario.params_at(self.state.step + 1)  # schedules
        self.model.step(self.state, self.streams)
        self.state.step += 1

    def metrics(self) -> dict[str, float]:
        row = {"step": float(self.state.step)}
        row.update({k: float(v) for k, v in self.model.metrics(self.state).items()})
        return row


class Simulation:
    """The scenario (with the system) and, where the model has one, its counterfactual.

    Parameters
    ----------
    scenario : Scenario
        What to run.
    baseline : bool
        Also run the counterfactual (the model's ``baseline_of``), on the same seed.
    """

    def __init__(self, scenario: Scenario, *, baseline: bool = True) -> None:
        from scslab.scenario.registry import baseline_of

        self.scenario = scenario
        self.world = World.start(scenario)
        self.base: World | None = None
        if baseline:
            try:
                self.base = World.start(baseline_of(scenario))
            except ScenarioError:
                self.base = None
        self.rows: list[dict[str, float]] = []
        self.base_rows: list[dict[str, float]] = []
        self._lock = threading.Lock()
        self._collect()
        self._sample: np.ndarray | None = None
        self._last_xy: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    @property
    def step(self) -> int:
        return int(self.world.state.step)

    @property
    def steps(self) -> int:
        return int(self.scenario.steps)

    @property
    def done(self) -> bool:
        return self.step >= self.steps

    def _collect(self) -> None:
        # The counterfactual's row first: a reader in another thread that takes
        # ``rows[:len(rows)]`` always finds as many `base_rows`.
        if self.base is not None:
            self.base_rows.append(self.base.metrics())
        self.rows.append(self.world.metrics())

    def advance(
        self, max_steps: int, budget_s: float = 0.15, cancel: threading.Event | None = None
    ) -> int:
        """Step both worlds up to `max_steps` times, until `budget_s` has passed or `cancel` is set.

        Returns the number of steps taken (at least one unless the run is done or
        `cancel` was set before the first). A call made while another is stepping
        waits for it to end.
        """
        with self._lock:
            t0 = time.perf_counter()
            done = 0
            while done < max_steps and not self.done:
                if cancel is not None and cancel.is_set():
                    break
                self.world.step()
                if self.base is not None:
                    self.base.step()
                done += 1
                if self.step % self.scenario.collect_every == 0 or self.done:
                    self._collect()
                if time.perf_counter() - t0 >= budget_s:
                    break
            return done

    def metric_names(self) -> list[str]:
        return [k for k in self.rows[0] if k != "step"]

    def picture(self, base: bool = False) -> dict[str, Any] | None:
        """A sample of people: ``x``, ``y`` and ``state`` (a label) for each, or None.

        None also while a worker thread is stepping the worlds (never a picture
        of a state halfway through a step); the next call draws it.
        """
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return self._picture(base)
        finally:
            self._lock.release()

    def _picture(self, base: bool) -> dict[str, Any] | None:
        from scslab.dashboard.pictures import picture_of

        world = self.base if base else self.world
        if world is None:
            return None
        if self._sample is None:
            self._sample = sample_people(
                world.scenario.model, world.state, SAMPLE, self.scenario.seed
            )
        if self._sample is None:
            return None
        key = "base" if base else "with"
        pic = picture_of(world.scenario.model, world.state, self._sample, self._last_xy.get(key))
        if pic is not None:
            self._last_xy[key] = (pic["x"], pic["y"])
        return pic


def sample_people(model: str, state: State, n: int, seed: int) -> np.ndarray | None:
    """Indices of up to `n` people of a state of `model`, or None for a model without a picture."""
    from scslab.dashboard.pictures import population_size

    size = population_size(model, state)
    if size is None:
        return None
    rng = np.random.default_rng(seed)
    if size <= n:
        return np.arange(size)
    return np.sort(rng.choice(size, size=n, replace=False))
