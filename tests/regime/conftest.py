from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import scslab
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


@pytest.fixture
def run_regime() -> Callable[..., scslab.api.RunResult]:
    def _run(params: dict[str, Any] | None = None, **kw: Any) -> scslab.api.RunResult:
        return scslab.run(scenario(params, **kw))

    return _run
