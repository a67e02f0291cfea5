"""What every reader (PDF, plain text, Markdown, HTML) calls a caption, a references or notes
heading, a by-line, a source line, a bullet, a numbered heading or a note marker: one definition
each, with the words in ``pipeline/resources/reader_terms.csv`` (columns ``id``, ``role``, ``term``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.resources import table_rows

BULLETS = "\u2013\u2014\u2022\u25aa\u25a0\u25e6\u25cf\u2023\u2043*\u00b7-"
# A bullet that opens a line or a cell: one of BULLETS, then a space.
BULLET_RE = re.compile(rf"^[{re.escape(BULLETS)}]\s")
# "4", "4.1", "4.1.2" or "IV." before a heading's words.
NUMBERED_HEADING_RE = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})*)\.?\s+(?=\S)|^(?P<roman>[IVXLC]{1,5})\.\s+(?=\S)")
# A note's own marker at the start of a note line: "(3)", "(a)", "[3]", "3", "3." or "*".
NOTE_START_RE = re.compile(r"^(\(\d{1,3}\)|\([a-z]\)|\[\d{1,3}\]|\d{1,3}\.?|[*\u2020\u2021]{1,3})\s+(?=\S)")


@lru_cache(maxsize=None)
def terms(role: str) -> tuple[str, ...]:
    """The terms of one role in reader_terms.csv, longest first."""
    found = [row["term"] for row in table_rows("reader_terms.csv") if row["role"] == role]
    if not found:
        raise KeyError(f"reader_terms.csv has no role {role!r}")
    return tuple(sorted(found, key=len, reverse=True))


def _alternatives(role: str) -> str:
    return "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in terms(role))


@lru_cache(maxsize=1)
def caption_re() -> re.Pattern[str]:
    """"Table 3 ...", "Figure 2: ...", "Box A1." -- a label and a number, not a sentence about
    the table ("Table 2 lists ...")."""
    return re.compile(
        rf"^(?:{_alternatives('caption_label')})\s*(?:[A-Z]?\d+(?:\.\d+)*|[IVX]+)[a-z]?\b(?!\s+(?-i:[a-z]))",
        re.IGNORECASE,
    )


def _heading_re(role: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:[\dIVXLC]+(?:\.\d+)*\.?\s+)?(?:{_alternatives(role)})\s*:?$", re.IGNORECASE)


@lru_cache(maxsize=1)
def references_heading_re() -> re.Pattern[str]:
    """A heading over a list of references ("References", "5 Bibliography")."""
    return _heading_re("references_heading")


@lru_cache(maxsize=1)
def notes_heading_re() -> re.Pattern[str]:
    """A heading over notes ("Notes", "Endnotes")."""
    return _heading_re("notes_heading")


@lru_cache(maxsize=1)
def byline_re() -> re.Pattern[str]:
    """A by-line ("by Jane Doe", "Authors: ...")."""
    return re.compile(rf"^(?:{_alternatives('byline')})\b\s*:?", re.IGNORECASE)


@lru_cache(maxsize=1)
def source_line_re() -> re.Pattern[str]:
    """A line under a table or figure naming its source or notes ("Source: ...")."""
    return re.compile(rf"^(?:{_alternatives('source_label')})\s*:", re.IGNORECASE)


@lru_cache(maxsize=1)
def header_field_re() -> re.Pattern[str]:
    """A "KEY: value" header line at the top of a text file; group 1 the key, 2 the value."""
    return re.compile(r"^([A-Za-z][A-Za-z _-]{0,30}):[ \t]*(\S.*)$")


def header_role(key: str) -> str:
    """``title_field`` or ``date_field`` for a header key that names the title or the date, else ""."""
    key = " ".join(key.lower().replace("_", " ").split())
    for role in ("title_field", "date_field"):
        if key in terms(role):
            return role
    return ""


def is_caption(text: str) -> bool:
    return bool(caption_re().match(text.strip()))


def is_references_heading(text: str) -> bool:
    return bool(references_heading_re().match(" ".join(text.split())))


def is_notes_heading(text: str) -> bool:
    return bool(notes_heading_re().match(" ".join(text.split())))


@lru_cache(maxsize=1)
def print_stamp_re() -> re.Pattern[str]:
    """A browser's print stamp in a page margin (``print_stamps.txt``): the time of printing with
    the page title, or the page's address with its page count."""
    from pipeline.resources import word_list

    return re.compile("|".join(f"(?:{p})" for p in sorted(word_list("print_stamps.txt"))))


def is_print_stamp(text: str) -> bool:
    return bool(print_stamp_re().match(" ".join(text.split())))
