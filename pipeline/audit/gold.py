"""Loading a gold folder: every file checked against its columns and vocabularies on the way in.

A gold folder holds any of ``joint_statements.csv``, ``partners_without_statements.csv``,
``cooperation_elements.csv``, ``dialogues.csv``, ``partnerships.csv`` / ``brief_partnerships.csv``
and ``entities.jsonl`` (the formats of the shared gold README). A broken row raises ``GoldError``
naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.audit.entities import load_entity_gold
from pipeline.records import DOMAINS, PARTNER_KINDS, STATUSES
from pipeline.scoring import GoldError as EntityGoldError
from pipeline.scoring import decode_gold as decode_text
from pipeline.vocab.domains import known_modes, statement_codes


class AuditError(ValueError):
    """The audit cannot run: no output folder, or an output table without a column it needs."""


class GoldError(AuditError, EntityGoldError):
    """A gold file breaks its format; the message names the file, line and column."""


# Gold file names per table, in the order they are looked for (both partnership names are read).
TABLE_FILES: dict[str, tuple[str, ...]] = {
    "joint_statements": ("joint_statements.csv",),
    "partners_without_statements": ("partners_without_statements.csv",),
    "cooperation_elements": ("cooperation_elements.csv",),
    "dialogues": ("dialogues.csv",),
    "partnerships": ("partnerships.csv", "brief_partnerships.csv"),
}
ENTITIES_FILE = "entities.jsonl"
ENTITIES = "entities"
# The columns each gold file must have (the shared gold README); others are kept but not checked.
GOLD_COLUMNS: dict[str, tuple[str, ...]] = {
    "joint_statements": ("partner", "partner_iso3", "domains", "title", "year", "source_doc", "source_table"),
    "partners_without_statements": ("partner", "partner_iso3", "partnership_as_printed", "source_doc", "source_table"),
    "cooperation_elements": ("partner", "partner_iso3", "domain", "mode", "mode_text", "qualifiers", "source_doc", "source_table"),
    "dialogues": ("partner", "partner_iso3", "domain", "ministerial", "policy", "as_of", "source_doc", "source_table"),
    "partnerships": ("partner", "partner_iso3", "partner_kind", "instrument", "status", "domain", "evidence", "source_doc"),
}


def required_columns(table: str) -> tuple[str, ...]:
    return GOLD_COLUMNS[table]


@lru_cache(maxsize=1)
def _iso3_codes() -> frozenset[str]:
    import pycountry

    from pipeline.vocab.gazetteer import load_gazetteer

    codes = {c.alpha_3 for c in pycountry.countries}
    codes |= {e.iso3 for e in load_gazetteer().entries.values() if e.iso3}  # XKX (Kosovo)
    return frozenset(codes)


@dataclass
class GoldTable:
    """The rows of one table, from one or more gold files; each row keeps ``_file`` and ``_line``."""

    name: str
    files: list[str]
    rows: list[dict] = field(default_factory=list)


@dataclass
class Gold:
    folder: Path
    tables: dict[str, GoldTable]
    ignored: list[str]

    def source_docs(self) -> set[str]:
        return {r["source_doc"] for t in self.tables.values() for r in t.rows}


def _problem(column: str, value: str, row: dict) -> str | None:
    """What is wrong with one cell, or None."""
    from pipeline.vocab.gazetteer import partner_of

    value = value.strip()
    if column in ("partner", "source_doc", "title", "instrument") and not value:
        return "empty"
    if column == "partner_iso3" and value:
        if value not in _iso3_codes():
            return f"{value!r} is not an ISO 3166-1 alpha-3 code"
        partner = partner_of(row.get("partner", ""))
        if partner and partner.iso3 and partner.iso3 != value:
            return f"{value!r} is not the code of {row['partner']!r} ({partner.iso3})"
        if partner and not partner.iso3:
            return f"{row['partner']!r} is an organisation and takes no ISO3 code"
    if column == "domain" and value not in DOMAINS:
        return f"unknown domain {value!r} (known: {', '.join(DOMAINS)})"
    if column == "domains":
        codes = statement_codes()
        unknown = [c for c in value.split(";") if c.strip() not in codes]
        if not value or unknown:
            return f"unknown domain code {';'.join(unknown) or value!r} (known: {', '.join(codes)})"
    if column == "mode" and value not in known_modes():
        return f"unknown mode {value!r} (see pipeline/resources/modes.csv)"
    if column == "status" and value not in STATUSES:
        return f"unknown status {value!r} (known: {', '.join(STATUSES)})"
    if column == "partner_kind" and value not in PARTNER_KINDS:
        return f"unknown partner kind {value!r} (known: {', '.join(PARTNER_KINDS)})"
    if column in ("ministerial", "policy") and not value.isdigit():
        return f"{value!r} is not a whole number"
    if column == "year" and not re.fullmatch(r"\d{4}", value):
        return f"{value!r} is not a year"
    return None


def read_gold_csv(path: str | Path, table: str) -> list[dict]:
    """Rows of one gold CSV, checked; each row gets ``_file`` and ``_line`` (1-based, header = 1)."""
    path = Path(path)
    required = required_columns(table)
    with io.StringIO(decode_text(path, GoldError), newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise GoldError(f"{path}, line 1: empty file, expected the header {','.join(required)}")
        header = [h.strip() for h in header]
        for column in required:
            if column not in header:
                raise GoldError(f"{path}, line 1, column {column!r}: missing (header: {','.join(header)})")
        rows = []
        line = reader.line_num + 1
        for cells in reader:
            if not any(c.strip() for c in cells):
                line = reader.line_num + 1
                continue
            if len(cells) != len(header):
                raise GoldError(f"{path}, line {line}: {len(cells)} fields where the header has {len(header)}")
            row = dict(zip(header, cells))
            for column in required:
                problem = _problem(column, row[column], row)
                if problem:
                    raise GoldError(f"{path}, line {line}, column {column!r}: {problem}")
            rows.append({k: v.strip() for k, v in row.items()} | {"_file": path.name, "_line": line})
            line = reader.line_num + 1
    return rows


def read_gold_entities(path: str | Path) -> list[dict]:
    """Gold mentions (doc, text, label, canonical, context), checked by the extraction scorer's loader."""
    path = Path(path)
    decode_text(path, GoldError)  # another encoding: an error naming the line
    try:
        rows = load_entity_gold(path)
    except EntityGoldError as exc:
        raise GoldError(f"{path.parent / str(exc)}") from exc
    with open(path, encoding="utf-8") as handle:
        lines = [n for n, text in enumerate(handle, start=1) if text.strip()]
    return [r | {"source_doc": r["doc"], "_file": path.name, "_line": n} for r, n in zip(rows, lines)]


def load_gold(folder: str | Path) -> Gold:
    """Every gold file present in ``folder`` (any may be absent), validated."""
    folder = Path(folder)
    if not folder.is_dir():
        raise GoldError(f"{folder}: no such gold folder")
    tables: dict[str, GoldTable] = {}
    for table, names in TABLE_FILES.items():
        for name in names:
            if (folder / name).is_file():
                gold = tables.setdefault(table, GoldTable(table, []))
                gold.files.append(name)
                gold.rows += read_gold_csv(folder / name, table)
    if (folder / ENTITIES_FILE).is_file():
        tables[ENTITIES] = GoldTable(ENTITIES, [ENTITIES_FILE], read_gold_entities(folder / ENTITIES_FILE))
    known = {n for names in TABLE_FILES.values() for n in names} | {ENTITIES_FILE}
    ignored = sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix in (".csv", ".jsonl") and p.name not in known)
    if not tables:
        raise GoldError(f"{folder}: no gold file ({', '.join(sorted(known))})")
    return Gold(folder, tables, ignored)
