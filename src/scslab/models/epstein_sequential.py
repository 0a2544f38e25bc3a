"""Epstein's civil violence with Mesa's schedule: agents one at a time, in random order.

``activation: random_sequential`` of `scslab.models.epstein`. Mesa 3.3.1's
``EpsteinCivilViolence.step`` calls ``agents.shuffle_do("step")``: every agent,
citizens and cops in one list, in a fresh uniformly random order each step,
each acting on the grid as the agents before it left it. A sequential schedule
cannot be vectorised over agents, so the per-agent loop is compiled with numba.

One step (after the schedules of legitimacy and cops, applied as in the
synchronous kernel):

- **Order**: the citizens and the cops on the grid, shuffled (Fisher-Yates).
- **Citizen**: a jailed citizen with steps left counts down by one and does
  nothing else (a life term never ends); otherwise it (a citizen released
  from off the grid first lands on a random empty cell) counts the cops ``C``
  and the other active citizens in its vision, now, turns active iff
  ``G - R P > T`` with ``A = 1 + others`` (jailed citizens are neither), and
  moves to a uniformly random empty cell of its vision, if any. A citizen
  arrested with 0 steps left decides again at its own next turn, which may
  come in the same step (Mesa's timing).
- **Cop**: picks a uniformly random active citizen in its vision, if any, and
  jails it for ``U{0..max_jail_term}`` steps (the citizen keeps its cell when
  ``jailed_stay_on_cell``, else leaves the grid), then moves to a uniformly
  random empty cell of its vision, if any.

Vision excludes the agent's own cell (Mesa's ``get_neighborhood``); a move
draws cells of the vision uniformly until an empty one comes up (at most
`_MOVE_TRIES` draws), then lists the empty cells and picks one uniformly: a
uniformly random empty cell either way, or no move when there is none.

What the kernel keeps, per cell (`SequentialGeometry`): whether it is empty,
which active citizen is on it, a bit for a cop, and the number of active
citizens in the vision around it, packed eight 8-bit counts to a 64-bit word
(a change of state or an active's move adds to the words of one shape: two or
three words a row). A citizen's decision reads its count of actives and,
only when the decision depends on them (some citizens stay quiet whatever
the counts: `thresholds`), counts the cops of its vision a row of bits at a
time, stopping once the decision is settled. These grids are functions of
the state: the kernel keeps them from one step to the next and remakes them
whenever the state is not what the previous step left (a checkpoint, a
schedule of cops, a change by hand), so a step's result never depends on
them, and a checkpointed state resumes bit for bit.

Random numbers: one 64-bit seed per step from each of the named streams
``activation`` (the order), ``arrest`` (which active a cop picks), ``jail``
(terms, cells on release) and ``movement``, each driving a SplitMix64
sequence inside the kernel; integers in a range are drawn without bias
(Lemire's method).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic
from numpy.typing import NDArray

from scslab.models.epstein import neighbourhood

#: Uniform draws of a cell of vision before a mover lists the empty cells.
_MOVE_TRIES = 16
#: Largest ``f(C/A)`` in the table of ``1 - exp(-k f)`` (as `scslab.models.epstein`).
_F_MAX = 64
#: Stream of each in-kernel sequence, in the order of the seeds.
STREAMS = ("activation", "arrest", "jail", "movement")
_ORDER, _ARREST, _JAIL, _MOVE = 0, 1, 2, 3
#: Codes of ``arrest_formula``.
FORMULAS = {"exact": 0, "floor": 1, "round": 2}

F = TypeVar("F", bound=Callable[..., Any])


def _jit(f: F) -> F:
    return cast(F, numba.njit(cache=True, nogil=True)(f))


def _inline(f: F) -> F:
    return cast(F, numba.njit(cache=True, nogil=True, inline="always")(f))


_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S32 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)
_TWO32 = np.uint64(1 << 32)


@_inline
def _mix(z: np.uint64) -> np.uint64:
    """SplitMix64's output for the state `z` (already advanced)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@_inline
