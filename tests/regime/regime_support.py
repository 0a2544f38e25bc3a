"""Helpers for the regime tests (imported by name: conftest modules share one name)."""

from __future__ import annotations

from typing import Any

from scslab.scenario.params.regime import REGIME_MECHANISMS


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def scenario(
    params: dict[str, Any] | None = None,
    *,
    on: tuple[str, ...] | str = (),
    size: int = 5000,
    steps: int = 60,
    seed: int = 1,
) -> dict[str, Any]:
    mechanisms = REGIME_MECHANISMS if on == "all" else on
    p: dict[str, Any] = {"population": {"size": size}}
    for m in mechanisms:
        p[m] = {"enabled": True}
    p = merge(p, params or {})
    return {
        "name": "t",
        "model": "regime",
        "steps": steps,
        "seed": seed,
        "collect_every": 1,
        "params": p,
    }


def make_state(
    params: dict[str, Any] | None = None,
    *,
    on: tuple[str, ...] | str = (),
    size: int = 5000,
    seed: int = 1,
) -> tuple[Any, Any, Any]:
    """(model, state, streams) right after init."""
    from scslab.engine import Streams, seed_material, seed_sequence
    from scslab.scenario import kernel, load_scenario

    scn = load_scenario(scenario(params, on=on, size=size, seed=seed))
    model = kernel("regime")
    streams = Streams(seed_sequence(seed_material(seed)))
    return model, model.init(scn, streams), streams


def advance(model: Any, state: Any, streams: Any, steps: int) -> None:
    for _ in range(steps):
        model.step(state, streams)
        state.step += 1
