"""A tiny document model rendered twice: Markdown (plots as files) and self-contained HTML."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from typing import Any

from gateway.plots import Plot

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


@dataclass
class Document:
    """Blocks in order: headings, paragraphs, lists, tables, code and plots."""

    title: str
    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def heading(self, level: int, text: str) -> None:
        """A section heading (level 2 or deeper; the title is level 1)."""
        self.blocks.append(("h", (level, text)))

    def paragraph(self, text: str) -> None:
        """A paragraph; `code` and **bold** are the only inline markup."""
        self.blocks.append(("p", text))

    def bullets(self, items: list[str]) -> None:
        """A bulleted list (nothing when empty)."""
        if items:
            self.blocks.append(("ul", items))

    def table(self, headers: list[str], rows: list[list[Any]]) -> None:
        """A table of plain cells."""
        self.blocks.append(("table", (headers, rows)))

    def code(self, text: str) -> None:
        """A preformatted block."""
        self.blocks.append(("code", text))

    def plot(self, plot: Plot) -> None:
        """An embedded figure."""
        self.blocks.append(("img", plot))


def _cell_md(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(doc: Document, plot_links: dict[str, str]) -> str:
    """Markdown; each plot is an image link to the file named in `plot_links`."""
    out = [f"# {doc.title}", ""]
    for kind, payload in doc.blocks:
        if kind == "h":
            level, text = payload
            out += ["#" * level + " " + text, ""]
        elif kind == "p":
            out += [payload, ""]
        elif kind == "ul":
            out += [f"- {item}" for item in payload] + [""]
        elif kind == "table":
            headers, rows = payload
            out.append("| " + " | ".join(_cell_md(h) for h in headers) + " |")
            out.append("|" + "---|" * len(headers))
            out += ["| " + " | ".join(_cell_md(c) for c in row) + " |" for row in rows]
            out.append("")
        elif kind == "code":
            out += ["```", payload, "```", ""]
        elif kind == "img":
            out += [f"![{payload.title}]({plot_links.get(payload.slug, '')})", ""]
    return "\n".join(out).rstrip() + "\n"


def _inline_html(text: str) -> str:
    escaped = html.escape(text, quote=False)
    return _BOLD.sub(r"<strong>\1</strong>", _CODE.sub(r"<code>\1</code>", escaped))


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.6em 0 1.2em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.92em}
th{background:#f3f3f3}code,pre{background:#f6f8fa;font-family:ui-monospace,Menlo,Consolas,monospace}
pre{padding:.8em;overflow-x:auto}figure{display:inline-block;margin:.5em 1em .5em 0}figcaption{font-size:.85em;color:#555}
h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
"""


def to_html(doc: Document) -> str:
    """One self-contained HTML page; plots are embedded as base64 PNG `<img>` elements."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(doc.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(doc.title)}</h1>",
    ]
    for kind, payload in doc.blocks:
        if kind == "h":
            level, text = payload
            parts.append(f"<h{level}>{_inline_html(text)}</h{level}>")
        elif kind == "p":
            parts.append(f"<p>{_inline_html(payload)}</p>")
        elif kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{_inline_html(i)}</li>" for i in payload) + "</ul>")
        elif kind == "table":
            headers, rows = payload
            head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
            body = "".join(
                "<tr>" + "".join(f"<td>{_inline_html(str(c))}</td>" for c in row) + "</tr>" for row in rows
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif kind == "code":
            parts.append(f"<pre><code>{html.escape(payload)}</code></pre>")
        elif kind == "img":
            data = base64.b64encode(payload.png).decode("ascii")
            title = html.escape(payload.title)
            parts.append(
                f'<figure><img alt="{title}" src="data:image/png;base64,{data}"><figcaption>{title}</figcaption></figure>'
            )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
