"""Every numeric value at its bounds and just beyond: it runs, or it is refused.

The schemas are walked generically (nested models, lists of models, lists and
mappings of numbers), so a field added later is covered without touching this
file. A case *runs* when the scenario loads and the model initialises and
steps a few times at a tiny population; it is *refused* when scslab raises a
`ScslabError` (a `ScenarioError` from the schema, or a `RunError` from the
memory check, which the CLI turns into one message and exit status 2). Any
other exception is a crash: a value the schema lets through that the kernel
cannot hold.
"""

from __future__ import annotations

import copy
import math
import types
import typing
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from scslab.api import check_memory
from scslab.engine import Streams, seed_material, seed_sequence, simulate
from scslab.errors import ScslabError
from scslab.scenario import MODELS, kernel, load_scenario
from scslab.scenario.introspect import Bounds, field_bounds, model_of
from scslab.scenario.paths import set_at

# Memory a case may use; a bigger estimate is refused as the CLI refuses it on a
# machine with this much memory free.
BUDGET = 1 << 30
STEPS = 5  # steps each case runs (the scenario's own `steps` is only validated)

Path = tuple[str | int, ...]

# Tiny scenarios, one per mode of each model, so that every optional part of a
# schema (schedules, explicit lists, networks) is present to be pushed.
BASES: dict[str, dict[str, Any]] = {
    "epstein": {
        "model": "epstein",
        "params": {
            "width": 9,
            "height": 7,
            "citizen_vision": 2,
            "cop_vision": 2,
            "legitimacy": 0.2,  # unrest from the first step: arrests, jail terms
            "cop_density": 0.1,
            "legitimacy_schedule": {"mode": "gradual", "start": 1, "target": 0.5, "rate": 0.1},
            "cop_density_schedule": {"mode": "jump", "start": 2, "target": 0.05},
        },
    },
    "axelrod": {
        "model": "axelrod",
        "params": {"population": 6, "replicates": 3, "opportunities": 2, "metanorms": True},
    },
    "granovetter": {"model": "granovetter", "params": {"n": 40, "network": "random"}},
    "granovetter-explicit": {
        "model": "granovetter",
        "params": {"thresholds": [0.0, 1.0, 2.5, 3.0, 7.0]},
    },
    "kuran": {"model": "kuran", "params": {"n": 40, "network": "ring", "mean_degree": 4}},
    "kuran-explicit": {
        "model": "kuran",
        "params": {
            "private": [0.1, 0.9, 0.5, 0.7, 0.3, 0.8],
            "revolutionary_thresholds": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
        },
    },
    "dissent-game": {
        "model": "dissent-game",
        "params": {
            "n": 50,
            "initial": {"tolerance": 0.2, "severity": 0.5, "surveillance": 0.3},
        },
    },
    "dissent-game-proportional": {
        "model": "dissent-game",
        "params": {"n": 50, "punishment": "proportional"},
    },
    "regime": {"preset": "full-regime", "params": {"population": {"size": 300}}},
    "regime-small-world": {
        "preset": "full-regime",
        "params": {"population": {"size": 300, "network": {"kind": "small_world"}}},
    },
}


def base_data(name: str) -> dict[str, Any]:
    spec = BASES[name]
    if "preset" in spec:
        data = load_scenario(spec["preset"]).to_dict()
        _merge(data["params"], copy.deepcopy(spec["params"]))
    else:
        data = {"name": name, "model": spec["model"], "params": copy.deepcopy(spec["params"])}
    data.update(name=name, steps=STEPS, seed=11)
    return data


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


# --------------------------------------------------------------- walking the schema
@dataclass(frozen=True)
class NumericField:
    base: str
    path: Path
    kind: type  # int or float
    bounds: Bounds

    def __str__(self) -> str:
        out = ""
        for p in self.path:
            out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
        return f"{self.base}:{out}"


