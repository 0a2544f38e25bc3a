"""``scslab optimize``: the lever settings that minimise a state's stated cost.

A cost-minimising state is modelled as an optimiser over the scenario's levers
(``--lever PATH=lo:hi``); its cost is an expression over the model's declared
measures (``--objective``). Each candidate runs ``replicates`` times and the
objective is averaged over the runs; every run is stored in
``DIR/results.duckdb`` as a sweep's runs are, so ``scslab query`` works on it.

The optimiser
-------------
Optuna's TPE sampler (Tree-structured Parzen Estimator), through Optuna's
ask/tell interface. Why: it handles bounded continuous and integer levers
alike; ask/tell lets this module own the loop, so the evaluations are run by
the sweep executors and stored in DuckDB, and a rerun can replay the stored
trials into a fresh sampler; it is maintained and light (no compiled code, no
GPU stack). CMA-ES (also in Optuna) needs continuous levers and a population
per generation; TPE copes with the small budgets a simulation affords.

Seeds and run ids
-----------------
Candidate (trial) t, replicate r and arm a (a = 1 for the model's counterfactual)
is run ``(t * R + r) * A + a`` (A = 2 when the model has a counterfactual, else 1),
as in a sweep; the starting scenario is "trial" -1. Every run uses the seed
material ``{"entropy": root_seed, "spawn_key": [r]}``: common random numbers, as
a sweep's ``--common-random-numbers``, so two candidates are compared on the same
random society and the difference between them is the levers'.

Determinism and resuming
------------------------
Candidates are asked ``batch`` at a time (``--batch``, default 4), whatever the
number of workers, and told in trial order once all their runs are stored, so
the path depends on the root seed, the levers, the objective and the batch
only. A rerun replays the stored trials through the same sampler (ask, check
the parameters are the stored ones, tell the stored value) and continues: the
result equals that of an unbroken run.
"""

from __future__ import annotations

import ast
import math
import re
import typing
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from scslab.errors import RunError, ScenarioError, did_you_mean
from scslab.experiments.grid import Axis, Design, _check_values, design_rng, scenario_at
from scslab.experiments.sensitivity import AGGREGATES, Measure, parse_measure
from scslab.experiments.sweep import Plan, RunSpec, Summary, _loop, meta_of
from scslab.scenario import Scenario
from scslab.scenario.registry import MODELS, baseline_of

#: Name of the extra that brings the optimiser.
EXTRA_HINT = "pip install 'scslab[optimize]'"

#: The starting scenario's runs are stored as trial (point) -1.
START = -1

#: The chosen policy, written beside the database.
BEST_FILE = "best.yaml"

#: Random candidates before TPE models the objective (Optuna's default).
STARTUP_TRIALS = 10


# ---------------------------------------------------------------- the objective
_TERM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*@\s*([A-Za-z_][A-Za-z0-9_]*)")
_BINOPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b if b != 0 else math.nan,
}
_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


@dataclass(frozen=True)
class Objective:
    """A cost: numbers, ``+ - * /``, parentheses and measures ``NAME@AGG``.

    Attributes
    ----------
    text : str
        The expression in canonical form (what a rerun must match).
    measures : tuple of Measure
        The measures it reads, in order of first appearance.
    """

    text: str
    measures: tuple[Measure, ...]
    _tree: ast.Expression = field(repr=False, compare=False)

    def value(self, values: Mapping[str, float]) -> float:
        """The cost given each measure's value (by label, ``NAME@AGG``); NaN if undefined."""
        return float(_evaluate(self._tree.body, self._names(), values))

    def _names(self) -> dict[str, str]:
        return {f"_m{i}": m.label for i, m in enumerate(self.measures)}


def _evaluate(node: ast.AST, names: Mapping[str, str], values: Mapping[str, float]) -> float:
    if isinstance(node, ast.Constant):
        return float(typing.cast(float, node.value))  # parse_objective admits numbers only
    if isinstance(node, ast.Name):
        return float(values[names[node.id]])
    if isinstance(node, ast.UnaryOp):
        x = _evaluate(node.operand, names, values)
        return -x if isinstance(node.op, ast.USub) else x
    assert isinstance(node, ast.BinOp)
    return _BINOPS[type(node.op)](
        _evaluate(node.left, names, values), _evaluate(node.right, names, values)
    )


