"""Page geometry: words into lines, running heads and feet, and reading order by recursive XY-cut.

Reading order follows the classic XY-cut (split a region at vertical gutters, else at horizontal
gaps), with one repair that matters for two-column pages: horizontal strips that share a gutter
are merged again before the gutter is cut, so a paragraph gap that happens to line up in both
columns does not make the reader hop between columns.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.ingest.vocabulary import is_print_stamp

if TYPE_CHECKING:
    from pipeline.ingest.pdf_tables import PageTable

MARKER_RE = re.compile(r"^(\(?\d{1,3}\)?|\(?[a-z]\)?|[*\u2020\u2021\u00a7]{1,3})([,;]\(?\d{1,3}\)?)*$")
PAGE_NUMBER_RE = re.compile(
    r"^(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,7})(?:\s*(?:/|of)\s*\d{1,4})?$|^[-\u2013\u2014]\s*\d{1,4}\s*[-\u2013\u2014]$",
    re.IGNORECASE,
)
BOLD_RE = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
ITALIC_RE = re.compile(r"italic|oblique|-it$|ital", re.IGNORECASE)


@dataclass
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    font: str
    page: int
    raw: str = ""  # as printed (ligatures kept)

    @property
    def bold(self) -> bool:
        return bool(BOLD_RE.search(self.font))

    @property
    def italic(self) -> bool:
        return bool(ITALIC_RE.search(self.font))

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class Line:
    """Words that sit side by side on one baseline, with no gutter between them."""

    words: list[Word]
    page: int
    markers: list[tuple[int, str]] = field(default_factory=list)  # (char offset in text, marker)
    spaces: list[bool] = field(default_factory=list)  # a space before each word
    bullet: bool = False  # a drawn bullet (small square) sits just left of the line

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def size(self) -> float:
        """The size most of the line's characters are set in (kept until the words change)."""
        key = (id(self.words), len(self.words), id(self.words[0]), id(self.words[-1]))
        cached = self.__dict__.get("_size")
        if cached is not None and cached[0] == key:
            return cached[1]
        counts: Counter[float] = Counter()
        for w in self.words:
            counts[round(w.size, 1)] += len(w.text)
        size = counts.most_common(1)[0][0]
        self.__dict__["_size"] = (key, size)
        return size

    @property
    def bold(self) -> bool:
        return all(w.bold for w in self.words)

    @property
    def italic(self) -> bool:
        return all(w.italic for w in self.words)

    @property
    def text(self) -> str:
        if len(self.spaces) != len(self.words):
            return " ".join(w.text for w in self.words)
        return "".join((" " if space and i else "") + w.text for i, (w, space) in enumerate(zip(self.words, self.spaces)))

    @property
    def raw_text(self) -> str:
        """The line as printed: ligatures kept, note markers where they stood."""
        pieces = []
        markers = sorted(self.markers)
        length = 0
        for i, word in enumerate(self.words):
            space = " " if i and (len(self.spaces) != len(self.words) or self.spaces[i]) else ""
            length += len(space)
            while markers and markers[0][0] <= length - len(space):
                pieces.append(markers.pop(0)[1])
            pieces.append(space + (word.raw or word.text))
            length += len(word.text)
        pieces.extend(m for _, m in markers)
        return "".join(pieces)

    def bbox(self) -> tuple[float, float, float, float]:
        return (self.x0, self.top, self.x1, self.bottom)


@dataclass
class PageData:
    pno: int
    width: float
    height: float
    lines: list[Line]
    tables: list[PageTable] = field(default_factory=list)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    rules: list[tuple[float, float, float, float, float]] = field(default_factory=list)  # x0, top, x1, bottom, weight
    fills: list[tuple[float, float, float, float]] = field(default_factory=list)  # tinted rectangles
    running: list[str] = field(default_factory=list)