def _scalar_kind(annotation: Any) -> tuple[type | None, Bounds]:
    """int or float (and its bounds) for ``int``, ``float | None``, ``Annotated[float, ...]``."""
    meta: list[Any] = []
    if typing.get_origin(annotation) is typing.Annotated:
        annotation, *meta = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        # `float | None`, `Annotated[float, ...] | Literal["random"]`: the one number in it
        numbers = [k for k in map(_scalar_kind, typing.get_args(annotation)) if k[0] is not None]
        return numbers[0] if len(numbers) == 1 else (None, Bounds())
    if annotation in (int, float):
        info = FieldInfo.from_annotation(typing.Annotated[annotation, *meta]) if meta else None
        return annotation, field_bounds(info)
    return None, Bounds()


def _container(annotation: Any) -> tuple[Any, Any]:
    """(origin, element annotation) for list[X], dict[str, X] (optionally | None)."""
    for ann in (annotation, *typing.get_args(annotation)):
        origin = typing.get_origin(ann)
        if origin is list:
            return list, typing.get_args(ann)[0]
        if origin is dict:
            return dict, typing.get_args(ann)[1]
    return None, None


def numeric_fields(base: str) -> Iterator[NumericField]:
    scn = load_scenario(base_data(base))

    def walk(obj: BaseModel, path: Path) -> Iterator[NumericField]:
        for name, info in type(obj).model_fields.items():
            value = getattr(obj, name)
            here = (*path, name)
            kind, _ = _scalar_kind(info.annotation)
            if kind is not None:
                yield NumericField(base, here, kind, field_bounds(info))
                continue
            sub = model_of(info.annotation)
            origin, element = _container(info.annotation)
            if origin is None and sub is not None and isinstance(value, BaseModel):
                yield from walk(value, here)
            elif origin is list and value:
                if isinstance(value[0], BaseModel):
                    yield from walk(value[0], (*here, 0))
                else:
                    ekind, ebounds = _scalar_kind(element)
                    if ekind is not None:
                        yield NumericField(base, (*here, 0), ekind, ebounds)
            elif origin is dict and value:
                ekind, ebounds = _scalar_kind(element)
                if ekind is not None:
                    yield NumericField(base, (*here, next(iter(value))), ekind, ebounds)

    yield from walk(scn, ())


FIELDS = [f for base in BASES for f in numeric_fields(base)]

BIG_INT = 2**64  # beyond every fixed-width integer type


def edge_values(f: NumericField) -> list[Any]:
    """The bounds, just inside an open bound, just beyond each bound; extremes where open-ended."""
    b = f.bounds
    out: list[Any] = []
    for bound, is_open, outward in ((b.lo, b.lo_open, -1), (b.hi, b.hi_open, +1)):
        if bound is None:
            out += [outward * BIG_INT] if f.kind is int else [outward * 1e300, outward * math.inf]
            continue
        if f.kind is int:
            out += [
                int(bound) - outward if is_open else int(bound),
                int(bound) + outward * (1 - is_open),
            ]
        else:
            x = float(bound)
            out += [x, math.nextafter(x, outward * math.inf)]
            if is_open:
                out.append(math.nextafter(x, -outward * math.inf))
    if f.kind is float:
        out.append(math.nan)
    return out


CASES = [(f, v) for f in FIELDS for v in edge_values(f)]


# --------------------------------------------------------------- one case
def runs_or_is_refused(base: str, pushed: list[tuple[NumericField, Any]]) -> str:
    """'ran' or 'refused'; any other exception propagates (the test fails with it).

    A value cast into a type too narrow for it (numpy's "overflow encountered in
    cast") or arithmetic that turns into NaN ("invalid value") is a failure too:
    the run would go on with garbage. A logistic curve that saturates ("overflow
    encountered in exp", which gives exactly 0 or 1) is not.
    """
    data = base_data(base)
    for f, value in pushed:
        set_at(data, f.path, value)
    try:
        scn = load_scenario(data)
        model = kernel(scn.model)
        check_memory(model, scn, available=BUDGET)
        streams = Streams(seed_sequence(seed_material(scn.seed, None)))
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            warnings.filterwarnings("ignore", "overflow encountered in exp", RuntimeWarning)
            simulate(
                model, scn, streams, steps=min(scn.steps, STEPS), collect_every=scn.collect_every
            )
    except ScslabError:
        return "refused"
    return "ran"


