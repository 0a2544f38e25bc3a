"""Synthetic people: groups, households, children, the diaspora, traits.

People are laid out household by household: the members of household ``h``
are the indices ``hh_start[h] .. hh_start[h+1]-1``. So a household needs no
per-person id (see `household_of`), which keeps memory low.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

# bits of the per-person ``flags`` byte
CHILD = np.uint8(1)  # a child: never acts or speaks
ABROAD = np.uint8(2)  # lives abroad, family at home (the diaspora)
ASSOC = np.uint8(4)  # abroad and a member of an association that provides services
PRIVATE = np.uint8(8)  # dissents privately (d > private_cut)


def household_sizes(n: int, mean_size: float, rng: np.random.Generator) -> NDArray[np.int32]:
    """Household sizes 1 + Poisson(mean_size - 1) that add up to exactly `n`."""
    return np.diff(household_starts(n, mean_size, rng)).astype(np.int32)


def household_starts(n: int, mean_size: float, rng: np.random.Generator) -> NDArray[np.int32]:
    """``hh_start`` (int32, households + 1) of the sizes of `household_sizes`, its last entry n.

    Poisson draws in blocks of 1.2 n / mean_size (+ 16), a block more while they fall short.
    """
    from scslab.population import _draw_kernels as kern  # numba, on first use

    guess = int(n / mean_size * 1.2) + 16
    extra = rng.poisson(mean_size - 1.0, size=guess)
    hh_start = kern.household_starts(extra, n)
    while hh_start.size == 0:  # pragma: no cover - the guess leaves a 20 % margin
        extra = np.concatenate([extra, rng.poisson(mean_size - 1.0, size=guess)])
        hh_start = kern.household_starts(extra, n)
    return hh_start


def beta32(rng: np.random.Generator, a: Any, b: Any, size: int) -> NDArray[np.float32]:
    """``size`` Beta(a, b) draws as float32, as X / (X + Y) of Gamma(a) and Gamma(b) draws.

    `a` and `b` are numbers or float32 arrays of length `size`. Two float32 gammas
    cost about half of numpy's float64 beta; the rare 0 / 0 (both shapes tiny) is
    drawn again with `Generator.beta`.
    """
    from scslab.population import _draw_kernels as kern  # numba, on first use

    x = rng.standard_gamma(a, size=size, dtype=np.float32)
    y = rng.standard_gamma(b, size=size, dtype=np.float32)
    bad = kern.beta_ratio(x, y)  # x / (y + x) in place; where it is not finite
    if bad.size:
        a_bad = a[bad] if np.ndim(a) else a
        b_bad = b[bad] if np.ndim(b) else b
        x[bad] = rng.beta(a_bad, b_bad, size=bad.size)
    return x


def household_of(hh_start: NDArray[np.int32], people: NDArray[Any]) -> NDArray[np.intp]:
    """Household index of each person in `people`."""
    # keys of hh_start's dtype: mixed dtypes would make numpy copy hh_start on every call
    keys = np.asarray(people).astype(hh_start.dtype, copy=False)
    return np.searchsorted(hh_start, keys, side="right") - 1


def own_legitimacy(behaviour: Any, n: int, rng: np.random.Generator) -> NDArray[np.float32]:
    """Each person's own legitimacy L0_i ~ Beta(m c, (1 - m) c), m = ``behaviour.legitimacy``.

    Concentration ``c = 0`` (or m at 0 or 1) puts everybody at m, drawing nothing.
    """
    m, c = float(behaviour.legitimacy), float(behaviour.legitimacy_concentration)
    if c <= 0 or m <= 0 or m >= 1:
        return np.full(n, m, dtype=np.float32)
    return rng.beta(m * c, (1.0 - m) * c, size=n).astype(np.float32)


def private_dissent(
    base: NDArray[Any], hardship: NDArray[Any], legit: NDArray[Any], shift: float
) -> NDArray[np.float32]:
    """``d = base + G (1 - base)`` with grievance ``G = shift x hardship x (1 - L)`` (Epstein)."""
    base = base.astype(np.float32, copy=False)
    grievance = hardship * ((np.float32(1.0) - legit) * np.float32(shift))
    return (base + grievance * (np.float32(1.0) - base)).astype(np.float32, copy=False)


def make_people(pop: Any, behaviour: Any, rng: np.random.Generator) -> dict[str, Any]:
    """Draw the people of a society.

    Parameters
    ----------
    pop : PopulationParams
        ``size``, ``groups``, ``household_size``, ``children_share``, ``diaspora_share``.
    behaviour : BehaviourParams
        Trait distributions (opportunism, dissent, Kuran thresholds, legitimacy).
    rng : numpy.random.Generator
        The ``population`` stream.

    Returns
    -------
    dict
        ``hh_start`` (int32, households + 1), ``group`` (uint8), ``flags`` (uint8),
        ``risk``, ``opp``, ``dissent``, ``dissent_base``, ``hardship``, ``legit0``
        (own legitimacy), ``theta`` (float32, shape (n,)) and ``income_mean`` (float).
    """
    from scslab.population import _draw_kernels as kern  # numba, on first use

    n = int(pop.size)
    hh_start = household_starts(n, float(pop.household_size), rng)
    n_hh = hh_start.size - 1

    shares = np.array([g.share for g in pop.groups], dtype=np.float64)
    hh_group = rng.choice(len(shares), size=n_hh, p=shares / shares.sum()).astype(np.uint8)
    group = kern.spread(hh_group, hh_start)  # np.repeat(hh_group, sizes)

    # the first member of a household is an adult; the others are children with q
    # (compared in float32, as numpy compares a float32 array with a Python float)
    n_rest = n - n_hh
    q_child = min(1.0, float(pop.children_share) * n / n_rest) if n_rest else 0.0
    u = rng.random(n, dtype=np.float32)
    flags = np.zeros(n, dtype=np.uint8)
    n_elig = kern.children(hh_start, u, np.float32(q_child), flags)
    # the diaspora: adults other than the first member, so that family stays at home
    q_abroad = min(1.0, float(pop.diaspora_share) * n / n_elig) if n_elig else 0.0
    u = rng.random(n, dtype=np.float32)
    kern.abroad(hh_start, u, np.float32(q_abroad), flags)
    del u

    # traits
    means = np.array([g.hardship for g in pop.groups], dtype=np.float64)
    conc = 4.0
    a = np.clip(means * conc, 1e-3, None).astype(np.float32)
    b = np.clip((1.0 - means) * conc, 1e-3, None).astype(np.float32)
    hardship = beta32(rng, a[group], b[group], n)
    risk = rng.random(n, dtype=np.float32)
    sig = float(behaviour.opportunism_sigma)
    # exp(z sig - sig^2 / 2), at most opportunism_max; in place (float32, as out of place)
    opp = rng.standard_normal(n, dtype=np.float32)
    opp *= np.float32(sig)
    opp -= np.float32(sig**2 / 2)
    np.exp(opp, out=opp)
    np.minimum(opp, np.float32(behaviour.opportunism_max), out=opp)
    base = beta32(rng, float(behaviour.dissent_a), float(behaviour.dissent_b), n)
    theta = rng.standard_normal(n, dtype=np.float32)
    theta *= np.float32(behaviour.threshold_sd)
    theta += np.float32(behaviour.threshold_mean)
    kern.set_where(flags, CHILD, theta, np.float32(np.inf))  # children never speak
    legit0 = own_legitimacy(behaviour, n, rng)
    # private_dissent(base, hardship, legit0, shift), and PRIVATE past the cut, in one pass
    dissent = np.empty(n, np.float32)
    shift, cut = np.float32(pop.dissent_hardship_shift), np.float32(behaviour.private_cut)
    kern.dissent(base, hardship, legit0, shift, cut, flags, dissent)

    incomes = np.array([g.income for g in pop.groups], dtype=np.float64)
    # income falls with hardship: income_g * (1.5 - h), mean over people
    k = incomes.size
    counts, sums = kern.group_sums(group, hardship, k)  # the two bincounts, one pass
    per_group = 1.5 * counts - sums
    income_mean = float(incomes @ per_group / n)
    return {
        "hh_start": hh_start,
        "group": group,
        "flags": flags,
        "risk": risk,
        "opp": opp.astype(np.float32, copy=False),
        "dissent": dissent,
        "dissent_base": base,
        "hardship": hardship,
        "legit0": legit0,
        "theta": theta,
        "income_mean": income_mean,
    }
