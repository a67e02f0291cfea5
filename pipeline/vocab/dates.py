"""Date expressions in passage text, normalised to ISO 8601 with their granularity kept.

The grammar is a table of compiled regexes, each with a handler that turns a match into a hit
(offsets, ISO value, granularity), into a block (the span is known not to be a date, so nothing
inside it may be reported), or into nothing (the rule does not apply; other rules may). All hits
and blocks compete for their characters, longest first; blocks are then dropped from the output.

Canonical values:

- points: ``2024``, ``2024-05``, ``2024-05-14`` (granularity ``year``, ``month``, ``day``);
  seasons, quarters, halves and "early/mid/late/end of" a year give the year;
- ranges: ``start/end`` with each side at its own granularity (``2003/2005``,
  ``2024-05/2024-06``, ``2024-05-14/2024-05-16``), granularity ``range``; open ranges ("since
  2003", "from 2014 onwards") and counted-back periods ("the past two decades") are closed at, or
  counted from, the publication year;
- decades: ``1990/1999``; early = first three years, mid = years 4-6, late = last three;
- durations (TIMEX3 style): ``P10Y``, ``P6M``; decades and centuries in years (``P20Y``);
  vague amounts with ``X``: ``PXY`` years, ``PXM`` months, ``PXDE`` decades, ``PXCE`` centuries.

A mention's text leaves out leading prepositions ("in", "as of", "over", "for") and "the" before
a decade, but keeps words that carry meaning ("since", "from ... to", "between ... and",
"more than", "early", "end of").
"""

from __future__ import annotations

import bisect
import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.vocab.numbers import ONES, TENS, number_value

__all__ = ["DateMention", "find_dates", "normalize_date"]

GRANULARITIES = ("day", "month", "year", "decade", "range", "duration")


@dataclass(frozen=True)
class DateMention:
    """One date expression: offsets into the text given, surface, ISO value, granularity, rule."""

    start: int
    end: int
    text: str
    iso: str
    granularity: str
    rule_id: str


# --- vocabulary ---------------------------------------------------------------------------

_MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]
MONTHS: dict[str, int] = {name.lower(): i for i, name in enumerate(_MONTH_NAMES, 1)}
MONTHS.update({"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
               "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12})



def _alt(words) -> str:
    """A regex alternation of words, longest first so that no word stops inside another."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


# Month names only count when capitalised (or in capitals): "may" and "march" are verbs.
_ABBREVIATIONS = ["Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"]
_MONTH_FORMS = (
    _MONTH_NAMES + [m.upper() for m in _MONTH_NAMES] + _ABBREVIATIONS + [a + "." for a in _ABBREVIATIONS]
)
MONTH = rf"(?-i:{_alt(_MONTH_FORMS)})(?![\w])"
YEAR = r"(?<![\w])(?:19|20)\d\d(?![\w])"
DAY = r"(?<![\w.,/-])[0-3]?\d(?:st|nd|rd|th)?(?![\w])"
DASH = r"[-\u2010-\u2015\u2212]"
_UNITS_1 = _alt(ONES[:9])
NUM = (
    rf"(?:\d{{1,3}}|(?:(?:a|one|{_alt(ONES[1:9])})\s+)?hundred"
    rf"|(?:{_alt(TENS)})(?:[-\s](?:{_UNITS_1}))?|{_alt(ONES)})"
)
MODIFIER = (
    r"(?:more\s+than|less\s+than|fewer\s+than|at\s+least|up\s+to"
    r"|almost|nearly|about|around|approximately|roughly|some)"
)
PAST_WORDS = ("past", "last", "previous", "preceding")
DIRECTION = r"(?:past|last|previous|preceding|next|coming)"

# Inside a full date, a month name or a year may be split by a stray space, as text taken from
# badly set PDFs often is ("JU NE 2021", "June 199 7"); the value is read with the space removed.
def _split_forms(name: str) -> list[str]:
    upper = " ?".join(name.upper())
    return [upper] + [name[:i] + " " + name[i:] for i in range(2, len(name) - 1)]


_SPLIT_MONTH = "|".join(f for name in _MONTH_NAMES for f in _split_forms(name))
MONTH_LOOSE = rf"(?:{MONTH}|(?-i:{_SPLIT_MONTH})(?![\w]))"
YEAR_LOOSE = r"(?<![\w])(?:19|20)\d(?:\d|\s\d)(?![\w])"
DMY = rf"{DAY}\s+(?:of\s+)?{MONTH_LOOSE},?\s+{YEAR_LOOSE}"
MDY = rf"{MONTH_LOOSE}\s+[0-3]?\d(?:st|nd|rd|th)?,?\s+{YEAR_LOOSE}"
NUMERIC = rf"(?<![\w.,/-])(?:[0-3]?\d\.[01]?\d\.|[0-3]?\d/[01]?\d/|[0-3]?\d-[01]?\d-){YEAR}"
ISO_DAY = rf"{YEAR}-[01]\d-[0-3]\d(?![\w])"
MY = rf"{MONTH_LOOSE}\s+(?:of\s+)?{YEAR_LOOSE}"
PART_OF_YEAR = (
    r"(?:(?:early|late|mid)(?:-|\s+)|end-"
    r"|(?:end|beginning|start|middle|(?:first|second)\s+half"
    r"|(?:first|second|third|fourth)\s+quarter)\s+of\s+"
    r"|(?:spring|summer|autumn|fall|winter)\s+(?:of\s+)?|(?-i:Q[1-4]|H[12])\s+)"
    + YEAR
)
SEASON_RANGE = (
    rf"(?:(?:early|late|mid)(?:-|\s+))?(?:spring|summer|autumn|fall|winter)\s+(?:of\s+)?(?P<y1>{YEAR})"
    rf"\s?(?:{DASH}|/)\s?(?P<y2>(?:19|20)?\d\d)(?![\w])"
)
PART_OF_MONTH = (
    rf"(?:(?:early|mid|late)(?:-|\s+)|end-|(?:the\s+)?(?:end|beginning|start|middle)\s+of\s+)(?P<m>{MONTH})"
    rf"(?:,?\s+(?:of\s+)?(?P<y>{YEAR}))?"
)
_ORDINAL_CENTURIES = {"nineteenth": 19, "twentieth": 20, "twenty-first": 21, "twenty first": 21, "twenty-second": 22}
CENTURY = rf"(?P<n>(?:1[5-9]|2[0-2])(?:st|nd|rd|th)|{_alt(_ORDINAL_CENTURIES)})[\s-]+century(?![\w])"
DECADE = r"(?:(?:early|mid|late)(?:-|\s+))?(?<![\w])(?:19|20)\d0['\u2019]?s(?![\w])"
POINT = f"(?:{DMY}|{MDY}|{NUMERIC}|{ISO_DAY}|{MY}|{YEAR})"
LEFT_POINT = rf"(?:{POINT}|{DAY}\s+(?:of\s+)?{MONTH}|{MONTH}\s+[0-3]?\d(?:st|nd|rd|th)?|{MONTH}|{DAY})"

_FLAGS = re.IGNORECASE


# --- context: when a matched number is not a date -----------------------------------------

# Text glued to a mention (no space between) that still leaves it a free-standing date.
_LEFT_OK = re.compile(r"[(\[{\"'\u201c\u2018\u00ab]*")
_RIGHT_OK = re.compile(r"(?:['\u2019]s)?[)\]}\"'\u201d\u2019\u00bb.,;:!?]*")
# Words before a number that make it a reference, a count of money, or a phone number.
_REFERENCE_WORDS = frozenset(
    [
        "resolution", "resolutions", "unscr", "no", "nr", "n°", "number", "numbers", "article",
        "articles", "art", "page", "pages", "p", "pp", "paragraph", "paragraphs", "para", "§",
        "com", "join", "swd", "sec", "issn", "isbn", "doi", "tel", "telephone", "phone", "fax",
        "vol", "volume", "chapter", "annex", "section", "footnote", "fn", "note", "table", "figure",
        "fig", "case", "ref", "eur", "euro", "euros", "usd", "$", "€", "£", "gbp", "chf",
    ]
)
# Words after a number that make it a quantity.
_UNIT_WORDS = frozenset(
    [
        "%", "percent", "per", "km", "km2", "kilometres", "kilometers", "miles", "metres", "meters",
        "m", "kg", "tonnes", "tons", "mw", "gw", "euros", "eur", "euro", "dollars", "usd",
        "million", "billion", "bn", "mn", "troops", "soldiers", "personnel", "staff", "people",
        "persons", "officials", "experts", "participants", "members", "officers", "refugees",
        "migrants", "casualties", "victims", "vessels", "ships", "aircraft", "companies", "firms",
        "years", "months", "weeks", "days", "hours",
    ]
)
_BARE_NUMBERS = re.compile(rf"\d+(?:\s*{DASH}\s*\d+)?")
_PHONE_BEFORE = re.compile(r"\+\s?\d[\d\s().-]*$")
_IDENTIFIER_AFTER = re.compile(r"\)?\s*\d+\s+final\b", re.IGNORECASE)
# Words that make "a year"/"a month" a rate ("twice a year", "EUR 5 million a year").
_RATE_WORDS = frozenset(
    [
        "once", "twice", "thrice", "times", "per", "each", "every", "million", "billion", "bn",
        "mn", "%", "percent",
    ]
)


_WINDOW = 80  # characters looked at around a match for the words before and after it


def _glued(text: str, start: int, end: int) -> tuple[str, str]:
    """The non-space characters touching a span on its left and on its right."""
    i = start
    while i > 0 and not text[i - 1].isspace() and start - i <= _WINDOW:
        i -= 1
    j = end
    while j < len(text) and not text[j].isspace() and j - end <= _WINDOW:
        j += 1
    return text[i:start], text[end:j]


def _word_before(text: str, start: int) -> str:
    """The word before a span (skipping glued brackets), lowercased and without trailing dots."""
    head = text[max(0, start - _WINDOW):start].rstrip("([{\"'\u201c\u2018 \t\n")
    words = head.split()
    return words[-1].lower().strip("([{:,;").rstrip(".") if words else ""


def _word_after(text: str, end: int) -> str:
    """The word after a span, lowercased and without trailing punctuation."""
    words = text[end:end + _WINDOW].split(None, 1)
    return words[0].lower().rstrip(".,;:)") if words else ""


def _context_ok(text: str, start: int, end: int) -> bool:
    """False when the span sits inside a token (URL, file name, identifier) or reads as a quantity."""
    left, right = _glued(text, start, end)
    if not _LEFT_OK.fullmatch(left) or not _RIGHT_OK.fullmatch(right):
        return False
    surface = text[start:end]
    if surface[0].isdigit():
        if _word_before(text, start) in _REFERENCE_WORDS:
            return False
        if _PHONE_BEFORE.search(text[max(0, start - 25):start]):
            return False
    if _BARE_NUMBERS.fullmatch(surface):
        if _word_after(text, end) in _UNIT_WORDS:
            return False
        if _IDENTIFIER_AFTER.match(text, end):
            return False
    return True


# --- values -------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Pub:
    year: int | None
    month: int | None


def _parse_pub(pub_date: str) -> _Pub:
    m = re.match(r"\s*(\d{4})(?:-(\d{1,2}))?", pub_date or "")
    if not m:
        return _Pub(None, None)
    month = int(m.group(2)) if m.group(2) and 1 <= int(m.group(2)) <= 12 else None
    return _Pub(int(m.group(1)), month)


def _valid_day(y: int, m: int, d: int) -> bool:
    return 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]


def _fmt(y: int, m: int | None = None, d: int | None = None) -> str:
    if m is None:
        return f"{y:04d}"
    if d is None:
        return f"{y:04d}-{m:02d}"
    return f"{y:04d}-{m:02d}-{d:02d}"


_P_YEAR = re.compile(YEAR)
_P_MONTH = re.compile(MONTH)
_P_DAY = re.compile(r"(?<![\d])([0-3]?\d)(?:st|nd|rd|th)?(?![\d])")
_P_NUMERIC = re.compile(r"([0-3]?\d)[./-]([01]?\d)[./-](\d{4})")
_P_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)")


_P_SPLIT_MONTH = re.compile(rf"(?-i:{_SPLIT_MONTH})(?![\w])")
_P_SPLIT_YEAR = re.compile(r"(?<![\w])((?:19|20)\d)\s(\d)(?![\w])")


def _squash(surface: str) -> str:
    """A split month name or year joined again: "JU NE 199 7" -> "JUNE 1997"."""
    surface = _P_SPLIT_MONTH.sub(lambda m: m.group(0).replace(" ", ""), surface)
    return _P_SPLIT_YEAR.sub(r"\1\2", surface)


def _parts(surface: str) -> tuple[int | None, int | None, int | None] | None:
    """Year, month and day written in a point expression (any may be missing); None if invalid."""
    surface = _squash(surface)
    iso = _P_ISO.fullmatch(surface)
    if iso:
        y, m, d = (int(g) for g in iso.groups())
    elif (num := _P_NUMERIC.fullmatch(surface)):
        d, m, y = (int(g) for g in num.groups())
    else:
        ym = _P_YEAR.search(surface)
        mm = _P_MONTH.search(surface)
        rest = surface
        for found in (ym, mm):
            if found:
                rest = rest.replace(found.group(0), " ", 1)
        dm = _P_DAY.search(rest)
        y = int(ym.group(0)) if ym else None
        m = MONTHS[mm.group(0).lower().rstrip(".")] if mm else None
        d = int(dm.group(1)) if dm else None
    if d is not None and not 1 <= d <= 31:
        return None
    if m is not None and not 1 <= m <= 12:
        return None
    if y is not None and m is not None and d is not None and not _valid_day(y, m, d):
        return None
    return y, m, d


def _decade_span(surface: str) -> tuple[int, int]:
    """First and last year of a (possibly qualified) decade such as "mid-1990s"."""
    start = int(re.search(r"(?:19|20)\d0", surface).group(0))
    qualifier = surface.lower()
    if qualifier.startswith("early"):
        return start, start + 2
    if qualifier.startswith("mid"):
        return start + 4, start + 6
    if qualifier.startswith("late"):
        return start + 7, start + 9
    return start, start + 9


def _granularity(parts: tuple[int | None, int | None, int | None]) -> str:
    return "day" if parts[2] is not None else "month" if parts[1] is not None else "year"


# --- rule handlers ------------------------------------------------------------------------

BLOCK = "block"


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    iso: str
    granularity: str
    rule_id: str = ""


Handler = Callable[[re.Match, _Pub], "_Hit | str | None"]


def _span(m: re.Match, group: str | int = 0) -> tuple[int, int]:
    return m.start(group), m.end(group)


def _point(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """A full date, a month with its year, or a year."""
    parts = _parts(m.group(0))
    if parts is None or parts[0] is None or (parts[2] is not None and parts[1] is None):
        return BLOCK
    return _Hit(*_span(m), _fmt(*parts), _granularity(parts))


def _day_month(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """A day and month without a year ("on 14 May"), placed in the publication year."""
    _, mon, d = _parts(m.group(0)) or (None, None, None)
    if pub.year is None or mon is None or d is None or not _valid_day(pub.year, mon, d):
        return None
    return _Hit(*_span(m), _fmt(pub.year, mon, d), "day")


_TEMPORAL_WORDS = frozenset(
    "in since by until till from of early late mid during before after through throughout last next this "
    "every each between and to on around until end beginning start middle".split()
)


def _month_day(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """A month and day without a year ("on February 7"), placed in the publication year."""
    return _day_month(m, pub)


def _bare_month(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """A month name alone ("in June", "the June summit"), placed in the publication year; "May" and
    "March" only after a word of time ("in May"), as they are also a verb and a noun."""
    word = m.group(0)
    if word.lower() in ("may", "march") and _word_before(m.string, m.start()) not in _TEMPORAL_WORDS:
        return None
    if pub.year is None:
        return None
    return _Hit(*_span(m), _fmt(pub.year, MONTHS[word.lower()]), "month")


def _part_of_month(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """"mid-December", "early June 2023", "the end of March": the month (of the publication year)."""
    year = int(m.group("y")) if m.group("y") else pub.year
    if year is None:
        return None
    start = m.start() + (4 if m.group(0).lower().startswith("the ") else 0)
    return _Hit(start, m.end(), _fmt(year, MONTHS[m.group("m").lower().rstrip(".")]), "month")


def _season_range(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """"winter 2023-24", "winter 2024/25": a season across the turn of a year, as the two years."""
    first = int(m.group("y1"))
    second = int(m.group("y2")) if len(m.group("y2")) == 4 else first // 100 * 100 + int(m.group("y2"))
    if second != first + 1:
        return BLOCK
    return _Hit(*_span(m), f"{first}/{second}", "range")


def _slash_years(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """"2023/2024", "2024/25": consecutive years (a season, a budget or a school year)."""
    first = int(m.group("y1"))
    second = int(m.group("y2")) if len(m.group("y2")) == 4 else first // 100 * 100 + int(m.group("y2"))
    if not 0 < second - first <= 10:
        return None  # "2019/2088" is an act's number, not two years
    return _Hit(*_span(m), f"{first}/{second}", "range", "date:year_range")


def _century(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """"the 21st century": its years, 2001/2100."""
    n = m.group("n").lower()
    number = _ORDINAL_CENTURIES.get(n) or int(re.match(r"\d+", n).group(0))
    return _Hit(*_span(m), f"{(number - 1) * 100 + 1}/{number * 100}", "century")


def _year_in_name(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """A year that is part of a name: "Horizon 2020", "Agenda 2030", "the 2030 Agenda" (a target
    year after the publication). The words that take a year are in ``year_name_words.txt``."""
    from pipeline.resources import word_list

    words = word_list("year_name_words.txt")
    before, after = m.group("before"), m.group("after")
    if before and before.lower() in words:
        return BLOCK
    if after and after.lower() in words and pub.year is not None and int(m.group("y2")) > pub.year:
        return BLOCK
    return None


def _part_of_year(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """A season, quarter, half, or early/mid/late/end of a year: the year."""
    return _Hit(*_span(m), _P_YEAR.search(m.group(0)).group(0), "year")


def _decade(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """A decade, optionally early/mid/late: its first and last years."""
    first, last = _decade_span(m.group(0))
    return _Hit(*_span(m), f"{first}/{last}", "decade")


def _short_year_range(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """"2010-11": the second year written with two digits."""
    first = int(m.group("y1"))
    second = first // 100 * 100 + int(m.group("yy"))
    if second <= first:
        second += 100  # "1999-00"
    if second - first > 20:
        return None  # "2024-05" is not a range
    return _Hit(*_span(m), f"{first}/{second}", "range", "date:year_range")


def _range(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """Two points joined by a dash, "from ... to" or "between ... and"; the left may borrow from the right."""
    opener = (m.group("open") or "").lower()
    word = (m.group("word") or "").lower()
    if word == "and" and opener != "between":
        return None
    if word and word != "and" and opener != "from":
        return None
    left, right = _parts(m.group("left")), _parts(m.group("right"))
    if left is None or right is None or right[0] is None:
        return BLOCK
    if left[0] is None:
        # A partial left side must stop at the same unit as the right: "14-16 May 2024".
        if _granularity(left) != _granularity(right):
            return None
        left = (right[0], left[1] if left[1] is not None else right[1], left[2])
        if left[2] is not None and not _valid_day(*left):
            return BLOCK
    lo = (left[0], left[1] or 1, left[2] or 1)
    hi = (right[0], right[1] or 12, right[2] or 31)
    if not lo < hi or (left == right) or right[0] - left[0] > 150:
        return BLOCK
    grains = {_granularity(left), _granularity(right)}
    rule = f"date:{grains.pop()}_range" if len(grains) == 1 else "date:range"
    return _Hit(*_span(m), f"{_fmt(*left)}/{_fmt(*right)}", "range", rule)


def _us_day_range(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """"May 14-16, 2024"; "December 4-5" in the publication year."""
    if m.group("y") is None and pub.year is None:
        return None
    y, mon = int(m.group("y") or pub.year), MONTHS[m.group("m").lower().rstrip(".")]
    d1, d2 = int(m.group("d1")), int(m.group("d2"))
    if not (_valid_day(y, mon, d1) and _valid_day(y, mon, d2) and d1 < d2):
        return BLOCK
    return _Hit(*_span(m), f"{_fmt(y, mon, d1)}/{_fmt(y, mon, d2)}", "range", "date:day_range")


def _open_start(m: re.Match) -> tuple[int, int | None, int | None, str] | None:
    """The start of an open range ("since ..."): year, month, day and the point's granularity name."""
    point = re.sub(r"^the\s+", "", m.group("point"), flags=re.IGNORECASE)
    if re.search(r"(?:19|20)\d0['\u2019]?s\b", point):
        return (_decade_span(point)[0], None, None, "decade")
    if re.match(PART_OF_YEAR, point, _FLAGS):
        return (int(_P_YEAR.search(point).group(0)), None, None, "year")
    parts = _parts(point)
    if parts is None or parts[0] is None:
        return None
    return (*parts, _granularity(parts))


def _open_range(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """"since 2003", "from 2014 onwards": from the point to the publication year."""
    start = _open_start(m)
    if start is None or pub.year is None or start[0] > pub.year:
        return None  # cannot be closed: the point inside is still found by its own rule
    y, mon, d, grain = start
    kind = "since" if m.group(0).lower().startswith("since") else "from"
    rule = f"date:since_{grain}" if kind == "since" else "date:from_onwards"
    return _Hit(*_span(m), f"{_fmt(y, mon, d)}/{pub.year}", "range", rule)


def _counted(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """"the past 25 years", "the last decade", "the next five years": counted from the publication date."""
    direction = m.group("dir").lower()
    unit = m.group("unit").lower().rstrip("s")
    n = number_value(m.group("n")) if m.group("n") else 1
    if n is None:
        return BLOCK
    if direction == "last" and re.match(r"\s+of\b", m.string[m.end():m.end() + _WINDOW]):
        return BLOCK  # "the last five years of the Cold War" need not end at publication
    past = direction in PAST_WORDS
    rule = f"date:{'past' if past else 'next'}_n_{unit}s"
    if pub.year is None:
        return BLOCK
    if unit == "month":
        if pub.month is None:
            return BLOCK
        here = pub.year * 12 + pub.month - 1
        there = here - n if past else here + n
        ends = sorted((here, there))
        a, b = (divmod(e, 12) for e in ends)
        return _Hit(*_span(m), f"{_fmt(a[0], a[1] + 1)}/{_fmt(b[0], b[1] + 1)}", "range", rule)
    years = n * (10 if unit == "decade" else 1)
    lo, hi = (pub.year - years, pub.year) if past else (pub.year, pub.year + years)
    return _Hit(*_span(m), f"{lo}/{hi}", "range", rule)


def _ago(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """"ten years ago", "a decade ago": the publication year counted back."""
    n = number_value(m.group("n"))
    if m.group("mod") or n is None or pub.year is None:
        return BLOCK
    unit = m.group("unit").lower().rstrip("s")
    if unit == "month":
        if pub.month is None:
            return BLOCK
        y, mon = divmod(pub.year * 12 + pub.month - 1 - n, 12)
        return _Hit(*_span(m), _fmt(y, mon + 1), "month")
    return _Hit(*_span(m), _fmt(pub.year - n * (10 if unit == "decade" else 1)), "year")


_DURATION_UNITS = {"year": ("Y", 1), "month": ("M", 1), "decade": ("Y", 10), "century": ("Y", 100)}
_VAGUE_UNITS = {"year": "Y", "month": "M", "decade": "DE", "century": "CE"}


def _unit(word: str) -> str:
    word = word.lower()
    return "century" if word.startswith("centur") else word.rstrip("s")


def _duration(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """"ten years", "more than a decade", "six months": a length of time with no definite start."""
    n_text = m.group("n").lower()
    unit_word = m.group("unit").lower()
    if n_text in ("a", "an") and unit_word.endswith("s"):
        return None
    if _word_before(m.string, m.start("n")) in _RATE_WORDS:
        return BLOCK  # "twice a year", "EUR 5 million a year", "every two years"
    n = number_value(n_text)
    if n is None:
        return BLOCK
    letter, factor = _DURATION_UNITS[_unit(unit_word)]
    return _Hit(*_span(m), f"P{n * factor}{letter}", "duration")


def _vague_duration(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """"many years", "several decades": a duration of unknown length."""
    return _Hit(*_span(m), f"PX{_VAGUE_UNITS[_unit(m.group('unit'))]}", "duration")


def _block(m: re.Match, pub: _Pub) -> _Hit | str | None:
    """A span that looks like a date but is not one (vague or unanchored)."""
    return BLOCK


# --- the grammar --------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    rule_id: str
    pattern: re.Pattern
    handler: Handler


def _rule(rule_id: str, pattern: str, handler: Handler) -> Rule:
    return Rule(rule_id, re.compile(pattern, _FLAGS), handler)


RULES: tuple[Rule, ...] = (
    _rule("date:iso_date", ISO_DAY, _point),
    _rule("date:numeric_date", NUMERIC, _point),
    _rule("date:day_month_year", DMY, _point),
    _rule("date:month_day_year", MDY, _point),
    _rule("date:month_year", MY, _point),
    _rule("date:year", YEAR, _point),
    _rule("date:day_month", rf"{DAY}\s+(?:of\s+)?{MONTH}", _day_month),
    _rule("date:month_day", rf"{MONTH}\s+[0-3]?\d(?:st|nd|rd|th)?(?![\w.,/:-]\d|[\w])", _month_day),
    _rule("date:month", rf"(?<![\w-])(?-i:{_alt(_MONTH_NAMES + [n.upper() for n in _MONTH_NAMES])})(?![\w-])", _bare_month),
    _rule("date:part_of_month", rf"(?<![\w]){PART_OF_MONTH}", _part_of_month),
    _rule("date:season_range", rf"(?<![\w]){SEASON_RANGE}", _season_range),
    _rule("date:year_range", rf"(?<![\w/])(?P<y1>{YEAR})/(?P<y2>(?:19|20)?\d\d)(?![\w/])", _slash_years),
    _rule("date:century", rf"(?<![\w]){CENTURY}", _century),
    _rule(
        "date:year_in_name",
        rf"(?:(?<![\w])(?P<before>(?-i:[A-Z][A-Za-z]+)) (?P<y>{YEAR})|(?P<y2>{YEAR}) (?P<after>(?-i:[A-Z][a-z]+)))",
        _year_in_name,
    ),
    _rule("date:part_of_year", rf"(?<![\w]){PART_OF_YEAR}", _part_of_year),
    _rule("date:decade", rf"(?<![\w]){DECADE}", _decade),
    _rule("date:year_range", rf"(?P<y1>{YEAR}){DASH}(?P<yy>\d\d)(?![\w])", _short_year_range),
    _rule(
        "date:range",
        rf"(?<![\w])(?:(?P<open>from|between)\s+)?(?P<left>{LEFT_POINT})"
        rf"(?:\s*(?P<dash>{DASH})\s*|\s+(?P<word>to|until|till|through|and)\s+)(?P<right>{POINT})",
        _range,
    ),
    _rule(
        "date:day_range",
        rf"(?P<m>{MONTH})\s+(?P<d1>[0-3]?\d)\s*{DASH}\s*(?P<d2>[0-3]?\d)(?![\w])(?:,?\s+(?P<y>{YEAR}))?",
        _us_day_range,
    ),
    _rule(
        "date:since",
        rf"(?<![\w])since\s+(?P<point>(?:the\s+)?{DECADE}|{PART_OF_YEAR}|{POINT})",
        _open_range,
    ),
    _rule("date:from_onwards", rf"(?<![\w])from\s+(?P<point>{POINT})\s+onwards?(?![\w])", _open_range),
    _rule(
        "date:counted",
        rf"(?<![\w])(?:the\s+)?(?P<dir>{DIRECTION})\s+(?P<n>{NUM})\s+(?P<unit>years?|decades?|months?)(?![\w])",
        _counted,
    ),
    _rule(
        "date:counted_one",
        rf"(?<![\w])the\s+(?P<dir>{DIRECTION})\s+(?P<n>)(?P<unit>year|decade|month)(?![\w])",
        _counted,
    ),
    _rule(
        "date:counted_vague",
        rf"(?<![\w])(?:the\s+)?{DIRECTION}\s+(?:few|several|many|couple\s+of)\s+(?:years|decades|months)(?![\w])",
        _block,
    ),
    _rule(
        "date:ago",
        rf"(?<![\w])(?:(?P<mod>{MODIFIER}|over|well\s+over)\s+)?(?P<n>{NUM}|an?|many|several|a\s+few|few|some)"
        rf"\s+(?P<unit>years?|decades?|months?)\s+ago(?![\w])",
        _ago,
    ),
    _rule(
        "date:duration",
        rf"(?<![\w])(?:{MODIFIER}\s+)?(?P<n>{NUM}|an?)\s+(?P<unit>years?|decades?|months?|century|centuries)(?![\w])",
        _duration,
    ),
    _rule(
        "date:vague_duration",
        r"(?<![\w])(?:many|several|a\s+few|few)\s+(?P<unit>years|decades|months|centuries)(?![\w])",
        _vague_duration,
    ),
)


# --- search -------------------------------------------------------------------------------

def _matches(pattern: re.Pattern, text: str):
    """Every match of a pattern, overlapping ones included, so that a rejected match hides nothing."""
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        if m.end() > m.start():
            yield m
        pos = m.start() + 1


def _candidates(text: str, pub: _Pub) -> list[tuple[int, int, int, _Hit | None]]:
    """Every rule's hits and blocks as (start, end, rule order, hit or None for a block)."""
    found = []
    for order, rule in enumerate(RULES):
        for m in _matches(rule.pattern, text):
            result = rule.handler(m, pub)
            if result is None:
                continue
            if result == BLOCK:
                found.append((m.start(), m.end(), order, None))
                continue
            if not _context_ok(text, result.start, result.end):
                found.append((result.start, result.end, order, None))
                continue
            hit = result if result.rule_id else _Hit(
                result.start, result.end, result.iso, result.granularity, rule.rule_id
            )
            found.append((hit.start, hit.end, order, hit))
    return found


def _select(text: str, pub: _Pub) -> list[tuple[int, int, _Hit | None]]:
    """Non-overlapping hits and blocks, longest first, then leftmost, then earliest rule."""
    chosen: list[tuple[int, int, _Hit | None]] = []
    starts: list[int] = []  # of the chosen spans, which never overlap: sorted, for bisection
    ends: list[int] = []
    for start, end, _, hit in sorted(_candidates(text, pub), key=lambda c: (c[0] - c[1], c[0], c[2])):
        i = bisect.bisect_left(starts, end)  # chosen spans starting before this one ends
        if i and ends[i - 1] > start:
            continue
        starts.insert(i, start)
        ends.insert(i, end)
        chosen.append((start, end, hit))
    return sorted(chosen, key=lambda c: c[0])


def _mention(text: str, hit: _Hit) -> DateMention:
    return DateMention(hit.start, hit.end, text[hit.start:hit.end], hit.iso, hit.granularity, hit.rule_id)


def find_dates(text: str, pub_date: str = "") -> list[DateMention]:
    """Date expressions in a text, in order, as non-overlapping mentions with ISO values."""
    if not text:
        return []
    pub = _parse_pub(pub_date)
    return [_mention(text, hit) for _, _, hit in _select(text, pub) if hit is not None]


# --- spans found by someone else ----------------------------------------------------------

_LEADING_WORDS = re.compile(
    r"^(?:(?:in|on|at|by|of|as\s+of|from|during|until|the|(?:mon|tues|wednes|thurs|fri|satur|sun)day,?)\s+)+",
    re.IGNORECASE,
)
_MONTH_ANY_CASE = re.compile(rf"\b(?:{_alt(MONTHS)})\b\.?", re.IGNORECASE)
_NUMERIC_ANY = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
_IDENTIFIER_CUES = re.compile(
    r"COM\s*\(|JOIN\s*\(|SWD\s*\(|https?:|www\.|\.pdf|\bISSN\b|\bISBN\b|\bdoi\b|\bresolution\b|\bNo\.?\s|\d{4}/\d{3,}",
    re.IGNORECASE,
)


def _dateparser_fallback(surface: str) -> DateMention | None:
    """An exotic full date ("May the 14th, 2024", "14-May-2024") read by dateparser, if unambiguous."""
    years = _P_YEAR.findall(surface)
    if len(years) != 1 or _IDENTIFIER_CUES.search(surface):
        return None
    month_names = _MONTH_ANY_CASE.findall(surface)
    if not month_names and not _NUMERIC_ANY.search(surface):
        return None
    start = _LEADING_WORDS.match(surface).end() if _LEADING_WORDS.match(surface) else 0
    end = len(surface.rstrip(" \t\n.,;:)"))
    if start >= end:
        return None
    from dateparser.date import DateDataParser  # slow to import; only needed here

    parser = DateDataParser(
        languages=["en"],
        settings={"PARSERS": ["custom-formats", "absolute-time"], "DATE_ORDER": "DMY",
                  "PREFER_DAY_OF_MONTH": "first"},
    )
    data = parser.get_date_data(surface[start:end])
    if data is None or data.date_obj is None or data.period not in ("day", "month"):
        return None
    value = data.date_obj
    if str(value.year) != years[0]:
        return None
    if month_names and len(month_names) == 1 and MONTHS[month_names[0].lower().rstrip(".")] != value.month:
        return None
    if data.period == "day":
        iso, grain = _fmt(value.year, value.month, value.day), "day"
    else:
        iso, grain = _fmt(value.year, value.month), "month"
    return DateMention(start, end, surface[start:end], iso, grain, "date:dateparser")


def normalize_date(surface: str, pub_date: str = "") -> DateMention | None:
    """The date in a span found elsewhere (e.g. a spaCy DATE entity), offsets relative to the span.

    When the span holds several mentions the longest is returned (the leftmost on a tie);
    None when it holds no explicit calendar expression or duration.
    """
    if not surface or not surface.strip():
        return None
    pub = _parse_pub(pub_date)
    chosen = _select(surface, pub)
    hits = [hit for _, _, hit in chosen if hit is not None]
    if not hits:
        return _dateparser_fallback(surface)
    best = max(hits, key=lambda h: (h.end - h.start, -h.start))
    if best.rule_id == "date:year" and _month_outside(surface, best):
        # "May the 14th, 2024": our grammar saw only the year; a reader of full dates may see more.
        return _dateparser_fallback(surface) or _mention(surface, best)
    return _mention(surface, best)


def _month_outside(surface: str, hit: _Hit) -> bool:
    """Whether a month name (any case) appears in the span outside a hit."""
    return any(m.end() <= hit.start or m.start() >= hit.end for m in _MONTH_ANY_CASE.finditer(surface))
