"""The files a run writes into its output folder (CONTRACT.md), and reading them back."""

from __future__ import annotations

from pathlib import Path

from pipeline.io import read_jsonl, read_records, write_jsonl, write_records
from pipeline.records import Document, Fact, IngestResult, Mention, Passage, SourceTable

DOCUMENTS = "documents.csv"
PASSAGES = "passages.csv"
SOURCE_TABLES = "source_tables.jsonl"
MENTIONS = "mentions.csv"
DOMAIN_SCORES = "domains.csv"
FACTS = "cooperation.csv"


def write_ingest_outputs(results: list[IngestResult], out_dir: str | Path, parquet: bool = False) -> None:
    """documents.csv, passages.csv and source_tables.jsonl for the given results, in input order."""
    out_dir = Path(out_dir)
    write_records([r.document for r in results], Document, out_dir / DOCUMENTS, parquet=parquet)
    write_records([p for r in results for p in r.passages], Passage, out_dir / PASSAGES, parquet=parquet)
    write_jsonl([t for r in results for t in r.tables], out_dir / SOURCE_TABLES)


def read_ingest_outputs(out_dir: str | Path) -> list[IngestResult]:
    """The documents, passages and tables a previous run wrote, grouped per document."""
    out_dir = Path(out_dir)
    documents = read_records(out_dir / DOCUMENTS, Document)
    passages = read_records(out_dir / PASSAGES, Passage)
    tables = read_jsonl(out_dir / SOURCE_TABLES, SourceTable)
    results = {d.doc_id: IngestResult(d) for d in documents}
    for passage in passages:
        if passage.doc_id in results:
            results[passage.doc_id].passages.append(passage)
    for table in tables:
        if table.doc_id in results:
            results[table.doc_id].tables.append(table)
    return list(results.values())


def write_mentions(mentions: list[Mention], out_dir: str | Path, parquet: bool = False) -> None:
    write_records(mentions, Mention, Path(out_dir) / MENTIONS, parquet=parquet)


def read_mentions(out_dir: str | Path) -> list[Mention]:
    return read_records(Path(out_dir) / MENTIONS, Mention)


def write_domain_scores(scores: list, out_dir: str | Path, parquet: bool = False) -> None:
    from pipeline.classify import DomainScore

    write_records(scores, DomainScore, Path(out_dir) / DOMAIN_SCORES, parquet=parquet)


def read_domain_scores(out_dir: str | Path) -> list:
    from pipeline.classify import DomainScore

    return read_records(Path(out_dir) / DOMAIN_SCORES, DomainScore)


def write_facts(facts: list[Fact], out_dir: str | Path, parquet: bool = False) -> None:
    """cooperation.csv, each instrument under one canonical name across all documents, each fact
    with its row key and the analysts' corrections in ``out_dir`` applied (pipeline/review.py)."""
    from pipeline.facts import merge_facts
    from pipeline.review import write_cooperation

    write_cooperation(merge_facts(facts), out_dir, parquet=parquet)


def read_facts(out_dir: str | Path) -> list[Fact]:
    return read_records(Path(out_dir) / FACTS, Fact)


# Every per-document record file a run writes (the tables are built from these).
RECORD_FILES = (DOCUMENTS, PASSAGES, SOURCE_TABLES, MENTIONS, DOMAIN_SCORES, FACTS)


def write_run_outputs(per_document: list, out_dir: str | Path, parquet: bool = False) -> None:
    """Every per-document output file of a run, from each document's records, in input order.

    ``per_document`` holds ``pipeline.process.DocumentRecords``; each file is written to a
    temporary name and renamed, documents.csv last, so that it never lists a document whose
    passages are not written yet.
    """
    out_dir = Path(out_dir)
    write_records([p for r in per_document for p in r.passages], Passage, out_dir / PASSAGES, parquet=parquet)
    write_jsonl([t for r in per_document for t in r.tables], out_dir / SOURCE_TABLES)
    write_mentions([m for r in per_document for m in r.mentions], out_dir, parquet=parquet)
    write_domain_scores([s for r in per_document for s in r.scores], out_dir, parquet=parquet)
    write_facts([f for r in per_document for f in r.facts], out_dir, parquet=parquet)
    write_records([r.document for r in per_document], Document, out_dir / DOCUMENTS, parquet=parquet)

