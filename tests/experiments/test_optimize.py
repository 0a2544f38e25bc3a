"""``scslab optimize``: the objective's parser, a known optimum, storage, resume, report."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest
import yaml
from pydantic import Field

from scslab.cli import main
from scslab.engine import State, Streams
from scslab.engine.describe import Description, Measure
from scslab.errors import ScenarioError, StoreError
from scslab.experiments.optimize import make_plan, optimize, parse_objective
from scslab.report import build_report
from scslab.results.sweepdb import SweepDB
from scslab.scenario import load_scenario
from scslab.scenario.params.common import StrictModel
from scslab.scenario.registry import MODELS, ModelEntry, description

pytest.importorskip("optuna")


# ---------------------------------------------------------------- a model with a known optimum
class BowlParams(StrictModel):
    x: float = Field(0.9, ge=0, le=1, description="a continuous lever")
    k: int = Field(1, ge=0, le=10, description="a whole-number lever")
    noise: float = Field(0.01, ge=0, description="sd of the noise on the cost")
    fail_above: float = Field(1.0, ge=0, description="a run with x above this raises")


class BowlModel:
    """cost = (x - 0.3)^2 + ((k - 7) / 10)^2 + noise: its minimum is at x = 0.3, k = 7."""

    description = Description(
        measures=(
            Measure("cost", "cost", "cost", "(x - 0.3)^2 + ((k - 7)/10)^2 + noise", headline=True),
            Measure("share_x", "x", "share", "x itself", share=True, headline=True),
        )
    )

    def init(self, scenario, rng: Streams) -> State:
        return State(params=scenario.params, e=0.0, rng=rng["noise"])

    def step(self, state: State, rng: Streams) -> None:
        if state.params.x > state.params.fail_above:
            raise ValueError(f"x = {state.params.x} is above fail_above")
        state.e = float(rng["noise"].normal(0.0, state.params.noise))

    def metrics(self, state: State) -> dict[str, float]:
        p = state.params
        return {"cost": (p.x - 0.3) ** 2 + ((p.k - 7) / 10) ** 2 + state.e, "share_x": p.x}


def bowl_off(scenario):
    """The bowl's 'counterfactual': the same bowl without noise."""
    return load_scenario(scenario.to_dict(), {"params.noise": 0.0})


BOWL = ModelEntry(
    "bowl", "test_optimize:BowlModel", "test_optimize:BowlParams", "a bowl (tests only)"
)
BOWL_WITH_BASELINE = ModelEntry(
    "bowl",
    "test_optimize:BowlModel",
    "test_optimize:BowlParams",
    "a bowl with a counterfactual (tests only)",
    baseline="test_optimize:bowl_off",
)
BOWL_SCENARIO = {"name": "bowl", "model": "bowl", "steps": 3, "seed": 7, "params": {}}
LEVERS = ["params.x=0:1", "params.k=0:10"]


@pytest.fixture
def bowl(monkeypatch):
    monkeypatch.setitem(MODELS, "bowl", BOWL)
    return load_scenario(BOWL_SCENARIO)


def trials_of(out):
    with SweepDB(out / "results.duckdb", read_only=True) as db:
        return db.trials()


# ---------------------------------------------------------------- the objective
def test_objective_parses_and_evaluates_like_arithmetic():
    obj = parse_objective("1.0*cost@mean + 0.5*share_x@last + 2*(1-cost@last) / 4 - -1")
    assert [m.label for m in obj.measures] == ["cost@mean", "share_x@last", "cost@last"]
    v = {"cost@mean": 0.2, "share_x@last": 0.6, "cost@last": 0.1}
    assert obj.value(v) == pytest.approx(1.0 * 0.2 + 0.5 * 0.6 + 2 * (1 - 0.1) / 4 + 1)
    # the canonical text is what a rerun must match: spacing does not change it
    assert (
        parse_objective("cost@mean+2*share_x@last").text
        == parse_objective("cost @ mean + 2 * share_x@last").text
    )


