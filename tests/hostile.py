"""Small hostile inputs, written byte by byte: the kinds of file that once hung or broke a batch.

Each maker writes one file into a folder and returns its path. The PDFs are tiny hand-built
files (a catalog, a page tree and one page) whose content streams do the damage.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

TEXT = b"BT /F1 11 Tf 72 720 Td (The EU and Japan agreed to cooperate on maritime security.) Tj ET\n"


def pdf_bytes(content: bytes, extra_objects: tuple[bytes, ...] = (), xobjects: bytes = b"", flate: bool = True,
              broken_checksum: bool = False) -> bytes:
    """A one-page PDF drawing ``content``; objects 6.. are ``extra_objects`` (forms the page may draw)."""
    stream = zlib.compress(content, 9) if flate else content
    if broken_checksum:
        stream = stream[:-4] + bytes(b ^ 0xFF for b in stream[-4:])
    filters = b" /Filter /FlateDecode" if flate else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> /XObject << " + xobjects + b" >> >> >>",
        b"<< /Length %d%s >>\nstream\n" % (len(stream), filters) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *extra_objects,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def broken_checksum(folder: Path, padding_mb: int = 24) -> Path:
    """Text, then megabytes of spaces, in a Flate stream whose checksum is wrong (pdfminer's own
    recovery re-inflates it byte by byte, in quadratic time)."""
    path = folder / "broken-checksum.pdf"
    path.write_bytes(pdf_bytes(TEXT + b" " * (padding_mb << 20), broken_checksum=True))
    return path


def damaged_stream(folder: Path) -> Path:
    """A Flate stream damaged half-way: the text before the damage is kept, the loss is reported."""
    content = TEXT + b"".join(b"BT /F1 9 Tf 72 %d Td (Line %d of the annex on port security.) Tj ET\n" % (700 - 12 * i, i)
                              for i in range(50))
    stream = bytearray(zlib.compress(content, 9))
    stream[len(stream) // 2 : len(stream) // 2 + 8] = b"\xff" * 8
    path = folder / "damaged-stream.pdf"
    path.write_bytes(pdf_bytes(bytes(stream), flate=False).replace(b"/Length", b"/Filter /FlateDecode /Length", 1))
    return path


def self_drawing_form(folder: Path, depth: int = 20) -> Path:
    """Forms that each draw the next one twice, ``depth`` deep: 2**depth rectangles on one page."""
    forms = []
    for level in range(depth):
        number = 6 + level
        body = b"/F%d Do /F%d Do" % (level + 1, level + 1) if level < depth - 1 else b"0 0 1 1 re f"
        resources = b"/Resources << /XObject << /F%d %d 0 R >> >>" % (level + 1, number + 1) if level < depth - 1 else b""
        forms.append(b"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] %s /Length %d >>\nstream\n"
                     % (resources, len(body)) + body + b"\nendstream")
    path = folder / "self-drawing-form.pdf"
    path.write_bytes(pdf_bytes(TEXT + b"/F0 Do\n", tuple(forms), xobjects=b"/F0 6 0 R"))
    return path


def many_rectangles(folder: Path, count: int = 300_000) -> Path:
    """One page of ``count`` small filled rectangles and a line of text."""
    rects = b"".join(b"%d %d 2 2 re f\n" % (i % 600, (i // 600) % 780) for i in range(count))
    path = folder / "many-rectangles.pdf"
    path.write_bytes(pdf_bytes(TEXT + rects))
    return path


def formula_text(folder: Path) -> Path:
    """A text whose lines start like spreadsheet formulas, and a file name that does too."""
    path = folder / "=HYPERLINK(x)-brief.txt"
    path.write_text("EU and Canada statement\n\n=HYPERLINK(\"http://example.invalid\",\"click\")\n\n"
                    "+cmd|' /C calc'!A0 The EU and Canada agreed to cooperate on cyber security in 2024.\n\n"
                    "-2+3 @SUM(A1:A2) <script>alert(1)</script>\n", encoding="utf-8")
    return path


def non_utf8_name(folder: Path) -> Path:
    """A text file whose name holds a byte that is not UTF-8 (Latin-1 e-acute)."""
    name = os.fsdecode(b"coop\xe9ration-note.txt")
    path = folder / name
    path.write_text("EU and Norway\n\nThe EU and Norway signed a security and defence partnership in 2024.\n",
                    encoding="utf-8")
    return path


def nul_text(folder: Path, size: int = 100_000) -> Path:
    path = folder / "nul-heavy.txt"
    path.write_bytes(b"EU and India\n\n" + b"\x00" * size + b"\nThe EU and India held a maritime dialogue.\n")
    return path


def deep_html(folder: Path, depth: int = 1000) -> Path:
    path = folder / "deep.html"
    path.write_text("<html><body>" + "<div>" * depth + "<p>The EU and Chile signed an advanced framework "
                    "agreement in 2023.</p>" + "</div>" * depth + "</body></html>", encoding="utf-8")
    return path


def hostile_batch(folder: Path) -> list[Path]:
    """Every maker above, into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return [maker(folder) for maker in (broken_checksum, damaged_stream, self_drawing_form, many_rectangles,
                                        formula_text, non_utf8_name, nul_text, deep_html)]
