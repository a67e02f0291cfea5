"""Scoring mentions against a gold JSONL (one object per mention: doc, text, label, canonical).

A mention matches a gold mention with the same label and canonical value in the same document.
Counts are kept: a name written four times must be found four times (``mentions``); the
``distinct`` view counts each (label, canonical) once per document.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pipeline.records import MENTION_LABELS, IngestResult, Mention
from pipeline.scoring import GoldError, Score

# The gold covers the running text and title block, not notes or reference lists.
OUT_OF_SCOPE = ("footnote", "reference")


def load_entity_gold(path: str | Path) -> list[dict]:
    """Gold mentions, checked: every line a JSON object with a known label and a canonical."""
    path = Path(path)
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GoldError(f"{path.name}, line {number}: not JSON ({exc.msg})") from exc
            for key in ("doc", "label", "canonical"):
                if not isinstance(row.get(key), str) or not row[key]:
                    raise GoldError(f"{path.name}, line {number}, field {key!r}: missing or empty")
            if row["label"] not in MENTION_LABELS:
                raise GoldError(f"{path.name}, line {number}, field 'label': unknown label {row['label']!r}")
            rows.append(row)
    return rows


def gold_for_documents(gold: list[dict], results: list[IngestResult]) -> dict[str, list[dict]]:
    """Gold rows per doc_id: by file name or stem, or all rows when one document is scored."""
    by_name = {}
    for r in results:
        by_name[r.document.source] = r.document.doc_id
        by_name[Path(r.document.source).stem] = r.document.doc_id
    assigned: dict[str, list[dict]] = {r.document.doc_id: [] for r in results}
    unmatched = []
    for row in gold:
        doc_id = by_name.get(row["doc"]) or by_name.get(Path(row["doc"]).stem)
        (assigned[doc_id] if doc_id else unmatched).append(row)
    if unmatched and len(results) == 1 and not any(assigned.values()):
        assigned[results[0].document.doc_id] = unmatched
    return assigned


def score_entities(mentions: list[Mention], results: list[IngestResult], gold: list[dict]) -> dict:
    """Per label and overall: tp/fp/fn, precision, recall, F1, counting every mention and distinct."""
    kinds = {p.passage_id: p.kind for r in results for p in r.passages}
    gold_by_doc = gold_for_documents(gold, results)
    counted = {label: Score() for label in MENTION_LABELS}
    distinct = {label: Score() for label in MENTION_LABELS}
    misses, spurious = [], []
    for result in results:
        doc_id = result.document.doc_id
        predicted = Counter(
            (m.label, m.canonical) for m in mentions if m.doc_id == doc_id and kinds.get(m.passage_id) not in OUT_OF_SCOPE
        )
        expected = Counter((g["label"], g["canonical"]) for g in gold_by_doc.get(doc_id, []))
        for key in predicted.keys() | expected.keys():
            label = key[0]
            hit = min(predicted[key], expected[key])
            counted[label].tp += hit
            counted[label].fp += predicted[key] - hit
            counted[label].fn += expected[key] - hit
            distinct[label].tp += int(bool(predicted[key] and expected[key]))
            distinct[label].fp += int(bool(predicted[key] and not expected[key]))
            distinct[label].fn += int(bool(expected[key] and not predicted[key]))
            if expected[key] > hit:
                misses.append({"doc": result.document.source, "label": label, "canonical": key[1], "missing": expected[key] - hit})
            if predicted[key] > hit:
                spurious.append({"doc": result.document.source, "label": label, "canonical": key[1], "extra": predicted[key] - hit})
    total = Score(*(sum(getattr(s, f) for s in counted.values()) for f in ("tp", "fp", "fn")))
    return {
        "mentions": {label: s.to_dict() for label, s in counted.items()} | {"ALL": total.to_dict()},
        "distinct": {label: s.to_dict() for label, s in distinct.items()},
        "missed": sorted(misses, key=lambda m: (m["label"], m["canonical"])),
        "spurious": sorted(spurious, key=lambda m: (m["label"], m["canonical"])),
    }


def format_report(report: dict) -> str:
    """The per-label table printed by ``secmine evaluate entities``."""
    lines = [f"{'label':<11} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7} {'F1':>6}   {'F1 distinct':>11}"]
    for label, s in report["mentions"].items():
        d = report["distinct"].get(label)
        distinct = f"{d['f1']:>11.3f}" if d else ""
        lines.append(
            f"{label:<11} {s['tp']:>4} {s['fp']:>4} {s['fn']:>4} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f}   {distinct}"
        )
    return "\n".join(lines)