def test_division_by_zero_is_nan_not_a_crash():
    assert math.isnan(parse_objective("1 / cost@last").value({"cost@last": 0.0}))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("__import__('os').system('true')", "only numbers"),
        ("cost@mean ** 2", "only + - * /"),
        ("cost@median", "NAME@last"),
        ("cost + 1", "needs an aggregation"),
        ("cost@mean if 1 else 0", "only numbers"),
        ("'text'", "is not a number"),
        ("True + cost@last", "is not a number"),
        ("1 + 2", "reads no measure"),
        ("cost@mean +", "not an expression"),
        ("   ", "empty"),
    ],
)
def test_objective_refuses_what_is_not_arithmetic_over_measures(text, says):
    with pytest.raises(ScenarioError, match="--objective") as err:
        parse_objective(text)
    assert says in str(err.value)


def test_objective_refuses_an_undeclared_measure_with_a_suggestion():
    with pytest.raises(ScenarioError) as err:
        parse_objective("expresed_share@mean", description("dissent-game"))
    msg = str(err.value)
    assert "'expresed_share' is not a measure of this model" in msg
    assert "did you mean 'expressed_share'" in msg


# ---------------------------------------------------------------- bad input on the CLI
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--lever", "params.initial.tolerence=0:1"], "tolerence"),
        (["--lever", "params.initial.tolerance=0.8:0.2"], "lo must be less than hi"),
        (["--lever", "params.initial.tolerance=0.5:0.5"], "lo must be less than hi"),
        (["--lever", "params.punishment=0:1"], "not a number"),
        (["--lever", "params.initial.tolerance=0:2"], "--lever params.initial.tolerance=0:2"),
        (["--lever", "params.n=1:5", "--budget", "0"], "--budget"),
        (["--lever", "params.n=1:5", "--objective", "tolerence@last"], "did you mean"),
    ],
)
def test_cli_refuses_bad_input_before_any_run(tmp_path, capsys, args, says):
    out = tmp_path / "opt"
    argv = ["optimize", "dissent-uniform-b2", "--out", str(out)]
    if "--budget" not in args:
        argv += ["--budget", "2"]
    if "--objective" not in args:
        argv += ["--objective", "expressed_share@last"]
    try:
        code = main([*argv, *args])
    except SystemExit as exc:  # argparse's own checks (--budget 0)
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert says in err
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_extra_names_the_install_command(bowl, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "optuna", None)
    code = main(
        [
            "optimize",
            str(_bowl_file(tmp_path)),
            "--lever",
            "params.x=0:1",
            "--objective",
            "cost@last",
            "--budget",
            "2",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 2
    assert "pip install 'scslab[optimize]'" in capsys.readouterr().err


def _bowl_file(tmp_path):
    path = tmp_path / "bowl.yaml"
    path.write_text(yaml.safe_dump(BOWL_SCENARIO), encoding="utf-8")
    return path


# ---------------------------------------------------------------- a known optimum
def run_bowl(base, out, budget=24, replicates=2, **kw):
    plan = make_plan(base, LEVERS, "cost@mean", budget=budget, replicates=replicates, batch=4)
    return optimize(plan, out, workers=1, **kw)


def test_finds_the_known_optimum_and_stores_every_evaluation(bowl, tmp_path, capsys):
    out = tmp_path / "opt"
    res = run_bowl(bowl, out, budget=32)
    best = res.best
    assert best is not None
    # the bowl's minimum is at x = 0.3, k = 7 with cost 0 (+ noise of sd 0.01)
    assert abs(best.values["params.x"] - 0.3) < 0.1
    assert abs(best.values["params.k"] - 7) <= 1
    assert best.mean < 0.02
    # it beats the random start-up candidates and the starting scenario by far
    startup = min(t.mean for t in res.trials[:10])
    assert best.mean <= startup
    assert res.start.mean == pytest.approx((0.9 - 0.3) ** 2 + 0.36, abs=0.05)

    trials = trials_of(out)
    assert [t["trial"] for t in trials] == list(range(32))
    assert all(t["status"] == "ok" and t["replicates"] == 2 for t in trials)
    # best_so_far is the running minimum of the objective
    running = np.minimum.accumulate([t["mean"] for t in trials])
    assert [t["best_so_far"] for t in trials] == pytest.approx(running)
    # the interval is the t-interval of the two replicates' costs
    with SweepDB(out / "results.duckdb", read_only=True) as db:
        _, rows = db.query(
            "SELECT r.replicate, avg(m.cost) FROM runs r JOIN metrics m USING (run_id) "
            "WHERE r.point = ? GROUP BY r.replicate ORDER BY r.replicate",
            [best.trial],
        )
        _, counts = db.query("SELECT count(*), count(DISTINCT seed_spawn_key) FROM runs")
    costs = [r[1] for r in rows]
    assert best.mean == pytest.approx(np.mean(costs))
    half = 12.706204736 * np.std(costs, ddof=1) / math.sqrt(2)
    assert (best.low, best.high) == pytest.approx((best.mean - half, best.mean + half))
    # 32 candidates x 2 replicates + the start's 2; every run on seeds [0] and [1]
    assert counts == [(66, 2)]

    # scslab query works on the folder, trials table included
    assert main(["query", str(out), "SELECT count(*) AS n FROM trials", "--csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "32"]
    assert main(["query", str(out), 'SELECT max("params.k") AS k FROM runs', "--csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "k"

    # best.yaml is a scenario a user can run, with the chosen values
    chosen = load_scenario(yaml.safe_load((out / "best.yaml").read_text()))
    assert chosen.params.x == best.values["params.x"]
    assert chosen.params.k == best.values["params.k"]
    assert chosen.steps == bowl.steps


def test_resume_after_an_interruption_gives_the_unbroken_result(bowl, tmp_path):
    whole = run_bowl(bowl, tmp_path / "whole", budget=12)

    class Stop(Exception):
        pass

    def stop_after(row, done, failed):
        if done >= 9:  # mid-batch: trial 4's runs partly stored
            raise Stop

    with pytest.raises(Stop):
        run_bowl(bowl, tmp_path / "broken", budget=12, on_result=stop_after)
    stored = trials_of(tmp_path / "broken")
    assert 0 < len(stored) < 12
    with SweepDB(tmp_path / "broken" / "results.duckdb", read_only=True) as db:
        _, runs = db.query("SELECT count(*) FROM runs")
    assert runs[0][0] == 9

    ran = []
    again = run_bowl(
        bowl, tmp_path / "broken", budget=12, on_result=lambda row, d, f: ran.append(row.run_id)
    )
    assert len(ran) == 12 * 2 + 2 - 9  # only the missing runs
    assert trials_of(tmp_path / "broken") == trials_of(tmp_path / "whole")
    assert again.best.values == whole.best.values
    assert again.best.mean == whole.best.mean


def test_a_larger_budget_continues_the_same_search(bowl, tmp_path):
    run_bowl(bowl, tmp_path / "a", budget=8)
    run_bowl(bowl, tmp_path / "a", budget=12)
    run_bowl(bowl, tmp_path / "b", budget=12)
    assert trials_of(tmp_path / "a") == trials_of(tmp_path / "b")


def test_results_do_not_depend_on_the_workers(bowl, tmp_path):
    plan = make_plan(bowl, LEVERS, "cost@mean", budget=6, replicates=2, batch=3)
    optimize(plan, tmp_path / "one", workers=1)
    plan = make_plan(bowl, LEVERS, "cost@mean", budget=6, replicates=2, batch=3)
    optimize(plan, tmp_path / "two", workers=2)
    assert trials_of(tmp_path / "one") == trials_of(tmp_path / "two")


def test_a_changed_search_is_refused_with_what_differs(bowl, tmp_path):
    run_bowl(bowl, tmp_path / "o", budget=4)
    plan = make_plan(bowl, LEVERS, "cost@last", budget=4, replicates=2)
    with pytest.raises(StoreError, match=r"objective was \"cost@mean\", now \"cost@last\""):
        optimize(plan, tmp_path / "o", workers=1)
    plan = make_plan(bowl, ["params.x=0:0.5", "params.k=0:10"], "cost@mean", budget=4, replicates=2)
    with pytest.raises(StoreError, match="params.x"):
        optimize(plan, tmp_path / "o", workers=1)


def test_report_shows_the_path_and_the_comparison(bowl, tmp_path):
    out = tmp_path / "opt"
    run_bowl(bowl, out, budget=8)
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert (out / "figures" / "optimizer-path.png").stat().st_size > 1000
    assert (out / "figures" / "policy-vs-start.png").is_file()
    assert 'id="optimizer-path"' in page
    assert "Who pays" in page
    assert "would choose" in page
    assert "cost@mean" in page


def test_with_a_counterfactual_the_start_and_the_chosen_run_without_the_system(
    monkeypatch, tmp_path
):
    monkeypatch.setitem(MODELS, "bowl", BOWL_WITH_BASELINE)
    base = load_scenario(BOWL_SCENARIO)
    out = tmp_path / "opt"
    res = run_bowl(base, out, budget=4)
    with SweepDB(out / "results.duckdb", read_only=True) as db:
        _, rows = db.query(
            "SELECT point, baseline, count(*), min(run_id), max(run_id) FROM runs "
            "GROUP BY point, baseline ORDER BY point, baseline"
        )
    by = {(r[0], r[1]): r[2:] for r in rows}
    # run id (trial * R + r) * 2 + arm, as a sweep with a baseline; the start is trial -1
    assert by[(-1, False)] == (2, -4, -2)
    assert by[(-1, True)] == (2, -3, -1)
    t = res.best.trial
    assert by[(t, True)] == (2, 4 * t + 1, 4 * t + 3)
    assert sum(v[0] for k, v in by.items() if k[0] >= 0 and not k[1]) == 8
    assert sum(v[0] for k, v in by.items() if k[1]) == 4  # only the start's and the chosen's
    build_report(out)
    page = (out / "report.html").read_text()
    assert "chosen - system off" in page


def test_a_failing_candidate_is_recorded_and_the_search_goes_on(bowl, tmp_path):
    base = load_scenario(BOWL_SCENARIO, ["params.fail_above=0.5", "params.x=0.4"])
    res = run_bowl(base, tmp_path / "opt", budget=12)
    trials = trials_of(tmp_path / "opt")
    failed = [t for t in trials if t["status"] == "failed"]
    ok = [t for t in trials if t["status"] == "ok"]
    assert failed and ok
    assert all(t["values"]["params.x"] > 0.5 for t in failed)
    assert all(t["values"]["params.x"] <= 0.5 for t in ok)
    assert all("above fail_above" in t["error"] and t["mean"] is None for t in failed)
    assert res.best.values["params.x"] <= 0.5
    assert res.summary.failed == 2 * len(failed)


# ---------------------------------------------------------------- a real model, end to end
def test_dissent_game_end_to_end_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "opt"
    argv = [
        "optimize", "dissent-uniform-b2", "--set", "params.n=500", "--steps", "5",
        "--lever", "params.initial.tolerance=0:1", "--lever", "params.initial.severity=0.01:2",
        "--objective", "political_cost@mean + punishment_cost@mean",
        "--budget", "6", "--replicates", "2", "--workers", "1", "--out", str(out), "--report",
    ]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "chosen policy (trial" in text
    assert "params.initial.tolerance = " in text
    best = yaml.safe_load((out / "best.yaml").read_text())
    with SweepDB(out / "results.duckdb", read_only=True) as db:
        trials = db.trials()
        meta = db.meta()
    top = min((t for t in trials if t["status"] == "ok"), key=lambda t: t["mean"])
    assert best["params"]["initial"]["tolerance"] == top["values"]["params.initial.tolerance"]
    assert meta["best_trial"] == top["trial"]
    assert json.loads(json.dumps(meta["start"]))["status"] == "ok"
    page = (out / "report.html").read_text()
    assert "dissent expressed" in page  # a declared headline measure, by its label
