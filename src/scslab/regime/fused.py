"""Fused per-person kernels of a step: one pass over the people instead of ~20 array passes.

The speech decision (`behaviour.decide_speech`) and the move of legitimacy
(`legitimacy.update`) touch every person every step. Written as numpy expressions
they make one full pass over the people per operation, each with a fresh temporary
(at 10^8 people, a 400 MB float32 array whose pages the kernel zeroes each time);
compiled here with numba they read each person's fields once and write the result
in place. The arithmetic is the numpy expressions', operation by operation, in
float32 (numba keeps float32 operands in float32 and, without ``fastmath``, contracts
no multiply-add), so the results are bit for bit those of the expressions they
replace; ``tests/regime/test_fused.py`` checks it against them.

No random numbers are drawn here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numpy.typing import NDArray

from scslab.population.people import ABROAD, PRIVATE
from scslab.regime.tables import PREEMPT, RED

F = TypeVar("F", bound=Callable[..., Any])

# the bits as compile-time constants of the kernels
_ABROAD = int(ABROAD)
_PRIVATE = int(PRIVATE)
_PREEMPT = int(PREEMPT)
_RED = int(RED)
#: People per block of the speech pass with the detection table (fits in L1 with its inputs).
_BLOCK = 512


def _jit(f: F) -> F:
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy")(f))


def _inline(f: F) -> F:
    """A small kernel compiled into its callers (a predicate of their loops)."""
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")(f))


@_jit
def _speech(  # noqa: PLR0913 - one flat argument list: numba compiles it once
    dissent: Any,
    seen_n: Any,
    deg: Any,
    theta: Any,
    risk: Any,
    group: Any,
    cover: Any,
    sanc_n: Any,
    sanc: Any,
    flags: Any,
    p_table: Any,
    w_idx: Any,
    w_p: Any,
    w_e: Any,
    w_r: Any,
    prop_mul: Any,
    use_prop: bool,
    risk_mode: int,
    use_group: bool,
    use_amb: bool,
    amb_mul: Any,
    amb_add: Any,
    p_const: Any,
    use_kappa: bool,
    kappa: Any,
    c_hat: Any,
    use_perks: bool,
    perk_seen: Any,
    perk_value: Any,
    use_family: bool,
    family: Any,
    use_preempt: bool,
    out: Any,
) -> None:
    # one loop per risk mode, each free of branches (selects, and the exact identities
    # x * 1 = x and x + 0 = x for the terms switched off), so that it vectorises; a
    # load under a condition (the detection table's, for one mode) would stop that
    one = np.float32(1.0)
    zero = np.float32(0.0)
    seen_mul = prop_mul if use_prop else one
    a_mul = amb_mul if use_amb else one
    a_add = amb_add if use_amb else zero
    k_mul = kappa if use_kappa else zero
    cap = one if use_kappa else np.float32(np.inf)  # min(p, inf) is p
    perk = perk_value if use_perks else zero
    fam = family if use_family else zero
    no_speech = np.uint8(_PREEMPT if use_preempt else 0)
    stride = np.uint32(256 if use_group else 0)
    n = dissent.size
    if risk_mode == 0:
        for i in range(n):
            seen = (np.float32(seen_n[i]) / np.float32(max(deg[i], np.uint16(1)))) * seen_mul
            value = w_e * dissent[i] + w_r * seen
            out[i] = (value >= theta[i]) & ((sanc[i] & no_speech) == 0)
    elif risk_mode == 1:  # discourse: the platforms' true detection chance, then ambiguity
        # in blocks: the table's lookups first (a loop of gathers), then the rest (a loop
        # that vectorises); views of the block keep the indices provably non-negative
        buf = np.empty(_BLOCK, np.float32)
        w = 0
        for a in range(0, n, _BLOCK):
            m = min(_BLOCK, n - a)
            g_b, c_b = group[a : a + m], cover[a : a + m]
            for j in range(m):
                buf[j] = p_table[np.uint32(g_b[j]) * stride + np.uint32(c_b[j])]
            while w < w_idx.size and w_idx[w] < a + m:  # the watched people of the block
                buf[w_idx[w] - a] = w_p[w]
                w += 1
            d_b, s_b, t_b, r_b = (
                dissent[a : a + m],
                seen_n[a : a + m],
                theta[a : a + m],
                risk[a : a + m],
            )
            deg_b, sn_b, sc_b, f_b = (
                deg[a : a + m],
                sanc_n[a : a + m],
                sanc[a : a + m],
                flags[a : a + m],
            )
            o_b = out[a : a + m]
            for j in range(m):
                fdeg = np.float32(max(deg_b[j], np.uint16(1)))
                seen = (np.float32(s_b[j]) / fdeg) * seen_mul
                value = w_e * d_b[j] + w_r * seen
                p = min(buf[j] * a_mul + a_add + k_mul * (np.float32(sn_b[j]) / fdeg), cap)
                s = sc_b[j]
                cost = c_hat + (one if (s & np.uint8(_RED)) != 0 else perk_seen) * perk
                cost = cost + (fam if (f_b[j] & np.uint8(_ABROAD)) != 0 else zero)
                value = value - r_b[j] * p * cost
                o_b[j] = (value >= t_b[j]) & ((s & no_speech) == 0)
    else:  # ambiguity or sanctions seen without discourse: a constant detection chance
        for i in range(n):
            fdeg = np.float32(max(deg[i], np.uint16(1)))
            seen = (np.float32(seen_n[i]) / fdeg) * seen_mul
            value = w_e * dissent[i] + w_r * seen
            p = min(p_const + k_mul * (np.float32(sanc_n[i]) / fdeg), cap)
            s = sanc[i]
            cost = c_hat + (one if (s & np.uint8(_RED)) != 0 else perk_seen) * perk
            cost = cost + (fam if (flags[i] & np.uint8(_ABROAD)) != 0 else zero)
            value = value - risk[i] * p * cost
            out[i] = (value >= theta[i]) & ((s & no_speech) == 0)


def speech(
    state: Any,
    *,
    p_table: NDArray[np.float32],
    watched: tuple[NDArray[np.int32], NDArray[np.float32]],
    use_group: bool,
    w_e: float,
    w_r: float,
    prop_mul: float | None,
    risk_mode: int,
    amb: tuple[float, float] | None,
    p_const: float,
    kappa: float | None,
    c_hat: float,
    perks: tuple[float, float] | None,
    family: float | None,
    preempt: bool,
    out: NDArray[np.bool_] | None = None,
) -> NDArray[np.bool_]:
    """Kuran's rule with the regime's speech risk for everybody (`behaviour.decide_speech`).

    Every float is rounded to float32 here, as numpy rounds a Python float meeting a
    float32 array. `risk_mode`: 0 no risk term, 1 the platforms' detection
    (`p_table`, shape (groups, 256), with ambiguity `amb` = (1 - a, a p*) when set), 2
    the constant `p_const`; `watched` (people ascending, their chance) replaces the
    table's chance for those people (`abroad.watched_by_ties`). `kappa`: weight of the
    sanctioned share of one's ties; `perks`: (P(redlist) seen, perks at stake);
    `family`: the family cost abroad.
    Written into `out` (bool, n) when given.
    """
    f32 = np.float32
    if out is None:
        out = np.empty(state.flags.size, dtype=bool)
    _speech(
        state.dissent,
        state.seen_n,
        state.deg,
        state.theta,
        state.risk,
        state.group,
        state.cover,
        state.sanc_n,
        state.sanc,
        state.flags,
        np.ascontiguousarray(p_table, dtype=np.float32).reshape(-1),
        np.ascontiguousarray(watched[0], dtype=np.int64),
        np.ascontiguousarray(watched[1], dtype=np.float32),
        f32(w_e),
        f32(w_r),
        f32(1.0 if prop_mul is None else prop_mul),
        prop_mul is not None,
        int(risk_mode),
        bool(use_group),
        amb is not None,
        f32(amb[0] if amb is not None else 1.0),
        f32(amb[1] if amb is not None else 0.0),
        f32(p_const),
        kappa is not None,
        f32(0.0 if kappa is None else kappa),
        f32(c_hat),
        perks is not None,
        f32(perks[0] if perks is not None else 0.0),
        f32(perks[1] if perks is not None else 0.0),
        family is not None,
        f32(0.0 if family is None else family),
        bool(preempt),
        out,
    )
    return out


@_jit
def _legitimacy(
    legit: Any,
    legit0: Any,
    wrong: Any,
    wrong_n: Any,
    deg: Any,
    grief: Any,
    dissent: Any,
    flags: Any,
    reversion: Any,
    use_prop: bool,
    prop: Any,
    use_net: bool,
    net: Any,
    use_own: bool,
    own: Any,
    cut: Any,
) -> None:
    zero = np.float32(0.0)
    one = np.float32(1.0)
    for i in range(legit.size):
        old = legit[i]
        d = (legit0[i] - old) * reversion
        if use_prop:
            d = d + prop * (one - old)
        if use_net:
            dg = deg[i]
            if dg < 1:
                dg = 1
            d = d - (np.float32(wrong_n[i]) / np.float32(dg)) * net
        if use_own and wrong[i]:
            d = d - own
        new = old + d
        if new < zero:
            new = zero
        elif new > one:
            new = one
        legit[i] = new
        dis = dissent[i] + (old - new) * grief[i]
        dissent[i] = dis
        if dis > cut:
            flags[i] = flags[i] | _PRIVATE
        else:
            flags[i] = flags[i] & (0xFF ^ _PRIVATE)


def legitimacy(
    state: Any,
    *,
    reversion: float,
    prop: float | None,
    net: float | None,
    own: float | None,
    cut: float,
) -> None:
    """Move ``legit`` one step in place; private dissent and the PRIVATE flag follow.

    ``d = (L0 - L) reversion [+ prop (1 - L)] [- net wrong_n / deg] [- own wrong]``,
    ``L <- clip(L + d, 0, 1)``, ``dissent += (L_old - L) grief``, PRIVATE iff
    ``dissent > cut`` (`legitimacy.update`); a term whose weight is None is left out.
    """
    f32 = np.float32
    _legitimacy(
        state.legit,
        state.legit0,
        state.wrong,
        state.wrong_n,
        state.deg,
        state.grief,
        state.dissent,
        state.flags,
        f32(reversion),
        prop is not None,
        f32(0.0 if prop is None else prop),
        net is not None,
        f32(0.0 if net is None else net),
        own is not None,
        f32(0.0 if own is None else own),
        f32(cut),
    )


# --------------------------------------------------------------------------- firms' records
@_jit
def _expire_sorted(records: Any, true: Any, rec: Any) -> None:  # pragma: no cover - numba
    """Remove the records numbered `rec` (sorted) from their firms, true ones first.

    Records are numbered firm by firm, each firm's true ones first: record r
    belongs to the firm whose running total of `records` first exceeds r.
    """
    k = rec.size
    j = 0
    start = np.int64(0)
    for f in range(records.size):
        if j >= k:
            return
        end = start + np.int64(records[f])
        gone = 0
        gone_true = 0
        while j < k and rec[j] < end:
            if rec[j] - start < np.int64(true[f]):
                gone_true += 1
            gone += 1
            j += 1
        if gone:
            records[f] -= gone
            true[f] -= gone_true
        start = end


def expire_sorted(records: NDArray[Any], true: NDArray[Any], rec: NDArray[np.int64]) -> None:
    """Take the records numbered `rec` (sorted, distinct) out of `records` and `true`, in place.

    One pass over the firms instead of a binary search per record (at 3 x 10^6
    firms each search misses the cache); the same counts as
    ``np.searchsorted(np.cumsum(records), rec, side="right")``.
    """
    _expire_sorted(records, true, rec)


# --------------------------------------------------------------------------- scoring, participation
@_inline
def _due(last: Any, limit: int) -> bool:  # pragma: no cover - numba
    return last >= 0 and last <= limit


@_jit
def _repair(last_record: Any, view: Any, pts_wrong: Any, limit: int) -> Any:  # pragma: no cover
    n_due = 0
    for i in range(last_record.size):
        n_due += _due(last_record[i], limit)
    due = np.empty(n_due, np.int64)
    j = 0
    for i in range(last_record.size):
        if j == n_due:
            break
        if _due(last_record[i], limit):
            due[j] = i
            j += 1
            view[i] = 0
            pts_wrong[i] = 0.0
            last_record[i] = -1
    return due


def repair(
    last_record: NDArray[Any], view: NDArray[Any], pts_wrong: NDArray[Any], limit: int
) -> NDArray[np.int64]:
    """Clear, in place, the records of the people with ``0 <= last_record <= limit``; return them.

    ``np.flatnonzero((last_record >= 0) & (last_record <= limit))``, then their
    ``view`` and ``pts_wrong`` set to 0 and ``last_record`` to -1, in two reads of
    ``last_record`` and no temporary of n.
    """
    return cast(NDArray[np.int64], _repair(last_record, view, pts_wrong, limit))


@_jit
def _participate(  # pragma: no cover - numba
    privacy: Any, pull: Any, part: Any, cover: Any, base: Any, bit: Any
) -> int:
    n_part = 0
    for i in range(privacy.size):
        now = privacy[i] < pull
        if now:
            n_part += 1
            if bit and not part[i]:
                cover[i] |= bit
                if base.size:
                    base[i] |= bit
        part[i] = now
    return n_part


def participate(
    privacy: NDArray[np.float32],
    pull: np.float32,
    part: NDArray[np.bool_],
    cover: NDArray[np.uint8],
    base: NDArray[np.uint8],
    bit: int,
) -> int:
    """``part = privacy < pull`` in place; who joins gets `bit` in `cover` (and `base`, if sized).

    Returns how many take part. The same as ``now = privacy < pull; joined =
    flatnonzero(now & ~part); cover[joined] |= bit; base[joined] |= bit; part[:] =
    now`` in one pass with no temporary of n.
    """
    return int(_participate(privacy, np.float32(pull), part, cover, base, np.uint8(bit)))


# --------------------------------------------------------------------------- sanctions' rebuild
_SEEN = 128  # a spare bit of ``sanc``: a person already counted in this rebuild


@_jit
def _rebuild(  # noqa: PLR0913 - one flat argument list: numba compiles it once
    sanc: Any,
    restr: Any,
    persons: Any,
    origin: Any,
    masks: Any,
    origin_bit: Any,
    own_origin: int,
    ever: Any,
    sanctioned: Any,
    own: Any,
    domains: Any,
    indptr: Any,
    indices: Any,
    sanc_n: Any,
    restr_counts: Any,
) -> tuple[int, int]:  # pragma: no cover - numba
    keep = ever
    # 1. the people marked by the table before: every bit but EVER, or a restriction
    n_prev = 0
    for i in range(sanc.size):
        n_prev += _marked(sanc[i], restr[i], keep)
    prev = np.empty(n_prev, np.int64)
    was = np.empty(n_prev, np.uint8)
    j = 0
    for i in range(sanc.size):
        if j == n_prev:
            break
        if _marked(sanc[i], restr[i], keep):
            prev[j] = i
            was[j] = sanc[i]
            sanc[i] &= keep
            restr[i] = 0
            j += 1
    # 2. the table's rows
    for r in range(persons.size):
        p = persons[r]
        sanc[p] |= origin_bit[origin[r]]
        if origin[r] == own_origin:
            sanc[p] |= ever
        restr[p] |= masks[r] & domains
    # 3. neighbour counts of who entered or left SANCTIONED; restrictions and own, per person
    seen_bit = np.uint8(_SEEN)
    n_listed = 0
    n_own = 0
    for j in range(n_prev):
        p = prev[j]
        _count_one(p, was[j], sanc[p], sanctioned, indptr, indices, sanc_n)
        sanc[p] |= seen_bit
    for r in range(persons.size):
        p = persons[r]
        if (sanc[p] & seen_bit) == 0:
            _count_one(p, keep & sanc[p], sanc[p], sanctioned, indptr, indices, sanc_n)
            sanc[p] |= seen_bit
    # the people of the table, once each: their restrictions and OWN; clear the mark
    for r in range(persons.size):
        p = persons[r]
        if (sanc[p] & seen_bit) != 0:
            sanc[p] &= ~seen_bit
            n_listed += 1
            restr_counts[restr[p]] += 1
            if (sanc[p] & own) != 0:
                n_own += 1
    for j in range(n_prev):  # people who left the table
        sanc[prev[j]] &= ~seen_bit
    return n_listed, n_own


@_inline
def _marked(sanc: Any, restr: Any, keep: Any) -> bool:  # pragma: no cover - numba
    """A person the table marked: a bit of `sanc` but `keep`, or a restriction."""
    return (sanc & ~keep) != 0 or restr != 0


@_jit
def _add_ties(p: Any, step: int, indptr: Any, indices: Any, counts: Any) -> Any:  # pragma: no cover
    """``counts[w] += step`` for each tie w of person `p`; return ``step x`` its ties."""
    a, b = indptr[p], indptr[p + 1]
    for r in range(a, b):
        counts[indices[r]] += step
    return step * (b - a)


@_inline
def _count_one(
    p: Any, old: Any, new: Any, sanctioned: Any, indptr: Any, indices: Any, counts: Any
) -> None:  # pragma: no cover - numba
    on = (new & sanctioned) != 0
    if on != ((old & sanctioned) != 0):
        _add_ties(p, 1 if on else -1, indptr, indices, counts)


def rebuild(  # noqa: PLR0913 - the table's columns and the people's fields
    sanc: NDArray[np.uint8],
    restr: NDArray[np.uint8],
    persons: NDArray[Any],
    origin: NDArray[Any],
    masks: NDArray[Any],
    n_domains: int,
    indptr: NDArray[Any],
    indices: NDArray[Any],
    sanc_n: NDArray[Any],
) -> tuple[NDArray[np.int64], int]:
    """Set ``sanc`` and ``restr`` from the listings table, in place; return (restr counts, own).

    As `sanctions.rebuild`'s numpy expressions did: every bit of ``sanc`` but EVER
    comes from the table's rows (EVER is added for OWN rows), ``restr`` is the OR of
    the rows' masks over the `n_domains` domains, the ties of whoever entered or left
    SANCTIONED gain or lose 1 in `sanc_n`. Only the people marked before (found in
    one read of ``sanc`` and ``restr``) and the table's people are touched. Returns
    the count of people per ``restr`` value (256, int64) and how many people are OWN.
    """
    from scslab.regime.tables import EVER, ORIG_OWN, ORIGIN_BIT, OWN, SANCTIONED

    assert not (int(ORIGIN_BIT.max()) | int(EVER)) & _SEEN  # the spare bit is free
    counts = np.zeros(256, np.int64)
    n_listed, n_own = _rebuild(
        sanc,
        restr,
        persons,
        origin,
        masks,
        ORIGIN_BIT,
        int(ORIG_OWN),
        np.uint8(EVER),
        np.uint8(SANCTIONED),
        np.uint8(OWN),
        np.uint8((1 << n_domains) - 1),
        indptr,
        indices,
        sanc_n,
        counts,
    )
    counts[0] += sanc.size - int(n_listed)
    return counts, int(n_own)


# --------------------------------------------------------------------------- pre-emption
@_inline
def _at_risk(
    last: Any, sanc_n: Any, flags: Any, sanc: Any, skip_flags: Any, skip_sanc: Any
) -> bool:  # pragma: no cover - numba
    """A record or a sanctioned tie, and none of the skipped flags and bits."""
    return (last >= 0 or sanc_n > 0) and (flags & skip_flags) == 0 and (sanc & skip_sanc) == 0


@_jit
def _risk_candidates(
    last_record: Any, sanc_n: Any, flags: Any, sanc: Any, skip_flags: Any, skip_sanc: Any
) -> Any:  # pragma: no cover - numba
    n_cand = 0
    for i in range(flags.size):
        n_cand += _at_risk(last_record[i], sanc_n[i], flags[i], sanc[i], skip_flags, skip_sanc)
    cand = np.empty(n_cand, np.int64)
    j = 0
    for i in range(flags.size):
        if j == n_cand:
            break
        if _at_risk(last_record[i], sanc_n[i], flags[i], sanc[i], skip_flags, skip_sanc):
            cand[j] = i
            j += 1
    return cand


def risk_candidates(
    last_record: NDArray[Any],
    sanc_n: NDArray[Any],
    flags: NDArray[np.uint8],
    sanc: NDArray[np.uint8],
    skip_flags: int | np.integer[Any],
    skip_sanc: int | np.integer[Any],
) -> NDArray[np.int64]:
    """People with a record or a sanctioned tie, but for those with `skip_flags` / `skip_sanc`.

    ``flatnonzero(((last_record >= 0) | (sanc_n > 0)) & (flags & skip_flags == 0) &
    (sanc & skip_sanc == 0))`` in two reads and no temporary of n.
    """
    return cast(
        NDArray[np.int64],
        _risk_candidates(
            last_record, sanc_n, flags, sanc, np.uint8(skip_flags), np.uint8(skip_sanc)
        ),
    )


# --------------------------------------------------------------------------- wrongly sanctioned
@_inline
def _wrong_of(sanc: Any, sanctioned: Any, rightly: Any) -> bool:  # pragma: no cover - numba
    """Sanctioned, without the mark of a true listing in force."""
    return (sanc & sanctioned) != 0 and (sanc & rightly) == 0


@_jit
def _update_wrong(  # noqa: PLR0913 - one flat argument list: numba compiles it once
    wrong: Any,
    sanc: Any,
    persons: Any,
    origin: Any,
    basis: Any,
    red: int,
    true_basis: int,
    sanctioned: Any,
    indptr: Any,
    indices: Any,
    wrong_n: Any,
) -> int:  # pragma: no cover - numba
    rightly = np.uint8(_SEEN)  # the spare bit marks who has a true listing in force
    for r in range(persons.size):
        if origin[r] != red and basis[r] == true_basis:
            sanc[persons[r]] |= rightly
    change = 0
    for i in range(wrong.size):  # who was wrongly sanctioned: still?
        if wrong[i] and not _wrong_of(sanc[i], sanctioned, rightly):
            wrong[i] = False
            change += _add_ties(i, -1, indptr, indices, wrong_n)
    for r in range(persons.size):  # the table's people: newly wrongly sanctioned?
        p = persons[r]
        if not wrong[p] and _wrong_of(sanc[p], sanctioned, rightly):
            wrong[p] = True
            change += _add_ties(p, 1, indptr, indices, wrong_n)
    for r in range(persons.size):
        sanc[persons[r]] &= ~rightly
    return change


def update_wrong(  # noqa: PLR0913 - the table's columns and the people's fields
    wrong: NDArray[np.bool_],
    sanc: NDArray[np.uint8],
    persons: NDArray[Any],
    origin: NDArray[Any],
    basis: NDArray[Any],
    indptr: NDArray[Any],
    indices: NDArray[Any],
    wrong_n: NDArray[Any],
) -> int:
    """``wrong`` := sanctioned now with no listing in force on a true record, in place.

    The same as `legitimacy.wrongly_sanctioned` followed by `count_changes` into
    `wrong_n` (each tie of who became wrongly sanctioned gains 1, of who stopped
    loses 1), with no temporary of n: who can change is who was wrongly sanctioned
    (one read of `wrong`) and the people of the table. Returns the change in
    ``wrong_n.sum()``.
    """
    from scslab.regime.tables import BASIS_TRUE, ORIG_RED, SANCTIONED

    return int(
        _update_wrong(
            wrong,
            sanc,
            persons,
            origin,
            basis,
            int(ORIG_RED),
            int(BASIS_TRUE),
            np.uint8(SANCTIONED),
            indptr,
            indices,
            wrong_n,
        )
    )
