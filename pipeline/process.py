"""One document through every per-document stage, and the bookkeeping that makes runs incremental.

``process_document`` is the chain ingest → extract → classify → facts as plain functions, usable
without Prefect. ``plan_documents`` gives each input its cache keys (``pipeline/cache.py``);
``run_job`` does one document's missing work and stores it; ``collect_records`` reads every
document's records back, in input order, for the output files.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.cache import (
    CACHE_DIR,
    CodeVersions,
    ResultStore,
    document_key,
    file_hash,
    ingest_key,
)
from pipeline.records import Document, Fact, IngestResult, Mention, Passage, SourceTable
from pipeline.settings import Settings


@dataclass
class DocumentRecords:
    """Everything the per-document stages produce for one input file."""

    document: Document
    passages: list[Passage] = field(default_factory=list)
    tables: list[SourceTable] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    scores: list = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)


def default_model_dir() -> Path:
    from pipeline.classify import DEFAULT_MODEL_DIR

    return Path(DEFAULT_MODEL_DIR)


def analyse_document(result: IngestResult, model) -> tuple[list[Mention], list, list[Fact]]:
    """Mentions, domain scores and cooperation facts of one ingested document."""
    from pipeline.classify import classify_passages
    from pipeline.extract import extract_document
    from pipeline.facts import extract_facts
    from pipeline.facts.document import describe_document

    if result.document.status != "ok":
        return [], [], []
    mentions = extract_document(result)
    profile = describe_document(result, mentions)  # the document's type decides its passages' thresholds
    scores = classify_passages(result.passages, model, profile)
    facts = extract_facts(result, mentions, scores)
    return mentions, scores, facts


def process_document(path: str | Path, settings: Settings | None = None, model_dir: str | Path | None = None) -> DocumentRecords:
    """One file through ingest, extract, classify and facts; a bad file gives a failed Document."""
    from pipeline.classify import load_model
    from pipeline.ingest import ingest_file

    result = ingest_file(path, Settings.resolve(settings))
    mentions, scores, facts = analyse_document(result, load_model(Path(model_dir or default_model_dir())))
    return DocumentRecords(result.document, result.passages, result.tables, mentions, scores, facts)


def warm_up(model_dir: str, code_version: str = "") -> None:
    """Load spaCy and the classifier (once per process) before the first document arrives.

    ``code_version`` is not used here: it tells worker pools of different code or models apart.
    """
    import pipeline.ingest.pdf
    import pipeline.ingest.textdoc  # noqa: F401
    from pipeline.classify import load_model
    from pipeline.extract.nlp import load_nlp

    load_nlp()
    load_model(Path(model_dir))


def hard_timeout_s(settings: Settings) -> float:
    """The wall-clock limit after which a document's worker is killed.

    Ingestion stops itself after ``doc_timeout_s`` (checked between pages); extraction and
    classification get as long again, plus a minute for loading the models in a new worker.
    """
    return 2 * settings.doc_timeout_s + 60


@dataclass(frozen=True)
class DocumentJob:
    """One input file with its cache keys and what processing it needs."""

    path: str
    name: str
    sha256: str
    ingest_key: str
    key: str
    settings: dict[str, Any]
    model_dir: str
    cache_dir: str
    timeout_s: float
    analyse: bool = True
    code_version: str = ""


@dataclass
class DocumentOutcome:
    """What became of one job: the Document (status and error) and the time it took."""

    job: DocumentJob
    document: Document
    seconds: float = 0.0
    cached: bool = False


def plan_documents(paths: list[Path], out_dir: str | Path, settings: Settings, model_dir: str | Path | None = None,
                   analyse: bool = True) -> list[DocumentJob]:
    """A job per file, in input order, keyed on the file's bytes, the settings and the code version."""
    model_dir = str(Path(model_dir or default_model_dir()))
    versions = CodeVersions.current(model_dir)
    cache_dir = str(Path(out_dir) / CACHE_DIR)
    jobs = []
    for path in paths:
        path = Path(path)
        sha = file_hash(path)
        ingest = ingest_key(sha, path.name, settings, versions)
        key = document_key(ingest, versions) if analyse else ingest
        jobs.append(DocumentJob(str(path), path.name, sha, ingest, key, settings.to_dict(), model_dir, cache_dir,
                                hard_timeout_s(settings), analyse, f"{versions.ingest}:{versions.analysis}"))
    return jobs


def is_done(job: DocumentJob) -> bool:
    """Whether the job's results are already stored (failed documents never are)."""
    store = ResultStore(job.cache_dir)
    if job.analyse:
        return store.has_document(job.ingest_key, job.key)
    return store.has_ingest(job.ingest_key)


