"""Helpers of the sweep tests: database snapshots, free ports, paths."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent


def snapshot(db_file: Path) -> dict[str, Any]:
    """Everything in a sweep database that must not depend on how it was run.

    Leaves out wall times, worker names and the manifest's timing fields.
    """
    import duckdb

    con = duckdb.connect(str(db_file), read_only=True)
    try:
        cols = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'runs' "
                "ORDER BY ordinal_position"
            ).fetchall()
        ]
        keep = [c for c in cols if c not in {"wall_time_s", "worker", "manifest"}]
        quoted = ", ".join('"' + c + '"' for c in keep)
        runs = con.execute(f"SELECT {quoted}, manifest FROM runs ORDER BY run_id").fetchall()
        runs = [(*r[:-1], _stable_manifest(json.loads(r[-1]))) for r in runs]
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        metrics = (
            con.execute("SELECT * FROM metrics ORDER BY run_id, step").fetchall()
            if "metrics" in tables
            else []
        )
        meta = dict(con.execute("SELECT key, value FROM sweep WHERE key <> 'command'").fetchall())
    finally:
        con.close()
    return {"columns": keep, "runs": runs, "metrics": metrics, "meta": meta}


def _stable_manifest(m: dict[str, Any]) -> dict[str, Any]:
    return {k: m.get(k) for k in ("scenario", "scenario_hash", "seed", "steps", "model")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
