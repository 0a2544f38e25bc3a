"""The social network as a symmetric, unweighted CSR matrix (int32 indices).

Generators return directed edge lists ``(src, dst)`` with one entry per tie;
`csr_from_edges` symmetrises them, drops self-loops and duplicates, and returns
``(indptr, indices)`` only: an unweighted network needs no data array.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

Edges = tuple[NDArray[np.int32], NDArray[np.int32]]


def small_world(n: int, mean_degree: int, rewire: float, rng: np.random.Generator) -> Edges:
    """Watts-Strogatz small world: a ring lattice over a random order, ties rewired.

    Each person is tied to the ``mean_degree / 2`` next people on a ring whose
    order is a random permutation (so the ring does not follow households); each
    tie's far end is moved to a uniformly random person with probability `rewire`.
    """
    half = mean_degree // 2
    if half == 0 or n < 2:
        return np.empty(0, np.int32), np.empty(0, np.int32)
    perm = rng.permutation(n).astype(np.int32)
    src = np.tile(perm, half)
    dst = np.concatenate([np.roll(perm, -j) for j in range(1, half + 1)])
    moved = rng.random(src.size, dtype=np.float32) < np.float32(rewire)
    dst[moved] = rng.integers(0, n, size=int(moved.sum()), dtype=np.int32)
    return src, dst


def sbm(
    group: NDArray[np.uint8], mean_degree: int, homophily: float, rng: np.random.Generator
) -> Edges:
    """Stochastic block model by group, with homophily.

    Each person sends ``mean_degree / 2`` ties; each lands on a uniformly random
    member of the sender's own group with probability `homophily`, otherwise on
    a uniformly random person. The block probabilities follow: within group g,
    ``(h + (1-h) s_g) / (s_g n)`` per pair and direction; across, ``(1-h)/n``.
    """
    n = group.size
    half = mean_degree // 2
    if half == 0 or n < 2:
        return np.empty(0, np.int32), np.empty(0, np.int32)
    src = np.repeat(np.arange(n, dtype=np.int32), half)
    dst = rng.integers(0, n, size=src.size, dtype=np.int32)
    own = np.flatnonzero(rng.random(src.size, dtype=np.float32) < np.float32(homophily))
    order = np.argsort(group, kind="stable").astype(np.int32)
    counts = np.bincount(group, minlength=int(group.max()) + 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    g = group[src[own]]
    pick = (rng.random(own.size) * counts[g]).astype(np.int64)
    dst[own] = order[starts[g] + pick]
    return src, dst


def add_households(hh_start: NDArray[np.int32]) -> Edges:
    """Household cliques: every member tied to every other member (both directions)."""
    sizes = np.diff(hh_start).astype(np.int64)
    n = int(hh_start[-1])
    per_person = np.repeat(sizes - 1, sizes)  # ties of each person to family
    total = int(per_person.sum())
    if total == 0:
        return np.empty(0, np.int32), np.empty(0, np.int32)
    src = np.repeat(np.arange(n, dtype=np.int32), per_person)
    hh_first = np.repeat(hh_start[:-1].astype(np.int64), sizes)  # first member, per person
    pos = np.arange(n, dtype=np.int64) - hh_first  # position within the household
    # k-th tie of a person: k = 0..size-2, skipping the person's own position
    ends = np.cumsum(per_person)
    k = np.arange(total, dtype=np.int64) - np.repeat(ends - per_person, per_person)
    own_pos = np.repeat(pos, per_person)
    dst = (np.repeat(hh_first, per_person) + k + (k >= own_pos)).astype(np.int32)
    return src, dst


def csr_from_edges(n: int, *edge_lists: Edges) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Symmetric CSR ``(indptr, indices)`` from edge lists; no self-loops, no duplicates.

    Each edge ``(u, v)`` becomes the two entries ``u -> v`` and ``v -> u``.
    Column indices are sorted within each row.
    """
    parts_r: list[NDArray[np.int32]] = []
    parts_c: list[NDArray[np.int32]] = []
    for src, dst in edge_lists:
        keep = src != dst
        s, d = src[keep], dst[keep]
        parts_r += [s, d]
        parts_c += [d, s]
    rows = np.concatenate(parts_r) if parts_r else np.empty(0, np.int32)
    cols = np.concatenate(parts_c) if parts_c else np.empty(0, np.int32)
    del parts_r, parts_c
    data = np.ones(rows.size, dtype=np.int8)
    mat = sp.coo_matrix((data, (rows, cols)), shape=(n, n)).tocsr()
    del rows, cols, data
    mat.sum_duplicates()
    mat.sort_indices()
    indptr = mat.indptr.astype(np.int32) if mat.nnz < 2**31 else mat.indptr
    return indptr, mat.indices.astype(np.int32, copy=False)


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
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """The whole network of `NetworkParams` plus household cliques, as CSR arrays."""
    n = group.size
    if net.kind == "small_world":
        friends = small_world(n, int(net.mean_degree), float(net.rewire), rng)
    else:
        friends = sbm(group, int(net.mean_degree), float(net.homophily), rng)
    family = add_households(hh_start)
    return csr_from_edges(n, friends, family)
