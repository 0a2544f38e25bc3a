"""The counts of the people that the regime's measures need, in a few numba loops.

`metrics.regime.measure` used to make ~20 full passes over the people, each with a
fresh temporary of n bytes or more (the adult mask, the compacted private / public
/ legitimacy arrays, the sanctioned mask, ``rightly``, ``np.bincount`` of ``restr``
and of ``grade`` cast to int64, the households' group and size arrays of
`group_rates`, the employer masks of `firm_measures`). `census` reads the people's
fields in six compiled loops (one per set of fields: ``sanc`` twice, the rest once;
``hh_start`` and the households' first members once) and keeps only counts: totals,
histograms of the restriction mask and the grade, and per group the people, the
sanctioned people, the households and the sums that the household-clustered
variance of `group_rates` needs. It allocates nothing of the people's size. Every
count is an integer, so the measures computed from them are those of the numpy
expressions they replace, bit for bit (``tests/metrics/test_census.py`` checks it
on scrambled states).

People ``hh[h] .. hh[h+1]-1`` are household h (``people.make_people``'s
``hh_start``: from 0 to n, every person in one household). Nothing is drawn and
the state is not written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar, cast

import numba
import numpy as np
from numpy.typing import NDArray

from scslab.population.people import ABROAD, CHILD, PRIVATE
from scslab.regime.tables import DFAM, EMPLOYEE, EVER, FAMILY, OWN, RED, SANCTIONED

F = TypeVar("F", bound=Callable[..., Any])

# the bits as compile-time constants of the kernel
_CHILD = int(CHILD)
_ABROAD = int(ABROAD)
_PRIVATE = int(PRIVATE)
_FAMILY = int(FAMILY | DFAM)
_OWN = int(OWN)
_EVER = int(EVER)
_RED = int(RED)
_EMPLOYEE = int(EMPLOYEE)

# slots of the totals (`Census.totals`)
ADULTS = 0  # flags without CHILD
PRIVATE_ADULTS = 1  # adults with PRIVATE
PUBLIC_ADULTS = 2  # adults who speak
APPROVE_ADULTS = 3  # adults with legit > 0.5 (float32)
GAP_ADULTS = 4  # adults with PRIVATE who do not speak
ABROAD_SPEAKERS = 5  # people abroad who speak (children included)
SANCTIONED_PEOPLE = 6  # sanc & the mask (SANCTIONED) != 0
FAMILY_PEOPLE = 7  # sanc & (FAMILY | DFAM) != 0
OWN_PEOPLE = 8  # sanc & OWN
EVER_PEOPLE = 9  # sanc & EVER
RED_PEOPLE = 10  # sanc & RED
EMPLOYED = 11  # employer >= 0
AFFECTED = 12  # employer >= 0 and firm_on[employer]
EMPLOYEE_RESTRICTED = 13  # sanc & EMPLOYEE
N_TOTALS = 14

# rows of the per-group sums (`Census.by_group`)
G_SANCTIONED = 0  # sanctioned people, by their own group
G_PEOPLE = 1  # people, by their own group
G_HOUSEHOLDS = 2  # households, by the group of their first member
G_Y2 = 3  # sum over households of y^2 (y: its sanctioned members)
G_YM = 4  # sum over households of y m (m: its members)
G_M2 = 5  # sum over households of m^2
N_GROUP_ROWS = 6

#: The names of `Census.totals`, slot by slot.
TOTALS = (
    "adults",
    "private_adults",
    "public_adults",
    "approve_adults",
    "gap_adults",
    "abroad_speakers",
    "sanctioned",
    "family",
    "own",
    "ever",
    "red",
    "employed",
    "affected",
    "employee_restricted",
)
#: The names of `Census.by_group`, row by row.
GROUP_ROWS = ("sanctioned", "people", "households", "y2", "ym", "m2")


def _jit(f: F) -> F:
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy")(f))


# Each loop is branch-free but for rare people (sanctioned, restricted): a person's
# flags are unpredictable, and a mispredicted branch costs more than the sums. A
# histogram is kept 4 times over (by i mod 4), so that consecutive people (mostly of
# one group and one grade) do not wait on each other's increments. Each field is read
# by one loop.


@_jit
def _households(hh: Any, group: Any, by_group: Any) -> None:
    """Households and the sum of their squared sizes, by the group of their first member."""
    width = by_group.shape[1]
    count = np.zeros((4, width), np.int64)
    m2 = np.zeros((4, width), np.int64)
    for h in range(hh.size - 1):
        lo = np.int64(hh[h])
        m = np.int64(hh[h + 1]) - lo
        if m > 0:
            g = group[lo]
            count[h & 3, g] += 1
            m2[h & 3, g] += m * m
    for g in range(width):
        by_group[G_HOUSEHOLDS, g] += count[0, g] + count[1, g] + count[2, g] + count[3, g]
        by_group[G_M2, g] += m2[0, g] + m2[1, g] + m2[2, g] + m2[3, g]


@_jit
def _people(group: Any, by_group: Any) -> None:
    """People by group."""
    width = by_group.shape[1]
    people = np.zeros((4, width), np.int64)
    for i in range(group.size):
        people[i & 3, group[i]] += 1
    for g in range(width):
        by_group[G_PEOPLE, g] += people[0, g] + people[1, g] + people[2, g] + people[3, g]


@_jit
def _flush(h: int, hh: Any, group: Any, by_group: Any, y: int) -> None:
    """Household h had y sanctioned members: its terms of the clustered variance."""
    if y > 0:
        lo = np.int64(hh[h])
        m = np.int64(hh[h + 1]) - lo
        g = group[lo]
        by_group[G_Y2, g] += y * y
        by_group[G_YM, g] += y * m


@_jit
def _sanctioned(i: int, h: int, y: int, hh: Any, group: Any, by_group: Any) -> tuple[int, int]:
    """Person i is sanctioned: move from household h to theirs (flushing h), count them."""
    h1 = h
    while hh[h1 + 1] <= i:
        h1 += 1
    if h1 != h:
        _flush(h, hh, group, by_group, y)
        h, y = h1, 0
    by_group[G_SANCTIONED, group[i]] += 1
    return h, y + 1


@_jit
def _sanctions(  # noqa: PLR0913
    hh: Any, group: Any, sanc: Any, words: Any, mask: int, by_group: Any, totals: Any
) -> None:
    """Sanctioned people (sanc & mask) by group and household; the people with each bit.

    `words`: the first ``8 (n // 8)`` entries of `sanc` as uint64, 8 people a word.
    """
    family = own = ever = red = emp_restr = 0
    for i in range(sanc.size):  # a loop that vectorises
        s = sanc[i]
        family += (s & _FAMILY) != 0
        own += (s & _OWN) != 0
        ever += (s & _EVER) != 0
        red += (s & _RED) != 0
        emp_restr += (s & _EMPLOYEE) != 0
    # the sanctioned, few: 8 people at a time, then those of a word with one
    wide = np.uint64(mask) * np.uint64(0x0101010101010101)
    h = 0  # the household of the last sanctioned person
    y = 0  # its sanctioned members so far
    for w in range(words.size):
        if (words[w] & wide) != 0:
            for i in range(8 * w, 8 * w + 8):
                if (sanc[i] & mask) != 0:
                    h, y = _sanctioned(i, h, y, hh, group, by_group)
    for i in range(8 * words.size, sanc.size):
        if (sanc[i] & mask) != 0:
            h, y = _sanctioned(i, h, y, hh, group, by_group)
    _flush(h, hh, group, by_group, y)
    totals[SANCTIONED_PEOPLE] = by_group[G_SANCTIONED].sum()  # by_group starts at 0
    totals[FAMILY_PEOPLE] = family
    totals[OWN_PEOPLE] = own
    totals[EVER_PEOPLE] = ever
    totals[RED_PEOPLE] = red
    totals[EMPLOYEE_RESTRICTED] = emp_restr


@_jit
def _tally(values: Any, hist: Any) -> None:
    for i in range(values.size):
        hist[np.uint8(values[i])] += 1


def tally(values: NDArray[Any]) -> NDArray[np.int64]:
    """``np.bincount(values, minlength=256)`` of 1-byte values in 0..255, with no copy."""
    hist = np.zeros(256, np.int64)
    _tally(values, hist)
    return hist


def _words(sanc: NDArray[np.uint8]) -> NDArray[np.uint64]:
    """The first ``8 (n // 8)`` bytes of `sanc` seen as uint64 (no copy)."""
    return sanc[: sanc.size - sanc.size % 8].view(np.uint64)


@_jit
def _dissent(flags: Any, speaks: Any, legit: Any, totals: Any) -> None:
    """Adults, and adults with private dissent, public dissent, approval; speakers abroad."""
    half = np.float32(0.5)
    adults = private = public = approve = gap = abroad_sp = 0
    for i in range(flags.size):
        f = flags[i]
        sp = speaks[i]
        a = (f & _CHILD) == 0
        pr = (f & _PRIVATE) != 0
        adults += a
        private += a & pr
        public += a & sp
        approve += a & (legit[i] > half)
        gap += a & pr & (not sp)
        abroad_sp += sp & ((f & _ABROAD) != 0)
    totals[ADULTS] = adults
    totals[PRIVATE_ADULTS] = private
    totals[PUBLIC_ADULTS] = public
    totals[APPROVE_ADULTS] = approve
    totals[GAP_ADULTS] = gap
    totals[ABROAD_SPEAKERS] = abroad_sp


@_jit
def _masks(restr: Any, grade: Any, restr_hist: Any, grade_hist: Any) -> None:
    """People by restriction mask and by grade."""
    grades = np.zeros((4, 256), np.int64)
    for i in range(grade.size):
        grades[i & 3, np.uint8(grade[i])] += 1
        r = restr[i]
        if r != 0:  # few people: restr_hist[0] is n minus the others
            restr_hist[r] += 1
    restr_hist[0] = restr.size - restr_hist.sum()
    for k in range(256):
        grade_hist[k] = grades[0, k] + grades[1, k] + grades[2, k] + grades[3, k]


@_jit
def _employees(employer: Any, firm_on: Any, totals: Any) -> None:
    """People with an employer, and those whose employer is under a sanction (`firm_on`)."""
    employed = affected = 0
    n_f = firm_on.size
    if n_f > 0:
        for i in range(employer.size):
            e = int(employer[i])
            hired = e >= 0
            employed += hired
            affected += hired & firm_on[min(max(e, 0), n_f - 1)]
    else:
        for i in range(employer.size):
            employed += employer[i] >= 0
    totals[EMPLOYED] = employed
    totals[AFFECTED] = affected


class Census(NamedTuple):
    """The people's counts (see the module's docstring)."""

    #: The counts named in TOTALS: adults; adults with private dissent, who speak, who
    #: approve (legit > 0.5), who dissent in private but do not speak; people abroad
    #: who speak; people sanctioned (sanc & SANCTIONED), with FAMILY or DFAM, OWN,
    #: EVER, RED; people with an employer, whose employer is sanctioned, with EMPLOYEE.
    totals: dict[str, int]
    #: int64 (256,): people by restriction mask (``np.bincount(restr, minlength=256)``).
    restr: NDArray[np.int64]
    #: int64 (256,): people by grade (``np.bincount(grade)`` padded to 256).
    grade: NDArray[np.int64]
    #: int64 (groups,) each, named in GROUP_ROWS: sanctioned people and people by their
    #: own group; households, sums over households of y^2, y m and m^2 (y: sanctioned
    #: members, m: members) by the group of the household's first member.
    by_group: dict[str, NDArray[np.int64]]


def _group_slots(group: NDArray[Any], n_groups: int) -> int:
    """Columns of the per-group sums: `n_groups`, or more if a group index is larger."""
    if group.dtype == np.uint8:  # every index fits; trimmed after the count
        return 256
    return max(n_groups, int(group.max()) + 1) if group.size else n_groups


def _check_households(hh: NDArray[Any], n: int) -> None:
    if hh.size == 0 or int(hh[0]) != 0 or int(hh[-1]) != n:
        got = f"{hh[0]} to {hh[-1]}" if hh.size else "nothing"
        raise ValueError(f"households must cover the {n} people from 0 to {n}; got {got}")


def _trim(by_group: NDArray[np.int64], n_groups: int) -> dict[str, NDArray[np.int64]]:
    """The rows by name, `n_groups` wide (or up to the last group with people)."""
    live = np.flatnonzero(by_group[G_PEOPLE])
    width = max(n_groups, int(live[-1]) + 1 if live.size else 0)
    return {name: by_group[k, :width].copy() for k, name in enumerate(GROUP_ROWS)}


def count_groups(
    sanctioned: NDArray[np.bool_], group: NDArray[Any], hh_start: NDArray[Any], n_groups: int
) -> dict[str, NDArray[np.int64]]:
    """The per-group sums of `Census.by_group` for a boolean `sanctioned` (`group_rates`)."""
    _check_households(hh_start, group.size)
    by_group = np.zeros((N_GROUP_ROWS, _group_slots(group, n_groups)), np.int64)
    _households(hh_start, group, by_group)
    _people(group, by_group)
    sanc = np.ascontiguousarray(sanctioned, dtype=np.bool_).view(np.uint8)
    _sanctions(hh_start, group, sanc, _words(sanc), 1, by_group, np.zeros(N_TOTALS, np.int64))
    return _trim(by_group, n_groups)


def census(state: Any, firm_on: NDArray[np.bool_], n_groups: int) -> Census:
    """Count the people of `state` (`firm_on`: the firms under a sanction now)."""
    hh, group = state.hh_start, state.group
    _check_households(hh, group.size)
    totals = np.zeros(N_TOTALS, np.int64)
    restr = np.zeros(256, np.int64)
    grade = np.zeros(256, np.int64)
    by_group = np.zeros((N_GROUP_ROWS, _group_slots(group, n_groups)), np.int64)
    _households(hh, group, by_group)
    _people(group, by_group)
    _sanctions(hh, group, state.sanc, _words(state.sanc), int(SANCTIONED), by_group, totals)
    _dissent(state.flags, state.speaks, state.legit, totals)
    _masks(state.restr, state.grade, restr, grade)
    _employees(state.employer, np.ascontiguousarray(firm_on, dtype=np.bool_), totals)
    named = dict(zip(TOTALS, totals.tolist(), strict=True))
    return Census(named, restr, grade, _trim(by_group, n_groups))
