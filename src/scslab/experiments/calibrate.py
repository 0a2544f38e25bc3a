"""``scslab calibrate``: ABC-SMC (pyabc) of a scenario against aggregate public figures.

The targets file names the free parameters (scenario key paths, schedule points
included) with their priors, and the observed figures with their dates, values
(counts divided by the stated adult population) and relative uncertainty, each
``fitted`` or ``held_out``. Only the fitted figures enter the distance

    d(x, y) = sqrt( sum_k ((x_k - y_k) / (u_k * y_k))^2 )   over fitted k,

so a simulated figure one relative uncertainty away from its observation adds
1 to the sum. pyabc's ABC-SMC (adaptive median epsilon, multivariate normal
transitions) runs until ``--budget`` simulations are spent. The last
population is the posterior; ``--draws`` parameter sets drawn from it (with its
weights) are run to the end of the scenario: the posterior predictive runs,
whose target measures give each figure's 90 % predictive interval.

Files in DIR: ``abc.db`` (pyabc's SQLite history: resumable), ``calibration.json``
(what was asked, its hashes and status), ``results.duckdb`` (tables
``parameters``, ``targets``, ``posterior``, ``summary``, ``generations``,
``predictive``, ``predictive_series``, ``predictive_summary``; ``scslab query``),
and with ``--report`` the report page.

Seeds: simulation k of the fit runs with spawn key ``[hash(parameter values)]``
under the scenario's root seed, so a parameter set always gives the same run;
the predictive draws are chosen with ``SeedSequence(seed, spawn_key=[2**31])``
and draw i runs with spawn key ``[2**31 + 1 + i]``. With ``--workers 1`` the whole
calibration is bit-reproducible; with more workers pyabc reseeds each worker
from the operating system, so which parameter sets are proposed (and hence the
posterior sample) differ between two runs, while every single run stays
reproducible from its parameters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scslab.errors import RunError, ScenarioError, StoreError

INSTALL_HINT = "pip install 'scslab[calibrate]'"
CALIBRATION_FILE = "calibration.json"
ABC_DB = "abc.db"
DRAW_KEY = 2**31


# ---------------------------------------------------------------- the targets file
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PopulationAssumption(_Strict):
    """The population the public counts are divided by."""

    adults: float = Field(gt=0, le=1e10, description="adults the counts are divided by")
    assumption: str = Field(min_length=1, description="where the number comes from, in words")


class Prior(_Strict):
    """A free parameter: a scenario key path and its prior."""

    path: str = Field(min_length=1, description="scenario key path, as in --set")
    prior: Literal["uniform", "log-uniform"] = Field(description="uniform or log-uniform")
    low: float = Field(description="lower bound")
    high: float = Field(description="upper bound")

    @model_validator(mode="after")
    def _bounds(self) -> Prior:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        if self.prior == "log-uniform" and self.low <= 0:
            raise ValueError(f"a log-uniform prior needs low > 0; got {self.low:g}")
        return self


class Observation(_Strict):
    """One observed aggregate figure."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="name")
    measure: str = Field(min_length=1, description="the model's measure it is compared with")
    date: dt.date = Field(description="the date the figure refers to (YYYY-MM-DD)")
    count: float = Field(ge=0, description="the public count (divided by population.adults)")
    uncertainty: float = Field(gt=0, le=10, description="relative uncertainty (0.1: +-10 %)")
    role: Literal["fitted", "held_out"] = Field(description="fitted or held_out")
    source: str = Field("", description="where the figure comes from")


class Targets(_Strict):
    """A targets file: priors of the free parameters and the observed figures."""

    scenario: str | None = Field(None, description="the scenario the file was written for")
    population: PopulationAssumption = Field(description="the adults the counts are divided by")
    parameters: list[Prior] = Field(min_length=1, description="free parameters")
    observations: list[Observation] = Field(min_length=1, description="observed figures")

    @model_validator(mode="after")
    def _unique(self) -> Targets:
        for what, names in (
            ("parameters[*].path", [p.path for p in self.parameters]),
            ("observations[*].name", [o.name for o in self.observations]),
        ):
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"{what} must be unique; {dup[0]!r} repeats")
        if not any(o.role == "fitted" for o in self.observations):
            raise ValueError("observations: at least one must have role 'fitted'")
        return self

    def value(self, obs: Observation) -> float:
        """The observed figure per adult."""
        return obs.count / self.population.adults


