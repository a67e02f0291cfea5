"""PDF to passages: layout analysis on pdfplumber's words, lines and rectangles."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from pipeline.ingest.common import PassageDraft, choose_title, finalize
from pipeline.ingest.dates import date_line, find_pub_date
from pipeline.ingest.dehyphen import Dehyphenator
from pipeline.ingest.errors import IngestError
from pipeline.ingest.guard import guarded
from pipeline.ingest.pdf_blocks import (
    Block,
    blocks_to_drafts,
    build_blocks,
    join_across_breaks,
    link_bracket_markers,
    mark_front_matter,
    mark_headings,
)
from pipeline.ingest.pdf_layout import (
    Atom,
    Line,
    PageData,
    Word,
    build_lines,
    find_running_lines,
    median_line_height,
    overlaps,
    reading_order,
)
from pipeline.ingest.pdf_tables import (
    CAPTION_RE,
    is_tinted as _tinted,
    PageTable,
    continuation,
    continue_open_tables,
    find_ruled_tables,
    find_unruled_tables,
    join_tables,
    rule_regions,
    within,
    words_in,
)
from pipeline.ingest.vocabulary import NOTE_START_RE, source_line_re
from pipeline.records import Document, IngestResult, SourceTable
from pipeline.settings import Settings
from pipeline.vocab.textnorm import expand_ligatures

SOURCE_LINE_RE = source_line_re()
BAD_TITLE_RE = re.compile(r"^(untitled|microsoft (word|powerpoint)|document\d*|.*\.(docx?|pdf|indd|pptx?))", re.I)


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
    with guarded(path.name, settings) as guard:  # bounds pdfminer's work; keeps its complaints per page
        result, warnings = _read_guarded(path, doc_id, settings, guard)
    result.document.pages_read = guard.pages_read
    result.document.warnings.extend(warnings)
    return result


def _read_guarded(path: Path, doc_id: str, settings: Settings, guard) -> tuple[IngestResult, list[str]]:
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
        warnings = []
        for index, page in enumerate(pdf.pages):
            guard.start_page(index + 1)
            try:
                pages.append(_read_page(page, index + 1, settings))
            except IngestError as exc:
                raise IngestError(f"{path.name}: {exc}") from exc
            except Exception as exc:  # a layout bug on one page: keep its words, without tables
                guard.check()
                warnings.append(f"page {index + 1}: tables and boxes skipped ({type(exc).__name__}: {exc})")
                try:
                    pages.append(_read_page(page, index + 1, settings, layout=False))
                except Exception as again:  # the page is lost, not the document
                    warnings.pop()
                    guard.page_failed(index + 1, again)
                    pages.append(PageData(index + 1, float(page.width), float(page.height), []))
            page.close()  # pdfplumber's objects of a page read: ~7 MB a page otherwise, kept to the end
        metadata = dict(pdf.metadata or {})
        words_per_page = [sum(len(ln.words) for ln in p.lines) + len(p.tables) for p in pages]
        if not any(words_per_page):
            raise guard.no_text(n_pages)  # a scan to OCR, or a text PDF whose text is lost
        warnings.extend(guard.warnings(words_per_page))
        try:
            result = _assemble(path, doc_id, pages, metadata, settings)
        except Exception as exc:  # a layout bug must not lose the document: fall back to plain text
            result = _plain_reading(path, doc_id, pdf, metadata)
            warnings.append(f"layout analysis failed ({type(exc).__name__}: {exc}); plain page text used")
    return result, warnings


def _plain_reading(path: Path, doc_id: str, pdf, metadata: dict) -> IngestResult:
    """One body passage per page from pdfplumber's plain text: the reading of last resort."""
    drafts = [
        PassageDraft(kind="body", text=" ".join((page.extract_text() or "").split()), page=page.page_number)
        for page in pdf.pages
    ]
    passages, _ = finalize(doc_id, drafts)
    title = _clean_meta_title(metadata.get("Title")) or path.stem
    openings = [d.text[:200] for d in drafts[:1]]
    pub_date, date_source = find_pub_date([], [], [], metadata, openings)
    document = Document(
        doc_id=doc_id, source=path.name, title=title, pub_date=pub_date, pub_date_source=date_source,
        pages=len(pdf.pages), path=str(path), format="pdf",
    )
    return IngestResult(document, passages, [])


