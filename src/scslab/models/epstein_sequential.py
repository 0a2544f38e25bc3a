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
def _next(rs: NDArray[np.uint64], k: int) -> np.uint64:
    """Next 64 random bits of sequence `k` (SplitMix64)."""
    z = rs[k] + _GAMMA
    rs[k] = z
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@_inline
def _below(rs: NDArray[np.uint64], k: int, n: int) -> Any:
    """A uniform integer in ``[0, n)`` from sequence `k`, ``1 <= n <= 2^32`` (Lemire)."""
    un = np.uint64(n)
    m = (_next(rs, k) >> _S32) * un
    low = m & _LOW32
    if low < un:
        t = (_TWO32 - un) % un
        while low < t:
            m = (_next(rs, k) >> _S32) * un
            low = m & _LOW32
    return np.int64(m >> _S32)


@_jit
def _below64(rs: NDArray[np.uint64], k: int, n: int) -> Any:
    """A uniform integer in ``[0, n)`` for any ``n >= 1`` (masked rejection above 2^32)."""
    if n <= 1 << 32:
        return _below(rs, k, n)
    un = np.uint64(n)
    mask = np.uint64(1)
    while mask < un:
        mask = (mask << np.uint64(1)) | np.uint64(1)
    x = _next(rs, k) & mask
    while x >= un:
        x = _next(rs, k) & mask
    return np.int64(x)


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
def _add(
    grid: NDArray[np.int32],
    cell: int,
    width: int,
    inv_width: float,
    yw: NDArray[np.int64],
    rows: NDArray[np.int64],
    half: NDArray[np.int64],
    delta: int,
) -> None:
    """Add `delta` to `grid` over the shape around `cell`, row span by row span.

    Row ``j`` of the shape is at row offset ``rows[j]`` (padded) and spans
    ``[x - half[j], x + half[j]]`` on the torus, the whole row when ``half[j] < 0``.
    """
    y = _row(cell, width, inv_width)
    x = cell - y * width
    for j in range(rows.size):
        start = yw[y + rows[j]]
        hw = half[j]
        if hw < 0:
            for c in range(start, start + width):
                grid[c] += delta
            continue
        lo = x - hw
        hi = x + hw + 1  # exclusive
        if lo < 0:
            for c in range(start + lo + width, start + width):
                grid[c] += delta
            lo = 0
        if hi > width:
            for c in range(start, start + hi - width):
                grid[c] += delta
            hi = width
        for c in range(start + lo, start + hi):
            grid[c] += delta


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
    rs: NDArray[np.uint64],
) -> int:
    """A uniformly random empty cell of the shape around `cell`, or -1 if none."""
    n = dy.size
    if n == 0:
        return -1
    y = _row(cell, width, inv_width)
    x = cell - y * width
    for _ in range(_MOVE_TRIES):
        j = _below(rs, _MOVE, n)
        c = yw[y + dy[j]] + xw[x + dx[j]]
        if empty[c]:
            return c
    found = 0
    for j in range(n):
        found += empty[yw[y + dy[j]] + xw[x + dx[j]]]
    if found == 0:
        return -1
    r = _below(rs, _MOVE, found)
    for j in range(n):
        c = yw[y + dy[j]] + xw[x + dx[j]]
        if empty[c]:
            if r == 0:
                return c
            r -= 1
    return -1


@_jit
def _empty_anywhere(empty: NDArray[np.uint8], rs: NDArray[np.uint64]) -> int:
    """A uniformly random empty cell of the grid, or -1 if none."""
    cells = empty.size
    for _ in range(64):
        c = _below64(rs, _JAIL, cells)
        if empty[c]:
            return c
    found = 0
    for c in range(cells):
        found += empty[c]
    if found == 0:
        return -1
    r = _below64(rs, _JAIL, found)
    for c in range(cells):
        if empty[c]:
            if r == 0:
                return c
            r -= 1
    return -1


