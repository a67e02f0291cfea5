"""Tables on a PDF page: ruled grids (pdfplumber), rule-only and whitespace-aligned tables (own
column detection), and tables that continue on the next page."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.ingest.dehyphen import Dehyphenator
from pipeline.ingest.pdf_layout import MARKER_RE, Line, PageData, Word, baseline_rows, overlaps
from pipeline.ingest.vocabulary import BULLET_RE, caption_re

CAPTION_RE = caption_re()
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
    frame: tuple[float, float] = (0.0, 0.0)  # x-extent of the table's rules (or of its text)
    bounds: list[float] = field(default_factory=list)  # column edges of a table read by alignment
    reread: Callable[[list[float]], PageTable | None] | None = None  # the same lines, other column edges
    open_end: bool = False  # ruled across but with no closing rule: it runs on to the next page
    caption_below: bool = False  # its caption is set under it (on the last part of a long table)
    size: float = 0.0  # the type size of its cells
    starts: list[float] = field(default_factory=list)  # where the text of each column starts (read by alignment)

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
    size = max((w.size for w in words), default=0.0)
    rows = baseline_rows([w for w in words if not (MARKER_RE.match(w.text) and w.size < 0.85 * size)])
    items: list[str] = []
    prev_end = None
    for row in rows:
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
                # No closed cell here: a cell cut by a page break has no rule under it. Its words in
                # the row's band still belong to it.
                box = (col_edges[c], row_boxes[r][1], col_edges[c + 1], row_boxes[r][3])
                inside = words_in(words, box)
                values.append(cell_text(inside, box[0], box[2], dehyphen) if inside else "")
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
    bbox = tuple(table.bbox)
    return PageTable(pno, bbox, grid, header_rows, "grid", key_empty, note, frame=(bbox[0], bbox[2]))


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
    """Leading rows set in another style (italic, bold) or shaded unlike the body rows; at least one."""
    if len(grid) < 2:
        return 0
    body = row_words[len(row_words) // 2 :]
    body_italic = sum(_row_style(w)[0] for w in body) / len(body)
    body_bold = sum(_row_style(w)[1] for w in body) / len(body)
    shaded = _shaded_rows(row_words, page)
    count = 0
    for r, words in enumerate(row_words[:-1]):
        italic, bold = _row_style(words)
        numeric_body = any(NUMBER_RE.match(c.strip()) for c in grid[r][1:] if c.strip())
        other_style = abs(italic - body_italic) > 0.5 or abs(bold - body_bold) > 0.5  # a browser's <th> is bold
        if (r in shaded or other_style) and not numeric_body:
            count += 1
        else:
            break
    return max(count, 1)


def _shaded_rows(row_words: list[list[Word]], page) -> set[int]:
    rows = set()
    fills = [r for r in page.rects if r.get("fill") and is_tinted(r.get("non_stroking_color"))]
    for i, words in enumerate(row_words):
        for w in words:
            cx, cy = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
            if any(f["x0"] <= cx <= f["x1"] and f["top"] <= cy <= f["bottom"] for f in fills):
                rows.add(i)
                break
    return rows


def is_tinted(color) -> bool:
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


Segment = tuple[float, float, float]  # a horizontal rule or shading edge: y, x0, x1


def aligned_table(
    lines: list[Line],
    pno: int,
    dehyphen: Dehyphenator,
    method: str,
    min_gap: float,
    header_bottom: float | None = None,
    row_rules: list[Segment] | None = None,
    frame: tuple[float, float] | None = None,
    bounds: list[float] | None = None,
    stripes: list[Segment] | None = None,
) -> PageTable | None:
    """Read a table drawn without vertical rules from its physical rows (top to bottom).

    Columns are the gutters that no body word crosses. Header lines are those above
    ``header_bottom`` (the rule under a header) or set in another style; body lines group into
    rows at inner rules (``row_rules``) or shading edges (``stripes``), else at the wider of the
    table's two line spacings, else where a new key (first-column) cell starts. A rule that
    leaves a column out marks a merged cell: its text counts for the row below too.
    """
    if not lines or (len(lines) < 2 and bounds is None):
        return None
    if header_bottom is not None:
        header_count = sum(1 for ln in lines if ln.bottom <= header_bottom + 1)
    else:
        header_count = _leading_header(lines, _rows_by_key(lines))
    body = lines[header_count:]
    if not body:
        return None
    words = [w for ln in lines for w in ln.words]
    if bounds is None:
        edges = _gutters([w for ln in body for w in ln.words], min_gap)
        if not edges:
            return None
        bounds = [min(w.x0 for w in words) - 1] + edges + [max(w.x1 for w in words) + 1]
    n_cols = len(bounds) - 1
    grid = _header_grid(lines[:header_count], bounds, dehyphen)
    header_rows = len(grid)
    key_empty = [False] * header_rows
    rules = row_rules or []
    header_gap = body[0].top - lines[header_count - 1].bottom if header_count else None
    rows = _body_rows(body, bounds, rules + (stripes or []), header_gap, complete=bool(rules))
    for r, row_lines in enumerate(rows):
        cells = []
        for c in range(n_cols):
            cw = [w for ln in row_lines for w in ln.words if bounds[c] <= (w.x0 + w.x1) / 2 < bounds[c + 1]]
            cells.append(cell_text(cw, bounds[c], bounds[c + 1], dehyphen))
        key_empty.append(not cells[0])
        if r and rules:
            above = grid[-1]
            cut = _cut_columns(rows[r - 1][-1].bottom, row_lines[0].top, rules, bounds)
            cells = [cell or (above[c] if c not in cut else "") for c, cell in enumerate(cells)]
        grid.append(cells)
    bbox = (min(w.x0 for w in words), min(ln.top for ln in lines), max(w.x1 for w in words), max(ln.bottom for ln in lines))

    def reread(other: list[float]) -> PageTable | None:
        return aligned_table(lines, pno, dehyphen, method, min_gap, header_bottom, row_rules, frame, other, stripes)

    starts = [
        min((w.x0 for w in words if bounds[c] <= (w.x0 + w.x1) / 2 < bounds[c + 1]), default=bounds[c]) for c in range(n_cols)
    ]
    return PageTable(
        pno, bbox, grid, header_rows, method, key_empty,
        frame=frame or (bbox[0], bbox[2]), bounds=bounds, reread=reread, size=statistics.median(ln.size for ln in lines),
        starts=starts,
    )


def _cut_columns(upper: float, lower: float, rules: list[Segment], bounds: list[float]) -> set[int]:
    """Columns that a rule between ``upper`` and ``lower`` separates (all of them when none is there)."""
    between = [r for r in rules if upper - 1 <= r[0] <= lower + 1]
    if not between:
        return set(range(len(bounds) - 1))
    return {
        c for c in range(len(bounds) - 1)
        if any(r[1] <= (bounds[c] + bounds[c + 1]) / 2 <= r[2] for r in between)
    }


def _column_of(x0: float, x1: float, bounds: list[float]) -> int:
    """The column a run of words overlaps most."""
    overlaps = [min(x1, bounds[c + 1]) - max(x0, bounds[c]) for c in range(len(bounds) - 1)]
    return max(range(len(overlaps)), key=lambda c: overlaps[c])


def _body_rows(
    lines: list[Line], bounds: list[float], separators: list[Segment], header_gap: float | None = None,
    complete: bool = True,
) -> list[list[Line]]:
    """Group body lines into table rows: at rules between them when the table has any (and at
    the edges of shaded rows); else at the wider of two line spacings (cells padded apart; the
    space under the header is a row space too); else where a line starts a new key cell."""
    gaps = [b.top - a.bottom for a, b in zip(lines, lines[1:])]
    size = statistics.median(ln.size for ln in lines)
    usual = statistics.median(gaps) if gaps else 0.0
    open_gaps = [g for g in gaps if g <= 2 * usual + 0.5 * size]  # a shaded empty row widens its gap
    threshold = _row_gap(open_gaps, size)
    keyed = sum(1 for ln in lines if _in_column(ln, bounds, 0))
    if threshold is None and gaps and header_gap is not None and header_gap > max(gaps) + 0.2 * size and keyed <= 2:
        threshold = (max(gaps) + header_gap) / 2  # one row (perhaps a wrapped key) of multi-line cells
    rows: list[list[Line]] = []
    for i, line in enumerate(lines):
        if not rows:
            rows.append([line])
            continue
        prev = lines[i - 1]
        separated = any(prev.bottom - 1 <= y <= line.top + 1 for y, _, _ in separators)
        if separators and (complete or separated):
            new = separated  # rules between rows mark every row; shading only some of them
        elif threshold is not None:
            new = gaps[i - 1] > threshold
        else:
            new = _in_column(line, bounds, 0) and not _key_runs_on(rows[-1], line, bounds)
        if new:
            rows.append([line])
        else:
            rows[-1].append(line)
    return rows


def _row_gap(gaps: list[float], size: float) -> float | None:
    """The spacing between rows when it is clearly wider than between the lines of a cell, or None."""
    if not gaps:
        return None
    if len(gaps) == 1:  # one gap: a row gap when well over the usual space between a cell's lines
        return 0.4 * size if gaps[0] > 0.45 * size else None
    ordered = sorted(gaps)
    jump, at = max((b - a, i) for i, (a, b) in enumerate(zip(ordered, ordered[1:])))
    if jump < 0.2 * size:  # one spacing: rows padded apart when it is wider than a cell's lines are
        return 0.4 * size if statistics.median(gaps) > 0.45 * size else None
    return (ordered[at] + ordered[at + 1]) / 2


def _key_runs_on(row: list[Line], line: Line, bounds: list[float]) -> bool:
    """The line's first-column text carries on the key cell above (a wrapped name)."""
    above = [w for ln in row for w in ln.words if bounds[0] <= (w.x0 + w.x1) / 2 < bounds[1]]
    here = [w for w in line.words if bounds[0] <= (w.x0 + w.x1) / 2 < bounds[1]]
    if not above or not here:
        return False
    return above[-1].text.endswith("-") or here[0].text[:1].islower()


