"""Page layout and drawing on the reportlab canvas, recording the truth of what went where."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from synth.markup import Box, Heading, Paragraph, Span, SynthDoc, Table, parse_file, plain_text
from synth.tables import EPS, LayoutError, TableLayout, place_table
from synth.text import Frag, Line, TextEngine, Word, baseline

BAND_COLOUR = (0.10, 0.26, 0.45)
BOX_COLOUR = (0.89, 0.92, 0.96)
NOTE_SEPARATOR = 9.0  # space taken above a column's footnotes by the short rule
NOTE_GAP = 1.5
BAND_PAD = 8.0  # series and date keep this far from the ends of the band
BAND_GAP = 12.0  # and at least this far from each other
BAND_SIZES = (10.0, 9.5, 9.0, 8.5, 8.0)  # type sizes tried in the band before the series wraps
MARGINS = {"normal": (0.095, 0.08, 0.075), "narrow": (0.07, 0.065, 0.065), "wide": (0.13, 0.095, 0.09)}
_CAPTION_LABEL = re.compile(r"^((?:Table|Figure|Chart|Box)\s+[\w.]+[.:]?)\s+(.*)$")


@dataclass(frozen=True)
class Geometry:
    """Page size, margins and columns, in points."""

    width: float
    height: float
    side: float
    top: float
    bottom: float
    columns: int
    gutter: float

    @classmethod
    def for_doc(cls, doc: SynthDoc) -> Geometry:
        size = doc.meta.page_size_mm
        width, height = (size[0] * mm, size[1] * mm) if doc.meta.page != "A4" else A4
        columns = doc.meta.columns
        side, top, bottom = MARGINS[doc.meta.margins]
        gutter = 0.03 * width if columns < 3 else 0.025 * width
        return cls(width, height, side * width, top * height, bottom * height, columns, gutter)

    def landscape(self) -> Geometry:
        """The same page turned a quarter: one column across the long side."""
        return Geometry(self.height, self.width, self.top, self.side, self.side, 1, self.gutter)

    @property
    def text_width(self) -> float:
        return self.width - 2 * self.side

    @property
    def col_width(self) -> float:
        return (self.text_width - (self.columns - 1) * self.gutter) / self.columns

    @property
    def body_top(self) -> float:
        return self.height - self.top

    def col_x(self, col: int) -> float:
        return self.side + col * (self.col_width + self.gutter)


@dataclass(frozen=True)
class Sizes:
    """Type sizes and leadings derived from the layout."""

    body: float
    note: float = 7.5
    title: float = 26.0

    @classmethod
    def for_doc(cls, doc: SynthDoc, geometry: Geometry) -> Sizes:
        body = {1: 10.5, 2: 9.5}.get(geometry.columns, 9.0)
        small_page = geometry.width < 500
        body = body - 0.5 if small_page else body
        if doc.meta.body_size:
            body = float(doc.meta.body_size)
        return cls(body, title=24.0 if small_page else 26.0)

    @property
    def leading(self) -> float:
        return round(self.body * 1.3, 2)

    @property
    def note_leading(self) -> float:
        return round(self.note * 1.22, 2)

    @property
    def table(self) -> float:
        return self.body - 1

    @property
    def table_leading(self) -> float:
        return round(self.table * 1.25, 2)

    def heading(self, level: int) -> tuple[float, bool, bool]:
        """Size, bold and italic of a heading level."""
        return {1: (self.body + 4, True, False), 2: (self.body + 1, True, False)}.get(
            level, (self.body, True, True)
        )


@dataclass
class BoxLayout:
    """A summary box's lines, measured for the current column."""

    title: list[Line]
    items: list[list[Line]]
    indent: float
    leading: float
    pad: ClassVar[float] = 8.0

    @property
    def gap(self) -> float:
        return 0.3 * self.leading

    @property
    def height(self) -> float:
        lines = len(self.title) + sum(len(item) for item in self.items)
        return 2 * self.pad + lines * self.leading + (1 + len(self.items)) * self.gap


