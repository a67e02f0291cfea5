"""PDF to passages: layout analysis on pdfplumber's words, lines and rectangles."""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from pipeline.ingest.common import PassageDraft, finalize, push_heading, section_path, table_drafts
from pipeline.ingest.dates import find_pub_date
from pipeline.ingest.dehyphen import Dehyphenator
from pipeline.ingest.errors import IngestError, NoTextLayer
from pipeline.ingest.pdf_layout import (
    Atom,
    Line,
    Word,
    baseline_rows,
    build_lines,
    find_running_lines,
    median_line_height,
    reading_order,
    split_markers,
)
from pipeline.ingest.pdf_tables import (
    BULLET_RE,
    CAPTION_RE,
    PageTable,
    aligned_table,
    continuation,
    find_ruled_tables,
    join_tables,
    looks_tabular,
    words_in,
)
from pipeline.records import Document, IngestResult, SourceTable
from pipeline.settings import Settings
from pipeline.textnorm import expand_ligatures

TERMINAL_RE = re.compile(r"[.!?:;][\"'\u2019\u201d)\]]*$")
NOTE_START_RE = re.compile(r"^(\(\d{1,3}\)|\([a-z]\)|\[\d{1,3}\]|\d{1,3}\.?|[*\u2020\u2021]{1,3})\s+(?=\S)")
NUMBERED_HEADING_RE = re.compile(r"^((?:\d{1,2}\.)*\d{1,2})\.?\s+\S|^([IVX]{1,5})\.\s+\S")
REFERENCES_RE = re.compile(
    r"^(?:\d+\.?\s+)?(references|bibliography|works cited|literature|further reading|notes|endnotes)$",
    re.IGNORECASE,
)
BYLINE_RE = re.compile(r"^by\b", re.IGNORECASE)
SOURCE_LINE_RE = re.compile(r"^(Source|Sources|Data|Note|Notes)\s*:", re.IGNORECASE)
BAD_TITLE_RE = re.compile(r"^(untitled|microsoft (word|powerpoint)|document\d*|.*\.(docx?|pdf|indd|pptx?))", re.I)


@dataclass
class PageData:
    pno: int
    width: float
    height: float
    lines: list[Line]
    tables: list[PageTable] = field(default_factory=list)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    rules: list[tuple[float, float, float, float]] = field(default_factory=list)
    running: list[str] = field(default_factory=list)


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


