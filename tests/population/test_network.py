import numpy as np
import pytest
import scipy.sparse as sp

from scslab.population import network
from scslab.population.network import (
    build_network,
    neighbours_of,
    sbm,
    small_world,
    symmetric_csr,
)
from scslab.population.people import make_people
from scslab.scenario.params.regime import RegimeParams


def society(kind="sbm", size=20_000, degree=10, seed=1):
    p = RegimeParams(population={"size": size, "network": {"kind": kind, "mean_degree": degree}})
    rng = np.random.default_rng(seed)
    pe = make_people(p.population, p.behaviour, rng)
    indptr, indices = build_network(p.population.network, pe["group"], pe["hh_start"], rng)
    return p, pe, indptr, indices


def as_matrix(indptr, indices):
    n = indptr.size - 1
    return sp.csr_matrix((np.ones(indices.size), indices, indptr), shape=(n, n))


def reference(friends, hh_start):
    """The same network the plain way: COO of both directions of every tie, summed, 0/1."""
    n, k = friends.shape
    rows = [np.repeat(np.arange(n), k), friends.ravel()]
    cols = [friends.ravel(), np.repeat(np.arange(n), k)]
    for h in range(hh_start.size - 1):
        members = np.arange(hh_start[h], hh_start[h + 1])
        rows.append(np.repeat(members, members.size))
        cols.append(np.tile(members, members.size))
    r, c = np.concatenate(rows), np.concatenate(cols)
    keep = r != c
    m = sp.coo_matrix((np.ones(keep.sum()), (r[keep], c[keep])), shape=(n, n)).tocsr()
    m.data[:] = 1
    return m


def random_households(n, rng):
    sizes = 1 + rng.poisson(1.6, size=n)
    ends = np.cumsum(sizes)
    last = int(np.searchsorted(ends, n))
    sizes = sizes[: last + 1]
    sizes[-1] -= ends[last] - n
    hh_start = np.zeros(sizes.size + 1, np.int32)
    np.cumsum(sizes, out=hh_start[1:])
    return hh_start


@pytest.mark.parametrize("chunk", [3, network.CHUNK])
def test_symmetric_csr_matches_the_plain_construction(monkeypatch, chunk):
    # small societies with many loops, repeats, ties both ways and ties within households;
    # chunk 3 puts chunk boundaries inside households and rows
    monkeypatch.setattr(network, "CHUNK", chunk)
    rng = np.random.default_rng(7)
    for _ in range(40):
        n = int(rng.integers(2, 60))
        k = int(rng.integers(0, 6))
        hh_start = random_households(n, rng)
        friends = rng.integers(0, n, size=(n, k), dtype=np.int32)
        want = reference(friends, hh_start)
        indptr, indices = symmetric_csr(friends.copy(), hh_start)
        got = as_matrix(indptr, indices)
        assert got.nnz == indices.size == want.nnz  # no entry twice
        assert (got != want).nnz == 0


def rows_in_order(friends, hh_start):
    """Each row as documented, built person by person: household (but the person),
    ties sent (ascending, loops/repeats/household dropped), ties received and not sent
    (ascending)."""
    n, k = friends.shape
    house = np.searchsorted(hh_start, np.arange(n), side="right") - 1
    sent = []
    for u in range(n):
        lo, hi = hh_start[house[u]], hh_start[house[u] + 1]
        sent.append(sorted({int(v) for v in friends[u] if not lo <= v < hi}))
    rows = []
    for u in range(n):
        lo, hi = hh_start[house[u]], hh_start[house[u] + 1]
        mates = [m for m in range(lo, hi) if m != u]
        got = sorted(v for v in range(n) if u in sent[v] and v not in sent[u])
        rows.append(mates + sent[u] + got)
    return rows


def test_symmetric_csr_rows_are_in_the_documented_order():
    # the order of a row is part of the result: the same seed gives the same arrays
    rng = np.random.default_rng(11)
    for _ in range(60):
        n = int(rng.integers(1, 50))
        k = int(rng.integers(0, 7))
        hh_start = random_households(n, rng) if n > 1 else np.array([0, 1], np.int32)
        friends = rng.integers(0, n, size=(n, k), dtype=np.int32)
        want = rows_in_order(friends, hh_start)
        indptr, indices = symmetric_csr(friends.copy(), hh_start)
        got = [indices[indptr[u] : indptr[u + 1]].tolist() for u in range(n)]
        assert got == want


def test_csr_is_symmetric_without_loops_or_duplicates_and_int32():
    for kind in ("sbm", "small_world"):
        _, _, indptr, indices = society(kind)
        assert indptr.dtype == np.int32 and indices.dtype == np.int32
        m = as_matrix(indptr, indices)
        assert (m != m.T).nnz == 0
        assert m.diagonal().sum() == 0
        m.sum_duplicates()
        assert m.max() == 1 and m.nnz == indices.size  # no duplicate entries