@dataclass
class Atom:
    """A unit placed by the reading-order cut: a line, a table, a box of lines, or a rule."""

    kind: str  # "line", "table", "box", "rule"
    x0: float
    top: float
    x1: float
    bottom: float
    line: Line | None = None
    ref: object = None  # the table or box object
    lines: list[Line] = field(default_factory=list)  # a box's lines in reading order


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def build_lines(words: list[Word], split_gap: float, superscript_ratio: float, body_size: float) -> list[Line]:
    """Group words into lines; small raised note markers become ``Line.markers``."""
    small = [w for w in words if MARKER_RE.match(w.text) and _smaller_than_neighbour(w, words, superscript_ratio, body_size)]
    small_ids = {id(w) for w in small}
    normal = [w for w in words if id(w) not in small_ids]
    lines = _group_words(normal, split_gap, small)
    leftovers = []
    for word in small:
        host = _marker_host(word, lines, superscript_ratio)
        if host is None:
            leftovers.append(word)
        else:
            host.words.append(word)
            host.words.sort(key=lambda w: w.x0)
    if leftovers:
        hosted = [w for w in small if w not in leftovers]
        lines = _group_words([w for w in normal] + leftovers, split_gap, hosted)
        for word in hosted:
            host = _marker_host(word, lines, superscript_ratio)
            if host is not None:
                host.words.append(word)
                host.words.sort(key=lambda w: w.x0)
    lines = _join_spread_pieces(lines, split_gap, body_size)
    for line in lines:
        _pull_markers(line, superscript_ratio)
    return [line for line in lines if line.words]


def _spaced_words(words: list[Word]) -> list[Word]:
    """The words whose spaces a justified line stretches, left to right: not a note's number set
    small before its first word (it hangs at its own distance), nor a comma or stop that the
    typesetter's letter-spacing set apart from its word ("Security ," is one word)."""
    words = sorted(words, key=lambda w: w.x0)
    size = max((w.size for w in words), default=0.0)
    while len(words) > 1 and MARKER_RE.match(words[0].text) and words[0].size < 0.9 * size:
        words = words[1:]
    return [w for i, w in enumerate(words) if i == 0 or any(c.isalnum() for c in w.text)]


def _text_x0(line: Line) -> float:
    """Where the line's text starts: after a small note number hanging before it."""
    return _spaced_words(line.words)[0].x0


def _evenly_spread(row: list[Line], min_gaps: int = 3) -> bool:
    """All the spaces of the row, inside its pieces and between them, are stretched alike, as
    in a justified line (a table row has word spaces inside its cells and wide gaps between)."""
    words = _spaced_words([w for ln in row for w in ln.words])
    gaps = [b.x0 - a.x1 for a, b in zip(words, words[1:])]
    if len(gaps) < min_gaps:
        return False
    size = statistics.median(w.size for w in words)
    return min(gaps) > 0.4 * size and max(gaps) <= 1.35 * min(gaps)


def _run_around(row: list[Line], k: int) -> list[Line]:
    """The pieces of ``row`` around the gap before ``row[k]`` whose gaps are all about as wide as it:
    one column's justified line, without the lines of other columns on the same baseline."""
    gap = row[k].x0 - row[k - 1].x1

    def spaced_alike(line: Line) -> bool:  # its own spaces stretched as much (another column's are not)
        words = _spaced_words(line.words)
        return all(gap / 1.35 <= b.x0 - a.x1 <= gap * 1.35 for a, b in zip(words, words[1:]))

    def alike(i: int) -> bool:
        other = row[i].x0 - row[i - 1].x1
        return gap / 1.35 <= other <= gap * 1.35 and spaced_alike(row[i]) and spaced_alike(row[i - 1])

    first, last = k - 1, k
    while first > 0 and alike(first):
        first -= 1
    while last + 1 < len(row) and alike(last + 1):
        last += 1
    return row[first : last + 1]


def _open_channel(rows: list[list[Line]], lo: float, hi: float) -> float:
    """Width of the widest strip between ``lo`` and ``hi`` that no word of ``rows`` touches."""
    spans = sorted((max(w.x0, lo), min(w.x1, hi)) for row in rows for ln in row for w in ln.words if w.x1 > lo and w.x0 < hi)
    widest, edge = 0.0, lo
    for x0, x1 in spans:
        widest = max(widest, x0 - edge)
        edge = max(edge, x1)
    return max(widest, hi - edge)


def _leaves_open(row: list[Line], lo: float, hi: float, aligned: bool = False) -> bool:
    """A row with words on both sides of ``lo..hi`` and none over (nearly) all of it: the gap is
    one the rows share, as between a table's cells, not a stretched word space of one line.
    ``aligned``: half the gap open is enough where a word of the row starts (or ends) right at
    the gap's edge, as cells of one column do."""
    words = [w for ln in row for w in ln.words]
    if not any(w.x0 < lo for w in words) or not any(w.x1 > hi for w in words):
        return False
    channel = _open_channel([row], lo, hi)
    if channel >= 0.9 * (hi - lo):
        return True
    edge = any(abs(w.x0 - hi) <= 1.5 or abs(w.x1 - lo) <= 1.5 for w in words)
    return aligned and edge and channel >= 0.5 * (hi - lo)


