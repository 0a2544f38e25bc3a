"""A command that needs an extra that is not installed says which one, and exits 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scslab.cli import main
from scslab.extras import EXTRAS

ROOT = Path(__file__).resolve().parents[1]

# (command line, extra); OUT is replaced by a fresh folder
COMMANDS = [
    (["report", "OUT"], "report"),
    (["run", "epstein", "--steps", "2", "--out", "OUT", "--report"], "report"),
    (["serve", "--port", "5999"], "dashboard"),
    (
        [
            "sensitivity",
            "epstein",
            "--param",
            "params.legitimacy=0.5:0.9",
            "--n",
            "4",
            "--measure",
            "jailed@last",
            "--out",
            "OUT",
        ],
        "sensitivity",
    ),  # fmt: skip
]


def _line(argv: list[str], out: Path) -> list[str]:
    return [str(out) if a == "OUT" else a for a in argv]


@pytest.mark.parametrize(("argv", "extra"), COMMANDS, ids=[c[0][0] + "-" + c[1] for c in COMMANDS])
def test_missing_extra_is_named(tmp_path, monkeypatch, capsys, argv, extra):
    for module in EXTRAS[extra]:
        monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    out = tmp_path / "out"
    if argv[0] == "report":
        assert main(["run", "epstein", "--steps", "2", "--out", str(out), "--quiet"]) == 0
    assert main(_line(argv, out)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"scslab: error: {'scslab ' if argv[0] != 'run' else ''}")
    assert err.endswith(f"needs the '{extra}' extra ({', '.join(EXTRAS[extra])} not installed): "
                        f"pip install 'scslab[{extra}]'")  # fmt: skip
    if argv[0] in ("run", "sensitivity"):
        assert not out.exists()  # refused before anything ran


@pytest.mark.slow
def test_the_wheel_without_extras(tmp_path):
    """pip install of the built wheel, no extras: a preset runs; the rest name their extra."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        timeout=600,
    )
    (wheel,) = wheels.glob("scslab-*.whl")
    venv = tmp_path / "venv"
    # a clean environment; this pip installs into it (no copy of pip to bootstrap there)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", str(wheel)],
        check=True,
        timeout=600,
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    scslab = [str(venv / "bin" / "scslab")]

    def cli(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*scslab, *argv], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
        )

    # the core: a preset runs
    run = cli("run", "epstein", "--steps", "5", "--out", str(tmp_path / "run"), "--quiet")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "run" / "metrics.parquet").is_file()
    # and nothing of the extras came with it
    probe = subprocess.run(
        [
            py,
            "-c",
            "import importlib.util as u; print([m for m in "
            "('matplotlib', 'panel', 'bokeh', 'SALib', 'dask') if u.find_spec(m)])",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "[]"
    for argv, extra in COMMANDS:
        out = tmp_path / f"out-{argv[0]}"
        line = _line(argv, tmp_path / "run" if argv[0] == "report" else out)
        proc = cli(*line)
        assert proc.returncode == 2, (line, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert f"pip install 'scslab[{extra}]'" in proc.stderr, proc.stderr
        assert proc.stderr.count("\n") == 1  # one line
