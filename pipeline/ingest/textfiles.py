"""Readers for plain-text, Markdown and HTML files.

Each format is first read into a flat list of ``_Block``s (headings with levels, paragraphs, list
items, footnotes, tables, captions). One shared pass then decides what no single format can: the
title block, table captions, heading paths and reference-list entries, and turns the blocks into
``PassageDraft``s for ``common.finalize``.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, PreformattedString, Tag
from markdown_it import MarkdownIt
from markdown_it.token import Token

from pipeline.ingest.common import PassageDraft, finalize, push_heading, section_path, table_drafts
from pipeline.ingest.dates import date_line as _date_line
from pipeline.ingest.dates import normalize_date
from pipeline.ingest.dehyphen import Dehyphenator
from pipeline.ingest.errors import IngestError
from pipeline.records import Document, IngestResult, SourceTable
from pipeline.settings import Settings
from pipeline.textnorm import squash_whitespace

FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}

# The title block is looked for only among the first blocks, so a short line deep in a text never is.
_FRONT_MAX_BLOCKS = 8
_FRONT_MAX_WORDS = 15
_HEADING_MAX_WORDS = 12

_SECTION_NUMBER = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVXLC]+\.)\s")
_REFERENCES_HEADING = re.compile(
    r"^(?:[\dIVXLC]+(?:\.\d+)*\.?\s+)?(?:references|bibliography|sources|works cited)\s*:?$", re.I
)
_NOTES_HEADING = re.compile(r"^(?:[\dIVXLC]+(?:\.\d+)*\.?\s+)?(?:notes|footnotes|endnotes)\s*:?$", re.I)
_CAPTION = re.compile(r"^(?:table|figure|fig\.|chart|box|map)\s+[A-Z]?\d+(?:\.\d+)*[a-z]?\b", re.I)
_BYLINE = re.compile(r"^(?:by|authors?:?|prepared by|written by)\s+[A-Z]", re.I)
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
# A line that is a note: "[3] text", "^3 text", "³ text" or "3. text".
_NOTE_LINE = re.compile(r"^\s*(?:\[(\d{1,3}|\*)\]|\^(\d{1,3})|([⁰¹²³⁴⁵⁶⁷⁸⁹]+)|(\d{1,3})[.)])\s+(?P<text>\S.*)$", re.S)


@dataclass
class _Block:
    """A unit of a file before its section, title-block status and caption role are known."""

    kind: str  # heading, body, footnote, table or caption
    text: str = ""
    level: int = 0
    marker: str = ""
    note_refs: list[str] = field(default_factory=list)
    raw: str = ""
    list_item: bool = False
    table: SourceTable | None = None
    row_refs: dict[int, list[str]] = field(default_factory=dict)  # table row (-1: header) -> markers


@dataclass
class _Parsed:
    """The blocks of one file, with the title and date its metadata declares."""

    blocks: list[_Block]
    title: str = ""
    pub_date: str = ""


def read_text_document(path: Path, doc_id: str, settings: Settings) -> IngestResult:
    """Read a .txt, .md or .html file into a document with its passages and tables."""
    # ``settings`` keeps the signature of the PDF reader; none of its knobs applies to text files.
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise IngestError(f"{path.name}: unsupported file type {path.suffix or '(no suffix)'}")
    data = _read_bytes(path)
    text, encoding = _decode(data, path.name)
    if not text.strip():
        raise IngestError(f"{path.name}: file holds only whitespace")
    parsed = _PARSERS[fmt](text)
    drafts, block_title = _assemble(parsed.blocks)
    passages, tables = finalize(doc_id, drafts)
    if not passages:
        raise IngestError(f"{path.name}: no text found")
    document = Document(
        doc_id=doc_id,
        source=path.name,
        title=squash_whitespace(parsed.title) or squash_whitespace(block_title) or path.stem,
        pub_date=parsed.pub_date or _date_from_blocks(parsed.blocks),
        pages=1,
        status="ok",
        path=str(path),
        format=fmt,
        warnings=[] if encoding == "utf-8" else [f"decoded as {encoding}"],
    )
    return IngestResult(document, passages, tables)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes; a missing, unreadable or empty file raises IngestError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path.name}: cannot read file ({exc.strerror or exc})") from exc
    if not data:
        raise IngestError(f"{path.name}: file is empty")
    return data


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """Text with \\n line ends and the encoding used: UTF-16 if marked so, else UTF-8, else cp1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        attempts = [("utf-16", "utf-16")]
    else:
        attempts = [("utf-8-sig", "utf-8"), ("cp1252", "cp1252")]
    for codec, label in attempts:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        return text.replace("\r\n", "\n").replace("\r", "\n"), label
    raise IngestError(f"{name}: cannot decode as {' or '.join(label for _, label in attempts)}")


