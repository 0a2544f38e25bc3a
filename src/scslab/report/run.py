"""Figures and text for one run folder (with or without ``baseline/``).

Each figure is drawn when the metric columns it needs are present, so the
report works for every model: a figure is a function ``RunData -> Figure``,
``None`` or a list of figures in `RUN_FIGURES`, tried in order. What a measure
is (its label, whether it is a share, whether it is a headline measure, its
topic, the family it belongs to) comes from the model's declarations
(`scslab.engine.describe`), read through ``RunData.words``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from scslab.report import intervals, plot
from scslab.report.intervals import Intervals
from scslab.report.plot import WITH, WITHOUT, Figure
from scslab.report.words import (
    Words,
    first_sentences,
    join,
    number,
    sentence,
    trend,
)

#: At most this many panels in a small-multiples figure.
MAX_PANELS = 12


@dataclass
class RunData:
    """A run folder read back: metrics, manifest and, if present, the baseline."""

    path: Path
    metrics: pl.DataFrame
    manifest: dict[str, Any]
    baseline: pl.DataFrame | None = None
    baseline_manifest: dict[str, Any] | None = None
    used: set[str] = field(default_factory=set)
    #: A run with replicates: the intervals (bands and mean ± half-width), else None.
    intervals: Intervals | None = None

    @property
    def model(self) -> str:
        return str(self.manifest.get("model") or self.scenario.get("model", "?"))

    @cached_property
    def words(self) -> Words:
        """Labels and shares of this model's measures, from its declarations."""
        return Words.of(self.model)

    def family(self, placeholder: str) -> list[str]:
        """Columns of the declared family with `placeholder` (``"group"``, ``"domain"``)."""
        return self.words.desc.members(self.columns, placeholder)

    @property
    def scenario(self) -> dict[str, Any]:
        scn = self.manifest.get("scenario")
        return scn if isinstance(scn, dict) else {}

    @property
    def params(self) -> dict[str, Any]:
        p = self.scenario.get("params")
        return p if isinstance(p, dict) else {}

    @property
    def columns(self) -> list[str]:
        return [c for c in self.metrics.columns if c not in ("step", "date")]

    @property
    def dated(self) -> bool:
        """The run has calendar time (a ``date`` column): time axes show dates."""
        return "date" in self.metrics.columns

    def has(self, *names: str) -> bool:
        return all(n in self.metrics.columns for n in names)

    def steps(self) -> np.ndarray:
        return self.metrics["step"].to_numpy()

    def times(self) -> np.ndarray:
        """The time axis: dates (datetime64[D]) with a calendar, else steps."""
        if self.dated:
            return self.metrics["date"].to_numpy().astype("datetime64[D]")
        return self.steps()

    def series(self, name: str) -> np.ndarray:
        return self.metrics[name].to_numpy().astype(float)

    def base(self, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        if self.baseline is None or name not in self.baseline.columns:
            return None
        if self.dated and "date" in self.baseline.columns:
            t = self.baseline["date"].to_numpy().astype("datetime64[D]")
        else:
            t = self.baseline["step"].to_numpy()
        return t, self.baseline[name].to_numpy().astype(float)

    def final(self, name: str) -> float:
        s = self.series(name)
        return float(s[-1]) if s.size else math.nan

    def base_final(self, name: str) -> float | None:
        b = self.base(name)
        return float(b[1][-1]) if b is not None and b[1].size else None

    @property
    def last_step(self) -> int:
        s = self.steps()
        return int(s[-1]) if s.size else 0

    def prefixed(self, prefix: str, exclude: Sequence[str] = ()) -> list[str]:
        return [c for c in self.columns if c.startswith(prefix) and c not in exclude]


def read_run_folder(path: Path) -> RunData:
    """Read ``path/metrics.parquet``, ``path/run.json`` and ``path/baseline/`` if there."""
    from scslab.results import read_run

    metrics, manifest = read_run(path)
    data = RunData(path=path, metrics=metrics, manifest=manifest)
    base_dir = path / "baseline"
    if (base_dir / "run.json").is_file():
        data.baseline, data.baseline_manifest = read_run(base_dir)
    data.intervals = Intervals.read(path, manifest)
    return data


# --------------------------------------------------------------------------- helpers
def _line(ax: Any, data: RunData, name: str, *, color: str = WITH, lab: str | None = None) -> None:
    ax.plot(data.times(), data.series(name), color=color, lw=1.4, label=lab)
    if data.intervals is not None:
        data.intervals.band(ax, name, color=color, share=data.words.is_share(name))


def _base_line(ax: Any, data: RunData, name: str, *, lab: str | None = None) -> bool:
    b = data.base(name)
    if b is None:
        return False
    ax.plot(b[0], b[1], color=WITHOUT, lw=1.2, ls="--", label=lab)
    if data.intervals is not None:
        data.intervals.band(ax, name, color=WITHOUT, arm="without", share=data.words.is_share(name))
    return True


def _share_axis(ax: Any, data: RunData, name: str) -> None:
    if data.words.is_share(name):
        plot.percent_axis(ax)


def _with_without_legend(fig: Any, data: RunData) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=WITH, lw=1.4)]
    labels = ["with the system" if data.baseline is not None else data.scenario.get("name", "run")]
    if data.baseline is not None:
        handles.append(Line2D([], [], color=WITHOUT, lw=1.2, ls="--"))
        labels.append("without (baseline, same random numbers)")
    if data.intervals is not None:
        handles.append(plot.band_handle(WITH))
        labels.append(data.intervals.legend)
    plot.legend_below(fig, handles, labels)


