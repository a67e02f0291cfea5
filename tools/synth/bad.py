"""Broken or awkward inputs for robustness tests: encrypted, truncated, empty, mislabelled, scanned."""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from synth.bench import document_markup
from synth.markup import parse_markup
from synth.text import font_dir, font_name
from synth.typeset import render_pdf

PASSWORD = "secmine"
SCAN_DPI = 100
SCAN_LINES = (
    "Security Cooperation Review",
    "",
    "This page was scanned from a printed copy and has no text layer.",
    "The Union and its partners meet every year to review progress on",
    "maritime security, cyber security and the fight against terrorism.",
    "Officials from both sides prepare a joint statement, which is",
    "published after the meeting together with a list of new projects.",
)
HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Download</title></head>
<body><p>The document you requested has moved. Please log in to continue.</p></body></html>
"""


def _encrypted(path: Path) -> Path:
    """A one-page PDF that needs the user password ``PASSWORD`` to open."""
    canvas = Canvas(str(path), pagesize=A4, invariant=1, encrypt=PASSWORD)
    canvas.setFont(font_name("serif"), 11)
    canvas.drawString(72, 760, "This document is protected by a password.")
    canvas.showPage()
    canvas.save()
    return path


def _truncated(path: Path) -> Path:
    """A valid generated PDF cut to 60% of its bytes."""
    render_pdf(parse_markup(document_markup(random.Random(7), 3), source="truncated.md"), path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.6)])
    return path


def _scanned(path: Path) -> Path:
    """A page holding only a picture of text, so the PDF has no text layer."""
    width, height = (round(v / 72 * SCAN_DPI) for v in A4)
    image = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(font_dir() / "DejaVuSerif.ttf"), 16)
    y = 120
    for line in SCAN_LINES:
        draw.text((100, y), line, fill=20, font=font)
        y += 28
    canvas = Canvas(str(path), pagesize=A4, invariant=1)
    canvas.drawImage(ImageReader(image), 0, 0, A4[0], A4[1])
    canvas.showPage()
    canvas.save()
    return path


def make_bad_pdfs(out_dir: str | Path) -> dict[str, Path]:
    """Write the bad inputs into ``out_dir``; return their paths by name."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    empty = out_dir / "empty.pdf"
    empty.write_bytes(b"")
    not_really = out_dir / "not-really.pdf"
    not_really.write_text(HTML_PAGE, encoding="utf-8")
    return {
        "encrypted": _encrypted(out_dir / "encrypted.pdf"),
        "truncated": _truncated(out_dir / "truncated.pdf"),
        "empty": empty,
        "not-really": not_really,
        "scanned": _scanned(out_dir / "scanned.pdf"),
    }
