"""Sanctions: blacklists and redlists, joint punishment, spill-over, exits.

Listings live in one event table (``ls_*`` columns): one row per person per
episode, with its origin (own listing, family spill-over, preemption, family of
a dissenter abroad, redlist), its domain mask (the OR of every memorandum that
binds the list), the step it ends, and an episode id shared by a listing and
its spill-over rows, so that fulfilment or a won appeal lifts them together.

The dense per-person arrays ``restr`` (domain bitmask) and ``sanc`` (status
bits) are rebuilt from the table when it changes; the count of sanctioned
neighbours ``sanc_n`` (what people see happen to others) is updated
incrementally from the people whose status changed, through their CSR rows.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State
from scslab.population.people import ABROAD, CHILD, household_of
from scslab.regime import harm
from scslab.regime.plan import Plan, p_detect
from scslab.regime.tables import (
    BASIS_FALSE,
    BASIS_FAMILY,
    BASIS_MISLINKED,
    BASIS_TRUE,
    LISTINGS,
    NO_CAUSE,
    NO_LIST,
    ORIG_DIASPORA,
    ORIG_OWN,
    ORIG_RED,
    POPCOUNT,
    append,
    keep,
    unique_ints,
)

FIRM_CAUSE = 254


def innocent(state: State, persons: NDArray[np.int64]) -> NDArray[np.bool_]:
    """No true unlawful act within the innocence window before now."""
    window = int(state.params.measures.innocence_window)
    return state.last_unlawful[persons] < int(state.step) - window


def cause_gravity(state: State, plan: Plan, cause: NDArray[np.int64]) -> NDArray[np.float64]:
    g = np.zeros(cause.size, dtype=np.float64)
    acts = cause < plan.n_kinds
    g[acts] = plan.gravity[cause[acts]]
    g[cause == FIRM_CAUSE] = float(state.params.behaviour.firm_gain)
    return g


def cause_domain_bit(plan: Plan, cause: NDArray[np.int64]) -> NDArray[np.uint8]:
    bits = np.zeros(cause.size, dtype=np.uint8)
    acts = cause < plan.n_kinds
    bits[acts] = plan.act_domain_bit[cause[acts]]
    if "licences" in plan.domain_names:
        bits[cause == FIRM_CAUSE] = np.uint8(1 << plan.domain_names.index("licences"))
    return bits


def family_of(
    state: State, persons: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Household members at home of each person (not the person): (member, index into persons)."""
    hh = household_of(state.hh_start, persons)
    start = state.hh_start[hh].astype(np.int64)
    size = state.hh_start[hh + 1].astype(np.int64) - start
    total = int(size.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    owner = np.repeat(np.arange(persons.size), size)
    member = np.repeat(start - (np.cumsum(size) - size), size) + np.arange(total)
    ok = (member != persons[owner]) & ((state.flags[member] & ABROAD) == 0)
    return member[ok], owner[ok]


def impose(
    state: State,
    plan: Plan,
    persons: NDArray[np.int64],
    *,
    origin: int,
    list_id: int,
    mask: int,
    duration: int,
    cause: NDArray[np.int64],
    spill: bool,
    basis: NDArray[np.uint8] | int,
    until: NDArray[np.int64] | None = None,
    gravity: float | None = None,
) -> None:
    """Open one episode per person: a row for them and, with `spill`, rows for family.

    `basis` is what each person's row rests on (`tables.BASIS_*`); spill-over
    rows rest on `BASIS_FAMILY`. The run's counters of listings opened in the
    run are kept here:

    - ``c_domains_imposed`` (amplification): domains of the rows of own
      listings caused by a person's record (not a firm's rating) and their
      spill-over rows;
    - ``c_cost`` and ``c_gravity`` (disproportion): the cost of every row at
      the expected stay (`Plan.list_stay` by the owner's basis; the full
      duration for pressure on a family abroad, which has no exit), and the
      gravity of the act once per episode, or `gravity` once per call when
      given (pressure on family: the post's gravity once per dissenter).
      Pre-emptions (no act) and redlists are not priced.

    With `until` (the initial stock), each episode ends at its own step and the
    counters are left alone: the stock was listed before the run.
    """
    if persons.size == 0:
        return
    t = int(state.step)
    stock = until is not None
    ends = np.full(persons.size, t + int(duration), np.int64) if until is None else until
    ep = state.next_episode + np.arange(persons.size, dtype=np.int64)
    state.next_episode += int(persons.size)
    own_basis = np.broadcast_to(np.asarray(basis, dtype=np.uint8), (persons.size,))
    rows_p = [persons]
    rows_m = [np.full(persons.size, mask, dtype=np.uint8)]
    rows_o = [np.full(persons.size, origin, dtype=np.uint8)]
    rows_e = [ep]
    rows_c = [cause]
    rows_u = [ends]
    rows_i = [np.zeros(persons.size, bool) if stock else innocent(state, persons)]
    rows_b = [own_basis]
    rows_own = [np.arange(persons.size)]
    spill_mask = mask & (plan.spill_household | plan.spill_children)
    if spill and spill_mask:
        member, owner = family_of(state, persons)
        child = (state.flags[member] & CHILD) != 0
        mm = np.where(
            child, mask & (plan.spill_household | plan.spill_children), mask & plan.spill_household
        ).astype(np.uint8)
        ok = mm != 0
        rows_p.append(member[ok])
        rows_m.append(mm[ok])
        rows_o.append(np.full(int(ok.sum()), 1, dtype=np.uint8))  # ORIG_FAMILY
        rows_e.append(ep[owner[ok]])
        rows_c.append(cause[owner[ok]])
        rows_u.append(ends[owner[ok]])
        rows_i.append(innocent(state, member[ok]))
        rows_b.append(np.full(int(ok.sum()), BASIS_FAMILY, dtype=np.uint8))
        rows_own.append(owner[ok])
    p_all = np.concatenate(rows_p)
    m_all = np.concatenate(rows_m)
    c_all = np.concatenate(rows_c)
    append(
        state,
        LISTINGS,
        {
            "ls_person": p_all,
            "ls_list": list_id,
            "ls_origin": np.concatenate(rows_o),
            "ls_mask": m_all,
            "ls_until": np.concatenate(rows_u),
            "ls_innocent": np.concatenate(rows_i),
            "ls_episode": np.concatenate(rows_e),
            "ls_cause": c_all,
            "ls_basis": np.concatenate(rows_b),
        },
    )
    state.ls_dirty = True
    if stock or origin not in (ORIG_OWN, ORIG_DIASPORA):
        return
    if origin == ORIG_OWN:
        by_person = c_all != FIRM_CAUSE
        state.c_domains_imposed += int(POPCOUNT[m_all[by_person]].sum())
        wrong = np.isin(own_basis, (BASIS_FALSE, BASIS_MISLINKED)).astype(np.int64)
        stay = plan.list_stay[list_id, wrong[np.concatenate(rows_own)]]
        state.c_cost += float((plan.mask_cost[m_all] * stay).sum())
    else:
        state.c_cost += float(plan.mask_cost[m_all].sum()) * duration
    if gravity is None:
        state.c_gravity += float(cause_gravity(state, plan, cause).sum())
    else:
        state.c_gravity += float(gravity)


def stationary_ages(
    rng: np.random.Generator, m: int, duration: int, hazard: float
) -> NDArray[np.int64]:
    """Steps already spent on a list by `m` people of a stock in its steady state.

    With a constant inflow, a listing survives each step with ``1 - hazard``
    and ends at `duration`, so the ages of the listings in force are
    ``P(a) ~ (1 - hazard)^a`` for ``a = 0 .. duration - 1`` (a truncated
    geometric law, drawn by inversion; uniform when ``hazard = 0``).
    """
    u = rng.random(m)
    if hazard <= 0.0:
        age = np.floor(u * duration)
    elif hazard >= 1.0:
        age = np.zeros(m)
    else:
        lq = np.log1p(-hazard)
        span = -np.expm1(duration * lq)  # 1 - (1 - hazard)^duration
        age = np.floor(np.log1p(-u * span) / lq)
    return np.clip(age, 0, duration - 1).astype(np.int64)


def initial_stock(state: State, plan: Plan, rng: np.random.Generator) -> None:
    """List each blacklist's ``initial_share`` of adults at step 0, as if it had run for years.

    The stock is drawn without replacement among home adults with weights equal
    to their hazard, now, of being listed by the list's unlawful entry acts
    (``propensity * detection``; Efraimidis & Spirakis keys ``E_i / w_i``), so
    it is empty where nobody could be listed (no coverage, integration off). Each
    is listed for one entry act drawn in proportion to its share of their hazard
    and recorded as guilty; the time already spent on the list follows
    `stationary_ages` under the list's exit hazard, so expiries, fulfilments and
    appeals continue at the modelled rates. Spill-over rows are opened as for a
    new listing. The stock is outside the run's listing counters (new listings,
    planned cost and gravity, domains imposed); its days of restriction count.
    """
    from scslab.regime.behaviour import propensity

    if not (plan.sanctions and plan.integration) or not plan.list_initial_share.any():
        return
    for li in (int(x) for x in np.flatnonzero(plan.list_initial_share > 0)):
        kinds = np.flatnonzero(plan.list_entry_acts[li] & plan.unlawful)
        bit = np.uint16(1 << li)

        def hazard(k: int, persons: NDArray[np.int64] | None = None) -> NDArray[np.float64]:
            idx = slice(None) if persons is None else persons
            p_det = p_detect(plan, state.group[idx], k, state.cover[idx])
            return propensity(state, plan, k, persons) * p_det

        w = hazard(int(kinds[0]))
        for k in kinds[1:]:
            w += hazard(int(k))
        w[(state.onlist & bit) != 0] = 0.0
        eligible = np.flatnonzero(w > 0)
        m = min(int(round(float(plan.list_initial_share[li]) * int(state.n_adults))), eligible.size)
        if m == 0:
            continue
        keys = rng.exponential(size=eligible.size) / w[eligible]
        del w
        who = np.sort(eligible[np.argpartition(keys, m - 1)[:m]])
        cum = np.cumsum(np.stack([hazard(int(k), who) for k in kinds]), axis=0)
        u = rng.random(m) * cum[-1]
        cause = kinds[np.minimum((cum < u).sum(axis=0), kinds.size - 1)].astype(np.int64)
        duration = int(plan.list_duration[li])
        age = stationary_ages(rng, m, duration, float(plan.list_exit_hazard[li]))
        state.onlist[who] |= bit
        impose(
            state,
            plan,
            who.astype(np.int64),
            origin=ORIG_OWN,
            list_id=li,
            mask=int(plan.list_domain_mask[li]),
            duration=duration,
            cause=cause,
            spill=True,
            basis=BASIS_TRUE,
            until=int(state.step) + duration - age,
        )


def exits(state: State, plan: Plan, rng: np.random.Generator) -> NDArray[np.int64]:
    """End listings: expiry, fulfilment, won appeals; return people whose record was expunged."""
    n_rows = state.ls_person.size
    if n_rows == 0:
        return np.empty(0, np.int64)
    t = int(state.step)
    remove = state.ls_until <= t
    lst = state.ls_list.astype(np.int64)
    own = (state.ls_origin == ORIG_OWN) & ~remove
    ended: list[NDArray[np.int64]] = []
    expunged = np.empty(0, np.int64)
    if plan.sanctions:
        safe = np.where(own, lst, 0)
        idx = np.flatnonzero(own & (plan.list_fulfilment_rate[safe] > 0))
        u = rng.random(idx.size)
        li = lst[idx]
        prob = plan.list_fulfilment_rate[li] * (
            1.0 + plan.list_pressure[li] * plan.mask_cost[state.ls_mask[idx]]
        )
        paid = idx[u < prob]
        state.c_fulfilled += int(paid.size)
        harm.repaid(state, plan, paid)  # debts repaid under pressure
        ended.append(paid)
        idx = np.flatnonzero(own & (plan.list_appeal_rate[safe] > 0))
        u = rng.random(idx.size)
        appealed = idx[u < plan.list_appeal_rate[lst[idx]]]
        li = lst[appealed]
        false_basis = np.isin(state.ls_basis[appealed], (BASIS_FALSE, BASIS_MISLINKED))
        succ = np.where(
            false_basis, plan.list_appeal_success_false[li], plan.list_appeal_success_true[li]
        )
        won_now = rng.random(appealed.size) < succ
        won = appealed[won_now]
        state.c_appeals_won += int(won.size)
        ended.append(won)
        wrong = won[false_basis[won_now]]
        if wrong.size:  # the false record is struck off the state's view
            expunged = unique_ints(state.ls_person[wrong].astype(np.int64))
            state.view[expunged] = 0
            state.pts_wrong[expunged] = 0.0
            state.last_record[expunged] = -1
    if ended:
        done = np.concatenate(ended)
        if done.size:
            remove |= np.isin(state.ls_episode, state.ls_episode[done])
    if not remove.any():
        return expunged
    gone = remove & (state.ls_list != NO_LIST)
    if gone.any():
        bits = (np.uint16(1) << state.ls_list[gone].astype(np.uint16)).astype(np.uint16)
        mine = (state.ls_origin[gone] == ORIG_OWN) | (state.ls_origin[gone] == ORIG_RED)
        np.bitwise_and.at(state.onlist, state.ls_person[gone][mine], ~bits[mine])
    keep(state, LISTINGS, ~remove)
    state.ls_dirty = True
    return expunged


def enter(
    state: State,
    plan: Plan,
    rec_persons: NDArray[np.int64],
    rec_kinds: NDArray[np.int64],
    graded: NDArray[np.int64],
    old_grade: NDArray[np.int8],
    firms_worse: NDArray[np.int64],
    rec_basis: NDArray[np.uint8] | None = None,
) -> None:
    """List people by the entry rules: a new record, a grade reached, a firm rated.

    Each listing carries its basis: the record's (`integration.arrive`); for a
    grade, true if the person's true records of unlawful acts alone reach it
    (`scoring.true_grade`), else the kind of record that deducted most of the
    other points; for a firm rating, true if the firm's true records alone reach
    it, else a false record. A person listed on several grounds at once keeps a
    true one if any. `rec_basis` defaults to true records.
    """
    from scslab.regime.scoring import firm_rating_of, true_grade

    if not plan.sanctions:
        return
    if rec_basis is None:
        rec_basis = np.zeros(rec_persons.size, np.uint8)
    for li in range(plan.n_lists):
        bit = np.uint16(1 << li)
        persons: list[NDArray[np.int64]] = []
        causes: list[NDArray[np.int64]] = []
        bases: list[NDArray[np.uint8]] = []
        g = int(plan.list_entry_grade[li])
        if plan.list_black[li]:
            if rec_persons.size and plan.list_entry_acts[li].any():
                sel = plan.list_entry_acts[li][rec_kinds]
                persons.append(rec_persons[sel])
                causes.append(rec_kinds[sel])
                bases.append(rec_basis[sel])
            if g >= 0 and graded.size:
                new = state.grade[graded]
                hit = (new >= g) & (old_grade < g)
                who = graded[hit]
                persons.append(who)
                contrib = state.view[who].astype(np.float32) * plan.deductions
                causes.append(np.argmax(contrib, axis=1).astype(np.int64))
                wrong = (np.argmax(state.pts_wrong[who], axis=1) + BASIS_FALSE).astype(np.uint8)
                bases.append(np.where(true_grade(state, plan, who) >= g, BASIS_TRUE, wrong))
            r = int(plan.list_entry_firm_rating[li])
            if r >= 0 and firms_worse.size:
                f = firms_worse[state.firm_rating[firms_worse] >= r]
                persons.append(state.firm_rep[f].astype(np.int64))
                causes.append(np.full(f.size, FIRM_CAUSE, dtype=np.int64))
                real = firm_rating_of(state.params, state.firm_true[f]) >= r
                bases.append(np.where(real, BASIS_TRUE, BASIS_FALSE).astype(np.uint8))
        elif g >= 0 and graded.size:
            new = state.grade[graded]
            hit = (new <= g) & (old_grade > g)
            persons.append(graded[hit])
            causes.append(np.full(int(hit.sum()), NO_CAUSE, dtype=np.int64))
            bases.append(np.full(int(hit.sum()), BASIS_TRUE, dtype=np.uint8))
        if not persons:
            continue
        who = np.concatenate(persons)
        why = np.concatenate(causes)
        base = np.concatenate(bases).astype(np.uint8)
        if who.size == 0:
            continue
        order = np.lexsort((base, who))  # by person, a true basis first
        who, why, base = who[order], why[order], base[order]
        who, first = np.unique(who, return_index=True)
        why, base = why[first], base[first]
        ok = ((state.onlist[who] & bit) == 0) & ((state.flags[who] & (CHILD | ABROAD)) == 0)
        who, why, base = who[ok], why[ok], base[ok]
        if who.size == 0:
            continue
        state.onlist[who] |= bit
        if plan.list_black[li]:
            state.c_listings += int(who.size)
            state.c_firm_listed += int(np.count_nonzero(why == FIRM_CAUSE))
            impose(
                state,
                plan,
                who,
                origin=ORIG_OWN,
                list_id=li,
                mask=int(plan.list_domain_mask[li]),
                duration=int(plan.list_duration[li]),
                cause=why,
                spill=True,
                basis=base,
            )
        else:
            impose(
                state,
                plan,
                who,
                origin=ORIG_RED,
                list_id=li,
                mask=0,
                duration=int(plan.list_duration[li]),
                cause=why,
                spill=False,
                basis=BASIS_TRUE,
            )


def rebuild(state: State, plan: Plan) -> None:
    """Rebuild ``restr``, ``sanc``, ``sanc_n`` and the day's constants from the listings table."""
    if state.ls_dirty:
        from scslab.regime import fused  # numba: imported on first use

        state.restr_counts, state.n_own = fused.rebuild(
            state.sanc,
            state.restr,
            state.ls_person,
            state.ls_origin,
            state.ls_mask,
            len(plan.domain_names),
            state.net_indptr,
            state.net_indices,
            state.sanc_n,
        )
        origin = state.ls_origin
        state.red_benefit = float(
            plan.list_benefit[state.ls_list[origin == ORIG_RED].astype(np.int64)].sum()
        )
        state.ls_dirty = False


def apply(state: State, plan: Plan, rng: np.random.Generator) -> None:
    """Rebuild ``restr``/``sanc`` if the table changed; count the day's restrictions."""
    rebuild(state, plan)
    counts = state.restr_counts
    restricted = int(counts.sum() - counts[0])
    state.c_person_days += restricted
    state.c_own_days += state.n_own
    state.s_cost = float(counts @ plan.mask_cost)
    state.s_benefit = state.red_benefit
    if restricted == 0:
        return
    state.c_domain_days += int(counts @ POPCOUNT)
    masks = np.arange(256)
    for b, rate in enumerate(plan.domain_attempt_rate):
        if rate > 0:
            n_d = int(counts[((masks >> b) & 1) == 1].sum())
            blocked = int(rng.binomial(n_d, float(rate)))
            state.c_blocked += blocked
            state.c_blocked_dom[b] += blocked
    live = state.ls_origin != ORIG_RED
    m = state.ls_mask[live]
    cb = cause_domain_bit(plan, state.ls_cause[live].astype(np.int64))
    state.c_row_days += int(POPCOUNT[m].sum())
    state.c_cross_days += int(POPCOUNT[m & ~cb].sum())
