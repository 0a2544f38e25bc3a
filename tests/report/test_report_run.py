from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import polars as pl
import pytest
from report_synthetic import axelrod_run, granovetter_run, kuran_run, regime_run

import scslab
from scslab.cli import main
from scslab.errors import StoreError
from scslab.report import build_report

EPSTEIN = """name: epstein-small
model: epstein
steps: 80
seed: 7
params:
  width: 20
  height: 20
  legitimacy: 0.7
"""


def figures_of(report):
    html = report.read_text(encoding="utf-8")
    return html, sorted(p.stem for p in (report.parent / "figures").glob("*.png"))


def paragraphs(html):
    import html as h

    return [
        h.unescape(re.sub(r"<[^>]+>", "", p)) for p in re.findall(r"<p[^>]*>(.*?)</p>", html, re.S)
    ]


def test_epstein_run_report(tmp_path):
    scn = tmp_path / "e.yaml"
    scn.write_text(EPSTEIN)
    r = scslab.run(str(scn))
    r.save(tmp_path / "run")
    report = build_report(tmp_path / "run")
    html, figs = figures_of(report)
    assert report == tmp_path / "run" / "report.html"
    # the declared headline measures (active, jailed), the classic figure, the rest
    assert figs == ["epstein", "headline", "other"]
    # Self-contained: every figure embedded, no address outside the file.
    assert html.count("data:image/png;base64,") == len(figs)
    assert "http://" not in html and "https://" not in html
    assert 'name="viewport"' in html
    # The text is computed from the run: the peak of actives is the real one.
    active = r.metrics["active"]
    peak = int(active.max())
    assert f"Active citizens peak at {peak:,} at step" in html
    assert f"{int(r.metrics['jailed'][-1]):,} are in jail at the end" in html
    # The scenario as run and its manifest.
    assert "The scenario as run" in html and "legitimacy: 0.7" in html
    assert r.manifest["scenario_hash"] in html


def test_scenario_as_run_keeps_the_description_line_for_line(tmp_path):
    """Paragraphs of a description come out as written, not with every break doubled."""
    import html as h

    import yaml

    description = "A short run.\nSecond line of the summary.\n\nA second paragraph.\n"
    text = (
        EPSTEIN.replace("steps: 80", "steps: 3")
        + "description: |\n"
        + "".join(f"  {line}\n" if line else "\n" for line in description.splitlines())
    )
    scn = tmp_path / "e.yaml"
    scn.write_text(text)
    r = scslab.run(str(scn))
    assert r.scenario.description == description
    r.save(tmp_path / "run")
    page = build_report(tmp_path / "run").read_text(encoding="utf-8")
    section = re.search(r'<section id="scenario">.*?<pre>(.*?)</pre>', page, re.S)
    shown = h.unescape(section.group(1))
    assert (
        "description: |\n  A short run.\n  Second line of the summary.\n\n  A second paragraph.\n"
        in shown
    )
    assert "\n\n\n" not in shown
    # and it is the scenario itself: saved as a file it loads to the same hash
    assert yaml.safe_load(shown) == r.scenario.to_dict()
    assert scslab.load_scenario(yaml.safe_load(shown)).digest() == r.manifest["scenario_hash"]


def test_regime_run_with_baseline_draws_every_figure(tmp_path):
    run = regime_run(tmp_path / "run")
    html, figs = figures_of(build_report(run))
    assert figs == sorted(
        ["headline", "falsification", "groups", "domains", "precision_recall", "acts", "other"]
    )
    text = " ".join(paragraphs(html))
    assert "People sanctioned ends at 3.9% with the system and 0.0% without (+3.9 points)." in text
    assert (
        "At step 60, private dissent is 30.0% and public dissent 7.3%; the gap is 22.7 points"
        in text
    )
    assert "Private dissent is the same in both worlds" in text
    assert "The system moves public dissent by -14.7 points" in text
    # the declared per-group family, labelled by group; no ratio of two groups from one seed
    assert "by group: majority 2.9%, minority 8.8% and migrant 5.9%" in text
    assert "times the rate" not in text
    assert "travel (2.9%), finance (2.0%) and employment (0.98%)" in text
    assert "of the state's records are true" in text
    assert (
        "fraud -38% and petition -53%" in text
    )  # chilling of a lawful act, computed from the two worlds
    assert "The counterfactual (baseline) as run" in html


def test_regime_run_without_baseline(tmp_path):
    run = regime_run(tmp_path / "run", baseline=False)
    html, figs = figures_of(build_report(run))
    assert "falsification" in figs and "groups" in figs
    assert "without" not in paragraphs(html)[0]


