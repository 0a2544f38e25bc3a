"""``docs/metrics.md``, generated from the measures every model declares, so it cannot drift.

``python -m scslab.scenario.metricsdoc`` prints the tables;
``python -m scslab.scenario.metricsdoc --write docs/metrics.md`` replaces the
block between ``<!-- metrics:begin -->`` and ``<!-- metrics:end -->`` in that
file. One section per model scslab ships (in the registry's order), one row per
declared measure (`scslab.engine.describe.Measure`), in declaration order.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from scslab.errors import ScslabError
from scslab.scenario.doctable import replace_between
from scslab.scenario.registry import MODELS, description

BEGIN = "<!-- metrics:begin -->"
END = "<!-- metrics:end -->"

HEADER = (
    "| measure | label | unit | what it counts | share | headline | levers |\n"
    "|---|---|---|---|---|---|---|\n"
)


def shipped_models() -> list[str]:
    """The models whose kernels are part of scslab (not ones a test registers)."""
    return [name for name, entry in MODELS.items() if entry.kernel.startswith("scslab.")]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def measures_table(model: str) -> str:
    """The declared measures of `model` as a Markdown table (a family's name as declared).

    Examples
    --------
    >>> print(measures_table("granovetter").splitlines()[2].split(" | ")[0])
    | `rioters`
    """
    desc = description(model)
    lines = [HEADER]
    for m in desc.measures:
        row = [
            f"`{m.name}`",
            m.label,
            m.unit,
            m.counts,
            "yes" if m.share else "",
            "yes" if m.headline else "",
            ", ".join(f"`{p}`" for p in m.levers),
        ]
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |\n")
    return "".join(lines)


def metrics_doc(models: Sequence[str] | None = None) -> str:
    """One section per model: a heading, the model's summary, its table of measures."""
    out = []
    for model in models if models is not None else shipped_models():
        entry = MODELS[model]
        out.append(f"## `{model}`\n\n{entry.summary}.\n\n{measures_table(model)}")
    return "\n".join(out)


def replace_block(text: str, block: str) -> str:
    """`text` with the block between the metrics markers replaced by `block`."""
    return replace_between(text, block, BEGIN, END)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scslab.scenario.metricsdoc",
        description="print the measures every model declares (Markdown), or write docs/metrics.md",
    )
    parser.add_argument(
        "--write",
        type=Path,
        metavar="FILE",
        help=f"replace the block between {BEGIN} and {END} in FILE",
    )
    args = parser.parse_args(argv)
    text = metrics_doc()
    if args.write is None:
        sys.stdout.write(text)
        return 0
    try:
        path: Path = args.write
        path.write_text(replace_block(path.read_text(encoding="utf-8"), text), "utf-8")
    except (ScslabError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