def _small_multiples(data: RunData, names: Sequence[str]) -> Any:
    fig, axes = plot.new_figure(len(names))
    for ax, name in zip(axes, names, strict=True):
        _line(ax, data, name)
        _base_line(ax, data, name)
        plot.title(ax, data.words.short_label(name))
        _share_axis(ax, data, name)
        plot.time_axis(ax, data.dated)
    _with_without_legend(fig, data)
    return fig


def _describe_final(data: RunData, name: str) -> str:
    s = data.series(name)
    final, base = data.final(name), data.base_final(name)
    w = data.words
    label, fmt = w.label, w.fmt
    if s.size == 0:
        return f"{label(name)}: no value"
    if data.intervals is not None:
        return data.intervals.describe(w, name)
    first = float(s[0])
    if float(np.nanmax(s)) == float(np.nanmin(s)) and (base is None or base == final):
        return f"{label(name)} stays at {fmt(name, final)}"
    text = f"{label(name)} ends at {w.compare(name, final, base)}"
    if s.size > 2:
        peak = float(np.nanmax(s))
        at = int(np.nanargmax(s))
        if 0 < at < s.size - 1 and (peak - max(final, first)) > 0.1 * max(abs(peak), 1e-12):
            text += f", after a peak of {fmt(name, peak)} at step {int(data.steps()[at])}"
        elif first != final and base is None:
            text += f" ({'up' if final > first else 'down'} from {fmt(name, first)} at the start)"
    return text


# --------------------------------------------------------------------------- figures
def headline(data: RunData) -> Figure | None:
    """The model's headline measures (its declarations), or the first measures."""
    names = [n for n in data.words.desc.headline if data.has(n)][:MAX_PANELS]
    generic = not names
    if generic:
        names = data.columns[:MAX_PANELS]
    if not names:
        return None
    data.used.update(names)
    fig = _small_multiples(data, names)
    where = "with and without the system" if data.baseline is not None else "over the run"
    parts = [sentence(_describe_final(data, n)) for n in names[:6]]
    text = f"Over {data.last_step} steps: " + " ".join(parts)
    title = "Headline measures " + (
        "over time, with and without the system" if data.baseline is not None else "over time"
    )
    if generic:
        title = "Measures over time" + (
            ", with and without the system" if data.baseline is not None else ""
        )
    return Figure(
        "headline", title, text, plot.to_png(fig), alt=f"{', '.join(names)} over time {where}"
    )