class Typesetter:
    """Lays a SynthDoc out page by page on a canvas; ``blocks`` collects the truth."""

    def __init__(self, doc: SynthDoc, canvas: Canvas):
        self.doc = doc
        self.meta = doc.meta
        self.canvas = canvas
        self.geo = self.portrait = Geometry.for_doc(doc)
        self.sizes = Sizes.for_doc(doc, self.geo)
        self.engine = TextEngine(
            "sans" if self.meta.font == "sans" else "serif",
            ligatures=self.meta.ligatures,
            hyphenate=self.meta.hyphenate,
            marker_style=self.meta.marker_style,
        )
        self.blocks: list[dict[str, Any]] = []
        self.running: list[str] = []
        self.article_first = 3 if self.meta.cover else 1
        self.page = 0
        self.col = 0
        self.top = self.y = self.geo.body_top
        self.fresh = True
        self.full = False
        self.col_notes: list[str] = []
        self.notes_height = 0.0
        self.placed_notes: set[str] = set()
        self.note_order: list[str] = []
        self.section = ["", "", ""]
        self.prev = ""

    # --- frames -------------------------------------------------------------------------

    @property
    def x(self) -> float:
        return self.geo.side if self.full else self.geo.col_x(self.col)

    @property
    def width(self) -> float:
        return self.geo.text_width if self.full else self.geo.col_width

    def room(self) -> float:
        """Height left in the current frame above its footnotes."""
        return self.y - self.geo.bottom - self.notes_height

    def stuck(self) -> bool:
        """True at the top of a full-height frame, where moving on cannot give more room."""
        return self.fresh and self.top >= self.geo.body_top - EPS

    def make_room(self, height: float, notes: list[str] | None = None, strict: bool = False) -> None:
        """Move on until ``height`` (and the footnotes ``notes``) fit in the frame.

        At the top of a full-height frame nothing more can be gained: stop there, or raise
        LayoutError when ``strict``.
        """
        while height + self._notes_cost(notes or []) > self.room() + EPS:
            if self.stuck():
                if strict:
                    raise LayoutError(f"{height:.0f} pt of content and notes {notes} exceed a column")
                return
            self.next_frame()

    def advance(self, height: float) -> None:
        self.y -= height
        self.fresh = False

    def skip(self, height: float) -> None:
        """Vertical space that disappears at the top of a frame."""
        if not self.fresh:
            self.y -= height

    def next_frame(self) -> None:
        """Move to the next column, or to the next page after the last one."""
        if self.full or self.col + 1 >= self.geo.columns:
            self._new_page()
        else:
            self._close_column()
            self.col += 1
            self.y = self.top
            self.fresh = True

    def _begin_page(self) -> None:
        rotated = self.geo.width > self.geo.height and self.portrait.width < self.portrait.height
        self.canvas.setPageRotation(90 if rotated else 0)
        if rotated:  # draw across the long side; a viewer turns the page to read it
            self.canvas.transform(0, 1, -1, 0, self.geo.height, 0)
        self.page += 1
        self.col = 0
        self.top = self.y = self.geo.body_top
        self.fresh = True
        if self.page >= self.article_first:
            self._running_heads()

    def _enter_full_width(self) -> None:
        """Span both columns from here, starting a page unless the columns are still empty."""
        if self.full:
            return
        if self.geo.columns > 1 and not (self.col == 0 and self.fresh):
            self._new_page()
        self.full = True

    def _new_page(self) -> None:
        self._close_column()
        self.canvas.showPage()
        self._begin_page()

    def _leave_full_width(self, gap: float) -> None:
        """Back to columns, which now start below what was set full width."""
        self.full = False
        if self.geo.columns > 1:
            self.top = self.y = self.y - gap
            self.col = 0
            self.fresh = True

    # --- running heads ------------------------------------------------------------------

    def _running_heads(self) -> None:
        geo, canvas = self.geo, self.canvas
        number = str(self.page)
        font = self.engine.font()
        canvas.setFont(font, 8)
        footer_y = geo.bottom - 26
        if self.page == self.article_first:
            if self.meta.page_number_first == "bottom_center":
                canvas.drawCentredString(geo.width / 2, footer_y, number)
            return
        header, footer = self.meta.running_header, self.meta.running_footer
        if self.meta.running:  # the running text moved to the chosen edge
            text = header or footer
            header, footer = (text, "") if self.meta.running == "top" else ("", text)
        places = {self.meta.page_numbers} if self.meta.page_numbers else {"top" if header else "", "bottom" if footer else ""}
        if not places - {""}:
            places = {"bottom"}
        head_y = geo.body_top + 16
        if header:
            canvas.setFont(self.engine.font(italic=True), 8)
            canvas.drawString(geo.side, head_y, header)
            canvas.setFont(font, 8)
            if "top" in places:
                canvas.drawRightString(geo.width - geo.side, head_y, number)
            canvas.setLineWidth(0.4)
            canvas.line(geo.side, head_y - 4, geo.width - geo.side, head_y - 4)
            self._note_running(header)
        if footer:
            canvas.drawString(geo.side, footer_y, footer)
            if "bottom" in places:
                canvas.drawRightString(geo.width - geo.side, footer_y, number)
            self._note_running(footer)
        for place, text, y in (("top", header, head_y), ("bottom", footer, footer_y)):
            if place in places and not text:
                canvas.drawCentredString(geo.width / 2, y, number)

    def _note_running(self, text: str) -> None:
        if text not in self.running:
            self.running.append(text)

    # --- footnotes ----------------------------------------------------------------------

    def _note_hang(self) -> float:
        sample = {"paren": "(00)", "bracket": "[00]"}.get(self.meta.marker_style, "00")
        return self.engine.width(sample, self.engine.font(), self.sizes.note) + 2.5

    def _note_lines(self, key: str) -> list[Line]:
        words = self.engine.words(self.doc.footnotes[key], self.sizes.note)
        return self.engine.break_lines(words, self.geo.col_width - self._note_hang())

    def _note_height(self, key: str) -> float:
        return len(self._note_lines(key)) * self.sizes.note_leading + NOTE_GAP

    def _new_notes(self, keys: list[str]) -> list[str]:
        """Notes first referenced by a line: footnotes to place with it (none for endnotes)."""
        fresh = [k for k in dict.fromkeys(keys) if k not in self.placed_notes]
        if self.meta.notes == "endnotes":
            self.placed_notes.update(fresh)
            self.note_order += fresh
            return []
        return fresh

    def _notes_cost(self, keys: list[str]) -> float:
        if not keys:
            return 0.0
        separator = 0.0 if self.col_notes else NOTE_SEPARATOR
        return separator + sum(self._note_height(k) for k in keys)

    def _add_notes(self, keys: list[str]) -> None:
        self.notes_height += self._notes_cost(keys)
        self.col_notes += keys
        self.placed_notes.update(keys)
        self.note_order += keys

    def _close_column(self) -> None:
        """Draw the current column's footnotes at its foot and record them."""
        if not self.col_notes:
            return
        canvas, sizes = self.canvas, self.sizes
        x = self.x
        y = self.geo.bottom + self.notes_height
        canvas.setLineWidth(0.5)
        canvas.line(x, y - 3, x + min(60.0, self.width * 0.3), y - 3)
        y -= NOTE_SEPARATOR
        hang = self._note_hang()
        for key in self.col_notes:
            lines = self._note_lines(key)
            first = baseline(y, sizes.note_leading, sizes.note)
            self._draw_note_marker(key, x, first)
            for index, line in enumerate(lines):
                base = baseline(y - index * sizes.note_leading, sizes.note_leading, sizes.note)
                self.engine.draw_line(canvas, line, x + hang, base, self.meta.justify)
            text = plain_text(self.doc.footnotes[key])
            self.blocks.append({"kind": "footnote", "marker": key, "text": text, "page": self.page})
            y -= len(lines) * sizes.note_leading + NOTE_GAP
        self.col_notes = []
        self.notes_height = 0.0

    def _draw_note_marker(self, key: str, x: float, base: float) -> None:
        if self.meta.marker_style in ("paren", "bracket"):
            label = f"({key})" if self.meta.marker_style == "paren" else f"[{key}]"
            frag = Frag(label, self.engine.font(), self.sizes.note)
        else:
            frag = self.engine.marker(key, self.sizes.note + 1.5)
        self.engine.draw_word(self.canvas, Word([frag]), x, base)

    # --- placing lines ------------------------------------------------------------------

    def place_lines(
        self,
        lines: list[Line],
        size: float,
        leading: float,
        *,
        justify: bool,
        offset: float = 0.0,
        align: str = "left",
        block: dict[str, Any] | None = None,
        first_mark: Callable[[float, float], None] | None = None,
    ) -> None:
        """Place lines one by one; a line moves on with its footnotes when they do not fit."""
        for index, line in enumerate(lines):
            notes = self._new_notes(line.notes)
            self.make_room(leading, notes, strict=True)
            base = baseline(self.y, leading, size)
            if index == 0:
                if block is not None:
                    block["page"] = self.page
                    self.blocks.append(block)
                if first_mark:
                    first_mark(self.x, base)
            self.engine.draw_line(self.canvas, line, self.x + offset, base, justify, align)
            if block is not None and "page_end" in block:
                block["page_end"] = self.page
            self.advance(leading)
            self._add_notes(notes)

    def _stack(self, lines: list[Line], size: float, leading: float, align: str = "left") -> None:
        """Draw front-matter lines full width at the cursor, without moving to another frame."""
        for line in lines:
            self.engine.draw_line(
                self.canvas, line, self.geo.side, baseline(self.y, leading, size), False, align
            )
            self.y -= leading

    def _full_lines(self, text: str, size: float, *, bold: bool = False, italic: bool = False) -> list[Line]:
        """Plain text broken to the full text width."""
        words = self.engine.plain_words(text, size, bold, italic)
        return self.engine.break_lines(words, self.geo.text_width, hyphenate=False)

    def _front(self, text: str) -> None:
        self.blocks.append({"kind": "front_matter", "text": text, "page": self.page})

    # --- cover, imprint, title block ----------------------------------------------------

    def _cover(self) -> None:
        geo, meta = self.geo, self.meta
        self._begin_page()
        self.canvas.setFillColorRGB(*BAND_COLOUR)
        self.canvas.rect(0, geo.height * 0.62, geo.width, geo.height * 0.2, stroke=0, fill=1)
        self.canvas.setFillColorRGB(1, 1, 1)
        lines = self._full_lines(meta.cover, 30, bold=True)
        self.y = geo.height * 0.72 + len(lines) * 36 / 2
        self._stack(lines, 30, 36, "center")
        self._front(meta.cover)
        self.canvas.setFillGray(0)
        self.y = geo.height * 0.5
        for text, size, bold in (
            (meta.title, 17.0, True),
            (meta.authors, 12.0, False),
            (meta.date_text, 11.0, False),
        ):
            if text:
                self._stack(self._full_lines(text, size, bold=bold), size, size * 1.3, "center")
                self.y -= size * 0.6
                self._front(text)
        self.canvas.showPage()

    def _imprint(self) -> None:
        self._begin_page()
        size, leading = 8.5, 11.0
        texts = self.meta.imprint.split("\n")
        self.y = self.geo.bottom + len(texts) * leading
        for text in texts:
            if text.strip():
                self._stack(self._full_lines(text, size), size, leading)
                self._front(text.strip())
            else:
                self.y -= leading
        self.canvas.showPage()

    def _title_block(self) -> None:
        """Series band, title, subtitle, by-line, date and abstract, full width at the top of the article."""
        meta, geo, canvas = self.meta, self.geo, self.canvas
        width = geo.text_width
        if meta.series:
            self._series_band()
        title = self.sizes.title
        self._stack(self._full_lines(meta.title, title, bold=True), title, title * 1.15)
        self._front(meta.title)
        if meta.subtitle:
            self.y -= 4
            canvas.setFillGray(0.3)
            self._stack(self._full_lines(meta.subtitle, 14, italic=True), 14, 17)
            canvas.setFillGray(0)
            self._front(meta.subtitle)
        if meta.authors:
            self.y -= 8
            self._stack(self._full_lines("by", 9, italic=True), 9, 11)
            self._stack(self._full_lines(meta.authors, 10.5, bold=True), 10.5, 13)
            self._front(f"by {meta.authors}")
        if meta.date_text and not meta.series:
            self._stack(self._full_lines(meta.date_text, 9), 9, 12)
            self._front(meta.date_text)
        self.y -= 10
        self._abstract()
        canvas.setLineWidth(0.6)
        canvas.line(geo.side, self.y, geo.side + width, self.y)
        self.y -= 14

    def _series_band(self) -> None:
        """The coloured band at the top: the series on the left, the date on the right.

        When the two would come closer than BAND_GAP the type gets smaller, down to
        BAND_SIZES[-1], and below that the series wraps to more lines (the band grows).
        """
        meta, engine, geo, canvas = self.meta, self.engine, self.geo, self.canvas
        width = geo.text_width
        date = meta.date_text

        def room(size: float) -> float:
            taken = engine.width(date, engine.font(), size) + BAND_GAP if date else 0.0
            return width - 2 * BAND_PAD - taken

        size = next(
            (s for s in BAND_SIZES if engine.width(meta.series, engine.font(bold=True), s) <= room(s)),
            BAND_SIZES[-1],
        )
        words = engine.plain_words(meta.series, size, bold=True)
        lines = engine.break_lines(words, room(size), hyphenate=False)
        leading = round(size * 1.2, 2)
        band = 22.0 + (len(lines) - 1) * leading
        canvas.setFillColorRGB(*BAND_COLOUR)
        canvas.rect(geo.side, self.y - band, width, band, stroke=0, fill=1)
        canvas.setFillColorRGB(1, 1, 1)
        base = self.y - 11.0 - 0.35 * size  # the lines sit centred in the band
        for index, line in enumerate(lines):
            engine.draw_line(canvas, line, geo.side + BAND_PAD, base - index * leading, False)
        self._front(meta.series)
        if date:
            canvas.setFont(engine.font(), size)
            canvas.drawRightString(geo.side + width - BAND_PAD, base, date)
            self._front(date)
        canvas.setFillGray(0)
        self.y -= band + 20

    def _abstract(self) -> None:
        sizes = self.sizes
        for spans in self.doc.abstract:
            lines = self.engine.break_lines(self.engine.words(spans, sizes.body, italic=True), self.width)
            block = {
                "kind": "body",
                "role": "abstract",
                "text": plain_text(spans),
                "page": 0,
                "page_end": 0,
                "section": "",
                "notes": [],
            }
            self.place_lines(lines, sizes.body, sizes.leading, justify=self.meta.justify, block=block)
            self.y -= sizes.leading * 0.5

    # --- body blocks --------------------------------------------------------------------

    def _space_before(self, kind: str, level: int = 0) -> float:
        """Vertical space between the previous block and one of ``kind``."""
        lead = self.sizes.leading
        if kind == "heading":
            return {1: 1.3, 2: 0.9}.get(level, 0.7) * lead
        if self.prev == "heading":
            return 0.0
        if "box" in (kind, self.prev) or "table" in (kind, self.prev):
            return 0.9 * lead
        if kind == "bullet":
            return 0.15 * lead if self.prev == "bullet" else 0.35 * lead
        if self.prev == "bullet":
            return 0.4 * lead
        return 0.0 if self.meta.indent_paragraphs else 0.55 * lead

    def _section_path(self) -> str:
        return " > ".join(s for s in self.section if s)

    def _heading_lines(self, heading: Heading) -> tuple[list[Line], float, float]:
        """A heading's lines, type size and leading."""
        size, bold, italic = self.sizes.heading(heading.level)
        words = self.engine.plain_words(heading.text, size, bold, italic)
        lines = self.engine.break_lines(words, self.width, hyphenate=False)
        return lines, size, round(size * 1.25, 2)

    def _heading_space_after(self) -> float:
        return 0.35 * self.sizes.leading

    def _start_height(self, following: list[Heading | Paragraph | Box | Table]) -> float:
        """Room the next blocks need so that a heading above them is not left alone."""
        if not following:
            return 0.0
        block = following[0]
        if isinstance(block, Heading):
            lines, _, leading = self._heading_lines(block)
            space = self._space_before("heading", block.level) + self._heading_space_after()
            return space + len(lines) * leading + self._start_height(following[1:])
        if isinstance(block, Box):
            return self._space_before("box") + self._box_layout(block).height
        if isinstance(block, Table):
            layout = TableLayout(block, self.width, self.engine, self.sizes.table, self.sizes.table_leading)
            caption = self._caption_lines(block.caption, self.sizes.body) if block.caption else []
            return self._space_before("table") + len(caption) * self.sizes.leading + layout.first_height()
        return self.sizes.leading

    def _heading(self, heading: Heading, keep_with: float) -> None:
        """Place a heading, moving on first if it and ``keep_with`` points of what follows do not fit."""
        lines, size, leading = self._heading_lines(heading)
        self.skip(self._space_before("heading", heading.level))
        keep = len(lines) * leading + self._heading_space_after() + keep_with
        self.make_room(keep)
        self.section[heading.level - 1 :] = [heading.text] + [""] * (3 - heading.level)
        block = {"kind": "heading", "level": heading.level, "text": heading.text}
        self.place_lines(lines, size, leading, justify=False, block=block)
        self.y -= self._heading_space_after()
        self.prev = "heading"

    def _paragraph(self, paragraph: Paragraph) -> None:
        sizes, engine = self.sizes, self.engine
        kind = "bullet" if paragraph.bullet else "para"
        self.skip(self._space_before(kind))
        words = engine.words(paragraph.spans, sizes.body)
        block = {
            "kind": "body",
            "text": paragraph.text,
            "page": 0,
            "page_end": 0,
            "section": self._section_path(),
            "notes": paragraph.notes,
        }
        if paragraph.bullet:
            indent = round(sizes.body * 1.2, 2)
            lines = engine.break_lines(words, self.width - indent)
            block["text"] = "– " + paragraph.text
            self.place_lines(
                lines,
                sizes.body,
                sizes.leading,
                justify=self.meta.justify,
                offset=indent,
                block=block,
                first_mark=self._bullet_mark(sizes.body),
            )
        else:
            first = 1.5 * sizes.body if self.meta.indent_paragraphs and self.prev == "para" else 0.0
            lines = engine.break_lines(words, self.width, first_indent=first)
            self.place_lines(lines, sizes.body, sizes.leading, justify=self.meta.justify, block=block)
        self.prev = kind

    def _bullet_mark(self, size: float) -> Callable[[float, float], None]:
        """Draws the bullet: an en dash, or a small filled square."""

        def mark(x: float, base: float) -> None:
            if self.meta.bullet == "square":
                side = size * 0.32
                self.canvas.rect(x + size * 0.15, base + size * 0.22, side, side, stroke=0, fill=1)
            else:
                self.canvas.setFont(self.engine.font(), size)
                self.canvas.drawString(x, base, "–")

        return mark

    def _box_layout(self, box: Box) -> BoxLayout:
        sizes, engine = self.sizes, self.engine
        inner = self.width - 2 * BoxLayout.pad
        indent = round(sizes.body * 1.2, 2)
        title = engine.break_lines(engine.plain_words(box.title, sizes.body + 0.5, bold=True), inner)
        items = [engine.break_lines(engine.words(item, sizes.body), inner - indent) for item in box.items]
        return BoxLayout(title, items, indent, sizes.leading)

    def _box(self, box: Box) -> None:
        sizes, engine, canvas = self.sizes, self.engine, self.canvas
        self.skip(self._space_before("box"))
        layout = self._box_layout(box)
        notes = self._new_notes([n for item in layout.items for line in item for n in line.notes])
        self.make_room(layout.height, notes, strict=True)
        self.blocks.append(
            {
                "kind": "box",
                "title": box.title,
                "items": [plain_text(i) for i in box.items],
                "page": self.page,
                "section": self._section_path(),
            }
        )
        canvas.setFillColorRGB(*BOX_COLOUR)
        canvas.rect(self.x, self.y - layout.height, self.width, layout.height, stroke=0, fill=1)
        canvas.setFillGray(0)
        x, y = self.x + layout.pad, self.y - layout.pad
        leading = layout.leading
        for line in layout.title:
            engine.draw_line(canvas, line, x, baseline(y, leading, sizes.body + 0.5), False)
            y -= leading
        y -= layout.gap
        mark = self._bullet_mark(sizes.body)
        for item in layout.items:
            mark(x, baseline(y, leading, sizes.body))
            for line in item:
                engine.draw_line(
                    canvas, line, x + layout.indent, baseline(y, leading, sizes.body), self.meta.justify
                )
                y -= leading
            y -= layout.gap
        self.advance(layout.height)
        self._add_notes(notes)
        self.prev = "box"

    def _caption_lines(self, text: str, size: float) -> list[Line]:
        match = _CAPTION_LABEL.match(text)
        spans = (
            [Span(match.group(1), bold=True), Span(" " + match.group(2), italic=True)]
            if match
            else [Span(text, italic=True)]
        )
        return self.engine.break_lines(self.engine.words(spans, size), self.width, hyphenate=False)

    def _table(self, table: Table) -> None:
        sizes = self.sizes
        self.skip(self._space_before("table"))
        if table.rotate:
            self._enter_landscape()
        elif table.span_full:
            self._enter_full_width()
        layout = TableLayout(table, self.width, self.engine, sizes.table, sizes.table_leading)
        caption = self._caption_lines(table.caption, sizes.body) if table.caption else []
        gap = 0.4 * sizes.leading
        if table.caption_below:
            self.make_room(layout.first_height())
        else:
            self.make_room(len(caption) * sizes.leading + gap + layout.first_height())
        if caption and not table.caption_below:
            block = {"kind": "caption", "text": table.caption}
            self.place_lines(caption, sizes.body, sizes.leading, justify=False, block=block)
            self.advance(gap)
        resolved = table.resolved()
        block = {
            "kind": "table",
            "style": table.style,
            "caption": table.caption,
            "header": resolved[: table.header_rows],
            "rows": resolved[table.header_rows :],
        }
        self.blocks.append(block)
        block["pages"], block["row_pages"] = place_table(self, layout)
        block["page"] = block["pages"][0]
        if caption and table.caption_below:
            self.skip(gap)
            self.make_room(len(caption) * sizes.leading)  # a caption is never cut by a break
            block = {"kind": "caption", "text": table.caption}
            self.place_lines(caption, sizes.body, sizes.leading, justify=False, block=block)
        if table.note:
            self.skip(0.3 * sizes.leading)
            words = self.engine.words(table.note, sizes.table, italic=True)
            lines = self.engine.break_lines(words, self.width)
            note = {"kind": "caption", "text": plain_text(table.note)}
            self.place_lines(lines, sizes.table, sizes.table_leading, justify=False, block=note)
        if table.rotate:
            self._leave_landscape()
        elif table.span_full:
            self._leave_full_width(0.9 * sizes.leading)
        self.prev = "table"

    def _enter_landscape(self) -> None:
        """Pages of their own, turned a quarter (/Rotate 90), for a table wider than the text."""
        self._close_column()
        self.canvas.showPage()
        self.portrait = self.geo
        self.geo = self.geo.landscape()
        self._begin_page()
        self.full = True

    def _leave_landscape(self) -> None:
        self._close_column()
        self.canvas.showPage()
        self.geo = self.portrait
        self.full = False
        self._begin_page()

    def _endnotes(self) -> None:
        sizes, engine = self.sizes, self.engine
        self._heading(Heading(1, "Notes"), 2 * sizes.note_leading)
        label = "[00] " if self.meta.marker_style == "bracket" else "(00) "
        hang = engine.width(label, engine.font(), sizes.note)
        for key in self.note_order:
            spans = self.doc.footnotes[key]
            label = f"[{key}]" if self.meta.marker_style == "bracket" else f"({key})"
            marker = Word([Frag(label, engine.font(), sizes.note)])
            words = [marker, *engine.words(spans, sizes.note)]
            lines = engine.break_lines(words, self.width, rest_indent=hang)
            block = {"kind": "reference", "marker": key, "text": plain_text(spans)}
            self.place_lines(lines, sizes.note, sizes.note_leading, justify=False, block=block)
            self.skip(0.35 * sizes.note_leading)

    # --- driver -------------------------------------------------------------------------

    def run(self) -> list[dict[str, Any]]:
        """Lay out the whole document; return the truth blocks in reading order."""
        if self.meta.cover:
            self._cover()
            self._imprint()
        self._begin_page()
        self.full = True
        self._title_block()
        self._leave_full_width(0.0)
        blocks = self.doc.blocks
        for index, block in enumerate(blocks):
            if isinstance(block, Heading):
                following = blocks[index + 1 :]
                if following and isinstance(following[0], Table) and following[0].span_full:
                    self._enter_full_width()  # the heading goes with its full-width table
                self._heading(block, self._start_height(following))
            elif isinstance(block, Paragraph):
                self._paragraph(block)
            elif isinstance(block, Box):
                self._box(block)
            else:
                self._table(block)
        if self.meta.notes == "endnotes" and self.note_order:
            self._endnotes()
        self._close_column()
        self.canvas.showPage()
        return self.blocks