def _header_grid(lines: list[Line], bounds: list[float], dehyphen: Dehyphenator) -> list[list[str]]:
    """Header lines as one row, or as two when upper cells stand over several lower ones
    (group headers such as "Dialogues on terrorism" over "MD" and "PD").

    Lines are taken bottom-up into the lower row while each of their cells overlaps at most one
    lower cell (a wrapped sub-header); the first line with a cell over two lower cells starts
    the group row, which holds every line above it too.
    """
    n_cols = len(bounds) - 1
    if not lines:
        return []
    line_runs = [_word_runs(line.words) for line in lines]
    leaf = _clusters(line_runs[-1:])
    split = -1
    for i in range(len(lines) - 2, -1, -1):
        if any(
            sum(_overlap(run, cell) > 0 for cell in leaf) >= 2 or len(_straddled(run, bounds)) >= 2 or _centred_between(run, leaf)
            for run in line_runs[i]
        ):
            split = i
            break
        leaf = _clusters([leaf, line_runs[i]])
    leaf_row = [""] * n_cols
    for cell in leaf:
        _put(leaf_row, [_column_of(cell[0].x0, max(w.x1 for w in cell), bounds)], cell, dehyphen)
    if split < 0:
        return [leaf_row]
    group_row = [""] * n_cols
    for cell in _clusters(line_runs[: split + 1]):
        under = [c for c in leaf if _overlap(cell, c) > 0]
        if len(under) >= 2:
            cols = sorted({_column_of(c[0].x0, max(w.x1 for w in c), bounds) for c in under})
        else:
            pair = _centred_between(cell, leaf)
            cols = (
                sorted({_column_of(c[0].x0, max(w.x1 for w in c), bounds) for c in pair})
                or _straddled(cell, bounds)
                or [_column_of(cell[0].x0, max(w.x1 for w in cell), bounds)]
            )
        _put(group_row, list(range(cols[0], cols[-1] + 1)), cell, dehyphen)
    # A cell that spans both header rows is printed once, in the upper one.
    leaf_row = [text or (group_row[c] if _alone(group_row, c) else "") for c, text in enumerate(leaf_row)]
    return [group_row, leaf_row]


