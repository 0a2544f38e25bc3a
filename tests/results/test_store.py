from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from scslab.errors import StoreError
from scslab.results import atomic_path, prepare_out_dir, read_run, write_run


def test_atomic_path_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "a.json"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_replaces_old_file_only_on_success(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_text("new")
            raise KeyboardInterrupt
    assert target.read_text() == "old"
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"


def test_write_and_read_run(tmp_path):
    df = pl.DataFrame({"step": [0, 1], "a": [0.5, 1.5]})
    write_run(tmp_path / "r", df, {"seed": {"entropy": 1}})
    back, manifest = read_run(tmp_path / "r")
    assert back.equals(df) and manifest == {"seed": {"entropy": 1}}
    assert json.loads((tmp_path / "r" / "run.json").read_text())["seed"]["entropy"] == 1


def test_read_run_needs_both_files(tmp_path):
    with pytest.raises(StoreError, match="not a finished run folder"):
        read_run(tmp_path)


def test_prepare_refuses_non_empty_unless_forced(tmp_path):
    (tmp_path / "old.txt").write_text("x")
    with pytest.raises(StoreError, match="exists and is not empty .*--force"):
        prepare_out_dir(tmp_path)
    prepare_out_dir(tmp_path, force=True)


def test_prepare_refuses_a_file(tmp_path):
    f = tmp_path / "f"
    f.write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        prepare_out_dir(f)


def test_prepare_refuses_unwritable_folder():
    # /proc refuses new folders even to root, which CI runs as
    with pytest.raises(StoreError, match="cannot write to output folder '/proc/scslab-out'"):
        prepare_out_dir(Path("/proc/scslab-out"))


def test_prepare_refuses_unwritable_path_even_as_root(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot write to output folder"):
        prepare_out_dir(blocker / "sub")
