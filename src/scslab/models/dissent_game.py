"""Dissent and self-censorship against an adaptive authority.

Daymude, J. J., Axelrod, R. & Forrest, S. (2025). Strategic analysis of dissent
and self-censorship. arXiv:2509.03731. Code and data (MIT): Zenodo
10.5281/zenodo.15150163.

Individual i wants to dissent by ``δ_i`` in [0, 1] and has boldness ``β_i > 0``.
The authority has tolerance ``τ`` in [0, 1], severity ``ψ > 0`` and surveillance
``ν`` in [0, 1]. An action ``a <= τ`` is never punished; an action ``a > τ`` is
seen with probability ``ν + (1 - ν)·a`` and then punished by ``ψ`` (uniform
punishment) or ``ψ·(a - τ)`` (proportional). Each individual takes the action in
[0, δ_i] that maximises their utility; the paper solves it in closed form
(`best_response_uniform`, `best_response_proportional`), so one round costs a few
passes over numpy arrays.

The authority adapts by random-mutation hill climbing: each round it moves one of
(τ, ψ, ν), chosen at random, to a uniform draw within ``± ε`` of its value
(clipped to its bounds), people act, and its cost ``α·Σ a_i + Σ punishments`` is
compared with the cost it bore the round before; if higher, it goes back to last
round's policy.

Rounds and steps: `DissentGame.init` plays round 0 at the initial policy (no
mutation, as the paper's round r = 0); step s plays round s. The paper's R rounds
are therefore ``steps = R - 1``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq
from scipy.stats import truncexpon

from scslab.engine import State, Streams
from scslab.engine.describe import Description, Lever, Measure

#: Lower bound of the severity ψ (the paper's code: 1e-9; it has no upper bound).
SEVERITY_FLOOR = 1e-9

#: Bounds of (tolerance, severity, surveillance) in the hill climbing.
BOUNDS = ((0.0, 1.0), (SEVERITY_FLOOR, math.inf), (0.0, 1.0))

FloatArray = NDArray[np.float64]


def truncated_mean(scale: float) -> float:
    """Mean of an exponential with mean `scale` truncated to [0, 1].

    ``scale - 1 / expm1(1 / scale)`` (the relation in the paper's code,
    ``hillclimbing.texponential``); it rises from 0 towards 1/2 as the scale grows.

    Examples
    --------
    >>> round(truncated_mean(1.0), 6)
    0.418023
    >>> truncated_mean(0.001)
    0.001
    """
    inv = 1.0 / scale
    if inv > 700.0:  # exp(-700) is far below a double's resolution of the mean
        return scale
    return scale - 1.0 / math.expm1(inv)


def desire_scale(mean: float) -> float:
    """The scale s whose exponential, truncated to [0, 1], has mean `mean` (in (0, 1/2)).

    Solved with `scipy.optimize.brentq` between ``mean`` (the truncated mean is
    below the untruncated one) and a bracket doubled until it holds.

    Examples
    --------
    >>> s = desire_scale(0.25)
    >>> round(s, 6), round(truncated_mean(s), 12)
    (0.278279, 0.25)
    """
    if not 0.0 < mean < 0.5:
        raise ValueError(f"mean desired dissent must be in (0, 0.5); got {mean}")
    lo, hi = mean, 2.0 * mean
    while truncated_mean(hi) < mean:
        lo, hi = hi, 2.0 * hi
    if truncated_mean(lo) >= mean:  # a tiny mean: the truncation is below resolution
        return lo
    root: float = brentq(lambda s: truncated_mean(s) - mean, lo, hi, xtol=1e-15 * mean)
    return root


def draw_desire(mean: float, n: int, gen: np.random.Generator) -> FloatArray:
    """Draw n desired dissents: exponential truncated to [0, 1] with mean `mean`.

    Drawn by inverse transform with `scipy.stats.truncexpon` (shape 1/s, scale s,
    s = `desire_scale`). The paper's code draws the same law by rejection.
    """
    s = desire_scale(mean)
    return np.asarray(truncexpon.rvs(1.0 / s, scale=s, size=n, random_state=gen), np.float64)


def defiance_threshold_uniform(
    boldness: ArrayLike, tolerance: float, severity: float, surveillance: float
) -> FloatArray:
    """Under uniform punishment, the desire at and above which i defies.

    ``(β·τ + ν·ψ) / (β - (1 - ν)·ψ)`` where ``β > (1 - ν)·ψ``; infinite (never
    defies) elsewhere.

    Examples
    --------
    >>> defiance_threshold_uniform([1.0, 0.1], 0.25, 0.6, 0.2).round(6).tolist()
    [0.711538, inf]
    """
    beta = np.asarray(boldness, dtype=np.float64)
    tau, psi, nu = tolerance, severity, surveillance
    margin = beta - (1.0 - nu) * psi
    out = np.full(beta.shape, np.inf)
    np.divide(beta * tau + nu * psi, margin, out=out, where=margin > 0)
    return out


def best_response_uniform(
    desire: ArrayLike,
    boldness: ArrayLike,
    tolerance: float,
    severity: float,
    surveillance: float,
) -> FloatArray:
    """Each individual's utility-maximising action under uniform punishment.

    i acts δ_i when δ_i <= τ (complies) or when β_i > (1 - ν)·ψ and δ_i is at or
    above `defiance_threshold_uniform` (defies); otherwise i acts τ (self-censors
    to the tolerance). The paper's Eqs. 5-8, in closed form as in its
    ``opt_actions``.

    Examples
    --------
    >>> best_response_uniform([0.2, 0.5, 0.9], [1.0] * 3, 0.25, 0.6, 0.2).tolist()
    [0.2, 0.25, 0.9]
    """
    delta = np.asarray(desire, dtype=np.float64)
    keep = (delta <= tolerance) | (
        delta >= defiance_threshold_uniform(boldness, tolerance, severity, surveillance)
    )
    return np.where(keep, delta, tolerance)


def partial_action_proportional(
    boldness: ArrayLike, tolerance: float, severity: float, surveillance: float
) -> FloatArray:
    """Under proportional punishment with ν < 1, the action d_i of partial self-censorship.

    ``d_i = (τ + (β_i - ν·ψ) / ((1 - ν)·ψ)) / 2``: the unconstrained maximiser of
    i's expected utility above τ.

    Examples
    --------
    >>> partial_action_proportional([1.0], 0.25, 1.0, 0.2).round(6).tolist()
    [0.625]
    """
    beta = np.asarray(boldness, dtype=np.float64)
    tau, psi, nu = tolerance, severity, surveillance
    return np.asarray((tau + (beta - nu * psi) / ((1.0 - nu) * psi)) / 2.0, dtype=np.float64)


def best_response_proportional(
    desire: ArrayLike,
    boldness: ArrayLike,
    tolerance: float,
    severity: float,
    surveillance: float,
) -> FloatArray:
    """Each individual's utility-maximising action under proportional punishment.

    With ν < 1 and d_i = `partial_action_proportional`: act δ_i when δ_i <= τ or
    δ_i <= d_i; act τ when τ >= d_i; otherwise act d_i (partial self-censorship).
    With ν = 1: act δ_i when δ_i <= τ or β_i >= ψ, else τ.

    Examples
    --------
    >>> best_response_proportional([0.2, 0.5, 0.9], [1.0] * 3, 0.25, 1.0, 0.2).tolist()
    [0.2, 0.5, 0.625]
    >>> best_response_proportional([0.9, 0.9], [0.5, 2.0], 0.25, 1.0, 1.0).tolist()
    [0.25, 0.9]
    """
    delta = np.asarray(desire, dtype=np.float64)
    beta = np.asarray(boldness, dtype=np.float64)
    tau = tolerance
    if surveillance == 1.0:
        keep = (delta <= tau) | (beta >= severity)
        return np.where(keep, delta, tau)
    d = partial_action_proportional(beta, tau, severity, surveillance)
    keep = (delta <= tau) | (delta <= d)
    return np.where(keep, delta, np.where(tau >= d, tau, d))


def best_response(
    punishment: str,
    desire: ArrayLike,
    boldness: ArrayLike,
    tolerance: float,
    severity: float,
    surveillance: float,
) -> FloatArray:
    """`best_response_uniform` or `best_response_proportional`, by name."""
    if punishment == "uniform":
        return best_response_uniform(desire, boldness, tolerance, severity, surveillance)
    if punishment == "proportional":
        return best_response_proportional(desire, boldness, tolerance, severity, surveillance)
    raise ValueError(f"punishment must be 'uniform' or 'proportional'; got {punishment!r}")


def punishments(
    punishment: str,
    action: FloatArray,
    tolerance: float,
    severity: float,
    surveillance: float,
    gen: np.random.Generator,
) -> FloatArray:
    """The punishment each individual receives this round (drawn).

    An action a > τ is seen with probability ν + (1 - ν)·a (one uniform draw per
    such individual, in index order) and then punished by ψ (uniform) or
    ψ·(a - τ) (proportional); anyone else gets 0.
    """
    out = np.zeros_like(action)
    above = np.flatnonzero(action > tolerance)
    if above.size == 0:
        return out
    a = action[above]
    seen = gen.random(above.size) < surveillance + (1.0 - surveillance) * a
    if punishment == "uniform":
        out[above] = seen * severity
    else:
        out[above] = seen * (severity * (a - tolerance))
    return out


def mutate(
    policy: tuple[float, float, float], radius: float, gen: np.random.Generator
) -> tuple[float, float, float]:
    """One hill-climbing candidate: one of (τ, ψ, ν) moved uniformly within ± radius.

    The parameter is chosen uniformly (``gen.integers(3)``); its new value is
    uniform on ``[max(lo, v - ε), min(hi, v + ε)]`` with the bounds of `BOUNDS`.
    """
    k = int(gen.integers(3))
    lo, hi = BOUNDS[k]
    v = policy[k]
    new = list(policy)
    new[k] = float(gen.uniform(max(lo, v - radius), min(hi, v + radius)))
    return new[0], new[1], new[2]


def _initial(value: float | str, gen_value: float, floor: float = 0.0) -> float:
    return max(floor, float(gen_value)) if value == "random" else float(value)


#: What moves how much dissent is expressed (a law test in tests/models checks each).
_LEVERS_EXPRESSION = (
    "params.mean_boldness",
    "params.mean_desire",
    "params.punishment",
    "params.adamancy",
)


class DissentGame:
    """Model ``dissent-game``: individuals choose how much to dissent; the authority adapts."""

    description = Description(
        measures=(
            Measure(
                "expressed_share",
                "dissent expressed",
                "share of desired dissent",
                "Σ_i a_i / Σ_i δ_i over all individuals, this round: the dissent acted out "
                "as a share of the dissent desired (1 = nobody holds back)",
                share=True,
                headline=True,
                levers=_LEVERS_EXPRESSION,
            ),
            Measure(
                "tolerance",
                "tolerance τ",
                "action level",
                "the authority's tolerance at the end of this round (after any revert): "
                "actions at or below it are never punished",
                headline=True,
                levers=("params.mean_boldness", "params.adamancy"),
            ),
            Measure(
                "severity",
                "severity ψ",
                "punishment per punished act",
                "the authority's severity at the end of this round (after any revert): the "
                "punishment of a seen act above tolerance (uniform), or per unit above it "
                "(proportional)",
                headline=True,
            ),
            Measure(
                "surveillance",
                "surveillance ν",
                "probability",
                "the authority's surveillance at the end of this round (after any revert): an "
                "act a > τ is seen with probability ν + (1 - ν)·a",
                headline=True,
            ),
            Measure(
                "political_cost",
                "political cost per individual",
                "adamancy × action per individual",
                "α·Σ_i a_i / n: the authority's political cost of the dissent expressed this "
                "round, divided by the number of individuals n",
                levers=("params.adamancy",),
            ),
            Measure(
                "punishment_cost",
                "punishment cost per individual",
                "punishment per individual",
                "Σ_i p_i / n: the punishments actually inflicted this round (drawn: each act "
                "above tolerance seen or not at random, as in the paper's code), divided by n",
            ),
            Measure(
                "authority_cost",
                "authority's cost per individual",
                "cost per individual",
                "political_cost + punishment_cost: the cost the hill climbing compares with "
                "last round's (it compares the totals, n times this)",
            ),
            Measure(
                "complying_share",
                "complying",
                "share of individuals",
                "individuals with δ_i <= τ (they act δ_i and are never punished) / n, this round",
                share=True,
            ),
            Measure(
                "self_censoring_share",
                "self-censoring",
                "share of individuals",
                "individuals acting below their desire (a_i < δ_i: at τ, or at d_i under "
                "proportional punishment) / n, this round",
                share=True,
                levers=_LEVERS_EXPRESSION,
            ),
            Measure(
                "defying_share",
                "defying",
                "share of individuals",
                "individuals acting their full desire above tolerance (a_i = δ_i > τ) / n, "
                "this round",
                share=True,
            ),
            Measure(
                "punished_share",
                "punished",
                "share of individuals",
                "individuals punished this round (acted above τ and were seen) / n",
                share=True,
            ),
        ),
        levers=(
            Lever("mean boldness β̄", "params.mean_boldness", soft=(0.1, 10.0)),
            Lever("mean desired dissent δ̄", "params.mean_desire", soft=(0.005, 0.495)),
            Lever("adamancy α", "params.adamancy", soft=(0.0, 5.0)),
            Lever("hill-climbing radius ε", "params.step_radius", soft=(0.005, 0.2)),
        ),
        plots=("expressed_share", "tolerance", "severity", "surveillance"),
    )

    def init(self, scenario: Any, rng: Streams) -> State:
        p = scenario.params
        desire = draw_desire(p.mean_desire, p.n, rng["desire"])
        boldness = rng["boldness"].exponential(p.mean_boldness, size=p.n)
        # three draws whatever is fixed, so fixing one leaves the others' values alone
        u = rng["authority"].random(3)
        state = State(
            params=p,
            desire=desire,
            boldness=boldness,
            desire_total=float(desire.sum()),
            tolerance=_initial(p.initial.tolerance, u[0]),
            severity=_initial(p.initial.severity, u[1], SEVERITY_FLOOR),
            surveillance=_initial(p.initial.surveillance, u[2]),
            last_cost=0.0,
            actions_total=0.0,
            punishment_total=0.0,
            complying=0,
            self_censoring=0,
            defying=0,
            punished=0,
        )
        state.last_cost = self._play(state, rng)
        return state

    def _play(self, state: State, rng: Streams) -> float:
        """People act at the current policy; record the round; return the authority's cost."""
        p = state.params
        tau, psi, nu = state.tolerance, state.severity, state.surveillance
        action = best_response(p.punishment, state.desire, state.boldness, tau, psi, nu)
        pun = punishments(p.punishment, action, tau, psi, nu, rng["detection"])
        state.actions_total = float(action.sum())
        state.punishment_total = float(pun.sum())
        state.complying = int(np.count_nonzero(state.desire <= tau))
        state.self_censoring = int(np.count_nonzero(action < state.desire))
        state.defying = p.n - state.complying - state.self_censoring
        state.punished = int(np.count_nonzero(pun > 0))
        return float(p.adamancy * state.actions_total + state.punishment_total)

    def step(self, state: State, rng: Streams) -> None:
        p = state.params
        kept = (state.tolerance, state.severity, state.surveillance)
        candidate = mutate(kept, p.step_radius, rng["mutation"])
        state.tolerance, state.severity, state.surveillance = candidate
        cost = self._play(state, rng)
        if cost > state.last_cost:
            state.tolerance, state.severity, state.surveillance = kept
        # as the paper's code: next round compares with this round's cost, kept or not
        state.last_cost = cost

    def metrics(self, state: State) -> dict[str, float]:
        p = state.params
        n = p.n
        political = p.adamancy * state.actions_total / n
        punishment = state.punishment_total / n
        expressed = state.actions_total / state.desire_total if state.desire_total > 0 else 1.0
        return {
            "expressed_share": float(expressed),
            "tolerance": float(state.tolerance),
            "severity": float(state.severity),
            "surveillance": float(state.surveillance),
            "political_cost": float(political),
            "punishment_cost": float(punishment),
            "authority_cost": float(political + punishment),
            "complying_share": state.complying / n,
            "self_censoring_share": state.self_censoring / n,
            "defying_share": state.defying / n,
            "punished_share": state.punished / n,
        }

    def estimate_bytes(self, scenario: Any) -> int:
        return int(scenario.params.n * 8 * 8)