# --- shared assembly -------------------------------------------------------------------------


def _assemble(blocks: list[_Block]) -> tuple[list[PassageDraft], str]:
    """Drafts in reading order with sections and final kinds, and the title found in the title block."""
    _mark_captions(blocks)
    count, title = _front_matter(blocks)
    drafts = [_draft(block, "front_matter", "") for block in blocks[:count]]
    stack: list[tuple[int, str]] = []
    for block in blocks[count:]:
        drafts.extend(_block_drafts(block, stack))
    return drafts, title


def _draft(block: _Block, kind: str, section: str) -> PassageDraft:
    """A draft carrying a block's text, marker and note references."""
    return PassageDraft(
        kind=kind, text=block.text, section=section, raw_text=block.raw, marker=block.marker, note_refs=block.note_refs
    )


def _block_drafts(block: _Block, stack: list[tuple[int, str]]) -> list[PassageDraft]:
    """The drafts of one block; a heading first moves the heading stack."""
    if block.kind == "heading":
        push_heading(stack, block.level, block.text)
        return [_draft(block, "heading", section_path(stack))]
    section = section_path(stack)
    if block.kind == "table" and block.table is not None:
        drafts = table_drafts(block.table, section)
        for draft in drafts:
            draft.note_refs = block.row_refs.get(draft.table_row, [])
        return drafts
    if block.kind == "body" and any(_REFERENCES_HEADING.match(title) for _, title in stack):
        return [_draft(block, "reference", section)]
    return [_draft(block, block.kind, section)]


def _front_matter(blocks: list[_Block]) -> tuple[int, str]:
    """How many leading blocks form the title block, and its title (level-1 heading, else first plain line)."""
    heading_title = ""
    count = 0
    for block in blocks[:_FRONT_MAX_BLOCKS]:
        if block.kind == "heading" and not heading_title and _is_title_heading(block):
            heading_title = block.text
        elif not _is_front_line(block):
            break
        count += 1
    lines = [b.text for b in blocks[:count] if b.kind == "body" and not _has_date_line(b) and not _BYLINE.match(b.text)]
    return count, heading_title or (lines[0] if lines else "")


def _is_title_heading(block: _Block) -> bool:
    """Whether a heading can be the document title: level 1, unnumbered, not a notes or references heading."""
    text = block.text
    if block.level != 1 or _SECTION_NUMBER.match(text):
        return False
    return not (_REFERENCES_HEADING.match(text) or _NOTES_HEADING.match(text))


def _is_front_line(block: _Block) -> bool:
    """Whether a block reads as a title-block line: a date, a by-line or a short unpunctuated line."""
    if block.kind != "body" or block.list_item:
        return False
    text = block.text
    short = len(text.split()) <= _FRONT_MAX_WORDS and not text.endswith((".", "!", "?", ":", ";"))
    return short or _has_date_line(block) or bool(_BYLINE.match(text))


def _mark_captions(blocks: list[_Block]) -> None:
    """Give each table without a caption the "Table 3 ..." block just before, else just after, it."""
    used: set[int] = set()
    for i, block in enumerate(blocks):
        if block.table is None or block.table.caption:
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(blocks) and j not in used and _is_caption(blocks[j]):
                blocks[j].kind = "caption"
                block.table.caption = blocks[j].text
                used.add(j)
                break


def _is_caption(block: _Block) -> bool:
    """Whether a block can caption a neighbouring table."""
    if block.kind == "caption":
        return True
    return block.kind == "body" and not block.list_item and bool(_CAPTION.match(block.text))


def _source_table(header: list[list[str]], rows: list[list[str]], method: str, caption: str = "") -> SourceTable:
    """A one-page SourceTable; ``finalize`` fills in its doc_id and table_id."""
    return SourceTable(
        doc_id="",
        table_id="",
        page=1,
        page_end=1,
        caption=caption,
        header=header,
        rows=rows,
        row_pages=[1] * len(rows),
        method=method,
    )