def _join_spread_pieces(lines: list[Line], split_gap: float, body_size: float = 0.0) -> list[Line]:
    """Pieces of one baseline cut at a wide space that is only a justified line's stretched word
    space: the lines just above and below are printed straight across that space, or the line's
    spaces are all stretched alike and it fills its column. A gap that the neighbouring lines leave
    open too (a column gutter, the gap between table cells) stays. Only the lines of the same
    stretch of the page count as neighbours: another column's lines may sit on other baselines."""
    if len(lines) < 2:
        return lines
    rows = baseline_rows(lines)
    spans = [(ln.x0, ln.x1, ln.top) for ln in lines if len(ln.words) > 1]
    tops = [min(ln.top for ln in row) for row in rows]
    bottoms = [max(ln.bottom for ln in row) for row in rows]
    joined: list[Line] = []
    read: list[list[Line]] = []  # the rows above as joined (a stretched line read as one is no row of cells)
    spread: set[int] = set()  # the lines joined from pieces
    for i, row in enumerate(rows):
        height = bottoms[i] - tops[i]
        # The lines a few lines up and down, for whether the column is prose. A row holds every
        # column's lines near one baseline, and columns need not share their baselines: a row
        # next to this one may reach into its height through another column's line, so the test
        # against this line's own height is made line by line (in ``beside``).
        apart = [j for j in range(max(0, i - 8), min(len(rows), i + 9)) if j != i and abs(bottoms[j] - bottoms[i]) <= 4.5 * height]
        around = [j for j in apart if abs(bottoms[j] - bottoms[i]) <= 2.2 * height]
        band = (0.0, 0.0)  # the height of the pieces tested

        def beside(j: int, lo: float, hi: float, size: float) -> list[Line]:  # row j's lines over lo..hi in this type
            return [
                ln for ln in (read[j] if j < i else rows[j])
                if ln.x0 < hi and ln.x1 > lo and abs(ln.size - size) <= 0.05 * size and not (ln.top < band[1] and band[0] < ln.bottom)
            ]

        def stretched(k: int, current: Line, piece: Line) -> bool:
            """Whether the gap before ``piece`` is a stretched word space; cheap tests first."""
            nonlocal band
            gap = piece.x0 - current.x1
            size = max(current.size, piece.size)
            if gap <= split_gap or abs(current.size - piece.size) > 0.1 * size:
                return False
            band = (min(current.top, piece.top), max(current.bottom, piece.bottom))
            near = [r for r in (beside(j, current.x0, piece.x1, size) for j in around) if r]
            if len(near) < 2:
                return False
            run = _run_around(row, k)
            # A justified line: its spaces all stretched alike, not much wider than an em, and it
            # spans its column as the lines around do (their pieces together). Narrow columns stretch
            # spaces far: beside a line of prose that fills the column, a space may be several ems wide.
            span = run[-1].x1 - _text_x0(run[0])  # (a note's number may hang out of its column)
            column_rows = [r for r in (beside(j, run[0].x0, run[-1].x1, size) for j in around) if r]
            widths = [max(ln.x1 for ln in r) - min(_text_x0(ln) for ln in r) for r in column_rows]
            prose = bool(widths) and any(
                len(r) == 1 and len(r[0].words) > 2 and r[0].x1 - r[0].x0 >= 0.95 * max(widths)
                for r in (beside(j, run[0].x0, run[-1].x1, size) for j in apart))
            # In prose, a run from a neighbour's start (a hanging indent) to the column's right edge
            # fills its column too, even of two words, unless the lines around leave the space open.
            pieces_around = [ln for r in column_rows for ln in r]
            starts = [run[0].x0] + [w.x0 for w in run[0].words[1:2]]  # (the text after a hanging marker)
            edges_fit = bool(pieces_around) and abs(run[-1].x1 - max(ln.x1 for ln in pieces_around)) <= 1.5 and any(
                abs(x - ln.x0) <= 1.5 for ln in pieces_around for x in starts
            )
            # (A line above already read as one stretched line leaves its own spaces open: a river.)
            cells_gap = any(_leaves_open(r, current.x1, piece.x0, aligned=True) for r in near if not any(id(ln) in spread for ln in r))
            justified = len(widths) >= 2 and gap <= (5.0 if prose else 1.6) * size and (
                (_evenly_spread(run, 2 if prose else 3) and 0.95 * max(widths) <= span <= 1.05 * max(widths))
                or (prose and edges_fit and _evenly_spread(run, 1) and not cells_gap)
            )
            if not justified:
                channel = _open_channel(near, current.x1, piece.x0)
                widest = max(max(ln.x1 for ln in r) - min(ln.x0 for ln in r) for r in near)
                running_text = not body_size or abs(size - body_size) <= 0.05 * body_size  # not a table
                if not (running_text and piece.x1 - current.x0 <= 1.05 * widest  # one column's width
                        and not cells_gap
                        and (channel < max(0.45 * size, 0.15 * gap) or (_evenly_spread(row) and channel < 0.6 * gap))):
                    return False
            # Gutters among the lines that share this stretch of the page, a dozen lines up or down (a
            # short column beside a full one, or a table above, is not a gutter of this text).
            gutters = empty_strips([(a, b) for a, b, top in spans
                                    if a < piece.x1 and b > current.x0 and abs(top - tops[i]) <= 12 * height], split_gap)
            return not any(a < piece.x0 and b > current.x1 for a, b in gutters)

        current = row[0]
        start = len(joined)
        for k, piece in enumerate(row[1:], start=1):
            if stretched(k, current, piece):
                current = Line(words=current.words + piece.words, page=current.page, bullet=current.bullet)
            else:
                joined.append(current)
                current = piece
        joined.append(current)
        read.append(joined[start:])
        spread.update(id(ln) for ln in read[-1] if all(ln is not p for p in row))
    return joined


