"""Mesa's schedule (``activation: random_sequential``): rules of one agent's turn (fast).

The kernel is `scslab.models.epstein_sequential`; the run-level checks shared with the
synchronous kernel (conservation, determinism, schedules, resume) are parametrized in
``test_epstein.py``; the comparison with Mesa's own runs is ``test_epstein_vs_mesa.py``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from test_epstein import check_grid, hand_state, scenario, shape_cells, streams

from scslab.engine import State
from scslab.models.epstein import (
    EpsteinCivilViolence,
    arrest_probability,
    neighbourhood,
    neighbourhood_sum,
)


def sequential(**params: Any) -> Any:
    return scenario(activation="random_sequential", **params)


def stepped(sc: Any, seed: int, steps: int) -> tuple[EpsteinCivilViolence, State]:
    model = EpsteinCivilViolence()
    rng = streams(seed)
    state = model.init(sc, rng)
    for _ in range(steps):
        model.step(state, rng)
        state.step += 1
    return model, state


@pytest.mark.parametrize(
    "params",
    [
        {},  # von Neumann 3 for both
        {"neighbourhood": "moore", "cop_vision": 2, "jailed_stay_on_cell": True},
        {"width": 9, "height": 12, "citizen_vision": 7, "cop_vision": 5},  # shapes wrap
        {"neighbourhood": "euclidean", "citizen_vision": 30, "cop_vision": 1},  # full rows
    ],
)
def test_counts_kept_during_the_step_match_a_recount(params: dict[str, Any]) -> None:
    """The kernel's per-cell counts (cops and actives in vision) after a step equal a recount."""
    sc = sequential(legitimacy=0.4, **params)
    p = sc.params
    h, w = p.height, p.width
    model = EpsteinCivilViolence()
    rng = streams(5)
    state = model.init(sc, rng)
    seen_actives = 0
    for _ in range(25):
        model.step(state, rng)
        state.step += 1
        check_grid(state)
        geo = model._local.seq
        cops = np.zeros(h * w, dtype=np.int32)
        cops[state.cop_pos[state.cop_pos >= 0]] = 1
        act = np.zeros(h * w, dtype=np.int32)
        act[state.citizen_pos[state.active]] = 1
        nb_cit = neighbourhood(p.citizen_vision, p.neighbourhood, h, w)
        nb_cop = neighbourhood(p.cop_vision, p.neighbourhood, h, w)
        np.testing.assert_array_equal(geo.cop_cells(), cops.astype(bool))
        np.testing.assert_array_equal(
            neighbourhood_sum(act.reshape(h, w), nb_cit).ravel(), geo.counts("cact")
        )
        if not geo.same_shape:
            np.testing.assert_array_equal(
                neighbourhood_sum(act.reshape(h, w), nb_cop).ravel(), geo.counts("kact")
            )
        seen_actives += int(state.active.sum())
    assert seen_actives > 0


@pytest.mark.parametrize(
    ("n_cops", "n_active", "hardship"),
    [(1, 1, 0.5), (3, 1, 1.0), (1, 0, 1.0), (0, 0, 0.1), (2, 3, 0.8), (3, 2, 0.95)],
)
@pytest.mark.parametrize("formula", ["exact", "floor", "round"])
def test_a_citizen_decides_on_the_grid_as_it_finds_it(
    n_cops: int, n_active: int, hardship: float, formula: str
) -> None:
    """The citizen at the centre decides from the cops and actives around it at its turn.

    The others are always active (H = 1, R = 0, L = 0); cops see only their own cell,
    so nobody is arrested, and nobody moves: whatever the order, the citizen sees
    ``n_cops`` cops and ``n_active`` actives, and is active iff G - R P > T.
    """
    prob = arrest_probability(np.array([n_cops]), np.array([n_active + 1]), 2.3, formula)[0]
    expected = bool(hardship - prob > 0.1)
    for seed in range(10):
        state = hand_state(formula, hardship, 1.0, n_cops, n_active)
        state.params = state.params.model_copy(
            update={"activation": "random_sequential", "movement": False, "cop_vision": 0.5}
        )
        EpsteinCivilViolence().step(state, streams(seed))
        assert state.arrests == 0 and state.active[:-1].all()
        assert bool(state.active[-1]) is expected


