import numpy as np
import scipy.sparse as sp

from scslab.population.network import (
    add_households,
    build_network,
    csr_from_edges,
    neighbours_of,
    sbm,
    small_world,
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


def test_csr_is_symmetric_without_loops_or_duplicates_and_int32():
    for kind in ("sbm", "small_world"):
        _, _, indptr, indices = society(kind)
        assert indptr.dtype == np.int32 and indices.dtype == np.int32
        m = as_matrix(indptr, indices)
        assert (m != m.T).nnz == 0
        assert m.diagonal().sum() == 0
        assert m.max() == 1  # no duplicate entries


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
        src, dst = sbm(group, 10, h, rng)
        within = (group[src] == group[dst]).mean()
        assert abs(within - expected) < 0.02


def test_small_world_without_rewiring_is_a_ring_lattice():
    src, dst = small_world(1000, 4, 0.0, np.random.default_rng(0))
    indptr, _ = csr_from_edges(1000, (src, dst))
    assert np.all(np.diff(indptr) == 4)


def test_household_cliques():
    hh_start = np.array([0, 1, 4, 6], dtype=np.int32)
    indptr, indices = csr_from_edges(6, add_households(hh_start))
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
