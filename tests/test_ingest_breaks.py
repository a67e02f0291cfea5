"""Small rules of PDF reading that hold whatever the layout: words and cells cut by a break, and
sentence ends with a note marker after them. (The layout matrix in test_ingest_layouts.py checks
them on whole documents; these name the rule when one breaks.)"""

from __future__ import annotations

import pytest

from pipeline.ingest.dehyphen import Dehyphenator
from pipeline.ingest.pdf_blocks import SENTENCE_END_RE, TERMINAL_RE
from pipeline.ingest.pdf_tables import _carries_on, _merge_cells


def test_a_single_letter_carried_over_is_a_word_broken_by_force():
    # Hyphenation leaves two letters at least; one letter on the next line is a narrow cell's break.
    dehyphen = Dehyphenator("The forum met in Lima.")
    assert dehyphen.join("cooperation (ABCDE-", "F)") == "cooperation (ABCDEF)"
    # A compound in capitals keeps its hyphen.
    assert dehyphen.join("the EU-", "US summit") == "the EU-US summit"


def test_the_documents_own_spelling_wins_over_capitals():
    dehyphen = Dehyphenator("Funding from MARLINK went to ports. MARLINK was renewed.")
    assert dehyphen.join("support from MAR-", "LINK") == "support from MARLINK"


def test_a_cell_cut_by_a_page_break_is_joined_as_within_a_page():
    dehyphen = Dehyphenator("a resolution of the council")
    assert _merge_cells("(UN 1540 res-", "olution)", dehyphen) == "(UN 1540 resolution)"
    assert _merge_cells("– Exchange of information", "– Joint training", dehyphen) == "– Exchange of information\n– Joint training"


def test_a_row_cut_by_a_break_carries_on_though_one_cell_starts_with_a_number():
    # "November" / "2024" could go either way; the lower-case cell beside it decides.
    assert _carries_on(["Canada", "November", "maritime security, cyber,"], ["", "2024", "non-proliferation"])
    # A new row under a merged key: a capitalised cell after a complete one.
    assert not _carries_on(["Japan", "CT", "A declaration on terrorism (2001)"], ["", "NP", "A joint declaration (2004)"])
    # Numbers under numbers are rows of their own.
    assert not _carries_on(["Peru", "1", "3"], ["", "0", "2"])


def test_a_note_marker_after_the_full_stop_still_ends_the_sentence():
    for line in ("the talks ended in May.[13]", "the talks ended in May.(13)", "as agreed.\u201d[4][5]"):
        assert TERMINAL_RE.search(line) and SENTENCE_END_RE.search(line), line
    assert not TERMINAL_RE.search("the talks of [13]")


def _words(rows: list[tuple], size: float) -> list:
    from pipeline.ingest.pdf_layout import Word

    return [Word(text, x0, x1, top, top + size, size, "Serif", 1) for text, x0, x1, top in rows]


