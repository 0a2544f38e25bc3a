"""Axelrod (1986): the rules, checked exactly or in expectation, and the published results."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scslab
from scslab.models.axelrod import (
    LEVELS,
    mutate,
    next_generation,
    offspring_counts,
    play,
)
from scslab.scenario.params.axelrod import AxelrodParams


def _params(**kw) -> AxelrodParams:
    return AxelrodParams(**kw)


def _genes(rep: int, n: int, value: int) -> np.ndarray:
    return np.full((rep, n), value, dtype=np.uint8)


# ---------------------------------------------------------------- the game
def test_nobody_bold_nobody_scores():
    b = _genes(3, 20, 0)
    score = play(b, _genes(3, 20, LEVELS), _params(), np.random.default_rng(0))
    np.testing.assert_array_equal(score, 0.0)


def test_all_bold_and_meek_is_exact():
    # B = 7/7: S < 1 always, so every agent defects at every opportunity; V = 0: nobody punishes.
    p = _params(population=20)
    score = play(_genes(2, 20, LEVELS), _genes(2, 20, 0), p, np.random.default_rng(0))
    expected = p.opportunities * (p.temptation - p.hurt * (p.population - 1))
    np.testing.assert_array_equal(score, expected)


def test_punishment_in_expectation():
    # Everyone always defects and always punishes what they see. Per defection each of the
    # 19 others sees it with probability S ~ U(0,1): E[punishers] = 19/2; each agent also
    # sees 4·19 defections by others and punishes each with probability 1/2 on average.
    p = _params(population=20)
    rep = 2000
    score = play(_genes(rep, 20, LEVELS), _genes(rep, 20, LEVELS), p, np.random.default_rng(1))
    o, m = p.opportunities, p.population - 1
    expected = o * (p.temptation - m * p.hurt) - o * p.punishment * m / 2
    expected -= p.enforcement_cost * o * m / 2
    # per-agent sd is about 110 (punishments ~ Binomial(19, S)); 40 000 agents: SE about 0.6
    assert abs(score.mean() - expected) < 5.0


def test_metapunishment_excludes_defector_and_shirker():
    # Agent 1 always defects; agent 0 never punishes; everyone else (and the defector) is
    # fully vengeful. Agent 0 sees each defection with prob S and is then metapunished by
    # each of the 18 agents other than itself and the defector with prob S:
    # E[metapunishments] = 4 · 18 · E[S^2] = 24.
    rep, n = 16000, 20
    b = _genes(rep, n, 0)
    b[:, 1] = LEVELS
    v = _genes(rep, n, LEVELS)
    v[:, 0] = 0
    p = _params(population=n, metanorms=True)
    score = play(b, v, p, np.random.default_rng(2))
    expected = -p.opportunities * p.hurt - 24 * p.metapunishment
    # the score's sd is about 120, so 16 000 samples give SE about 1; counting the defector
    # among the metapunishers would shift the mean by 4 · E[S^2] · 9 = 12
    assert abs(score[:, 0].mean() - expected) < 5.0
    # the norms game charges the shirker nothing beyond the hurt
    p0 = _params(population=n, metanorms=False)
    score0 = play(b, v, p0, np.random.default_rng(2))
    np.testing.assert_array_equal(score0[:, 0], -p.opportunities * p.hurt)


# ---------------------------------------------------------------- selection
def test_offspring_rule():
    score = np.array([[0.0, 0.0, 0.0, 10.0], [5.0, 5.0, 5.0, 5.0], [-10.0, 0.0, 0.0, 10.0]])
    counts = offspring_counts(score, 1.0)
    assert counts.tolist() == [[1, 1, 1, 2], [1, 1, 1, 1], [0, 1, 1, 2]]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 30),
    refill=st.sampled_from(["resample_offspring", "random_newcomers", "roulette"]),
)
def test_population_is_refilled_exactly(seed, n, refill):
    rng = np.random.default_rng(seed)
    score = rng.normal(size=(7, n)).round(1)
    p = SimpleNamespace(refill=refill, selection_sd=1.0)
    parent, newcomer = next_generation(score, p, rng)
    assert parent.shape == (7, n) and newcomer.shape == (7, n)
    assert ((parent >= 0) & (parent < n)).all()
    if refill == "roulette":
        return
    counts = offspring_counts(score, 1.0)
    pool = counts.sum(axis=1)
    for r in range(7):
        kids = parent[r][~newcomer[r]]
        assert (counts[r][kids] > 0).all(), "only agents with offspring are parents"
        if pool[r] >= n:
            assert (np.bincount(kids, minlength=n) <= counts[r]).all()
        if refill == "random_newcomers":
            assert newcomer[r].sum() == max(0, n - pool[r])
        else:
            assert not newcomer[r].any()


def test_mutation_flips_bits():
    g = np.arange(8, dtype=np.uint8).reshape(1, 8)
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(mutate(g, 0.0, rng), g)
    np.testing.assert_array_equal(mutate(g, 1.0, rng), LEVELS - g)


def test_mutation_rate_per_bit():
    g = np.zeros((1000, 100), dtype=np.uint8)
    flipped = mutate(g, 0.01, np.random.default_rng(3))
    bits = np.unpackbits(flipped[..., None], axis=-1)[..., -3:]
    # 300 000 bits at 1 %: mean 3000, sd about 55
    assert abs(int(bits.sum()) - 3000) < 300


# ---------------------------------------------------------------- the published results
def _final(preset: str, **kw) -> dict[str, float]:
    return scslab.run(preset, **kw).metrics.row(-1, named=True)


def test_metanorms_establish_the_norm():
    # Axelrod: metanorms establish a norm against defection. 100 populations, 100 generations.
    m = _final("axelrod-metanorms")
    # about 93 % established over seeds; binomial SE over 100 replicates about 0.03
    assert m["established"] >= 0.8
    assert m["collapsed"] <= 0.05
    assert m["mean_boldness"] < 2 / 7 and m["mean_vengefulness"] > 5 / 7


def test_norms_game_heads_for_collapse():
    # At the paper's horizon vengefulness has fallen from 1/2 and more populations have
    # collapsed than hold the norm.
    rows = scslab.run("axelrod-norms").metrics
    start, end = rows.row(0, named=True), rows.row(-1, named=True)
    assert abs(start["mean_vengefulness"] - 0.5) < 0.05
    assert end["mean_vengefulness"] < 0.4
    assert end["collapsed"] > end["established"]


@pytest.mark.slow
def test_norms_game_collapses_in_most_populations():
    m = _final("axelrod-norms", steps=1000)
    # about 94 % collapsed at 1000 generations; SE about 0.025
    assert m["collapsed"] >= 0.75
    assert m["established"] <= 0.05


@pytest.mark.slow
def test_refill_matters():
    # Galán & Izquierdo: results depend on how the population is refilled. Newcomers with
    # random genes keep vengefulness near the middle and no population collapses.
    m = _final("axelrod-norms", steps=1000, overrides={"params.refill": "random_newcomers"})
    assert m["collapsed"] <= 0.1
    assert m["mean_vengefulness"] > 0.3


def test_replicates_are_independent_populations():
    one = scslab.run("axelrod-norms", steps=5, overrides={"params.replicates": 1})
    many = scslab.run("axelrod-norms", steps=5, overrides={"params.replicates": 50})
    assert one.state.boldness.shape == (1, 20)
    assert many.state.boldness.shape == (50, 20)
    assert many.state.boldness.dtype == np.uint8
    assert set(one.metrics["established"].to_list()) <= {0.0, 1.0}
