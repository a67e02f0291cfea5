"""Documents through the stages in killable workers, and the planning that makes runs incremental.

``plan_documents`` keys each input (``pipeline/cache.py``); ``run_isolated`` does a document's
missing work (``run_job``) in a worker (``pipeline/isolate.py``) that stores the result at once;
``run`` is ``secmine run`` and ``ingest``: checks, lock, one plan, then the flow (``pipeline/flows.py``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.cache import CACHE_DIR, ResultStore, code_versions, document_key, ingest_key
from pipeline.io import display_name, file_hash, safe_text
from pipeline.records import Document
from pipeline.settings import Settings
from pipeline.stages import DocumentRecords, analyse_document, warm_up


@dataclass(frozen=True)
class DocumentJob:
    """One input file with its cache keys and what processing it needs."""

    path: str
    name: str  # the file name as it is shown: undecodable bytes escaped
    sha256: str
    ingest_key: str
    key: str
    settings: dict[str, Any]
    model_dir: str
    cache_dir: str
    analyse: bool = True
    trust_model: bool = False
    code_version: str = ""


@dataclass
class DocumentOutcome:
    """What became of one job: the Document (status and error) and the time it took."""

    job: DocumentJob
    document: Document
    seconds: float = 0.0
    cached: bool = False


class Plan:
    """A run's jobs in input order, and those not stored yet (not sent to Prefect's API: no __dict__)."""

    __slots__ = ("jobs", "todo")

    def __init__(self, jobs: list[DocumentJob]):
        stored = [ResultStore(j.cache_dir).has_document(j.ingest_key, j.key) if j.analyse
                  else ResultStore(j.cache_dir).has_ingest(j.key) for j in jobs]  # failed documents never are
        self.jobs, self.todo = jobs, [j for j, done in zip(jobs, stored) if not done]

    def outcomes(self, done: dict[int, DocumentOutcome]) -> list[DocumentOutcome]:
        return [done.get(id(j)) or DocumentOutcome(j, Document(j.sha256[:16], j.name), cached=True) for j in self.jobs]

    def start_workers(self, workers: int) -> int:
        """Start the workers the jobs to do need (at most ``workers``): they load the models while
        the caller goes on. Returns how many."""
        workers = max(1, min(workers, len(self.todo)))
        if self.todo:
            worker_pool(self.todo[0], workers).start(workers)
        return workers


def plan_documents(paths: list[Path], out_dir: str | Path, settings: Settings, model_dir: str | Path | None = None,
                   analyse: bool = True, trust_model: bool = False) -> Plan:
    """A job per file, keyed on the file's bytes, the settings and the code version."""
    from pipeline.classify import DEFAULT_MODEL_DIR

    model_dir = str(Path(model_dir or DEFAULT_MODEL_DIR))
    versions, jobs = code_versions(model_dir), []
    for path in map(Path, paths):
        name, sha = display_name(path), file_hash(path)
        ingest = ingest_key(sha, name, settings, versions)
        jobs.append(DocumentJob(str(path), name, sha, ingest, document_key(ingest, versions) if analyse else ingest,
                                settings.to_dict(), model_dir, str(Path(out_dir) / CACHE_DIR), analyse, trust_model,
                                ":".join(versions)))
    return Plan(jobs)


def run_job(job: DocumentJob) -> Document:
    """Do and store whatever the job's document still needs; never raises for a bad document."""
    from pipeline.classify import load_model
    from pipeline.ingest import ingest_file

    store = ResultStore(job.cache_dir)
    result = store.load_ingest(job.ingest_key)
    if result is None:
        result = ingest_file(job.path, Settings.resolve(job.settings))
        result.document = named(result.document, job)
        if result.document.status == "failed":
            return result.document
        store.save_ingest(job.ingest_key, result)
    if job.analyse:
        try:
            analysis = analyse_document(result, load_model(Path(job.model_dir), trust=job.trust_model))
        except Exception as exc:  # one document's bug must not stop the batch; it is retried next run
            return failed_document(job, f"extraction failed: {type(exc).__name__}: {exc}")
        store.save_analysis(job.key, *analysis)
    return result.document


def named(document: Document, job: DocumentJob) -> Document:
    """The document under this job's file name and path, every text field writable as UTF-8."""
    return document.replace(source=job.name, path=safe_text(job.path), title=safe_text(document.title),
                            error=safe_text(document.error), warnings=[safe_text(w) for w in document.warnings])


def failed_document(job: DocumentJob, reason: str) -> Document:
    """A failed Document for a job whose work did not finish; the error names the file."""
    return Document(doc_id=job.sha256[:16], source=job.name, title=Path(job.name).stem, status="failed",
                    error=f"{job.name}: {' '.join(reason.split())}", path=safe_text(job.path),
                    format=Path(job.name).suffix.lower().lstrip("."), sha256=job.sha256)


def worker_pool(job: DocumentJob, size: int):
    """The process's worker pool for jobs like ``job``: same models, code and memory limit."""
    from pipeline.isolate import shared_pool

    warm = (warm_up, (job.model_dir if job.analyse else None, job.trust_model, job.code_version))
    return shared_pool(size, warm, Settings.resolve(job.settings).worker_memory_mb)


