"""Firms that act and suffer (``firms``; docs/model.md, "Firms").

While ``firms.enabled`` is on, every firm-level step runs here instead of the
firm paths of `behaviour`, `surveillance` and `scoring`:

- **Choice.** Firm i (sector s, ``e_i`` employees) breaks a rule with probability
  ``lambda_f m_s sigma(beta_f (G_f - p_hat_i C_hat_i)) / sigma(beta_f G_f)``, with
  ``m_s`` the sector's ``violation`` multiplier, ``p_hat_i`` the chance it is
  recorded as it sees it (``firm_detection_prob``, times ``inspection_factor``
  while it is sanctioned) and ``C_hat_i`` the expected cost of a record: the
  listing of its legal representative (`Plan.firm_cost`) plus
  ``firm_sanction_share x sanction_duration x (e_i + 1) x firm_daily_cost``, the
  firm's own sanction. Drawn by thinning on the ``firm_acts`` stream (the
  candidates and uniforms are the same whatever the regime does).
- **Records** (``firm_records`` stream): a violation is recorded with the firm's
  detection; false records arrive at ``firm_false_record_rate``. Each record
  expires on its own with probability ``1 / scoring.record_ttl`` per step (mean
  life ``record_ttl``), so a firm's records are Poisson in the steady state.
- **Rating** ``firm_base - firm_deduction x records`` in the tax bands (A/B/C/D).
- **Sanction.** A firm rated ``sanction_rating`` or worse that is not under
  sanction is sanctioned for ``sanction_duration`` steps (``firm_sanc_until``),
  its basis true when its true records alone reach the rating
  (``firm_sanc_true``). While sanctioned it bears ``(e_i + 1) x firm_daily_cost``
  per step (procurement ban, refused loans, inspections); with
  ``employee_spill`` its employees get listing rows (origin employee, basis
  employer) in ``employee_domains`` until the firm's sanction ends.
- **Initial state.** Records start Poisson at each firm's unsanctioned rate, then
  ``burn_in`` steps of this firm-level dynamics run (``firm_burn_in`` stream) so
  ratings and sanctions start in their steady state; the representatives and
  employees of firms sanctioned at step 0 are listed as a stock (outside the
  run's listing counters).

Every loop here is over steps; the arrays are per firm.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State
from scslab.regime.ambiguity import perceived_cost, perceived_detection
from scslab.regime.plan import Plan
from scslab.regime.tables import (
    BASIS_EMPLOYER,
    BASIS_FALSE,
    BASIS_TRUE,
    NO_LIST,
    ORIG_EMPLOYEE,
    ORIG_OWN,
    candidates,
    sigmoid,
    unique_ints,
)

#: Run counters of this module (Python ints in `State`).
COUNTERS = ("c_firm_days", "c_firms_sanctioned")
#: Float run values of this module.
VALUES = ("c_firm_cost", "s_firm_cost")


def init_fields(firms: dict[str, NDArray[Any]]) -> dict[str, Any]:
    """Per-firm fields of `State`: sector, employees, sanction end and basis."""
    n_f = firms["firm_rep"].size
    return {
        "firm_sector": firms["firm_sector"],
        "firm_size": firms["firm_size"],
        "firm_sanc_until": np.full(n_f, -(2**30), np.int32),
        "firm_sanc_true": np.zeros(n_f, bool),
    }


def sanctioned(
    state: State, t: int | None = None, firms: NDArray[np.int64] | None = None
) -> NDArray[np.bool_]:
    """Firms under a sanction of their own at step `t` (default: now); all, or `firms`."""
    until = state.firm_sanc_until if firms is None else state.firm_sanc_until[firms]
    return until > (int(state.step) if t is None else t)


def detection(
    state: State, plan: Plan, t: int | None = None, firms: NDArray[np.int64] | None = None
) -> NDArray[np.float64]:
    """Chance each firm's violation is recorded: more inspections while it is sanctioned.

    Every firm's, or only those of `firms` (the same values, in their order).
    """
    size = state.firm_rep.size if firms is None else firms.size
    q = np.full(size, float(plan.firm_detection_prob))
    if plan.firms:
        q[sanctioned(state, t, firms)] *= float(state.params.firms.inspection_factor)
    return np.minimum(q, 1.0)


def record_cost(
    state: State, plan: Plan, firms: NDArray[np.int64] | None = None
) -> NDArray[np.float64]:
    """True expected cost of a record to each firm: its representative's listing, its sanction.

    ``Plan.firm_cost + firm_sanction_share x sanction_duration x (e_i + 1) x
    firm_daily_cost`` (the sanction's part only with sanctions, scoring and
    surveillance on); every firm's, or only those of `firms`.
    """
    size = state.firm_rep.size if firms is None else firms.size
    cost = np.full(size, float(plan.firm_cost))
    if plan.sanctions and plan.scoring and plan.surveillance:
        dur = float(state.params.firms.sanction_duration)
        fsize = state.firm_size if firms is None else state.firm_size[firms]
        people = fsize.astype(np.float64) + 1.0
        cost += plan.firm_sanction_share * dur * plan.firm_daily_cost * people
    return cost


def violations(
    state: State, plan: Plan, rng: np.random.Generator, t: int | None = None
) -> NDArray[np.int64]:
    """Firms that break a rule this step (unique indices), by thinning over the sectors."""
    p = state.params.behaviour
    m = plan.firm_sector_violation
    m_max = float(m.max()) if m.size else 0.0
    cand = candidates(rng, state.firm_rep.size, float(p.firm_violation_rate) * m_max)
    u = rng.random(cand.size)
    if cand.size == 0:
        return cand
    beta, g = float(p.firm_beta), float(p.firm_gain)
    q: Any = detection(state, plan, t, cand)
    p_hat = np.minimum(perceived_detection(q, plan.ambiguity_firm, plan.prior_detection), 1.0)
    c_hat = perceived_cost(record_cost(state, plan, cand), plan.ambiguity_firm, plan.prior_cost)
    ratio = sigmoid(beta * (g - p_hat * c_hat)) / sigmoid(beta * g)
    accept = m[state.firm_sector[cand]] / m_max * ratio
    return unique_ints(cand[u < accept], state.firm_rep.size)


def record(
    state: State,
    plan: Plan,
    rng: np.random.Generator,
    violators: NDArray[np.int64],
    t: int | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Regulators' records: (firm indices, true) for detected violations and false records."""
    if not plan.surveillance:
        return np.empty(0, np.int64), np.empty(0, bool)
    det = violators[rng.random(violators.size) < detection(state, plan, t, violators)]
    false = candidates(
        rng, state.firm_rep.size, float(state.params.surveillance.firm_false_record_rate)
    )
    true = np.concatenate([np.ones(det.size, bool), np.zeros(false.size, bool)])
    return np.concatenate([det, false]), true