#: The problem the system solves next to the control it imposes (issue 10): regime runs.
PROBLEM = ("harm_to_others", "harm_prevented")
PRICE = ("wrongly_sanctioned_share", "disfavoured_rate", "restriction_person_days")


def problem_and_price(data: RunData) -> Figure | None:
    """The problem solved (harm prevented) next to the control imposed, for one run.

    Drawn for a run with its baseline that declares ``harm_prevented``: harm to
    others with and without the system, harm prevented, and the price (wrongful
    sanctions, chilling of lawful but disfavoured acts, restriction days).
    """
    if data.baseline is None or not data.has(*PROBLEM):
        return None
    names = [n for n in PROBLEM + PRICE if data.has(n)]
    fig = _small_multiples(data, names)
    w = data.words

    def quote(name: str) -> str:
        if data.intervals is not None:
            return data.intervals.quote(w, name, "with")
        return w.fmt(name, data.final(name))

    solved = f"harm prevented {quote('harm_prevented')}"
    base = data.base_final("harm_to_others")
    if base:
        solved += f" ({100 * data.final('harm_prevented') / base:.0f}% of the harm without it)"
    price = [f"{w.label(n)} {quote(n)}" for n in PRICE if data.has(n)]
    text = sentence(
        f"The problem solved and the control imposed, in the same run: {solved}; the price: "
        + join(price)
    )
    return Figure(
        "problem_and_price",
        "The problem it solves next to the control it imposes",
        text,
        plot.to_png(fig),
        alt=f"{', '.join(names)} over time with and without the system",
    )


def epstein_classic(data: RunData) -> Figure | None:
    if not data.has("active", "jailed"):
        return None
    data.used.update({"active", "jailed"})
    steps = data.times()
    active, jailed = data.series("active"), data.series("jailed")
    fig, (ax,) = plot.new_figure(1, row_height=3.2)
    ax.plot(steps, active, color=WITH, lw=1.3, label="active")
    ax.plot(steps, jailed, color="#2166ac", lw=1.3, label="jailed")
    if data.has("legitimacy") and float(np.ptp(data.series("legitimacy"))) > 0:
        ax2 = ax.twinx()
        ax2.plot(steps, data.series("legitimacy"), color="#999999", lw=1.0, ls=":")
        ax2.set_ylabel("legitimacy (dotted)", color="#777777")
        ax2.set_ylim(0, 1)
        ax2.grid(False)
    plot.time_axis(ax, data.dated)
    ax.set_ylabel("citizens")
    ax.set_title("Epstein (2002): active and jailed citizens over time")
    ax.legend(loc="upper left")
    # Outbursts: spells with more than 50 actives (Epstein's Run 2 reading).
    threshold = 50.0
    above = active > threshold
    starts = np.flatnonzero(above & ~np.concatenate([[False], above[:-1]]))
    peak = float(active.max()) if active.size else 0.0
    peak_at = int(steps[int(active.argmax())]) if active.size else 0
    text = (
        f"Active citizens peak at {number(peak)} at step {peak_at}; "
        f"{number(data.final('jailed'))} are in jail at the end. "
    )
    if starts.size:
        text += f"There {'is' if starts.size == 1 else 'are'} {starts.size} outburst" + (
            "s" if starts.size != 1 else ""
        )
        text += " (spells with more than 50 actives)"
        if starts.size > 1:
            text += f", on average {number(float(np.diff(steps[starts]).mean()))} steps apart"
        text += "."
    else:
        text += "No outburst (more than 50 actives at once) occurs."
    return Figure(
        "epstein",
        "Epstein: actives and jailed over time",
        text,
        plot.to_png(fig),
        alt="active and jailed citizens over time",
    )