def test_a_justified_note_line_with_a_hanging_number_is_one_line_not_a_column():
    """A note at a narrow column's foot: justification stretches the spaces of its first line
    (three words across the column) and of its second (whose comma the letter-spacing sets apart),
    and its number hangs small to the left. Measured without the number and the stray comma, each
    line spans the column evenly spread: one line, not pieces that stack into a column of words."""
    from pipeline.ingest.pdf_layout import build_lines

    body = _words([
        ("agreements.", 56.6, 110.2, 593.8), ("When", 117.5, 135.0, 593.8), ("the", 141.3, 155.2, 593.8),
        ("harbours", 162.4, 207.4, 593.8),
        ("share", 56.6, 80.2, 604.9), ("their", 88.3, 110.2, 604.9), ("data,", 118.3, 138.5, 604.9),
        ("the", 146.7, 160.6, 604.9), ("registers", 168.7, 207.4, 604.9),
        ("grow,", 56.6, 78.3, 615.9), ("so", 81.0, 90.1, 615.9), ("a", 92.8, 97.4, 615.9),
        ("ship", 100.1, 118.4, 615.9), ("is", 121.1, 128.6, 615.9), ("seen.", 131.3, 153.1, 615.9),
    ], 8.5)
    notes = _words([
        ("Office", 68.6, 97.5, 674.7), ("of", 100.3, 107.6, 674.7), ("the", 110.3, 122.6, 674.7),
        ("Maritime", 125.3, 162.3, 674.7), ("Review,", 165.0, 190.3, 674.7), ("The", 193.1, 207.4, 674.7),
        ("Regional", 68.6, 105.5, 683.9), ("Ports", 109.2, 132.1, 683.9), ("Safety-Programme", 135.8, 207.4, 683.9),
        ("Handbook", 68.6, 101.3, 693.0), ("(2011).", 103.7, 131.0, 693.0),
        ("Regional", 68.6, 105.5, 703.7), ("Secretariat,", 125.0, 173.7, 703.7), ("The", 193.1, 207.4, 703.7),
        ("Regional", 68.6, 105.5, 712.8), ("Action", 115.4, 144.1, 712.8), ("on", 154.0, 163.3, 712.8),
        ("Shipping", 173.1, 205.0, 712.8), (",", 205.0, 207.4, 712.8),
        ("DOC(2019)", 68.6, 113.1, 722.0), ("42", 115.5, 129.8, 722.0), ("final.", 132.2, 151.4, 722.0),
    ], 7.5)
    numbers = _words([("6", 56.6, 60.1, 672.9), ("7", 56.6, 60.1, 701.9)], 5.6)
    lines = build_lines(body + notes + numbers, split_gap=8.5, superscript_ratio=0.82, body_size=8.5)
    texts = {round(ln.top): ln.text for ln in lines}
    assert texts[704] == "Regional Secretariat, The"
    assert texts[713] in ("Regional Action on Shipping,", "Regional Action on Shipping ,")
    assert len(lines) == 9



