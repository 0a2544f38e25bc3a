"""Passes of the society's draws (`people`, `firms`, coverage), compiled with numba.

Each kernel replaces a chain of numpy expressions over the people (gathers,
scatters, masks, casts, each a full pass with a fresh temporary) by one loop that
writes its result in place. They draw nothing: the random numbers come in as
arrays, drawn by the caller in the same order and from the same streams as
before, and the arithmetic is the numpy expressions' (float32 stays float32; no
``fastmath``), so the society a seed gives is bit for bit the same.
``tests/population/test_draw_kernels.py`` checks each kernel against the
expression it replaces.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

from scslab.population.people import ABROAD, CHILD, PRIVATE

F = TypeVar("F", bound=Callable[..., Any])

_CHILD = int(CHILD)
_ABROAD = int(ABROAD)
_AWAY = int(CHILD | ABROAD)
_PRIVATE = int(PRIVATE)


def _jit(f: F) -> F:
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy")(f))


@_jit
def home_adults(flags: Any) -> Any:
    """``np.flatnonzero((flags & (CHILD | ABROAD)) == 0)`` as int32."""
    n = flags.size
    m = 0
    for i in range(n):
        if (flags[i] & _AWAY) == 0:
            m += 1
    out = np.empty(m, np.int32)
    m = 0
    for i in range(n):
        if (flags[i] & _AWAY) == 0:
            out[m] = i
            m += 1
    return out


@_jit
def count_below(u: Any, q: Any) -> int:
    """``np.count_nonzero(u < q)``."""
    c = 0
    for i in range(u.size):
        if u[i] < q:
            c += 1
    return c


@_jit
def cdf_buckets(cum: Any, n_buckets: int) -> Any:
    """``first[b]``: ``searchsorted(cum, b * (cum[-1] / n_buckets), side="right")``, b <= n_buckets.

    A guess of where a key falls in `cum` (`hire`): any start gives the exact
    index, a good one saves the search.
    """
    first = np.empty(n_buckets + 1, np.int64)
    width = cum[-1] / n_buckets
    i = 0
    for b in range(n_buckets + 1):
        edge = b * width
        while i < cum.size and cum[i] <= edge:
            i += 1
        first[b] = i
    return first


@_jit
def hire(  # noqa: PLR0913 - one flat argument list: numba compiles it once
    home_adult: Any,
    u_hire: Any,
    share: float,
    cum: Any,
    u_pick: Any,
    first: Any,
    employer: Any,
    size: Any,
) -> None:
    """Each home adult i with ``u_hire[i] < share`` works for a firm drawn by `cum`.

    The c-th one hired works for ``min(searchsorted(cum, u_pick[c] * cum[-1],
    side="right"), n_firms - 1)`` (the float64 key as numpy computes it), found
    from the bucket guess `first` (`cdf_buckets`) by a short walk; it is written
    to ``employer[home_adult[i]]`` and counted in ``size`` (zeroed, n_firms).
    """
    n_f = cum.size
    total = cum[-1]
    n_b = first.size - 1
    scale = n_b / total
    c = 0
    for i in range(home_adult.size):
        if u_hire[i] < share:
            x = u_pick[c] * total
            c += 1
            b = int(x * scale)
            b = min(max(b, 0), n_b)
            j = first[b]
            while j > 0 and cum[j - 1] > x:
                j -= 1
            while j < n_f and cum[j] <= x:
                j += 1
            j = min(j, n_f - 1)
            employer[home_adult[i]] = j
            size[j] += 1


@_jit
def children(hh_start: Any, u: Any, q_child: Any, flags: Any) -> int:
    """``flags[p] = CHILD`` for each member p but a household's first with ``u[p] < q_child``.

    `q_child` float32, as numpy compares a float32 array with a Python float.
    Returns the number of the others (adults who are not first: those who may go abroad).
    """
    n_elig = 0
    for h in range(hh_start.size - 1):
        for p in range(hh_start[h] + 1, hh_start[h + 1]):
            if u[p] < q_child:
                flags[p] = _CHILD
            else:
                n_elig += 1
    return n_elig


@_jit
def abroad(hh_start: Any, u: Any, q_abroad: Any, flags: Any) -> None:
    """``flags[p] |= ABROAD`` for each adult p but a household's first with ``u[p] < q_abroad``."""
    for h in range(hh_start.size - 1):
        for p in range(hh_start[h] + 1, hh_start[h + 1]):
            if (flags[p] & _CHILD) == 0 and u[p] < q_abroad:
                flags[p] |= _ABROAD


@_jit
def beta_ratio(x: Any, y: Any) -> Any:
    """``x = x / (y + x)`` in place (float32); returns where the result is not finite."""
    bad = 0
    for i in range(x.size):
        r = x[i] / (y[i] + x[i])
        x[i] = r
        if not np.isfinite(r):
            bad += 1
    out = np.empty(bad, np.int64)
    bad = 0
    for i in range(x.size):
        if not np.isfinite(x[i]):
            out[bad] = i
            bad += 1
    return out


