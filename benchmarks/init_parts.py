"""CPU seconds of the regime model's init and of the parts it calls, in one process.

Run standalone::

    .venv/bin/python benchmarks/init_parts.py --size 10000000
    .venv/bin/python benchmarks/init_parts.py --size 1000000 --preset court-blacklist-history
    .venv/bin/python benchmarks/init_parts.py --lookup 3000000 20000000

Builds a small society first (numba's kernels loaded from their cache), then the
preset's society at ``--size`` people once, timing with the process's CPU clock each
of `make_people`, `build_network`, `make_firms`, `surveillance.draw_coverage`, the
``init_fields`` of legitimacy, incentives and abroad, and the firms' burn-in, wrapped
where `regime.model` calls them. Prints one JSON line: those seconds, ``init`` (the
whole) and ``init_without_burn_in``.

``--lookup FIRMS KEYS`` times instead the employers' lookup of `make_firms` alone:
KEYS uniform keys into the cumulative log-normal weights (sigma 1) of FIRMS firms, by
``np.searchsorted(side="right")`` and by the bucketed kernel (`_draw_kernels.hire`),
and checks that the two agree.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from scslab.engine import Streams, seed_material, seed_sequence
from scslab.regime import model as regime_model
from scslab.scenario import kernel, load_scenario


def _timed(owner: Any, name: str, key: str, seconds: dict[str, float]) -> None:
    """Replace ``owner.name`` by a wrapper that adds its CPU seconds to ``seconds[key]``."""
    f: Callable[..., Any] = getattr(owner, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        c0 = time.process_time()
        out = f(*args, **kwargs)
        seconds[key] = seconds.get(key, 0.0) + time.process_time() - c0
        return out

    setattr(owner, name, wrapped)


def lookup(n_firms: int, n_keys: int) -> dict[str, Any]:
    """CPU seconds of the employers' lookup: numpy's searchsorted and the bucketed kernel."""
    from scslab.population import _draw_kernels as kern

    rng = np.random.default_rng(0)
    cum = np.cumsum(rng.lognormal(0.0, 1.0, n_firms))
    u_pick = rng.random(n_keys)
    home = np.arange(n_keys, dtype=np.int32)
    hired = np.zeros(n_keys)  # all hired (u < share)
    employer = np.full(n_keys, -1, np.int32)
    size = np.zeros(n_firms, np.int32)
    kern.hire(home[:10], hired[:10], 0.5, cum, u_pick[:10], kern.cdf_buckets(cum, n_firms),
              employer, size)  # fmt: skip
    size[:] = 0
    c0 = time.process_time()
    kern.hire(home, hired, 0.5, cum, u_pick, kern.cdf_buckets(cum, n_firms), employer, size)
    t_kernel = time.process_time() - c0
    c0 = time.process_time()
    want = np.searchsorted(cum, u_pick * cum[-1], side="right")
    t_numpy = time.process_time() - c0
    same = bool(np.array_equal(np.minimum(want, n_firms - 1), employer))
    return {"searchsorted": round(t_numpy, 3), "kernel": round(t_kernel, 3), "same": same}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=10_000_000)
    ap.add_argument("--preset", default="full-regime")
    ap.add_argument("--lookup", type=int, nargs=2, metavar=("FIRMS", "KEYS"))
    args = ap.parse_args()
    if args.lookup:
        print(json.dumps(lookup(*args.lookup)))
        return
    seconds: dict[str, float] = {}
    m = regime_model
    for name in ("make_people", "build_network", "make_firms"):
        _timed(m, name, name, seconds)
    _timed(m.surveillance, "draw_coverage", "draw_coverage", seconds)
    _timed(m.firms, "burn_in", "firms.burn_in", seconds)
    for part in (m.legitimacy, m.incentives, m.abroad):
        _timed(part, "init_fields", part.__name__.rsplit(".", 1)[-1] + ".init_fields", seconds)
    model = kernel("regime")
    small = load_scenario(args.preset, {"params.population.size": 5000})
    model.init(small, Streams(seed_sequence(seed_material(small.seed))))  # numba's caches
    seconds.clear()
    scn = load_scenario(args.preset, {"params.population.size": args.size})
    c0 = time.process_time()
    model.init(scn, Streams(seed_sequence(seed_material(scn.seed))))
    seconds["init"] = time.process_time() - c0
    seconds["init_without_burn_in"] = seconds["init"] - seconds.get("firms.burn_in", 0.0)
    print(json.dumps({k: round(v, 3) for k, v in seconds.items()}))


if __name__ == "__main__":
    main()