def test_a_stretched_line_of_two_words_in_the_third_column_is_one_line():
    """Three columns whose baselines do not line up (each starts at its own height), and in the
    third a list entry whose second line holds two words pushed to both edges. The lines above
    and below it in its own column decide, though a row of the page mixes their baselines with
    other columns'; and the line above, once read as one stretched line, is no sign that its
    wide space is a gap between cells for the line under it."""
    from pipeline.ingest.pdf_layout import build_lines

    words = _words([
        ("meetings,", 56.6, 98.0, 555.3), ("although", 101.0, 137.0, 555.3), ("most", 139.9, 159.8, 555.3),
        ("with", 162.8, 180.6, 555.3), ("coast", 183.5, 207.4, 555.3),
        ("guards.", 56.6, 83.2, 565.7), ("Fisheries", 88.9, 129.5, 565.7), ("comes", 135.2, 161.0, 565.7),
        ("next,", 166.7, 183.9, 565.7), ("with", 189.6, 207.4, 565.7),
        ("12", 56.6, 66.7, 576.1), ("joint", 75.2, 99.2, 576.1), ("patrols,", 107.6, 149.1, 576.1),
        ("and", 157.5, 172.6, 576.1), ("Oman,", 181.0, 207.4, 576.1),
        ("Ghana", 56.6, 80.3, 586.5), ("and", 87.3, 102.3, 586.5), ("North", 109.3, 133.1, 586.5),
        ("Coast", 140.1, 164.2, 586.5), ("have", 171.2, 190.4, 586.5), ("no", 197.4, 207.4, 586.5),
        ("patrol", 56.6, 80.6, 596.9), ("schedule", 87.7, 122.5, 596.9), ("on", 129.6, 139.6, 596.9),
        ("it", 146.7, 152.4, 596.9), ("at", 159.5, 167.5, 596.9), ("all.", 174.6, 187.0, 596.9), ("Yet", 194.1, 207.4, 596.9),
        ("port", 222.2, 243.9, 550.6), ("inspection,", 264.4, 319.8, 550.6), ("remains", 340.3, 373.0, 550.6),
        ("marginal", 222.2, 258.6, 561.0), ("in", 268.2, 278.2, 561.0), ("these", 287.8, 309.7, 561.0),
        ("four", 319.4, 336.1, 561.0), ("places.", 345.7, 373.0, 561.0),
        ("Norway,", 222.2, 251.5, 571.4), ("which", 254.2, 278.4, 571.4), ("on", 281.1, 291.0, 571.4),
        ("paper", 293.7, 317.3, 571.4), ("still", 320.0, 335.0, 571.4), ("had", 337.7, 352.7, 571.4), ("nine", 355.4, 373.0, 571.4),
        ("patrol", 222.2, 246.3, 581.8), ("schedules", 249.4, 288.3, 581.8), ("and", 291.4, 306.5, 581.8),
        ("four", 309.6, 326.3, 581.8), ("ministerial", 329.4, 373.0, 581.8),
        ("ones", 222.2, 241.0, 592.2), ("in", 245.4, 253.1, 592.2), ("June", 257.4, 272.8, 592.2),
        ("2019,", 277.2, 300.1, 592.2), ("has", 304.4, 318.4, 592.2), ("moved", 322.7, 349.5, 592.2), ("from", 353.9, 373.0, 592.2),
        ("October", 397.5, 442.1, 546.4), ("2012", 444.6, 465.0, 546.4), (",", 465.0, 467.5, 546.4),
        ("Lisbon,", 470.1, 507.1, 546.4), ("2012.", 509.6, 532.5, 546.4),
        ("\u2013", 387.9, 391.9, 558.4), ("Maritime", 397.5, 436.9, 558.4), ("Directorate", 442.8, 492.2, 558.4),
        ("and", 498.0, 513.1, 558.4), ("Joint", 518.9, 538.7, 558.4),
        ("Coordination,", 397.5, 461.5, 568.8), ("Final", 519.8, 538.7, 568.8),
        ("Recommendation", 397.5, 461.5, 579.2), ("DOC(2014)", 474.3, 520.8, 579.2), ("7", 533.6, 538.7, 579.2),
        ("text", 397.5, 415.5, 589.6), ("on", 429.9, 439.9, 589.6), ("the", 454.3, 467.4, 589.6),
        ("Interoperability", 481.8, 538.7, 589.6),
        ("Strategy", 397.5, 432.4, 600.0), ("of", 437.8, 445.6, 600.0), ("the", 451.0, 464.1, 600.0),
        ("Coastal", 469.5, 508.9, 600.0), ("States", 514.3, 538.7, 600.0),
    ], 8.0)
    lines = build_lines(words, split_gap=8.0, superscript_ratio=0.82, body_size=8.0)
    third = sorted((ln for ln in lines if ln.x0 > 380), key=lambda ln: ln.top)
    assert [ln.text for ln in third][2:4] == ["Coordination, Final", "Recommendation DOC(2014) 7"]
    assert len(third) == 6


