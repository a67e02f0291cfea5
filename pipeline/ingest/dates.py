"""Publication dates of documents as ISO strings ("2024", "2024-05", "2024-05-14").

Every reader finds its document's date here: in metadata values, in a line that is only a date,
in front matter and running heads ("Brief 7 | May 2024", "(2016) 20 EFA Rev."), in imprints.
"""

from __future__ import annotations

import datetime
import re

_MONTHS = {name: i for i, name in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
# From the most to the least precise; the last one is a bare year.
_DATE_PATTERNS = [
    re.compile(rf"(?<!\w){pattern}(?!\w)", re.I)
    for pattern in (
        rf"{_YEAR}-(?P<mon>\d{{1,2}})(?:-(?P<day>\d{{1,2}})(?:T[\d:.]+(?:Z|[+-]\d{{2}}:?\d{{2}})?)?)?",
        rf"{_DAY}\s+{_MONTH},?\s+{_YEAR}",
        rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}",
        rf"{_MONTH},?\s+{_YEAR}",
        rf"(?P<day>\d{{1,2}})[./](?P<mon>\d{{1,2}})[./]{_YEAR}",
        _YEAR,
    )
]
_CALENDAR_PATTERNS = _DATE_PATTERNS[:-1]
# What may stand before the date on a date line: a label ("Published:") or a place ("Brussels, ").
_DATE_PREFIX = re.compile(
    r"^(?:(?i:published|date|dated|updated|last updated|issued|adopted)\b\s*:?\s*"
    r"|[A-Z][^\W\d_]+(?:[ -][A-Z][^\W\d_]+)*,\s*)"
)
# A year in a citation line or an imprint: "(2016) 20 EFA Rev.", "(c) 2016", "Copyright 2016".
_CITED_YEAR = re.compile(r"\(((?:19|20)\d\d)\)|\u00a9\s*((?:19|20)\d\d)|copyright\s+((?:19|20)\d\d)", re.I)
_PDF_DATE = re.compile(r"^D?:?((?:19|20)\d\d)(\d\d)?")


def _iso_date(match: re.Match[str]) -> str:
    """A date match in ISO form, as precise as the match; "" if it names no real date."""
    parts = match.groupdict()
    year = int(parts["year"])
    month = _MONTHS[parts["month"][:3].lower()] if parts.get("month") else int(parts.get("mon") or 0)
    day = int(parts.get("day") or 0)
    if not month:
        return f"{year:04d}"
    try:
        datetime.date(year, month, day or 1)
    except ValueError:
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}" if day else f"{year:04d}-{month:02d}"


def normalize_date(value: str) -> str:
    """The first date in a metadata value in ISO form, or ""."""
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(value):
            iso = _iso_date(match)
            if iso:
                return iso
    return ""


def calendar_date(text: str) -> str:
    """The first date with at least a month in running text ("May 2024", "14 May 2024"), or ""."""
    found = [(m.start(), _iso_date(m)) for pattern in _CALENDAR_PATTERNS for m in pattern.finditer(text)]
    found = [(start, iso) for start, iso in found if iso]
    return min(found)[1] if found else ""


def date_line(line: str) -> str:
    """The ISO date of a line that is nothing but a date, perhaps after a place or a label; else ""."""
    text = line.strip().rstrip(".")
    for candidate in (text, _DATE_PREFIX.sub("", text, count=1)):
        for pattern in _DATE_PATTERNS:
            match = pattern.fullmatch(candidate)
            if match and (iso := _iso_date(match)):
                return iso
    return ""


# A dateline: a date that opens a line or paragraph, perhaps after a place ("WASHINGTON, ",
# "Brussels, ") and before a dash or the text ("March 8, 2024 — The ...", "8 March 2024 Pittsburgh").
_PLACE = r"(?:(?-i:[A-Z][\w.'\u2019-]*(?:[ -][A-Z][\w.'\u2019-]*){0,3}),\s+(?:\([^)]{1,30}\)\s+)?)?"
_LABEL = r"(?:(?:published|date|dated|updated|last updated|issued|adopted|released|for immediate release)\b\s*:?\s*(?:on\s+)?)?"
_DATELINE_PATTERNS = [re.compile(rf"^{_LABEL}{_PLACE}{p.pattern}(?=\s*$|\s*[-\u2013\u2014:|,.\u2022\u00b7/]|\s+[A-Z(])", re.I) for p in _CALENDAR_PATTERNS]


def dateline(text: str) -> str:
    """The ISO date a line or paragraph opens with ("Brussels, 15 November 2015", "March 8,
    2024 — ...", "WASHINGTON, May 3, 2023"), or ""."""
    head = " ".join(text.split())[:120]
    for pattern in _DATELINE_PATTERNS:
        match = pattern.match(head)
        if match and (iso := _iso_date(match)):
            return iso
    return ""


def find_pub_date(
    front: list[str], running: list[str], front_pages: list[str], metadata: dict, openings: list[str] | None = None
) -> tuple[str, str]:
    """The publication date and where it was read: ``printed``, ``running_head``, ``metadata`` or ``none``.

    Printed evidence first: a calendar date in the first page's title block, or a dateline that
    opens one of its first paragraphs (``openings``); then the running heads and feet; then a
    cited or copyright year in those or on imprint pages; then a line that is only a year. The
    PDF's own dates come last, and never replace an earlier printed date with a later one.
    """
    for text in front:
        if found := calendar_date(text):
            return found, "printed"
    for text in openings or []:
        if found := dateline(text):
            return found, "printed"
    for text in running:
        if found := calendar_date(text):
            return found, "running_head"
    for texts, source in ((running, "running_head"), (front, "printed"), (front_pages, "printed")):
        for text in texts:
            match = _CITED_YEAR.search(text)
            if match:
                return next(g for g in match.groups() if g), source
    for text in front:
        if found := date_line(text):
            return found, "printed"
    found = metadata_date(metadata)
    return (found, "metadata") if found else ("", "none")


def metadata_date(metadata: dict) -> str:
    """The document's creation (else modification) date from PDF metadata, as YYYY or YYYY-MM."""
    raw = metadata.get("CreationDate") or metadata.get("ModDate") or ""
    if isinstance(raw, bytes):
        raw = raw.decode("latin-1", "ignore")
    match = _PDF_DATE.match(str(raw))
    if match:
        return match.group(1) + (f"-{match.group(2)}" if match.group(2) else "")
    return ""
