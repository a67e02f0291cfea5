"""Tables stage: the analysts' tables, rebuilt from the records a run wrote, with evidence.

Printed tables in the documents are read first (``source.py``); the workbook and the heatmaps
are written beside the CSV files in ``DIR/tables/``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.io import atomic_path, write_frame
from pipeline.records import DOMAINS, Document, Fact, SourceTable
from pipeline.tables import source

COLUMNS = {
    "joint_statements": ["partner", "partner_iso3", "domains", "title", "year", "source_doc", "source_table", "page", "evidence"],
    "partners_without_statements": ["partner", "partner_iso3", "partnership_as_printed", "source_doc", "source_table"],
    "cooperation_elements": ["partner", "partner_iso3", "domain", "mode", "mode_text", "qualifiers", "source_doc", "source_table", "page", "evidence"],
    "dialogues": ["partner", "partner_iso3", "domain", "ministerial", "policy", "as_of", "source_doc", "source_table", "page", "evidence"],
    "partnerships": ["partner", "partner_iso3", "partner_kind", "instrument", "instrument_type", "status", "domain", "evidence", "source_doc", "page", "passage_id", "supporting_facts", "basis", "confidence"],
}


def rebuild_tables(out_dir: str | Path, parquet: bool = False) -> Path:
    """Read the records a run wrote into ``out_dir`` and write its tables; no document is re-read."""
    from pipeline.io import read_jsonl, read_records
    from pipeline.outputs import DOCUMENTS, SOURCE_TABLES, read_facts

    out_dir = Path(out_dir)
    if not (out_dir / DOCUMENTS).exists():
        raise FileNotFoundError(f"{out_dir / DOCUMENTS}: no records here; run `secmine run --out {out_dir}` first")
    documents = read_records(out_dir / DOCUMENTS, Document)
    frames = tables_from_documents(documents, read_jsonl(out_dir / SOURCE_TABLES, SourceTable), read_facts(out_dir))
    return write_tables(frames, out_dir, parquet=parquet)


def tables_from_documents(documents: list[Document], tables: list[SourceTable], facts: list[Fact] = ()) -> dict[str, pd.DataFrame]:
    """Every analysts' table: from the documents' printed tables, and partnerships from the facts."""
    from pipeline.facts import merge_facts
    from pipeline.tables import from_facts

    by_doc = {d.doc_id: d for d in documents}
    rows: dict[str, list[dict]] = {name: [] for name in COLUMNS}
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
    return {name: pd.DataFrame(rows[name], columns=columns) for name, columns in COLUMNS.items()}


def write_tables(frames: dict[str, pd.DataFrame], out_dir: str | Path, parquet: bool = False) -> Path:
    """CSV per table, the workbook (one sheet per table plus the evidence) and the heatmaps."""
    folder = Path(out_dir) / "tables"
    for name, frame in frames.items():
        write_frame(frame, folder / f"{name}.csv", parquet=parquet)
    _write_workbook(frames, folder / "secmine-tables.xlsx")
    _write_heatmaps(frames, folder / "plots")
    return folder


def _write_workbook(frames: dict[str, pd.DataFrame], target: Path) -> None:
    evidence = pd.concat(
        [f.assign(table=name)[["table", "partner", "source_doc", *(["page"] if "page" in f else []), "evidence"]]
         for name, f in frames.items() if "evidence" in f and len(f)],
        ignore_index=True,
    ) if any("evidence" in f and len(f) for f in frames.values()) else pd.DataFrame(columns=["table", "partner", "source_doc", "page", "evidence"])
    with atomic_path(target) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, frame in frames.items():
                frame.to_excel(writer, sheet_name=name[:31], index=False)
            evidence.to_excel(writer, sheet_name="evidence", index=False)


def _write_heatmaps(frames: dict[str, pd.DataFrame], folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = {
        "cooperation_elements": frames["cooperation_elements"].groupby(["partner", "domain"]).size() if len(frames["cooperation_elements"]) else None,
        "dialogues": frames["dialogues"].assign(total=lambda f: f["ministerial"].astype(int) + f["policy"].astype(int))
        .set_index(["partner", "domain"])["total"] if len(frames["dialogues"]) else None,
    }
    titles = {"cooperation_elements": "Cooperation elements per partner and domain", "dialogues": "Security dialogues (ministerial + policy) per partner and domain"}
    for name, series in counts.items():
        if series is None:
            continue
        grid = series.groupby(level=[0, 1]).sum().unstack(fill_value=0)
        grid = grid[[d for d in DOMAINS if d in grid.columns]]
        fig, ax = plt.subplots(figsize=(1.2 + 1.1 * grid.shape[1], 1.0 + 0.45 * grid.shape[0]))
        image = ax.imshow(grid.values, cmap="Blues", aspect="auto")
        ax.set_xticks(range(grid.shape[1]), [d.replace("_", " ") for d in grid.columns], rotation=30, ha="right")
        ax.set_yticks(range(grid.shape[0]), grid.index)
        for (r, c), value in pd.DataFrame(grid.values).stack().items():
            ax.text(c, r, str(value), ha="center", va="center", color="white" if value > grid.values.max() / 2 else "black")
        ax.set_title(titles[name])
        fig.colorbar(image, ax=ax, shrink=0.8)
        fig.tight_layout()
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(folder / f"{name}_heatmap.png") as tmp:
            fig.savefig(tmp, dpi=120, format="png")
        plt.close(fig)