def load_targets(path: str | Path) -> tuple[Targets, str]:
    """Read and validate a targets file; return it and its text (for the hash).

    Errors name the field, what is allowed, what it got, and file:line, as for
    scenarios.
    """
    from scslab.scenario.loading import _read_yaml, _where, explain

    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"targets file {str(path)!r} not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read targets file {str(path)!r}: {exc}") from None
    data, lines = _read_yaml(text, str(path))  # the project's YAML reader, with lines
    try:
        return Targets.model_validate(data), text
    except ValidationError as exc:
        msgs = [
            explain(Targets, err) + _where(tuple(err["loc"]), str(path), lines, {})
            for err in exc.errors()
        ]
        raise ScenarioError("\n".join(msgs)) from None


# ---------------------------------------------------------------- the problem
@dataclass(frozen=True)
class Problem:
    """A scenario, its targets and where each target sits in a run."""

    scenario: dict[str, Any]  # resolved base scenario (plain data)
    targets: Targets
    target_steps: dict[str, int]  # observation name -> step of its date
    fit_steps: int  # steps a fitting run needs (the last fitted date)
    digest: str  # the scenario's hash

    @property
    def fitted(self) -> list[Observation]:
        return [o for o in self.targets.observations if o.role == "fitted"]

    @property
    def observed(self) -> dict[str, float]:
        return {o.name: self.targets.value(o) for o in self.fitted}

    @property
    def scales(self) -> dict[str, float]:
        return {o.name: o.uncertainty * max(self.targets.value(o), 1e-300) for o in self.fitted}


def scenario_with(base: Mapping[str, Any], paths: Sequence[str], values: Sequence[float]) -> Any:
    """The base scenario with each path set to its value (validated)."""
    from scslab.scenario import load_scenario

    return load_scenario(base, {p: float(v) for p, v in zip(paths, values, strict=True)})


def make_problem(
    scenario: str | Path, targets_file: str | Path, overrides: Sequence[str] = ()
) -> tuple[Problem, str]:
    """Load and check the scenario and targets; return the problem and the targets text."""
    from scslab.scenario import load_scenario

    targets, text = load_targets(targets_file)
    scn = load_scenario(scenario, list(overrides))
    if scn.calendar is None:
        raise ScenarioError(
            f"scenario {scn.name!r} has no calendar; calibration compares measures at dates "
            "(give it calendar: {start: YYYY-MM-DD, days_per_step: N})"
        )
    if targets.scenario is not None and targets.scenario != scn.name:
        raise ScenarioError(
            f"{targets_file}: scenario must name the scenario calibrated; the file says "
            f"{targets.scenario!r}, the scenario is {scn.name!r}"
        )
    base = scn.to_dict()
    mids = []
    for i, p in enumerate(targets.parameters):
        mid = math.sqrt(p.low * p.high) if p.prior == "log-uniform" else (p.low + p.high) / 2
        mids.append(mid)
        for v in (p.low, p.high):
            try:
                scenario_with(base, [p.path], [v])
            except ScenarioError as exc:
                raise ScenarioError(
                    f"{targets_file}: parameters[{i}] ({p.path}) at {v:g}: {exc}"
                ) from None
    cal = scn.calendar
    steps: dict[str, int] = {}
    for i, o in enumerate(targets.observations):
        s = math.floor((o.date - cal.start).days / cal.days_per_step)
        if not 0 <= s <= scn.steps:
            last = cal.date_of(scn.steps)
            raise ScenarioError(
                f"{targets_file}: observations[{i}].date must be in [{cal.start}, {last}] "
                f"(the scenario's calendar); got {o.date}"
            )
        steps[o.name] = s
    fit_steps = max(steps[o.name] for o in targets.observations if o.role == "fitted")
    # every measure named must be one the model reports
    probe = run_rows(scenario_with(base, [p.path for p in targets.parameters], mids), 0, 1)
    known = set(probe[0])
    for i, o in enumerate(targets.observations):
        if o.measure not in known:
            from scslab.errors import did_you_mean

            raise ScenarioError(
                f"{targets_file}: observations[{i}].measure must be a measure of the "
                f"scenario's model; got {o.measure!r}{did_you_mean(o.measure, sorted(known))}"
            )
    # the identity of the problem leaves out the free parameters' values in the file
    # and the description (so that writing the posterior into a preset keeps it)
    digest = scenario_with(
        {**base, "description": ""},
        [p.path for p in targets.parameters],
        [p.low for p in targets.parameters],
    ).digest()
    return Problem(base, targets, steps, fit_steps, digest), text


