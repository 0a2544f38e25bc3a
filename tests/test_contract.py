"""Checks every model and every bundled preset must pass (shapes, dtypes, determinism)."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import scslab
from scslab.engine import Streams, simulate
from scslab.scenario import MODELS, kernel, list_presets, load_scenario

PRESETS = [p.name for p in list_presets()]
STEPS = 6


def _simulate(scn, **kw):
    return simulate(
        kernel(scn.model), scn, Streams(np.random.SeedSequence(scn.seed)), steps=STEPS, **kw
    )


def _same(rows_a, rows_b):
    """Metric rows equal, NaN equal to NaN (a measure may have no value: NaN)."""
    if len(rows_a) != len(rows_b):
        return False
    for a, b in zip(rows_a, rows_b, strict=True):
        if a.keys() != b.keys():
            return False
        for x, y in zip(a.values(), b.values(), strict=True):
            if not (x == y or (math.isnan(x) and math.isnan(y))):
                return False
    return True


def test_there_are_presets_for_every_real_model():
    models = {p.model for p in list_presets()}
    assert {m for m in MODELS if m != "toy"} <= models


@pytest.mark.parametrize("name", PRESETS)
def test_preset_contract(name):
    scn = load_scenario(name)
    assert scn.name and scn.description.strip(), "a preset says what it is"
    model = kernel(scn.model)
    state = model.init(scn, Streams(np.random.SeedSequence(1)))
    for field, value in state.fields().items():
        assert isinstance(value, np.ndarray), field
        assert value.dtype != object, f"{field} has dtype object"
    state_a, rows_a = _simulate(scn)
    state_b, rows_b = _simulate(scn)
    assert _same(rows_a, rows_b), "same seed, same metrics"
    fa, fb = state_a.fields(), state_b.fields()
    assert fa.keys() == fb.keys()
    for k in fa:
        np.testing.assert_array_equal(fa[k], fb[k], err_msg=k)
        assert fa[k].dtype == model.init(scn, Streams(np.random.SeedSequence(1))).fields()[k].dtype
    keys = rows_a[0].keys()
    for row in rows_a:
        assert row.keys() == keys, "every row has the same metrics"
        for k, v in row.items():
            # NaN is "no value" (e.g. regime's disparate_impact below its minimum count)
            assert isinstance(v, float) and not math.isinf(v), (k, v)
    assert [r["step"] for r in rows_a] == list(range(STEPS + 1))  # simulate() collects every step


@pytest.mark.parametrize("name", PRESETS)
def test_preset_resume_is_bit_identical(name):
    scn = load_scenario(name)
    _, full = _simulate(scn)
    taken = []
    _simulate(scn, checkpoint_every=3, on_checkpoint=taken.append)
    _, resumed = _simulate(scn, resume=taken[0])
    assert _same(resumed, full)


@pytest.mark.parametrize("name", PRESETS)
def test_preset_runs_through_the_api(name):
    scn = load_scenario(name)
    steps = 2 * scn.collect_every + 1
    result = scslab.run(name, steps=steps, seed=3)
    expected = [0, scn.collect_every, 2 * scn.collect_every, steps]
    assert result.metrics["step"].to_list() == expected
    assert result.manifest["scenario"]["name"] == scn.name
    assert result.manifest["seed"] == {"entropy": 3, "spawn_key": []}


def test_kernel_imports_only_numpy_and_scipy():
    kernels = sorted({MODELS[m].kernel.partition(":")[0] for m in MODELS if m != "toy"})
    code = (
        "import sys\n"
        + "".join(f"import {k}\n" for k in kernels)
        + "import scslab.engine\n"
        + "bad = [m for m in ('yaml', 'pydantic', 'polars', 'pyarrow', 'duckdb', 'rich', 'matplotlib')"
        + " if m in sys.modules]\n"
        + "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"the kernel imported {out.stdout.strip()}"


SCHEDULED = {  # one preset per model, with a parameter the model reads every step
    "epstein": "params.active_threshold={at: [0, 2, 4], values: [0.1, 0.05, 0.3]}",
    "full-regime": "params.acts[0].rate={at: [0, 2, 4], values: [1.0e-5, 0.05, 0.01], "
    "interpolate: linear}",
    "axelrod-metanorms": "params.punishment={at: [0, 2, 4], values: [9, 2, 12]}",
    "granovetter-uniform": "params.friend_weight={at: [0, 2, 4], values: [1, 30, 2]}",
    "kuran-cascade": "params.sanction={at: [2013-10-02, 2013-10-05], values: [0, 0.5]}",
    "dissent-uniform-b2": "params.adamancy={at: [0, 2, 4], values: [1, 0.2, 3]}",
}


def test_every_model_has_a_scheduled_case():
    assert {load_scenario(p).model for p in SCHEDULED} == {m for m in MODELS if m != "toy"}


@pytest.mark.parametrize("name", sorted(SCHEDULED))
def test_scheduled_run_resumes_bit_identical_across_the_changes(name):
    fixed = ["params.network=random"] if name.startswith("granovetter") else []
    scn = load_scenario(name, [*fixed, "calendar.start=2013-10-01", SCHEDULED[name]])
    assert scn.schedules
    _, full = _simulate(scn)
    taken = []
    _simulate(scn, checkpoint_every=3, on_checkpoint=taken.append)
    _, resumed = _simulate(scn, resume=taken[0])
    assert _same(resumed, full)
    _, plain = _simulate(load_scenario(name, fixed))
    assert not _same(plain, full), "the schedule changes the run"
