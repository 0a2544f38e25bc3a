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

Counts of cops and of actives in vision are kept per cell and updated as
agents act (a cop's move or a change of state updates the cells of one shape),
so a citizen's decision costs a few lookups. These grids, and the grid of
agents per cell, are rebuilt from the state at the start of every step: they
carry nothing from one step to the next, so a checkpointed state resumes bit
for bit.

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
def _span(
    grid: NDArray[np.uint64],
    first: int,
    last: int,
    head: NDArray[np.uint64],
    tail: NDArray[np.uint64],
    lane_shift: int,
    up: bool,
) -> None:
    """Add (`up`) or take 1 from the lanes ``first..last`` of `grid`, a word at a time.

    ``head[o]`` has a 1 in lanes ``o..`` of a word, ``tail[o]`` in lanes ``..o``.
    Lanes never carry into one another: a count is at most the size of the
    shape, below the lane's range, and 1 is taken only from a lane it was
    added to.
    """
    lanes = head.size
    w0 = first >> lane_shift
    w1 = last >> lane_shift
    m0 = head[first & (lanes - 1)]
    m1 = tail[last & (lanes - 1)]
    ones = head[0]
    if w0 == w1:
        m0 &= m1
        m1 = np.uint64(0)
    if up:
        grid[w0] += m0
        for w in range(w0 + 1, w1):
            grid[w] += ones
        grid[w1] += m1
    else:
        grid[w0] -= m0
        for w in range(w0 + 1, w1):
            grid[w] -= ones
        grid[w1] -= m1


@_inline
def _byte_span(
    grid: NDArray[np.uint64],
    first: int,
    last: int,
    head: NDArray[np.uint64],
    tail: NDArray[np.uint64],
    up: bool,
) -> None:
    """`_span` for 8-bit lanes and at most 17 of them, with no branch on the words' count.

    The span is in words ``w0``, ``w0 + 1`` (whole or none) and ``w1``; the
    grid has a spare word past its last row for ``w0 + 1``.
    """
    w0 = first >> 3
    w1 = last >> 3
    m0 = head[first & 7]
    m1 = tail[last & 7]
    if w0 == w1:
        m0 &= m1
        m1 = np.uint64(0)
    mid = head[0] if w1 - w0 == 2 else np.uint64(0)
    if up:
        grid[w0] += m0
        grid[w0 + 1] += mid
        grid[w1] += m1
    else:
        grid[w0] -= m0
        grid[w0 + 1] -= mid
        grid[w1] -= m1


@_inline
def _add(
    grid: NDArray[np.uint64],
    cell: int,
    width: int,
    inv_width: float,
    ys: NDArray[np.int64],
    rows: NDArray[np.int64],
    half: NDArray[np.int64],
    head: NDArray[np.uint64],
    tail: NDArray[np.uint64],
    lane_shift: int,
    narrow: bool,
    up: bool,
) -> None:
    """Add 1 to (`up`) or take 1 from the count of every cell of the shape around `cell`.

    The counts are lanes of the words of `grid` (see `SequentialGeometry`); row
    ``j`` of the shape is at row offset ``rows[j]`` (padded; ``ys`` maps it to
    the row's first lane) and spans ``[x - half[j], x + half[j]]`` on the
    torus, the whole row when ``half[j] < 0``. `narrow` (8-bit lanes, no row
    whole or over 17 cells: Mesa's shape) takes `_byte_span`, twice as fast as
    the general `_span`.
    """
    y = _row(cell, width, inv_width)
    x = cell - y * width
    if narrow:
        for j in range(rows.size):
            start = ys[y + rows[j]]
            hw = half[j]
            lo = x - hw
            hi = x + hw  # inclusive
            if lo < 0:
                _byte_span(grid, start + lo + width, start + width - 1, head, tail, up)
                lo = 0
            if hi >= width:
                _byte_span(grid, start, start + hi - width, head, tail, up)
                hi = width - 1
            _byte_span(grid, start + lo, start + hi, head, tail, up)
        return
    for j in range(rows.size):
        start = ys[y + rows[j]]
        hw = half[j]
        if hw < 0:
            _span(grid, start, start + width - 1, head, tail, lane_shift, up)
            continue
        lo = x - hw
        hi = x + hw  # inclusive
        if lo < 0:
            _span(grid, start + lo + width, start + width - 1, head, tail, lane_shift, up)
            lo = 0
        if hi >= width:
            _span(grid, start, start + hi - width, head, tail, lane_shift, up)
            hi = width - 1
        _span(grid, start + lo, start + hi, head, tail, lane_shift, up)


@_inline
def _lane(cell: int, width: int, inv_width: float, stride: int) -> Any:
    """The lane of `cell` in a grid of counts whose rows are `stride` lanes apart."""
    y = _row(cell, width, inv_width)
    return y * stride + (cell - y * width)


@_inline
def _count(grid: NDArray[np.uint64], lane: int, lane_shift: int) -> Any:
    """The count in `lane` of `grid`."""
    bits = 64 >> lane_shift
    word = grid[lane >> lane_shift]
    shift = np.uint64((lane & ((1 << lane_shift) - 1)) * bits)
    return np.int64((word >> shift) & np.uint64((1 << bits) - 1))


@_inline
def _empty_in_vision(
    empty: NDArray[np.uint8],
    cell: int,
    width: int,
    inv_width: float,
    yw: NDArray[np.int64],
    xw: NDArray[np.int64],
    dy: NDArray[np.int64],
    dx: NDArray[np.int64],
    flat: NDArray[np.int64],
    reach_x: int,
    reach_y: int,
    height: int,
    z: np.uint64,
) -> tuple[int, np.uint64]:
    """A uniformly random empty cell of the shape around `cell` (-1 if none), new state.

    Away from the torus' edges (`reach_x`, `reach_y` from them) the cell at
    offset ``j`` is ``cell + flat[j]``; elsewhere it is found through the
    padded maps ``yw``, ``xw``. Indices are unsigned: numba then emits no
    test for a negative index, and the loop keeps its values in registers.
    """
    n = dy.size
    if n == 0:
        return -1, z
    y = _row(cell, width, inv_width)
    x = cell - y * width
    if reach_x <= x < width - reach_x and reach_y <= y < height - reach_y:
        for _ in range(_MOVE_TRIES):
            j, z = _below(z, n)
            c = cell + flat[np.uint64(j)]
            if empty[np.uint64(c)]:
                return c, z
    else:
        for _ in range(_MOVE_TRIES):
            j, z = _below(z, n)
            uj = np.uint64(j)
            c = yw[np.uint64(y + dy[uj])] + xw[np.uint64(x + dx[uj])]
            if empty[np.uint64(c)]:
                return c, z
    return _empty_listed(empty, y, x, yw, xw, dy, dx, z)


@_jit
def _empty_listed(
    empty: NDArray[np.uint8],
    y: int,
    x: int,
    yw: NDArray[np.int64],
    xw: NDArray[np.int64],
    dy: NDArray[np.int64],
    dx: NDArray[np.int64],
    z: np.uint64,
) -> tuple[int, np.uint64]:
    """`_empty_in_vision` after its draws all failed: the r-th empty cell, r uniform.

    Compiled apart: inlined, its loops made the kernel's draws slower.
    """
    n = dy.size
    found = 0
    for j in range(n):
        found += empty[yw[y + dy[j]] + xw[x + dx[j]]]
    if found == 0:
        return -1, z
    r, z = _below(z, found)
    for j in range(n):
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
def _probability(
    cops: int, actives: int, formula: int, k: float, table: NDArray[np.float64]
) -> float:
    """``P = 1 - exp(-k f(C / A))`` (see `scslab.models.epstein.arrest_probability`)."""
    if formula == 0:
        return 1.0 - np.exp(-k * (cops / actives))
    return table[_quotient(cops, actives, formula)]


@_jit
def rebuild(
    citizen_pos: NDArray[np.int32],
    cop_pos: NDArray[np.int32],
    active: NDArray[np.bool_],
    active_at: NDArray[np.int32],
    empty: NDArray[np.uint8],
    ccop: NDArray[np.uint64],
    cact: NDArray[np.uint64],
    kact: NDArray[np.uint64],
    width: int,
    inv_width: float,
    ys: NDArray[np.int64],
    head: NDArray[np.uint64],
    tail: NDArray[np.uint64],
    lane_shift: int,
    narrow: bool,
    cit_rows: NDArray[np.int64],
    cit_half: NDArray[np.int64],
    cop_rows: NDArray[np.int64],
    cop_half: NDArray[np.int64],
    same_shape: bool,
) -> None:
    """Fill the grids (who is active where, empty cells, counts in vision) from the state."""
    active_at[:] = -1
    empty[:] = 1
    ccop[:] = 0
    cact[:] = 0
    kact[:] = 0
    for i in range(citizen_pos.size):
        c = citizen_pos[i]
        if c >= 0:
            empty[c] = 0
            if active[i]:
                active_at[c] = i
                _add(
                    cact,
                    c,
                    width,
                    inv_width,
                    ys,
                    cit_rows,
                    cit_half,
                    head,
                    tail,
                    lane_shift,
                    narrow,
                    True,
                )
                if not same_shape:
                    _add(
                        kact,
                        c,
                        width,
                        inv_width,
                        ys,
                        cop_rows,
                        cop_half,
                        head,
                        tail,
                        lane_shift,
                        narrow,
                        True,
                    )
    for j in range(cop_pos.size):
        c = cop_pos[j]
        if c >= 0:
            empty[c] = 0
            _add(
                ccop,
                c,
                width,
                inv_width,
                ys,
                cit_rows,
                cit_half,
                head,
                tail,
                lane_shift,
                narrow,
                True,
            )


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
    for every ``q`` up to the first that fails (``table`` increases with ``q``),
    ``_F_MAX + 1`` when none does.
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
    quiet_from: NDArray[np.uint8],
    active_at: NDArray[np.int32],
    empty: NDArray[np.uint8],
    ccop: NDArray[np.uint64],
    cact: NDArray[np.uint64],
    kact: NDArray[np.uint64],
    order: NDArray[np.int32],
    width: int,
    inv_width: float,
    yw: NDArray[np.int64],
    xw: NDArray[np.int64],
    ys: NDArray[np.int64],
    stride: int,
    head: NDArray[np.uint64],
    tail: NDArray[np.uint64],
    lane_shift: int,
    narrow: bool,
    cit_dy: NDArray[np.int64],
    cit_dx: NDArray[np.int64],
    cop_dy: NDArray[np.int64],
    cop_dx: NDArray[np.int64],
    height: int,
    cit_flat: NDArray[np.int64],
    cit_reach_x: int,
    cit_reach_y: int,
    cop_flat: NDArray[np.int64],
    cop_reach_x: int,
    cop_reach_y: int,
    cit_rows: NDArray[np.int64],
    cit_half: NDArray[np.int64],
    cop_rows: NDArray[np.int64],
    cop_half: NDArray[np.int64],
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
) -> int:
    """One step of Mesa's schedule in place; returns the number of arrests.

    ``cit_dy``/``cit_dx`` (``cop_*``) are the offsets of the citizens' (cops')
    vision, own cell first and then excluded where a move is drawn, shifted by
    the padding of ``yw`` (row -> first cell of the torus row) and ``xw``
    (column -> torus column). ``active_at``, ``empty`` (cells) and the counts
    ``ccop``, ``cact``, ``kact`` (``stride`` lanes a row; ``ys``, ``head``,
    ``tail``, ``lane_shift``: see `SequentialGeometry`) must hold what
    `rebuild` makes of the state, and are kept so; ``quiet_from`` is
    `thresholds` of the citizens (unused by the exact formula); ``order``
    (agents) is scratch. ``max_term`` < 0: life terms.
    """
    nc = citizen_pos.size
    n = 0
    for i in range(nc):
        order[n] = i
        n += 1
    for j in range(cop_pos.size):
        if cop_pos[j] >= 0:
            order[n] = nc + j
            n += 1
    seen = cact if same_shape else kact  # actives in a cop's vision
    cit_move_dy, cit_move_dx = cit_dy[1:], cit_dx[1:]
    cop_move_dy, cop_move_dx = cop_dy[1:], cop_dx[1:]
    z_order, z_arrest, z_jail, z_move = rs[_ORDER], rs[_ARREST], rs[_JAIL], rs[_MOVE]
    for i in range(n - 1, 0, -1):  # Fisher-Yates
        j, z_order = _below(z_order, i + 1)
        order[i], order[j] = order[j], order[i]

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
            if formula == 0 or quiet_from[a] > 0:  # else quiet whatever the counts
                lane = _lane(c, width, inv_width, stride)
                cops = _count(ccop, lane, lane_shift)
                actives = _count(cact, lane, lane_shift) + (0 if was else 1)
                if formula == 0:
                    p = _probability(cops, actives, formula, k, table)
                    now = hardship[a] * grievance_scale - risk_aversion[a] * p > threshold
                else:
                    now = _quotient(cops, actives, formula) < quiet_from[a]
            if now != was:
                _add(
                    cact,
                    c,
                    width,
                    inv_width,
                    ys,
                    cit_rows,
                    cit_half,
                    head,
                    tail,
                    lane_shift,
                    narrow,
                    now,
                )
                if not same_shape:
                    _add(
                        kact,
                        c,
                        width,
                        inv_width,
                        ys,
                        cop_rows,
                        cop_half,
                        head,
                        tail,
                        lane_shift,
                        narrow,
                        now,
                    )
                active[a] = now
                active_at[c] = a if now else -1
            if movement:
                to, z_move = _empty_in_vision(
                    empty,
                    c,
                    width,
                    inv_width,
                    yw,
                    xw,
                    cit_move_dy,
                    cit_move_dx,
                    cit_flat,
                    cit_reach_x,
                    cit_reach_y,
                    height,
                    z_move,
                )
                if to >= 0:
                    empty[c] = 1
                    empty[to] = 0
                    citizen_pos[a] = to
                    if now:
                        active_at[c] = -1
                        active_at[to] = a
                        _add(
                            cact,
                            c,
                            width,
                            inv_width,
                            ys,
                            cit_rows,
                            cit_half,
                            head,
                            tail,
                            lane_shift,
                            narrow,
                            False,
                        )
                        _add(
                            cact,
                            to,
                            width,
                            inv_width,
                            ys,
                            cit_rows,
                            cit_half,
                            head,
                            tail,
                            lane_shift,
                            narrow,
                            True,
                        )
                        if not same_shape:
                            _add(
                                kact,
                                c,
                                width,
                                inv_width,
                                ys,
                                cop_rows,
                                cop_half,
                                head,
                                tail,
                                lane_shift,
                                narrow,
                                False,
                            )
                            _add(
                                kact,
                                to,
                                width,
                                inv_width,
                                ys,
                                cop_rows,
                                cop_half,
                                head,
                                tail,
                                lane_shift,
                                narrow,
                                True,
                            )
        else:  # ------------------------------------------------------------------ cop
            slot = a - nc
            c = cop_pos[slot]
            seen_here = _count(seen, _lane(c, width, inv_width, stride), lane_shift)
            if seen_here > 0:  # arrest the r-th active of the vision
                r, z_arrest = _below(z_arrest, seen_here)
                y = _row(c, width, inv_width)
                x = c - y * width
                target = -1
                for j in range(1, cop_dy.size):
                    o = active_at[yw[y + cop_dy[j]] + xw[x + cop_dx[j]]]
                    if o >= 0:
                        if r == 0:
                            target = o
                            break
                        r -= 1
                if target >= 0:
                    arrests += 1
                    tc = citizen_pos[target]
                    _add(
                        cact,
                        tc,
                        width,
                        inv_width,
                        ys,
                        cit_rows,
                        cit_half,
                        head,
                        tail,
                        lane_shift,
                        narrow,
                        False,
                    )
                    if not same_shape:
                        _add(
                            kact,
                            tc,
                            width,
                            inv_width,
                            ys,
                            cop_rows,
                            cop_half,
                            head,
                            tail,
                            lane_shift,
                            narrow,
                            False,
                        )
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
                to, z_move = _empty_in_vision(
                    empty,
                    c,
                    width,
                    inv_width,
                    yw,
                    xw,
                    cop_move_dy,
                    cop_move_dx,
                    cop_flat,
                    cop_reach_x,
                    cop_reach_y,
                    height,
                    z_move,
                )
                if to >= 0:
                    empty[c] = 1
                    empty[to] = 0
                    cop_pos[slot] = to
                    _add(
                        ccop,
                        c,
                        width,
                        inv_width,
                        ys,
                        cit_rows,
                        cit_half,
                        head,
                        tail,
                        lane_shift,
                        narrow,
                        False,
                    )
                    _add(
                        ccop,
                        to,
                        width,
                        inv_width,
                        ys,
                        cit_rows,
                        cit_half,
                        head,
                        tail,
                        lane_shift,
                        narrow,
                        True,
                    )
    return arrests


