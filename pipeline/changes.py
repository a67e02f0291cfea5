"""What changed since the previous run in the same output folder, and why.

Every run (and ``secmine tables``) ends with ``record_run(DIR)``: it compares the rows of
cooperation.csv and of each table, by ``row_key``, with a snapshot the previous run left in
``DIR/.secmine/snapshot.json.gz``, writes ``DIR/changes.md`` and ``DIR/changes.csv``, and
replaces the snapshot. Each added, removed or changed row gets a reason, in this order:

1. ``correction``: an analyst's verdict on that row was imported since (``pipeline/review.py``);
2. ``new_document`` / ``changed_document`` / ``removed_document`` / ``document_not_read``: the
   row's own document is new, has other bytes (SHA-256), is gone, or failed this time;
3. ``rules``: files under ``pipeline/resources/`` changed (named); ``model``: the classifier's
   card changed; ``settings``: the run's settings changed; ``code``: secmine's code changed;
4. ``other_documents``: none of the above, but documents were added, changed or removed (names of
   instruments are merged across documents, so one document can rename another's rows);
5. ``first_run``: there is no previous run to compare with.

The snapshot also records the run's manifest (``DIR/.secmine/run.json``, written before the
tables: secmine version, inputs, settings, model card), which the workbook's Run sheet shows.
``publish_changes`` adds the same summary to the Prefect run as a table artifact.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import html
import io
import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline.io import atomic_path, read_frame, read_records, write_text
from pipeline.review import STATE_DIR, Correction, load_corrections, stale_corrections

log = logging.getLogger(__name__)

SNAPSHOT = f"{STATE_DIR}/snapshot.json.gz"
RUN_MANIFEST = f"{STATE_DIR}/run.json"
CHANGES_MD = "changes.md"
CHANGES_CSV = "changes.csv"
ARTIFACT_KEY = "secmine-changes"
CSV_COLUMNS = ["table", "change", "row_key", "reason", "reason_detail", "partner", "what", "source_doc", "page", "fields"]
# Columns that move with layout, not content: a row differing only there is not "changed".
_IGNORED = {"row_key", "start", "end"}
_LISTED = 40  # rows listed per table and kind in changes.md (all of them are in changes.csv)


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


# -- what a run depends on -----------------------------------------------------------------------


def resources_folder():
    """The folder of the rule and vocabulary files (``pipeline/resources/``)."""
    from importlib import resources

    return resources.files("pipeline.resources")


def rule_files() -> dict[str, str]:
    """SHA-256 (16 hex) of every data file under ``pipeline/resources/``, by name."""
    folder = resources_folder()
    found = {}
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.is_file() and not item.name.endswith((".py", ".pyc")) and item.name != "README.md":
            found[item.name] = hashlib.sha256(item.read_bytes()).hexdigest()[:16]
    return found


def code_fingerprint() -> str:
    from pipeline.versions import sources_fingerprint

    return sources_fingerprint(("*.py", "*/*.py"))


def model_card(model_dir: str | Path | None) -> dict[str, str]:
    """Id (the model file's SHA-256, first 16 hex), training date and description of a classifier."""
    from pipeline.classify import CARD_FILE, DEFAULT_MODEL_DIR

    path = Path(model_dir or DEFAULT_MODEL_DIR) / CARD_FILE
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {"dir": str(path.parent), "id": "", "trained": "", "model": "", "card_sha256": ""}
    return {"dir": str(path.parent.resolve()), "id": str(card.get("model_sha256", ""))[:16], "trained": str(card.get("trained", "")),
            "model": str(card.get("model", "")), "card_sha256": hashlib.sha256(path.read_bytes()).hexdigest()[:16]}


def write_run_manifest(out_dir: str | Path, inputs: list[str], settings: Any = None, model_dir: str | Path | None = None) -> Path:
    """``DIR/.secmine/run.json``: what this run is run with (no date, so that an identical re-run
    leaves the tables as they are)."""
    from pipeline import __version__
    from pipeline.settings import Settings
    from pipeline.vocab.nlp import installed_model

    manifest = {
        "version": __version__, "inputs": [str(i) for i in inputs], "settings": Settings.resolve(settings).to_dict(),
        "model": model_card(model_dir), "spacy_model": installed_model(), "code": code_fingerprint(),
    }
    target = Path(out_dir) / RUN_MANIFEST
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        write_text(target, text)
    return target


def read_run_manifest(out_dir: str | Path) -> dict:
    try:
        return json.loads((Path(out_dir) / RUN_MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def describe_run(out_dir: str | Path, documents: list, built_at: str, min_confidence: float) -> list[tuple[str, str]]:
    """The key facts of the Run sheet, as (name, value) pairs."""
    from pipeline import __version__

    manifest = read_run_manifest(out_dir)
    model = manifest.get("model") or model_card(None)
    statuses = {s: sum(d.status == s for d in documents) for s in ("ok", "failed", "skipped")}
    corrections = load_corrections(out_dir)
    stale = stale_corrections(out_dir)
    facts = [
        ("secmine version", __version__),
        ("tables built", built_at),
        ("output folder", str(Path(out_dir).resolve())),
        ("inputs", "; ".join(manifest.get("inputs", [])) or "(not recorded: tables rebuilt from an earlier run)"),
        ("documents", f"{len(documents)}: {statuses['ok']} read, {statuses['failed']} failed, {statuses['skipped']} skipped"),
        ("code fingerprint", manifest.get("code", "") or code_fingerprint()),
        ("domain model id", f"{model.get('id', '')} (trained {model.get('trained', '')}; {model.get('dir', '')})"),
        ("domain model", model.get("model", "")),
        ("spaCy model", manifest.get("spacy_model", "")),
        ("corrections", f"{len(corrections)} stored in corrections.jsonl, {len(stale)} whose rows no longer appear"),
        ("grey rows", f"facts with a recorded confidence below {min_confidence:g} (setting min_confidence_shown)"),
    ]
    for key, value in sorted((manifest.get("settings") or {}).items()):
        facts.append((f"setting {key}", str(value)))
    for d in documents:
        if d.status != "ok":
            facts.append((f"not read: {d.source}", f"{d.status}: {d.error}"))
    return facts


# -- snapshot ------------------------------------------------------------------------------------


def _output_rows(out_dir: Path) -> dict[str, dict[str, dict[str, str]]]:
    from pipeline.records import FACTS, TABLE_COLUMNS

    tables: dict[str, dict[str, dict[str, str]]] = {}
    paths = {"cooperation": out_dir / FACTS, **{name: out_dir / "tables" / f"{name}.csv" for name in TABLE_COLUMNS}}
    for name, path in paths.items():
        if not path.exists():
            continue
        frame = read_frame(path)
        if "row_key" not in frame:
            continue
        tables[name] = {row["row_key"]: {k: v for k, v in row.items() if k not in _IGNORED} for row in frame.to_dict("records")}
    return tables


def _correction_digest(c: Correction) -> str:
    return hashlib.sha256(json.dumps([c.verdict, c.values], sort_keys=True, default=str).encode()).hexdigest()[:16]


def take_snapshot(out_dir: str | Path) -> dict:
    from pipeline import __version__
    from pipeline.records import DOCUMENTS
    from pipeline.records import Document

    out_dir = Path(out_dir)
    manifest = read_run_manifest(out_dir)
    documents = read_records(out_dir / DOCUMENTS, Document)
    settings = {k: v for k, v in (manifest.get("settings") or {}).items()}
    return {
        "format": 1, "when": _now(), "version": __version__, "code": code_fingerprint(), "rules": rule_files(),
        "model": (manifest.get("model") or model_card(None)).get("card_sha256", ""),
        "settings": hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16] if settings else "",
        "documents": {d.source: {"doc_id": d.doc_id, "sha256": d.sha256 or d.doc_id, "status": d.status} for d in documents},
        "corrections": {k: _correction_digest(c) for k, c in load_corrections(out_dir).items()},
        "tables": _output_rows(out_dir),
    }


# -- comparing -----------------------------------------------------------------------------------


@dataclass
class Change:
    table: str
    change: str  # added, removed, changed
    row_key: str
    reason: str
    reason_detail: str = ""
    partner: str = ""
    what: str = ""
    source_doc: str = ""
    page: str = ""
    fields: str = ""


@dataclass
class ChangeReport:
    first_run: bool
    previous_when: str
    when: str
    changes: list[Change] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # rows per table now
    inputs: dict[str, list[str]] = field(default_factory=dict)  # new, changed, removed, not_read documents; rules
    stale: list[Correction] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        found = {t: {"added": 0, "removed": 0, "changed": 0} for t in self.rows}
        for c in self.changes:
            found.setdefault(c.table, {"added": 0, "removed": 0, "changed": 0})[c.change] += 1
        return found

    def summary_line(self) -> str:
        if self.first_run:
            return f"first run in this folder: {sum(self.rows.values())} rows in {len(self.rows)} tables"
        totals = {k: sum(1 for c in self.changes if c.change == k) for k in ("added", "removed", "changed")}
        line = ", ".join(f"{n} {k}" for k, n in totals.items()) + " rows since the previous run"
        return line + (f"; {len(self.stale)} corrections no longer match a row" if self.stale else "")


def _describe(table: str, row: dict) -> str:
    parts = [row.get(k, "") for k in ("instrument", "title", "mode_text", "domain", "status", "year") if row.get(k, "")]
    return "; ".join(dict.fromkeys(parts))


def _reason(table: str, key: str, row: dict, previous: dict, current: dict) -> tuple[str, str]:
    source = row.get("source_doc", "")
    if previous["corrections"].get(key) != current["corrections"].get(key):
        return "correction", "an analyst's verdict on this row"
    before, now = previous["documents"].get(source), current["documents"].get(source)
    if source and before is None and now is not None:
        return "new_document", source
    if source and before is not None and now is None:
        return "removed_document", source
    if before and now and before["sha256"] != now["sha256"]:
        return "changed_document", source
    if now and now["status"] != "ok" and (before is None or before["status"] == "ok"):
        return "document_not_read", f"{source} ({now['status']})"
    rules = sorted(n for n in set(previous["rules"]) | set(current["rules"]) if previous["rules"].get(n) != current["rules"].get(n))
    if rules:
        return "rules", ", ".join(rules)
    if previous["model"] != current["model"]:
        return "model", "the domain classifier's card changed"
    if previous["settings"] != current["settings"]:
        return "settings", "the run's settings changed"
    if previous["code"] != current["code"]:
        return "code", f"secmine {previous.get('version', '?')} \u2192 {current['version']}"
    if previous["documents"] != current["documents"]:
        return "other_documents", "documents were added, changed or removed elsewhere"
    if previous["corrections"] != current["corrections"]:
        return "correction", "a verdict on a fact this row is built from"
    return "unexplained", ""


def compare(previous: dict | None, current: dict) -> ChangeReport:
    """The rows added, removed and changed per table between two snapshots, with reasons."""
    rows = {t: len(r) for t, r in current["tables"].items()}
    if previous is None:
        changes = [Change(t, "added", k, "first_run", "no previous run in this folder", r.get("partner", ""), _describe(t, r),
                          r.get("source_doc", ""), r.get("page", "")) for t, table in current["tables"].items() for k, r in table.items()]
        return ChangeReport(True, "", current["when"], changes, rows)
    changes = []
    for table in sorted(set(previous["tables"]) | set(current["tables"]), key=_table_order):
        old, new = previous["tables"].get(table, {}), current["tables"].get(table, {})
        for key, row in new.items():
            if key not in old:
                reason, detail = _reason(table, key, row, previous, current)
                changes.append(Change(table, "added", key, reason, detail, row.get("partner", ""), _describe(table, row),
                                      row.get("source_doc", ""), row.get("page", "")))
            elif old[key] != row:
                diff = [f"{c}: {old[key].get(c, '')} \u2192 {row.get(c, '')}" for c in row if old[key].get(c, "") != row.get(c, "")]
                reason, detail = _reason(table, key, row, previous, current)
                changes.append(Change(table, "changed", key, reason, detail, row.get("partner", ""), _describe(table, row),
                                      row.get("source_doc", ""), row.get("page", ""), "; ".join(diff)))
        for key, row in old.items():
            if key not in new:
                reason, detail = _reason(table, key, row, previous, current)
                changes.append(Change(table, "removed", key, reason, detail, row.get("partner", ""), _describe(table, row),
                                      row.get("source_doc", ""), row.get("page", "")))
    pd_, cd = previous["documents"], current["documents"]
    inputs = {
        "new documents": sorted(s for s in cd if s not in pd_),
        "changed documents": sorted(s for s in cd if s in pd_ and pd_[s]["sha256"] != cd[s]["sha256"]),
        "removed documents": sorted(s for s in pd_ if s not in cd),
        "documents not read": sorted(s for s in cd if cd[s]["status"] != "ok"),
        "changed rule files": sorted(n for n in set(previous["rules"]) | set(current["rules"])
                                     if previous["rules"].get(n) != current["rules"].get(n)),
        "model": ["changed"] if previous["model"] != current["model"] else [],
        "settings": ["changed"] if previous["settings"] != current["settings"] else [],
        "code": [f"{previous.get('version', '?')} \u2192 {current['version']}"] if previous["code"] != current["code"] else [],
        "corrections": [f"{len(set(current['corrections']) - set(previous['corrections']))} new, "
                        f"{sum(1 for k in current['corrections'] if k in previous['corrections'] and previous['corrections'][k] != current['corrections'][k])} changed, "
                        f"{len(set(previous['corrections']) - set(current['corrections']))} withdrawn"]
        if current["corrections"] != previous["corrections"] else [],
    }
    return ChangeReport(False, previous.get("when", ""), current["when"], changes, rows, inputs)


def _table_order(name: str) -> tuple[int, str]:
    order = ("cooperation", "partnerships", "joint_statements", "partners_without_statements", "cooperation_elements", "dialogues")
    return (order.index(name) if name in order else len(order), name)


# -- writing ---------------------------------------------------------------------------------------


def md_cell(text: object) -> str:
    """Text safe inside a Markdown table cell: HTML escaped, pipes escaped, one line."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|").replace("`", "\\`")


def changes_markdown(report: ChangeReport, out_dir: str | Path) -> str:
    lines = [f"# What changed in {md_cell(Path(out_dir).name or out_dir)}", ""]
    if report.first_run:
        lines += [f"First run in this folder ({report.when}): nothing to compare with. The next run will be "
                  "compared with this one.", "", "| table | rows |", "|---|---|"]
        lines += [f"| {t} | {n} |" for t, n in sorted(report.rows.items(), key=lambda i: _table_order(i[0]))]
        return "\n".join(lines) + "\n"
    lines += [f"This run ({report.when}) against the previous run in this folder ({report.previous_when}): "
              f"{report.summary_line()}.", "", "## What the run was given", ""]
    shown = False
    for name, values in report.inputs.items():
        if values:
            lines.append(f"- {name}: {', '.join(md_cell(v) for v in values)}")
            shown = True
    if not shown:
        lines.append("- the same documents, rules, model, settings and code as before")
    counts = report.counts()
    lines += ["", "## Rows per table", "", "| table | rows now | added | removed | changed |", "|---|---|---|---|---|"]
    for table in sorted(counts, key=_table_order):
        c = counts[table]
        lines.append(f"| {table} | {report.rows.get(table, 0)} | {c['added']} | {c['removed']} | {c['changed']} |")
    if report.changes:
        why: dict[str, dict[str, int]] = {}
        for c in report.changes:
            why.setdefault(f"{c.reason}: {c.reason_detail}" if c.reason_detail else c.reason, {"added": 0, "removed": 0, "changed": 0})[c.change] += 1
        lines += ["", "## Why", "", "| reason | added | removed | changed |", "|---|---|---|---|"]
        lines += [f"| {md_cell(r)} | {n['added']} | {n['removed']} | {n['changed']} |" for r, n in sorted(why.items())]
    if report.stale:
        lines += ["", "## Corrections whose rows no longer appear", "",
                  "These verdicts are kept in corrections.jsonl but matched no row this time (the document changed, "
                  "is gone, or the row is now found differently). Review the row again, or delete the line.", ""]
        lines += [f"- {md_cell(c.describe())}" for c in report.stale]
    for table in sorted({c.table for c in report.changes}, key=_table_order):
        rows = [c for c in report.changes if c.table == table]
        lines += ["", f"## {table}", "", "| change | partner | what | document | page | reason | fields |", "|---|---|---|---|---|---|---|"]
        for c in rows[:_LISTED * 3]:
            lines.append(f"| {c.change} | {md_cell(c.partner)} | {md_cell(c.what)} | {md_cell(c.source_doc)} | {md_cell(c.page)} | "
                         f"{md_cell(c.reason)} | {md_cell(c.fields)} |")
        if len(rows) > _LISTED * 3:
            lines.append(f"\n... and {len(rows) - _LISTED * 3} more rows in changes.csv")
    return "\n".join(lines) + "\n"


def _changes_csv(report: ChangeReport) -> str:
    from pipeline.tables.workbook import FORMULA_START

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for change in report.changes:
        row = asdict(change)
        # Cells that a spreadsheet would take for a formula get a leading apostrophe (OWASP).
        writer.writerow({k: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_START) else v for k, v in row.items()})
    return buffer.getvalue()


def record_run(out_dir: str | Path) -> ChangeReport:
    """Compare ``out_dir``'s outputs with the previous run's snapshot; write changes.md,
    changes.csv and the new snapshot."""
    out_dir = Path(out_dir)
    path = out_dir / SNAPSHOT
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            previous = json.load(handle)
        if previous.get("format") != 1:
            previous = None
    except (FileNotFoundError, json.JSONDecodeError, OSError, EOFError):  # none, or damaged: start afresh
        previous = None
    current = take_snapshot(out_dir)
    report = compare(previous, current)
    report.stale = stale_corrections(out_dir)
    write_text(out_dir / CHANGES_CSV, _changes_csv(report))
    write_text(out_dir / CHANGES_MD, changes_markdown(report, out_dir))
    with atomic_path(path) as tmp, gzip.open(tmp, "wt", encoding="utf-8") as handle:
        json.dump(current, handle, ensure_ascii=False, sort_keys=True)
    for correction in report.stale:
        log.warning("correction no longer matches a row: %s", correction.describe())
    return report


def artifact_rows(report: ChangeReport) -> list[dict[str, Any]]:
    """The summary table of the Prefect artifact: one row per output table."""
    counts = report.counts()
    reasons: dict[str, set] = {}
    for c in report.changes:
        reasons.setdefault(c.table, set()).add(c.reason)
    return [{"table": t, "rows": report.rows.get(t, 0), "added": counts[t]["added"], "removed": counts[t]["removed"],
             "changed": counts[t]["changed"], "reasons": ", ".join(sorted(reasons.get(t, ())))}
            for t in sorted(counts, key=_table_order)]


def publish_changes(out_dir: str | Path) -> ChangeReport:
    """``record_run`` and, inside a Prefect flow, the summary as a table artifact (key
    ``secmine-changes``, so that it versions across runs)."""
    report = record_run(out_dir)
    try:
        from prefect.artifacts import create_table_artifact

        create_table_artifact(table=artifact_rows(report), key=ARTIFACT_KEY,
                              description=f"secmine: what changed in {out_dir}: {report.summary_line()}")
    except Exception as exc:  # no Prefect API here: the files are what matters
        log.debug("no changes artifact: %s", exc)
    return report
