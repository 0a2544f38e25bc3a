"""Global sensitivity analysis with SALib: Sobol (Saltelli sampling) and Morris.

The sample is a design like any sweep's (resumable, one DuckDB file); each
sample point runs ``replicates`` times and the measure is averaged over the
replicates before SALib analyses it.

Measures
--------
``NAME@last`` (metric NAME at the last collected step), ``NAME@mean`` (its
mean over the collected steps), ``NAME@min``, ``NAME@max``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scslab.errors import ScenarioError, StoreError, did_you_mean
from scslab.experiments.grid import (
    Axis,
    Design,
    axes_spec,
    check_points,
    design_rng,
    parse_axes,
)
from scslab.results.sweepdb import SweepDB, quote
from scslab.scenario import Scenario

METHODS = ("sobol", "morris")
AGGREGATES = {
    "last": "arg_max(m.{col}, m.step)",
    "mean": "avg(m.{col})",
    "min": "min(m.{col})",
    "max": "max(m.{col})",
}


@dataclass(frozen=True)
class Measure:
    """``NAME@AGG``: one number per run from a metric's time series."""

    metric: str
    aggregate: str

    @property
    def label(self) -> str:
        return f"{self.metric}@{self.aggregate}"


def parse_measure(text: str, model: str | None = None) -> Measure:
    """Parse ``NAME@last`` / ``NAME@mean`` / ``NAME@min`` / ``NAME@max``.

    With `model`, NAME must be a measure the model declares (`check_measure`).
    """
    name, sep, agg = text.partition("@")
    name, agg = name.strip(), agg.strip().lower()
    if not sep or not name or agg not in AGGREGATES:
        choices = ", ".join(f"NAME@{a}" for a in AGGREGATES)
        hint = did_you_mean(agg, AGGREGATES) if sep and agg else ""
        example = _declared(model).headline[:1] if model else ()
        raise ScenarioError(
            f"--measure {text}: expected {choices}, for example "
            f"{(example or ('NAME',))[0]}@last{hint}"
        )
    measure = Measure(name, agg)
    if model is not None:
        check_measure(measure, model)
    return measure


def _declared(model: str) -> Any:
    from scslab.scenario.registry import description

    return description(model)


def check_measure(measure: Measure, model: str) -> None:
    """Refuse a metric `model` does not declare (`scslab.engine.describe`), before any run.

    A model that declares no measure at all is not checked here; its database
    is, once the runs are done (`measure_values`).
    """
    desc = _declared(model)
    if not desc.measures or desc.measure(measure.metric) is not None:
        return
    names = [m.name for m in desc.measures]
    raise ScenarioError(
        f"--measure {measure.label}: no metric {measure.metric!r} in model {model!r}"
        f"{did_you_mean(measure.metric, [n for n in names if '{' not in n])} "
        f"(its measures: {', '.join(names)}; see docs/metrics.md)"
    )


def _problem(axes: Sequence[Axis]) -> dict[str, Any]:
    bounds = []
    for a in axes:
        assert a.lo is not None and a.hi is not None
        # int fields: sample [lo, hi + 1) and floor, so every whole value is equally likely
        bounds.append([a.lo, a.hi + 1] if a.kind == "int" else [a.lo, a.hi])
    return {"num_vars": len(axes), "names": [a.path for a in axes], "bounds": bounds}


def _to_values(axes: Sequence[Axis], sample: np.ndarray) -> list[tuple[Any, ...]]:
    cols = []
    for j, a in enumerate(axes):
        if a.kind == "int":
            assert a.hi is not None
            cols.append([min(int(a.hi), math.floor(x)) for x in sample[:, j]])
        else:
            cols.append([float(x) for x in sample[:, j]])
    return list(zip(*cols, strict=True))


def check_sizes(method: str, n: int, d: int, levels: int) -> None:
    """SALib's constraints on the sample, checked before anything runs."""
    if method not in METHODS:
        raise ScenarioError(
            f"--method must be one of {', '.join(METHODS)}; got {method!r}"
            f"{did_you_mean(method, METHODS)}"
        )
    if d < 1:
        raise ScenarioError("sensitivity needs at least one --param PATH=lo:hi")
    if method == "sobol":
        if n < 2 or n & (n - 1):
            lower = 1 << max(1, n.bit_length() - 1)
            upper = lower * 2
            near = f"{lower} or {upper}" if n > 2 else "2, 4, 8, ..."
            raise ScenarioError(
                f"--n must be a power of 2 for Sobol (Saltelli's scheme on a Sobol' sequence "
                f"converges only then); got {n}; try {near}"
            )
    else:
        if n < 2:
            raise ScenarioError(f"--n (Morris trajectories) must be a whole number >= 2; got {n}")
        if levels < 2 or levels % 2:
            raise ScenarioError(
                f"--levels must be an even whole number >= 2 for Morris (an odd number "
                f"biases the sample); got {levels}"
            )


