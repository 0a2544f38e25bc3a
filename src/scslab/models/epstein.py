"""Epstein's (2002) civil-violence model as a vectorised struct-of-arrays kernel.

Epstein, J. M. (2002). Modeling civil violence: an agent-based computational
approach. PNAS 99 suppl. 3, 7243-7250.

Citizens have a hardship ``H ~ U(0, 1)`` and a risk aversion ``R ~ U(0, 1)``;
their grievance is ``G = H (1 - L)`` for the current legitimacy ``L``. A free
citizen estimates its arrest probability ``P = 1 - exp(-k f(C / A))``, where
``C`` is the number of cops and ``A`` one plus the number of *other* active
citizens within its vision (it counts itself, as if it were active), and
turns active iff ``G - R P > T``. ``f`` is `arrest_formula`: ``exact`` (the
ratio as printed), ``floor`` (NetLogo's Rebellion) or ``round`` (Mesa).
Each cop arrests one random active citizen within its vision; the term is
``U{0..max_jail_term}`` steps (never released when ``max_jail_term`` is
null). Free agents move to a random empty cell within their vision. One agent
per cell, on a torus.

Order of one step (synchronous, vectorised; step ``s = state.step + 1``)
----------------------------------------------------------------------------
1. **Schedules**: legitimacy becomes ``legitimacy_schedule.value_at(L0, s)``;
   the number of cops becomes ``round(cop_density_schedule.value_at(d0, s) *
   cells)``: random cops are removed, or new cops are put on random empty
   cells (never on the cells that jailed citizens need when released).
2. **Jail**: a jailed citizen with 0 steps left is released, the others count
   down by one, so a term of ``j`` keeps a citizen out of ``j`` decisions, as
   in Mesa. A released citizen who had left the grid lands on a random empty
   cell.
3. **Decisions**: every free citizen decides at once, from the counts of cops
   and of actives (the previous step's states) on the grid.
4. **Arrests**: each cop picks an active citizen in its vision; conflicts are
   resolved in rounds (see `arrests`). An arrested citizen is quiet and
   jailed; it leaves the grid unless ``jailed_stay_on_cell``.
5. **Movement** (when ``movement``): every free agent (cop or free citizen)
   tries to move to a random empty cell within its vision, in at most
   `MOVE_ROUNDS` rounds of rejection sampling (see `_move`). In a round each
   remaining mover draws one cell of its shape (own cell excluded) uniformly
   at random; if the cell is empty at the start of the round the mover claims
   it, and among the movers claiming one cell the one with the smallest
   random key wins (a fresh key per claim). Winners move and are done; the
   cells they leave are empty from the next round on; the others draw again.
   A mover's first empty draw is uniform over the empty cells of its shape,
   so a move goes to a uniformly random empty cell within vision. A mover
   that has won no cell after the last round stays: at Mesa's densities (77 %
   of cells occupied, vision 7) about 80 % of the free agents move per step.

This is ``activation: synchronous``. Mesa 3.3.1 instead activates agents one by
one in random order, each citizen deciding and then moving and each cop arresting
and then moving: ``activation: random_sequential``, a per-agent loop compiled with
numba in `scslab.models.epstein_sequential` (step order there; the schedules of
legitimacy and cops are applied first, as here). One visible consequence of the
synchronous step: here cops see
every citizen who has just turned active, so a wave of activation is arrested
in the step it starts (the metric ``arrests`` counts it; ``active + arrests``
is the number active right after the decisions), where in Mesa the citizens
who turn active after the nearby cops have moved stay active into the next
step. Initial placement (``placement: exact``) puts exactly ``round(density *
cells)`` citizens and cops on random distinct cells; ``per_cell`` draws a kind for
each cell independently, as Mesa does.

Random streams: ``init`` (placement, H, R), ``schedule`` (cops removed or
added), ``jail`` (terms, cells on release), ``arrest`` (keys and priorities),
``movement``.

Performance: the neighbourhood counts are sums over row spans, O(cells x
rows of the shape), the spans widened a cell at a time (or from prefix sums
along the rows for very wide shapes); a cop's candidate is found from the
actives' side, the cops' side or by sliding minima along rows, whichever is
cheapest. Movement works on a wrap-padded grid of empty cells (a draw is an
addition and a lookup or two, no torus arithmetic), takes the movers in cell
order (so that the lookups of neighbouring movers hit the same cache lines),
draws offsets from a table indexed by raw random bits (`_move_table`,
`_bit_source`) and handles large grids in chunks that keep the temporaries
in cache; per-cell scratch arrays are kept between steps. No Python loop
runs over agents.

Vision shapes (`neighbourhood`, for a radius ``v``): ``moore`` (|dx|, |dy| <=
floor(v)), ``von_neumann`` (|dx| + |dy| <= floor(v)), ``euclidean`` (dx^2 +
dy^2 <= v^2). On a grid smaller than the shape, each cell is seen once.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scslab.engine import State, Streams
from scslab.engine.describe import Category, Description, Lever, Measure

#: Rounds of arrest-conflict resolution per step. Each round at least one of the
#: cops that want the same citizen arrests; a cop still without a free target
#: after the last round arrests nobody this step. Conflicts rarely last more
#: than 3 rounds.
ARREST_ROUNDS = 16
#: Rounds of rejection sampling per movement phase (one draw per mover and round);
#: a mover that has not won a free cell after them stays where it is.
MOVE_ROUNDS = 8
#: Largest ``f(C/A)`` worth tabulating: ``exp(-2.3 * 64)`` is far below the
#: float64 resolution of 1 - P.
_F_MAX = 64
#: Elements per block when cops gather the keys of their vision.
_GATHER_BLOCK = 1 << 20

IntArray = NDArray[np.int32]
KeyArray = NDArray[np.signedinteger[Any]]  # int16 or int32 keys of active citizens


# --------------------------------------------------------------------------- shapes
@dataclass(frozen=True)
class Neighbourhood:
    """The cells within vision on an ``height`` x ``width`` torus, by rows.

    Attributes
    ----------
    dy : ndarray of shape (n_rows,)
        Row offsets, distinct modulo ``height``.
    half : ndarray of shape (n_rows,)
        Half-width of each row (the row spans ``dx`` in ``[-half, half]``), or
        -1 when the row covers the whole grid width.
    off_dy, off_dx : ndarray of shape (size,)
        Offsets of every distinct cell of the shape, the own cell included.
    pad_y, pad_x : int
        Largest ``|dy|`` and ``|dx|`` among the offsets.
    """

    height: int
    width: int
    dy: IntArray
    half: IntArray
    off_dy: IntArray
    off_dx: IntArray
    pad_y: int
    pad_x: int

    @property
    def size(self) -> int:
        """Number of distinct cells in the shape (own cell included)."""
        return int(self.off_dy.size)


def _half_width(vision: float, kind: str, dy: int) -> int:
    r = math.floor(vision)
    if kind == "moore":
        return r
    if kind == "von_neumann":
        return r - abs(dy)
    v2 = vision * vision  # euclidean: largest w with w^2 + dy^2 <= v^2
    w = math.isqrt(max(int(v2 - dy * dy), 0))
    while (w + 1) ** 2 + dy * dy <= v2:
        w += 1
    while w > 0 and w * w + dy * dy > v2:
        w -= 1
    return w


@lru_cache(maxsize=64)
def neighbourhood(vision: float, kind: str, height: int, width: int) -> Neighbourhood:
    """The vision shape of radius `vision` on a torus, each cell counted once.

    Parameters
    ----------
    vision : float
        Radius of vision, in cells.
    kind : {"moore", "von_neumann", "euclidean"}
        Shape of vision.
    height, width : int
        Size of the torus.

    Returns
    -------
    Neighbourhood
        Rows of the shape. When the shape is larger than the grid, rows that
        are equal modulo `height` are merged (the widest one is kept: every
        shape narrows away from its centre) and a row at least as wide as the
        grid covers it once.

    Examples
    --------
    >>> nb = neighbourhood(1.0, "von_neumann", 10, 10)
    >>> nb.size, nb.dy.tolist(), nb.half.tolist()
    (5, [0, -1, 1], [1, 0, 0])
    """
    if kind not in ("moore", "von_neumann", "euclidean"):
        raise ValueError(f"neighbourhood must be moore, von_neumann or euclidean; got {kind!r}")
    r = math.floor(vision)
    rows: dict[int, tuple[int, int]] = {}  # residue -> (dy, half)
    for a in range(r + 1):
        for dy in (-a, a) if a else (0,):
            res = dy % height
            if res not in rows:  # smaller |dy| first: the widest row wins
                w = _half_width(vision, kind, dy)
                rows[res] = (dy, -1 if 2 * w + 1 >= width else w)
    dys = np.array([dy for dy, _ in rows.values()], dtype=np.int32)
    halves = np.array([w for _, w in rows.values()], dtype=np.int32)
    lo = np.where(halves < 0, -(width // 2), -halves)
    lengths = np.where(halves < 0, width, 2 * halves + 1)
    ody = np.repeat(dys, lengths)
    starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
    odx = (np.arange(ody.size) + starts).astype(np.int32)
    return Neighbourhood(
        height=height,
        width=width,
        dy=dys,
        half=halves,
        off_dy=ody,
        off_dx=odx,
        pad_y=int(np.abs(ody).max()),
        pad_x=int(np.abs(odx).max()),
    )


def _fill_wrap(buf: NDArray[Any], grid: NDArray[Any], py: int, px: int, c0: int = 0) -> None:
    """Copy `grid` into `buf` at rows ``py:``, columns ``c0 + px:``, wrap the margins.

    Needs ``py <= height`` and ``px <= width``.
    """
    h, w = grid.shape
    buf[py : py + h, c0 + px : c0 + px + w] = grid
    if px:
        buf[py : py + h, c0 : c0 + px] = grid[:, w - px :]
        buf[py : py + h, c0 + px + w : c0 + 2 * px + w] = grid[:, :px]
    if py:
        buf[:py, c0:] = buf[h : h + py, c0:]
        buf[py + h :, c0:] = buf[py : 2 * py, c0:]


def neighbourhood_sum(
    grid: NDArray[Any], nb: Neighbourhood, out: NDArray[Any] | None = None
) -> NDArray[Any]:
    """Sum of `grid` over the shape `nb` around every cell of a torus.

    The sum over each row's span of the wrapped grid is built by widening the
    span a cell at a time (two additions per cell of half-width) or, for
    rows wider than ``2 _GROW_MAX + 1`` or covering the whole width, from
    prefix sums along the rows (two subtractions per span, but numpy's
    cumulative sum along a row is slow); the rows of the shape are then
    added, shifted by their ``dy``: O(cells x rows of the shape). Integer
    sums may wrap around in the prefix sums and still come out right, as
    long as every result fits the dtype.

    Parameters
    ----------
    grid : ndarray of shape (height, width)
        Integer values per cell.
    nb : Neighbourhood
        The shape, built for this grid's size.
    out : ndarray of shape (height, width), optional
        Where to write the result.

    Returns
    -------
    ndarray of shape (height, width)
        ``out[y, x] = sum of grid[(y + dy) % height, (x + dx) % width]`` over the
        distinct cells of the shape.
    """
    h, w = grid.shape
    if (h, w) != (nb.height, nb.width):
        raise ValueError(f"grid is {h}x{w} but the shape was built for {nb.height}x{nb.width}")
    if out is None:
        out = np.empty_like(grid)
    py = nb.pad_y
    px, groups = _row_groups(nb)
    if groups and groups[0][0] >= 0 and px <= _GROW_MAX:
        # no full-width row and narrow rows: widen a row span a cell at a time
        padded = np.empty((h + 2 * py, w + 2 * px), dtype=grid.dtype)
        _fill_wrap(padded, grid, py, px)
        span = padded[:, px : px + w].copy()  # half-width 0
        k = 0
        first = True
        for hw, dys in groups:  # half-widths in increasing order
            while k < hw:
                k += 1
                span += padded[:, px - k : px - k + w]
                span += padded[:, px + k : px + k + w]
            for dy in dys:
                rows = span[py + dy : py + dy + h]
                if first:
                    out[...] = rows
                    first = False
                else:
                    out += rows
        return out
    pre = np.empty((h + 2 * py, w + 2 * px + 1), dtype=grid.dtype)
    pre[:, 0] = 0
    _fill_wrap(pre, grid, py, px, c0=1)
    np.cumsum(pre, axis=1, dtype=pre.dtype, out=pre)
    span = np.empty((h + 2 * py, w), dtype=grid.dtype)
    first = True
    for hw, dys in groups:
        if hw < 0:
            total = pre[:, px + w] - pre[:, px]
            span[...] = total[:, None]
        else:
            np.subtract(
                pre[:, 1 + px + hw : 1 + px + hw + w], pre[:, px - hw : px - hw + w], out=span
            )
        for dy in dys:
            rows = span[py + dy : py + dy + h]
            if first:
                out[...] = rows
                first = False
            else:
                out += rows
    return out


#: Widest row half-width that `neighbourhood_sum` builds a cell at a time (2 additions
#: per cell of half-width) rather than from prefix sums along the rows (slow in numpy).
_GROW_MAX = 24
_ROW_GROUPS: dict[tuple[Any, ...], tuple[int, list[tuple[int, list[int]]]]] = {}


def _row_groups(nb: Neighbourhood) -> tuple[int, list[tuple[int, list[int]]]]:
    """``(pad, [(half, [dy, ...]), ...])``: the rows of `nb` grouped by half-width.

    ``pad`` is the largest half-width (0 when every row covers the whole width).
    """
    key = (nb.height, nb.width, nb.dy.tobytes(), nb.half.tobytes())
    found = _ROW_GROUPS.get(key)
    if found is None:
        halves = nb.half[nb.half >= 0]
        pad = int(halves.max()) if halves.size else 0
        groups = [(hw, nb.dy[nb.half == hw].tolist()) for hw in np.unique(nb.half).tolist()]
        found = (pad, groups)
        if len(_ROW_GROUPS) < 256:
            _ROW_GROUPS[key] = found
    return found


# --------------------------------------------------------------------------- arrest prob
def arrest_probability(
    cops: NDArray[Any], actives: NDArray[Any], k: float, formula: str
) -> NDArray[np.float64]:
    """Estimated arrest probability ``P = 1 - exp(-k f(C / A))``.

    Parameters
    ----------
    cops : ndarray of int
        ``C``, cops within vision.
    actives : ndarray of int
        ``A``, active citizens within vision counting oneself (``A >= 1``).
    k : float
        Arrest-probability constant (2.3 in Epstein's paper).
    formula : {"exact", "floor", "round"}
        ``f``: the ratio as printed, its floor (NetLogo) or Python's ``round``
        of it (Mesa).

    Returns
    -------
    ndarray of float64
        ``P`` per citizen.

    Examples
    --------
    >>> arrest_probability(np.array([1, 1, 3]), np.array([1, 2, 2]), 2.3, "round").round(3)
    array([0.9 , 0.  , 0.99])
    """
    c = np.asarray(cops)
    a = np.asarray(actives)
    if formula == "exact":
        return 1.0 - np.exp(-k * (c / a))
    if formula == "floor":
        f = c // a
    elif formula == "round":
        # Python's round() (Mesa) rounds halves to even, and so does np.round:
        # round(1/2) == 0, round(3/2) == 2, round(5/2) == 2.
        f = np.round(c / a).astype(np.int64)
    else:
        raise ValueError(f"arrest_formula must be exact, floor or round; got {formula!r}")
    return _p_table(float(k))[np.minimum(f, _F_MAX)]


@lru_cache(maxsize=16)
def _p_table(k: float) -> NDArray[np.float64]:
    """``1 - exp(-k f)`` for ``f = 0.._F_MAX``, with math.exp as Mesa computes it."""
    table = np.array([1.0 - math.exp(-k * f) for f in range(_F_MAX + 1)])
    table.flags.writeable = False
    return table


# --------------------------------------------------------------------------- geometry
class _Geometry:
    """Shapes of vision and flat offsets into a wrap-padded copy of the grid.

    A cell ``(y, x)`` of the grid is ``(y + pad_y, x + pad_x)`` of a padded grid
    ``wp = width + 2 pad_x`` wide; ``wrap`` maps every padded cell back to its
    torus cell, so the cell at offset ``(dy, dx)`` from flat cell ``c`` is
    ``wrap[base(c) + dy * wp + dx]``: one addition and one lookup. ``inner``
    maps every padded cell to the padded cell of the same torus cell inside
    the margins.

    Movement keeps a padded grid of its own, ``free``: 1 for an empty cell of
    the interior, 0 for an occupied one. On a small grid (``small``: at most
    `_SMALL_GRID` padded cells) a draw is looked up as
    ``free[inner[cell + offset]]``; on a large one the margins hold 2 for an
    empty cell (``mirror_free``), so that a draw is ``free[cell + offset]`` and
    ``inner`` is needed only for the empty cells found in the margins. The
    scratch arrays hold nothing from one step to the next (``claim`` is all
    ``_I64_MAX``, ``dest`` the identity and ``is_cop`` all False between
    steps).
    """

    def __init__(self, p: Any) -> None:
        h, w = p.height, p.width
        self.key = _geometry_key(p)
        self.cit = neighbourhood(p.citizen_vision, p.neighbourhood, h, w)
        self.cop = neighbourhood(p.cop_vision, p.neighbourhood, h, w)
        py = max(self.cit.pad_y, self.cop.pad_y)
        px = max(self.cit.pad_x, self.cop.pad_x)
        self.width, self.pad_x = w, px
        self.wp = wp = w + 2 * px
        self.origin = py * wp + px
        rows = (np.arange(-py, h + py, dtype=np.int32) % h) * w
        cols = np.arange(-px, w + px, dtype=np.int32) % w
        self.wrap: NDArray[np.int32] = (rows[:, None] + cols[None, :]).ravel()
        self.cit_move = self._offsets(self.cit, own=False)
        self.cop_move = self._offsets(self.cop, own=False)
        self.cop_seen = self._offsets(self.cop, own=True)
        # passes over a padded grid of `_cop_min_rows` (see `_cheapest`)
        self.row_passes = (
            2
            + (2 * max(int(self.cop.half.max()), 0) + 1).bit_length()
            + np.unique(self.cop.half).size
        )
        self.pad_y, self.height = py, h
        self.move_bits, self.move_table = _move_table(self.cit_move, self.cop_move)
        # a draw indexes the table: bits, plus one for the cops' half when there is one
        index_bits = self.move_bits + int(self.move_table.size > 1 << self.move_bits)
        self.draw_type = np.dtype(np.uint16 if index_bits <= 16 else np.uint32)
        self.move_mask = (1 << self.move_bits) - 1
        self._move_scratch: _MoveScratch | None = None
        padded = self.wrap.size
        self.small = padded <= _SMALL_GRID
        # padded cell -> the interior padded cell of the same torus cell (intp when
        # every draw looks it up, int32 when only the margin cells found empty do)
        wrap = self.wrap.astype(np.intp)
        inner = wrap + (wrap // w) * (2 * px) + self.origin
        self.inner: NDArray[Any] = inner if self.small else inner.astype(np.int32)
        cells = h * w
        # scratch, one spare slot at the end: index -1 (off the grid) lands there
        self.occ = np.zeros(cells + 1, dtype=bool)
        self.cop_id = np.full(cells + 1, -1, dtype=np.int32)
        # movement scratch, by padded cell: empty cells, movers, cops among them,
        # claim keys
        self.free = np.zeros(padded, dtype=np.uint8)
        self.inside = (slice(py, py + h), slice(px, px + w))
        f2 = self.free.reshape(-1, wp)
        self._mirror = [  # (margin, interior) views of `free`, each margin after its source
            (f2[py : py + h, :px], f2[py : py + h, w : w + px]),
            (f2[py : py + h, px + w :], f2[py : py + h, px : 2 * px]),
            (f2[:py], f2[h : h + py]),
            (f2[py + h :], f2[py : 2 * py]),
        ]
        self._mirror = [(a, b) for a, b in self._mirror if a.size]
        self.movers = np.zeros(padded, dtype=bool)
        self.is_cop = np.zeros(padded, dtype=bool)  # all False between steps
        self.claim = np.full(padded, _I64_MAX, dtype=np.int64)
        # torus cell -> where its agent moved this step (the identity between steps)
        self.dest = np.arange(cells + 1, dtype=np.int32)
        self.dest[-1] = -1
        self.dirty = False  # True while a step runs

    def mirror_free(self) -> None:
        """Copy `free` from the interior into the margins, as 2 (large grids only)."""
        if not self.small:
            for margin, interior in self._mirror:
                np.multiply(interior, 2, out=margin)

    def move_scratch(self, movers: int) -> _MoveScratch:
        """Buffers for `movers` movers, kept between steps."""
        chunk = min(movers, _MOVE_CHUNK)
        have = self._move_scratch
        if have is None or have.size[0] < chunk or have.size[1] < movers:
            self._move_scratch = have = _MoveScratch(chunk, movers)
        return have

    def _offsets(self, nb: Neighbourhood, own: bool) -> NDArray[np.intp]:
        off = nb.off_dy.astype(np.intp) * self.wp + nb.off_dx
        return off if own else off[off != 0]

    def base(self, cells: NDArray[Any]) -> NDArray[np.intp]:
        """Padded flat index of each flat cell in `cells`."""
        c = cells.astype(np.intp)
        return c + (c // self.width) * (2 * self.pad_x) + self.origin


def _geometry_key(p: Any) -> tuple[Any, ...]:
    return (p.height, p.width, p.citizen_vision, p.cop_vision, p.neighbourhood)


_I32_MAX = np.iinfo(np.int32).max
# ``take(..., mode="wrap")`` is used where the indices are not intp (int32 cells,
# uint16 draws) and all in range (or -1 for the spare last slot, which wraps the
# same way): numpy's default mode checks them on a path ~3x slower.
_I64_MAX = np.iinfo(np.int64).max


# --------------------------------------------------------------------------- kernel
class EpsteinCivilViolence:
    """Epstein's civil-violence model over arrays (see the module docstring).

    State fields
    ------------
    citizen_pos : int32 (n_citizens,)
        Flat cell ``y * width + x`` of each citizen, -1 when off the grid (jailed).
    hardship, risk_aversion : float64 (n_citizens,)
        Citizens are numbered by hardship, highest first: those who can be
        active at all (``G > T``) are a prefix.
    active, jailed : bool (n_citizens,)
    jail_left : int32 (n_citizens,)
        Steps left in jail; -1 for a life term.
    cop_pos : int32 (cop_slots,)
        Flat cell of each cop, -1 for an empty slot (cops removed by a schedule).
    legitimacy : float
        Current legitimacy.
    arrests : int
        Citizens arrested in the last step.

    Scratch arrays (shapes of vision, grids) are kept per thread between
    steps; they never carry information from one step to the next.
    """

    #: Measures (`metrics`), dashboard levers and picture categories.
    description = Description(
        measures=(
            Measure(
                "active",
                "active citizens",
                "citizens",
                "Citizens active at the end of the step: free citizens who turned active "
                "(G - R P > T) at this step's decision and were not arrested in it. A count "
                "over every citizen, on the grid or in jail.",
                headline=True,
                levers=("params.legitimacy", "params.cop_density"),
            ),
            Measure(
                "jailed",
                "jailed citizens",
                "citizens",
                "Citizens in jail at the end of the step, those arrested in it included.",
                headline=True,
                levers=("params.max_jail_term", "params.legitimacy"),
            ),
            Measure(
                "arrests",
                "arrests this step",
                "citizens",
                "Citizens arrested in this step. Synchronous schedule: each was active "
                "after this step's decisions, so `active + arrests` is the number of "
                "citizens who turned active; random_sequential: a cop may arrest a citizen "
                "before or after that citizen's own turn.",
                levers=("params.cop_density",),
            ),
            Measure(
                "quiet",
                "quiet citizens",
                "citizens",
                "Citizens neither active nor jailed at the end of the step "
                "(citizens - active - jailed).",
                levers=("params.legitimacy",),
            ),
            Measure(
                "cops",
                "cops",
                "cops",
                "Cops on the grid at the end of the step (a cop-density schedule changes it).",
                levers=("params.cop_density",),
            ),
            Measure(
                "legitimacy",
                "legitimacy",
                "L, in [0, 1]",
                "The government's legitimacy L at this step: `legitimacy`, or its "
                "schedule's value. A parameter, reported to read the run against.",
                levers=("params.legitimacy",),
            ),
            Measure(
                "mean_grievance",
                "mean grievance",
                "G = H (1 - L), in [0, 1]",
                "Grievance H (1 - L) averaged over every citizen (jailed ones included).",
                levers=("params.legitimacy",),
            ),
        ),
        levers=(
            Lever("legitimacy", "params.legitimacy"),
            Lever("cop density", "params.cop_density", soft=(0.0, 0.2)),
            Lever("citizen vision (cells)", "params.citizen_vision", soft=(1.0, 20.0)),
            Lever("maximum jail term (steps)", "params.max_jail_term", soft=(0, 100)),
            Lever("activation threshold", "params.active_threshold"),
        ),
        pictures=(
            Category("quiet", "quiet", "#9ecae1"),
            Category("active", "active", "#d7301f"),
            Category("jailed", "jailed", "#252525"),
        ),
    )

    def __init__(self) -> None:
        self._local = threading.local()

    # ------------------------------------------------------------------ protocol
    def init(self, scenario: Any, rng: Streams) -> State:
        """Place citizens and cops on distinct random cells; everyone starts quiet."""
        p = scenario.params
        cells = p.width * p.height
        if cells >= 1 << 31:
            raise ValueError(f"a grid of {cells} cells is too large: positions are int32")
        g = rng["init"]
        if p.placement == "per_cell":  # Mesa: each cell drawn alone
            u = g.random(cells)
            cd, kd = p.citizen_density, p.cop_density
            cit_cells = np.flatnonzero(u < cd).astype(np.int32)
            cop_cells = np.flatnonzero((u >= cd) & (u < cd + kd)).astype(np.int32)
        else:
            n_cit = round(p.citizen_density * cells)
            n_cop = min(round(p.cop_density * cells), cells - n_cit)
            cells_perm = g.permutation(cells).astype(np.int32)
            cit_cells = cells_perm[:n_cit]
            cop_cells = cells_perm[n_cit : n_cit + n_cop]
        n_cit, n_cop = cit_cells.size, cop_cells.size
        cop_pos = np.full(max(_cop_slots(p), n_cop), -1, dtype=np.int32)
        cop_pos[:n_cop] = cop_cells
        hardship = g.random(n_cit)
        risk_aversion = g.random(n_cit)
        # ids are arbitrary: number citizens by hardship, highest first (see _decide);
        # per-cell cells come in cell order, so they follow their citizen (the exact
        # placement's cells are a random permutation already)
        order = np.argsort(-hardship, kind="stable")
        return State(
            params=p,
            citizen_pos=cit_cells[order] if p.placement == "per_cell" else cit_cells.copy(),
            hardship=hardship[order],
            risk_aversion=risk_aversion[order],
            active=np.zeros(n_cit, dtype=bool),
            jailed=np.zeros(n_cit, dtype=bool),
            jail_left=np.zeros(n_cit, dtype=np.int32),
            cop_pos=cop_pos,
            legitimacy=float(p.legitimacy),
            arrests=0,
        )

    def step(self, state: State, rng: Streams) -> None:
        """Advance one step in place: schedules, jail, decisions, arrests, movement."""
        p = state.params
        s = state.step + 1
        if p.activation == "random_sequential":
            self._step_sequential(state, rng, s)
            return
        geo = self._geometry(p)
        if geo.dirty:  # a step was interrupted: scratch may hold stale marks
            geo.claim.fill(_I64_MAX)
            geo.cop_id.fill(-1)
            geo.dest[:-1] = np.arange(geo.dest.size - 1, dtype=np.int32)
            geo.is_cop.fill(False)
        geo.dirty = True
        occ = geo.occ  # cells + 1: citizen_pos == -1 marks the spare slot
        occ.fill(False)
        occ[state.citizen_pos] = True
        occ[state.cop_pos] = True
        occ[-1] = False

        if p.legitimacy_schedule is not None:
            state.legitimacy = float(p.legitimacy_schedule.value_at(p.legitimacy, s))
        if p.cop_density_schedule is not None:
            target = p.cop_density_schedule.value_at(p.cop_density, s)
            _adjust_cops(state, occ, round(target * p.width * p.height), rng["schedule"])
        _jail(state, occ, rng["jail"])
        _decide(state)
        _arrest(state, geo, rng["arrest"], rng["jail"])
        if p.movement:
            _move(state, geo, rng["movement"])
        geo.dirty = False

    def metrics(self, state: State) -> dict[str, float]:
        """Counts of citizens (active, quiet, jailed; arrests this step), cops, L, mean G.

        ``active + arrests`` is the number of citizens who were active right
        after this step's decisions.
        """
        n = state.active.size
        active = int(np.count_nonzero(state.active))
        jailed = int(np.count_nonzero(state.jailed))
        mean_h = float(state.hardship.mean()) if n else 0.0
        return {
            "active": float(active),
            "quiet": float(n - active - jailed),
            "jailed": float(jailed),
            "arrests": float(state.arrests),
            "cops": float(np.count_nonzero(state.cop_pos >= 0)),
            "legitimacy": float(state.legitimacy),
            "mean_grievance": mean_h * (1.0 - float(state.legitimacy)),
        }

    def estimate_bytes(self, scenario: Any) -> int:
        """Peak bytes of a run: state, scratch grids and per-step temporaries."""
        p = scenario.params
        cells = p.width * p.height
        n_cit = round(p.citizen_density * cells)
        agents = n_cit + _cop_slots(p)
        state = n_cit * (4 + 8 + 8 + 1 + 1 + 4) + (agents - n_cit) * 4
        nbc = neighbourhood(p.citizen_vision, p.neighbourhood, p.height, p.width)
        nbk = neighbourhood(p.cop_vision, p.neighbourhood, p.height, p.width)
        py, px = max(nbc.pad_y, nbk.pad_y), max(nbc.pad_x, nbk.pad_x)
        padded = (p.height + 2 * py) * (p.width + 2 * px + 1)
        cw = 8 if nbc.size >= 1 << 15 else 4
        # sliding minima of the arrest lookups: one padded grid per doubling
        levels = (2 * max(int(nbk.half.max()), 0) + 1).bit_length() + 2
        # by cell: occupancy, cop ids, key grid, movement's dest, count grids; by padded
        # cell: wrap and inner maps, movement's free/movers/cops and claims, prefix sums
        grids = cells * (1 + 4 + 4 + 4 + 3 * cw) + padded * (4 + 8 + 3 + 8 + 2 * cw + 4 * levels)
        per_agent = agents * 96  # decisions (float64) and movement temporaries
        gather = _GATHER_BLOCK * 8 * 3
        return int(1.25 * (state + grids + per_agent + gather)) + (1 << 20)

    # ------------------------------------------------------------------ helpers
    def _step_sequential(self, state: State, rng: Streams, s: int) -> None:
        """Mesa's schedule (`scslab.models.epstein_sequential`; numba, imported here)."""
        from scslab.models import epstein_sequential as seq

        p = state.params
        if p.legitimacy_schedule is not None:
            state.legitimacy = float(p.legitimacy_schedule.value_at(p.legitimacy, s))
        if p.cop_density_schedule is not None:
            occ = np.zeros(p.width * p.height + 1, dtype=bool)
            occ[state.citizen_pos] = True
            occ[state.cop_pos] = True
            occ[-1] = False
            target = p.cop_density_schedule.value_at(p.cop_density, s)
            _adjust_cops(state, occ, round(target * p.width * p.height), rng["schedule"])
        geo: Any = getattr(self._local, "seq", None)
        if geo is None or geo.key != _geometry_key(p):
            self._local.seq = None
            geo = seq.SequentialGeometry(p)
            self._local.seq = geo
        seq.step(state, geo, rng, _p_table(float(p.arrest_prob_constant)))

    def _geometry(self, p: Any) -> _Geometry:
        geo: _Geometry | None = getattr(self._local, "geo", None)
        if geo is None or geo.key != _geometry_key(p):
            self._local.geo = None  # free the old one first
            geo = _Geometry(p)
            self._local.geo = geo
        return geo


def _cop_slots(p: Any) -> int:
    """Cop slots: enough for the largest number of cops the run can hold."""
    cells = p.width * p.height
    n_cit = round(p.citizen_density * cells)
    densities = [p.cop_density]
    if p.cop_density_schedule is not None:
        densities.append(p.cop_density_schedule.target)
    return min(max(round(d * cells) for d in densities), cells - n_cit)


# --------------------------------------------------------------------------- mechanisms
def _adjust_cops(state: State, occ: NDArray[np.bool_], target: int, g: np.random.Generator) -> None:
    """Remove random cops, or add cops on random empty cells, to reach `target` cops."""
    cop_pos: IntArray = state.cop_pos
    alive = np.flatnonzero(cop_pos >= 0)
    if target < alive.size:
        gone = g.choice(alive, alive.size - target, replace=False)
        occ[cop_pos[gone]] = False
        cop_pos[gone] = -1
    elif target > alive.size:
        empty = occ.size - 1 - int(np.count_nonzero(occ[:-1]))
        # keep a cell for every jailed citizen who has left the grid
        off_grid = int(np.count_nonzero(state.citizen_pos < 0))
        free_slots = np.flatnonzero(cop_pos < 0)
        n = min(target - alive.size, empty - off_grid, free_slots.size)
        if n > 0:
            cells = _empty_cells(occ, n, g)
            cop_pos[free_slots[:n]] = cells
            occ[cells] = True


def _jail(state: State, occ: NDArray[np.bool_], g: np.random.Generator) -> None:
    """Count jail terms down; release those at 0 (on a random empty cell if needed)."""
    jailed = np.flatnonzero(state.jailed)
    if jailed.size == 0:
        return
    left = state.jail_left[jailed]
    out = jailed[left == 0]
    counting = jailed[left > 0]
    state.jail_left[counting] -= 1
    if out.size == 0:
        return
    state.jailed[out] = False
    off = out[state.citizen_pos[out] < 0]
    if off.size:
        cells = _empty_cells(occ, off.size, g)
        state.citizen_pos[off] = cells
        occ[cells] = True


def _empty_cells(occ: NDArray[np.bool_], n: int, g: np.random.Generator) -> IntArray:
    """`n` distinct empty cells, uniformly at random (``occ`` has a spare last slot).

    When empty cells are plentiful, draws random cells and keeps the first
    empty, distinct ones (a uniform sample without replacement, in O(n));
    otherwise lists the empty cells and samples from them.
    """
    cells = occ.size - 1
    free = cells - int(np.count_nonzero(occ[:-1]))
    if free >= 20 * n and 20 * free >= cells:
        size = int(1.5 * n * cells / free) + 16
        for _ in range(4):
            draw = g.integers(0, cells, size=size)
            draw = draw[~occ.take(draw)]
            _, first = np.unique(draw, return_index=True)
            if first.size >= n:
                return draw.take(np.sort(first)[:n]).astype(np.int32)
    return g.choice(np.flatnonzero(~occ[:-1]), n, replace=False).astype(np.int32)


def _could_act(hardship: NDArray[np.float64], legitimacy: float, threshold: float) -> int:
    """Number of citizens with ``G = H (1 - L) > T``: a prefix, hardship being sorted.

    Only they can be active (``R P >= 0``). Bisection with the expression the
    decision uses, so it agrees with it to the last bit.
    """
    lo, hi = 0, hardship.size
    scale = 1.0 - legitimacy
    while lo < hi:
        mid = (lo + hi) // 2
        if float(hardship[mid]) * scale > threshold:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _decide(state: State) -> None:
    """Every free citizen turns active iff ``G - R P > T``, all at once.

    The counts are those of the grid as it stands: cops now, actives as they
    were decided last step. Citizens are sorted by hardship, so those who
    could be active at all form a prefix and only it is computed.
    """
    p = state.params
    act = state.active
    k = _could_act(state.hardship, state.legitimacy, p.active_threshold)
    if k == 0:
        act.fill(False)
        return
    h, w = p.height, p.width
    nb = neighbourhood(p.citizen_vision, p.neighbourhood, h, w)
    # cops in the low bits, actives in the high bits: one pass counts both, in
    # the narrowest integers that hold them (the high part stays positive)
    dtype: type[np.integer[Any]]
    if nb.size < 1 << 7:
        dtype, shift = np.int16, 8
    elif nb.size < 1 << 15:
        dtype, shift = np.int32, 16
    else:
        dtype, shift = np.int64, 32
    grid = np.zeros(h * w + 1, dtype=dtype)  # spare slot for index -1
    grid[state.cop_pos] = 1
    grid[state.citizen_pos.take(np.flatnonzero(act))] = 1 << shift
    grid[-1] = 0
    counts = neighbourhood_sum(grid[:-1].reshape(h, w), nb).ravel()
    # jailed or not (citizen_pos -1 reads the last cell, masked below): contiguous
    # arithmetic over the prefix is cheaper than gathering the free citizens
    c = counts.take(state.citizen_pos[:k], mode="wrap")  # -1: the last cell, masked below
    cops = c & ((1 << shift) - 1)
    others = (c >> shift) - act[:k]  # actives in vision, oneself excluded
    if nb.size <= _PROB_GRID_MAX:  # P looked up by (C, A): the same values, faster
        at = cops.astype(np.intp)
        at *= nb.size + 2
        at += others
        prob = _prob_grid(float(p.arrest_prob_constant), p.arrest_formula, nb.size).take(at)
    else:
        prob = arrest_probability(cops, others + 1, p.arrest_prob_constant, p.arrest_formula)
    net = state.hardship[:k] * (1.0 - state.legitimacy)
    net -= state.risk_aversion[:k] * prob
    np.greater(net, p.active_threshold, out=act[:k])
    act[:k] &= ~state.jailed[:k]
    act[k:] = False


#: Largest shape whose arrest probabilities `_decide` tabulates by (C, A).
_PROB_GRID_MAX = 256


@lru_cache(maxsize=16)
def _prob_grid(k: float, formula: str, size: int) -> NDArray[np.float64]:
    """`arrest_probability` for ``C = 0..size`` cops and ``A = 1..size + 2``, flat.

    Entry ``C * (size + 2) + A - 1`` holds P for ``C`` cops and ``A`` actives
    counting oneself.
    """
    c = np.repeat(np.arange(size + 1), size + 2)
    a = np.tile(np.arange(1, size + 3), size + 1)
    table = arrest_probability(c, a, k, formula)
    table.flags.writeable = False
    return table


def _cop_min(keygrid: KeyArray, geo: _Geometry, base: NDArray[np.intp]) -> KeyArray:
    """Smallest key of `keygrid` in the cop vision around each padded `base` cell.

    Gathers the shape around every cop (cops x shape lookups); with many cops,
    `_cop_min_rows` does the same in passes over the grid.
    """
    offs = geo.cop_seen
    out = np.empty(base.size, dtype=keygrid.dtype)
    # many cops: build the padded key grid once; few: look up through `wrap`
    padded = keygrid.take(geo.wrap, mode="wrap") if _pad_first(geo, base.size) else None
    block = max(1, _GATHER_BLOCK // offs.size)
    for lo in range(0, base.size, block):
        idx = base[lo : lo + block, None] + offs[None, :]
        vals = (
            padded.take(idx)
            if padded is not None
            else keygrid.take(geo.wrap.take(idx), mode="wrap")
        )
        out[lo : lo + block] = vals.min(axis=1)
    return out


def _cop_min_rows(keygrid: KeyArray, geo: _Geometry, base: NDArray[np.intp]) -> KeyArray:
    """`_cop_min` by rows: sliding minima along the rows, then one lookup per row of the shape.

    Minima over windows of width ``2^j`` are built by doubling, and a window of
    width ``L`` is the minimum of two overlapping ``2^j`` windows (``2^j <= L``).
    """
    nb = geo.cop
    w, px, wp = nb.width, geo.pad_x, geo.wp
    padded = keygrid.take(geo.wrap, mode="wrap").reshape(-1, wp)
    halves = nb.half[nb.half >= 0]
    top = int(halves.max()) if halves.size else 0
    levels = [padded]  # levels[j][:, c] = min of padded[:, c : c + 2^j]
    while 2 ** len(levels) <= 2 * top + 1:
        prev, step = levels[-1], 2 ** (len(levels) - 1)
        levels.append(np.minimum(prev[:, :-step], prev[:, step:]))
    yp = base // wp
    at = yp * w + (base - yp * wp - px)  # (row in padded, column in grid), row-major
    out = np.full(base.size, np.iinfo(keygrid.dtype).max, dtype=keygrid.dtype)
    for hw in np.unique(nb.half).tolist():
        if hw < 0:
            rows = np.repeat(padded[:, px : px + w].min(axis=1, keepdims=True), w, axis=1)
        else:
            size = 2 * hw + 1
            j = size.bit_length() - 1
            lev, s = levels[j], px - hw
            rows = np.minimum(lev[:, s : s + w], lev[:, s + size - 2**j : s + size - 2**j + w])
        flat = rows.ravel()
        for dy in nb.dy[nb.half == hw].tolist():
            np.minimum(out, flat.take(at + dy * w), out=out)
    return out


def _active_min(
    keys: KeyArray, geo: _Geometry, base: NDArray[np.intp], n_cops: int, none: int
) -> KeyArray:
    """Smallest key of the actives (padded `base` cells) each cop sees, or `none`.

    Cops are found through ``geo.cop_id`` (cell -> cop index, -1 elsewhere).
    Equal to `_cop_min` (every shape is symmetric: a cop sees an active iff
    the active's cop-vision shape holds the cop) but costs actives x shape.
    """
    offs = geo.cop_seen
    out = np.full(n_cops, none, dtype=keys.dtype)
    padded = geo.cop_id.take(geo.wrap, mode="wrap") if _pad_first(geo, base.size) else None
    block = max(1, _GATHER_BLOCK // offs.size)
    for lo in range(0, base.size, block):
        idx = base[lo : lo + block, None] + offs[None, :]
        cid = (
            padded.take(idx)
            if padded is not None
            else geo.cop_id.take(geo.wrap.take(idx), mode="wrap")
        ).ravel()
        hit = np.flatnonzero(cid >= 0)
        if hit.size:
            k = keys[lo : lo + block].take(hit // offs.size)
            np.minimum.at(out, cid.take(hit), k)
    return out


def _pad_first(geo: _Geometry, n: int) -> bool:
    """Whether `n` cop-vision lookups are cheaper on a padded copy of a grid.

    A lookup through `wrap` is two scattered reads; a padded copy costs one
    sequential pass over the grid and saves a scattered read per lookup.
    """
    return 4 * n * geo.cop_seen.size > geo.wrap.size


def _cheapest(geo: _Geometry, n_active: int, n_cops: int) -> str:
    """Which of `_active_min`, `_cop_min`, `_cop_min_rows` is cheapest here.

    A rough model of their cost (in ns on a laptop-class core); all three
    give the same answer, so the choice changes only the time taken.
    """
    size = geo.cop_seen.size
    rows = geo.cop.dy.size
    passes = geo.row_passes
    pad = float(geo.wrap.size)
    cost = {
        "active": 5.0 * n_active * size + (pad if _pad_first(geo, n_active) else 0.0),
        "gather": 3.0 * n_cops * size + (pad if _pad_first(geo, n_cops) else 0.0),
        "rows": 0.5 * pad * passes + 3.0 * n_cops * rows + 5e4,
    }
    return min(cost, key=lambda k: cost[k])


def _arrest(
    state: State, geo: _Geometry, g: np.random.Generator, g_jail: np.random.Generator
) -> None:
    """Each cop arrests one random active citizen within its vision (`arrests`).

    The arrested turn quiet and jailed for ``U{0..max_jail_term}`` steps drawn
    from `g_jail` (-1, for life, when the term is null), and leave the grid
    unless ``jailed_stay_on_cell``.
    """
    p = state.params
    _, arrested = arrests(state, geo, g)
    state.arrests = int(arrested.size)
    if arrested.size == 0:
        return
    arrested = np.sort(arrested)
    state.active[arrested] = False
    state.jailed[arrested] = True
    if p.max_jail_term is None:
        state.jail_left[arrested] = -1
    else:
        state.jail_left[arrested] = g_jail.integers(
            0, p.max_jail_term + 1, size=arrested.size, dtype=np.int32
        )
    if not p.jailed_stay_on_cell:
        geo.occ[state.citizen_pos[arrested]] = False
        state.citizen_pos[arrested] = -1


def arrests(
    state: State, geo: _Geometry, g: np.random.Generator
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Who arrests whom: ``(cop slots, citizens)``, one pair per arrest.

    Every active citizen gets a distinct random key; each cop picks the active
    with the smallest key in its vision (a uniformly random one, since keys
    are exchangeable). When several cops pick the same citizen, the cop with
    the smallest random priority arrests it; the others try again with the
    arrested citizens removed, for at most `ARREST_ROUNDS` rounds. No citizen
    is arrested twice and no cop arrests twice. Keys and priorities come from
    `g`, so a seed fixes the result; which of the three equivalent lookups
    (`_cheapest`) runs changes only the time taken.
    """
    empty = np.empty(0, dtype=np.intp)
    p = state.params
    act = np.flatnonzero(state.active)
    cops = np.flatnonzero(state.cop_pos >= 0)
    if act.size == 0 or cops.size == 0:
        return empty, empty
    cells = p.height * p.width
    none = int(act.size)
    # keys 0..n-1, `none` = n for no active; 16 bits halve the traffic of the lookups
    key_type = np.int16 if act.size < np.iinfo(np.int16).max else np.int32
    keys: KeyArray = g.permutation(act.size).astype(key_type)
    owner = np.empty(act.size, dtype=np.intp)  # key -> citizen
    owner[keys] = act
    slot = np.empty(act.size, dtype=np.intp)  # key -> index in `act`
    slot[keys] = np.arange(act.size)
    prio = g.permutation(cops.size).astype(np.int32)
    act_base = geo.base(state.citizen_pos.take(act))
    cop_cells = state.cop_pos.take(cops)
    cop_base = geo.base(cop_cells)
    keygrid: KeyArray | None = None  # cell -> key of its active; built when needed
    free = np.ones(act.size, dtype=bool)  # actives not arrested yet
    seeking = np.arange(cops.size)  # cops that have not arrested yet
    taken: list[NDArray[Any]] = []
    takers: list[NDArray[np.intp]] = []
    for _ in range(ARREST_ROUNDS):
        left = np.flatnonzero(free)
        how = _cheapest(geo, left.size, seeking.size)
        if how == "active":  # look from the few actives
            cop_id = geo.cop_id
            cop_id[cop_cells.take(seeking)] = np.arange(seeking.size, dtype=np.int32)
            cand = _active_min(keys.take(left), geo, act_base.take(left), seeking.size, none)
            cop_id[cop_cells.take(seeking)] = -1
        else:  # look from the cops
            if keygrid is None:
                keygrid = np.full(cells, none, dtype=key_type)
                keygrid[state.citizen_pos.take(act.take(left))] = keys.take(left)
            look = _cop_min if how == "gather" else _cop_min_rows
            cand = look(keygrid, geo, cop_base.take(seeking))
        has = np.flatnonzero(cand < none)
        seeking, cand = seeking.take(has), cand.take(has)
        if seeking.size == 0:
            break
        best = np.full(act.size, _I32_MAX, dtype=np.int32)
        np.minimum.at(best, cand, prio.take(seeking))
        won = best.take(cand) == prio.take(seeking)
        got = cand[won]
        taken.append(got)
        takers.append(seeking[won])
        seeking = seeking[~won]
        if seeking.size == 0:
            break
        if keygrid is not None:
            keygrid[state.citizen_pos.take(owner.take(got))] = none
        free[slot.take(got)] = False
    if not taken:
        return empty, empty
    return cops.take(np.concatenate(takers)), owner.take(np.concatenate(taken))


def _move(state: State, geo: _Geometry, g: np.random.Generator) -> None:
    """Free agents move to random empty cells within their vision, all at once.

    Rejection sampling in at most `MOVE_ROUNDS` rounds. In a round every
    remaining mover draws one cell of its shape (own cell excluded) uniformly
    at random; a mover whose cell is empty at the start of the round claims
    it, and among the movers claiming one cell the one with the smallest
    random key wins. Winners move (the cells they leave are empty from the
    next round on) and are done; the others draw again. A mover that has won
    no cell after the last round stays where it is. Each mover's first empty
    draw is uniform over the empty cells of its shape, so a move goes to a
    uniformly random empty cell within vision; a mover with few empty cells
    nearby, or that keeps losing conflicts, may stay although one exists.

    Movers are handled as padded cells in cell order (see `_Geometry`), so
    that every lookup stays near the previous one.
    """
    p = state.params
    h, w = p.height, p.width
    cit_moves, cop_moves = geo.cit_move.size > 0, geo.cop_move.size > 0
    if not (cit_moves or cop_moves):
        return
    occ, free, movers = geo.occ[:-1].reshape(h, w), geo.free, geo.movers
    inside = geo.inside
    np.logical_not(occ, out=free.reshape(-1, geo.wp)[inside], dtype=bool, casting="unsafe")
    geo.mirror_free()
    # movers: padded interior cells, in cell order
    mov2d = movers.reshape(-1, geo.wp)
    if cit_moves and cop_moves:
        mov2d[inside] = occ
        if p.jailed_stay_on_cell:  # jailed citizens hold their cells without moving
            held = state.citizen_pos[state.jailed]
            movers[geo.base(held[held >= 0])] = False
    else:
        mov2d[inside] = False
        on = state.citizen_pos[~state.jailed] if cit_moves else state.cop_pos
        movers[geo.base(on[on >= 0])] = True
    pb = np.flatnonzero(movers)
    if pb.size == 0:
        return
    table = geo.move_table
    kind = None  # per mover: 0 (citizen) or 2^bits (cop), the half of the table it draws from
    if table.size > 1 << geo.move_bits:
        if not cit_moves:
            table = table[1 << geo.move_bits :]
        elif cop_moves:
            cop_cells = geo.base(state.cop_pos[state.cop_pos >= 0])
            is_cop = geo.is_cop
            is_cop[cop_cells] = True
            kind = is_cop.take(pb).astype(geo.draw_type) << geo.move_bits
            is_cop[cop_cells] = False
    claim, free_bool = geo.claim, free.view(bool)
    scratch = geo.move_scratch(pb.size)
    draw = _bit_source(g)
    moved_from: list[NDArray[np.intp]] = []
    moved_to: list[NDArray[np.intp]] = []
    for r in range(MOVE_ROUNDS):
        m = pb.size
        if m <= _MOVE_CHUNK:
            cl, t = _candidates(draw, geo, table, pb, kind, scratch, free_bool)
        else:  # in chunks, so that the temporaries stay in cache
            parts = []
            for lo in range(0, m, _MOVE_CHUNK):
                part = slice(lo, lo + _MOVE_CHUNK)
                k_part = None if kind is None else kind[part]
                parts.append(
                    _candidates(draw, geo, table, pb[part], k_part, scratch, free_bool, lo)
                )
            cl = np.concatenate([c for c, _ in parts])
            t = np.concatenate([x for _, x in parts])
        if cl.size:
            # distinct keys: 32 random bits above the claimant's index
            key = draw(cl.size, _U32).astype(np.int64)
            key <<= 32
            key |= cl
            np.minimum.at(claim, t, key)
            won = (claim.take(t) == key).nonzero()[0]
            t_won = t.take(won)
            claim[t_won] = _I64_MAX
            win = cl.take(won)
            from_won = pb.take(win)
            moved_from.append(from_won)
            moved_to.append(t_won)
            if r + 1 == MOVE_ROUNDS or win.size == m:
                break
            free[from_won] = 1
            free[t_won] = 0
            geo.mirror_free()
            stay = scratch.stay[:m]
            stay.fill(True)
            stay[win] = False
            pb = np.compress(stay, pb)
            if kind is not None:
                kind = np.compress(stay, kind)
    if not moved_from:
        return
    # torus cell -> its agent's new cell, applied to every position, then reset
    wrap, dest = geo.wrap, geo.dest
    src = wrap.take(np.concatenate(moved_from)).astype(np.intp)
    dest[src] = wrap.take(np.concatenate(moved_to))
    state.citizen_pos[:] = dest.take(state.citizen_pos, mode="wrap")  # -1 stays -1
    state.cop_pos[:] = dest.take(state.cop_pos, mode="wrap")
    dest[src] = src


class _MoveScratch:
    """Buffers of the movement phase, kept between steps.

    Offsets, free codes and flags of one chunk of candidates; the flags of the
    movers left after a round.
    """

    def __init__(self, chunk: int, movers: int) -> None:
        self.size = (chunk, movers)
        self.off = np.empty(chunk, dtype=np.intp)
        self.code = np.empty(chunk, dtype=np.uint8)
        self.hit = np.empty(chunk, dtype=bool)
        self.stay = np.empty(movers, dtype=bool)


def _candidates(
    draw: Any,
    geo: _Geometry,
    table: NDArray[np.intp],
    pb: NDArray[np.intp],
    kind: NDArray[Any] | None,
    scratch: _MoveScratch,
    free_bool: NDArray[np.bool_],
    lo: int = 0,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """One random cell of its shape for each mover of `pb` (padded interior cells).

    Returns ``(i + lo, cell)`` for the movers ``i`` whose cell is empty, with
    the cell as a padded interior index (margins resolved through `inner`).
    """
    m = pb.size
    u = draw(m, geo.draw_type)
    u &= geo.move_mask
    if kind is not None:
        u |= kind
    off = np.take(table, u, out=scratch.off[:m], mode="wrap")
    off += pb
    if geo.small:  # `inner` stays in cache: every draw to the interior
        inside = geo.inner.take(off)
        cl = np.take(free_bool, inside, out=scratch.hit[:m]).nonzero()[0]
        t = inside.take(cl)
    else:  # `free` read in the margins too (2), `inner` only for those
        code = np.take(geo.free, off, out=scratch.code[:m])
        cl = np.not_equal(code, 0, out=scratch.hit[:m]).nonzero()[0]
        t = off.take(cl)
        edge = (code.take(cl) > 1).nonzero()[0]
        if edge.size:
            t[edge] = geo.inner.take(t.take(edge))
    if lo:
        cl += lo
    return cl, t


#: Movers handled at once when drawing candidates (a multiple of 4, so that the
#: draws do not depend on it); keeps the temporaries in cache.
_MOVE_CHUNK = 1 << 15
#: Padded cells up to which movement maps every draw to the interior through
#: `inner` (kept in cache) rather than reading `free` in the margins.
_SMALL_GRID = 1 << 15
#: Bit generators whose raw output is 64 random bits.
_RAW64 = (np.random.PCG64, np.random.PCG64DXSM, np.random.Philox, np.random.SFC64)


_U32 = np.dtype(np.uint32)


def _bit_source(g: np.random.Generator) -> Any:
    """``draw(n, dtype)``: `n` uniform random integers of the unsigned `dtype`, writable.

    For the 64-bit bit generators (PCG64, the default), cuts their raw output
    into pieces, little-endian so that the values do not depend on the
    platform: 3-4x cheaper than ``g.integers`` for 16-bit values. Otherwise
    ``g.integers``.
    """
    bg = g.bit_generator
    if not isinstance(bg, _RAW64):

        def draw_integers(n: int, dtype: np.dtype[Any]) -> NDArray[Any]:
            return g.integers(0, 1 << (8 * dtype.itemsize), size=n, dtype=dtype)

        return draw_integers
    raw = bg.random_raw
    if np.little_endian:

        def draw_raw(n: int, dtype: np.dtype[Any]) -> NDArray[Any]:
            per = 8 // dtype.itemsize
            return raw((n + per - 1) // per).view(dtype)[:n]

        return draw_raw

    def draw_swapped(n: int, dtype: np.dtype[Any]) -> NDArray[Any]:
        per = 8 // dtype.itemsize
        pieces = raw((n + per - 1) // per).byteswap().view(dtype.newbyteorder("<"))
        return pieces.astype(dtype)[:n]

    return draw_swapped


def _random_bits(g: np.random.Generator, n: int, dtype: np.dtype[Any]) -> NDArray[Any]:
    """`n` uniform random integers of the unsigned `dtype` (see `_bit_source`)."""
    result: NDArray[Any] = _bit_source(g)(n, dtype)
    return result


def _move_table(cit: NDArray[np.intp], cop: NDArray[np.intp]) -> tuple[int, NDArray[np.intp]]:
    """Move offsets indexed by random bits: ``(bits, table)``.

    The table has ``2^bits`` entries per kind of agent (citizens', then cops'
    when their shape differs): the shape's offsets repeated as often as they
    fit, then 0 (the mover's own cell, never empty: a wasted draw), so that
    ``bits`` uniform random bits pick every offset of the shape with the same
    probability. ``2^bits >= 8 x size``, so at most 1/8 of the draws are wasted
    (1.6 % for the 112 offsets of von Neumann vision 7).
    """
    size = max(cit.size, cop.size, 1)
    bits = (size - 1).bit_length() + 3
    n = 1 << bits

    def half(off: NDArray[np.intp]) -> NDArray[np.intp]:
        out = np.zeros(n, dtype=np.intp)
        if off.size:
            k = n // off.size
            out[: k * off.size] = np.tile(off, k)
        return out

    if np.array_equal(cit, cop):
        return bits, half(cit)
    return bits, np.concatenate([half(cit), half(cop)])
