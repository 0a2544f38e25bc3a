"""Preemption: a risk score over the state's view restricts people before they act.

``risk_i = sigma(bias + w_records * unlawful records held + w_speech * speech
records held + w_listed_neighbours * share of sanctioned neighbours)``: it reads
the state's view only, never the truth. People at or above ``threshold`` get a
preventive restriction (``domains``) for ``duration`` steps; with
``incapacitate`` they commit no act and cannot speak while it lasts. The model
``threshold`` is the adaptive authority's while it adapts (`authority`). The model
is evaluated every ``every`` steps, over the people with any feature (or over
everyone when the bias alone reaches the threshold).
"""

from __future__ import annotations

import numpy as np

from scslab.engine import State
from scslab.population.people import ABROAD, CHILD
from scslab.regime.authority import preemption_threshold
from scslab.regime.plan import Plan
from scslab.regime.tables import BASIS_PREEMPT, NO_CAUSE, ORIG_PREEMPT, PREEMPT, sigmoid


def flag(state: State, plan: Plan) -> int:
    """Evaluate the risk model (every ``every`` steps); return how many were flagged."""
    from scslab.regime.sanctions import impose

    p = state.params.preemption
    t = int(state.step)
    if not plan.preemption or t % int(p.every) != 0:
        return 0
    threshold = preemption_threshold(state)  # the adaptive authority's while it adapts
    if float(sigmoid(p.bias)) >= threshold:
        cand = np.arange(state.flags.size, dtype=np.int64)
        ok = ((state.flags[cand] & (CHILD | ABROAD)) == 0) & ((state.sanc[cand] & PREEMPT) == 0)
        cand = cand[ok]
    else:  # people with a record or a sanctioned tie, at home, adult, not yet flagged
        from scslab.regime import fused  # numba: imported on first use

        cand = fused.risk_candidates(
            state.last_record, state.sanc_n, state.flags, state.sanc, CHILD | ABROAD, PREEMPT
        )
    if cand.size == 0:
        return 0
    view = state.view[cand]
    records = view[:, plan.unlawful].sum(axis=1, dtype=np.float64)
    speech = view[:, plan.speech].astype(np.float64)
    share = state.sanc_n[cand] / np.maximum(state.deg[cand], 1).astype(np.float64)
    risk = sigmoid(
        p.bias + p.w_records * records + p.w_speech * speech + p.w_listed_neighbours * share
    )
    hit = cand[risk >= threshold]
    if hit.size:
        impose(
            state,
            plan,
            hit,
            origin=ORIG_PREEMPT,
            list_id=255,
            mask=plan.preemption_domain_mask,
            duration=int(p.duration),
            cause=np.full(hit.size, NO_CAUSE, np.int64),
            spill=False,
            basis=BASIS_PREEMPT,
        )
        state.c_preempted += int(hit.size)
    return int(hit.size)
