"""Lines in reading order into blocks, and blocks into passages: paragraphs rejoined across
column and page breaks, notes with their markers, headings with levels, front matter."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from pipeline.ingest.common import PassageDraft, push_heading, section_path, table_drafts
from pipeline.ingest.dates import date_line, dateline
from pipeline.ingest.dehyphen import Dehyphenator
from pipeline.ingest.pdf_layout import Atom, Line, pull_bracket_markers, split_markers
from pipeline.ingest.vocabulary import (
    BULLET_RE,
    NOTE_START_RE,
    NUMBERED_HEADING_RE,
    byline_re,
    is_notes_heading,
    is_references_heading,
)
from pipeline.records import SourceTable
from pipeline.settings import Settings

# A note marker set on the line after the full stop ("form.[13]", "form.(13)") still ends it.
_MARKER_TAIL = r"(?:\[\d{1,3}\]|\(\d{1,3}\))*"
TERMINAL_RE = re.compile(r"[.!?:;][\"'\u2019\u201d)\]]*" + _MARKER_TAIL + "$")
SENTENCE_END_RE = re.compile(r"[.!?][\"'\u2019\u201d)\]]*" + _MARKER_TAIL + "$")
BYLINE_RE = byline_re()


@dataclass
class Block:
    """Consecutive lines of one kind: a paragraph, heading, note, caption, or a table/box."""

    kind: str
    lines: list[Line] = field(default_factory=list)
    table: SourceTable | None = None
    marker: str = ""
    level: int = 0
    in_box: bool = False
    joins_previous: bool = False

    @property
    def page(self) -> int:
        return self.lines[0].page if self.lines else (self.table.page if self.table else 1)

    @property
    def page_end(self) -> int:
        return self.lines[-1].page if self.lines else (self.table.page_end if self.table else self.page)

    @property
    def words(self) -> int:
        return sum(len(ln.words) for ln in self.lines)

    @property
    def text(self) -> str:
        return " ".join(ln.text for ln in self.lines)


def build_blocks(ordered: list[Atom], tables: dict[int, SourceTable], body_size: float, captions: set[int], settings: Settings) -> list[Block]:
    blocks: list[Block] = []
    seen_tables: set[int] = set()
    lefts = _column_lefts([a.line for a in ordered if a.line is not None])
    note_seq = 0
    for atom in ordered:
        if atom.kind == "table":
            table = tables[id(atom.ref)]
            if id(table) not in seen_tables:
                seen_tables.add(id(table))
                blocks.append(Block("table", table=table))
            continue
        if atom.kind == "box":
            blocks.extend(_box_blocks(atom.lines, body_size))
            continue
        line = atom.line
        kind = "caption" if id(line) in captions else "body"
        note_marker = _note_marker(line, body_size, note_seq)
        if note_marker:
            note_seq = int(note_marker) if note_marker.isdigit() else note_seq
            blocks.append(Block("footnote", [line], marker=note_marker))
            continue
        prev = blocks[-1] if blocks else None
        if (
            kind == "body"
            and prev is not None
            and _after_table(blocks)
            and ((line.italic and not line.bold) or line.size < 0.95 * body_size)
            and not (prev.kind == "footnote" and _continues_block(prev, line, "body", body_size, lefts))
        ):
            # A note set under a table, perhaps at the top of the next page. (A line wholly in a
            # bold italic face at body size is a heading's, as LibreOffice sets a section heading.)
            kind = "caption"
        if prev is not None and prev.lines and prev.kind in ("body", "caption", "footnote") and not prev.in_box:
            if _continues_block(prev, line, kind, body_size, lefts):
                prev.lines.append(line)
                continue
        blocks.append(Block(kind, [line]))
    return blocks


def _after_table(blocks: list[Block]) -> bool:
    """The last block is a table, or a caption or note that follows one."""
    for block in reversed(blocks):
        if block.kind == "table":
            return True
        if block.kind not in ("caption", "footnote"):
            return False
    return False


def _box_blocks(lines: list[Line], body_size: float) -> list[Block]:
    """A box is its title (when set apart) and one passage holding all its text."""
    blocks = []
    if lines and len(lines) > 1 and (lines[0].bold or lines[0].size > 1.1 * lines[1].size) and len(lines[0].words) <= 8:
        blocks.append(Block("heading", [lines[0]], in_box=True))
        lines = lines[1:]
    if lines:
        blocks.append(Block("body", list(lines), in_box=True))
    return blocks


def _column_lefts(lines: list[Line]) -> Counter:
    return Counter((ln.page, round(ln.x0)) for ln in lines)


def _col_left(line: Line, lefts: Counter) -> float:
    """The left edge of the line's column: the leftmost common line start close to its left."""
    reach = 8 * line.size
    candidates = [
        x for (page, x), n in lefts.items() if page == line.page and n >= 3 and line.x0 - reach <= x <= line.x0 + 0.5
    ]
    return min(candidates) if candidates else line.x0