def _take_markers(text: str, pattern: re.Pattern[str]) -> tuple[str, list[str]]:
    """Text with its note markers (and the spaces before them) removed, and the markers in order."""
    markers: list[str] = []

    def drop(match: re.Match[str]) -> str:
        markers.append(next(group for group in match.groups() if group).translate(_SUPERSCRIPTS))
        return ""

    return pattern.sub(drop, text), markers


def _split_note_line(text: str) -> tuple[str, str]:
    """The marker opening a note line ("[3] ", "^3 ", "³ ", "3. ") and the text after it."""
    match = _NOTE_LINE.match(text)
    if not match:
        return "", text
    marker = next(group for group in match.groups()[:4] if group)
    return marker.translate(_SUPERSCRIPTS), match.group("text")


def _squash_lines(text: str) -> str:
    """Whitespace squashed within each line; empty lines dropped."""
    return "\n".join(line for line in map(squash_whitespace, text.split("\n")) if line)


def _block_lines(block: _Block) -> list[str]:
    """The lines of a block's text and of its raw source."""
    return f"{block.text}\n{block.raw}".split("\n")


def _has_date_line(block: _Block) -> bool:
    """Whether one of the block's lines is a date line."""
    return any(_date_line(line) for line in _block_lines(block))


def _date_from_blocks(blocks: list[_Block]) -> str:
    """The date of the first date line among the first blocks, or ""."""
    for block in blocks[:_FRONT_MAX_BLOCKS]:
        if block.kind == "table":
            continue
        for line in _block_lines(block):
            iso = _date_line(line)
            if iso:
                return iso
    return ""


# --- Markdown ----------------------------------------------------------------------------------

_MD_REF = re.compile(r"(?<=\S)[ \t]*\[\^([^\]\s]+)\]")
_MD_NOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:[ \t]?(.*)$")
# A note definition is swapped for this placeholder paragraph so that it keeps its place.
_NOTE_SLOT = re.compile(r"^\ue000(\d+)\ue000$")
_YAML = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_YAML_FIELD = re.compile(r"^(title|date)[ \t]*:[ \t]*(.+?)[ \t]*$", re.M | re.I)
_BR = re.compile(r"^<br\s*/?>$", re.I)


def _parse_markdown(text: str) -> _Parsed:
    """Blocks of a Markdown file, with title and date from its YAML front matter."""
    meta, text = _split_yaml(text)
    text, notes = _lift_md_notes(text)
    md = MarkdownIt("commonmark").enable("table")
    reader = _MarkdownReader(md, notes)
    reader.read(md.parse(text))
    return _Parsed(reader.blocks, title=meta.get("title", ""), pub_date=normalize_date(meta.get("date", "")))


def _split_yaml(text: str) -> tuple[dict[str, str], str]:
    """The title and date of YAML front matter, and the text after it."""
    match = _YAML.match(text)
    if not match:
        return {}, text
    meta = {key.lower(): value.strip("'\"") for key, value in _YAML_FIELD.findall(match.group(1))}
    return meta, text[match.end() :]


