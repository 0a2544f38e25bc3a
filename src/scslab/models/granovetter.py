"""Granovetter's (1978) threshold model of collective behaviour.

Granovetter, M. (1978). Threshold models of collective behavior. *American
Journal of Sociology* 83(6), 1420-1443.

Person i joins the riot once at least ``threshold_i`` people riot. With ``r(t)``
rioters after round t, round t + 1 gives ``r(t+1) = F(r(t))``, where F counts the
people whose threshold is at most r(t); starting from r(0) = 0, the crowd moves
to the first fixed point of F, its equilibrium. One step is one round.

Friends (Granovetter's "social structure" section): on a friendship network, a
rioting friend counts ``friend_weight`` people instead of one, so i sees
``r(t) + (friend_weight - 1) · f_i(t)`` rioters, f_i(t) being how many of i's
friends riot. With ``friend_weight = 1`` the network changes nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

from scslab.engine import State, Streams
from scslab.engine.describe import Description, Lever, Measure


def draw_thresholds(params: Any, rng: np.random.Generator) -> NDArray[np.float64]:
    """Thresholds of the crowd, in people, negatives set to 0 and rounded as asked.

    Parameters
    ----------
    params : GranovetterParams
    rng : numpy.random.Generator
        Used only when ``sampling`` is ``random``.

    Returns
    -------
    ndarray of shape (n,)

    Examples
    --------
    >>> from types import SimpleNamespace as P
    >>> p = P(n=4, distribution="uniform", sampling="quantiles", rounding="none")
    >>> draw_thresholds(p, np.random.default_rng(0)).tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    n = params.n
    if params.distribution == "explicit":
        theta = np.asarray(params.thresholds, dtype=np.float64)
    elif params.distribution == "uniform":
        if params.sampling == "quantiles":
            theta = np.arange(n, dtype=np.float64)
        else:
            theta = rng.integers(0, n, size=n).astype(np.float64)
    else:
        if params.sampling == "quantiles":
            q = (np.arange(n) + 0.5) / n
            theta = params.mean + params.sd * norm.ppf(q)
        else:
            theta = rng.normal(params.mean, params.sd, size=n)
    theta = np.maximum(theta, 0.0)
    if params.rounding == "round":
        theta = np.round(theta)
    elif params.rounding == "floor":
        theta = np.floor(theta)
    return np.asarray(theta, dtype=np.float64)