def _note_marker(line: Line, body_size: float, last: int) -> str:
    """The marker that opens a footnote line: a raised number, or "(n)"/"n"/"*" set small."""
    if line.size > 0.95 * body_size:
        return ""
    if line.markers and line.markers[0][0] == 0:
        return split_markers(line.markers[0][1])[0] if split_markers(line.markers[0][1]) else line.markers[0][1]
    match = NOTE_START_RE.match(line.text)
    if not match or date_line(line.text) or dateline(line.text):
        return ""  # "3 April 2023" is a date, not note 3
    token = match.group(1).strip("()[].")
    if token.isdigit():
        number = int(token)
        if not (number == last + 1 or (0 < number - last <= 3) or (last == 0 and number <= 3) or match.group(1).startswith("(")):
            return ""
    return token


def _continues_block(prev: Block, line: Line, kind: str, body_size: float, lefts: Counter) -> bool:
    last = prev.lines[-1]
    if kind != prev.kind and not (prev.kind == "footnote" and kind == "body"):
        return False
    if line.page != last.page or line.top < last.top - 1 or line.x0 > last.x1 or line.x1 < last.x0:
        return False  # a jump to another column or page: decided later
    if abs(line.size - last.size) > (0.05 if kind == "caption" else 0.1) * last.size:
        return False
    if line.bold != last.bold and (line.bold or last.bold) and kind == "body":
        if len(line.words) <= 12 or len(last.words) <= 12:
            return False
    gap = line.top - last.bottom
    if gap > 0.75 * line.size:
        return False
    if (
        len(prev.lines) == 1
        and len(last.words) <= 6
        and last.x1 - last.x0 < 0.6 * (line.x1 - line.x0)
        and not last.text.rstrip().endswith((",", ";", ":", "-", "\u2013"))
        and (line.italic != last.italic or abs(line.size - last.size) > 0.03 * last.size)
    ):
        return False  # a short line set apart by its style: a date or a name in a title block
    hang = {round(ln.x0) for ln in prev.lines[1:]}
    if len(hang) == 1 and line.x0 < min(hang) - 0.6 * line.size and (prev.lines[0].bullet or BULLET_RE.match(prev.lines[0].text)):
        return False  # a list item's lines hang under its text; a line further out starts anew
    last_short = last.x1 < max(ln.x1 for ln in prev.lines) - 2.5 * line.size
    if line.bullet:
        return False
    if BULLET_RE.match(line.text):
        # A dash that opens a line mid-sentence is punctuation, not a list bullet.
        mid_sentence = (
            not TERMINAL_RE.search(last.text)
            and not last_short
            and not BULLET_RE.match(prev.lines[0].text)
            and line.x0 >= last.x0 - 0.6 * line.size  # a list item hangs out to the left of the text above
        )
        if not mid_sentence:
            return False
    left = _col_left(line, lefts)
    indented = line.x0 - left > 0.6 * line.size and line.x0 - left < 8 * line.size
    if indented and line.x0 - last.x0 > 0.6 * line.size and (TERMINAL_RE.search(last.text) or last_short):
        return prev.kind == "footnote" or _hangs(prev, line)
    return True