def run_rows(scn: Any, run_index: int, steps: int | None = None) -> list[dict[str, float]]:
    """The metric rows of one run, straight from the engine.

    No polars here: pyabc's samplers fork worker processes, and a child forked
    after polars started its thread pool in the parent hangs in it.
    """
    from scslab.engine import Streams, seed_material, seed_sequence, simulate
    from scslab.scenario import kernel

    streams = Streams(seed_sequence(seed_material(scn.seed, run_index)))
    _state, rows = simulate(
        kernel(scn.model),
        scn,
        streams,
        steps=scn.steps if steps is None else steps,
        collect_every=scn.collect_every,
    )
    return rows


def run_index_of(values: Sequence[float]) -> int:
    """A run's spawn key from its parameter values: the same values, the same run."""
    digest = hashlib.sha256(json.dumps([float(v) for v in values]).encode()).digest()
    return int.from_bytes(digest[:4], "little") % DRAW_KEY


def target_values(
    rows: Sequence[Mapping[str, float]], names_steps: Mapping[str, tuple[str, int]]
) -> dict[str, float]:
    """Each target's measure at the last collected step at or before its step."""
    steps = np.array([r["step"] for r in rows])
    out = {}
    for name, (measure, step) in names_steps.items():
        row = int(np.searchsorted(steps, step, side="right")) - 1
        out[name] = float(rows[max(row, 0)][measure])
    return out


class Simulator:
    """pyabc's model: parameters p0..pk -> the fitted targets of one run (picklable)."""

    def __init__(self, problem: Problem) -> None:
        self.base = problem.scenario
        self.paths = [p.path for p in problem.targets.parameters]
        self.steps = problem.fit_steps
        self.where = {o.name: (o.measure, problem.target_steps[o.name]) for o in problem.fitted}
        # collect only as often as the fitted dates need (every target step is collected)
        self.every = math.gcd(*(s for _m, s in self.where.values() if s > 0)) or 1

        self.log = searched_as_log(problem.targets)

    def __call__(self, pars: Mapping[str, float]) -> dict[str, float]:
        values = from_search_space([float(pars[f"p{i}"]) for i in range(len(self.paths))], self.log)
        scn = scenario_with(self.base, self.paths, values)
        scn = scn.model_copy(update={"collect_every": self.every})
        rows = run_rows(scn, run_index_of(values), steps=self.steps)
        return target_values(rows, self.where)


class Distance:
    """Scaled Euclidean distance over the fitted targets (picklable)."""

    def __init__(self, scales: Mapping[str, float]) -> None:
        self.scales = dict(scales)

    def __call__(self, x: Mapping[str, float], y: Mapping[str, float]) -> float:
        return math.sqrt(sum(((x[k] - y[k]) / s) ** 2 for k, s in self.scales.items()))


# ---------------------------------------------------------------- the run
def require_pyabc() -> Any:
    try:
        import pyabc
    except ImportError:
        raise RunError(f"scslab calibrate needs pyabc, an optional extra: {INSTALL_HINT}") from None
    return pyabc


#: How pyabc sees the parameters: a log-uniform prior is searched as a uniform prior on
#: the parameter's natural logarithm, so that pyabc's Gaussian transition moves in the
#: space where the prior is flat. (A log-uniform density with a linear-space kernel gives
#: the particles near a prior's low end huge importance weights: the effective sample
#: size of the bundled calibration fell to 2-10 of 80.) A calibration stored before this
#: setting existed is refused on resume (its particles are in the parameters' own space).
SEARCH_SPACE = "log for log-uniform priors"


def searched_as_log(targets: Targets) -> list[bool]:
    """Which parameters pyabc sees as logarithms (those with a log-uniform prior)."""
    return [p.prior == "log-uniform" for p in targets.parameters]


def from_search_space(values: Sequence[float], log: Sequence[bool]) -> list[float]:
    """The parameters' own values from pyabc's (exp of the log-uniform ones)."""
    return [math.exp(v) if is_log else float(v) for v, is_log in zip(values, log, strict=True)]


