"""One run on disk: ``metrics.parquet`` and ``run.json``, written atomically."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from scslab.errors import StoreError

METRICS_FILE = "metrics.parquet"
MANIFEST_FILE = "run.json"
CHECKPOINT_DIR = "checkpoint"
#: A run with replicates: ``replicates/<i>/`` holds replicate i as a run folder.
REPLICATES_DIR = "replicates"
#: Mean and 95 % interval per step and measure over the replicates.
SUMMARY_FILE = "summary.parquet"
#: The same for the paired difference (with the system minus baseline).
DIFFERENCE_SUMMARY_FILE = "difference_summary.parquet"


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it onto `target` on success.

    An interrupted write leaves no half-written `target`: only a hidden
    temporary file, removed when the error is seen.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_json(target: Path, data: Any) -> None:
    """Write `data` as indented JSON, atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def prepare_out_dir(out: Path, *, force: bool = False, allow: tuple[str, ...] = ()) -> None:
    """Make sure `out` can take a run's results, before the run starts.

    Refuses a folder that exists and is not empty (unless `force`), a path that
    is a file, and a folder that cannot be written, each with a message that
    says what to do. Entries named in `allow` do not count as content.
    """
    if out.exists() and not out.is_dir():
        raise StoreError(f"output folder {str(out)!r} is a file; choose another --out")
    if out.is_dir() and not force:
        content = [p.name for p in out.iterdir() if p.name not in allow]
        if content:
            shown = ", ".join(sorted(content)[:5]) + (", ..." if len(content) > 5 else "")
            raise StoreError(
                f"output folder {str(out)!r} exists and is not empty ({shown}); "
                "choose another --out or pass --force to overwrite"
            )
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise StoreError(
            f"cannot write to output folder {str(out)!r}: {exc.strerror or exc}"
        ) from None


def write_run(out: Path, metrics: pl.DataFrame, manifest: dict[str, Any]) -> dict[str, Path]:
    """Write ``metrics.parquet`` and then ``run.json`` (the manifest marks a complete run)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"metrics": out / METRICS_FILE, "manifest": out / MANIFEST_FILE}
    try:
        with atomic_path(paths["metrics"]) as tmp:
            metrics.write_parquet(tmp)
        write_json(paths["manifest"], manifest)
    except OSError as exc:
        raise StoreError(f"cannot write results to {str(out)!r}: {exc}") from None
    return paths


def write_frame(target: Path, frame: pl.DataFrame) -> Path:
    """Write `frame` as Parquet at `target`, atomically."""
    try:
        with atomic_path(target) as tmp:
            frame.write_parquet(tmp)
    except OSError as exc:
        raise StoreError(f"cannot write {str(target)!r}: {exc}") from None
    return target


def replicate_dir(out: Path, index: int) -> Path:
    """The folder of replicate `index` of the run in `out`."""
    return out / REPLICATES_DIR / str(index)


def clear_replicates(out: Path, keep: int = 0) -> None:
    """Remove what an earlier run with replicates left in `out` (under ``--force``).

    Replicate folders from `keep` on and the summary files go, so that a folder
    never mixes this run's results with an earlier run's.
    """
    import shutil

    for name in (SUMMARY_FILE, DIFFERENCE_SUMMARY_FILE, f"baseline/{SUMMARY_FILE}"):
        (out / name).unlink(missing_ok=True)
    root = out / REPLICATES_DIR
    if root.is_dir():
        for p in root.iterdir():
            if p.is_dir() and p.name.isdigit() and int(p.name) >= keep:
                shutil.rmtree(p)
        if keep == 0 and not any(root.iterdir()):
            root.rmdir()


def read_summary(out: str | Path, name: str = SUMMARY_FILE) -> pl.DataFrame | None:
    """``out/summary.parquet`` (or `name`), or None for a run without replicates."""
    path = Path(out) / name
    if not path.is_file():
        return None
    try:
        return pl.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read {str(path)!r}: {exc}") from None


def read_replicates(out: str | Path) -> list[tuple[pl.DataFrame, dict[str, Any]]]:
    """Every replicate's metrics and manifest, in replicate order (empty without replicates)."""
    root = Path(out) / REPLICATES_DIR
    if not root.is_dir():
        return []
    found = sorted((int(p.name), p) for p in root.iterdir() if p.is_dir() and p.name.isdigit())
    return [read_run(p) for _, p in found]


def read_run(out: str | Path) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Read a run folder written by `write_run`."""
    out = Path(out)
    mpath, jpath = out / METRICS_FILE, out / MANIFEST_FILE
    if not jpath.is_file() or not mpath.is_file():
        raise StoreError(
            f"{str(out)!r} is not a finished run folder (needs {METRICS_FILE} and {MANIFEST_FILE})"
        )
    try:
        manifest = json.loads(jpath.read_text(encoding="utf-8"))
        return pl.read_parquet(mpath), manifest
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read run folder {str(out)!r}: {exc}") from None