def _hangs(prev: Block, line: Line) -> bool:
    """Hanging indent: the line lines up with the block's later lines, or with the text after
    the bullet or number that opens the block."""
    first = prev.lines[0]
    if len(prev.lines) >= 2:
        second = prev.lines[1]
        return second.x0 - first.x0 > 0.6 * line.size and abs(line.x0 - second.x0) < 2
    opener = first.words[0].text
    if len(first.words) > 1 and (BULLET_RE.match(opener + " ") or NOTE_START_RE.match(opener + " x")):
        return abs(line.x0 - first.words[1].x0) < 2
    return False


def mark_front_matter(blocks: list[Block], start_page: int, back_pages: set[int], body_size: float) -> None:
    """Pages before the title page and after the document's own running head are front matter,
    and so is the title block: everything on the title page before the first prose paragraph or
    the first heading that a paragraph follows (a by-line is never such a heading)."""
    content_started = False
    after_by = False
    title_size = max((ln.size for b in blocks if b.page == start_page for ln in b.lines), default=body_size)
    for i, block in enumerate(blocks):
        if block.page < start_page or block.page in back_pages:
            block.kind = "front_matter"
            continue
        if content_started or block.page > start_page:
            content_started = True
            continue
        if block.kind in ("table", "footnote"):
            continue
        following = next((b for b in blocks[i + 1 :] if b.kind not in ("footnote",) and b.lines), None)
        opens_section = (
            _heading_like(block, body_size, title_size)
            and following is not None
            and (_is_prose(following, body_size) or following.kind in ("table", "caption"))
            and not after_by
        )
        if _is_prose(block, body_size) or opens_section:
            content_started = True
            continue
        after_by = bool(BYLINE_RE.match(block.text))
        block.kind = "front_matter"


def _is_prose(block: Block, body_size: float) -> bool:
    """A paragraph: a long body block, or a shorter one that ends a sentence (a subtitle of a dozen
    words does not), set about the body size."""
    if block.kind != "body" or any(ln.size > 1.2 * body_size for ln in block.lines):
        return False
    return block.words >= 20 or (block.words >= 6 and bool(re.search(r"[.!?]$", block.text)))


def _heading_like(block: Block, body_size: float, title_size: float) -> bool:
    """Short, set apart by boldness or size, but smaller than the title."""
    if not block.lines or block.words > 18:
        return False
    size = max(ln.size for ln in block.lines)
    return size < 0.8 * title_size and (all(ln.bold for ln in block.lines) or size >= 1.12 * body_size)


def mark_headings(blocks: list[Block], body_size: float, settings: Settings) -> None:
    """Short blocks set larger or wholly bold become headings; levels from style and numbering."""
    candidates: list[Block] = []
    for i, block in enumerate(blocks):
        if block.kind not in ("body",) or not block.lines or block.in_box:
            if block.kind == "heading":
                candidates.append(block)
            continue
        size = max(ln.size for ln in block.lines)
        text = block.text
        short = block.words <= settings.heading_max_words and len(block.lines) <= 3
        larger = size >= settings.heading_size_ratio * body_size
        bold = all(ln.bold for ln in block.lines)
        numbered = bool(NUMBERED_HEADING_RE.match(text)) and text.split()[0].rstrip(".") and text.isupper()
        caps = text.isupper() and len(text) > 3
        if short and (larger or bold or (caps and numbered)) and not re.search(r"[.,;:]$", text):
            block.kind = "heading"
            candidates.append(block)
    rank = _style_ranks({_heading_style(b) for b in candidates})
    for block in candidates:
        match = NUMBERED_HEADING_RE.match(block.text)
        if match and match.group(1):
            block.level = match.group(1).count(".") + 1
        else:
            block.level = min(rank[_heading_style(block)], 6)


