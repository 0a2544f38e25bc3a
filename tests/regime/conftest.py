from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from regime_support import scenario

import scslab


@pytest.fixture
def run_regime() -> Callable[..., scslab.api.RunResult]:
    def _run(params: dict[str, Any] | None = None, **kw: Any) -> scslab.api.RunResult:
        return scslab.run(scenario(params, **kw))

    return _run
