"""docs/metrics.md holds exactly the tables generated from the models' declarations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scslab.scenario.metricsdoc import (
    BEGIN,
    END,
    main,
    measures_table,
    metrics_doc,
    replace_block,
    shipped_models,
)
from scslab.scenario.registry import description

DOC = Path(__file__).parents[2] / "docs" / "metrics.md"


def test_docs_metrics_holds_exactly_the_generated_tables():
    text = DOC.read_text(encoding="utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1, "docs/metrics.md markers"
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    assert block == "\n" + metrics_doc(), (
        "docs/metrics.md is out of date with the declarations; run "
        ".venv/bin/python -m scslab.scenario.metricsdoc --write docs/metrics.md"
    )


def test_every_shipped_model_has_a_section_with_a_row_per_measure():
    doc = metrics_doc()
    assert "toy" not in shipped_models()  # a model a test registers is not documented
    for model in ("epstein", "axelrod", "granovetter", "kuran", "regime"):
        assert model in shipped_models()
        assert f"## `{model}`" in doc
        rows = measures_table(model).splitlines()[2:]
        assert [r.split(" | ")[0] for r in rows] == [
            f"| `{m.name}`" for m in description(model).measures
        ]
    row = next(r for r in measures_table("kuran").splitlines() if r.startswith("| `public_"))
    assert row.endswith("| yes | yes | `params.sanction`, `params.threshold_mean` |")


def test_script_prints_the_tables():
    out = subprocess.run(
        [sys.executable, "-m", "scslab.scenario.metricsdoc"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout == metrics_doc()


def test_write_replaces_only_the_block(tmp_path, capsys):
    doc = tmp_path / "m.md"
    doc.write_text(f"# title\n\n{BEGIN}\nold\n{END}\n\nafter\n", encoding="utf-8")
    assert main(["--write", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text == replace_block(f"# title\n\n{BEGIN}\nold\n{END}\n\nafter\n", metrics_doc())
    assert text.startswith(f"# title\n\n{BEGIN}\n## `") and text.endswith(f"{END}\n\nafter\n")
    doc.write_text("no markers\n", encoding="utf-8")
    assert main(["--write", str(doc)]) == 2
    assert "markers <!-- metrics:begin --> and <!-- metrics:end --> not found" in (
        capsys.readouterr().err
    )
    assert doc.read_text(encoding="utf-8") == "no markers\n"  # nothing half-written
