"""Reach abroad: the diaspora watched through platforms and associations.

People abroad are covered by domestic speech platforms with ``platform_use``
(instead of the platform's domestic coverage) and, when they belong to an
association that provides services ("cooperative" control), reported with
``association_detection`` per step of public dissent (see
`surveillance.draw_coverage` and `surveillance.record_speech`). A detected post
from abroad puts the family at home under restriction (``family_domains``, for
``family_duration`` steps) with probability ``family_pressure``; the diaspora
weighs that cost F in Kuran's rule (`behaviour.speech_risk`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State
from scslab.population.people import ABROAD, ASSOC
from scslab.regime.plan import Plan
from scslab.regime.tables import BASIS_DIASPORA, ORIG_DIASPORA


def draw_associations(flags: NDArray[np.uint8], share: float, rng: np.random.Generator) -> None:
    """Mark association members among the people abroad (in place)."""
    abroad = np.flatnonzero((flags & ABROAD) != 0)
    members = abroad[rng.random(abroad.size) < share]
    flags[members] |= ASSOC


def pressure_family(
    state: State, plan: Plan, rng: np.random.Generator, detected: NDArray[np.int64]
) -> int:
    """Restrict the family at home of detected dissenters abroad; return people restricted."""
    from scslab.regime.sanctions import family_of, impose

    if not plan.abroad or detected.size == 0:
        return 0
    p = state.params.abroad
    abroad = detected[(state.flags[detected] & ABROAD) != 0]
    state.c_diaspora_detected += int(abroad.size)
    hit = abroad[rng.random(abroad.size) < float(p.family_pressure)]
    if hit.size == 0:
        return 0
    member, _owner = family_of(state, hit)
    member = np.unique(member)
    state.c_family_pressured += int(member.size)
    impose(
        state,
        plan,
        member,
        origin=ORIG_DIASPORA,
        list_id=255,
        mask=plan.family_domain_mask,
        duration=int(p.family_duration),
        cause=np.full(member.size, plan.speech, np.int64),
        spill=False,
        basis=BASIS_DIASPORA,
        gravity=float(plan.gravity[plan.speech]) * int(np.unique(hit[_owner]).size),
    )
    return int(member.size)


# --------------------------------------------------------------------------- foreign firms
#: State fields of the foreign firms (arrays over the firms, empty when there are none).
FOREIGN_FIELDS = ("ff_stake", "ff_complied")


def init_foreign_firms(state: State, plan: Plan, rng: np.random.Generator) -> None:
    """Draw the foreign firms' market stakes (``ff_stake``) when reach abroad is on.

    ``ff_complied`` is the step each firm complied with the demand (-1: not yet).
    With abroad off or no foreign firm, both are empty and no number is drawn.
    """
    p = state.params.abroad
    m = int(p.foreign_firms) if plan.abroad else 0
    state.ff_stake = (
        rng.beta(float(p.foreign_stake_a), float(p.foreign_stake_b), size=m).astype(np.float32)
        if m
        else np.empty(0, np.float32)
    )
    state.ff_complied = np.full(m, -1, np.int32)


def foreign_firms_step(state: State, plan: Plan, rng: np.random.Generator) -> None:
    """From the demand on, each foreign firm not yet compliant complies with hazard x stake.

    One uniform per firm per step (vectorised over the firms) from the
    ``foreign_firms`` stream, drawn only while there are foreign firms.
    """
    if state.ff_stake.size == 0:
        return
    p = state.params.abroad
    t = int(state.step)
    if t < int(p.foreign_demand_step):
        return
    u = rng.random(state.ff_stake.size)
    hazard = float(p.foreign_hazard) * state.ff_stake.astype(np.float64)
    now = (state.ff_complied < 0) & (u < hazard)
    state.ff_complied[now] = t


def foreign_measures(state: State) -> tuple[float, float]:
    """(share of foreign firms that complied, share that lost access), now.

    A firm loses access when it has not complied by ``foreign_deadline`` steps
    after the demand (it may comply later and regain it). Both 0 with no firms.
    """
    m = state.ff_stake.size
    if m == 0:
        return 0.0, 0.0
    p = state.params.abroad
    done = state.ff_complied >= 0
    late = int(state.step) >= int(p.foreign_demand_step) + int(p.foreign_deadline)
    return float(done.mean()), (float((~done).mean()) if late else 0.0)