def expire_records(state: State, rng: np.random.Generator, life: float) -> None:
    """Each record held expires with probability `life`, independently (in place).

    Drawn by thinning, at a cost proportional to the records that expire rather than
    to the firms: ``Binomial(R, life)`` of the R records held, chosen uniformly
    without replacement, is the same law as one Bernoulli(`life`) per record. A
    firm's records are numbered true ones first, so an expiring record is true when
    its number within its firm is below the firm's true count.
    """
    total = int(state.firm_records.sum(dtype=np.int64))
    if total == 0 or life <= 0.0:
        return
    k = int(rng.binomial(total, min(1.0, life)))
    if k == 0:
        return
    from scslab.regime.fused import expire_sorted  # numba: imported on first use

    rec = np.sort(rng.choice(total, size=k, replace=False, shuffle=False))
    expire_sorted(state.firm_records, state.firm_true, rec)


def rate(
    state: State,
    plan: Plan,
    rng: np.random.Generator,
    firms: NDArray[np.int64],
    true: NDArray[np.bool_],
    t: int | None = None,
) -> NDArray[np.int64]:
    """Expire records one by one, add the new ones, re-rate every firm; return firms rated worse."""
    from scslab.regime.scoring import firm_rating_table

    t = int(state.step) if t is None else t
    life = 1.0 / float(state.params.scoring.record_ttl)
    expire_records(state, rng, life)
    if firms.size:
        # only the firms with new records change: add them, capped at 255
        uniq, n_new = np.unique(firms, return_counts=True)
        n_true = np.bincount(np.searchsorted(uniq, firms[true]), minlength=uniq.size)
        total = np.minimum(state.firm_records[uniq].astype(np.int64) + n_new, 255)
        state.firm_true[uniq] = np.minimum(state.firm_true[uniq].astype(np.int64) + n_true, total)
        state.firm_records[uniq] = total
        state.firm_last_record[uniq] = t
    rating = firm_rating_table(state.params)[state.firm_records]
    worse = np.flatnonzero(rating > state.firm_rating)
    state.firm_rating[:] = rating
    return worse.astype(np.int64)