def test_the_walk_reaches_every_model_and_nested_part():
    covered = {load_scenario(base_data(b)).model for b in BASES}
    assert covered == set(MODELS) - {"toy"}  # a new model needs a tiny base here
    seen = {str(f) for f in FIELDS}
    for expected in (
        "epstein:params.max_jail_term",
        "epstein:params.legitimacy_schedule.rate",
        "axelrod:params.replicates",
        "granovetter-explicit:params.thresholds[0]",
        "kuran-explicit:params.revolutionary_thresholds[0]",
        "regime:params.population.size",
        "dissent-game:params.initial.severity",
        "regime:params.population.groups[0].share",
        "regime:params.surveillance.sources[0].latency",
        "regime:params.scoring.deductions.debt_default",
        "regime:params.scoring.firm_bands[0]",
        "regime:steps",
        "regime:collect_every",
    ):
        assert expected in seen
    assert len(FIELDS) > 150


def test_max_jail_term_beyond_int32_is_refused_with_its_range():
    data = base_data("epstein")
    data["params"]["max_jail_term"] = 1_000_000_000_000.0
    with pytest.raises(ScslabError, match=r"params\.max_jail_term must be in \[0, "):
        load_scenario(data)


@pytest.mark.slow
def test_every_numeric_field_at_its_bounds_runs_or_is_refused():
    """All of CASES, one after another; every crash is listed at once."""
    crashes = []
    outcomes = {"ran": 0, "refused": 0}
    for f, value in CASES:
        try:
            outcomes[runs_or_is_refused(f.base, [(f, value)])] += 1
        except Exception as exc:  # noqa: BLE001 - a crash is what this test looks for
            crashes.append(f"{f} = {value!r}: {type(exc).__name__}: {exc}"[:300])
    assert crashes == [], "\n".join(crashes)
    # both outcomes occur: the bounds themselves run, beyond them is refused
    assert outcomes["ran"] > len(FIELDS) and outcomes["refused"] > len(FIELDS)


def pushed_value(f: NumericField) -> st.SearchStrategy[Any]:
    """Mostly a bound or just beyond; sometimes any number at all."""
    anywhere = (
        st.integers(min_value=-(2**70), max_value=2**70)
        if f.kind is int
        else st.floats(allow_nan=True, allow_infinity=True)
    )
    return st.one_of(st.sampled_from(edge_values(f)), anywhere)


@st.composite
def pushed_fields(draw: st.DrawFn) -> tuple[str, list[tuple[NumericField, Any]]]:
    """One to three fields of one scenario pushed at once (limits can bite in combination)."""
    base = draw(st.sampled_from(sorted(BASES)))
    fields = draw(
        st.lists(
            st.sampled_from([f for f in FIELDS if f.base == base]),
            min_size=1,
            max_size=3,
            unique_by=lambda f: f.path,
        )
    )
    return base, [(f, draw(pushed_value(f))) for f in fields]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pushed_fields())
def test_pushed_numeric_fields_run_or_are_refused(case):
    base, pushed = case
    assert runs_or_is_refused(base, pushed) in {"ran", "refused"}


def test_a_grid_too_large_for_int32_cells_is_refused():
    data = base_data("epstein")
    data["params"].update(width=100_000, height=100_000)
    with pytest.raises(ScslabError, match=r"width x height must be at most 1,073,741,824 cells"):
        load_scenario(data)
