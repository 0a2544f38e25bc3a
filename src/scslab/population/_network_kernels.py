"""The passes of `network.symmetric_csr`, compiled with numba (one loop over the people each).

Person ``u``'s household is ``hh[h] .. hh[h+1]-1`` for the h with
``hh[h] <= u < hh[h+1]`` (``people.make_people``'s ``hh_start``, its last entry n);
each pass walks the people in order, so it finds the household by moving h forward.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])


def _jit(f: F) -> F:
    return cast(F, numba.njit(cache=True, nogil=True)(f))


@_jit
def sent(friends: Any, hh: Any, sent: Any) -> None:
    """Sort each row; loops, repeats and household ties become n; count the ties kept."""
    n, k = friends.shape
    h = 0
    for u in range(n):
        while hh[h + 1] <= u:
            h += 1
        lo, hi = hh[h], hh[h + 1]
        row = friends[u]
        for j in range(1, k):  # insertion sort: k is small
            x = row[j]
            i = j - 1
            while i >= 0 and row[i] > x:
                row[i + 1] = row[i]
                i -= 1
            row[i + 1] = x
        kept = 0
        prev = -1
        for j in range(k):
            x = row[j]
            drop = (lo <= x < hi) or (j > 0 and x == prev)
            prev = x
            if drop:
                row[j] = n
            else:
                kept += 1
        sent[u] = kept


@_jit
def received(friends: Any, ptr: Any, idx: Any) -> None:
    """``idx[ptr[v]:ptr[v+1]]``: who sent a kept tie to v, ascending (`ptr` zeroed, n + 1)."""
    n, k = friends.shape
    for u in range(n):
        for j in range(k):
            v = friends[u, j]
            if v < n:
                ptr[v + 1] += 1
    for v in range(n):
        ptr[v + 1] += ptr[v]
    for u in range(n):  # ptr[v] walks v's slots: after this pass it is v's end
        for j in range(k):
            v = friends[u, j]
            if v < n:
                idx[ptr[v]] = u
                ptr[v] += 1
    for v in range(n, 0, -1):
        ptr[v] = ptr[v - 1]
    ptr[0] = 0


@_jit
def degrees(friends: Any, hh: Any, sent: Any, ptr: Any, idx: Any, deg: Any) -> None:
    """Mark a tie received that v also sent as -1; v's degree: household, sent, received."""
    n, k = friends.shape
    h = 0
    for v in range(n):
        while hh[h + 1] <= v:
            h += 1
        both = 0
        for r in range(ptr[v], ptr[v + 1]):
            u = idx[r]
            for j in range(k):
                if friends[v, j] == u:
                    idx[r] = -1
                    both += 1
                    break
        deg[v] = (hh[h + 1] - hh[h] - 1) + sent[v] + (ptr[v + 1] - ptr[v]) - both


@_jit
def fill(friends: Any, hh: Any, ptr: Any, idx: Any, indptr: Any, indices: Any) -> None:
    """Row v: its household but v, its ties sent, its ties received and not sent."""
    n, k = friends.shape
    h = 0
    for v in range(n):
        while hh[h + 1] <= v:
            h += 1
        at = indptr[v]
        for m in range(hh[h], hh[h + 1]):
            if m != v:
                indices[at] = m
                at += 1
        for j in range(k):
            x = friends[v, j]
            if x < n:
                indices[at] = x
                at += 1
        for r in range(ptr[v], ptr[v + 1]):
            u = idx[r]
            if u >= 0:
                indices[at] = u
                at += 1


@_jit
def count_changes(
    indptr: Any,
    indices: Any,
    new: Any,
    old: Any,
    new64: Any,
    old64: Any,
    counts: Any,
    mask: Any,
    sync: bool,
) -> int:
    """``counts[w] += 1`` for each tie w of a person now on, not before; ``-= 1`` the reverse.

    On: ``(x & mask) != 0`` of the person's byte in `new` / `old` (uint8). `new64` and
    `old64` are the same bytes as uint64 words (the whole words): equal words are
    skipped 8 people at a time. With `sync`, `old` takes the value of `new` where they
    differ. Returns the change in ``counts.sum()``.
    """
    change = 0
    n = new.size
    for w in range(new64.size + 1):
        if w < new64.size:
            if new64[w] == old64[w]:
                continue
            lo, hi = 8 * w, 8 * w + 8
        else:
            lo, hi = 8 * new64.size, n  # the bytes after the last whole word
        for v in range(lo, hi):
            on = (new[v] & mask) != 0
            was = (old[v] & mask) != 0
            if on != was:
                a, b = indptr[v], indptr[v + 1]
                if on:
                    for r in range(a, b):
                        counts[indices[r]] += 1
                    change += b - a
                else:
                    for r in range(a, b):
                        counts[indices[r]] -= 1
                    change -= b - a
            if sync:
                old[v] = new[v]
    return change