def _smaller_than_neighbour(word: Word, words: list[Word], ratio: float, body_size: float) -> bool:
    """A marker candidate set small: against the page's body type, or against the word it touches
    (on a page of small type, a note call after a word of larger type)."""
    if word.size <= ratio * body_size:
        return True
    if word.size >= body_size:
        return False
    for other in words:
        if other is word or other.size * ratio < word.size:
            continue
        if other.top - word.size <= word.middle <= other.bottom and -1.0 <= word.x0 - other.x1 <= 2.5:
            return True
    return False


def _group_words(words: list[Word], split_gap: float, bridges: list[Word]) -> list[Line]:
    """Sweep words top-down; a word joins an open line on its baseline when the gap is small.

    ``bridges`` are marker words left out of the sweep: a gap they fill does not split a line.
    """
    lines: list[Line] = []
    open_lines: list[Line] = []
    for word in sorted(words, key=lambda w: (round(w.bottom, 0), w.x0)):
        host = None
        for line in open_lines:
            last = line.words[-1]
            tolerance = 0.3 * max(last.size, word.size)
            same_base = abs(last.bottom - word.bottom) <= tolerance or abs(last.middle - word.middle) <= tolerance
            gap = word.x0 - last.x1
            reach = max(split_gap, 0.6 * min(last.size, word.size))  # word spaces grow with the type
            if same_base and (-1.0 <= gap <= reach or (gap > 0 and _bridged(last, word, bridges, split_gap))):
                host = line
                break
        if host is None:
            host = Line(words=[word], page=word.page)
            lines.append(host)
            open_lines.append(host)
        else:
            host.words.append(word)
        open_lines = [ln for ln in open_lines if word.bottom - ln.words[-1].bottom <= 2 * word.size]
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
    return lines


def _bridged(left: Word, right: Word, bridges: list[Word], split_gap: float) -> bool:
    for b in bridges:
        if b.x0 >= left.x1 - 1 and b.x1 <= right.x0 + 1 and b.bottom > left.top and b.top < left.bottom:
            if b.x0 - left.x1 <= split_gap and right.x0 - b.x1 <= split_gap:
                return True
    return False


