"""Headings set in the body's own size, told apart by a bold face only (as LibreOffice sets a
section heading in bold italic): read as headings whatever stands before them, a table's
caption or its notes included, and never run into the paragraph below."""

from __future__ import annotations

import pytest

SIZE = 9.5
LEADING = 13.6

PROSE = (
    "The coastal states agreed to share what their patrol boats see at sea and to meet every spring "
    "to compare the records they keep on each vessel stopped or escorted through the straits. The "
    "joint centre that collects these reports has grown from three officers to forty since it opened, "
    "and it now trains the crews of the smaller partners in boarding and in the care of rescued people. "
    "Ministers review its work each year and decide which ports receive new radar and which crews "
    "are sent abroad for a season of training with a larger navy."
).split()

HEADING_AFTER_CAPTION = "2 PORTS AND SHIPPING LANES"
HEADING_AFTER_TABLE = "3 TRAINING THE CREWS"


def _column(pdf, words, x0, top, width, height, font="Helvetica", rows=99):
    """Set ``words`` ragged in a column from ``top`` (from the page top); the next free top."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    line, y, row = [], top, 0
    pdf.setFont(font, SIZE)
    for word in words:
        if line and stringWidth(" ".join(line + [word]), font, SIZE) > width:
            pdf.drawString(x0, height - y - SIZE, " ".join(line))
            line, y, row = [], y + LEADING, row + 1
            if row >= rows:
                return y
        line.append(word)
    if line:
        pdf.drawString(x0, height - y - SIZE, " ".join(line))
        y += LEADING
    return y


def _table(pdf, left, right, top, height, rows):
    """A full grid of two columns; the table's bottom (from the page top)."""
    pitch = 16.0
    mid = left + 0.35 * (right - left)
    pdf.setLineWidth(0.5)
    for i, (a, b) in enumerate(rows):
        y = top + i * pitch
        pdf.setFont("Helvetica-Bold" if i == 0 else "Helvetica", 8)
        pdf.drawString(left + 4, height - y - 11, a)
        pdf.drawString(mid + 4, height - y - 11, b)
    bottom = top + len(rows) * pitch
    for i in range(len(rows) + 1):
        pdf.line(left, height - top - i * pitch, right, height - top - i * pitch)
    for x in (left, mid, right):
        pdf.line(x, height - top, x, height - bottom)
    return bottom


def _heading_pdf(path) -> None:
    """Page 1: a title and an opening section. Page 2: a table across both columns, its caption under it in italic, then two columns of
    prose; the second column holds a bold italic heading set with no more space after it than
    the leading. Page 3: a table and its caption alone. Page 4 opens with a bold italic heading."""
    canvas = pytest.importorskip("reportlab.pdfgen.canvas")
    from reportlab.lib.pagesizes import A4

    width, height = A4
    left, right, gutter = 62.0, width - 62.0, 18.0
    col = (right - left - gutter) / 2
    rows = [("Partner", "Arrangement"), ("Norway", "Joint patrols (2015)"), ("Chile", "Port visits (2018)"), ("Ghana", "Crew training (2020)")]
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawString(left, height - 80, "Coast Guards in Partnership")
    pdf.setFont("Helvetica-BoldOblique", SIZE)
    pdf.drawString(left, height - 120 - SIZE, "1 INTRODUCTION")
    _column(pdf, PROSE, left, 120 + LEADING * 0.8, col, height)
    pdf.showPage()
    bottom = _table(pdf, left, right, 50.0, height, rows)
    pdf.setFont("Helvetica-Oblique", SIZE)
    pdf.drawString(left, height - (bottom + 7) - SIZE, "Table 1 Maritime arrangements with three coastal partners")
    top = bottom + 7 + LEADING
    _column(pdf, PROSE + PROSE[:60], left, top, col, height)
    x2 = left + col + gutter
    y = _column(pdf, PROSE[20:], x2, top, col, height)
    y += 10  # the space before the heading; none after it
    pdf.setFont("Helvetica-BoldOblique", SIZE)
    pdf.drawString(x2, height - y - SIZE, HEADING_AFTER_CAPTION)
    _column(pdf, PROSE[5:], x2, y + LEADING * 0.8, col, height)
    pdf.showPage()
    bottom = _table(pdf, left, right, 50.0, height, rows[:1] + rows[2:] + rows[1:2])
    pdf.setFont("Helvetica-Oblique", SIZE)
    pdf.drawString(left, height - (bottom + 7) - SIZE, "Table 2 The same arrangements in the order they were signed")
    pdf.showPage()
    pdf.setFont("Helvetica-BoldOblique", SIZE)
    pdf.drawString(left, height - 50 - SIZE, HEADING_AFTER_TABLE)
    _column(pdf, PROSE[10:], left, 50 + LEADING * 0.8, col, height)
    _column(pdf, PROSE[30:], x2, 50, col, height)
    pdf.save()


