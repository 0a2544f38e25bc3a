"""The ``scslab`` command: a thin layer over the packages.

Every mistake a user can make ends in one line on stderr and exit status 2;
a traceback means a bug in scslab.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from scslab._version import __version__
from scslab.argtypes import int_at_least
from scslab.errors import ScslabError

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse that says 'scslab: error: ...' and exits 2, like every other error."""


# ---------------------------------------------------------------- progress
class Progress:
    """A rich progress bar on a terminal; silent elsewhere or when quiet."""

    def __init__(self, description: str, total: int, *, quiet: bool = False) -> None:
        self.enabled = not quiet and sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None
        self.description, self.total = description, total

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task(self.description, total=self.total)
        return self

    def update(self, done: int, total: int | None = None) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total or self.total)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


# ---------------------------------------------------------------- run
def _add_run(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="run one scenario and write DIR/metrics.parquet and DIR/run.json",
        description="Run one scenario (a preset name or a YAML file).",
    )
    p.add_argument("scenario", nargs="?", help="preset name or path to a scenario YAML")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override a scenario value, e.g. --set params.legitimacy=0.7 (repeatable)",
    )
    p.add_argument("--steps", type=int_at_least("--steps", 1), metavar="N", help="steps to run")
    p.add_argument("--seed", type=int_at_least("--seed", 0), metavar="S", help="root seed")
    p.add_argument("--out", type=Path, metavar="DIR", help="output folder")
    p.add_argument("--force", action="store_true", help="write into a non-empty --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.add_argument(
        "--checkpoint-every",
        type=int_at_least("--checkpoint-every", 1),
        metavar="K",
        help="write a checkpoint to DIR/checkpoint every K steps",
    )
    p.add_argument(
        "--baseline",
        action="store_true",
        help="also run the counterfactual (every regime mechanism off) on common random "
        "numbers; writes DIR/baseline/ and DIR/difference.parquet",
    )
    p.add_argument(
        "--resume",
        type=Path,
        metavar="DIR",
        help="continue the interrupted run in DIR from its last checkpoint",
    )
    p.add_argument(
        "--report",
        action="store_true",
        help="write DIR/report.html and DIR/figures/ at the end (see `scslab report`)",
    )
    p.add_argument(
        "--replicates",
        type=int_at_least("--replicates", 1),
        metavar="R",
        help="run R seeds derived from the root seed (as a sweep derives them); writes "
        "DIR/replicates/<i>/, DIR/summary.parquet (mean and 95%% t-interval per measure) "
        "and the mean as DIR/metrics.parquet",
    )
    p.add_argument(
        "--workers",
        type=int_at_least("--workers", 1),
        metavar="W",
        help="with --replicates: run them in W local processes (default 1)",
    )
    p.set_defaults(handler=_cmd_run)


def _cmd_run(args: argparse.Namespace) -> int:
    from scslab import api
    from scslab.engine.memory import reuse_freed_memory
    from scslab.results import prepare_out_dir
    from scslab.results.checkpoint import load_checkpoint, remove_checkpoint, save_checkpoint
    from scslab.scenario import kernel, load_scenario
    from scslab.scenario.registry import baseline_of

    if args.report:  # before the run, not after it
        from scslab.extras import require_extra

        require_extra("report", "run --report")
    reuse_freed_memory()  # large temporaries reuse freed pages (docs/benchmarks.md)
    resume = None
    replicates = args.replicates
    if replicates is not None and (args.resume is not None or args.checkpoint_every):
        raise ScslabError(
            "--replicates runs several seeds and keeps no checkpoint; give --replicates, "
            "or --checkpoint-every/--resume, not both"
        )
    if args.workers is not None and replicates is None:
        raise ScslabError("--workers runs replicates in parallel; give --replicates R with it")
    if args.resume is not None:
        if args.scenario or args.overrides or args.steps or args.seed is not None:
            raise ScslabError(
                "--resume DIR continues a run as it was started; "
                "give no scenario, --set, --steps or --seed with it"
            )
        out = args.resume
        ckpt, meta = load_checkpoint(out)
        scenario = load_scenario(meta["scenario"])
        resume = (ckpt, meta)
        every = args.checkpoint_every or meta.get("checkpoint_every")
        with_baseline = bool(meta.get("baseline")) or args.baseline
    else:
        if not args.scenario:
            raise ScslabError("run needs a SCENARIO (a preset name or a YAML path)")
        if args.out is None:
            raise ScslabError("run needs --out DIR (the folder for metrics.parquet and run.json)")
        out = args.out
        extra = [f"steps={args.steps}"] if args.steps else []
        extra += [f"seed={args.seed}"] if args.seed is not None else []
        scenario = load_scenario(args.scenario, [*args.overrides, *extra])
        with_baseline = args.baseline
        # a model without a counterfactual fails before the run
        cf = baseline_of(scenario) if with_baseline else None
        api.check_memory(kernel(scenario.model), scenario, baseline=cf)  # before any folder
        prepare_out_dir(out, force=args.force)
        every = args.checkpoint_every

    def on_checkpoint(c: Any, meta: dict[str, Any]) -> None:
        save_checkpoint(out, c, {**meta, "checkpoint_every": every, "baseline": with_baseline})

    label = f"{scenario.name}"
    if replicates is not None:
        label += f" ({replicates} runs)"
    with Progress(label, scenario.steps * (replicates or 1), quiet=args.quiet) as bar:
        result = api.run(
            scenario,
            progress=bar.update,
            checkpoint_every=every,
            on_checkpoint=on_checkpoint if every else None,
            resume=resume,
            baseline=with_baseline,
            replicates=replicates,
            workers=args.workers,
        )
    paths = result.save(out, force=True)
    remove_checkpoint(out)
    if not args.quiet:
        _print_run_summary(result, paths)
    if getattr(args, "report", False):
        from scslab.report import build_report

        print(f"report: {build_report(out)}")
    return 0


