"""scslab: a laboratory for social credit systems.

``import scslab`` stays light: `run`, `load_scenario` and `RunResult` are
imported on first use, so the simulation kernel can be imported without
pydantic, YAML or the results store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scslab._version import __version__

if TYPE_CHECKING:
    from scslab.api import RunResult, run
    from scslab.scenario import load_scenario

__all__ = ["RunResult", "__version__", "load_scenario", "run"]


def __getattr__(name: str) -> Any:
    if name in {"run", "RunResult"}:
        from scslab import api

        return getattr(api, name)
    if name == "load_scenario":
        from scslab.scenario import load_scenario

        return load_scenario
    raise AttributeError(f"module 'scslab' has no attribute {name!r}")
