"""``scslab report DIR``: the command-line face of the report (no plotting import here)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_report(sub: Any) -> None:
    p = sub.add_parser(
        "report",
        help="write DIR/report.html and DIR/figures/*.png for a run or sweep folder",
        description=(
            "Write DIR/report.html (one self-contained page: figures embedded, no internet "
            "needed) and DIR/figures/*.png for a run folder (with or without baseline/) or "
            "a sweep folder (results.duckdb)."
        ),
    )
    p.add_argument("dir", type=Path, metavar="DIR", help="a run or sweep --out folder")
    p.add_argument(
        "--measure",
        dest="measures",
        action="append",
        default=[],
        metavar="NAME",
        help="sweep: a measure to draw against each varied parameter (repeatable; "
        "default: the headline measures the sweep has)",
    )
    p.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from scslab.extras import require_extra

    require_extra("report", "scslab report")
    from scslab.report import build_report

    path = build_report(args.dir, measures=args.measures or None)
    print(f"report: {path}")
    return 0
