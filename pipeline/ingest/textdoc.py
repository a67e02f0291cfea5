"""Plain-text, Markdown and HTML files into documents: what the three readers share.

Each format (``text``, ``markdown``, ``html``) reads a file into a flat list of ``TextBlock``s
(headings with levels, paragraphs, list items, footnotes, tables, captions). This module then
decides what no single format can: the header fields and title block, the title and date as
printed, table captions, heading paths and reference-list entries, and turns the blocks into
``PassageDraft``s for ``common.finalize``. What a caption, a references or notes heading and a
by-line are comes from ``pipeline.ingest.vocabulary``, as in the PDF reader.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.ingest.common import PassageDraft, choose_title, finalize, push_heading, section_path, table_drafts
from pipeline.ingest.dates import date_line, dateline
from pipeline.ingest.errors import IngestError
from pipeline.ingest.vocabulary import byline_re, caption_re, header_field_re, header_role, is_notes_heading, is_references_heading
from pipeline.records import Document, IngestResult, SourceTable
from pipeline.settings import Settings
from pipeline.vocab.textnorm import squash_whitespace, strip_controls

FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}

# The title block is looked for only among the first blocks, so a short line deep in a text never is.
_FRONT_MAX_BLOCKS = 8
_FRONT_MAX_WORDS = 15

_SECTION_NUMBER = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVXLC]+\.)\s")
SUPERSCRIPTS = str.maketrans("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079", "0123456789")
# A line that is a note: "[3] text", "^3 text", "³ text" or "3. text".
_NOTE_LINE = re.compile(
    r"^\s*(?:\[(\d{1,3}|\*)\]|\^(\d{1,3})|([\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+)|(\d{1,3})[.)])\s+(?P<text>\S.*)$", re.S
)


@dataclass
class TextBlock:
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
class ParsedText:
    """The blocks of one file, with the title and date its metadata declares (YAML front matter,
    HTML <title> and date <meta>) and a date printed in the text itself (an HTML <time>)."""

    blocks: list[TextBlock]
    title: str = ""
    pub_date: str = ""
    printed_date: str = ""


def read_text_document(path: Path, doc_id: str, settings: Settings | None = None) -> IngestResult:
    """Read a .txt, .md or .html file into a document with its passages and tables."""
    # ``settings`` keeps the signature of the PDF reader; none of its knobs applies to text files.
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise IngestError(f"{path.name}: unsupported file type {path.suffix or '(no suffix)'}")
    data = _read_bytes(path)
    text, encoding = _decode(data, path.name)
    text = strip_controls(text)
    if not text.strip():
        raise IngestError(f"{path.name}: file holds only whitespace")
    parsed = _parse(fmt, text)
    fields, header_count = _header_fields(parsed.blocks)
    drafts, block_title = _assemble(parsed.blocks, header_count)
    passages, tables = finalize(doc_id, drafts)
    if not passages:
        raise IngestError(f"{path.name}: no text found")
    printed = fields.get("date_field", "") or parsed.printed_date or _date_from_blocks(parsed.blocks[header_count:])
    pub_date, source = (printed, "printed") if printed else (parsed.pub_date, "metadata") if parsed.pub_date else ("", "none")
    title = fields.get("title_field", "") or choose_title(squash_whitespace(block_title), squash_whitespace(parsed.title))
    document = Document(
        doc_id=doc_id,
        source=path.name,
        title=squash_whitespace(title) or path.stem,
        pub_date=pub_date,
        pub_date_source=source,
        pages=1,
        status="ok",
        path=str(path),
        format=fmt,
        warnings=[] if encoding == "utf-8" else [f"decoded as {encoding}"],
    )
    return IngestResult(document, passages, tables)


def _parse(fmt: str, text: str) -> ParsedText:
    """The blocks of a text in one of the three formats."""
    if fmt == "md":
        from pipeline.ingest.markdown import parse_markdown

        return parse_markdown(text)
    if fmt == "html":
        from pipeline.ingest.html import parse_html

        return parse_html(text)
    from pipeline.ingest.text import parse_text

    return parse_text(text)


def _header_fields(blocks: list[TextBlock]) -> tuple[dict[str, str], int]:
    """A first block of "KEY: value" lines (a header such as "TITLE: ..." and "DATE: ...") and how
    many blocks it takes: the title and the date it names, by the roles of reader_terms.csv."""
    if not blocks or blocks[0].kind != "body":
        return {}, 0
    lines = [line for line in (blocks[0].raw or blocks[0].text).split("\n") if line.strip()]
    matches = [header_field_re().match(line.strip()) for line in lines]
    if len(lines) < 2 or not all(matches):
        return {}, 0
    fields: dict[str, str] = {}
    for match in matches:
        role = header_role(match.group(1))
        if role == "date_field" and "date_field" not in fields:
            if iso := date_line(match.group(2)) or dateline(match.group(2)):
                fields[role] = iso
        elif role == "title_field" and role not in fields:
            fields[role] = match.group(2).strip()
    return (fields, 1) if fields else ({}, 0)


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


def _assemble(blocks: list[TextBlock], header: int = 0) -> tuple[list[PassageDraft], str]:
    """Drafts in reading order with sections and final kinds, and the title found in the title
    block; the first ``header`` blocks are a header of fields (front matter too)."""
    _mark_captions(blocks)
    count, title = _front_matter(blocks[header:])
    count += header
    drafts = [_draft(block, "front_matter", "") for block in blocks[:count]]
    stack: list[tuple[int, str]] = []
    for block in blocks[count:]:
        drafts.extend(_block_drafts(block, stack))
    return drafts, title


def _draft(block: TextBlock, kind: str, section: str) -> PassageDraft:
    """A draft carrying a block's text, marker and note references."""
    return PassageDraft(
        kind=kind, text=block.text, section=section, raw_text=block.raw, marker=block.marker, note_refs=block.note_refs
    )