def _canonical(node: ast.AST, names: Mapping[str, str]) -> str:
    if isinstance(node, ast.Constant):
        return repr(node.value)
    if isinstance(node, ast.Name):
        return names[node.id]
    if isinstance(node, ast.UnaryOp):
        return ("-" if isinstance(node.op, ast.USub) else "+") + _canonical(node.operand, names)
    assert isinstance(node, ast.BinOp)
    left, right = _canonical(node.left, names), _canonical(node.right, names)
    return f"({left} {_SYMBOLS[type(node.op)]} {right})"


def _declared(description: Any) -> list[str]:
    return [m.name for m in description.measures]


def parse_objective(text: str, description: Any = None) -> Objective:
    """Parse ``--objective`` safely (``ast`` and a whitelist) and check its measures.

    Parameters
    ----------
    text : str
        For example ``"1.0*dissent_public@mean + 2*(1 - approval@last)"``.
    description : Description, optional
        The model's declarations; every measure must be declared there.

    Raises
    ------
    ScenarioError
        For anything but numbers, ``+ - * /``, parentheses and ``NAME@AGG``
        (AGG one of last, mean, min, max), or a measure the model does not declare.
    """
    shown = f"--objective {text!r}"
    if not text.strip():
        raise ScenarioError(f"{shown}: empty; give an expression such as 'expressed_share@mean'")
    measures: list[Measure] = []

    def term(match: re.Match[str]) -> str:
        m = parse_measure(f"{match.group(1)}@{match.group(2)}")
        if m not in measures:
            measures.append(m)
        return f"_m{measures.index(m)}"

    try:
        source = _TERM.sub(term, text)
    except ScenarioError as exc:
        raise ScenarioError(f"{shown}: {exc}") from None
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError:
        raise ScenarioError(
            f"{shown}: not an expression of numbers, + - * /, parentheses and measures "
            "NAME@AGG (AGG: last, mean, min or max)"
        ) from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Expression | ast.operator | ast.unaryop):
            if isinstance(node, ast.operator) and type(node) not in _BINOPS:
                raise ScenarioError(f"{shown}: only + - * / are allowed between terms")
            if isinstance(node, ast.unaryop) and not isinstance(node, ast.USub | ast.UAdd):
                raise ScenarioError(f"{shown}: only + - * / are allowed between terms")
            continue
        if isinstance(node, ast.BinOp | ast.UnaryOp):
            continue
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise ScenarioError(f"{shown}: {node.value!r} is not a number")
            continue
        if isinstance(node, ast.Name) and node.id.startswith("_m") and node.id[2:].isdigit():
            continue
        if isinstance(node, ast.Name | ast.Load):
            if isinstance(node, ast.Load):
                continue
            raise ScenarioError(
                f"{shown}: {node.id!r} needs an aggregation over the steps: "
                f"{node.id}@last, {node.id}@mean, {node.id}@min or {node.id}@max"
            )
        raise ScenarioError(
            f"{shown}: only numbers, + - * /, parentheses and measures NAME@AGG are allowed; "
            f"found {type(node).__name__.lower()}"
        )
    if not measures:
        raise ScenarioError(f"{shown}: the expression reads no measure (NAME@AGG)")
    if description is not None:
        declared = _declared(description)
        for m in measures:
            if description.measure(m.metric) is None:
                raise ScenarioError(
                    f"{shown}: {m.metric!r} is not a measure of this model"
                    f"{did_you_mean(m.metric, declared)} (declared: {', '.join(declared)})"
                )
    names = {f"_m{i}": m.label for i, m in enumerate(measures)}
    canonical = _canonical(tree.body, names)
    if isinstance(tree.body, ast.BinOp):  # no parentheses around the whole
        canonical = canonical[1:-1]
    return Objective(canonical, tuple(measures), tree)


