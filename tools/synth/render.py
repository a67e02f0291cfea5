"""Plain-text documents (header lines, a blank line, paragraphs; numbered and bulleted lists) as
PDFs in several layouts, for evaluating secmine on PDFs whose text is known.

A header line is ``KEY: value``; ``TITLE`` becomes the printed title and ``DATE`` (ISO) the
dateline under it; ``TYPE`` (without a bracketed issuer) is printed in the series band above the title, as a
document prints what kind it is; the other header lines are not printed. A paragraph that is one short line
without a final stop is set as a heading; "- " or "• " opens a bullet item; "1. " stays in the
text. Each layout writes ``OUT/<layout>/<stem>.pdf`` (and ``.truth.json``), keeping the input's
stem, so gold files keyed by stem match the PDFs as they match the texts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from synth.layouts import LAYOUTS, apply, source_truth
from synth.markup import Heading, Meta, Paragraph, Span, SynthDoc
from synth.typeset import render_pdf
from synth.web import WEB_LAYOUTS, render_web

_HEADER = re.compile(r"^([A-Z][A-Z_ -]{1,30}):\s*(.*)$")
_BULLET = re.compile(r"^\s*[-\u2022\u2013*]\s+")
_LINK = re.compile(r"\[([^\]]+)\]\((?:https?://|www\.)[^)\s]*\)")
_DATELINE = re.compile(r"^(?:[A-Z][\w.'-]+,?\s+)?(?:\d{1,2}\s+)?(?:January|February|March|April|May|June|July|August|September|October|November|December)\b")
_ISO = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def text_document(path: str | Path) -> SynthDoc:
    """A plain-text document as a source for the typesetters."""
    path = Path(path)
    raw = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    head, _, body = raw.partition("\n\n")
    fields = {}
    header_lines = head.split("\n")
    if all(_HEADER.match(line) for line in header_lines if line.strip()):
        for line in header_lines:
            match = _HEADER.match(line)
            if match:
                fields[match.group(1).strip().lower()] = match.group(2).strip()
    else:
        body = raw
    date = ""
    if match := _ISO.match(fields.get("date", "")):
        date = "-".join(part for part in match.groups() if part)
    title = fields.get("title") or path.stem
    meta = Meta(title=title, date=date, page_number_first="bottom_center")
    if kind := re.sub(r"\s*\(.*\)\s*$", "", fields.get("type", "")):
        meta.series = kind[:1].upper() + kind[1:]  # a document prints what it is: "Press release", "Commentary"
    blocks: list[Heading | Paragraph] = []
    for chunk in re.split(r"\n\s*\n", body):
        text = _LINK.sub(r"\1", " ".join(chunk.split()))  # a PDF shows a link's text
        if not text:
            continue
        if not blocks and not meta.subtitle and _DATELINE.match(text) and len(text.split()) <= 10:
            meta.subtitle = text  # a dateline under the title belongs to the title block
            continue
        if _BULLET.match(chunk):
            blocks.append(Paragraph([Span(_BULLET.sub("", text, count=1))], bullet=True))
        elif "\n" not in chunk.strip() and len(text.split()) <= 12 and not re.search(r"[.!?:;,]$", text):
            blocks.append(Heading(2, text))
        else:
            blocks.append(Paragraph([Span(text)]))
    meta.validate()
    return SynthDoc(meta, blocks, source=path.name)


def render_texts(inputs: list[Path], out: Path, layouts: list[str]) -> list[Path]:
    """Every input in every layout (names of ``synth.layouts.LAYOUTS``, of the LibreOffice
    layouts ``synth.odt.ODT_LAYOUTS``, or ``WEB``/``CR1``: a web page and its browser print);
    returns the files written."""
    written = []
    for name in layouts:
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        for path in inputs:
            doc = text_document(path)
            pdf = folder / f"{path.stem}.pdf"
            if name in WEB_LAYOUTS:
                truth = render_web(doc, pdf, name)
                pdf = pdf.with_suffix(".html") if name == "WEB" else pdf
            elif name in LAYOUTS:
                layout = LAYOUTS[name]
                render_pdf(apply(doc, layout), pdf)
                truth = source_truth(doc)
                truth.update({"layout": layout.describe(), "producer": "synth"})
            else:
                from synth.odt import ODT_LAYOUTS, render_libreoffice

                if name not in ODT_LAYOUTS:
                    raise ValueError(f"unknown layout {name!r}: one of {', '.join([*LAYOUTS, *ODT_LAYOUTS, *WEB_LAYOUTS])}")
                truth = render_libreoffice(doc, pdf, ODT_LAYOUTS[name])
            pdf.with_suffix(".truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            written.append(pdf)
    return written
