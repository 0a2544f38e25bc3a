"""The report of a run with replicates: bands on the figures, mean ± half-width in the text."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest

import scslab
from scslab.report import build_report
from scslab.report.run import _small_multiples, read_run_folder, run_figures, run_summary

TOY = {"name": "toy", "model": "toy", "steps": 10, "seed": 4, "params": {"n": 30, "drift": 0.3}}


@pytest.fixture(scope="module")
def replicated(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "run"
    scslab.run(TOY, replicates=4, baseline=True).save(out)
    return out


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    out = tmp_path_factory.mktemp("one") / "run"
    scslab.run(TOY, baseline=True).save(out)
    return out


def _bands(ax):
    from matplotlib.collections import PolyCollection

    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def test_each_line_gets_the_band_of_its_interval(replicated):
    data = read_run_folder(replicated)
    assert data.intervals is not None and data.intervals.total == 4
    fig = _small_multiples(data, ["total"])
    bands = _bands(fig.axes[0])
    assert len(bands) == 2  # with the system, and the baseline
    summary = pl.read_parquet(replicated / "summary.parquet").filter(pl.col("measure") == "total")
    ys = np.concatenate([p.vertices[:, 1] for p in bands[0].get_paths()])
    assert ys.min() == pytest.approx(summary["lo"].drop_nulls().min())
    assert ys.max() == pytest.approx(summary["hi"].drop_nulls().max())


def test_a_run_of_one_seed_has_no_band(single):
    data = read_run_folder(single)
    assert data.intervals is None
    assert _bands(_small_multiples(data, ["total"]).axes[0]) == []


def test_text_quotes_intervals_not_lone_numbers(replicated):
    data = read_run_folder(replicated)
    figures = run_figures(data)
    text = " ".join(f.text for f in figures)
    final = pl.read_parquet(replicated / "summary.parquet").filter(pl.col("step") == 10)
    for measure in ("mean", "sd", "total"):
        # every measure's final value is quoted with its half-width, baseline and paired difference
        label = re.escape(data.words.label(measure))
        assert re.search(rf"{label} ends at -?[\d.]+ ± [\d.]+ with the system and", text, re.I)
        row = final.filter(pl.col("measure") == measure).row(0, named=True)
        assert row["n"] == 4
    assert "paired" in text
    summary = run_summary(data, figures)
    assert "mean of 4 runs" in summary and "Student t over replicates" in summary


def test_report_of_a_replicated_run_has_figures_and_plus_minus(replicated):
    page = build_report(replicated).read_text(encoding="utf-8")
    assert (replicated / "figures" / "headline.png").stat().st_size > 10_000
    assert page.count("±") >= 3
    assert "95% interval" in page


def test_report_of_one_seed_has_no_plus_minus(single):
    page = build_report(single).read_text(encoding="utf-8")
    assert "±" not in page


def test_error_bars_of_a_share_stay_within_0_and_1():
    from types import SimpleNamespace

    from scslab.report.intervals import Intervals, yerr

    summary = pl.DataFrame(
        {
            "step": [5, 5],
            "measure": ["a", "b"],
            "n": [4, 4],
            "mean": [0.01, 0.5],
            "sd": [0.02, 0.01],
            "half_width": [0.03, 0.02],
            "lo": [-0.02, 0.48],
            "hi": [0.04, 0.52],
        }
    )
    data = SimpleNamespace(
        intervals=Intervals(4, summary), words=SimpleNamespace(is_share=lambda name: True)
    )
    below, above = yerr(data, ["a", "b"])
    assert below == pytest.approx([0.01, 0.02]) and above == pytest.approx([0.03, 0.02])
    assert yerr(SimpleNamespace(intervals=None), ["a"]) is None