class SequentialGeometry:
    """Offsets of the two visions and scratch grids for `step_kernel`, per grid.

    Offsets are those of `scslab.models.epstein.neighbourhood` (each torus cell
    once), own cell first, shifted by the padding so that the cell at offset
    ``(dy, dx)`` of ``(y, x)`` is ``yw[y + dy'] + xw[x + dx']``.

    The counts in vision are packed: each is a lane of a 64-bit word, 8 lanes
    of 8 bits when no count can pass 255 (a shape of at most 255 cells, as
    Mesa's vision 7 of 113), else 4 of 16 bits or 2 of 32, and a row of the
    grid is ``stride`` lanes (its width rounded up to whole words). Moving a
    shape then adds to two or three words a row rather than to every cell.
    """

    def __init__(self, p: Any) -> None:
        h, w = p.height, p.width
        self.key = (h, w, p.citizen_vision, p.cop_vision, p.neighbourhood)
        cit = neighbourhood(p.citizen_vision, p.neighbourhood, h, w)
        cop = neighbourhood(p.cop_vision, p.neighbourhood, h, w)
        py = max(cit.pad_y, cop.pad_y)
        px = max(cit.pad_x, cop.pad_x)
        self.yw = (np.arange(-py, h + py, dtype=np.int64) % h) * w
        self.xw = np.arange(-px, w + px, dtype=np.int64) % w
        self.cit_dy, self.cit_dx = self._own_first(cit.off_dy, cit.off_dx, py, px)
        self.cop_dy, self.cop_dx = self._own_first(cop.off_dy, cop.off_dx, py, px)
        self.cit_flat, self.cit_reach_y, self.cit_reach_x = self._flat(
            self.cit_dy, self.cit_dx, py, px, w
        )
        self.cop_flat, self.cop_reach_y, self.cop_reach_x = self._flat(
            self.cop_dy, self.cop_dx, py, px, w
        )
        self.cit_rows = cit.dy.astype(np.int64) + py
        self.cit_half = cit.half.astype(np.int64)
        self.cop_rows = cop.dy.astype(np.int64) + py
        self.cop_half = cop.half.astype(np.int64)
        self.same_shape = bool(
            np.array_equal(self.cit_dy, self.cop_dy) and np.array_equal(self.cit_dx, self.cop_dx)
        )
        largest = max(self.cit_dy.size, self.cop_dy.size)  # no count passes a shape's size
        self.lane_shift = 3 if largest < 1 << 8 else 2 if largest < 1 << 16 else 1
        lanes = 1 << self.lane_shift
        bits = 64 // lanes
        halves = np.concatenate([self.cit_half, self.cop_half])
        self.narrow = bool(self.lane_shift == 3 and halves.min() >= 0 and halves.max() <= 8)
        self.stride = -(-w // lanes) * lanes
        self.ys = (np.arange(-py, h + py, dtype=np.int64) % h) * self.stride
        lane_ones = [1 << (bits * i) for i in range(lanes)]
        self.head = np.array([sum(lane_ones[o:]) for o in range(lanes)], dtype=np.uint64)
        self.tail = np.array([sum(lane_ones[: o + 1]) for o in range(lanes)], dtype=np.uint64)
        words = h * self.stride // lanes + 1  # a short span may add 0 one word past the last
        cells = h * w
        self.active_at = np.empty(cells, dtype=np.int32)
        self.empty = np.empty(cells, dtype=np.uint8)
        self.ccop = np.empty(words, dtype=np.uint64)
        self.cact = np.empty(words, dtype=np.uint64)
        self.kact = np.empty(0 if self.same_shape else words, dtype=np.uint64)
        self.order = np.empty(0, dtype=np.int32)
        # what the grids and `quiet_from` were made from (see `step`)
        self.made_from: tuple[NDArray[Any], ...] | None = None
        self.quiet_from = np.empty(0, dtype=np.uint8)
        self.quiet_key: tuple[Any, ...] | None = None
        self.quiet_citizens: tuple[NDArray[Any], ...] | None = None
        self._shape = (h, w)

    def counts(self, name: str) -> NDArray[np.int64]:
        """The counts of grid `name` (``ccop``, ``cact`` or ``kact``), one per cell."""
        h, w = self._shape
        lanes = 1 << self.lane_shift
        bits = 64 // lanes
        words: NDArray[np.uint64] = getattr(self, name)[: h * self.stride // lanes]
        shifts = (np.arange(lanes, dtype=np.uint64) * np.uint64(bits))[None, :]
        lane = (words[:, None] >> shifts) & np.uint64((1 << bits) - 1)
        return lane.astype(np.int64).reshape(h, self.stride)[:, :w].ravel()

    @staticmethod
    def _flat(
        dy: NDArray[np.int64], dx: NDArray[np.int64], py: int, px: int, width: int
    ) -> tuple[NDArray[np.int64], int, int]:
        """Offsets of a move's cells in the flat grid (own cell left out), and their reach.

        ``cell + flat[j]`` is the cell at offset ``j`` when the cell is at
        least the reach (rows, columns) from the torus' edges.
        """
        ody, odx = dy[1:] - py, dx[1:] - px
        flat = (ody * width + odx).astype(np.int64)
        reach_y = int(np.abs(ody).max()) if ody.size else 0
        reach_x = int(np.abs(odx).max()) if odx.size else 0
        return flat, reach_y, reach_x

    @staticmethod
    def _own_first(
        dy: NDArray[np.int32], dx: NDArray[np.int32], py: int, px: int
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        own = (dy == 0) & (dx == 0)
        ody = np.concatenate([dy[own], dy[~own]]).astype(np.int64) + py
        odx = np.concatenate([dx[own], dx[~own]]).astype(np.int64) + px
        return ody, odx

    def order_for(self, agents: int) -> NDArray[np.int32]:
        """Scratch for the order of `agents` agents."""
        if self.order.size < agents:
            self.order = np.empty(agents, dtype=np.int32)
        return self.order


def step(state: Any, geo: SequentialGeometry, rng: Any, table: NDArray[np.float64]) -> None:
    """Run `step_kernel` on `state` with seeds from the named streams of `rng`.

    The grids are remade (`rebuild`) unless the positions and states are those
    the previous step left, and the citizens' `thresholds` unless the citizens
    and the terms of the rule are those of the previous step: both are
    functions of the state alone, so a step gives the same result either way.
    """
    p = state.params
    rs = np.array([rng[name].bit_generator.random_raw() for name in STREAMS], dtype=np.uint64)
    order = geo.order_for(state.citizen_pos.size + state.cop_pos.size)
    max_term = -1 if p.max_jail_term is None else int(p.max_jail_term)
    formula = FORMULAS[p.arrest_formula]
    scale = 1.0 - float(state.legitimacy)
    made = (state.citizen_pos, state.cop_pos, state.active)
    if geo.made_from is None or not all(
        a.shape == b.shape and np.array_equal(a, b)
        for a, b in zip(made, geo.made_from, strict=True)
    ):
        rebuild(
            state.citizen_pos,
            state.cop_pos,
            state.active,
            geo.active_at,
            geo.empty,
            geo.ccop,
            geo.cact,
            geo.kact,
            p.width,
            1.0 / p.width,
            geo.ys,
            geo.head,
            geo.tail,
            geo.lane_shift,
            geo.narrow,
            geo.cit_rows,
            geo.cit_half,
            geo.cop_rows,
            geo.cop_half,
            geo.same_shape,
        )
    geo.made_from = None  # the grids change with the step: stale if it is interrupted
    key = (scale, float(p.active_threshold), float(p.arrest_prob_constant), formula)
    if formula != 0 and (
        key != geo.quiet_key
        or geo.quiet_from.size != state.hardship.size
        or geo.quiet_citizens is None
        or not all(
            np.array_equal(a, b)
            for a, b in zip((state.hardship, state.risk_aversion), geo.quiet_citizens, strict=True)
        )
    ):
        geo.quiet_from = np.empty(state.hardship.size, dtype=np.uint8)
        thresholds(state.hardship, state.risk_aversion, scale, key[1], table, geo.quiet_from)
        geo.quiet_key = key
        geo.quiet_citizens = (state.hardship.copy(), state.risk_aversion.copy())
    state.arrests = int(
        step_kernel(
            state.citizen_pos,
            state.cop_pos,
            state.active,
            state.jailed,
            state.jail_left,
            state.hardship,
            state.risk_aversion,
            geo.quiet_from,
            geo.active_at,
            geo.empty,
            geo.ccop,
            geo.cact,
            geo.kact,
            order,
            p.width,
            1.0 / p.width,
            geo.yw,
            geo.xw,
            geo.ys,
            geo.stride,
            geo.head,
            geo.tail,
            geo.lane_shift,
            geo.narrow,
            geo.cit_dy,
            geo.cit_dx,
            geo.cop_dy,
            geo.cop_dx,
            p.height,
            geo.cit_flat,
            geo.cit_reach_x,
            geo.cit_reach_y,
            geo.cop_flat,
            geo.cop_reach_x,
            geo.cop_reach_y,
            geo.cit_rows,
            geo.cit_half,
            geo.cop_rows,
            geo.cop_half,
            geo.same_shape,
            scale,
            float(p.active_threshold),
            formula,
            float(p.arrest_prob_constant),
            table,
            max_term,
            bool(p.jailed_stay_on_cell),
            bool(p.movement),
            rs,
        )
    )
    geo.made_from = tuple(a.copy() for a in made)
