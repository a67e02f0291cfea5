"""Ingestion of generated PDFs, checked against the truth the generator wrote beside each one.

The sample corpus PDFs (corpus/docs) were made by ``python -m synth`` from the sources in
corpus/src; the same generator makes fresh PDFs here for layouts the corpus does not cover.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.ingest import ingest_file
from pipeline.vocab.textnorm import normalize_for_matching

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PDFS = sorted((ROOT / "corpus" / "docs").glob("*.pdf"))


def squash(text: str) -> str:
    return " ".join(normalize_for_matching(text).split())


def unbullet(text: str) -> str:
    return squash(text).lstrip("-\u2022\u25aa ").strip()


def truth_problems(result, truth: dict) -> list[str]:
    """Every way the ingested result differs from what the generator printed."""
    problems = []
    passages = result.passages
    by_text: dict[str, list] = {}
    for p in passages:
        by_text.setdefault(squash(p.text), []).append(p)
    for block in truth["blocks"]:
        kind = block["kind"]
        if block.get("role") == "abstract":
            kind = "body"
        text = squash(block.get("text", ""))
        if kind == "body":
            found = [p for p in by_text.get(text, []) if p.kind in ("body", "reference")]
            found = found or [p for p in passages if p.kind == "body" and unbullet(p.text) == unbullet(text)]
            if not found:
                problems.append(f"paragraph not whole (page {block['page']}): {text[:70]}")
            elif block.get("section") is not None and found[0].section != block["section"]:
                problems.append(f"section {found[0].section!r} != {block['section']!r}: {text[:40]}")
            elif found[0].page != block["page"]:
                problems.append(f"page {found[0].page} != {block['page']}: {text[:40]}")
        elif kind == "heading":
            if not any(p.kind == "heading" for p in by_text.get(text, [])):
                problems.append(f"heading missing: {text}")
        elif kind in ("footnote", "reference") and block.get("marker"):
            notes = [p for p in by_text.get(text, []) if p.kind == "footnote" and p.marker == block["marker"]]
            if not notes:
                problems.append(f"note {block['marker']} missing or different: {text[:60]}")
            elif not notes[0].cited_by:
                problems.append(f"note {block['marker']} not linked to its citing passage")
        elif kind == "caption":
            if not any(p.kind == "caption" for p in by_text.get(text, [])):
                problems.append(f"caption missing: {text[:60]}")
        elif kind == "box":
            items = " ".join(unbullet(i) for i in block["items"])
            if not any(" ".join(unbullet(line) for line in p.text.split("\n")) == items for p in passages):
                problems.append(f"box not whole: {block.get('title')}")
        elif kind == "table":
            tables = [t for t in result.tables if squash(t.caption) == squash(block.get("caption", ""))]
            if not tables:
                problems.append(f"table missing: {block.get('caption')}")
            elif (tables[0].header, tables[0].rows) != (block["header"], block["rows"]):
                problems.append(f"table cells differ: {block.get('caption')}")
        elif kind == "front_matter":
            if text not in squash(" ".join(p.text for p in passages if p.kind == "front_matter")):
                problems.append(f"front matter not marked: {text[:60]}")
    for p in passages:
        if p.kind != "front_matter" and any(squash(run) in squash(p.text) for run in truth["running"]):
            problems.append(f"running head or foot inside {p.kind} {p.passage_id}")
    return problems


@pytest.mark.parametrize("pdf", SAMPLE_PDFS, ids=lambda p: p.name)
def test_sample_pdf_matches_generator_truth(pdf):
    truth = json.loads(pdf.with_suffix(".truth.json").read_text())
    result = ingest_file(pdf)
    assert result.document.status == "ok", result.document.error
    assert result.document.pages == truth["pages"]
    assert result.document.title == truth["title"]
    assert result.document.pub_date == truth["pub_date"]
    assert truth_problems(result, truth) == []


@pytest.fixture(scope="module")
def example_pdfs(tmp_path_factory):
    """The generator's own examples: one- and two-column layouts, endnotes, every table style."""
    from synth import build

    out = tmp_path_factory.mktemp("examples")
    return [build(src, out)[0] for src in sorted((ROOT / "tools" / "synth" / "examples").glob("*.md"))]


