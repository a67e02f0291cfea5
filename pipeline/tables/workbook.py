"""The analysts' workbook (``tables/secmine-tables.xlsx``) and the review workbook, with openpyxl.

Every data sheet is an Excel table (filters, banded rows) with a frozen header row, widths taken
from its contents, wrapped long text, whole-number years and pages, and a link from each row's
``source_doc`` cell to the file it comes from (``#page=N`` for PDFs). Rows whose facts have a
confidence below ``min_confidence_shown`` are grey. The Overview sheet holds partner x domain
counts with a colour scale; the Run sheet says what the tables were built from.

No cell is ever a formula: text from documents, table cells and file names that starts with
``= + - @``, a tab or a carriage return is written as an explicit string with Excel's quote
prefix (the OWASP rule), characters XML cannot hold are dropped, and links are set as cell
hyperlinks, never built as ``=HYPERLINK(...)`` from text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from copy import copy
from functools import lru_cache
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.io import atomic_path
from pipeline.records import DOMAINS
from pipeline.vocab.domains import domain_label

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
GREY = "8C8C8C"
HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
# Long free text: wrapped, in wide columns.
WRAP = {"evidence", "title", "instrument", "qualifiers", "mode_text", "partnership_as_printed", "error", "warnings",
        "note", "value", "text", "inputs", "signatories"}
NUMBER_FORMATS = {"year": "0", "page": "0", "pages": "0", "pages_read": "0", "ministerial": "0", "policy": "0",
                  "supporting_facts": "0", "start": "0", "end": "0", "confidence": "0.00"}
SHEET_ORDER = ("cooperation", "partnerships", "joint_statements", "partners_without_statements", "cooperation_elements", "dialogues")
MAX_WIDTH, MAX_WRAP_WIDTH, MIN_WIDTH = 40, 70, 6
ROW_HEIGHT = 15  # points per line of 11-point text
FACT_ORDER = ("partner", "partner_iso3", "partner_kind", "instrument", "instrument_type", "domain", "mode", "status", "year",
              "evidence", "source_doc", "page", "role", "basis", "confidence", "reviewed", "row_key")


# -- cells ---------------------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    """A value openpyxl can store: NA as empty, numpy scalars as Python ones, no XML-illegal characters."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        value = value.item()
    if isinstance(value, bool) or isinstance(value, (int, float, datetime)):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n"))  # XML keeps no CR
    return text if text else None


