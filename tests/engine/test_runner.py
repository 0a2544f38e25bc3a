from __future__ import annotations

import numpy as np
import pytest

from scslab.engine import Streams, simulate
from scslab.scenario import kernel, load_scenario


def _run(scn, **kw):
    return simulate(
        kernel(scn.model),
        scn,
        Streams(np.random.SeedSequence(scn.seed)),
        steps=scn.steps,
        collect_every=scn.collect_every,
        **kw,
    )


def test_collects_initial_every_k_and_last(toy_scenario):
    scn = load_scenario({**toy_scenario, "steps": 10, "collect_every": 4})
    _, rows = _run(scn)
    assert [r["step"] for r in rows] == [0, 4, 8, 10]


def test_on_step_reports_progress(toy_scenario):
    seen = []
    scn = load_scenario(toy_scenario)
    _run(scn, on_step=lambda d, t: seen.append((d, t)))
    assert seen == [(i, scn.steps) for i in range(1, scn.steps + 1)]


@pytest.mark.parametrize("at", [1, 7, 19])
def test_resume_from_checkpoint_is_bit_identical(toy_scenario, at):
    scn = load_scenario(toy_scenario)
    _, full = _run(scn)
    taken = []
    _run(scn, checkpoint_every=at, on_checkpoint=taken.append)
    assert taken and all(c.step % at == 0 and c.step < scn.steps for c in taken)
    ckpt = taken[0]
    _, resumed = _run(scn, resume=ckpt)
    assert resumed == full  # every float equal


def test_no_checkpoint_after_last_step(toy_scenario):
    scn = load_scenario({**toy_scenario, "steps": 10})
    taken = []
    _run(scn, checkpoint_every=5, on_checkpoint=taken.append)
    assert [c.step for c in taken] == [5]
