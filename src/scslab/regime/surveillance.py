"""Surveillance: data sources record acts, true and false, after a latency.

Each source covers a share of people (its ``coverage`` times the group's
``visibility``), drawn once; coverage is one bit per source in the per-person
``cover`` byte. A committed act of a kind the source sees is recorded with
``detection_prob`` times the group's ``detection_visibility`` (at most 1); every
covered adult gets a false record of each kind the source sees with
``false_record_rate`` times the group's ``false_record_visibility`` per step
(drawn by thinning). A group can so be watched more closely on every source,
including those that cover everybody (courts, government records). Records
wait in the pending table (``pr_*``) until ``step + latency``: an event table,
never a person-by-step matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State
from scslab.population.people import ASSOC, CHILD
from scslab.regime.plan import ASSOC_BIT, Plan
from scslab.regime.tables import PENDING, append, candidates, unique_ints


def draw_coverage(params: Any, plan: Plan, group: NDArray[np.uint8], flags: NDArray[np.uint8],
                  rng: np.random.Generator) -> NDArray[np.uint8]:  # fmt: skip
    """The ``cover`` byte of every person: bit s set when source s covers them.

    People abroad are covered only by sources that watch speech, and only when
    the ``abroad`` mechanism is on (with ``platform_use`` instead of the
    source's coverage); association members abroad get the association bit.
    """
    n = flags.size
    cover = np.zeros(n, dtype=np.uint8)
    if not plan.covers:
        return cover
    from scslab.population import _draw_kernels as kern  # numba, on first use

    # a person's chance, by group (float32: the products as numpy takes them per person)
    vis = np.array([g.visibility for g in params.population.groups], dtype=np.float32)
    speech = plan.speech
    for s, src in enumerate(params.surveillance.sources):
        c = np.minimum(np.float32(1.0), vis * np.float32(src.coverage))
        sees_speech = speech in [plan.act_names.index(a) for a in src.sees]
        if sees_speech and plan.abroad:
            c_abroad = np.float32(params.abroad.platform_use)
        else:
            c_abroad = np.float32(0.0)
        u = rng.random(n, dtype=np.float32)
        kern.cover_bit(u, group, c, flags, c_abroad, np.uint8(1 << s), cover)
    if plan.abroad:
        cover[(flags & ASSOC) != 0] |= np.uint8(1 << ASSOC_BIT)
    return cover


def record_acts(
    state: State,
    plan: Plan,
    rng: np.random.Generator,
    persons: NDArray[np.int64],
    kinds: NDArray[np.int64],
) -> NDArray[np.bool_]:
    """File a record for each source that sees and detects an act; return which acts got one.

    Counts the acts recorded by at least one source: unlawful ones for
    ``state_recall`` (only while integration is on), kinds that can lead to a
    blacklisting for ``amplification``.
    """
    recorded = np.zeros(persons.size, dtype=bool)
    if not plan.surveillance or persons.size == 0:
        return recorded
    cov = state.cover[persons]
    t = int(state.step)
    for s in range(plan.n_sources):
        sel = plan.sees[s][kinds] & (((cov >> s) & 1) == 1)
        det = sel & (rng.random(persons.size) < plan.detection_prob[state.group[persons], s])
        if det.any():
            append(
                state,
                PENDING,
                {
                    "pr_person": persons[det],
                    "pr_kind": kinds[det],
                    "pr_true": True,
                    "pr_due": t + int(plan.latency[s]),
                },
            )
        recorded |= det
    if plan.integration:  # recall is the state's: records kept in silos are never seen
        state.c_unlawful_recorded += int(recorded[plan.unlawful[kinds]].sum())
    state.c_trigger_recorded += int(recorded[plan.triggers[kinds]].sum())
    return recorded


def false_records(state: State, plan: Plan, rng: np.random.Generator) -> int:
    """False records: each covered adult, per kind a source sees, with its ``false_record_rate``."""
    if not (plan.surveillance or plan.discourse):
        return 0
    n = state.flags.size
    t = int(state.step)
    made = 0
    for s in range(plan.n_sources):
        f = float(plan.false_record_rate_max[s])
        if f <= 0:
            continue
        for k in np.flatnonzero(plan.sees[s]):
            cand = candidates(rng, n, f)
            if not plan.false_record_even:  # thinning by the group's rate
                cand = cand[
                    rng.random(cand.size) * f < plan.false_record_rate[state.group[cand], s]
                ]
            cand = cand[(((state.cover[cand] >> s) & 1) == 1) & ((state.flags[cand] & CHILD) == 0)]
            if cand.size:
                append(
                    state,
                    PENDING,
                    {
                        "pr_person": cand,
                        "pr_kind": int(k),
                        "pr_true": False,
                        "pr_due": t + int(plan.latency[s]),
                    },
                )
                made += int(cand.size)
    return made


def record_speech(
    state: State, plan: Plan, rng: np.random.Generator, speakers: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Platform records of public dissent (called by discourse); return the detected speakers."""
    t = int(state.step)
    k = plan.speech
    hits: list[NDArray[np.int64]] = []
    cov = state.cover[speakers]
    for s in range(plan.n_sources):
        if not plan.sees[s, k]:
            continue
        mine = speakers[((cov >> s) & 1) == 1]
        det = mine[rng.random(mine.size) < plan.detection_prob[state.group[mine], s]]
        if det.size:
            append(
                state,
                PENDING,
                {
                    "pr_person": det,
                    "pr_kind": k,
                    "pr_true": True,
                    "pr_due": t + int(plan.latency[s]),
                },
            )
            hits.append(det)
    if plan.abroad:
        mine = speakers[((cov >> ASSOC_BIT) & 1) == 1]
        det = mine[rng.random(mine.size) < float(state.params.abroad.association_detection)]
        state.c_association_reports += int(det.size)
        if det.size:
            append(state, PENDING, {"pr_person": det, "pr_kind": k, "pr_true": True, "pr_due": t})
            hits.append(det)
    if not hits:
        return np.empty(0, np.int64)
    return unique_ints(np.concatenate(hits))


def record_firms(
    state: State, plan: Plan, rng: np.random.Generator, violators: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Regulators' records of firms: (firm indices, true) for detected violations and false ones."""
    if not plan.surveillance:
        return np.empty(0, np.int64), np.empty(0, bool)
    p = state.params.surveillance
    det = violators[rng.random(violators.size) < float(p.firm_detection_prob)]
    false = candidates(rng, state.firm_rep.size, float(p.firm_false_record_rate))
    true = np.concatenate([np.ones(det.size, bool), np.zeros(false.size, bool)])
    return np.concatenate([det, false]), true
