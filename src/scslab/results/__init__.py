"""Results on disk: one run's Parquet and manifest, checkpoints, sweep databases."""

from scslab.results.store import (
    MANIFEST_FILE,
    METRICS_FILE,
    atomic_path,
    prepare_out_dir,
    read_run,
    write_json,
    write_run,
)

__all__ = [
    "MANIFEST_FILE",
    "METRICS_FILE",
    "atomic_path",
    "prepare_out_dir",
    "read_run",
    "write_json",
    "write_run",
]