def sanction(state: State, plan: Plan, t: int | None = None) -> NDArray[np.int64]:
    """Sanction the firms rated ``sanction_rating`` or worse not under sanction; return them.

    With ``employee_spill`` (and outside the burn-in, `t` None) their employees
    get listing rows until the firm's sanction ends.
    """
    from scslab.regime.scoring import firm_rating_of

    if not (plan.firms and plan.sanctions and plan.scoring):
        return np.empty(0, np.int64)
    now = int(state.step) if t is None else t
    r = int(plan.firm_sanction_rating)
    new = np.flatnonzero((state.firm_rating >= r) & (state.firm_sanc_until <= now))
    if new.size == 0:
        return new.astype(np.int64)
    state.firm_sanc_until[new] = now + int(state.params.firms.sanction_duration)
    state.firm_sanc_true[new] = firm_rating_of(state.params, state.firm_true[new]) >= r
    if t is None:
        state.c_firms_sanctioned += int(new.size)
        spill_employees(state, plan, new)
    return new.astype(np.int64)


def employees_of(state: State, firms: NDArray[np.int64]) -> NDArray[np.int64]:
    """People employed by any of `firms` (one pass over ``employer``)."""
    mark = np.zeros(state.firm_rep.size + 1, bool)  # the last slot: employer -1
    mark[firms] = True
    return np.flatnonzero(mark[state.employer]).astype(np.int64)


def spill_employees(
    state: State, plan: Plan, firms: NDArray[np.int64], *, stock: bool = False
) -> None:
    """Listing rows for the employees of `firms` until each firm's sanction ends."""
    from scslab.regime.sanctions import FIRM_CAUSE, impose

    if not state.params.firms.employee_spill or firms.size == 0:
        return
    who = employees_of(state, firms)
    if who.size == 0:
        return
    until = state.firm_sanc_until[state.employer[who]].astype(np.int64)
    impose(
        state,
        plan,
        who,
        origin=ORIG_EMPLOYEE,
        list_id=NO_LIST,
        mask=int(plan.employee_domain_mask),
        duration=int(state.params.firms.sanction_duration),
        cause=np.full(who.size, FIRM_CAUSE, np.int64),
        spill=False,
        basis=BASIS_EMPLOYER,
        until=until if stock else None,
    )


def costs(state: State, plan: Plan) -> None:
    """The day's cost of the firms' own sanctions, and sanctioned firm-days."""
    if not plan.firms:
        return
    on = sanctioned(state)
    n_on = int(np.count_nonzero(on))
    state.s_firm_cost = (
        float((state.firm_size[on].astype(np.float64) + 1.0).sum()) * plan.firm_daily_cost
    )
    state.c_firm_cost += state.s_firm_cost
    state.c_firm_days += n_on


