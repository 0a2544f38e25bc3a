"""The Makefile picks the newest Python >= 3.11 on the PATH; PYTHON= overrides it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")

pytestmark = pytest.mark.skipif(MAKE is None, reason="needs make")


def fake_python(folder: Path, name: str, version: str | None) -> Path:
    """A stand-in interpreter: `version` None is a pyenv shim of an inactive version."""
    path = folder / name
    if version is None:
        body = 'echo "pyenv: $0: command not found" >&2; exit 127'
    else:
        major, minor = (int(x) for x in version.split(".")[:2])
        ok = 0 if (major, minor) >= (3, 11) else 1
        body = f'case "$1" in --version) echo "Python {version}";; *) exit {ok};; esac'
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def make(tmp_path: Path, pythons: dict[str, str | None], *args: str, dry: bool = True):
    """`make` of a fresh venv with only `pythons` on the PATH (`dry`: print the plan only)."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    for name, version in pythons.items():
        fake_python(bindir, name, version)
    venv = tmp_path / "venv"
    return subprocess.run(
        [
            MAKE,
            *(["-n"] if dry else []),
            "-C",
            str(ROOT),
            f"VENV={venv}",
            f"{venv}/.installed",
            *args,
        ],  # fmt: skip
        capture_output=True,
        text=True,
        env={"PATH": str(bindir), "HOME": str(tmp_path)},
        timeout=60,
    )


@pytest.mark.parametrize(
    ("pythons", "chosen"),
    [
        ({"python3.13": "3.13.0", "python3.12": "3.12.1", "python3.11": "3.11.7"}, "python3.13"),
        ({"python3.12": "3.12.1", "python3": "3.12.1"}, "python3.12"),  # no 3.11 at all
        ({"python3.13": None, "python3.12": None, "python3.11": "3.11.7"}, "python3.11"),  # shims
        ({"python3": "3.13.0"}, "python3"),
    ],
)
def test_the_newest_python_that_runs_is_chosen(tmp_path, pythons, chosen):
    proc = make(tmp_path, pythons)
    assert proc.returncode == 0, proc.stderr
    assert f"{tmp_path / 'bin' / chosen} -m venv" in proc.stdout


def test_python_overrides(tmp_path):
    proc = make(tmp_path, {"python3.13": "3.13.0"}, "PYTHON=/opt/py/bin/python3.11")
    assert "/opt/py/bin/python3.11 -m venv" in proc.stdout


@pytest.mark.parametrize(
    ("pythons", "args", "message"),
    [
        (
            {"python3": "3.10.13", "python3.12": None},
            (),
            "error: scslab needs Python 3.11 or newer; none of python3.13 python3.12 "
            "python3.11 python3 on the PATH is one.",
        ),
        (
            {"python3.13": "3.13.0"},
            ("PYTHON=python3.9",),
            "error: PYTHON=python3.9 is not a Python 3.11 or newer that runs",
        ),
    ],
)
def test_no_python_new_enough_stops_with_what_is_needed(tmp_path, pythons, args, message):
    proc = make(tmp_path, pythons, *args, dry=False)
    assert proc.returncode != 0
    assert message in proc.stdout
    assert not (tmp_path / "venv").exists()
