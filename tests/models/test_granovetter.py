"""Granovetter (1978): the uniform crowd, the perturbed crowd, the critical sd, friends."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

import scslab
from scslab.errors import ScenarioError
from scslab.models.granovetter import equilibrium, random_friends
from scslab.scenario import load_scenario

NONE = np.zeros(0, dtype=np.int64)


def _run(params: dict, steps: int = 120, seed: int = 0):
    return scslab.run(
        {"name": "g", "model": "granovetter", "steps": steps, "seed": seed, "params": params}
    )


def _equilibrium(params: dict, seed: int = 0) -> int:
    return int(_run(params, steps=1, seed=seed).metrics["equilibrium"][0])


def test_uniform_crowd_all_riot():
    m = scslab.run("granovetter-uniform").metrics
    assert m["rioters"][-1] == 100 and m["equilibrium"][-1] == 100
    # one more rioter each round: r(t) = t
    assert m["rioters"].to_list()[:5] == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_perturbed_crowd_stops_at_one():
    thresholds = list(range(100))
    thresholds[1] = 2
    r = scslab.run("granovetter-uniform", overrides={"params.thresholds": thresholds})
    assert r.scenario.params.distribution == "explicit"
    assert r.metrics["rioters"][-1] == 1 and r.metrics["equilibrium"][-1] == 1


def test_rioters_never_fall_and_end_at_the_equilibrium():
    m = _run({"distribution": "normal", "sampling": "random", "sd": 14.0}, seed=5).metrics
    r = np.asarray(m["rioters"])
    assert (np.diff(r) >= 0).all()
    assert r[-1] == m["equilibrium"][0]


@functools.cache
def _continuous_critical_sd(mean: float = 25.0, n: int = 100) -> float:
    """Granovetter's own computation: iterate r <- n·Φ((r - mean)/sd) from r = 0.

    Returns the smallest sd on a 0.001 grid whose fixed point is a riot.
    """
    sd = np.arange(10.0, 15.0, 0.001)
    r = np.zeros_like(sd)
    for _ in range(3000):
        r = n * norm.cdf((r - mean) / sd)
    return float(sd[np.argmax(r >= n / 2)])


def _critical_sd(rounding: str) -> tuple[float, int]:
    """First sd on a 0.1 grid whose equilibrium is a riot, and the equilibrium just below."""
    below = 0
    for sd in np.round(np.arange(10.0, 14.0, 0.1), 1):
        eq = _equilibrium(
            {"distribution": "normal", "mean": 25, "sd": float(sd), "rounding": rounding}
        )
        if eq >= 50:
            return float(sd), below
        below = eq
    raise AssertionError("no cascade up to sd 14")


def test_critical_sd_of_the_continuous_model_is_granovetters():
    assert abs(_continuous_critical_sd() - 12.2) < 0.1


def test_normal_crowd_jumps_at_the_critical_sd():
    # thresholds at the normal's quantiles, rounded to whole people: small equilibria up to
    # sd 12.2, a riot of nearly everyone from 12.3 on (Granovetter: about 12.2).
    critical, below = _critical_sd("round")
    assert abs(critical - 12.2) <= 0.15
    assert 1 <= below <= 8, "just below the critical sd the riot stays small ('about six')"
    for sd in (critical, critical + 0.5, critical + 2):
        assert _equilibrium({"distribution": "normal", "sd": sd, "rounding": "round"}) >= 95
    for sd in (5.0, 9.0, critical - 0.3):
        assert _equilibrium({"distribution": "normal", "sd": sd, "rounding": "round"}) <= 8


@pytest.mark.parametrize("rounding", ["none", "round", "floor"])
def test_every_rounding_is_near_the_continuous_critical_sd(rounding):
    # rounding moves thresholds by under one person, so the jump moves by a fraction of sd
    assert abs(_critical_sd(rounding)[0] - _continuous_critical_sd()) < 0.5


@pytest.mark.slow
def test_random_crowds_cascade_more_often_as_sd_grows():
    # Crowds drawn at random from the same normal differ: the share that riots rises with sd.
    seeds = range(100)
    shares = []
    for sd in (10.0, 13.0, 16.0):
        eqs = [
            _equilibrium(
                {"distribution": "normal", "sampling": "random", "sd": sd, "rounding": "round"},
                seed=s,
            )
            for s in seeds
        ]
        shares.append(np.mean(np.asarray(eqs) >= 50))
    # observed about 0.01, 0.47, 0.91; binomial SE over 100 crowds at most 0.05
    assert shares[0] < 0.15 < shares[1] < 0.85 < shares[2]


def test_friend_weight_one_changes_nothing():
    base = {"distribution": "normal", "sampling": "random", "sd": 13.0}
    for seed in range(10):
        a = _run(base, steps=40, seed=seed).metrics
        b = _run({**base, "network": "random", "friend_weight": 1.0}, steps=40, seed=seed).metrics
        assert a["rioters"].to_list() == b["rioters"].to_list()


def test_friends_can_restart_the_perturbed_riot():
    # Granovetter's friends: the instigator's friend with threshold 2 joins when a rioting
    # friend counts twice.
    th = np.arange(100.0)
    th[1] = 2.0
    src = np.array([0, 1])
    dst = np.array([1, 0])
    assert equilibrium(th, NONE, NONE, 1.0).sum() == 1
    assert equilibrium(th, src, dst, 2.0).sum() == 100


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), w=st.floats(1.0, 5.0))
def test_heavier_friends_never_shrink_the_riot(seed, w):
    rng = np.random.default_rng(seed)
    th = np.maximum(rng.normal(25, 12, size=100), 0)
    src, dst = random_friends(100, 6.0, rng)
    assert equilibrium(th, src, dst, w).sum() >= equilibrium(th, src, dst, 1.0).sum()


def test_random_friends_is_a_simple_symmetric_graph():
    src, dst = random_friends(500, 8.0, np.random.default_rng(0))
    assert (src != dst).all()
    pairs = set(zip(src.tolist(), dst.tolist(), strict=True))
    assert len(pairs) == src.size
    assert all((b, a) in pairs for a, b in pairs)
    assert 7.0 < src.size / 500 <= 8.0


def test_explicit_thresholds_set_n_and_are_checked():
    scn = load_scenario({"name": "g", "model": "granovetter", "params": {"thresholds": [0, 1]}})
    assert scn.params.n == 2 and scn.params.distribution == "explicit"
    with pytest.raises(ScenarioError, match="n must equal the length of thresholds"):
        load_scenario(
            {"name": "g", "model": "granovetter", "params": {"thresholds": [0, 1], "n": 3}}
        )
    with pytest.raises(ScenarioError, match="needs a `thresholds` list"):
        load_scenario({"name": "g", "model": "granovetter", "params": {"distribution": "explicit"}})
