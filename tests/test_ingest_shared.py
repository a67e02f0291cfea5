"""Ingestion of the two seed PDFs in ../shared/corpus/pdf, checked against the seed texts and gold."""

from __future__ import annotations

import csv
import re
from collections import defaultdict

import pdfplumber
import pytest

from pipeline.vocab.textnorm import normalize_for_matching

pytestmark = pytest.mark.shared


def squash(text: str) -> str:
    return " ".join(normalize_for_matching(text).split())


def seed_plain(text: str) -> str:
    """Seed markdown as reading text: note markers, links and emphasis removed."""
    text = re.sub(r"<sup>.*?</sup>|\u207d[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+\u207e", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return squash(text.replace("**", "").replace("*", "").replace("\\", ""))


def margin_lines(pdf_path) -> set[str]:
    """Lines printed in the top or bottom 8% of two or more pages: the running heads and feet."""
    seen = defaultdict(set)
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            for line in page.extract_text_lines():
                if line["top"] < 0.08 * page.height or line["bottom"] > 0.92 * page.height:
                    seen[re.sub(r"\d+", "#", line["text"]).strip()].add(page.page_number)
    return {text for text, pages in seen.items() if len(pages) >= 2 and len(text) > 3}


@pytest.mark.parametrize("name", ["euiss-brief-2024-07-delivering-together.pdf", "efar-2016-renard-partnering-for-global-security.pdf"])
def test_running_heads_never_in_body(shared_dir, brief, article, name):
    result = brief if name.startswith("euiss") else article
    running = margin_lines(shared_dir / "corpus" / "pdf" / name)
    assert running, "the PDF should have running heads or feet to remove"
    for passage in result.passages:
        if passage.kind in ("body", "heading", "caption", "footnote"):
            digit_blind = re.sub(r"\d+", "#", passage.text)
            for text in running:
                assert text not in digit_blind, (passage.passage_id, text)


def test_brief_summary_box_is_one_passage(shared_dir, brief):
    seed = (shared_dir / "seeds" / "000_46047ba99165b17f.txt").read_text()
    bullets = re.search(r"^Summary\n\n(.*?)\n\n", seed, re.S | re.M).group(1)
    items = [seed_plain(line.lstrip("- ")) for line in bullets.splitlines() if line.strip()]
    assert len(items) == 4
    box = [p for p in brief.passages if p.section == "Summary" and p.kind == "body"]
    assert len(box) == 1
    assert squash(box[0].text) == " ".join(items)
    assert box[0].text.count("\n") == 3  # one line per bullet


def test_brief_first_paragraph_is_whole(shared_dir, brief):
    seed = (shared_dir / "seeds" / "000_46047ba99165b17f.txt").read_text()
    first = next(p for p in seed.split("\n\n") if p.startswith("Global peace"))
    body = [p for p in brief.passages if p.kind == "body"]
    assert squash(body[0].text) == seed_plain(first)
    assert body[0].page == 1


@pytest.mark.parametrize(
    "seed_name,pdf_name",
    [
        ("000_46047ba99165b17f.txt", "euiss-brief-2024-07-delivering-together.pdf"),
        ("002_526b068fa035d2bd.txt", "efar-2016-renard-partnering-for-global-security.pdf"),
    ],
)
def test_seed_paragraphs_come_out_whole(shared_dir, brief, article, seed_name, pdf_name):
    """Every prose paragraph of the seed stands whole inside one passage: reading order, joins, markers.

    (The seed itself cuts a few paragraphs at its old page breaks; the PDF joins them again.)
    """
    result = brief if pdf_name.startswith("euiss") else article
    texts = [squash(p.text) for p in result.passages if p.kind in ("body", "footnote", "front_matter", "caption")]
    seed = (shared_dir / "seeds" / seed_name).read_text()
    paragraphs = [p.strip() for p in seed.split("\n\n")]
    prose = [p for p in paragraphs if len(p) > 200 and not p.startswith(("|", "<", "-", "#")) and "  \n" not in p]
    assert len(prose) > 15
    missing = [p[:80] for p in prose if not any(seed_plain(p) in t for t in texts)]
    assert not missing


def test_article_every_footnote_is_a_footnote_passage(shared_dir, article):
    seed = (shared_dir / "seeds" / "002_526b068fa035d2bd.txt").read_text()
    notes = {m.group(1): seed_plain(m.group(2)) for m in re.finditer(r"^<sup>\\?([*\d]+)</sup> (.*)$", seed, re.M)}
    assert len(notes) == 37
    found = {p.marker: p for p in article.passages if p.kind == "footnote"}
    assert set(found) == set(notes)
    for marker, text in notes.items():
        assert squash(found[marker].text) == text, marker
        assert found[marker].cited_by, f"footnote {marker} is linked to the passage citing it"


def test_article_markers_do_not_pollute_body(article):
    for passage in article.passages:
        if passage.kind == "body":
            assert not re.search(r"[a-z]\.\d{1,2}\b", passage.text), passage.text[:120]
    intro = next(p for p in article.passages if p.text.startswith("To address these challenges"))
    assert "United States (US) and China. Without" not in intro.text
    assert intro.text.endswith("United States (US) and China.")
    note = next(p for p in article.passages if p.kind == "footnote" and p.marker == "1")
    assert intro.cites == [note.passage_id]


def test_brief_endnotes_linked_to_their_markers(brief):
    by_marker = {p.marker: p for p in brief.passages if p.kind == "footnote"}
    assert set(by_marker) == {"*"} | {str(n) for n in range(1, 21)}
    fpa = next(p for p in brief.passages if "Framework Agreements with 21 countries" in p.text)
    assert by_marker["6"].passage_id in fpa.cites
    assert fpa.passage_id in by_marker["6"].cited_by
    assert "Republic of Moldova" in by_marker["6"].text
    assert "South Korea." in next(p.text for p in brief.passages if "Norway, Japan and South Korea" in p.text)


def test_article_table4_cells_equal_gold(shared_dir, article):
    table = next(t for t in article.tables if t.caption.startswith("Table 4"))
    assert table.header[-1] == ["", "MD", "PD", "MD", "PD", "MD", "PD", "MD", "PD"]
    names = {"USA": "United States"}
    domains = ["non_proliferation", "counter_terrorism", "organised_crime", "cyber_security"]
    printed = {}
    for row in table.rows:
        partner = names.get(row[0], row[0])
        for i, domain in enumerate(domains):
            printed[(partner, domain)] = (int(row[1 + 2 * i]), int(row[2 + 2 * i]))
    with open(shared_dir / "gold" / "dialogues.csv", encoding="utf-8") as handle:
        gold = {(r["partner"], r["domain"]): (int(r["ministerial"]), int(r["policy"])) for r in csv.DictReader(handle)}
    assert len(gold) == 40
    assert printed == gold


def test_article_table2_spans_pages_and_fills_spans(article):
    table = next(t for t in article.tables if t.caption.startswith("Table 2"))
    assert (table.page, table.page_end) == (11, 12)
    assert table.header == [["Partnership", "Relevant Policy Area", "Relevant Statement(S)"]]
    assert [r[0] for r in table.rows].count("EU-USA") == 8  # the row span is repeated
    assert table.rows.count(["EU-Mexico", "", ""]) == 1
    assert table.note.startswith("NP = non-proliferation")
    assert len(table.rows) == 21  # 17 statements + 4 partners without one, repeated header dropped


def test_article_table3_keeps_bullets_apart_across_pages(article):
    table = next(t for t in article.tables if t.caption.startswith("Table 3"))
    assert (table.page, table.page_end) == (14, 16)
    assert [r[0] for r in table.rows] == [
        "Canada", "USA", "Mexico", "Brazil", "South Africa", "India", "China", "Japan", "South Korea", "Russia"
    ]
    canada_np = table.rows[0][1].split("\n")
    assert canada_np == ["– Promoting effective multilateralism (UN 1540 resolution)", "– Multilateral cooperation (G8, PSI)"]
    bullets = sum(len([b for b in cell.split("\n") if b.strip()]) for row in table.rows for cell in row[1:])
    assert bullets == 126  # as printed: 126 items, one of them fused by the source (ANOMALIES T3-5)


def test_front_matter_and_metadata(article, brief):
    assert article.document.title.startswith("Partnering for Global Security")
    assert article.document.pub_date == "2016"
    assert article.document.pages == 26
    assert brief.document.pub_date == "2024-05"
    kinds = defaultdict(set)
    for p in article.passages:
        kinds[p.page].add(p.kind)
    for page in (1, 2, 3, 25, 26):
        assert kinds[page] == {"front_matter"}, page
    title = next(p for p in article.passages if p.text.startswith("Partnering for Global Security"))
    assert title.kind == "front_matter"
    assert next(p for p in brief.passages if p.text == "DELIVERING TOGETHER").kind == "front_matter"


def test_headings_give_sections(article, brief):
    sections = {p.section for p in article.passages if p.kind == "body"}
    assert "4 PARTNERING FOR INTERNATIONAL SECURITY? > 4.3 THE ARCHITECTURE OF PARTNERSHIPS" in sections
    partnership_plus = next(p for p in brief.passages if "Partnership Plus' category" in p.text)
    assert partnership_plus.section.endswith("Partnership Plus")