def _lift_md_notes(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Swap each "[^3]: ..." definition for a placeholder paragraph; return (marker, text) of each."""
    lines = text.split("\n")
    out: list[str] = []
    notes: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        match = _MD_NOTE_DEF.match(lines[i])
        i += 1
        if not match:
            out.append(lines[i - 1])
            continue
        body = [match.group(2)]
        while i < len(lines) and _continues_note(lines, i):
            body.append(lines[i])
            i += 1
        notes.append((match.group(1), squash_whitespace(" ".join(body))))
        out.extend(["", f"\ue000{len(notes) - 1}\ue000", ""])
    return "\n".join(out), notes


def _continues_note(lines: list[str], i: int) -> bool:
    """Whether line ``i`` still belongs to the note definition above it."""
    line = lines[i]
    if _MD_NOTE_DEF.match(line):
        return False
    if line.strip():
        return line[:1] in (" ", "\t") or bool(lines[i - 1].strip())
    return i + 1 < len(lines) and lines[i + 1][:1] in (" ", "\t") and bool(lines[i + 1].strip())


def _md_inline_text(token: Token) -> str:
    """Plain text of an inline token: formatting and link targets dropped, code kept, <br> a line break."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak" or (child.type == "html_inline" and _BR.match(child.content)):
            parts.append("\n")
    return _squash_lines("".join(parts))


def _md_text(token: Token) -> tuple[str, list[str]]:
    """Plain text of an inline token without its note references, and those references."""
    return _take_markers(_md_inline_text(token), _MD_REF)


class _MarkdownReader:
    """Turns a markdown-it token stream into blocks; each list item gathers its own paragraphs."""

    def __init__(self, md: MarkdownIt, notes: list[tuple[str, str]]) -> None:
        self.md = md
        self.notes = notes
        self.blocks: list[_Block] = []
        self.items: list[_Block] = []  # open list items, innermost last

    def read(self, tokens: list[Token]) -> None:
        """Add the blocks of a whole token stream."""
        for i, token in enumerate(tokens):
            if token.type == "heading_open":
                self._heading(int(token.tag[1]), tokens[i + 1])
            elif token.type == "inline" and tokens[i - 1].type == "paragraph_open":
                self._paragraph(token)
            elif token.type == "table_open":
                self.blocks.append(_md_table(tokens, i))
            elif token.type == "list_item_open":
                self._flush_item()
                self.items.append(_Block("body", list_item=True))
            elif token.type == "list_item_close":
                self._flush_item()
                self.items.pop()
            elif token.type in ("fence", "code_block") and token.content.strip():
                self.blocks.append(_Block("body", text=token.content.strip("\n"), raw=token.content))
            elif token.type == "html_block":
                self.blocks.extend(_html_fragment_blocks(token.content))

    def _heading(self, level: int, inline: Token) -> None:
        """A heading block from the inline token after heading_open."""
        text, refs = _md_text(inline)
        if text:
            self.blocks.append(_Block("heading", text=squash_whitespace(text), level=level, note_refs=refs, raw=inline.content))

    def _paragraph(self, inline: Token) -> None:
        """A paragraph: a note placeholder, part of the open list item, or a body block."""
        slot = _NOTE_SLOT.match(inline.content.strip())
        if slot:
            marker, note = self.notes[int(slot.group(1))]
            text, refs = _md_text(self.md.parseInline(note)[0])
            self.blocks.append(_Block("footnote", text=text, marker=marker, note_refs=refs, raw=note))
            return
        text, refs = _md_text(inline)
        if self.items:
            item = self.items[-1]
            item.text = f"{item.text} {text}".strip()
            item.raw = f"{item.raw}\n{inline.content}".strip("\n")
            item.note_refs.extend(refs)
        elif text:
            self.blocks.append(_Block("body", text=text, note_refs=refs, raw=inline.content))

    def _flush_item(self) -> None:
        """Emit what the innermost open list item has gathered, so nested items follow their parent."""
        if self.items and self.items[-1].text:
            self.blocks.append(self.items[-1])
            self.items[-1] = _Block("body", list_item=True)


def _md_table(tokens: list[Token], start: int) -> _Block:
    """The GFM pipe table opened at ``tokens[start]`` as a table block."""
    header: list[list[str]] = []
    rows: list[list[str]] = []
    refs: dict[int, list[str]] = {}
    row: list[str] = []
    in_head = False
    for index in range(start + 1, len(tokens)):  # not a slice: that would copy the rest of the stream per table
        token = tokens[index]
        if token.type == "table_close":
            break
        if token.type in ("thead_open", "thead_close"):
            in_head = token.type == "thead_open"
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline":
            text, markers = _md_text(token)
            row.append(text)
            if markers:
                refs.setdefault(-1 if in_head else len(rows), []).extend(markers)
        elif token.type == "tr_close":
            (header if in_head else rows).append(row)
    return _Block("table", table=_source_table(header, rows, "markdown"), row_refs=refs)


# --- HTML --------------------------------------------------------------------------------------

_SKIP_TAGS = frozenset("script style nav noscript template svg form button iframe head title meta link".split())
_INLINE_TAGS = frozenset(
    "a abbr acronym b bdi bdo big br cite code data del dfn em font i img ins kbd label mark q s samp small span"
    " strike strong sub sup time tt u var wbr".split()
)
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_NOTE_ID = re.compile(r"^_?(?:fn|ftn|ftnt|footnote|endnote|note)[-_:]?(\d+)$", re.I)
_NOTE_HREF = re.compile(r"^#_?(?:fn|ftn|ftnt|footnote|endnote|note)[-_:]?(\d+)$", re.I)
_BACK_HREF = re.compile(r"^#_?(?:fnref|ftnref|ftnt_ref|footnote-ref|endnote-ref|noteref)", re.I)
_BACK_TEXT = frozenset({"↩", "↩\ufe0e", "↩\ufe0f", "^", "↑"})
_MARKER_TEXT = re.compile(r"\s*[\[(]?(\d{1,3}|\*{1,3}|†|‡)[\])]?\s*")
_DATE_META = frozenset(
    "date dcterms.date article:published_time dc.date dcterms.issued citation_publication_date datepublished".split()
)


class _Cell(NamedTuple):
    """One <td>/<th>: its text, the note markers in it and its spans."""

    text: str
    refs: list[str]
    colspan: int
    rowspan: int


def _parse_html(text: str) -> _Parsed:
    """Blocks of an HTML page, with title and date from its metadata."""
    soup = BeautifulSoup(text, "html.parser")
    reader = _HtmlReader()
    reader.walk(soup.body or soup)
    return _Parsed(reader.blocks, title=_html_title(soup), pub_date=_html_date(soup))


def _html_fragment_blocks(fragment: str) -> list[_Block]:
    """Blocks of raw HTML embedded in Markdown."""
    reader = _HtmlReader()
    reader.walk(BeautifulSoup(fragment, "html.parser"))
    return reader.blocks


def _html_title(soup: BeautifulSoup) -> str:
    """The <title>, else the first <h1>, else ""."""
    for tag in (soup.title, soup.find("h1")):
        if isinstance(tag, Tag) and squash_whitespace(tag.get_text()):
            return squash_whitespace(tag.get_text())
    return ""


def _html_date(soup: BeautifulSoup) -> str:
    """The publication date from a date <meta>, else from the first <time datetime>."""
    for meta in soup.find_all("meta"):
        key = str(meta.get("name") or meta.get("property") or meta.get("itemprop") or "").lower()
        if key in _DATE_META and (iso := normalize_date(str(meta.get("content") or ""))):
            return iso
    for time in soup.find_all("time", datetime=True):
        if iso := normalize_date(str(time["datetime"])):
            return iso
    return ""


class _HtmlReader:
    """Walks an HTML tree in document order and turns its block elements into blocks."""

    def __init__(self) -> None:
        self.blocks: list[_Block] = []
        self.in_notes = False  # under a "Notes" heading, paragraphs opening with a marker are notes

    def walk(self, container: Tag) -> None:
        """Read the children of ``container``; runs of loose inline content form paragraphs."""
        run: list[PageElement] = []
        for child in container.children:
            if isinstance(child, PreformattedString):
                continue
            if isinstance(child, NavigableString) or child.name in _INLINE_TAGS:
                run.append(child)
                continue
            self._paragraph(run, container.name == "li")
            run = []
            self._element(child)
        self._paragraph(run, container.name == "li")

    def _element(self, el: Tag) -> None:
        """Read one block-level element."""
        if _is_chrome(el):
            return
        note_id = _note_id(el)
        if el.name in _HEADING_TAGS:
            self._heading(el)
        elif el.name == "table":
            self._table(el)
        elif note_id:
            self._add_note(*_nodes_text(el.contents), note_id)
        elif _is_note_container(el) or (self.in_notes and el.name in ("ol", "ul")):
            self._notes(el)
        elif el.name == "figcaption":
            text, refs = _nodes_text(el.contents)
            self.blocks.append(_Block("caption", text=squash_whitespace(text), note_refs=refs))
        elif _has_block_child(el):
            self.walk(el)
        else:
            self._paragraph(el.contents, el.name == "li")

    def _heading(self, el: Tag) -> None:
        """A heading block; a "Notes" heading starts the section whose numbered paragraphs are notes."""
        text, refs = _nodes_text(el.contents)
        text = squash_whitespace(text)
        if text:
            self.blocks.append(_Block("heading", text=text, level=int(el.name[1]), note_refs=refs))
        self.in_notes = bool(_NOTES_HEADING.match(text))

    def _paragraph(self, nodes: list[PageElement], list_item: bool) -> None:
        """A body block from inline nodes, or a note if it opens with a backlink or, in a Notes section, a marker."""
        text, refs = _nodes_text(nodes)
        marker = _note_marker(nodes, text) if self.in_notes else _leading_backlink(nodes)
        if marker:
            self._add_note(text, refs, marker)
        elif text:
            self.blocks.append(_Block("body", text=text, note_refs=refs, list_item=list_item))

    def _notes(self, container: Tag) -> None:
        """One footnote per item of a footnote list or section."""
        for item in _note_items(container):
            text, refs = _nodes_text(item.contents)
            self._add_note(text, refs, _note_id(item) or _note_marker(item.contents, text) or _ordinal(item))

    def _add_note(self, text: str, refs: list[str], marker: str) -> None:
        """A footnote block; its own marker is taken out of its text and its references."""
        lead, rest = _split_note_line(text)
        if lead and lead == marker:
            text = rest
        if text:
            self.blocks.append(
                _Block("footnote", text=squash_whitespace(text), marker=marker, note_refs=[r for r in refs if r != marker])
            )

    def _table(self, el: Tag) -> None:
        """A table block (preceded by its <caption> as a caption block) with spans expanded."""
        rows = [tr for tr in el.find_all("tr") if tr.find_parent("table") is el]
        cells = [[_cell(td) for td in tr.find_all(["td", "th"], recursive=False)] for tr in rows]
        if not any(cells):
            return
        grid = _expand_spans(cells)
        n_head = _header_count(rows)
        refs: dict[int, list[str]] = {}
        for i, row in enumerate(cells):
            markers = [marker for cell in row for marker in cell.refs]
            if markers:
                refs.setdefault(i - n_head if i >= n_head else -1, []).extend(markers)
        caption_tag = el.find("caption", recursive=False)
        caption = squash_whitespace(_nodes_text(caption_tag.contents)[0]) if isinstance(caption_tag, Tag) else ""
        if caption:
            self.blocks.append(_Block("caption", text=caption))
        table = _source_table(grid[:n_head], grid[n_head:], "html", caption)
        self.blocks.append(_Block("table", table=table, row_refs=refs))


def _is_chrome(el: Tag) -> bool:
    """Whether an element is page chrome; a <header>/<footer> inside an article belongs to the text."""
    if el.name in _SKIP_TAGS:
        return True
    return el.name in ("header", "footer") and el.find_parent(["article", "main"]) is None


def _has_block_child(el: Tag) -> bool:
    """Whether any element inside ``el`` is block-level."""
    return any(isinstance(d, Tag) and d.name not in _INLINE_TAGS for d in el.descendants)


def _nodes_text(nodes: Iterable[PageElement]) -> tuple[str, list[str]]:
    """Whitespace-normalised text of nodes (lines broken at <br> and blocks) without note references, and those."""
    parts: list[str] = []
    refs: list[str] = []
    for node in nodes:
        _collect_text(node, parts, refs)
    return _squash_lines("".join(parts)), refs


def _collect_text(node: PageElement, parts: list[str], refs: list[str]) -> None:
    """Append the text of ``node`` to ``parts`` and its note markers to ``refs``."""
    if isinstance(node, NavigableString):
        if not isinstance(node, PreformattedString):
            parts.append(re.sub(r"\s+", " ", str(node)))
        return
    if not isinstance(node, Tag) or node.name in _SKIP_TAGS or _is_backlink(node):
        return
    if node.name == "br":
        parts.append("\n")
        return
    marker = _note_ref_marker(node)
    if marker:
        refs.append(marker)
        if parts:
            parts[-1] = parts[-1].rstrip(" ")
        return
    block = node.name not in _INLINE_TAGS
    if block:
        parts.append("\n")
    for child in node.children:
        _collect_text(child, parts, refs)
    if block:
        parts.append("\n")


def _marker_text(text: str) -> str:
    """The marker if ``text`` is only a note marker ("3", "[3]", "*"), else ""."""
    match = _MARKER_TEXT.fullmatch(text)
    return match.group(1) if match else ""


def _note_ref_marker(tag: Tag) -> str:
    """The marker of a note reference (<sup>3</sup>, <a href="#fn3">), or "" for any other element."""
    if tag.name == "a":
        match = _NOTE_HREF.match(str(tag.get("href") or ""))
        return (_marker_text(tag.get_text()) or match.group(1)) if match else ""
    if tag.name == "sup":
        link = tag.find("a", href=_NOTE_HREF)
        return _note_ref_marker(link) if isinstance(link, Tag) else _marker_text(tag.get_text())
    return ""


def _is_backlink(tag: Tag) -> bool:
    """Whether a link leads from a note back to its reference ("↩")."""
    if tag.name != "a":
        return False
    classes = " ".join(tag.get("class") or [])
    if _BACK_HREF.match(str(tag.get("href") or "")) or "back" in classes:
        return True
    return tag.get_text().strip() in _BACK_TEXT


def _backlink_marker(tag: Tag) -> str:
    """The marker a backlink shows or points at ("[1]" in Word's notes), or ""."""
    if not _is_backlink(tag):
        return ""
    digits = re.search(r"(\d+)$", str(tag.get("href") or ""))
    return _marker_text(tag.get_text()) or (digits.group(1) if digits else "")


def _opening_tags(nodes: Iterable[PageElement]) -> list[Tag]:
    """The nested elements that open ``nodes`` before any text, outermost first."""
    for node in nodes:
        if isinstance(node, PreformattedString) or (isinstance(node, NavigableString) and not node.strip()):
            continue
        return [node, *_opening_tags(node.contents)] if isinstance(node, Tag) else []
    return []


def _leading_backlink(nodes: list[PageElement]) -> str:
    """The marker of a backlink that opens ``nodes``: such a paragraph is a note wherever it stands."""
    return next(filter(None, map(_backlink_marker, _opening_tags(nodes))), "")


def _note_marker(nodes: list[PageElement], text: str) -> str:
    """A note's marker: a leading superscript, link or backlink, else the number its text opens with."""
    for tag in _opening_tags(nodes):
        marker = _note_ref_marker(tag) or _backlink_marker(tag)
        if marker:
            return marker
    return _split_note_line(text)[0]


def _note_id(el: Tag) -> str:
    """The note number in an id such as "fn3", "footnote-3" or "_ftn3", or ""."""
    match = _NOTE_ID.match(str(el.get("id") or ""))
    return match.group(1) if match else ""


def _is_note_container(el: Tag) -> bool:
    """Whether an element holds notes: an <aside>, or a class or role naming footnotes/endnotes."""
    if el.name == "aside":
        return True
    labels = " ".join(el.get("class") or []) + " " + str(el.get("role") or "")
    return bool(re.search(r"footnote|endnote", labels, re.I))


def _note_items(container: Tag) -> list[Tag]:
    """The single notes of a note container: its list items, else its innermost paragraphs."""
    items = container.find_all("li")
    if items:
        return items
    leaves = [el for el in container.find_all(["p", "div"]) if not _has_block_child(el)]
    return leaves or [container]


def _ordinal(item: Tag) -> str:
    """The number an <ol> shows for this <li>, or ""."""
    parent = item.parent
    if item.name != "li" or parent is None or parent.name != "ol":
        return ""
    start = re.match(r"\s*(\d+)", str(parent.get("start") or ""))
    return str((int(start.group(1)) if start else 1) + len(item.find_previous_siblings("li")))


def _cell(td: Tag) -> _Cell:
    """A table cell with its text (lines kept apart), note markers and spans."""
    text, refs = _nodes_text(td.contents)
    return _Cell(text, refs, _span(td.get("colspan")), _span(td.get("rowspan")))


def _span(value: object) -> int:
    """A colspan/rowspan attribute as a count from 1 to 1000 (missing, invalid or 0 count as 1)."""
    match = re.match(r"\s*(\d+)", str(value or ""))
    # A hostile span must not blow the grid up.
    return min(max(int(match.group(1)), 1), 1000) if match else 1


def _header_count(rows: list[Tag]) -> int:
    """How many leading rows are header rows: those in <thead>, or made of <th> cells only."""
    count = 0
    for tr in rows:
        cells = tr.find_all(["td", "th"], recursive=False)
        if tr.find_parent("thead") is None and not (cells and all(c.name == "th" for c in cells)):
            break
        count += 1
    return count


def _expand_spans(rows: list[list[_Cell]]) -> list[list[str]]:
    """A rectangular grid of cell texts, each spanning cell repeated into every position it covers."""
    grid: list[list[str]] = []
    carry: dict[int, tuple[int, str]] = {}  # column -> (rows still covered, text) from rowspans above
    for cells in rows:
        line = {col: text for col, (_, text) in carry.items()}
        carry = {col: (left - 1, text) for col, (left, text) in carry.items() if left > 1}
        col = 0
        for cell in cells:
            while col in line:
                col += 1
            for covered in range(col, col + cell.colspan):
                line[covered] = cell.text
                if cell.rowspan > 1:
                    carry[covered] = (cell.rowspan - 1, cell.text)
            col += cell.colspan
        grid.append([line.get(c, "") for c in range(max(line, default=-1) + 1)])
    width = max((len(row) for row in grid), default=0)
    return [row + [""] * (width - len(row)) for row in grid]


# --- plain text --------------------------------------------------------------------------------

_TXT_REF = re.compile(r"(?<=\S)[ \t]*(?:\[(\d{1,3})\]|\^(\d{1,3})|([⁰¹²³⁴⁵⁶⁷⁸⁹]+))")
_BULLET = re.compile(r"^\s*[-*•–—▪◦·‣]\s+(?=\S)")
_NUMBERED_ITEM = re.compile(r"^\s*(?:\[\d{1,3}\]|\(?(?:\d{1,3}|[a-z])[.)])\s+(?=\S)")
_RULE = re.compile(r"^\s*(?:[-=_*]\s*){3,}$")
_UNDERLINE = re.compile(r"^\s*(?:={3,}|-{3,})\s*$")
_TABLE_RULE = re.compile(r"^[\s|+:]*[-=]{3,}[-=\s|+:]*$")
_NUMBERED_HEADING = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})*)\.?\s+(?=[A-Z])")
_ROMAN_HEADING = re.compile(r"^[IVXLC]+\.\s+(?=[A-Z])")
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


