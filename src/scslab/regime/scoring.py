"""Scoring: points from a base, deductions per record, rewards, repair; grades.

``score_i = base - sum_k deduction_k view_ik + reward_points * deeds_i``; the
grade is the best band whose ``min_score`` the score reaches (Rongcheng-like
default AAA ... D). Only people whose record changed are rescored. A clean
spell of ``record_ttl`` steps repairs the record (the view is cleared).
Good deeds (volunteering, donations) arrive by thinning at ``reward_rate``.

Firms are rated A/B/C/D from ``firm_base - firm_deduction * records`` with the
tax-credit bands (A >= 90, B >= 70, C >= 40, D below). A firm's true records
(detected violations, not false records) are also counted (``firm_true``), so
a listing by firm rating can tell whether the true records alone reach it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State
from scslab.population.people import ABROAD, CHILD
from scslab.regime.plan import Plan
from scslab.regime.tables import candidates, union_ints, unique_ints


def grade_of(plan: Plan, score: NDArray[Any]) -> NDArray[np.int8]:
    """Grade index (0 = best band) of each score."""
    worst_first = np.searchsorted(plan.band_min_score, score, side="right") - 1
    worst_first = np.maximum(worst_first, 0)
    return (len(plan.band_names) - 1 - worst_first).astype(np.int8)


def true_grade(state: State, plan: Plan, persons: NDArray[np.int64]) -> NDArray[np.int8]:
    """The grade `persons` would have on their true records of unlawful acts alone.

    The points deducted by false, mislinked and lawful-act records (``pts_wrong``,
    kept by `integration.arrive`) are given back.
    """
    p = state.params.scoring
    score = (
        float(p.base)
        - state.view[persons].astype(np.float32) @ plan.deductions
        + state.pts_wrong[persons].sum(axis=1)
        + np.float32(p.reward_points) * state.deeds[persons].astype(np.float32)
    )
    return grade_of(plan, score)


def base_grade(params: Any, plan: Plan) -> int:
    return int(grade_of(plan, np.array([float(params.scoring.base)]))[0])


def rescore(state: State, plan: Plan, persons: NDArray[np.int64]) -> NDArray[np.int8]:
    """Recompute the grades of `persons` (unique); return their old grades."""
    old = state.grade[persons].copy()
    p = state.params.scoring
    score = (
        float(p.base)
        - state.view[persons].astype(np.float32) @ plan.deductions
        + np.float32(p.reward_points) * state.deeds[persons].astype(np.float32)
    )
    state.grade[persons] = grade_of(plan, score)
    return old


def rewards(state: State, rng: np.random.Generator) -> NDArray[np.int64]:
    """Good deeds this step (adults at home); return who earned one."""
    p = state.params.scoring
    cand = candidates(rng, state.flags.size, float(p.reward_rate))
    if cand.size == 0 or p.reward_points <= 0:
        return np.empty(0, np.int64)
    cand = unique_ints(cand[(state.flags[cand] & (CHILD | ABROAD)) == 0])
    cap = int(min(255, np.floor(float(p.max_bonus) / float(p.reward_points))))
    state.deeds[cand] = np.minimum(state.deeds[cand].astype(np.int64) + 1, cap).astype(np.uint8)
    return cand


def repair(state: State) -> NDArray[np.int64]:
    """Clear the record of people clean for ``record_ttl`` steps; return them."""
    ttl = int(state.params.scoring.record_ttl)
    t = int(state.step)
    from scslab.regime import fused  # numba: imported on first use

    return fused.repair(state.last_record, state.view, state.pts_wrong, t - ttl)


def firm_rating_of(params: Any, records: NDArray[Any]) -> NDArray[np.int8]:
    """Rating (0 = A .. 3 = D) of firms holding `records` records."""
    p = params.scoring
    score = float(p.firm_base) - float(p.firm_deduction) * records.astype(np.float64)
    bands = np.array(p.firm_bands, dtype=np.float64)  # A, B, C lower bounds (falling)
    return ((score < bands[0]).astype(np.int8) + (score < bands[1]) + (score < bands[2])).astype(
        np.int8
    )


def firm_rating_table(params: Any) -> NDArray[np.int8]:
    """`firm_rating_of` for 0..255 records (``firm_records`` is uint8): index it by records."""
    return firm_rating_of(params, np.arange(256, dtype=np.uint8))


def rate_firms(
    state: State, firms: NDArray[np.int64], true: NDArray[np.bool_] | None = None
) -> NDArray[np.int64]:
    """Apply new firm records, repair clean firms, re-rate; return firms newly worse.

    `true` marks the records of violations that happened (default: all of them).
    """
    p = state.params.scoring
    t = int(state.step)
    touched = firms
    if firms.size:
        uniq, counts = np.unique(firms, return_counts=True)
        state.firm_records[uniq] = np.minimum(
            state.firm_records[uniq].astype(np.int64) + counts, 255
        ).astype(np.uint8)
        real = firms if true is None else firms[true]
        if real.size:
            u2, c2 = np.unique(real, return_counts=True)
            state.firm_true[u2] = np.minimum(state.firm_true[u2].astype(np.int64) + c2, 255)
        state.firm_last_record[uniq] = t
        touched = uniq
    lr = state.firm_last_record
    clean = np.flatnonzero((lr >= 0) & (lr <= t - int(p.record_ttl)))
    if clean.size:
        state.firm_records[clean] = 0
        state.firm_true[clean] = 0
        state.firm_last_record[clean] = -1
        touched = union_ints(touched, clean)
    if touched.size == 0:
        return touched
    rating = firm_rating_of(state.params, state.firm_records[touched])
    old = state.firm_rating[touched]
    state.firm_rating[touched] = rating
    return touched[rating > old]