def run_isolated(job: DocumentJob, pool_size: int = 1) -> DocumentOutcome:
    """``run_job`` in a worker killed past the job's time or memory limit; a document so stopped
    comes back failed with the reason (and is not stored), and a fresh worker takes the next."""
    from pipeline.isolate import CallFailed, WorkerLost

    start = time.perf_counter()
    try:
        document = worker_pool(job, pool_size).call(run_job, (job,), Settings.resolve(job.settings).worker_timeout_s)
    except WorkerLost as exc:
        document = failed_document(job, f"{exc} (settings worker_timeout_s, worker_memory_mb)")
    except CallFailed as exc:
        document = failed_document(job, f"unexpected {exc}")
    return DocumentOutcome(job, document, time.perf_counter() - start)


def collect_records(outcomes: list[DocumentOutcome]) -> list[DocumentRecords]:
    """Every document's records, in the outcomes' order: failed ones as their Document only."""
    from pipeline.facts.document import describe_document

    collected = []
    for outcome in outcomes:
        job, store = outcome.job, ResultStore(outcome.job.cache_dir)
        result = store.load_ingest(job.ingest_key) if outcome.document.status != "failed" else None
        analysis = store.load_analysis(job.key) if job.analyse and result else ([], [], [])
        if outcome.document.status == "failed":
            collected.append(DocumentRecords(outcome.document))
        elif result is None or analysis is None:
            collected.append(DocumentRecords(failed_document(job, "its stored results were damaged; run again")))
        else:  # the stored Document may come from a copy of the file elsewhere: name this one
            document = named(result.document, job)
            if job.analyse and document.status == "ok":  # type and signatories read again (no parse needed)
                profile = describe_document(result, analysis[0])
                document = document.replace(doc_type=profile.doc_type, signatories=profile.signatory_names)
            collected.append(DocumentRecords(document, result.passages, result.tables, *analysis))
    return collected


def run(inputs: list[str | Path], out: str | Path, *, gold: str | Path | None = None,
        settings: Settings | dict | str | Path | None = None, model_dir: str | Path | None = None,
        trust_model: bool = False, parquet: bool = False, task_runner: str = "default", workers: int = 2,
        dask_address: str | None = None, analyse: bool = True, progress: bool = True):
    """``secmine run`` (``ingest`` with ``analyse=False``): every check before any document; then
    Prefect's server boots, the workers load the models and this process imports Prefect, at once."""
    from pipeline.classify import DEFAULT_MODEL_DIR, check_model
    from pipeline.ingest import find_inputs
    from pipeline.outputs import locked
    from pipeline.server import TemporaryServer, configured_api

    start = time.perf_counter()
    if workers < 1 or task_runner not in ("default", "dask"):
        raise ValueError(f"--workers must be at least 1 (not {workers}); --task-runner default or dask (not {task_runner})")
    resolved, paths = Settings.resolve(settings), find_inputs(inputs)
    if not paths:
        raise ValueError(f"no .pdf, .txt, .md or .html files in {' '.join(map(str, inputs))}")
    if gold is not None:
        from pipeline.audit import load_gold

        load_gold(gold)  # a broken gold file stops the run before any document is read
    if analyse:
        check_model(Path(model_dir or DEFAULT_MODEL_DIR), trust=trust_model, spacy=True)
    with locked(out):
        if not configured_api():
            TemporaryServer.start()
        plan = plan_documents(paths, out, resolved, model_dir, analyse, trust_model)
        workers = min(workers, max(1, len(plan.todo)))  # a small batch needs few workers
        if task_runner == "default":
            plan.start_workers(workers)
        if analyse and plan.todo:  # the tables stage's libraries, loaded while this process waits
            threading.Thread(target=_import, args=("pipeline.tables", "openpyxl", "matplotlib.pyplot"), daemon=True).start()
        planned = time.perf_counter() - start
        from pipeline.flows import run_planned  # imports Prefect

        imported = time.perf_counter() - start - planned
        report = run_planned(plan, task_runner, workers, dask_address, inputs=[str(p) for p in inputs], out=str(out),
                             gold=str(gold) if gold else None, settings=resolved.to_dict(), analyse=analyse,
                             model_dir=str(model_dir) if model_dir else None, trust_model=trust_model, parquet=parquet,
                             progress=progress)
    report.timings = {"plan": planned, "import_prefect": imported, **report.timings, "total": time.perf_counter() - start}
    return report


def _import(*modules: str) -> None:
    import importlib

    import matplotlib

    matplotlib.use("Agg")  # as the tables stage does: no display
    for module in modules:
        importlib.import_module(module)


def run_without_prefect(paths: list[Path], out: str | Path, settings: Settings | None = None,
                        model_dir: str | Path | None = None, trust_model: bool = False, workers: int = 1,
                        meanwhile=None) -> list[DocumentRecords]:
    """Every file through the per-document stages in isolated workers, and the record files written
    to ``out`` (no tables, no Prefect): for evaluations that need a run's outputs fast. ``meanwhile``
    (say, reading the gold) runs here while the workers load the models."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.outputs import write_run_outputs

    plan = plan_documents(paths, out, Settings.resolve(settings), model_dir, trust_model=trust_model)
    workers = plan.start_workers(workers)
    if meanwhile is not None:
        meanwhile()
    with ThreadPoolExecutor(workers) as threads:
        done = {id(o.job): o for o in threads.map(lambda job: run_isolated(job, workers), plan.todo)}
    records = collect_records(plan.outcomes(done))
    write_run_outputs(records, out)
    return records
