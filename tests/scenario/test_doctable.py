"""The parameter tables in docs/models are generated from the schemas and cannot drift."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scslab.scenario import MODELS, params_class
from scslab.scenario.doctable import BEGIN, END, main, params_table, replace_table

DOCS = Path(__file__).parents[2] / "docs" / "models"
REAL = sorted(m for m in MODELS if m != "toy")
DOCUMENTED = [m for m in REAL if (DOCS / f"{m}.md").is_file()]


@pytest.mark.parametrize("model", ["epstein", "axelrod", "granovetter", "kuran"])
def test_these_models_are_documented(model):
    assert model in DOCUMENTED


@pytest.mark.parametrize("model", DOCUMENTED)
def test_doc_holds_exactly_the_generated_table(model):
    text = (DOCS / f"{model}.md").read_text(encoding="utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1, f"docs/models/{model}.md markers"
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    assert block == "\n" + params_table(model), (
        f"docs/models/{model}.md is out of date; run "
        f".venv/bin/python -m scslab.scenario.doctable {model} --write docs/models/{model}.md"
    )


@pytest.mark.parametrize("model", REAL)
def test_one_row_per_field_with_a_description(model):
    lines = params_table(model).splitlines()
    fields = params_class(model).model_fields
    assert len(lines) == 2 + len(fields)
    for line, (name, info) in zip(lines[2:], fields.items(), strict=True):
        assert line.startswith(f"| `{name}` |")
        assert info.description, f"{model}.{name} has no description"


def test_table_shows_types_defaults_and_ranges():
    table = params_table("axelrod")
    assert "| `population` | int | `20` | [2, 10000] |" in table
    assert "| `metanorms` | bool | `false` |  |" in table
    assert "one of `resample_offspring`, `random_newcomers`, `roulette`" in table
    assert "| `private` | list of float in [0, 1] or null | `null` |" in params_table("kuran")


def test_script_prints_the_table():
    out = subprocess.run(
        [sys.executable, "-m", "scslab.scenario.doctable", "granovetter"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout == params_table("granovetter")


def test_script_refuses_an_unknown_model(capsys):
    assert main(["axelrd"]) == 2
    assert "did you mean 'axelrod'?" in capsys.readouterr().err


def test_write_replaces_only_the_block(tmp_path):
    doc = tmp_path / "m.md"
    doc.write_text(f"# title\n\n{BEGIN}\nold\n{END}\n\nafter\n", encoding="utf-8")
    assert main(["kuran", "--write", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text == replace_table(
        f"# title\n\n{BEGIN}\nold\n{END}\n\nafter\n", params_table("kuran")
    )
    assert text.startswith("# title\n\n") and text.endswith(f"{END}\n\nafter\n")
    doc.write_text("no markers\n", encoding="utf-8")
    assert main(["kuran", "--write", str(doc)]) == 2
