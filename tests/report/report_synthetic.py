"""Synthetic run folders and sweep databases with the column names the models report."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl

from scslab.results import write_run
from scslab.results.sweepdb import RunRow, SweepDB

GROUPS = ["majority", "minority", "migrant"]
DOMAINS = ["travel", "finance", "employment"]


def _manifest(model: str, name: str, params: dict, steps: int) -> dict:
    return {
        "scenario": {
            "name": name,
            "model": model,
            "description": "",
            "steps": steps,
            "seed": 4,
            "collect_every": 1,
            "params": params,
        },
        "scenario_hash": "0" * 64,
        "model": model,
        "seed": {"entropy": 4, "spawn_key": []},
        "steps": steps,
        "collect_every": 1,
        "versions": {"scslab": "test"},
        "started_at": "2025-01-01T00:00:00+00:00",
        "wall_time_s": 0.5,
        "command": None,
    }


def regime_frames(steps: int = 60) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Metrics with and without the system: the system sanctions, chills speech."""
    t = np.arange(steps + 1, dtype=float)
    ramp = 1 - np.exp(-t / 15)
    private = np.full_like(t, 0.30)
    with_sys = {
        "step": t.astype(np.int64),
        "sanctioned_share": 0.04 * ramp,
        "sanctioned_innocent_share": 0.25 * ramp,
        "dissent_private": private,
        "dissent_public": 0.22 - 0.15 * ramp,
        "falsification_gap": private - (0.22 - 0.15 * ramp),
        "restriction_person_days": 500 * ramp * t,
        "family_sanctioned": 0.01 * ramp,
        "amplification": 4.0 * ramp,
        "state_precision": 0.9 - 0.05 * ramp,
        "state_recall": 0.3 * ramp,
        "sanctioned_share_majority": 0.03 * ramp,
        "sanctioned_share_minority": 0.09 * ramp,
        "sanctioned_share_migrant": 0.06 * ramp,
        "disparate_impact": 1 + 2 * ramp,
        "restricted_travel": 0.03 * ramp,
        "restricted_finance": 0.02 * ramp,
        "restricted_employment": 0.01 * ramp,
        "acts_fraud": 0.001 * (1 - 0.5 * ramp),
        "acts_petition": 0.002 * (1 - 0.7 * ramp),
        "welfare": 1.0 - 0.05 * ramp,
        "firm_compliance": 0.9 + 0.05 * ramp,
    }
    without = {
        k: (v if k in ("step", "dissent_private") else np.zeros_like(v))
        for k, v in with_sys.items()
    }
    without["dissent_public"] = np.full_like(t, 0.22)
    without["falsification_gap"] = private - 0.22
    without["acts_fraud"] = np.full_like(t, 0.001)
    without["acts_petition"] = np.full_like(t, 0.002)
    without["welfare"] = np.ones_like(t)
    without["firm_compliance"] = np.full_like(t, 0.9)
    without["state_precision"] = np.full_like(t, math.nan)
    return pl.DataFrame(with_sys), pl.DataFrame(without)


def regime_params() -> dict:
    return {
        "population": {"size": 1000, "groups": [{"name": g, "share": 1 / 3} for g in GROUPS]},
        "sanctions": {"enabled": True, "domains": [{"name": d} for d in DOMAINS]},
    }


def regime_run(out: Path, *, baseline: bool = True, steps: int = 60) -> Path:
    w, wo = regime_frames(steps)
    write_run(out, w, _manifest("regime", "full-regime", regime_params(), steps))
    if baseline:
        write_run(
            out / "baseline",
            wo,
            _manifest("regime", "full-regime (baseline)", regime_params(), steps),
        )
    return out


def kuran_run(out: Path) -> Path:
    t = np.arange(41)
    df = pl.DataFrame(
        {
            "step": t,
            "public_opposition": np.where(t < 30, 0.05, 0.8),
            "private_opposition": np.full(41, 0.7),
            "falsification_gap": np.where(t < 30, 0.65, -0.1),
        }
    )
    write_run(out, df, _manifest("kuran", "kuran-cascade", {}, 40))
    return out


def axelrod_run(out: Path) -> Path:
    t = np.arange(101)
    df = pl.DataFrame(
        {
            "step": t,
            "mean_boldness": 0.5 * np.exp(-t / 30) + 0.05,
            "mean_vengefulness": 0.5 + 0.4 * (1 - np.exp(-t / 30)),
            "established": 0.9 * (1 - np.exp(-t / 30)),
            "collapsed": np.zeros(101),
        }
    )
    write_run(out, df, _manifest("axelrod", "axelrod-metanorms", {"metanorms": True}, 100))
    return out