def _marker_host(word: Word, lines: list[Line], ratio: float) -> Line | None:
    """The line a small raised marker belongs to: it touches a word of that line, set larger. A
    call follows its word, so a line whose word ends where the marker starts wins over one whose
    first word the marker only stands before (the next column's line on about the same baseline);
    then the nearest."""
    best, best_key = None, None
    for line in lines:
        if not (line.top - word.size <= word.middle <= line.bottom):
            continue
        size = line.size
        if word.size > ratio * size or word.bottom > line.bottom - 0.15 * size:
            continue
        left = [abs(word.x0 - w.x1) for w in line.words if -1.0 <= word.x0 - w.x1 <= 2.5]
        # A note's own number may stand a hanging indent away from the note's first word.
        first = min(line.words, key=lambda w: w.x0)
        reach = 2.5 * size if word.x1 <= first.x0 else 2.5
        right = [abs(w.x0 - word.x1) for w in line.words if -1.0 <= w.x0 - word.x1 <= reach]
        if left or right:
            key = (0, min(left)) if left else (1, min(right))
            if best_key is None or key < best_key:
                best, best_key = line, key
    return best


def _pull_markers(line: Line, ratio: float) -> None:
    """Take small raised marker words out of the line text and remember where they stood."""
    size = line.size
    kept: list[Word] = []
    spaces: list[bool] = []
    markers: list[tuple[int, str]] = []
    length = 0
    prev_x1 = None
    for word in line.words:
        is_marker = (
            MARKER_RE.match(word.text)
            and word.size <= ratio * size
            and word.bottom <= line.bottom - 0.15 * size
        )
        if is_marker:
            markers.append((length, word.text))
        else:
            space = bool(kept) and (prev_x1 is None or word.x0 - prev_x1 > 0.15 * word.size)
            length += len(word.text) + (1 if space else 0)
            kept.append(word)
            spaces.append(space)
        prev_x1 = word.x1
    if kept:
        line.words = kept
        line.spaces = spaces
        line.markers = markers


def baseline_rows(items: list) -> list[list]:
    """Words or lines grouped by shared baseline, top to bottom, each row left to right."""
    rows: list[list] = []
    for item in sorted(items, key=lambda it: (it.bottom, it.x0)):
        if rows and abs(rows[-1][0].bottom - item.bottom) <= 0.35 * item.size:
            rows[-1].append(item)
        else:
            rows.append([item])
    for row in rows:
        row.sort(key=lambda it: it.x0)
    return rows


def split_markers(marker: str) -> list[str]:
    """"(12)" -> ["12"]; "[12]" -> ["12"]; "3,4" -> ["3", "4"]; "*" -> ["*"]."""
    return [m.strip("()[] ") for m in re.split(r"[,;]|\]\[", marker) if m.strip("()[] ")]


# "[3]" or "[3][4]" or "[3, 4]" at the end of a word, before closing punctuation.
BRACKET_MARKER_RE = re.compile(r"(?<=\S)((?:\[\d{1,3}(?:\s?[,;]\s?\d{1,3})*\])+)(?=[.,;:)\u2019\u201d'\"]*$)")


def pull_bracket_markers(line: Line, notes: set[str]) -> None:
    """Note calls printed in the body type as "[3]" leave the text when a note "3" exists,
    and become markers of the line like raised ones."""
    if not any("[" in w.text for w in line.words):
        return
    old = sorted(line.markers)
    markers: list[tuple[int, str]] = []
    removed = 0
    offset = 0
    for i, word in enumerate(line.words):
        space = 1 if i and (len(line.spaces) != len(line.words) or line.spaces[i]) else 0
        start = offset + space
        while old and old[0][0] <= start + removed:
            at, mark = old.pop(0)
            markers.append((at - removed, mark))
        match = BRACKET_MARKER_RE.search(word.text)
        if match and all(m in notes for m in split_markers(match.group(1))):
            word.text = word.text[: match.start()] + word.text[match.end() :]
            markers.append((start + match.start(), match.group(1)))
            removed += match.end() - match.start()
        offset = start + len(word.text)
    markers.extend((at - removed, mark) for at, mark in old)
    line.markers = markers


