"""Each kernel of `population._draw_kernels` against the numpy expression it replaces."""

import numpy as np
import pytest

from scslab.population import _draw_kernels as kern
from scslab.population.people import ABROAD, CHILD


def test_home_adults_and_count_below_are_the_numpy_expressions():
    rng = np.random.default_rng(1)
    flags = rng.integers(0, 16, size=10_001).astype(np.uint8)
    got = kern.home_adults(flags)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, np.flatnonzero((flags & (CHILD | ABROAD)) == 0))
    assert kern.home_adults(np.full(5, CHILD, np.uint8)).size == 0
    u = rng.random(10_000)
    for q in (0.0, 0.3, 1.0):
        assert kern.count_below(u, q) == np.count_nonzero(u < q)


@pytest.mark.parametrize(
    ("weights", "n_buckets"),
    [
        ("lognormal3", 1000),  # very uneven: many firms in a bucket, firms over many
        ("lognormal1", 1000),
        ("ones", 1000),  # every cumulative weight an edge of a bucket
        ("ones", 7),
        ("zeros_inside", 1000),  # firms of weight 0: equal cumulative weights
        ("one", 1),
    ],
)
def test_hire_gives_searchsorted_right_exactly(weights, n_buckets):
    rng = np.random.default_rng(2)
    n_f = 1 if weights == "one" else 1000
    w = {
        "lognormal3": lambda: rng.lognormal(0, 3.0, n_f),
        "lognormal1": lambda: rng.lognormal(0, 1.0, n_f),
        "ones": lambda: np.ones(n_f),
        "zeros_inside": lambda: np.where(rng.random(n_f) < 0.5, 0.0, 1.0),
        "one": lambda: np.ones(1),
    }[weights]()
    cum = np.cumsum(w)
    # keys at the edges as well: u * cum[-1] hitting cumulative weights exactly
    u_pick = np.concatenate([rng.random(50_000), cum / cum[-1], [0.0, 1.0, np.nextafter(1, 0)]])
    home_adult = np.arange(3, 3 + 2 * u_pick.size, 2, dtype=np.int32)
    u_hire = np.zeros(home_adult.size)  # all hired
    employer = np.full(home_adult[-1] + 1, -1, np.int32)
    size = np.zeros(n_f, np.int32)
    first = kern.cdf_buckets(cum, n_buckets)
    np.testing.assert_array_equal(
        first, np.searchsorted(cum, np.arange(n_buckets + 1) * (cum[-1] / n_buckets), "right")
    )
    kern.hire(home_adult, u_hire, 0.5, cum, u_pick, first, employer, size)
    want = np.minimum(np.searchsorted(cum, u_pick * cum[-1], side="right"), n_f - 1)
    np.testing.assert_array_equal(employer[home_adult], want)
    assert (employer >= 0).sum() == home_adult.size
    np.testing.assert_array_equal(size, np.bincount(want, minlength=n_f))


def test_hire_takes_the_picks_in_order_of_those_hired():
    rng = np.random.default_rng(3)
    home_adult = np.sort(rng.choice(50_000, 20_000, replace=False)).astype(np.int32)
    u_hire = rng.random(home_adult.size)
    share = 0.4
    u_pick = rng.random(kern.count_below(u_hire, share))
    cum = np.cumsum(rng.lognormal(0, 1.0, 300))
    employer = np.full(50_000, -1, np.int32)
    size = np.zeros(300, np.int32)
    kern.hire(home_adult, u_hire, share, cum, u_pick, kern.cdf_buckets(cum, 300), employer, size)
    want = np.full(50_000, -1, np.int32)
    hired = home_adult[u_hire < share]
    want[hired] = np.minimum(np.searchsorted(cum, u_pick * cum[-1], side="right"), 299)
    np.testing.assert_array_equal(employer, want)
    np.testing.assert_array_equal(size, np.bincount(want[want >= 0], minlength=300))


