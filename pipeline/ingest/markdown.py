"""Markdown files into text blocks: markdown-it-py's CommonMark with pipe tables, ``[^n]`` notes,
YAML front matter (its title and date are the declared metadata) and embedded HTML."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from pipeline.ingest.dates import normalize_date
from pipeline.ingest.html import html_fragment_blocks
from pipeline.ingest.textdoc import ParsedText, TextBlock, source_table, squash_lines, take_markers
from pipeline.vocab.textnorm import squash_whitespace

_MD_REF = re.compile(r"(?<=\S)[ \t]*\[\^([^\]\s]+)\]")
_MD_NOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:[ \t]?(.*)$")
# A note definition is swapped for this placeholder paragraph so that it keeps its place.
_NOTE_SLOT = re.compile(r"^\ue000(\d+)\ue000$")
_YAML = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_YAML_FIELD = re.compile(r"^(title|date)[ \t]*:[ \t]*(.+?)[ \t]*$", re.M | re.I)
_BR = re.compile(r"^<br\s*/?>$", re.I)


def parse_markdown(text: str) -> ParsedText:
    """Blocks of a Markdown file, with title and date from its YAML front matter."""
    meta, text = _split_yaml(text)
    text, notes = _lift_md_notes(text)
    md = MarkdownIt("commonmark").enable("table")
    reader = _MarkdownReader(md, notes)
    reader.read(md.parse(text))
    return ParsedText(reader.blocks, title=meta.get("title", ""), pub_date=normalize_date(meta.get("date", "")))


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
    return squash_lines("".join(parts))


def _md_text(token: Token) -> tuple[str, list[str]]:
    """Plain text of an inline token without its note references, and those references."""
    return take_markers(_md_inline_text(token), _MD_REF)


class _MarkdownReader:
    """Turns a markdown-it token stream into blocks; each list item gathers its own paragraphs."""

    def __init__(self, md: MarkdownIt, notes: list[tuple[str, str]]) -> None:
        self.md = md
        self.notes = notes
        self.blocks: list[TextBlock] = []
        self.items: list[TextBlock] = []  # open list items, innermost last

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
                self.items.append(TextBlock("body", list_item=True))
            elif token.type == "list_item_close":
                self._flush_item()
                self.items.pop()
            elif token.type in ("fence", "code_block") and token.content.strip():
                self.blocks.append(TextBlock("body", text=token.content.strip("\n"), raw=token.content))
            elif token.type == "html_block":
                self.blocks.extend(html_fragment_blocks(token.content))

    def _heading(self, level: int, inline: Token) -> None:
        """A heading block from the inline token after heading_open."""
        text, refs = _md_text(inline)
        if text:
            self.blocks.append(TextBlock("heading", text=squash_whitespace(text), level=level, note_refs=refs, raw=inline.content))

    def _paragraph(self, inline: Token) -> None:
        """A paragraph: a note placeholder, part of the open list item, or a body block."""
        slot = _NOTE_SLOT.match(inline.content.strip())
        if slot:
            marker, note = self.notes[int(slot.group(1))]
            text, refs = _md_text(self.md.parseInline(note)[0])
            self.blocks.append(TextBlock("footnote", text=text, marker=marker, note_refs=refs, raw=note))
            return
        text, refs = _md_text(inline)
        if self.items:
            item = self.items[-1]
            item.text = f"{item.text} {text}".strip()
            item.raw = f"{item.raw}\n{inline.content}".strip("\n")
            item.note_refs.extend(refs)
        elif text:
            self.blocks.append(TextBlock("body", text=text, note_refs=refs, raw=inline.content))

    def _flush_item(self) -> None:
        """Emit what the innermost open list item has gathered, so nested items follow their parent."""
        if self.items and self.items[-1].text:
            self.blocks.append(self.items[-1])
            self.items[-1] = TextBlock("body", list_item=True)


def _md_table(tokens: list[Token], start: int) -> TextBlock:
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
    return TextBlock("table", table=source_table(header, rows, "markdown"), row_refs=refs)