def _prose_in_three_columns(pdf, top: float, rows: tuple[int, int, int]) -> None:
    """Prose in the three text columns of an A4 page from ``top`` (points from the page's top),
    at most ``rows[c]`` lines in column ``c``."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth

    width, height = A4
    left, gutter = 56.6, 14.8
    col = (width - 2 * left - 2 * gutter) / 3
    words = ("The partners patrol their shared waters together and report what they find to a joint "
             "centre that keeps a record of every vessel stopped, searched or escorted. Each year the "
             "centre publishes a summary and the ministers meet to agree on the next steps, which "
             "usually include training and new equipment for the smaller coast guards. ").split() * 3
    pdf.setFont("Times-Roman", 8)
    for c in range(3):
        x0, line, row = left + c * (col + gutter), [], 0
        for word in words[c * 20 :] + words[: c * 20]:
            if stringWidth(" ".join(line + [word]), "Times-Roman", 8) > col and line:
                pdf.drawString(x0, height - (top + 10.4 * row), " ".join(line))
                line, row = [], row + 1
                if row >= rows[c]:
                    break
            line.append(word)


WIDE_TABLE = [  # partner, area, record: one shaded group per partner, every other one
    ("Norway", "MS", ["Agreement on joint patrols in the northern sea lanes (2012)",
                      "Exchange of letters on search and rescue (2014)", "Port call protocol (2015)"]),
    ("", "CT", ["Working arrangement on passenger name data (2016)"]),
    ("Chile", "MS", ["Memorandum on fisheries control and inspection at sea (2011)",
                     "Joint statement on ocean governance (2019)"]),
    ("Ghana", "", []),
    ("Peru", "CY", ["Framework for the exchange of incident reports between the two coast guards (2018)"]),
    ("", "MS", ["Training programme for harbour masters (2020)"]),
    ("Oman", "CT", ["Declaration on safe passage in the straits (2017)"]),
]


def _wide_table_head(path, label: str, caption: str, headers: tuple[str, ...], columns):
    """An A4 canvas with a table's caption and header row at the top of three text columns;
    ``columns(left, col, gutter)`` places the table's cells. Returns the canvas, the page height,
    the text block's edges, the cells' x and the header row's distance from the top."""
    canvas = pytest.importorskip("reportlab.pdfgen.canvas")
    from reportlab.lib.pagesizes import A4

    width, height = A4
    left, right, gutter = 56.6, width - 56.6, 14.8
    xs = columns(left, (right - left - 2 * gutter) / 3, gutter)
    pdf = canvas.Canvas(str(path), pagesize=A4)
    y = 70.0  # from the top
    pdf.setFont("Times-Bold", 8)
    pdf.drawString(left, height - y, label)
    pdf.setFont("Times-Italic", 8)
    pdf.drawString(left + 30, height - y, caption)
    y += 16
    pdf.setFont("Times-Bold", 7)
    for x, text in zip(xs, headers):
        pdf.drawString(x, height - y, text)
    return pdf, height, left, right, xs, y


def _wide_zebra_table_page(path) -> None:
    """A page of three text columns under a table set across all three with zebra shading, its
    last column starting in the gutter after the first text column (the table's long cells and
    the second column's prose then look like one column of text)."""
    pdf, height, left, right, xs, y = _wide_table_head(
        path, "Table 1", "Maritime arrangements between the Union and five coastal partners", ("Partner", "Area", "Record"),
        lambda left, col, gutter: (left + 5, left + 87, left + col + 1.6))
    pitch = 12.75
    shade = False
    for partner, area, records in WIDE_TABLE:
        shade = shade if not partner else not shade
        lines = max(1, len(records))
        if shade:
            pdf.setFillGray(0.92)
            pdf.rect(left, height - (y + pitch * lines + 3.5), right - left, pitch * lines, stroke=0, fill=1)
            pdf.setFillGray(0)
        pdf.setFont("Times-Roman", 7)
        for i in range(lines):
            y += pitch
            cells = (partner if i == 0 else "", area if i == 0 else "", records[i] if records else "")
            for x, text in zip(xs, cells):
                if text:
                    pdf.drawString(x, height - y, text)
    _prose_in_three_columns(pdf, y + 24, (24, 24, 6))
    pdf.save()


