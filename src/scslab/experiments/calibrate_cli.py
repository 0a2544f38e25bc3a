"""``scslab calibrate``: the command-line face of `scslab.experiments.calibrate`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scslab.argtypes import int_at_least


def add_calibrate(sub: Any) -> None:
    """Add ``scslab calibrate``."""
    p = sub.add_parser(
        "calibrate",
        help="fit a scenario's free parameters to observed figures (ABC-SMC) into DIR",
        description=(
            "Fit the free parameters a targets file names (with their priors) to the observed "
            "figures it marks 'fitted', by ABC-SMC (pyabc; pip install 'scslab[calibrate]'); "
            "then run --draws posterior predictive runs and compare every figure (held-out "
            "ones too) with its 90 %% interval. DIR holds abc.db (pyabc's history), "
            'calibration.json and results.duckdb (scslab query DIR "SELECT * FROM summary"). '
            "Rerunning the same command resumes an unfinished calibration; a changed one is "
            "refused. Exit status 2 for a usage error. See docs/calibration.md."
        ),
    )
    p.add_argument("scenario", help="preset name or path to a scenario YAML (with a calendar)")
    p.add_argument("--targets", type=Path, required=True, metavar="FILE", help="targets YAML")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="fix a scenario value for every run (repeatable)",
    )
    p.add_argument(
        "--budget",
        type=int_at_least("--budget", 1),
        default=1000,
        metavar="N",
        help="simulations of the fit at most (default 1000)",
    )
    p.add_argument(
        "--particles",
        type=int_at_least("--particles", 2),
        default=100,
        metavar="P",
        help="ABC-SMC population size (default 100)",
    )
    p.add_argument(
        "--draws",
        type=int_at_least("--draws", 1),
        default=50,
        metavar="N",
        help="posterior predictive runs (default 50)",
    )
    p.add_argument(
        "--seed",
        type=int_at_least("--seed", 0),
        metavar="S",
        help="root seed (default: the scenario's)",
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--workers",
        type=int_at_least("--workers", 1),
        default=1,
        metavar="W",
        help="local processes (default 1: bit-reproducible)",
    )
    group.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="run on Dask: tcp://host:8786, or 'local' (needs scslab[dask])",
    )
    p.add_argument("--report", action="store_true", help="also write DIR/report.html")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(handler=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from scslab.experiments.calibrate import calibrate, require_pyabc, write_summary

    require_pyabc()  # before anything is read or written

    def say(msg: str) -> None:
        if not args.quiet:
            print(f"calibrate: {msg}", file=sys.stderr, flush=True)

    db = calibrate(
        args.scenario,
        args.targets,
        args.out,
        overrides=args.overrides,
        budget=args.budget,
        particles=args.particles,
        draws=args.draws,
        workers=args.workers if args.scheduler is None else 1,
        scheduler=args.scheduler,
        seed=args.seed,
        command=["scslab", *sys.argv[1:]],
        progress=None if args.quiet else say,
    )
    if not args.quiet:
        write_summary(db)
    print(f"results: {db}")
    if args.report:
        from scslab.report import build_report

        print(f"report: {build_report(args.out)}")
    return 0
