"""Table layout: merged cells, column widths, wrapped cell lines, row pieces and their drawing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING

from reportlab.pdfgen.canvas import Canvas

from synth.markup import Table, cell_lines
from synth.text import Line, TextEngine, Word, baseline

if TYPE_CHECKING:
    from synth.typeset import Typesetter

_NUMERIC = re.compile(r"^[-+–]?[\d.,\s%/]*\d[\d.,\s%/]*$")
_PLACEHOLDERS = ("", "–", "-", "n/a", "..")
HEADER_SHADE = 0.87
ZEBRA_SHADE = 0.93
SPACER_SHADE = 0.82
RULE_GREY = 0.55
EPS = 1e-6


class LayoutError(ValueError):
    """Content that cannot be placed (a row, box or footnote taller than a column)."""


@dataclass
class Cell:
    """A visible cell: the top-left cell of a merged area and how far it spans."""

    row: int
    col: int
    rowspan: int
    colspan: int
    text: str
    bold: bool
    align: str = "left"
    lines: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class Piece:
    """A row (or the part of a split row, lines ``start`` to ``stop``) as placed in one frame."""

    row: int
    height: float
    start: int = 0
    stop: int | None = None


Placed = tuple[Piece, float]  # a piece and the y of its top edge


class TableLayout:
    """Measures a table for a given width and draws the part of it that lands in one frame."""

    def __init__(self, table: Table, width: float, engine: TextEngine, size: float, leading: float):
        self.table = table
        self.width = width
        self.engine = engine
        self.size = size
        self.leading = leading
        # Text keeps pad_x off each column edge: at least 6 pt between the columns' texts, 10 pt
        # in whitespace tables where no line separates them.
        self.pad_x = 5.0 if table.style == "whitespace" else 3.0
        self.pad_y = 2.5 if table.style == "grid" else 2.0
        self.owners = table.owners()
        self.cells = self._cells()
        self.tight = False  # set when even the longest words do not fit: cells then hyphenate
        self.col_widths = self._column_widths()
        for cell in self.cells.values():
            cell.lines = self._wrap(cell)
        self.row_heights = self._row_heights()

    @property
    def header_rows(self) -> int:
        return self.table.header_rows

    def cell_at(self, row: int, col: int) -> Cell:
        return self.cells[self.owners[row][col]]

    def _cells(self) -> dict[tuple[int, int], Cell]:
        cells: dict[tuple[int, int], Cell] = {}
        grid = self.table.grid
        for r, row in enumerate(self.owners):
            for c, owner in enumerate(row):
                if owner != (r, c):
                    continue
                rowspan = sum(1 for rr in range(r, len(grid)) if self.owners[rr][c] == owner)
                colspan = sum(1 for cc in range(c, len(row)) if row[cc] == owner)
                cells[owner] = Cell(r, c, rowspan, colspan, grid[r][c], bold=r < self.header_rows)
        aligns = self._column_aligns(cells)
        for cell in cells.values():
            cell.align = "center" if cell.bold and cell.colspan > 1 else aligns[cell.col]
        return cells

    def _column_aligns(self, cells: dict[tuple[int, int], Cell]) -> list[str]:
        """Explicit alignment from the separator row, else numbers centred (right without rules)."""
        aligns = []
        for c in range(self.table.n_cols):
            if self.table.align[c]:
                aligns.append(self.table.align[c])
                continue
            body = [x.text for x in cells.values() if x.col == c and not x.bold and x.colspan == 1]
            values = [t for t in body if t not in _PLACEHOLDERS]
            if values and all(_NUMERIC.match(t) for t in values):
                aligns.append("right" if self.table.style == "whitespace" else "center")
            else:
                aligns.append("left")
        return aligns

    def _words(self, cell: Cell, text: str) -> list[Word]:
        return self.engine.plain_words(text, self.size, bold=cell.bold)

    def _hang(self, cell: Cell, text: str) -> float:
        if not text.startswith("– "):
            return 0.0
        return self.engine.width("– ", self.engine.font(bold=cell.bold), self.size)

    def _column_widths(self) -> list[float]:
        """Widths from the widths= option, else between each column's narrowest and natural widths.

        The narrowest width holds the longest word; when even those do not fit, cells hyphenate
        and the narrowest width holds the longest piece of a hyphenated word.
        """
        if self.table.widths:
            total = sum(self.table.widths)
            return [self.width * w / total for w in self.table.widths]
        natural, words, pieces = self._column_extents()
        if sum(natural) <= self.width:
            return [self.width * w / sum(natural) for w in natural]
        minimum = words
        if sum(words) > self.width:
            self.tight = True
            minimum = pieces
        if sum(minimum) >= self.width:
            return [self.width * w / sum(minimum) for w in minimum]
        slack = [nat - low for nat, low in zip(natural, minimum, strict=True)]
        spare = self.width - sum(minimum)
        return [low + spare * s / sum(slack) for low, s in zip(minimum, slack, strict=True)]

    def _column_extents(self) -> tuple[list[float], list[float], list[float]]:
        """Per column: widest unbroken line, longest word, and longest piece of a hyphenated word.

        A cell spanning columns that needs more than their sum (for its longest word or piece)
        shares the difference out among them.
        """
        empty = 2 * self.pad_x + 1.0
        natural, words, pieces = ([empty] * self.table.n_cols for _ in range(3))
        spanning = []
        for cell in self.cells.values():
            need = self._cell_extents(cell)
            if need is None:
                continue
            if cell.colspan != 1:
                spanning.append((cell, need))
                continue
            for extent, value in zip((natural, words, pieces), need, strict=True):
                extent[cell.col] = max(extent[cell.col], value)
        for cell, need in spanning:
            cols = slice(cell.col, cell.col + cell.colspan)
            for extent, value in zip((words, pieces), need[1:], strict=True):
                deficit = value - sum(extent[cols])
                if deficit > 0:
                    for c in range(cols.start, cols.stop):
                        extent[c] += deficit / cell.colspan
            for c in range(cols.start, cols.stop):
                natural[c] = max(natural[c], words[c])
        return natural, words, pieces

    def _cell_extents(self, cell: Cell) -> tuple[float, float, float] | None:
        """A cell's widest unbroken line, longest word and longest piece, padding included."""
        found = False
        natural = words = pieces = 0.0
        for text in cell_lines(cell.text):
            line_words = self._words(cell, text)
            if not line_words:
                continue
            found = True
            pad = 2 * self.pad_x + self._hang(cell, text)
            line = Line(line_words, 1e9)
            natural = max(natural, self.engine.line_width(line) + 2 * self.pad_x)
            words = max(words, max(map(self.engine.word_width, line_words)) + pad)
            pieces = max(pieces, max(map(self.engine.narrowest, line_words)) + pad)
        return (natural, words, pieces) if found else None

    def cell_width(self, cell: Cell) -> float:
        return sum(self.col_widths[cell.col : cell.col + cell.colspan])

    def _wrap(self, cell: Cell) -> list[Line]:
        """Lines of a cell: one or more per ``<br>`` line, continuation lines of "– " items hanging."""
        inner = self.cell_width(cell) - 2 * self.pad_x
        lines: list[Line] = []
        for text in cell_lines(cell.text):
            words = self._words(cell, text)
            if words:
                hang = self._hang(cell, text)
                lines += self.engine.break_lines(
                    words, inner, rest_indent=hang, hyphenate=self.tight, bind_first=hang > 0
                )
        return lines

    def _lines_height(self, count: int) -> float:
        return 2 * self.pad_y + max(count, 1) * self.leading

    def _row_heights(self) -> list[float]:
        heights = [
            round(0.6 * self.leading, 2) if r in self.table.spacers else self._lines_height(1)
            for r in range(len(self.table.grid))
        ]
        spanning = []
        for cell in self.cells.values():
            if cell.rowspan == 1:
                heights[cell.row] = max(heights[cell.row], self._lines_height(len(cell.lines)))
            else:
                spanning.append(cell)
        for cell in spanning:
            last = cell.row + cell.rowspan - 1
            deficit = self._lines_height(len(cell.lines)) - sum(heights[cell.row : last + 1])
            if deficit > 0:
                heights[last] += deficit
        return heights

    def piece(self, row: int) -> Piece:
        return Piece(row, self.row_heights[row])

    def header_pieces(self) -> list[Piece]:
        return [self.piece(r) for r in range(self.header_rows)]

    def groups(self) -> list[list[int]]:
        """Body rows in runs that row-spanning cells tie together."""
        groups = []
        row = self.header_rows
        while row < len(self.table.grid):
            end = row
            k = row
            while k <= end:
                for c in range(self.table.n_cols):
                    cell = self.cell_at(k, c)
                    end = max(end, cell.row + cell.rowspan - 1)
                k += 1
            groups.append(list(range(row, end + 1)))
            row = end + 1
        return groups

    def first_height(self) -> float:
        """Height the table needs at its start: header rows and the first row (or its first line)."""
        header = sum(p.height for p in self.header_pieces())
        if len(self.table.grid) == self.header_rows:
            return header
        first = self.piece(self.header_rows)
        return header + (self._lines_height(1) if self.table.split_rows else first.height)

    def split(self, piece: Piece, room: float) -> tuple[Piece, Piece] | None:
        """Cut a row at a line boundary so that its head fits ``room``, or None."""
        cells = [self.cell_at(piece.row, c) for c in range(self.table.n_cols)]
        if any(cell.rowspan > 1 for cell in cells):
            return None
        remaining = max(len(cell.lines) - piece.start for cell in cells)
        fit = int((room - 2 * self.pad_y) / self.leading + EPS)
        if fit < 1 or fit >= remaining:
            return None
        cut = piece.start + fit
        rest = max(len(cell.lines) - cut for cell in cells)
        head = Piece(piece.row, self._lines_height(fit), piece.start, cut)
        return head, Piece(piece.row, self._lines_height(rest), cut, None)

    def draw(self, canvas: Canvas, x: float, placed: list[Placed]) -> None:
        """Draw the pieces that landed in one frame: shading, cell text, then lines."""
        edges = [x]
        for w in self.col_widths:
            edges.append(edges[-1] + w)
        if self.table.style == "grid":
            canvas.setFillGray(HEADER_SHADE)
            for piece, top in placed:
                if piece.row < self.header_rows:
                    canvas.rect(x, top - piece.height, self.width, piece.height, stroke=0, fill=1)
            canvas.setFillGray(0)
        self._shade(canvas, x, placed)
        for cell, first in self._visible(placed):
            piece, top = placed[first]
            lines = cell.lines[piece.start : piece.stop] if cell.rowspan == 1 else cell.lines
            for k, line in enumerate(lines):
                base = baseline(top - self.pad_y - k * self.leading, self.leading, self.size)
                self.engine.draw_line(canvas, line, edges[cell.col] + self.pad_x, base, False, cell.align)
        if self.table.style == "grid":
            self._draw_grid(canvas, edges, placed)
        elif self.table.style == "rules":
            self._draw_rules(canvas, edges, placed)

    def _shade(self, canvas: Canvas, x: float, placed: list[Placed]) -> None:
        """Spacer rows in a darker grey; with zebra stripes, every other body row (or row group) light."""
        striped = set()
        if self.table.zebra:
            body_groups = [g for g in self.groups() if g[0] not in self.table.spacers]
            striped = {r for i, g in enumerate(body_groups) if i % 2 == 1 for r in g}
        shaded = False
        for piece, top in placed:
            grey = SPACER_SHADE if piece.row in self.table.spacers else ZEBRA_SHADE if piece.row in striped else None
            if grey is not None:
                canvas.setFillGray(grey)
                canvas.rect(x, top - piece.height, self.width, piece.height, stroke=0, fill=1)
                shaded = True
        if shaded:
            canvas.setFillGray(0)

    def _visible(self, placed: list[Placed]) -> list[tuple[Cell, int]]:
        """Each cell seen in the placed pieces, with the index of the first piece it appears in."""
        seen: dict[tuple[int, int], tuple[Cell, int]] = {}
        for index, (piece, _) in enumerate(placed):
            for owner in self.owners[piece.row]:
                seen.setdefault(owner, (self.cells[owner], index))
        return list(seen.values())

    def _between(self, upper: Piece, lower: Piece, edges: list[float]) -> list[tuple[float, float]]:
        """Horizontal segments separating two stacked pieces, skipping merged cells."""
        return [
            (edges[c], edges[c + 1])
            for c in range(self.table.n_cols)
            if self.owners[upper.row][c] != self.owners[lower.row][c]
        ]

    def _draw_grid(self, canvas: Canvas, edges: list[float], placed: list[Placed]) -> None:
        top = placed[0][1]
        bottom = placed[-1][1] - placed[-1][0].height
        canvas.setLineWidth(0.5)
        horizontal = [(top, edges[0], edges[-1]), (bottom, edges[0], edges[-1])]
        for (upper, _), (lower, y) in pairwise(placed):
            horizontal += [(y, x0, x1) for x0, x1 in _merge(self._between(upper, lower, edges))]
        for y, x0, x1 in horizontal:
            canvas.line(x0, y, x1, y)
        for c in range(len(edges)):
            spans = []
            for piece, y in placed:
                inner = 0 < c < self.table.n_cols
                if not inner or self.owners[piece.row][c - 1] != self.owners[piece.row][c]:
                    spans.append((y - piece.height, y))
            for y0, y1 in _merge(spans):
                canvas.line(edges[c], y0, edges[c], y1)

    def _draw_rules(self, canvas: Canvas, edges: list[float], placed: list[Placed]) -> None:
        top = placed[0][1]
        bottom = placed[-1][1] - placed[-1][0].height
        canvas.setLineWidth(0.9)
        first, last = placed[0][0], placed[-1][0]
        if self.table.part_rules or first.row < self.header_rows:
            canvas.line(edges[0], top, edges[-1], top)
        if self.table.part_rules or (last.row == len(self.table.grid) - 1 and last.stop is None):
            canvas.line(edges[0], bottom, edges[-1], bottom)
        canvas.setLineWidth(0.45)
        header = [(p, y) for p, y in placed if p.row < self.header_rows]
        if header:
            last, y = header[-1]
            canvas.line(edges[0], y - last.height, edges[-1], y - last.height)
        for piece, y in header[:-1]:
            for c in range(self.table.n_cols):
                cell = self.cell_at(piece.row, c)
                if cell.col == c and cell.row == piece.row and cell.colspan > 1 and cell.rowspan == 1:
                    under = y - piece.height
                    canvas.line(edges[c] + 2, under, edges[c + cell.colspan] - 2, under)
        if self.table.row_rules:
            canvas.setLineWidth(0.3)
            canvas.setStrokeGray(RULE_GREY)
            body = [(p, y) for p, y in placed if p.row >= self.header_rows]
            for (upper, _), (lower, y) in pairwise(body):
                for x0, x1 in _merge(self._between(upper, lower, edges)):
                    canvas.line(x0, y, x1, y)
            canvas.setStrokeGray(0)


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Join touching or overlapping intervals."""
    merged: list[tuple[float, float]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1] + 0.01:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def place_table(ts: Typesetter, layout: TableLayout) -> tuple[list[int], list[int]]:
    """Flow a table's rows through the typesetter's frames; return its pages and each body row's page."""
    table = layout.table
    portion: list[Placed] = []
    pages: list[int] = []
    row_pages: dict[int, int] = {}

    def put(piece: Piece) -> None:
        portion.append((piece, ts.y))
        ts.advance(piece.height)
        row_pages.setdefault(piece.row, ts.page)

    def has_body() -> bool:
        return any(p.row >= table.header_rows for p, _ in portion)

    def flush(last: bool) -> None:
        # Header rows left alone at the foot of a frame are dropped: they are repeated in the next.
        if portion and (has_body() or last):
            layout.draw(ts.canvas, ts.x, portion)
            if ts.page not in pages:
                pages.append(ts.page)
        portion.clear()

    def at_full_frame_top() -> bool:
        start = portion[0][1] if portion else ts.y
        return start >= ts.top - EPS and ts.top >= ts.geo.body_top - EPS

    def new_frame() -> None:
        flush(last=False)
        ts.next_frame()
        if table.repeat_header:
            for header in layout.header_pieces():
                put(header)

    for header in layout.header_pieces():
        put(header)
    for group in layout.groups():
        queue = [layout.piece(r) for r in group]
        keep_whole = not (table.split_rows and len(group) == 1)
        if keep_whole and has_body() and sum(p.height for p in queue) > ts.room() + EPS:
            new_frame()
        while queue:
            piece = queue.pop(0)
            if piece.height <= ts.room() + EPS:
                put(piece)
                continue
            split = layout.split(piece, ts.room()) if table.split_rows or not has_body() else None
            if split:
                put(split[0])
                queue.insert(0, split[1])
            elif not has_body() and at_full_frame_top():
                raise LayoutError(f"table {table.caption!r}: row {piece.row + 1} is taller than a column")
            else:
                queue.insert(0, piece)
            new_frame()
    flush(last=True)
    header = table.header_rows
    return pages, [row_pages[r] for r in range(header, len(table.grid)) if r not in table.spacers]