def run_job(job: DocumentJob) -> DocumentOutcome:
    """Do and store whatever the job's document still needs; never raises for a bad document."""
    from pipeline.classify import load_model
    from pipeline.ingest import ingest_file

    start = time.perf_counter()
    store = ResultStore(job.cache_dir)
    result = store.load_ingest(job.ingest_key)
    if result is None:
        result = ingest_file(job.path, Settings.resolve(job.settings))
        if result.document.status == "failed":
            return DocumentOutcome(job, result.document, time.perf_counter() - start)
        store.save_ingest(job.ingest_key, result)
    if job.analyse:
        try:
            mentions, scores, facts = analyse_document(result, load_model(Path(job.model_dir)))
        except Exception as exc:  # one document's bug must not stop the batch; it is retried next run
            return DocumentOutcome(job, failed_document(job, f"extraction failed: {type(exc).__name__}: {exc}"),
                                   time.perf_counter() - start)
        store.save_analysis(job.key, mentions, scores, facts)
    return DocumentOutcome(job, result.document, time.perf_counter() - start)


def failed_document(job: DocumentJob, reason: str) -> Document:
    """A failed Document for a job whose work did not finish; the error names the file."""
    return Document(doc_id=job.sha256[:16], source=job.name, title=Path(job.name).stem, status="failed",
                    error=f"{job.name}: {' '.join(reason.split())}", path=job.path, format=Path(job.name).suffix.lower().lstrip("."),
                    sha256=job.sha256)


def cached_outcome(job: DocumentJob) -> DocumentOutcome:
    return DocumentOutcome(job, Document(doc_id=job.sha256[:16], source=job.name, path=job.path), cached=True)


def collect_records(outcomes: list[DocumentOutcome]) -> list[DocumentRecords]:
    """Every document's records, in the outcomes' order: failed ones as their Document only."""
    collected = []
    for outcome in outcomes:
        job = outcome.job
        if outcome.document.status == "failed":
            collected.append(DocumentRecords(outcome.document))
            continue
        store = ResultStore(job.cache_dir)
        result = store.load_ingest(job.ingest_key)
        analysis = store.load_analysis(job.key) if job.analyse else ([], [], [])
        if result is None or analysis is None:
            collected.append(DocumentRecords(failed_document(job, "its stored results went missing; run again")))
            continue
        # The stored Document may come from a copy of the file elsewhere: name this one; its type
        # and signatories are read again from its passages and mentions (no parse needed).
        document = result.document.replace(path=job.path, source=job.name)
        if job.analyse and document.status == "ok":
            from pipeline.facts.document import describe_document

            profile = describe_document(result, analysis[0])
            document = document.replace(doc_type=profile.doc_type, signatories=profile.signatory_names)
        collected.append(DocumentRecords(document, result.passages, result.tables, *analysis))
    return collected


def _warm_up_call(job: DocumentJob) -> tuple:
    return (warm_up, (job.model_dir, job.code_version))


def start_workers(count: int, pool_size: int, job: DocumentJob) -> None:
    """Start ``count`` worker processes now, so that they load the models while the run sets up."""
    from pipeline.isolate import shared_pool

    shared_pool(pool_size, _warm_up_call(job)).start(count)


def run_isolated(job: DocumentJob, pool_size: int = 1) -> DocumentOutcome:
    """``run_job`` in a worker process that is killed when the job passes its hard time limit.

    A document that times out or kills its worker comes back failed, with the reason, and is not
    stored, so the next run tries it again.
    """
    from pipeline.isolate import CallFailed, CallTimeout, WorkerLost, shared_pool

    pool = shared_pool(pool_size, _warm_up_call(job))
    start = time.perf_counter()
    try:
        return pool.call(run_job, (job,), job.timeout_s)
    except CallTimeout:
        reason = f"stopped after {job.timeout_s:.0f} s, the hard time limit (2 x doc_timeout_s + 60 s)"
    except CallFailed as exc:
        reason = f"unexpected {exc}"
    except WorkerLost as exc:
        reason = str(exc)
    return DocumentOutcome(job, failed_document(job, reason), time.perf_counter() - start)


def run_in_process(paths: list[Path], out: str | Path, settings: Settings | None = None,
                   model_dir: str | Path | None = None) -> list[DocumentRecords]:
    """Every file through the per-document stages in this process, and the record files written
    to ``out`` (no tables, no cache, no Prefect): for evaluations that need a run's outputs fast."""
    from pipeline.outputs import write_run_outputs

    records = [process_document(path, settings, model_dir) for path in paths]
    write_run_outputs(records, out)
    return records