def test_mean_degree_is_friends_plus_family():
    p, pe, indptr, _ = society()
    deg = np.diff(indptr).mean()
    family = (np.diff(pe["hh_start"]) * (np.diff(pe["hh_start"]) - 1)).sum() / p.population.size
    # rewired or coinciding ties are merged, so slightly fewer than 10 + family
    assert 10 + family - 0.3 < deg <= 10 + family


def test_sbm_homophily_keeps_ties_in_the_group():
    group = np.repeat(np.arange(2, dtype=np.uint8), [5000, 5000])
    rng = np.random.default_rng(0)
    for h, expected in ((0.0, 0.5), (0.8, 0.9)):
        far = sbm(group, 10, h, rng)
        assert far.shape == (10_000, 5) and far.dtype == np.int32
        within = (group[:, None] == group[far]).mean()
        assert abs(within - expected) < 0.02


def test_small_world_without_rewiring_is_a_ring_lattice():
    far = small_world(1000, 4, 0.0, np.random.default_rng(0))
    indptr, indices = symmetric_csr(far, np.arange(1001, dtype=np.int32))
    assert np.all(np.diff(indptr) == 4)
    # a ring: the neighbours of everyone are connected (one component)
    n_comp, _ = sp.csgraph.connected_components(as_matrix(indptr, indices))
    assert n_comp == 1


def test_household_cliques():
    hh_start = np.array([0, 1, 4, 6], dtype=np.int32)
    indptr, indices = symmetric_csr(np.empty((6, 0), np.int32), hh_start)
    m = as_matrix(indptr, indices).toarray()
    expected = np.zeros((6, 6))
    expected[1:4, 1:4] = 1
    expected[4:6, 4:6] = 1
    np.fill_diagonal(expected, 0)
    np.testing.assert_array_equal(m, expected)


def test_neighbours_of_matches_the_matrix():
    _, _, indptr, indices = society(size=2000)
    rows = np.array([5, 17, 5, 1999])
    got = neighbours_of(indptr, indices, rows)
    want = np.concatenate([indices[indptr[r] : indptr[r + 1]] for r in rows])
    np.testing.assert_array_equal(got, want)
    assert neighbours_of(indptr, indices, np.empty(0, np.int64)).size == 0


def test_network_memory_is_about_4_bytes_a_tie():
    p, _, indptr, indices = society(size=50_000)
    per_person = (indptr.nbytes + indices.nbytes) / p.population.size
    assert per_person < 4 * 13 + 4 + 1


def test_row_pointers_widen_to_int64_past_int32():
    assert network.index_dtype(2**31 - 1) == np.int32
    assert network.index_dtype(2**31) == np.int64


@pytest.mark.parametrize("size", [3000, 3005])  # whole 8-byte words, and a tail
def test_count_changes_is_counting_the_neighbours_of_who_changed(size):
    from scslab.regime.tables import count_into

    _, _, indptr, indices = society(size=size)
    rng = np.random.default_rng(2)
    n = indptr.size - 1
    old = rng.random(n) < 0.3
    new = old.copy()
    new[rng.integers(0, n, 400)] ^= True  # some turn on, some off
    new[-3:] = ~old[-3:]  # the tail changes too
    counts = rng.integers(50, 100, n).astype(np.uint16)
    want, total = counts.copy(), int(counts.sum(dtype=np.int64))
    on, off = np.flatnonzero(new & ~old), np.flatnonzero(old & ~new)
    count_into(want, neighbours_of(indptr, indices, on), +1)
    count_into(want, neighbours_of(indptr, indices, off), -1)
    before = old.copy()
    change = network.count_changes(indptr, indices, new, old, counts)
    assert np.array_equal(counts, want) and np.array_equal(old, before)
    assert change == int(counts.sum(dtype=np.int64)) - total
    assert change == int(np.diff(indptr)[on].sum() - np.diff(indptr)[off].sum()) != 0
    # bit fields: only the masked bits count; sync makes `old` equal to `new`
    bits_old = rng.integers(0, 256, n).astype(np.uint8)
    bits_new = bits_old ^ (rng.random(n) < 0.1).astype(np.uint8) * np.uint8(6)  # bits 1, 2
    counts2, want2 = counts.copy(), counts.copy()
    was, now = (bits_old & 4) != 0, (bits_new & 4) != 0
    count_into(want2, neighbours_of(indptr, indices, np.flatnonzero(now & ~was)), +1)
    count_into(want2, neighbours_of(indptr, indices, np.flatnonzero(was & ~now)), -1)
    network.count_changes(indptr, indices, bits_new, bits_old, counts2, mask=4, sync=True)
    assert np.array_equal(counts2, want2) and np.array_equal(bits_old, bits_new)
