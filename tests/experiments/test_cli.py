from __future__ import annotations

import csv
import io
import shlex

import pytest

from scslab.cli import main


def cli(text: str) -> int:
    return main(shlex.split(text))


def sweep(toy_yaml, out, *extra):
    return main(["sweep", str(toy_yaml), "--out", str(out), "--quiet", *extra])


def test_sweep_then_query(toy_yaml, tmp_path, capsys):
    out = tmp_path / "s"
    rc = main(
        [
            "sweep",
            str(toy_yaml),
            "--vary",
            "params.drift=0,0.5",
            "--vary",
            "params.n=10:30:3",
            "--replicates",
            "2",
            "--workers",
            "1",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "sweep: 12 runs on this process: 12 now (12 ok, 0 failed)" in text
    assert str(out / "results.duckdb") in text
    rc = main(
        [
            "query",
            str(out),
            'SELECT "params.drift" AS drift, count(*) AS runs FROM runs GROUP BY 1 ORDER BY 1',
            "--csv",
        ]
    )
    assert rc == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["drift", "runs"], ["0.0", "6"], ["0.5", "6"]]
    assert main(["query", str(out / "results.duckdb"), "SELECT count(*) AS n FROM results"]) == 0
    assert "192" in capsys.readouterr().out  # 12 runs x 16 rows (steps 0..15)
    # the rerun of the same command does nothing
    assert (
        cli(
            f"sweep {toy_yaml} --vary params.drift=0,0.5 --vary params.n=10:30:3 "
            f"--replicates 2 --out {out}"
        )
        == 0
    )
    assert "0 now (0 ok, 0 failed), 12 done before" in capsys.readouterr().out


def test_failures_set_the_exit_status_and_the_summary(toy_yaml, tmp_path, capsys):
    rc = cli(
        f"sweep {toy_yaml} --vary params.fail_at_step=2,50 --replicates 2 --workers 2 "
        f"--out {tmp_path / 's'}"
    )
    assert rc == 1
    text = capsys.readouterr().out
    assert "2 of 4 runs failed" in text
    assert "(params.fail_at_step=2): ValueError: toy failure at step 2" in text
    assert "SELECT run_id, error FROM runs WHERE status = 'failed'" in text


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--vary", "params.drift=0:1:"], ["--vary params.drift=0:1:", "n in lo:hi:n"]),
        (["--vary", "params.walk=0,1"], ["--vary params.walk=0,1", "unknown key 'walk'"]),
        (["--vary", "params.drift=0,3"], ["--vary params.drift=0,3", "must be in [-1, 1]; got 3"]),
        (["--sample", "lhs:x", "--vary", "params.drift=0:1"], ["--sample lhs:x"]),
    ],
)
def test_grid_errors_exit_2_before_any_run(toy_yaml, tmp_path, capsys, args, words):
    out = tmp_path / "s"
    assert sweep(toy_yaml, out, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("scslab: error: ")
    for w in words:
        assert w in err
    assert not (out / "results.duckdb").exists()


def test_baseline_without_a_counterfactual_exits_2(toy_yaml, tmp_path, capsys, crashy):
    assert sweep(toy_yaml, tmp_path / "s", "--baseline", "--set", "model=crashy") == 2
    assert "has no counterfactual" in capsys.readouterr().err
    assert not (tmp_path / "s" / "results.duckdb").exists()


def test_a_changed_grid_in_the_same_folder_is_refused(toy_yaml, tmp_path, capsys):
    out = tmp_path / "s"
    assert sweep(toy_yaml, out, "--vary", "params.drift=0,0.5") == 0
    assert sweep(toy_yaml, out, "--vary", "params.drift=0,0.6") == 2
    err = capsys.readouterr().err
    assert "holds a different sweep" in err and "was [0.0, 0.5], now [0.0, 0.6]" in err


def test_baseline_and_lhs_from_the_command_line(toy_yaml, tmp_path, capsys):
    out = tmp_path / "s"
    args = "--vary params.drift=0:0.5 --sample lhs:3 --baseline --workers 1".split()
    assert sweep(toy_yaml, out, *args) == 0
    sql = "SELECT count(*), sum(baseline::INT) FROM runs"
    assert main(["query", str(out), sql, "--csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "6,3"


def test_verbose_prints_one_line_per_run(toy_yaml, tmp_path, capsys):
    out = tmp_path / "s"
    assert cli(f"sweep {toy_yaml} --replicates 3 --workers 1 --verbose --quiet --out {out}") == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("sweep toy: 3 runs, 0 done before")
    assert [ln.split()[:3] for ln in lines[1:]] == [["run", str(i), "ok"] for i in range(3)]
    assert lines[-1].endswith("[3/3, 0 failed]")


def test_progress_bar_on_a_terminal(toy_yaml, tmp_path, monkeypatch):
    from scslab.experiments.cli import SweepProgress

    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    bar = SweepProgress("sweep toy", quiet=False, verbose=False)
    assert bar.enabled
    bar.start(10, 2, 1)
    task = bar._bar.tasks[0]
    assert (task.completed, task.total, task.fields["failed"]) == (2, 10, 1)
    bar.close()


def test_query_errors(tmp_path, toy_yaml, capsys):
    assert main(["query", str(tmp_path), "SELECT 1"]) == 2
    assert "no sweep database" in capsys.readouterr().err
    sweep(toy_yaml, tmp_path / "s")
    assert main(["query", str(tmp_path / "s"), "SELEKT"]) == 2
    assert "query failed" in capsys.readouterr().err


def test_query_prints_a_table(toy_yaml, tmp_path, capsys):
    sweep(toy_yaml, tmp_path / "s", "--replicates", "3")
    sql = "SELECT run_id, status FROM runs ORDER BY 1"
    assert main(["query", str(tmp_path / "s"), sql, "--max-rows", "2"]) == 0
    out = capsys.readouterr().out
    assert "run_id" in out and "status" in out and "2 of 3 rows shown" in out


def test_help_mentions_measures(capsys):
    with pytest.raises(SystemExit):
        main(["sensitivity", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "NAME@last (the metric at the last step)" in text
    assert "NAME@mean (its mean over the steps)" in text


def test_sensitivity_prints_and_stores_the_indices(toy_yaml, tmp_path, capsys):
    out = tmp_path / "sa"
    base = f"sensitivity {toy_yaml} --param params.drift=-0.5:0.5 --param params.n=10:40 --n 8"
    assert cli(f"{base} --measure mean@last --workers 2 --out {out}") == 0
    text = capsys.readouterr().out
    assert "sobol indices of mean@last" in text and "params.drift" in text and "ST_conf" in text
    assert "48 now (48 ok, 0 failed)" in text  # N * (2D + 2)
    # another measure reuses the runs
    assert cli(f"{base} --measure sd@mean --measure total@max --out {out}") == 0
    text = capsys.readouterr().out
    assert "0 now (0 ok, 0 failed), 48 done before" in text and "indices of total@max" in text
    sql = "SELECT DISTINCT measure FROM indices ORDER BY 1"
    assert main(["query", str(out), sql, "--csv"]) == 0
    assert capsys.readouterr().out.split() == ["measure", "mean@last", "sd@mean", "total@max"]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ("--n 100 --measure mean@last", ["--n must be a power of 2", "try 64 or 128"]),
        ("--n 8 --measure mean", ["--measure mean: expected NAME@last"]),
        ("--n 8 --measure meen@last", ["no metric 'meen'", "did you mean 'mean'"]),
        ("--n 4 --method morris --levels 3 --measure mean@last", ["--levels must be an even"]),
    ],
)
def test_sensitivity_errors(toy_yaml, tmp_path, capsys, extra, words):
    rc = cli(f"sensitivity {toy_yaml} --param params.drift=0:0.5 {extra} --out {tmp_path}/x")
    assert rc == 2
    err = capsys.readouterr().err
    for w in words:
        assert w in err
    assert not (tmp_path / "x").exists()  # refused before anything ran