def test_a_shaded_table_across_three_columns_is_one_table(tmp_path):
    """A zebra table set across all the columns of the page is one table with all its rows, though
    its last column starts in a gutter and its cells there run as long as the prose beside."""
    from pipeline.ingest import ingest_file

    path = tmp_path / "wide-zebra.pdf"
    _wide_zebra_table_page(path)
    result = ingest_file(path)
    assert len(result.tables) == 1, [t.rows[:2] for t in result.tables]
    table = result.tables[0]
    assert table.header == [["Partner", "Area", "Record"]]
    records = [r[2] for r in table.rows if r[2]]
    assert records == [rec for _, _, recs in WIDE_TABLE for rec in recs]
    assert [r[0] for r in table.rows if r[0]] == ["Norway", "Chile", "Ghana", "Peru", "Oman"]
    assert not any("Record" in p.text or "(2012)" in p.text for p in result.passages if p.kind != "table")


WRAPPED_TABLE = [  # partner, area, record: records wrap within the last column; empty rows shaded too
    ("Norway", "MS", "Agreement between the coast guards on joint patrols in the northern sea lanes and on the sharing of radar pictures (2012)"),
    ("", "SR", "Exchange of letters on search and rescue in the waters between the two coasts (2014)"),
    ("", "", "Protocol on port calls by patrol vessels of either side, with an annex on fuel and supplies (2015)"),
    ("", "CT", "Working arrangement on passenger name data (2016)"),
    ("Chile", "", ""),
    ("Ghana", "", ""),
    ("Peru", "CY", "Framework for the exchange of incident reports between the two coast guards and their ministries (2018)"),
    ("", "MS", "Training programme for harbour masters and pilots of the southern ports (2020)"),
    ("Samoa", "", ""),
    ("Oman", "CT", "Declaration on safe passage through the straits and on the escort of merchant convoys (2017)"),
]


def _wrapped_wide_table_page(path) -> None:
    """A page of three text columns under a table set across all three, zebra-shaded by row, whose
    second column starts inside the second text column and whose last column starts near the
    gutter after it and runs into the third: its cells wrap onto lines that have text in the last
    column only, and a row may have no key or hold its key alone."""
    pdf, height, left, right, xs, y = _wide_table_head(
        path, "Table 4", "Written arrangements on the sea between the Union and its partners", ("Partner", "Area", "Arrangement"),
        lambda left, col, gutter: (left + 5, left + col + gutter + 76, left + 2 * col + gutter - 16))
    from reportlab.pdfbase.pdfmetrics import stringWidth

    y += 4
    pitch = 8.4
    for n, (partner, area, record) in enumerate(WRAPPED_TABLE):
        lines, line = [], []
        for word in record.split():
            if line and stringWidth(" ".join(line + [word]), "Times-Roman", 7) > right - 5 - xs[2]:
                lines.append(" ".join(line))
                line = []
            line.append(word)
        lines = (lines + [" ".join(line)]) if line else [""]
        depth = pitch * len(lines) + 6
        if n % 2 == 0:
            pdf.setFillGray(0.92)
            pdf.rect(left, height - (y + depth), right - left, depth, stroke=0, fill=1)
            pdf.setFillGray(0)
        pdf.setFont("Times-Roman", 7)
        for i, text in enumerate(lines):
            base = y + 3 + pitch * (i + 1) - 1.5
            cells = (partner if i == 0 else "", area if i == 0 else "", text)
            for x, cell in zip(xs, cells):
                if cell:
                    pdf.drawString(x, height - base, cell)
        y += depth
    _prose_in_three_columns(pdf, y + 24, (24, 24, 24))
    pdf.save()


def test_a_wide_table_whose_cells_wrap_in_its_last_column_keeps_all_its_rows(tmp_path):
    """A table set across three text columns whose last column starts near a gutter: the lines
    that carry on a cell of that column alone, the rows with cells only in its later columns and
    the rows with only a key stay in the table (its long cells join two of the page's columns
    into one, so such rows have their pieces in one column of the page)."""
    from pipeline.ingest import ingest_file

    path = tmp_path / "wide-wrapped.pdf"
    _wrapped_wide_table_page(path)
    result = ingest_file(path)
    assert len(result.tables) == 1, [t.rows[:2] for t in result.tables]
    table = result.tables[0]
    assert table.header == [["Partner", "Area", "Arrangement"]]
    assert [r[2] for r in table.rows if r[2]] == [rec for _, _, rec in WRAPPED_TABLE if rec]
    assert [r[0] for r in table.rows if r[0]] == [p for p, _, _ in WRAPPED_TABLE if p]
    assert [r[1] for r in table.rows if r[1]] == [a for _, a, _ in WRAPPED_TABLE if a]
    assert not any("(2014)" in p.text or "Arrangement" in p.text for p in result.passages if p.kind != "table")



