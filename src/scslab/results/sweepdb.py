"""A sweep's results: one DuckDB file, ``DIR/results.duckdb``.

Tables
------
``sweep``
    ``key``, ``value`` (JSON): the scenario, its hash, the design spec, the
    command, the package version. A rerun must match the scenario and design.
``runs``
    One row per finished run: ``run_id``, ``point``, ``replicate``,
    ``baseline``, one column per varied path (named by the path, e.g.
    ``"params.legitimacy"``), ``seed_entropy``, ``seed_spawn_key``, ``status``
    ('ok' or 'failed'), ``error``, ``wall_time_s``, ``worker``, ``manifest``
    (JSON text).
``metrics``
    ``run_id``, ``step``, ``date`` (DATE; only when the scenario has a
    calendar) and one DOUBLE column per metric; created with the first
    finished run, widened if a later run reports a new metric.
``results`` (view)
    ``runs`` of status 'ok' joined with ``metrics``: varied values, replicate,
    baseline, step and metrics in one table.
``trials``
    ``scslab optimize``'s candidates, one row per evaluated candidate:
    ``trial`` (0, 1, ... in the order asked), one column per lever (named by
    its path), ``status``, ``objective`` (mean over the replicates),
    ``objective_low`` and ``objective_high`` (95 % Student-t interval),
    ``objective_sd``, ``replicates``, ``best_so_far`` (the lowest objective of
    trials 0..trial) and ``error``. Their runs are in ``runs`` with
    ``point = trial``; the starting scenario's runs have ``point = -1``.
``indices``
    Sensitivity indices (``scslab sensitivity``), tidy: ``method``,
    ``measure``, ``param``, ``param2``, ``statistic``, ``value``.

Only the sweep's parent process writes, and each run is committed in one
transaction (its ``runs`` row with its metrics), so a killed sweep loses no
finished run and a run is either wholly present or absent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scslab.errors import StoreError

DB_FILE = "results.duckdb"


def quote(name: str) -> str:
    """A SQL identifier, double-quoted (``params.a`` -> ``"params.a"``)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class RunRow:
    """The ``runs`` row of one finished run."""

    run_id: int
    point: int
    replicate: int
    baseline: bool
    values: Mapping[str, Any]
    seed_entropy: int
    seed_spawn_key: Sequence[int]
    status: str
    error: str | None
    wall_time_s: float
    worker: str | None
    manifest: Mapping[str, Any]


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, Mapping):
        out: dict[str, Any] = {}
        for k, v in data.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out if out or not prefix else {prefix: {}}
    return {prefix: data}


def differences(old: Any, new: Any, limit: int = 6) -> list[str]:
    """Human-readable differences between two JSON-like values, keyed by path."""
    a, b = _flatten(old), _flatten(new)
    out = []
    for key in sorted(set(a) | set(b)):
        if a.get(key, "<absent>") != b.get(key, "<absent>"):
            was = json.dumps(a[key]) if key in a else "absent"
            now = json.dumps(b[key]) if key in b else "absent"
            out.append(f"{key or 'value'} was {was}, now {now}")
    if len(out) > limit:
        out = out[:limit] + [f"and {len(out) - limit} more"]
    return out


def _lock_message(path: Path, exc: Exception) -> str:
    text = str(exc)
    pid = re.search(r"PID (\d+)", text)
    who = f" (process {pid.group(1)})" if pid else ""
    return (
        f"{str(path)!r} is open in another process{who}, most likely a sweep that is "
        "still running; wait for it to finish (or stop it), then try again"
    )