def _centred_between(run: list[Word], leaf: list[list[Word]]) -> list[list[Word]]:
    """The two neighbouring lower header cells a cell is centred between (a group header over
    right-aligned sub-headers), or []."""
    centre = (min(w.x0 for w in run) + max(w.x1 for w in run)) / 2
    cells = sorted(leaf, key=lambda c: min(w.x0 for w in c))
    for a, b in zip(cells, cells[1:]):
        a1, b0 = max(w.x1 for w in a), min(w.x0 for w in b)
        if a1 + 1 < centre < b0 - 1 and _overlap(run, a) > -0.5 * (b0 - a1) and _overlap(run, b) > -0.5 * (b0 - a1):
            return [a, b]
    return []


def _straddled(run: list[Word], bounds: list[float]) -> list[int]:
    """The columns a header cell stands over when it is centred across several of them (each
    holding at least a quarter of its width); [] for a cell inside one column."""
    x0, x1 = min(w.x0 for w in run), max(w.x1 for w in run)
    width = max(x1 - x0, 1.0)
    cols = [c for c in range(len(bounds) - 1) if min(x1, bounds[c + 1]) - max(x0, bounds[c]) >= 0.25 * width]
    return cols if len(cols) >= 2 else []


def _clusters(line_runs: list[list[list[Word]]]) -> list[list[Word]]:
    """Runs of words from stacked lines that overlap horizontally, merged into header cells."""
    cells: list[list[Word]] = []
    for runs in line_runs:
        for run in runs:
            hits = [c for c in cells if _overlap(run, c) > 0]
            merged = [w for c in hits for w in c] + list(run)
            cells = [c for c in cells if all(c is not h for h in hits)] + [merged]
    for cell in cells:
        cell.sort(key=lambda w: (round(w.top), w.x0))
    return sorted(cells, key=lambda c: min(w.x0 for w in c))


def _overlap(a: list[Word], b: list[Word]) -> float:
    return min(max(w.x1 for w in a), max(w.x1 for w in b)) - max(min(w.x0 for w in a), min(w.x0 for w in b))


def _put(row: list[str], cols: list[int], cell: list[Word], dehyphen: Dehyphenator) -> None:
    text = ""
    for line in baseline_rows(cell):
        text = dehyphen.join(text, " ".join(w.text for w in line))
    for c in cols:
        row[c] = dehyphen.join(row[c], text) if row[c] else text


def _alone(row: list[str], c: int) -> bool:
    """True when cell ``c`` is filled and its neighbours do not repeat it (it spans no columns)."""
    return bool(row[c]) and all(0 > k or k >= len(row) or row[k] != row[c] for k in (c - 1, c + 1))


def _in_column(line: Line, bounds: list[float], col: int) -> bool:
    return any(bounds[col] <= (w.x0 + w.x1) / 2 < bounds[col + 1] for w in line.words)


def _rows_by_key(lines: list[Line]) -> list[bool]:
    left = min(ln.x0 for ln in lines)
    return [abs(ln.x0 - left) < 2 for ln in lines]


