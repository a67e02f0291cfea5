"""Small rules of PDF reading that hold whatever the layout: words and cells cut by a break, and
sentence ends with a note marker after them. (The layout matrix in test_ingest_layouts.py checks
them on whole documents; these name the rule when one breaks.)"""

from __future__ import annotations

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
