"""The social network as a symmetric, unweighted CSR matrix (int32 indices).

A network is built in two parts, both lean enough for 10^8 people:

1. the *friend ties*: every person sends ``mean_degree / 2`` ties, an
   ``(n, mean_degree / 2)`` int32 array whose row ``u`` lists the far ends of
   the ties ``u`` sent (`sbm`, `small_world`);
2. `symmetric_csr`, which adds the household cliques, drops self-loops and
   duplicates, and returns ``(indptr, indices)`` of the symmetric network: an
   unweighted network needs no data array.

The builders of friend ties work through the people in chunks (`chunk_rows`: 1/32
of the people, at most `CHUNK`), so that besides their inputs and outputs they hold
temporaries of a few bytes per person at most. The random numbers are drawn chunk
by chunk; the chunks depend on the number of people only, so a seed gives the same
network on any machine. `symmetric_csr` draws nothing: four passes over the people
compiled with numba, with no temporary but the ties received.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: The most rows (people) the network builders handle at once.
CHUNK = 1 << 18

INT32_MAX = np.iinfo(np.int32).max


def chunk_rows(n: int) -> int:
    """Rows per chunk for `n` people: 1/32 of them, at least 4096, at most `CHUNK`."""
    return max(1, min(CHUNK, max(n // 32, 4096)))


def _chunks(n: int) -> Iterator[tuple[int, int]]:
    size = chunk_rows(n)
    for a in range(0, n, size):
        yield a, min(a + size, n)


def index_dtype(nnz: int) -> type[np.signedinteger[Any]]:
    """int32 for row pointers while `nnz` fits, else int64."""
    return np.int32 if nnz <= INT32_MAX else np.int64


def small_world(n: int, mean_degree: int, rewire: float, rng: np.random.Generator) -> NDArray[Any]:
    """Watts-Strogatz small world: a ring lattice over a random order, ties rewired.

    Each person is tied to the ``mean_degree / 2`` next people on a ring whose
    order is a random permutation (so the ring does not follow households); each
    tie's far end is moved to a uniformly random person with probability `rewire`.
    Returns the far ends of the ties each person sends, shape ``(n, mean_degree / 2)``.
    """
    half = mean_degree // 2 if n >= 2 else 0
    out = np.empty((n, half), np.int32)
    if half == 0:
        return out
    perm = np.arange(n, dtype=np.int32)
    rng.shuffle(perm)  # the same order as rng.permutation(n), without an int64 copy
    step = np.arange(1, half + 1, dtype=np.int64)
    for a, b in _chunks(n):
        ring = (np.arange(a, b, dtype=np.int64)[:, None] + step) % n
        far = perm[ring]
        del ring
        moved = np.flatnonzero(rng.random(far.size, dtype=np.float32) < np.float32(rewire))
        far.reshape(-1)[moved] = rng.integers(0, n, size=moved.size, dtype=np.int32)
        out[perm[a:b]] = far
    return out


def sbm(
    group: NDArray[np.uint8], mean_degree: int, homophily: float, rng: np.random.Generator
) -> NDArray[np.int32]:
    """Stochastic block model by group, with homophily.

    Each person sends ``mean_degree / 2`` ties; each lands on a uniformly random
    member of the sender's own group with probability `homophily`, otherwise on
    a uniformly random person. The block probabilities follow: within group g,
    ``(h + (1-h) s_g) / (s_g n)`` per pair and direction; across, ``(1-h)/n``.
    Returns the far ends of the ties each person sends, shape ``(n, mean_degree / 2)``.
    """
    n = group.size
    half = mean_degree // 2 if n >= 2 else 0
    out = np.empty((n, half), np.int32)
    if half == 0:
        return out
    counts = np.bincount(group)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    order = np.empty(n, np.int32)  # people sorted by group
    for gi in np.flatnonzero(counts):
        order[starts[gi] : starts[gi] + counts[gi]] = np.flatnonzero(group == gi)
    flat = out.reshape(-1)
    for a, b in _chunks(n):
        far = rng.integers(0, n, size=(b - a) * half, dtype=np.int32)
        own = np.flatnonzero(rng.random(far.size, dtype=np.float32) < np.float32(homophily))
        g = group[a + own // half]
        pick = (rng.random(own.size) * counts[g]).astype(np.int64)
        far[own] = order[starts[g] + pick]
        flat[a * half : b * half] = far
    return out


def symmetric_csr(
    friends: NDArray[np.int32], hh_start: NDArray[np.int32]
) -> tuple[NDArray[Any], NDArray[np.int32]]:
    """Symmetric CSR ``(indptr, indices)`` of friend ties plus household cliques.

    `friends` (shape ``(n, k)``, overwritten) holds the far ends of the ties each
    person sent. Every tie ``u - v`` is stored as ``v`` in row ``u`` and ``u`` in
    row ``v``; every member of a household is tied to every other member. Self-loops
    and duplicates (a tie sent twice, sent both ways, or also a household tie) are
    dropped. Row ``u`` lists its household, then the ties ``u`` sent (ascending),
    then the ties ``u`` received and did not send (ascending). `indptr` is int32
    while the entries fit, else int64; `indices` is int32.

    Four passes over the people, compiled with numba (`_sent`, `_received`,
    `_degrees`, `_fill`). Memory: besides `friends`, `hh_start` and the output, the
    ties received (4 B each) and 9 B per person (their row pointers, int32 while the
    ties fit, and the degrees, int32; the count of ties kept, 1 B).
    """
    from scslab.population import _network_kernels as kern  # numba, on first use

    n, k = friends.shape
    hh = np.ascontiguousarray(hh_start, dtype=np.int64)
    friends = np.ascontiguousarray(friends)
    # 1. the ties sent, each row sorted: loops, repeats and household ties become `n`
    sent = np.empty(n, np.uint8 if k < 256 else np.uint16)
    kern.sent(friends, hh, sent)
    # 2. the ties received (a counting sort by far end: rows come out ascending)
    n_sent = int(sent.sum(dtype=np.int64))
    recv_ptr = np.zeros(n + 1, index_dtype(n_sent))
    recv_idx = np.empty(n_sent, np.int32)
    kern.received(friends, recv_ptr, recv_idx)
    # 3. a tie received that was also sent (u -> v and v -> u) is dropped from the
    # received list (as -1): both rows keep it once, as a tie sent
    deg = np.empty(n, np.int32)
    kern.degrees(friends, hh, sent, recv_ptr, recv_idx, deg)
    del sent
    # 4. the rows: household, ties sent, ties received
    indptr = np.zeros(n + 1, index_dtype(int(deg.sum(dtype=np.int64))))
    np.cumsum(deg, out=indptr[1:])
    del deg
    indices = np.empty(int(indptr[-1]), np.int32)
    kern.fill(friends, hh, recv_ptr, recv_idx, indptr, indices)
    return indptr, indices


def neighbours_of(
    indptr: NDArray[Any], indices: NDArray[np.int32], rows: NDArray[Any]
) -> NDArray[np.int32]:
    """The neighbours of every person in `rows`, concatenated (with repeats)."""
    if rows.size == 0:
        return np.empty(0, np.int32)
    starts = indptr[rows].astype(np.int64)
    lens = indptr[rows + 1].astype(np.int64) - starts
    total = int(lens.sum())
    if total == 0:
        return np.empty(0, np.int32)
    offs = np.repeat(starts - (np.cumsum(lens) - lens), lens) + np.arange(total, dtype=np.int64)
    return indices[offs]


def count_changes(
    indptr: NDArray[Any],
    indices: NDArray[np.int32],
    new: NDArray[Any],
    old: NDArray[Any],
    counts: NDArray[Any],
    *,
    mask: int = 1,
    sync: bool = False,
) -> int:
    """Keep ``counts`` (each person's ties in a state) as people enter or leave it.

    A person is in the state when ``(x & mask) != 0`` for their entry ``x`` of `new`
    (now) or `old` (before): bool arrays, or uint8 bit fields with a `mask`. For
    every person in one and not the other, each of their ties gains 1 in `counts`
    (entered) or loses 1 (left), in place, in the counts' dtype, as
    ``count_into(counts, neighbours_of(...), +-1)`` would. With `sync`, `old` is set
    to `new` as well. One numba pass over the people, 8 at a time where nothing
    changed, with no temporary (at 10^8 people each fresh n-byte temporary costs
    ~0.1 s of page faults). Returns the change in ``counts.sum()``.
    """
    from scslab.population import _network_kernels as kern  # numba, on first use

    new8, old8 = new.view(np.uint8), old.view(np.uint8)
    whole = new8.size // 8 * 8
    return int(
        kern.count_changes(
            indptr,
            indices,
            new8,
            old8,
            new8[:whole].view(np.uint64),
            old8[:whole].view(np.uint64),
            counts,
            np.uint8(mask),
            bool(sync),
        )
    )


def build_network(
    net: Any, group: NDArray[np.uint8], hh_start: NDArray[np.int32], rng: np.random.Generator
) -> tuple[NDArray[Any], NDArray[np.int32]]:
    """The whole network of `NetworkParams` plus household cliques, as CSR arrays."""
    n = group.size
    if net.kind == "small_world":
        friends = small_world(n, int(net.mean_degree), float(net.rewire), rng)
    else:
        friends = sbm(group, int(net.mean_degree), float(net.homophily), rng)
    return symmetric_csr(friends, hh_start)
