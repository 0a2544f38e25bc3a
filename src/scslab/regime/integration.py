"""Integration: records that arrive are linked to people; the state's view.

A record reaches the state at its due step. It lands on the person it is
about with probability ``linkage_accuracy``; otherwise on a random member of
that person's network neighbourhood (family included), or a random person
when they have no ties. The state's view is ``view[i, k]``: linked records of
kind k held against person i (saturating at 255). The truth (``pr_true`` and the
acts themselves) is never mixed into it; the measures compare the two.

Each linked record gets a basis (`tables.BASIS_*`): a true record of an
unlawful act on the right person, a false record, a true record on the wrong
person, or a true record of a lawful act. Listings opened on a record carry it
(``ls_basis``), and the points such records deduct are kept apart per person
(``pts_wrong``: false, mislinked, lawful) so that a listing by grade can tell
whether the true records alone would have reached the grade.

When the mechanism is off, records stay in their silos: they are counted by
the sources but never reach a view, so nothing downstream can use them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State
from scslab.regime.plan import Plan
from scslab.regime.tables import (
    BASIS_FALSE,
    BASIS_LAWFUL,
    BASIS_MISLINKED,
    BASIS_TRUE,
    PENDING,
    keep,
)


def arrive(
    state: State, plan: Plan, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.uint8]]:
    """Take the records due now, link them, update the view; return (persons, kinds, basis)."""
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.uint8))
    if state.pr_due.size == 0:
        return empty
    t = int(state.step)
    due = state.pr_due <= t
    if not due.any():
        return empty
    person = state.pr_person[due].astype(np.int64)
    kind = state.pr_kind[due].astype(np.int64)
    true = state.pr_true[due]
    keep(state, PENDING, ~due)
    if not plan.integration:
        return empty

    acc = float(state.params.integration.linkage_accuracy)
    u = rng.random(person.size)
    wrong = np.flatnonzero(u >= acc)
    linked = person.copy()
    if wrong.size:
        src = person[wrong]
        start = state.net_indptr[src].astype(np.int64)
        deg = state.net_indptr[src + 1].astype(np.int64) - start
        pick = (rng.random(wrong.size) * np.maximum(deg, 1)).astype(np.int64)
        other = rng.integers(0, state.flags.size, size=wrong.size)
        nbr = state.net_indices[np.minimum(start + pick, state.net_indices.size - 1)]
        linked[wrong] = np.where(deg > 0, nbr, other)
    right = linked == person
    correct = true & right
    basis = np.where(
        ~true,
        BASIS_FALSE,
        np.where(~right, BASIS_MISLINKED, np.where(plan.unlawful[kind], BASIS_TRUE, BASIS_LAWFUL)),
    ).astype(np.uint8)
    wrong_rec = np.flatnonzero(basis != BASIS_TRUE)
    if wrong_rec.size and plan.scoring:
        np.add.at(
            state.pts_wrong,
            (linked[wrong_rec], basis[wrong_rec].astype(np.int64) - 1),
            plan.deductions[kind[wrong_rec]],
        )

    k_n = plan.n_kinds
    flat = linked * k_n + kind
    uniq, counts = np.unique(flat, return_counts=True)
    view = state.view.reshape(-1)
    view[uniq] = np.minimum(view[uniq].astype(np.int64) + counts, 255).astype(np.uint8)
    state.last_record[linked] = t
    state.c_records += int(linked.size)
    state.c_records_correct += int(correct.sum())
    return linked, kind, basis
