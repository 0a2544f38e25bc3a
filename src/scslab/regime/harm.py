"""The problem the system solves: the harm unlawful acts do to others.

Each act kind has a ``harm`` (``acts[*].harm``): the cost of one act to someone
else (a creditor, a fraud victim), in days of mean income. The run counts

- the harm of the acts committed (``c_harm``), and
- the harm of the acts the same society would commit **without the system**
  (``c_harm_base``). The behaviour stream draws the same candidates and the
  same uniforms with the regime and without it (common random numbers, see
  `behaviour.commit_acts`), and without it every candidate that is a home adult
  is accepted with ``o_i / o_max`` (no risk, nobody incapacitated). So the
  baseline's acts of a step are known exactly in the run: `snapshot` copies the
  behaviour stream before `commit_acts` draws, and `count` replays its draws.
  ``c_harm_base - c_harm`` is the paired difference ``scslab run --baseline``
  would measure (a test checks the two agree), so ``harm_prevented`` has a
  value in every run and its interval over replicates is the paired one.

Debts repaid under pressure (`repaid`): own listings ended by fulfilment that
rest on a true record of an act that harms (a debt, a judgment), and the value
of those acts to their victims.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State
from scslab.population.people import ABROAD, CHILD
from scslab.regime.tables import BASIS_TRUE, candidates

#: Run counters of this module (Python scalars in `State`).
COUNTERS = ("c_debts_repaid",)
#: Float run values of this module.
VALUES = ("c_harm", "c_harm_base", "c_debts_value", "s_harm")


def harm_of(params: Any) -> NDArray[np.float64]:
    """``acts[*].harm`` (days of mean income per act), in act order."""
    return np.array([float(a.harm) for a in params.acts], dtype=np.float64)


def snapshot(rng: np.random.Generator) -> np.random.Generator:
    """A copy of the behaviour stream before `behaviour.commit_acts` draws from it."""
    return copy.deepcopy(rng)


def baseline_counts(state: State, plan: Any, rng: np.random.Generator) -> NDArray[np.int64]:
    """Acts of each kind the society would commit this step without the system.

    Replays `behaviour.commit_acts`'s draws (per kind with a rate: Binomial
    candidates, then one uniform each) on a copy of its stream, and accepts
    home adults with ``o_i / o_max``: the rule with no risk and no
    incapacitation, as in the baseline run.
    """
    n = state.flags.size
    o_max = float(state.params.behaviour.opportunism_max)
    out = np.zeros(plan.n_kinds, dtype=np.int64)
    for k in range(plan.n_kinds):
        if k == plan.speech or plan.rate[k] <= 0:
            continue
        cand = candidates(rng, n, float(plan.rate[k]) * o_max)
        u = rng.random(cand.size)
        if cand.size == 0:
            continue
        ok = (state.flags[cand] & (CHILD | ABROAD)) == 0
        out[k] = int(np.count_nonzero(ok & (u < state.opp[cand].astype(np.float64) / o_max)))
    return out


def count(
    state: State, plan: Any, kinds: NDArray[np.int64], before: np.random.Generator | None
) -> None:
    """Add this step's harm with the system (`kinds`) and without it (replayed from `before`)."""
    harm = harm_of(state.params)
    # by kind, then weighted: the same sum, in the same order, as the baseline's
    s = float(np.bincount(kinds, minlength=harm.size).astype(np.int64) @ harm)
    state.s_harm = s
    state.c_harm += s
    if before is None:  # behaviour off: nobody acts with or without the system
        return
    state.c_harm_base += float(baseline_counts(state, plan, before) @ harm)


def repaid(state: State, plan: Any, rows: NDArray[np.int64]) -> None:
    """Count fulfilled own listings (`rows` of the listings table) that repay a harm."""
    if rows.size == 0:
        return
    harm = harm_of(state.params)
    cause = state.ls_cause[rows].astype(np.int64)
    act = cause < plan.n_kinds
    value = np.zeros(rows.size)
    value[act] = harm[cause[act]]
    debt = (state.ls_basis[rows] == BASIS_TRUE) & (value > 0)
    state.c_debts_repaid += int(np.count_nonzero(debt))
    state.c_debts_value += float(value[debt].sum())