def _style_ranks(styles: set[tuple[float, bool, bool, bool]]) -> dict:
    """Rank heading styles: size tiers (sizes within 15% share a tier), then caps, bold, upright."""
    tiers: list[float] = []
    for size in sorted({s[0] for s in styles}, reverse=True):
        if not tiers or size < 0.85 * tiers[-1]:
            tiers.append(size)
    def tier(size: float) -> int:
        return max(i for i, top in enumerate(tiers) if size <= top + 0.01)
    ordered = sorted(styles, key=lambda s: (tier(s[0]), not s[3], not s[1], s[2], -s[0]))
    return {style: i + 1 for i, style in enumerate(ordered)}


def _heading_style(block: Block) -> tuple[float, bool, bool, bool]:
    line = block.lines[0]
    return (round(line.size * 2) / 2, line.bold, line.italic, line.text.isupper())


def join_across_breaks(blocks: list[Block], body_size: float) -> None:
    """A paragraph cut by a column or page break becomes one block again."""
    indent_style = _indent_style(blocks)
    rights = _column_rights(blocks) if _justified(blocks) else None
    last_body: Block | None = None
    last_caption: Block | None = None
    last_note: Block | None = None
    for block in blocks:
        if last_caption is not None and block.kind in ("body", "caption") and not block.in_box:
            if _caption_runs_on(last_caption, block):
                last_caption.lines.extend(block.lines)
                block.lines = []
                continue
        if block.kind == "footnote":
            last_note = block
        elif block.kind == "heading":
            last_note = None
        elif last_note is not None and block.kind == "body" and block.lines and not block.in_box:
            if _note_runs_on(last_note, block, body_size):
                last_note.lines.extend(block.lines)
                block.lines = []
                continue
        if block.kind == "caption":
            last_caption = block
        elif block.kind not in ("footnote",):
            last_caption = None
        if block.kind == "body" and not block.in_box:
            if last_body is not None and _is_continuation(last_body, block, indent_style, rights):
                block.joins_previous = True
                last_body.lines.extend(block.lines)
                block.lines = []
                continue
            last_body = block
        elif block.kind in ("heading", "front_matter", "table") or block.in_box:
            last_body = None


def _note_runs_on(note: Block, block: Block, body_size: float) -> bool:
    """A note cut by a column or page break goes on, in the notes' type and with no marker of its
    own, at the top of the next column or page, from a line that does not end a sentence."""
    last, first = note.lines[-1], block.lines[0]
    jumped = first.page != last.page or first.top < last.top - 1 or first.x0 > last.x1  # notes foot each column
    if not jumped or first.size > 0.95 * body_size or abs(first.size - last.size) > 0.05 * last.size:
        return False
    if first.markers and first.markers[0][0] == 0:
        return False
    return not TERMINAL_RE.search(last.text) or last.text.endswith("-") or first.text[:1].islower()


def _caption_runs_on(prev: Block, block: Block) -> bool:
    """A table note cut by a page or column break goes on in the same type at the top of the next."""
    last, first = prev.lines[-1], block.lines[0]
    jumped = first.page != last.page or first.top < last.top - 1
    if not jumped or (SENTENCE_END_RE.search(last.text) and not first.text[:1].islower()):
        return False
    return abs(first.size - last.size) <= 0.05 * last.size and first.italic == last.italic and first.bold == last.bold


def _indent_style(blocks: list[Block]) -> bool:
    firsts = [b for b in blocks if b.kind == "body" and len(b.lines) >= 2]
    indented = sum(1 for b in firsts if b.lines[0].x0 - b.lines[1].x0 > 0.6 * b.lines[0].size)
    return bool(firsts) and indented >= 0.3 * len(firsts)