def test_a_cop_arrests_a_uniformly_random_active_in_vision() -> None:
    """One cop, four always-active citizens in its vision and one out of it; nobody moves."""
    sc = sequential(
        width=15,
        height=15,
        citizen_density=0.0,
        cop_density=0.0,
        cop_vision=2,
        neighbourhood="von_neumann",
        legitimacy=0.0,
        movement=False,
        max_jail_term=None,
    )
    p = sc.params
    cells = [7 * 15 + 8, 6 * 15 + 7, 9 * 15 + 7, 7 * 15 + 5, 7 * 15 + 11]  # last: 4 away
    counts = np.zeros(5, dtype=np.int64)
    runs = 2000
    for seed in range(runs):
        state = State(
            params=p,
            citizen_pos=np.array(cells, dtype=np.int32),
            hardship=np.ones(5),
            risk_aversion=np.zeros(5),
            active=np.ones(5, dtype=bool),
            jailed=np.zeros(5, dtype=bool),
            jail_left=np.zeros(5, dtype=np.int32),
            cop_pos=np.array([7 * 15 + 7], dtype=np.int32),
            legitimacy=0.0,
            arrests=0,
        )
        EpsteinCivilViolence().step(state, streams(seed))
        assert state.arrests == 1
        assert state.jailed.sum() == 1 and state.citizen_pos[state.jailed][0] == -1
        counts += state.jailed
    assert counts[4] == 0
    # 2000 arrests over 4 citizens: each binomial(2000, 1/4), sd 19.4
    assert np.abs(counts[:4] - runs / 4).max() < 4 * math.sqrt(runs * 0.25 * 0.75)


def test_term_zero_is_served_only_when_the_cop_acts_first() -> None:
    """Mesa's timing: a term of 0 ends at the citizen's next turn, in the same step or the next.

    One cop next to one always-active citizen, nobody moves, every term 0: the citizen is
    jailed at the end of a step iff the cop acted after it in that step's order (p = 1/2).
    """
    sc = sequential(
        width=9,
        height=9,
        citizen_density=0.0,
        cop_density=0.0,
        cop_vision=1,
        citizen_vision=1,
        legitimacy=0.0,
        movement=False,
        max_jail_term=0,
        jailed_stay_on_cell=True,
    )
    jailed = 0
    runs = 1000
    for seed in range(runs):
        state = State(
            params=sc.params,
            citizen_pos=np.array([40], dtype=np.int32),
            hardship=np.ones(1),
            risk_aversion=np.zeros(1),
            active=np.zeros(1, dtype=bool),
            jailed=np.zeros(1, dtype=bool),
            jail_left=np.zeros(1, dtype=np.int32),
            cop_pos=np.array([41], dtype=np.int32),
            legitimacy=0.0,
            arrests=0,
        )
        EpsteinCivilViolence().step(state, streams(seed))
        # citizen first: turns active, then the cop jails it (term 0, served next step);
        # cop first: nobody active to arrest, then the citizen turns active
        assert state.arrests == int(state.jailed[0])
        assert state.active[0] != state.jailed[0]
        jailed += int(state.jailed[0])
    assert abs(jailed - runs / 2) < 4 * math.sqrt(runs / 4)


def test_a_term_keeps_a_citizen_out_of_that_many_turns() -> None:
    """jail_left = 2: two turns counting down (on its cell), then it decides again."""
    sc = sequential(steps=1, legitimacy=0.0, cop_density=0.0, movement=False)
    model = EpsteinCivilViolence()
    rng = streams(1)
    state = model.init(sc, rng)
    state.jailed[0], state.jail_left[0], state.active[0] = True, 2, False
    for left in (1, 0):
        model.step(state, rng)
        assert state.jailed[0] and state.jail_left[0] == left
    model.step(state, rng)
    assert not state.jailed[0] and state.active[0]  # H = max, L = 0, no cops: active


def test_released_from_off_the_grid_lands_on_an_empty_cell() -> None:
    sc = sequential(steps=1, legitimacy=1.0, cop_density=0.0, jailed_stay_on_cell=False)
    model = EpsteinCivilViolence()
    rng = streams(2)
    state = model.init(sc, rng)
    state.jailed[:5], state.jail_left[:5], state.citizen_pos[:5] = True, 0, -1
    model.step(state, rng)
    assert not state.jailed[:5].any() and (state.citizen_pos[:5] >= 0).all()
    check_grid(state)


