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
