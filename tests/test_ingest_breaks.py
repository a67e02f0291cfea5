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
