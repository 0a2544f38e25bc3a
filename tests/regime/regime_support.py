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


def shared_society_of(scn: Any, steps: int) -> Any:
    """`no-regime` with `scn`'s acts and calendar: the society `scn`'s baseline should be.

    Every preset but `court-blacklist` shares `no-regime`'s society; `court-blacklist`
    takes the debt-default and fraud rates of the fitted history (and its calendar).
    """
    from scslab.scenario import load_scenario

    over: dict[str, Any] = {
        "steps": steps,
        "params.acts": [a.model_dump() for a in scn.params.acts],
    }
    if scn.calendar is not None:
        over["calendar"] = scn.calendar.model_dump(mode="json")
    return load_scenario("no-regime", over)


def same_on_common_columns(a: Any, b: Any) -> bool:
    """Two metric frames agree on every column both have; the others are per-domain zeros.

    A preset with other restriction domains than the society's default ones (flights
    and trains for travel) has other per-domain columns; with the regime off they are 0.
    """
    common = [c for c in a.columns if c in b.columns]
    others = [(f, c) for f in (a, b) for c in f.columns if c not in common]
    per_domain = all(c.startswith(("restricted_", "blocked_per_adult_")) for _, c in others)
    zero = all(float(f[c].abs().max()) == 0.0 for f, c in others)  # type: ignore[arg-type]
    return bool(a.select(common).equals(b.select(common)) and per_domain and zero)