def _read_page(page, pno: int, settings: Settings, layout: bool = True) -> PageData:
    """Words, lines, ruled tables, rules and boxes of one page (``layout=False``: words only)."""
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
    tables = find_ruled_tables(page, words, pno, dehyphen, settings.table_min_rows, settings.table_min_cols) if layout else []
    in_table = {id(w) for t in tables for w in words_in(words, t.bbox)}
    free = [w for w in words if id(w) not in in_table]
    body_size = _dominant_size(free) or 10.0
    lines = build_lines(free, max(settings.min_gutter, body_size), settings.superscript_ratio, body_size)
    width, height = float(page.width), float(page.height)
    if getattr(page, "rotation", 0) in (90, 270) and words and max(w.x1 for w in words) > width + 1:
        width, height = height, width  # a page turned a quarter: its text comes in the turned frame
    data = PageData(pno, width, height, lines, tables)
    if layout:
        data.rules = _horizontal_rules(page)
        data.fills = _fills(page)
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


def _horizontal_rules(page) -> list[tuple[float, float, float, float, float]]:
    """Horizontal lines and hairline rectangles at least 25 pt long: x0, top, x1, bottom, weight."""
    rules = []
    for obj in list(page.lines) + list(page.rects):
        height = abs(obj["bottom"] - obj["top"])
        width = obj["x1"] - obj["x0"]
        if height <= 2.0 and width >= 25:
            weight = max(height, float(obj.get("linewidth") or 0.0))
            rules.append((obj["x0"], obj["top"], obj["x1"], obj["bottom"], round(weight, 2)))
    return rules


def _fills(page) -> list[tuple[float, float, float, float]]:
    """Tinted filled rectangles taller than a rule (shaded rows, bands, boxes); cells shaded one
    by one side by side make one rectangle."""
    rects = sorted(
        (r["x0"], r["top"], r["x1"], r["bottom"])
        for r in page.rects
        if r.get("fill") and _tinted(r.get("non_stroking_color")) and r["bottom"] - r["top"] > 2.0
    )
    merged: list[list[float]] = []
    for x0, top, x1, bottom in sorted(rects, key=lambda r: (round(r[1]), round(r[3]), r[0])):
        last = merged[-1] if merged else None
        if last and abs(last[1] - top) < 0.6 and abs(last[3] - bottom) < 0.6 and -0.1 <= x0 - last[2] <= 1.5:
            last[2] = max(last[2], x1)
        else:
            merged.append([x0, top, x1, bottom])
    return [(a, b, c, d) for a, b, c, d in merged if c - a >= 25]


def _text_boxes(page, lines: list[Line], tables: list[PageTable]) -> list[tuple[float, float, float, float]]:
    """Shaded or framed rectangles that hold several lines of text (summary boxes, banners)."""
    boxes = []
    page_area = float(page.width) * float(page.height)
    for rect in page.rects:
        x0, top, x1, bottom = rect["x0"], rect["top"], rect["x1"], rect["bottom"]
        area = (x1 - x0) * (bottom - top)
        if area < 2500 or area > 0.85 * page_area or (bottom - top) < 12:
            continue
        if any(overlaps((x0, top, x1, bottom), t.bbox) for t in tables):
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


