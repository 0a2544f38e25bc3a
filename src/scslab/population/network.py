"""The social network as a symmetric, unweighted CSR matrix (int32 indices).

A network is built in two parts, both lean enough for 10^8 people:

1. the *friend ties*: every person sends ``mean_degree / 2`` ties, an
   ``(n, mean_degree / 2)`` int32 array whose row ``u`` lists the far ends of
   the ties ``u`` sent (`sbm`, `small_world`);
2. `symmetric_csr`, which adds the household cliques, drops self-loops and
   duplicates, and returns ``(indptr, indices)`` of the symmetric network: an
   unweighted network needs no data array.

Both work through the people in chunks (`chunk_rows`: 1/32 of the people, at
most `CHUNK`), so that besides their inputs and outputs they hold temporaries of
a few bytes per person at most. The random numbers are drawn chunk by chunk; the
chunks depend on the number of people only, so a seed gives the same network on
any machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import scipy.sparse as sp
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


def _family_range(hh_start: NDArray[np.int32], a: int, b: int) -> tuple[NDArray[Any], ...]:
    """First member and one past the last member of the household of each of ``a..b-1``."""
    h0, h1 = np.searchsorted(hh_start, np.array([a, b - 1], hh_start.dtype), side="right")
    bounds = hh_start[h0 - 1 : h1 + 1].astype(np.int64)
    sizes = np.diff(np.clip(bounds, a, b)).astype(np.int64)
    return np.repeat(bounds[:-1], sizes), np.repeat(bounds[1:], sizes)


def _count_true(mask: NDArray[np.bool_], out: NDArray[Any]) -> None:
    """Number of True in each row of `mask`, into `out` (columns added: fast for narrow rows)."""
    out[:] = mask[:, 0] if mask.shape[1] else 0
    for j in range(1, mask.shape[1]):
        out += mask[:, j]


def symmetric_csr(
    friends: NDArray[np.int32], hh_start: NDArray[np.int32]
) -> tuple[NDArray[Any], NDArray[np.int32]]:
    """Symmetric CSR ``(indptr, indices)`` of friend ties plus household cliques.

    `friends` (shape ``(n, k)``, overwritten) holds the far ends of the ties each
    person sent. Every tie ``u - v`` is stored as ``v`` in row ``u`` and ``u`` in
    row ``v``; every member of a household is tied to every other member. Self-loops
    and duplicates (a tie sent twice, sent both ways, or also a household tie) are
    dropped. Row ``u`` lists its household, then the ties ``u`` sent, then the
    ties ``u`` received and did not send (ascending). `indptr` is int32
    while the entries fit, else int64; `indices` is int32.

    Memory: besides `friends`, `hh_start` and the output, the ties received (4 B
    each) and 5 B per person; scipy's transpose briefly adds 2 B a tie and 8 B a
    person, and each chunk a few MiB.
    """
    n, k = friends.shape
    # 1. the ties sent: loops, repeats and household ties become `n` (a dummy person)
    sent = np.empty(n, np.uint8 if k < 256 else np.uint16)
    for a, b in _chunks(n):
        blk = friends[a:b]
        blk.sort(axis=1)
        lo, hi = _family_range(hh_start, a, b)
        drop = (blk >= lo[:, None]) & (blk < hi[:, None])  # the household, self included
        drop[:, 1:] |= blk[:, 1:] == blk[:, :-1]
        blk[drop] = n
        _count_true(~drop, sent[a:b])
    # 2. the ties received: the transpose (scipy's counting sort; rows come out
    # ascending); the dummy person's column collects the dropped ties
    if n * k:
        sent_mat = sp.csr_matrix(
            (
                np.ones(n * k, bool),
                friends.reshape(-1),
                np.arange(0, n * k + 1, k, dtype=index_dtype(n * k)),
            ),
            shape=(n, n + 1),
            copy=False,
        )
        recv_mat = sent_mat.tocsc()
        del sent_mat
        recv_ptr, recv_idx = recv_mat.indptr[: n + 1], recv_mat.indices
        del recv_mat
    else:
        recv_ptr, recv_idx = np.zeros(n + 1, np.int32), np.empty(0, np.int32)
    # 3. a tie received that was also sent (u -> v and v -> u) is dropped from the
    # received list (as -1): both rows keep it once, as a tie sent
    deg = np.empty(n, np.int32)
    for a, b in _chunks(n):
        r0, r1 = int(recv_ptr[a]), int(recv_ptr[b])
        n_recv = np.diff(recv_ptr[a : b + 1])
        got = recv_idx[r0:r1]
        rows = np.repeat(np.arange(a, b), n_recv)
        mine = friends[rows]
        both = mine[:, 0] == got if k else np.zeros(got.size, bool)
        for j in range(1, k):
            both |= mine[:, j] == got
        del mine
        got[both] = -1
        lo, hi = _family_range(hh_start, a, b)
        deg[a:b] = (hi - lo - 1) + sent[a:b] + n_recv - np.bincount(rows[both] - a, minlength=b - a)
    # 4. the rows: household, ties sent, ties received
    indptr = np.zeros(n + 1, index_dtype(int(deg.sum(dtype=np.int64))))
    np.cumsum(deg, out=indptr[1:])
    del deg
    indices = np.empty(int(indptr[-1]), np.int32)
    for a, b in _chunks(n):
        base = int(indptr[a])
        seg = indices[base : int(indptr[b])]
        at = indptr[a:b].astype(np.int64) - base  # row starts within `seg`
        lo, hi = _family_range(hh_start, a, b)
        fam = hi - lo - 1
        # household: members lo..hi-1 except the person
        rank = _ranks(fam)
        mate = np.repeat(lo, fam) + rank
        mate += mate >= np.repeat(np.arange(a, b), fam)  # skip the person
        seg[np.repeat(at, fam) + rank] = mate
        at += fam
        # ties sent
        for j in range(k):
            far = friends[a:b, j]
            real = far < n
            seg[at[real]] = far[real]
            at += real
        # ties received, but not sent
        got = recv_idx[int(recv_ptr[a]) : int(recv_ptr[b])]
        rows = np.repeat(np.arange(b - a), np.diff(recv_ptr[a : b + 1]))
        keep = got >= 0
        got, rows = got[keep], rows[keep]
        cnt = np.bincount(rows, minlength=b - a)
        seg[np.repeat(at, cnt) + _ranks(cnt)] = got
    return indptr, indices


def _ranks(counts: NDArray[Any]) -> NDArray[np.int64]:
    """0, 1, .., c-1 for each count c, concatenated."""
    counts = counts.astype(np.int64, copy=False)
    total = int(counts.sum())
    ends = np.cumsum(counts)
    return np.arange(total, dtype=np.int64) - np.repeat(ends - counts, counts)


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
