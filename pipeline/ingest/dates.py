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


def find_pub_date(front: list[str], running: list[str], front_pages: list[str], metadata: dict) -> str:
    """Best guess at a publication date, from the most to the least specific evidence.

    A calendar date in the first page's front matter, then in running heads and feet, then a
    cited or copyright year in those or in imprint pages, then the PDF's creation date.
    """
    for texts in (front, running):
        for text in texts:
            found = calendar_date(text)
            if found:
                return found
    for texts in (running, front, front_pages):
        for text in texts:
            match = _CITED_YEAR.search(text)
            if match:
                return next(g for g in match.groups() if g)
    for text in front:
        found = date_line(text)
        if found:
            return found
    raw = metadata.get("CreationDate") or metadata.get("ModDate") or ""
    if isinstance(raw, bytes):
        raw = raw.decode("latin-1", "ignore")
    match = _PDF_DATE.match(str(raw))
    if match:
        return match.group(1) + (f"-{match.group(2)}" if match.group(2) else "")
    return ""
