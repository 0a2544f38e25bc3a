"""Cross-check scslab's ``epstein-mesa`` preset against Mesa 3.3.1's bundled model.

Both models run on Mesa's defaults (40x40 torus, citizens 0.7, cops 0.074, vision 7
von Neumann, legitimacy 0.8, jail U{0..1000}, ``round(C/A)``) over several seeds;
a statistic agrees when

    |mean_scslab - mean_mesa| <= 2 * sqrt(se_scslab**2 + se_mesa**2) + FLOOR,

``se = sd / sqrt(n_seeds)`` over per-seed values. The rules of Mesa's model, and
why the two can differ, are written down in ``docs/models/epstein-mesa-notes.md``.

What differs, and what these seeds can and cannot see (measured with many more
seeds outside this file; numbers in ``docs/models/epstein-mesa-notes.md``): Mesa
steps agents one at a time in a shuffled order, scslab's kernel phase by phase
for everyone at once. That shows at step 1 (``test_first_step_arrests``, an
expected failure) and as a slower growth of the jail over 150 steps (median
+5 vs Mesa's +12 from step 10 to 150; a version of Mesa rewritten to step
synchronously matches scslab). The window test below, with 10 Mesa seeds and
outbursts that make the jail's spread between seeds large, cannot resolve that
second difference; it does catch any gross rule difference.

Budget: Mesa runs ~5 s per 150-step seed on 40x40 here (its first step also
builds its neighbourhood caches), so the file uses 10 long Mesa runs and 40
two-step ones (~70 s on one core); scslab's runs cost ~0.1 s each, so it gets
more seeds.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

mesa_epstein = pytest.importorskip(
    "mesa.examples.advanced.epstein_civil_violence.model",
    reason="mesa (a dev dependency: pip install 'scslab[dev]') is needed to cross-check Epstein",
)

import scslab  # noqa: E402
from scslab.scenario import load_scenario  # noqa: E402

PRESET = "epstein-mesa"
STEPS = 150
WINDOW = (50, 150)  # steps 50..150 inclusive
MESA_SEEDS = range(10)
SCSLAB_SEEDS = range(40)
EARLY_MESA_SEEDS = range(100, 140)
EARLY_SCSLAB_SEEDS = range(100, 300)
#: Absolute floor of the tolerance, in agents. It only matters when both models
#: are almost constant across seeds (e.g. ``active`` is 0 on nearly every step in
#: this quiet regime, so both sds can be ~0): half an agent is below the
#: resolution of a count, so it cannot hide a difference in behaviour.
FLOOR = 0.5


@dataclass(frozen=True)
class Sample:
    """Per-step counts, one row per seed: arrays of shape (n_seeds, steps + 1)."""

    active: NDArray[np.float64]
    jailed: NDArray[np.float64]
    citizens: NDArray[np.float64]

    def window_mean(self, name: str, lo: int, hi: int) -> NDArray[np.float64]:
        """Per-seed mean of metric `name` over steps ``lo..hi`` (inclusive)."""
        values: NDArray[np.float64] = getattr(self, name)
        out: NDArray[np.float64] = values[:, lo : hi + 1].mean(axis=1)
        return out


def run_mesa(seeds: range, steps: int) -> Sample:
    active, jailed, citizens = [], [], []
    for seed in seeds:
        model = mesa_epstein.EpsteinCivilViolence(seed=seed)
        # The DataCollector draws no random numbers; skipping it only saves time.
        model.datacollector.collect = lambda _model: None
        a, j = [model.ACTIVE], [model.ARRESTED]
        for _ in range(steps):
            model.step()  # the counts are updated at the end of each step
            a.append(model.ACTIVE)
            j.append(model.ARRESTED)
        active.append(a)
        jailed.append(j)
        citizens.append(model.ACTIVE + model.QUIET + model.ARRESTED)
    return Sample(np.array(active, float), np.array(jailed, float), np.array(citizens, float))


def run_scslab(seeds: range, steps: int) -> Sample:
    active, jailed, citizens = [], [], []
    for seed in seeds:
        df = scslab.run(PRESET, steps=steps, seed=seed).metrics
        assert df["step"].to_list() == list(range(steps + 1))
        active.append(df["active"].to_numpy())
        jailed.append(df["jailed"].to_numpy())
        citizens.append(float(df["active"][0] + df["quiet"][0] + df["jailed"][0]))
    return Sample(np.array(active, float), np.array(jailed, float), np.array(citizens, float))


def agreement(ours: NDArray[np.float64], theirs: NDArray[np.float64]) -> tuple[float, float, str]:
    """(|difference of means|, tolerance, a line that shows both samples)."""
    se_o = ours.std(ddof=1) / math.sqrt(ours.size)
    se_t = theirs.std(ddof=1) / math.sqrt(theirs.size)
    diff = abs(float(ours.mean() - theirs.mean()))
    tol = 2.0 * math.hypot(se_o, se_t) + FLOOR
    line = (
        f"scslab {ours.mean():.3f} (sd {ours.std(ddof=1):.3f}, n {ours.size}) vs "
        f"Mesa {theirs.mean():.3f} (sd {theirs.std(ddof=1):.3f}, n {theirs.size}): "
        f"|diff| {diff:.3f}, tolerance {tol:.3f}"
    )
    return diff, tol, line


@pytest.fixture(scope="module")
def mesa_long() -> Sample:
    return run_mesa(MESA_SEEDS, STEPS)


@pytest.fixture(scope="module")
def scslab_long() -> Sample:
    return run_scslab(SCSLAB_SEEDS, STEPS)


@pytest.mark.slow
def test_preset_is_mesas_defaults() -> None:
    params: Any = load_scenario(PRESET).params
    defaults = {
        name: p.default
        for name, p in inspect.signature(mesa_epstein.EpsteinCivilViolence).parameters.items()
        if name not in ("seed", "max_iters")
    }
    assert {name: getattr(params, name) for name in defaults} == defaults
    # Mesa's choices that its constructor does not expose (see the notes):
    assert params.neighbourhood == "von_neumann"
    assert params.arrest_formula == "round"
    assert params.jailed_stay_on_cell is True
    assert params.legitimacy_schedule is None and params.cop_density_schedule is None


@pytest.mark.slow
def test_same_start(mesa_long: Sample, scslab_long: Sample) -> None:
    # Everyone starts quiet; Mesa draws each cell's kind, so its population is
    # Binomial(1600, 0.7) around scslab's fixed round(0.7 * 1600) = 1120.
    for sample in (mesa_long, scslab_long):
        assert not sample.active[:, 0].any() and not sample.jailed[:, 0].any()
    assert set(scslab_long.citizens.tolist()) == {1120.0}
    assert abs(mesa_long.citizens.mean() - 1120) < 4 * math.sqrt(1600 * 0.7 * 0.3)


@pytest.mark.slow
@pytest.mark.parametrize("metric", ["active", "jailed"])
def test_window_means_agree(metric: str, mesa_long: Sample, scslab_long: Sample) -> None:
    lo, hi = WINDOW
    diff, tol, line = agreement(
        scslab_long.window_mean(metric, lo, hi), mesa_long.window_mean(metric, lo, hi)
    )
    print(f"{metric}, mean over steps {lo}-{hi}: {line}")
    assert diff <= tol, f"{metric}, mean over steps {lo}-{hi}: {line}"


@pytest.mark.slow
def test_first_outbreak_size_agrees(mesa_long: Sample, scslab_long: Sample) -> None:
    # Citizens that have turned active by step 2 (active or jailed), per citizen:
    # the first outbreak of the grievous and fearless. Step 2, not 1: in Mesa a
    # citizen who turns active after the cops around it have acted is arrested
    # one step later (see test_first_step_arrests below).
    ours = (scslab_long.active[:, 2] + scslab_long.jailed[:, 2]) / scslab_long.citizens
    theirs = (mesa_long.active[:, 2] + mesa_long.jailed[:, 2]) / mesa_long.citizens
    diff, tol, line = agreement(1120 * ours, 1120 * theirs)
    print(f"turned active by step 2, per 1120 citizens: {line}")
    assert diff <= tol, line


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason=(
        "known rule difference: Mesa activates agents one by one in a shuffled order, so a "
        "citizen who turns active after the cops in its vision have acted stays free until "
        "the next step (Mesa jails ~24.5 at step 1, scslab's synchronous step ~27.6)"
    ),
)
def test_first_step_arrests() -> None:
    mesa = run_mesa(EARLY_MESA_SEEDS, 1)
    ours = run_scslab(EARLY_SCSLAB_SEEDS, 1)
    diff, tol, line = agreement(ours.jailed[:, 1], mesa.jailed[:, 1])
    print(f"jailed after step 1: {line}")
    assert diff <= tol, line
