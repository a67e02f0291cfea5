"""Analysts' tables read from tables printed in the documents themselves.

A printed table is recognised by its header: dialogue counts ("Dialogues on ..." over "MD"/"PD"),
joint statements (a statement column and a policy-area column), and cooperation elements (one
column per security domain, cells of "– Mode (qualifiers)" bullets). Every row keeps the
document, page and cell it comes from.
"""

from __future__ import annotations

import re

from pipeline.records import Document, SourceTable, column_labels
from pipeline.vocab.dates import find_dates
from pipeline.vocab.domains import domain_of, mode_of
from pipeline.vocab.gazetteer import partner_of
from pipeline.vocab.textnorm import YEAR_SUFFIX

_TABLE_NUMBER = re.compile(r"^(Table\s+[0-9IVX]+[a-z]?)\b", re.IGNORECASE)
_BULLET_START = re.compile(r"(?:^|(?<=\)))\s*[\u2013\u2014\u2022-]\s*(?=[A-Za-z])")
_LEGEND = re.compile(r"\b([A-Z]{2,4})\s*=\s*([^;.]+)")


def table_label(table: SourceTable) -> str:
    match = _TABLE_NUMBER.match(table.caption.strip())
    return match.group(1) if match else ""


def _labels(table: SourceTable) -> list[str]:
    return column_labels(table.header)


def kind_of(table: SourceTable) -> str:
    """Which analysts' table a printed table is: dialogues, joint_statements, cooperation_elements or ""."""
    labels = [label.lower() for label in _labels(table)]
    sub = [c.strip().upper() for c in (table.header[-1] if table.header else [])]
    if {"MD", "PD"} <= set(sub) and sum(bool(domain_of(label)) for label in labels) >= 2:
        return "dialogues"
    if any(re.search(r"statement|declaration", label) for label in labels) and any("area" in label or "domain" in label for label in labels):
        return "joint_statements"
    domains = [domain_of(label) for label in labels[1:]]
    if sum(bool(d) for d in domains) >= 2 and any(_BULLET_START.search(cell) for row in table.rows for cell in row[1:]):
        return "cooperation_elements"
    return ""


def _as_of(table: SourceTable, document: Document) -> str:
    dates = find_dates(table.caption, document.pub_date)
    return dates[-1].iso if dates else document.pub_date


def _evidence(table: SourceTable, row: list[str], column: int | None = None) -> str:
    label = table_label(table) or "table"
    if column is None:
        return f"{label}: " + " | ".join(" ".join(c.split()) for c in row)
    return f"{label}, row {row[0]!r}, column {_labels(table)[column]!r}: " + " ".join(row[column].split())


def _row_page(table: SourceTable, index: int) -> int:
    return table.row_pages[index] if index < len(table.row_pages) else table.page


def read_dialogues(table: SourceTable, document: Document) -> list[dict]:
    """One row per partner and domain: ministerial (MD) and policy (PD) dialogue counts."""
    labels = _labels(table)
    sub = [c.strip().upper() for c in table.header[-1]]
    columns: dict[str, dict[str, int]] = {}
    for c, label in enumerate(labels):
        domain = domain_of(label)
        if domain and sub[c] in ("MD", "PD"):
            columns.setdefault(domain, {})[sub[c]] = c
    rows = []
    for i, row in enumerate(table.rows):
        partner = partner_of(row[0])
        if partner is None:
            continue
        for domain, cols in columns.items():
            counts = {k: _count(row[c]) for k, c in cols.items()}
            if None in counts.values():
                continue
            rows.append({
                "partner": partner.name, "partner_iso3": partner.iso3, "domain": domain,
                "ministerial": counts.get("MD", 0), "policy": counts.get("PD", 0), "as_of": _as_of(table, document),
                "source_doc": document.source, "source_table": table_label(table),
                "page": _row_page(table, i), "evidence": _evidence(table, row),
            })
    return rows


def _count(cell: str) -> int | None:
    cell = cell.strip()
    if cell in ("", "-", "\u2013"):
        return 0
    return int(cell) if cell.isdigit() else None