class SweepDB:
    """The DuckDB file of one sweep.

    Parameters
    ----------
    path : Path
        The database file (``DIR/results.duckdb``).
    read_only : bool
        Open for queries only (the file must exist).
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        import duckdb

        self.path = Path(path)
        if read_only and not self.path.is_file():
            raise StoreError(f"no sweep database at {str(self.path)!r}")
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreError(_lock_message(self.path, exc)) from None
            raise StoreError(f"cannot open sweep database {str(self.path)!r}: {exc}") from None
        except duckdb.Error as exc:
            raise StoreError(f"cannot open sweep database {str(self.path)!r}: {exc}") from None
        self.read_only = read_only
        self._metric_columns: list[str] | None = None

    # ------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> SweepDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def tables(self) -> set[str]:
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
        return {r[0] for r in rows}

    # ------------------------------------------------------------ meta
    def meta(self) -> dict[str, Any]:
        """The ``sweep`` table as a dict (empty for a new database)."""
        if "sweep" not in self.tables():
            return {}
        rows = self.con.execute("SELECT key, value FROM sweep").fetchall()
        return {k: json.loads(v) for k, v in rows}

    def start(
        self,
        meta: Mapping[str, Any],
        varied: Mapping[str, str],
        *,
        compare: Sequence[str] = ("scenario", "design"),
    ) -> bool:
        """Create the tables for a new sweep, or check that `meta` matches the stored one.

        Parameters
        ----------
        meta : mapping
            JSON-able values for the ``sweep`` table.
        varied : mapping
            Column name -> SQL type of each varied path.
        compare : sequence of str
            Keys of `meta` that a rerun must match.

        Returns
        -------
        bool
            True for a new sweep, False when continuing one.

        Raises
        ------
        StoreError
            When the folder holds a different sweep; the message says what differs.
        """
        old = self.meta()
        if old:
            problems = []
            for key in compare:
                if old.get(key) != meta.get(key):
                    for d in differences(old.get(key), meta.get(key)):
                        problems.append(f"{key}: {d}")
            if problems:
                raise StoreError(
                    f"{str(self.path.parent)!r} holds a different sweep; "
                    + "; ".join(problems)
                    + ". Use another --out, or delete the folder to start over"
                )
            return False
        self.con.begin()
        try:
            self.con.execute("CREATE TABLE sweep (key VARCHAR PRIMARY KEY, value VARCHAR)")
            self.con.executemany(
                "INSERT INTO sweep VALUES (?, ?)",
                [(k, json.dumps(v, sort_keys=True)) for k, v in meta.items()],
            )
            cols = "".join(f", {quote(c)} {t}" for c, t in varied.items())
            self.con.execute(
                "CREATE TABLE runs (run_id BIGINT PRIMARY KEY, point BIGINT NOT NULL, "
                "replicate BIGINT NOT NULL, baseline BOOLEAN NOT NULL"
                f"{cols}, seed_entropy BIGINT, seed_spawn_key BIGINT[], "
                "status VARCHAR NOT NULL, error VARCHAR, wall_time_s DOUBLE, worker VARCHAR, "
                "manifest VARCHAR)"
            )
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise
        return True

    def set_meta(self, key: str, value: Any) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO sweep VALUES (?, ?)", [key, json.dumps(value, sort_keys=True)]
        )

    # ------------------------------------------------------------ runs
    def finished(self) -> dict[int, str]:
        """``run_id -> status`` of every run already recorded."""
        if "runs" not in self.tables():
            return {}
        return dict(self.con.execute("SELECT run_id, status FROM runs").fetchall())

    def forget(self, run_ids: Iterable[int]) -> int:
        """Delete runs (to redo them), in one transaction; returns how many."""
        ids = [int(i) for i in run_ids]
        if not ids:
            return 0
        self.con.begin()
        try:
            if "metrics" in self.tables():
                self.con.execute("DELETE FROM metrics WHERE list_contains(?, run_id)", [ids])
            self.con.execute("DELETE FROM runs WHERE list_contains(?, run_id)", [ids])
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise
        return len(ids)

    def metric_columns(self) -> list[str]:
        if self._metric_columns is None:
            if "metrics" in self.tables():
                rows = self.con.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = 'metrics' ORDER BY ordinal_position"
                ).fetchall()
                self._metric_columns = [r[0] for r in rows if r[0] != "date"][2:]
            else:
                self._metric_columns = []
        return self._metric_columns

    def _ensure_metric_columns(
        self, names: Sequence[str], paths: Sequence[str], dated: bool = False
    ) -> None:
        known = self.metric_columns()
        if "metrics" not in self.tables():
            cols = "".join(f", {quote(n)} DOUBLE" for n in names)
            date = ", date DATE" if dated else ""
            self.con.execute(
                f"CREATE TABLE metrics (run_id BIGINT NOT NULL, step BIGINT NOT NULL{date}{cols})"
            )
            varied = "".join(f"r.{quote(p)}, " for p in paths)
            self.con.execute(
                f"CREATE VIEW results AS SELECT {varied}r.replicate, r.baseline, m.* "
                "FROM runs r JOIN metrics m USING (run_id) WHERE r.status = 'ok'"
            )
            self._metric_columns = list(names)
            return
        if dated and not self._has_date():
            self.con.execute("ALTER TABLE metrics ADD COLUMN date DATE")
        for n in names:
            if n not in known:
                self.con.execute(f"ALTER TABLE metrics ADD COLUMN {quote(n)} DOUBLE")
                known.append(n)

    def _has_date(self) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'metrics' AND column_name = 'date'"
        ).fetchone()
        return bool(row and row[0])

    def record(
        self, row: RunRow, columns: Mapping[str, np.ndarray] | None, paths: Sequence[str] = ()
    ) -> None:
        """Insert one run and its metrics in one transaction."""
        names = [n for n in (columns or {}) if n not in ("step", "date")]
        dated = columns is not None and "date" in columns
        self.con.begin()
        try:
            cols = ", ".join(quote(p) for p in row.values)
            cols = f", {cols}" if cols else ""
            marks = ", ?" * len(row.values)
            self.con.execute(
                f"INSERT INTO runs (run_id, point, replicate, baseline{cols}, seed_entropy, "
                "seed_spawn_key, status, error, wall_time_s, worker, manifest) "
                f"VALUES (?, ?, ?, ?{marks}, ?, ?, ?, ?, ?, ?, ?)",
                [
                    row.run_id,
                    row.point,
                    row.replicate,
                    row.baseline,
                    *row.values.values(),
                    row.seed_entropy,
                    list(row.seed_spawn_key),
                    row.status,
                    row.error,
                    row.wall_time_s,
                    row.worker,
                    json.dumps(row.manifest, sort_keys=True, default=str),
                ],
            )
            if columns is not None and "step" in columns and len(columns["step"]):
                self._ensure_metric_columns(names, paths, dated)
                keys = ["run_id", "step", *(["date"] if dated else [])]
                target = ", ".join([*keys, *(quote(n) for n in names)])
                unnest = ", ".join(["unnest(?)"] * (len(keys) - 1 + len(names)))
                dates = (
                    [np.asarray(columns["date"], dtype="datetime64[D]").astype(object).tolist()]
                    if dated
                    else []
                )
                self.con.execute(
                    f"INSERT INTO metrics ({target}) SELECT ?, {unnest}",
                    [
                        row.run_id,
                        np.asarray(columns["step"], dtype=np.int64).tolist(),
                        *dates,
                        *(np.asarray(columns[n], dtype=np.float64).tolist() for n in names),
                    ],
                )
            self.con.commit()
        except BaseException:
            try:
                self.con.rollback()
            finally:
                self._metric_columns = None
            raise

    # ------------------------------------------------------------ reading
    def query(
        self, sql: str, params: Sequence[Any] = ()
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run `sql`; return column names and rows. DuckDB errors become `StoreError`."""
        import duckdb

        try:
            cur = self.con.execute(sql, list(params))
            names = [d[0] for d in cur.description] if cur.description else []
            return names, cur.fetchall()
        except duckdb.Error as exc:
            raise StoreError(f"query failed: {exc}") from None

    # ------------------------------------------------------------ optimize
    def ensure_trials(self, levers: Mapping[str, str]) -> None:
        """Create the ``trials`` table (lever column name -> SQL type) if it is missing."""
        if "trials" in self.tables():
            return
        cols = "".join(f", {quote(c)} {t}" for c, t in levers.items())
        self.con.execute(
            f"CREATE TABLE trials (trial BIGINT PRIMARY KEY{cols}, status VARCHAR NOT NULL, "
            "objective DOUBLE, objective_low DOUBLE, objective_high DOUBLE, objective_sd DOUBLE, "
            "replicates BIGINT, best_so_far DOUBLE, error VARCHAR)"
        )

    def record_trial(self, result: Any, best_so_far: float | None) -> None:
        """Insert one evaluated candidate (a `scslab.experiments.optimize.TrialResult`)."""
        cols = "".join(f", {quote(p)}" for p in result.values)
        marks = ", ?" * len(result.values)
        self.con.execute(
            f"INSERT INTO trials (trial{cols}, status, objective, objective_low, objective_high, "
            f"objective_sd, replicates, best_so_far, error) VALUES (?{marks}, ?, ?, ?, ?, ?, ?, "
            "?, ?)",
            [
                result.trial,
                *result.values.values(),
                result.status,
                result.mean,
                result.low,
                result.high,
                result.sd,
                result.replicates,
                best_so_far,
                result.error,
            ],
        )

    def trials(self) -> list[dict[str, Any]]:
        """The ``trials`` rows in trial order, lever values under ``values``."""
        if "trials" not in self.tables():
            return []
        cur = self.con.execute("SELECT * FROM trials ORDER BY trial")
        names = [d[0] for d in cur.description]
        fixed = {
            "trial": "trial",
            "status": "status",
            "objective": "mean",
            "objective_low": "low",
            "objective_high": "high",
            "objective_sd": "sd",
            "replicates": "replicates",
            "best_so_far": "best_so_far",
            "error": "error",
        }
        out = []
        for row in cur.fetchall():
            rec: dict[str, Any] = {"values": {}}
            for n, v in zip(names, row, strict=True):
                if n in fixed:
                    rec[fixed[n]] = v
                else:
                    rec["values"][n] = v
            out.append(rec)
        return out

    def replace_indices(self, method: str, measure: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Store sensitivity indices for (`method`, `measure`), replacing earlier ones."""
        self.con.begin()
        try:
            self.con.execute(
                "CREATE TABLE IF NOT EXISTS indices (method VARCHAR, measure VARCHAR, "
                "param VARCHAR, param2 VARCHAR, statistic VARCHAR, value DOUBLE)"
            )
            self.con.execute(
                "DELETE FROM indices WHERE method = ? AND measure = ?", [method, measure]
            )
            if rows:
                self.con.executemany(
                    "INSERT INTO indices VALUES (?, ?, ?, ?, ?, ?)",
                    [(method, measure, *r) for r in rows],
                )
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise


def db_path(out: str | Path) -> Path:
    """``DIR/results.duckdb`` for a sweep folder, or the path itself for a .duckdb file."""
    p = Path(out)
    return p if p.suffix == ".duckdb" else p / DB_FILE