def _leading_header(lines: list[Line], key_rows: list[bool]) -> int:
    """Header lines: those before the first line that starts in the key column, or those set in
    another style than the body, or else the first line. Of the lines before the first key, only
    those set apart in style when the others are in the body's (a row carried over from the page
    before, under a repeated header)."""
    body_bold = _bold_share(lines[len(lines) // 2 :])
    body_italic = sum(_row_style(ln.words)[0] for ln in lines[len(lines) // 2 :]) / max(len(lines) - len(lines) // 2, 1)
    styled = 0
    for ln in lines[:-1]:
        italic, bold = _row_style(ln.words)
        if abs(italic - body_italic) > 0.5 or bold - body_bold > 0.5:
            styled += 1
        else:
            break
    for i, starts in enumerate(key_rows):
        if starts:
            if i > 0:
                return styled if 0 < styled < i else i
            break
    return max(styled, 1)


def _bold_share(lines: list[Line]) -> float:
    return sum(_row_style(ln.words)[1] for ln in lines) / max(len(lines), 1)


def _gutters(words: list[Word], min_gap: float) -> list[float]:
    spans = sorted((w.x0, w.x1) for w in words)
    merged: list[list[float]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1] + min_gap:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(a[1] + b[0]) / 2 for a, b in zip(merged, merged[1:])]


def _word_runs(words: list[Word], max_gap: float | None = None) -> list[list[Word]]:
    """Words side by side, cut where the gap exceeds ``max_gap`` (default: 0.6 of the type size)."""
    runs: list[list[Word]] = []
    for w in sorted(words, key=lambda w: w.x0):
        gap = 0.6 * w.size if max_gap is None else max_gap
        if runs and w.x0 - runs[-1][-1].x1 <= gap:
            runs[-1].append(w)
        else:
            runs.append([w])
    return runs


def looks_tabular(lines: list[Line], min_gap: float) -> bool:
    """At least three rows split into two or more aligned runs, many of them numbers."""
    if len(lines) < 3:
        return False
    multi = [ln for ln in lines if len(_word_runs(ln.words, min_gap)) >= 2]
    if len(multi) < max(3, 0.25 * len(lines)):  # rows may wrap their key cell over several lines
        return False
    cells = [" ".join(w.text for w in run) for ln in multi for run in _word_runs(ln.words, min_gap)]
    numeric = sum(1 for c in cells if NUMBER_RE.match(c))
    return numeric >= 0.3 * len(cells)


# ---------------------------------------------------------------- tables across pages


def continuation(prev: PageTable, nxt: PageTable) -> PageTable | None:
    """``nxt`` as the next part of ``prev``, or None when it is another table.

    A next part comes straight after ``prev`` in reading order, at the top of the next column or
    page, uncaptioned, as wide, with the same columns. A part read by alignment whose columns
    came out differently (an empty key column, say) is read again on the first part's columns.
    """
    next_column = nxt.page == prev.page and nxt.bbox[1] < prev.bbox[1] and nxt.bbox[0] > prev.bbox[2] - 1
    if not (nxt.page == prev.page + 1 or next_column) or (nxt.caption and not nxt.caption_below) or prev.caption_below:
        return None
    width = prev.frame[1] - prev.frame[0]
    if abs(width - (nxt.frame[1] - nxt.frame[0])) > 0.08 * width:
        return None
    if nxt.n_cols != prev.n_cols and nxt.reread and prev.bounds:
        shift = nxt.frame[0] - prev.frame[0]
        nxt = nxt.reread([x + shift for x in prev.bounds]) or nxt
    return nxt if nxt.n_cols == prev.n_cols else None


def join_tables(
    parts: list[PageTable], dehyphen: Dehyphenator | None = None
) -> tuple[list[list[str]], list[list[str]], list[int], str]:
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
        if not skip:
            skip = _repeated_header_rows(header, body)
        body = body[skip:]
        empties = empties[skip:]
        if body and rows and empties and empties[0] and _carries_on(rows[-1], body[0]):
            rows[-1] = [_merge_cells(a, b, dehyphen) for a, b in zip(rows[-1], body[0])]
            body = body[1:]
        rows.extend(list(r) for r in body)
        pages.extend([part.page] * len(body))
        if part.note:
            notes.append(part.note)
    return header, rows, pages, "\n".join(notes)


def _repeated_header_rows(header: list[list[str]], body: list[list[str]]) -> int:
    """How many first rows of a part hold the header again, read as rows of their own (its lines
    split into rows, a group header not spread over its columns): the same words, in any cells."""
    if not header:
        return 0
    wanted = sorted(_header_words(header))
    for k in range(1, min(len(body), 2 * len(header) + 2) + 1):
        got = sorted(w for row in body[:k] for cell in row for w in _norm(cell).split())
        if got == wanted:
            return k
        if len(got) > len(wanted):
            break
    return 0


def _header_words(header: list[list[str]]) -> list[str]:
    """The words of a header, each spanning cell once."""
    words: list[str] = []
    for row in header:
        previous = None
        for cell in row:
            if cell and cell != previous:
                words += _norm(cell).split()
            previous = cell
    return words


def _carries_on(last: list[str], first: list[str]) -> bool:
    """The first row of a part (its key cell empty) is the rest of the row the break cut, not a
    row of its own under a merged key: each of its cells goes on from the cell above, which
    breaks off mid-text, or adds an item to a list, or carries on in lower case. A cell that
    starts with no letter ("2024" under "November") could go either way: the others decide."""
    carried = False
    for above, cell in zip(last, first):
        if not cell:
            continue
        if not above:
            return False
        tail = above.split("\n")[-1]
        complete = bool(re.search(r"[.!?)\]]$", above)) or len(above.split()) <= 2
        listed = bool(BULLET_RE.match(cell)) and bool(BULLET_RE.match(tail))
        if not complete or cell[:1].islower() or listed:
            carried = True
        elif cell[:1].isalpha() or not re.search(r"[^\W\d_]$", above):
            return False
    return carried or not any(first)


def _merge_cells(first: str, rest: str, dehyphen: Dehyphenator | None = None) -> str:
    """A cell cut by a page break: a new bullet keeps its own line, a cut line is joined back
    (a word hyphenated at the break made whole again, as within a page)."""
    if not rest or rest == first:
        return first
    if not first:
        return rest
    if BULLET_RE.match(rest) or first.endswith("\n"):
        return first + "\n" + rest
    if dehyphen is not None:
        return dehyphen.join(first, rest)
    return first + ("" if first.endswith("-") else " ") + rest


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


# ---------------------------------------------------------------- finding tables without a grid


def find_unruled_tables(page: PageData, body_size: float, dehyphen: Dehyphenator) -> None:
    """Tables ruled only across (two or more rules of one width) or aligned by whitespace."""
    min_gap = max(6.0, 0.9 * body_size)
    taken: set[int] = set()
    for region, rules in rule_regions(page):
        open_end = _runs_on(rules, page, region, body_size)
        if open_end:
            region = _extend_down(page, region, body_size)
        if _light(rules[0], rules) and _row_touches(page, region, body_size, above=True):
            region = _extend_up(page, region, body_size)  # a part that opens with a rule between rows
        inside = [ln for ln in page.lines if within(ln, region) and id(ln) not in taken and not CAPTION_RE.match(ln.text)]
        if len(inside) < 2 or not _cell_like(inside):
            continue
        rows = _reading_rows(inside)
        segments = _segments_between(page, region, rows[0].top, rows[-1].bottom)
        header_bottom = _header_rule(rows, [seg for seg in segments if seg[2] - seg[1] >= 0.9 * (region[2] - region[0])])
        inner = [seg for seg in segments if seg[0] > header_bottom + 1]
        # Rules mark the table, so a narrow gap already separates its columns.
        table = aligned_table(
            rows, page.pno, dehyphen, "rules", max(3.5, 0.45 * body_size), header_bottom, inner,
            (region[0], region[2]), stripes=_shading_edges(page, region),
        )
        if table and table.n_cols >= 2:
            table.open_end = open_end
            page.tables.append(table)
            taken.update(id(ln) for ln in inside)
    for band in _column_bands([ln for ln in page.lines if id(ln) not in taken]):
        for run in _aligned_runs(band, min_gap, body_size, page):
            region = (min(ln.x0 for ln in run), min(ln.top for ln in run), max(ln.x1 for ln in run), max(ln.bottom for ln in run))
            stripes = _shading_edges(page, region)
            table = aligned_table(_reading_rows(run), page.pno, dehyphen, "whitespace", min_gap, stripes=stripes)
            if table and table.n_cols >= 2:
                page.tables.append(table)
                taken.update(id(ln) for ln in run)
    page.lines = [ln for ln in page.lines if id(ln) not in taken]


def _runs_on(rules: list[tuple], page: PageData, region, body_size: float) -> bool:
    """A table ruled across whose last rule does not close it: only a top rule and a header rule,
    or a light rule (one between rows) with a row of cells right under it."""
    if len(rules) == 2:
        return True
    return _light(rules[-1], rules) and _row_touches(page, region, body_size, above=False)


def _light(rule: tuple, rules: list[tuple]) -> bool:
    """A rule between rows: lighter than the table's heaviest rule, or one of three or more
    rules all of one weight (a part between the table's first and last page)."""
    heaviest = max(r[4] for r in rules)
    return rule[4] < 0.8 * heaviest or (len(rules) >= 3 and min(r[4] for r in rules) >= 0.8 * heaviest)


def _row_touches(page: PageData, region, body_size: float, above: bool) -> bool:
    """A line of text set right against the region's first (``above``) or last rule, as a cell
    is against the rule that separates it from the next row; text after a closing rule keeps a
    distance."""
    x0, x1 = region[0] - 2, region[2] + 2
    if above:
        gaps = [region[1] - ln.bottom for ln in page.lines if ln.bottom <= region[1] + 1 and x0 <= ln.x0 and ln.x1 <= x1]
    else:
        gaps = [ln.top - region[3] for ln in page.lines if ln.top >= region[3] - 1 and x0 <= ln.x0 and ln.x1 <= x1]
    return bool(gaps) and min(gaps) <= 0.45 * body_size


def _segments_between(page: PageData, region, top: float, bottom: float) -> list[Segment]:
    """Rules (whole or in pieces) across the region between its first and last text line."""
    return sorted(
        ((r[1] + r[3]) / 2, r[0], r[2])
        for r in page.rules
        if top < (r[1] + r[3]) / 2 < bottom and r[0] >= region[0] - 2 and r[2] <= region[2] + 2
    )


def _header_rule(rows: list[Line], segments: list[Segment]) -> float:
    """The y of the rule under the header, or -inf when the region has no header.

    A table ruled across has a rule under its header; when it has rules between its rows too,
    the first inner rule closes the header only if the lines above it are set differently
    (bold or italic) from those below."""
    if not segments or segments[0][0] >= rows[-1].top:
        return float("-inf")
    first = segments[0][0]
    if len({round(seg[0]) for seg in segments}) == 1:
        return first
    above = [ln for ln in rows if ln.bottom <= first + 1]
    below = [ln for ln in rows if ln.top >= first - 1]
    if above and below and _styled_apart(above, below):
        return first
    return float("-inf")


def _styled_apart(upper: list[Line], lower: list[Line]) -> bool:
    return abs(_bold_share(upper) - _bold_share(lower)) > 0.5 or abs(
        sum(_row_style(ln.words)[0] for ln in upper) / len(upper) - sum(_row_style(ln.words)[0] for ln in lower) / len(lower)
    ) > 0.5


def _shading_edges(page: PageData, region) -> list[Segment]:
    """Top and bottom edges of shaded rows inside the region (zebra stripes, shaded empty rows)."""
    width = region[2] - region[0]
    edges: list[Segment] = []
    for x0, top, x1, bottom in page.fills:
        inside = min(x1, region[2]) - max(x0, region[0])  # a stripe may reach past the text by its padding
        if region[1] - 2 <= top < region[3] and bottom > region[1] and inside >= 0.15 * width and inside >= 0.7 * (x1 - x0):
            edges += [(top, x0, x1), (bottom, x0, x1)]
    return edges


def _column_bands(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped by the text column they stand in, so that a table in one column is not read
    together with the prose beside it. Columns are the x-ranges that most long lines cover (at
    least two of them); lines that cross a gutter (titles, full-width tables) form a band of
    their own."""
    if not lines:
        return []
    left = min(ln.x0 for ln in lines)
    width = max(ln.x1 for ln in lines) - left
    long_lines = [ln for ln in lines if ln.x1 - ln.x0 >= 0.25 * width]
    if not long_lines:
        return [lines]
    steps = max(int(width), 1)
    cover = [0] * (steps + 1)
    for ln in long_lines:
        for x in range(int(ln.x0 - left), min(int(ln.x1 - left), steps) + 1):
            cover[x] += 1
    floor = max(0.1 * max(cover), 1)  # a column holds several long lines; one caption makes none
    spans: list[list[int]] = []
    for x, n in enumerate(cover):
        if n > floor:
            if spans and x - spans[-1][1] <= 1:
                spans[-1][1] = x
            else:
                spans.append([x, x])
    bands: list[list[Line]] = [[] for _ in spans]
    wide: list[Line] = []
    homes: dict[int, int] = {}
    for ln in lines:
        home = [i for i, (a, b) in enumerate(spans) if ln.x0 - left >= a - 3 and ln.x1 - left <= b + 3]
        if home:
            homes[id(ln)] = home[0]
    across = _rows_across(lines, homes, [[a + left, b + left] for a, b in spans])
    for ln in lines:
        (bands[homes[id(ln)]] if id(ln) in homes and id(ln) not in across else wide).append(ln)
    return [b for b in bands + [wide] if b]


def _rows_across(lines: list[Line], homes: dict[int, int], spans: list[list[float]]) -> set[int]:
    """Lines of a table set across the columns: three or more rows in a row whose pieces share
    baselines in two or more columns, each short or set in from its column's edge (lines of
    prose fill their columns from the edge), with perhaps a row or two of such pieces in one
    column between them (a wrapped cell).

    Once such rows have begun, a long piece that starts where a cell of theirs starts is a cell
    too, in a row set in one type size with at least one short cell: the table's own lines
    count in finding the page's columns, so a long cell that starts in a gutter makes the edge
    of a column of its own, and only the table's columns tell it from prose there.

    For the same reason a row whose pieces all start where the streak's cells start, each short
    or set in from its column's edge, in the streak's type, is a row of the table however many of
    the page's columns it stands in: a long last column that bridges a gutter joins two of the
    page's columns into one, and the rows with cells only there (a cell's wrapped lines, a row
    with no key) have all their pieces in that one column. This holds while the streak's cells
    start at the edge of one of the page's columns, and one only (the table's first column): two
    tables side by side, one in each column, each have a first column at their column's edge (or,
    cut between two keys, none), and their rows share baselines only by chance."""
    out: set[int] = set()
    streak: list[list[Line]] = []
    pending: list[list[Line]] = []
    starts: list[float] = []  # where the cells of the streak's rows start
    edges: set[int] = set()  # the page's columns in which a cell of the streak starts at the edge
    narrowest = min(b - a for a, b in spans) if spans else 0.0

    def set_in(ln: Line) -> bool:
        return ln.x0 - spans[homes[id(ln)]][0] > 1.5 * ln.size

    def plain_cell(ln: Line) -> bool:
        return ln.x1 - ln.x0 < 0.6 * narrowest or id(ln) not in homes or set_in(ln)

    def on_start(ln: Line) -> bool:
        return any(abs(ln.x0 - x) <= 1.5 for x in starts)

    for row in baseline_rows(lines) + [[]]:
        cols = {homes.get(id(ln), -1) for ln in row}
        plain = [plain_cell(ln) for ln in row]
        one_type = all(abs(ln.size - row[0].size) <= 0.05 * row[0].size for ln in row)  # a row's cells share their type
        aligned = one_type and bool(starts) and all(p or on_start(ln) for p, ln in zip(plain, row))
        short = all(plain) or (aligned and (any(plain) or len(cols) < 2))  # (in one column: a wrapped cell)
        in_cells = (
            row and aligned and len(edges) == 1 and all(p and on_start(ln) for p, ln in zip(plain, row))
            and abs(row[0].size - streak[-1][0].size) <= 0.05 * row[0].size
        )
        if in_cells:  # in the table's cells, however many of the page's columns they stand in
            streak += pending + [row]
            pending = []
            continue
        if row and short and len(cols) >= 2:
            streak += pending + [row]
            if one_type:
                starts += [ln.x0 for ln in row]
            edges.update(homes[id(ln)] for ln in row if id(ln) in homes and not set_in(ln))
            pending = []
            continue
        if row and short and streak and len(pending) < 2:
            pending.append(row)
            continue
        if len(streak) >= 3:
            out.update(id(ln) for r in streak for ln in r)
        streak, pending, starts, edges = [], [], [], set()
    return out


def _extend_down(page: PageData, region, body_size: float):
    """A table ruled only above and under its header runs on below the last rule (its bottom
    rule is on a later page): take the cell lines that follow, up to a gap, a caption, prose
    as wide as the table, or small type (notes)."""
    width = region[2] - region[0]
    bottom = region[3]
    below = sorted(
        (ln for ln in page.lines if ln.top >= region[3] - 1 and region[0] - 2 <= ln.x0 and ln.x1 <= region[2] + 2),
        key=lambda ln: ln.top,
    )
    for ln in below:
        if ln.top - bottom > 2.5 * body_size or CAPTION_RE.match(ln.text) or ln.size < 0.85 * body_size:
            break
        if ln.x1 - ln.x0 > 0.7 * width and len(ln.words) > 8:
            break
        bottom = max(bottom, ln.bottom)
    return (region[0], region[1], region[2], bottom)


def _extend_up(page: PageData, region, body_size: float):
    """A table part whose first rule is a light rule between rows (no top rule where the table
    continues): take the cell lines just above it, up to a gap, a caption or prose."""
    width = region[2] - region[0]
    top = region[1]
    above = sorted(
        (ln for ln in page.lines if ln.bottom <= region[1] + 1 and region[0] - 2 <= ln.x0 and ln.x1 <= region[2] + 2),
        key=lambda ln: -ln.bottom,
    )
    for ln in above:
        if top - ln.bottom > 1.5 * body_size or CAPTION_RE.match(ln.text) or ln.size < 0.85 * body_size:
            break
        if ln.x1 - ln.x0 > 0.7 * width and len(ln.words) > 8:
            break
        top = min(top, ln.top)
    return (region[0], top, region[2], region[3])


def within(line: Line, region) -> bool:
    cx = (line.x0 + line.x1) / 2
    return region[0] - 2 <= cx <= region[2] + 2 and region[1] - 1 <= line.top and line.bottom <= region[3] + 1


def rule_regions(page: PageData) -> list[tuple[tuple[float, float, float, float], list[tuple]]]:
    """Spans between the first and last of several rules of the same extent, with those rules."""
    groups: dict[tuple[int, int], list] = {}
    for rule in page.rules:
        if any(overlaps((rule[0], rule[1] - 1, rule[2], rule[3] + 1), t.bbox) for t in page.tables):
            continue
        key = (round(rule[0] / 4), round(rule[2] / 4))
        groups.setdefault(key, []).append(rule)
    regions = []
    for group in groups.values():
        group.sort(key=lambda r: r[1])
        for rules in _split_at_prose(page, group):
            if len(rules) >= 2:
                regions.append(((rules[0][0], rules[0][1], rules[0][2], rules[-1][3]), rules))
    return regions


def _split_at_prose(page: PageData, rules: list[tuple]) -> list[list[tuple]]:
    """Rules of one extent cut into tables where prose runs between two of them (two tables
    of the same width on one page, with text between)."""
    if len(rules) < 2:
        return [rules]
    width = rules[0][2] - rules[0][0]
    runs = [[rules[0]]]
    for upper, lower in zip(rules, rules[1:]):
        prose = any(
            ln.top >= upper[3] - 1 and ln.bottom <= lower[1] + 1 and ln.x1 - ln.x0 >= 0.8 * width and len(ln.words) > 8
            and ln.x0 >= rules[0][0] - 3 and ln.x1 <= rules[0][2] + 3
            for ln in page.lines
        )
        if prose:
            runs.append([])
        runs[-1].append(lower)
    return runs


def _cell_like(lines: list[Line]) -> bool:
    """Short line pieces in two or more columns, as in table cells, not a ruled-off paragraph
    (one line in ten may run wide: a header row whose close-set cells read as one line)."""
    if statistics.median(len(ln.words) for ln in lines) > 8:
        return False
    rows = baseline_rows(lines)
    if sum(1 for row in rows if len(row) >= 2) >= max(1, 0.4 * len(rows)):
        return True
    width = max(ln.x1 for ln in lines) - min(ln.x0 for ln in lines)
    starts = Counter(round(ln.x0 / 3) for ln in lines)
    columns = [x for x, n in starts.items() if n >= 2]
    wide = sum(1 for ln in lines if ln.x1 - ln.x0 > 0.6 * width)  # a header whose cells run together
    return len(columns) >= 2 and wide <= max(1, 0.1 * len(lines))


def _reading_rows(lines: list[Line]) -> list[Line]:
    """Merge the pieces of each physical row into one line object (cells side by side)."""
    merged = []
    for row in baseline_rows(lines):
        row.sort(key=lambda ln: ln.x0)
        words = [w for ln in row for w in ln.words]
        spaces = [s for ln in row for s in (ln.spaces or [True] * len(ln.words))]
        merged.append(Line(words=words, page=row[0].page, spaces=spaces))
    return merged


def _aligned_runs(lines: list[Line], min_gap: float, body_size: float, page: PageData | None = None) -> list[list[Line]]:
    """Runs of physical rows split into aligned cells (tables drawn with no rules).

    A run may hold rows whose pieces all start at the run's column starts (a wrapped cell, a
    row with empty cells) between rows of several pieces; it ends at a prose line, at a wide
    gap, at a caption or at type of another size. A run is a table when many of its cells are
    numbers, or when a caption or shaded rows mark it as one.
    """
    rows = baseline_rows(lines)
    runs: list[list[list[Line]]] = []
    current: list[list[Line]] = []
    pending: list[list[Line]] = []
    starts: list[float] = []
    for row in rows:
        multi = len(row) >= 3 or (len(row) == 2 and any(len(p.words) <= 2 for p in row))
        last = (pending or current)[-1] if (pending or current) else None
        close = last is not None and (
            min(p.top for p in row) - max(p.bottom for p in last) <= 1.6 * body_size
            or _shaded_between(page, max(p.bottom for p in last), min(p.top for p in row), row)
        )
        if multi and (close or not current):
            if current and not _same_type(row, current):
                multi = False
            else:
                current.extend(pending)
                current.append(row)
                starts.extend(p.x0 for p in row)
                pending = []
                continue
        width = _run_width(current)
        left = min(starts) if starts else 0.0
        plain = bool(width) and not any(CAPTION_RE.match(p.text) for p in row) and _same_type(row, current)
        short = all(p.x1 - p.x0 < 0.6 * width for p in row)
        aligned = all(any(abs(p.x0 - x) <= 2.5 for x in starts) for p in row)
        inner = aligned and all(p.x0 > left + 2.5 for p in row)  # cells of later columns only
        if current and close and plain and (inner or (short and (aligned or len(pending) < 3))):
            pending.append(row)
            continue
        if sum(1 for r in current if len(r) >= 2) >= 2:
            runs.append(current + _key_lines(pending, current))
        current = [row] if multi else []
        starts = [p.x0 for p in row] if multi else []
        pending = []
    if sum(1 for r in current if len(r) >= 2) >= 2:
        runs.append(current + _key_lines(pending, current))
    found = []
    for run in runs:
        run_lines = [ln for row in run for ln in row]
        if sum(1 for r in run if len(r) >= 2) < 3:  # the first part of a table that a break cuts short
            if page is not None and _captioned(run_lines, page, body_size, below=False):
                found.append(run_lines)
        elif looks_tabular(_reading_rows(run_lines), min_gap) or (page is not None and _marked_as_table(run_lines, page, body_size)):
            found.append(run_lines)
    return found


def _shaded_between(page: PageData | None, upper: float, lower: float, row: list[Line]) -> bool:
    """A shaded band (an empty shaded row, a zebra stripe) fills most of the space between two rows."""
    if page is None or lower <= upper:
        return False
    x0, x1 = min(p.x0 for p in row), max(p.x1 for p in row)
    return any(
        min(f[3], lower) - max(f[1], upper) >= 0.5 * (lower - upper) and f[0] < x1 and f[2] > x0 for f in page.fills
    )


def _same_type(row: list[Line], run: list[list[Line]]) -> bool:
    """The row is set in the run's type size (a heading or a note after a table is not)."""
    sizes = [p.size for r in run for p in r]
    if not sizes:
        return True
    usual = statistics.median(sizes)
    return all(abs(p.size - usual) <= 0.08 * usual for p in row)


