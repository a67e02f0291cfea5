"""The audit: a run's tables and mentions against a gold folder, scored and written with evidence."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pandas as pd

from pipeline.audit.corpus import Corpus, Resolution, anchor_of
from pipeline.audit.gold import ENTITIES, AuditError, Gold, GoldTable, load_gold
from pipeline.audit.match import (
    RULES,
    Alignment,
    align,
    describe,
    field_scores,
    general_rules,
    normalise_partner,
    row_domains,
    score,
    table_score,
)
from pipeline.audit.report import write_report
from pipeline.io import read_frame, read_records
from pipeline.records import (
    DOCUMENTS,
    DOMAINS,
    MENTION_LABELS,
    MENTIONS,
    PASSAGES,
    TABLE_COLUMNS,
    Document,
    IngestResult,
    Mention,
    Passage,
)
from pipeline.settings import Settings

AUDIT_DIR = "audit"
TABLE_ORDER = ("joint_statements", "partners_without_statements", "cooperation_elements", "dialogues", "partnerships", ENTITIES)
EVIDENCE_CHARS = 400


def run_audit(gold_dir: str | Path, out_dir: str | Path, settings: Settings | dict | str | Path | None = None) -> dict:
    """Audit ``out_dir`` (a run's output folder) against ``gold_dir``; write ``out_dir/audit/`` and return the report."""
    settings = Settings.resolve(settings)
    out_dir = Path(out_dir)
    if not (out_dir / DOCUMENTS).is_file():
        raise AuditError(f"{out_dir / DOCUMENTS}: no run outputs here; run `secmine run --out {out_dir}` first")
    gold = load_gold(gold_dir)
    corpus = Corpus(read_records(out_dir / DOCUMENTS, Document), read_records(out_dir / PASSAGES, Passage))
    resolutions = resolve_documents(gold, corpus, settings)
    tables, alignments = {}, {}
    for name in TABLE_ORDER:
        if name not in gold.tables:
            continue
        if name == ENTITIES:
            tables[name] = audit_entities(gold.tables[name], out_dir, corpus, resolutions, settings)
        else:
            tables[name], alignments[name] = audit_table(gold.tables[name], out_dir, corpus, resolutions, settings)
    report = {
        "gold_dir": str(gold.folder),
        "out_dir": str(out_dir),
        "settings": {k: v for k, v in settings.to_dict().items() if k.startswith("audit_")},
        "rules": general_rules(settings),
        "files": {f: name for name, t in gold.tables.items() for f in t.files},
        "ignored_gold_files": gold.ignored,
        "documents": [r.to_dict() for r in resolutions.values()],
        "tables": tables,
        "matrix": agreement_matrix(alignments),
        "plots": {"agreement_matrix": "plots/agreement_matrix.png"},
    }
    write_report(report, out_dir / AUDIT_DIR)
    return report


def fields_below(report: dict, min_f1: float) -> list[str]:
    """``table.field`` names whose F1 is below ``min_f1`` (``table.rows`` for the table as a whole)."""
    failing = []
    for name, table in report["tables"].items():
        if table["f1"] is not None and table["f1"] < min_f1:
            failing.append(f"{name}.rows")
        for field, scores in table["fields"].items():
            if scores["f1"] is not None and scores["f1"] < min_f1:
                failing.append(f"{name}.{field}")
    return failing


def resolve_documents(gold: Gold, corpus: Corpus, settings: Settings) -> dict[str, Resolution]:
    """Each gold ``source_doc`` with the ingested document that stands for it (if any)."""
    anchors: dict[str, list[str]] = defaultdict(list)
    for table in gold.tables.values():
        for row in table.rows:
            anchor = anchor_of(row)
            if anchor:
                anchors[row["source_doc"]].append(anchor)
    return {doc: corpus.resolve(doc, anchors.get(doc, []), settings.audit_doc_min_support) for doc in sorted(gold.source_docs())}


def _split_by_corpus(table: GoldTable, resolutions: dict[str, Resolution]) -> tuple[list[dict], list[dict]]:
    in_corpus, not_in_corpus = [], []
    for row in table.rows:
        resolution = resolutions[row["source_doc"]]
        if resolution.source:
            in_corpus.append(row | {"_doc": resolution.source})
        else:
            not_in_corpus.append(row)
    return in_corpus, not_in_corpus


def _clip(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 1].rstrip() + "\u2026"


def _page(value) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def row_label(table: str, row: dict) -> str:
    """A row in a few words: "Japan / cyber_security / Joint training (ARF)"."""
    def get(key: str) -> str:
        return str(row.get(key, "") or "")

    if table == "joint_statements":
        return f"{get('partner')} / {get('domains')} / {get('title')} ({get('year')})"
    if table == "cooperation_elements":
        qualifiers = f" ({', '.join(get('qualifiers').split(';'))})" if get("qualifiers") else ""
        return f"{get('partner')} / {get('domain')} / {get('mode_text') or get('mode')}{qualifiers} [{get('mode')}]"
    if table == "dialogues":
        return f"{get('partner')} / {get('domain')}: MD {get('ministerial')}, PD {get('policy')}"
    if table == "partnerships":
        return f"{get('partner')} / {get('instrument')} / {get('status')} ({get('domain')})"
    if table == ENTITIES:
        return f"{get('label')} {get('canonical')} ({get('text')})"
    return get("partner")


def gold_view(table: str, row: dict, corpus: Corpus) -> dict:
    """A gold row for the report: its values, file and line, document, and where it sits in the document."""
    view = {k: v for k, v in row.items() if not k.startswith("_")}
    document = row.get("_doc", "")
    passage = corpus.locate(document, anchor_of(row)) if document else None
    evidence = row.get("evidence") or row.get("context") or (passage.text if passage else "")
    ingested = corpus.by_source.get(document)
    if ingested is not None and ingested.status != "ok":
        view["note"] = f"document {ingested.status}: {ingested.error}"
    return view | {
        "row": row_label(table, row), "gold_line": f"{row['_file']}:{row['_line']}", "document": document,
        "page": passage.page if passage else None, "passage_id": passage.passage_id if passage else "",
        "evidence": _clip(evidence), "evidence_from": "gold" if row.get("evidence") or row.get("context") else ("document" if passage else ""),
    }


def output_view(table: str, row: dict) -> dict:
    view = {k: row[k] for k in TABLE_COLUMNS[table] if k in row}
    return view | {
        "row": row_label(table, row), "output_line": f"{row['_file']}:{row['_line']}", "document": row.get("_doc", ""),
        "page": _page(row.get("page")), "evidence": _clip(row.get("evidence", "")),
    }


def read_output_table(out_dir: Path, table: str) -> tuple[list[dict], bool]:
    """The output rows of one table (each with ``_file``, ``_line``), and whether the file was missing."""
    path = out_dir / "tables" / f"{table}.csv"
    if not path.is_file():
        return [], True
    try:
        frame = read_frame(path)
    except pd.errors.EmptyDataError:
        return [], False
    needed = (*RULES[table].columns, "source_doc")
    for column in needed:
        if column not in frame.columns:
            raise AuditError(f"{path}, line 1, column {column!r}: missing; the audit needs {', '.join(needed)}")
    rows = frame.to_dict("records")
    return [r | {"_file": f"tables/{table}.csv", "_line": n} for n, r in enumerate(rows, start=2)], False


def audit_table(gold: GoldTable, out_dir: Path, corpus: Corpus, resolutions: dict[str, Resolution],
                settings: Settings) -> tuple[dict, list[Alignment]]:
    name = gold.name
    rule = RULES[name]
    in_corpus, not_in_corpus = _split_by_corpus(gold, resolutions)
    scope = {r["_doc"] for r in in_corpus}
    output, missing = read_output_table(out_dir, name)
    audited, out_of_scope = [], []
    for row in output:
        document = corpus.document(str(row.get("source_doc", "")))
        row["_doc"] = document.source if document else ""
        (audited if row["_doc"] in scope else out_of_scope).append(row)
    alignments = align(rule, in_corpus, audited, settings)
    missed, spurious, errors = [], [], []
    for a in alignments:
        g = gold_view(name, a.gold, corpus) if a.gold else None
        o = output_view(name, a.output) if a.output else None
        diffs = {f: {"gold": str(a.gold.get(f, "")), "output": str(a.output.get(f, ""))} for f in a.wrong()} if a.agree else {}
        for field, values in diffs.items():
            errors.append({"field": field, **values, "kind": a.kind, "row": g["row"], "gold_line": g["gold_line"],
                           "output_line": o["output_line"], "document": o["document"], "page": o["page"], "evidence": o["evidence"]})
        if a.kind in ("paired", "missed"):
            missed.append(g | {"paired_with": o["row"] if o else None, "field_errors": diffs})
        if a.kind in ("paired", "spurious"):
            spurious.append(o | {"paired_with": g["row"] if g else None, "field_errors": diffs})
    report = {
        "table": name, "gold_files": gold.files, "output_file": f"tables/{name}.csv", "output_missing": missing,
        "gold_rows": len(gold.rows), "in_corpus": len(in_corpus), "not_in_corpus": len(not_in_corpus),
        "output_rows": len(output), "audited_output_rows": len(audited), "out_of_scope": len(out_of_scope),
        **table_score(alignments),
        "fields": field_scores(rule, alignments),
        "rule": describe(rule, settings),
        "missed": missed, "spurious": spurious, "field_errors": errors,
        "not_in_corpus_rows": [gold_view(name, r, corpus) | {"reason": _why_not(resolutions[r["source_doc"]], settings)} for r in not_in_corpus],
        "out_of_scope_rows": [output_view(name, r) for r in out_of_scope],
    }
    return report, alignments


def _why_not(resolution: Resolution, settings: Settings) -> str:
    reason = f"no ingested document named {resolution.gold_doc!r} or with its stem"
    if resolution.anchors:
        reason += (f"; none holds {settings.audit_doc_min_support:.0%} of its {resolution.anchors} quoted strings"
                   f" (best {resolution.support:.0%})")
    return reason


def audit_entities(gold: GoldTable, out_dir: Path, corpus: Corpus, resolutions: dict[str, Resolution],
                   settings: Settings) -> dict:
    """Mentions scored as ``secmine evaluate entities`` does (label + canonical, every mention counted)."""
    from pipeline.audit.entities import OUT_OF_SCOPE, score_entities

    in_corpus, not_in_corpus = _split_by_corpus(gold, resolutions)
    scope = {r["_doc"] for r in in_corpus}
    path = out_dir / MENTIONS
    mentions = read_records(path, Mention)
    documents = [d for d in corpus.documents if d.source in scope]
    ids = {d.doc_id: d.source for d in documents}
    results = [IngestResult(d, [p for p in corpus.passages if p.doc_id == d.doc_id]) for d in documents]
    in_scope = [m for m in mentions if m.doc_id in ids]
    scored = score_entities(in_scope, results, [{"doc": r["_doc"], "label": r["label"], "canonical": r["canonical"]} for r in in_corpus])
    total = scored["mentions"]["ALL"]
    audited = [m for m in in_scope if getattr(corpus.passage.get(m.passage_id), "kind", "") not in OUT_OF_SCOPE]

    missed = []
    for m in scored["missed"]:
        rows = [r for r in in_corpus if (r["_doc"], r["label"], r["canonical"]) == (m["doc"], m["label"], m["canonical"])]
        view = gold_view(ENTITIES, rows[0], corpus) if rows else {}
        missed.append({"row": f"{m['label']} {m['canonical']} \u00d7{m['missing']}", "label": m["label"], "canonical": m["canonical"],
                       "count": m["missing"], "document": m["doc"], "page": view.get("page"), "passage_id": view.get("passage_id", ""),
                       "evidence": view.get("evidence", ""), "contexts": [_clip(r.get("context", "")) for r in rows[:3]],
                       "gold_line": view.get("gold_line", ""), "paired_with": None, "field_errors": {}})
    spurious = []
    for s in scored["spurious"]:
        hits = [m for m in audited if (ids[m.doc_id], m.label, m.canonical) == (s["doc"], s["label"], s["canonical"])]
        occurrences = [_mention_evidence(m, corpus) for m in hits[:3]]
        first = occurrences[0] if occurrences else {}
        spurious.append({"row": f"{s['label']} {s['canonical']} \u00d7{s['extra']}", "label": s["label"], "canonical": s["canonical"],
                         "count": s["extra"], "document": s["doc"], "page": first.get("page"), "passage_id": first.get("passage_id", ""),
                         "evidence": first.get("evidence", ""), "text": first.get("text", ""), "occurrences": occurrences,
                         "paired_with": None, "field_errors": {}})
    fields = {label: score(s["tp"], s["fp"], s["fn"]) for label, s in scored["mentions"].items() if label in MENTION_LABELS}
    return {
        "table": ENTITIES, "gold_files": gold.files, "output_file": MENTIONS, "output_missing": not path.is_file(),
        "gold_rows": len(gold.rows), "in_corpus": len(in_corpus), "not_in_corpus": len(not_in_corpus),
        "output_rows": len(mentions), "audited_output_rows": len(audited), "out_of_scope": len(mentions) - len(audited),
        **score(total["tp"], total["fp"], total["fn"]),
        "fields": fields,
        "distinct": {label: score(s["tp"], s["fp"], s["fn"]) for label, s in scored["distinct"].items()},
        "rule": [("mentions are compared within one document on `label` and `canonical`, exactly; every mention counts "
                  "(a name the gold has four times must be found four times), as `secmine evaluate entities` does"),
                 f"mentions in passages of kind {', '.join(OUT_OF_SCOPE)} are out of scope, like the gold",
                 "fields are the labels: each label's mentions scored alone"],
        "missed": missed, "spurious": spurious, "field_errors": [],
        "not_in_corpus_rows": [gold_view(ENTITIES, r, corpus) | {"reason": _why_not(resolutions[r["source_doc"]], settings)} for r in not_in_corpus],
        "out_of_scope_rows": [],
    }


def _mention_evidence(mention: Mention, corpus: Corpus) -> dict:
    passage = corpus.passage.get(mention.passage_id)
    text = ""
    if passage is not None:
        text = passage.text[mention.sent_start:mention.sent_end] if mention.sent_end > mention.sent_start else passage.text
    return {"text": mention.text, "page": passage.page if passage else None, "passage_id": mention.passage_id, "evidence": _clip(text)}


def agreement_matrix(alignments: dict[str, list[Alignment]]) -> dict:
    """tp/fn/fp per partner and domain, over every audited table that has domains."""
    cells: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0})
    names: dict[str, str] = {}

    def add(table: str, row: dict, what: str) -> None:
        key = normalise_partner(str(row.get("partner", "")))
        names.setdefault(key, _display_partner(str(row.get("partner", ""))))
        for domain in row_domains(table, row):
            cells[(key, domain)][what] += 1

    for table, found in alignments.items():
        for a in found:
            if a.kind == "tp":
                add(table, a.gold, "tp")
            if a.kind in ("paired", "missed"):
                add(table, a.gold, "fn")
            if a.kind in ("paired", "spurious"):
                add(table, a.output, "fp")
    partners = sorted({p for p, _ in cells}, key=lambda p: (-sum(sum(v.values()) for (q, _), v in cells.items() if q == p), names[p]))
    domains = [d for d in DOMAINS if any(d == e for _, e in cells)]
    return {
        "tables": sorted(t for t, found in alignments.items() if any(row_domains(t, a.gold or a.output) for a in found)),
        "partners": [names[p] for p in partners], "domains": domains,
        "cells": [{"partner": names[p], "domain": d, **cells[(p, d)]} for p in partners for d in domains if (p, d) in cells],
    }


def _display_partner(name: str) -> str:
    from pipeline.vocab.gazetteer import partner_of

    partner = partner_of(name)
    return partner.name if partner else name
