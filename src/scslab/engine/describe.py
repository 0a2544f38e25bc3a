"""What a model is to the outside: its measures, levers and picture categories.

Each model declares these once, beside the code that computes them, as a
`Description` on the kernel class (``description`` attribute). The CLI summary,
the report, the dashboard, sensitivity analysis, calibration and the generated
``docs/metrics.md`` read the declarations; none keeps a list of its own.

Who reads what:

- ``Measure.label`` / ``unit`` / ``counts`` / ``levers``: the generated
  ``docs/metrics.md`` (``python -m scslab.scenario.metricsdoc --write docs/metrics.md``;
  a test fails when it drifts), titles and text of the report, plot titles of
  the dashboard.
- ``Measure.share``: shown as a percentage (report, dashboard); differences in
  percentage points.
- ``Measure.headline``: printed by ``scslab run``, drawn first in the report,
  the default measures of a sweep's report; ``Description.plots`` (or the first
  headline measures) are the dashboard's plots.
- ``Measure.topic``: the report draws the measures of one topic together, in
  one figure titled by the topic, in the order of the declarations.
- Families by placeholder: the report draws a ``{group}`` family (one column
  per population group) and a ``{domain}`` family in figures of their own,
  ``{band}`` and ``{rating}`` families on a log axis, a ``{kind}`` family as acts
  by kind, with and without the system.
- ``Description.levers``: the dashboard's sliders; ``Description.pictures``: the
  colours of its picture of the population (the picture itself is drawn by a
  function per model in ``scslab.dashboard.pictures``, keyed by model name).
- ``Measure.name`` / ``headline``: ``scslab sensitivity --measure NAME@AGG``
  refuses a NAME the scenario's model does not declare, before anything runs.

A test runs every preset for a few steps and fails on a column no declaration
covers, and on a lever path that is not a key of the model's scenario schema.

A measure whose name depends on the scenario (one column per act kind, per
group, per domain) is declared once as a *family*: its ``name`` holds one
``{placeholder}`` (``"acts_{kind}"``), and `Description.measure` finds it for
any concrete column (``"acts_fraud"``).

Pure Python: the kernel may import this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@dataclass(frozen=True)
class Measure:
    """One measure a model reports (a column of ``metrics.parquet``).

    Attributes
    ----------
    name : str
        The column name, or a family pattern with one ``{placeholder}``.
    label : str
        Short words for a title or a table row ("people sanctioned").
    unit : str
        What one unit is ("share of people", "person-days per person", "people").
    counts : str
        What it counts, in words: the numerator and the denominator, over whom,
        and over which steps (this step, cumulative from the start).
    share : bool
        A proportion in [0, 1] (shown as a percentage).
    headline : bool
        Printed by ``scslab run`` and shown first in the report.
    levers : tuple of str
        Scenario key paths (as in ``--set``; ``[*]`` for every element of a list)
        that move it; a law test checks each headline measure's.
    topic : str
        Words that group it with related measures ("blacklists", "pre-emption");
        the report draws one figure per topic. Empty: the report's figure of
        other measures (or the headline figure, for a headline measure).
    """

    name: str
    label: str
    unit: str
    counts: str
    share: bool = False
    headline: bool = False
    levers: tuple[str, ...] = ()
    topic: str = ""

    @property
    def is_family(self) -> bool:
        return bool(_PLACEHOLDER.search(self.name))

    @property
    def placeholder(self) -> str:
        """The family's placeholder without braces (``"kind"``); ``""`` for one measure."""
        m = _PLACEHOLDER.search(self.name)
        return m.group(0)[1:-1] if m else ""

    def matches(self, column: str) -> bool:
        """Whether `column` is this measure (or a member of this family)."""
        if not self.is_family:
            return column == self.name
        head, tail = _PLACEHOLDER.split(self.name, maxsplit=1)
        return (
            len(column) > len(head) + len(tail)
            and column.startswith(head)
            and column.endswith(tail)
        )

    def member(self, column: str) -> str:
        """The placeholder's value in `column` (``"fraud"`` in ``"acts_fraud"``)."""
        head, tail = _PLACEHOLDER.split(self.name, maxsplit=1)
        return column[len(head) : len(column) - len(tail)]

    def label_of(self, column: str) -> str:
        """The label of `column`: a family's label with ``{placeholder}`` filled in."""
        if not self.is_family:
            return self.label
        return _PLACEHOLDER.sub(self.member(column).replace("_", " "), self.label, count=1)