@pytest.mark.parametrize(
    ("make", "figure", "phrase"),
    [
        (
            kuran_run,
            "falsification",
            "private opposition is 70.0% and public opposition 80.0%; the gap is -10.0 points",
        ),
        (axelrod_run, "axelrod", "the norm is established in"),
        (granovetter_run, "granovetter", "The riot stops at 6 rioters of 100 people (6%)"),
    ],
)
def test_canonical_models_get_their_classic_figures(tmp_path, make, figure, phrase):
    html, figs = figures_of(build_report(make(tmp_path / "run")))
    assert figure in figs
    assert phrase in html


def test_stale_figures_are_removed_and_report_is_rewritten(tmp_path):
    run = regime_run(tmp_path / "run")
    (run / "figures").mkdir()
    (run / "figures" / "old.png").write_bytes(b"x")
    (run / "figures" / "notes.txt").write_text("mine")
    build_report(run)
    assert not (run / "figures" / "old.png").exists()
    assert (run / "figures" / "notes.txt").exists()
    assert not list(run.glob(".*.tmp"))


def test_not_a_run_folder(tmp_path):
    with pytest.raises(StoreError, match="neither a run folder"):
        build_report(tmp_path)
    with pytest.raises(StoreError, match="does not exist"):
        build_report(tmp_path / "nope")


def test_cli_report_and_run_with_report(tmp_path, capsys):
    scn = tmp_path / "e.yaml"
    scn.write_text(EPSTEIN.replace("steps: 80", "steps: 20"))
    code = main(["run", str(scn), "--out", str(tmp_path / "r"), "--quiet", "--report"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"report: {tmp_path / 'r' / 'report.html'}" in out
    assert (tmp_path / "r" / "figures" / "epstein.png").is_file()
    code = main(["report", str(tmp_path / "r")])
    out, err = capsys.readouterr()
    assert code == 0 and "report.html" in out
    code = main(["report", str(tmp_path / "missing")])
    out, err = capsys.readouterr()
    assert code == 2 and "does not exist" in err and "Traceback" not in err


def test_importing_report_does_not_import_matplotlib():
    code = (
        "import sys, scslab.report, scslab.report.words, scslab.cli; "
        "import scslab.engine; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'; "
        "assert 'panel' not in sys.modules and 'bokeh' not in sys.modules, 'panel imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_figures_are_written_as_png(tmp_path):
    run = regime_run(tmp_path / "run")
    build_report(run)
    for png in (run / "figures").glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pl.read_parquet(run / "metrics.parquet").height == 61


def test_real_regime_run_with_baseline(tmp_path, capsys):
    code = main(
        [
            "run",
            "full-regime",
            "--baseline",
            "--steps",
            "40",
            "--set",
            "params.population.size=4000",
            "--out",
            str(tmp_path / "r"),
            "--quiet",
            "--report",
        ]
    )
    assert code == 0, capsys.readouterr().err
    report = tmp_path / "r" / "report.html"
    html, figs = figures_of(report)
    for name in (
        "headline",
        "falsification",
        "groups",
        "domains",
        "precision_recall",
        "grades",
        "acts",
    ):
        assert name in figs
    text = " ".join(paragraphs(html))
    assert "with the system and" in text and "without" in text
    # full-regime has legitimacy on: private dissent follows L, which the system moves,
    # so the report says "the same in both worlds" only where the two columns agree
    priv = pl.read_parquet(tmp_path / "r" / "metrics.parquet")["dissent_private"].to_numpy()
    base = pl.read_parquet(tmp_path / "r" / "baseline" / "metrics.parquet")
    same = bool(np.allclose(base["dissent_private"].to_numpy(), priv, atol=1e-9))
    assert not same
    assert ("Private dissent is the same in both worlds" in text) == same
    assert html.count("data:image/png;base64,") == len(figs)


def test_a_family_figure_is_titled_for_every_member():
    """The per-group figure reads "people sanctioned in each group" (issue: the title
    once read "people sanctioned in group <group>"); every family's title names no
    placeholder and does not repeat its name."""
    from scslab.report.run import family_title
    from scslab.scenario.registry import description

    assert family_title("people sanctioned in group {group}", "group") == (
        "people sanctioned in each group"
    )
    assert family_title("people restricted in {domain}", "domain") == (
        "people restricted in each domain"
    )
    for m in description("regime").measures:
        if m.is_family:
            title = family_title(m.label, m.placeholder)
            assert "{" not in title and "<" not in title, title
            assert f"each {m.placeholder}" in title, title
            assert f"{m.placeholder} each {m.placeholder}" not in title, title


def test_the_group_and_domain_figures_carry_those_titles(tmp_path, monkeypatch):
    from scslab.report import plot

    titles = []
    real = plot.title
    monkeypatch.setattr(
        plot, "title", lambda ax, text, width=32: (titles.append(text), real(ax, text, width))
    )
    build_report(regime_run(tmp_path / "run"))
    assert "people sanctioned in each group" in titles
    assert "people restricted in each domain" in titles