def _parse_text(text: str) -> _Parsed:
    """Blocks of a plain-text file."""
    text = _plain_markup(text)
    reader = _TextReader(Dehyphenator(text))
    for chunk in _chunks(text.split("\n")):
        reader.read_chunk(chunk)
    return _Parsed(reader.blocks)


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
    text = ""
    for line in (line.strip() for line in lines):
        if line:
            text = dehyphen.join(text, line)
    return text


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
    return bool(_split_note_line(line.strip())[0])


def _text_heading(lines: list[str]) -> tuple[int, str] | None:
    """Level and text if a chunk is a heading: underlined, or a short numbered or ALL-CAPS line."""
    text = squash_whitespace(lines[0])
    number = _NUMBERED_HEADING.match(text)
    # A numbered heading takes its level from the numbering even when it is also underlined.
    if len(lines) == 2 and _UNDERLINE.match(lines[1]):
        underline_level = 1 if "=" in lines[1] else 2
        return (len(number.group("num").split(".")) if number else underline_level), text
    if len(lines) != 1 or len(text.split()) > _HEADING_MAX_WORDS or text.endswith("."):
        return None
    if _BULLET.match(text) or _date_line(text) or _CAPTION.match(text):
        return None
    if number:
        return len(number.group("num").split(".")), text
    letters = [c for c in text if c.isalpha()]
    if _ROMAN_HEADING.match(text) or (len(letters) >= 2 and all(c.isupper() for c in letters)):
        return 1, text
    return None


