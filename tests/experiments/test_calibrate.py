"""`scslab calibrate` end to end on a tiny problem, and its refusals (docs/calibration.md)."""

import json
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

import scslab
from scslab.cli import main
from scslab.experiments.calibrate import load_targets, weighted_quantile

pytest.importorskip("pyabc")

SCENARIO = "court-blacklist-history"
SMALL = ["--set", "params.population.size=1500"]
TARGETS = """\
scenario: court-blacklist-history
population:
  adults: 1.1e9
  assumption: about 1.1 billion adults (an assumption)
parameters:
  - {path: "params.acts[0].rate", prior: log-uniform, low: 2.0e-4, high: 2.0e-3}
  - {path: "params.sanctions.domains[0].attempt_rate.values[1]", prior: uniform, low: 0.005, high: 0.05}
observations:
  - {name: listed_end_2017, measure: listed_share_adults, date: 2017-12-31, count: 9.6e6,
     uncertainty: 0.1, role: fitted}
  - {name: flights_end_2018, measure: blocked_per_adult_flights, date: 2018-12-31,
     count: 17.46e6, uncertainty: 0.1, role: fitted}
  - {name: new_listings_2024, measure: new_listings_per_adult_year, date: 2024-12-31,
     count: 2.457e6, uncertainty: 0.1, role: held_out}
"""
ARGS = ["--budget", "12", "--particles", "6", "--draws", "3", "--workers", "1", "--quiet"]


def _calibrate(tmp_path, out, text=TARGETS):
    f = tmp_path / "targets.yaml"
    f.write_text(text)
    return main(["calibrate", SCENARIO, "--targets", str(f), "--out", str(out), *SMALL, *ARGS])


