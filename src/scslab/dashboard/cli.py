"""``scslab serve``: the command-line face of the dashboard (no Panel import here)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a port number in [1, 65535]; got {text!r}"
        ) from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number in [1, 65535]; got {text!r}")
    return value


def add_serve(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="start the dashboard (a browser app) on 127.0.0.1",
        description=(
            "Start the dashboard: choose a scenario, move the levers, run it and watch the "
            "measures stream, with the counterfactual beside it. One simulation per browser "
            "session. Needs the 'dashboard' extra (panel, bokeh)."
        ),
    )
    p.add_argument("--port", type=_port, default=5006, help="port to listen on (default 5006)")
    p.add_argument(
        "--address",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; another address is reachable from "
        "other machines, and a warning says so)",
    )
    p.add_argument(
        "--scenario",
        dest="scenarios",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="also offer this scenario YAML (repeatable); the first one is shown first",
    )
    p.add_argument("--show", action="store_true", help="open a browser tab")
    p.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from scslab.extras import require_extra

    require_extra("dashboard", "scslab serve")
    from scslab.dashboard import serve

    serve(port=args.port, address=args.address, scenarios=args.scenarios, show=args.show)
    return 0
