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

from synth.markup import Heading, Paragraph, SynthDoc

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
        if isinstance(block, Heading):
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


def browser() -> str:
    """The path of a Chromium-like browser, or ValueError."""
    for name in BROWSERS:
        if found := shutil.which(name):
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