def _legend(table: SourceTable) -> dict[str, str]:
    """Codes explained in the table's note: "NP = non-proliferation; CT = counter-terrorism"."""
    return {code: domain_of(meaning) for code, meaning in _LEGEND.findall(table.note) if domain_of(meaning)}


def read_joint_statements(table: SourceTable, document: Document) -> tuple[list[dict], list[dict]]:
    """Statements (partner, domain codes, title, year) and the partnerships printed with none."""
    labels = [label.lower() for label in _labels(table)]
    title_col = next(i for i, label in enumerate(labels) if re.search(r"statement|declaration", label))
    area_col = next(i for i, label in enumerate(labels) if "area" in label or "domain" in label)
    legend = _legend(table) or {"NP": "non_proliferation", "CT": "counter_terrorism", "OC": "organised_crime", "CS": "cyber_security"}
    statements, without = [], []
    partner_cell, area = "", ""
    for i, row in enumerate(table.rows):
        if row[0].strip() and row[0].strip() != partner_cell:
            partner_cell, area = row[0].strip(), ""
        if row[area_col].strip():
            area = row[area_col].strip()
        partner = partner_of(partner_cell)
        if partner is None:
            continue
        title_text = " ".join(row[title_col].split())
        if not title_text:
            if not area:
                without.append({"partner": partner.name, "partner_iso3": partner.iso3, "partnership_as_printed": partner_cell,
                                "source_doc": document.source, "source_table": table_label(table)})
            continue
        year = YEAR_SUFFIX.search(title_text)
        codes = [c for c in re.split(r"\s*[/;,]\s*", area) if c in legend]
        statements.append({
            "partner": partner.name, "partner_iso3": partner.iso3, "domains": ";".join(codes),
            "title": YEAR_SUFFIX.sub("", title_text), "year": int(year.group(1)) if year else "",
            "source_doc": document.source, "source_table": table_label(table),
            "page": _row_page(table, i), "evidence": _evidence(table, row, title_col),
        })
    return statements, without


def split_bullets(cell: str) -> list[str]:
    """The items of a cell: one per "– " bullet, even when two were printed on one line."""
    items = []
    for line in cell.split("\n"):
        parts = [p.strip() for p in _BULLET_START.split(line) if p.strip()]
        if items and not _BULLET_START.match(line):
            items[-1] = f"{items[-1]} {parts[0]}" if parts else items[-1]
            parts = parts[1:]
        items.extend(parts)
    return items


def parse_bullet(item: str) -> tuple[str, list[str]]:
    """"Legal agreements (MLA, extradition)" -> ("Legal agreements", ["MLA", "extradition"])."""
    match = re.match(r"^(.*?)\s*\((.*)\)\s*$", item)
    if not match:
        return item.strip(), []
    return match.group(1).strip(), [q.strip() for q in match.group(2).split(",") if q.strip()]


def read_cooperation_elements(table: SourceTable, document: Document) -> list[dict]:
    """One row per bullet: partner, domain (column), mode, printed mode text and qualifiers."""
    labels = _labels(table)
    rows = []
    for i, row in enumerate(table.rows):
        partner = partner_of(row[0])
        if partner is None:
            continue
        for c in range(1, len(row)):
            domain = domain_of(labels[c])
            if not domain:
                continue
            seen = set()
            for item in split_bullets(row[c]):
                mode_text, qualifiers = parse_bullet(item)
                key = (mode_text, tuple(qualifiers))
                if key in seen:  # a bullet printed twice in one cell is one element
                    continue
                seen.add(key)
                rows.append({
                    "partner": partner.name, "partner_iso3": partner.iso3, "domain": domain,
                    "mode": mode_of(mode_text), "mode_text": mode_text, "qualifiers": ";".join(qualifiers),
                    "source_doc": document.source, "source_table": table_label(table),
                    "page": _row_page(table, i), "evidence": f"{_evidence(table, row, c)}",
                })
    return rows