def _below(z: np.uint64, n: int) -> tuple[Any, np.uint64]:
    """A uniform integer in ``[0, n)``, ``1 <= n <= 2^32`` (Lemire), and the new state.

    The state of each sequence is a local of the kernel, passed in and out, so
    that it stays in a register: kept in an array, a search for an empty cell
    took twice as long.
    """
    un = np.uint64(n)
    z += _GAMMA
    m = (_mix(z) >> _S32) * un
    low = m & _LOW32
    if low < un:
        t = (_TWO32 - un) % un
        while low < t:
            z += _GAMMA
            m = (_mix(z) >> _S32) * un
            low = m & _LOW32
    return np.int64(m >> _S32), z


@_jit
def _below64(z: np.uint64, n: int) -> tuple[Any, np.uint64]:
    """A uniform integer in ``[0, n)`` for any ``n >= 1`` (masked rejection above 2^32)."""
    if n <= 1 << 32:
        return _below(z, n)
    un = np.uint64(n)
    mask = np.uint64(1)
    while mask < un:
        mask = (mask << np.uint64(1)) | np.uint64(1)
    z += _GAMMA
    x = _mix(z) & mask
    while x >= un:
        z += _GAMMA
        x = _mix(z) & mask
    return np.int64(x), z


@intrinsic
def _ctpop(typingctx: Any, x: Any) -> Any:
    """The number of 1 bits of a uint64 (LLVM's ``ctpop``: one instruction)."""
    if x != types.uint64:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


#: `_ctpop` as it is called (in compiled code only).
_popcount = cast(Callable[[np.uint64], np.uint64], _ctpop)


_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
_ONE = np.uint64(1)


@_inline
def _row(cell: int, width: int, inv_width: float) -> Any:
    """``cell // width`` for ``0 <= cell < 2^31``, by a multiplication (no division)."""
    y = np.int64(cell * inv_width)
    if y * width > cell:
        y -= 1
    elif (y + 1) * width <= cell:
        y += 1
    return y


@_inline
def _ones(word: np.uint64, lo: int, hi: int) -> Any:
    """The 1 bits among bits ``lo..hi`` (``0 <= lo <= hi < 64``) of `word`."""
    m = (_ALL << np.uint64(lo)) & (_ALL >> np.uint64(63 - hi))
    return np.int64(_popcount(word & m))


@_inline
def _window(first: np.uint64, second: np.uint64, lo: int, length: int) -> Any:
    """The 1 bits among `length` (1..63) bits from bit `lo` of two consecutive words."""
    off = np.uint64(lo)
    bits = (first >> off) | ((second << (np.uint64(63) - off)) << _ONE)
    return np.int64(_popcount(bits & (_ALL >> np.uint64(64 - length))))


@_jit
def _add(
    grid: NDArray[np.uint64],
    cell: int,
    width: int,
    inv_width: float,
    lanes: Any,
    rows: NDArray[np.int64],
    half: NDArray[np.int64],
    r0: int,
    nr: int,
    up: bool,
) -> None:
    """1 more (`up`) or less in the count of every cell of a shape around `cell`.

    Row ``j`` of the shape (``r0 <= j < r0 + nr``) is at row offset ``rows[j]``
    (padded; ``ys`` maps it to the row's first lane) and spans ``[x - half[j],
    x + half[j]]`` on the torus, the whole row when ``half[j] < 0``. Compiled
    apart from the kernel (a call, not inlined at its eight call sites): the
    step at 114x114 took 2 % less (0.672 -> 0.659 ms).
    """
    ys, _, head, tail, shift, narrow = lanes
    lane_mask = (1 << shift) - 1

    def bump(w: int, m: np.uint64) -> None:
        if up:
            grid[w] += m
        else:
            grid[w] -= m

    def span(first: int, last: int) -> None:
        """Lanes ``first..last``, a word at a time.

        ``head[o]`` has a 1 in lanes ``o..`` of a word, ``tail[o]`` in lanes
        ``..o``. Lanes never carry into one another: a count is at most the
        size of the shape, below the lane's range, and 1 is taken only from a
        lane it was added to. Spans of 8-bit lanes no longer than 17
        (`narrow`) lie in words ``w0``, ``w0 + 1`` (whole or not at all) and
        ``w1``, added with no branch on their count (the grid has a spare
        word for ``w0 + 1``): twice as fast.
        """
        w0 = first >> shift
        w1 = last >> shift
        m0 = head[first & lane_mask]
        m1 = tail[last & lane_mask]
        if w0 == w1:
            m0 &= m1
            m1 = np.uint64(0)
        bump(w0, m0)
        if narrow:
            bump(w0 + 1, head[0] if w1 - w0 == 2 else np.uint64(0))
        else:
            for w in range(w0 + 1, w1):
                bump(w, head[0])
        bump(w1, m1)

    y = _row(cell, width, inv_width)
    x = cell - y * width
    for j in range(r0, r0 + nr):
        start = ys[y + rows[j]]
        hw = half[j]
        if hw < 0:
            span(start, start + width - 1)
            continue
        lo = x - hw
        hi = x + hw  # inclusive
        if lo < 0:
            span(start + lo + width, start + width - 1)
            lo = 0
        if hi >= width:
            span(start, start + hi - width)
            hi = width - 1
        span(start + lo, start + hi)


