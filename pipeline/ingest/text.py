"""Plain-text files into text blocks: blank-line paragraphs, numbered, capitalised or underlined
headings, bulleted and numbered lists, notes under a Notes heading, and tables aligned by
spaces or tabs. Text exported from Markdown or HTML is made plain first."""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

from pipeline.ingest.dates import date_line
from pipeline.ingest.dehyphen import Dehyphenator
from pipeline.ingest.textdoc import ParsedText, TextBlock, source_table, split_note_line, take_markers
from pipeline.ingest.vocabulary import BULLETS, NUMBERED_HEADING_RE, caption_re, is_notes_heading
from pipeline.records import SourceTable
from pipeline.vocab.textnorm import squash_whitespace

_HEADING_MAX_WORDS = 12
_TXT_REF = re.compile(r"(?<=\S)[ \t]*(?:\[(\d{1,3})\]|\^(\d{1,3})|([⁰¹²³⁴⁵⁶⁷⁸⁹]+))")
_BULLET = re.compile(rf"^\s*[{re.escape(BULLETS)}]\s+(?=\S)")
_NUMBERED_ITEM = re.compile(r"^\s*(?:\[\d{1,3}\]|\(?(?:\d{1,3}|[a-z])[.)])\s+(?=\S)")
_RULE = re.compile(r"^\s*(?:[-=_*]\s*){3,}$")
_UNDERLINE = re.compile(r"^\s*(?:={3,}|-{3,})\s*$")
_TABLE_RULE = re.compile(r"^[\s|+:]*[-=]{3,}[-=\s|+:]*$")

_COLUMN_GAP = re.compile(r" *\t[ \t]*| {2,}")


