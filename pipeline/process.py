"""Documents through the stages in killable workers, and the planning that makes runs incremental:
``Plan`` keys each input (``pipeline/cache.py``); ``run_isolated`` does a document's missing work
(``run_job``) in a worker (``pipeline/isolate.py``) that stores it at once; ``run`` is ``secmine run``
and ``ingest``: checks, lock, one plan, Prefect's server, then the flow (``pipeline/flows.py``)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.cache import CACHE_DIR, ResultStore, document_key, ingest_key
from pipeline.ingest import find_inputs, ingest_file
from pipeline.io import display_name, file_hash, safe_text
from pipeline.outputs import locked, write_run_outputs
from pipeline.records import Document
from pipeline.settings import Settings
from pipeline.stages import DocumentRecords, analyse_document, warm_up
from pipeline.versions import code_versions


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
    """A run's jobs in input order, each keyed on its file's bytes, the settings and the code version,
    and those not stored yet (failed documents never are). Not sent to Prefect's API: no __dict__."""

    __slots__ = ("jobs", "todo")

    def __init__(self, paths: list[Path], out_dir: str | Path, settings: Settings, model_dir: str | Path | None = None,
                 analyse: bool = True, trust_model: bool = False):
        from pipeline.classify import DEFAULT_MODEL_DIR

        model_dir, store = str(Path(model_dir or DEFAULT_MODEL_DIR)), ResultStore(Path(out_dir) / CACHE_DIR)
        versions, self.jobs = code_versions(model_dir), []
        for path in map(Path, paths):
            name, sha = display_name(path), file_hash(path)
            ingest = ingest_key(sha, name, settings, versions)
            self.jobs.append(DocumentJob(str(path), name, sha, ingest, document_key(ingest, versions) if analyse else ingest,
                                         settings.to_dict(), model_dir, str(store.folder), analyse, trust_model,
                                         ":".join(versions)))
        self.todo = [j for j in self.jobs if not store.has(j.ingest_key, j.key if analyse else None)]

    def outcomes(self, done: dict[int, DocumentOutcome]) -> list[DocumentOutcome]:
        return [done.get(id(j)) or DocumentOutcome(j, Document(j.sha256[:16], j.name), cached=True) for j in self.jobs]

    def start_workers(self, workers: int, start: bool = True) -> int:
        """How many workers the jobs to do need (at most ``workers``), and ``start`` them: they load
        the models while the caller goes on."""
        workers = max(1, min(workers, len(self.todo)))
        if self.todo and start:
            worker_pool(self.todo[0], workers).start()
        return workers


def run_job(job: DocumentJob) -> Document:
    """Do and store whatever the job's document still needs; never raises for a bad document."""
    from pipeline.classify import load_model

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
    from pipeline.isolate import WorkerLost

    start = time.perf_counter()
    try:
        document = worker_pool(job, pool_size).call(run_job, (job,), Settings.resolve(job.settings).worker_timeout_s)
    except WorkerLost as exc:
        document = failed_document(job, str(exc))
    except Exception as exc:  # run_job itself broke, or its result could not be sent back
        document = failed_document(job, f"unexpected {type(exc).__name__}: {exc}")
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
    Prefect's server boots, the workers load the models and this process imports Prefect, at once;
    then ``run_flow`` on threads feeding the workers, or on Dask, against the configured Prefect API
    or the temporary server (no flow heartbeats there: nobody watches it)."""
    from pipeline.classify import DEFAULT_MODEL_DIR, check_model
    from pipeline.server import configured_api, start_server, stop_server, wait_for_server

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
        launched = not configured_api() and start_server()
        plan = Plan(paths, out, resolved, model_dir, analyse, trust_model)
        workers = plan.start_workers(workers, start=task_runner == "default")  # a small batch needs few
        if analyse and plan.todo:  # the tables stage's libraries, loaded while this process waits
            threading.Thread(target=_import, args=("pipeline.tables", "openpyxl", "matplotlib.pyplot"), daemon=True).start()
        timings = {"plan": time.perf_counter() - start}
        from pipeline.flows import run_flow, task_runner_for  # imports Prefect, with secmine's log levels
        from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        timings["import_prefect"] = time.perf_counter() - start - timings["plan"]
        if launched and configured_api():  # one set in a profile shows only once Prefect is loaded
            stop_server()
        updates = {}
        if not configured_api():
            api_url = os.environ["PREFECT_API_URL"] = wait_for_server()  # inherited by local Dask workers
            updates = {PREFECT_API_URL: api_url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
        timings["prefect_wait"] = time.perf_counter() - start - sum(timings.values())
        flow = run_flow.with_options(name="secmine-run" if analyse else "secmine-ingest",
                                     task_runner=task_runner_for(task_runner, workers, dask_address))
        try:
            with temporary_settings(updates=updates):
                report = flow(inputs=[str(p) for p in inputs], out=str(out), gold=str(gold) if gold else None,
                              settings=resolved.to_dict(), model_dir=str(model_dir) if model_dir else None,
                              trust_model=trust_model, parquet=parquet, workers=workers, analyse=analyse,
                              progress=progress, plan=plan)
        finally:
            if updates:
                os.environ.pop("PREFECT_API_URL", None)
    report.timings = {**timings, **report.timings, "total": time.perf_counter() - start}
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

    plan = Plan(paths, out, Settings.resolve(settings), model_dir, trust_model=trust_model)
    workers = plan.start_workers(workers)
    if meanwhile is not None:
        meanwhile()
    with ThreadPoolExecutor(workers) as threads:
        done = {id(o.job): o for o in threads.map(lambda job: run_isolated(job, workers), plan.todo)}
    records = collect_records(plan.outcomes(done))
    write_run_outputs(records, out)
    return records
