"""What a sweep varies: ``--vary``/``--param`` specs, full grids and Latin hypercubes.

A *design* is the list of points a sweep runs (each point one value per varied
path) plus a canonical, JSON-able *spec* of how it was made, so a sweep folder
can tell whether a rerun asks for the same sweep.

Syntax of one spec (``PATH=VALUES``):

- ``params.a=0.1,0.2,0.5``: these values (typed by the scenario schema);
- ``params.b=0:1:11``: 11 evenly spaced values from 0 to 1, both included;
- ``params.b=0:1``: the range [0, 1], for ``--sample lhs:N`` and sensitivity.

A path may index a list: ``params.surveillance.sources[1].false_record_rate``
sets one entry, ``params.surveillance.sources[*].false_record_rate`` every entry.

Every mistake is caught here, before any run starts, and the message names the
argument as it was typed.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
import typing
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from scslab.errors import ScenarioError
from scslab.scenario import Scenario, load_scenario
from scslab.scenario.paths import annotation_at, get_at, set_at, split_path
from scslab.scenario.yamlio import YamlSyntaxError, parse_yaml

#: Paths that a sweep may not vary, and why.
FIXED_PATHS = {
    "model": "a sweep runs one model",
    "seed": "the seed of each run comes from the root seed and the run index; "
    "use --replicates for more seeds, or --seed for another root",
    "name": "the name does not change a run",
}

#: Spawn-key element of the generators that draw designs (LHS, Sobol, Morris):
#: out of the range of run indices and of 32-bit stream keys, so a design's
#: random numbers never coincide with a run's.
DESIGN_KEY = 1 << 40

Kind = Literal["int", "float", "bool", "str", "other"]


@dataclass(frozen=True)
class Axis:
    """One varied path: a list of values, or a range to sample.

    Attributes
    ----------
    path : str
        Dotted path in the scenario, e.g. ``params.legitimacy``.
    arg : str
        The spec as typed (``params.legitimacy=0:1:11``), for messages.
    flag : str
        The option that gave it (``--vary`` or ``--param``).
    values : tuple
        The values of a list or ``lo:hi:n`` spec; empty for a range.
    lo, hi : float, optional
        The bounds of a ``lo:hi`` range.
    kind : str
        The schema's scalar type at `path`: int, float, bool, str or other.
    """

    path: str
    arg: str
    flag: str
    kind: Kind
    values: tuple[Any, ...] = ()
    lo: float | None = None
    hi: float | None = None

    @property
    def is_range(self) -> bool:
        return self.lo is not None

    def spec(self) -> dict[str, Any]:
        """Canonical JSON-able description (what a rerun must match)."""
        if self.is_range:
            return {"range": [self.lo, self.hi]}
        return {"values": list(self.values)}

    def scale(self, u: np.ndarray) -> list[Any]:
        """Map numbers in [0, 1) onto this range (whole numbers for an int field)."""
        assert self.lo is not None and self.hi is not None
        if self.kind == "int":
            lo, hi = int(self.lo), int(self.hi)
            return [min(hi, lo + math.floor(x * (hi - lo + 1))) for x in u]
        return [float(self.lo + x * (self.hi - self.lo)) for x in u]

    def column_type(self) -> str:
        return {"int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN"}.get(self.kind, "VARCHAR")


@dataclass(frozen=True)
class Design:
    """The points of a sweep and how they were made.

    Attributes
    ----------
    axes : tuple of Axis
        The varied paths, in the order given.
    points : list of tuple
        One value per axis for each point, in run order.
    spec : dict
        Canonical description (method, axes, sample size, seed) stored in the
        sweep's database; a rerun with a different spec is refused.
    matrix : ndarray, optional
        For sampled designs, the sample matrix (SALib needs it for Morris).
    """

    axes: tuple[Axis, ...]
    points: list[tuple[Any, ...]]
    spec: dict[str, Any]
    matrix: np.ndarray | None = field(default=None, repr=False)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(a.path for a in self.axes)

    def __len__(self) -> int:
        return len(self.points)

    def overrides(self, index: int) -> dict[str, Any]:
        """``{path: value}`` of point `index`."""
        return dict(zip(self.paths, self.points[index], strict=True))


def scenario_at(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> Scenario:
    """The scenario `base` (plain data) with ``{path: value}`` set, validated."""
    data = copy.deepcopy(dict(base))
    for path, value in overrides.items():
        set_at(data, split_path(path), value)
    return load_scenario(data)


# ---------------------------------------------------------------- one spec
def _scalar_kind(annotation: Any) -> Kind:
    """The scalar type of a schema annotation (``int | None`` is int)."""
    if annotation is bool:
        return "bool"
    if annotation is int:
        return "int"
    if annotation is float:
        return "float"
    if annotation is str or typing.get_origin(annotation) is Literal:
        return "str"
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if len(args) == 1:
        return _scalar_kind(args[0])
    return "other"


def _number(text: str, what: str, shown: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ScenarioError(f"{shown}: {what} must be a number; got {text.strip()!r}") from None
    if not math.isfinite(value):
        raise ScenarioError(f"{shown}: {what} must be a finite number; got {text.strip()!r}")
    return value


def _yaml_value(text: str, kind: Kind) -> Any:
    text = text.strip()
    if kind == "str" or not text:
        return text
    try:
        return parse_yaml(text, f"the value {text!r}")
    except YamlSyntaxError:
        return text


_RANGE = re.compile(r"^\s*[^,:]*:[^,:]*(:[^,:]*)?\s*$")


def parse_axis(
    text: str, scenario_cls: type[Scenario], *, flag: str = "--vary", ranges: str = "any"
) -> Axis:
    """Parse one ``PATH=VALUES`` spec against the schema.

    Parameters
    ----------
    text : str
        The spec as typed.
    scenario_cls : type
        The scenario class of the model (from `scslab.scenario.scenario_class`).
    flag : str
        The option name used in messages.
    ranges : {"any", "range"}
        ``"range"`` demands a ``lo:hi`` range (for sampling).

    Raises
    ------
    ScenarioError
        Naming `flag` and `text`, for a malformed spec or a path not in the schema.
    """
    shown = f"{flag} {text}"
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not p for p in key.split(".")):
        example = "params.legitimacy=0.6,0.7,0.8" if ranges == "any" else "params.legitimacy=0:1"
        raise ScenarioError(f"{shown}: expected PATH=VALUES, for example {flag} {example}")
    if key in FIXED_PATHS:
        raise ScenarioError(f"{shown}: {key!r} cannot be varied: {FIXED_PATHS[key]}")
    try:
        annotation = annotation_at(scenario_cls, split_path(key))
    except ScenarioError as exc:
        raise ScenarioError(f"{shown}: {exc}") from None
    kind = _scalar_kind(annotation)
    if kind == "other":
        raise ScenarioError(f"{shown}: {key} is not a single value (a number, flag or text)")
    if not raw.strip():
        raise ScenarioError(f"{shown}: no values after '='")

    numeric = kind in {"int", "float"}
    if numeric and _RANGE.match(raw):
        parts = raw.split(":")
        lo = _number(parts[0], "lo", shown)
        hi = _number(parts[1], "hi", shown)
        if not lo < hi:
            raise ScenarioError(f"{shown}: lo must be less than hi; got lo={lo:g}, hi={hi:g}")
        if kind == "int" and (lo != int(lo) or hi != int(hi)):
            raise ScenarioError(
                f"{shown}: {key} is a whole number, so lo and hi must be whole numbers"
            )
        if len(parts) == 2:
            if ranges == "values":
                raise ScenarioError(
                    f"{shown}: a range lo:hi needs --sample lhs:N; "
                    f"for a grid give lo:hi:n (n values) or a list v1,v2,..."
                )
            return Axis(key, text, flag, kind, lo=lo, hi=hi)
        if ranges == "range":
            raise ScenarioError(f"{shown}: give a range lo:hi (sampling chooses the values)")
        n_text = parts[2].strip()
        if not n_text.isdigit() or int(n_text) < 2:
            raise ScenarioError(
                f"{shown}: n in lo:hi:n must be a whole number >= 2; got {n_text!r}"
            )
        grid = np.linspace(lo, hi, int(n_text))
        if kind == "int":
            if not np.all(grid == np.round(grid)):
                raise ScenarioError(
                    f"{shown}: {key} is a whole number but {lo:g}:{hi:g}:{n_text} gives "
                    f"{', '.join(f'{g:g}' for g in grid[:4])}...; choose n so that "
                    f"(hi - lo) / (n - 1) is whole"
                )
            values: tuple[Any, ...] = tuple(int(g) for g in grid)
        else:
            values = tuple(float(g) for g in grid)
        return Axis(key, text, flag, kind, values=values)
    if ranges == "range":
        if not numeric:
            raise ScenarioError(f"{shown}: {key} is not a number, so it cannot be sampled")
        raise ScenarioError(f"{shown}: give a range lo:hi, for example {key}=0:1")
    items = [s for s in raw.split(",")]
    if any(not s.strip() for s in items):
        raise ScenarioError(f"{shown}: empty value in the list (two commas, or a trailing one?)")
    values = tuple(_yaml_value(s, kind) for s in items)
    if len(set(map(repr, values))) != len(values):
        raise ScenarioError(f"{shown}: a value is listed twice")
    return Axis(key, text, flag, kind, values=values)


# ---------------------------------------------------------------- validation
def _clean(message: str) -> str:
    """A load_scenario message without its '(--set ...)' tail (we name the spec instead)."""
    return "; ".join(re.sub(r" \(--set [^)]*\)$", "", line) for line in message.splitlines())


def _check_values(base: Scenario, axis: Axis) -> Axis:
    """Validate each value (or both ends of a range) alone; return the axis with typed values."""
    base_data = base.to_dict()
    probe = (axis.lo, axis.hi) if axis.is_range else axis.values
    typed = []
    for value in probe:
        try:
            scn = scenario_at(base_data, {axis.path: value})
        except ScenarioError as exc:
            raise ScenarioError(f"{axis.flag} {axis.arg}: {_clean(str(exc))}") from None
        typed.append(get_at(scn.to_dict(), split_path(axis.path)))
    if axis.is_range:
        return axis
    return Axis(axis.path, axis.arg, axis.flag, axis.kind, values=tuple(typed))


def check_points(base: Scenario, design: Design) -> None:
    """Validate every point as a whole scenario (catches limits across fields)."""
    base_data = base.to_dict()
    for i in range(len(design)):
        over = design.overrides(i)
        try:
            scenario_at(base_data, over)
        except ScenarioError as exc:
            point = ", ".join(f"{k}={v}" for k, v in over.items())
            args = " ".join(f"{a.flag} {a.arg}" for a in design.axes)
            raise ScenarioError(
                f"{args}: the point {point} is not a valid scenario: {_clean(str(exc))}"
            ) from None


def parse_axes(
    specs: Sequence[str], base: Scenario, *, flag: str = "--vary", ranges: str = "any"
) -> tuple[Axis, ...]:
    """Parse and validate every spec; a path may be varied once."""
    from scslab.scenario import scenario_class

    cls = scenario_class(base.model)
    axes: list[Axis] = []
    for text in specs:
        axis = _check_values(base, parse_axis(text, cls, flag=flag, ranges=ranges))
        clash = [a for a in axes if a.path == axis.path]
        if clash:
            raise ScenarioError(
                f"{flag} {text}: {axis.path} is already varied by {flag} {clash[0].arg}"
            )
        axes.append(axis)
    return tuple(axes)


# ---------------------------------------------------------------- designs
def parse_sample(text: str | None) -> tuple[str, int] | None:
    """``lhs:200`` -> ("lhs", 200); None stays None."""
    if text is None:
        return None
    method, _, n = text.partition(":")
    if method.strip().lower() != "lhs" or not n.strip().isdigit() or int(n) < 1:
        raise ScenarioError(
            f"--sample {text}: expected lhs:N with N a whole number >= 1, for example lhs:200"
        )
    return "lhs", int(n)


def design_rng(seed: int, name: str) -> np.random.Generator:
    """The generator that draws a design, from the root seed (never from run streams)."""
    key = DESIGN_KEY + zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))


def axes_spec(axes: Sequence[Axis]) -> dict[str, Any]:
    """The axes of a design spec: their order, and each one's values or range by path."""
    return {"paths": [a.path for a in axes], "axes": {a.path: a.spec() for a in axes}}


