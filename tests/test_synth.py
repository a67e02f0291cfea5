"""Tests of the synthetic PDF typesetter: markup, layout features, truth files, bad inputs, corpus."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pdfplumber
import pytest
from pdfplumber.utils.exceptions import PdfminerException

from synth import LayoutError, build, make_bad_pdfs, make_bench_corpus, parse_markup, render_pdf
from synth.__main__ import main
from synth.markup import Box, Heading, Paragraph, Table
from synth.tables import TableLayout
from synth.text import TextEngine

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tools" / "synth" / "examples"
SOURCES = sorted((ROOT / "corpus" / "src").glob("*.md")) + sorted(EXAMPLES.glob("*.md"))

FRONT = """---
title: "Test: a document"
date: 2024-02
layout: {layout}
page: {page}
hyphenate: {hyphenate}
ligatures: {ligatures}
notes: {notes}
---

"""
FILLER = (
    "The partners agreed to meet every year to review their cooperation on maritime security, "
    "cyber security and the fight against terrorism, and to publish a short joint statement. "
)


def _doc(body: str, layout="one_column", page="A4", hyphenate="false", ligatures="false", notes="footnotes"):
    front = FRONT.format(layout=layout, page=page, hyphenate=hyphenate, ligatures=ligatures, notes=notes)
    return parse_markup(front + body, source="test.md")


def _render(tmp_path: Path, body: str, name: str = "t", **options) -> tuple[dict, Path]:
    pdf = tmp_path / f"{name}.pdf"
    return render_pdf(_doc(body, **options), pdf), pdf


def _page_texts(pdf_path: Path, columns: int = 1) -> list[str]:
    """Text of each page read column by column, ligatures undone."""
    texts = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            width = page.width / columns
            parts = [
                page.crop((i * width, 0, (i + 1) * width, page.height)).extract_text() for i in range(columns)
            ]
            texts.append("\n".join(parts).replace("\ufb01", "fi").replace("\ufb02", "fl"))
    return texts


def _words(text: str) -> str:
    """Extracted text with line-end hyphenation undone and whitespace collapsed."""
    return " ".join(re.sub(r"(\w)-\n(\w)", r"\1\2", text).split())


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict]:
    pdf, truth = build(EXAMPLES / "demo.md", tmp_path_factory.mktemp("demo"))
    return pdf, json.loads(truth.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def brief(tmp_path_factory) -> tuple[Path, dict]:
    pdf, truth = build(EXAMPLES / "brief.md", tmp_path_factory.mktemp("brief"))
    return pdf, json.loads(truth.read_text(encoding="utf-8"))


# --- markup -----------------------------------------------------------------------------------


def test_parse_markup_blocks_and_front_matter():
    doc = _doc(
        "# ONE\n## Two\n### Three\n\nText with a note[^1] and **bold** *it*.\n\n- item one\n- item two\n\n"
        "::: box Summary\n- first\n- second\n:::\n\n"
        '::: table grid "Table 1 Caption" widths=1,2 split_rows=yes\n| A | B |\n|---|---|\n'
        "| x | y<br>z |\n| ^ | w |\n:::\n::: note\nA note.\n:::\n\n[^1]: The note text.\n"
    )
    assert doc.meta.title == "Test: a document"
    assert doc.meta.date_text == "February 2024"
    kinds = [type(b) for b in doc.blocks]
    assert kinds == [Heading, Heading, Heading, Paragraph, Paragraph, Paragraph, Box, Table]
    paragraph = doc.blocks[3]
    assert paragraph.text == "Text with a note and bold it."
    assert paragraph.notes == ["1"]
    assert doc.blocks[4].bullet and doc.blocks[4].text == "item one"
    table = doc.blocks[7]
    assert (table.header_rows, table.widths, table.split_rows, table.repeat_header) == (
        1,
        [1.0, 2.0],
        True,
        True,
    )
    assert table.resolved() == [["A", "B"], ["x", "y\nz"], ["x", "w"]]
    assert doc.blocks[6].items[1][0].text == "second"
    assert table.note is not None
    assert doc.footnotes["1"][0].text == "The note text."


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Text[^9].\n", "without a definition"),
        ("::: box A\n- x\n", "never closed"),
        ("::: note\nx\n:::\n", "must follow a table"),
        ('::: table fancy "T"\n| a |\n:::\n', "style"),
        ('::: table grid "T"\n| < | a |\n:::\n', "edge"),
    ],
)
def test_parse_markup_errors(body, message):
    with pytest.raises(ValueError, match=message):
        _doc(body)


def test_front_matter_rejects_unknown_keys_and_bad_values():
    with pytest.raises(ValueError, match="unknown front matter"):
        parse_markup("---\ncolour: red\n---\nText.\n")
    with pytest.raises(ValueError, match="layout"):
        parse_markup("---\nlayout: four_column\n---\nText.\n")


def test_imprint_block_and_dates():
    doc = parse_markup('---\ndate: 2023-07-04\ncover: "J"\nimprint: |\n  Line one\n  Line two\n---\nText.\n')
    assert doc.meta.imprint == "Line one\nLine two"
    assert doc.meta.date_text == "4 July 2023"


# --- the examples -----------------------------------------------------------------------------


def test_demo_truth_matches_pdf(demo):
    pdf_path, truth = demo
    with pdfplumber.open(pdf_path) as pdf:
        assert len(pdf.pages) == truth["pages"] == 6
        assert pdf.metadata["Title"] == "Partners in Maritime Security"
        assert pdf.metadata["Author"] == "Jane Doe, Senior Analyst"
    assert truth["layout"] == "two_column" and truth["pub_date"] == "2025-03"
    assert truth["running"] == ["(2025) 7 Sec. Coop. Rev.", "Policy Brief 4 | March 2025"]
    kinds = {b["kind"] for b in truth["blocks"]}
    assert kinds == {"front_matter", "heading", "body", "box", "caption", "table", "footnote"}
    assert all(b["page"] <= 2 for b in truth["blocks"][:8])  # cover and imprint
    assert next(b for b in truth["blocks"] if b["kind"] == "heading")["page"] == 3


def test_demo_words_are_recovered(demo):
    pdf_path, truth = demo
    texts = [_words(t) for t in _page_texts(pdf_path, columns=2)]
    for block in truth["blocks"]:
        if block["kind"] not in ("body", "footnote", "heading") or block.get("role") == "abstract":
            continue
        pages = " ".join(texts[block["page"] - 1 : block.get("page_end", block["page"])])
        for word in block["text"].removeprefix("– ").split():
            if "-" not in word:  # words with their own hyphen may be broken after it
                assert word in pages, (word, block["text"][:40])


def test_superscript_markers_are_small_and_raised(demo):
    pdf_path, _ = demo
    with pdfplumber.open(pdf_path) as pdf:
        chars = pdf.pages[2].chars
    body = [c for c in chars if abs(c["size"] - 9.5) < 0.01]
    markers = [c for c in chars if abs(c["size"] - 9.5 * 0.62) < 0.01]
    assert {c["text"] for c in markers} == {"1", "2", "3"}
    for marker in markers:
        before = [
            c for c in body if abs(c["x1"] - marker["x0"]) < 0.5 and 0 < c["bottom"] - marker["bottom"] < 8
        ]
        assert before, f"marker {marker['text']} does not follow body text"
        assert before[0]["bottom"] - marker["bottom"] > 2  # raised above the baseline


def test_footnotes_sit_at_the_foot_of_the_referring_column(demo):
    pdf_path, truth = demo
    notes = {b["marker"]: b for b in truth["blocks"] if b["kind"] == "footnote"}
    with pdfplumber.open(pdf_path) as pdf:
        for body in (b for b in truth["blocks"] if b["kind"] == "body" and b["notes"]):
            for key in body["notes"]:
                note = notes[key]
                assert body["page"] <= note["page"] <= body["page_end"]
                page = pdf.pages[note["page"] - 1]
                small = [c for c in page.chars if abs(c["size"] - 7.5) < 0.01]
                first_word = note["text"].split()[0]
                starts = [c for c in small if c["text"] == first_word[0]]
                assert starts and min(c["top"] for c in starts) > page.height * 0.5
                markers = [c for c in page.chars if c["size"] < 6.5 and c["text"] == key]
                halves = {c["x0"] < page.width / 2 for c in markers}
                assert len(halves) == 1, f"note {key} and its marker are in different columns"


def test_headings_keep_with_next(demo):
    _, truth = demo
    flow = [b for b in truth["blocks"] if b["kind"] != "footnote"]
    for heading, after in itertools.pairwise(flow):
        if heading["kind"] == "heading":
            assert after["page"] == heading["page"]


def test_paragraphs_flow_across_columns_and_pages(tmp_path):
    truth, pdf_path = _render(tmp_path, FILLER * 15, name="cols", layout="two_column")
    paragraph = next(b for b in truth["blocks"] if b["kind"] == "body")
    assert paragraph["page"] == paragraph["page_end"] == 1
    with pdfplumber.open(pdf_path) as pdf:
        page = pdf.pages[0]
        left = page.crop((0, 0, page.width / 2, page.height)).extract_text()
        right = page.crop((page.width / 2, 0, page.width, page.height)).extract_text()
    assert "maritime security" in left and "maritime security" in right
    truth, _ = _render(tmp_path, FILLER * 80, name="pages")
    paragraph = next(b for b in truth["blocks"] if b["kind"] == "body")
    assert (paragraph["page"], paragraph["page_end"]) == (1, truth["pages"]) and truth["pages"] >= 2


def test_tables_in_truth(demo):
    _, truth = demo
    tables = {b["style"]: b for b in truth["blocks"] if b["kind"] == "table"}
    grid = tables["grid"]
    assert grid["header"] == [["Partner", "Area", "Statement"]]
    assert grid["rows"][1][0] == "Canada"  # row span repeats the value
    assert grid["rows"][0][2].split("\n")[1] == "– follow-up review of the action plan (2019)"
    assert grid["pages"] == [4, 5] and len(grid["row_pages"]) == len(grid["rows"])
    rules = tables["rules"]
    assert rules["header"][0][1:3] == ["Dialogues", "Dialogues"]  # column span repeats too
    assert rules["header"][1][0] == "Region"
    captions = [b["text"] for b in truth["blocks"] if b["kind"] == "caption"]
    assert "Table 1 Joint statements between the EU and selected partners" in captions
    assert any(c.startswith("CT means counter-terrorism") for c in captions)


def test_ligatures_hyphens_and_plain_truth(demo):
    pdf_path, truth = demo
    with pdfplumber.open(pdf_path) as pdf:
        drawn = {c["text"] for page in pdf.pages for c in page.chars}
        text = "".join(page.extract_text() for page in pdf.pages)
    assert {"\ufb01", "\ufb02"} <= drawn
    assert re.search(r"[a-z]-\n[a-z]", text)
    all_truth = json.dumps(truth, ensure_ascii=False)
    assert "\ufb01" not in all_truth and "\ufb02" not in all_truth


def test_endnotes_paren_markers_and_small_page(brief):
    pdf_path, truth = brief
    assert truth["page_size"] == [481.89, 680.31]
    references = [b for b in truth["blocks"] if b["kind"] == "reference"]
    assert [r["marker"] for r in references] == ["a", "b", "c", "d"]
    assert not any(b["kind"] == "footnote" for b in truth["blocks"])
    last = _page_texts(pdf_path)[references[0]["page"] - 1]
    assert "Notes" in last and "(a) The list of partners" in last
    assert "and China.(a)" in _page_texts(pdf_path)[0]


# --- tables drawn three ways ------------------------------------------------------------------

TABLE_ROWS = "".join(f"| Partner {i} | {2000 + i} | note {i} |\n" for i in range(6))


@pytest.mark.parametrize(
    ("style", "verticals", "horizontals"),
    [("grid", True, True), ("rules", False, True), ("whitespace", False, False)],
)
def test_table_styles_draw_their_lines(tmp_path, style, verticals, horizontals):
    body = f'::: table {style} "Table 1 Test"\n| Name | Year | Note |\n|---|---|---|\n{TABLE_ROWS}:::\n'
    _, pdf_path = _render(tmp_path, body)
    with pdfplumber.open(pdf_path) as pdf:
        page = pdf.pages[0]
        caption = next(w for w in page.extract_words() if w["text"] == "Table")
        lines = [ln for ln in page.lines if ln["top"] > caption["bottom"]]
    assert any(abs(ln["x0"] - ln["x1"]) < 0.1 for ln in lines) == verticals
    assert any(abs(ln["top"] - ln["bottom"]) < 0.1 for ln in lines) == horizontals


def test_merged_grid_cells_have_no_inner_line(tmp_path):
    body = (
        '::: table grid "Table 1 Spans"\n| A | B | C |\n|---|---|---|\n'
        "| wide | < | x |\n| tall | y | z |\n| ^ | v | w |\n:::\n"
    )
    truth, pdf_path = _render(tmp_path, body)
    table = next(b for b in truth["blocks"] if b["kind"] == "table")
    assert table["rows"] == [["wide", "wide", "x"], ["tall", "y", "z"], ["tall", "v", "w"]]
    with pdfplumber.open(pdf_path) as pdf:
        page = pdf.pages[0]
        lines = page.lines
        wide = next(w for w in page.extract_words() if w["text"] == "wide")
        tall = next(w for w in page.extract_words() if w["text"] == "tall")
    verticals = [ln for ln in lines if abs(ln["x0"] - ln["x1"]) < 0.1]
    row_of_wide = [ln for ln in verticals if ln["top"] <= wide["top"] <= ln["bottom"]]
    assert len(row_of_wide) == 3  # left edge, before "x", right edge
    horizontals = [ln for ln in lines if abs(ln["top"] - ln["bottom"]) < 0.1]
    under_tall = [ln for ln in horizontals if tall["bottom"] < ln["top"] < tall["bottom"] + 8]
    assert all(ln["x0"] > tall["x1"] for ln in under_tall)


def _line_text(line) -> str:
    return " ".join("".join(f.text for f in w.frags) + ("-" if w.hyphen else "") for w in line.words)


def test_cell_lines_fit_their_column_and_break_at_own_hyphens_first():
    doc = _doc(
        '::: table rules "Table 1 Narrow" widths=81,40,100\n'
        "| Nuclear Non-proliferation | Terrorism | C |\n|---|---|---|\n"
        "| – Capacity-building (EUPOL) | – Confidence-building<br>12345678901234567890 | – x |\n:::\n"
    )
    table = doc.blocks[0]
    layout = TableLayout(table, 221.0, TextEngine("serif"), 8.5, 10.6)
    lines = {(c.row, c.col): [_line_text(line) for line in c.lines] for c in layout.cells.values()}
    assert lines[0, 0] == ["Nuclear Non-", "proliferation"]  # headers wrap like body cells
    assert lines[1, 0] == ["– Capacity-", "building", "(EUPOL)"]  # not "Capacity-build-"
    narrow = lines[1, 1]
    assert narrow[0].startswith("– ") and len(narrow[0]) >= 4  # the dash keeps 2 letters or more
    assert "".join(narrow).replace("-", "").replace(" ", "") == "–Confidencebuilding12345678901234567890"
    for cell in layout.cells.values():
        inner = layout.cell_width(cell) - 2 * layout.pad_x
        for line in cell.lines:
            assert line.indent + layout.engine.line_width(line) <= inner + 1e-6, _line_text(line)
    truth = table.resolved()
    assert truth[1][0] == "– Capacity-building (EUPOL)"  # the truth keeps the text as written


def _long_table(split: str) -> str:
    rows = "".join(
        f"| P{i} | " + "<br>".join(f"r{i} item {k}" for k in range(1, 10)) + " |\n" for i in range(12)
    )
    return f'::: table grid "Table 1 Long" split_rows={split}\n| Partner | Items |\n|---|---|\n{rows}:::\n'


@pytest.mark.parametrize("split", ["yes", "no"])
def test_long_tables_continue_with_header_and_split_rows(tmp_path, split):
    truth, pdf_path = _render(tmp_path, _long_table(split), page="170x240mm")
    table = next(b for b in truth["blocks"] if b["kind"] == "table")
    assert len(table["pages"]) >= 2 and len(table["rows"]) == 12
    assert truth["pages"] == table["pages"][-1]
    texts = _page_texts(pdf_path)
    for page in table["pages"]:
        assert "Partner Items" in texts[page - 1]  # header repeated
    cut = [
        i
        for i in range(12)
        if any(f"r{i} item 1\n" in t and f"r{i} item 9" not in t for t in texts)
        and any(f"r{i} item 9" in t for t in texts)
    ]
    assert bool(cut) == (split == "yes")


# --- nothing is drawn into anything else --------------------------------------------------------


@pytest.fixture(scope="module")
def everything(tmp_path_factory) -> list[tuple[Path, list[dict]]]:
    """Every corpus source and example built once, with the cells of each drawn part of a table.

    A cell is recorded as its page, the table's style and its box in PDF points: the x range
    inside the padding, the full x range and the y range of its rows.
    """
    out = tmp_path_factory.mktemp("all")
    built = []
    cells: list[dict] = []
    draw = TableLayout.draw

    def record(layout, canvas, x, placed):
        draw(layout, canvas, x, placed)
        edges = list(itertools.accumulate(layout.col_widths, initial=x))
        boxes: dict = {}
        for piece, top in placed:
            for owner in layout.owners[piece.row]:
                cell = layout.cells[owner]
                left, right = edges[cell.col], edges[cell.col + cell.colspan]
                low, high = boxes.get(owner, {}).get("y", (top - piece.height, top))
                boxes[owner] = {
                    "page": canvas.getPageNumber(),
                    "style": layout.table.style,
                    "x": (left, right),
                    "inner": (left + layout.pad_x, right - layout.pad_x),
                    "y": (min(low, top - piece.height), max(high, top)),
                }
        cells.extend(boxes.values())

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TableLayout, "draw", record)
        for source in SOURCES:
            cells.clear()
            pdf_path, _ = build(source, out)
            built.append((pdf_path, list(cells)))
    return built


def _drawn_words(page) -> list[dict]:
    """pdfplumber's words in drawing order, cut where two glyphs do not abut.

    The glyphs of one drawn string abut exactly, so strings drawn into (or against) each other
    come out as separate words even where extract_words would run them together.
    """
    words = []
    for word in page.extract_words(use_text_flow=True, return_chars=True):
        run = [word["chars"][0]]
        for char in [*word["chars"][1:], None]:
            if char is not None and abs(char["x0"] - run[-1]["x1"]) < 0.01:
                run.append(char)
                continue
            words.append(
                {
                    "text": "".join(c["text"] for c in run),
                    "x0": run[0]["x0"],
                    "x1": max(c["x1"] for c in run),
                    "top": min(c["top"] for c in run),
                    "bottom": max(c["bottom"] for c in run),
                }
            )
            run = [char]
    return sorted(words, key=lambda w: w["top"])


def _same_line(words: list[dict]):
    """Pairs of words whose tops are within 1 pt, with the gap between them (negative: overlap)."""
    for index, first in enumerate(words):
        for second in words[index + 1 :]:
            if second["top"] - first["top"] > 1:
                break
            yield first, second, max(first["x0"], second["x0"]) - min(first["x1"], second["x1"])


def test_no_words_overlap_or_touch_and_table_columns_keep_apart(everything):
    for pdf_path, cells in everything:
        with pdfplumber.open(pdf_path) as pdf:
            for number, page in enumerate(pdf.pages, 1):
                words = _drawn_words(page)
                where = f"{pdf_path.name} p{number}"
                for first, second, gap in _same_line(words):
                    assert gap >= 1, f"{where}: {first['text']!r} and {second['text']!r} touch ({gap:.2f} pt)"
                owner = {}
                for word in words:
                    x = (word["x0"] + word["x1"]) / 2
                    y = page.height - (word["top"] + word["bottom"]) / 2
                    for k, cell in enumerate(cells):
                        if (
                            cell["page"] == number
                            and cell["x"][0] <= x <= cell["x"][1]
                            and cell["y"][0] <= y <= cell["y"][1]
                        ):
                            owner[id(word)] = k
                            left, right = cell["inner"]
                            assert left - 0.01 <= word["x0"] and word["x1"] <= right + 0.01, (
                                f"{where}: {word['text']!r} leaves its table column"
                            )
                for first, second, gap in _same_line(words):
                    a, b = owner.get(id(first)), owner.get(id(second))
                    if a is not None and b is not None and a != b and cells[a]["style"] == "whitespace":
                        assert gap >= 8, f"{where}: columns too close at {first['text']!r} {second['text']!r}"


# --- layout failures and determinism ----------------------------------------------------------


def test_footnote_too_long_for_a_column_is_an_error(tmp_path):
    note = "word " * 4000
    with pytest.raises(LayoutError):
        _render(tmp_path, f"Text.[^1]\n\n[^1]: {note}\n")


def test_same_source_gives_identical_bytes(tmp_path):
    body = FILLER * 30 + "[^1]\n\n[^1]: A note.\n"
    _, first = _render(tmp_path, body, name="a", layout="two_column", hyphenate="true", ligatures="true")
    _, second = _render(tmp_path, body, name="b", layout="two_column", hyphenate="true", ligatures="true")
    assert first.read_bytes() == second.read_bytes()


# --- bad inputs, corpus and command line ------------------------------------------------------


def test_bad_pdfs(tmp_path):
    bad = make_bad_pdfs(tmp_path)
    assert set(bad) == {"encrypted", "truncated", "empty", "not-really", "scanned"}
    assert bad["empty"].stat().st_size == 0
    assert bad["not-really"].read_bytes().startswith(b"<!DOCTYPE html>")
    with pytest.raises(PdfminerException), pdfplumber.open(bad["encrypted"]) as pdf:
        pdf.pages[0].extract_text()
    with pdfplumber.open(bad["encrypted"], password="secmine") as pdf:
        assert "password" in pdf.pages[0].extract_text()
    with pytest.raises(PdfminerException), pdfplumber.open(bad["truncated"]) as pdf:
        [page.extract_text() for page in pdf.pages]
    with pdfplumber.open(bad["scanned"]) as pdf:
        assert len(pdf.pages) == 1 and not pdf.pages[0].chars and len(pdf.pages[0].images) == 1


def test_bench_corpus_is_deterministic(tmp_path):
    first = make_bench_corpus(tmp_path / "a", 14, seed=5)
    second = make_bench_corpus(tmp_path / "b", 14, seed=5)
    assert [p.name for p in first] == [p.name for p in second]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second, strict=True))
    pages = [json.loads(p.with_suffix(".truth.json").read_text())["pages"] for p in first]
    assert sum(pages) >= 14
    # secmine reads Markdown too: the benchmarked folder holds the PDFs (and truth) only
    assert {p.suffix for p in (tmp_path / "a").iterdir()} == {".pdf", ".json"}
    assert make_bench_corpus(tmp_path / "c", 14, seed=6)[0].read_bytes() != first[0].read_bytes()


def test_command_line(tmp_path, capsys):
    assert main([str(EXAMPLES / "brief.md"), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "brief.pdf").exists() and (tmp_path / "brief.truth.json").exists()
    assert main(["--bad", str(tmp_path / "bad")]) == 0
    assert (tmp_path / "bad" / "scanned.pdf").exists()
    with pytest.raises(SystemExit):
        main([])
