"""What every reader (PDF, text, Markdown, HTML) shares: passage drafts, numbering, note links."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from pipeline.records import Passage, SourceTable, column_labels
from pipeline.vocab.textnorm import clean_text


@dataclass
class PassageDraft:
    """A passage before it has an id; readers build these, ``finalize`` numbers and links them."""

    kind: str
    text: str
    page: int = 1
    page_end: int = 0
    section: str = ""
    raw_text: str = ""
    marker: str = ""  # a footnote's own marker
    note_refs: list[str] = field(default_factory=list)  # markers this passage cites
    table: SourceTable | None = None  # for the first passage of a table
    table_row: int = -1
    bbox: tuple[float, float, float, float] | None = None


# Between a page's title and its site's name in a declared title: "Joint Statement on X | Newsroom".
_SITE_SEPARATOR = re.compile(r"\s+(?:\||::|\u2013|\u2014|-|\u00b7|\u00bb|\u2022)\s+")


def _same_words(a: str, b: str) -> bool:
    words_a = {w for w in re.findall(r"\w+", a.lower()) if len(w) >= 3}
    words_b = {w for w in re.findall(r"\w+", b.lower()) if len(w) >= 3}
    return bool(words_a) and len(words_a & words_b) >= 0.8 * max(len(words_a), len(words_b))


def choose_title(printed: str, declared: str) -> str:
    """The title as printed, unless the declared one (metadata) says the same and more (a
    subtitle, the series): most of the printed title's words are in it. A declared title that is
    the printed one joined to a site's or publisher's name ("... | Newsroom") gives the printed one."""
    parts = _SITE_SEPARATOR.split(declared) if printed and declared else []
    if len(parts) > 1 and any(_same_words(part, printed) for part in parts):
        return printed
    if printed and declared:
        words = [w for w in re.findall(r"\w+", printed.lower()) if len(w) >= 3]
        known = set(re.findall(r"\w+", declared.lower()))
        if words and sum(w in known for w in words) >= 0.8 * len(words):
            return declared
    return printed or declared


def section_path(stack: list[tuple[int, str]]) -> str:
    """Heading path such as "4 Cooperation > 4.1 Non-proliferation"."""
    return " > ".join(title for _, title in stack)


def push_heading(stack: list[tuple[int, str]], level: int, title: str) -> None:
    while stack and stack[-1][0] >= level:
        stack.pop()
    stack.append((level, title))


_EMPTY_CELL = re.compile(r"^(?:0+(?:[.,]0+)?|[-\u2013\u2014]|n/?a|none)?$", re.IGNORECASE)


def table_row_text(header: list[list[str]], row: list[str]) -> str:
    """A table row as one line of text that says what each cell is: the first cell, then each
    filled cell after its column's header ("Canada | Organized Crime: – Data agreements (PNR)").
    Bullets inside a cell are joined by " ; "; empty cells and zero counts are left out."""
    labels = column_labels(header)
    cells = []
    for c, cell in enumerate(row):
        text = " ; ".join(part.strip() for part in cell.split("\n") if part.strip())
        if c > 0 and _EMPTY_CELL.match(text):
            continue
        label = labels[c] if c < len(labels) else ""
        cells.append(f"{label}: {text}" if c > 0 and label else text)
    return " | ".join(cells)


def table_drafts(table: SourceTable, section: str) -> list[PassageDraft]:
    """One ``table`` passage for the header and one per body row, each with its page."""
    drafts: list[PassageDraft] = []
    header_text = "\n".join(table_row_text([], r) for r in table.header if any(c.strip() for c in r))
    if header_text:
        drafts.append(PassageDraft(kind="table", text=header_text, page=table.page, section=section))
    for i, row in enumerate(table.rows):
        if not any(c.strip() for c in row):
            continue
        page = table.row_pages[i] if i < len(table.row_pages) else table.page
        drafts.append(
            PassageDraft(kind="table", text=table_row_text(table.header, row), page=page, section=section, table_row=i)
        )
    if drafts:
        drafts[0].table = table
    return drafts


def _pick_note(candidates: list[int], drafts: list[PassageDraft], page: int) -> int:
    """The footnote a marker on ``page`` points to: the one on that page, else the next, else the first."""
    same = [i for i in candidates if drafts[i].page == page]
    if same:
        return same[0]
    later = [i for i in candidates if drafts[i].page > page]
    return later[0] if later else candidates[0]


# A passage is at most this long: a longer paragraph (a text without paragraph breaks) is cut
# at sentence ends, so no later stage meets a passage of megabytes.
MAX_PASSAGE_CHARS = 20_000
_SENTENCE_END = re.compile(r"[.!?][\"'\u2019\u201d)\]]*\s+")


def split_long(draft: PassageDraft, limit: int = MAX_PASSAGE_CHARS) -> list[PassageDraft]:
    """The draft, or pieces of it of at most ``limit`` characters cut after a sentence (else at a space)."""
    text = draft.text
    if len(text) <= limit or draft.kind == "table":
        return [draft]
    pieces: list[PassageDraft] = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        ends = [m.end() for m in _SENTENCE_END.finditer(window)]
        cut = ends[-1] if ends and ends[-1] > limit // 2 else (window.rfind(" ") + 1 or limit)
        pieces.append(dataclasses.replace(draft, text=text[start : start + cut], raw_text="", note_refs=[]))
        start += cut
    pieces.append(dataclasses.replace(draft, text=text[start:], raw_text="", note_refs=list(draft.note_refs)))
    return pieces


def finalize(doc_id: str, drafts: list[PassageDraft]) -> tuple[list[Passage], list[SourceTable]]:
    """Number the drafts ``doc_id:1..n``, link note markers both ways and attach tables."""
    drafts = [piece for d in drafts if d.text.strip() for piece in split_long(d)]
    ids = [f"{doc_id}:{i + 1}" for i in range(len(drafts))]
    notes_by_marker: dict[str, list[int]] = {}
    for i, d in enumerate(drafts):
        if d.kind == "footnote" and d.marker:
            notes_by_marker.setdefault(d.marker, []).append(i)

    cites: dict[int, list[str]] = {}
    cited_by: dict[int, list[str]] = {}
    for i, d in enumerate(drafts):
        for marker in d.note_refs:
            candidates = notes_by_marker.get(marker)
            if not candidates:
                continue
            j = _pick_note(candidates, drafts, d.page)
            if j == i:
                continue
            cites.setdefault(i, [])
            if ids[j] not in cites[i]:
                cites[i].append(ids[j])
            cited_by.setdefault(j, [])
            if ids[i] not in cited_by[j]:
                cited_by[j].append(ids[i])

    passages: list[Passage] = []
    tables: list[SourceTable] = []
    current_table: SourceTable | None = None
    for i, d in enumerate(drafts):
        if d.table is not None:
            current_table = d.table
            current_table.doc_id = doc_id
            current_table.table_id = f"{doc_id}:t{len(tables) + 1}"
            current_table.passage_ids = []
            tables.append(current_table)
        table_id = ""
        if d.kind == "table" and current_table is not None:
            table_id = current_table.table_id
            current_table.passage_ids.append(ids[i])
        elif d.kind != "table":
            current_table = None
        bbox = ",".join(f"{v:.1f}" for v in d.bbox) if d.bbox else ""
        passages.append(
            Passage(
                doc_id=doc_id,
                passage_id=ids[i],
                page=d.page,
                page_end=d.page_end or d.page,
                section=d.section,
                kind=d.kind,
                text=clean_text(d.text),
                raw_text=d.raw_text or d.text,
                marker=d.marker,
                cites=cites.get(i, []),
                cited_by=cited_by.get(i, []),
                table_id=table_id,
                bbox=bbox,
            )
        )
    return passages, tables
