"""Unit tests of the Epstein civil-violence kernel (fast)."""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import scslab.models.epstein as ep
from scslab.engine import Checkpoint, State, Streams, simulate
from scslab.models.epstein import (
    EpsteinCivilViolence,
    arrest_probability,
    neighbourhood,
    neighbourhood_sum,
)
from scslab.scenario import load_scenario

ACTIVATIONS = ["synchronous", "random_sequential"]
EPSTEIN_PRESETS = [
    "epstein",
    "epstein-mesa",
    "epstein-run1",
    "epstein-run2",
    "epstein-run3",
    "epstein-run4",
    "epstein-run5",
]


def scenario(steps: int = 30, seed: int = 1, **params: Any) -> Any:
    """A small, lively scenario: 20x20, low legitimacy, short terms."""
    base: dict[str, Any] = {
        "width": 20,
        "height": 20,
        "citizen_density": 0.6,
        "cop_density": 0.05,
        "citizen_vision": 3,
        "cop_vision": 3,
        "legitimacy": 0.6,
        "max_jail_term": 5,
    }
    base.update(params)
    return load_scenario(
        {"name": "t", "model": "epstein", "steps": steps, "seed": seed, "params": base}
    )


def streams(seed: int) -> Streams:
    return Streams(np.random.SeedSequence(seed))


def run(sc: Any, seed: int | None = None) -> tuple[State, list[dict[str, float]]]:
    seed = sc.seed if seed is None else seed
    return simulate(EpsteinCivilViolence(), sc, streams(seed), steps=sc.steps)


def in_shape(dy: int, dx: int, vision: float, kind: str) -> bool:
    """The definition of the three vision shapes, for brute-force checks."""
    r = math.floor(vision)
    if abs(dy) > r or abs(dx) > r:
        return False
    if kind == "moore":
        return True
    if kind == "von_neumann":
        return abs(dx) + abs(dy) <= r
    return dx * dx + dy * dy <= vision * vision


def shape_cells(vision: float, kind: str, h: int, w: int) -> set[tuple[int, int]]:
    """Distinct torus offsets (dy mod h, dx mod w) of a shape."""
    r = math.floor(vision)
    return {
        (dy % h, dx % w)
        for dy in range(-r, r + 1)
        for dx in range(-r, r + 1)
        if in_shape(dy, dx, vision, kind)
    }


def check_grid(state: State) -> None:
    """One agent per cell; free citizens on the grid; consistent flags."""
    p = state.params
    cells = p.width * p.height
    cit = state.citizen_pos
    cops = state.cop_pos[state.cop_pos >= 0]
    on = cit[cit >= 0]
    placed = np.concatenate([on, cops])
    assert placed.size == np.unique(placed).size, "two agents on one cell"
    assert ((placed >= 0) & (placed < cells)).all()
    assert (cit[~state.jailed] >= 0).all(), "a free citizen is off the grid"
    if p.jailed_stay_on_cell:
        assert (cit >= 0).all()
    else:
        assert (cit[state.jailed] == -1).all()
    assert not (state.active & state.jailed).any()


# --------------------------------------------------------------------------- shapes
SIZES = [(9, 7), (5, 12), (16, 16), (3, 3)]
VISIONS = [0.5, 1, 1.7, 2.5, 3, 7, 20]


@pytest.mark.parametrize("kind", ["moore", "von_neumann", "euclidean"])
@pytest.mark.parametrize("size", SIZES)
def test_neighbourhood_sum_matches_brute_force(kind: str, size: tuple[int, int]) -> None:
    h, w = size
    g = np.random.default_rng(h * 100 + w)
    grid = g.integers(0, 5, size=(h, w)).astype(np.int32)
    for vision in VISIONS:  # 7 and 20 exceed every grid here
        offsets = shape_cells(vision, kind, h, w)
        expected = np.zeros_like(grid)
        for dy, dx in offsets:
            expected += np.roll(grid, shift=(-dy, -dx), axis=(0, 1))
        nb = neighbourhood(vision, kind, h, w)
        assert nb.size == len(offsets)
        cells = {
            (dy % h, dx % w) for dy, dx in zip(nb.off_dy.tolist(), nb.off_dx.tolist(), strict=True)
        }
        assert cells == offsets
        np.testing.assert_array_equal(neighbourhood_sum(grid, nb), expected, f"v={vision}")