def _whitespace_table(lines: list[str]) -> SourceTable | None:
    """A table if 3+ lines each hold 2+ gaps (2+ spaces or tabs) and the columns line up, or if
    every line is cut by tabs."""
    lines = [line for line in lines if not _TABLE_RULE.match(line)]
    tabbed = _tab_rows(lines)
    if tabbed:
        header, body = _tab_header(tabbed)
        return _source_table(header, body, "whitespace")
    if len(lines) < 3 or not all(len(_COLUMN_GAP.findall(line.strip())) >= 2 for line in lines):
        return None
    rows = _aligned_rows(lines)
    return _source_table([rows[0]], rows[1:], "whitespace") if rows else None


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
        self.blocks: list[_Block] = []
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
        text, refs = _take_markers(text, _TXT_REF)
        self.blocks.append(_Block("heading", text=text, level=level, note_refs=refs, raw=raw))
        self.in_notes = bool(_NOTES_HEADING.match(text))

    def _tables(self, lines: list[str]) -> list[_Block]:
        """A whitespace table, with a "Table 3 ..." line right above it split off as its own block."""
        table = _whitespace_table(lines)
        if table:
            return [_Block("table", table=table)]
        table = _whitespace_table(lines[1:]) if _CAPTION.match(lines[0].strip()) else None
        if table:
            return [_Block("body", text=squash_whitespace(lines[0]), raw=lines[0]), _Block("table", table=table)]
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
            marker, first = _split_note_line(group[0].strip())
            self._add("footnote", [first, *group[1:]], group, marker=marker)

    def _add(self, kind: str, lines: list[str], raw: list[str], marker: str = "", list_item: bool = False) -> None:
        """A block from wrapped lines, with its note markers taken out of the text."""
        text, refs = _take_markers(_join_lines(lines, self.dehyphen), _TXT_REF)
        self.blocks.append(
            _Block(kind, text=text, marker=marker, note_refs=refs, raw="\n".join(raw), list_item=list_item)
        )


_PARSERS: dict[str, Callable[[str], _Parsed]] = {"txt": _parse_text, "md": _parse_markdown, "html": _parse_html}