def test_two_tables_side_by_side_are_not_rows_across_the_columns():
    """Two tables, one in each of two columns, their lines on shared baselines though their rows
    start apart (geometry of a zebra table cut at a column's foot, its next part beside it): their
    pieces start at the cells' starts in both columns, but each table has a first column at its
    own column's edge, so they are no table set across the columns."""
    from pipeline.ingest.pdf_layout import Line, Word
    from pipeline.ingest.pdf_tables import _rows_across

    rows = [  # (x0, x1) of each piece of a row
        [(61.6, 121.4), (132.9, 163.2), (175.9, 228.2), (311.6, 358.8), (382.9, 413.1), (425.9, 505.9)],
        [(132.9, 155.0), (425.9, 508.6)], [(425.9, 530.5)], [(61.6, 92.5), (132.9, 145.8), (175.9, 277.0)],
        [(425.9, 489.6)], [(175.9, 274.4)], [(175.9, 205.8), (382.9, 395.8), (425.9, 497.3)], [(425.9, 532.1)],
        [(175.9, 267.9)], [(425.9, 507.8)], [(175.9, 274.7)], [(425.9, 455.8)], [(175.9, 256.3)],
        [(175.9, 205.8), (382.9, 412.7), (425.9, 505.9)], [(425.9, 508.6)], [(175.9, 281.1)], [(425.9, 505.9)],
        [(175.9, 205.8)], [(425.9, 455.8)], [(132.9, 146.8), (175.9, 277.0)],
    ]
    spans = [[56.6, 281.6], [306.6, 534.6]]
    lines, homes = [], {}
    for k, row in enumerate(rows):
        top = 100 + 11 * k
        for x0, x1 in row:
            line = Line([Word("cell", x0, x1, top, top + 9, 9.0, "Serif", 1)], 1)
            lines.append(line)
            homes[id(line)] = 0 if x1 < 300 else 1
    assert _rows_across(lines, homes, spans) == set()


def test_a_note_call_goes_with_the_word_before_it_not_the_next_columns_line():
    """A paragraph's last line in the first column ends with a word, its note call set small and
    raised, and the full stop; the second column's line on almost the same baseline begins a short
    way to the right of the call. The call belongs to the word it follows."""
    from pipeline.ingest.pdf_layout import build_lines

    first = _words([("ports", 57.0, 80.0, 429.2), ("and", 83.0, 98.0, 429.2), ("the", 101.0, 114.0, 429.2),
                    ("coastguard", 117.0, 160.0, 429.2), ("agencies", 163.0, 198.0, 429.2), (".", 205.0, 207.0, 429.2)], 8.0)
    second = _words([("drills", 222.0, 248.0, 428.2), ("between", 252.0, 287.0, 428.2), ("the", 291.0, 304.0, 428.2),
                     ("navies", 308.0, 335.0, 428.2), ("and", 339.0, 354.0, 428.2)], 8.0)
    call = _words([("(6)", 198.0, 205.0, 428.7)], 5.0)
    call[0] = type(call[0])("(6)", 198.0, 205.0, 427.7, 432.7, 5.0, "Serif", 1)
    lines = build_lines(second + first + call, split_gap=8.0, superscript_ratio=0.82, body_size=8.0)
    by_start = {round(ln.x0): ln for ln in lines}
    assert [m for _, m in by_start[57].markers] == ["(6)"]
    assert not by_start[222].markers