def render_pdf(doc: SynthDoc, pdf_path: str | Path) -> dict[str, Any]:
    """Typeset ``doc`` into ``pdf_path``; return the truth of what was printed where."""
    pdf_path = Path(pdf_path)
    meta = doc.meta
    geometry = Geometry.for_doc(doc)
    canvas = Canvas(str(pdf_path), pagesize=(geometry.width, geometry.height), invariant=1)
    canvas.setTitle(meta.title)
    canvas.setAuthor(meta.authors or "secmine synth")
    canvas.setSubject(meta.subtitle or meta.series or meta.title)
    canvas.setCreator("secmine pipeline.synth")
    typesetter = Typesetter(doc, canvas)
    blocks = typesetter.run()
    canvas.save()
    return {
        "source": doc.source,
        "pdf": pdf_path.name,
        "pages": typesetter.page,
        "title": meta.title,
        "pub_date": meta.date,
        "page_size": [round(geometry.width, 2), round(geometry.height, 2)],
        "layout": meta.layout,
        "running": typesetter.running,
        "blocks": blocks,
    }


def build(src_md_path: str | Path, out_dir: str | Path) -> tuple[Path, Path]:
    """Render a markup file into ``out_dir``; return the paths of the PDF and its truth file."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = Path(src_md_path).stem
    pdf_path = out_dir / f"{stem}.pdf"
    truth = render_pdf(parse_file(src_md_path), pdf_path)
    truth_path = out_dir / f"{stem}.truth.json"
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return pdf_path, truth_path