def _households(rng, n_hh=5000):
    sizes = 1 + rng.poisson(2.0, size=n_hh)
    hh_start = np.zeros(n_hh + 1, np.int32)
    np.cumsum(sizes, out=hh_start[1:])
    return hh_start


@pytest.mark.parametrize("q", [0.0, 0.1, 0.3, 1 / 3, 1.0])
def test_children_and_abroad_are_the_numpy_expressions(q):
    """Python-float shares against a float32 array: numpy compares in float32."""
    rng = np.random.default_rng(6)
    hh_start = _households(rng)
    n = int(hh_start[-1])
    u = rng.random(n, dtype=np.float32)
    u[:50] = np.float32(q)  # ties with the share, where float32 and float64 disagree
    u2 = rng.random(n, dtype=np.float32)
    u2[50:100] = np.float32(q)
    first = np.zeros(n, bool)
    first[hh_start[:-1]] = True
    want = np.zeros(n, np.uint8)
    child = ~first & (u < q)
    want[child] = CHILD
    eligible = ~first & ~child
    want[eligible & (u2 < q)] |= ABROAD
    flags = np.zeros(n, np.uint8)
    assert kern.children(hh_start, u, np.float32(q), flags) == eligible.sum()
    kern.abroad(hh_start, u2, np.float32(q), flags)
    np.testing.assert_array_equal(flags, want)


def test_beta_ratio_is_x_over_x_plus_y_with_the_bad_places():
    rng = np.random.default_rng(7)
    x = rng.standard_gamma(0.01, size=100_000, dtype=np.float32)
    y = rng.standard_gamma(0.01, size=100_000, dtype=np.float32)
    x[:3] = y[:3] = 0  # 0 / 0
    with np.errstate(invalid="ignore"):
        want = x / (y + x)
    got = x.copy()
    bad = kern.beta_ratio(got, y)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(bad, np.flatnonzero(~np.isfinite(want)))
    assert bad.size >= 3


def test_dissent_is_private_dissent_and_the_private_flag():
    from scslab.population.people import PRIVATE, private_dissent

    rng = np.random.default_rng(8)
    n = 100_000
    base, hard, legit = (rng.random(n, dtype=np.float32) for _ in range(3))
    flags = rng.integers(0, 4, size=n).astype(np.uint8)
    shift, cut = 0.7, 0.55
    want = private_dissent(base, hard, legit, shift)
    want_flags = flags.copy()
    want_flags[(want > np.float32(cut)) & ((flags & CHILD) == 0)] |= PRIVATE
    out = np.empty(n, np.float32)
    kern.dissent(base, hard, legit, np.float32(shift), np.float32(cut), flags, out)
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(flags, want_flags)
    assert 0 < np.count_nonzero(flags & PRIVATE) < n


def test_cover_bit_is_the_expression_of_draw_coverage():
    rng = np.random.default_rng(9)
    n = 50_000
    group = rng.integers(0, 3, size=n).astype(np.uint8)
    flags = rng.integers(0, 4, size=n).astype(np.uint8)
    vis = np.array([0.5, 1.0, 1.7], np.float32)
    cover = rng.integers(0, 256, size=n).astype(np.uint8)
    for s, cov in enumerate((0.3, 0.9, 1.0)):
        c_abroad = np.float32(0.25 * s)
        u = rng.random(n, dtype=np.float32)
        c = np.minimum(np.float32(1.0), vis[group] * np.float32(cov))
        c[(flags & ABROAD) != 0] = c_abroad
        want = cover.copy()
        want[u < c] |= np.uint8(1 << s)
        c_group = np.minimum(np.float32(1.0), vis * np.float32(cov))
        kern.cover_bit(u, group, c_group, flags, c_abroad, np.uint8(1 << s), cover)
        np.testing.assert_array_equal(cover, want)


def test_group_sums_are_the_two_bincounts():
    rng = np.random.default_rng(10)
    group = rng.integers(0, 3, size=100_001).astype(np.uint8)
    x = rng.random(group.size, dtype=np.float32)
    counts, sums = kern.group_sums(group, x, 5)
    np.testing.assert_array_equal(counts, np.bincount(group, minlength=5))
    np.testing.assert_array_equal(sums, np.bincount(group, x, minlength=5))  # the same order