def grid_design(axes: Sequence[Axis]) -> Design:
    """Every combination of the axes' values; the last axis varies fastest."""
    points = list(itertools.product(*(a.values for a in axes))) if axes else [()]
    spec = {"method": "grid", **axes_spec(axes)}
    return Design(tuple(axes), points, spec)


def lhs_design(axes: Sequence[Axis], n: int, seed: int) -> Design:
    """A Latin hypercube of `n` points over the axes' ranges, drawn from the root seed."""
    from scipy.stats import qmc

    if not axes:
        raise ScenarioError("--sample lhs:N needs at least one --vary PATH=lo:hi")
    sampler = qmc.LatinHypercube(d=len(axes), rng=design_rng(seed, "lhs"))
    unit = sampler.random(n)
    columns = [a.scale(unit[:, j]) for j, a in enumerate(axes)]
    points = list(zip(*columns, strict=True))
    spec = {"method": "lhs", "n": n, "seed": seed, **axes_spec(axes)}
    return Design(tuple(axes), points, spec, unit)


def make_design(specs: Sequence[str], base: Scenario, sample: str | None = None) -> Design:
    """The design of ``scslab sweep``: a full grid, or a Latin hypercube with ``--sample``.

    Every value is validated against the schema, then every point as a whole
    scenario, before any run starts.
    """
    sampled = parse_sample(sample)
    if sampled is None:
        axes = parse_axes(specs, base, ranges="values")
        design = grid_design(axes)
    else:
        axes = parse_axes(specs, base, ranges="range")
        design = lhs_design(axes, sampled[1], base.seed)
    check_points(base, design)
    return design


def iter_overrides(design: Design) -> Iterator[dict[str, Any]]:
    for i in range(len(design)):
        yield design.overrides(i)