def model_description(model: str) -> Any:
    """The model's declarations, or a `ScenarioError` when it declares none."""
    from scslab.scenario.registry import description

    desc = description(model)  # UNDESCRIBED (no measures) for a kernel that declares none
    if not desc.measures:
        raise ScenarioError(
            f"model {model!r} declares no measures (no `description` on its kernel), so an "
            "objective over its measures cannot be checked; optimize needs a model that "
            "declares them (scslab.engine.describe)"
        )
    return desc


# ---------------------------------------------------------------- the levers
def _lever_kind(annotation: Any) -> Literal["int", "float", "other"]:
    """The numeric kind of a field, also of one that accepts a word (``float | 'random'``)."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _lever_kind(typing.get_args(annotation)[0])
    if annotation is bool:
        return "other"
    if annotation is int:
        return "int"
    if annotation is float:
        return "float"
    kinds = {_lever_kind(a) for a in typing.get_args(annotation) if a is not type(None)}
    if typing.get_origin(annotation) is Literal:
        return "other"
    if "float" in kinds:
        return "float"
    return "int" if "int" in kinds else "other"


def parse_lever(text: str, base: Scenario) -> Axis:
    """One ``--lever PATH=lo:hi``: a number in the scenario, its bounds validated."""
    from scslab.experiments.grid import FIXED_PATHS
    from scslab.scenario import scenario_class
    from scslab.scenario.paths import annotation_at, split_path

    shown = f"--lever {text}"
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not p for p in key.split(".")):
        raise ScenarioError(f"{shown}: expected PATH=lo:hi, for example --lever params.x=0:1")
    if key in FIXED_PATHS:
        raise ScenarioError(f"{shown}: {key!r} cannot be a lever: {FIXED_PATHS[key]}")
    try:
        annotation = annotation_at(scenario_class(base.model), split_path(key))
    except ScenarioError as exc:
        raise ScenarioError(f"{shown}: {exc}") from None
    kind = _lever_kind(annotation)
    if kind == "other":
        raise ScenarioError(f"{shown}: {key} is not a number, so it cannot be a lever")
    parts = raw.split(":")
    if len(parts) != 2:
        raise ScenarioError(f"{shown}: expected a range lo:hi, for example {key}=0:1")
    bounds = []
    for what, part in zip(("lo", "hi"), parts, strict=True):
        try:
            value = float(part)
        except ValueError:
            raise ScenarioError(f"{shown}: {what} must be a number; got {part.strip()!r}") from None
        if not math.isfinite(value):
            raise ScenarioError(f"{shown}: {what} must be a finite number; got {part.strip()!r}")
        bounds.append(value)
    lo, hi = bounds
    if not lo < hi:
        raise ScenarioError(f"{shown}: lo must be less than hi; got lo={lo:g}, hi={hi:g}")
    if kind == "int" and (lo != int(lo) or hi != int(hi)):
        raise ScenarioError(f"{shown}: {key} is a whole number, so lo and hi must be whole")
    return _check_values(base, Axis(key, text, "--lever", kind, lo=lo, hi=hi))


def parse_levers(specs: Sequence[str], base: Scenario) -> tuple[Axis, ...]:
    if not specs:
        raise ScenarioError("optimize needs at least one --lever PATH=lo:hi")
    axes: list[Axis] = []
    for text in specs:
        axis = parse_lever(text, base)
        clash = [a for a in axes if a.path == axis.path]
        if clash:
            raise ScenarioError(f"--lever {text}: {axis.path} is already a lever ({clash[0].arg})")
        axes.append(axis)
    return tuple(axes)


# ---------------------------------------------------------------- the plan
def _optuna() -> Any:
    try:
        import optuna
    except ImportError:
        raise ScenarioError(f"optimize needs Optuna: {EXTRA_HINT}") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


class _Candidates(Design):
    """The design of one batch: trial number -> lever values (the start: none)."""

    def overrides(self, index: int) -> dict[str, Any]:
        if index == START:
            return {}
        return dict(zip(self.paths, self.points[index], strict=True))


@dataclass
class OptimizePlan(Plan):
    """The search: base scenario, levers, objective, budget, replicates, batch."""

    objective: Objective | None = None
    budget: int = 1
    batch: int = 4
    _batch_runs: list[RunSpec] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.budget < 1:
            raise ScenarioError(f"--budget must be a whole number >= 1; got {self.budget}")
        if self.batch < 1:
            raise ScenarioError(f"--batch must be a whole number >= 1; got {self.batch}")
        entry = MODELS[self.scenario.model]
        self.has_baseline = entry.baseline is not None

    @property
    def arms(self) -> int:
        return 2 if self.has_baseline else 1

    @property
    def levers(self) -> tuple[Axis, ...]:
        return self.design.axes

    def spec(self) -> dict[str, Any]:
        assert self.objective is not None
        return {
            "method": "optuna-tpe",
            "levers": {a.path: [a.lo, a.hi] for a in self.levers},
            "paths": [a.path for a in self.levers],
            "objective": self.objective.text,
            "replicates": self.replicates,
            "batch": self.batch,
            "seed": self.scenario.seed,
            "startup_trials": STARTUP_TRIALS,
        }

    @property
    def total(self) -> int:
        """Runs of the search (budget x replicates) and of the comparison at the end."""
        return self.budget * self.replicates + self.replicates * (3 if self.has_baseline else 1)

    def run_id(self, trial: int, replicate: int, baseline: bool) -> int:
        return (trial * self.replicates + replicate) * self.arms + int(baseline)

    def spec_of(self, trial: int, replicate: int, baseline: bool) -> RunSpec:
        return RunSpec(
            self.run_id(trial, replicate, baseline), trial, replicate, baseline, replicate
        )

    def runs(self, skip: set[int] | frozenset[int] = frozenset()) -> Iterator[RunSpec]:
        return (s for s in self._batch_runs if s.run_id not in skip)

    def scenario_of(self, spec: RunSpec) -> Scenario:
        scn = scenario_at(self._base_data, self.design.overrides(spec.point))
        return baseline_of(scn) if spec.baseline else scn


@dataclass
class TrialResult:
    """One evaluated candidate."""

    trial: int
    values: dict[str, Any]
    status: str  # ok | failed
    mean: float | None = None
    low: float | None = None
    high: float | None = None
    sd: float | None = None
    replicates: int = 0
    error: str | None = None


@dataclass
class OptimizeResult:
    """What ``optimize`` found."""

    db: Path
    trials: list[TrialResult]
    best: TrialResult | None
    start: TrialResult | None
    best_file: Path | None
    summary: Summary
    warnings: list[str] = field(default_factory=list)


def interval(values: Sequence[float]) -> tuple[float, float | None, float | None, float | None]:
    """Mean, 95 % Student-t interval and standard deviation (no interval from one value)."""
    x = np.asarray(values, dtype=np.float64)
    mean = float(x.mean())
    if len(x) < 2:
        return mean, None, None, None
    from scipy.stats import t

    sd = float(x.std(ddof=1))
    half = float(t.ppf(0.975, len(x) - 1)) * sd / math.sqrt(len(x))
    return mean, mean - half, mean + half, sd


def measure_rows(db: Any, measures: Sequence[Measure], points: Sequence[int]) -> dict[int, Any]:
    """``run_id -> (point, replicate, baseline, {label: value})`` for ok runs of `points`."""
    known = db.metric_columns()
    aggs = []
    for m in measures:
        if m.metric not in known:
            aggs.append("NULL")
        else:
            aggs.append(AGGREGATES[m.aggregate].format(col=_q(m.metric)))
    select = ", ".join(aggs) if aggs else "NULL"
    _, rows = db.query(
        f"SELECT r.run_id, r.point, r.replicate, r.baseline, {select} "
        "FROM runs r JOIN metrics m USING (run_id) "
        "WHERE r.status = 'ok' AND list_contains(?, r.point) "
        "GROUP BY r.run_id, r.point, r.replicate, r.baseline ORDER BY r.run_id",
        [list(points)],
    )
    out = {}
    for row in rows:
        vals = {
            m.label: (math.nan if v is None else float(v))
            for m, v in zip(measures, row[4:], strict=True)
        }
        out[int(row[0])] = (int(row[1]), int(row[2]), bool(row[3]), vals)
    return out


def _q(name: str) -> str:
    from scslab.results.sweepdb import quote

    return quote(name)


def evaluate_trial(plan: OptimizePlan, db: Any, trial: int, values: dict[str, Any]) -> TrialResult:
    """The objective of `trial` from its stored runs (all replicates must be there)."""
    assert plan.objective is not None
    R = plan.replicates
    ids = [plan.run_id(trial, r, False) for r in range(R)]
    _, rows = db.query(
        "SELECT run_id, status, error FROM runs WHERE list_contains(?, run_id)", [ids]
    )
    status = {int(r[0]): (r[1], r[2]) for r in rows}
    bad = [status[i][1] or "failed" for i in ids if status.get(i, ("", ""))[0] != "ok"]
    if bad:
        return TrialResult(trial, values, "failed", replicates=R, error=bad[0])
    per_run = measure_rows(db, plan.objective.measures, [trial])
    costs = []
    for i in ids:
        if i not in per_run:
            return TrialResult(trial, values, "failed", replicates=R, error="no metrics stored")
        costs.append(plan.objective.value(per_run[i][3]))
    if not all(math.isfinite(c) for c in costs):
        missing = [m.metric for m in plan.objective.measures if m.metric not in db.metric_columns()]
        why = (
            f"the runs report no {', '.join(missing)}"
            if missing
            else "the objective is not a finite number (a division by zero?)"
        )
        return TrialResult(trial, values, "failed", replicates=R, error=why)
    mean, low, high, sd = interval(costs)
    return TrialResult(trial, values, "ok", mean, low, high, sd, R)


def _distributions(optuna: Any, levers: Sequence[Axis]) -> dict[str, Any]:
    dist: dict[str, Any] = {}
    for a in levers:
        assert a.lo is not None and a.hi is not None
        if a.kind == "int":
            dist[a.path] = optuna.distributions.IntDistribution(int(a.lo), int(a.hi))
        else:
            dist[a.path] = optuna.distributions.FloatDistribution(a.lo, a.hi)
    return dist


def _study(optuna: Any, plan: OptimizePlan) -> Any:
    seed = int(design_rng(plan.scenario.seed, "optimize").integers(2**31 - 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # multivariate / constant_liar are "experimental"
        sampler = optuna.samplers.TPESampler(
            seed=seed, multivariate=True, constant_liar=True, n_startup_trials=STARTUP_TRIALS
        )
        return optuna.create_study(direction="minimize", sampler=sampler)


def _tell(optuna: Any, study: Any, handle: Any, result: TrialResult) -> None:
    if result.status == "ok":
        study.tell(handle, result.mean)
    else:
        study.tell(handle, state=optuna.trial.TrialState.FAIL)


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return set(a) == set(b) and all(
        math.isclose(float(a[k]), float(b[k]), rel_tol=1e-12, abs_tol=1e-15) for k in a
    )


def optimize(
    plan: OptimizePlan,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    command: Sequence[str] | None = None,
    on_start: Callable[[int, int, int], None] | None = None,
    on_result: Callable[[Any, int, int], None] | None = None,
    on_trial: Callable[[TrialResult, TrialResult | None], None] | None = None,
) -> OptimizeResult:
    """Search the levers of `plan`, store every run and trial, write the chosen policy.

    Then run the starting scenario (and the counterfactual of it and of the
    chosen policy, when the model has one) on the same seeds, for the report.
    """
    import time

    import yaml

    from scslab.experiments.executors import open_pool
    from scslab.results.store import atomic_path
    from scslab.results.sweepdb import DB_FILE, SweepDB

    optuna = _optuna()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RunError(f"--out {str(out)!r} is a file; give a folder")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    pool = open_pool(workers, scheduler)
    notes: list[str] = []
    try:
        with SweepDB(out / DB_FILE) as db:
            varied = {a.path: a.column_type() for a in plan.levers}
            meta = meta_of(plan, command, "optimize")
            meta["optuna_version"] = optuna.__version__
            db.start(meta, varied, compare=("kind", "scenario", "design"))
            db.set_meta("budget", plan.budget)
            db.ensure_trials(varied)
            stored = {t["trial"]: t for t in db.trials()}
            done = db.finished()
            failed_before = sum(1 for v in done.values() if v != "ok")
            summary = Summary(
                db=out / DB_FILE,
                total=plan.total,
                skipped=len(done),
                failed_before=failed_before,
                where=pool.description,
            )
            if on_start is not None:
                on_start(plan.total, len(done), failed_before)
            counts = {"done": len(done), "failed": failed_before}

            def run_batch(specs: list[RunSpec], design: Design) -> None:
                plan.design = design
                plan._batch_runs = specs
                done_now = set(db.finished())
                part = Summary(
                    db=summary.db,
                    total=plan.total,
                    skipped=counts["done"],
                    failed_before=counts["failed"],
                )
                _loop(plan, db, pool, done_now, part, on_result, None)
                counts["done"] += part.ran
                counts["failed"] += part.failed
                summary.ok += part.ok
                summary.failed += part.failed
                summary.failures += part.failures[: max(0, 10 - len(summary.failures))]
                summary.warnings += [w for w in part.warnings if w not in summary.warnings]

            levers = plan.levers
            paths = [a.path for a in levers]
            dist = _distributions(optuna, levers)
            study = _study(optuna, plan)
            results: list[TrialResult] = []
            best: TrialResult | None = None
            replay = True
            trial = 0
            while trial < plan.budget:
                size = min(plan.batch, plan.budget - trial)
                asked: list[tuple[int, Any, dict[str, Any]]] = []
                for k in range(size):
                    number = trial + k
                    if replay and number in stored:
                        handle = study.ask(dist)
                        want = {p: stored[number]["values"][p] for p in paths}
                        if not _same(handle.params, want):
                            notes.append(
                                "the stored trials were not those this optimiser proposes now "
                                f"(Optuna {optuna.__version__}, stored with "
                                f"{db.meta().get('optuna_version')}); continuing from them, "
                                "but the path after them may differ from an unbroken run"
                            )
                            replay = False
                            study = _refill(optuna, plan, stored, dist)
                            asked = [(n, None, v) for n, _, v in asked]
                            handle = None
                        asked.append((number, handle, want))
                    else:
                        if number in stored:  # after a failed replay: the stored values
                            asked.append((number, None, stored[number]["values"]))
                            continue
                        handle = study.ask(dist)
                        values = {
                            p: _typed(a, handle.params[p])
                            for p, a in zip(paths, levers, strict=True)
                        }
                        asked.append((number, handle, values))
                fresh = [(n, v) for n, _, v in asked if n not in stored]
                if fresh:
                    points: list[tuple[Any, ...]] = [()] * plan.budget
                    for n, v in fresh:
                        points[n] = tuple(v[p] for p in paths)
                    design = _Candidates(levers, points, plan.design.spec)
                    specs = [
                        plan.spec_of(n, r, False) for n, _ in fresh for r in range(plan.replicates)
                    ]
                    run_batch(specs, design)
                for number, handle, values in asked:
                    if number in stored:
                        result = _stored_result(stored[number])
                    else:
                        result = evaluate_trial(plan, db, number, dict(values))
                        best_after = _better(result, best)
                        db.record_trial(result, best_after.mean if best_after else None)
                    if handle is not None:
                        _tell(optuna, study, handle, result)
                    results.append(result)
                    best = _better(result, best)
                    if on_trial is not None:
                        on_trial(result, best)
                trial += size
            # the trials stored beyond this budget (an earlier, larger one) count too
            for number in sorted(n for n in stored if n >= plan.budget):
                result = _stored_result(stored[number])
                results.append(result)
                best = _better(result, best)

            # the comparison: the start, and the counterfactuals, on the same seeds
            R = plan.replicates
            finale = [plan.spec_of(START, r, False) for r in range(R)]
            if plan.has_baseline:
                finale += [plan.spec_of(START, r, True) for r in range(R)]
                if best is not None:
                    finale += [plan.spec_of(best.trial, r, True) for r in range(R)]
            points = [()] * (max((r.trial for r in results), default=0) + 1)
            for r in results:
                points[r.trial] = tuple(r.values[p] for p in paths)
            run_batch(finale, _Candidates(levers, points, plan.design.spec))
            start = evaluate_trial(plan, db, START, {})
            db.set_meta("best_trial", best.trial if best else None)
            db.set_meta("start", _as_dict(start))
            best_file = None
            if best is not None:
                scn = scenario_at(plan._base_data, best.values).to_dict()
                scn["name"] = f"{scn.get('name', 'scenario')}-optimized"
                scn["description"] = (
                    f"The policy `scslab optimize` chose (trial {best.trial}) for the objective "
                    f"{plan.objective.text if plan.objective else ''}: "
                    + ", ".join(f"{k} = {v}" for k, v in best.values.items())
                    + f". Mean objective over {R} replicates: {best.mean:.6g}."
                )
                best_file = out / BEST_FILE
                with atomic_path(best_file) as tmp:
                    tmp.write_text(
                        yaml.safe_dump(scn, sort_keys=False, allow_unicode=True), encoding="utf-8"
                    )
    except BaseException:
        pool.close(cancel=True)
        raise
    pool.close()
    summary.wall_time_s = time.perf_counter() - t0
    return OptimizeResult(summary.db, results, best, start, best_file, summary, notes)


def _better(result: TrialResult, best: TrialResult | None) -> TrialResult | None:
    """The better of a new result and the best so far (the earlier one on a tie)."""
    if result.status != "ok" or result.mean is None:
        return best
    if best is None or best.mean is None or result.mean < best.mean:
        return result
    return best


def _typed(axis: Axis, value: Any) -> Any:
    return int(value) if axis.kind == "int" else float(value)


def _refill(optuna: Any, plan: OptimizePlan, stored: Mapping[int, Any], dist: Any) -> Any:
    """A study told every stored trial directly (when replaying them did not reproduce them)."""
    study = _study(optuna, plan)
    for n in sorted(stored):
        t = stored[n]
        state = (
            optuna.trial.TrialState.COMPLETE
            if t["status"] == "ok"
            else optuna.trial.TrialState.FAIL
        )
        study.add_trial(
            optuna.trial.create_trial(
                params={p: t["values"][p] for p in dist},
                distributions=dist,
                value=t["mean"] if t["status"] == "ok" else None,
                state=state,
            )
        )
    return study


def _stored_result(row: Mapping[str, Any]) -> TrialResult:
    return TrialResult(
        row["trial"],
        dict(row["values"]),
        row["status"],
        row["mean"],
        row["low"],
        row["high"],
        row["sd"],
        row["replicates"],
        row["error"],
    )


def _as_dict(t: TrialResult) -> dict[str, Any]:
    return {
        "status": t.status,
        "mean": t.mean,
        "low": t.low,
        "high": t.high,
        "sd": t.sd,
        "replicates": t.replicates,
        "error": t.error,
    }


def make_plan(
    base: Scenario,
    lever_specs: Sequence[str],
    objective: str,
    *,
    budget: int,
    replicates: int = 1,
    batch: int = 4,
) -> OptimizePlan:
    """Check everything (levers, objective, budget, the extra) before any run."""
    if budget < 1:
        raise ScenarioError(f"--budget must be a whole number >= 1; got {budget}")
    obj = parse_objective(objective, model_description(base.model))
    axes = parse_levers(lever_specs, base)
    _optuna()
    design = _Candidates(axes, [], {})
    return OptimizePlan(
        base, design, replicates=replicates, objective=obj, budget=budget, batch=batch
    )
