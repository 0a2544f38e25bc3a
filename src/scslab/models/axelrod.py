"""Axelrod's (1986) norms and metanorms games, many populations as one array.

Axelrod, R. (1986). An evolutionary approach to norms. *American Political
Science Review* 80(4), 1095-1111. Definitions of "established" and "collapsed"
norms and the refill variants after Galán, J. M. & Izquierdo, L. R. (2005).
Appearances can be deceiving. *JASSS* 8(3), 2.

Every agent carries two 3-bit genes: boldness ``B`` and vengefulness ``V``, each
an integer 0..7 read as sevenths. One step is one generation:

1. **Play.** Each agent has ``opportunities`` chances to defect. For each, a
   chance of being seen ``S ~ U(0, 1)`` is drawn; the agent defects if
   ``S < B``. A defector gains ``T``; every other agent loses ``H``. Every other
   agent ``j`` sees the defection with probability ``S`` and, having seen it,
   punishes with probability ``V_j``: the defector pays ``P``, ``j`` pays ``E``.
2. **Metanorms** (optional). Each ``j`` who saw a defection and did not punish
   is seen, with the same ``S``, by every agent ``k`` other than the defector and
   ``j``, and metapunished with probability ``V_k``: ``j`` pays ``MP``, ``k``
   pays ``ME``.
3. **Selection.** Within each population, score >= mean + k·sd gives two
   offspring, score <= mean - k·sd none, anything else one (k =
   ``selection_sd``, sd the population standard deviation). The offspring are
   brought to exactly ``population`` agents by the ``refill`` rule.
4. **Mutation.** Each of the six gene bits flips with probability
   ``mutation_rate``.

The order of play within a generation does not matter: scores only add up.
Each replicate is an independent population; all of them are one array of
shape ``(replicates, population)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State, Streams
from scslab.engine.describe import Description, Lever, Measure

#: Genes are integers 0..7; a gene value g means a probability g / LEVELS.
LEVELS = 7


def play(
    boldness: NDArray[np.uint8],
    vengefulness: NDArray[np.uint8],
    params: Any,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """Scores of one generation of the (meta)norms game.

    Parameters
    ----------
    boldness, vengefulness : ndarray of shape (replicates, population)
        Genes, integers 0..7 (sevenths).
    params : AxelrodParams
        Payoffs, ``opportunities`` and ``metanorms``.
    rng : numpy.random.Generator
        The stream of the game's chances.

    Returns
    -------
    ndarray of shape (replicates, population)
        Each agent's score, starting from 0.
    """
    n_rep, n = boldness.shape
    b = boldness.astype(np.float64) / LEVELS
    v = vengefulness.astype(np.float64) / LEVELS
    score = np.zeros(n_rep * n)
    agents = np.arange(n)
    for _ in range(params.opportunities):
        seen_chance = rng.random((n_rep, n))
        defect = seen_chance < b
        # temptation for the defector, hurt for every other agent of its population
        n_def = defect.sum(axis=1, keepdims=True)
        score += (params.temptation * defect - params.hurt * (n_def - defect)).ravel()
        rep, who = np.nonzero(defect)
        if rep.size == 0:
            continue
        s = seen_chance[rep, who][:, None]  # (events, 1)
        # one uniform per (defection, observer): seen if u < S, punishes if u < S·V_j
        u = rng.random((rep.size, n))
        others = agents[None, :] != who[:, None]
        seen = (u < s) & others
        punish = (u < s * v[rep]) & others
        flat_obs = rep[:, None] * n + agents[None, :]
        score -= params.punishment * np.bincount(
            rep * n + who, weights=punish.sum(axis=1), minlength=n_rep * n
        )
        score -= params.enforcement_cost * np.bincount(
            flat_obs[punish], minlength=n_rep * n
        ).astype(np.float64)
        if not params.metanorms:
            continue
        ev, shirker = np.nonzero(seen & ~punish)
        if ev.size == 0:
            continue
        rep2, who2, s2 = rep[ev], who[ev], s[ev]
        u2 = rng.random((ev.size, n))
        enforcers = (agents[None, :] != who2[:, None]) & (agents[None, :] != shirker[:, None])
        meta = (u2 < s2 * v[rep2]) & enforcers
        score -= params.metapunishment * np.bincount(
            rep2 * n + shirker, weights=meta.sum(axis=1), minlength=n_rep * n
        )
        score -= params.metaenforcement_cost * np.bincount(
            (rep2[:, None] * n + agents[None, :])[meta], minlength=n_rep * n
        ).astype(np.float64)
    return score.reshape(n_rep, n)


def offspring_counts(score: NDArray[np.float64], selection_sd: float) -> NDArray[np.int64]:
    """Axelrod's rule: 2 offspring at or above mean + k·sd, 0 at or below mean - k·sd, else 1.

    Parameters
    ----------
    score : ndarray of shape (replicates, population)
    selection_sd : float
        k; the sd is each population's standard deviation (ddof 0).

    Returns
    -------
    ndarray of shape (replicates, population)
        0, 1 or 2. When every score of a population is equal, everyone has 1.

    Examples
    --------
    >>> offspring_counts(np.array([[0.0, 0.0, 0.0, 10.0]]), 1.0).tolist()
    [[1, 1, 1, 2]]
    """
    mean = score.mean(axis=1, keepdims=True)
    sd = score.std(axis=1, keepdims=True)
    hi = score >= mean + selection_sd * sd
    lo = score <= mean - selection_sd * sd
    return np.asarray(1 + hi.astype(np.int64) - lo.astype(np.int64), dtype=np.int64)


def next_generation(
    score: NDArray[np.float64], params: Any, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Parents of the next generation and which places are newcomers.

    Returns
    -------
    parent : ndarray of shape (replicates, population)
        Index, within its population, of the agent each new agent copies.
    newcomer : ndarray of shape (replicates, population), bool
        Places filled by agents with fresh random genes (``random_newcomers``).
    """
    n_rep, n = score.shape
    newcomer = np.zeros((n_rep, n), dtype=bool)
    if params.refill == "roulette":
        w = score - score.min(axis=1, keepdims=True)
        total = w.sum(axis=1, keepdims=True)
        w = np.where(total > 0, w, 1.0)
        cum = np.cumsum(w, axis=1)
        u = rng.random((n_rep, n)) * cum[:, -1:]
        parent = (cum[:, None, :] <= u[:, :, None]).sum(axis=2)
        return np.minimum(parent, n - 1).astype(np.int64), newcomer
    counts = offspring_counts(score, params.selection_sd)
    # offspring slots: agent a's slot c exists when c < counts[a]; shuffle the valid ones first
    valid = (np.arange(2)[None, None, :] < counts[:, :, None]).reshape(n_rep, 2 * n)
    keys = rng.random((n_rep, 2 * n))
    keys[~valid] = 2.0
    order = np.argsort(keys, axis=1, kind="stable")
    pool = np.maximum(valid.sum(axis=1, keepdims=True), 1)
    place = np.arange(n)[None, :]
    short = place >= pool  # places the offspring do not fill
    refill_pick = (rng.random((n_rep, n)) * pool).astype(np.int64)
    take = np.where(short, refill_pick, place)
    parent = np.take_along_axis(order, take, axis=1) // 2
    if params.refill == "random_newcomers":
        newcomer = short
    return parent.astype(np.int64), newcomer