def _assemble(path: Path, doc_id: str, pages: list[PageData], metadata: dict, settings: Settings) -> IngestResult:
    # Lines between a table's rules (a header repeated on each page) are never running heads.
    ruled = {id(ln) for p in pages for region, _ in rule_regions(p) for ln in p.lines if within(ln, region)}
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
        find_unruled_tables(page, body_size, dehyphen)
    continue_open_tables(pages, body_size, dehyphen)
    captions = _attach_captions(pages, body_size)
    ordered = _ordered_atoms(pages, body_size, settings)
    tables = _join_page_tables(ordered, body_size, dehyphen)
    blocks = build_blocks(ordered, tables, body_size, captions, settings)
    start_page = _start_page(pages, body_size, metadata)
    back_pages = _back_matter_pages(pages, start_page)
    mark_front_matter(blocks, start_page, back_pages, body_size)
    mark_headings(blocks, body_size, settings)
    join_across_breaks(blocks, body_size)
    link_bracket_markers(blocks)
    drafts = blocks_to_drafts(blocks, dehyphen)
    passages, source_tables = finalize(doc_id, drafts)
    title = _title(metadata, blocks, start_page, path)
    running_texts = [t for p in pages for t in p.running]
    front_text = [b.text for b in blocks if b.kind == "front_matter" and b.page == start_page]
    openings = [b.text for b in blocks if b.page == start_page and b.kind in ("body", "heading") and b.lines][:6]
    pub_date, date_source = find_pub_date(
        front_text, running_texts, [b.text for b in blocks if b.kind == "front_matter"], metadata, openings
    )
    document = Document(
        doc_id=doc_id,
        source=path.name,
        title=title,
        pub_date=pub_date,
        pub_date_source=date_source,
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


def _attach_captions(pages: list[PageData], body_size: float) -> set[int]:
    """Lines that caption a table (above it) or annotate it (notes set just below it)."""
    caption_ids: set[int] = set()
    for page in pages:
        for table in page.tables:
            above = [
                ln for ln in page.lines
                if ln.bottom <= table.bbox[1] + 1 and table.bbox[1] - ln.bottom <= 3.5 * body_size
                and ln.x0 < table.frame[1] and ln.x1 > table.frame[0]
            ]
            above.sort(key=lambda ln: ln.top)
            start = next((i for i, ln in enumerate(above) if CAPTION_RE.match(ln.text)), None)
            if start is None and above:  # a caption of several lines: its last one is near
                above = _block_upwards(page, above[0], table.frame) + above
                start = next((i for i, ln in enumerate(above) if CAPTION_RE.match(ln.text)), None)
            if start is not None:
                chosen = above[start:]
                table.caption = " ".join(ln.text for ln in chosen)
                caption_ids.update(id(ln) for ln in chosen)
            below = sorted(
                (ln for ln in page.lines if ln.top >= table.bbox[3] - 1 and ln.x0 < table.frame[1] and ln.x1 > table.frame[0]),
                key=lambda ln: ln.top,
            )
            prev_bottom = table.bbox[3]
            if start is None and (chosen := _caption_below(page, table, below, body_size)):
                table.caption = " ".join(ln.text for ln in chosen)
                table.caption_below = True
                caption_ids.update(id(ln) for ln in chosen)
                below = below[len(chosen) + below.index(chosen[0]) :]
                prev_bottom = chosen[-1].bottom
            for ln in below:
                if ln.top - prev_bottom > 1.2 * body_size or not (ln.italic or ln.size < 0.95 * body_size):
                    break
                if NOTE_START_RE.match(ln.text) or (ln.markers and ln.markers[0][0] == 0):
                    break  # the page's footnotes, not a note on the table
                if any(prev_bottom - 1 <= r[1] <= ln.top + 1 and r[0] <= ln.x0 + 2 for r in page.rules):
                    break  # a rule between: the footnote separator
                caption_ids.add(id(ln))
                prev_bottom = ln.bottom
    for page, nxt in zip(pages, pages[1:]):
        # A caption pushed to the top of the next page by a table that filled its page.
        ends = [
            t for t in page.tables
            if not t.caption and not any(ln.top >= t.bbox[3] and ln.size > 0.92 * body_size for ln in page.lines)
        ]
        if not ends or not nxt.lines:
            continue
        table = max(ends, key=lambda t: t.bbox[3])
        top = sorted((ln for ln in nxt.lines if ln.x0 < table.frame[1] and ln.x1 > table.frame[0]), key=lambda ln: ln.top)
        if not top or not CAPTION_RE.match(top[0].text) or id(top[0]) in caption_ids or top[0].top > min(ln.top for ln in nxt.lines) + 1:
            continue
        fake = PageTable(nxt.pno, (table.frame[0], top[0].top - 1, table.frame[1], top[0].top - 1), [], 0, "", frame=table.frame)
        chosen = _caption_below(nxt, fake, top, body_size)
        if chosen:
            table.caption = " ".join(ln.text for ln in chosen)
            table.caption_below = True
            caption_ids.update(id(ln) for ln in chosen)
    for page in pages:
        for ln in page.lines:
            if CAPTION_RE.match(ln.text) and (ln.words[0].bold or ln.words[0].italic):
                caption_ids.add(id(ln))
            elif SOURCE_LINE_RE.match(ln.text) and ln.size < 0.95 * body_size:
                caption_ids.add(id(ln))
    return caption_ids


def _block_upwards(page: PageData, line: Line, frame: tuple[float, float], most: int = 4) -> list[Line]:
    """Up to ``most`` lines set straight above ``line`` in its type size, at line spacing (the
    earlier lines of a caption), top to bottom."""
    block: list[Line] = []
    lower = line
    for ln in sorted((ln for ln in page.lines if ln.bottom <= line.top + 1 and ln.x0 < frame[1] and ln.x1 > frame[0]),
                     key=lambda ln: -ln.bottom):
        if len(block) >= most or lower.top - ln.bottom > 0.75 * ln.size or abs(ln.size - lower.size) > 0.05 * lower.size:
            break
        block.append(ln)
        lower = ln
    return block[::-1]


def _caption_below(page: PageData, table: PageTable, below: list[Line], body_size: float) -> list[Line]:
    """The "Table 3 ..." lines set just under a table that has no caption above it (and that do
    not stand over another table), or []."""
    first = next((ln for ln in below[:3] if CAPTION_RE.match(ln.text)), None)
    if first is None or first.top - table.bbox[3] > 2.5 * body_size:
        return []
    if any(t is not table and 0 <= t.bbox[1] - first.bottom <= 3.5 * body_size for t in page.tables):
        return []
    chosen = [first]
    for ln in below[below.index(first) + 1 :]:
        last = chosen[-1]
        if ln.top < last.bottom - 1 or ln.x1 <= last.x0 or ln.x0 >= last.x1:
            continue  # beside the caption's last line (another column's text under a wide table)
        if ln.top - last.bottom > 0.75 * ln.size or abs(ln.size - last.size) > 0.05 * last.size or CAPTION_RE.match(ln.text):
            break
        if _ended_short(last, ln, (min(table.frame[0], *(c.x0 for c in chosen)), max(table.frame[1], *(c.x1 for c in chosen)))):
            break  # the next line's first word would have fitted on the caption's last line: it ended there
        chosen.append(ln)
    return chosen


def _ended_short(last: Line, nxt: Line, measure: tuple[float, float]) -> bool:
    """``last`` ends its paragraph: the first word of ``nxt`` would have fitted in the room left
    on it within ``measure`` (left, right), whether the lines are set flush left or centred; a
    line that ends in a hyphen broke a word and goes on."""
    if last.text.endswith(("-", "\u00ad")):
        return False
    word = nxt.words[0]
    space = 0.25 * last.size
    return (last.x1 - last.x0) + space + (word.x1 - word.x0) < measure[1] - measure[0] - 1


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
            if rule[2] - rule[0] >= 0.5 * content_width and not any(overlaps(rule, t.bbox) for t in page.tables):
                atoms.append(Atom("rule", *rule[:4]))
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


def _join_page_tables(ordered: list[Atom], body_size: float, dehyphen: Dehyphenator | None = None) -> dict[int, SourceTable]:
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
        header, rows, row_pages, note = join_tables(parts, dehyphen)
        first = parts[0]
        table = SourceTable(
            doc_id="",
            table_id="",
            page=first.page,
            page_end=parts[-1].page,
            caption=first.caption or next((p.caption for p in parts if p.caption_below), ""),
            header=header,
            rows=rows,
            row_pages=row_pages,
            method=first.method,
            note=note,
        )
        for part in parts:
            result[aliases.get(id(part), id(part))] = table
    return result


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
    """The title as printed: the block in the largest type at the head of the first page of the
    document; the PDF's metadata title when nothing is printed larger than the text."""
    return choose_title(_printed_title(blocks, start_page), _clean_meta_title(metadata.get("Title"))) or path.stem


def _printed_title(blocks: list[Block], start_page: int) -> str:
    page = [b for b in blocks if b.page == start_page and b.lines and b.kind != "table"]
    if not page:
        return ""
    body = Counter()
    for b in page:
        for ln in b.lines:
            body[ln.size] += len(ln.text)
    body_size = body.most_common(1)[0][0]
    front = [b for b in page if b.kind in ("front_matter", "heading")]
    if not front:
        return ""
    biggest = max(front, key=lambda b: max(ln.size for ln in b.lines))
    text = " ".join(biggest.text.split())
    if max(ln.size for ln in biggest.lines) < 1.25 * body_size or len(text) < 4 or date_line(text) or text.isdigit():
        return ""
    return text