def _rows(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cal")
    out = tmp / "out"
    assert _calibrate(tmp, out) == 0
    return tmp, out


def test_a_small_calibration_stores_posterior_summary_and_predictive(calibrated):
    _tmp, out = calibrated
    db = out / "results.duckdb"
    meta = json.loads((out / "calibration.json").read_text())
    assert meta["status"] == "done" and meta["simulations"] >= 12
    # posterior: weights sum to 1, every sample inside its prior's bounds
    post = _rows(db, 'SELECT weight, "params.acts[0].rate" FROM posterior')
    assert len(post) == 6
    assert sum(w for w, _ in post) == pytest.approx(1.0)
    assert all(2e-4 <= v <= 2e-3 for _, v in post)
    # summary: the weighted quantiles of the posterior table, in order
    summary = dict(
        (p, (lo, med, hi))
        for p, lo, med, hi in _rows(db, "SELECT parameter, q05, median, q95 FROM summary")
    )
    assert set(summary) == {
        "params.acts[0].rate",
        "params.sanctions.domains[0].attempt_rate.values[1]",
    }
    w = np.array([r[0] for r in post])
    v = np.array([r[1] for r in post])
    assert summary["params.acts[0].rate"] == pytest.approx(
        tuple(weighted_quantile(v, w, [0.05, 0.5, 0.95]))
    )
    # predictive: every draw has every target, held-out ones too; the check names its role
    pred = _rows(db, "SELECT draw, target FROM predictive")
    assert len(pred) == 3 * 3
    check = {
        t: (role, inside)
        for t, role, inside in _rows(db, "SELECT target, role, inside FROM predictive_summary")
    }
    assert check["new_listings_2024"][0] == "held_out"
    assert check["listed_end_2017"][0] == "fitted"


def test_a_predictive_draw_is_the_run_of_its_parameters(calibrated):
    """Draw i's stored figure is what scslab.run gives for its parameters and seed."""
    _tmp, out = calibrated
    db = out / "results.duckdb"
    ((rate, attempt),) = _rows(
        db,
        'SELECT "params.acts[0].rate", "params.sanctions.domains[0].attempt_rate.values[1]" '
        "FROM predictive_parameters WHERE draw = 0",
    )
    (stored,) = _rows(
        db, "SELECT value FROM predictive WHERE draw = 0 AND target = 'flights_end_2018'"
    )[0]
    res = scslab.run(
        SCENARIO,
        overrides={
            "params.population.size": 1500,
            "params.acts[0].rate": rate,
            "params.sanctions.domains[0].attempt_rate.values[1]": attempt,
        },
        run_index=2**31 + 1,
    )
    m = res.metrics.filter(res.metrics["step"] <= 273).tail(1)
    assert m["blocked_per_adult_flights"][0] == stored


def test_query_and_report_read_a_calibration_folder(calibrated, capsys):
    _tmp, out = calibrated
    assert main(["query", str(out), "SELECT count(*) AS n FROM posterior", "--csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "6"]
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "Posterior marginals" in page and "held_out" in page
    assert (out / "figures" / "posterior.png").is_file()
    assert (out / "figures" / "predictive.png").is_file()


def test_a_rerun_resumes_and_adds_no_simulation_when_the_budget_is_spent(calibrated):
    tmp, out = calibrated
    before = json.loads((out / "calibration.json").read_text())["simulations"]
    pred = _rows(out / "results.duckdb", "SELECT * FROM predictive ORDER BY draw, target")
    assert _calibrate(tmp, out) == 0
    assert json.loads((out / "calibration.json").read_text())["simulations"] == before
    # the predictive draws are seeded from the root seed: the same runs again
    assert _rows(out / "results.duckdb", "SELECT * FROM predictive ORDER BY draw, target") == pred


def test_a_changed_problem_is_refused_with_what_differs(calibrated, capsys):
    tmp, out = calibrated
    changed = TARGETS.replace("high: 2.0e-3", "high: 3.0e-3")
    assert _calibrate(tmp, out, changed) == 2
    err = capsys.readouterr().err
    assert "what differs: the targets file" in err


def test_a_calibration_stored_in_the_old_search_space_is_refused(calibrated, capsys):
    """Particles stored before log-uniform priors were searched in log space cannot resume."""
    tmp, out = calibrated
    meta_path = out / "calibration.json"
    meta = json.loads(meta_path.read_text())
    saved = meta_path.read_text()
    del meta["settings"]["search_space"]
    meta_path.write_text(json.dumps(meta))
    try:
        assert _calibrate(tmp, out) == 2
        assert "search_space (None then, log for log-uniform priors now)" in capsys.readouterr().err
    finally:
        meta_path.write_text(saved)


def test_log_uniform_priors_are_searched_as_uniform_logs():
    pyabc = pytest.importorskip("pyabc")
    import scslab.scenario
    from scslab.experiments.calibrate import _prior, from_search_space

    bundled = Path(scslab.scenario.__file__).parent / "targets" / "court-blacklist-history.yaml"
    targets, _ = load_targets(bundled)
    prior = _prior(pyabc, targets)
    for i, p in enumerate(targets.parameters):
        assert p.prior == "log-uniform"
        lo, hi = prior[f"p{i}"].distribution.support()
        assert from_search_space([lo, hi], [True, True]) == pytest.approx([p.low, p.high])
    assert from_search_space([2.0, np.log(3.0)], [False, True]) == pytest.approx([2.0, 3.0])


def test_a_bad_targets_file_names_field_allowed_got_and_line(tmp_path, capsys):
    bad = TARGETS.replace("prior: uniform", "prior: normal")
    assert _calibrate(tmp_path, tmp_path / "out", bad) == 2
    err = capsys.readouterr().err
    assert "parameters[1].prior must be one of 'uniform', 'log-uniform'; got 'normal'" in err
    assert "targets.yaml:7" in err
    assert not (tmp_path / "out").exists()


def test_a_target_measure_the_model_lacks_is_refused(tmp_path, capsys):
    bad = TARGETS.replace("measure: listed_share_adults", "measure: listed_shares_adults")
    assert _calibrate(tmp_path, tmp_path / "out", bad) == 2
    err = capsys.readouterr().err
    assert "observations[0].measure must be a measure" in err
    assert "did you mean 'listed_share_adults'" in err.lower() or "listed_share_adults" in err


def test_a_log_uniform_prior_needs_a_positive_low(tmp_path):
    f = tmp_path / "t.yaml"
    f.write_text(TARGETS.replace("low: 2.0e-4", "low: 0"))
    with pytest.raises(
        scslab.errors.ScenarioError, match=r"log-uniform prior needs low > 0.*t.yaml:6"
    ):
        load_targets(f)


def test_without_pyabc_the_command_names_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyabc", None)
    assert _calibrate(tmp_path, tmp_path / "out") == 2
    assert "pip install 'scslab[calibrate]'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_bundled_targets_file_is_valid_and_fits_only_figures_up_to_2018():
    from pathlib import Path

    import scslab.scenario

    f = Path(scslab.scenario.__file__).parent / "targets" / "court-blacklist-history.yaml"
    targets, _text = load_targets(f)
    for o in targets.observations:
        assert (o.role == "fitted") == (o.date.year <= 2018), o.name
