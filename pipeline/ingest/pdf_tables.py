"""Tables on a PDF page: ruled grids (pdfplumber), rule-only and whitespace-aligned tables (own
column detection), and tables that continue on the next page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.ingest.dehyphen import Dehyphenator
from pipeline.ingest.pdf_layout import MARKER_RE, Line, Word

BULLET_RE = re.compile(r"^[\u2013\u2014\u2022\u25aa\u25a0\u25e6\u25cf\u2023\u2043*-]\s")
CAPTION_RE = re.compile(r"^(Table|Tab\.|Figure|Fig\.|Box|Chart|Graph|Map|Exhibit)\s+[0-9IVXivx]+[a-z]?\b", re.I)
NUMBER_RE = re.compile(r"^[-+(]?\d[\d.,%]*\)?$")

_GRID = {"vertical_strategy": "lines", "horizontal_strategy": "lines", "snap_tolerance": 3, "intersection_tolerance": 3}


@dataclass
class PageTable:
    """A table found on one page; ``cells`` has the text of each position, spans repeated."""

    page: int
    bbox: tuple[float, float, float, float]
    cells: list[list[str]]
    header_rows: int
    method: str
    key_empty: list[bool] = field(default_factory=list)  # row's first cell empty before filling spans
    note: str = ""
    caption: str = ""

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.cells), default=0)


def words_in(words: list[Word], bbox: tuple[float, float, float, float], pad: float = 1.0) -> list[Word]:
    x0, top, x1, bottom = bbox
    return [
        w
        for w in words
        if x0 - pad <= (w.x0 + w.x1) / 2 <= x1 + pad and top - pad <= (w.top + w.bottom) / 2 <= bottom + pad
    ]


def cell_text(words: list[Word], left_edge: float, right_edge: float, dehyphen: Dehyphenator) -> str:
    """Text of one cell: bullet items and deliberate line breaks on their own lines, wraps joined.

    A line break is deliberate when the next line's first word would have fitted on the line
    before, within the cell's padding (taken to be the same on both sides).
    """
    if words:
        right_edge -= max(0.0, min(w.x0 for w in words) - left_edge)
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.bottom, w.x0)):
        if MARKER_RE.match(word.text) and rows and word.size < 0.85 * rows[-1][0].size:
            continue
        if rows and abs(rows[-1][0].bottom - word.bottom) <= 0.35 * word.size:
            rows[-1].append(word)
        else:
            rows.append([word])
    items: list[str] = []
    prev_end = None
    for row in rows:
        row.sort(key=lambda w: w.x0)
        text = " ".join(w.text for w in row)
        first_width = row[0].x1 - row[0].x0
        fits_before = prev_end is not None and prev_end + first_width + 0.6 * row[0].size < right_edge
        if not items or BULLET_RE.match(text) or fits_before:
            items.append(text)
        else:
            items[-1] = dehyphen.join(items[-1], text)
        prev_end = row[-1].x1
    return "\n".join(items)


def _grid_settings(page) -> dict:
    """pdfplumber's line strategy fed only with drawn rules: lines, hairline rectangles and the
    borders of stroked rectangles, not the edges of shading (a shaded header row is no rule)."""
    rules = [obj for obj in page.lines]
    rules += [r for r in page.rects if min(r["width"], r["height"]) <= 2.0 or r.get("stroke")]
    vertical = [r for r in rules if r["height"] >= 2.0 or r.get("stroke")]
    horizontal = [r for r in rules if r["width"] >= 2.0 or r.get("stroke")]
    return dict(
        _GRID,
        vertical_strategy="explicit",
        horizontal_strategy="explicit",
        explicit_vertical_lines=vertical,
        explicit_horizontal_lines=horizontal,
    )


def find_ruled_tables(page, words: list[Word], pno: int, dehyphen: Dehyphenator, min_rows: int, min_cols: int) -> list[PageTable]:
    """Tables drawn as grids, found by pdfplumber's line strategy over the page's rules."""
    settings = _grid_settings(page)
    if len(settings["explicit_vertical_lines"]) < 2 or len(settings["explicit_horizontal_lines"]) < 2:
        return []
    found = []
    for table in page.find_tables(settings):
        rows = table.rows
        n_cols = max((len(r.cells) for r in rows), default=0)
        if len(rows) < min_rows or n_cols < min_cols:
            continue
        found.append(_grid_table(table, words, pno, dehyphen))
    return [t for t in found if t.n_cols >= min_cols and len(t.cells) >= min_rows]


def _grid_table(table, words: list[Word], pno: int, dehyphen: Dehyphenator) -> PageTable:
    row_boxes = [r.bbox for r in table.rows]
    col_edges = _column_edges(table)
    grid: list[list[str]] = []
    key_empty: list[bool] = []
    spans: list[list[tuple]] = []
    text_of: dict[tuple, str] = {}
    for r, row in enumerate(table.rows):
        values = []
        span_row = []
        for c in range(len(col_edges) - 1):
            cell = row.cells[c] if c < len(row.cells) else None
            if cell is None:
                cell = _covering_cell(table.cells, (col_edges[c] + col_edges[c + 1]) / 2, (row_boxes[r][1] + row_boxes[r][3]) / 2)
            if cell is None:
                values.append("")
                span_row.append(None)
                continue
            if cell not in text_of:
                text_of[cell] = cell_text(words_in(words, cell), cell[0], cell[2], dehyphen)
            values.append(text_of[cell])
            span_row.append(cell)
        key_empty.append(row.cells[0] is None or not text_of.get(row.cells[0], ""))
        grid.append(values)
        spans.append(span_row)
    header_rows = _header_rows(grid, [words_in(words, rb) for rb in row_boxes], table.page)
    note = ""
    if len(grid) > header_rows + 1 and spans[-1][0] is not None and all(s == spans[-1][0] for s in spans[-1]):
        note = grid.pop()[0]
        key_empty.pop()
    return PageTable(pno, tuple(table.bbox), grid, header_rows, "grid", key_empty, note)


def _column_edges(table) -> list[float]:
    xs = sorted({round(c[0], 1) for c in table.cells} | {round(c[2], 1) for c in table.cells})
    edges: list[float] = []
    for x in xs:
        if not edges or x - edges[-1] > 2:
            edges.append(x)
    return edges


def _covering_cell(cells, x: float, y: float):
    for cell in cells:
        if cell[0] <= x <= cell[2] and cell[1] <= y <= cell[3]:
            return cell
    return None


def _row_style(words: list[Word]) -> tuple[float, float]:
    chars = sum(len(w.text) for w in words) or 1
    italic = sum(len(w.text) for w in words if w.italic) / chars
    bold = sum(len(w.text) for w in words if w.bold) / chars
    return italic, bold


def _header_rows(grid: list[list[str]], row_words: list[list[Word]], page) -> int:
    """Leading rows set in another style (or shaded) than the body rows; at least one."""
    if len(grid) < 2:
        return 0
    body = row_words[len(row_words) // 2 :]
    body_italic = sum(_row_style(w)[0] for w in body) / len(body)
    shaded = _shaded_rows(row_words, page)
    count = 0
    for r, words in enumerate(row_words[:-1]):
        italic, _ = _row_style(words)
        numeric_body = any(NUMBER_RE.match(c.strip()) for c in grid[r][1:] if c.strip())
        if (r in shaded or abs(italic - body_italic) > 0.5) and not numeric_body:
            count += 1
        else:
            break
    return max(count, 1)


def _shaded_rows(row_words: list[list[Word]], page) -> set[int]:
    rows = set()
    fills = [r for r in page.rects if r.get("fill") and _is_tinted(r.get("non_stroking_color"))]
    for i, words in enumerate(row_words):
        for w in words:
            cx, cy = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
            if any(f["x0"] <= cx <= f["x1"] and f["top"] <= cy <= f["bottom"] for f in fills):
                rows.add(i)
                break
    return rows


def _is_tinted(color) -> bool:
    if color is None:
        return False
    values = color if isinstance(color, (list, tuple)) else (color,)
    try:
        values = [float(v) for v in values]
    except (TypeError, ValueError):
        return False
    if len(values) == 4:  # CMYK: any ink
        return any(v > 0.02 for v in values)
    return any(v < 0.98 for v in values)


# ---------------------------------------------------------------- tables without a grid


def aligned_table(lines: list[Line], pno: int, dehyphen: Dehyphenator, method: str, min_gap: float) -> PageTable | None:
    """Read lines whose words fall into aligned columns (tables ruled only across, or not at all)."""
    if len(lines) < 2:
        return None
    words = [w for ln in lines for w in ln.words]
    key_rows = _rows_by_key(lines)
    header_count = _leading_header(lines, key_rows)
    body_words = [w for ln in lines[header_count:] for w in ln.words] or words
    edges = _gutters(body_words, min_gap)
    if len(edges) < 1:
        return None
    bounds = [min(w.x0 for w in words) - 1] + edges + [max(w.x1 for w in words) + 1]
    n_cols = len(bounds) - 1
    grouped: list[list[Line]] = []
    for i, line in enumerate(lines):
        starts_row = i < header_count or i == header_count or _in_column(line, bounds, 0)
        if starts_row or not grouped:
            grouped.append([line])
        else:
            grouped[-1].append(line)
    grid: list[list[str]] = []
    key_empty: list[bool] = []
    for row_lines in grouped:
        cells = []
        for c in range(n_cols):
            cw = [w for ln in row_lines for w in ln.words if bounds[c] <= (w.x0 + w.x1) / 2 < bounds[c + 1]]
            cells.append(cell_text(cw, bounds[c], bounds[c + 1], dehyphen))
        grid.append(cells)
        key_empty.append(not cells[0])
    _spread_group_headers(grid, lines[:header_count], bounds)
    x0 = min(w.x0 for w in words)
    x1 = max(w.x1 for w in words)
    bbox = (x0, min(ln.top for ln in lines), x1, max(ln.bottom for ln in lines))
    return PageTable(pno, bbox, grid, header_count, method, key_empty)


def _in_column(line: Line, bounds: list[float], col: int) -> bool:
    return any(bounds[col] <= (w.x0 + w.x1) / 2 < bounds[col + 1] for w in line.words)


def _rows_by_key(lines: list[Line]) -> list[bool]:
    left = min(ln.x0 for ln in lines)
    return [abs(ln.x0 - left) < 2 for ln in lines]


def _leading_header(lines: list[Line], key_rows: list[bool]) -> int:
    """Header lines: those before the first line that starts in the key column, or the first line."""
    for i, starts in enumerate(key_rows):
        if starts:
            if i > 0:
                return i
            break
    styled = 0
    body_italic = sum(_row_style(ln.words)[0] for ln in lines[1:]) / max(len(lines) - 1, 1)
    for ln in lines[:-1]:
        if abs(_row_style(ln.words)[0] - body_italic) > 0.5 or (ln.bold and not all(w.bold for w in lines[-1].words)):
            styled += 1
        else:
            break
    return max(styled, 1)


def _gutters(words: list[Word], min_gap: float) -> list[float]:
    spans = sorted((w.x0, w.x1) for w in words)
    merged: list[list[float]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1] + min_gap:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(a[1] + b[0]) / 2 for a, b in zip(merged, merged[1:])]


def _spread_group_headers(grid: list[list[str]], header_lines: list[Line], bounds: list[float]) -> None:
    """A header word run that spans several columns (a group header) fills each of them."""
    for r, line in enumerate(header_lines):
        if r >= len(grid):
            return
        runs = _word_runs(line.words)
        for run in runs:
            lo, hi = run[0].x0, run[-1].x1
            cols = [c for c in range(len(bounds) - 1) if lo < bounds[c + 1] - 1 and hi > bounds[c] + 1]
            if len(cols) > 1:
                text = " ".join(w.text for w in run)
                for c in cols:
                    grid[r][c] = text


def _word_runs(words: list[Word]) -> list[list[Word]]:
    runs: list[list[Word]] = []
    for w in sorted(words, key=lambda w: w.x0):
        if runs and w.x0 - runs[-1][-1].x1 <= 0.6 * w.size:
            runs[-1].append(w)
        else:
            runs.append([w])
    return runs


def looks_tabular(lines: list[Line], min_gap: float) -> bool:
    """At least three lines split into two or more aligned runs, many of them numbers."""
    if len(lines) < 3:
        return False
    multi = [ln for ln in lines if len(_word_runs_gap(ln.words, min_gap)) >= 2]
    if len(multi) < max(3, 0.6 * len(lines)):
        return False
    cells = [" ".join(w.text for w in run) for ln in multi for run in _word_runs_gap(ln.words, min_gap)]
    numeric = sum(1 for c in cells if NUMBER_RE.match(c))
    return numeric >= 0.3 * len(cells)


def _word_runs_gap(words: list[Word], min_gap: float) -> list[list[Word]]:
    runs: list[list[Word]] = []
    for w in sorted(words, key=lambda w: w.x0):
        if runs and w.x0 - runs[-1][-1].x1 < min_gap:
            runs[-1].append(w)
        else:
            runs.append([w])
    return runs


# ---------------------------------------------------------------- tables across pages


def continues(prev: PageTable, nxt: PageTable) -> bool:
    """Does ``nxt`` (first thing on its page) carry on ``prev`` (last thing on the page before)?"""
    if nxt.page != prev.page + 1 or nxt.caption:
        return False
    if nxt.n_cols != prev.n_cols:
        return False
    return abs((prev.bbox[2] - prev.bbox[0]) - (nxt.bbox[2] - nxt.bbox[0])) <= 0.08 * (prev.bbox[2] - prev.bbox[0])


def join_tables(parts: list[PageTable]) -> tuple[list[list[str]], list[list[str]], list[int], str]:
    """Header, body rows, page of each row and note of a table printed over several pages.

    A repeated header is dropped; a first row with an empty key cell finishes the row before it.
    """
    first = parts[0]
    header = first.cells[: first.header_rows]
    rows = [list(r) for r in first.cells[first.header_rows :]]
    pages = [first.page] * len(rows)
    notes = [first.note] if first.note else []
    for part in parts[1:]:
        body = part.cells
        empties = part.key_empty
        skip = 0
        norm_header = [[_norm(c) for c in r] for r in header]
        while skip < len(body) and skip < len(header) + 1 and [_norm(c) for c in body[skip]] in norm_header:
            skip += 1
        body = body[skip:]
        empties = empties[skip:]
        if body and rows and empties and empties[0]:
            rows[-1] = [_merge_cells(a, b) for a, b in zip(rows[-1], body[0])]
            body = body[1:]
        rows.extend(list(r) for r in body)
        pages.extend([part.page] * len(body))
        if part.note:
            notes.append(part.note)
    return header, rows, pages, "\n".join(notes)


def _merge_cells(first: str, rest: str) -> str:
    if not rest or rest == first:
        return first
    if not first:
        return rest
    return first + "\n" + rest


def _norm(text: str) -> str:
    return " ".join(text.lower().split())
