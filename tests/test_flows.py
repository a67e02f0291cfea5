"""The Prefect flows: incremental re-runs, failure isolation, interrupted runs, Dask, the hard limits."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "corpus" / "gold"
DOCS = ROOT / "corpus" / "docs"
OUTPUTS = ("documents.csv", "passages.csv", "source_tables.jsonl", "mentions.csv", "domains.csv", "cooperation.csv")
TABLES = ("joint_statements.csv", "cooperation_elements.csv", "dialogues.csv", "partnerships.csv")

TEXTS = {
    "japan-brief.md": """# EU-Japan security partnership

The EU and Japan signed the Strategic Partnership Agreement in 2018. Since then, the EEAS and
the Japanese foreign ministry have held a yearly security and defence dialogue, most recently in
May 2024, covering maritime security and cyber security.

## Maritime security

Japan contributes to Operation Atalanta off the Horn of Africa and trains with EU naval forces.
""",
    "canada-note.txt": """EU-Canada cooperation on crisis management

Canada has taken part in several CSDP missions under the Framework Participation Agreement
signed in 2005. Europol and the Royal Canadian Mounted Police exchange information on organised
crime and terrorism.
""",
}
EXTRA = ("india-note.txt", """EU-India dialogue

The EU and India held their first maritime security dialogue in 2021 and agreed in 2023 to
cooperate on counter-piracy in the Indian Ocean.
""")


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def snapshot(out: Path) -> dict[str, bytes]:
    """Every per-document output and table, byte for byte (documents.csv without the input's folder)."""
    files = {name: (out / name).read_bytes() for name in (*OUTPUTS, *(f"tables/{t}" for t in TABLES))}
    files["documents.csv"] = repr([{k: v for k, v in row.items() if k != "path"}
                                   for row in read_csv(out / "documents.csv")]).encode()
    return files


def cache_files(out: Path) -> dict[str, int]:
    """The per-document cache entries, with their modification times."""
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns
            for kind in ("ingest", "documents") for p in (out / ".cache" / kind).rglob("*.json")}


@pytest.fixture(scope="module")
def small_pdf(tmp_path_factory) -> Path:
    """A generated two-page PDF (its markup source stays in another folder)."""
    from synth import make_bench_corpus

    build = tmp_path_factory.mktemp("synth")
    (pdf,) = make_bench_corpus(build, 2, seed=3)
    return pdf