def axelrod_classic(data: RunData) -> Figure | None:
    if not data.has("mean_boldness", "mean_vengefulness"):
        return None
    names = ["mean_boldness", "mean_vengefulness", "established", "collapsed"]
    data.used.update(n for n in names if data.has(n))
    b, v = data.series("mean_boldness"), data.series("mean_vengefulness")
    fig, axes = plot.new_figure(2, row_height=3.4)
    ax = axes[0]
    ax.axvspan(0, 2 / 7, ymin=5 / 7, ymax=1, color="#1b9e77", alpha=0.15)
    ax.axvspan(6 / 7, 1, ymin=0, ymax=1 / 7, color=WITH, alpha=0.15)
    ax.text(0.02, 0.97, "norm established", fontsize=7, va="top", color="#1b7a5a")
    ax.text(0.98, 0.03, "norm collapsed", fontsize=7, ha="right", color=WITH)
    ax.plot(b, v, color="#333333", lw=1.0)
    ax.scatter([b[0]], [v[0]], color="#2166ac", zorder=3, s=25, label="start")
    ax.scatter([b[-1]], [v[-1]], color=WITH, zorder=3, s=25, label="end")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("boldness")
    ax.set_ylabel("vengefulness")
    ax.set_title("Axelrod (1986): boldness vs vengefulness")
    ax.legend(loc="center right")
    ax = axes[1]
    steps = data.times()
    ax.plot(steps, b, color=WITH, lw=1.3, label="boldness")
    ax.plot(steps, v, color="#2166ac", lw=1.3, label="vengefulness")
    ax.set_ylim(0, 1)
    if data.dated:
        plot.time_axis(ax, True)
    else:
        ax.set_xlabel("generation")
    ax.set_title("means over generations")
    ax.legend(loc="best")
    text = (
        f"Mean boldness moves from {number(float(b[0]))} to {number(float(b[-1]))} and mean "
        f"vengefulness from {number(float(v[0]))} to {number(float(v[-1]))} over "
        f"{data.last_step} generations."
    )
    if data.has("established", "collapsed"):
        text += (
            " At the end the norm is established in "
            f"{data.words.fmt('established', data.final('established'))} of populations and "
            f"has collapsed in {data.words.fmt('collapsed', data.final('collapsed'))}"
            " (Galan and Izquierdo's thresholds)."
        )
    metanorms = data.params.get("metanorms")
    if metanorms is not None:
        text += f" This is the {'metanorms' if metanorms else 'norms'} game."
    return Figure(
        "axelrod",
        "Axelrod: boldness vs vengefulness",
        text,
        plot.to_png(fig),
        alt="mean boldness against mean vengefulness over generations",
    )


def granovetter_run(data: RunData) -> Figure | None:
    if not data.has("rioters") or data.model != "granovetter":
        return None
    data.used.update(n for n in ("rioters", "rioter_share", "equilibrium") if data.has(n))
    fig, (ax,) = plot.new_figure(1, row_height=3.0)
    ax.step(data.times(), data.series("rioters"), where="post", color=WITH, lw=1.4)
    plot.time_axis(ax, data.dated)
    ax.set_ylabel("rioters")
    ax.set_title("Granovetter (1978): rioters r(t+1) = F(r(t))")
    n = data.params.get("n")
    final = data.final("rioters")
    text = f"The riot stops at {number(final)} rioters"
    if isinstance(n, int | float) and n:
        text += f" of {number(float(n))} people ({100 * final / n:.0f}%)"
    text += f", reached by step {_settled_at(data.steps(), data.series('rioters'))}."
    sd = data.params.get("sd")
    if data.params.get("distribution") == "normal" and sd is not None:
        text += (
            f" Thresholds are normal with mean {number(float(data.params.get('mean', 0)))} and "
            f"sd {number(float(sd))}; a sweep over params.sd draws Granovetter's "
            "equilibrium-vs-sd figure."
        )
    return Figure(
        "granovetter",
        "Granovetter: rioters over time",
        text,
        plot.to_png(fig),
        alt="rioters over time",
    )


def _settled_at(steps: np.ndarray, values: np.ndarray) -> int:
    if values.size == 0:
        return 0
    changed = np.flatnonzero(values != values[-1])
    return int(steps[changed[-1] + 1]) if changed.size else int(steps[0])


FALSIFICATION_PAIRS = [
    ("dissent_private", "dissent_public"),
    ("private_opposition", "public_opposition"),
]