def test_neighbourhood_sum_int64_and_wrapping_prefix_sums() -> None:
    g = np.random.default_rng(3)
    grid = g.integers(0, 1 << 20, size=(11, 13)).astype(np.int64)
    nb = neighbourhood(4, "euclidean", 11, 13)
    expected = sum(
        np.roll(grid, shift=(-dy, -dx), axis=(0, 1))
        for dy, dx in shape_cells(4, "euclidean", 11, 13)
    )
    np.testing.assert_array_equal(neighbourhood_sum(grid, nb), expected)
    # int32 prefix sums that overflow still give exact window sums
    big = np.full((4, 5000), 1 << 16, dtype=np.int32)
    out = neighbourhood_sum(big, neighbourhood(1, "moore", 4, 5000))
    assert (out == 9 << 16).all()


def test_shape_sizes() -> None:
    assert neighbourhood(7, "von_neumann", 40, 40).size == 113
    assert neighbourhood(7, "moore", 40, 40).size == 225
    assert neighbourhood(1.7, "euclidean", 40, 40).size == 9
    assert neighbourhood(1.7, "von_neumann", 40, 40).size == 5
    assert neighbourhood(50, "moore", 6, 4).size == 24  # the whole torus, once


# --------------------------------------------------------------------------- arrest probability
def test_arrest_probability_forms() -> None:
    c = np.array([0, 1, 1, 3, 5, 7])
    a = np.array([1, 1, 2, 2, 2, 2])
    k = 2.3
    exact = 1 - np.exp(-k * c / a)
    np.testing.assert_allclose(arrest_probability(c, a, k, "exact"), exact)
    floor = 1 - np.exp(-k * np.array([0, 1, 0, 1, 2, 3]))
    np.testing.assert_allclose(arrest_probability(c, a, k, "floor"), floor)
    # Python's round: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, 3.5 -> 4 (halves to even)
    rnd = 1 - np.exp(
        -k * np.array([round(x / y) for x, y in zip(c.tolist(), a.tolist(), strict=True)])
    )
    np.testing.assert_allclose(arrest_probability(c, a, k, "round"), rnd)
    np.testing.assert_allclose(rnd, 1 - np.exp(-k * np.array([0, 1, 0, 2, 2, 4])))
    assert arrest_probability(np.array([1]), np.array([1]), k, "floor")[0] == pytest.approx(
        0.9, abs=0.01
    )


def hand_state(formula: str, hardship: float, risk: float, n_cops: int, n_active: int) -> State:
    """A citizen at (5, 5) of an 11x11 torus (the last one); cops and actives next to it.

    Citizens are numbered by hardship, highest first, as the kernel expects.
    """
    sc = scenario(
        width=11,
        height=11,
        citizen_density=0.1,
        cop_density=0.05,
        legitimacy=0.0,
        citizen_vision=1.5,
        cop_vision=1.5,
        neighbourhood="moore",
        arrest_formula=formula,
    )
    p = sc.params
    ring = [(4, 4), (4, 5), (4, 6), (5, 4), (5, 6), (6, 4), (6, 5), (6, 6)]
    cells = [y * 11 + x for y, x in ring]
    n_cit = 1 + n_active
    return State(
        params=p,
        citizen_pos=np.array([*cells[:n_active], 5 * 11 + 5], dtype=np.int32),
        hardship=np.array([1.0] * n_active + [hardship]),
        risk_aversion=np.array([0.0] * n_active + [risk]),
        active=np.array([True] * n_active + [False]),
        jailed=np.zeros(n_cit, dtype=bool),
        jail_left=np.zeros(n_cit, dtype=np.int32),
        cop_pos=np.array(cells[n_active : n_active + n_cops], dtype=np.int32),
        legitimacy=0.0,
        arrests=0,
    )


@pytest.mark.parametrize(
    ("n_cops", "n_active", "hardship", "expected"),
    [
        # C=1, A=2: P = 1-exp(-1.15) = 0.68 (exact), 0 (floor, round(0.5) = 0)
        (1, 1, 0.5, {"exact": False, "floor": True, "round": True}),
        # C=3, A=2: P = 0.97 (exact, 1.5), 0.90 (floor 1), 0.99 (round(1.5) = 2)
        (3, 1, 1.0, {"exact": False, "floor": True, "round": False}),
        # C=1, A=1: P = 0.8997 in every form; G - N = 0.1003 > 0.1
        (1, 0, 1.0, {"exact": True, "floor": True, "round": True}),
        # C=0: P = 0; G = 0.1 is not > T = 0.1
        (0, 0, 0.1, {"exact": False, "floor": False, "round": False}),
    ],
)
def test_decision_by_arrest_formula(
    n_cops: int, n_active: int, hardship: float, expected: dict[str, bool]
) -> None:
    for formula, active in expected.items():
        state = hand_state(formula, hardship, 1.0, n_cops, n_active)
        ep._decide(state)
        assert bool(state.active[-1]) is active, formula