def write_corpus(folder: Path, pdf: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    shutil.copy(pdf, folder / "generated-brief.pdf")
    return folder


@pytest.fixture(scope="module")
def baseline(prefect, tmp_path_factory, small_pdf) -> Path:
    """The outputs (and cache) of one default run over the three-document corpus."""
    folder = tmp_path_factory.mktemp("baseline")
    out = folder / "out"
    report = run(write_corpus(folder / "in", small_pdf), out)
    assert sorted(report.processed) == sorted([*TEXTS, "generated-brief.pdf"]) and report.cached == 0
    return out


@pytest.fixture()
def corpus(tmp_path, small_pdf) -> Path:
    return write_corpus(tmp_path / "in", small_pdf)


@pytest.fixture()
def previous(baseline, tmp_path) -> Path:
    """A copy of the baseline's output folder: the corpus was run into it before."""
    return Path(shutil.copytree(baseline, tmp_path / "out"))


def run(corpus: Path, out: Path, **options):
    return run_many([corpus], out, **options)


def run_many(inputs: list[Path], out: Path, **options):
    from pipeline.flows import run as run_pipeline

    return run_pipeline(inputs, out, progress=False, **options)


def test_process_document_works_without_prefect(corpus):
    from pipeline.stages import process_document

    records = process_document(corpus / "japan-brief.md")
    assert records.document.status == "ok" and records.passages
    assert ("PARTNER", "Japan") in {(m.label, m.canonical) for m in records.mentions}
    assert len(records.scores) == 9 * len(records.passages)


def test_rerun_of_unchanged_corpus_processes_nothing(corpus, previous):
    before, entries = snapshot(previous), cache_files(previous)
    report = run(corpus, previous)
    assert report.processed == [] and report.cached == 3
    assert snapshot(previous) == before
    assert cache_files(previous) == entries  # nothing re-written either
    assert {d["status"] for d in read_csv(previous / "documents.csv")} == {"ok"}


def test_new_document_is_the_only_one_processed(corpus, previous):
    (corpus / EXTRA[0]).write_text(EXTRA[1], encoding="utf-8")
    report = run(corpus, previous)
    assert report.processed == [EXTRA[0]] and report.cached == 3
    documents = read_csv(previous / "documents.csv")
    assert sorted(d["source"] for d in documents) == sorted([*TEXTS, "generated-brief.pdf", EXTRA[0]])
    india = next(d["doc_id"] for d in documents if d["source"] == EXTRA[0])
    assert any(m["doc_id"] == india and m["canonical"] == "India" for m in read_csv(previous / "mentions.csv"))


def test_settings_or_rules_change_reprocesses(corpus, previous, monkeypatch):
    from pipeline import cache

    out = previous
    changed = {"max_chars_per_page": 50_000}
    assert len(run(corpus, out, settings=changed).processed) == 3
    # The audit's thresholds do not shape a document's records: nothing to redo.
    assert run(corpus, out, settings={**changed, "audit_title_threshold": 80.0}).processed == []

    # A rule file or the model changes: extraction runs again on the stored passages; no file is re-read.
    ingest_entries = {k: v for k, v in cache_files(out).items() if "/ingest/" in k}
    import pipeline.process

    current = pipeline.process.code_versions
    monkeypatch.setattr(pipeline.process, "code_versions", lambda model_dir: (current(model_dir)[0], "edited-rules"))
    report = run(corpus, out, settings=changed)
    assert len(report.processed) == 3
    assert {k: v for k, v in cache_files(out).items() if "/ingest/" in k} == ingest_entries


def test_rule_file_edit_changes_the_document_key(tmp_path, monkeypatch):
    from pipeline import cache, versions
    from pipeline.settings import Settings

    package = tmp_path / "pipeline"
    shutil.copytree(versions.PACKAGE / "resources", package / "resources")
    monkeypatch.setattr(versions, "PACKAGE", package)
    before = versions.code_versions(ROOT / "models")
    with open(package / "resources" / "organisations.csv", "a", encoding="utf-8") as handle:
        handle.write("\n")
    after = versions.code_versions(ROOT / "models")
    assert before[0] == after[0] and before[1] != after[1]
    assert cache.document_settings_fingerprint(Settings()) != cache.document_settings_fingerprint(Settings(max_pages=10))


def test_bad_files_are_listed_and_good_ones_processed(prefect, corpus, previous, capsys):
    from pipeline.cli import main
    from synth import make_bad_pdfs

    bad = make_bad_pdfs(corpus)
    out = previous
    assert main(["run", str(corpus), "--out", str(out), "--no-progress"]) == 0
    rows = {r["source"]: r for r in read_csv(out / "documents.csv")}
    err = capsys.readouterr().err
    assert rows["scanned.pdf"]["status"] == "skipped"
    for name in ("encrypted.pdf", "truncated.pdf", "empty.pdf", "not-really.pdf"):
        assert rows[name]["status"] == "failed" and rows[name]["error"].startswith(name + ": ")
        assert name in err
    assert all(rows[name]["status"] == "ok" for name in [*TEXTS, "generated-brief.pdf"])
    assert len(rows) == len(bad) + 3
    # Failed documents are not stored as done: the next run tries them again, and only them.
    from pipeline.flows import run as run_pipeline

    again = run_pipeline([corpus], out, progress=False)
    assert sorted(again.processed) == sorted(["encrypted.pdf", "truncated.pdf", "empty.pdf", "not-really.pdf"])


def test_interrupted_run_keeps_previous_outputs(corpus, previous, monkeypatch):
    import pipeline.outputs

    out = previous
    before = snapshot(out)
    (corpus / EXTRA[0]).write_text(EXTRA[1], encoding="utf-8")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed while writing the outputs")

    monkeypatch.setattr(pipeline.outputs, "write_facts", killed)
    with pytest.raises(KeyboardInterrupt):
        run(corpus, out)
    monkeypatch.undo()
    # Nothing of the interrupted run reached the folder: its files are committed together or not at all.
    assert snapshot(out) == before
    assert not list(out.glob(".*.tmp"))
    report = run(corpus, out)
    assert report.processed == []  # the new document was stored before the interruption
    assert EXTRA[0] in {d["source"] for d in read_csv(out / "documents.csv")}
    assert not (out / ".staging").exists() and (out / "manifest.json").exists()


def test_damaged_cache_entries_are_recomputed(corpus, previous):
    """An entry cut short, or edited into `{}`, fails its checksum: that document is done again."""
    before = snapshot(previous)
    ingest_entry = sorted((previous / ".cache" / "ingest").rglob("*.json"))[0]
    ingest_entry.write_bytes(ingest_entry.read_bytes()[:200])
    analysis_entry = sorted((previous / ".cache" / "documents").rglob("*.json"))[-1]
    analysis_entry.write_text("{}")
    report = run(corpus, previous)
    assert len(report.processed) in (1, 2) and report.cached == 3 - len(report.processed)
    assert all(d.status == "ok" for d in report.documents)
    assert snapshot(previous) == before


def test_ingest_goes_through_the_run_path_and_shares_its_cache(prefect, corpus, tmp_path, capsys):
    from pipeline.cli import main

    out = tmp_path / "out"
    assert main(["ingest", str(corpus), "--out", str(out), "--no-progress"]) == 0
    assert "3/3 documents read (3 processed, 0 unchanged)" in capsys.readouterr().out
    assert not (out / "mentions.csv").exists() and (out / "passages.csv").exists()
    ingested = {k: v for k, v in cache_files(out).items() if "/ingest/" in k}
    assert len(ingested) == 3
    report = run(corpus, out)  # the analysis runs on the stored passages: no file is read again
    assert len(report.processed) == 3
    assert {k: v for k, v in cache_files(out).items() if "/ingest/" in k} == ingested


def test_a_second_run_on_the_same_folder_fails_at_once(prefect, corpus, tmp_path, capsys):
    from pipeline.cli import main

    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pipeline.outputs import locked\n"
         f"with locked({str(out)!r}):\n    print('held', flush=True)\n    time.sleep(120)"],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        assert main(["run", str(corpus), "--out", str(out), "--no-progress"]) == 2
        assert time.monotonic() - start < 30
        err = capsys.readouterr().err.strip()
        assert f"PID {holder.pid}" in err and "in use by another secmine run" in err and len(err.splitlines()) == 1
    finally:
        holder.kill()
        holder.wait()
    assert main(["run", str(corpus), "--out", str(out), "--no-progress"]) == 0  # the lock died with its holder