def falsification(data: RunData) -> Figure | None:
    pair = next((p for p in FALSIFICATION_PAIRS if data.has(*p)), None)
    if pair is None:
        return None
    private, public = pair
    fmt, fmt_diff = data.words.fmt, data.words.fmt_diff
    data.used.update(pair)
    gap = "falsification_gap" if data.has("falsification_gap") else None
    if gap:
        data.used.add(gap)
    steps = data.times()
    p, q = data.series(private), data.series(public)
    fig, axes = plot.new_figure(2 if data.baseline is not None else 1, row_height=3.0)
    ax = axes[0]
    ax.plot(steps, p, color="#7570b3", lw=1.4, label="private (what people think)")
    ax.plot(steps, q, color=WITH, lw=1.4, label="public (what people say)")
    intervals.band(data, ax, private, "#7570b3")
    intervals.band(data, ax, public, WITH)
    ax.fill_between(steps, q, p, color=WITH, alpha=0.12, label="falsification gap")
    ax.set_title("with the system" if data.baseline is not None else "private vs public")
    plot.time_axis(ax, data.dated)
    _share_axis(ax, data, public)
    ax.legend(loc="best")
    if data.baseline is not None:
        bp, bq = data.base(private), data.base(public)
        ax2 = axes[1]
        if bp is not None and bq is not None:
            ax2.plot(bp[0], bp[1], color="#7570b3", lw=1.4, ls="--", label="private")
            ax2.plot(bq[0], bq[1], color=WITHOUT, lw=1.4, ls="--", label="public")
            intervals.band(data, ax2, private, "#7570b3", arm="without")
            intervals.band(data, ax2, public, WITHOUT, arm="without")
            ax2.fill_between(bq[0], bq[1], bp[1], color=WITHOUT, alpha=0.10)
            ax2.sharey(ax)
        ax2.set_title("without the system (baseline)")
        plot.time_axis(ax2, data.dated)
        _share_axis(ax2, data, public)
        ax2.legend(loc="best")
    pf, qf = float(p[-1]), float(q[-1])
    # The model's own gap measure when it reports one, else private minus public.
    g = data.final(gap) if gap else pf - qf
    label = data.words.label
    text = (
        f"At step {data.last_step}, {label(private)} is {fmt(private, pf)} and "
        f"{label(public)} {fmt(public, qf)}; the gap is {fmt_diff(public, g).lstrip('+')}."
    )
    if data.baseline is not None:
        bpf, bqf = data.base_final(private), data.base_final(public)
        if bpf is not None and bqf is not None:
            bg = data.base_final(gap) if gap else None
            bg = bpf - bqf if bg is None else bg
            text += (
                f" Without the system: {fmt(private, bpf)} and {fmt(public, bqf)} "
                f"(a gap of {fmt_diff(public, bg).lstrip('+')})."
            )
            bp = data.base(private)
            if bp is not None and bp[1].shape == p.shape and np.allclose(bp[1], p, atol=1e-9):
                text += " " + sentence(
                    f"{label(private)} is the same in both worlds: the system changes what "
                    "people say, not what they think"
                )
            text += f" The system moves {label(public)} by {fmt_diff(public, qf - bqf)}."
    return Figure(
        "falsification",
        "Public vs private dissent: the falsification gap",
        text,
        plot.to_png(fig),
        alt="private and public dissent over time",
    )


def _member(data: RunData, col: str) -> str:
    """The member a family column stands for, in words (``"traffic violation"``)."""
    m = data.words.desc.measure(col)
    return (m.member(col) if m is not None and m.is_family else col).replace("_", " ")


def family_title(label: str, placeholder: str) -> str:
    """A family's label read for all its members at once: "people sanctioned in each group".

    The placeholder, and the word naming it just before it ("in group {group}"),
    become "each <placeholder>": "people restricted in {domain}" reads "people
    restricted in each domain". A parenthesis after the label is dropped.
    """
    head = label.split(" (")[0]
    mark = "{" + placeholder + "}"
    return head.replace(f"{placeholder} {mark}", mark).replace(mark, f"each {placeholder}")