def _prior(pyabc: Any, targets: Targets) -> Any:
    rvs = {}
    for i, p in enumerate(targets.parameters):
        if p.prior == "uniform":
            rvs[f"p{i}"] = pyabc.RV("uniform", p.low, p.high - p.low)
        else:
            lo, hi = math.log(p.low), math.log(p.high)
            rvs[f"p{i}"] = pyabc.RV("uniform", lo, hi - lo)
    return pyabc.Distribution(**rvs)


def targets_hash(targets: Targets) -> str:
    """A targets file's identity: adults, priors and observations (not its words).

    Comments, the assumption's wording and the observations' sources can change
    without making a calibration another problem.
    """
    data = targets.model_dump(mode="json")
    data["population"].pop("assumption")
    for o in data["observations"]:
        o.pop("source")
    canon = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canon.encode()).hexdigest()[:16]


def identity(problem: Problem, targets_text: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """What a calibration is: its scenario, targets and settings (a resume must match)."""
    return {
        "scenario_hash": problem.digest,
        "targets_hash": targets_hash(problem.targets),
        "settings": dict(settings),
    }


def _differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    out = []
    if old.get("scenario_hash") != new["scenario_hash"]:
        out.append(
            f"the scenario (hash {old.get('scenario_hash')} then, {new['scenario_hash']} now)"
        )
    if old.get("targets_hash") != new["targets_hash"]:
        out.append(
            f"the targets file (hash {old.get('targets_hash')} then, {new['targets_hash']} now)"
        )
    for k, v in new["settings"].items():
        if k in ("budget", "draws"):
            continue  # a resume may spend more or draw more
        if old.get("settings", {}).get(k) != v:
            out.append(f"{k} ({old.get('settings', {}).get(k)} then, {v} now)")
    return out


def calibrate(
    scenario: str | Path,
    targets_file: str | Path,
    out: str | Path,
    *,
    overrides: Sequence[str] = (),
    budget: int = 1000,
    particles: int = 100,
    draws: int = 50,
    workers: int = 1,
    scheduler: str | None = None,
    seed: int | None = None,
    command: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Run (or resume) a calibration into `out`; return the path of ``results.duckdb``."""
    pyabc = require_pyabc()
    say = progress or (lambda _msg: None)
    out = Path(out)
    overrides = list(overrides)
    if seed is not None:
        overrides.append(f"seed={seed}")
    problem, text = make_problem(scenario, targets_file, overrides)
    root_seed = int(problem.scenario["seed"])
    settings = {
        "particles": particles,
        "budget": budget,
        "draws": draws,
        "seed": root_seed,
        "search_space": SEARCH_SPACE,
    }
    ident = identity(problem, text, settings)
    meta_path = out / CALIBRATION_FILE
    db_path = out / ABC_DB
    meta: dict[str, Any] = {}
    resume = False
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        diff = _differences(meta, ident)
        if diff:
            raise StoreError(
                f"{str(out)!r} holds a calibration of another problem; what differs: "
                + "; ".join(diff)
                + ". Give another --out folder (or delete this one)"
            )
        resume = db_path.is_file()
    elif out.exists() and any(out.iterdir()):
        raise StoreError(f"{str(out)!r} is not empty and holds no calibration; give a new folder")
    out.mkdir(parents=True, exist_ok=True)
    meta.update(ident)
    meta.update(
        {
            "scenario": problem.scenario,
            "targets_file": str(targets_file),
            "targets": problem.targets.model_dump(mode="json"),
            "command": list(command) if command else None,
            "status": meta.get("status", "fitting") if resume else "fitting",
        }
    )
    meta["settings"] = settings
    _write_json(meta_path, meta)

    # pyabc draws its proposals from numpy's global generator (bit-reproducible with 1 worker)
    np.random.seed(root_seed % 2**32)  # noqa: NPY002
    sampler, client = _sampler(pyabc, workers, scheduler)
    # pyabc's own log lines (generation, epsilon, acceptance) only when progress is shown
    logging.getLogger("ABC").setLevel(logging.INFO if progress is not None else logging.WARNING)
    logging.getLogger("Sampler").setLevel(logging.WARNING)
    logging.getLogger("Epsilon").setLevel(logging.WARNING)
    logging.getLogger("Distance").setLevel(logging.WARNING)
    t0 = time.perf_counter()
    try:
        abc = pyabc.ABCSMC(
            Simulator(problem),
            _prior(pyabc, problem.targets),
            Distance(problem.scales),
            population_size=particles,
            sampler=sampler,
        )
        if resume:
            history = abc.load("sqlite:///" + str(db_path.resolve()), 1)
            say(
                f"resuming: {history.total_nr_simulations} simulations in "
                f"{history.max_t + 1} generations so far"
            )
        else:
            history = abc.new("sqlite:///" + str(db_path.resolve()), problem.observed)
        if history.total_nr_simulations < budget:
            # one run() call: pyabc updates epsilon between the generations of a call
            # (separate calls of one generation each would keep the first epsilon)
            handler = _Progress(say, budget, t0, history)
            log = logging.getLogger("ABC")
            log.addHandler(handler)
            try:
                abc.run(max_total_nr_simulations=budget)
            finally:
                log.removeHandler(handler)
        meta["status"] = "predicting"
        meta["fit_wall_s"] = meta.get("fit_wall_s", 0.0) + time.perf_counter() - t0
        _write_json(meta_path, meta)
        t1 = time.perf_counter()
        post, weights = history.get_distribution(m=0, t=history.max_t)
        names = [f"p{i}" for i in range(len(problem.targets.parameters))]
        log = searched_as_log(problem.targets)
        samples = np.array(post[names].to_numpy(dtype=np.float64))
        samples[:, log] = np.exp(samples[:, log])
        weights = np.asarray(weights, dtype=np.float64)
        pops = history.get_all_populations()
        draws_done = _predict(problem, samples, weights, draws, workers, client, say)
        meta["predict_wall_s"] = time.perf_counter() - t1
    finally:
        if client is not None:
            client.close()
    db = _export(out, problem, samples, weights, pops, draws_done, history)
    meta["status"] = "done"
    meta["simulations"] = int(history.total_nr_simulations)
    meta["generations"] = int(history.max_t + 1)
    _write_json(meta_path, meta)
    return db


class _Progress(logging.Handler):
    """pyabc's per-generation log lines as progress: epsilon, simulations, wall time."""

    def __init__(self, say: Callable[[str], None], budget: int, t0: float, history: Any):
        super().__init__(logging.INFO)
        self.say, self.budget, self.t0, self.history = say, budget, t0, history

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if msg.startswith("t: ") or msg.startswith("Stop"):
            self.say(
                f"{msg.rstrip('.')}; {self.history.total_nr_simulations}/{self.budget} "
                f"simulations, {time.perf_counter() - self.t0:.0f} s"
            )


def _sampler(pyabc: Any, workers: int, scheduler: str | None) -> tuple[Any, Any]:
    if scheduler is not None:
        try:
            from distributed import Client
        except ImportError:
            raise RunError("--scheduler needs Dask: pip install 'scslab[dask,calibrate]'") from None
        import dask

        from scslab.experiments.executors import DASK_MEMORY_SETTING

        if scheduler == "local":
            from distributed import LocalCluster

            with dask.config.set(DASK_MEMORY_SETTING):
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    host="127.0.0.1",
                    dashboard_address=None,
                )
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise RunError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
        return pyabc.sampler.DaskDistributedSampler(dask_client=client), client
    if workers <= 1:
        return pyabc.sampler.SingleCoreSampler(), None
    return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers), None


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    from scslab.results.store import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")


