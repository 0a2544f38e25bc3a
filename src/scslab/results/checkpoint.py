"""Checkpoints on disk: the state's arrays in ``.npz``, the rest in JSON.

Layout: ``DIR/checkpoint/state-<step>.npz`` and ``DIR/checkpoint/checkpoint.json``;
the JSON is written last and names the npz file, so a checkpoint is either
complete or the previous one stays in force.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from scslab.engine import Checkpoint
from scslab.errors import RunError
from scslab.results.store import CHECKPOINT_DIR, atomic_path, write_json


def save_checkpoint(out: Path, ckpt: Checkpoint, meta: dict[str, Any]) -> Path:
    """Write `ckpt` under ``out/checkpoint``; `meta` holds the scenario, seed and steps."""
    folder = out / CHECKPOINT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    npz = folder / f"state-{ckpt.step}.npz"
    with atomic_path(npz) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **ckpt.fields)
    old = _current_npz(folder)
    write_json(
        folder / "checkpoint.json",
        {
            **meta,
            "step": ckpt.step,
            "state_file": npz.name,
            "python_scalars": ckpt.python_scalars,
            "rng_state": ckpt.rng_state,
            "rows": ckpt.rows,
        },
    )
    if old is not None and old != npz.name:
        (folder / old).unlink(missing_ok=True)
    return folder


def _current_npz(folder: Path) -> str | None:
    try:
        return str(json.loads((folder / "checkpoint.json").read_text())["state_file"])
    except (OSError, ValueError, KeyError):
        return None


def load_checkpoint(out: Path) -> tuple[Checkpoint, dict[str, Any]]:
    """Read the checkpoint of run folder `out`; returns it and its metadata."""
    folder = out / CHECKPOINT_DIR
    meta_path = folder / "checkpoint.json"
    if not meta_path.is_file():
        if (out / "run.json").is_file():
            raise RunError(f"{str(out)!r} holds a finished run; there is nothing to resume")
        raise RunError(
            f"{str(out)!r} has no checkpoint to resume from "
            "(run with --checkpoint-every K to write one)"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with np.load(folder / meta["state_file"], allow_pickle=False) as z:
            fields = {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError) as exc:
        raise RunError(f"checkpoint in {str(folder)!r} cannot be read: {exc}") from None
    ckpt = Checkpoint(
        step=int(meta["step"]),
        fields=fields,
        python_scalars=list(meta["python_scalars"]),
        rng_state=meta["rng_state"],
        rows=meta["rows"],
    )
    return ckpt, meta


def remove_checkpoint(out: Path) -> None:
    """Delete ``out/checkpoint`` once the run has finished."""
    folder = out / CHECKPOINT_DIR
    if folder.is_dir():
        for p in folder.iterdir():
            p.unlink(missing_ok=True)
        folder.rmdir()