def _captioned(lines: list[Line], page: PageData, body_size: float, below: bool = True) -> bool:
    """A caption ("Table 3 ...") just above the run (or below it, with ``below``)."""
    x0, top = min(ln.x0 for ln in lines), min(ln.top for ln in lines)
    x1, bottom = max(ln.x1 for ln in lines), max(ln.bottom for ln in lines)
    for ln in page.lines:
        if not CAPTION_RE.match(ln.text) or ln.x1 < x0 or ln.x0 > x1:
            continue
        if 0 <= top - ln.bottom <= 3.5 * body_size or (below and 0 <= ln.top - bottom <= 3.5 * body_size):
            return True
    return False


def _marked_as_table(lines: list[Line], page: PageData, body_size: float) -> bool:
    """A caption ("Table 3 ...") just above or below the run, or shaded rows across it."""
    if _captioned(lines, page, body_size):
        return True
    x0, top = min(ln.x0 for ln in lines), min(ln.top for ln in lines)
    x1, bottom = max(ln.x1 for ln in lines), max(ln.bottom for ln in lines)
    width = x1 - x0
    stripes = [f for f in page.fills if f[1] >= top - 2 and f[3] <= bottom + 2 and f[2] - f[0] >= 0.8 * width]
    return len(stripes) >= 2


