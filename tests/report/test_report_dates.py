"""A run with a calendar: the report's time axes show dates."""

from __future__ import annotations

import numpy as np

import scslab
from scslab.report import build_report, plot
from scslab.report.run import read_run_folder
from scslab.report.sweep import _last_date


def test_time_axis_labels_dates_or_steps():
    from matplotlib.dates import ConciseDateFormatter

    fig, (a, b) = plot.new_figure(2)
    plot.time_axis(a, True)
    plot.time_axis(b, False)
    assert a.get_xlabel() == "date"
    assert isinstance(a.xaxis.get_major_formatter(), ConciseDateFormatter)
    assert b.get_xlabel() == "step"


def test_a_dated_run_plots_against_dates(tmp_path):
    r = scslab.run(
        "court-blacklist",
        overrides=["steps=10", "params.population.size=1500", "calendar.start=2013-10-01"],
        baseline=True,
    )
    r.save(tmp_path / "run")
    data = read_run_folder(tmp_path / "run")
    assert data.dated and "date" not in data.columns
    times = data.times()
    assert times.dtype == np.dtype("datetime64[D]")
    assert str(times[0]) == "2013-10-01" and str(times[-1]) == "2013-10-11"
    t, _ = data.base("listed_share_adults")
    assert str(t[-1]) == "2013-10-11"
    assert build_report(tmp_path / "run").is_file()


def test_an_undated_run_plots_against_steps(tmp_path):
    r = scslab.run("kuran-cascade")
    r.save(tmp_path / "run")
    data = read_run_folder(tmp_path / "run")
    assert not data.dated
    assert data.times().tolist() == data.steps().tolist()


def test_sweep_page_names_the_last_date():
    scn = {"steps": 92, "calendar": {"start": "2013-10-01", "days_per_step": 1}}
    assert _last_date(scn) == " (step 92, 2014-01-01)"
    assert _last_date({"steps": 5}) == ""