# ---------------------------------------------------------------- predictive
@dataclass
class Draw:
    index: int
    values: list[float]
    targets: dict[str, float]
    series: dict[str, np.ndarray]


def _predict_one(problem: Problem, index: int, values: list[float], measures: list[str]) -> Draw:
    paths = [p.path for p in problem.targets.parameters]
    scn = scenario_with(problem.scenario, paths, values)
    rows = run_rows(scn, DRAW_KEY + 1 + index)
    where = {
        o.name: (o.measure, problem.target_steps[o.name]) for o in problem.targets.observations
    }
    series = {"step": np.array([r["step"] for r in rows])}
    for name in measures:
        series[name] = np.array([r[name] for r in rows])
    return Draw(index, values, target_values(rows, where), series)


def _predict(
    problem: Problem,
    samples: np.ndarray,
    weights: np.ndarray,
    draws: int,
    workers: int,
    client: Any,
    say: Callable[[str], None],
) -> list[Draw]:
    seed = int(problem.scenario["seed"])
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=[DRAW_KEY]))
    p = weights / weights.sum()
    picks = rng.choice(samples.shape[0], size=draws, replace=True, p=p)
    measures = sorted({o.measure for o in problem.targets.observations})
    jobs = [(i, [float(v) for v in samples[k]]) for i, k in enumerate(picks)]
    done: list[Draw] = []
    t0 = time.perf_counter()
    if client is not None:
        executor: Any = client.get_executor()
    elif workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        from scslab.experiments.executors import _mp_context

        executor = ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context())
    else:
        executor = None
    if executor is None:
        for i, vals in jobs:
            done.append(_predict_one(problem, i, vals, measures))
            say(f"predictive run {len(done)}/{draws} ({time.perf_counter() - t0:.0f} s)")
    else:
        from concurrent.futures import as_completed

        futs = [executor.submit(_predict_one, problem, i, vals, measures) for i, vals in jobs]
        for f in as_completed(futs):
            done.append(f.result())
            say(f"predictive run {len(done)}/{draws} ({time.perf_counter() - t0:.0f} s)")
        if client is None:
            executor.shutdown()
    done.sort(key=lambda d: d.index)
    return done


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of its weighted empirical CDF, midpoints)."""
    order = np.argsort(values)
    v = values[order]
    w = weights[order] / weights.sum()
    cdf = np.cumsum(w) - 0.5 * w
    return np.interp(q, cdf, v)


# ---------------------------------------------------------------- export
def _export(
    out: Path,
    problem: Problem,
    samples: np.ndarray,
    weights: np.ndarray,
    pops: Any,
    draws: list[Draw],
    history: Any,
) -> Path:
    import duckdb
    import polars as pl

    from scslab.results.store import atomic_path

    targets = problem.targets
    paths = [p.path for p in targets.parameters]
    cal = problem.scenario["calendar"]
    start = dt.date.fromisoformat(str(cal["start"]))
    dps = int(cal["days_per_step"])
    parameters = pl.DataFrame(
        {
            "parameter": paths,
            "prior": [p.prior for p in targets.parameters],
            "low": [p.low for p in targets.parameters],
            "high": [p.high for p in targets.parameters],
        }
    )
    tgt = pl.DataFrame(
        {
            "target": [o.name for o in targets.observations],
            "measure": [o.measure for o in targets.observations],
            "date": [o.date for o in targets.observations],
            "step": [problem.target_steps[o.name] for o in targets.observations],
            "count": [o.count for o in targets.observations],
            "observed": [targets.value(o) for o in targets.observations],
            "uncertainty": [o.uncertainty for o in targets.observations],
            "role": [o.role for o in targets.observations],
            "source": [o.source for o in targets.observations],
        }
    )
    posterior = pl.DataFrame(
        {"sample": np.arange(samples.shape[0]), "weight": weights / weights.sum()}
        | {p: samples[:, i] for i, p in enumerate(paths)}
    )
    qs = [weighted_quantile(samples[:, i], weights, [0.05, 0.5, 0.95]) for i in range(len(paths))]
    summary = pl.DataFrame(
        {
            "parameter": paths,
            "median": [q[1] for q in qs],
            "q05": [q[0] for q in qs],
            "q95": [q[2] for q in qs],
            "prior": [p.prior for p in targets.parameters],
            "low": [p.low for p in targets.parameters],
            "high": [p.high for p in targets.parameters],
        }
    )
    generations = pl.DataFrame(
        {
            "generation": pops["t"].to_numpy().astype(np.int64),
            "epsilon": pops["epsilon"].to_numpy().astype(np.float64),
            "samples": pops["samples"].to_numpy().astype(np.int64),
        }
    ).filter(pl.col("generation") >= 0)
    pred = pl.DataFrame(
        {
            "draw": [d.index for d in draws for _ in d.targets],
            "target": [k for d in draws for k in d.targets],
            "value": [v for d in draws for v in d.targets.values()],
        }
    )
    pred_params = pl.DataFrame(
        {"draw": [d.index for d in draws]}
        | {p: [d.values[i] for d in draws] for i, p in enumerate(paths)}
    )
    series_rows = []
    for d in draws:
        steps = d.series["step"].astype(np.int64)
        for name, vals in d.series.items():
            if name == "step":
                continue
            series_rows.append(
                pl.DataFrame(
                    {
                        "draw": np.full(steps.size, d.index, np.int64),
                        "step": steps,
                        "measure": [name] * steps.size,
                        "value": vals.astype(np.float64),
                    }
                )
            )
    series = pl.concat(series_rows) if series_rows else pl.DataFrame()
    if series.height:
        series = series.with_columns(
            (pl.lit(start) + pl.duration(days=pl.col("step") * dps)).alias("date")
        )
    rows = []
    for o in targets.observations:
        vals = pred.filter(pl.col("target") == o.name)["value"].to_numpy()
        obs = targets.value(o)
        lo, med, hi = np.quantile(vals, [0.05, 0.5, 0.95]) if vals.size else [np.nan] * 3
        rows.append(
            {
                "target": o.name,
                "measure": o.measure,
                "date": o.date,
                "role": o.role,
                "observed": obs,
                "q05": float(lo),
                "median": float(med),
                "q95": float(hi),
                "inside": bool(lo <= obs <= hi),
                "draws": int(vals.size),
            }
        )
    pred_summary = pl.DataFrame(rows)
    db_path = out / "results.duckdb"
    with atomic_path(db_path) as tmp:
        tmp.unlink(missing_ok=True)  # DuckDB makes its own file
        con = duckdb.connect(str(tmp))
        try:
            for name, frame in (
                ("parameters", parameters),
                ("targets", tgt),
                ("posterior", posterior),
                ("summary", summary),
                ("generations", generations),
                ("predictive", pred),
                ("predictive_parameters", pred_params),
                ("predictive_series", series),
                ("predictive_summary", pred_summary),
            ):
                part = tmp.with_name(f".{name}.parquet")
                frame.write_parquet(part)  # polars -> DuckDB without pyarrow
                try:
                    con.execute(
                        f'CREATE TABLE "{name}" AS SELECT * FROM read_parquet(?)', [str(part)]
                    )
                finally:
                    part.unlink(missing_ok=True)
        finally:
            con.close()
    del history
    return db_path


def write_summary(db: Path, stream: Any = None) -> None:
    """Print the posterior summary and the predictive check of a calibration folder."""
    import duckdb

    stream = stream or sys.stdout
    con = duckdb.connect(str(db), read_only=True)
    try:
        print("posterior (weighted median, 5 % - 95 %):", file=stream)
        for p, med, lo, hi in con.execute(
            "SELECT parameter, median, q05, q95 FROM summary"
        ).fetchall():
            print(f"  {p} = {med:.4g}  [{lo:.4g}, {hi:.4g}]", file=stream)
        print("predictive (90 % interval) against the observed figures:", file=stream)
        for t, role, obs, lo, hi, inside in con.execute(
            "SELECT target, role, observed, q05, q95, inside FROM predictive_summary"
        ).fetchall():
            mark = "inside" if inside else "OUTSIDE"
            print(
                f"  {t} ({role}): observed {obs:.4g}, predicted [{lo:.4g}, {hi:.4g}] {mark}",
                file=stream,
            )
    finally:
        con.close()


def export_check(folder: str | Path, dest: str | Path) -> dict[str, Any]:
    """Write the posterior summary and the predictive check of `folder` to a JSON file.

    The stored result of ``make calibrate`` that the held-out test reads
    (``tests/experiments/test_calibrate_heldout.py``).
    """
    import duckdb

    folder = Path(folder)
    meta = json.loads((folder / CALIBRATION_FILE).read_text(encoding="utf-8"))
    con = duckdb.connect(str(folder / "results.duckdb"), read_only=True)
    try:

        def rows(sql: str) -> list[dict[str, Any]]:
            cur = con.execute(sql)
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

        data = {
            "scenario": meta["scenario"]["name"],
            "scenario_hash": meta["scenario_hash"],
            "targets_hash": meta["targets_hash"],
            "settings": meta["settings"],
            "simulations": meta.get("simulations"),
            "generations": meta.get("generations"),
            "fit_wall_s": meta.get("fit_wall_s"),
            "predict_wall_s": meta.get("predict_wall_s"),
            "summary": rows("SELECT parameter, median, q05, q95 FROM summary"),
            "check": rows(
                "SELECT target, measure, CAST(date AS VARCHAR) AS date, role, observed, q05, "
                "median, q95, inside, draws FROM predictive_summary"
            ),
        }
    finally:
        con.close()
    _write_json(Path(dest), data)
    return data


if __name__ == "__main__":  # python -m scslab.experiments.calibrate DIR FILE (make calibrate)
    if len(sys.argv) != 3:
        print("usage: python -m scslab.experiments.calibrate DIR FILE.json", file=sys.stderr)
        sys.exit(2)
    export_check(sys.argv[1], sys.argv[2])
    print(f"check: {sys.argv[2]}")