def test_moves_go_to_a_uniformly_random_empty_cell_of_vision() -> None:
    """A lone cop among fixed, jailed citizens: its target is uniform over the empty cells."""
    size, vision = 15, 3
    sc = sequential(
        width=size,
        height=size,
        citizen_density=0.0,
        cop_density=0.0,
        cop_vision=vision,
        citizen_vision=vision,
        legitimacy=1.0,
        max_jail_term=None,
        jailed_stay_on_cell=True,
    )
    g = np.random.default_rng(0)
    offsets = sorted(shape_cells(vision, "von_neumann", size, size) - {(0, 0)})
    at = 7 * size + 7
    cells = [((7 + dy) % size) * size + (7 + dx) % size for dy, dx in offsets]
    blocked = g.choice(cells, size=len(cells) * 3 // 4, replace=False)  # 75 % full
    empty = sorted(set(cells) - set(blocked.tolist()))
    n = blocked.size
    counts = dict.fromkeys(empty, 0)
    runs = 100 * len(empty)
    for seed in range(runs):
        state = State(
            params=sc.params,
            citizen_pos=blocked.astype(np.int32),
            hardship=np.zeros(n),
            risk_aversion=np.zeros(n),
            active=np.zeros(n, dtype=bool),
            jailed=np.ones(n, dtype=bool),
            jail_left=np.full(n, -1, dtype=np.int32),
            cop_pos=np.array([at], dtype=np.int32),
            legitimacy=1.0,
            arrests=0,
        )
        EpsteinCivilViolence().step(state, streams(seed))
        counts[int(state.cop_pos[0])] += 1
    got = np.array(list(counts.values()))
    assert got.sum() == runs  # always moved, always to an empty cell of its vision
    # chi-square over the empty cells, df = len(empty) - 1 (about 5 sd above the mean)
    chi2 = float(((got - 100) ** 2 / 100).sum())
    df = len(empty) - 1
    assert chi2 < df + 5 * math.sqrt(2 * df)


def test_per_cell_placement_draws_each_cell_alone() -> None:
    sc = scenario(width=40, height=40, citizen_density=0.7, cop_density=0.074, placement="per_cell")
    sizes = []
    corr = []
    for seed in range(30):
        state = EpsteinCivilViolence().init(sc, streams(seed))
        check_grid(state)
        sizes.append((state.citizen_pos.size, int((state.cop_pos >= 0).sum())))
        corr.append(np.corrcoef(state.citizen_pos, state.hardship)[0, 1])
    # a citizen's hardship does not depend on its cell (ids are sorted by hardship):
    # correlations over ~1120 citizens have sd ~0.03, their mean over 30 seeds ~0.005
    assert abs(np.mean(corr)) < 0.03 and np.max(np.abs(corr)) < 0.15
    cit, cop = np.array(sizes).T
    assert len(set(cit.tolist())) > 5 and len(set(cop.tolist())) > 5  # not fixed counts
    # Binomial(1600, 0.7) and Binomial(1600, 0.074): means within 4 se
    assert abs(cit.mean() - 1120) < 4 * math.sqrt(1600 * 0.7 * 0.3 / 30)
    assert abs(cop.mean() - 118.4) < 4 * math.sqrt(1600 * 0.074 * 0.926 / 30)
    exact = EpsteinCivilViolence().init(scenario(width=40, height=40), streams(0))
    assert exact.citizen_pos.size == round(0.6 * 1600)


@pytest.mark.parametrize(
    "change",
    ["cop", "active", "citizen", "hardship", "legitimacy"],
)
def test_a_state_changed_between_steps_is_seen(change: str) -> None:
    """The grids and thresholds kept from the previous step are remade when the state changed.

    A model that stepped the state before (keeping its grids) and a new model
    (making them afresh) give the same next steps after a change made by hand.
    """
    sc = sequential(legitimacy=0.5, width=16, height=16, jailed_stay_on_cell=True)
    kept, state = stepped(sc, 11, 6)
    empty = np.setdiff1d(
        np.arange(16 * 16), np.concatenate([state.citizen_pos, state.cop_pos[state.cop_pos >= 0]])
    )
    if change == "cop":
        state.cop_pos[np.flatnonzero(state.cop_pos >= 0)[0]] = empty[0]
    elif change == "active":
        free = np.flatnonzero((state.jail_left == 0) & (state.citizen_pos >= 0))
        state.active[free[:3]] = ~state.active[free[:3]]
    elif change == "citizen":
        state.citizen_pos[np.flatnonzero(state.jail_left == 0)[0]] = empty[0]
    elif change == "hardship":
        state.hardship[:] = 1.0 - state.hardship
    else:
        state.legitimacy = 0.2
    fresh_state = State(
        **{k: v.copy() if isinstance(v, np.ndarray) else v for k, v in vars(state).items()}
    )
    fresh = EpsteinCivilViolence()
    rng_a, rng_b = streams(3), streams(3)
    for _ in range(4):
        kept.step(state, rng_a)
        fresh.step(fresh_state, rng_b)
        state.step += 1
        fresh_state.step += 1
        for name in ("citizen_pos", "cop_pos", "active", "jailed", "jail_left"):
            np.testing.assert_array_equal(getattr(state, name), getattr(fresh_state, name), name)
