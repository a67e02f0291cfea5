"""Publication dates from a document's front matter, running heads or metadata, as ISO strings."""

from __future__ import annotations

import re

MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})\s+{_MONTH}\s+((?:19|20)\d\d)\b", re.I)
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+((?:19|20)\d\d)\b", re.I)
_ISO = re.compile(r"\b((?:19|20)\d\d)-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?\b")
_CITED_YEAR = re.compile(r"\(((?:19|20)\d\d)\)|\u00a9\s*((?:19|20)\d\d)|copyright\s+((?:19|20)\d\d)", re.I)
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_PDF_DATE = re.compile(r"^D?:?((?:19|20)\d\d)(\d\d)?")


def date_in_text(text: str) -> str:
    """The first explicit calendar date in ``text`` as ISO (day, month or year precision)."""
    for pattern in (_ISO,):
        m = pattern.search(text)
        if m:
            return "-".join(g for g in m.groups() if g)
    m = _DAY_MONTH_YEAR.search(text)
    if m:
        return f"{m.group(3)}-{MONTHS[m.group(2).lower().rstrip('.')]:02d}-{int(m.group(1)):02d}"
    m = _MONTH_YEAR.search(text)
    if m:
        return f"{m.group(2)}-{MONTHS[m.group(1).lower().rstrip('.')]:02d}"
    return ""


def find_pub_date(front: list[str], running: list[str], front_pages: list[str], metadata: dict) -> str:
    """Best guess at a publication date, from the most to the least specific evidence.

    Front matter of the first page, then running heads and feet ("Brief 7 | May 2024",
    "(2016) 20 EFA Rev."), then imprint pages ("(c) 2016"), then the PDF's creation date.
    """
    for text in front:
        found = date_in_text(text)
        if found:
            return found
    for text in running:
        found = date_in_text(text)
        if found:
            return found
    for texts in (running, front, front_pages):
        for text in texts:
            m = _CITED_YEAR.search(text)
            if m:
                return next(g for g in m.groups() if g)
    for text in front:
        m = _YEAR.search(text)
        if m:
            return m.group(1)
    raw = metadata.get("CreationDate") or metadata.get("ModDate") or ""
    if isinstance(raw, bytes):
        raw = raw.decode("latin-1", "ignore")
    m = _PDF_DATE.match(str(raw))
    if m:
        return m.group(1) + (f"-{m.group(2)}" if m.group(2) else "")
    return ""