def _key_lines(pending: list[list[Line]], run: list[list[Line]]) -> list[list[Line]]:
    """Rows after a run's last full row that carry on its cells: aligned with the first column
    (a wrapped key), or with pieces only at the starts of later columns (a wrapped cell)."""
    left = min(p.x0 for row in run for p in row)
    starts = [p.x0 for row in run if len(row) >= 2 for p in row]
    kept = []
    for row in pending:
        inner = all(p.x0 > left + 2.5 and any(abs(p.x0 - x) <= 2.5 for x in starts) for p in row)
        if abs(row[0].x0 - left) > 2 and not inner:
            break
        kept.append(row)
    return kept


def _run_width(run: list[list[Line]]) -> float:
    pieces = [p for row in run for p in row]
    return max(p.x1 for p in pieces) - min(p.x0 for p in pieces) if pieces else 0.0


def continue_open_tables(pages: list[PageData], body_size: float, dehyphen: Dehyphenator) -> None:
    """A table that runs off a page or column goes on at the top of the next column or page,
    perhaps with no header and no rules there: read those lines on the first part's columns,
    down to the closing rule (or, with none, to a gap, a caption, small type or prose).

    A part left open (no closing rule) is followed wherever the next lines fit its columns. A
    part closed by a rule but ending its column (each part of a long table may be closed) goes
    on only where the lines at the top of the next column or page stand on its columns over a
    closing rule of its width, with no caption: the rest of the table, headless.
    """
    for page in pages:  # a table read by alignment that ends its page may go on overleaf
        for t in page.tables:
            if t.method == "whitespace":
                t.open_end = not any(
                    ln.top > t.bbox[3] and ln.x0 < t.frame[1] and ln.x1 > t.frame[0] and ln.size > 0.92 * body_size
                    for ln in page.lines
                )
    for index, page in enumerate(pages):
        nxt = pages[index + 1] if index + 1 < len(pages) else None
        open_parts = [t for t in page.tables if t.open_end and t.bounds]
        closed = [t for t in page.tables if not t.open_end and t.bounds and _ends_column(t, page, body_size)]
        candidates = ([max(open_parts, key=lambda t: t.bbox[3])] if open_parts else []) + closed
        for part in candidates:
            _carry_over(part, page, nxt, body_size, dehyphen, need_closing=not part.open_end)