def _family_title(data: RunData, col: str) -> str:
    """The title of a family's figure (`family_title` of its declared label)."""
    m = data.words.desc.measure(col)
    if m is None or not m.is_family:
        return data.words.short_label(col)
    return family_title(m.label, m.placeholder)


def group_sanctions(data: RunData) -> Figure | None:
    """The declared per-``{group}`` family (the sanctioned share of each group)."""
    cols = data.family("group")
    if not cols:
        return None
    w = data.words
    data.used.update(cols)
    di = [
        n for n in ("disparate_impact", "disparate_impact_lo", "disparate_impact_hi") if data.has(n)
    ]
    data.used.update(di)
    steps = data.times()
    fig, axes = plot.new_figure(2, row_height=3.0)
    ax = axes[0]
    finals = []
    for i, col in enumerate(cols):
        color = plot.PALETTE[i % len(plot.PALETTE)]
        group = _member(data, col)
        ax.plot(steps, data.series(col), color=color, lw=1.4, label=group)
        intervals.band(data, ax, col, color)
        finals.append((group, col, data.final(col), color))
    plot.title(ax, _family_title(data, cols[0]))
    plot.time_axis(ax, data.dated)
    _share_axis(ax, data, cols[0])
    ax.legend(loc="best")
    ax = axes[1]
    ax.bar(
        [g for g, *_ in finals],
        [v for _, _, v, _ in finals],
        color=[c for *_, c in finals],
        yerr=intervals.yerr(data, [col for _, col, _, _ in finals]),
    )
    ax.set_title(f"at step {data.last_step}")
    _share_axis(ax, data, cols[0])
    parts = [f"{g} {w.fmt(c, v)}" for g, c, v, _ in finals]
    text = f"At step {data.last_step}, by group: {join(parts)}."
    if "disparate_impact" in di:
        v = data.final("disparate_impact")
        text += f" {sentence(w.label('disparate_impact'))[:-1]} at the end: "
        text += (
            "no value (withheld below its minimum count of events; see docs/metrics.md)"
            if math.isnan(v)
            else w.fmt("disparate_impact", v)
        )
        if "disparate_impact_lo" in di and "disparate_impact_hi" in di:
            lo = data.final("disparate_impact_lo")
            hi = data.final("disparate_impact_hi")
            if not (math.isnan(lo) or math.isnan(hi)):
                text += f" (95% interval {number(lo)} to {number(hi)})"
        text += "."
    return Figure(
        "groups",
        "By group",
        text,
        plot.to_png(fig),
        alt="each group's measure over time",
    )


def domains(data: RunData) -> Figure | None:
    """The declared per-``{domain}`` family (restrictions in each domain)."""
    cols = [c for c in data.family("domain") if c not in data.used]
    if not cols:
        return None
    w = data.words
    data.used.update(cols)
    fig, (ax,) = plot.new_figure(1, row_height=2.9)
    finals = []
    for j, col in enumerate(cols):
        color = plot.PALETTE[j % len(plot.PALETTE)]
        dom = _member(data, col)
        ax.plot(data.times(), data.series(col), color=color, lw=1.3, label=dom)
        intervals.band(data, ax, col, color)
        finals.append((dom, col, data.final(col)))
    plot.title(ax, _family_title(data, cols[0]))
    plot.time_axis(ax, data.dated)
    _share_axis(ax, data, cols[0])
    ax.legend(loc="best", fontsize=7)
    ranked = sorted(finals, key=lambda t: -t[2])
    hit = [f"{d} ({w.fmt(c, v)})" for d, c, v in ranked if v > 0]
    if hit:
        text = f"At step {data.last_step}, by domain: {join(hit)}."
    else:
        text = f"At step {data.last_step}, every measure by domain is 0."
    return Figure(
        "domains", "By domain", text, plot.to_png(fig), alt="each domain's measure over time"
    )


