"""Behaviour: what people and firms choose to do each step.

Acts (docs/model.md): person i commits act k with probability

    lambda_k * o_i * sigma(beta (G_k - r_i p_hat_ik C_hat_k)) / sigma(beta G_k)

with ``p_hat = (1-a) p_ik + a p* + kappa s_i`` (s_i: share of i's network now
sanctioned) and ``C_hat = (1-a) C_k + a C*``, plus, with incentives on, the perks
a record would forfeit (`incentives.perks_at_stake`; for speech too). With no risk the rate is
``lambda_k o_i``. Acts are rare, so they are drawn by thinning: ``Binomial(N,
lambda_k o_max)`` candidates, each accepted with ``o_i / o_max`` times the risk
factor. The behaviour stream draws the same numbers whatever the regime does,
so a run and its baseline share common random numbers.

Public dissent follows Kuran (`speaks`): deterministic given the state.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State
from scslab.population.people import ABROAD, CHILD
from scslab.regime.abroad import members_miss, watched_by_ties
from scslab.regime.ambiguity import perceived_cost, perceived_detection
from scslab.regime.authority import speech_record_cost
from scslab.regime.incentives import perks_at_stake
from scslab.regime.plan import Plan, p_detect
from scslab.regime.tables import ORIG_RED, PREEMPT, candidates, sigmoid, unique_ints

# Public dissent is Kuran's rule (scslab.models.kuran.speaks), here fused with the regime's
# speech risk in one pass over the people (fused.speech; tests/regime/test_fused.py checks
# it against `speaks` with `speech_risk`, bit for bit).


def _share(count: NDArray[Any], deg: NDArray[np.uint16]) -> NDArray[np.float32]:
    return np.divide(count, np.maximum(deg, 1), dtype=np.float32)


def commit_acts(
    state: State, plan: Plan, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Draw this step's acts of every non-speech kind; return (persons, kinds)."""
    p = state.params.behaviour
    n = state.flags.size
    o_max = float(p.opportunism_max)
    beta = float(p.beta)
    kappa = float(p.kappa)
    incapacitate = plan.preemption and bool(state.params.preemption.incapacitate)
    out_p: list[NDArray[np.int64]] = []
    out_k: list[NDArray[np.int64]] = []
    for k in range(plan.n_kinds):
        if k == plan.speech or plan.rate[k] <= 0:
            continue
        cand = candidates(rng, n, float(plan.rate[k]) * o_max)
        u = rng.random(cand.size)
        if cand.size == 0:
            continue
        ok = (state.flags[cand] & (CHILD | ABROAD)) == 0
        if incapacitate:
            ok &= (state.sanc[cand] & PREEMPT) == 0
        accept = state.opp[cand].astype(np.float64) / o_max
        a = float(plan.ambiguity_kind[k])
        c_hat: Any = perceived_cost(float(plan.record_cost[k]), a, plan.prior_cost)
        perks = perks_at_stake(state, plan, k, cand)
        if perks is not None:  # incentives: the perks a record would forfeit
            c_hat = c_hat + perks.astype(np.float64)
        p_true: Any = p_detect(plan, state.group[cand], k, state.cover[cand]).astype(np.float64)
        p_hat = perceived_detection(p_true, a, plan.prior_detection)
        if kappa > 0:
            p_hat = p_hat + kappa * _share(state.sanc_n[cand], state.deg[cand])
        p_hat = np.minimum(p_hat, 1.0)
        g = float(plan.gain[k])
        ratio = sigmoid(beta * (g - state.risk[cand] * p_hat * c_hat)) / sigmoid(beta * g)
        accept = accept * ratio
        hit = ok & (u < accept)
        out_p.append(cand[hit])
        out_k.append(np.full(int(hit.sum()), k, dtype=np.int64))
    if not out_p:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(out_p), np.concatenate(out_k)


def propensity(
    state: State, plan: Plan, k: int, persons: NDArray[np.int64] | None = None
) -> NDArray[np.float64]:
    """Probability of committing act `k` in a step, given the state now (everybody or `persons`).

    ``lambda_k o_i sigma(beta (G_k - r_i p_hat_ik C_hat_k)) / sigma(beta G_k)`` as in
    `commit_acts` (0 for children, people abroad and the incapacitated), for the
    initial stock of a list; it draws no random numbers.
    """
    idx: Any = slice(None) if persons is None else persons
    p = state.params.behaviour
    beta = float(p.beta)
    kappa = float(p.kappa)
    a = float(plan.ambiguity_kind[k])
    p_hat = perceived_detection(
        p_detect(plan, state.group[idx], k, state.cover[idx]).astype(np.float64),
        a,
        plan.prior_detection,
    )
    if kappa > 0:
        p_hat = p_hat + kappa * _share(state.sanc_n[idx], state.deg[idx])
    p_hat = np.minimum(p_hat, 1.0)
    c_hat = perceived_cost(float(plan.record_cost[k]), a, plan.prior_cost)
    g = float(plan.gain[k])
    ratio = sigmoid(beta * (g - state.risk[idx] * p_hat * c_hat)) / sigmoid(beta * g)
    out = float(plan.rate[k]) * state.opp[idx].astype(np.float64) * ratio
    off = (state.flags[idx] & (CHILD | ABROAD)) != 0
    if plan.preemption and state.params.preemption.incapacitate:
        off |= (state.sanc[idx] & PREEMPT) != 0
    out[off] = 0.0
    return np.asarray(out, dtype=np.float64)


