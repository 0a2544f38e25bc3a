"""Dissent game (Daymude, Axelrod & Forrest 2025): best responses, boundaries, hill climbing, headline.

Worked answers used below (tolerance τ, severity ψ, surveillance ν, boldness β).
An individual's utility for action a in [0, δ] is ``β·a − E[punishment | a]``: acts
at or below τ are never punished; an act a > τ is seen with probability ν + (1 − ν)·a
and punished ψ (uniform) or ψ·(a − τ) (proportional).

Uniform, τ = 0.25, ψ = 0.6, ν = 0.2, β = 1. Above τ the utility is
a·(β − (1 − ν)ψ) − νψ = 0.52·a − 0.12, rising in a, so the choice is δ (defy) or τ
(utility 0.25): defy when 0.52·δ − 0.12 >= 0.25, i.e. δ >= 0.37 / 0.52 = 0.711538…
(= (βτ + νψ) / (β − (1 − ν)ψ)). So δ = 0.2 → 0.2 (complies), δ = 0.5 → 0.25
(0.52·0.5 − 0.12 = 0.14 < 0.25: self-censors), δ = 0.9 → 0.9 (0.348 > 0.25: defies).
With β = 0.4 the slope 0.4 − 0.48 is negative: nobody defies, δ = 1 → 0.25.

Proportional, τ = 0.25, ψ = 1, ν = 0.2, β = 1. Above τ the utility
β·a − (ν + (1 − ν)a)·ψ·(a − τ) is concave with its top where
β − ψ·(ν + (1 − ν)(2a − τ)) = 0: a = (τ + (β − νψ)/((1 − ν)ψ)) / 2 = (0.25 + 1) / 2
= 0.625. So δ = 0.2 → 0.2, δ = 0.5 → 0.5 (below the top: defies in full), δ = 0.9 →
0.625 (partial self-censorship). With β = 0.1 the top is (0.25 − 0.125) / 2 = 0.0625
< τ: δ = 0.9 → 0.25. With ν = 1 the utility above τ is β·a − ψ·(a − τ), slope β − ψ:
β = 0.5 < ψ = 1 → τ; β = 2 → δ.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import truncexpon

import scslab
from scslab.engine import State, Streams
from scslab.errors import ScenarioError
from scslab.models.dissent_game import (
    SEVERITY_FLOOR,
    DissentGame,
    best_response,
    best_response_proportional,
    best_response_uniform,
    defiance_threshold_uniform,
    desire_scale,
    draw_desire,
    mutate,
    partial_action_proportional,
    punishments,
    truncated_mean,
)
from scslab.scenario import load_scenario, params_class
from scslab.scenario.registry import description

PRESETS = {
    "dissent-uniform-b2": "timid",
    "dissent-uniform-b8": "bold",
    "dissent-proportional-b1": "timid",
    "dissent-proportional-b3": "bold",
}


# ---------------------------------------------------------------- best responses
def test_uniform_worked_answers():
    got = best_response_uniform([0.2, 0.5, 0.9], [1.0, 1.0, 1.0], 0.25, 0.6, 0.2)
    assert got.tolist() == [0.2, 0.25, 0.9]
    assert best_response_uniform([1.0], [0.4], 0.25, 0.6, 0.2).tolist() == [0.25]
    assert defiance_threshold_uniform([1.0], 0.25, 0.6, 0.2)[0] == pytest.approx(0.37 / 0.52)


def test_proportional_worked_answers():
    got = best_response_proportional([0.2, 0.5, 0.9], [1.0, 1.0, 1.0], 0.25, 1.0, 0.2)
    assert got.tolist() == [0.2, 0.5, 0.625]
    assert partial_action_proportional([0.1], 0.25, 1.0, 0.2)[0] == pytest.approx(0.0625)
    assert best_response_proportional([0.9], [0.1], 0.25, 1.0, 0.2).tolist() == [0.25]
    assert best_response_proportional([0.9, 0.9], [0.5, 2.0], 0.25, 1.0, 1.0).tolist() == [
        0.25,
        0.9,
    ]


def _expected_utility(a, beta, punishment, tau, psi, nu):
    above = a > tau
    seen = np.where(above, nu + (1 - nu) * a, 0.0)
    pun = psi if punishment == "uniform" else psi * np.maximum(a - tau, 0.0)
    return beta * a - seen * pun


@pytest.mark.parametrize("punishment", ["uniform", "proportional"])
def test_closed_form_maximises_the_utility(punishment):
    # 400 random individuals and authorities; the closed form's utility is the best on a
    # grid of 4001 actions in [0, δ_i] (up to the grid's resolution), never beaten
    rng = np.random.default_rng(11)
    m = 400
    delta = rng.random(m)
    beta = rng.exponential(2.0, m)
    tau, psi = rng.random(m), rng.exponential(2.0, m)
    nu = np.where(rng.random(m) < 0.1, 1.0, rng.random(m))
    for i in range(m):
        a = best_response(punishment, [delta[i]], [beta[i]], tau[i], psi[i], nu[i])[0]
        assert 0.0 <= a <= delta[i]
        grid = np.linspace(0.0, delta[i], 4001)
        u_grid = _expected_utility(grid, beta[i], punishment, tau[i], psi[i], nu[i])
        u_best = _expected_utility(np.array([a]), beta[i], punishment, tau[i], psi[i], nu[i])[0]
        # a step of the grid moves the utility by at most (β + 2ψ)·δ/4000
        slack = (beta[i] + 2 * psi[i]) * delta[i] / 4000 + 1e-12
        assert u_best >= u_grid.max() - slack, (i, a, grid[u_grid.argmax()])


# ---------------------------------------------------------------- phase boundaries
def test_uniform_boundary_between_self_censorship_and_defiance():
    # δ* = (βτ + νψ)/(β − (1 − ν)ψ): just below, self-censor to τ; just above, act δ
    rng = np.random.default_rng(3)
    m = 2000
    beta = rng.uniform(0.5, 8.0, m)
    tau, nu = rng.uniform(0.0, 0.5, m), rng.uniform(0.0, 0.9, m)
    psi = rng.uniform(0.01, 0.95, m) * beta / (1 - nu)  # β > (1 − ν)ψ: defiance possible
    star = (beta * tau + nu * psi) / (beta - (1 - nu) * psi)
    inside = star < 0.999
    assert inside.sum() > 300
    for i in np.flatnonzero(inside):
        lo, hi = star[i] * (1 - 1e-9), star[i] * (1 + 1e-9)
        acts = best_response_uniform([lo, hi], [beta[i]] * 2, tau[i], psi[i], nu[i])
        assert acts[0] == tau[i], "just below the boundary: self-censors to τ"
        assert acts[1] == hi, "just above: defies"


def test_uniform_nobody_defies_when_severity_outweighs_boldness():
    # β <= (1 − ν)ψ: every δ > τ self-censors to τ, however large
    tau, psi, nu = 0.2, 2.0, 0.5
    for beta in (1.0 - 1e-9, 0.5, 1e-3):  # (1 − ν)ψ = 1
        acts = best_response_uniform([0.21, 0.5, 1.0], [beta] * 3, tau, psi, nu)
        assert acts.tolist() == [tau] * 3
    # just above (1 − ν)ψ the boundary exists (far above 1 here), still no defiance at δ = 1
    assert best_response_uniform([1.0], [1.0 + 1e-6], tau, psi, nu).tolist() == [tau]
    assert best_response_uniform([1.0], [5.0], tau, psi, nu).tolist() == [1.0]  # δ* = 0.45


def test_proportional_boundaries():
    tau, psi, nu = 0.25, 1.0, 0.2
    beta = 1.0  # d = 0.625
    d = partial_action_proportional([beta], tau, psi, nu)[0]
    below, above = d - 1e-9, d + 1e-9
    acts = best_response_proportional([below, above], [beta] * 2, tau, psi, nu)
    assert acts[0] == below, "δ just below d: acts δ in full"
    assert acts[1] == d, "δ just above d: partial self-censorship at d"
    # d = τ where β = νψ + (1 − ν)ψτ = 0.4: below, self-censor to τ; above, to d > τ
    b_star = nu * psi + (1 - nu) * psi * tau
    lo = best_response_proportional([0.9], [b_star - 1e-6], tau, psi, nu)[0]
    hi = best_response_proportional([0.9], [b_star + 1e-6], tau, psi, nu)[0]
    assert lo == tau
    assert tau < hi < tau + 1e-5
    # ν = 1: the boundary is β = ψ
    assert best_response_proportional([0.9], [psi - 1e-9], tau, psi, 1.0)[0] == tau
    assert best_response_proportional([0.9], [psi], tau, psi, 1.0)[0] == 0.9


def test_compliers_act_their_desire_whatever_the_authority():
    rng = np.random.default_rng(5)
    delta = rng.random(1000) * 0.3
    beta = rng.exponential(1.0, 1000)
    for punishment in ("uniform", "proportional"):
        for psi, nu in ((0.1, 0.0), (50.0, 1.0), (3.0, 0.5)):
            acts = best_response(punishment, delta, beta, 0.3, psi, nu)
            np.testing.assert_array_equal(acts, delta)


# ---------------------------------------------------------------- punishments
def test_punishments_only_above_tolerance_and_seen_at_the_stated_rate():
    gen = np.random.default_rng(8)
    n = 200_000
    action = np.full(n, 0.6)
    action[: n // 2] = 0.3  # at tolerance: never punished
    pun = punishments("uniform", action, 0.3, 2.0, 0.5, gen)
    assert not pun[: n // 2].any()
    seen = pun[n // 2 :] > 0
    p = 0.5 + 0.5 * 0.6
    assert abs(seen.mean() - p) < 4 * np.sqrt(p * (1 - p) / (n // 2))
    assert set(np.unique(pun[n // 2 :])) == {0.0, 2.0}
    prop = punishments("proportional", action, 0.3, 2.0, 1.0, gen)  # ν = 1: all seen
    np.testing.assert_allclose(prop[n // 2 :], 2.0 * (0.6 - 0.3))


# ---------------------------------------------------------------- desired dissent
@pytest.mark.parametrize("mean", [0.001, 0.05, 0.25, 0.4, 0.499])
def test_truncated_exponential_has_the_asked_mean(mean):
    s = desire_scale(mean)
    assert truncated_mean(s) == pytest.approx(mean, rel=1e-12)
    assert truncexpon.mean(1 / s, scale=s) == pytest.approx(mean, rel=1e-9)
    x = draw_desire(mean, 200_000, np.random.default_rng(1))
    assert x.min() >= 0 and x.max() <= 1
    se = x.std() / np.sqrt(x.size)
    assert abs(x.mean() - mean) < 4 * se


def test_desire_scale_refuses_a_mean_outside_the_open_half_interval():
    for bad in (0.0, 0.5, 0.7):
        with pytest.raises(ValueError, match="in \\(0, 0.5\\)"):
            desire_scale(bad)


# ---------------------------------------------------------------- hill climbing
class _Fixed:
    """A stand-in generator for the mutation stream: chosen parameter, chosen value."""

    def __init__(self, k, value):
        self.k, self.value = k, value

    def integers(self, high):
        assert high == 3
        return self.k

    def uniform(self, lo, hi):
        assert lo <= self.value <= hi
        return self.value


def _hand_state(tau=0.3, psi=1.0, nu=1.0, n=100):
    # everyone wants 0.5 and is timid (β = 0.1): with ν = 1 the defiance boundary is
    # (0.1τ + ψ)/0.1 > 1, so all self-censor to τ and nobody is punished: cost = α·n·τ
    p = params_class("dissent-game")(
        n=n, initial={"tolerance": tau, "severity": psi, "surveillance": nu}
    )
    state = State(
        params=p,
        desire=np.full(n, 0.5),
        boldness=np.full(n, 0.1),
        desire_total=0.5 * n,
        tolerance=tau,
        severity=psi,
        surveillance=nu,
        last_cost=0.0,
        actions_total=0.0,
        punishment_total=0.0,
        complying=0,
        self_censoring=0,
        defying=0,
        punished=0,
    )
    streams = {"detection": np.random.default_rng(0)}
    state.last_cost = DissentGame()._play(state, streams)
    return state, streams


def test_a_change_that_raises_the_cost_is_reverted():
    state, streams = _hand_state()
    assert state.last_cost == pytest.approx(100 * 0.3)
    streams["mutation"] = _Fixed(0, 0.33)  # tolerance up: everyone acts 0.33, cost 33
    DissentGame().step(state, streams)
    assert state.tolerance == 0.3, "worse: back to last round's tolerance"
    assert state.actions_total == pytest.approx(33.0), "the round was played at the candidate"
    # as the paper's code: the next round compares with the cost just borne (33), not 30
    assert state.last_cost == pytest.approx(33.0)


def test_a_change_that_lowers_or_keeps_the_cost_is_kept():
    state, streams = _hand_state()
    streams["mutation"] = _Fixed(0, 0.27)
    DissentGame().step(state, streams)
    assert state.tolerance == 0.27 and state.last_cost == pytest.approx(27.0)
    streams["mutation"] = _Fixed(2, 0.96)  # surveillance 1 → 0.96: still nobody defies
    DissentGame().step(state, streams)
    assert state.surveillance == 0.96, "an equal cost is not higher: kept"
    assert (state.tolerance, state.severity) == (0.27, 1.0)


def test_hill_climbing_rule_holds_round_by_round_in_a_real_run():
    scn = scslab.load_scenario("dissent-uniform-b2", overrides={"params.n": 500})
    model, rng = DissentGame(), Streams(np.random.SeedSequence(4))
    state = model.init(scn, rng)
    kept = reverted = 0
    for _ in range(300):
        old = (state.tolerance, state.severity, state.surveillance)
        last = state.last_cost
        preview = np.random.Generator(np.random.PCG64())
        preview.bit_generator.state = rng["mutation"].bit_generator.state
        candidate = mutate(old, scn.params.step_radius, preview)
        model.step(state, rng)
        now = (state.tolerance, state.severity, state.surveillance)
        cost = scn.params.adamancy * state.actions_total + state.punishment_total
        assert state.last_cost == cost
        if cost > last:
            assert now == old
            reverted += 1
        else:
            assert now == candidate
            kept += 1
    assert kept > 30 and reverted > 30


def test_mutate_moves_one_value_within_the_radius_and_the_bounds():
    gen = np.random.default_rng(2)
    for policy in [(0.99, 5e-9, 0.01), (0.5, 2.0, 0.5), (0.0, 1e-9, 1.0)]:
        for _ in range(500):
            new = mutate(policy, 0.05, gen)
            changed = [i for i in range(3) if new[i] != policy[i]]
            assert len(changed) <= 1
            assert 0.0 <= new[0] <= 1.0 and 0.0 <= new[2] <= 1.0 and new[1] >= SEVERITY_FLOOR
            for i in changed:
                assert abs(new[i] - policy[i]) <= 0.05


# ---------------------------------------------------------------- scenario and measures
def test_measures_are_declared_and_shares_add_up():
    result = scslab.run("dissent-proportional-b1", steps=40, seed=2, overrides={"params.n": 3000})
    m = result.metrics
    assert description("dissent-game").undeclared(m.columns) == []
    total = m["complying_share"] + m["self_censoring_share"] + m["defying_share"]
    np.testing.assert_allclose(total.to_numpy(), 1.0)
    cost = m["political_cost"] + m["punishment_cost"]
    np.testing.assert_allclose(m["authority_cost"].to_numpy(), cost.to_numpy())
    assert ((m["expressed_share"] > 0) & (m["expressed_share"] <= 1)).all()


def test_initial_policy_fixed_or_drawn():
    base = {"name": "d", "model": "dissent-game", "steps": 1, "params": {"n": 2000}}
    fixed = {**base, "params": {"n": 2000, "initial": {"tolerance": 1.0, "severity": 3.0}}}
    r = scslab.run(fixed, steps=1, seed=0)
    first = r.metrics.row(0, named=True)
    assert first["tolerance"] == 1.0 and first["severity"] == 3.0
    # τ = 1: everyone complies, nobody is punished, all dissent is expressed
    assert first["expressed_share"] == 1.0 and first["complying_share"] == 1.0
    assert first["punishment_cost"] == 0.0
    a, b = (scslab.run(base, steps=1, seed=s).metrics.row(0, named=True) for s in (0, 1))
    assert a["tolerance"] != b["tolerance"], "random: a fresh draw per run"
    # fixing one value leaves the other draws alone (three draws whatever is fixed)
    half = {**base, "params": {"n": 2000, "initial": {"tolerance": 0.5}}}
    c = scslab.run(half, steps=1, seed=0).metrics.row(0, named=True)
    assert (c["severity"], c["surveillance"]) == (a["severity"], a["surveillance"])


def test_adamancy_scales_the_political_cost():
    fixed = {"tolerance": 0.1, "severity": 1.0, "surveillance": 0.5}
    rows = [
        scslab.run(
            {
                "name": "d",
                "model": "dissent-game",
                "params": {"n": 2000, "adamancy": alpha, "initial": fixed},
            },
            steps=1,
            seed=0,
        ).metrics.row(0, named=True)
        for alpha in (1.0, 2.5)
    ]
    assert rows[1]["political_cost"] == pytest.approx(2.5 * rows[0]["political_cost"])
    assert rows[1]["punishment_cost"] == rows[0]["punishment_cost"]


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("params.punishment", "linear", "uniform"),
        ("params.initial.tolerance", "1.5", "params.initial.tolerance"),
        ("params.mean_desire", "0.5", "params.mean_desire"),
        ("params.step_radius", "0", "params.step_radius"),
    ],
)
def test_bad_values_name_the_field(key, value, words):
    with pytest.raises(ScenarioError, match=words.replace(".", "\\.")):
        load_scenario("dissent-uniform-b2", overrides={key: value})


def test_presets_are_the_papers_runs():
    for name in PRESETS:
        scn = load_scenario(name)
        p = scn.params
        assert (p.n, p.mean_desire, p.adamancy, p.step_radius) == (100_000, 0.25, 1.0, 0.05)
        assert p.initial.model_dump() == {
            "tolerance": "random",
            "severity": "random",
            "surveillance": "random",
        }
        assert scn.steps == 4999, "round 0 in init, then 4,999 steps: 5,000 rounds"
        assert "arXiv:2509.03731" in scn.description


def test_doc_lists_every_measure_and_initial_key():
    # the generated table covers the top-level parameters; `initial` and the measures
    # are written by hand in docs/models/dissent-game.md and must follow the code
    from scslab.scenario.params.dissent_game import _RANGES, InitialAuthority

    doc = (Path(__file__).parents[2] / "docs" / "models" / "dissent-game.md").read_text("utf-8")
    for m in description("dissent-game").measures:
        assert f"`{m.name}`" in doc, m.name
    for key, info in InitialAuthority.model_fields.items():
        lo, hi = _RANGES[key]
        row = f"| `initial.{key}` | `{info.default}` | [{lo:g}, {hi:g}] | {info.description} |"
        assert row in doc, row


# ---------------------------------------------------------------- the published headline
def _final(name, n, seeds, steps=4999):
    out = []
    for seed in seeds:
        r = scslab.run(name, steps=steps, seed=seed, overrides={"params.n": n})
        out.append(r.metrics.row(-1, named=True))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PRESETS))
def test_headline_timid_silenced_bold_tolerated(name):
    # 2,000 individuals, the paper's 5,000 rounds, 6 seeds each. Over 12 other seeds at
    # 2,000 every timid run ended with expressed_share <= 0.22 and every bold one with
    # tolerance >= 0.76; at 1,000 a timid uniform population escaped in 2 of 12 runs
    # (docs/models/dissent-game.md), so the test does not go below 2,000.
    rows = _final(name, 2000, range(6))
    expressed = np.array([r["expressed_share"] for r in rows])
    tolerance = np.array([r["tolerance"] for r in rows])
    censoring = np.array([r["self_censoring_share"] for r in rows])
    if PRESETS[name] == "timid":
        assert np.median(expressed) < 0.2, expressed
        assert np.median(censoring) > 0.85, censoring
        assert np.median(tolerance) < 0.05, tolerance
    else:
        assert np.median(tolerance) > 0.8, tolerance
        assert expressed.min() > 0.98, expressed
        assert np.median(censoring) < 0.05, censoring


# ---------------------------------------------------------------- declared levers
#: (measure, lever) -> (low value, high value, sign of the change from low to high).
#: Measured at 2,000 individuals, 2,000 steps, median of 4 seeds, from the timid
#: uniform preset (dissent-uniform-b2).
LAWS = {
    ("expressed_share", "params.mean_boldness"): (2, 8, +1),
    ("expressed_share", "params.mean_desire"): (0.05, 0.25, -1),
    ("expressed_share", "params.punishment"): ("uniform", "proportional", +1),
    ("expressed_share", "params.adamancy"): (0.0, 1.0, -1),
    ("tolerance", "params.mean_boldness"): (2, 8, +1),
    ("tolerance", "params.adamancy"): (0.0, 1.0, -1),
    ("self_censoring_share", "params.mean_boldness"): (2, 8, -1),
    ("self_censoring_share", "params.mean_desire"): (0.05, 0.25, +1),
    ("self_censoring_share", "params.punishment"): ("uniform", "proportional", -1),
    ("self_censoring_share", "params.adamancy"): (0.0, 1.0, +1),
    ("political_cost", "params.adamancy"): (1.0, 5.0, +1),
}


def test_every_declared_lever_has_a_law():
    declared = {(m.name, lever) for m in description("dissent-game").measures for lever in m.levers}
    assert declared == set(LAWS)


@pytest.mark.slow
@pytest.mark.parametrize(("measure", "lever"), list(LAWS))
def test_declared_lever_moves_its_measure(measure, lever):
    lo, hi, sign = LAWS[measure, lever]

    def final(value):
        values = [
            scslab.run(
                "dissent-uniform-b2",
                steps=2000,
                seed=seed,
                overrides={"params.n": 2000, lever: value},
            ).metrics[measure][-1]
            for seed in range(4)
        ]
        return float(np.median(values))

    change = final(hi) - final(lo)
    assert sign * change > 0.05, change
