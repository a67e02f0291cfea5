"""Hostile input never hangs a batch, loses a batch, or runs in the analyst's spreadsheet.

Small generated files (``tests/hostile.py``) for each class of trouble: pdfminer's unbounded
work, silent partial reads, odd file names, formula payloads, interrupted and concurrent writes,
damaged caches, bad settings and gold files; and one hostile batch through ``secmine ingest``
and ``secmine run``.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import time
from pathlib import Path

import pandas as pd
import pytest

import hostile
from pipeline.cli import main
from pipeline.ingest import ingest_file
from pipeline.io import FORMULA_STARTS, original_cell, read_frame, spreadsheet_cell, write_frame
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "corpus" / "docs"
GOOD = DOCS / "council-conclusions-maritime-2023.txt"


def csv_cells(folder: Path) -> list[str]:
    cells = []
    for path in folder.rglob("*.csv"):
        with open(path, encoding="utf-8", newline="") as handle:
            cells += [cell for row in csv.reader(handle) for cell in row]
    return cells


# -- pdfminer's work is bounded, and what it could not read is said ------------------------------


def test_broken_checksum_stream_is_read_in_linear_time(tmp_path):
    """pdfminer re-inflates such a stream byte by byte (minutes for 24 MB); the guard does not."""
    start = time.monotonic()
    result = ingest_file(hostile.broken_checksum(tmp_path))
    assert time.monotonic() - start < 60
    assert result.document.status == "ok" and "maritime security" in result.passages[0].text
    assert result.document.warnings == []  # a wrong checksum alone loses nothing


def test_damaged_stream_keeps_what_precedes_the_damage_and_says_so(tmp_path, capfd):
    result = ingest_file(hostile.damaged_stream(tmp_path))
    assert result.document.status == "ok" and "maritime security" in result.passages[0].text
    assert result.document.warnings == ["page 1: stream data lost"]
    assert "Data-loss" not in capfd.readouterr().err  # pdfminer's line is the document's, not stderr's


def test_self_drawing_form_and_crowded_page_are_cut_with_a_warning(tmp_path):
    settings = Settings(max_page_operators=5_000)
    for path in (hostile.self_drawing_form(tmp_path, depth=18), hostile.many_rectangles(tmp_path, 40_000)):
        start = time.monotonic()
        result = ingest_file(path, settings)
        assert time.monotonic() - start < 60, path.name
        assert result.document.status == "ok" and "maritime security" in result.passages[0].text
        assert result.document.warnings == ["page 1: content cut after 5000 operators (setting max_page_operators)"]


def test_time_limit_holds_inside_a_page(tmp_path):
    result = ingest_file(hostile.many_rectangles(tmp_path, 40_000), Settings(doc_timeout_s=0.2))
    assert result.document.status == "failed"
    assert "took longer than 0.2 s at page 1 (setting doc_timeout_s)" in result.document.error


def test_stream_size_is_capped(tmp_path):
    path = tmp_path / "big.pdf"
    path.write_bytes(hostile.pdf_bytes(hostile.TEXT + b" " * (3 << 20)))
    result = ingest_file(path, Settings(max_stream_mb=1))
    assert result.document.status == "ok"
    assert result.document.warnings == ["page 1: stream cut at 1 MB (setting max_stream_mb)"]


def test_unreadable_page_is_a_warning_not_a_failed_document(tmp_path, monkeypatch):
    import pipeline.ingest.pdf as pdf

    path = tmp_path / "two-pages.pdf"
    from synth import make_bench_corpus

    (path,) = make_bench_corpus(tmp_path / "synth", 2, seed=5)
    real = pdf._read_page

    def second_page_breaks(page, pno, settings, layout=True):
        if pno == 2:
            raise ValueError("broken content")
        return real(page, pno, settings, layout)

    monkeypatch.setattr(pdf, "_read_page", second_page_breaks)
    document = ingest_file(path).document
    assert document.status == "ok" and document.pages == 2 and document.pages_read == 1
    assert "page 2: unreadable (ValueError: broken content)" in document.warnings


def test_scans_are_skipped_and_unreadable_text_pdfs_fail(tmp_path):
    from synth import make_bad_pdfs

    assert ingest_file(make_bad_pdfs(tmp_path)["scanned"]).document.status == "skipped"
    path = tmp_path / "lost-text.pdf"
    path.write_bytes(hostile.pdf_bytes(b"BT /F1 12 Tf 72 720 Td () Tj ET"))
    document = ingest_file(path).document
    assert document.status == "failed" and "text is drawn" in document.error and "OCR" not in document.error


# -- spreadsheet-safe CSV files, and HTML shown in Markdown ---------------------------------------


@pytest.mark.parametrize("value", ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx", "'=x", "''-x",
                                   "'s-Hertogenbosch", "plain", "", "-", "'"])
def test_formula_cells_are_written_as_text_and_read_back_as_they_were(value):
    written = spreadsheet_cell(value)
    assert not written.startswith(FORMULA_STARTS)
    assert original_cell(written) == value


def test_csv_files_hold_no_formula_and_parquet_the_raw_values(tmp_path):
    frame = pd.DataFrame({"text": ["=HYPERLINK(\"x\")", "@cmd", "fine", "'=quoted"], "page": [1, -2, 3, 4]})
    write_frame(frame, tmp_path / "t.csv", parquet=True)
    assert not any(cell.startswith(FORMULA_STARTS) for cell in csv_cells(tmp_path) if cell != "-2")
    assert read_frame(tmp_path / "t.csv")["text"].tolist() == frame["text"].tolist()
    assert pd.read_parquet(tmp_path / "t.parquet")["text"].tolist() == frame["text"].tolist()


def test_undecodable_bytes_are_written_escaped(tmp_path):
    from pipeline.io import display_name, safe_text

    assert display_name(os.fsdecode(b"/x/coop\xe9ration.txt")) == "coop\\xe9ration.txt"
    assert safe_text("a\ud800b") == "a\\ud800b"
    write_frame(pd.DataFrame({"source": [os.fsdecode(b"\xff.pdf")]}), tmp_path / "n.csv")
    assert read_frame(tmp_path / "n.csv")["source"].tolist() == ["\\xff.pdf"]


def test_audit_markdown_shows_html_as_text():
    from pipeline.audit.report import _code, _md

    assert _md("<script>alert(1)</script> | x") == "&lt;script&gt;alert(1)&lt;/script&gt; \\| x"
    assert "`" not in _code("a`b")[1:-1]


# -- the output folder: commits, stale files, the cache ------------------------------------------


def test_a_cut_commit_is_finished_and_an_unfinished_one_dropped(tmp_path):
    from pipeline.outputs import COMMIT, STAGING, locked

    out = tmp_path / "out"
    (out / STAGING / "tables").mkdir(parents=True)
    (out / "documents.csv").write_text("old\n")
    (out / STAGING / "documents.csv").write_text("new\n")
    (out / STAGING / "tables" / "x.csv").write_text("new\n")
    (out / STAGING / COMMIT).write_text(json.dumps(["documents.csv", "tables/x.csv"]))
    (out / ".passages.csv.abc123.tmp").write_text("half")
    with locked(out):
        pass
    assert (out / "documents.csv").read_text() == "new\n" and (out / "tables" / "x.csv").read_text() == "new\n"
    assert not (out / STAGING).exists() and not list(out.glob(".*.tmp"))
    assert set(json.loads((out / "manifest.json").read_text())["files"]) == {"documents.csv", "tables/x.csv"}
    (out / STAGING).mkdir()
    (out / STAGING / "documents.csv").write_text("newer\n")  # no COMMIT: the run died while writing
    with locked(out):
        pass
    assert (out / "documents.csv").read_text() == "new\n" and not (out / STAGING).exists()


def test_cache_entries_carry_a_checksum(tmp_path):
    from pipeline.cache import ResultStore
    from pipeline.records import Document, IngestResult

    store = ResultStore(tmp_path)
    store.save_ingest("ab" * 16, IngestResult(Document("d" * 16, os.fsdecode(b"\xe9.txt"))))
    assert store.load_ingest("ab" * 16).document.source == os.fsdecode(b"\xe9.txt")
    (entry,) = tmp_path.rglob("*.json")
    entry.write_bytes(entry.read_bytes()[:-5])
    assert not store.has("ab" * 16) and not entry.exists()  # damaged: dropped, to be recomputed


def test_disk_full_and_read_only_folders_are_one_line(tmp_path, monkeypatch, capsys):
    import pipeline.tables

    out = tmp_path / "out"
    out.mkdir()
    (out / "documents.csv").write_text("doc_id,source\n")
    for code, reason in ((errno.ENOSPC, "no space left on the device"), (errno.EROFS, "the file system is read-only")):
        def full(*args, code=code, **kwargs):
            raise OSError(code, os.strerror(code), str(out / "tables" / "x.csv"))

        monkeypatch.setattr(pipeline.tables, "rebuild_tables", full)
        assert main(["tables", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err == f"secmine: cannot write {out / 'tables'}: {reason}\n"


# -- every user error is one line with exit status 2 ---------------------------------------------


@pytest.mark.parametrize("setting, message", [
    ('max_pages = "many"', "setting max_pages: expected a whole number, got 'many'"),
    ("max_pages = 1.5", "setting max_pages: expected a whole number, got 1.5"),
    ("max_chars_per_page = -1", "setting max_chars_per_page: -1 is out of range (at least 1)"),
    ("worker_memory_mb = 10", "setting worker_memory_mb: 10 is out of range (at least 256)"),
    ("doc_timeout_s = 0", "setting doc_timeout_s: 0 is out of range (above 0)"),
    ("max_pages = [", "not a TOML settings file"),
])
def test_bad_settings_are_one_line_exit_2(tmp_path, capsys, setting, message):
    config = tmp_path / "secmine.toml"
    config.write_text(f"[secmine]\n{setting}\n")
    assert main(["ingest", str(GOOD), "--out", str(tmp_path / "out"), "--settings", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"secmine: {config}: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_bad_command_lines_are_one_line_exit_2(tmp_path, capsys):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    cases = [
        (["run", str(GOOD), "--out", str(a_file)], "is a file, not a folder"),
        (["run", str(GOOD), "--out", str(tmp_path / "o"), "--model", str(tmp_path / "nonexistent")], "no such model folder"),
        (["evaluate", "documents", "--gold", str(tmp_path / "nowhere"), str(GOOD)], "no such gold folder"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    for argv in (["run", str(GOOD), "--workers", "-1"], ["ingest", str(GOOD), "--out", "o", "--workers", "x"]):
        with pytest.raises(SystemExit) as usage:
            main(argv)
        assert usage.value.code == 2
        assert capsys.readouterr().err.count("\n") == 1


def test_a_model_folder_the_package_does_not_vouch_for_needs_trust(tmp_path, capsys):
    import shutil

    from pipeline.classify import DEFAULT_MODEL_DIR, MODEL_FILE, check_model

    copy = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, copy)
    check_model(copy)  # the very file the package vouches for, wherever it lies
    card = json.loads((copy / "model_card.json").read_text())
    (copy / MODEL_FILE).write_bytes((copy / MODEL_FILE).read_bytes() + b"\0")
    card["model_sha256"] = __import__("hashlib").sha256((copy / MODEL_FILE).read_bytes()).hexdigest()
    (copy / "model_card.json").write_text(json.dumps(card))  # the folder vouches for itself: not enough
    assert main(["run", str(GOOD), "--out", str(tmp_path / "o"), "--model", str(copy)]) == 2
    assert "pass --trust-model" in capsys.readouterr().err
    check_model(copy, trust=True)


@pytest.mark.parametrize("encoding, data", [
    ("latin-1", "partner,partner_iso3\nCôte d'Ivoire,CIV\n".encode("latin-1")),
    ("utf-16 without BOM", "partner,partner_iso3\n".encode("utf-16-le")),
])
def test_gold_in_another_encoding_names_file_and_line(tmp_path, encoding, data):
    from pipeline.audit import GoldError, load_gold

    (tmp_path / "dialogues.csv").write_bytes(data)
    with pytest.raises(GoldError) as error:
        load_gold(tmp_path)
    assert str(error.value).startswith(f"{tmp_path / 'dialogues.csv'}, line {2 if encoding == 'latin-1' else 1}")


def test_gold_with_a_byte_order_mark_is_decoded(tmp_path):
    from pipeline.scoring import decode_gold

    for encoding in ("utf-16", "utf-8-sig", "utf-32"):
        (tmp_path / "g.csv").write_bytes("partner\nCôte d'Ivoire\n".encode(encoding))
        assert decode_gold(tmp_path / "g.csv") == "partner\nCôte d'Ivoire\n"


def test_broken_gold_stops_the_run_before_any_document(tmp_path, capsys):
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "dialogues.csv").write_bytes(b"partner\n\xe9\n")
    out = tmp_path / "out"
    assert main(["run", str(GOOD), "--out", str(out), "--gold", str(gold)]) == 2
    assert "dialogues.csv, line 2" in capsys.readouterr().err
    assert not (out / ".cache").exists()


# -- the hostile batch, as acceptance runs it ------------------------------------------------------


def test_hostile_batch_through_ingest_and_run(prefect, tmp_path, capsys):
    import shutil

    folder = tmp_path / "in"
    files = hostile.hostile_batch(folder)
    shutil.copy(GOOD, folder)
    names = sorted(os.fsencode(p.name).decode("utf-8", "backslashreplace") for p in [*files, folder / GOOD.name])
    for command in ("ingest", "run"):
        out = tmp_path / command
        start = time.monotonic()
        assert main([command, str(folder), "--out", str(out), "--no-progress"]) == 0
        assert time.monotonic() - start < 300
        documents = read_frame(out / "documents.csv")
        assert sorted(documents["source"]) == names
        assert documents.set_index("source").loc[GOOD.name, "status"] == "ok"
        assert not any(cell.startswith(FORMULA_STARTS) for cell in csv_cells(out)), command
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Data-loss" not in err
    documents = read_frame(tmp_path / "run" / "documents.csv").set_index("source")
    assert "stream data lost" in documents.loc["damaged-stream.pdf", "warnings"]
    passages = read_frame(tmp_path / "run" / "passages.csv")
    assert any(text.startswith("=HYPERLINK") for text in passages["text"])  # read back as it was written


def test_fuzz_corpus_is_reproducible_and_every_file_reads_to_a_status(tmp_path):
    from pipeline.bench import make_fuzz_corpus

    samples = sorted(DOCS.glob("*.pdf"))
    first = make_fuzz_corpus(samples, 12, tmp_path / "a", seed=3)
    again = make_fuzz_corpus(samples, 12, tmp_path / "b", seed=3)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    assert len({p.read_bytes() for p in first} & {p.read_bytes() for p in samples}) == 0  # every file mutated
    for path in first[:6]:
        assert ingest_file(path, Settings(doc_timeout_s=60)).document.status in ("ok", "failed", "skipped")