def sample_design(
    specs: Sequence[str],
    base: Scenario,
    method: str,
    n: int,
    *,
    levels: int = 4,
    second_order: bool = True,
) -> Design:
    """The SALib sample over ``--param PATH=lo:hi`` ranges, drawn from the root seed."""
    check_sizes(method, n, len(specs), levels)
    axes = parse_axes(specs, base, flag="--param", ranges="range")
    problem = _problem(axes)
    seed = int(design_rng(base.seed, method).integers(2**31 - 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "sobol":
            from SALib.sample import sobol as sobol_sample  # type: ignore[import-untyped]

            x = sobol_sample.sample(problem, n, calc_second_order=second_order, seed=seed)
        else:
            from SALib.sample import morris as morris_sample

            x = morris_sample.sample(problem, n, num_levels=levels, seed=seed)
    spec = {
        "method": method,
        "n": n,
        "seed": base.seed,
        **axes_spec(axes),
        **({"second_order": second_order} if method == "sobol" else {"levels": levels}),
    }
    design = Design(axes, _to_values(axes, x), spec, x)
    check_points(base, design)
    return design


@dataclass
class Indices:
    """The indices of one measure: a tidy table and a wide one for printing."""

    method: str
    measure: str
    columns: list[str]
    table: list[tuple[Any, ...]]  # wide: param, then one value per column
    tidy: list[tuple[Any, ...]]  # (param, param2, statistic, value)
    notes: list[str] = field(default_factory=list)


def measure_values(db: SweepDB, measure: Measure, points: int) -> np.ndarray:
    """One value per design point: the measure averaged over the point's replicates.

    Raises
    ------
    StoreError
        When the metric is unknown, or runs failed or are missing.
    """
    _, bad = db.query("SELECT count(*) FROM runs WHERE status <> 'ok'")
    if bad[0][0]:
        raise StoreError(
            f"{bad[0][0]} runs failed, and the indices need every sample point; see "
            "`scslab query DIR \"SELECT run_id, error FROM runs WHERE status <> 'ok'\"`, "
            "fix the cause and rerun the command with --retry-failed"
        )
    known = db.metric_columns()
    if measure.metric not in known:
        raise StoreError(
            f"--measure {measure.label}: no metric {measure.metric!r} in this sweep"
            f"{did_you_mean(measure.metric, known)} (metrics: {', '.join(known) or 'none'})"
        )
    agg = AGGREGATES[measure.aggregate].format(col=quote(measure.metric))
    _, rows = db.query(
        "WITH per_run AS (SELECT r.point, "
        f"{agg} AS y FROM runs r JOIN metrics m USING (run_id) "
        "WHERE NOT r.baseline GROUP BY r.run_id, r.point) "
        "SELECT point, avg(y) FROM per_run GROUP BY point ORDER BY point"
    )
    if len(rows) != points or [r[0] for r in rows] != list(range(points)):
        raise StoreError(
            f"the database holds {len(rows)} of {points} sample points; "
            "run the same command again to finish the runs"
        )
    return np.array([np.nan if r[1] is None else r[1] for r in rows], dtype=np.float64)


def analyze(design: Design, y: np.ndarray, measure: Measure, *, seed: int) -> Indices:
    """SALib's indices of `y` over `design` (Sobol or Morris, as the design was drawn)."""
    method = design.spec["method"]
    problem = _problem(design.axes)
    notes: list[str] = []
    if not np.all(np.isfinite(y)):
        notes.append(
            f"{int(np.sum(~np.isfinite(y)))} sample points gave a non-finite {measure.label}; "
            "the indices are not defined"
        )
    if np.nanstd(y) == 0:
        notes.append(f"{measure.label} is the same at every sample point: nothing to attribute")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if method == "sobol":
            from SALib.analyze import sobol  # type: ignore[import-untyped]

            res = sobol.analyze(
                problem, y, calc_second_order=design.spec["second_order"], seed=seed
            )
            cols = ["S1", "S1_conf", "ST", "ST_conf"]
        else:
            from SALib.analyze import morris

            assert design.matrix is not None
            res = morris.analyze(
                problem, design.matrix, y, num_levels=design.spec["levels"], seed=seed
            )
            cols = ["mu", "mu_star", "mu_star_conf", "sigma"]
    notes += sorted({str(w.message).strip().splitlines()[0] for w in caught} - {""})
    names = [a.path for a in design.axes]
    table = [(p, *(float(res[c][i]) for c in cols)) for i, p in enumerate(names)]
    tidy: list[tuple[Any, ...]] = [
        (p, None, c, float(res[c][i])) for i, p in enumerate(names) for c in cols
    ]
    if method == "sobol" and design.spec["second_order"]:
        for i, p in enumerate(names):
            for j in range(i + 1, len(names)):
                for c in ("S2", "S2_conf"):
                    tidy.append((p, names[j], c, float(res[c][i][j])))
    return Indices(method, measure.label, cols, table, tidy, notes)
