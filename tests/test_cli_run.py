from __future__ import annotations

import json

import polars as pl
import pytest

from scslab.cli import main

TOY = "name: toy\nmodel: toy\nsteps: 12\nseed: 5\nparams:\n  n: 200\n"


@pytest.fixture
def toy_file(tmp_path):
    p = tmp_path / "toy.yaml"
    p.write_text(TOY)
    return p


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_run_writes_metrics_and_manifest(tmp_path, toy_file, capsys):
    code, out, err = run(["run", toy_file, "--out", tmp_path / "r", "--seed", 9], capsys)
    assert code == 0, err
    df = pl.read_parquet(tmp_path / "r" / "metrics.parquet")
    assert df.columns == ["step", "mean", "sd", "total"]
    assert df["step"].to_list() == list(range(13))
    m = json.loads((tmp_path / "r" / "run.json").read_text())
    assert m["seed"] == {"entropy": 9, "spawn_key": []}
    assert m["scenario"]["seed"] == 9 and m["steps"] == 12
    assert len(m["scenario_hash"]) == 64
    assert {"scslab", "numpy", "python"} <= set(m["versions"])
    assert m["wall_time_s"] >= 0
    assert "metrics.parquet" in out
    assert not list((tmp_path / "r").glob(".*.tmp"))


def test_same_seed_same_metrics(tmp_path, toy_file, capsys):
    for d in ("a", "b"):
        assert run(["run", toy_file, "--out", tmp_path / d, "--quiet"], capsys)[0] == 0
    a = pl.read_parquet(tmp_path / "a" / "metrics.parquet")
    b = pl.read_parquet(tmp_path / "b" / "metrics.parquet")
    assert a.equals(b)


def test_set_and_steps(tmp_path, toy_file, capsys):
    code, _, err = run(
        [
            "run",
            toy_file,
            "--set",
            "params.drift=0.5",
            "--steps",
            3,
            "--out",
            tmp_path / "r",
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    m = json.loads((tmp_path / "r" / "run.json").read_text())
    assert m["scenario"]["params"]["drift"] == 0.5 and m["steps"] == 3


def test_quiet_prints_nothing(tmp_path, toy_file, capsys):
    code, out, err = run(["run", toy_file, "--out", tmp_path / "r", "--quiet"], capsys)
    assert code == 0 and out == "" and err == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "nope.yaml", "--out", "OUT"], "scenario file 'nope.yaml' not found"),
        (["run", "TOY", "--set", "params.n", "--out", "OUT"], "expected key.path=value"),
        (["run", "TOY", "--set", "params.nn=3", "--out", "OUT"], "did you mean 'n'?"),
        (
            ["run", "TOY", "--set", "params.n=0", "--out", "OUT"],
            "params.n must be in [1, 1000000000]; got 0",
        ),
        (["run", "TOY"], "run needs --out DIR"),
        (["run", "--out", "OUT"], "run needs a SCENARIO"),
        (["run", "--resume", "OUT"], "has no checkpoint to resume from"),
        (["run", "TOY", "--resume", "OUT"], "give no scenario"),
        (
            ["run", "TOY", "--baseline", "--set", "model=epstein", "--out", "OUT"],
            "unknown key 'n' in params",
        ),
        (["presets", "--show", "epstien"], "unknown preset 'epstien'"),
    ],
)
def test_user_errors_exit_2_with_one_message(tmp_path, toy_file, capsys, argv, message):
    argv = [
        str(toy_file) if a == "TOY" else str(tmp_path / "out") if a == "OUT" else a for a in argv
    ]
    code, out, err = run(argv, capsys)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert err.startswith("scslab: error:")


def test_out_dir_not_empty_needs_force(tmp_path, toy_file, capsys):
    out = tmp_path / "r"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, _, err = run(["run", toy_file, "--out", out], capsys)
    assert code == 2 and "exists and is not empty (keep.txt)" in err and "--force" in err
    assert not (out / "metrics.parquet").exists()
    assert run(["run", toy_file, "--out", out, "--force", "--quiet"], capsys)[0] == 0
    assert (out / "metrics.parquet").exists() and (out / "keep.txt").exists()


def test_out_dir_unwritable(toy_file, capsys):
    code, _, err = run(["run", toy_file, "--out", "/proc/scslab-test"], capsys)
    assert code == 2 and "cannot write to output folder" in err


def test_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "x", "--steps", "0"])
    assert exc.value.code == 2
    assert "--steps: must be a whole number >= 1; got '0'" in capsys.readouterr().err


