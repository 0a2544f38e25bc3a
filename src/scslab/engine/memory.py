"""Keep freed memory for reuse: large temporaries without a page fault per page.

A step allocates a few arrays the size of the population and frees them again.
glibc's ``malloc`` serves each array larger than its mmap threshold (at most
32 MiB) with a fresh ``mmap`` and gives it back with ``munmap`` when freed, so at
10^8 people every such array (100-400 MB) costs the kernel a page fault and the
zeroing of every page, every step: a fifth of the CPU time of a year at 10^8
(docs/benchmarks.md). `reuse_freed_memory` tells ``malloc`` to serve every
allocation from its heap and to keep what is freed there, so the next step's
arrays reuse pages already mapped. The resident size of a process then does not
shrink when arrays are freed (the peak measured at 10^8 rose by ~4 %), which is
why only the commands that run a model call it (``scslab run``), not the library
on import.
"""

from __future__ import annotations

import ctypes
import sys

#: ``mallopt`` parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
#: Free memory at the top of the heap kept rather than given back (the largest an
#: ``int`` holds: mallopt takes an int).
_KEEP_BYTES = 2**31 - 1

_done = False


def reuse_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed memory for reuse (no mmap per large array).

    Returns whether the setting took (False off Linux/glibc, where nothing is
    changed). Idempotent; it affects the allocations made after the call.
    """
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _done = bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, _KEEP_BYTES))
    return _done