_SUP_MARKER = re.compile(r"<sup>\s*\\?([0-9]{1,3}|\*)\s*</sup>", re.I)
_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+", re.M)
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_SUPERSCRIPT = str.maketrans("0123456789", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def _plain_markup(text: str) -> str:
    """Plain text exported from Markdown or HTML, made plain: heading hashes, emphasis and tags
    go; a <sup>3</sup> note call becomes a superscript marker that the reader links."""
    text = _SUP_MARKER.sub(lambda m: m.group(1).translate(_SUPERSCRIPT) if m.group(1) != "*" else "", text)
    text = _TAG.sub("", text)
    text = _MD_HEADING.sub("", text)
    return _MD_EMPHASIS.sub(lambda m: m.group(2) or m.group(3), text)


def parse_text(text: str) -> ParsedText:
    """Blocks of a plain-text file."""
    text = _plain_markup(text)
    reader = _TextReader(Dehyphenator(text))
    for chunk in _chunks(text.split("\n")):
        reader.read_chunk(chunk)
    return ParsedText(reader.blocks)


def _chunks(lines: list[str]) -> list[list[str]]:
    """Runs of non-blank lines; a line underlined with === or --- becomes a chunk of its own."""
    chunks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if not line.strip():
            if current:
                chunks.append(current)
            current = []
        elif current and _UNDERLINE.match(line) and not _COLUMN_GAP.search(current[-1].strip()):
            if len(current) > 1:
                chunks.append(current[:-1])
            chunks.append([current[-1], line])
            current = []
        else:
            current.append(line)
    if current:
        chunks.append(current)
    return chunks


def _join_lines(lines: list[str], dehyphen: Dehyphenator) -> str:
    """Wrapped lines joined with spaces; a word hyphenated at a line end is joined back."""
    return dehyphen.join_all([line.strip() for line in lines])


def _grouped(lines: list[str], starts: Callable[[str, str], object]) -> list[list[str]]:
    """Lines grouped so that each group opens where ``starts(previous_line, line)`` holds (or at the first line)."""
    groups: list[list[str]] = []
    for previous, line in pairwise(["", *lines]):
        if not groups or starts(previous, line):
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups


def _starts_bullet(previous: str, line: str) -> bool:
    """Whether ``line`` opens a bulleted item."""
    return bool(_BULLET.match(line))


def _starts_numbered_item(previous: str, line: str) -> bool:
    """Whether ``line`` opens a numbered item; after a line ending mid-sentence it is only a wrapped line."""
    return bool(_NUMBERED_ITEM.match(line)) and (not previous or previous.rstrip().endswith((".", ":", ";")))


def _starts_note(previous: str, line: str) -> bool:
    """Whether ``line`` opens a note ("[3] ", "3. ")."""
    return bool(split_note_line(line.strip())[0])


def _text_heading(lines: list[str]) -> tuple[int, str] | None:
    """Level and text if a chunk is a heading: underlined, or a short numbered or ALL-CAPS line."""
    text = squash_whitespace(lines[0])
    match = NUMBERED_HEADING_RE.match(text)
    capital = match is not None and text[match.end() : match.end() + 1].isupper()  # "2 Partners", not "2 of them"
    number = match if capital and match.group("num") else None
    roman = capital and bool(match.group("roman"))
    # A numbered heading takes its level from the numbering even when it is also underlined.
    if len(lines) == 2 and _UNDERLINE.match(lines[1]):
        underline_level = 1 if "=" in lines[1] else 2
        return (len(number.group("num").split(".")) if number else underline_level), text
    if len(lines) != 1 or len(text.split()) > _HEADING_MAX_WORDS or text.endswith("."):
        return None
    if _BULLET.match(text) or date_line(text) or caption_re().match(text):
        return None
    if number:
        return len(number.group("num").split(".")), text
    letters = [c for c in text if c.isalpha()]
    if roman or (len(letters) >= 2 and all(c.isupper() for c in letters)):
        return 1, text
    return None


def _whitespace_table(lines: list[str]) -> SourceTable | None:
    """A table if 3+ lines each hold 2+ gaps (2+ spaces or tabs) and the columns line up, or if
    every line is cut by tabs."""
    lines = [line for line in lines if not _TABLE_RULE.match(line)]
    tabbed = _tab_rows(lines)
    if tabbed:
        header, body = _tab_header(tabbed)
        return source_table(header, body, "whitespace")
    if len(lines) < 3 or not all(len(_COLUMN_GAP.findall(line.strip())) >= 2 for line in lines):
        return None
    rows = _aligned_rows(lines)
    return source_table([rows[0]], rows[1:], "whitespace") if rows else None


def _tab_rows(lines: list[str]) -> list[list[str]]:
    """Cells of tab-separated lines (each tab ends a cell, so empty cells stay), padded to one width."""
    if len(lines) < 2 or not all("\t" in line for line in lines):
        return []
    rows = [[cell.strip() for cell in line.rstrip("\n").split("\t")] for line in lines]
    width = max(len(row) for row in rows)
    if width < 2:
        return []
    rows = [row + [""] * (width - len(row)) for row in rows]
    keep = [c for c in range(width) if any(row[c] for row in rows)]
    return [[row[c] for c in keep] for row in rows]


def _tab_header(rows: list[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """Header rows are the leading rows with an empty first cell (or the first row); in a header
    row an empty cell after a filled one belongs to it (a group header over several columns)."""
    count = 0
    while count < len(rows) - 1 and not rows[count][0]:
        count += 1
    count = count or 1
    header = [list(row) for row in rows[:count]]
    if count > 1:
        for row in header[:-1]:
            for c in range(2, len(row)):
                if not row[c] and row[c - 1]:
                    row[c] = row[c - 1]
    return header, rows[count:]


def _aligned_rows(lines: list[str]) -> list[list[str]]:
    """Cells of lines cut at the gaps of 2+ spaces that all lines share, if that makes 3+ columns."""
    rows = [line.expandtabs(8).rstrip() for line in lines]
    width = max(len(row) for row in rows)
    blank = [all(i >= len(row) or row[i] == " " for row in rows) for i in range(width)]
    cuts: list[tuple[int, int]] = []  # (start, end) of each shared gap between columns
    gap_start = None
    for i, is_blank in enumerate([*blank, False]):
        if is_blank and gap_start is None:
            gap_start = i
        elif not is_blank and gap_start is not None:
            if gap_start > 0 and i < width and i - gap_start >= 2:
                cuts.append((gap_start, i))
            gap_start = None
    if len(cuts) < 2:
        return []
    starts = [0, *(end for _, end in cuts)]
    ends = [*(start for start, _ in cuts), width]
    return [[row[a:b].strip() for a, b in zip(starts, ends, strict=True)] for row in rows]


class _TextReader:
    """Classifies the chunks of a plain-text file into blocks, remembering if it is in a Notes section."""

    def __init__(self, dehyphen: Dehyphenator) -> None:
        self.dehyphen = dehyphen
        self.blocks: list[TextBlock] = []
        self.in_notes = False

    def read_chunk(self, lines: list[str]) -> None:
        """Add the block(s) of one chunk of non-blank lines."""
        if all(_RULE.match(line) for line in lines):
            return
        if self.in_notes and _starts_note("", lines[0]):
            self._notes(lines)
        elif heading := _text_heading(lines):
            self._heading(*heading, raw="\n".join(lines))
        elif tables := self._tables(lines):
            self.blocks.extend(tables)
        elif any(_BULLET.match(line) for line in lines):
            self._items(lines)
        elif any(_starts_numbered_item(previous, line) for previous, line in pairwise(["", *lines])):
            self._numbered_items(lines)
        else:
            self._add("body", lines, lines)

    def _heading(self, level: int, text: str, raw: str) -> None:
        """A heading block; a "Notes" heading starts the section whose numbered lines are notes."""
        text, refs = take_markers(text, _TXT_REF)
        self.blocks.append(TextBlock("heading", text=text, level=level, note_refs=refs, raw=raw))
        self.in_notes = is_notes_heading(text)

    def _tables(self, lines: list[str]) -> list[TextBlock]:
        """A whitespace table, with a "Table 3 ..." line right above it split off as its own block."""
        table = _whitespace_table(lines)
        if table:
            return [TextBlock("table", table=table)]
        table = _whitespace_table(lines[1:]) if caption_re().match(lines[0].strip()) else None
        if table:
            return [TextBlock("body", text=squash_whitespace(lines[0]), raw=lines[0]), TextBlock("table", table=table)]
        return []

    def _items(self, lines: list[str]) -> None:
        """One body block per bulleted item; lines before the first bullet form a paragraph."""
        for group in _grouped(lines, _starts_bullet):
            bullet = _BULLET.match(group[0])
            first = group[0][bullet.end() :] if bullet else group[0]
            self._add("body", [first, *group[1:]], group, list_item=bool(bullet))

    def _numbered_items(self, lines: list[str]) -> None:
        """One body block per numbered item ("[3] ", "2. ", "(a) "), number kept; lines before them form a paragraph."""
        for group in _grouped(lines, _starts_numbered_item):
            self._add("body", group, group, list_item=bool(_NUMBERED_ITEM.match(group[0])))

    def _notes(self, lines: list[str]) -> None:
        """One footnote per line opening with a marker, continuation lines appended."""
        for group in _grouped(lines, _starts_note):
            marker, first = split_note_line(group[0].strip())
            self._add("footnote", [first, *group[1:]], group, marker=marker)

    def _add(self, kind: str, lines: list[str], raw: list[str], marker: str = "", list_item: bool = False) -> None:
        """A block from wrapped lines, with its note markers taken out of the text."""
        text, refs = take_markers(_join_lines(lines, self.dehyphen), _TXT_REF)
        self.blocks.append(
            TextBlock(kind, text=text, marker=marker, note_refs=refs, raw="\n".join(raw), list_item=list_item)
        )