def test_set_where_grievance_degrees16_and_flag_counts_are_the_numpy_expressions():
    rng = np.random.default_rng(11)
    n = 50_000
    flags = rng.integers(0, 4, size=n).astype(np.uint8)
    x = rng.random(n, dtype=np.float32)
    want = x.copy()
    want[(flags & CHILD) != 0] = np.inf
    kern.set_where(flags, CHILD, x, np.float32(np.inf))
    np.testing.assert_array_equal(x, want)

    hard, base, dissent = (rng.random(n, dtype=np.float32) for _ in range(3))
    child = (flags & CHILD) != 0
    want_grief = hard * np.float32(0.7) * (np.float32(1.0) - base)
    want_grief[child] = 0.0
    want_dissent = dissent.copy()
    want_dissent[child] = 0.0
    grief = np.empty(n, np.float32)
    kern.grievance(hard, base, np.float32(0.7), flags, grief, dissent)
    np.testing.assert_array_equal(grief, want_grief)
    np.testing.assert_array_equal(dissent, want_dissent)

    indptr = np.concatenate([[0], np.cumsum(rng.integers(0, 70_000, size=300))]).astype(np.int64)
    np.testing.assert_array_equal(kern.degrees16(indptr), np.diff(indptr).astype(np.uint16))
    assert kern.degrees16(np.zeros(1, np.int32)).size == 0

    adults = (flags & CHILD) == 0
    away = (flags & ABROAD) != 0
    assert kern.flag_counts(flags) == (adults.sum(), (adults & ~away).sum(), away.sum())


def test_flagged_and_ties_flagged_are_the_numpy_expressions():
    from scslab.population.network import neighbours_of, symmetric_csr

    rng = np.random.default_rng(12)
    hh_start = _households(rng, 2000)
    n = int(hh_start[-1])
    flags = rng.integers(0, 8, size=n).astype(np.uint8)
    got = kern.flagged(flags, ABROAD)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, np.flatnonzero((flags & ABROAD) != 0))
    indptr, indices = symmetric_csr(rng.integers(0, n, size=(n, 4), dtype=np.int32), hh_start)
    people = got.astype(np.int64)
    lens = (indptr[people + 1] - indptr[people]).astype(np.int64)
    owner = np.repeat(np.arange(people.size), lens)
    ties = neighbours_of(indptr, indices, people)
    want = np.bincount(owner[(flags[ties] & CHILD) != 0], minlength=people.size)
    np.testing.assert_array_equal(kern.ties_flagged(flags, CHILD, indptr, indices, people), want)
    assert want.sum() > 0


@pytest.mark.parametrize("n", [0, 1, 2, 7, 1000, 100_003])
def test_household_starts_are_the_sizes_cut_at_n(n):
    """The old `household_sizes`: sizes 1 + Poisson, the first that reach n, the last cut."""
    extra = np.random.default_rng(13).poisson(1.62, size=int(n / 2.62 * 1.2) + 16)
    sizes = 1 + extra
    ends = np.cumsum(sizes)
    k = int(np.searchsorted(ends, n))
    want_sizes = sizes[: k + 1].copy()
    want_sizes[-1] -= int(ends[k] - n)
    want = np.zeros(k + 2, np.int32)
    np.cumsum(want_sizes.astype(np.int32), out=want[1:])
    got = kern.household_starts(extra, n)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, want)
    hh_group = np.arange(k + 1, dtype=np.uint8)
    np.testing.assert_array_equal(kern.spread(hh_group, got), np.repeat(hh_group, want_sizes))


def test_household_starts_say_when_the_sizes_fall_short():
    assert kern.household_starts(np.zeros(10, np.int64), 11).size == 0
    np.testing.assert_array_equal(kern.household_starts(np.zeros(10, np.int64), 10)[-2:], [9, 10])