@_jit
def _empty_listed(
    empty: NDArray[np.uint8],
    y: int,
    x: int,
    yw: NDArray[np.int64],
    xw: NDArray[np.int64],
    dy: NDArray[np.int64],
    dx: NDArray[np.int64],
    start: int,
    stop: int,
    z: np.uint64,
) -> tuple[int, np.uint64]:
    """A move after its draws all failed: the r-th empty cell of offsets ``start:stop``.

    ``r`` uniform; -1 if none is empty. Compiled apart (it is rare).
    """
    found = 0
    for j in range(start, stop):
        found += empty[yw[y + dy[j]] + xw[x + dx[j]]]
    if found == 0:
        return -1, z
    r, z = _below(z, found)
    for j in range(start, stop):
        c = yw[y + dy[j]] + xw[x + dx[j]]
        if empty[c]:
            if r == 0:
                return c, z
            r -= 1
    return -1, z


@_jit
def _empty_anywhere(empty: NDArray[np.uint8], z: np.uint64) -> tuple[int, np.uint64]:
    """A uniformly random empty cell of the grid (-1 if none), and the new state."""
    cells = empty.size
    for _ in range(64):
        c, z = _below64(z, cells)
        if empty[c]:
            return c, z
    found = 0
    for c in range(cells):
        found += empty[c]
    if found == 0:
        return -1, z
    r, z = _below64(z, found)
    for c in range(cells):
        if empty[c]:
            if r == 0:
                return c, z
            r -= 1
    return -1, z


@_inline
def _quotient(cops: int, actives: int, formula: int) -> Any:
    """``f(C / A)`` of the floor (1) and round (2) formulas, capped at `_F_MAX`."""
    q = cops // actives
    if formula == 2:  # Python's round: halves to even
        r2 = 2 * (cops - q * actives)
        if r2 > actives or (r2 == actives and q % 2 == 1):
            q += 1
    return min(q, _F_MAX)


@_jit
def thresholds(
    hardship: NDArray[np.float64],
    risk_aversion: NDArray[np.float64],
    grievance_scale: float,
    threshold: float,
    table: NDArray[np.float64],
    out: NDArray[np.uint8],
) -> None:
    """``out[i]``: the first ``f`` of `table` at which citizen ``i`` stays quiet.

    A citizen with ``f(C / A) = q`` turns active iff ``q < out[i]``: the same
    comparison ``G - R table[q] > T`` as with the probability itself, made once
    for every ``q`` up to the first that fails (``table`` increases with ``q``
    and risk aversion is at least 0, as drawn), ``_F_MAX + 1`` when none does.
    """
    for i in range(hardship.size):
        g = hardship[i] * grievance_scale
        r = risk_aversion[i]
        q = 0
        while q <= _F_MAX and g - r * table[q] > threshold:
            q += 1
        out[i] = q


