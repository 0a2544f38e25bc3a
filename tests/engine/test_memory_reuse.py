"""`reuse_freed_memory`: large temporaries reuse freed pages instead of faulting them in."""

import subprocess
import sys

import pytest

# Allocate and free a 64 MB array 6 times; print the minor page faults of the last 5.
FAULTS = """
import resource, sys
import numpy as np
from scslab.engine.memory import reuse_freed_memory
if sys.argv[1] == "on":
    assert reuse_freed_memory()
def churn():
    a = np.ones(8_000_000)  # 64 MB: above glibc's largest mmap threshold (32 MiB)
    return float(a[-1])
churn()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    churn()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", FAULTS, mode], capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's malloc")
def test_freed_arrays_are_reused_without_page_faults():
    off, on = _faults("off"), _faults("on")
    # off: every array is mapped afresh (64 MB = 15,625 pages of 4 KiB, or 31 huge pages);
    # on: the pages freed by the first array serve the next ones
    assert on < 100, (off, on)
    assert off > 5 * 25, (off, on)
