from __future__ import annotations

import html as h
import re

import pytest
from report_synthetic import granovetter_sweep, grid_sweep, lhs_sweep

from scslab.cli import main
from scslab.errors import StoreError
from scslab.report import build_report


def text_of(report):
    page = report.read_text(encoding="utf-8")
    return page, " ".join(
        h.unescape(re.sub(r"<[^>]+>", "", p)) for p in re.findall(r"<p[^>]*>(.*?)</p>", page, re.S)
    )


def figs(report):
    return sorted(p.stem for p in (report.parent / "figures").glob("*.png"))


def test_grid_sweep_draws_each_measure_against_each_parameter(tmp_path):
    report = build_report(grid_sweep(tmp_path / "s"))
    page, text = text_of(report)
    # Headline measures the sweep has, in the headline order.
    assert figs(report) == ["sweep_dissent_public", "sweep_sanctioned_share"]
    assert "49 runs, 48 finished, 1 failed" in text
    assert "varied: params.a and params.mode; 3 replicates per point" in text
    assert "each with its baseline on the same random numbers" in text
    assert (
        "As params.a goes from 0 to 1, people sanctioned rises from 0.047% to 15.2%; without the "
        "system it stays near 0.0% (averaged over params.mode; the figure has a line for each; "
        "3 replicates per point; the bands span them)"
    ) in text
    assert "As params.mode goes from hard to soft, public dissent hardly changes" in text
    assert "data:image/png;base64," in page and "https://" not in page
    assert "&quot;path&quot;: &quot;params.a&quot;" in page  # the design is shown


def test_chosen_measure_and_unknown_measure(tmp_path):
    sweep = grid_sweep(tmp_path / "s", baseline=False, replicates=1)
    report = build_report(sweep, measures=["dissent_public@last"])
    assert figs(report) == ["sweep_dissent_public"]
    with pytest.raises(StoreError, match="did you mean 'dissent_public'"):
        build_report(sweep, measures=["dissent_publik"])


def test_sampled_sweep_scatters_and_shows_sensitivity_bars(tmp_path):
    report = build_report(lhs_sweep(tmp_path / "s"))
    page, text = text_of(report)
    assert "indices_sobol_active_last" in figs(report)
    assert "sweep_active" in figs(report)
    assert (
        "For active@last (sobol), the parameters rank by ST as: params.legitimacy (0.8) and params.cop_density (0.3)"
        in text
    )
    assert "params.cop_density acts mostly through interactions" in text
    assert "binned mean of 60 sampled runs" in text


def test_granovetter_equilibrium_vs_sd(tmp_path):
    report = build_report(granovetter_sweep(tmp_path / "s"))
    _, text = text_of(report)
    assert figs(report)[0] == "granovetter_sd"
    assert "jumps past half the crowd between sd 12 (6 rioters) and 13 (99)" in text
    assert "Granovetter reports the jump near sd 12.2" in text


def test_cli_report_on_a_sweep(tmp_path, capsys):
    sweep = grid_sweep(tmp_path / "s", baseline=False, replicates=1)
    assert main(["report", str(sweep), "--measure", "sanctioned_share"]) == 0
    assert "report.html" in capsys.readouterr().out
    assert main(["report", str(sweep), "--measure", "nope"]) == 2
    assert "no metric 'nope'" in capsys.readouterr().err


def test_real_sweep_and_sensitivity_folders(tmp_path, capsys):
    small = ["--set", "params.population.size=2000", "--steps", "20", "--workers", "1"]
    assert (
        main(
            [
                "sweep",
                "full-regime",
                *small,
                "--vary",
                "params.discourse.propaganda=0,1",
                "--replicates",
                "2",
                "--baseline",
                "--out",
                str(tmp_path / "sw"),
                "--quiet",
            ]
        )
        == 0
    )
    report = build_report(tmp_path / "sw")
    _, text = text_of(report)
    assert "sweep_sanctioned_share" in figs(report)
    assert (
        "varied: params.discourse.propaganda; 2 replicates per point, each with its baseline"
        in text
    )
    grid = [
        "--set",
        "params.width=12",
        "--set",
        "params.height=12",
        "--steps",
        "10",
        "--workers",
        "1",
    ]
    assert (
        main(
            [
                "sensitivity",
                "epstein",
                *grid,
                "--param",
                "params.legitimacy=0.5:0.9",
                "--param",
                "params.cop_density=0.02:0.1",
                "--method",
                "morris",
                "--n",
                "3",
                "--measure",
                "active@mean",
                "--out",
                str(tmp_path / "se"),
                "--quiet",
            ]
        )
        == 0
    )
    capsys.readouterr()
    report = build_report(tmp_path / "se")
    _, text = text_of(report)
    assert "indices_morris_active_mean" in figs(report)
    assert "For active@mean (morris), the parameters rank by mu_star as:" in text
