"""Text repairs shared by every reader and stage: ligatures, whitespace, one-for-one matching
forms (quotes and dashes), and the quotes and trailing "(year)" that names carry."""

from __future__ import annotations

import re
import unicodedata

# Ligatures and compatibility forms that only change how a word is drawn.
LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
    "\u00ad": "",  # soft hyphen
    "\u00a0": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",
    "\ufeff": "",
}

# One character for one character, so offsets into ``text`` hold in the matching form.
_MATCH_TABLE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)

# Quotation marks stripped from names, and a trailing "(year)" after a name (the year in group 1).
QUOTES = "'\"\u2018\u2019\u201c\u201d"
YEAR_SUFFIX = re.compile(r"\s*\(((?:19|20)\d\d)\)\s*$")

_SPACES = re.compile(r"[ \t\r\f\v]+")
# Control characters other than tab, line feed and carriage return (NUL, backspace, escape, DEL,
# the C1 range): they carry no text and upset parsers and models downstream.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """Text without control characters (tab, line feed and carriage return are kept)."""
    return _CONTROLS.sub("", text) if _CONTROLS.search(text) else text


_LIGATURE_RE = re.compile("[" + "".join(LIGATURES) + "]")
_LIGATURE_TABLE = str.maketrans(LIGATURES)


def expand_ligatures(text: str) -> str:
    if not _LIGATURE_RE.search(text):
        return text
    return text.translate(_LIGATURE_TABLE)


def normalize_for_matching(text: str) -> str:
    """Quotes to ASCII quotes and dashes to hyphens, keeping the length unchanged."""
    return text.translate(_MATCH_TABLE)


def clean_text(text: str) -> str:
    """NFC, ligatures expanded, runs of spaces collapsed, lines trimmed."""
    text = unicodedata.normalize("NFC", expand_ligatures(strip_controls(text)))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def squash_whitespace(text: str) -> str:
    """Any run of whitespace to one space (for comparisons across line and page breaks)."""
    return " ".join(text.split())