def burn_in(state: State, plan: Plan, rng: np.random.Generator) -> None:
    """Start the firms in their steady state: Poisson records, then ``burn_in`` firm-only steps.

    Records start Poisson with mean ``record_ttl x`` each firm's unsanctioned
    record rate (true and false apart); then the firm-level step (choice,
    records, expiry, rating, sanction) runs at steps ``-burn_in .. -1``, so the
    sanctions in force at step 0 end at their own steps. Nothing is drawn and
    nothing changes with ``firms`` or scoring off.
    """
    from scslab.regime.scoring import firm_rating_of

    if not (plan.firms and plan.scoring and plan.behaviour) or state.firm_rep.size == 0:
        return
    p = state.params
    ttl = float(p.scoring.record_ttl)
    if plan.surveillance:
        b = p.behaviour
        m = plan.firm_sector_violation[state.firm_sector]
        q: Any = detection(state, plan)
        p_hat = np.minimum(perceived_detection(q, plan.ambiguity_firm, plan.prior_detection), 1.0)
        c_hat = perceived_cost(record_cost(state, plan), plan.ambiguity_firm, plan.prior_cost)
        beta, g = float(b.firm_beta), float(b.firm_gain)
        ratio = sigmoid(beta * (g - p_hat * c_hat)) / sigmoid(beta * g)
        viol = np.minimum(float(b.firm_violation_rate) * m * ratio, 1.0)
        tr = rng.poisson(ttl * viol * detection(state, plan))
        fa = rng.poisson(ttl * float(p.surveillance.firm_false_record_rate), size=tr.size)
        state.firm_true[:] = np.minimum(tr, 255)
        state.firm_records[:] = np.minimum(tr + fa, 255)
    state.firm_rating[:] = firm_rating_of(p, state.firm_records)
    t0 = -int(p.firms.burn_in)
    if plan.sanctions:  # firms that start sanctioned: a remaining time uniform over the term
        dur = int(p.firms.sanction_duration)
        on = np.flatnonzero(state.firm_rating >= int(plan.firm_sanction_rating))
        state.firm_sanc_until[on] = t0 + rng.integers(1, dur + 1, size=on.size)
        state.firm_sanc_true[on] = firm_rating_of(p, state.firm_true[on]) >= int(
            plan.firm_sanction_rating
        )
    for t in range(t0, 0):
        violators = violations(state, plan, rng, t)
        recs, true = record(state, plan, rng, violators, t)
        rate(state, plan, rng, recs, true, t)
        sanction(state, plan, t)
    state.firm_last_record[:] = -1


def initial_stock(state: State, plan: Plan) -> bool:
    """List the representatives (and, with spill, employees) of firms sanctioned at step 0.

    Each firm list (``entry_firm_rating``) lists the representatives of the firms
    under sanction rated at or worse than its rating, until the firm's sanction
    ends, on the firm's basis; the stock is outside the run's listing counters.
    Return whether any row was opened.
    """
    from scslab.regime.sanctions import FIRM_CAUSE, impose

    if not (plan.firms and plan.sanctions):
        return False
    on = np.flatnonzero(sanctioned(state))
    if on.size == 0:
        return False
    opened = False
    for li in range(plan.n_lists):
        r = int(plan.list_entry_firm_rating[li])
        if r < 0 or not plan.list_black[li]:
            continue
        f = on[state.firm_rating[on] >= r]
        rep = state.firm_rep[f].astype(np.int64)
        rep, first = np.unique(rep, return_index=True)
        f = f[first]
        bit = np.uint16(1 << li)
        free = (state.onlist[rep] & bit) == 0
        rep, f = rep[free], f[free]
        if rep.size == 0:
            continue
        state.onlist[rep] |= bit
        impose(
            state,
            plan,
            rep,
            origin=ORIG_OWN,
            list_id=li,
            mask=int(plan.list_domain_mask[li]),
            duration=int(plan.list_duration[li]),
            cause=np.full(rep.size, FIRM_CAUSE, np.int64),
            spill=True,
            basis=np.where(state.firm_sanc_true[f], BASIS_TRUE, BASIS_FALSE).astype(np.uint8),
            until=np.minimum(
                state.firm_sanc_until[f].astype(np.int64), int(plan.list_duration[li])
            ),
        )
        opened = True
    if state.params.firms.employee_spill:
        spill_employees(state, plan, on, stock=True)
        opened = True
    return opened