@_jit
def dissent(  # noqa: PLR0913 - one flat argument list: numba compiles it once
    base: Any, hardship: Any, legit: Any, shift: Any, cut: Any, flags: Any, out: Any
) -> None:
    """``out = base + hardship ((1 - legit) shift) (1 - base)``, as `people.private_dissent`.

    ``flags |= PRIVATE`` where ``out > cut`` and not a child (`shift`, `cut` float32).
    """
    one = np.float32(1.0)
    for i in range(base.size):
        b = base[i]
        d = b + hardship[i] * ((one - legit[i]) * shift) * (one - b)
        out[i] = d
        if d > cut and (flags[i] & _CHILD) == 0:
            flags[i] |= _PRIVATE


@_jit
def cover_bit(  # noqa: PLR0913 - one flat argument list: numba compiles it once
    u: Any, group: Any, c_group: Any, flags: Any, c_abroad: Any, bit: Any, cover: Any
) -> None:
    """``cover[i] |= bit`` where ``u[i] < c`` (`surveillance.draw_coverage`).

    c is ``c_abroad`` for people abroad, else ``c_group[group[i]]`` (all float32).
    """
    for i in range(u.size):
        c = c_abroad if (flags[i] & _ABROAD) != 0 else c_group[group[i]]
        if u[i] < c:
            cover[i] |= bit


@_jit
def group_sums(group: Any, x: Any, k: int) -> Any:
    """``(np.bincount(group, minlength=k), np.bincount(group, x, minlength=k))``, one pass.

    The sums in float64, added in the people's order as `np.bincount` adds them.
    """
    counts = np.zeros(k, np.int64)
    sums = np.zeros(k, np.float64)
    for i in range(group.size):
        g = group[i]
        counts[g] += 1
        sums[g] += np.float64(x[i])
    return counts, sums


@_jit
def set_where(flags: Any, mask: Any, x: Any, value: Any) -> None:
    """``x[(flags & mask) != 0] = value``."""
    for i in range(flags.size):
        if (flags[i] & mask) != 0:
            x[i] = value


@_jit
def grievance(hardship: Any, base: Any, shift: Any, flags: Any, grief: Any, dissent: Any) -> None:
    """``grief = hardship shift (1 - base)`` (float32), 0 for children, whose ``dissent`` is 0."""
    one = np.float32(1.0)
    zero = np.float32(0.0)
    for i in range(hardship.size):
        if (flags[i] & _CHILD) != 0:
            grief[i] = zero
            dissent[i] = zero
        else:
            grief[i] = hardship[i] * shift * (one - base[i])


@_jit
def degrees16(indptr: Any) -> Any:
    """``np.diff(indptr).astype(np.uint16)``."""
    n = indptr.size - 1
    out = np.empty(max(n, 0), np.uint16)
    for i in range(n):
        out[i] = np.uint16(indptr[i + 1] - indptr[i])
    return out


@_jit
def flag_counts(flags: Any) -> Any:
    """Adults (not CHILD), adults at home (neither CHILD nor ABROAD) and people ABROAD."""
    adults = 0
    home = 0
    away = 0
    for i in range(flags.size):
        f = flags[i]
        if (f & _CHILD) == 0:
            adults += 1
            if (f & _ABROAD) == 0:
                home += 1
        if (f & _ABROAD) != 0:
            away += 1
    return adults, home, away


@_jit
def flagged(flags: Any, mask: Any) -> Any:
    """``np.flatnonzero((flags & mask) != 0)`` as int32."""
    m = 0
    for i in range(flags.size):
        if (flags[i] & mask) != 0:
            m += 1
    out = np.empty(m, np.int32)
    m = 0
    for i in range(flags.size):
        if (flags[i] & mask) != 0:
            out[m] = i
            m += 1
    return out


@_jit
def ties_flagged(flags: Any, mask: Any, indptr: Any, indices: Any, people: Any) -> Any:
    """For each of `people`: its ties ``w`` with ``(flags[w] & mask) != 0`` (int64)."""
    out = np.zeros(people.size, np.int64)
    for i in range(people.size):
        p = people[i]
        c = 0
        for r in range(indptr[p], indptr[p + 1]):
            if (flags[indices[r]] & mask) != 0:
                c += 1
        out[i] = c
    return out


@_jit
def household_starts(extra: Any, n: int) -> Any:
    """``hh_start`` (int32) of households of sizes ``1 + extra[h]``, the last cut to end at n.

    The households up to the first whose cumulative size reaches n; empty when all of
    them fall short of n (the caller draws more).
    """
    total = 0
    for h in range(extra.size):
        total += 1 + extra[h]
        if total >= n:
            out = np.empty(h + 2, np.int32)
            out[0] = 0
            t = 0
            for i in range(h):
                t += 1 + extra[i]
                out[i + 1] = t
            out[h + 1] = n
            return out
    return np.empty(0, np.int32)


@_jit
def spread(per_household: Any, hh_start: Any) -> Any:
    """``np.repeat(per_household, np.diff(hh_start))``: each member gets its household's value."""
    out = np.empty(hh_start[-1], per_household.dtype)
    for h in range(hh_start.size - 1):
        v = per_household[h]
        for p in range(hh_start[h], hh_start[h + 1]):
            out[p] = v
    return out
