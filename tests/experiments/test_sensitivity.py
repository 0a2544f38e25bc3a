from __future__ import annotations

import numpy as np
import pytest

from scslab.errors import ScenarioError, StoreError
from scslab.experiments import Plan, run_sweep
from scslab.experiments.sensitivity import (
    analyze,
    check_sizes,
    measure_values,
    parse_measure,
    sample_design,
)
from scslab.results.sweepdb import SweepDB

PARAMS = ["params.drift=-0.5:0.5", "params.n=10:40"]


@pytest.mark.parametrize(
    ("method", "n", "levels", "words"),
    [
        ("sobol", 100, 4, ["--n must be a power of 2", "got 100", "try 64 or 128"]),
        ("sobol", 1, 4, ["power of 2", "got 1"]),
        ("morris", 1, 4, ["--n (Morris trajectories) must be", ">= 2"]),
        ("morris", 10, 3, ["--levels must be an even", "got 3"]),
        ("fast", 8, 4, ["--method must be one of sobol, morris"]),
    ],
)
def test_sample_sizes_are_checked(method, n, levels, words):
    with pytest.raises(ScenarioError) as err:
        check_sizes(method, n, 2, levels)
    for w in words:
        assert w in str(err.value)


def test_params_must_be_ranges(toy_base):
    with pytest.raises(ScenarioError, match="--param params.drift=0,1: give a range lo:hi"):
        sample_design(["params.drift=0,1"], toy_base, "sobol", 8)
    with pytest.raises(ScenarioError, match="at least one --param"):
        sample_design([], toy_base, "sobol", 8)
    with pytest.raises(ScenarioError, match="--param params.drift=0:3: params.drift must be in"):
        sample_design(["params.drift=0:3"], toy_base, "sobol", 8)


@pytest.mark.parametrize("text", ["mean", "mean@", "mean@median", "@last"])
def test_measure_syntax(text):
    with pytest.raises(ScenarioError, match="NAME@last, NAME@mean"):
        parse_measure(text)


def test_measure_parse():
    m = parse_measure("sanctioned_share@last")
    assert (m.metric, m.aggregate, m.label) == ("sanctioned_share", "last", "sanctioned_share@last")


def test_measure_names_are_checked_against_the_models_declarations():
    assert parse_measure("public_opposition@mean", "kuran").metric == "public_opposition"
    assert parse_measure("acts_fraud@last", "regime").metric == "acts_fraud"  # a family member
    with pytest.raises(ScenarioError) as err:
        parse_measure("publc_opposition@last", "kuran")
    assert "no metric 'publc_opposition' in model 'kuran'" in str(err.value)
    assert "did you mean 'public_opposition'?" in str(err.value)
    assert "see docs/metrics.md" in str(err.value)
    # a syntax error gives one of the model's own headline measures as the example
    with pytest.raises(ScenarioError, match="for example mean_boldness@last"):
        parse_measure("mean_boldness", "axelrod")


def test_sobol_sample_has_saltellis_size_and_is_seeded(toy_base):
    d = sample_design(PARAMS, toy_base, "sobol", 8)
    assert len(d) == 8 * (2 * 2 + 2)
    assert d.points == sample_design(PARAMS, toy_base, "sobol", 8).points
    assert len(sample_design(PARAMS, toy_base, "sobol", 8, second_order=False)) == 8 * 4
    assert all(10 <= p[1] <= 40 and isinstance(p[1], int) for p in d.points)
    assert len(sample_design(PARAMS, toy_base, "morris", 5)) == 5 * 3


def test_sobol_finds_the_parameter_that_matters(toy_base, tmp_path):
    design = sample_design(PARAMS, toy_base, "sobol", 32)
    s = run_sweep(Plan(toy_base, design), tmp_path / "s", workers=2, kind="sensitivity")
    assert s.failed == 0
    with SweepDB(s.db) as db:
        y = measure_values(db, parse_measure("mean@last"), len(design))
        ind = analyze(design, y, parse_measure("mean@last"), seed=1)
        db.replace_indices(ind.method, ind.measure, ind.tidy)
        _, rows = db.query(
            "SELECT param, value FROM indices WHERE statistic = 'ST' ORDER BY value DESC"
        )
    # the mean position after 15 steps is drift * 15 plus noise: drift explains it
    assert rows[0][0] == "params.drift" and rows[0][1] > 0.8
    assert rows[1][1] < 0.2
    assert [r[0] for r in ind.table] == ["params.drift", "params.n"]
    assert {t[2] for t in ind.tidy} >= {"S1", "ST", "S2"}


def test_morris_ranks_the_parameters(toy_base, tmp_path):
    design = sample_design(PARAMS, toy_base, "morris", 10)
    s = run_sweep(Plan(toy_base, design), tmp_path / "s", workers=1, kind="sensitivity")
    with SweepDB(s.db) as db:
        y = measure_values(db, parse_measure("total@mean"), len(design))
    ind = analyze(design, y, parse_measure("total@mean"), seed=1)
    mu_star = {r[0]: r[2] for r in ind.table}
    assert mu_star["params.drift"] > 10 * mu_star["params.n"] / 30  # per unit of range
    assert ind.columns == ["mu", "mu_star", "mu_star_conf", "sigma"]


def test_unknown_metric_and_failed_runs_are_explained(toy_base, tmp_path):
    design = sample_design(["params.drift=-0.5:0.5"], toy_base, "sobol", 2)
    s = run_sweep(Plan(toy_base, design), tmp_path / "s", workers=1, kind="sensitivity")
    with SweepDB(s.db) as db:
        with pytest.raises(StoreError, match="no metric 'meen'.*did you mean 'mean'"):
            measure_values(db, parse_measure("meen@last"), len(design))
    from scslab.scenario import load_scenario

    failing = load_scenario(toy_base.to_dict(), {"params.fail_at_step": 3})
    design = sample_design(["params.drift=-0.5:0.5"], failing, "sobol", 2)
    s = run_sweep(Plan(failing, design), tmp_path / "f", workers=1, kind="sensitivity")
    with SweepDB(s.db) as db:
        with pytest.raises(StoreError, match="runs failed, and the indices need every"):
            measure_values(db, parse_measure("mean@last"), len(design))


def test_constant_measure_gives_a_note(toy_base):
    design = sample_design(["params.drift=-0.5:0.5"], toy_base, "sobol", 4)
    ind = analyze(design, np.ones(len(design)), parse_measure("x@last"), seed=1)
    assert any("same at every sample point" in n for n in ind.notes)