def _named(
    data: RunData, name: str, title: str, names: Sequence[str], alt: str, lead: str = ""
) -> Figure | None:
    """Small multiples of `names` (those present and not yet drawn), with/without."""
    names = [n for n in names if data.has(n) and n not in data.used]
    if not names:
        return None
    data.used.update(names)
    fig = _small_multiples(data, names)
    text = lead + " ".join(sentence(_describe_final(data, n)) for n in names)
    return Figure(name, title, text, plot.to_png(fig), alt=alt)


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-") or "topic"


def topics(data: RunData) -> list[Figure]:
    """One figure per declared topic: its measures not drawn yet, with and without."""
    desc = data.words.desc
    out = []
    for topic in desc.topics:
        names = []
        for c in data.columns:
            m = desc.measure(c)
            if m is not None and m.topic == topic:
                names.append(c)
        fig = _named(
            data,
            f"topic-{_slug(topic)}",
            topic[:1].upper() + topic[1:],
            names[:MAX_PANELS],
            alt=f"{topic} over time",
        )
        if fig is not None:
            out.append(fig)
    return out


def _shares(ax: Any, data: RunData, cols: Sequence[str], title: str) -> str:
    """One line per category on a log axis (a few people in a rare grade stay visible)."""
    steps = data.times()
    finals = []
    for i, c in enumerate(cols):
        y = data.series(c)
        ax.plot(
            steps,
            np.where(y > 0, y, np.nan),
            color=plot.PALETTE[i % len(plot.PALETTE)],
            lw=1.4,
            label=_member(data, c),
        )
        finals.append((_member(data, c), c, float(y[-1]) if y.size else math.nan))
    if any(v > 0 for *_, v in finals):
        ax.set_yscale("log")
    _share_axis(ax, data, cols[0])
    plot.title(ax, title + " (log scale)")
    plot.time_axis(ax, data.dated)
    ax.legend(loc="best", fontsize=7, ncols=min(3, len(cols)))
    ranked = sorted(finals, key=lambda t: -t[2])
    return join(f"{n} {data.words.fmt(c, v)}" for n, c, v in ranked if v > 0)


def grades(data: RunData) -> Figure | None:
    """The declared ``{band}`` (people by grade) and ``{rating}`` (firms by rating) families."""
    people = data.family("band")
    firms = data.family("rating")
    if not people and not firms:
        return None
    data.used.update(people)
    data.used.update(firms)
    panels = [p for p in (people, firms) if p]
    fig, axes = plot.new_figure(len(panels), ncols=len(panels), row_height=3.0)
    parts = []
    i = 0
    if people:
        shares = _shares(axes[i], data, people, "people by grade")
        parts.append(f"At step {data.last_step}, people by grade: {shares}")
        i += 1
    if firms:
        shares = _shares(axes[i], data, firms, "firms by rating")
        parts.append(f"firms by rating: {shares}")
    return Figure(
        "grades",
        "Grades of people and ratings of firms",
        "; ".join(parts) + ".",
        plot.to_png(fig),
        alt="shares of people by grade and of firms by rating over time",
    )


def precision_recall(data: RunData) -> Figure | None:
    names = [n for n in ("state_precision", "state_recall") if data.has(n)]
    if not names:
        return None
    w = data.words
    fmt, short_label = w.fmt, w.short_label
    data.used.update(names)
    fig, (ax,) = plot.new_figure(1, row_height=3.0)
    colors = {"state_precision": "#2166ac", "state_recall": "#e08214"}
    for n in names:
        ax.plot(data.times(), data.series(n), color=colors[n], lw=1.4, label=short_label(n))
        intervals.band(data, ax, n, colors[n])
    ax.set_ylim(-0.02, 1.02)
    plot.percent_axis(ax)
    plot.time_axis(ax, data.dated)
    ax.set_title("what the state knows about what people did")
    ax.legend(loc="best")
    parts = []
    if "state_precision" in names:
        v = data.final("state_precision")
        parts.append(
            f"{fmt('state_precision', v)} of the state's records are true "
            f"(so {fmt('state_precision', 1 - v)} are false or linked to the wrong person)"
            if not math.isnan(v)
            else "the state holds no record yet"
        )
    if "state_recall" in names:
        parts.append(
            f"it has recorded {fmt('state_recall', data.final('state_recall'))} of the "
            "unlawful acts people committed"
        )
    text = sentence(f"At step {data.last_step}, " + "; ".join(parts))
    return Figure(
        "precision_recall",
        "The state's precision and recall",
        text,
        plot.to_png(fig),
        alt="state precision and recall over time",
    )