def firm_violations(state: State, plan: Plan, rng: np.random.Generator) -> NDArray[np.int64]:
    """Firms that break a regulation this step (unique indices)."""
    p = state.params.behaviour
    n_f = state.firm_rep.size
    cand = candidates(rng, n_f, float(p.firm_violation_rate))
    u = rng.random(cand.size)
    if cand.size == 0:
        return cand
    beta, g = float(p.firm_beta), float(p.firm_gain)
    p_hat = min(
        1.0,
        float(
            perceived_detection(plan.firm_detection_prob, plan.ambiguity_firm, plan.prior_detection)
        ),
    )
    c_hat = perceived_cost(plan.firm_cost, plan.ambiguity_firm, plan.prior_cost)
    ratio = float(sigmoid(beta * (g - p_hat * c_hat)) / sigmoid(beta * g))
    return unique_ints(cand[u < ratio])


def speech_risk(state: State, plan: Plan) -> NDArray[np.float32] | float:
    """``r_i p_hat_i (C_hat + F_i)`` for everybody, or 0.0 when nothing can make it positive."""
    kappa = float(state.params.behaviour.kappa)
    seen_sanctions = kappa > 0 and state.ls_person.size > 0
    a = float(plan.ambiguity_kind[plan.speech])
    if not (plan.discourse or a > 0 or seen_sanctions):
        return 0.0
    if plan.discourse:
        p_hat: Any = p_detect(plan, state.group, plan.speech, state.cover)
        p_hat = watched_by_ties(state, plan, p_hat)  # abroad: members among one's ties report
        p_hat = perceived_detection(p_hat, a, plan.prior_detection)
    else:
        p_hat = np.full(state.flags.size, np.float32(a * plan.prior_detection))
    if seen_sanctions:
        p_hat = p_hat + np.float32(kappa) * _share(state.sanc_n, state.deg)
        np.minimum(p_hat, np.float32(1.0), out=p_hat)
    c_hat = np.float32(perceived_cost(speech_record_cost(state, plan), a, plan.prior_cost))
    perks = perks_at_stake(state, plan, plan.speech, None)
    if perks is not None:  # incentives: the perks a speech record would forfeit
        c_hat = c_hat + perks  # type: ignore[assignment]
    if plan.family_cost > 0:
        cost = np.where(
            (state.flags & ABROAD) != 0, c_hat + np.float32(plan.family_cost), c_hat
        ).astype(np.float32)
        return np.asarray(state.risk * p_hat * cost, dtype=np.float32)
    return np.asarray(state.risk * p_hat * c_hat, dtype=np.float32)


def decide_speech(
    state: State, plan: Plan, out: NDArray[np.bool_] | None = None
) -> NDArray[np.bool_]:
    """Who speaks in public this step (Kuran), from what they saw last step.

    ``speaks(dissent, seen share, theta, w_e, w_r, risk=speech_risk(...))``, with the
    propaganda shrink of the seen share and no speech while incapacitated, computed in
    one fused pass over the people (`fused.speech`), bit for bit those numpy expressions.
    Written into `out` when given (the step passes last step's ``speaks``).
    """
    p = state.params.behaviour
    if not plan.behaviour:
        return np.zeros(state.flags.size, dtype=bool)
    from scslab.regime import fused  # numba: imported on first use, as in models.epstein

    propaganda = float(state.params.discourse.propaganda) if plan.discourse else 0.0
    kappa = float(p.kappa)
    seen_sanctions = kappa > 0 and state.ls_person.size > 0
    a = float(plan.ambiguity_kind[plan.speech])  # speech's ambiguity (ambiguity.acts)
    risk_mode = 0
    if plan.discourse:
        risk_mode = 1
    elif a > 0 or seen_sanctions:
        risk_mode = 2
    c_hat = perceived_cost(speech_record_cost(state, plan), a, plan.prior_cost)
    perks = None
    if risk_mode and plan.incentives and plan.perk_at_stake[plan.speech] > 0:
        n_red = int(np.count_nonzero(state.ls_origin == ORIG_RED))
        perks = (
            min(1.0, n_red / max(int(state.n_home_adults), 1)),
            float(plan.perk_at_stake[plan.speech]),
        )
    watched = np.empty(0, np.int32)
    watched_p = np.empty(0, np.float32)
    if risk_mode == 1:  # abroad: member ties' reports raise the true chance (watched_by_ties)
        watched, miss = members_miss(state, plan)
        if watched.size:
            p_true = p_detect(plan, state.group[watched], plan.speech, state.cover[watched])
            watched_p = np.float32(1.0) - (np.float32(1.0) - p_true) * miss
    return fused.speech(
        state,
        p_table=plan.p_table[:, plan.speech, :],
        watched=(watched, watched_p),
        use_group=not plan.p_even,
        w_e=float(p.w_expressive),
        w_r=float(p.w_reputational),
        prop_mul=1.0 - propaganda if propaganda > 0 else None,
        risk_mode=risk_mode,
        amb=(1.0 - a, a * plan.prior_detection) if a != 0.0 else None,
        p_const=a * plan.prior_detection,
        kappa=kappa if seen_sanctions else None,
        c_hat=float(c_hat),
        perks=perks,
        family=float(plan.family_cost) if plan.family_cost > 0 else None,
        preempt=bool(
            plan.preemption and state.params.preemption.incapacitate and state.ls_person.size
        ),
        out=out,
    )
