"""Tables stage: the analysts' tables, rebuilt from the records a run wrote, with evidence.

Printed tables in the documents are read first (``source.py``), the rest comes from the facts
(``from_facts.py``); every row gets a stable ``row_key`` (``keys.py``) and the analysts'
corrections (``pipeline/review.py``). The workbook (``workbook.py``) and the heatmaps
(``plots.py``) are written beside the CSV files in ``DIR/tables/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pipeline.io import write_frame
from pipeline.records import TABLE_COLUMNS, Document, Fact, SourceTable
from pipeline.tables import source
from pipeline.tables.keys import with_row_keys

if TYPE_CHECKING:
    from pipeline.settings import Settings



def rebuild_tables(out_dir: str | Path, parquet: bool = False, settings: "Settings | dict | str | Path | None" = None) -> Path:
    """Read the records a run wrote into ``out_dir`` and write its tables; no document is re-read.

    The analysts' corrections in ``out_dir`` are applied here (to cooperation.csv and to every
    table, ``pipeline/review.py``); ``settings`` default to those the run recorded.
    """
    from pipeline.changes import read_run_manifest
    from pipeline.io import read_jsonl, read_records
    from pipeline.records import DOCUMENTS, SOURCE_TABLES
    from pipeline.review import apply_to_frame, facts_frame, load_corrections, record_applied, refresh_cooperation
    from pipeline.settings import Settings

    out_dir = Path(out_dir)
    if not (out_dir / DOCUMENTS).exists():
        raise FileNotFoundError(f"{out_dir / DOCUMENTS}: no records here; run `secmine run --out {out_dir}` first")
    documents = read_records(out_dir / DOCUMENTS, Document)
    facts = refresh_cooperation(out_dir, parquet=parquet)
    frames = tables_from_documents(documents, read_jsonl(out_dir / SOURCE_TABLES, SourceTable), facts)
    corrections = load_corrections(out_dir)
    for name in list(frames):
        frames[name], applied = apply_to_frame(name, frames[name], corrections)
        record_applied(out_dir, name, applied)
    resolved = Settings.resolve(settings if settings is not None else read_run_manifest(out_dir).get("settings"))
    return write_tables(frames, out_dir, parquet=parquet, cooperation=facts_frame(facts), documents=documents, settings=resolved)


def tables_from_documents(documents: list[Document], tables: list[SourceTable], facts: list[Fact] = ()) -> dict[str, pd.DataFrame]:
    """Every analysts' table: from the documents' printed tables, and partnerships from the facts."""
    from pipeline.vocab.instruments import merge_facts
    from pipeline.tables import from_facts

    by_doc = {d.doc_id: d for d in documents}
    rows: dict[str, list[dict]] = {name: [] for name in TABLE_COLUMNS}
    printed: set[tuple[str, str]] = set()  # (doc_id, table kind) printed in the document
    for table in tables:
        document = by_doc.get(table.doc_id)
        if document is None:
            continue
        kind = source.kind_of(table)
        printed.add((table.doc_id, kind))
        if kind == "dialogues":
            rows["dialogues"] += source.read_dialogues(table, document)
        elif kind == "joint_statements":
            statements, without = source.read_joint_statements(table, document)
            rows["joint_statements"] += statements
            rows["partners_without_statements"] += without
        elif kind == "cooperation_elements":
            rows["cooperation_elements"] += source.read_cooperation_elements(table, document)
    facts = merge_facts([f for f in facts if f.doc_id in by_doc])
    rows["partnerships"] = from_facts.partnerships(facts)

    def unprinted(kind: str) -> list[Fact]:
        return [f for f in facts if (f.doc_id, kind) not in printed]

    rows["joint_statements"] += from_facts.joint_statements(unprinted("joint_statements"), by_doc)
    rows["dialogues"] += from_facts.dialogues(unprinted("dialogues"), by_doc)
    rows["cooperation_elements"] += from_facts.cooperation_elements(unprinted("cooperation_elements"))
    doc_ids = _doc_ids(documents)
    return {name: with_row_keys(name, typed(pd.DataFrame(rows[name], columns=columns)), doc_ids) for name, columns in TABLE_COLUMNS.items()}


# Whole-number columns: nullable integers (pandas Int64), so that a missing year is empty, not NaN.
INT_COLUMNS = ("year", "page", "ministerial", "policy", "supporting_facts")


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its whole-number columns as pandas Int64 ("2016", not "2016.0"; empty stays empty)."""
    frame = frame.copy()
    for column in INT_COLUMNS:
        if column in frame:
            frame[column] = pd.to_numeric(frame[column].replace("", None), errors="coerce").astype("Int64")
    return frame


def _doc_ids(documents: list[Document]) -> dict[str, str]:
    """File name -> doc_id, for the names that stand for one document only."""
    found: dict[str, set[str]] = {}
    for d in documents:
        found.setdefault(d.source, set()).add(d.doc_id)
    return {source: next(iter(ids)) for source, ids in found.items() if len(ids) == 1}


def write_tables(frames: dict[str, pd.DataFrame], out_dir: str | Path, parquet: bool = False, *,
                 cooperation: pd.DataFrame | None = None, documents: list[Document] = (),
                 settings: "Settings | None" = None) -> Path:
    """CSV per table, the workbook (Overview, cooperation, one sheet per table, evidence, Run) and
    the heatmaps, in ``out_dir/tables``."""
    from datetime import datetime, timezone

    from pipeline.changes import describe_run
    from pipeline.settings import Settings
    from pipeline.tables.plots import write_heatmaps
    from pipeline.tables.workbook import write_workbook

    settings = settings or Settings()
    folder = Path(out_dir) / "tables"
    for name, frame in frames.items():
        write_frame(frame, folder / f"{name}.csv", parquet=parquet)
    built_at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sheets = {**({"cooperation": cooperation} if cooperation is not None else {}), **frames}
    run = {"facts": describe_run(out_dir, list(documents), built_at, settings.min_confidence_shown)}
    write_workbook(folder / "secmine-tables.xlsx", sheets, documents=documents, run=run,
                   min_confidence=settings.min_confidence_shown, built_at=built_at)
    write_heatmaps(sheets, list(documents), folder / "plots", built_at=built_at[:10])
    return folder
