"""The command line of CONTRACT.md: files written, columns, exit codes, help texts."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest

from pipeline.cli import _parser, main
from pipeline.records import PASSAGE_KINDS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "corpus" / "docs"

DOCUMENT_COLUMNS = {"doc_id", "source", "title", "pub_date", "pages", "status", "error"}
PASSAGE_COLUMNS = {"doc_id", "passage_id", "page", "section", "kind", "text"}


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    assert main(["ingest", str(DOCS), "--out", str(out)]) == 0
    return out


def test_ingest_writes_contract_files(ingested):
    documents = read_csv(ingested / "documents.csv")
    passages = read_csv(ingested / "passages.csv")
    assert DOCUMENT_COLUMNS <= set(documents[0])
    assert PASSAGE_COLUMNS <= set(passages[0])
    sources = sorted(p.name for p in DOCS.iterdir() if p.suffix in (".pdf", ".txt", ".md", ".html"))
    assert sorted(d["source"] for d in documents) == sources
    for doc in documents:
        digest = hashlib.sha256((DOCS / doc["source"]).read_bytes()).hexdigest()
        assert doc["doc_id"] == digest[:16]
        assert doc["status"] == "ok" and doc["error"] == ""
        assert doc["title"] and doc["pub_date"][:2] in ("19", "20") and int(doc["pages"]) >= 1
    by_doc: dict[str, list[dict]] = {}
    for p in passages:
        by_doc.setdefault(p["doc_id"], []).append(p)
        assert p["kind"] in PASSAGE_KINDS
        assert int(p["page"]) >= 1
    for doc_id, rows in by_doc.items():
        assert [r["passage_id"] for r in rows] == [f"{doc_id}:{i + 1}" for i in range(len(rows))]
    assert (ingested / "source_tables.jsonl").exists()


def test_ingest_is_stable(ingested, tmp_path):
    """The same inputs give the same passages, byte for byte (ids are stable)."""
    assert main(["ingest", str(DOCS), "--out", str(tmp_path), "--workers", "1"]) == 0
    assert (tmp_path / "passages.csv").read_bytes() == (ingested / "passages.csv").read_bytes()


def test_bad_files_do_not_stop_the_batch(tmp_path, capsys):
    from synth import make_bad_pdfs

    folder = tmp_path / "in"
    folder.mkdir()
    make_bad_pdfs(folder)
    shutil.copy(DOCS / "council-conclusions-maritime-2023.txt", folder)
    out = tmp_path / "out"
    assert main(["ingest", str(folder), "--out", str(out)]) == 0
    rows = {r["source"]: r for r in read_csv(out / "documents.csv")}
    assert rows["council-conclusions-maritime-2023.txt"]["status"] == "ok"
    assert rows["scanned.pdf"]["status"] == "skipped"
    for name in ("encrypted.pdf", "truncated.pdf", "empty.pdf", "not-really.pdf"):
        assert rows[name]["status"] == "failed"
        assert rows[name]["error"].startswith(name + ": ")
    assert "encrypted.pdf" in capsys.readouterr().err


def test_exit_status_when_nothing_could_be_processed(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    assert main(["ingest", str(tmp_path), "--out", str(tmp_path / "out")]) == 1
    assert main(["ingest", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 2


def test_every_command_has_help_with_an_example():
    parser = _parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name, sub in subparsers.choices.items():
        assert sub.format_help().strip(), name
        assert "example:" in (sub.epilog or ""), f"secmine {name} --help has no example"


def test_outputs_read_back_as_records(ingested):
    from pipeline.io import read_jsonl, read_records
    from pipeline.records import Document, Passage, SourceTable

    documents = read_records(ingested / "documents.csv", Document)
    assert len(documents) == len(read_csv(ingested / "documents.csv"))
    article = next(d.doc_id for d in documents if d.source == "eu-strategic-partners-review-2017.pdf")
    tables = [t for t in read_jsonl(ingested / "source_tables.jsonl", SourceTable) if t.doc_id == article]
    passages = [p for p in read_records(ingested / "passages.csv", Passage) if p.doc_id == article]
    assert [t.caption.split()[:2] for t in tables] == [["Table", "1"], ["Table", "2"], ["Table", "3"]]
    assert {pid for t in tables for pid in t.passage_ids} == {p.passage_id for p in passages if p.kind == "table"}
    notes = [p for p in passages if p.kind == "footnote"]
    assert notes and all(p.cited_by for p in notes)


def test_run_writes_mentions_with_contract_columns(tmp_path):
    assert main(["run", str(DOCS / "eu-canada-joint-statement-2025.html"), "--out", str(tmp_path)]) == 0
    rows = read_csv(tmp_path / "mentions.csv")
    assert {"doc_id", "passage_id", "label", "text", "canonical", "start", "end", "rule_id"} <= set(rows[0])
    passages = {p["passage_id"]: p["text"] for p in read_csv(tmp_path / "passages.csv")}
    for row in rows:
        assert passages[row["passage_id"]][int(row["start"]) : int(row["end"])] == row["text"]
    assert {("PARTNER", "Canada"), ("DATE", "2025-06-23")} <= {(r["label"], r["canonical"]) for r in rows}


def test_evaluate_entities_prints_per_label_scores(tmp_path, capsys):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"doc": "eu-canada-joint-statement-2025.html", "label": "PARTNER", "canonical": "Canada"}\n')
    assert main(["evaluate", "entities", "--gold", str(gold), str(DOCS / "eu-canada-joint-statement-2025.html")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:4] == ["label", "tp", "fp", "fn"]
    assert any(line.startswith("PARTNER") for line in out.splitlines())
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    assert main(["evaluate", "entities", "--gold", str(bad), str(DOCS / "eu-canada-joint-statement-2025.html")]) == 2


def test_tables_rebuilds_from_records_without_reading_documents(ingested, tmp_path):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(ingested, out)
    assert main(["tables", "--out", str(out)]) == 0
    dialogues = read_csv(out / "tables" / "dialogues.csv")
    assert dialogues and {"partner", "partner_iso3", "domain", "ministerial", "policy", "as_of", "evidence"} <= set(dialogues[0])
    assert (out / "tables" / "secmine-tables.xlsx").exists()
    assert main(["tables", "--out", str(tmp_path / "nothing-here")]) == 2


def test_the_command_exits_with_mains_status_and_skips_the_teardown(tmp_path):
    """``python -m pipeline.cli`` ends as the installed ``secmine`` does (``console_main``): with the
    status ``main`` returned, argparse's own exits (--version, usage errors) kept, output flushed."""
    import subprocess
    import sys

    def command(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True,
                              cwd=ROOT, timeout=120)

    version = command("--version")
    assert version.returncode == 0 and version.stdout.startswith("secmine ")
    assert command("run", "--no-such-option").returncode == 2  # argparse's usage error
    missing = command("ingest", str(tmp_path / "nothing-here"), "--out", str(tmp_path / "out"))
    assert missing.returncode == 2 and "nothing-here" in missing.stderr
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "empty.txt").write_text("", encoding="utf-8")
    empty = command("ingest", str(tmp_path / "docs"), "--out", str(tmp_path / "out"), "--no-progress")
    assert empty.returncode == main(["-q", "ingest", str(tmp_path / "docs"), "--out", str(tmp_path / "again")])
    assert "documents read" in empty.stdout  # printed before the quick exit
