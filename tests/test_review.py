"""The review loop: export -> edit -> import -> re-run applies a rejection and a correction and
reports a stale one; the import formats; corrections through `secmine tables`."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline.changes import record_run
from pipeline.process import run_without_prefect
from pipeline.review import export_review, import_review, load_corrections, stale_corrections
from pipeline.tables import rebuild_tables

NORDIC = """# The EU and its northern partners: a security note

March 2024

The EU and Norway signed a Security and Defence Partnership in May 2024, covering maritime security and crisis management.

The EU and Canada cooperate on counter-terrorism through Europol and exchange information on foreign fighters.
"""
PACIFIC = """EU cooperation with Pacific partners

June 2025

The EU and Japan launched a Security and Defence Partnership in November 2024, with regular consultations on maritime security.

The EU and Australia are negotiating a Security and Defence Partnership covering cyber security and hybrid threats.
"""


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def run(docs: list[Path], out: Path) -> None:
    """What `secmine run` does to DIR, without Prefect: records, tables, changes."""
    run_without_prefect(docs, out)
    rebuild_tables(out)
    record_run(out)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("docs")
    (folder / "nordic-note.md").write_text(NORDIC, encoding="utf-8")
    (folder / "pacific-note.txt").write_text(PACIFIC, encoding="utf-8")
    return {"nordic": folder / "nordic-note.md", "pacific": folder / "pacific-note.txt"}


@pytest.fixture(scope="module")
def first_run(inputs, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    run([inputs["nordic"], inputs["pacific"]], out)
    return out


@pytest.fixture
def out(first_run, tmp_path) -> Path:
    copy = tmp_path / "out"
    shutil.copytree(first_run, copy)
    return copy


def facts_by_partner(out: Path) -> dict[str, dict]:
    return {r["partner"]: r for r in read_csv(out / "cooperation.csv")}


def test_export_writes_a_workbook_and_tasks_for_annotation_tools(out):
    folder = export_review(out)
    book = load_workbook(folder / "review.xlsx")
    assert book.sheetnames[0] == "How to review" and {"cooperation", "partnerships"} <= set(book.sheetnames)
    header = [c.value for c in book["cooperation"][1]]
    assert header[:4] == ["row_key", "verdict", "note", "reviewed"] and "evidence" in header and "partner" in header
    assert book["cooperation"].data_validations.dataValidation  # the verdict drop-down
    tasks = [json.loads(line) for line in (folder / "review.jsonl").read_text(encoding="utf-8").splitlines()]
    facts = read_csv(out / "cooperation.csv")
    assert len([t for t in tasks if t["table"] == "cooperation"]) == len(facts)
    for task in tasks:
        assert task["verdict"] == "" and task["row_key"] and task["data"]["row_key"] == task["row_key"]
        assert task["text"] == task["data"]["text"]  # Prodigy reads "text", Label Studio "data"
        for span in task["spans"]:
            assert task["text"][span["start"]:span["end"]] == span["text"]
    norway = next(t for t in tasks if t["table"] == "cooperation" and t["data"]["partner"] == "Norway")
    assert {s["label"] for s in norway["spans"]} == {"PARTNER", "INSTRUMENT", "DATE"}
    assert json.loads((folder / "label-studio.json").read_text(encoding="utf-8"))[0]["data"]["row_key"]
    assert "<Choices name=\"verdict\"" in (folder / "label-studio.xml").read_text(encoding="utf-8")


def test_export_edit_import_rerun_applies_and_reports(out, inputs):
    before = facts_by_partner(out)
    assert {"Norway", "Canada", "Japan", "Australia"} <= set(before)
    folder = export_review(out)
    book = load_workbook(folder / "review.xlsx")
    sheet = book["cooperation"]
    header = [c.value for c in sheet[1]]
    rows = {sheet.cell(row=r, column=header.index("partner") + 1).value: r for r in range(2, sheet.max_row + 1)}
    sheet.cell(row=rows["Canada"], column=header.index("verdict") + 1).value = "wrong"
    sheet.cell(row=rows["Australia"], column=header.index("year") + 1).value = 2025  # a corrected value
    sheet.cell(row=rows["Norway"], column=header.index("verdict") + 1).value = "correct"
    sheet.cell(row=rows["Japan"], column=header.index("status") + 1).value = "signed"
    partnerships = book["partnerships"]
    p_header = [c.value for c in partnerships[1]]
    p_rows = {partnerships.cell(row=r, column=p_header.index("partner") + 1).value: r for r in range(2, partnerships.max_row + 1)}
    partnerships.cell(row=p_rows["Norway"], column=p_header.index("domain") + 1).value = "maritime_security"
    book.save(out / "edited.xlsx")

    report = import_review(out / "edited.xlsx", out)
    assert report.counts == {"correct": 1, "wrong": 1, "corrected": 3} and not report.warnings
    stored = load_corrections(out)
    assert stored[before["Canada"]["row_key"]].verdict == "wrong"
    assert stored[before["Australia"]["row_key"]].values == {"year": 2025}

    # The next run into the folder applies them (the documents are read again: nothing is cached here).
    run([inputs["nordic"], inputs["pacific"]], out)
    after = facts_by_partner(out)
    assert "Canada" not in after
    assert after["Australia"]["year"] == "2025" and after["Australia"]["reviewed"] == "corrected"
    assert after["Japan"]["status"] == "signed" and after["Norway"]["reviewed"] == "correct"
    assert after["Australia"]["row_key"] == before["Australia"]["row_key"]
    assert "Canada" not in {r["partner"] for r in read_csv(out / "tables" / "partnerships.csv")}
    norway = next(r for r in read_csv(out / "tables" / "partnerships.csv") if r["partner"] == "Norway")
    assert norway["domain"] == "maritime_security" and norway["reviewed"] == "corrected"
    changes = read_csv(out / "changes.csv")
    assert {(c["table"], c["change"], c["partner"]) for c in changes if c["reason"] == "correction"} >= {
        ("cooperation", "removed", "Canada"), ("cooperation", "changed", "Australia"), ("partnerships", "changed", "Norway")}
    assert not stale_corrections(out)

    # The Pacific note is dropped: its two corrections no longer find their rows, and say so.
    run([inputs["nordic"]], out)
    stale = {c.row_key for c in stale_corrections(out)}
    assert stale == {before["Australia"]["row_key"], before["Japan"]["row_key"]}
    text = (out / "changes.md").read_text(encoding="utf-8")
    assert "Corrections whose rows no longer appear" in text and before["Australia"]["row_key"] in text
    assert "removed documents: pacific-note.txt" in text
    assert "Canada" not in facts_by_partner(out)  # the rejection still holds


def test_secmine_tables_applies_new_verdicts_without_reading_documents(out):
    from pipeline.cli import main

    facts = facts_by_partner(out)
    path = out / "verdicts.csv"
    path.write_text(f"row_key,verdict\n{facts['Norway']['row_key']},reject\n{facts['Japan']['row_key']},ok\n", encoding="utf-8")
    assert main(["review", "import", str(path), "--out", str(out)]) == 0
    assert main(["-q", "tables", "--out", str(out)]) == 0
    after = facts_by_partner(out)
    assert "Norway" not in after and after["Japan"]["reviewed"] == "correct"
    assert "Norway" not in {r["partner"] for r in read_csv(out / "tables" / "partnerships.csv")}
    # and taking the verdict back restores the row (the facts as found are kept in DIR/.secmine)
    path.write_text(f"row_key,verdict\n{facts['Norway']['row_key']},correct\n", encoding="utf-8")
    assert main(["review", "import", str(path), "--out", str(out)]) == 0
    assert main(["tables", "--out", str(out)]) == 0
    assert facts_by_partner(out)["Norway"]["reviewed"] == "correct"


def test_jsonl_from_prodigy_and_label_studio_exports(out):
    facts = facts_by_partner(out)
    prodigy = out / "prodigy.jsonl"
    prodigy.write_text(json.dumps({"text": "...", "meta": {"row_key": facts["Canada"]["row_key"], "table": "cooperation"},
                                   "answer": "reject"}) + "\n", encoding="utf-8")
    assert import_review(prodigy, out).counts["wrong"] == 1
    studio = out / "label-studio-export.json"
    studio.write_text(json.dumps([{"id": 7, "data": {"row_key": facts["Australia"]["row_key"], "table": "cooperation", "text": "..."},
                                   "annotations": [{"result": [
                                       {"from_name": "verdict", "type": "choices", "value": {"choices": ["correct"]}},
                                       {"from_name": "corrected", "type": "textarea", "value": {"text": ["status=signed; year=2026"]}}]}]}]),
                      encoding="utf-8")
    report = import_review(studio, out)
    assert report.counts["corrected"] == 1
    assert load_corrections(out)[facts["Australia"]["row_key"]].values == {"status": "signed", "year": "2026"}
    rebuild_tables(out)
    after = facts_by_partner(out)
    assert "Canada" not in after and after["Australia"]["status"] == "signed" and after["Australia"]["year"] == "2026"


def test_bad_verdicts_and_values_name_the_file_and_row(out):
    facts = facts_by_partner(out)
    path = out / "bad.csv"
    path.write_text(f"row_key,verdict\n{facts['Canada']['row_key']},perhaps\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.csv, line 2: unknown verdict 'perhaps'"):
        import_review(path, out)
    path.write_text(f"row_key,verdict,year\n{facts['Canada']['row_key']},,twenty\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.csv, line 2: year must be a whole number"):
        import_review(path, out)
    path.write_text(f"row_key,verdict,status\n{facts['Canada']['row_key']},,maybe\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.csv, line 2: status must be one of signed"):
        import_review(path, out)
    path.write_text(f"row_key,verdict,evidence\n{facts['Canada']['row_key']},,Something else entirely.\n", encoding="utf-8")
    report = import_review(path, out)
    assert report.warnings and "evidence cannot be corrected" in report.warnings[0]
    assert not load_corrections(out)
    with pytest.raises(ValueError, match="cannot read .odt"):
        (out / "x.odt").write_text("", encoding="utf-8")
        import_review(out / "x.odt", out)


def test_a_hand_edited_correction_outside_the_vocabulary_never_stops_a_run():
    from pipeline.records import Fact
    from pipeline.review import Correction, apply_to_facts

    fact = Fact("d1", "d1:1", 1, "Norway", "NOR", "country", "Partnership", "partnership", "defence_general", "",
                "signed", "2024", "Norway signed.", row_key="co-1")
    kept, applied = apply_to_facts([fact], {"co-1": Correction("co-1", "cooperation", "corrected", {"status": "maybe"})})
    assert kept == [fact] and applied == ["co-1"]
