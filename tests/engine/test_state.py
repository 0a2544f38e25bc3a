from __future__ import annotations

import numpy as np

from scslab.engine import State


def test_fields_exclude_reserved_and_roundtrip_scalars():
    s = State(params="p", step=3, x=np.arange(3, dtype=np.int32), total=1.5, flag=True)
    f = s.fields()
    assert set(f) == {"x", "total", "flag"}
    assert set(s.python_scalars()) == {"total", "flag"}
    r = State.from_fields(f, params="p", step=3, python_scalars=s.python_scalars())
    assert r.step == 3 and r.params == "p"
    assert isinstance(r.total, float) and r.total == 1.5
    assert r.x.dtype == np.int32
    # NumPy 2 promotion: a restored Python scalar keeps float32 arithmetic in float32
    assert (np.ones(2, np.float32) * r.total).dtype == np.float32


def test_nbytes_counts_arrays():
    s = State(a=np.zeros(10, np.float64), b=np.zeros(4, np.int8))
    assert s.nbytes() == 84
