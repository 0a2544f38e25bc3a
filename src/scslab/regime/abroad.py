"""Reach abroad: the diaspora watched through platforms and associations.

People abroad are covered by domestic speech platforms with ``platform_use``
(instead of the platform's domestic coverage) and, when they belong to an
association that provides services ("cooperative" control), reported with
``association_detection`` per step of public dissent (see
`surveillance.draw_coverage` and `surveillance.record_speech`). A detected post
from abroad puts the family at home under restriction (``family_domains``, for
``family_duration`` steps) with probability ``family_pressure``; the diaspora
weighs that cost F in Kuran's rule (`behaviour.speech_risk`).

With ``association_services`` the associations offer services in exchange for
reporting ("cooperative" control, in Hoffman's reading): each step a person
abroad reconsiders membership with ``membership_review`` and is a member while
``service_value`` exceeds the expected cost of being watched as they see it,
``d_i r_i (1 - a) dp_i (C_hat + F)`` (`membership_cost`); every member reports the
public post of a tie abroad with ``association_detection`` (`member_reports`), and
people abroad weigh their member ties in the risk of speaking (`watched_by_ties`).
Draws of this part come from the ``associations`` stream, only while it is on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State
from scslab.population.network import neighbours_of
from scslab.population.people import ABROAD, ASSOC
from scslab.regime.ambiguity import perceived_cost
from scslab.regime.authority import speech_penalty, speech_record_cost
from scslab.regime.plan import ASSOC_BIT, Plan, p_detect
from scslab.regime.tables import (
    BASIS_DIASPORA,
    ORIG_DIASPORA,
    PENDING,
    append,
    count_into,
    union_ints,
    unique_ints,
)


def draw_associations(flags: NDArray[np.uint8], share: float, rng: np.random.Generator) -> None:
    """Mark association members among the people abroad (in place)."""
    abroad = np.flatnonzero((flags & ABROAD) != 0)
    members = abroad[rng.random(abroad.size) < share]
    flags[members] |= ASSOC


def init_fields(
    plan: Plan, flags: NDArray[np.uint8], indptr: NDArray[Any], indices: NDArray[np.int32]
) -> dict[str, Any]:
    """State fields of the associations (`association_share`, `association_reports`).

    ``abroad_idx`` (the people abroad, ascending, int32) and ``assoc_ties`` (members
    among each one's ties, uint16, kept up to date as members come and go): both
    empty unless ``association_services`` is on. ``n_members`` (members now),
    ``c_association_reports`` (reports so far), ``s_services`` (this step's services,
    for welfare).
    """
    from scslab.population import _draw_kernels as kern  # numba: imported on first use

    on = plan.association_services
    abroad = kern.flagged(flags, ABROAD) if on else np.empty(0, np.int32)
    return {
        "abroad_idx": abroad,
        "assoc_ties": member_ties(flags, indptr, indices, abroad).astype(np.uint16),
        "n_members": int(kern.flagged(flags, ASSOC).size),
        "c_association_reports": 0,
        "s_services": 0.0,
    }


def member_ties(
    flags: NDArray[np.uint8],
    indptr: NDArray[Any],
    indices: NDArray[np.int32],
    people: NDArray[Any],
) -> NDArray[np.int64]:
    """Association members among the network ties of each of `people`, counted afresh."""
    from scslab.population import _draw_kernels as kern  # numba: imported on first use

    people = np.ascontiguousarray(people, dtype=np.int64)
    return kern.ties_flagged(flags, ASSOC, indptr, indices, people)


def ties_of(state: State, people: NDArray[Any]) -> NDArray[np.uint16]:
    """``assoc_ties`` of `people` (people abroad, while the services are on)."""
    return state.assoc_ties[np.searchsorted(state.abroad_idx, people)]


def _set_membership(state: State, people: NDArray[Any], member: NDArray[np.bool_]) -> None:
    """Set (`member`) or clear the ASSOC flag and the association's coverage bit of `people`.

    Both coverage bytes when the authority keeps the fixed policy's in ``cover_base``
    (its coverage lever rebuilds ``cover`` from it).
    """
    bit = np.uint8(1 << ASSOC_BIT)
    was = (state.flags[people] & ASSOC) != 0
    join, leave = people[member & ~was], people[~member & was]
    state.flags[join] |= ASSOC
    state.flags[leave] &= ~ASSOC
    for who, sign in ((join, +1), (leave, -1)):  # their ties abroad gain or lose a member tie
        ties = neighbours_of(state.net_indptr, state.net_indices, who)
        ties = ties[(state.flags[ties] & ABROAD) != 0]
        count_into(state.assoc_ties, np.searchsorted(state.abroad_idx, ties), sign)
    covers = [state.cover]
    base = vars(state).get("cover_base")
    if base is not None and base.size == state.cover.size:
        covers.append(base)
    for cover in covers:
        cover[join] |= bit
        cover[leave] &= ~bit
    state.n_members = int(np.count_nonzero(state.flags[state.abroad_idx] & ASSOC))


def membership_cost(state: State, plan: Plan, people: NDArray[Any]) -> NDArray[np.float32]:
    """What membership costs each of `people` per step as they see it: ``d r (1-a) dp (C + F)``.

    ``dp`` is the true chance that the association reports one's public post (the
    coverage table with and without the association's bit, times the chance that no
    member tie reports it anyway); ``(1 - a) dp`` is its perceived size at the
    ambiguity a of the rules on speech (the prior cancels); C the perceived cost of
    a speech record, F the family's (`Plan.family_cost`); private dissent d stands
    for how likely one is to speak out.
    """
    k = plan.speech
    bit = np.uint8(1 << ASSOC_BIT)
    cov, g = state.cover[people], state.group[people]
    dp = p_detect(plan, g, k, cov | bit) - p_detect(plan, g, k, cov & ~bit)
    if plan.association_detection > 0:
        dp = dp * np.float32(1.0 - plan.association_detection) ** ties_of(state, people)
    a = float(plan.ambiguity_kind[k])  # the ambiguity of the rules on speech
    c_hat = perceived_cost(speech_record_cost(state, plan), a, plan.prior_cost)
    scale = np.float32((1.0 - a) * (float(c_hat) + plan.family_cost))
    cost = state.dissent[people] * state.risk[people] * dp.astype(np.float32) * scale
    return np.asarray(cost, dtype=np.float32)


def review_membership(state: State, plan: Plan, rng: np.random.Generator) -> None:
    """People abroad who reconsider (``membership_review``) join iff the services pay.

    A member stays while ``service_value`` exceeds `membership_cost`; otherwise
    they leave. One uniform per person abroad per step from the ``associations`` stream; then
    the step's services (``s_services``: ``service_value`` x members) for welfare.
    """
    if not plan.association_services:
        return
    p = state.params.abroad
    abroad = state.abroad_idx
    who = abroad[rng.random(abroad.size) < float(p.membership_review)]
    if who.size:
        join = np.float32(p.service_value) > membership_cost(state, plan, who)
        _set_membership(state, who, join)
    state.s_services = float(p.service_value) * int(state.n_members)


def watched_by_ties(state: State, plan: Plan, p_true: NDArray[np.float32]) -> NDArray[np.float32]:
    """The true chance a public post is recorded, with member ties' reports abroad.

    For people abroad ``1 - (1 - p)(1 - q)^m`` (m member ties, q =
    ``association_detection``). `p_true` (one per person) is changed in place and
    returned; unchanged when members report nobody.
    """
    idx, miss = members_miss(state, plan)
    if idx.size:
        p_true[idx] = np.float32(1.0) - (np.float32(1.0) - p_true[idx]) * miss
    return p_true


def members_miss(state: State, plan: Plan) -> tuple[NDArray[np.int32], NDArray[np.float32]]:
    """The people abroad with member ties (ascending) and ``(1 - q)^m``: no member reports.

    Empty when members report nobody (`watched_by_ties`; `behaviour.decide_speech`
    applies it to the few people it concerns).
    """
    if plan.association_detection <= 0 or state.abroad_idx.size == 0:
        return np.empty(0, np.int32), np.empty(0, np.float32)
    tied = state.assoc_ties > 0
    miss = np.float32(1.0 - plan.association_detection) ** state.assoc_ties[tied]
    return state.abroad_idx[tied], miss.astype(np.float32)


def member_reports(
    state: State,
    plan: Plan,
    rng: np.random.Generator,
    speaking: NDArray[np.bool_],
    detected: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Members report the public posts of their ties abroad; return `detected` with them.

    A speaker abroad with m member ties is reported with ``1 - (1 - q)^m`` (one
    uniform per such speaker, ``associations`` stream): a speech record due now.
    Those no platform or association detected this step are fined like any
    detected speaker and counted in ``posts_detected``; members' reports delete
    nothing (deletion is the platforms').
    """
    if plan.association_detection <= 0:
        return detected
    spk = state.abroad_idx[speaking[state.abroad_idx]].astype(np.int64)
    if spk.size == 0:
        return detected
    m = ties_of(state, spk)
    spk, m = spk[m > 0], m[m > 0]
    u = rng.random(spk.size)
    hit = spk[u < 1.0 - (1.0 - plan.association_detection) ** m.astype(np.float64)]
    if hit.size == 0:
        return detected
    state.c_association_reports += int(hit.size)
    append(
        state,
        PENDING,
        {"pr_person": hit, "pr_kind": plan.speech, "pr_true": True, "pr_due": int(state.step)},
    )
    new = np.setdiff1d(hit, detected, assume_unique=True)
    state.c_posts_detected += int(new.size)
    state.s_penalty += speech_penalty(state) * new.size
    return union_ints(detected, hit)


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
    member = unique_ints(member)
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
        gravity=float(plan.gravity[plan.speech]) * int(unique_ints(hit[_owner]).size),
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