def granovetter_run(out: Path) -> Path:
    t = np.arange(11)
    r = np.minimum(1 + t * 2, 6).astype(float)
    df = pl.DataFrame(
        {"step": t, "rioters": r, "rioter_share": r / 100, "equilibrium": (t >= 3).astype(float)}
    )
    params = {"n": 100, "distribution": "normal", "mean": 25.0, "sd": 10.0}
    write_run(out, df, _manifest("granovetter", "granovetter-normal", params, 10))
    return out


def _row(
    run_id: int, point: int, rep: int, baseline: bool, values: dict, status: str = "ok"
) -> RunRow:
    return RunRow(
        run_id=run_id,
        point=point,
        replicate=rep,
        baseline=baseline,
        values=values,
        seed_entropy=1,
        seed_spawn_key=[point],
        status=status,
        error=None if status == "ok" else "ValueError: boom",
        wall_time_s=0.01,
        worker="test",
        manifest={},
    )


def grid_sweep(
    out: Path,
    *,
    baseline: bool = True,
    replicates: int = 3,
    model: str = "regime",
    metric: str = "sanctioned_share",
) -> Path:
    """A 4 x 2 grid over params.a (float) and params.mode (str), with replicates."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    meta = {
        "kind": "sweep",
        "scenario": {"name": "grid", "model": model, "params": {}},
        "design": {"axes": [{"path": "params.a"}, {"path": "params.mode"}]},
        "command": ["scslab", "sweep"],
        "scslab_version": "test",
        "total_runs": 0,
    }
    paths = ["params.a", "params.mode"]
    run_id = 0
    with SweepDB(out / "results.duckdb") as db:
        db.start(meta, {"params.a": "DOUBLE", "params.mode": "VARCHAR"})
        point = 0
        for a in (0.0, 0.25, 0.5, 1.0):
            for mode in ("soft", "hard"):
                for rep in range(replicates):
                    for arm in [False, True] if baseline else [False]:
                        y = (
                            0.0
                            if arm
                            else a * (0.1 if mode == "soft" else 0.2) + rng.normal(0, 0.005)
                        )
                        cols = {
                            "step": np.arange(5),
                            metric: np.linspace(0, y, 5),
                            "dissent_public": np.full(5, 0.2 - (0 if arm else 0.1 * a)),
                        }
                        db.record(
                            _row(run_id, point, rep, arm, {"params.a": a, "params.mode": mode}),
                            cols,
                            paths,
                        )
                        run_id += 1
                point += 1
        db.record(
            _row(run_id, point, 0, False, {"params.a": 2.0, "params.mode": "soft"}, "failed"),
            None,
            paths,
        )
    return out


def lhs_sweep(out: Path, n: int = 60) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    meta = {
        "kind": "sensitivity",
        "scenario": {"name": "lhs", "model": "epstein", "params": {}},
        "design": {"method": "sobol"},
    }
    paths = ["params.legitimacy", "params.cop_density"]
    with SweepDB(out / "results.duckdb") as db:
        db.start(meta, {p: "DOUBLE" for p in paths})
        for i in range(n):
            leg, cop = float(rng.uniform(0.5, 1)), float(rng.uniform(0, 0.1))
            active = 300 * (1 - leg) * (1 - 5 * cop) + rng.normal(0, 5)
            db.record(
                _row(i, i, 0, False, {"params.legitimacy": leg, "params.cop_density": cop}),
                {
                    "step": np.arange(3),
                    "active": np.array([0, active / 2, active]),
                    "jailed": np.array([0, 1, 2.0]),
                },
                paths,
            )
        tidy = []
        for p, s1, st in (("params.legitimacy", 0.7, 0.8), ("params.cop_density", 0.1, 0.3)):
            tidy += [
                (p, None, "S1", s1),
                (p, None, "S1_conf", 0.05),
                (p, None, "ST", st),
                (p, None, "ST_conf", 0.04),
            ]
        tidy.append(("params.legitimacy", "params.cop_density", "S2", 0.05))
        db.replace_indices("sobol", "active@last", tidy)
    return out


def granovetter_sweep(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "kind": "sweep",
        "scenario": {
            "name": "g",
            "model": "granovetter",
            "params": {"n": 100, "mean": 25.0, "distribution": "normal"},
        },
        "design": {},
    }
    with SweepDB(out / "results.duckdb") as db:
        db.start(meta, {"params.sd": "DOUBLE"})
        for i, sd in enumerate(np.arange(0, 20.5, 1.0)):
            r = 6.0 if sd < 12.2 else 99.0
            db.record(
                _row(i, i, 0, False, {"params.sd": float(sd)}),
                {"step": np.arange(3), "rioters": np.array([1.0, r / 2, r])},
                ["params.sd"],
            )
    return out
