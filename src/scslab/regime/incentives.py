"""Incentives: perks in people's choices, and opting into the system (participation).

Perks in decisions (``incentives``): a record of act kind k would cost person i
the perks ``Plan.perk_at_stake[k]`` (the redlist's benefit over its duration,
times the share of the redlist's margin that k's deduction takes) weighed by
P(redlist) as i sees it: 1 when i is on a redlist, else the share of home adults
on one. This adds to the cost C of the act in ``sigma(beta (G - r p C))`` and of
a public post (docs/model.md, the ODD text of this mechanism). People believe a
record forfeits the standing; in the model a redlisting runs its term (a
departure, docs/model.md).

Participation (``participation``): an adult at home takes part iff
``b + x share > c_i`` (perk b, exclusion cost x, last step's share taking part,
privacy cost c_i log-normal). One iteration per step: the share climbs to the
fixed point of ``share = P(c < b + x share)`` over the first steps. A
participant is covered by ``participation.source`` and stays covered after
leaving (the data once given is kept). Deterministic: the only draw is c_i, at
init, from the ``participation_init`` stream.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State
from scslab.population.people import ABROAD, CHILD
from scslab.regime.plan import Plan
from scslab.regime.tables import ORIG_RED, RED


def perk_factor(state: State, plan: Plan, persons: NDArray[Any] | None) -> NDArray[np.float32]:
    """P(redlist) as each person sees it: 1 on a redlist, else the redlisted share of home adults.

    `persons` None: everybody.
    """
    n_red = int(np.count_nonzero(state.ls_origin == ORIG_RED))
    seen = np.float32(min(1.0, n_red / max(int(state.n_home_adults), 1)))
    sanc = state.sanc if persons is None else state.sanc[persons]
    return np.where((sanc & RED) != 0, np.float32(1.0), seen).astype(np.float32)


def perks_at_stake(
    state: State, plan: Plan, k: int, persons: NDArray[Any] | None
) -> NDArray[np.float32] | None:
    """The perks a record of kind `k` would forfeit, per person (None when there are none)."""
    if not plan.incentives or plan.perk_at_stake[k] <= 0:
        return None
    return perk_factor(state, plan, persons) * np.float32(plan.perk_at_stake[k])


def init_fields(p: Any, plan: Plan, flags: NDArray[np.uint8], rng: Any) -> dict[str, Any]:
    """``privacy`` (c_i, float32; infinite for children and people abroad) and ``part``.

    Empty when participation is off. ``part_pull`` is the last pull b + x share (the set
    taking part changes only when it does).
    """
    n = flags.size
    if not plan.participation:
        return {
            "privacy": np.empty(0, np.float32),
            "part": np.zeros(0, bool),
            "part_share": 0.0,
            "part_pull": -1.0,
        }
    from scslab.population import _draw_kernels as kern  # numba: imported on first use

    q = p.participation
    z = rng["participation_init"].standard_normal(n, dtype=np.float32)
    c = np.exp(z * np.float32(q.privacy_sigma)) * np.float32(q.privacy_cost)
    kern.set_where(flags, CHILD | ABROAD, c, np.float32(np.inf))  # only home adults take part
    return {"privacy": c, "part": np.zeros(n, bool), "part_share": 0.0, "part_pull": -1.0}


def participate(state: State, plan: Plan) -> None:
    """Home adults opt in iff ``perk + exclusion_cost x share > c_i``; participants are covered."""
    if not plan.participation:
        return
    q = state.params.participation
    pull = float(np.float32(float(q.perk) + float(q.exclusion_cost) * state.part_share))
    if pull == state.part_pull:
        return  # the same pull: the same people (c_i is fixed)
    from scslab.regime import fused  # numba: imported on first use

    state.part_pull = pull
    base = vars(state).get("cover_base")  # the adaptive authority rebuilds cover from it
    if base is None or base.size != state.cover.size:
        base = np.empty(0, np.uint8)
    n_part = fused.participate(
        state.privacy, np.float32(pull), state.part, state.cover, base, plan.participation_bit
    )
    state.part_share = n_part / max(int(state.n_home_adults), 1)