@dataclass(frozen=True)
class Lever:
    """A parameter the dashboard shows as a slider.

    Attributes
    ----------
    label : str
        What the slider says.
    path : str
        The scenario key path it writes (``params.legitimacy``;
        ``params.x.sources[*].coverage`` writes every element of a list and shows
        their mean; ``params.x.memoranda[:n]`` keeps the first n elements).
    soft : (float, float), optional
        The slider's range, within the schema's bounds.
    switch : str, optional
        Key path of the mechanism's ``enabled`` flag; the lever does nothing
        while it is false.
    """

    label: str
    path: str
    soft: tuple[float, float] | None = None
    switch: str | None = None

    @property
    def is_count(self) -> bool:
        return self.path.endswith("[:n]")


@dataclass(frozen=True)
class Category:
    """One colour in the dashboard's picture of the population."""

    name: str
    label: str
    colour: str


@dataclass(frozen=True)
class Description:
    """A model's measures, levers and picture categories, in display order."""

    measures: tuple[Measure, ...]
    levers: tuple[Lever, ...] = ()
    pictures: tuple[Category, ...] = ()
    #: The measures the dashboard plots (names), when not the first four headline ones.
    plots: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        names = [m.name for m in self.measures]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"measures declared twice: {', '.join(dup)}")

    def measure(self, column: str) -> Measure | None:
        """The declaration of `column` (exact names first, then families), or None."""
        for m in self.measures:
            if not m.is_family and m.name == column:
                return m
        for m in self.measures:
            if m.is_family and m.matches(column):
                return m
        return None

    @property
    def headline(self) -> tuple[str, ...]:
        """The names of the headline measures, in declaration order."""
        return tuple(m.name for m in self.measures if m.headline and not m.is_family)

    def undeclared(self, columns: Iterable[str]) -> list[str]:
        """The columns no declaration covers (``step`` and ``date`` excepted)."""
        return [c for c in columns if c not in ("step", "date") and self.measure(c) is None]

    def members(self, columns: Iterable[str], placeholder: str) -> list[str]:
        """The `columns` that belong to a family with `placeholder` (``"group"``), in order."""
        out = []
        for c in columns:
            m = self.measure(c)
            if m is not None and m.placeholder == placeholder:
                out.append(c)
        return out

    def label(self, column: str) -> str:
        """The label of `column`; an undeclared column's name with spaces for underscores."""
        m = self.measure(column)
        return m.label_of(column) if m is not None else column.replace("_", " ")

    def is_share(self, column: str) -> bool:
        """Whether `column` is declared a share (undeclared: no)."""
        m = self.measure(column)
        return m is not None and m.share

    @property
    def topics(self) -> tuple[str, ...]:
        """The measures' topics, in the order they are first declared."""
        return tuple(dict.fromkeys(m.topic for m in self.measures if m.topic))

    @property
    def plotted(self) -> tuple[str, ...]:
        """The dashboard's plots: `plots` when declared, else the first four headline measures."""
        return self.plots or self.headline[:4]

    @property
    def lever_paths(self) -> tuple[str, ...]:
        """Every key path a measure or a slider names, once each, in declaration order."""
        paths = [p for m in self.measures for p in m.levers]
        paths += [lv.path for lv in self.levers]
        paths += [lv.switch for lv in self.levers if lv.switch]
        return tuple(dict.fromkeys(paths))


#: The description of a model that declares nothing: every column shown by its name.
UNDESCRIBED = Description(measures=())
