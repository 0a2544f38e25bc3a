"""Reading YAML: one function for every reader, and hostile documents refused."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from scslab.errors import ScenarioError
from scslab.scenario import load_scenario
from scslab.scenario.yamlio import MAX_ALIAS_EXPANSION, MAX_DEPTH, dump_yaml, parse_yaml

SRC = Path(__file__).resolve().parents[2] / "src" / "scslab"


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """The classic bomb: each level a list of `width` aliases to the level below."""
    lines = ['a0: &a0 "lol"']
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * width)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def flow_bomb(levels: int = 9, width: int = 9) -> str:
    """The same bomb on one line (for --set and --vary values)."""
    items = ["&a0 lol"]
    for i in range(1, levels + 1):
        items.append(f"&a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "[" + ", ".join(items) + "]"


def scenario_bomb() -> str:
    return "name: bomb\nmodel: epstein\n" + billion_laughs() + "params:\n  width: 10\n"


def test_billion_laughs_through_the_cli_is_refused(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(scenario_bomb())
    out = tmp_path / "out"
    # The timeout only keeps a regression from hanging the suite; it is no speed
    # assertion (unrefused, this document runs for minutes and ends in a MemoryError).
    proc = subprocess.run(
        [sys.executable, "-m", "scslab", "run", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.search(
        rf"{re.escape(str(path))}: its aliases \(\*name\) expand to [\d,]+ values", proc.stderr
    )
    assert "billion laughs" in proc.stderr
    assert not out.exists()  # nothing written


@pytest.mark.parametrize("command", ["sweep", "sensitivity"])
def test_billion_laughs_refused_by_sweep_and_sensitivity(tmp_path, command):
    path = tmp_path / "bomb.yaml"
    path.write_text(scenario_bomb())
    axis = (
        ["--vary", "params.legitimacy=0.1,0.9"]
        if command == "sweep"
        else ["--param", "params.legitimacy=0.1:0.9", "--n", "4", "--measure", "jailed@last"]
    )
    proc = subprocess.run(
        [sys.executable, "-m", "scslab", command, str(path), *axis, "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "expand to" in proc.stderr


def test_bomb_in_a_set_value_is_refused():
    with pytest.raises(ScenarioError, match=r"aliases \(\*name\) expand to"):
        load_scenario("epstein", [f"params.legitimacy={flow_bomb()}"])


def test_self_referring_alias_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("name: loop\nmodel: epstein\nx: &x [1, *x]\n")
    with pytest.raises(ScenarioError, match="refers to a value that contains it"):
        load_scenario(path)


def test_deep_nesting_is_refused(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("name: deep\nmodel: epstein\nx: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ScenarioError, match="nest too deeply|levels deep"):
        load_scenario(path)
    # nesting built by aliases counts too
    layers = ["l0: &l0 " + "[" * 60 + "1" + "]" * 60]
    layers.append("l1: &l1 " + "[" * 60 + "*l0" + "]" * 60)
    with pytest.raises(ScenarioError, match=f"at most {MAX_DEPTH}"):
        parse_yaml("\n".join(layers), "deep")


def test_aliases_within_the_bound_are_read_as_written(tmp_path):
    """A person may share values with anchors; the result is the expanded data."""
    text = (
        "name: shared\nmodel: regime\n"
        "params:\n"
        "  preemption: {domains: &doms [travel, finance]}\n"
        "  abroad: {family_domains: *doms}\n"
    )
    path = tmp_path / "ok.yaml"
    path.write_text(text)
    scn = load_scenario(path)
    assert scn.params.abroad.family_domains == ["travel", "finance"]
    assert scn.params.preemption.domains == ["travel", "finance"]
    # exactly at the bound is read; one more value is not
    n = MAX_ALIAS_EXPANSION
    ok = (
        "base: &b ["
        + ", ".join(["1"] * (n // 10 - 1))
        + "]\nuses: ["
        + ", ".join(["*b"] * 10)
        + "]\n"
    )
    assert len(parse_yaml(ok, "ok")["uses"]) == 10
    over = ok.replace("uses: [", "uses: [*b, ")
    with pytest.raises(ScenarioError, match="expand to"):
        parse_yaml(over, "over")


def test_not_yaml_names_the_line():
    with pytest.raises(ScenarioError, match=r"f\.yaml:2 is not valid YAML"):
        parse_yaml("a: 1\nb: c: 2\n", "f.yaml")


def test_every_reader_uses_parse_yaml():
    """No module but yamlio parses YAML itself (so no reader escapes the bounds)."""
    calls = re.compile(
        r"yaml\.(safe_load|load|full_load|unsafe_load|compose|load_all|safe_load_all)\b"
    )
    offenders = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if p.name != "yamlio.py" and calls.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_dump_yaml_keeps_paragraphs_and_reads_back_equal():
    data = {"name": "x", "description": "First paragraph,\ntwo lines.\n\nSecond one.\n", "n": 3}
    text = dump_yaml(data)
    assert "description: |\n  First paragraph,\n  two lines.\n\n  Second one.\n" in text
    assert parse_yaml(text, "dumped") == data
