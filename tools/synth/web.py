"""A third producer: a text as a web page (site header, navigation, title, dateline, body, footer)
and that page as a browser prints it to PDF (headless Chromium, with its own print stamps: the time
of printing and the page title at the top, the address and page count at the bottom).

Layout names for ``render_texts``: ``WEB`` writes the HTML page itself, ``CR1`` the printed PDF.
"""

from __future__ import annotations

import datetime
import html
import shutil
import subprocess
import tempfile
from pathlib import Path

from synth.markup import Heading, Paragraph, SynthDoc, Table, cell_text

WEB_LAYOUTS = ("WEB", "CR1")
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def page_html(doc: SynthDoc, site: str = "Newsroom") -> str:
    """The document as a news-room page: the site's name joins the title in <title>."""
    meta = doc.meta
    dateline = ""
    if meta.date:
        day = datetime.date.fromisoformat(meta.date) if len(meta.date) == 10 else None
        dateline = f"{day:%B} {day.day}, {day.year}" if day else meta.date
    parts, items = [], []
    for block in doc.blocks:
        if isinstance(block, Paragraph) and block.bullet:
            items.append(f"<li>{html.escape(block.text)}</li>")
            continue
        if items:
            parts.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if isinstance(block, Table):
            parts.append(table_html(block))
        elif isinstance(block, Heading):
            parts.append(f"<h2>{html.escape(block.text)}</h2>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{html.escape(block.text)}</p>")
    if items:
        parts.append("<ul>" + "".join(items) + "</ul>")
    kind = html.escape(meta.series or "Statements and Releases")
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(meta.title)} | {site}</title>'
        "<style>body{font-family:Georgia,serif;max-width:760px;margin:auto}nav,footer{font:12px sans-serif;color:#555}</style>"
        f"</head><body><nav>Home &nbsp; Press room &nbsp; {kind} &nbsp; Search</nav><p>PRESS ROOM</p>"
        f"<h1>{html.escape(meta.title)}</h1><p>{dateline} &bull; {kind}</p>{''.join(parts)}"
        "<footer><p>Subscribe to our newsletter</p><p>Privacy &nbsp; Accessibility &nbsp; Contact</p></footer></body></html>\n"
    )


def table_html(table: Table) -> str:
    """A bordered HTML table: merged cells as rowspan/colspan, header rows in <thead>."""
    owners = table.owners()
    rows = []
    for r, row in enumerate(owners):
        cells = []
        for c, owner in enumerate(row):
            if owner != (r, c):
                continue
            colspan = sum(1 for o in row if o == owner)
            rowspan = sum(1 for other in owners if other[c] == owner)
            tag = "th" if r < table.header_rows else "td"
            text = "<br>".join(html.escape(line) for line in cell_text(table.grid[r][c]).split("\n"))
            span = (f' colspan="{colspan}"' if colspan > 1 else "") + (f' rowspan="{rowspan}"' if rowspan > 1 else "")
            cells.append(f"<{tag}{span}>{text}</{tag}>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head, body = rows[: table.header_rows], rows[table.header_rows :]
    return (f'<table border="1" style="border-collapse:collapse;font-size:12px"><caption>{html.escape(table.caption)}</caption>'
            f"<thead>{''.join(head)}</thead><tbody>{''.join(body)}</tbody></table>")


def installed_browser() -> str:
    """The path of a Chromium-like browser on PATH, or ""."""
    return next((found for name in BROWSERS if (found := shutil.which(name))), "")


def browser() -> str:
    """The path of a Chromium-like browser, or ValueError."""
    if found := installed_browser():
        return found
    raise ValueError(f"layout CR1 needs a Chromium browser on PATH ({', '.join(BROWSERS)})")


def render_web(doc: SynthDoc, out: Path, layout: str) -> dict:
    """Write ``out`` (.html for WEB, .pdf for CR1); return its truth."""
    page = page_html(doc)
    truth = {"producer": "browser", "layout": layout, "title": doc.meta.title, "date": doc.meta.date}
    if layout == "WEB":
        out.with_suffix(".html").write_text(page, encoding="utf-8")
        return truth
    with tempfile.TemporaryDirectory(prefix="synth-web-") as folder:
        source = Path(folder) / "page.html"
        source.write_text(page, encoding="utf-8")
        subprocess.run([browser(), "--headless", "--disable-gpu", "--no-sandbox", f"--print-to-pdf={out}",
                        source.as_uri()], check=True, capture_output=True, timeout=120)
    return truth