@pytest.mark.slow
def test_killed_run_leaves_outputs_readable(corpus, previous):
    """A real `secmine run` killed with SIGKILL while documents are being processed."""
    from prefect.settings import PREFECT_API_URL

    out = previous
    before = snapshot(out)
    documents = lambda: {k for k in cache_files(out) if "/documents/" in k}
    stored = documents()
    (corpus / EXTRA[0]).write_text(EXTRA[1], encoding="utf-8")
    pdfs = [DOCS / "eu-strategic-partners-review-2017.pdf"]  # the longest: still running at the kill
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_API_URL": PREFECT_API_URL.value()}
    command = [sys.executable, "-m", "pipeline.cli", "run", str(corpus), *map(str, pdfs), "--out", str(out), "--no-progress"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while documents() == stored and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert process.poll() is None, f"the run ended before it could be killed: {process.stderr.read().decode()[-2000:]}"
        os.killpg(process.pid, signal.SIGKILL)  # the CLI and its worker processes
    finally:
        process.wait()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    kept = len(documents() - stored)
    assert kept == 1
    assert snapshot(out) == before
    report = run_many([corpus, *pdfs], out)
    assert report.cached == 3 + kept  # what the killed run stored is kept
    assert report.processed == [pdfs[0].name]
    assert [d.status for d in report.documents] == ["ok"] * 5


@pytest.mark.slow
def test_dask_with_two_workers_gives_the_same_outputs(corpus, baseline, tmp_path):
    out = tmp_path / "dask"
    report = run(corpus, out, task_runner="dask", workers=2)
    assert len(report.processed) == 3
    assert snapshot(out) == snapshot(baseline)


def test_hard_time_limit_fails_the_document_and_it_is_retried(prefect, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / EXTRA[0]).write_text(EXTRA[1], encoding="utf-8")
    out = tmp_path / "out"
    report = run(folder, out, settings={"worker_timeout_s": 0.001})
    (document,) = report.documents
    assert document.status == "failed" and "timeout after 0.001 s" in document.error
    assert document.error.startswith(EXTRA[0] + ": ")
    assert [d.status for d in run(folder, out).documents] == ["ok"]  # a fresh worker, and it is retried


def test_worker_pool_kills_calls_past_their_limits():
    from pipeline.isolate import WorkerLost, WorkerPool

    pool = WorkerPool(1, memory_mb=300)
    try:
        start = time.monotonic()
        with pytest.raises(WorkerLost, match="timeout after 0.5 s"):
            pool.call(time.sleep, (60,), timeout=0.5)
        assert time.monotonic() - start < 10
        assert pool.call(divmod, (7, 2), timeout=30) == (3, 1)  # a fresh worker took over
        with pytest.raises(ZeroDivisionError):
            pool.call(divmod, (1, 0), timeout=30)
        with pytest.raises(WorkerLost, match="worker crashed: exit status 3"):
            pool.call(os._exit, (3,), timeout=30)
        with pytest.raises(WorkerLost, match="memory limit 300 MB"):
            pool.call(bytearray, (2 * 2**30,), timeout=60)
        assert pool.call(divmod, (9, 4), timeout=30) == (2, 1)
    finally:
        pool.stop()


def test_audit_after_tables_and_audit_command(prefect, tmp_path):
    from prefect.client.orchestration import get_client

    from pipeline.cli import main
    from pipeline.flows import run as run_pipeline

    out = tmp_path / "out"
    report = run_pipeline([DOCS / "eu-canada-joint-statement-2025.html"], out, gold=GOLD, progress=False)
    assert report.audit is not None and (out / "audit" / "audit.json").exists()
    with get_client(sync_client=True) as client:
        artifacts = client.read_latest_artifacts()
    assert "secmine-audit" in {a.key for a in artifacts}
    assert main(["audit", "--gold", str(GOLD), "--out", str(out), "--min-f1", "0"]) == 0
    assert main(["audit", "--gold", str(GOLD), "--out", str(out), "--min-f1", "1.01"]) == 3


def test_usage_errors_exit_2_before_any_work(tmp_path, monkeypatch, capsys):
    from pipeline.cli import main

    (tmp_path / "notes.docx").write_text("not an input")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    out = str(tmp_path / "out")
    assert main(["run", str(tmp_path / "missing"), "--out", out]) == 2
    assert main(["run", str(tmp_path), "--out", out]) == 2  # no .pdf/.txt/.md/.html in it
    assert main(["run", str(DOCS), "--out", out, "--dask-address", "tcp://127.0.0.1:8786"]) == 2
    with pytest.raises(SystemExit) as usage:
        main(["run", str(DOCS), "--out", out, "--workers", "0"])
    assert usage.value.code == 2
    assert main(["audit", "--gold", str(GOLD), "--out", out]) == 2  # no run in it
    assert main(["serve"]) == 2
    assert not (tmp_path / "out").exists()
    assert "PREFECT_API_URL" in capsys.readouterr().err


def test_a_script_without_a_main_guard_gets_documents_that_say_so(tmp_path):
    """Workers are fresh Pythons that import the calling script first: one that runs secmine at
    its top level cannot start them, and each document says how to fix it."""
    (tmp_path / "note.txt").write_text(EXTRA[1], encoding="utf-8")
    script = tmp_path / "unguarded.py"
    script.write_text("from pipeline.process import run_without_prefect\n"
                      f"run_without_prefect([{str(tmp_path / 'note.txt')!r}], {str(tmp_path / 'out')!r})\n", encoding="utf-8")
    subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, timeout=300,
                   env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    (row,) = csv.DictReader(io.StringIO((tmp_path / "out" / "documents.csv").read_text(encoding="utf-8")))
    assert row["status"] == "failed" and 'under `if __name__ == "__main__":`' in row["error"]


def test_shared_pool_is_replaced_when_code_or_models_change():
    from pipeline.isolate import shared_pool, stop_shared_pool

    first = shared_pool(2, (divmod, (4, 2)))
    assert shared_pool(1, (divmod, (4, 2))) is first  # big enough, same models
    second = shared_pool(1, (divmod, (5, 2)))
    assert second is not first and not first.pool.active
    assert second.call(divmod, (7, 2), timeout=30) == (3, 1)
    assert shared_pool(2, (divmod, (5, 2))) is not second  # grown
    stop_shared_pool()


def test_a_deployment_run_plans_inside_the_flow(prefect, tmp_path):
    """`secmine serve` runs `run_flow` from its parameters alone: it plans, locks and commits itself."""
    from pipeline.flows import run_flow

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / EXTRA[0]).write_text(EXTRA[1], encoding="utf-8")
    report = run_flow([str(folder)], str(tmp_path / "out"), workers=1, progress=False)
    assert report.processed == [EXTRA[0]] and (tmp_path / "out" / "manifest.json").exists()
    assert not (tmp_path / "out" / ".staging").exists()