def digit_blind(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def find_running_lines(
    pages: list[list[Line]], heights: list[float], band: float, min_pages: int = 2
) -> tuple[set[int], dict[int, list[str]]]:
    """Lines repeated by position and digit-blind text in the margin bands, and lone page numbers.

    Returns the ids of those lines and, per page, the texts removed (kept for metadata).
    """
    keys: dict[tuple[str, int, str], set[int]] = defaultdict(set)
    margin: list[list[tuple[Line, tuple[str, int, str]]]] = []
    for pno, (lines, height) in enumerate(zip(pages, heights)):
        found = []
        for line in lines:
            zone = "top" if line.bottom <= band * height else "bottom" if line.top >= (1 - band) * height else ""
            if not zone:
                continue
            key = (zone, round(line.top / 4), digit_blind(line.text))
            keys[key].add(pno)
            found.append((line, key))
        margin.append(found)
    removed: set[int] = set()
    texts: dict[int, list[str]] = defaultdict(list)
    # A running text in its margin on a page set otherwise (a turned page) stands elsewhere.
    running = {(key[0], key[2]) for key, where in keys.items() if _runs_through(where, len(pages), min_pages)}
    for pno, found in enumerate(margin):
        if not found:
            continue
        lines = pages[pno]
        top_row = min(ln.top for ln in lines)
        bottom_row = max(ln.bottom for ln in lines)
        for line, key in found:
            if _has_neighbour(line, lines) or _stacked(line, lines):
                continue  # a piece of a stretched text line, or of a block of lines: not a head or foot
            outermost = line.top <= top_row + 3 or line.bottom >= bottom_row - 3
            repeated = (_runs_through(keys[key], len(pages), min_pages) or (outermost and (key[0], key[2]) in running)) and not (
                line.markers and line.markers[0][0] == 0
            )
            lone_number = bool(PAGE_NUMBER_RE.match(line.text.strip())) and outermost
            if outermost and is_print_stamp(line.text):
                removed.add(id(line))  # a browser's print stamp: not the document's, and its date is the printing's
            elif repeated or lone_number:
                removed.add(id(line))
                texts[pno].append(line.text)
    return removed, texts


def _has_neighbour(line: Line, lines: list[Line]) -> bool:
    """Another piece of text on the line's baseline within three type sizes of it."""
    size = line.size
    reach = 3 * size
    bottom = line.bottom
    return any(
        other is not line
        and abs(other.bottom - bottom) <= 0.3 * size
        and (0 <= line.x0 - other.x1 <= reach or 0 <= other.x0 - line.x1 <= reach)
        for other in lines
    )


def _stacked(line: Line, lines: list[Line]) -> bool:
    """A line set as close to the next or previous one as the lines of a paragraph or a table
    header are (running heads and feet stand apart from the text)."""
    return any(
        other is not line
        and other.x0 < line.x1 and other.x1 > line.x0
        and (0 <= other.top - line.bottom <= 0.35 * line.size or 0 <= line.top - other.bottom <= 0.35 * line.size)
        for other in lines
    )


def _runs_through(pages: set[int], n_pages: int, min_pages: int) -> bool:
    """Repeated like a running head: on many pages, or on consecutive ones (a section's own head)."""
    if len(pages) < min_pages:
        return False
    if len(pages) >= 0.3 * n_pages:
        return True
    ordered = sorted(pages)
    return any(b - a == 1 for a, b in zip(ordered, ordered[1:]))


# ---------------------------------------------------------------- reading order (XY-cut)


def reading_order(atoms: list[Atom], min_gutter: float, line_height: float) -> list[list[Atom]]:
    """Leaves of the XY-cut in reading order; each leaf's atoms sorted top-down, left-right."""
    leaves = _cut(atoms, min_gutter, line_height, atoms)
    return [sorted(leaf, key=lambda a: (round(a.top, 0), a.x0)) for leaf in leaves]


def empty_strips(spans: list[tuple[float, float]], min_gutter: float) -> list[tuple[float, float]]:
    """x-intervals that fewer than a third of the spans crossing the busiest place cross."""
    if len(spans) < 4:
        return []
    events = sorted([(x0, 1) for x0, _ in spans] + [(x1, -1) for _, x1 in spans])
    counts: list[tuple[float, int]] = []
    depth = 0
    for x, step in events:
        depth += step
        counts.append((x, depth))
    floor = 0.35 * max(d for _, d in counts)
    gutters: list[tuple[float, float]] = []
    start = None
    for (x, d), (nx, _) in zip(counts, counts[1:]):
        if d <= floor:
            start = x if start is None else start
            end = nx
            if end - start >= 0.5 * min_gutter and (not gutters or gutters[-1][0] != start):
                if gutters and gutters[-1][0] == start:
                    gutters[-1] = (start, end)
                else:
                    gutters.append((start, end))
        else:
            start = None
    merged: list[tuple[float, float]] = []
    for a, b in gutters:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _cut(atoms: list[Atom], min_gutter: float, line_height: float, context: list[Atom] | None = None) -> list[list[Atom]]:
    if len(atoms) <= 1:
        return [atoms] if atoms else []
    columns = _vertical_split(atoms, min_gutter, line_height, context)
    if columns:
        return [leaf for col in columns for leaf in _cut(col, min_gutter, line_height, context)]
    strips = _horizontal_split(atoms)
    if len(strips) <= 1:
        return [atoms]
    groups: list[list[Atom]] = [strips[0]]
    for i, strip in enumerate(strips[1:], start=1):
        union = groups[-1] + strip
        # The strips just below count too: a column's first line beside a heading that stands
        # lower is a column only with the lines that follow it.
        ahead = union + [a for later in strips[i + 1 : i + 4] for a in later]
        if _vertical_split(union, min_gutter, line_height, context) or (
            len(groups[-1]) > 1 and _vertical_split(ahead, min_gutter, line_height, context)
        ):
            groups[-1] = union
        else:
            groups.append(strip)
    if len(groups) == 1:
        return [atoms]
    return [leaf for group in groups for leaf in _cut(group, min_gutter, line_height, context)]


def _intervals(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


def _vertical_split(atoms: list[Atom], min_gutter: float, line_height: float, context: list[Atom] | None = None) -> list[list[Atom]]:
    """Split at the widest x-gap (at least ``min_gutter``) with real columns on both sides.

    A side counts as a column when it is taller than one line and wider than a few characters,
    so hanging note numbers or list labels never become a column of their own. In a region of
    a few lines the gap must also stay open in the lines of the page around it: the stretched
    spaces of a few justified lines that happen to line up (a river) do not.
    """
    covered = _intervals([(a.x0, a.x1) for a in atoms])
    gaps = [(nxt_lo - hi, hi, nxt_lo) for (_, hi), (nxt_lo, _) in zip(covered, covered[1:]) if nxt_lo - hi >= min_gutter]
    few = len({round(a.top) for a in atoms if a.kind == "line"}) < 6
    for _, lo, hi in sorted(gaps, reverse=True):
        if few and context is not None and _crossed_nearby(atoms, context, lo, hi, line_height):
            continue  # a river of a few justified lines, not a gutter
        left = [a for a in atoms if a.x1 <= lo + 0.5]
        right = [a for a in atoms if a.x0 >= hi - 0.5]
        if _is_column(left, line_height) and _is_column(right, line_height):
            return [left, right]
    return []


def _crossed_nearby(atoms: list[Atom], context: list[Atom], lo: float, hi: float, line_height: float) -> bool:
    """The page's lines just above and just below the region run straight across the gap from
    ``lo`` to ``hi``, as they do across a river of stretched spaces and never across a gutter."""
    top = min(a.top for a in atoms)
    bottom = max(a.bottom for a in atoms)
    inside = {id(a) for a in atoms}
    lines = [a for a in context if a.kind == "line" and id(a) not in inside]
    above = sorted((a for a in lines if a.bottom <= top + 1 and top - a.bottom <= 4 * line_height), key=lambda a: -a.bottom)[:3]
    below = sorted((a for a in lines if a.top >= bottom - 1 and a.top - bottom <= 4 * line_height), key=lambda a: a.top)[:3]

    def crossing(group: list[Atom]) -> int:
        return sum(1 for a in group if a.x0 < lo + 0.5 and a.x1 > hi - 0.5)

    return crossing(above) >= 2 and crossing(below) >= 2


def _is_column(atoms: list[Atom], line_height: float) -> bool:
    content = [a for a in atoms if a.kind != "rule"]
    if not content:
        return False
    width = max(a.x1 for a in content) - min(a.x0 for a in content)
    height = max(a.bottom for a in content) - min(a.top for a in content)
    tall = height >= 1.5 * line_height or len({round(a.top) for a in content}) >= 2
    return tall and width >= 4 * line_height


def _horizontal_split(atoms: list[Atom]) -> list[list[Atom]]:
    ordered = sorted(atoms, key=lambda a: a.top)
    strips: list[list[Atom]] = []
    bottom = None
    for atom in ordered:
        if bottom is None or atom.top > bottom + 0.5:
            strips.append([atom])
            bottom = atom.bottom
        else:
            strips[-1].append(atom)
            bottom = max(bottom, atom.bottom)
    return strips


def median_line_height(lines: list[Line]) -> float:
    heights = [ln.bottom - ln.top for ln in lines if ln.words]
    return statistics.median(heights) if heights else 10.0