def _print_run_summary(result: Any, paths: dict[str, Path]) -> None:
    from rich.table import Table

    from scslab.scenario.registry import description

    console = _console()
    m = result.manifest
    last = result.metrics.tail(1).to_dicts()[0] if result.metrics.height else {}
    # the measures the model declares headline (scslab.engine.describe); else every one
    headline = [k for k in description(result.scenario.model).headline if k in last]
    names = headline or [k for k in last if k not in ("step", "date")]
    title = f"{result.scenario.name} after {m['steps']} steps"
    if headline:
        title += " (headline measures; all are in metrics.parquet, see docs/metrics.md)"
    cells = _interval_cells(result)
    table = Table(title=title, title_justify="left")
    table.add_column("metric", no_wrap=True)
    if result.baseline is not None:
        base = result.baseline.metrics.tail(1).to_dicts()[0]
        table.add_column("with the system", justify="right")
        table.add_column("without (baseline)", justify="right")
        table.add_column("difference" + (" (paired)" if cells else ""), justify="right")
        for key in names:
            if key in base:
                value = last[key]
                row = [f"{value:.4g}", f"{base[key]:.4g}", f"{value - base[key]:+.4g}"]
                table.add_row(key, *(cells(key) if cells is not None else row))
    else:
        table.add_column("value", justify="right", no_wrap=cells is not None)
        for key in names:
            table.add_row(key, *(cells(key) if cells is not None else [f"{last[key]:.6g}"]))
    console.print(table)
    if cells is not None:
        console.print(cells.title)
    where = f"{paths['metrics']} ({result.metrics.height} rows), {paths['manifest']}"
    if "baseline" in paths:
        where += f", {paths['baseline']}/, {paths['difference']}"
    if "summary" in paths:
        where += f", {paths['summary']}, {paths['replicates']}/"
        if "difference_summary" in paths:
            where += f", {paths['difference_summary']}"
    runs = f" x {cells.total} run{'s' if cells.total > 1 else ''}" if cells is not None else ""
    console.print(f"{m['steps']} steps{runs} in {m['wall_time_s']:.2f} s; results: {where}")


class _IntervalCells:
    """The table cells of a run with replicates: "value ± half-width (R runs)"."""

    def __init__(self, result: Any) -> None:
        from scslab.results.intervals import LEVEL, METHOD, final

        self.total = len(result.replicates)
        self.with_ = final(result.summary)
        self.without = final(result.baseline.summary) if result.baseline is not None else None
        self.diff = (
            final(result.difference_summary) if result.difference_summary is not None else None
        )
        self.title = (
            f"Each value: mean ± half-width of the {LEVEL:.0%} interval ({METHOD}) over "
            f"{self.total} runs" + ("; the difference is paired (same seeds)" if self.diff else "")
            if self.total > 1
            else "One run: no interval (it needs --replicates 2 or more)"
        )

    def __call__(self, key: str) -> list[str]:
        """``value ± half-width (R runs)``; beside a baseline the title says "R runs"."""
        from scslab.results.intervals import cell

        if self.without is None or self.diff is None:
            return [cell(self.with_.get(key), self.total)]
        rows = (self.with_.get(key), self.without.get(key), self.diff.get(key))
        return [cell(row, self.total, always=False, signed=i == 2) for i, row in enumerate(rows)]


def _interval_cells(result: Any) -> _IntervalCells | None:
    """Cells with intervals for a run with replicates, else None (one seed: plain values)."""
    return _IntervalCells(result) if getattr(result, "replicates", None) else None


# ---------------------------------------------------------------- presets, schema
def _add_presets(sub: Any) -> None:
    p = sub.add_parser("presets", help="list the bundled scenarios, or show one's YAML")
    p.add_argument("--show", metavar="NAME", help="print preset NAME's YAML to copy and edit")
    p.set_defaults(handler=_cmd_presets)


def _cmd_presets(args: argparse.Namespace) -> int:
    from scslab.scenario import list_presets, preset_path

    if args.show:
        sys.stdout.write(preset_path(args.show).read_text(encoding="utf-8"))
        return 0
    presets = list_presets()
    width = max((len(p.name) for p in presets), default=4)
    mwidth = max((len(p.model) for p in presets), default=5)
    for p in presets:
        print(f"{p.name:<{width}}  {p.model:<{mwidth}}  {p.summary}")
    return 0


def _add_schema(sub: Any) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    p.set_defaults(handler=_cmd_schema)


def _cmd_schema(args: argparse.Namespace) -> int:
    from scslab.scenario import json_schema

    print(json.dumps(json_schema(), indent=2))
    return 0


# ---------------------------------------------------------------- main
from scslab.dashboard.cli import add_serve  # noqa: E402
from scslab.experiments.calibrate_cli import add_calibrate  # noqa: E402
from scslab.experiments.cli import add_optimize, add_query, add_sensitivity, add_sweep  # noqa: E402
from scslab.report.cli import add_report  # noqa: E402

COMMANDS: list[Callable[[Any], None]] = [
    _add_run,
    _add_presets,
    _add_schema,
    add_sweep,
    add_sensitivity,
    add_optimize,
    add_calibrate,
    add_query,
    add_report,
    add_serve,
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``scslab`` command."""
    parser = _Parser(
        prog="scslab",
        description="scslab: a laboratory for social credit systems (synthetic societies only).",
    )
    parser.add_argument("--version", action="version", version=f"scslab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``scslab`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except ScslabError as exc:
        print(f"scslab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("scslab: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