def put(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write ``value`` into a cell as a number or as plain text, never as a formula."""
    cell = sheet.cell(row=row, column=column)
    value = _clean(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would take "=..." for a formula
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
    return cell


def is_formula(cell: Cell) -> bool:
    return cell.data_type == "f"


@lru_cache(maxsize=4096)
def _file_uri(path: str) -> str | None:
    try:
        return Path(path).resolve().as_uri()
    except (ValueError, OSError, UnicodeError):  # a name that is no valid URI: no link
        return None


def file_link(path: str, page: Any = None) -> str | None:
    """A ``file://`` URI for a source file, with ``#page=N`` for PDFs; None when there is no file."""
    uri = _file_uri(path) if path else None
    if uri is None:
        return None
    page = _clean(page)
    if Path(path).suffix.lower() == ".pdf" and isinstance(page, (int, float)) and page >= 1:
        uri += f"#page={int(page)}"
    return uri


# -- sheets --------------------------------------------------------------------------------------


def _widths(frame: pd.DataFrame) -> dict[str, float]:
    widths = {}
    for column in frame.columns:
        sample = frame[column].head(500).map(lambda v: len(str(_clean(v) or "")))
        typical = float(sample.quantile(0.9)) if len(sample) else 0.0
        cap = MAX_WRAP_WIDTH if column in WRAP else (60 if column in ("source_doc", "source", "path") else MAX_WIDTH)
        widths[column] = max(30 if column in WRAP else MIN_WIDTH, min(cap, max(len(str(column)) + 3, typical + 2)))
    return widths


class _StyleCache:
    """Cell styles by (kind, grey, link), set the slow way once and copied after (openpyxl looks
    every style object up in the workbook's lists when it is set: 20,000 rows took minutes)."""

    def __init__(self) -> None:
        self.made: dict[tuple, Any] = {}

    def apply(self, cell: Cell, kind: str, grey: bool, link: bool) -> None:
        key = (kind, grey, link)
        if key in self.made:
            quote = cell.quotePrefix
            cell._style = copy(self.made[key])
            cell.quotePrefix = quote
            return
        cell.alignment = Alignment(vertical="top", wrap_text=kind == "wrap")
        if kind not in ("text", "wrap"):
            cell.number_format = kind
        if link:
            cell.font = Font(color=GREY if grey else "0563C1", underline="single", italic=grey)
        elif grey:
            cell.font = Font(color=GREY, italic=True)
        self.made[key] = copy(cell._style)
        self.made[key].quotePrefix = False


def _lines(value: Any, width: float) -> int:
    """How many lines ``value`` takes, wrapped in a column ``width`` characters wide (at most 15)."""
    text = _clean(value)
    if not isinstance(text, str):
        return 1
    per_line = max(int(width), 1)
    return min(15, sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n")))


def _table_name(name: str, taken: set[str]) -> str:
    base = "t_" + "".join(c if c.isalnum() else "_" for c in name)
    candidate, n = base, 2
    while candidate.lower() in taken:
        candidate, n = f"{base}{n}", n + 1
    taken.add(candidate.lower())
    return candidate


def write_frame_sheet(book: Workbook, title: str, frame: pd.DataFrame, *, links: dict[str, str] | None = None,
                      grey: Iterable[int] = (), start_row: int = 1, taken: set[str] | None = None,
                      sheet: Worksheet | None = None) -> Worksheet:
    """``frame`` as an Excel table on a new sheet ``title`` (or on ``sheet`` from ``start_row``).

    ``links`` maps a ``source_doc`` to its file path; ``grey`` holds the positions of rows to
    grey out (0-based, in frame order).
    """
    sheet = sheet or book.create_sheet(title=title[:31])
    taken = taken if taken is not None else set()
    columns = [str(c) for c in frame.columns]
    for c, name in enumerate(columns, start=1):
        cell = put(sheet, start_row, c, name)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL  # for viewers that draw no table styles (LibreOffice)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    widths = _widths(frame)
    wrapped = [(i, widths[name]) for i, name in enumerate(columns) if name in WRAP]
    grey = set(grey)
    styles = _StyleCache()
    kinds = ["wrap" if name in WRAP else (NUMBER_FORMATS[name] if name in NUMBER_FORMATS else "text") for name in columns]
    source_col = columns.index("source_doc") if "source_doc" in columns else (columns.index("source") if "source" in columns else None)
    page_col = columns.index("page") if "page" in columns else None
    for r, values in enumerate(frame.itertuples(index=False, name=None)):
        row = start_row + 1 + r
        greyed = r in grey
        target = None
        if links is not None and source_col is not None:
            source = _clean(values[source_col])
            target = file_link(links.get(str(source), ""), values[page_col] if page_col is not None else None) if source else None
        for c, value in enumerate(values):
            value = _clean(value)
            linked = target is not None and c == source_col
            if value is None and not greyed:
                continue
            cell = put(sheet, row, c + 1, value)
            kind = kinds[c] if kinds[c] in ("text", "wrap") or isinstance(cell.value, (int, float)) else "text"
            styles.apply(cell, kind, greyed, linked)
            if linked:
                cell.hyperlink = target
        lines = max((_lines(values[i], width) for i, width in wrapped), default=1)
        if lines > 1:  # few viewers grow a row to its wrapped text by themselves
            sheet.row_dimensions[row].height = ROW_HEIGHT * lines
    last_row = start_row + max(len(frame), 1)  # an Excel table needs one body row, even an empty one
    if columns:
        ref = f"A{start_row}:{get_column_letter(len(columns))}{last_row}"
        table = Table(displayName=_table_name(title, taken), ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True, showColumnStripes=False)
        sheet.add_table(table)
    if start_row == 1:
        sheet.freeze_panes = "B2" if columns and columns[0] in ("partner", "row_key") else "A2"
        landscape(sheet, repeat_header=True)
    for c, (name, width) in enumerate(widths.items(), start=1):
        letter = get_column_letter(c)
        sheet.column_dimensions[letter].width = max(width, sheet.column_dimensions[letter].width or 0)
    return sheet


# -- the analysts' workbook ------------------------------------------------------------------------


def _low_confidence(frame: pd.DataFrame, threshold: float, confidences: dict[tuple, float]) -> list[int]:
    """Positions of rows whose facts all have a recorded confidence below ``threshold``.

    A fact without a recorded confidence (0 and no ``basis``) is never greyed.
    """
    if threshold <= 0 or not len(frame):
        return []
    grey = []
    if "confidence" in frame:
        basis = frame["basis"] if "basis" in frame else pd.Series([""] * len(frame))
        for i, (conf, why) in enumerate(zip(frame["confidence"], basis)):
            conf = float(conf) if str(conf) not in ("", "nan", "<NA>") else 0.0
            if (conf > 0 or str(why or "")) and conf < threshold:
                grey.append(i)
        return grey
    if not {"partner", "source_doc", "evidence"} <= set(frame.columns):
        return []
    for i, key in enumerate(zip(frame["partner"], frame["source_doc"], frame["evidence"])):
        if key in confidences and confidences[key] < threshold:
            grey.append(i)
    return grey


def _fact_confidences(cooperation: pd.DataFrame | None) -> dict[tuple, float]:
    """The highest recorded confidence of the facts behind each (partner, document, evidence)."""
    found: dict[tuple, float] = {}
    if cooperation is None or not len(cooperation) or "confidence" not in cooperation:
        return found
    basis = cooperation["basis"] if "basis" in cooperation else pd.Series([""] * len(cooperation))
    for partner, source, evidence, conf, why in zip(cooperation["partner"], cooperation["source_doc"],
                                                    cooperation["evidence"], cooperation["confidence"], basis):
        conf = float(conf or 0)
        if conf <= 0 and not str(why or ""):
            continue
        key = (partner, source, evidence)
        found[key] = max(found.get(key, 0.0), conf)
    return found


def _matrix(rows: pd.DataFrame, index: str, columns: str, values: str | None = None) -> pd.DataFrame:
    if not len(rows):
        return pd.DataFrame()
    if values is None:
        grid = rows.groupby([index, columns]).size().unstack(fill_value=0)
    else:
        grid = rows.groupby([index, columns])[values].sum().unstack(fill_value=0)
    return grid


def _write_matrix(sheet: Worksheet, top: int, title: str, grid: pd.DataFrame, note: str, colour: str) -> int:
    """A titled count matrix with totals and a colour scale; returns the next free row."""
    put(sheet, top, 1, title).font = Font(bold=True, size=12)
    put(sheet, top + 1, 1, note).font = Font(italic=True, color="595959")
    if grid.empty:
        put(sheet, top + 2, 1, "(no rows)")
        return top + 4
    grid = grid.copy()
    grid["Total"] = grid.sum(axis=1)
    grid = grid.sort_values(["Total"], ascending=False, kind="stable")
    header = top + 2
    sheet.row_dimensions[header].height = 30  # two lines of wrapped domain names
    put(sheet, header, 1, "partner").font = Font(bold=True)
    for c, name in enumerate(grid.columns, start=2):
        cell = put(sheet, header, c, domain_label(str(name)))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="bottom")
        cell.fill = HEADER_FILL
    sheet.cell(row=header, column=1).fill = HEADER_FILL
    for r, (partner, counts) in enumerate(grid.iterrows(), start=header + 1):
        put(sheet, r, 1, partner)
        for c, value in enumerate(counts, start=2):
            cell = put(sheet, r, c, int(value))
            cell.number_format = '0;-0;"";@'  # zeros left blank, so the counts stand out
            cell.alignment = Alignment(horizontal="center")
            if c == len(grid.columns) + 1:
                cell.font = Font(bold=True)
    last = header + len(grid)
    put(sheet, last + 1, 1, "Total").font = Font(bold=True)
    for c, value in enumerate(grid.sum(axis=0), start=2):
        cell = put(sheet, last + 1, c, int(value))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    if len(grid.columns) > 1:
        body = f"B{header + 1}:{get_column_letter(len(grid.columns))}{last}"
        sheet.conditional_formatting.add(body, ColorScaleRule(start_type="num", start_value=0, start_color="FFFFFF",
                                                              end_type="max", end_color=colour))
    return last + 3


def _source_dates(documents: list, frames: dict[str, pd.DataFrame]) -> str:
    dates = sorted({d.pub_date for d in documents if getattr(d, "pub_date", "")} |
                   {str(v) for v in frames.get("dialogues", pd.DataFrame()).get("as_of", pd.Series(dtype=str)) if str(v)})
    if not dates:
        return "sources undated"
    return f"sources dated {dates[0]}" if dates[0] == dates[-1] else f"sources dated {dates[0]} to {dates[-1]}"


def _write_overview(sheet: Worksheet, frames: dict[str, pd.DataFrame], documents: list, built_at: str) -> None:
    ok = sum(d.status == "ok" for d in documents)
    put(sheet, 1, 1, "EU security cooperation: overview").font = Font(bold=True, size=14)
    put(sheet, 2, 1, f"{len(documents)} documents ({ok} read, {len(documents) - ok} not read); "
                     f"{_source_dates(documents, frames)}; tables built {built_at}").font = Font(italic=True, color="595959")
    facts = frames.get("cooperation", pd.DataFrame())
    grid = _matrix(facts, "partner", "domain") if len(facts) else pd.DataFrame()
    if not grid.empty:
        grid = grid[[d for d in DOMAINS if d in grid.columns] + [d for d in grid.columns if d not in DOMAINS]]
    row = _write_matrix(sheet, 4, "Cooperation facts per partner and security domain", grid,
                        "count of rows in cooperation.csv (sheet 'cooperation'), after review", "2F75B5")
    per_table = {}
    for name, label, values in (("joint_statements", "joint statements", None), ("cooperation_elements", "cooperation elements", None),
                                ("dialogues", "dialogues", "total"), ("partnerships", "partnership rows", None)):
        frame = frames.get(name, pd.DataFrame())
        if not len(frame):
            continue
        if values == "total":
            counts = frame.assign(total=pd.to_numeric(frame["ministerial"], errors="coerce").fillna(0)
                                  + pd.to_numeric(frame["policy"], errors="coerce").fillna(0)).groupby("partner")["total"].sum()
        else:
            counts = frame.groupby("partner").size()
        per_table[label] = counts
    grid2 = pd.DataFrame(per_table).fillna(0).astype(int) if per_table else pd.DataFrame()
    _write_matrix(sheet, row, "Rows of the analysts' tables per partner", grid2,
                  "count of rows per sheet; dialogues: the number of dialogues (ministerial + policy)", "548235")
    sheet.column_dimensions["A"].width = max(12, min(40, max((len(str(p)) for p in [*grid.index, *grid2.index]), default=10) + 2))
    for c in range(2, 2 + max(len(grid.columns), len(grid2.columns)) + 1):
        sheet.column_dimensions[get_column_letter(c)].width = 13
    landscape(sheet)


def landscape(sheet: Worksheet, repeat_header: bool = False) -> None:
    """Print (and render to PDF) landscape; a summary sheet as wide as the page, a data sheet with
    its header row on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    if repeat_header:
        sheet.print_title_rows = "1:1"
    else:
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0


def _write_run(book: Workbook, sheet: Worksheet, run: dict, documents: list, taken: set[str], links: dict[str, str]) -> None:
    put(sheet, 1, 1, "What these tables were built from").font = Font(bold=True, size=14)
    row = 3
    for key, value in run.get("facts", []):
        put(sheet, row, 1, key).font = Font(bold=True)
        cell = put(sheet, row, 2, value)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if _lines(value, 60) > 1:
            sheet.row_dimensions[row].height = ROW_HEIGHT * _lines(value, 60)
        row += 1
    row += 1
    put(sheet, row, 1, "Inputs").font = Font(bold=True, size=12)
    columns = ["source", "title", "status", "error", "warnings", "pub_date", "pages", "pages_read", "doc_id", "sha256", "path"]
    inputs = pd.DataFrame([{c: getattr(d, c, "") for c in columns} for d in documents], columns=columns)
    inputs["warnings"] = inputs["warnings"].map(lambda w: "; ".join(w) if isinstance(w, list) else w)
    write_frame_sheet(book, "Run", inputs, links=links, start_row=row + 1, taken=taken, sheet=sheet)
    sheet.column_dimensions["A"].width = max(sheet.column_dimensions["A"].width or 0, 26)
    sheet.column_dimensions["B"].width = max(sheet.column_dimensions["B"].width or 0, 60)
    for r in range(3, 3 + len(run.get("facts", []))):
        sheet.cell(row=r, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    landscape(sheet)


def write_workbook(target: str | Path, frames: dict[str, pd.DataFrame], *, documents: list = (), run: dict | None = None,
                   min_confidence: float = 0.0, built_at: str = "") -> Path:
    """The analysts' workbook: Overview, one sheet per table (``cooperation`` first), the
    evidence of every row, and Run."""
    documents = list(documents)
    links = {d.source: d.path for d in documents if getattr(d, "path", "")}
    book = Workbook()
    overview = book.active
    overview.title = "Overview"
    taken: set[str] = set()
    confidences = _fact_confidences(frames.get("cooperation"))
    names = [n for n in SHEET_ORDER if n in frames] + [n for n in frames if n not in SHEET_ORDER]
    for name in names:
        frame = frames[name]
        if name == "cooperation":  # what an analyst reads first, bookkeeping last
            frame = frame[[c for c in FACT_ORDER if c in frame] + [c for c in frame if c not in FACT_ORDER]]
        write_frame_sheet(book, name, frame, links=links, grey=_low_confidence(frame, min_confidence, confidences), taken=taken)
    evidence = _evidence_frame(frames)
    write_frame_sheet(book, "evidence", evidence, links=links, grey=_low_confidence(evidence, min_confidence, confidences), taken=taken)
    _write_overview(overview, frames, documents, built_at)
    _write_run(book, book.create_sheet("Run"), run or {}, documents, taken, links)
    target = Path(target)
    with atomic_path(target) as tmp:
        book.save(tmp)
    return target


def _evidence_frame(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    columns = ["table", "row_key", "partner", "source_doc", "page", "evidence"]
    parts = [f.assign(table=name)[[c for c in columns if c in f.assign(table=name)]] for name, f in frames.items()
             if name != "cooperation" and "evidence" in f and len(f)]
    if not parts:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(parts, ignore_index=True)
    if "page" in frame:
        frame["page"] = pd.to_numeric(frame["page"], errors="coerce").astype("Int64")
    return frame.reindex(columns=columns)


# -- the review workbook ---------------------------------------------------------------------------


def write_review_workbook(target: str | Path, sheets: dict[str, pd.DataFrame], instructions: list[tuple[str, str]]) -> Path:
    """One sheet per table, ``verdict`` with a drop-down list, and a first sheet saying what to do."""
    book = Workbook()
    first = book.active
    first.title = "How to review"
    for r, (key, text) in enumerate(instructions, start=1):
        put(first, r, 1, key).font = Font(bold=True, size=14 if r == 1 else 11)
        put(first, r, 2, text).alignment = Alignment(wrap_text=True, vertical="top")
        if _lines(text, 100) > 1:
            first.row_dimensions[r].height = ROW_HEIGHT * _lines(text, 100)
    first.column_dimensions["A"].width = 20
    first.column_dimensions["B"].width = 100
    landscape(first)
    taken: set[str] = set()
    for name, frame in sheets.items():
        sheet = write_frame_sheet(book, name, frame, taken=taken)
        if "verdict" in frame.columns:
            column = get_column_letter(list(frame.columns).index("verdict") + 1)
            check = DataValidation(type="list", formula1='"correct,wrong,corrected"', allow_blank=True,
                                   showErrorMessage=False)
            check.add(f"{column}2:{column}{max(len(frame), 1) + 1}")
            sheet.add_data_validation(check)
            sheet.column_dimensions[column].width = 11
            for r in range(2, len(frame) + 2):
                sheet[f"{column}{r}"].fill = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
        sheet.freeze_panes = "C2"
    target = Path(target)
    with atomic_path(target) as tmp:
        book.save(tmp)
    return target