@pytest.mark.parametrize(
    ("kind", "vision"), [("von_neumann", 5), ("euclidean", 7), ("moore", 2), ("moore", 90)]
)
@pytest.mark.parametrize("formula", ["exact", "floor", "round"])
def test_decide_matches_brute_force(kind: str, vision: float, formula: str) -> None:
    """Counts packed in 16 or 32 bits; jailed citizens on or off the grid."""
    sc = scenario(
        width=15,
        height=13,
        citizen_density=0.5,
        cop_density=0.2,
        citizen_vision=vision,
        neighbourhood=kind,
        arrest_formula=formula,
        legitimacy=0.3,
        jailed_stay_on_cell=True,
    )
    p = sc.params
    state = EpsteinCivilViolence().init(sc, streams(9))
    g = np.random.default_rng(9)
    n = state.active.size
    state.jailed[:] = g.random(n) < 0.2
    state.active[:] = (g.random(n) < 0.4) & ~state.jailed
    state.citizen_pos[state.jailed & (g.random(n) < 0.5)] = -1  # some have left the grid
    before = state.active.copy()
    offsets = shape_cells(vision, kind, p.height, p.width)
    cops = set(state.cop_pos[state.cop_pos >= 0].tolist())
    actives = {int(state.citizen_pos[i]) for i in np.flatnonzero(before)}
    expected = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(~state.jailed).tolist():
        y, x = divmod(int(state.citizen_pos[i]), p.width)
        seen = {((y + dy) % p.height) * p.width + (x + dx) % p.width for dy, dx in offsets}
        c = len(seen & cops)
        a = 1 + len(seen & actives) - int(before[i])
        prob = arrest_probability(np.array([c]), np.array([a]), 2.3, formula)[0]
        g_ = state.hardship[i] * (1 - 0.3)
        expected[i] = g_ - state.risk_aversion[i] * prob > 0.1
    ep._decide(state)
    np.testing.assert_array_equal(state.active, expected)


# --------------------------------------------------------------------------- run-level
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("stay", [False, True])
def test_agents_conserved_and_one_per_cell(stay: bool, activation: str) -> None:
    sc = scenario(steps=1, jailed_stay_on_cell=stay, activation=activation)
    model = EpsteinCivilViolence()
    rng = streams(2)
    state = model.init(sc, rng)
    n_cit = state.citizen_pos.size
    n_cops = int((state.cop_pos >= 0).sum())
    assert n_cit == round(0.6 * 400) and n_cops == 20
    jailed_seen = 0
    for _ in range(60):
        model.step(state, rng)
        state.step += 1
        check_grid(state)
        m = model.metrics(state)
        assert m["active"] + m["quiet"] + m["jailed"] == n_cit
        assert m["cops"] == n_cops
        jailed_seen = max(jailed_seen, int(m["jailed"]))
    assert jailed_seen > 0  # the scenario is lively enough to test something


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_determinism(activation: str) -> None:
    sc = scenario(steps=40, activation=activation)
    a, rows_a = run(sc, 5)
    b, rows_b = run(sc, 5)
    c, _ = run(sc, 6)
    fa, fb, fc = a.fields(), b.fields(), c.fields()
    assert fa.keys() == fb.keys()
    for k in fa:
        np.testing.assert_array_equal(fa[k], fb[k], k)
    assert rows_a == rows_b
    assert any(not np.array_equal(fa[k], fc[k]) for k in fa)