def acts(data: RunData) -> Figure | None:
    """The declared ``{kind}`` family (acts committed by kind)."""
    cols = [c for c in data.family("kind") if c not in data.used]
    if not cols:
        return None
    cols = cols[:MAX_PANELS]
    data.used.update(cols)
    fig = _small_multiples(data, cols)
    parts = []
    for c in cols:
        b = data.base(c)
        if b is None:
            continue
        with_mean = float(np.nanmean(data.series(c)))
        base_mean = float(np.nanmean(b[1]))
        if base_mean > 0:
            change = 100 * (with_mean - base_mean) / base_mean
            if abs(change) >= 5:
                parts.append(f"{_member(data, c)} {change:+.0f}%")
    if parts:
        text = (
            "Over the run, the system changes how often people commit each act "
            "(mean, with vs without): " + join(parts) + "."
        )  # noqa: E501
    elif data.baseline is not None:
        text = "The system changes no act's frequency by 5% or more."
    else:
        text = (
            "Acts committed by kind over the run: "
            + join(f"{_member(data, c)} {trend(data.series(c).tolist())}" for c in cols)
            + "."
        )
    return Figure(
        "acts", "Acts committed by kind", text, plot.to_png(fig), alt="acts by kind over time"
    )


def other_measures(data: RunData) -> Figure | None:
    rest = [c for c in data.columns if c not in data.used]
    if not rest:
        return None
    shown = rest[:MAX_PANELS]
    data.used.update(shown)
    fig = _small_multiples(data, shown)
    text = sentence(
        "Over the run, "
        + join(f"{data.words.label(c)} {trend(data.series(c).tolist())}" for c in shown)
    )
    if len(rest) > len(shown):
        text += f" ({len(rest) - len(shown)} more measures are in metrics.parquet.)"
    return Figure(
        "other", "Other measures over time", text, plot.to_png(fig), alt="other measures over time"
    )


RUN_FIGURES: list[Callable[[RunData], Figure | list[Figure] | None]] = [
    problem_and_price,
    headline,
    epstein_classic,
    axelrod_classic,
    granovetter_run,
    falsification,
    group_sanctions,
    domains,
    topics,
    precision_recall,
    grades,
    acts,
    other_measures,
]


def run_figures(data: RunData) -> list[Figure]:
    """Every figure whose measures the run has, in the catalogue's order."""
    out = []
    for draw in RUN_FIGURES:
        before = set(data.used)
        fig = draw(data)
        figs = fig if isinstance(fig, list) else [] if fig is None else [fig]
        if data.intervals is not None and len(figs) == 1:  # quote what the text did not
            drawn = [c for c in data.columns if c in data.used - before]
            figs[0].text += data.intervals.note(data.words, drawn, data.last_step)
        out.extend(figs)
    return out


def run_summary(data: RunData, figures: Sequence[Figure]) -> str:
    """The opening paragraph: what was run and what the first figures show."""
    scn = data.scenario
    name = scn.get("name", data.path.name)
    text = (
        f"Scenario {name!r} (model {data.model}) ran for {data.last_step} steps with seed "
        f"{data.manifest.get('seed', {}).get('entropy', '?')}"
    )
    if data.baseline is not None:
        text += (
            ", next to its counterfactual: the same society, with every mechanism of the "
            "system switched off, on the same random numbers"
        )
    text += "."
    if data.intervals is not None:
        text += data.intervals.lead()
    text += " " + " ".join(first_sentences(f.text, 4) for f in figures[:2])
    return text
