"""Kuran: the shared speaking rule, the ten-person cascade, centralisation and network range."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scslab
from scslab.errors import ScenarioError
from scslab.models.kuran import (
    revolutionary_threshold,
    ring_network,
    seen_share,
    speaks,
    threshold_for,
)
from scslab.scenario import load_scenario

CLASSIC = [0.0, 0.2, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0]


# ---------------------------------------------------------------- the shared rule
def test_speaks_is_the_regime_rule_over_arrays():
    rng = np.random.default_rng(0)
    n = 1000
    d, s, theta = rng.random(n), rng.random(n), rng.normal(0.8, 0.3, n)
    w_e, w_r = rng.random(n), 0.7  # per-person and scalar weights both work
    risk = rng.random(n) * 0.2
    got = speaks(d, s, theta, w_e, w_r, risk=risk)
    assert got.shape == (n,) and got.dtype == bool
    np.testing.assert_array_equal(got, w_e * d + w_r * s - risk >= theta)


def test_speaks_computes_float32_in_float32():
    # the regime model holds 10^7 people in float32: no float64 temporaries, same rounding
    rng = np.random.default_rng(4)
    n = 10_000
    d, s = rng.random(n, dtype=np.float32), rng.random(n, dtype=np.float32)
    theta = rng.random(n, dtype=np.float32)
    risk = (rng.random(n, dtype=np.float32) * 0.3).astype(np.float32)
    want = np.float32(0.7) * d + np.float32(0.4) * s - risk >= theta
    np.testing.assert_array_equal(speaks(d, s, theta, 0.7, 0.4, risk=risk), want)


@settings(max_examples=100, deadline=None)
@given(
    d=st.floats(0, 1),
    s=st.floats(0, 1),
    theta=st.floats(-2, 2),
    extra=st.floats(0, 1),
    risk=st.floats(0, 1),
)
def test_speaking_rises_with_what_one_sees_and_falls_with_risk(d, s, theta, extra, risk):
    base = speaks([d], [s], [theta], 0.5, 1.0)[0]
    if base:
        assert speaks([d], [min(1.0, s + extra)], [theta], 0.5, 1.0)[0]
    if not base:
        assert not speaks([d], [s], [theta], 0.5, 1.0, risk=risk)[0]


def test_revolutionary_threshold_is_the_switching_share():
    rng = np.random.default_rng(1)
    d = rng.random(500)
    tau = np.round(rng.random(500), 2)  # shares such as 0.3 that are not exact in binary
    theta = threshold_for(tau, d, 0.8, 0.6, risk=0.1)
    assert speaks(d, tau, theta, 0.8, 0.6, risk=0.1).all()
    assert not speaks(d, tau - 1e-9, theta, 0.8, 0.6, risk=0.1).any()
    np.testing.assert_allclose(revolutionary_threshold(d, theta, 0.8, 0.6, risk=0.1), tau)


# ---------------------------------------------------------------- the classic cascade
def _public(thresholds, steps: int = 15) -> list[float]:
    r = scslab.run(
        "kuran-cascade", steps=steps, overrides={"params.revolutionary_thresholds": thresholds}
    )
    return r.metrics["public_opposition"].to_list()


def test_one_lowered_threshold_turns_ten_percent_into_a_cascade():
    stuck = _public(CLASSIC)
    assert stuck[-1] == pytest.approx(0.1) and stuck[1:] == [stuck[-1]] * (len(stuck) - 1)
    lowered = list(CLASSIC)
    lowered[1] = 0.1
    cascade = _public(lowered)
    assert cascade[-1] == pytest.approx(0.9), "all but the person who needs unanimity"
    assert np.all(np.diff(cascade) >= 0)


def test_the_preset_is_the_cascade_and_hides_a_gap_when_stuck():
    m = scslab.run("kuran-cascade").metrics.row(-1, named=True)
    assert m["public_opposition"] == pytest.approx(0.9)
    stuck = scslab.run(
        "kuran-cascade", overrides={"params.revolutionary_thresholds": CLASSIC}
    ).metrics
    end = stuck.row(-1, named=True)
    assert end["falsification_gap"] == pytest.approx(end["private_opposition"] - 0.1)
    assert end["falsification_gap"] > 0.5


# ---------------------------------------------------------------- networks
def test_ring_lattice_and_long_ties():
    n, k = 200, 10
    src, dst = ring_network(n, k, 0.0, np.random.default_rng(0))
    assert np.bincount(src, minlength=n).tolist() == [k] * n
    gap = np.minimum((dst - src) % n, (src - dst) % n)
    assert gap.max() == k // 2
    src, dst = ring_network(n, k, 1.0, np.random.default_rng(0))
    pairs = set(zip(src.tolist(), dst.tolist(), strict=True))
    assert len(pairs) == src.size and (src != dst).all(), "distinct ties, no self-ties"
    assert all((b, a) in pairs for a, b in pairs)
    assert src.size == n * k
    gap = np.minimum((dst - src) % n, (src - dst) % n)
    assert gap.max() > 50


def test_centralisation_shrinks_the_seen_share():
    public = np.array([True, False, True, True])
    none = np.zeros(0, dtype=np.int64)
    s = seen_share(public, none, none, np.zeros(4), 0.25, 0.0)
    np.testing.assert_allclose(s, 0.75 * 0.75)
    s = seen_share(public, none, none, np.zeros(4), 1.0, 0.4)
    np.testing.assert_allclose(s, 0.4)


def _gap(seed: int, **params) -> float:
    r = scslab.run(
        {
            "name": "k",
            "model": "kuran",
            "steps": 100,
            "seed": seed,
            "collect_every": 100,
            "params": {"n": 2000, **params},
        }
    )
    return float(r.metrics["falsification_gap"][-1])


SEEDS = range(6)


def test_falsification_rises_with_centralisation():
    # Makowsky & Rubin (2013). With the same people (the same seed) a stronger central
    # broadcast can only silence: public opposition never rises with c, seed by seed.
    for seed in SEEDS:
        gaps = [_gap(seed, network="ring", centralisation=c) for c in (0.0, 0.1, 0.2, 0.4)]
        assert np.all(np.diff(gaps) >= 0), gaps
    mean = [np.mean([_gap(s, network="ring", centralisation=c) for s in SEEDS]) for c in (0.0, 0.4)]
    assert mean[1] > mean[0] + 0.1  # observed about 0.42 -> 0.64


def test_falsification_falls_with_network_range():
    # Makowsky & Rubin (2013): ties that reach further carry a cascade past the local
    # holdouts that stop it on a ring lattice; a fully mixed society is the limit.
    def stats(**params):
        g = np.array([_gap(s, **params) for s in SEEDS])
        return g.mean(), g.std(ddof=1) / np.sqrt(len(g))

    lattice, se0 = stats(network="ring", range=0.0)
    reach, se1 = stats(network="ring", range=1.0)
    mixed, se2 = stats(network="complete")
    # observed about 0.42, 0.23 and 0.01 (seed sd 0.02-0.06)
    assert lattice - reach > 3 * np.hypot(se0, se1)
    assert reach - mixed > 3 * np.hypot(se1, se2)
    assert mixed < 0.05, "fully mixed, the hidden opposition comes out"


def test_partial_updating_reaches_the_same_classic_cascade():
    lowered = list(CLASSIC)
    lowered[1] = 0.1
    r = scslab.run(
        "kuran-cascade",
        steps=200,
        overrides={"params.revolutionary_thresholds": lowered, "params.update_share": 0.3},
    )
    assert r.metrics["public_opposition"][-1] == pytest.approx(0.9)


def test_lists_set_n_and_are_checked():
    scn = load_scenario({"name": "k", "model": "kuran", "params": {"private": [0.2, 0.9]}})
    assert scn.params.n == 2
    with pytest.raises(ScenarioError, match="must have n = 3 entries"):
        load_scenario(
            {"name": "k", "model": "kuran", "params": {"n": 3, "revolutionary_thresholds": [0.1]}}
        )
    with pytest.raises(ScenarioError, match="mean_degree must be even"):
        load_scenario(
            {"name": "k", "model": "kuran", "params": {"network": "ring", "mean_degree": 5}}
        )