def check_pdf_file(path: Path) -> None:
    """Fail early, with a reason, on files that cannot be PDFs."""
    size = path.stat().st_size
    if size == 0:
        raise IngestError(f"{path.name}: file is empty (0 bytes)")
    with open(path, "rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        kind = "HTML" if b"<html" in head.lower() else "ZIP archive" if head.startswith(b"PK") else "not a PDF"
        raise IngestError(f"{path.name}: not a PDF file (no %PDF header; looks like {kind})")


def read_pdf(path: Path, doc_id: str, settings: Settings) -> IngestResult:
    """Read one PDF into a Document, passages and tables; raise IngestError with a reason."""
    check_pdf_file(path)
    deadline = time.monotonic() + settings.doc_timeout_s
    try:
        pdf = pdfplumber.open(path)
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise IngestError(f"{path.name}: encrypted PDF, needs a password ({type(exc).__name__})") from exc
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise IngestError(f"{path.name}: encrypted PDF, needs a password ({type(cause).__name__})") from exc
        raise IngestError(f"{path.name}: damaged or truncated PDF ({type(cause).__name__}: {cause})") from exc
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as exc:
        raise IngestError(f"{path.name}: damaged or truncated PDF ({type(exc).__name__}: {exc})") from exc
    with pdf:
        try:
            n_pages = len(pdf.pages)
        except Exception as exc:  # pdfminer raises many types on broken page trees
            raise IngestError(f"{path.name}: damaged or truncated PDF, page tree unreadable ({exc})") from exc
        if n_pages > settings.max_pages:
            raise IngestError(
                f"{path.name}: {n_pages} pages, over the page limit of {settings.max_pages} (setting max_pages)"
            )
        pages = []
        for index, page in enumerate(pdf.pages):
            if time.monotonic() > deadline:
                raise IngestError(
                    f"{path.name}: took longer than {settings.doc_timeout_s:g} s at page {index + 1} "
                    "(setting doc_timeout_s)"
                )
            try:
                pages.append(_read_page(page, index + 1, settings))
            except IngestError:
                raise
            except Exception as exc:
                raise IngestError(f"{path.name}: page {index + 1} unreadable ({type(exc).__name__}: {exc})") from exc
        metadata = dict(pdf.metadata or {})
    if sum(len(ln.words) for p in pages for ln in p.lines) + sum(len(p.tables) for p in pages) == 0:
        raise NoTextLayer(f"{path.name}: no text layer ({n_pages} page(s) of images only; OCR it first)")
    return _assemble(path, doc_id, pages, metadata, settings)


# ---------------------------------------------------------------- one page


def _read_page(page, pno: int, settings: Settings) -> PageData:
    if len(page.chars) > settings.max_chars_per_page:
        raise IngestError(
            f"page {pno} holds {len(page.chars)} characters, over max_chars_per_page={settings.max_chars_per_page}"
        )
    raw = page.extract_words(x_tolerance=1.5, y_tolerance=2.5, extra_attrs=["fontname", "size"], expand_ligatures=False)
    words = [
        Word(
            expand_ligatures(w["text"]), w["x0"], w["x1"], w["top"], w["bottom"], w["size"],
            w["fontname"].split("+")[-1], pno, raw=w["text"],
        )
        for w in raw
        if w.get("upright", True) and w["text"].strip()
    ]
    dehyphen = Dehyphenator(" ".join(w.text for w in words))
    tables = find_ruled_tables(page, words, pno, dehyphen, settings.table_min_rows, settings.table_min_cols)
    in_table = {id(w) for t in tables for w in words_in(words, t.bbox)}
    free = [w for w in words if id(w) not in in_table]
    body_size = _dominant_size(free) or 10.0
    lines = build_lines(free, max(settings.min_gutter, body_size), settings.superscript_ratio, body_size)
    rules = _horizontal_rules(page)
    data = PageData(pno, float(page.width), float(page.height), lines, tables, [], rules)
    data.boxes = _text_boxes(page, lines, tables)
    _mark_drawn_bullets(page, lines)
    return data


def _underlines(rule, line: Line) -> bool:
    """A rule ruled right under (or over) a running head or foot belongs to it."""
    near = 0 <= rule[1] - line.bottom <= 8 or 0 <= line.top - rule[3] <= 8
    return near and rule[0] <= line.x1 and rule[2] >= line.x0


def _dominant_size(words: list[Word]) -> float:
    counts: Counter[float] = Counter()
    for w in words:
        counts[round(w.size, 1)] += len(w.text)
    return counts.most_common(1)[0][0] if counts else 0.0


def _horizontal_rules(page) -> list[tuple[float, float, float, float]]:
    rules = []
    for obj in list(page.lines) + list(page.rects):
        height = abs(obj["bottom"] - obj["top"])
        width = obj["x1"] - obj["x0"]
        if height <= 2.0 and width >= 25:
            rules.append((obj["x0"], obj["top"], obj["x1"], obj["bottom"]))
    return rules


def _text_boxes(page, lines: list[Line], tables: list[PageTable]) -> list[tuple[float, float, float, float]]:
    """Shaded or framed rectangles that hold several lines of text (summary boxes, banners)."""
    boxes = []
    page_area = float(page.width) * float(page.height)
    for rect in page.rects:
        x0, top, x1, bottom = rect["x0"], rect["top"], rect["x1"], rect["bottom"]
        area = (x1 - x0) * (bottom - top)
        if area < 2500 or area > 0.85 * page_area or (bottom - top) < 12:
            continue
        if any(_overlaps((x0, top, x1, bottom), t.bbox) for t in tables):
            continue
        inside = [ln for ln in lines if ln.x0 >= x0 - 1 and ln.x1 <= x1 + 1 and ln.top >= top - 1 and ln.bottom <= bottom + 1]
        if len(inside) >= 2 or (inside and (bottom - top) < 60):
            boxes.append((x0, top, x1, bottom))
    boxes.sort(key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    kept: list[tuple[float, float, float, float]] = []
    for box in boxes:  # the smallest box that holds a line wins; drop boxes nested in a kept one
        if not any(_contains(box, k) for k in kept):
            kept.append(box)
    return kept


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _contains(outer, inner) -> bool:
    return outer[0] <= inner[0] + 1 and outer[1] <= inner[1] + 1 and outer[2] >= inner[2] - 1 and outer[3] >= inner[3] - 1


def _mark_drawn_bullets(page, lines: list[Line]) -> None:
    """Small filled squares or circles just left of a line are list bullets."""
    marks = [
        r
        for r in list(page.rects) + list(page.curves)
        if 1.5 <= r["x1"] - r["x0"] <= 7 and 1.5 <= r["bottom"] - r["top"] <= 7 and r.get("fill")
    ]
    for mark in marks:
        cy = (mark["top"] + mark["bottom"]) / 2
        for line in lines:
            if line.top - 2 <= cy <= line.bottom + 2 and 0 <= line.x0 - mark["x1"] <= 14:
                line.bullet = True
                break


# ---------------------------------------------------------------- whole document


def _assemble(path: Path, doc_id: str, pages: list[PageData], metadata: dict, settings: Settings) -> IngestResult:
    # Lines between a table's rules (a header repeated on each page) are never running heads.
    ruled = {id(ln) for p in pages for region, _ in _rule_regions(p) for ln in p.lines if _within(ln, region)}
    removed, running = find_running_lines(
        [[ln for ln in p.lines if id(ln) not in ruled] for p in pages],
        [p.height for p in pages],
        settings.margin_band,
        settings.repeat_min_pages,
    )
    for page in pages:
        page.running = running.get(page.pno - 1, [])
        heads = [ln for ln in page.lines if id(ln) in removed]
        page.lines = [ln for ln in page.lines if id(ln) not in removed]
        page.rules = [r for r in page.rules if not any(_underlines(r, ln) for ln in heads)]
    all_lines = [ln for p in pages for ln in p.lines]
    body_size = _body_size(all_lines)
    dehyphen = Dehyphenator(" ".join(ln.text for ln in all_lines))
    for page in pages:
        _find_unruled_tables(page, body_size, dehyphen)
    captions = _attach_captions(pages, body_size)
    ordered = _ordered_atoms(pages, body_size, settings)
    tables = _join_page_tables(ordered, body_size)
    blocks = _blocks(ordered, tables, body_size, captions, settings)
    start_page = _start_page(pages, body_size, metadata)
    back_pages = _back_matter_pages(pages, start_page)
    _mark_front_matter(blocks, start_page, back_pages, body_size)
    _mark_headings(blocks, body_size, settings)
    _join_across_breaks(blocks, body_size)
    drafts = _drafts(blocks, dehyphen)
    passages, source_tables = finalize(doc_id, drafts)
    title = _title(metadata, blocks, start_page, path)
    running_texts = [t for p in pages for t in p.running]
    front_text = [b.text for b in blocks if b.kind == "front_matter" and b.page == start_page]
    pub_date = find_pub_date(front_text, running_texts, [b.text for b in blocks if b.kind == "front_matter"], metadata)
    document = Document(
        doc_id=doc_id,
        source=path.name,
        title=title,
        pub_date=pub_date,
        pages=len(pages),
        status="ok",
        path=str(path),
        format="pdf",
    )
    return IngestResult(document, passages, source_tables)


def _body_size(lines: list[Line]) -> float:
    counts: Counter[float] = Counter()
    for ln in lines:
        counts[ln.size] += sum(len(w.text) for w in ln.words)
    return counts.most_common(1)[0][0] if counts else 10.0


def _find_unruled_tables(page: PageData, body_size: float, dehyphen: Dehyphenator) -> None:
    """Tables ruled only across (two or more rules of one width) or aligned by whitespace."""
    min_gap = max(6.0, 0.9 * body_size)
    taken: set[int] = set()
    for region, rule_ys in _rule_regions(page):
        if len(rule_ys) == 2:
            region = _extend_down(page, region, body_size)
        inside = [ln for ln in page.lines if _within(ln, region) and id(ln) not in taken and not CAPTION_RE.match(ln.text)]
        if len(inside) < 2 or not _cell_like(inside):
            continue
        rows = _reading_rows(inside)
        inner = [y for y in rule_ys[1:-1] if rows[0].top < y < rows[-1].bottom]
        header_bottom = inner[0] if inner and inner[0] < rows[-1].top else None
        # Rules mark the table, so a narrow gap already separates its columns.
        table = aligned_table(
            rows, page.pno, dehyphen, "rules", max(3.5, 0.45 * body_size), header_bottom, inner[1:], (region[0], region[2])
        )
        if table and table.n_cols >= 2:
            page.tables.append(table)
            taken.update(id(ln) for ln in inside)
    for band in _column_bands([ln for ln in page.lines if id(ln) not in taken]):
        for run in _aligned_runs(band, min_gap, body_size):
            table = aligned_table(_reading_rows(run), page.pno, dehyphen, "whitespace", min_gap)
            if table and table.n_cols >= 2:
                page.tables.append(table)
                taken.update(id(ln) for ln in run)
    page.lines = [ln for ln in page.lines if id(ln) not in taken]


def _column_bands(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped by the text column they stand in, so that a table in one column is not read
    together with the prose beside it. Columns are the x-ranges that most long lines cover;
    lines that cross a gutter (titles, full-width tables) form a band of their own."""
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
    floor = 0.1 * max(cover)
    spans: list[list[int]] = []
    for x, n in enumerate(cover):
        if n > floor:
            if spans and x - spans[-1][1] <= 1:
                spans[-1][1] = x
            else:
                spans.append([x, x])
    bands: list[list[Line]] = [[] for _ in spans]
    wide: list[Line] = []
    for ln in lines:
        home = [i for i, (a, b) in enumerate(spans) if ln.x0 - left >= a - 3 and ln.x1 - left <= b + 3]
        (bands[home[0]] if home else wide).append(ln)
    return [b for b in bands + [wide] if b]


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


def _within(line: Line, region) -> bool:
    cx = (line.x0 + line.x1) / 2
    return region[0] - 2 <= cx <= region[2] + 2 and region[1] - 1 <= line.top and line.bottom <= region[3] + 1


def _rule_regions(page: PageData) -> list[tuple[tuple[float, float, float, float], list[float]]]:
    """Spans between the first and last of several rules of the same extent, with the rules' y."""
    groups: dict[tuple[int, int], list] = {}
    for rule in page.rules:
        if any(_overlaps((rule[0], rule[1] - 1, rule[2], rule[3] + 1), t.bbox) for t in page.tables):
            continue
        key = (round(rule[0] / 4), round(rule[2] / 4))
        groups.setdefault(key, []).append(rule)
    regions = []
    for rules in groups.values():
        if len(rules) < 2:
            continue
        rules.sort(key=lambda r: r[1])
        ys = [(r[1] + r[3]) / 2 for r in rules]
        regions.append(((rules[0][0], rules[0][1], rules[0][2], rules[-1][3]), ys))
    return regions


def _cell_like(lines: list[Line]) -> bool:
    """Short line pieces side by side, as in table cells, not columns of prose."""
    words = statistics.median(len(ln.words) for ln in lines)
    rows = baseline_rows(lines)
    multi = sum(1 for row in rows if len(row) >= 2)
    return words <= 6 and multi >= max(1, 0.4 * len(rows))


def _reading_rows(lines: list[Line]) -> list[Line]:
    """Merge the pieces of each physical row into one line object (cells side by side)."""
    merged = []
    for row in baseline_rows(lines):
        row.sort(key=lambda ln: ln.x0)
        words = [w for ln in row for w in ln.words]
        spaces = [s for ln in row for s in (ln.spaces or [True] * len(ln.words))]
        merged.append(Line(words=words, page=row[0].page, spaces=spaces))
    return merged


def _aligned_runs(lines: list[Line], min_gap: float, body_size: float) -> list[list[Line]]:
    """Runs of physical rows split into aligned cells (tables drawn with no rules).

    A run may hold rows of a single short piece (a wrapped key or header cell) between rows of
    several pieces; it ends at a prose line, at a wide gap, or at a caption.
    """
    rows = baseline_rows(lines)
    runs: list[list[list[Line]]] = []
    current: list[list[Line]] = []
    pending: list[list[Line]] = []
    for row in rows:
        multi = len(row) >= 3 or (len(row) == 2 and any(len(p.words) <= 2 for p in row))
        last = (pending or current)[-1] if (pending or current) else None
        close = last is not None and min(p.top for p in row) - max(p.bottom for p in last) <= 1.6 * body_size
        if multi and (close or not current):
            current.extend(pending)
            current.append(row)
            pending = []
            continue
        width = _run_width(current)
        short = len(row) == 1 and width and (row[0].x1 - row[0].x0) < 0.45 * width and not CAPTION_RE.match(row[0].text)
        if current and close and short and len(pending) < 3:
            pending.append(row)
            continue
        if sum(1 for r in current if len(r) >= 2) >= 3:
            runs.append(current + _key_lines(pending, current))
        current = [row] if multi else []
        pending = []
    if sum(1 for r in current if len(r) >= 2) >= 3:
        runs.append(current + _key_lines(pending, current))
    return [[ln for row in run for ln in row] for run in runs if looks_tabular(_reading_rows([ln for row in run for ln in row]), min_gap)]


def _key_lines(pending: list[list[Line]], run: list[list[Line]]) -> list[list[Line]]:
    """Rows after a run's last full row that carry on its key cell (aligned with the first column)."""
    left = min(p.x0 for row in run for p in row)
    kept = []
    for row in pending:
        if abs(row[0].x0 - left) > 2:
            break
        kept.append(row)
    return kept


def _run_width(run: list[list[Line]]) -> float:
    pieces = [p for row in run for p in row]
    return max(p.x1 for p in pieces) - min(p.x0 for p in pieces) if pieces else 0.0


def _attach_captions(pages: list[PageData], body_size: float) -> set[int]:
    """Lines that caption a table (above it) or annotate it (notes set just below it)."""
    caption_ids: set[int] = set()
    for page in pages:
        for table in page.tables:
            above = [
                ln for ln in page.lines
                if ln.bottom <= table.bbox[1] + 1 and table.bbox[1] - ln.bottom <= 3.5 * body_size
                and ln.x0 < table.bbox[2] and ln.x1 > table.bbox[0]
            ]
            above.sort(key=lambda ln: ln.top)
            start = next((i for i, ln in enumerate(above) if CAPTION_RE.match(ln.text)), None)
            if start is not None:
                chosen = above[start:]
                table.caption = " ".join(ln.text for ln in chosen)
                caption_ids.update(id(ln) for ln in chosen)
            below = sorted(
                (ln for ln in page.lines if ln.top >= table.bbox[3] - 1 and ln.x0 < table.bbox[2] and ln.x1 > table.bbox[0]),
                key=lambda ln: ln.top,
            )
            prev_bottom = table.bbox[3]
            for ln in below:
                if ln.top - prev_bottom > 1.2 * body_size or not (ln.italic or ln.size < 0.95 * body_size):
                    break
                caption_ids.add(id(ln))
                prev_bottom = ln.bottom
    for page in pages:
        for ln in page.lines:
            if CAPTION_RE.match(ln.text) and (ln.words[0].bold or ln.words[0].italic):
                caption_ids.add(id(ln))
            elif SOURCE_LINE_RE.match(ln.text) and ln.size < 0.95 * body_size:
                caption_ids.add(id(ln))
    return caption_ids


def _ordered_atoms(pages: list[PageData], body_size: float, settings: Settings) -> list[Atom]:
    ordered: list[Atom] = []
    for page in pages:
        atoms: list[Atom] = []
        boxed: set[int] = set()
        for box in page.boxes:
            inside = [ln for ln in page.lines if ln.x0 >= box[0] - 1 and ln.x1 <= box[2] + 1 and ln.top >= box[1] - 1 and ln.bottom <= box[3] + 1]
            inside = [ln for ln in inside if id(ln) not in boxed]
            if not inside:
                continue
            boxed.update(id(ln) for ln in inside)
            inner = [Atom("line", ln.x0, ln.top, ln.x1, ln.bottom, line=ln) for ln in inside]
            leaves = reading_order(inner, settings.min_gutter, median_line_height(inside))
            atoms.append(Atom("box", *box, lines=[a.line for leaf in leaves for a in leaf if a.line]))
        for ln in page.lines:
            if id(ln) not in boxed:
                atoms.append(Atom("line", ln.x0, ln.top, ln.x1, ln.bottom, line=ln))
        for table in page.tables:
            atoms.append(Atom("table", *table.bbox, ref=table))
        content_width = max((a.x1 for a in atoms), default=page.width) - min((a.x0 for a in atoms), default=0)
        for rule in page.rules:
            if rule[2] - rule[0] >= 0.5 * content_width and not any(_overlaps(rule, t.bbox) for t in page.tables):
                atoms.append(Atom("rule", *rule))
        leaves = reading_order(atoms, settings.min_gutter, median_line_height(page.lines) if page.lines else body_size)
        ordered.extend(_merge_row_pieces([a for leaf in leaves for a in leaf if a.kind != "rule"]))
    return ordered


def _merge_row_pieces(atoms: list[Atom]) -> list[Atom]:
    """Pieces of one printed row that follow each other (a hanging "(3)" and its note) become one line."""
    merged: list[Atom] = []
    for atom in atoms:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and prev.kind == atom.kind == "line"
            and abs(prev.line.bottom - atom.line.bottom) <= 0.3 * atom.line.size
            and 0 < atom.x0 - prev.x1 <= 4 * atom.line.size
        ):
            line = Line(
                words=prev.line.words + atom.line.words,
                page=prev.line.page,
                markers=prev.line.markers + [(len(prev.line.text) + 1 + off, m) for off, m in atom.line.markers],
                spaces=(prev.line.spaces or [True] * len(prev.line.words)) + [True] + (atom.line.spaces or [True] * len(atom.line.words))[1:],
                bullet=prev.line.bullet,
            )
            merged[-1] = Atom("line", prev.x0, min(prev.top, atom.top), atom.x1, max(prev.bottom, atom.bottom), line=line)
        else:
            merged.append(atom)
    return merged


def _join_page_tables(ordered: list[Atom], body_size: float) -> dict[int, SourceTable]:
    """One SourceTable per printed table, joining parts that continue on the next page.

    Notes set small at the foot of the page do not count as content after the first part.
    """
    result: dict[int, SourceTable] = {}
    groups: list[list[PageTable]] = []
    aliases: dict[int, int] = {}  # a part read again on its first part's columns -> the part seen
    last_content: Atom | None = None
    for atom in ordered:
        if atom.kind == "table":
            part = atom.ref
            follows = None
            if groups and last_content is not None and last_content.kind == "table":
                follows = continuation(groups[-1][-1], part)
            if follows is not None:
                groups[-1].append(follows)
                aliases[id(follows)] = id(part)
            else:
                groups.append([part])
            last_content = atom
        elif atom.kind == "box" or (atom.kind == "line" and atom.line.size > 0.92 * body_size):
            last_content = atom
    for parts in groups:
        header, rows, row_pages, note = join_tables(parts)
        first = parts[0]
        table = SourceTable(
            doc_id="",
            table_id="",
            page=first.page,
            page_end=parts[-1].page,
            caption=first.caption,
            header=header,
            rows=rows,
            row_pages=row_pages,
            method=first.method,
            note=note,
        )
        for part in parts:
            result[aliases.get(id(part), id(part))] = table
    return result


# ---------------------------------------------------------------- blocks and their kinds


def _blocks(ordered: list[Atom], tables: dict[int, SourceTable], body_size: float, captions: set[int], settings: Settings) -> list[Block]:
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
        if prev is not None and prev.lines and prev.kind in ("body", "caption", "footnote") and not prev.in_box:
            if _continues_block(prev, line, kind, body_size, lefts):
                prev.lines.append(line)
                continue
        blocks.append(Block(kind, [line]))
    return blocks


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
    if line.size > 0.92 * body_size:
        return ""
    if line.markers and line.markers[0][0] == 0:
        return split_markers(line.markers[0][1])[0] if split_markers(line.markers[0][1]) else line.markers[0][1]
    match = NOTE_START_RE.match(line.text)
    if not match:
        return ""
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
    if abs(line.size - last.size) > 0.1 * last.size:
        return False
    if line.bold != last.bold and (line.bold or last.bold) and kind == "body":
        if len(line.words) <= 12 or len(last.words) <= 12:
            return False
    gap = line.top - last.bottom
    if gap > 0.75 * line.size:
        return False
    last_short = last.x1 < max(ln.x1 for ln in prev.lines) - 2.5 * line.size
    if line.bullet:
        return False
    if BULLET_RE.match(line.text):
        # A dash that opens a line mid-sentence is punctuation, not a list bullet.
        mid_sentence = not TERMINAL_RE.search(last.text) and not last_short and not BULLET_RE.match(prev.lines[0].text)
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


def _start_page(pages: list[PageData], body_size: float, metadata: dict) -> int:
    """The page where the document itself begins (after covers, imprints and boards)."""
    title = _clean_meta_title(metadata.get("Title"))
    probe = " ".join(title.lower().split()[:3]) if title else ""
    titled = []
    for page in pages[:6]:
        big = [ln for ln in page.lines if ln.size >= 1.3 * body_size]
        prose = [ln for ln in page.lines if abs(ln.size - body_size) <= 0.12 * body_size and len(ln.words) >= 6]
        has_title = any(probe in ln.text.lower() for ln in big) if probe else any(ln.size >= 1.5 * body_size for ln in big)
        if has_title:
            titled.append(page.pno)
            if len(prose) >= 5:
                return page.pno
    if titled:
        return titled[0]
    return pages[0].pno if pages else 1


def _back_matter_pages(pages: list[PageData], start_page: int) -> set[int]:
    """Trailing pages whose running head differs from the document's own (journal back matter)."""
    signatures = {p.pno: frozenset(re.sub(r"\d+", "#", t.lower()) for t in p.running) for p in pages}
    main = Counter(sig for pno, sig in signatures.items() if pno >= start_page and sig).most_common(1)
    if not main:
        return set()
    main_sig = main[0][0]
    back: set[int] = set()
    for page in reversed(pages):
        sig = signatures[page.pno]
        if sig == main_sig or not sig:
            break
        back.add(page.pno)
    return back


def _mark_front_matter(blocks: list[Block], start_page: int, back_pages: set[int], body_size: float) -> None:
    """Pages before the title page and after the document's own running head are front matter,
    and so is the title block: everything on the title page before the first prose paragraph or
    the first heading that a paragraph follows (a by-line is never such a heading)."""
    content_started = False
    after_by = False
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
            _is_prose(block, body_size) is False
            and _heading_like(block, body_size)
            and following is not None
            and _is_prose(following, body_size)
            and not after_by
        )
        if _is_prose(block, body_size) or opens_section:
            content_started = True
            continue
        after_by = bool(BYLINE_RE.match(block.text))
        block.kind = "front_matter"


def _is_prose(block: Block, body_size: float) -> bool:
    return block.kind == "body" and block.words >= 12 and all(ln.size <= 1.2 * body_size for ln in block.lines)


def _heading_like(block: Block, body_size: float) -> bool:
    """Short, set apart by boldness or size, but not in title type."""
    if not block.lines or block.words > 18:
        return False
    size = max(ln.size for ln in block.lines)
    return size < 1.5 * body_size and (all(ln.bold for ln in block.lines) or size >= 1.12 * body_size)


def _mark_headings(blocks: list[Block], body_size: float, settings: Settings) -> None:
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


def _join_across_breaks(blocks: list[Block], body_size: float) -> None:
    """A paragraph cut by a column or page break becomes one block again."""
    indent_style = _indent_style(blocks)
    last_body: Block | None = None
    for block in blocks:
        if block.kind == "body" and not block.in_box:
            if last_body is not None and _is_continuation(last_body, block, indent_style):
                block.joins_previous = True
                last_body.lines.extend(block.lines)
                block.lines = []
                continue
            last_body = block
        elif block.kind in ("heading", "front_matter", "table") or block.in_box:
            last_body = None


def _indent_style(blocks: list[Block]) -> bool:
    firsts = [b for b in blocks if b.kind == "body" and len(b.lines) >= 2]
    indented = sum(1 for b in firsts if b.lines[0].x0 - b.lines[1].x0 > 0.6 * b.lines[0].size)
    return bool(firsts) and indented >= 0.3 * len(firsts)


def _is_continuation(prev: Block, block: Block, indent_style: bool) -> bool:
    last = prev.lines[-1]
    first = block.lines[0]
    jumped = first.page != last.page or first.top < last.top - 1
    if not jumped or first.bullet or BULLET_RE.match(first.text):
        return False
    if abs(first.size - last.size) > 0.1 * last.size:
        return False
    if not TERMINAL_RE.search(last.text) or last.text.endswith("-"):
        return True
    if indent_style and len(block.lines) > 1:
        return not (first.x0 - block.lines[1].x0 > 0.6 * first.size)
    return False


def _drafts(blocks: list[Block], dehyphen: Dehyphenator) -> list[PassageDraft]:
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
            in_references = bool(REFERENCES_RE.match(text.strip()))
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


def _clean_meta_title(value) -> str:
    if not value:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "ignore")
    value = " ".join(str(value).split())
    if len(value) < 4 or BAD_TITLE_RE.match(value):
        return ""
    return value


def _title(metadata: dict, blocks: list[Block], start_page: int, path: Path) -> str:
    title = _clean_meta_title(metadata.get("Title"))
    if title:
        return title
    front = [b for b in blocks if b.page == start_page and b.lines and b.kind in ("front_matter", "heading")]
    if front:
        biggest = max(front, key=lambda b: max(ln.size for ln in b.lines))
        return " ".join(biggest.text.split())
    return path.stem