def _block_drafts(block: TextBlock, stack: list[tuple[int, str]]) -> list[PassageDraft]:
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
    if block.kind == "body" and any(is_references_heading(title) for _, title in stack):
        return [_draft(block, "reference", section)]
    return [_draft(block, block.kind, section)]


def _front_matter(blocks: list[TextBlock]) -> tuple[int, str]:
    """How many leading blocks form the title block, and its title (level-1 heading, else first plain line)."""
    heading_title = ""
    count = 0
    for block in blocks[:_FRONT_MAX_BLOCKS]:
        if block.kind == "heading" and not heading_title and _is_title_heading(block):
            heading_title = block.text
        elif not _is_front_line(block):
            break
        count += 1
    lines = [b.text for b in blocks[:count] if b.kind == "body" and not _has_date_line(b) and not byline_re().match(b.text)]
    return count, heading_title or (lines[0] if lines else "")


def _is_title_heading(block: TextBlock) -> bool:
    """Whether a heading can be the document title: level 1, unnumbered, not a notes or references heading."""
    text = block.text
    if block.level != 1 or _SECTION_NUMBER.match(text):
        return False
    return not (is_references_heading(text) or is_notes_heading(text))


def _is_front_line(block: TextBlock) -> bool:
    """Whether a block reads as a title-block line: a date, a by-line or a short unpunctuated line."""
    if block.kind != "body" or block.list_item:
        return False
    text = block.text
    short = len(text.split()) <= _FRONT_MAX_WORDS and not text.endswith((".", "!", "?", ":", ";"))
    return short or _has_date_line(block) or bool(byline_re().match(text))


def _mark_captions(blocks: list[TextBlock]) -> None:
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


def _is_caption(block: TextBlock) -> bool:
    """Whether a block can caption a neighbouring table."""
    if block.kind == "caption":
        return True
    return block.kind == "body" and not block.list_item and bool(caption_re().match(block.text))


def source_table(header: list[list[str]], rows: list[list[str]], method: str, caption: str = "") -> SourceTable:
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


def take_markers(text: str, pattern: re.Pattern[str]) -> tuple[str, list[str]]:
    """Text with its note markers (and the spaces before them) removed, and the markers in order."""
    markers: list[str] = []

    def drop(match: re.Match[str]) -> str:
        markers.append(next(group for group in match.groups() if group).translate(SUPERSCRIPTS))
        return ""

    return pattern.sub(drop, text), markers


def split_note_line(text: str) -> tuple[str, str]:
    """The marker opening a note line ("[3] ", "^3 ", "³ ", "3. ") and the text after it."""
    match = _NOTE_LINE.match(text)
    if not match:
        return "", text
    marker = next(group for group in match.groups()[:4] if group)
    return marker.translate(SUPERSCRIPTS), match.group("text")


def squash_lines(text: str) -> str:
    """Whitespace squashed within each line; empty lines dropped."""
    return "\n".join(line for line in map(squash_whitespace, text.split("\n")) if line)


def _block_lines(block: TextBlock) -> list[str]:
    """The lines of a block's text and of its raw source."""
    return f"{block.text}\n{block.raw}".split("\n")


def _has_date_line(block: TextBlock) -> bool:
    """Whether one of the block's lines is a date line."""
    return any(date_line(line) for line in _block_lines(block))


def _date_from_blocks(blocks: list[TextBlock]) -> str:
    """The date printed under the title: the first date line among the first blocks, else a
    dateline that opens one of the first paragraphs ("Brussels, 15 November 2015 - ..."), or ""."""
    heads = [b for b in blocks[:_FRONT_MAX_BLOCKS] if b.kind != "table"]
    for block in heads:
        for line in _block_lines(block):
            if iso := date_line(line):
                return iso
    for block in heads[:4]:
        if block.kind in ("body", "heading") and (iso := dateline(block.text)):
            return iso
    return ""