def _ends_column(part: PageTable, page: PageData, body_size: float) -> bool:
    """Nothing in the body type stands under the table in its column (notes may)."""
    return not any(
        ln.top > part.bbox[3] - 1 and ln.x0 < part.frame[1] and ln.x1 > part.frame[0] and ln.size > 0.92 * body_size
        for ln in page.lines
    )


def _carry_over(
    part: PageTable, page: PageData, nxt: PageData | None, body_size: float, dehyphen: Dehyphenator, need_closing: bool
) -> None:
    """Read the lines that carry ``part`` on in the next column of its page, else at the top of
    the next page, as a table part of their own (open when no rule closes them)."""
    width = part.frame[1] - part.frame[0]
    right = [ln for ln in page.lines if ln.x0 >= part.frame[1] - 1]
    if any(
        t.bbox[0] > part.bbox[2] - 1 and abs((t.frame[1] - t.frame[0]) - width) <= 0.08 * width for t in page.tables
    ):
        return  # it goes on in the next column of the same page, as a table found there
    targets: list[tuple[PageData, list[Line], list[float]]] = []
    if right:
        top = min(ln.top for ln in right)
        left = min(ln.x0 for ln in right if ln.top <= top + 3 * body_size)
        targets.append((page, right, [left - part.frame[0]]))
    elif nxt is not None:
        targets.append((nxt, nxt.lines, _column_shifts(part, nxt.lines, body_size)))
    for target, lines, shifts in targets:
        found = None
        for shift in shifts:
            taken, closing = _continuation_lines(part, target, lines, shift, body_size)
            if not taken or (need_closing and not _whole_above(taken, closing, lines, part, shift)):
                continue
            found = (shift, taken, closing)
            break
        if found is None:
            continue
        shift, taken, closing = found
        table = aligned_table(
            _reading_rows(taken), target.pno, dehyphen, part.method, 0.0, float("-inf"), [],
            (part.frame[0] + shift, part.frame[1] + shift), [x + shift for x in part.bounds],
        )
        if table is None:
            continue
        table.open_end = closing is None
        target.tables.append(table)
        ids = {id(ln) for ln in taken}
        target.lines = [ln for ln in target.lines if id(ln) not in ids]
        return


