"""``scslab run --replicates R`` and ``scslab.run(..., replicates=R)``: seeds, intervals, files."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import polars as pl
import pytest
from scipy import stats

import scslab
from scslab.api import ReplicatedResult
from scslab.cli import main
from scslab.results.intervals import plus_minus, summarise
from scslab.results.store import read_replicates, read_run, read_summary

TOY = {"name": "toy", "model": "toy", "steps": 8, "seed": 11, "params": {"n": 40, "drift": 0.2}}
#: full-regime, small enough for a test: 6,000 people for 40 steps.
REGIME_SMALL = ["params.population.size=6000", "steps=40"]


def cli(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def last_values(frames, measure):
    return np.array([f[measure].to_numpy()[-1] for f in frames], dtype=float)


# ------------------------------------------------------------------ seeds
def test_replicate_i_is_replicate_i_of_a_sweep(tmp_path, capsys):
    """R replicates equal the R runs of a one-point sweep with the same root seed."""
    import duckdb

    toy = tmp_path / "toy.yaml"
    toy.write_text(json.dumps(TOY))
    code, _, err = cli(["run", toy, "--replicates", 3, "--out", tmp_path / "r", "--quiet"], capsys)
    assert code == 0, err
    sweep = tmp_path / "s"
    code, _, err = cli(["sweep", toy, "--replicates", 3, "--workers", 1, "--out", sweep], capsys)
    assert code == 0, err
    con = duckdb.connect(str(sweep / "results.duckdb"), read_only=True)
    try:
        reps = read_replicates(tmp_path / "r")
        assert len(reps) == 3
        for i, (metrics, manifest) in enumerate(reps):
            key = con.execute(
                "SELECT seed_entropy, seed_spawn_key FROM runs WHERE replicate = ?", [i]
            ).fetchone()
            assert manifest["seed"] == {"entropy": key[0], "spawn_key": list(key[1])}
            swept = con.execute(
                "SELECT step, mean, sd, total FROM results WHERE replicate = ? ORDER BY step", [i]
            ).fetchall()
            assert metrics.rows() == swept, f"replicate {i} differs from the sweep's"
    finally:
        con.close()


def test_replicates_equal_single_runs_with_their_seeds():
    result = scslab.run(TOY, replicates=3)
    assert isinstance(result, ReplicatedResult)
    for i, rep in enumerate(result.replicates):
        single = scslab.run(TOY, run_index=i)
        assert rep.metrics.equals(single.metrics)
        assert rep.manifest["seed"] == {"entropy": 11, "spawn_key": [i]}
    # replicates differ from one another (they are not one seed three times)
    assert not result.replicates[0].metrics.equals(result.replicates[1].metrics)


def test_workers_give_the_same_replicates():
    from scslab.report import plot  # noqa: F401  matplotlib (and polars) loaded: workers must not hang

    seq = scslab.run(TOY, replicates=3, baseline=True)
    par = scslab.run(TOY, replicates=3, baseline=True, workers=2)
    for a, b in zip(seq.replicates, par.replicates, strict=True):
        assert a.metrics.equals(b.metrics)
        assert a.baseline.metrics.equals(b.baseline.metrics)
    assert seq.summary.equals(par.summary)
    assert seq.difference_summary.equals(par.difference_summary)


# ------------------------------------------------------------------ intervals
def test_summary_is_scipys_t_interval_of_the_stored_values(tmp_path):
    result = scslab.run(TOY, replicates=5)
    result.save(tmp_path / "r")
    frames = [m for m, _ in read_replicates(tmp_path / "r")]
    summary = read_summary(tmp_path / "r")
    assert summary is not None
    for measure in ("mean", "sd", "total"):
        row = summary.filter((pl.col("step") == 8) & (pl.col("measure") == measure)).row(
            0, named=True
        )
        values = last_values(frames, measure)
        lo, hi = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
        assert row["n"] == 5
        assert row["mean"] == pytest.approx(values.mean(), rel=1e-12)
        assert (row["lo"], row["hi"]) == pytest.approx((lo, hi), rel=1e-10)
        assert row["half_width"] == pytest.approx((hi - lo) / 2, rel=1e-10)


def test_metrics_parquet_holds_the_mean_over_replicates(tmp_path):
    scslab.run(TOY, replicates=4).save(tmp_path / "r")
    mean, manifest = read_run(tmp_path / "r")
    frames = [m for m, _ in read_replicates(tmp_path / "r")]
    stacked = np.stack([f["total"].to_numpy() for f in frames])
    assert np.allclose(mean["total"].to_numpy(), stacked.mean(axis=0), rtol=1e-12)
    assert mean["step"].to_list() == frames[0]["step"].to_list()
    rep = manifest["replicates"]
    assert rep["count"] == 4 and rep["interval"]["method"] == "Student t over replicates"
    assert manifest["seed"]["spawn_keys"] == [[0], [1], [2], [3]]


def test_a_null_measure_is_summarised_where_it_exists():
    """A ratio withheld (NaN) in some replicates: n counts the others."""
    values = [[0.2, 1.0], [math.nan, 2.0], [0.4, 4.0], [0.3, math.nan], [math.nan, math.nan]]
    frames = [
        pl.DataFrame({"step": [0], "ratio": [a], "other": [b]}, schema_overrides={"step": pl.Int64})
        for a, b in values
    ]
    summary = summarise(frames)
    ratio = summary.filter(pl.col("measure") == "ratio").row(0, named=True)
    kept = np.array([0.2, 0.4, 0.3])
    assert ratio["n"] == 3
    lo, hi = stats.t.interval(0.95, 2, loc=kept.mean(), scale=stats.sem(kept))
    assert (ratio["lo"], ratio["hi"]) == pytest.approx((lo, hi), rel=1e-10)
    all_null = summarise([frames[4], frames[4]]).row(0, named=True)
    assert all_null["n"] == 0 and all_null["mean"] is None and all_null["half_width"] is None
    one = summarise(frames[:1]).row(0, named=True)
    assert one["n"] == 1 and one["mean"] == 0.2 and one["half_width"] is None


@pytest.mark.slow
def test_interval_covers_a_known_mean_about_95_percent_of_the_time():
    """The toy's ``mean`` at the end is normal with expectation 0 (no drift).

    Each walker starts N(0, 1) and adds 5 N(0, 1) steps, so the mean of 20
    walkers is N(0, 6/20): the t-interval over 4 replicates covers 0 with
    probability exactly 0.95. Over 400 root seeds the number that cover it is
    Binomial(400, 0.95): mean 380, sd 4.4; accept 380 ± 15 (3.4 sd).
    """
    scn = {"name": "toy", "model": "toy", "steps": 5, "seed": 0, "params": {"n": 20}}
    covered = 0
    for seed in range(400):
        row = scslab.run(scn, seed=seed, replicates=4).final()["mean"]
        covered += row["lo"] <= 0.0 <= row["hi"]
    assert 365 <= covered <= 395, covered


def test_paired_interval_is_scipys_and_narrower_than_the_unpaired_one():
    """Common random numbers: the regime and its baseline share each replicate's seed.

    The paired interval is scipy's ``ttest_rel`` interval of the stored values for
    every measure. It is narrower than the unpaired (Welch) one where the two
    arms share most of their noise: welfare depends mostly on the society itself
    (incomes), which both arms draw from the same streams. (Not for every measure: where the system's own randomness
    dominates, as for public dissent at this size, the arms can be
    uncorrelated and pairing buys nothing. Nor for firm compliance since `full-regime`
    has `firms` on: the arms draw the same candidates and uniforms, but the firms'
    choices respond to their own sanctions and inspections.)
    """
    result = scslab.run("full-regime", overrides=REGIME_SMALL, replicates=5, baseline=True)
    assert result.difference_summary is not None and result.baseline is not None
    last = result.difference_summary["step"].max()
    width = {}
    for measure in ("dissent_public", "falsification_gap", "welfare", "firm_compliance"):
        a = last_values([r.metrics for r in result.replicates], measure)
        b = last_values([r.baseline.metrics for r in result.replicates], measure)
        row = result.difference_summary.filter(
            (pl.col("step") == last) & (pl.col("measure") == measure)
        ).row(0, named=True)
        paired = stats.ttest_rel(a, b).confidence_interval(0.95)
        assert (row["lo"], row["hi"]) == pytest.approx((paired.low, paired.high), rel=1e-9)
        unpaired = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
        width[measure] = (row["hi"] - row["lo"], unpaired.high - unpaired.low)
    for measure in ("welfare",):
        paired_width, unpaired_width = width[measure]
        assert unpaired_width > 0 and paired_width < 0.5 * unpaired_width, (measure, width)


# ------------------------------------------------------------------ the command
def test_cli_prints_value_plus_minus_half_width(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # one table row per line
    code, out, err = cli(
        ["run", "full-regime", *sum((["--set", s] for s in REGIME_SMALL), []), "--replicates", 3]
        + ["--out", tmp_path / "r"],
        capsys,
    )
    assert code == 0, err
    assert "95% interval (Student t over replicates) over 3 runs" in out
    rows = [ln for ln in out.splitlines() if "dissent_public" in ln]
    assert rows and re.search(r"\d ± \d[\d.]* \(3 runs\)", rows[0]), out
    for name in ("summary.parquet", "replicates"):
        assert name in out
        assert (tmp_path / "r" / name).exists()


def test_cli_with_baseline_prints_a_paired_difference(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    toy = tmp_path / "toy.yaml"
    toy.write_text(json.dumps(TOY))
    code, out, err = cli(
        ["run", toy, "--replicates", 3, "--baseline", "--out", tmp_path / "r"], capsys
    )
    assert code == 0, err
    assert "difference (paired)" in out and "over 3 runs" in out
    # the toy's baseline drops the drift (0.2 a step): the difference in `mean` is
    # 0.2 x 8 = 1.6 in every replicate, so its paired interval has width 0
    row = next(ln for ln in out.splitlines() if ln.startswith("│ mean"))
    assert "+1.6 ± 0" in row
    assert (tmp_path / "r" / "difference_summary.parquet").is_file()
    assert (tmp_path / "r" / "replicates" / "2" / "baseline" / "run.json").is_file()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--replicates", "0"], "--replicates: must be a whole number >= 1; got '0'"),
        (["--replicates", "x"], "--replicates: must be a whole number >= 1; got 'x'"),
        (["--replicates", "3", "--checkpoint-every", "2"], "keeps no checkpoint"),
        (["--workers", "2"], "give --replicates R with it"),
    ],
)
def test_cli_errors(tmp_path, capsys, extra, message):
    toy = tmp_path / "toy.yaml"
    toy.write_text(json.dumps(TOY))
    try:
        code, _, err = cli(["run", toy, "--out", tmp_path / "r", *extra], capsys)
    except SystemExit as exc:  # argparse's own check of the value
        code, err = exc.code, capsys.readouterr().err
    assert code == 2 and message in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_cli_refuses_replicates_with_resume(tmp_path, capsys):
    toy = tmp_path / "toy.yaml"
    toy.write_text(json.dumps(TOY))
    out = tmp_path / "r"
    assert cli(["run", toy, "--out", out, "--checkpoint-every", 2, "--quiet"], capsys)[0] == 0
    code, _, err = cli(["run", "--resume", out, "--replicates", 3], capsys)
    assert code == 2 and "keeps no checkpoint" in err and "Traceback" not in err


def test_api_errors():
    with pytest.raises(scslab.api.RunError, match="replicates must be a whole number >= 1; got 0"):
        scslab.run(TOY, replicates=0)
    with pytest.raises(scslab.api.RunError, match="keeps no checkpoint"):
        scslab.run(TOY, replicates=2, checkpoint_every=3)
    with pytest.raises(scslab.api.RunError, match="give replicates with it"):
        scslab.run(TOY, workers=2)


def test_plus_minus_shows_the_mean_to_the_half_widths_precision():
    assert plus_minus(0.123456, 0.0012) == "0.1235 ± 0.0012"
    assert plus_minus(123456.0, 2345.0) == "123456 ± 2345"
    assert plus_minus(0.00129, 3.4e-05) == "0.001290 ± 0.000034"
    assert plus_minus(2e-9, 3e-10) == "2e-09 ± 3e-10"
    assert plus_minus(-0.0004, 0.05) == "0.000 ± 0.050"  # no minus sign on a rounded zero
    assert plus_minus(0.5, 0.0) == "0.5 ± 0"
    assert plus_minus(1.6, 0.0, signed=True) == "+1.6 ± 0"
    assert plus_minus(1.48e-16, 2e-17, signed=True) == "0 ± 0"  # equal values, up to rounding
    assert plus_minus(0.2, None) == "0.2"
    assert plus_minus(math.nan, 0.1) == "n/a"


def test_force_leaves_no_earlier_replicates_behind(tmp_path):
    out = tmp_path / "r"
    scslab.run(TOY, replicates=4).save(out)
    scslab.run(TOY, replicates=2).save(out, force=True)
    assert len(read_replicates(out)) == 2
    assert read_summary(out)["n"].max() == 2
    scslab.run(TOY).save(out, force=True)  # one seed: no summary, no replicates
    assert read_summary(out) is None and read_replicates(out) == []
    assert not (out / "replicates").exists()


def test_a_calendar_date_is_kept_beside_the_step_not_summarised():
    import datetime as dt

    from scslab.results.intervals import means

    day = [dt.date(2014, 1, 1), dt.date(2014, 1, 8)]
    frames = [
        pl.DataFrame({"step": [0, 1], "date": day, "x": [float(i), 2.0 * i]}) for i in range(3)
    ]
    summary = summarise(frames)
    assert summary.columns[:3] == ["step", "date", "measure"]
    assert summary["measure"].to_list() == ["x", "x"] and summary["date"].to_list() == day
    mean = means(summary)
    assert mean.columns == ["step", "date", "x"] and mean["x"].to_list() == [1.0, 2.0]