@_jit
def step_kernel(
    citizen_pos: NDArray[np.int32],
    cop_pos: NDArray[np.int32],
    active: NDArray[np.bool_],
    jailed: NDArray[np.bool_],
    jail_left: NDArray[np.int32],
    hardship: NDArray[np.float64],
    risk_aversion: NDArray[np.float64],
    grids: Any,
    kept: Any,
    torus: Any,
    lanes: Any,
    cops: Any,
    shapes: Any,
    same_shape: bool,
    grievance_scale: float,
    threshold: float,
    formula: int,
    k: float,
    table: NDArray[np.float64],
    max_term: int,
    stay_on_cell: bool,
    movement: bool,
    rs: NDArray[np.uint64],
    fresh: bool,
    new_rule: bool,
) -> int:
    """One step of Mesa's schedule in place; returns the number of arrests.

    `grids`, `kept`, `torus`, `lanes`, `cops` and `shapes` are
    `SequentialGeometry`'s tuples. The grids are made afresh from the state
    when `fresh` or when the state differs from what the previous step left
    (`kept`), and kept up to date as agents act; the citizens' thresholds
    when `new_rule` (legitimacy, threshold, k or formula changed) or when the
    citizens differ from `kept`. ``max_term`` < 0: life terms.

    The helpers are closures over the kernel's arrays, called with scalars:
    an inlined helper given arrays costs two atomic reference counts an array
    a call (made a closure, the search for an empty cell took this kernel's
    step from 0.93 to 0.79 ms at 114x114).
    """
    active_at, empty, cop_bits, cact, kact, quiet_from, order = grids
    kept_pos, kept_cops, kept_active, kept_hardship, kept_risk = kept
    width, height, inv_width, yw, xw = torus
    ys, stride, head, tail, shift, narrow = lanes
    yb, words, short = cops
    dy, dx, flat, rows, half, rows_w, half_w, meta = shapes
    nc = citizen_pos.size
    lane_mask = (1 << shift) - 1
    lane_bits = 64 >> shift
    lane_max = np.uint64((1 << lane_bits) - 1)

    # ------------------------------------------------------------ closures (scalars in)
    def add(g: int, cell: int, up: bool) -> None:
        """1 more or less in the counts `g` (0: cact, 1: kact) over shape `g` around `cell`."""
        r0, nr = meta[g, 5], meta[g, 6]
        if g == 0:
            _add(cact, cell, width, inv_width, lanes, rows, half, r0, nr, up)
        else:
            _add(kact, cell, width, inv_width, lanes, rows, half, r0, nr, up)

    def count(g: int, y: int, x: int) -> Any:
        """The count of cell ``(y, x)`` in counts `g`."""
        lane = y * stride + x
        word = cact[lane >> shift] if g == 0 else kact[lane >> shift]
        return np.int64((word >> np.uint64((lane & lane_mask) * lane_bits)) & lane_max)

    def flip(cell: int) -> None:
        """Set or clear the cop bit of `cell`."""
        y = _row(cell, width, inv_width)
        x = cell - y * width
        cop_bits[y * words + (x >> 6)] ^= _ONE << np.uint64(x & 63)

    def ones(base: int, lo: int, hi: int) -> int:
        """Cop bits ``lo..hi`` of the row of words from `base`."""
        if short:  # at most 63 bits: two words, no branch (the grid has a spare word)
            w = base + (lo >> 6)
            return _window(cop_bits[w], cop_bits[w + 1], lo & 63, hi - lo + 1)
        w0 = base + (lo >> 6)
        w1 = base + (hi >> 6)
        if w0 == w1:
            return _ones(cop_bits[w0], lo & 63, hi & 63)
        n = _ones(cop_bits[w0], lo & 63, 63) + _ones(cop_bits[w1], 0, hi & 63)
        for w in range(w0 + 1, w1):
            n += np.int64(_popcount(cop_bits[w]))
        return n

    def cops_in(y: int, x: int, cap: int) -> int:
        """Cops in the citizens' vision around ``(y, x)``: exact below `cap`, else >= `cap`.

        Rows widest first, stopping once `cap` is reached: most decisions only
        ask whether there is a cop at all, and the first row or two settle it
        (counting every row took the step from 0.67 to 0.88 ms at 114x114).
        """
        n = 0
        for j in range(meta[0, 5], meta[0, 5] + meta[0, 6]):
            base = yb[y + rows_w[j]]
            hw = half_w[j]
            if hw < 0:
                n += ones(base, 0, width - 1)
            else:
                lo = x - hw
                hi = x + hw
                if lo < 0:
                    n += ones(base, lo + width, width - 1)
                    lo = 0
                if hi >= width:
                    n += ones(base, 0, hi - width)
                    hi = width - 1
                n += ones(base, lo, hi)
            if n >= cap:
                break
        return n

    def search(cell: int, y: int, x: int, z: np.uint64, g: int) -> tuple[int, np.uint64]:
        """A uniformly random empty cell of shape `g` around `cell` = ``(y, x)`` (-1 if none).

        Returns the cell and the new random state.

        Draws offsets until an empty cell comes up (at most `_MOVE_TRIES`), then
        lists the empty cells. Away from the torus' edges (the shape's reach)
        the cell at offset ``j`` is ``cell + flat[j]``, elsewhere it is found
        through the padded maps; indices are unsigned (numba then emits no test
        for a negative index).
        """
        first, at, n = meta[g, 0], meta[g, 1], meta[g, 2]
        reach_y, reach_x = meta[g, 3], meta[g, 4]
        to = -1
        if n > 0:
            if reach_x <= x < width - reach_x and reach_y <= y < height - reach_y:
                for _ in range(_MOVE_TRIES):
                    j, z = _below(z, n)
                    c = cell + flat[np.uint64(at + j)]
                    if empty[np.uint64(c)]:
                        to = c
                        break
            else:
                for _ in range(_MOVE_TRIES):
                    j, z = _below(z, n)
                    u = np.uint64(first + 1 + j)
                    c = yw[np.uint64(y + dy[u])] + xw[np.uint64(x + dx[u])]
                    if empty[np.uint64(c)]:
                        to = c
                        break
            if to < 0:
                to, z = _empty_listed(empty, y, x, yw, xw, dy, dx, first + 1, first + 1 + n, z)
        return to, z

    # ------------------------------------------------------------ the grids, the thresholds
    fresh = (
        fresh
        or _differ(citizen_pos, kept_pos)
        or _differ(cop_pos, kept_cops)
        or _differ(active, kept_active)
    )
    if fresh:
        active_at[:] = -1
        empty[:] = 1
        cop_bits[:] = 0
        cact[:] = 0
        kact[:] = 0
        for i in range(nc):
            c = citizen_pos[i]
            if c >= 0:
                empty[c] = 0
                if active[i]:
                    active_at[c] = i
                    add(0, c, True)
                    if not same_shape:
                        add(1, c, True)
        for j in range(cop_pos.size):
            c = cop_pos[j]
            if c >= 0:
                empty[c] = 0
                flip(c)
    if formula != 0 and (
        new_rule or _differ(hardship, kept_hardship) or _differ(risk_aversion, kept_risk)
    ):
        thresholds(hardship, risk_aversion, grievance_scale, threshold, table, quiet_from)
        kept_hardship[:] = hardship
        kept_risk[:] = risk_aversion

    # ------------------------------------------------------------ the order
    n = 0
    for i in range(nc):
        order[n] = i
        n += 1
    for j in range(cop_pos.size):
        if cop_pos[j] >= 0:
            order[n] = nc + j
            n += 1
    z_order, z_arrest, z_jail, z_move = rs[_ORDER], rs[_ARREST], rs[_JAIL], rs[_MOVE]
    for i in range(n - 1, 0, -1):  # Fisher-Yates
        j, z_order = _below(z_order, i + 1)
        order[i], order[j] = order[j], order[i]
    seen = 0 if same_shape else 1  # the counts of actives in a cop's vision
    cop_first, cop_n = meta[1, 0], meta[1, 2]

    # ------------------------------------------------------------ the agents, one by one
    arrests = 0
    for t in range(n):
        a = order[t]
        if a < nc:  # ---------------------------------------------------------- citizen
            left = jail_left[a]
            if left != 0:  # in jail: count down (a life term is -1)
                if left > 0:
                    jail_left[a] = left - 1
                continue
            c = citizen_pos[a]
            if c < 0:  # released from off the grid: land on a random empty cell
                c, z_jail = _empty_anywhere(empty, z_jail)
                if c < 0:
                    continue  # the grid is full: wait for a cell
                citizen_pos[a] = c
                empty[c] = 0
            jailed[a] = False
            was = active[a]
            now = False
            y = _row(c, width, inv_width)
            x = c - y * width
            q_max = quiet_from[a] if formula != 0 else 0
            if formula == 0 or q_max > 0:  # else quiet whatever the counts
                actives = count(0, y, x) + (0 if was else 1)
                if formula == 0:  # P = 1 - exp(-k C / A), as `epstein.arrest_probability`
                    p = 1.0 - np.exp(-k * (cops_in(y, x, 1 << 62) / actives))
                    now = hardship[a] * grievance_scale - risk_aversion[a] * p > threshold
                elif q_max > _F_MAX:
                    now = True  # active at any f(C / A) of the table
                else:  # active iff f(C / A) < q_max: C >= q_max A settles it as quiet
                    cap = q_max * actives
                    n_cops = cops_in(y, x, cap)
                    now = n_cops < cap and _quotient(n_cops, actives, formula) < q_max
            if now != was:
                add(0, c, now)
                if not same_shape:
                    add(1, c, now)
                active[a] = now
                active_at[c] = a if now else -1
            if movement:
                to, z_move = search(c, y, x, z_move, 0)
                if to >= 0:
                    empty[c] = 1
                    empty[to] = 0
                    citizen_pos[a] = to
                    if now:
                        active_at[c] = -1
                        active_at[to] = a
                        add(0, c, False)
                        add(0, to, True)
                        if not same_shape:
                            add(1, c, False)
                            add(1, to, True)
        else:  # ------------------------------------------------------------------ cop
            slot = a - nc
            c = cop_pos[slot]
            y = _row(c, width, inv_width)
            x = c - y * width
            seen_here = count(seen, y, x)
            if seen_here > 0:  # arrest the r-th active of the vision
                r, z_arrest = _below(z_arrest, seen_here)
                target = -1
                for j in range(cop_first + 1, cop_first + 1 + cop_n):
                    o = active_at[yw[y + dy[j]] + xw[x + dx[j]]]
                    if o >= 0:
                        if r == 0:
                            target = o
                            break
                        r -= 1
                if target >= 0:
                    arrests += 1
                    tc = citizen_pos[target]
                    add(0, tc, False)
                    if not same_shape:
                        add(1, tc, False)
                    active[target] = False
                    active_at[tc] = -1
                    jailed[target] = True
                    if max_term < 0:
                        jail_left[target] = -1
                    else:
                        term, z_jail = _below64(z_jail, max_term + 1)
                        jail_left[target] = term
                    if not stay_on_cell:
                        empty[tc] = 1
                        citizen_pos[target] = -1
            if movement:
                to, z_move = search(c, y, x, z_move, 1)
                if to >= 0:
                    empty[c] = 1
                    empty[to] = 0
                    cop_pos[slot] = to
                    flip(c)
                    flip(to)
    kept_pos[:] = citizen_pos
    kept_cops[:] = cop_pos
    kept_active[:] = active
    return arrests


