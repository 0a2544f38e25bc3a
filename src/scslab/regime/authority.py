"""An authority that adapts inside a run: hill climbing on its own view (``authority``).

Every ``authority.every`` steps the state totals what it saw in that window,
from its own records only (never the truth):

- political cost: posts it detected per person and step, divided by the
  coverage scale (it knows how much of its watching it switched on or off, so
  it corrects its count for that; it cannot see the posts it missed);
- enforcement cost: ``watch_cost x coverage scale`` (coverage x people, per
  person) plus the sanctions it imposed per person and step (new blacklistings,
  pre-emptions, families pressured, fines on detected posts while the speech
  penalty is positive);
- approval lost: ``gamma x (1 - approval)``; no approval measure exists yet, so
  ``gamma`` is 0 (the schema refuses anything else).

``cost = alpha x political + beta x enforcement``. With ``authority.adaptive``
on, the state then applies the rule of Daymude, Axelrod & Forrest (2025), as
`scslab.models.dissent_game` does each round: if the lever values tried in
this window cost more than the last window's, it goes back to the values it
kept; the next comparison is with this window's cost, kept or not (as the
paper's code); then one lever, chosen uniformly among those it may move, moves
to a value uniform on ``[max(lo, v - radius), min(hi, v + radius)]`` (see
`mutate`). The levers:

- ``coverage``: a scale on every surveillance source's coverage (1 = the
  sources' own). Vectorised, never a loop over people: at initialisation each
  person gets one uniform draw ``u_i`` and an *extra* coverage byte drawn at the
  top-up probability ``q_s = (min(1, c_s hi) - c_s) / (1 - c_s)`` (``c_s``: the
  person's coverage by source s, ``hi``: the scale's upper bound). At scale
  ``x <= 1`` person i keeps their source bits when ``u_i < x`` (else loses
  them); at ``x > 1`` they gain the extra bits when ``u_i < (x - 1)/(hi - 1)``.
  The coverage share of each source is so ``c_s x`` (capped at 1), nested (a
  person watched at a lower scale is watched at every higher one), and at
  ``x = 1`` exactly the fixed policy's. The ``cover`` byte is rebuilt (one numpy
  pass) only when the scale changes; every mechanism reads it as before, and
  people's perceived detection follows it.
- ``threshold``: the pre-emption threshold (`preemption.flag` reads it here).
- ``penalty``: the speech penalty (`discourse.monitor` fines with it, and the
  perceived cost of speaking includes it).

The lever values, the kept values, the last cost and the window's counters
are Python scalars in `State` (a checkpoint restores them bit-identically).
Random numbers: ``authority_init`` (the draws above, at init) and
``authority`` (the moves), used only while ``adaptive`` is on, so a fixed
policy draws exactly what it drew before.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State, Streams
from scslab.population.people import ABROAD
from scslab.regime.plan import Plan

#: The levers the authority may move, in this order in `State` (``auth_<lever>``).
LEVERS = ("coverage", "threshold", "penalty")


def mutate(
    values: tuple[float, ...],
    bounds: tuple[tuple[float, float], ...],
    radius: tuple[float, ...],
    movable: tuple[int, ...],
    gen: np.random.Generator,
) -> tuple[float, ...]:
    """One hill-climbing candidate: one movable lever moved uniformly within ± its radius.

    The lever is chosen uniformly among `movable` (``gen.integers``); its new value
    is uniform on ``[max(lo, v - r), min(hi, v + r)]``: the rule of
    `scslab.models.dissent_game.mutate`, with the levers, bounds and radii given.

    Examples
    --------
    >>> g = np.random.default_rng(1)
    >>> new = mutate((1.0, 0.5), ((0.5, 2.0), (0.0, 1.0)), (0.1, 0.05), (0, 1), g)
    >>> sum(a != b for a, b in zip(new, (1.0, 0.5)))
    1
    """
    k = movable[int(gen.integers(len(movable)))]
    lo, hi = bounds[k]
    v = values[k]
    new = list(values)
    new[k] = float(gen.uniform(max(lo, v - radius[k]), min(hi, v + radius[k])))
    return tuple(new)


def movable(params: Any, plan: Plan) -> tuple[int, ...]:
    """Indices (into `LEVERS`) of the levers named in ``authority.levers`` whose mechanism is on."""
    on = {
        "coverage": plan.covers and plan.n_sources > 0,
        "threshold": plan.preemption,
        "penalty": plan.discourse,
    }
    named = set(params.authority.levers)
    return tuple(i for i, name in enumerate(LEVERS) if name in named and on[name])


def _moves_coverage(params: Any, plan: Plan) -> bool:
    return bool(params.authority.adaptive) and 0 in movable(params, plan)


def init_fields(params: Any, plan: Plan) -> dict[str, Any]:
    """The authority's scalars in `State`: lever values (the fixed policy's), costs, counters."""
    values = {
        "auth_coverage": 1.0,
        "auth_threshold": float(params.preemption.threshold),
        "auth_penalty": float(params.discourse.penalty),
    }
    kept = {k.replace("auth_", "auth_kept_"): v for k, v in values.items()}
    return {
        **values,
        **kept,
        "auth_trying": False,  # lever values of the current window are a candidate
        "auth_has_cost": False,  # a window has ended
        "auth_last_cost": 0.0,
        "auth_cost": 0.0,
        "auth_political": 0.0,
        "auth_enforcement": 0.0,
        "auth_moves": 0,
        "auth_kept_moves": 0,
        "auth_cover_applied": 1.0,  # the scale the ``cover`` byte was built at
        "auth_posts0": 0,  # run counters at the start of the window
        "auth_sanctions0": 0,
    }


def draw_coverage_scale(
    state: State, params: Any, plan: Plan, streams: Streams
) -> dict[str, NDArray[Any]]:
    """Per-person arrays of the coverage lever (empty dict when the lever cannot move).

    ``cover_base`` (the fixed policy's byte), ``cover_extra`` (source bits a
    scale above 1 adds, drawn at the top-up probability), ``cover_u`` (one
    uniform per person: who is watched first as the scale rises).
    """
    if not _moves_coverage(params, plan):
        return {}
    rng = streams["authority_init"]
    n = state.flags.size
    hi = float(params.authority.coverage.bounds[1])
    extra = np.zeros(n, dtype=np.uint8)
    if hi > 1.0:
        vis = np.array([g.visibility for g in params.population.groups], np.float64)[state.group]
        abroad = (state.flags & ABROAD) != 0
        for s, src in enumerate(params.surveillance.sources):
            c = np.minimum(1.0, vis * float(src.coverage))
            sees_speech = plan.speech in [plan.act_names.index(a) for a in src.sees]
            c[abroad] = float(params.abroad.platform_use) if sees_speech and plan.abroad else 0.0
            q = np.divide(np.minimum(1.0, c * hi) - c, 1.0 - c, out=np.zeros(n), where=c < 1.0)
            extra[rng.random(n) < q] |= np.uint8(1 << s)
    return {
        "cover_base": state.cover.copy(),
        "cover_extra": extra,
        "cover_u": rng.random(n, dtype=np.float32),
    }


def apply_coverage(state: State, plan: Plan) -> None:
    """Rebuild the ``cover`` byte at the current coverage scale (one vectorised pass)."""
    x = float(state.auth_coverage)
    base = state.cover_base
    bits = np.uint8((1 << plan.n_sources) - 1)
    if x <= 1.0:
        keep = state.cover_u < np.float32(x)
        state.cover = np.where(keep, base, base & ~bits).astype(np.uint8)
    else:
        hi = float(state.params.authority.coverage.bounds[1])
        add = state.cover_u < np.float32((x - 1.0) / (hi - 1.0))
        state.cover = np.where(add, base | (state.cover_extra & bits), base).astype(np.uint8)


def preemption_threshold(state: State) -> float:
    """The pre-emption threshold in force: the authority's while it adapts, else the schema's."""
    if state.params.authority.adaptive:
        return float(state.auth_threshold)
    return float(state.params.preemption.threshold)


def speech_penalty(state: State) -> float:
    """The speech penalty in force: the authority's while it adapts, else the schema's."""
    if state.params.authority.adaptive:
        return float(state.auth_penalty)
    return float(state.params.discourse.penalty)


def speech_record_cost(state: State, plan: Plan) -> float:
    """True expected cost of a speech record with the penalty in force (`Plan.record_cost`'s)."""
    cost = float(plan.record_cost[plan.speech])
    if plan.discourse and state.params.authority.adaptive:
        cost += float(state.auth_penalty) - float(state.params.discourse.penalty)
    return cost


def _sanctions_total(state: State) -> int:
    return int(state.c_listings) + int(state.c_preempted) + int(state.c_family_pressured)


def window_cost(state: State, plan: Plan, steps: int) -> tuple[float, float, float]:
    """(political, enforcement, cost) per person and step over the last `steps` steps.

    From the run counters since the window began (``auth_posts0``,
    ``auth_sanctions0``); all 0 over no step.
    """
    if steps <= 0:
        return 0.0, 0.0, 0.0
    a = state.params.authority
    person_steps = float(max(int(state.flags.size), 1) * steps)
    scale = float(state.auth_coverage)
    posts = int(state.c_posts_detected) - int(state.auth_posts0)
    fines = posts if plan.discourse and speech_penalty(state) > 0 else 0
    imposed = _sanctions_total(state) - int(state.auth_sanctions0) + fines
    political = posts / person_steps / scale if scale > 0 else 0.0
    watch = float(a.watch_cost) * scale if plan.covers else 0.0
    enforcement = watch + imposed / person_steps
    return political, enforcement, float(a.alpha) * political + float(a.beta) * enforcement


def step(state: State, plan: Plan, streams: Streams) -> None:
    """At the end of each window of ``every`` steps: the window's cost; adapt when on."""
    a = state.params.authority
    every = int(a.every)
    if (int(state.step) + 1) % every != 0:
        return
    political, enforcement, cost = window_cost(state, plan, every)
    state.auth_political = political
    state.auth_enforcement = enforcement
    state.auth_cost = cost
    state.auth_posts0 = int(state.c_posts_detected)
    state.auth_sanctions0 = _sanctions_total(state)
    had_cost, state.auth_has_cost = bool(state.auth_has_cost), True
    levers = movable(state.params, plan)
    if not (a.adaptive and levers):
        return
    values = (float(state.auth_coverage), float(state.auth_threshold), float(state.auth_penalty))
    if state.auth_trying and had_cost and cost > float(state.auth_last_cost):
        values = (
            float(state.auth_kept_coverage),
            float(state.auth_kept_threshold),
            float(state.auth_kept_penalty),
        )
    elif state.auth_trying:
        state.auth_kept_moves = int(state.auth_kept_moves) + 1
    state.auth_last_cost = cost  # as the paper's code: the next window compares with this one
    state.auth_kept_coverage, state.auth_kept_threshold, state.auth_kept_penalty = values
    bounds = tuple(tuple(map(float, getattr(a, name).bounds)) for name in LEVERS)
    radius = tuple(float(getattr(a, name).radius) for name in LEVERS)
    new = mutate(values, bounds, radius, levers, streams["authority"])  # type: ignore[arg-type]
    state.auth_coverage, state.auth_threshold, state.auth_penalty = new
    state.auth_trying = True
    state.auth_moves = int(state.auth_moves) + 1
    if 0 in levers and new[0] != float(state.auth_cover_applied):
        apply_coverage(state, plan)
        state.auth_cover_applied = new[0]