def test_generated_examples_match_truth(example_pdfs):
    assert example_pdfs
    for pdf in example_pdfs:
        truth = json.loads(pdf.with_suffix(".truth.json").read_text())
        result = ingest_file(pdf)
        assert result.document.status == "ok", result.document.error
        assert truth_problems(result, truth) == [], pdf.name


@pytest.fixture(scope="module")
def bad_pdfs(tmp_path_factory):
    from synth import make_bad_pdfs

    return make_bad_pdfs(tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize(
    "name,status,reason",
    [
        ("encrypted", "failed", "encrypted"),
        ("truncated", "failed", "damaged or truncated"),
        ("empty", "failed", "empty"),
        ("not-really", "failed", "not a PDF"),
        ("scanned", "skipped", "no text layer"),
    ],
)
def test_bad_pdf_gets_a_clear_error(bad_pdfs, name, status, reason):
    result = ingest_file(bad_pdfs[name])
    assert result.document.status == status
    assert result.document.error.startswith(bad_pdfs[name].name + ":")
    assert reason in result.document.error
    assert result.passages == []


def test_page_limit_and_time_limit_are_enforced(example_pdfs):
    from pipeline.settings import Settings

    pdf = next(p for p in example_pdfs if p.stem == "demo")
    over_pages = ingest_file(pdf, Settings(max_pages=1))
    assert over_pages.document.status == "failed"
    assert "over the page limit of 1 (setting max_pages)" in over_pages.document.error
    too_slow = ingest_file(pdf, Settings(doc_timeout_s=1e-6))
    assert too_slow.document.status == "failed"
    assert "doc_timeout_s" in too_slow.document.error


def test_hyphenation_and_ligatures_repaired(example_pdfs):
    pdf = next(p for p in example_pdfs if p.stem == "demo")
    truth = json.loads(pdf.with_suffix(".truth.json").read_text())
    result = ingest_file(pdf)
    raw = "\n".join(p.raw_text for p in result.passages)
    assert "\ufb01" in raw or "\ufb02" in raw, "the demo is printed with ligatures"
    assert any(line.rstrip().endswith("-") for line in raw.split("\n")), "and with line-end hyphens"
    text = " ".join(p.text for p in result.passages)
    assert "\ufb01" not in text and "\ufb02" not in text
    body = [b["text"] for b in truth["blocks"] if b["kind"] == "body"]
    assert all(any(squash(t) == squash(p.text) for p in result.passages) for t in body)


def test_pathological_page_is_refused_with_the_setting_named(example_pdfs):
    from pipeline.settings import Settings

    pdf = next(p for p in example_pdfs if p.stem == "demo")
    result = ingest_file(pdf, Settings(max_chars_per_page=100))
    assert result.document.status == "failed"
    assert re.match(r"demo.pdf: page \d+ holds \d+ characters", result.document.error)
    assert "max_chars_per_page" in result.document.error


def test_layout_failure_falls_back_to_plain_text(example_pdfs, monkeypatch):
    import pipeline.ingest.pdf as pdf_reader

    def broken(*args, **kwargs):
        raise RuntimeError("simulated layout bug")

    monkeypatch.setattr(pdf_reader, "_assemble", broken)
    pdf = next(p for p in example_pdfs if p.stem == "brief")
    result = ingest_file(pdf)
    assert result.document.status == "ok"
    assert any("simulated layout bug" in w for w in result.document.warnings)
    assert [p.page for p in result.passages] == list(range(1, result.document.pages + 1))
    assert "structured cyber dialogues" in result.passages[0].text


UNREPEATED = """---
title: Long tables without repeated headers
date: 2023-04
layout: one_column
page: A4
font: serif
---

# TABLES

Two long tables follow; neither repeats its header where it continues.

::: table grid "Table 1 Partners and the year of their first dialogue" repeat_header=no
| Partner | First dialogue | Format |
|---|---|---|
{grid_rows}
:::

::: table rules "Table 2 Partners and the instruments they joined" repeat_header=no split_rows=yes
| Partner | Instruments |
|---|---|
{rule_rows}
:::
"""


def test_tables_continue_without_repeated_header(tmp_path):
    from synth import parse_markup, render_pdf

    partners = ["Norway", "Japan", "Canada", "Chile", "Ghana", "Peru", "Kenya", "Oman", "Jordan", "Serbia"]
    grid_rows = "\n".join(f"| {p} {i} | {2000 + i} | ministerial |" for i in range(6) for p in partners)
    rule_rows = "\n".join(
        f"| {p} | \u2013 Framework agreement ({2010 + i % 9})<br>\u2013 Cyber dialogue<br>\u2013 Joint exercises |"
        for i, p in enumerate(partners * 3)
    )
    doc = parse_markup(UNREPEATED.format(grid_rows=grid_rows, rule_rows=rule_rows))
    truth = render_pdf(doc, tmp_path / "long.pdf")
    tables = [b for b in truth["blocks"] if b["kind"] == "table"]
    assert all(len(set(t["pages"])) > 1 for t in tables), "both tables should run over a page break"
    result = ingest_file(tmp_path / "long.pdf")
    assert truth_problems(result, truth) == []
    assert len(result.tables) == 2


@pytest.mark.parametrize(
    "opening,expected",
    [
        ("March 8, 2024", "2024-03-08"),
        ("8 March 2024", "2024-03-08"),
        ("16 April 2003", "2003-04-16"),
        ("Brussels, 15 November 2015", "2015-11-15"),
        ("WASHINGTON, March 8, 2024 \u2014 The partners agreed to meet again.", "2024-03-08"),
        ("May 2024", "2024-05"),
        ("In March 2022, the Council adopted a strategy.", ""),
    ],
)
def test_datelines_in_the_usual_forms(opening, expected):
    from pipeline.ingest.dates import dateline

    assert dateline(opening) == expected


def test_printed_date_wins_and_says_where_it_was_read():
    from pipeline.ingest.dates import find_pub_date

    later_metadata = {"CreationDate": "D:20261121120733+00'00'"}
    assert find_pub_date([], [], [], later_metadata, ["Brussels, 15 November 2015 - The ministers met."]) == (
        "2015-11-15",
        "printed",
    )
    assert find_pub_date(["Policy Brief 3", "May 2024"], [], [], later_metadata) == ("2024-05", "printed")
    assert find_pub_date([], ["(2016) 20 EFA Rev. 469"], [], later_metadata) == ("2016", "running_head")
    assert find_pub_date([], [], [], later_metadata) == ("2026-11", "metadata")
    assert find_pub_date([], [], [], {}) == ("", "none")


def test_a_browsers_print_stamps_are_not_the_document(tmp_path):
    """A web page saved as PDF by a browser: the time of printing with the page title at the top,
    the address and page count at the bottom. Neither is text of the document, and the date is
    the one printed under the title, not the day of printing."""
    canvas = pytest.importorskip("reportlab.pdfgen.canvas")
    from reportlab.lib.pagesizes import A4

    path = tmp_path / "saved-page.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    width, height = A4
    pdf.setFont("Helvetica", 8)
    pdf.drawString(30, height - 20, "3/14/25, 10:41 AM Joint Statement of Chile and the European Union | Press")
    pdf.drawString(30, 20, "https://press.example.org/statements/chile-eu-ocean 1/1")
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawString(60, height - 90, "Joint Statement of Chile and the European Union")
    pdf.setFont("Helvetica", 10)
    pdf.drawString(60, height - 115, "March 12, 2025 \u2022 Statements")
    text = ["Chile and the European Union agreed today to hold a yearly dialogue on ocean",
            "security and to share information on illegal fishing in the South Pacific."]
    for i, line in enumerate(text):
        pdf.drawString(60, height - 145 - 14 * i, line)
    pdf.save()
    result = ingest_file(path)
    assert (result.document.pub_date, result.document.pub_date_source) == ("2025-03-12", "printed")
    assert not any("10:41" in p.text or "press.example.org" in p.text for p in result.passages)
