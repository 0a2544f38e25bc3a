"""The ``sweep``, ``sensitivity``, ``optimize`` and ``query`` commands (registered in `scslab.cli`).

Heavy imports (DuckDB, SALib, Dask, rich) happen inside the handlers, so
``scslab --help`` stays fast.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from scslab.argtypes import int_at_least


def _common(p: argparse.ArgumentParser) -> None:
    """Options shared by sweep and sensitivity."""
    p.add_argument("scenario", help="preset name or path to a scenario YAML")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="fix a scenario value for every run, e.g. --set steps=200 (repeatable)",
    )
    p.add_argument(
        "--steps", type=int_at_least("--steps", 1), metavar="N", help="steps of every run"
    )
    p.add_argument(
        "--seed",
        type=int_at_least("--seed", 0),
        metavar="S",
        help="root seed (default: the scenario's); run i's seed is spawned from it by index",
    )
    p.add_argument(
        "--replicates",
        type=int_at_least("--replicates", 1),
        default=1,
        metavar="R",
        help="runs per point, each with its own seed (default 1)",
    )
    p.add_argument(
        "--workers",
        type=int_at_least("--workers", 1),
        metavar="W",
        help="local processes (default: the cores; 1 runs in this process)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="run on Dask: tcp://host:8786 for a running cluster, or 'local' for a "
        "Dask cluster of --workers processes started here (needs scslab[dask])",
    )
    p.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="folder of results.duckdb"
    )
    p.add_argument(
        "--retry-failed",
        action="store_true",
        help="redo the runs recorded as failed (a rerun otherwise skips them)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    p.add_argument("--verbose", action="store_true", help="one line per finished run on stderr")


def add_sweep(sub: Any) -> None:
    """Add ``scslab sweep``."""
    p = sub.add_parser(
        "sweep",
        help="run a scenario over a grid of values and seeds into DIR/results.duckdb",
        description=(
            "Run a scenario at every point of a grid (or a Latin hypercube), R times each, "
            "into DIR/results.duckdb. Rerunning the same command does only the missing runs. "
            "Exit status 1 if any run failed, 2 for a usage error."
        ),
        epilog=(
            "VALUES: v1,v2,... (a list), lo:hi:n (n evenly spaced values, ends included), "
            "or lo:hi (a range, with --sample lhs:N). Example: scslab sweep epstein "
            "--vary params.legitimacy=0.6:0.9:4 --vary params.cop_density=0.02,0.04 "
            "--replicates 10 --out runs/legit"
        ),
    )
    _common(p)
    p.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="PATH=VALUES",
        help="a varied value: PATH=v1,v2,... or PATH=lo:hi:n or PATH=lo:hi (repeatable; "
        "the grid is every combination)",
    )
    p.add_argument(
        "--sample",
        metavar="lhs:N",
        help="draw N points of a Latin hypercube over the lo:hi ranges (seeded by the root seed)",
    )
    p.add_argument(
        "--baseline",
        action="store_true",
        help="also run the model's counterfactual (the system switched off) of every run, "
        "on the same random numbers",
    )
    p.add_argument(
        "--common-random-numbers",
        action="store_true",
        help="replicate r of every point uses the same seed (less noise between points)",
    )
    p.set_defaults(handler=cmd_sweep)


def add_sensitivity(sub: Any) -> None:
    """Add ``scslab sensitivity``."""
    p = sub.add_parser(
        "sensitivity",
        help="global sensitivity analysis (Sobol or Morris, with SALib)",
        description=(
            "Sample the --param ranges (Saltelli's scheme for Sobol, trajectories for Morris), "
            "run every sample point into DIR/results.duckdb, and print and store the "
            "sensitivity indices of each --measure. Rerunning does only the missing runs; "
            "another --measure reuses them."
        ),
        epilog=(
            "Runs: Sobol N*(2D+2) (N*(D+2) with --no-second-order), Morris N*(D+1), "
            "D = number of --param, times --replicates."
        ),
    )
    _common(p)
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="PATH=lo:hi",
        help="a parameter and its range (repeatable)",
    )
    p.add_argument("--method", choices=("sobol", "morris"), default="sobol", help="default sobol")
    p.add_argument(
        "--n",
        type=int_at_least("--n", 1),
        required=True,
        metavar="N",
        help="base sample size: a power of 2 for Sobol; trajectories for Morris",
    )
    p.add_argument(
        "--measure",
        action="append",
        required=True,
        metavar="NAME@AGG",
        help="what to explain: NAME@last (the metric at the last step), NAME@mean (its mean "
        "over the steps), NAME@min or NAME@max; averaged over replicates (repeatable)",
    )
    p.add_argument(
        "--levels",
        type=int,
        default=4,
        metavar="P",
        help="Morris grid levels (even; default 4)",
    )
    p.add_argument(
        "--no-second-order",
        dest="second_order",
        action="store_false",
        help="Sobol: skip second-order indices (N*(D+2) runs instead of N*(2D+2))",
    )
    p.set_defaults(handler=cmd_sensitivity)


def add_optimize(sub: Any) -> None:
    """Add ``scslab optimize``."""
    p = sub.add_parser(
        "optimize",
        help="find the lever settings that minimise a state's cost (Optuna TPE)",
        description=(
            "Search the --lever ranges for the settings that minimise --objective, an "
            "expression over the model's declared measures, with Optuna's TPE sampler; each "
            "candidate runs --replicates times on the same seeds (common random numbers). "
            "Every run and candidate goes into DIR/results.duckdb (tables runs, metrics, "
            "trials); the chosen policy into DIR/best.yaml; then the starting scenario (and "
            "the model's counterfactual of it and of the chosen policy) runs on the same "
            "seeds, for the comparison. Rerunning the same command continues where it "
            "stopped, with the same result as an unbroken run. Needs scslab[optimize]."
        ),
        epilog=(
            "OBJECTIVE: numbers, + - * /, parentheses and NAME@AGG with AGG one of last (the "
            "value at the last step), mean, min, max over the steps; for example "
            "--objective 'political_cost@mean + punishment_cost@mean'. Example: scslab "
            "optimize dissent-uniform-b2 --set params.n=10000 --steps 99 --lever "
            "params.initial.tolerance=0:1 --lever params.initial.severity=0.01:2 "
            "--objective 'authority_cost@mean' --budget 40 --replicates 5 --out runs/opt"
        ),
    )
    p.add_argument("scenario", help="preset name or path to a scenario YAML")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="fix a scenario value for every run, e.g. --set params.n=10000 (repeatable)",
    )
    p.add_argument(
        "--steps", type=int_at_least("--steps", 1), metavar="N", help="steps of every run"
    )
    p.add_argument(
        "--seed",
        type=int_at_least("--seed", 0),
        metavar="S",
        help="root seed (default: the scenario's): seeds the runs and the optimiser",
    )
    p.add_argument(
        "--lever",
        action="append",
        default=[],
        metavar="PATH=lo:hi",
        help="a number the state may set, and its range (repeatable)",
    )
    p.add_argument(
        "--objective",
        required=True,
        metavar="EXPR",
        help="the state's cost, to minimise: an expression over declared measures NAME@AGG",
    )
    p.add_argument(
        "--budget",
        type=int_at_least("--budget", 1),
        default=50,
        metavar="N",
        help="candidates to evaluate, each --replicates runs (default 50; a rerun with a "
        "larger budget continues the search)",
    )
    p.add_argument(
        "--replicates",
        type=int_at_least("--replicates", 1),
        default=1,
        metavar="R",
        help="runs per candidate, seeds 0..R-1 under the root seed (default 1)",
    )
    p.add_argument(
        "--batch",
        type=int_at_least("--batch", 1),
        default=4,
        metavar="B",
        help="candidates proposed at once and run in parallel (default 4; part of the "
        "search's definition, so the result does not depend on --workers)",
    )
    p.add_argument(
        "--workers",
        type=int_at_least("--workers", 1),
        metavar="W",
        help="local processes (default: the cores; 1 runs in this process)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="run on Dask: tcp://host:8786, or 'local' (needs scslab[dask])",
    )
    p.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="folder of results.duckdb"
    )
    p.add_argument(
        "--report", action="store_true", help="also write DIR/report.html (needs scslab[report])"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    p.add_argument("--verbose", action="store_true", help="one line per candidate on stderr")
    p.set_defaults(handler=cmd_optimize)


def add_query(sub: Any) -> None:
    """Add ``scslab query``."""
    p = sub.add_parser(
        "query",
        help="run SQL on a sweep's results.duckdb and print the table",
        description=(
            "Run SQL on DIR/results.duckdb (opened read-only). Tables: runs (one row per run: "
            "run_id, the varied paths as columns, replicate, baseline, seeds, status, error, "
            "wall_time_s, manifest), metrics (run_id, step, one column per metric), results "
            "(a view: runs joined with metrics), sweep (the sweep's settings), indices "
            '(sensitivity indices). Quote dotted names: "params.legitimacy".'
        ),
    )
    p.add_argument("dir", type=Path, help="sweep folder (or the .duckdb file)")
    p.add_argument("sql", help='SQL, e.g. "SELECT count(*) FROM runs"')
    p.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    p.add_argument(
        "--max-rows",
        type=int_at_least("--max-rows", 1),
        default=200,
        metavar="N",
        help="rows to print as a table (default 200; --csv prints all)",
    )
    p.set_defaults(handler=cmd_query)


# ---------------------------------------------------------------- progress
class SweepProgress:
    """Runs done of total, failures, rate and time left, on a terminal (rich)."""

    def __init__(self, label: str, *, quiet: bool, verbose: bool) -> None:
        self.enabled = not quiet and sys.stderr.isatty()
        self.verbose = verbose
        self.label = label
        self._bar: Any = None
        self._task: Any = None
        self.total = 0

    def start(self, total: int, done: int, failed: int) -> None:
        self.total = total
        if self.verbose:
            print(
                f"{self.label}: {total} runs, {done} done before ({failed} failed)",
                file=sys.stderr,
                flush=True,
            )
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.__enter__()
        self._task = self._bar.add_task(
            self.label, total=total, completed=done, failed=failed, rate=""
        )

    def result(self, row: Any, done: int, failed: int) -> None:
        if self.verbose:
            err = f": {row.error.splitlines()[0]}" if row.error else ""
            print(
                f"run {row.run_id} {row.status} in {row.wall_time_s:.2f} s "
                f"[{done}/{self.total}, {failed} failed]{err}",
                file=sys.stderr,
                flush=True,
            )
        if self._bar is not None:
            task = self._bar.tasks[0]
            speed = task.speed
            rate = f"{speed:.2f} runs/s" if speed else ""
            self._bar.update(self._task, completed=done, failed=failed, rate=rate)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


# ---------------------------------------------------------------- handlers
def _base_scenario(args: argparse.Namespace) -> Any:
    from scslab.scenario import load_scenario

    extra = [f"steps={args.steps}"] if args.steps else []
    extra += [f"seed={args.seed}"] if args.seed is not None else []
    return load_scenario(args.scenario, [*args.overrides, *extra])


def _execute(plan: Any, args: argparse.Namespace, kind: str) -> Any:
    from scslab.experiments.sweep import command_line, run_sweep

    progress = SweepProgress(f"{kind} {plan.scenario.name}", quiet=args.quiet, verbose=args.verbose)
    try:
        return run_sweep(
            plan,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            retry_failed=args.retry_failed,
            command=command_line(),
            kind=kind,
            on_start=progress.start,
            on_result=progress.result,
        )
    finally:
        progress.close()


def _print_summary(summary: Any, kind: str, out: Path) -> None:
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    now = f"{summary.ran} now ({summary.ok} ok, {summary.failed} failed)"
    before = (
        f", {summary.skipped} done before"
        + (f" ({summary.failed_before} failed)" if summary.failed_before else "")
        if summary.skipped
        else ""
    )
    console.print(
        f"{kind}: {summary.total} runs on {summary.where}: {now}{before}; "
        f"{summary.wall_time_s:.1f} s"
    )
    if summary.failed_total:
        console.print(f"[red]{summary.failed_total} of {summary.total} runs failed[/red]")
        for run_id, values, error in summary.failures[:5]:
            at = ", ".join(f"{k}={v}" for k, v in values.items())
            first = error.splitlines()[0] if error else ""
            console.print(f"  run {run_id}{f' ({at})' if at else ''}: {first}", markup=False)
        console.print(
            f'  all failures: scslab query {out} "SELECT run_id, error FROM runs '
            "WHERE status = 'failed'\"",
            markup=False,
        )
    for w in summary.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
    console.print(f"results: {summary.db}", markup=False)


def cmd_sweep(args: argparse.Namespace) -> int:
    """``scslab sweep``: exit 0 when every run is ok, 1 when some failed."""
    from scslab.experiments.grid import make_design
    from scslab.experiments.sweep import Plan

    base = _base_scenario(args)
    design = make_design(args.vary, base, args.sample)
    plan = Plan(
        base,
        design,
        replicates=args.replicates,
        baseline=args.baseline,
        common_random_numbers=args.common_random_numbers,
    )
    summary = _execute(plan, args, "sweep")
    if not args.quiet:
        _print_summary(summary, "sweep", args.out)
    return 1 if summary.failed_total else 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """``scslab sensitivity``: runs the sample, then prints and stores the indices."""
    from scslab.extras import require_extra

    require_extra("sensitivity", "scslab sensitivity")
    from scslab.experiments.grid import design_rng
    from scslab.experiments.sensitivity import (
        analyze,
        measure_values,
        parse_measure,
        sample_design,
    )
    from scslab.experiments.sweep import Plan
    from scslab.results.sweepdb import SweepDB

    base = _base_scenario(args)
    measures = [parse_measure(m, base.model) for m in args.measure]
    design = sample_design(
        args.param, base, args.method, args.n, levels=args.levels, second_order=args.second_order
    )
    plan = Plan(base, design, replicates=args.replicates)
    summary = _execute(plan, args, "sensitivity")
    if not args.quiet:
        _print_summary(summary, "sensitivity", args.out)
    if summary.failed_total:
        print(
            "scslab: error: the indices need every sample point; fix the cause of the failures "
            "and rerun with --retry-failed",
            file=sys.stderr,
        )
        return 1
    seed = int(design_rng(base.seed, "bootstrap").integers(2**31 - 1))
    with SweepDB(summary.db) as db:
        for measure in measures:
            y = measure_values(db, measure, len(design))
            ind = analyze(design, y, measure, seed=seed)
            db.replace_indices(ind.method, ind.measure, ind.tidy)
            _print_indices(ind)
    return 0


def _print_indices(ind: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
    table = Table(title=f"{ind.method} indices of {ind.measure}", title_justify="left")
    table.add_column("param", no_wrap=True, min_width=max(len(r[0]) for r in ind.table))
    for c in ind.columns:
        table.add_column(c, justify="right")
    for row in ind.table:
        table.add_row(row[0], *(f"{v:.4g}" for v in row[1:]))
    console.print(table)
    for note in ind.notes:
        console.print(f"[yellow]note:[/yellow] {note}", markup=True)


def cmd_optimize(args: argparse.Namespace) -> int:
    """``scslab optimize``: exit 0 when a policy was chosen, 1 when every candidate failed."""
    from scslab.experiments.optimize import make_plan, optimize
    from scslab.experiments.sweep import command_line

    base = _base_scenario(args)
    plan = make_plan(
        base,
        args.lever,
        args.objective,
        budget=args.budget,
        replicates=args.replicates,
        batch=args.batch,
    )
    progress = SweepProgress(f"optimize {base.name}", quiet=args.quiet, verbose=False)

    def on_trial(result: Any, best: Any) -> None:
        if not args.verbose:
            return
        at = ", ".join(f"{k}={_cell(v)}" for k, v in result.values.items())
        got = f"{result.mean:.6g}" if result.status == "ok" else f"failed: {result.error}"
        best_text = f"{best.mean:.6g} (trial {best.trial})" if best else "none"
        print(
            f"trial {result.trial} ({at}): {got}; best so far {best_text}",
            file=sys.stderr,
            flush=True,
        )

    try:
        res = optimize(
            plan,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            command=command_line(),
            on_start=progress.start,
            on_result=progress.result,
            on_trial=on_trial,
        )
    finally:
        progress.close()
    if not args.quiet:
        _print_summary(res.summary, "optimize", args.out)
        _print_optimum(res, plan)
    if args.report:
        from scslab.report import build_report

        print(f"report: {build_report(args.out)}")
    return 0 if res.best is not None else 1


def _print_optimum(res: Any, plan: Any) -> None:
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    for note in res.warnings:
        console.print(f"[yellow]warning:[/yellow] {note}")
    ok = sum(1 for t in res.trials if t.status == "ok")
    console.print(
        f"objective: {plan.objective.text} (minimised; {ok} of {len(res.trials)} candidates "
        f"evaluated, {plan.replicates} replicates each)",
        markup=False,
    )
    if res.best is None:
        console.print("[red]no candidate could be evaluated; no policy chosen[/red]")
        return

    def interval(t: Any) -> str:
        if t.low is None:
            return f"{t.mean:.6g}"
        return f"{t.mean:.6g} (95% interval {t.low:.6g} to {t.high:.6g})"

    console.print(f"chosen policy (trial {res.best.trial}):", markup=False)
    for k, v in res.best.values.items():
        console.print(f"  {k} = {_cell(v)}", markup=False)
    console.print(f"  objective {interval(res.best)}", markup=False)
    if res.start is not None and res.start.status == "ok":
        console.print(f"starting scenario: objective {interval(res.start)}", markup=False)
    console.print(f"chosen scenario: {res.best_file}", markup=False)


def cmd_query(args: argparse.Namespace) -> int:
    """``scslab query DIR SQL``: print the result as a table (or CSV)."""
    from scslab.results.sweepdb import SweepDB, db_path

    path = db_path(args.dir)
    with SweepDB(path, read_only=True) as db:
        names, rows = db.query(args.sql)
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(rows)
        return 0
    from rich.console import Console
    from rich.table import Table

    shown = [tuple(_cell(v) for v in row) for row in rows[: args.max_rows]]
    table = Table(show_edge=False, pad_edge=False)
    for i, n in enumerate(names):
        natural = max([len(n), *(len(r[i]) for r in shown)])
        table.add_column(n, no_wrap=True, overflow="ellipsis", min_width=min(natural, 12))
    for row in shown:
        table.add_row(*row)
    wide = sum(max([len(n), *(len(r[i]) for r in shown)]) + 3 for i, n in enumerate(names))
    console = Console(highlight=False, width=None if sys.stdout.isatty() else max(80, wide))
    console.print(table)
    if len(rows) > args.max_rows:
        console.print(f"({args.max_rows} of {len(rows)} rows shown; add LIMIT, or --csv for all)")
    return 0


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value).replace("\n", " ")
    return text if len(text) <= 48 else text[:47] + "…"


__all__ = ["add_optimize", "add_query", "add_sensitivity", "add_sweep"]