def test_state_is_arrays_and_scalars() -> None:
    state, _ = run(scenario(steps=3))
    for name, value in vars(state).items():
        if name in ("params", "step"):
            continue
        assert isinstance(value, np.ndarray | int | float), name
    assert state.citizen_pos.dtype == np.int32 and state.cop_pos.dtype == np.int32
    assert state.active.dtype == bool and state.jailed.dtype == bool
    assert (np.diff(state.hardship) <= 0).all()  # numbered by hardship, highest first


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_full_legitimacy_means_no_grievance_and_no_actives(activation: str) -> None:
    _, rows = run(scenario(steps=30, legitimacy=1.0, cop_density=0.0, activation=activation))
    assert all(r["active"] == 0 and r["jailed"] == 0 for r in rows)
    assert all(r["mean_grievance"] == 0 for r in rows)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_no_cops_no_jail(activation: str) -> None:
    _, rows = run(scenario(steps=30, legitimacy=0.2, cop_density=0.0, activation=activation))
    assert all(r["jailed"] == 0 and r["arrests"] == 0 for r in rows)
    # with no risk, everyone with G = 0.8 H > 0.1 is active
    assert rows[-1]["active"] == pytest.approx(0.6 * 400 * (1 - 0.1 / 0.8), rel=0.2)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_life_terms_never_release(activation: str) -> None:
    sc = scenario(
        steps=1, legitimacy=0.3, cop_density=0.1, max_jail_term=None, activation=activation
    )
    model = EpsteinCivilViolence()
    rng = streams(4)
    state = model.init(sc, rng)
    jailed_before = np.zeros(state.jailed.size, dtype=bool)
    for _ in range(50):
        model.step(state, rng)
        state.step += 1
        assert (state.jailed | ~jailed_before).all(), "someone left a life term"
        assert (state.jail_left[state.jailed] == -1).all()
        jailed_before = state.jailed.copy()
    assert jailed_before.sum() > 10


def test_jail_countdown_and_release() -> None:
    sc = scenario(steps=1, legitimacy=1.0)
    model = EpsteinCivilViolence()
    rng = streams(1)
    state = model.init(sc, rng)
    geo = model._geometry(sc.params)
    occ = geo.occ
    occ[:] = False
    occ[state.citizen_pos] = True
    occ[state.cop_pos] = True
    cell = int(state.citizen_pos[0])
    state.jailed[0], state.jail_left[0], state.citizen_pos[0] = True, 2, -1
    occ[cell] = False
    for left in (1, 0):  # a term of 2 keeps the citizen out of 2 steps
        ep._jail(state, occ, rng["jail"])
        assert state.jailed[0] and state.jail_left[0] == left
    ep._jail(state, occ, rng["jail"])
    assert not state.jailed[0]
    assert state.citizen_pos[0] >= 0 and occ[state.citizen_pos[0]]
    check_grid(state)


@pytest.mark.parametrize("occupied", [0.3, 0.97])  # sampled by rejection / from a list
def test_empty_cells_are_distinct_and_uniform(occupied: float) -> None:
    g = np.random.default_rng(0)
    cells = 2000
    occ = np.zeros(cells + 1, dtype=bool)
    occ[: int(occupied * cells)] = True
    g.shuffle(occ[:-1])
    counts = np.zeros(cells, dtype=np.int64)
    draws = 3000
    for _ in range(draws):
        got = ep._empty_cells(occ, 3, g)
        assert np.unique(got).size == 3 and not occ[got].any()
        counts[got] += 1
    free = counts[~occ[:-1]]
    expected = 3 * draws / free.size
    # every empty cell is drawn about equally often (Poisson spread)
    assert abs(free.mean() - expected) < 1e-9
    assert free.std() < 1.5 * math.sqrt(expected)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_jailed_stay_on_cell_keeps_their_cells(activation: str) -> None:
    sc = scenario(
        steps=1, legitimacy=0.3, jailed_stay_on_cell=True, max_jail_term=20, activation=activation
    )
    model = EpsteinCivilViolence()
    rng = streams(8)
    state = model.init(sc, rng)
    prev_pos, prev_left = state.citizen_pos.copy(), np.where(state.jailed, state.jail_left, 0)
    held = 0
    for _ in range(30):
        model.step(state, rng)
        state.step += 1
        check_grid(state)
        # steps left at the start: not released in this step (a released citizen may
        # move and be jailed again within the step)
        still = prev_left > 0
        assert state.jailed[still].all()
        np.testing.assert_array_equal(state.citizen_pos[still], prev_pos[still])
        held += int(still.sum())
        prev_pos = state.citizen_pos.copy()
        prev_left = np.where(state.jailed, state.jail_left, 0)
    assert held > 0


