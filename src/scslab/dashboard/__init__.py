"""The live dashboard: ``scslab serve`` (Panel + Bokeh), one simulation per browser session.

Importing this package imports neither Panel nor Bokeh; `serve` does.
"""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["is_loopback", "serve"]


def is_loopback(address: str) -> bool:
    """Whether `address` is reachable from this machine only."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def scenario_files(paths: Sequence[str | Path]) -> dict[str, str]:
    """Label -> path of scenario files given with ``--scenario``, each loaded once to check it."""
    from scslab.scenario import load_scenario

    out = {}
    for p in paths:
        scn = load_scenario(p)
        out[f"{scn.name} ({scn.model}, {Path(p).name})"] = str(p)
    return out


def serve(
    *,
    port: int = 5006,
    address: str = "127.0.0.1",
    scenarios: Sequence[str | Path] = (),
    initial: str | None = None,
    show: bool = False,
    start: bool = True,
) -> Any:
    """Serve the dashboard until interrupted.

    Parameters
    ----------
    port, address : int, str
        Where to listen; a warning is printed when `address` is not a loopback one.
    scenarios : sequence of paths
        Scenario files offered beside the presets.
    initial : str, optional
        Label of the scenario shown first (default: the first scenario file, else
        the first preset).
    """
    import panel as pn

    from scslab.dashboard.app import create_app, scenario_sources
    from scslab.errors import ScslabError

    extra = scenario_files(scenarios)
    sources = scenario_sources(extra)
    if not sources:
        raise ScslabError("no scenario to show: no preset is installed; give --scenario FILE")
    if initial is None and extra:
        initial = next(iter(extra))
    if initial is not None and initial not in sources:
        raise ScslabError(f"no scenario labelled {initial!r}; choices: {', '.join(sources)}")
    if is_loopback(address):
        origins = [f"{h}:{port}" for h in ("127.0.0.1", "localhost", address)]
    else:
        print(
            f"warning: the dashboard listens on {address}, not on 127.0.0.1: anyone who can "
            "reach this machine can open it and run simulations on it",
            file=sys.stderr,
        )
        origins = ["*"] if address in ("0.0.0.0", "::") else [f"{address}:{port}"]

    def app() -> Any:
        return create_app(sources, initial)

    print(f"scslab dashboard: http://{address}:{port}/ (Ctrl-C to stop)", flush=True)
    return pn.serve(
        {"/": app},
        port=port,
        address=address,
        allow_websocket_origin=sorted(set(origins)),
        show=show,
        start=start,
        title="scslab",
        threaded=False,
        print_url=False,
    )
