"""HTML files into text blocks: headings, paragraphs, lists, tables with spans, ``<sup>`` note
references and footnote sections, through Beautiful Soup. The tree is walked with an explicit
stack and texts are collected iteratively, so pages nested thousands deep cannot exhaust Python's
recursion limit."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, PreformattedString, Tag

from pipeline.ingest.dates import normalize_date
from pipeline.ingest.textdoc import ParsedText, TextBlock, source_table, split_note_line, squash_lines
from pipeline.ingest.vocabulary import is_notes_heading
from pipeline.vocab.textnorm import squash_whitespace

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


def parse_html(text: str) -> ParsedText:
    """Blocks of an HTML page, with title and date from its metadata."""
    soup = BeautifulSoup(text, "html.parser")
    root = soup.body or soup
    reader = _HtmlReader(root)
    reader.walk(root)
    return ParsedText(reader.blocks, title=_html_title(soup), pub_date=_html_date(soup), printed_date=_time_date(root))


def html_fragment_blocks(fragment: str) -> list[TextBlock]:
    """Blocks of raw HTML embedded in Markdown."""
    root = BeautifulSoup(fragment, "html.parser")
    reader = _HtmlReader(root)
    reader.walk(root)
    return reader.blocks


def _html_title(soup: BeautifulSoup) -> str:
    """The <title>, else the first <h1>, else ""."""
    for tag in (soup.title, soup.find("h1")):
        if isinstance(tag, Tag) and squash_whitespace(tag.get_text()):
            return squash_whitespace(tag.get_text())
    return ""


def _html_date(soup: BeautifulSoup) -> str:
    """The publication date a date <meta> declares, or ""."""
    for meta in soup.find_all("meta"):
        key = str(meta.get("name") or meta.get("property") or meta.get("itemprop") or "").lower()
        if key in _DATE_META and (iso := normalize_date(str(meta.get("content") or ""))):
            return iso
    return ""


def _time_date(root: Tag) -> str:
    """The date of the first <time datetime> printed in the page, or ""."""
    for time in root.find_all("time", datetime=True):
        if iso := normalize_date(str(time["datetime"])):
            return iso
    return ""


class _HtmlReader:
    """Walks an HTML tree in document order and turns its block elements into blocks."""

    def __init__(self, root: Tag | None = None) -> None:
        self.blocks: list[TextBlock] = []
        self.has_block = _block_holders(root) if root is not None else {}
        self.in_notes = False  # under a "Notes" heading, paragraphs opening with a marker are notes

    def walk(self, root: Tag) -> None:
        """Read the children of ``root`` in document order; runs of loose inline content form
        paragraphs. An explicit stack instead of recursion: any depth of nesting is read."""
        stack: list[tuple[Tag, Iterator[PageElement], list[PageElement]]] = [(root, iter(root.children), [])]
        while stack:
            container, children, run = stack[-1]
            child = next(children, None)
            if child is None:
                self._paragraph(run, container.name == "li")
                stack.pop()
                continue
            if isinstance(child, PreformattedString):
                continue
            if isinstance(child, NavigableString) or child.name in _INLINE_TAGS:
                run.append(child)
                continue
            self._paragraph(list(run), container.name == "li")
            run.clear()
            if self._element(child):
                stack.append((child, iter(child.children), []))

    def _element(self, el: Tag) -> bool:
        """Read one block-level element; True when its children are to be read in turn."""
        if _is_chrome(el):
            return False
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
            self.blocks.append(TextBlock("caption", text=squash_whitespace(text), note_refs=refs))
        elif self.has_block.get(id(el), False) if self.has_block else _has_block_child(el):
            return True
        else:
            self._paragraph(el.contents, el.name == "li")
        return False

    def _heading(self, el: Tag) -> None:
        """A heading block; a "Notes" heading starts the section whose numbered paragraphs are notes."""
        text, refs = _nodes_text(el.contents)
        text = squash_whitespace(text)
        if text:
            self.blocks.append(TextBlock("heading", text=text, level=int(el.name[1]), note_refs=refs))
        self.in_notes = is_notes_heading(text)

    def _paragraph(self, nodes: list[PageElement], list_item: bool) -> None:
        """A body block from inline nodes, or a note if it opens with a backlink or, in a Notes section, a marker."""
        text, refs = _nodes_text(nodes)
        marker = _note_marker(nodes, text) if self.in_notes else _leading_backlink(nodes)
        if marker:
            self._add_note(text, refs, marker)
        elif text:
            self.blocks.append(TextBlock("body", text=text, note_refs=refs, list_item=list_item))

    def _notes(self, container: Tag) -> None:
        """One footnote per item of a footnote list or section."""
        for item in _note_items(container):
            text, refs = _nodes_text(item.contents)
            self._add_note(text, refs, _note_id(item) or _note_marker(item.contents, text) or _ordinal(item))

    def _add_note(self, text: str, refs: list[str], marker: str) -> None:
        """A footnote block; its own marker is taken out of its text and its references."""
        lead, rest = split_note_line(text)
        if lead and lead == marker:
            text = rest
        if text:
            self.blocks.append(
                TextBlock("footnote", text=squash_whitespace(text), marker=marker, note_refs=[r for r in refs if r != marker])
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
            self.blocks.append(TextBlock("caption", text=caption))
        table = source_table(grid[:n_head], grid[n_head:], "html", caption)
        self.blocks.append(TextBlock("table", table=table, row_refs=refs))


def _is_chrome(el: Tag) -> bool:
    """Whether an element is page chrome; a <header>/<footer> inside an article belongs to the text."""
    if el.name in _SKIP_TAGS:
        return True
    return el.name in ("header", "footer") and el.find_parent(["article", "main"]) is None


def _block_holders(root: Tag) -> dict[int, bool]:
    """For every element under ``root`` (by id), whether a block-level element is inside it;
    one pass from the innermost elements out, so deep nesting costs no more than its size."""
    holds: dict[int, bool] = {}
    for el in reversed([root, *root.find_all(True)]):
        holds[id(el)] = any(
            isinstance(child, Tag) and (child.name not in _INLINE_TAGS or holds.get(id(child), False)) for child in el.children
        )
    return holds


def _has_block_child(el: Tag) -> bool:
    """Whether any element inside ``el`` is block-level."""
    return any(isinstance(d, Tag) and d.name not in _INLINE_TAGS for d in el.descendants)


def _nodes_text(nodes: Iterable[PageElement]) -> tuple[str, list[str]]:
    """Whitespace-normalised text of nodes (lines broken at <br> and blocks) without note references, and those."""
    parts: list[str] = []
    refs: list[str] = []
    for node in nodes:
        _collect_text(node, parts, refs)
    return squash_lines("".join(parts)), refs


def _collect_text(node: PageElement, parts: list[str], refs: list[str]) -> None:
    """Append the text of ``node`` to ``parts`` and its note markers to ``refs`` (iteratively:
    elements nested any number of levels deep are read)."""
    stack: list[PageElement | None] = [node]  # None closes a block element: a line break
    while stack:
        item = stack.pop()
        if item is None:
            parts.append("\n")
            continue
        if isinstance(item, NavigableString):
            if not isinstance(item, PreformattedString):
                parts.append(re.sub(r"\s+", " ", str(item)))
            continue
        if not isinstance(item, Tag) or item.name in _SKIP_TAGS or _is_backlink(item):
            continue
        if item.name == "br":
            parts.append("\n")
            continue
        marker = _note_ref_marker(item)
        if marker:
            refs.append(marker)
            if parts:
                parts[-1] = parts[-1].rstrip(" ")
            continue
        if item.name not in _INLINE_TAGS:
            parts.append("\n")
            stack.append(None)
        stack.extend(reversed(list(item.children)))


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
    found: list[Tag] = []
    while True:
        first = next(
            (n for n in nodes if not (isinstance(n, PreformattedString) or (isinstance(n, NavigableString) and not n.strip()))),
            None,
        )
        if not isinstance(first, Tag):
            return found
        found.append(first)
        nodes = first.contents


def _leading_backlink(nodes: list[PageElement]) -> str:
    """The marker of a backlink that opens ``nodes``: such a paragraph is a note wherever it stands."""
    return next(filter(None, map(_backlink_marker, _opening_tags(nodes))), "")


def _note_marker(nodes: list[PageElement], text: str) -> str:
    """A note's marker: a leading superscript, link or backlink, else the number its text opens with."""
    for tag in _opening_tags(nodes):
        marker = _note_ref_marker(tag) or _backlink_marker(tag)
        if marker:
            return marker
    return split_note_line(text)[0]


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
