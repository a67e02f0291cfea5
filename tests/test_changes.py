"""What changed since the previous run: after adding one document, after changing one rule file."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from pipeline.changes import ARTIFACT_KEY, artifact_rows, changes_markdown, compare, md_cell, record_run, take_snapshot
from pipeline.io import write_jsonl
from pipeline.outputs import write_run_outputs
from pipeline.process import run_without_prefect
from pipeline.stages import DocumentRecords
from pipeline.tables import rebuild_tables

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "corpus" / "docs" / "eu-strategic-partners-review-2017.pdf"
FIRST = """# EU and Moldova

April 2024

The EU and Moldova signed a Security and Defence Partnership in May 2024, the first of its kind.
"""
SECOND = """EU and the Philippines

July 2025

The EU and the Philippines are negotiating a Security and Defence Partnership on maritime security.
"""


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_first_run_then_one_added_document(tmp_path):
    docs, out = tmp_path / "docs", tmp_path / "out"
    docs.mkdir()
    (docs / "moldova.md").write_text(FIRST, encoding="utf-8")
    run_without_prefect([docs / "moldova.md"], out)
    rebuild_tables(out)
    first = record_run(out)
    assert first.first_run and first.rows["cooperation"] >= 1
    assert "First run in this folder" in (out / "changes.md").read_text(encoding="utf-8")
    assert {r["reason"] for r in read_csv(out / "changes.csv")} == {"first_run"}

    (docs / "philippines.txt").write_text(SECOND, encoding="utf-8")
    run_without_prefect([docs / "moldova.md", docs / "philippines.txt"], out)
    rebuild_tables(out)
    report = record_run(out)
    rows = read_csv(out / "changes.csv")
    assert rows and {(r["change"], r["reason"], r["reason_detail"]) for r in rows} == {("added", "new_document", "philippines.txt")}
    assert {r["table"] for r in rows} >= {"cooperation", "partnerships"}
    assert {r["partner"] for r in rows} == {"Philippines"}
    text = (out / "changes.md").read_text(encoding="utf-8")
    assert "new documents: philippines.txt" in text and "| cooperation |" in text and "new_document" in text
    summary = artifact_rows(report)
    assert summary[0]["table"] == "cooperation" and summary[0]["added"] >= 1 and "new_document" in summary[0]["reasons"]
    assert ARTIFACT_KEY == "secmine-changes"

    # The same inputs again: nothing changed, and the report says so.
    run_without_prefect([docs / "moldova.md", docs / "philippines.txt"], out)
    rebuild_tables(out)
    assert record_run(out).changes == []
    assert "the same documents, rules, model, settings and code" in (out / "changes.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def article():
    from pipeline.ingest import ingest_file

    return ingest_file(ARTICLE)


def test_a_changed_rule_file_is_named_as_the_reason(article, tmp_path, monkeypatch):
    """modes.csv maps a printed mode to another code: those rows change, because of that file."""
    import pipeline.changes
    import pipeline.resources
    from pipeline.resources import table_rows
    from pipeline.vocab import domains

    out = tmp_path / "out"
    write_run_outputs([DocumentRecords(article.document, article.passages, article.tables)], out)
    rebuild_tables(out)
    record_run(out)
    before = {r["row_key"]: r for r in read_csv(out / "tables" / "cooperation_elements.csv")}
    funding = {k for k, r in before.items() if r["mode"] == "joint_funding"}
    assert funding

    rules = tmp_path / "resources"
    shutil.copytree(Path(pipeline.resources.__file__).parent, rules)
    modes = rules / "modes.csv"
    modes.write_text(modes.read_text(encoding="utf-8").replace("joint_funding,^joint funding", "capacity_building,^joint funding"),
                     encoding="utf-8")
    monkeypatch.setattr(pipeline.resources, "resource_text", lambda name: (rules / name).read_text(encoding="utf-8"))
    monkeypatch.setattr(pipeline.changes, "resources_folder", lambda: rules)
    table_rows.cache_clear()
    domains.mode_patterns.cache_clear()
    try:
        rebuild_tables(out)
        report = record_run(out)
    finally:
        table_rows.cache_clear()
        domains.mode_patterns.cache_clear()
    changed = [c for c in report.changes if c.change == "changed"]
    assert {c.row_key for c in changed} == funding and not [c for c in report.changes if c.change != "changed"]
    assert {(c.reason, c.reason_detail) for c in changed} == {("rules", "modes.csv")}
    assert all(c.fields == "mode: joint_funding \u2192 capacity_building" for c in changed)
    assert "changed rule files: modes.csv" in (out / "changes.md").read_text(encoding="utf-8")


def test_markdown_cells_are_escaped():
    assert md_cell("<script>alert(1)</script> | x\ny") == "&lt;script&gt;alert(1)&lt;/script&gt; \\| x y"
    previous = {"when": "t0", "version": "0", "code": "c", "rules": {}, "model": "m", "settings": "s", "documents": {},
                "corrections": {}, "tables": {"cooperation": {}}}
    current = {**previous, "when": "t1", "documents": {"<b>.pdf": {"doc_id": "x", "sha256": "y", "status": "ok"}},
               "tables": {"cooperation": {"co-1": {"partner": "<img src=x>", "source_doc": "<b>.pdf"}}}}
    text = changes_markdown(compare(previous, current), "out")
    assert "<img" not in text and "<b>" not in text and "&lt;img src=x&gt;" in text


def test_formula_payloads_in_changes_csv_are_quoted(tmp_path):
    out = tmp_path
    from pipeline.records import Document, Fact

    doc = Document("e" * 16, "=cmd.pdf", "x", "2024", 1, "ok", "", sha256="e" * 64)
    fact = Fact(doc.doc_id, f"{doc.doc_id}:1", 1, "=HYPERLINK(\"x\")", "", "country", "@inst", "partnership", "defence_general",
                "", "signed", "", "-1+1", source_doc=doc.source)
    write_run_outputs([DocumentRecords(doc, facts=[fact])], out)
    write_jsonl([], out / "source_tables.jsonl")
    rebuild_tables(out)
    record_run(out)
    rows = read_csv(out / "changes.csv")
    assert rows and all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
    assert take_snapshot(out)["tables"]["cooperation"]
