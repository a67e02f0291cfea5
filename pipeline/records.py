"""Record types shared by every stage, each convertible to and from a CSV/Parquet row.

The column names are those of CONTRACT.md; extra columns are documented in README.md.
Rows are plain ``dict[str, str | int | float | bool]``: lists are stored as ";"-joined strings
and nested structures (table cells) as JSON, so a row survives a CSV round trip unchanged.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, TypeVar

PASSAGE_KINDS = ("body", "heading", "footnote", "table", "caption", "reference", "front_matter")
DOCUMENT_STATUSES = ("ok", "failed", "skipped")
MENTION_LABELS = ("PARTNER", "EU_BODY", "INSTRUMENT", "DATE")
PARTNER_KINDS = ("country", "international_organisation", "regional_organisation")
INSTRUMENT_TYPES = (
    "agreement", "joint_statement", "dialogue", "partnership", "mission", "fund",
    "programme", "strategy", "convention", "forum", "working_arrangement",
)
STATUSES = ("signed", "negotiating", "proposed", "established", "cooperating", "envisaged", "ended")
DOMAINS = (
    "non_proliferation", "counter_terrorism", "organised_crime", "cyber_security", "maritime_security",
    "outer_space", "crisis_management", "security_of_supply", "defence_general",
)

# The record files a run writes into its output folder (CONTRACT.md), one per record type.
DOCUMENTS = "documents.csv"
PASSAGES = "passages.csv"
SOURCE_TABLES = "source_tables.jsonl"
MENTIONS = "mentions.csv"
DOMAIN_SCORES = "domains.csv"
FACTS = "cooperation.csv"
# The columns of the analysts' tables (``tables/*.csv``), as the gold files name them.
TABLE_COLUMNS = {
    "joint_statements": ["partner", "partner_iso3", "domains", "title", "year", "source_doc", "source_table", "page", "evidence"],
    "partners_without_statements": ["partner", "partner_iso3", "partnership_as_printed", "source_doc", "source_table"],
    "cooperation_elements": ["partner", "partner_iso3", "domain", "mode", "mode_text", "qualifiers", "source_doc", "source_table", "page", "evidence"],
    "dialogues": ["partner", "partner_iso3", "domain", "ministerial", "policy", "as_of", "source_doc", "source_table", "page", "evidence"],
    "partnerships": ["partner", "partner_iso3", "partner_kind", "instrument", "instrument_type", "status", "domain", "evidence", "source_doc", "page", "passage_id", "supporting_facts", "basis", "confidence"],
}

R = TypeVar("R", bound="Record")


def _join(values: list[str] | tuple[str, ...]) -> str:
    return ";".join(values)


def _split(value: Any) -> list[str]:
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return str(value).split(";")


def _to_int(value: Any, default: int = 0) -> int:
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return default
    return int(float(value))


def _to_float(value: Any, default: float = 0.0) -> float:
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return default
    return float(value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "1", "yes"}


def _to_str(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


class Record:
    """Base class: ``to_row`` / ``from_row`` convert to and from flat table rows."""

    list_fields: ClassVar[tuple[str, ...]] = ()
    json_fields: ClassVar[tuple[str, ...]] = ()

    def to_row(self) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.name in self.json_fields:
                value = json.dumps(value, ensure_ascii=False)
            elif f.name in self.list_fields:
                value = _join(value)
            row[f.name] = value
        return row

    @classmethod
    def from_row(cls: type[R], row: dict[str, Any]) -> R:
        kwargs: dict[str, Any] = {}
        for f in fields(cls):  # type: ignore[arg-type]
            if f.name not in row:
                continue
            value = row[f.name]
            if f.name in cls.json_fields:
                value = json.loads(value) if isinstance(value, str) and value else (value or [])
            elif f.name in cls.list_fields:
                value = _split(value)
            elif f.type in ("int", int):
                value = _to_int(value)
            elif f.type in ("float", float):
                value = _to_float(value)
            elif f.type in ("bool", bool):
                value = _to_bool(value)
            else:
                value = _to_str(value)
            kwargs[f.name] = value
        return cls(**kwargs)

    @classmethod
    def columns(cls) -> list[str]:
        return [f.name for f in fields(cls)]  # type: ignore[arg-type]

    def replace(self: R, **changes: Any) -> R:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


@dataclass
class Document(Record):
    """One input file and what became of it."""

    doc_id: str
    source: str
    title: str = ""
    pub_date: str = ""
    pages: int = 0
    status: str = "ok"
    error: str = ""
    path: str = ""
    format: str = ""
    sha256: str = ""
    warnings: list[str] = field(default_factory=list)
    pub_date_source: str = ""  # printed, running_head, metadata, none
    doc_type: str = ""  # joint_statement, readout, fact_sheet, press_release, brief, article, report, ...
    signatories: list[str] = field(default_factory=list)  # non-EU authors and co-signatories (partner names)
    pages_read: int = 0

    list_fields: ClassVar[tuple[str, ...]] = ("warnings", "signatories")

    def __post_init__(self) -> None:
        if self.status not in DOCUMENT_STATUSES:
            raise ValueError(f"unknown document status {self.status!r}")


@dataclass
class Passage(Record):
    """A unit of text with its place in the document.

    ``text`` is the repaired text (markers removed, hyphenation joined, ligatures expanded) with its
    typographic quotes kept; ``match_text`` maps quotes and dashes to ASCII one-for-one, so character
    offsets are the same in both. ``raw_text`` is what the PDF held, before any repair.
    """

    doc_id: str
    passage_id: str
    page: int
    section: str
    kind: str
    text: str
    page_end: int = 0
    raw_text: str = ""
    marker: str = ""
    cites: list[str] = field(default_factory=list)
    cited_by: list[str] = field(default_factory=list)
    table_id: str = ""
    bbox: str = ""

    list_fields: ClassVar[tuple[str, ...]] = ("cites", "cited_by")

    def __post_init__(self) -> None:
        if self.kind not in PASSAGE_KINDS:
            raise ValueError(f"unknown passage kind {self.kind!r}")
        if not self.page_end:
            self.page_end = self.page

    @property
    def match_text(self) -> str:
        from pipeline.vocab.textnorm import normalize_for_matching

        return normalize_for_matching(self.text)


@dataclass
class SourceTable(Record):
    """A table read from a document: header rows and body rows of cell strings.

    Inside a cell, separate lines (bullet items) are separated by ``\\n``; a line wrapped by the
    layout is joined back with a space. ``row_pages`` gives the page of each body row.
    """

    doc_id: str
    table_id: str
    page: int
    page_end: int
    caption: str
    header: list[list[str]]
    rows: list[list[str]]
    row_pages: list[int] = field(default_factory=list)
    method: str = ""
    passage_ids: list[str] = field(default_factory=list)
    note: str = ""

    json_fields: ClassVar[tuple[str, ...]] = ("header", "rows", "row_pages")
    list_fields: ClassVar[tuple[str, ...]] = ("passage_ids",)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.header + self.rows), default=0)


@dataclass
class Mention(Record):
    """An entity mention in a passage, normalised, with the rule or model that found it.

    ``start``/``end`` are character offsets in the passage text; ``sent_start``/``sent_end``
    bound the sentence it stands in. The typed columns are filled for their label only.
    """

    doc_id: str
    passage_id: str
    label: str
    text: str
    canonical: str
    start: int
    end: int
    rule_id: str
    sent_start: int = 0
    sent_end: int = 0
    partner_iso3: str = ""
    partner_kind: str = ""
    instrument_type: str = ""
    domain: str = ""
    granularity: str = ""

    def __post_init__(self) -> None:
        if self.label not in MENTION_LABELS:
            raise ValueError(f"unknown mention label {self.label!r}")


@dataclass
class DomainScore(Record):
    """One passage scored for one domain (the classification stage's record, ``domains.csv``)."""

    passage_id: str
    domain: str
    score: float
    predicted: bool


@dataclass
class Fact(Record):
    """A cooperation fact: the EU and one partner linked through an instrument or a kind of cooperation.

    ``start``/``end`` bound the evidence sentence in the passage text; ``rule_id`` names the
    rule that linked them; ``source_doc`` is the input file's name.
    """

    doc_id: str
    passage_id: str
    page: int
    partner: str
    partner_iso3: str
    partner_kind: str
    instrument: str
    instrument_type: str
    domain: str
    mode: str
    status: str
    year: str
    evidence: str
    start: int = 0
    end: int = 0
    rule_id: str = ""
    source_doc: str = ""
    role: str = "partner"  # partner or beneficiary (other roles give no fact)
    basis: str = ""  # named_instrument, signatory, cooperation_verb, footnote_list, table, ...
    confidence: float = 0.0
    row_key: str = ""  # stable across runs (pipeline/tables/keys.py); set where cooperation.csv is written
    reviewed: str = ""  # "correct" or "corrected" when an analyst's verdict applies (pipeline/review.py)

    def __post_init__(self) -> None:
        if self.status and self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")


@dataclass
class IngestResult:
    """What ingesting one file yields."""

    document: Document
    passages: list[Passage] = field(default_factory=list)
    tables: list[SourceTable] = field(default_factory=list)


def column_labels(header: list[list[str]]) -> list[str]:
    """Each column's header text: its header cells from top to bottom, repeats dropped."""
    width = max((len(r) for r in header), default=0)
    labels = []
    for c in range(width):
        parts: list[str] = []
        for row in header:
            cell = " ".join(row[c].split()) if c < len(row) else ""
            if cell and cell not in parts:
                parts.append(cell)
        labels.append(" ".join(parts))
    return labels