def random_friends(
    n: int, mean_degree: float, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """An Erdős-Rényi-like friendship network as a symmetric edge list.

    ``round(n · mean_degree / 2)`` pairs are drawn uniformly; self-pairs and
    repeated pairs are dropped, so the mean degree is slightly below
    `mean_degree` in small, dense networks.

    Returns
    -------
    src, dst : ndarray of shape (2 · edges,)
        Each friendship appears in both directions.
    """
    m = round(n * mean_degree / 2)
    a = rng.integers(0, n, size=m)
    b = rng.integers(0, n, size=m)
    keep = a != b
    lo, hi = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    pairs = np.unique(lo.astype(np.int64) * n + hi)
    lo, hi = pairs // n, pairs % n
    return np.concatenate([lo, hi]), np.concatenate([hi, lo])


def seen_rioters(
    active: NDArray[np.bool_],
    src: NDArray[np.int64],
    dst: NDArray[np.int64],
    friend_weight: float,
) -> NDArray[np.float64]:
    """How many rioters each person sees: everyone, friends counted `friend_weight` times.

    Parameters
    ----------
    active : ndarray of shape (n,), bool
    src, dst : ndarray of shape (edges,)
        Directed edges: person ``src[e]`` sees friend ``dst[e]``.
    friend_weight : float

    Returns
    -------
    ndarray of shape (n,)
    """
    r = float(active.sum())
    seen = np.full(active.shape, r)
    if src.size and friend_weight != 1.0:
        friends = np.bincount(src, weights=active[dst].astype(np.float64), minlength=active.size)
        seen += (friend_weight - 1.0) * friends
    return seen


def next_active(
    active: NDArray[np.bool_],
    thresholds: NDArray[np.float64],
    src: NDArray[np.int64],
    dst: NDArray[np.int64],
    friend_weight: float,
) -> NDArray[np.bool_]:
    """One round: who riots given who rioted, ``threshold_i <= seen_i``."""
    return np.asarray(thresholds <= seen_rioters(active, src, dst, friend_weight))


def equilibrium(
    thresholds: NDArray[np.float64],
    src: NDArray[np.int64],
    dst: NDArray[np.int64],
    friend_weight: float,
) -> NDArray[np.bool_]:
    """Who riots at the equilibrium reached from nobody rioting.

    The rounds are monotone (seen rioters never fall as rioters join), so at
    most n + 1 rounds reach the fixed point.

    Examples
    --------
    >>> none = np.zeros(0, dtype=np.int64)
    >>> int(equilibrium(np.arange(100.0), none, none, 1.0).sum())
    100
    >>> th = np.arange(100.0)
    >>> th[1] = 2.0
    >>> int(equilibrium(th, none, none, 1.0).sum())
    1
    """
    active = np.zeros(thresholds.shape, dtype=bool)
    for _ in range(thresholds.size + 1):
        nxt = next_active(active, thresholds, src, dst, friend_weight)
        if np.array_equal(nxt, active):
            break
        active = nxt
    return active


class GranovetterThresholds:
    """Model ``granovetter``: a crowd of thresholds, one round per step."""

    #: Measures (`metrics`) and dashboard levers.
    description = Description(
        measures=(
            Measure(
                "rioters",
                "rioters",
                "people",
                "People rioting after this round: those whose threshold is at most the "
                "rioters they saw at the end of the last round (friends counted "
                "`friend_weight` times).",
                headline=True,
                levers=("params.mean", "params.sd"),
            ),
            Measure(
                "rioter_share",
                "share rioting",
                "share of people",
                "People rioting after this round, over everyone in the crowd (`n`).",
                share=True,
                headline=True,
                levers=("params.mean", "params.sd"),
            ),
            Measure(
                "equilibrium",
                "rioters at equilibrium",
                "people",
                "People rioting at the first fixed point of the rounds reached from nobody "
                "rioting, computed once at the start: the same at every step, the value "
                "`rioters` reaches.",
                headline=True,
                levers=("params.sd", "params.mean"),
            ),
        ),
        levers=(
            Lever("mean threshold", "params.mean", soft=(0.0, 100.0)),
            Lever("sd of thresholds", "params.sd", soft=(0.0, 50.0)),
        ),
    )

    def init(self, scenario: Any, rng: Streams) -> State:
        p = scenario.params
        thresholds = draw_thresholds(p, rng["init"])
        if p.network == "random":
            src, dst = random_friends(p.n, p.mean_degree, rng["network"])
        else:
            src = dst = np.zeros(0, dtype=np.int64)
        eq = equilibrium(thresholds, src, dst, p.friend_weight)
        return State(
            params=p,
            thresholds=thresholds,
            src=src,
            dst=dst,
            active=np.zeros(p.n, dtype=bool),
            equilibrium=int(eq.sum()),
        )

    def step(self, state: State, rng: Streams) -> None:
        p = state.params
        state.active[:] = next_active(
            state.active, state.thresholds, state.src, state.dst, p.friend_weight
        )

    def metrics(self, state: State) -> dict[str, float]:
        r = int(state.active.sum())
        return {
            "rioters": float(r),
            "rioter_share": r / state.active.size,
            "equilibrium": float(state.equilibrium),
        }

    def estimate_bytes(self, scenario: Any) -> int:
        p = scenario.params
        edges = p.n * p.mean_degree if p.network == "random" else 0
        return int(p.n * 40 + edges * 40)
