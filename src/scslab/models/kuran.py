"""Kuran's preference falsification: private truths, public lies, sudden cascades.

Kuran, T. (1989). Sparks and prairie fires: a theory of unanticipated political
revolution. *Public Choice* 61, 41-74. Kuran, T. (1991). Now out of never: the
element of surprise in the East European revolution of 1989. *World Politics*
44(1), 7-48. Kuran, T. (1995). *Private Truths, Public Lies*. Harvard UP.
Network and centralisation after Makowsky, M. D. & Rubin, J. (2013). An
agent-based model of centralized institutions, social network technology, and
revolution. *PLoS ONE* 8(11), e80380.

Each person i has a private opposition ``d_i`` in [0, 1] (privately opposed when
``d_i > 0.5``) and a public stance: opposes in public or supports. Choosing the
stance trades three utilities (Kuran 1995, ch. 2-4):

- *intrinsic*: from the collective outcome; one voice moves it by 1/n, so its
  weight on ``d_i`` is ``w_intrinsic / n``, negligible in a large society;
- *expressive*: the cost of saying what one does not believe, ``w_expressive·d_i``;
- *reputational*: the approval of those one is seen by, ``w_reputational·ŝ_i``,
  where ``ŝ_i`` is the share of public opposition that i sees.

i opposes in public when their sum, less the expected ``sanction``, reaches the
hidden expression threshold ``θ_i`` (`speaks`). Equivalently i's *revolutionary
threshold* is the seen share ``τ_i`` at which i switches
(`revolutionary_threshold`); thresholds are private knowledge, so nobody can see
how close a society is to a cascade.

Seen share: fully mixed (``network: complete``), ŝ is the whole society's public
opposition; on a ring, the share of i's ties who oppose. Centralisation c mixes in
one central broadcaster: ``ŝ_i = (1 - c)·local_i + c·broadcast_share`` (with the
default broadcast of 0 this is the regime model's propaganda shrink). One step is
one round in which every person (or an ``update_share`` of them) revises.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from scslab.engine import State, Streams
from scslab.engine.describe import Description, Lever, Measure

#: A person is privately opposed when their private opposition exceeds this.
PRIVATE_CUTOFF = 0.5


Weight = float | NDArray[np.floating[Any]]


def speaks(
    private: ArrayLike,
    seen_share: ArrayLike,
    threshold: ArrayLike,
    w_expressive: Weight,
    w_reputational: Weight,
    risk: Weight = 0.0,
) -> NDArray[np.bool_]:
    """Who voices opposition in public: Kuran's rule, shared with the regime model.

    Person i speaks when ``w_e·d_i + w_r·ŝ_i - risk_i >= θ_i``. Ties have
    probability zero for continuous thresholds; they count as speaking, so that a
    revolutionary threshold of exactly the seen share switches, as in Kuran.
    The arithmetic keeps the arrays' dtype: float32 arrays with Python-float
    weights are computed in float32 (NumPy's promotion rules, NEP 50).

    Parameters
    ----------
    private : array_like of shape (n,)
        Private opposition d_i in [0, 1].
    seen_share : array_like of shape (n,)
        Share of public opposition that i sees, ŝ_i in [0, 1].
    threshold : array_like of shape (n,)
        Expression threshold θ_i.
    w_expressive, w_reputational : float or ndarray of shape (n,)
        Weights of expressive utility (on d_i) and reputational utility (on ŝ_i).
    risk : float or ndarray of shape (n,), default 0
        Expected cost of speaking: in the regime model ``r_i·p̂_i·(Ĉ + F_i)``;
        here the scenario's ``sanction``.

    Returns
    -------
    ndarray of shape (n,), bool

    Examples
    --------
    >>> speaks([0.8, 0.8], [0.1, 0.5], [0.6, 0.6], 0.5, 1.0).tolist()
    [False, True]
    >>> speaks([0.8], [0.5], [0.6], 0.5, 1.0, risk=0.5).tolist()
    [False]
    >>> d = np.array([0.9, 0.1], np.float32)
    >>> speaks(d, np.zeros(2, np.float32), np.full(2, 0.5, np.float32), 1.0, 1.0).tolist()
    [True, False]
    """
    value = w_expressive * np.asarray(private) + w_reputational * np.asarray(seen_share)
    if not (isinstance(risk, float | int) and risk == 0):
        value = value - risk
    return np.asarray(value >= np.asarray(threshold), dtype=bool)


def revolutionary_threshold(
    private: ArrayLike,
    threshold: ArrayLike,
    w_expressive: float,
    w_reputational: float,
    risk: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """The seen share τ_i at which i starts to speak: ``(θ_i + risk - w_e·d_i) / w_r``.

    Values below 0 speak whatever they see; above 1, never.

    Examples
    --------
    >>> revolutionary_threshold([0.8], [0.6], 0.5, 1.0).round(6).tolist()
    [0.2]
    """
    d = np.asarray(private, dtype=np.float64)
    return np.asarray(
        (np.asarray(threshold) + np.asarray(risk) - w_expressive * d) / w_reputational,
        dtype=np.float64,
    )


def threshold_for(
    revolutionary: ArrayLike,
    private: ArrayLike,
    w_expressive: float,
    w_reputational: float,
    risk: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """The expression threshold θ_i that gives revolutionary threshold τ_i.

    Computed as ``(w_r·τ_i + w_e·d_i) - risk``: the same sums `speaks` forms, so
    ``speaks`` holds exactly when ``ŝ_i >= τ_i``, with no rounding at the tie.
    """
    d = np.asarray(private, dtype=np.float64)
    tau = np.asarray(revolutionary, dtype=np.float64)
    return np.asarray(w_reputational * tau + w_expressive * d - np.asarray(risk), dtype=np.float64)


def ring_network(
    n: int, mean_degree: int, reach: float, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """A ring on which each person ties to ``mean_degree / 2`` people ahead, up to a reach.

    Person i ties to ``i + δ (mod n)`` for ``mean_degree / 2`` distinct offsets δ
    drawn uniformly from ``1..D``, ``D = max(mean_degree / 2, floor(reach·(n-1)/2))``;
    ties are mutual. ``reach = 0`` gives the ring lattice of nearest neighbours;
    ``reach = 1`` lets a tie land anywhere. Every tie is distinct and the mean
    degree is exactly ``mean_degree`` (while it is below n).

    Returns
    -------
    src, dst : ndarray of shape (n · mean_degree,)
        Directed edges, both directions of every tie.
    """
    half_n = (n - 1) // 2
    h = min(mean_degree // 2, half_n)
    if h == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    top = max(h, min(half_n, int(np.floor(reach * (n - 1) / 2))))
    if top == h:
        offsets = np.broadcast_to(np.arange(1, h + 1), (n, h))
    else:
        # Floyd's sampling without replacement, one row per person, vectorised over rows
        offsets = np.zeros((n, h), dtype=np.int64)
        for col, j in enumerate(range(top - h + 1, top + 1)):
            t = rng.integers(1, j + 1, size=n)
            taken = (offsets[:, :col] == t[:, None]).any(axis=1)
            offsets[:, col] = np.where(taken, j, t)
    src = np.repeat(np.arange(n, dtype=np.int64), h)
    dst = (src + offsets.reshape(-1)) % n
    return np.concatenate([src, dst]), np.concatenate([dst, src])


def seen_share(
    public: NDArray[np.bool_],
    src: NDArray[np.int64],
    dst: NDArray[np.int64],
    degree: NDArray[np.float64],
    centralisation: float,
    broadcast_share: float,
) -> NDArray[np.float64]:
    """The share of public opposition each person sees.

    Parameters
    ----------
    public : ndarray of shape (n,), bool
        Who opposes in public.
    src, dst : ndarray of shape (edges,)
        Directed ties (``src`` sees ``dst``); empty for a fully mixed society,
        where everyone sees the whole society's share.
    degree : ndarray of shape (n,)
        Ties per person (unused when fully mixed).
    centralisation, broadcast_share : float
        ``ŝ_i = (1 - c)·local_i + c·broadcast_share``.

    Returns
    -------
    ndarray of shape (n,)
    """
    if src.size == 0:
        local = np.full(public.shape, public.mean())
    else:
        hits = np.bincount(src, weights=public[dst].astype(np.float64), minlength=public.size)
        local = np.divide(hits, degree, out=np.zeros_like(hits), where=degree > 0)
    if centralisation == 0.0:
        return local
    return np.asarray((1.0 - centralisation) * local + centralisation * broadcast_share)


class KuranFalsification:
    """Model ``kuran``: public opposition under hidden thresholds, fully mixed or on a ring."""

    #: Measures (`metrics`) and dashboard levers.
    description = Description(
        measures=(
            Measure(
                "public_opposition",
                "public opposition",
                "share of people",
                "People who oppose in public after this round, over everyone (`n`).",
                share=True,
                headline=True,
                levers=("params.sanction", "params.threshold_mean"),
            ),
            Measure(
                "private_opposition",
                "private opposition",
                "share of people",
                "People privately opposed (private opposition d > 0.5), over everyone: "
                "fixed at the start, the same at every step.",
                share=True,
                headline=True,
                levers=("params.private_mean",),
            ),
            Measure(
                "falsification_gap",
                "falsification gap (private minus public opposition)",
                "share of people (a difference; negative when more oppose in public than "
                "in private)",
                "`private_opposition` minus `public_opposition`: the net share who hide "
                "their opposition. Not a count of liars: see `falsifying_share`.",
                share=True,
                headline=True,
                levers=("params.sanction", "params.threshold_mean"),
            ),
            Measure(
                "falsifying_share",
                "people whose public stance belies their private one",
                "share of people",
                "People whose public stance differs from their private one (privately "
                "opposed but silent, or opposing in public while privately not opposed), "
                "over everyone.",
                share=True,
                levers=("params.sanction",),
            ),
        ),
        levers=(
            Lever("sanction for opposing", "params.sanction", soft=(0.0, 2.0)),
            Lever("weight of reputation", "params.w_reputational", soft=(0.0, 2.0)),
            Lever("mean expression threshold", "params.threshold_mean", soft=(-1.0, 2.0)),
            Lever("centralisation", "params.centralisation"),
        ),
    )

    def init(self, scenario: Any, rng: Streams) -> State:
        p = scenario.params
        n = p.n
        gen = rng["init"]
        if p.private is not None:
            private = np.asarray(p.private, dtype=np.float64)
        else:
            private = np.clip(gen.normal(p.private_mean, p.private_sd, size=n), 0.0, 1.0)
        w_e = p.w_expressive + p.w_intrinsic / n
        if p.revolutionary_thresholds is not None:
            threshold = threshold_for(
                p.revolutionary_thresholds, private, w_e, p.w_reputational, p.sanction
            )
        else:
            threshold = gen.normal(p.threshold_mean, p.threshold_sd, size=n)
        if p.network == "ring":
            src, dst = ring_network(n, p.mean_degree, p.range, rng["network"])
        else:
            src = dst = np.zeros(0, dtype=np.int64)
        degree = np.bincount(src, minlength=n).astype(np.float64)
        return State(
            params=p,
            private=private,
            threshold=np.asarray(threshold, dtype=np.float64),
            public=np.zeros(n, dtype=bool),
            src=src,
            dst=dst,
            degree=degree,
        )

    def step(self, state: State, rng: Streams) -> None:
        p = state.params
        seen = seen_share(
            state.public, state.src, state.dst, state.degree, p.centralisation, p.broadcast_share
        )
        w_e = p.w_expressive + p.w_intrinsic / p.n
        new = speaks(state.private, seen, state.threshold, w_e, p.w_reputational, p.sanction)
        if p.update_share < 1.0:
            revise = rng["update"].random(p.n) < p.update_share
            new = np.where(revise, new, state.public)
        state.public[:] = new

    def metrics(self, state: State) -> dict[str, float]:
        privately = state.private > PRIVATE_CUTOFF
        public_share = float(state.public.mean())
        private_share = float(privately.mean())
        return {
            "public_opposition": public_share,
            "private_opposition": private_share,
            "falsification_gap": private_share - public_share,
            "falsifying_share": float(np.mean(privately != state.public)),
        }

    def estimate_bytes(self, scenario: Any) -> int:
        p = scenario.params
        edges = p.n * p.mean_degree if p.network == "ring" else 0
        return int(p.n * 64 + edges * 40)