@_jit
def _probability(
    cops: int, actives: int, formula: int, k: float, table: NDArray[np.float64]
) -> float:
    """``P = 1 - exp(-k f(C / A))`` (see `scslab.models.epstein.arrest_probability`)."""
    if formula == 0:
        return 1.0 - np.exp(-k * (cops / actives))
    q = cops // actives
    if formula == 2:  # Python's round: halves to even
        r2 = 2 * (cops - q * actives)
        if r2 > actives or (r2 == actives and q % 2 == 1):
            q += 1
    return table[min(q, _F_MAX)]


@_jit
def step_kernel(
    citizen_pos: NDArray[np.int32],
    cop_pos: NDArray[np.int32],
    active: NDArray[np.bool_],
    jailed: NDArray[np.bool_],
    jail_left: NDArray[np.int32],
    hardship: NDArray[np.float64],
    risk_aversion: NDArray[np.float64],
    occ: NDArray[np.int32],
    empty: NDArray[np.uint8],
    ccop: NDArray[np.int32],
    cact: NDArray[np.int32],
    kact: NDArray[np.int32],
    order: NDArray[np.int32],
    width: int,
    inv_width: float,
    yw: NDArray[np.int64],
    xw: NDArray[np.int64],
    cit_dy: NDArray[np.int64],
    cit_dx: NDArray[np.int64],
    cop_dy: NDArray[np.int64],
    cop_dx: NDArray[np.int64],
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
    (column -> torus column). ``occ``, ``ccop``, ``cact``, ``kact`` (cells) and
    ``order`` (agents) are scratch, filled here. ``max_term`` < 0: life terms.
    """
    nc = citizen_pos.size
    # the grid of agents (citizens 0..nc-1, cops nc + slot) and the counts in vision
    occ[:] = -1
    empty[:] = 1
    ccop[:] = 0
    cact[:] = 0
    if not same_shape:
        kact[:] = 0
    n = 0
    for i in range(nc):
        c = citizen_pos[i]
        if c >= 0:
            occ[c] = i
            empty[c] = 0
            if active[i]:
                _add(cact, c, width, inv_width, yw, cit_rows, cit_half, 1)
                if not same_shape:
                    _add(kact, c, width, inv_width, yw, cop_rows, cop_half, 1)
        order[n] = i
        n += 1
    for j in range(cop_pos.size):
        c = cop_pos[j]
        if c >= 0:
            occ[c] = nc + j
            empty[c] = 0
            _add(ccop, c, width, inv_width, yw, cit_rows, cit_half, 1)
            order[n] = nc + j
            n += 1
    seen = cact if same_shape else kact  # actives in a cop's vision
    cit_move_dy, cit_move_dx = cit_dy[1:], cit_dx[1:]
    cop_move_dy, cop_move_dx = cop_dy[1:], cop_dx[1:]
    for i in range(n - 1, 0, -1):  # Fisher-Yates
        j = _below(rs, _ORDER, i + 1)
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
                c = _empty_anywhere(empty, rs)
                if c < 0:
                    continue  # the grid is full: wait for a cell
                citizen_pos[a] = c
                occ[c] = a
                empty[c] = 0
            jailed[a] = False
            was = active[a]
            others = cact[c] - (1 if was else 0)
            p = _probability(ccop[c], others + 1, formula, k, table)
            now = hardship[a] * grievance_scale - risk_aversion[a] * p > threshold
            if now != was:
                delta = 1 if now else -1
                _add(cact, c, width, inv_width, yw, cit_rows, cit_half, delta)
                if not same_shape:
                    _add(kact, c, width, inv_width, yw, cop_rows, cop_half, delta)
                active[a] = now
            if movement:
                to = _empty_in_vision(
                    empty, c, width, inv_width, yw, xw, cit_move_dy, cit_move_dx, rs
                )
                if to >= 0:
                    occ[c] = -1
                    occ[to] = a
                    empty[c] = 1
                    empty[to] = 0
                    citizen_pos[a] = to
                    if now:
                        _add(cact, c, width, inv_width, yw, cit_rows, cit_half, -1)
                        _add(cact, to, width, inv_width, yw, cit_rows, cit_half, 1)
                        if not same_shape:
                            _add(kact, c, width, inv_width, yw, cop_rows, cop_half, -1)
                            _add(kact, to, width, inv_width, yw, cop_rows, cop_half, 1)
        else:  # ------------------------------------------------------------------ cop
            slot = a - nc
            c = cop_pos[slot]
            seen_here = seen[c]
            if seen_here > 0:  # arrest the r-th active of the vision
                r = _below(rs, _ARREST, seen_here)
                y = _row(c, width, inv_width)
                x = c - y * width
                target = -1
                for j in range(1, cop_dy.size):
                    o = occ[yw[y + cop_dy[j]] + xw[x + cop_dx[j]]]
                    if o >= 0 and o < nc and active[o]:
                        if r == 0:
                            target = o
                            break
                        r -= 1
                if target >= 0:
                    arrests += 1
                    tc = citizen_pos[target]
                    _add(cact, tc, width, inv_width, yw, cit_rows, cit_half, -1)
                    if not same_shape:
                        _add(kact, tc, width, inv_width, yw, cop_rows, cop_half, -1)
                    active[target] = False
                    jailed[target] = True
                    if max_term < 0:
                        jail_left[target] = -1
                    else:
                        jail_left[target] = _below64(rs, _JAIL, max_term + 1)
                    if not stay_on_cell:
                        occ[tc] = -1
                        empty[tc] = 1
                        citizen_pos[target] = -1
            if movement:
                to = _empty_in_vision(
                    empty, c, width, inv_width, yw, xw, cop_move_dy, cop_move_dx, rs
                )
                if to >= 0:
                    occ[c] = -1
                    occ[to] = a
                    empty[c] = 1
                    empty[to] = 0
                    cop_pos[slot] = to
                    _add(ccop, c, width, inv_width, yw, cit_rows, cit_half, -1)
                    _add(ccop, to, width, inv_width, yw, cit_rows, cit_half, 1)
    return arrests


class SequentialGeometry:
    """Offsets of the two visions and scratch grids for `step_kernel`, per grid.

    Offsets are those of `scslab.models.epstein.neighbourhood` (each torus cell
    once), own cell first, shifted by the padding so that the cell at offset
    ``(dy, dx)`` of ``(y, x)`` is ``yw[y + dy'] + xw[x + dx']``.
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
        self.cit_rows = cit.dy.astype(np.int64) + py
        self.cit_half = cit.half.astype(np.int64)
        self.cop_rows = cop.dy.astype(np.int64) + py
        self.cop_half = cop.half.astype(np.int64)
        self.same_shape = bool(
            np.array_equal(self.cit_dy, self.cop_dy) and np.array_equal(self.cit_dx, self.cop_dx)
        )
        cells = h * w
        self.occ = np.empty(cells, dtype=np.int32)
        self.empty = np.empty(cells, dtype=np.uint8)
        self.ccop = np.empty(cells, dtype=np.int32)
        self.cact = np.empty(cells, dtype=np.int32)
        self.kact = np.empty(0 if self.same_shape else cells, dtype=np.int32)
        self.order = np.empty(0, dtype=np.int32)

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
    """Run `step_kernel` on `state` with seeds from the named streams of `rng`."""
    p = state.params
    rs = np.array([rng[name].bit_generator.random_raw() for name in STREAMS], dtype=np.uint64)
    order = geo.order_for(state.citizen_pos.size + state.cop_pos.size)
    max_term = -1 if p.max_jail_term is None else int(p.max_jail_term)
    state.arrests = int(
        step_kernel(
            state.citizen_pos,
            state.cop_pos,
            state.active,
            state.jailed,
            state.jail_left,
            state.hardship,
            state.risk_aversion,
            geo.occ,
            geo.empty,
            geo.ccop,
            geo.cact,
            geo.kact,
            order,
            p.width,
            1.0 / p.width,
            geo.yw,
            geo.xw,
            geo.cit_dy,
            geo.cit_dx,
            geo.cop_dy,
            geo.cop_dx,
            geo.cit_rows,
            geo.cit_half,
            geo.cop_rows,
            geo.cop_half,
            geo.same_shape,
            1.0 - float(state.legitimacy),
            float(p.active_threshold),
            FORMULAS[p.arrest_formula],
            float(p.arrest_prob_constant),
            table,
            max_term,
            bool(p.jailed_stay_on_cell),
            bool(p.movement),
            rs,
        )
    )
