"""One self-contained HTML page: figures embedded as data URIs, no external request.

Readable on a phone: a viewport tag, one column, images that scale down,
tables and code that scroll sideways rather than overflow.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from typing import Any

from scslab.report.plot import Figure

CSS = """
:root { color-scheme: light; --ink: #1f2328; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #fff; }
main { max-width: 880px; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid var(--line); }
p.lede { font-size: 1.05rem; }
p.note { color: var(--muted); font-size: 0.9rem; }
nav ol { padding-left: 1.2rem; }
figure { margin: 0.5rem 0 1rem; }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 0.85rem; }
pre { background: #f6f8fa; padding: 0.75rem; overflow-x: auto; font-size: 0.8rem; }
.table { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; }
td, th { border-bottom: 1px solid var(--line); padding: 0.2rem 0.6rem 0.2rem 0;
         text-align: left; vertical-align: top; }
footer { color: var(--muted); font-size: 0.8rem; margin: 2rem 0; }
@media (max-width: 600px) { body { font-size: 15px; } main { padding: 0.6rem; } }
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def table(rows: Sequence[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f'<div class="table"><table>{body}</table></div>'


def page(
    *,
    title: str,
    summary: str,
    figures: Sequence[Figure],
    sections: Sequence[tuple[str, str, str]],
    footer: str,
) -> str:
    """The report page.

    Parameters
    ----------
    sections : sequence of (id, heading, inner HTML)
        Extra sections after the figures (the scenario, the manifest).
    """
    toc = "".join(f'<li><a href="#{_e(f.name)}">{_e(f.title)}</a></li>' for f in figures)
    toc += "".join(f'<li><a href="#{_e(sid)}">{_e(head)}</a></li>' for sid, head, _ in sections)
    body = []
    for f in figures:
        body.append(
            f'<section id="{_e(f.name)}"><h2>{_e(f.title)}</h2><p>{_e(f.text)}</p>'
            f'<figure><img src="{data_uri(f.png)}" alt="{_e(f.alt or f.title)}" '
            f'data-file="figures/{_e(f.name)}.png">'
            f"<figcaption>figures/{_e(f.name)}.png</figcaption></figure></section>"
        )
    for sid, head, inner in sections:
        body.append(f'<section id="{_e(sid)}"><h2>{_e(head)}</h2>{inner}</section>')
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head>"
        f"<body><main><h1>{_e(title)}</h1>"
        f'<p class="lede" id="summary">{_e(summary)}</p>'
        f"<nav><ol>{toc}</ol></nav>" + "".join(body) + f"<footer>{_e(footer)}</footer>"
        "</main></body></html>\n"
    )


def code(text: str) -> str:
    return f"<pre>{_e(text)}</pre>"


def as_yaml(data: Any) -> str:
    from scslab.scenario.yamlio import dump_yaml

    return dump_yaml(data)


def as_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False, default=str)