@_jit
def _differ(a: NDArray[Any], b: NDArray[Any]) -> bool:
    """Whether two arrays of one size differ anywhere (NaN differs from itself)."""
    d = 0
    for i in range(a.size):
        d += a[i] != b[i]
    return d > 0


class SequentialGeometry:
    """Shapes of the two visions and the scratch of `step_kernel`, for one grid.

    Tuples passed to the kernel (numba keeps them as structs):

    - ``torus``: ``(width, height, 1 / width, yw, xw)``; ``yw`` maps a padded
      row to its torus row's first cell, ``xw`` a padded column to its column.
    - ``shapes``: the citizens' vision (shape 0) and the cops' (shape 1), end
      to end, ``(dy, dx, flat, rows, half, rows_w, half_w, meta)``. ``dy``,
      ``dx``: the offsets of `scslab.models.epstein.neighbourhood` (each torus
      cell once), own cell first, shifted by the padding, so that the cell at
      offset ``(dy, dx)`` of ``(y, x)`` is ``yw[y + dy'] + xw[x + dx']``;
      ``flat``: the same but the own cell as offsets of the flat grid, valid
      at the shape's reach from the edges; ``rows``, ``half``: the row spans,
      ``rows_w``, ``half_w`` the same widest first; ``meta[g]``: shape
      ``g``'s first offset, first flat offset, cells but its own, reach in
      rows and in columns, first row span and row spans.
    - ``lanes``: ``(ys, stride, head, tail, shift, narrow)``. The counts of
      actives in vision are packed, each a lane of a 64-bit word: 8 lanes of 8
      bits when no count can pass 255 (a shape of at most 255 cells, as
      Mesa's vision 7 of 113), else 4 of 16 bits or 2 of 32 (``shift`` = log2
      of the lanes); a row is ``stride`` lanes (its width rounded up to whole
      words), ``ys`` maps a padded row to its first lane. Moving a shape adds
      to two or three words a row rather than to every cell.
    - ``cops``: ``(yb, words, short)``. Cops are one bit a cell, rows of
      ``words`` 64-bit words, ``yb`` maps a padded row to its first word; a
      citizen counts the cops in its vision a row at a time (a ``popcount``),
      only when its decision depends on them. A cop's move flips two bits.
    - ``grids``: ``(active_at, empty, cop_bits, cact, kact, quiet_from,
      order)``: who is active on each cell, empty cells, cops, actives in the
      citizens' and the cops' vision, each citizen's first quiet ``f(C/A)``
      (`thresholds`), the agents' order.
    - ``kept``: the positions, states and citizens the grids were made from.
    """

    def __init__(self, p: Any) -> None:
        h, w = p.height, p.width
        self.key = (h, w, p.citizen_vision, p.cop_vision, p.neighbourhood)
        nb = [neighbourhood(v, p.neighbourhood, h, w) for v in (p.citizen_vision, p.cop_vision)]
        py = max(b.pad_y for b in nb)
        px = max(b.pad_x for b in nb)
        padded_rows = np.arange(-py, h + py, dtype=np.int64) % h
        self.torus = (w, h, 1.0 / w, padded_rows * w, np.arange(-px, w + px, dtype=np.int64) % w)
        self.shapes = self._shapes(nb, py, px, w)
        dy, dx, meta = self.shapes[0], self.shapes[1], self.shapes[7]
        cit, cop = slice(0, meta[0, 2] + 1), slice(meta[1, 0], None)
        self.same_shape = bool(
            np.array_equal(dy[cit], dy[cop]) and np.array_equal(dx[cit], dx[cop])
        )
        largest = int(meta[:, 2].max()) + 1  # no count passes a shape's size
        shift = 3 if largest < 1 << 8 else 2 if largest < 1 << 16 else 1
        lanes = 1 << shift
        bits = 64 // lanes
        half = self.shapes[4]
        narrow = bool(shift == 3 and half.min() >= 0 and half.max() <= 8)
        stride = -(-w // lanes) * lanes
        lane_ones = [1 << (bits * i) for i in range(lanes)]
        head = np.array([sum(lane_ones[o:]) for o in range(lanes)], dtype=np.uint64)
        tail = np.array([sum(lane_ones[: o + 1]) for o in range(lanes)], dtype=np.uint64)
        self.lanes = (padded_rows * stride, stride, head, tail, shift, narrow)
        words = -(-w // 64)
        short = bool(half.min() >= 0 and half.max() <= 31)
        self.cops = (padded_rows * words, words, short)
        count_words = h * stride // lanes + 1  # a narrow span may add 0 one word past the last
        self._cells = (h, w, count_words, words)
        self.grids: tuple[NDArray[Any], ...] = ()
        self.kept: tuple[NDArray[Any], ...] = ()
        self.valid = False  # the grids hold what the previous step left
        self.rule: tuple[Any, ...] | None = None  # the terms `quiet_from` was made for

    def prepare(self, citizens: int, cop_slots: int) -> bool:
        """Size the scratch for a state; whether it was (re)made (then it holds nothing)."""
        if self.grids and self.grids[5].size == citizens and self.kept[1].size == cop_slots:
            return False
        h, w, count_words, words = self._cells
        cells = h * w
        self.grids = (
            np.empty(cells, dtype=np.int32),  # active_at
            np.empty(cells, dtype=np.uint8),  # empty
            np.empty(h * words + 1, dtype=np.uint64),  # cop_bits (a spare word)
            np.empty(count_words, dtype=np.uint64),  # cact
            np.empty(0 if self.same_shape else count_words, dtype=np.uint64),  # kact
            np.empty(citizens, dtype=np.uint8),  # quiet_from
            np.empty(citizens + cop_slots, dtype=np.int32),  # order
        )
        self.kept = (
            np.empty(citizens, dtype=np.int32),
            np.empty(cop_slots, dtype=np.int32),
            np.empty(citizens, dtype=bool),
            np.empty(citizens, dtype=np.float64),
            np.empty(citizens, dtype=np.float64),
        )
        self.valid = False
        self.rule = None
        return True

    def counts(self, name: str) -> NDArray[np.int64]:
        """The counts of actives in vision, ``cact`` (citizens') or ``kact`` (cops'), a cell."""
        h, w = self._cells[0], self._cells[1]
        stride, shift = self.lanes[1], self.lanes[4]
        lanes = 1 << shift
        bits = 64 // lanes
        grid = self.grids[3 if name == "cact" else 4]
        words = grid[: h * stride // lanes]
        shifts = (np.arange(lanes, dtype=np.uint64) * np.uint64(bits))[None, :]
        lane = (words[:, None] >> shifts) & np.uint64((1 << bits) - 1)
        return lane.astype(np.int64).reshape(h, stride)[:, :w].ravel()

    def cop_cells(self) -> NDArray[np.bool_]:
        """Whether a cop is on each cell, from the bits."""
        h, w, _, words = self._cells
        one = np.uint64(1)
        bits = (self.grids[2][:-1, None] >> np.arange(64, dtype=np.uint64)[None, :]) & one
        return bits.astype(bool).reshape(h, words * 64)[:, :w].ravel()

    @staticmethod
    def _shapes(nb: list[Any], py: int, px: int, width: int) -> tuple[Any, ...]:
        """The two visions' tuple (see the class)."""
        parts: list[list[NDArray[np.int64]]] = [[] for _ in range(7)]
        meta = np.zeros((2, 7), dtype=np.int64)
        for g, b in enumerate(nb):
            own = (b.off_dy == 0) & (b.off_dx == 0)
            dy = np.concatenate([b.off_dy[own], b.off_dy[~own]]).astype(np.int64)
            dx = np.concatenate([b.off_dx[own], b.off_dx[~own]]).astype(np.int64)
            rows = b.dy.astype(np.int64) + py
            half = b.half.astype(np.int64)
            widest = np.argsort(-np.where(half < 0, width, 2 * half + 1), kind="stable")
            meta[g] = (
                sum(a.size for a in parts[0]),
                sum(a.size for a in parts[2]),
                dy.size - 1,
                int(np.abs(dy).max()) if dy.size else 0,
                int(np.abs(dx).max()) if dx.size else 0,
                sum(a.size for a in parts[3]),
                rows.size,
            )
            for part, a in zip(
                parts,
                (dy + py, dx + px, dy[1:] * width + dx[1:], rows, half, rows[widest], half[widest]),
                strict=True,
            ):
                part.append(a)
        return (*(np.concatenate(part) for part in parts), meta)


def step(state: Any, geo: SequentialGeometry, rng: Any, table: NDArray[np.float64]) -> None:
    """Run `step_kernel` on `state` with seeds from the named streams of `rng`.

    The kernel remakes the grids and the thresholds only when the state is not
    what the previous step left: they are functions of the state alone, so a
    step gives the same result either way (and a checkpoint resumes bit for
    bit).
    """
    p = state.params
    rs = np.array([rng[name].bit_generator.random_raw() for name in STREAMS], dtype=np.uint64)
    geo.prepare(state.citizen_pos.size, state.cop_pos.size)
    formula = FORMULAS[p.arrest_formula]
    scale = 1.0 - float(state.legitimacy)
    rule = (scale, float(p.active_threshold), float(p.arrest_prob_constant), formula)
    new_rule = not geo.valid or rule != geo.rule
    fresh = not geo.valid
    geo.valid = False  # the grids change with the step: stale if it is interrupted
    state.arrests = int(
        step_kernel(
            state.citizen_pos,
            state.cop_pos,
            state.active,
            state.jailed,
            state.jail_left,
            state.hardship,
            state.risk_aversion,
            geo.grids,
            geo.kept,
            geo.torus,
            geo.lanes,
            geo.cops,
            geo.shapes,
            geo.same_shape,
            scale,
            rule[1],
            formula,
            rule[2],
            table,
            -1 if p.max_jail_term is None else int(p.max_jail_term),
            bool(p.jailed_stay_on_cell),
            bool(p.movement),
            rs,
            fresh,
            new_rule,
        )
    )
    geo.valid = True
    geo.rule = rule