@pytest.mark.parametrize(
    ("size", "kind", "visions"),
    [
        (20, "von_neumann", (3, 2)),  # citizens' and cops' shapes differ
        (20, "moore", (0.5, 2)),  # citizens see only their own cell: only cops move
        (20, "euclidean", (2.5, 0.5)),  # only citizens move
        (90, "moore", (40, 39)),  # 6560 offsets: 16 random bits, and a bit for the kind
    ],
)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_movement_stays_within_vision(
    size: int, kind: str, visions: tuple[float, float], activation: str
) -> None:
    cit_vision, cop_vision = visions
    sc = scenario(
        activation=activation,
        steps=1,
        width=size,
        height=size,
        legitimacy=1.0,
        citizen_density=0.3,
        cop_density=0.1,
        neighbourhood=kind,
        citizen_vision=cit_vision,
        cop_vision=cop_vision,
    )
    model = EpsteinCivilViolence()
    rng = streams(3)
    state = model.init(sc, rng)
    w = h = size
    before = np.concatenate([state.citizen_pos, state.cop_pos])
    model.step(state, rng)
    after = np.concatenate([state.citizen_pos, state.cop_pos])
    check_grid(state)
    n_cit = state.citizen_pos.size
    moved = np.zeros(2, dtype=np.int64)
    for i, (a, b) in enumerate(zip(before.tolist(), after.tolist(), strict=True)):
        dy = ((b // w - a // w + h // 2) % h) - h // 2
        dx = ((b % w - a % w + w // 2) % w) - w // 2
        vision = cit_vision if i < n_cit else cop_vision
        assert in_shape(dy, dx, vision, kind)
        moved[int(i >= n_cit)] += a != b
    # plenty of room: nearly everyone who can move does
    for k, (vision, n) in enumerate(zip(visions, [n_cit, before.size - n_cit], strict=True)):
        if vision < 1:
            assert moved[k] == 0
        else:
            assert moved[k] > 0.9 * n


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_no_movement_keeps_cells(activation: str) -> None:
    sc = scenario(steps=20, legitimacy=1.0, movement=False, activation=activation)
    model = EpsteinCivilViolence()
    rng = streams(3)
    state = model.init(sc, rng)
    cells = state.citizen_pos.copy(), state.cop_pos.copy()
    for _ in range(5):
        model.step(state, rng)
    np.testing.assert_array_equal(state.citizen_pos, cells[0])
    np.testing.assert_array_equal(state.cop_pos, cells[1])


# --------------------------------------------------------------------------- movement sampler
def blocked(
    size: int, movers: list[tuple[int, int]], blocks: list[tuple[int, int]], vision: float
) -> tuple[EpsteinCivilViolence, State]:
    """Free citizens at `movers`, jailed-for-life citizens that keep their cells at `blocks`.

    No cops and full legitimacy: only the free citizens move, the blocks never do.
    """
    sc = scenario(
        steps=1,
        width=size,
        height=size,
        cop_density=0.0,
        citizen_vision=vision,
        cop_vision=vision,
        legitimacy=1.0,
        max_jail_term=None,
        jailed_stay_on_cell=True,
    )
    n = len(movers) + len(blocks)
    state = State(
        params=sc.params,
        citizen_pos=np.array([y * size + x for y, x in movers + blocks], dtype=np.int32),
        hardship=np.zeros(n),
        risk_aversion=np.zeros(n),
        active=np.zeros(n, dtype=bool),
        jailed=np.arange(n) >= len(movers),
        jail_left=np.full(n, -1, dtype=np.int32),
        cop_pos=np.empty(0, dtype=np.int32),
        legitimacy=1.0,
        arrests=0,
    )
    return EpsteinCivilViolence(), state


def move_once(model: EpsteinCivilViolence, state: State, g: np.random.Generator) -> None:
    """The movement phase of a step, on the grid as it stands."""
    geo = model._geometry(state.params)
    geo.occ[:] = False
    geo.occ[state.citizen_pos] = True
    geo.occ[state.cop_pos] = True
    geo.occ[-1] = False
    ep._move(state, geo, g)


@pytest.mark.parametrize("small_grid", [True, False])  # margins read through `inner` or flagged
@pytest.mark.parametrize("at", [(7, 7), (0, 14)])  # in the middle; vision wrapping the torus
def test_move_target_is_uniform_over_empty_cells(
    at: tuple[int, int], small_grid: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not small_grid:
        monkeypatch.setattr(ep, "_SMALL_GRID", 0)
    size, vision = 15, 3
    y0, x0 = at
    rng = np.random.default_rng(7)
    seen = sorted(
        (((y0 + dy) % size) * size + (x0 + dx) % size)
        for dy, dx in shape_cells(vision, "von_neumann", size, size)
        if (dy, dx) != (0, 0)
    )
    empty = sorted(rng.choice(seen, 8, replace=False).tolist())
    blocks = [divmod(c, size) for c in seen if c not in empty]
    blocks += [divmod(c, size) for c in rng.choice(size * size, 60).tolist()]
    blocks = sorted(set(blocks) - {at} - {divmod(c, size) for c in empty})
    model, state = blocked(size, [at], blocks, vision)
    start = y0 * size + x0
    g = np.random.default_rng(11)
    trials = 3000
    counts = dict.fromkeys(empty, 0)
    stayed = 0
    for _ in range(trials):
        state.citizen_pos[0] = start
        move_once(model, state, g)
        cell = int(state.citizen_pos[0])
        if cell == start:
            stayed += 1
        else:
            counts[cell] += 1  # KeyError: moved onto a blocked cell or out of vision
        assert state.citizen_pos[1:].tolist() == [y * size + x for y, x in blocks]
    # 8 empty cells of 24, 8 draws: it stays with probability (1 - 8/24 x 0.94)^8 = 0.04
    assert stayed < 0.08 * trials
    got = np.array(list(counts.values()), dtype=float)
    expected = got.sum() / got.size
    chi2 = float(((got - expected) ** 2 / expected).sum())
    assert chi2 < 24.3, (counts, chi2)  # chi-square, 7 degrees of freedom, p = 0.001


def test_move_conflicts_are_fair() -> None:
    """Four movers around the only empty cell they see: each wins it a quarter of the time."""
    size, hole = 9, (4, 4)
    movers = [(3, 4), (5, 4), (4, 3), (4, 5)]
    near = {((y + dy) % size, (x + dx) % size) for y, x in movers for dy, dx in NEIGHBOURS}
    blocks = sorted(near - {hole} - set(movers))
    model, state = blocked(size, movers, blocks, 1)
    starts = np.array([y * size + x for y, x in movers], dtype=np.int32)
    g = np.random.default_rng(3)
    wins = np.zeros(4, dtype=np.int64)
    trials = 2000
    for _ in range(trials):
        state.citizen_pos[:4] = starts
        move_once(model, state, g)
        moved = np.flatnonzero(state.citizen_pos[:4] != starts)
        assert moved.size == 1 and state.citizen_pos[moved[0]] == hole[0] * size + hole[1]
        wins[moved[0]] += 1
    expected = trials / 4
    chi2 = float(((wins - expected) ** 2 / expected).sum())
    assert chi2 < 16.3, wins  # chi-square, 3 degrees of freedom, p = 0.001


NEIGHBOURS = [(-1, 0), (1, 0), (0, -1), (0, 1)]


@pytest.mark.parametrize("n", [1, 4, 8, 24, 112, 129, 1000])
def test_move_table_draws_every_offset_equally(n: int) -> None:
    offsets = np.arange(1, n + 1, dtype=np.intp)
    bits, table = ep._move_table(offsets, offsets)
    assert table.size == 1 << bits
    counts = np.bincount(table, minlength=n + 1)
    assert (counts[1:] == counts[1]).all()  # each offset equally often
    assert counts[0] <= table.size / 8  # the rest point at the mover's own cell
    other = -offsets[: max(1, n // 2)]  # a second, smaller shape: its own half
    bits2, both = ep._move_table(offsets, other)
    assert bits2 == bits and both.size == 2 << bits
    np.testing.assert_array_equal(both[: 1 << bits], table)
    second = np.bincount(-both[1 << bits :], minlength=other.size + 1)
    assert (second[1:] == second[1]).all() and second[0] <= table.size / 8


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.MT19937])
@pytest.mark.parametrize("dtype", [np.uint16, np.uint32, np.uint64])
def test_random_bits_are_uniform(bit_generator: Any, dtype: Any) -> None:
    g = np.random.Generator(bit_generator(5))
    x = ep._random_bits(g, 10_001, np.dtype(dtype))
    assert x.dtype == dtype and x.size == 10_001 and x.flags.writeable
    bits = np.unpackbits(x.view(np.uint8)).reshape(x.size, -1)
    assert np.abs(bits.mean(axis=0) - 0.5).max() < 0.03  # every bit a fair coin


@pytest.mark.parametrize("cop_vision", [3, 2])  # one table; citizens' and cops' halves
def test_movement_does_not_depend_on_chunks_or_grid_size_mode(
    cop_vision: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Movers are drawn for in chunks and margins found two ways: same draws, same moves."""
    sc = scenario(steps=15, width=40, height=30, cop_vision=cop_vision, legitimacy=0.7)
    ref, rows = run(sc)
    monkeypatch.setattr(ep, "_MOVE_CHUNK", 64)
    monkeypatch.setattr(ep, "_SMALL_GRID", 0)
    other, rows_other = run(sc)
    assert rows == rows_other
    for k, v in ref.fields().items():
        np.testing.assert_array_equal(v, other.fields()[k], k)


@pytest.mark.parametrize(
    ("activation", "lo", "hi"), [("synchronous", 0.7, 0.9), ("random_sequential", 0.99, 1)]
)
def test_most_movers_move_at_mesa_density(activation: str, lo: float, hi: float) -> None:
    """At 77 % occupancy and vision 7, about 80 % of the free agents move each step.

    One at a time (Mesa's schedule), every agent with an empty cell in vision moves.
    """
    sc = load_scenario("epstein-mesa", {"steps": 5, "params.activation": activation})
    model = EpsteinCivilViolence()
    rng = streams(1)
    state = model.init(sc, rng)
    fractions = []
    for _ in range(5):
        before = np.concatenate([state.citizen_pos, state.cop_pos])
        free = np.concatenate([~state.jailed, state.cop_pos >= 0])
        model.step(state, rng)
        state.step += 1
        check_grid(state)
        after = np.concatenate([state.citizen_pos, state.cop_pos])
        # citizens arrested this step stay put; they count as not moving
        fractions.append(np.mean(before[free] != after[free]))
    assert lo < np.mean(fractions) <= hi


# --------------------------------------------------------------------------- arrests
def crowded(seed: int) -> tuple[EpsteinCivilViolence, State, Any]:
    """Many actives and many cops close together: arrest conflicts are common."""
    sc = scenario(steps=1, width=12, height=12, citizen_density=0.5, cop_density=0.3, cop_vision=2)
    model = EpsteinCivilViolence()
    state = model.init(sc, streams(seed))
    state.active[:] = np.random.default_rng(seed).random(state.active.size) < 0.3
    geo = model._geometry(sc.params)
    return model, state, geo


@pytest.mark.parametrize("seed", range(6))
def test_arrest_conflicts(seed: int) -> None:
    model, state, geo = crowded(seed)
    p = state.params
    cops, cits = ep.arrests(state, geo, np.random.default_rng(seed))
    assert cops.size == cits.size > 0
    assert np.unique(cops).size == cops.size, "a cop arrested twice"
    assert np.unique(cits).size == cits.size, "a citizen was arrested twice"
    assert state.active[cits].all()
    w = p.width
    for c, z in zip(state.cop_pos[cops].tolist(), state.citizen_pos[cits].tolist(), strict=True):
        dy = ((z // w - c // w + 6) % 12) - 6
        dx = ((z % w - c % w + 6) % 12) - 6
        assert in_shape(dy, dx, p.cop_vision, p.neighbourhood)
    # maximal: no idle cop has an unarrested active in vision
    idle = np.setdiff1d(np.flatnonzero(state.cop_pos >= 0), cops)
    left = np.setdiff1d(np.flatnonzero(state.active), cits)
    for c in state.cop_pos[idle].tolist():
        for z in state.citizen_pos[left].tolist():
            dy = ((z // w - c // w + 6) % 12) - 6
            dx = ((z % w - c % w + 6) % 12) - 6
            assert not in_shape(dy, dx, p.cop_vision, p.neighbourhood)


@pytest.mark.parametrize("seed", range(4))
def test_arrest_lookups_agree(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The three ways of finding a cop's candidate give the same arrests."""
    _, state, geo = crowded(seed)
    results = []
    for how in ("active", "gather", "rows"):
        monkeypatch.setattr(ep, "_cheapest", lambda *a, how=how: how)
        cops, cits = ep.arrests(state, geo, np.random.default_rng(seed))
        order = np.argsort(cops)
        results.append((cops[order], cits[order]))
    for cops, cits in results[1:]:
        np.testing.assert_array_equal(cops, results[0][0])
        np.testing.assert_array_equal(cits, results[0][1])


def test_arrest_applies_terms() -> None:
    model, state, geo = crowded(1)
    n_active = int(state.active.sum())
    g = np.random.default_rng(1)
    ep._arrest(state, geo, g, np.random.default_rng(2))
    assert 0 < state.arrests <= n_active
    assert state.jailed.sum() == state.arrests
    assert (state.jail_left[state.jailed] <= state.params.max_jail_term).all()
    assert (state.citizen_pos[state.jailed] == -1).all()


# --------------------------------------------------------------------------- schedules
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_legitimacy_schedules(activation: str) -> None:
    grad = {"mode": "gradual", "start": 5, "target": 0.2, "rate": 0.1}
    sc = scenario(steps=15, legitimacy=0.9, legitimacy_schedule=grad, activation=activation)
    _, rows = run(sc)
    got = [r["legitimacy"] for r in rows]
    want = [0.9] * 5 + [max(0.2, 0.9 - 0.1 * (s - 4)) for s in range(5, 16)]
    assert got == pytest.approx(want)
    assert got.index(pytest.approx(0.2)) == 11  # 0.9 - 7 x 0.1, reached at step 11
    jump = {"mode": "jump", "start": 7, "target": 0.5}
    _, rows = run(
        scenario(steps=10, legitimacy=0.9, legitimacy_schedule=jump, activation=activation)
    )
    assert [r["legitimacy"] for r in rows] == pytest.approx([0.9] * 7 + [0.5] * 4)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_cop_schedules_remove_and_add(activation: str) -> None:
    down = {"mode": "gradual", "start": 3, "target": 0.02, "rate": 0.01}
    sc = scenario(
        steps=12,
        width=10,
        height=10,
        cop_density=0.1,
        cop_density_schedule=down,
        activation=activation,
    )
    _, rows = run(sc)
    assert [r["cops"] for r in rows] == [10, 10, 10, 9, 8, 7, 6, 5, 4, 3, 2, 2, 2]
    up = {"mode": "jump", "start": 2, "target": 0.3}
    sc = scenario(
        steps=5,
        width=10,
        height=10,
        cop_density=0.05,
        cop_density_schedule=up,
        activation=activation,
    )
    model = EpsteinCivilViolence()
    rng = streams(1)
    state = model.init(sc, rng)
    counts = []
    for _ in range(5):
        model.step(state, rng)
        state.step += 1
        check_grid(state)
        counts.append(model.metrics(state)["cops"])
    assert counts == [5, 30, 30, 30, 30]


# --------------------------------------------------------------------------- engine contract
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_checkpoint_resume_is_bit_identical(activation: str) -> None:
    sc = scenario(steps=50, activation=activation)
    model = EpsteinCivilViolence()
    _, full = simulate(model, sc, streams(11), steps=50)
    saved: list[Checkpoint] = []
    simulate(model, sc, streams(11), steps=50, checkpoint_every=20, on_checkpoint=saved.append)
    at20 = next(c for c in saved if c.step == 20)
    _, resumed = simulate(EpsteinCivilViolence(), sc, streams(11), steps=50, resume=at20)
    assert resumed == full


def test_interrupted_step_leaves_no_stale_scratch() -> None:
    sc = scenario(steps=10)
    clean, _ = run(sc, 3)
    model = EpsteinCivilViolence()
    rng = streams(3)
    state = model.init(sc, rng)
    model.step(state, rng)
    state.step += 1
    geo = model._geometry(sc.params)  # as a KeyboardInterrupt mid-step would leave it
    geo.claim[:50], geo.cop_id[:50], geo.dirty = 0, 3, True
    for _ in range(9):
        model.step(state, rng)
        state.step += 1
    for k, v in clean.fields().items():
        np.testing.assert_array_equal(v, state.fields()[k], k)


def test_estimate_bytes_covers_the_state() -> None:
    model = EpsteinCivilViolence()
    small, big = scenario(), scenario(width=200, height=200)
    assert 0 < model.estimate_bytes(small) < model.estimate_bytes(big)
    state, _ = run(scenario(steps=2, width=200, height=200))
    assert model.estimate_bytes(big) > 3 * state.nbytes()


def test_kernel_imports_only_numpy() -> None:
    code = (
        "import sys, scslab.models.epstein\n"
        "bad = [m for m in ('yaml', 'pydantic', 'pyarrow', 'duckdb', 'polars') if m in sys.modules]\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", EPSTEIN_PRESETS)
def test_presets_load_and_run(name: str) -> None:
    sc = load_scenario(name)
    assert sc.model == "epstein"
    assert sc.params.arrest_formula in sc.description
    state, rows = simulate(EpsteinCivilViolence(), sc, streams(sc.seed), steps=3)
    check_grid(state)
    assert len(rows) == 4