def test_memory_refused_before_allocation(tmp_path, toy_file, capsys):
    code, _, err = run(
        [
            "run",
            toy_file,
            "--set",
            "params.n=1000000000",
            "--set",
            "params.bytes_per_agent=100000",
            "--out",
            tmp_path / "r",
        ],
        capsys,
    )
    assert code == 2
    assert "needs about 93132.3 GiB of memory" in err and "GiB is available" in err
    assert not (tmp_path / "r").exists(), "refused before any folder is made"


def test_baseline_writes_both_and_difference(tmp_path, toy_file, capsys):
    out = tmp_path / "r"
    code, stdout, err = run(
        ["run", toy_file, "--set", "params.drift=0.25", "--baseline", "--out", out], capsys
    )
    assert code == 0, err
    main_df = pl.read_parquet(out / "metrics.parquet")
    base_df = pl.read_parquet(out / "baseline" / "metrics.parquet")
    diff = pl.read_parquet(out / "difference.parquet")
    # common random numbers: the toy's spread is the same, only the drift differs
    assert main_df["sd"].to_list() == pytest.approx(base_df["sd"].to_list(), rel=1e-12)
    assert diff["mean"].to_list() == pytest.approx([0.25 * s for s in range(13)])
    assert (
        json.loads((out / "baseline" / "run.json").read_text())["scenario"]["params"]["drift"] == 0
    )
    assert "without (baseline)" in stdout


def test_baseline_refused_for_model_without_counterfactual(tmp_path, capsys):
    code, _, err = run(["run", "epstein", "--baseline", "--out", tmp_path / "r"], capsys)
    assert code == 2 and "has no counterfactual" in err


def test_resume_after_interrupt_is_bit_identical(tmp_path, toy_file, capsys, monkeypatch):
    full = tmp_path / "full"
    assert run(["run", toy_file, "--out", full, "--quiet"], capsys)[0] == 0

    import scslab.results.checkpoint as ck

    real = ck.save_checkpoint
    calls = []

    def crash_after_second(out, c, meta):
        real(out, c, meta)
        calls.append(c.step)
        if len(calls) == 2:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C

    monkeypatch.setattr(ck, "save_checkpoint", crash_after_second)
    part = tmp_path / "part"
    code, _, err = run(["run", toy_file, "--out", part, "--checkpoint-every", 4, "--quiet"], capsys)
    assert code == 130 and calls == [4, 8]
    assert not (part / "metrics.parquet").exists()
    monkeypatch.setattr(ck, "save_checkpoint", real)
    code, _, err = run(["run", "--resume", part, "--quiet"], capsys)
    assert code == 0, err
    a = pl.read_parquet(full / "metrics.parquet")
    b = pl.read_parquet(part / "metrics.parquet")
    assert a.equals(b)
    assert not (part / "checkpoint").exists()
    assert json.loads((part / "run.json").read_text())["resumed_from_step"] == 8
    code, _, err = run(["run", "--resume", part], capsys)
    assert code == 2 and "finished run" in err


def test_schema_prints_json_schema(capsys):
    code, out, _ = run(["schema"], capsys)
    schema = json.loads(out)
    assert code == 0 and schema["title"] == "scslab scenario"
    text = json.dumps(schema)
    assert "legitimacy" in text and "arrest_formula" in text


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and "scslab 0." in capsys.readouterr().out


def test_a_baseline_run_frees_the_baseline_and_counts_both_runs_steps():
    """The baseline runs first and keeps no state: one model in memory at a time."""
    import scslab
    from scslab.api import check_memory
    from scslab.scenario import kernel, load_scenario
    from scslab.scenario.params.regime import counterfactual

    scn = load_scenario("full-regime", {"params.population.size": 2000, "steps": 6})
    seen = []
    r = scslab.run(scn, baseline=True, progress=lambda n, total: seen.append((n, total)))
    assert r.state is not None and r.baseline.state is None
    assert seen[-1] == (12, 12) and [n for n, _ in seen] == sorted(n for n, _ in seen)
    # the same results as the two runs made apart (common random numbers)
    assert r.metrics.equals(scslab.run(scn).metrics)
    assert r.baseline.metrics.equals(scslab.run(counterfactual(scn)).metrics)
    # checked against the larger estimate of the two, not their sum
    model = kernel("regime")
    cf = counterfactual(scn)
    one = max(model.estimate_bytes(scn), model.estimate_bytes(cf))
    assert check_memory(model, scn, available=10 * one, baseline=cf) == one