def _whole_above(taken: list[Line], closing: float | None, lines: list[Line], part: PageTable, shift: float) -> bool:
    """The lines taken are all that stands in the part's frame above a closing rule, and no
    caption: a headless rest of the table, not prose or another table over a rule."""
    if closing is None or CAPTION_RE.match(taken[0].text):
        return False
    x0, x1 = part.frame[0] + shift - 2, part.frame[1] + shift + 2
    ids = {id(ln) for ln in taken}
    return all(id(ln) in ids for ln in lines if ln.top < closing and ln.x0 >= x0 and ln.x1 <= x1)


def _column_shifts(part: PageTable, lines: list[Line], body_size: float) -> list[float]:
    """Where the next part may stand: at the same x, or at the left of another text column of
    the next page (a table that leaves the right column goes on in the left one overleaf)."""
    if not lines:
        return []
    top = min(ln.top for ln in lines)
    lefts = sorted({round(ln.x0) for ln in lines if ln.top <= top + 3 * body_size})
    shifts = [0.0] + [x - part.frame[0] for x in lefts if abs(x - part.frame[0]) > 3]
    return shifts


def _continuation_lines(
    part: PageTable, nxt: PageData, lines: list[Line], shift: float, body_size: float
) -> tuple[list[Line], float | None]:
    """The ``lines`` at the top of ``nxt`` (a page, or a column of it) that carry on ``part`` on
    its columns moved by ``shift``, and the y of the rule that closes them (or None)."""
    x0, x1 = part.frame[0] + shift, part.frame[1] + shift
    width = x1 - x0
    reach = x1 + 2 if part.method != "whitespace" else x1 + 0.25 * width  # text tables have no edge
    frame = sorted((ln for ln in lines if ln.x0 >= x0 - 2 and ln.x0 < x1 and ln.x1 <= reach), key=lambda ln: ln.top)
    if not frame or frame[0].top > min(ln.top for ln in lines) + 2 * body_size:
        return [], None
    if any(t.bbox[1] <= frame[0].top and abs(t.frame[0] - x0) < 3 and abs(t.frame[1] - x1) < 3 for t in nxt.tables):
        return [], None  # the next part is a table of its own there
    closing = min(
        (r[1] for r in nxt.rules if abs(r[0] - x0) < 4 and abs(r[2] - x1) < 4 and r[1] > frame[0].top), default=None
    )
    taken: list[Line] = []
    inner = [x + shift for x in part.bounds[1:-1]]
    starts = [x + shift for x in part.starts[1:]] if len(part.starts) == len(inner) + 1 else inner
    for line in frame:
        if any(w.x0 + 1 < x < w.x1 - 1 and w.x1 > start + 1 for w in line.words for x, start in zip(inner, starts)):
            break  # a word across a column edge into the next column's text: prose, not the table's cells
        if part.size and abs(line.size - part.size) > 0.08 * part.size:
            break  # type of another size: a heading, a note
        if closing is not None:
            if line.top > closing:
                break
        elif taken and (
            line.top - taken[-1].bottom > 2.5 * body_size
            or CAPTION_RE.match(line.text)
            or line.size < 0.85 * body_size
            or (len(line.words) > 8 and line.x1 - line.x0 > 0.7 * width)
        ):
            break
        taken.append(line)
    return taken, closing