def test_a_bold_italic_heading_at_body_size_is_a_heading_after_a_table_and_its_caption(tmp_path):
    from pipeline.ingest import ingest_file

    path = tmp_path / "headings.pdf"
    _heading_pdf(path)
    result = ingest_file(path)
    passages = [p for p in result.passages if p.kind != "table"]
    headings = [p.text for p in passages if p.kind == "heading"]
    assert HEADING_AFTER_CAPTION in headings, [(p.kind, p.text[:60]) for p in passages]
    assert HEADING_AFTER_TABLE in headings, [(p.kind, p.text[:60]) for p in passages]
    # The paragraphs under the headings are body text of their own, filed under the heading.
    for heading, opening in ((HEADING_AFTER_CAPTION, " ".join(PROSE[5:9])), (HEADING_AFTER_TABLE, " ".join(PROSE[10:14]))):
        below = next(p for p in passages if p.text.startswith(opening))
        assert below.kind == "body" and below.section.endswith(heading), (below.kind, below.section)
    # The caption is the caption's one line; the prose under it is body text.
    captions = [p.text for p in passages if p.kind == "caption"]
    assert not any("coastal states" in c for c in captions), captions
    assert any(p.kind == "body" and p.text.startswith(" ".join(PROSE[:6])) for p in passages)
    assert [t.caption for t in result.tables] == [
        "Table 1 Maritime arrangements with three coastal partners",
        "Table 2 The same arrangements in the order they were signed",
    ]


def _bold_forms_pdf(path) -> None:
    """One column of prose holding a heading set bold at body size with no space around it, and
    the bold forms that are not headings: a run-in lead-in, a paragraph wholly in bold, and a
    bold sentence with its stop on a line of its own."""
    canvas = pytest.importorskip("reportlab.pdfgen.canvas")
    from reportlab.lib.pagesizes import A4

    width, height = A4
    left, col = 62.0, 300.0
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawString(left, height - 80, "Coast Guards in Partnership")
    y = _column(pdf, PROSE[:40], left, 110, col, height)
    pdf.setFont("Helvetica-Bold", SIZE)
    pdf.drawString(left, height - y - SIZE, "Shared patrols")  # a heading: no space above or below
    y = _column(pdf, PROSE[40:], left, y + LEADING, col, height) + 4
    pdf.setFont("Helvetica-Bold", SIZE)
    lead = "Training first."
    pdf.drawString(left, height - y - SIZE, lead)
    from reportlab.pdfbase.pdfmetrics import stringWidth

    pdf.setFont("Helvetica", SIZE)
    pdf.drawString(left + stringWidth(lead + " ", "Helvetica-Bold", SIZE), height - y - SIZE, "The crews of the smaller partners")
    y = _column(pdf, PROSE[10:40], left, y + LEADING, col, height) + 4
    y = _column(pdf, PROSE[:45], left, y, col, height, font="Helvetica-Bold") + 4  # a paragraph in bold
    pdf.setFont("Helvetica-Bold", SIZE)
    pdf.drawString(left, height - y - SIZE, "Each partner keeps its own records.")
    _column(pdf, PROSE[50:], left, y + LEADING, col, height)
    pdf.save()


def test_a_bold_line_at_body_size_is_a_heading_but_bold_text_in_a_paragraph_is_not(tmp_path):
    from pipeline.ingest import ingest_file

    path = tmp_path / "bold-forms.pdf"
    _bold_forms_pdf(path)
    passages = [p for p in ingest_file(path).passages if p.kind not in ("table", "front_matter")]
    headings = [p.text for p in passages if p.kind == "heading"]
    assert headings == ["Shared patrols"], [(p.kind, p.text[:50]) for p in passages]
    below = next(p for p in passages if p.text.startswith(" ".join(PROSE[40:44])))
    assert below.kind == "body" and below.section == "Shared patrols"
    assert any(p.kind == "body" and p.text.startswith("Training first. The crews of the smaller partners") for p in passages)
    assert any(p.kind == "body" and p.text.startswith(" ".join(PROSE[:45])) for p in passages)