def mutate(genes: NDArray[np.uint8], rate: float, rng: np.random.Generator) -> NDArray[np.uint8]:
    """Flip each of the 3 bits of each gene with probability `rate`."""
    flips = rng.random((*genes.shape, 3)) < rate
    mask = (flips * np.array([1, 2, 4], dtype=np.uint8)).sum(axis=-1).astype(np.uint8)
    return np.asarray(np.bitwise_xor(genes, mask), dtype=np.uint8)


class AxelrodNorms:
    """Model ``axelrod``: the norms game, or the metanorms game with ``metanorms: true``."""

    #: Measures (`metrics`) and dashboard levers. "Established" and "collapsed" follow
    #: Galán & Izquierdo (2005): a population's mean B and mean V against 2/7, 5/7,
    #: 6/7 and 1/7.
    description = Description(
        measures=(
            Measure(
                "mean_boldness",
                "mean boldness",
                "chance of defecting, in [0, 1] (sevenths)",
                "Boldness B / 7 averaged over every agent of every population (replicates x "
                "population), after this generation's selection and mutation.",
                headline=True,
                levers=("params.punishment", "params.temptation"),
            ),
            Measure(
                "mean_vengefulness",
                "mean vengefulness",
                "chance of punishing a seen defection, in [0, 1] (sevenths)",
                "Vengefulness V / 7 averaged over every agent of every population, after "
                "this generation's selection and mutation.",
                headline=True,
                levers=("params.enforcement_cost", "params.metanorms"),
            ),
            Measure(
                "established",
                "populations where the norm is established",
                "share of populations",
                "Populations whose mean boldness is at most 2/7 and mean vengefulness at "
                "least 5/7, over all populations (replicates).",
                share=True,
                headline=True,
                levers=("params.punishment",),
            ),
            Measure(
                "collapsed",
                "populations where the norm collapsed",
                "share of populations",
                "Populations whose mean boldness is at least 6/7 and mean vengefulness at "
                "most 1/7, over all populations (replicates).",
                share=True,
                headline=True,
                levers=("params.punishment",),
            ),
        ),
        levers=(
            Lever("temptation T", "params.temptation", soft=(0.0, 20.0)),
            Lever("punishment P", "params.punishment", soft=(0.0, 20.0)),
            Lever("enforcement cost E", "params.enforcement_cost", soft=(0.0, 10.0)),
            Lever("mutation rate", "params.mutation_rate", soft=(0.0, 0.1)),
        ),
    )

    def init(self, scenario: Any, rng: Streams) -> State:
        p = scenario.params
        shape = (p.replicates, p.population)
        gen = rng["init"]
        return State(
            params=p,
            boldness=gen.integers(0, LEVELS + 1, size=shape, dtype=np.uint8),
            vengefulness=gen.integers(0, LEVELS + 1, size=shape, dtype=np.uint8),
            score=np.zeros(shape),
        )

    def step(self, state: State, rng: Streams) -> None:
        p = state.params
        score = play(state.boldness, state.vengefulness, p, rng["game"])
        parent, newcomer = next_generation(score, p, rng["selection"])
        b = np.take_along_axis(state.boldness, parent, axis=1)
        v = np.take_along_axis(state.vengefulness, parent, axis=1)
        if newcomer.any():
            fresh = rng["newcomers"].integers(0, LEVELS + 1, size=(2, int(newcomer.sum())))
            b[newcomer] = fresh[0]
            v[newcomer] = fresh[1]
        state.boldness[:] = mutate(b, p.mutation_rate, rng["mutation"])
        state.vengefulness[:] = mutate(v, p.mutation_rate, rng["mutation"])
        state.score[:] = score

    def metrics(self, state: State) -> dict[str, float]:
        b, v = state.boldness, state.vengefulness
        n = b.shape[1]
        # compare sums of sevenths, exactly: mean B <= 2/7  <=>  sum B <= 2 n
        sb = b.sum(axis=1, dtype=np.int64)
        sv = v.sum(axis=1, dtype=np.int64)
        return {
            "mean_boldness": float(b.mean() / LEVELS),
            "mean_vengefulness": float(v.mean() / LEVELS),
            "established": float(np.mean((sb <= 2 * n) & (sv >= 5 * n))),
            "collapsed": float(np.mean((sb >= 6 * n) & (sv <= 1 * n))),
        }

    def estimate_bytes(self, scenario: Any) -> int:
        p = scenario.params
        agents = p.replicates * p.population
        per_event = p.population * 10  # a uniform and two masks per observer
        events = agents * (p.population if p.metanorms else 1)  # worst case, per opportunity
        return int(agents * 64 + events * per_event)