def _is_continuation(prev: Block, block: Block, indent_style: bool, rights: dict | None = None) -> bool:
    """The block at the top of the next column or page carries on ``prev``: the last line does
    not end a sentence, or (indented layouts) the block opens without an indent, or (justified
    layouts) the last line runs to the column's right edge, as a paragraph's last line does not."""
    last = prev.lines[-1]
    first = block.lines[0]
    jumped = first.page != last.page or first.top < last.top - 1
    if not jumped or first.bullet or BULLET_RE.match(first.text):
        return False
    if abs(first.size - last.size) > 0.1 * last.size:
        return False
    if not TERMINAL_RE.search(last.text) or last.text.endswith("-") or first.text[:1].islower():
        return True
    if indent_style and len(block.lines) > 1:
        return not (first.x0 - block.lines[1].x0 > 0.6 * first.size)
    if rights is not None and not indent_style:
        right = rights.get((last.page, round(last.x0 / 3)))
        return right is not None and last.x1 >= right - 1.5 and last.x1 - last.x0 > 0.6 * (right - last.x0)
    return False


def _justified(blocks: list[Block]) -> bool:
    """Most lines of paragraphs, their last lines aside, end flush at one right edge."""
    checked = flush = 0
    for b in blocks:
        if b.kind != "body" or b.in_box or len(b.lines) < 3:
            continue
        right = max(ln.x1 for ln in b.lines[:-1])
        for ln in b.lines[:-1]:
            checked += 1
            flush += right - ln.x1 <= 1.5
    return checked >= 10 and flush >= 0.85 * checked


def _column_rights(blocks: list[Block]) -> dict[tuple[int, int], float]:
    """The right edge of the text column each body line starts in, by page and left edge."""
    rights: dict[tuple[int, int], float] = {}
    for b in blocks:
        if b.kind != "body" or b.in_box:
            continue
        for ln in b.lines:
            key = (ln.page, round(ln.x0 / 3))
            rights[key] = max(rights.get(key, 0.0), ln.x1)
    return rights


def link_bracket_markers(blocks: list[Block]) -> None:
    """Calls printed as "[3]" in the text become note markers when the document has a note 3."""
    notes = {b.marker for b in blocks if b.kind == "footnote" and b.marker}
    if not notes:
        return
    for block in blocks:
        if block.kind not in ("front_matter", "table"):
            for line in block.lines[1:] if block.kind == "footnote" else block.lines:
                pull_bracket_markers(line, notes)


def blocks_to_drafts(blocks: list[Block], dehyphen: Dehyphenator) -> list[PassageDraft]:
    drafts: list[PassageDraft] = []
    stack: list[tuple[int, str]] = []
    in_references = False
    box_title = ""
    for block in blocks:
        if block.kind == "table":
            drafts.extend(table_drafts(block.table, section_path(stack)))
            continue
        if not block.lines:
            continue
        if not block.in_box:
            box_title = ""
        elif block.kind == "heading":
            box_title = block.text
        text = _join_lines(block.lines, dehyphen, keep_breaks=block.in_box)
        raw = "\n".join(ln.raw_text for ln in block.lines)
        refs = [m for ln in block.lines for _, marker in ln.markers for m in split_markers(marker)]
        kind = block.kind
        if kind == "heading" and not block.in_box:
            in_references = is_references_heading(text) or is_notes_heading(text)
            push_heading(stack, block.level or 1, text)
        marker = ""
        if kind == "footnote":
            marker = block.marker
            text = NOTE_START_RE.sub("", text, count=1) if not (block.lines[0].markers and block.lines[0].markers[0][0] == 0) else text
            refs = [m for ln in block.lines[1:] for _, mk in ln.markers for m in split_markers(mk)]
        elif kind == "body" and in_references:
            kind = "reference"
        box = block.lines[0].bbox()
        drafts.append(
            PassageDraft(
                kind=kind,
                text=text,
                raw_text=raw,
                page=block.page,
                page_end=block.page_end,
                section=box_title if block.in_box and box_title else section_path(stack),
                marker=marker,
                note_refs=refs,
                bbox=box,
            )
        )
    return drafts


def _join_lines(lines: list[Line], dehyphen: Dehyphenator, keep_breaks: bool) -> str:
    """Lines of one passage as text; in boxes, bullet items keep their own lines."""
    text = ""
    for line in lines:
        piece = line.text
        if keep_breaks and text and (line.bullet or BULLET_RE.match(piece)):
            text += "\n" + piece
        else:
            text = dehyphen.join(text, piece)
    return text
