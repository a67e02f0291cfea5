"""A table or a paragraph is the same whoever typeset it: invariance of ingestion over layouts.

Our sample article (tables of joint statements per partner, cooperation elements per partner and
domain with bullet cells, dialogue counts) and our sample brief are typeset in the layouts of
``synth.layouts.MATRIX`` and must read back as their source holds them, whatever the layout: the
same passages (text, kind, section, the notes each paragraph cites), the same table cells, the
title and the printed date. A failure names the layout and its parameters.

CI runs ``CI_LAYOUTS`` (a subset chosen to cover every kind of choice) and the PDFs that another
producer, LibreOffice, printed from the same sources (``tests/fixtures/producers``; made with
``python -m synth libreoffice``, which needs LibreOffice installed; the tests do not). Set
``SECMINE_FULL_MATRIX=1`` to run every layout of the matrix.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipeline.ingest import ingest_file
from synth.check import problems
from synth.layouts import CI_LAYOUTS, LAYOUTS, MATRIX, apply, source_truth
from synth.markup import parse_file
from synth.typeset import render_pdf
from synth.web import installed_browser, render_web

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {
    "article": ROOT / "corpus" / "src" / "eu-strategic-partners-review-2017.md",
    "brief": ROOT / "corpus" / "src" / "eu-indo-pacific-security-brief-2025.md",
}
FIXTURES = ROOT / "tests" / "fixtures" / "producers"
FULL = os.environ.get("SECMINE_FULL_MATRIX", "") not in ("", "0")
NAMES = [layout.name for layout in MATRIX] if FULL else list(CI_LAYOUTS)


def test_matrix_covers_every_choice():
    """At least 24 layouts, and together they take every value of every choice."""
    assert len(MATRIX) >= 24
    seen: dict[str, set] = {}
    for layout in MATRIX:
        for name, value in vars(layout).items():
            seen.setdefault(name, set()).add(value)
    assert seen["columns"] == {1, 2, 3}
    assert seen["tables"] == {"grid", "rules", "rows", "zebra", "whitespace"}
    assert {"A4", "Letter"} <= seen["page"]
    assert seen["notes"] == {"footnotes", "endnotes"} and seen["markers"] == {"superscript", "paren", "bracket"}
    assert seen["running"] == {"top", "bottom"} and seen["numbers"] == {"top", "bottom"}
    assert seen["hyphenate"] == seen["justify"] == seen["repeat_header"] == seen["split_rows"] == {True, False}
    assert seen["caption"] == {"above", "below"} and seen["wide"] == {"full", "rotated", "column"}
    assert 0 in seen["spacers"] and len(seen["spacers"]) > 1 and seen["part_rules"] == {True, False}
    assert len(CI_LAYOUTS) >= 8 and set(CI_LAYOUTS) <= set(LAYOUTS)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("source", sorted(SOURCES))
def test_every_layout_reads_as_its_source(tmp_path, name, source):
    layout = LAYOUTS[name]
    doc = parse_file(SOURCES[source])
    pdf = tmp_path / f"{source}-{name}.pdf"
    render_pdf(apply(doc, layout), pdf)
    result = ingest_file(pdf)
    assert result.document.status == "ok", result.document.error
    found = problems(result, source_truth(doc), ragged=not layout.justify and not layout.indent)
    assert found == [], f"{source} in layout {layout.describe()}:\n" + "\n".join(found)
    assert result.document.pub_date_source == "printed"


@pytest.mark.parametrize("pdf", sorted(FIXTURES.glob("*/*.pdf")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_other_producers_read_as_their_source(pdf):
    truth = json.loads(pdf.with_suffix(".truth.json").read_text(encoding="utf-8"))
    result = ingest_file(pdf)
    assert result.document.status == "ok", result.document.error
    found = problems(result, truth, ragged=truth.get("ragged", False))
    assert found == [], f"{pdf.name} printed by {truth['layout']}:\n" + "\n".join(found)
    # The file's own creation date (2026) is later than the printed one and must not win.
    assert (result.document.pub_date, result.document.pub_date_source) == (truth["pub_date"], "printed")


def test_the_other_producer_truth_is_the_source_truth():
    """The committed truth files are what the sources hold now (they were not edited by hand)."""
    for truth_file in FIXTURES.glob("*/*.truth.json"):
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        source = SOURCES[truth_file.stem.split("-")[0]]
        assert truth["blocks"] == source_truth(parse_file(source))["blocks"], truth_file.name


def test_a_failure_names_the_layout_and_what_differs(tmp_path):
    """The checker is not blind: a reading that loses a row and a note is caught and described."""
    layout = LAYOUTS["L01"]
    doc = parse_file(SOURCES["brief"])
    pdf = tmp_path / "brief.pdf"
    render_pdf(apply(doc, layout), pdf)
    result = ingest_file(pdf)
    truth = source_truth(doc)
    assert problems(result, truth) == []
    table = result.tables[0]
    table.rows = table.rows[:-1]
    result.passages = [p for p in result.passages if p.kind != "footnote" or p.marker != "1"]
    found = problems(result, truth)
    assert any(line.startswith("table rows differ") for line in found)
    assert any("note 1" in line for line in found)
    assert "L01 (plain)" == layout.describe()


@pytest.mark.slow
@pytest.mark.skipif(not installed_browser(), reason="no Chromium browser installed")
@pytest.mark.parametrize("source", sorted(SOURCES))
def test_a_browser_print_of_the_source_as_a_web_page_reads_its_tables(tmp_path, source):
    """A third producer: the source as a web page (tables with rowspan and colspan, <th> headers)
    printed by headless Chromium, page breaks inside tables. The page carries no notes, so only the
    tables, their captions and header rows are compared."""
    doc = parse_file(SOURCES[source])
    pdf = tmp_path / f"{source}.pdf"
    render_web(doc, pdf, "CR1")
    found = [p for p in problems(ingest_file(pdf), source_truth(doc)) if p.startswith(("table", "missing table", "extra table"))]
    assert found == [], f"{source} printed by a browser:\n  " + "\n  ".join(found)
