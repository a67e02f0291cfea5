"""Prefect flows: the stages wired together, incremental, on threads+processes or on Dask.

Flows only orchestrate; the work is in the stage functions and ``pipeline/process.py``.

- ``documents_flow``: each document not yet in the cache through ingest → extract → classify →
  facts, one task per document, in a worker process killed at the hard time limit;
- ``ingest_flow``: ingestion only, into documents.csv, passages.csv and source_tables.jsonl;
- ``tables_flow``: the analysts' tables from the records in the output folder;
- ``audit_flow``: the audit against a gold folder, published as a Markdown artifact;
- ``run_flow``: all of them, rebuilding every output file from the per-document results.

``run`` is the entry point of ``secmine run``: it checks the inputs and models first, starts
Prefect's temporary local server when no PREFECT_API_URL is set, and runs ``run_flow``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Before Prefect is imported: no analytics, quiet logs, and no chatter from the temporary server
# when it stops. A user's own values win.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # read by local Dask workers as they start
# "Still processing items" when a Dask worker's event queue drains at exit: nothing to act on.
logging.getLogger("EventsWorker").setLevel(logging.ERROR)

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline.changes import publish_changes, write_run_manifest
from pipeline.process import (
    DocumentJob,
    DocumentOutcome,
    cached_outcome,
    collect_records,
    failed_document,
    is_done,
    plan_documents,
    run_isolated,
    start_workers,
)
from pipeline.progress import Progress
from pipeline.records import Document
from pipeline.settings import Settings

TASK_RUNNERS = ("default", "dask")
DEFAULT_INPUT = "corpus/docs"
DEFAULT_OUT = "outputs"


@dataclass
class RunReport:
    """What a run did: every document's row, which ones were (re)processed, and the timings."""

    documents: list[Document]
    processed: list[str] = field(default_factory=list)
    cached: int = 0
    tables: str = ""
    audit: dict | None = None
    seconds: float = 0.0
    prefect_startup_s: float = 0.0

    @property
    def ok(self) -> int:
        return sum(d.status == "ok" for d in self.documents)


def make_task_runner(kind: str = "default", workers: int = 2, dask_address: str | None = None):
    """Threads feeding ``workers`` worker processes, or Dask (a local cluster, or the one at the address)."""
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        # Dask logs its cluster's comings and goings at INFO; keep them as quiet as Prefect's.
        quiet = logging.getLevelName(os.environ.get("PREFECT_LOGGING_LEVEL", "WARNING").upper())
        logging.getLogger("distributed").setLevel(quiet if isinstance(quiet, int) else logging.WARNING)
        if dask_address:
            return DaskTaskRunner(address=dask_address)
        # One thread per process: spaCy and the classifier load once in each worker's process.
        return DaskTaskRunner(cluster_kwargs={
            "n_workers": workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None,
        })
    if kind != "default":
        raise ValueError(f"unknown task runner {kind!r}; choose one of {', '.join(TASK_RUNNERS)}")
    return ThreadPoolTaskRunner(max_workers=workers)


# -- tasks: thin wrappers over plain functions ------------------------------------------------------


@task(name="plan-documents", cache_policy=NO_CACHE, persist_result=False)
def plan_task(inputs: list[str], out: str, settings: Settings, model_dir: str | None, analyse: bool = True) -> list[DocumentJob]:
    from pipeline.ingest import find_inputs

    paths = find_inputs(inputs)
    if not paths:
        raise ValueError(f"no .pdf, .txt, .md or .html files in {' '.join(map(str, inputs))}")
    return plan_documents(paths, out, settings, model_dir, analyse=analyse)


@task(name="process-document", task_run_name="{job.name}", cache_policy=NO_CACHE, persist_result=False)
def process_document_task(job: DocumentJob, pool_size: int = 1) -> DocumentOutcome:
    return run_isolated(job, pool_size)


@task(name="write-outputs", cache_policy=NO_CACHE, persist_result=False)
def write_outputs_task(outcomes: list[DocumentOutcome], out: str, parquet: bool = False, analyse: bool = True) -> list[Document]:
    from pipeline.outputs import write_ingest_outputs, write_run_outputs
    from pipeline.records import IngestResult

    records = collect_records(outcomes)
    if analyse:
        write_run_outputs(records, out, parquet=parquet)
    else:
        write_ingest_outputs([IngestResult(r.document, r.passages, r.tables) for r in records], out, parquet=parquet)
    return [r.document for r in records]


@task(name="rebuild-tables", cache_policy=NO_CACHE, persist_result=False)
def tables_task(out: str, parquet: bool = False) -> str:
    """The tables, unless they were built from these very records by this very code."""
    from pipeline.cache import remember_tables, tables_are_current, tables_key
    from pipeline.changes import RUN_MANIFEST
    from pipeline.outputs import RECORD_FILES
    from pipeline.review import CORRECTIONS
    from pipeline.tables import rebuild_tables

    key = tables_key(out, parquet, (*RECORD_FILES, CORRECTIONS, RUN_MANIFEST))
    if tables_are_current(out, key):
        return str(Path(out) / "tables")
    folder = rebuild_tables(out, parquet=parquet)
    remember_tables(out, key)
    return str(folder)


@task(name="audit", cache_policy=NO_CACHE, persist_result=False)
def audit_task(gold: str, out: str, settings: Settings | None = None) -> dict:
    from pipeline.audit import run_audit

    return run_audit(gold, out, settings)


# -- flows --------------------------------------------------------------------------------------


@flow(name="secmine-documents", validate_parameters=False, persist_result=False)
def documents_flow(jobs: list[DocumentJob], workers: int = 2, cached: int = 0, progress: bool = True) -> list[DocumentOutcome]:
    """Each job's document through the per-document stages, one task each; failures are outcomes."""
    bar = Progress(len(jobs) + cached, done=cached, cached=cached, enabled=progress)
    futures = {process_document_task.submit(job, workers): job for job in jobs}
    outcomes: dict[int, DocumentOutcome] = {}
    try:
        for future in as_completed(list(futures)):
            job = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # the task itself broke (a lost Dask worker): only this document fails
                outcome = DocumentOutcome(job, failed_document(job, f"{type(exc).__name__}: {exc}"))
            outcomes[id(job)] = outcome
            bar.advance(failed=outcome.document.status == "failed")
    finally:
        bar.close()
    return [outcomes[id(job)] for job in jobs]


def _process(jobs: list[DocumentJob], task_runner: str, workers: int, dask_address: str | None, progress: bool) -> list[DocumentOutcome]:
    """Run the jobs not done yet; the rest come from the cache."""
    todo = [job for job in jobs if not is_done(job)]
    cached = len(jobs) - len(todo)
    done: dict[int, DocumentOutcome] = {}
    if todo:
        runner = make_task_runner(task_runner, workers, dask_address)
        outcomes = documents_flow.with_options(task_runner=runner)(todo, workers, cached, progress)
        done = {id(job): outcome for job, outcome in zip(todo, outcomes)}
    else:
        Progress(len(jobs), done=len(jobs), cached=cached, enabled=progress).close()
    return [done.get(id(job)) or cached_outcome(job) for job in jobs]


@flow(name="secmine-ingest", validate_parameters=False, persist_result=False)
def ingest_flow(inputs: list[str], out: str, settings: dict | str | None = None, parquet: bool = False,
                task_runner: str = "default", workers: int = 2, dask_address: str | None = None,
                progress: bool = True) -> RunReport:
    """Documents, passages and source tables only (the ingestion cache is shared with ``run_flow``)."""
    start = time.perf_counter()
    jobs = plan_task(list(map(str, inputs)), str(out), Settings.resolve(settings), None, analyse=False)
    outcomes = _process(jobs, task_runner, workers, dask_address, progress)
    documents = write_outputs_task(outcomes, str(out), parquet, analyse=False)
    return RunReport(documents, [o.job.name for o in outcomes if not o.cached], sum(o.cached for o in outcomes),
                     seconds=time.perf_counter() - start)


@flow(name="secmine-tables", validate_parameters=False, persist_result=False)
def tables_flow(out: str, parquet: bool = False) -> str:
    """The analysts' tables, rebuilt from the records in ``out``."""
    return tables_task(str(out), parquet)


@flow(name="secmine-audit", validate_parameters=False, persist_result=False)
def audit_flow(gold: str, out: str, settings: dict | str | None = None) -> dict:
    """The audit of ``out`` against ``gold``, written to ``out/audit/`` and shown as an artifact."""
    from prefect.artifacts import create_markdown_artifact

    from pipeline.audit import summary_markdown

    report = audit_task(str(gold), str(out), Settings.resolve(settings))
    create_markdown_artifact(markdown=summary_markdown(report), key="secmine-audit",
                             description=f"secmine audit of {out} against {gold}")
    return report


@flow(name="secmine-run", validate_parameters=False, persist_result=False)
def run_flow(inputs: list[str] = [DEFAULT_INPUT], out: str = DEFAULT_OUT, gold: str | None = None,  # noqa: B006
             settings: dict | str | None = None, model_dir: str | None = None, parquet: bool = False,
             task_runner: str = "default", workers: int = 2, dask_address: str | None = None,
             progress: bool = True) -> RunReport:
    """The whole job: per-document stages for what is new, every output file, the tables, the audit."""
    start = time.perf_counter()
    resolved = Settings.resolve(settings)
    jobs = plan_task(list(map(str, inputs)), str(out), resolved, model_dir)
    outcomes = _process(jobs, task_runner, workers, dask_address, progress)
    documents = write_outputs_task(outcomes, str(out), parquet)
    write_run_manifest(str(out), list(map(str, inputs)), resolved, model_dir)  # for the workbook's Run sheet
    tables = tables_flow(str(out), parquet)
    publish_changes(str(out))  # changes.md, changes.csv and the "secmine-changes" table artifact
    audit = audit_flow(str(gold), str(out), resolved.to_dict()) if gold else None
    return RunReport(documents, [o.job.name for o in outcomes if not o.cached], sum(o.cached for o in outcomes),
                     tables, audit, time.perf_counter() - start)


# -- entry points -------------------------------------------------------------------------------


@contextlib.contextmanager
def prefect_api() -> Iterator[float]:
    """Use the configured Prefect API, else the temporary local server; yield its start-up seconds.

    The temporary server is set in PREFECT_API_URL for the duration, so that Dask workers report
    to it instead of each starting one of their own. Flow-run heartbeats (which let a server
    mark crashed runs) are off there: nobody watches that server, and each flow would wait up to
    a second for its heartbeat thread when it ends.
    """
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )

    from pipeline.server import TemporaryServer, needs_temporary_server

    if not needs_temporary_server():
        yield 0.0
        return
    server = TemporaryServer.start()
    seconds = server.wait_ready()
    previous = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = server.api_url  # inherited by local Dask workers
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield seconds
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous


def check_models(model_dir: str | Path | None) -> None:
    """Fail early, before any document, when spaCy's model or the classifier cannot be loaded."""
    from pipeline.classify import load_model
    from pipeline.extract.nlp import model_name
    from pipeline.process import default_model_dir

    model_name()
    load_model(Path(model_dir or default_model_dir()))


def run(inputs: list[str | Path], out: str | Path, *, gold: str | Path | None = None,
        settings: Settings | dict | str | Path | None = None, model_dir: str | Path | None = None,
        parquet: bool = False, task_runner: str = "default", workers: int = 2, dask_address: str | None = None,
        progress: bool = True) -> RunReport:
    """``secmine run``: check inputs and models, then run ``run_flow`` against a Prefect API."""
    from pipeline.ingest import find_inputs
    from pipeline.server import TemporaryServer, needs_temporary_server

    if workers < 1:
        raise ValueError("--workers must be at least 1")
    if task_runner not in TASK_RUNNERS:
        raise ValueError(f"unknown task runner {task_runner!r}; choose one of {', '.join(TASK_RUNNERS)}")
    resolved = Settings.resolve(settings)
    paths = find_inputs(inputs)
    if not paths:
        raise ValueError(f"no .pdf, .txt, .md or .html files in {' '.join(map(str, inputs))}")
    if needs_temporary_server():
        TemporaryServer.start()  # it boots while the files are hashed and the models load
    if gold is not None and not Path(gold).is_dir():
        raise FileNotFoundError(f"{gold}: no such gold folder")
    jobs = plan_documents(paths, out, resolved, model_dir)
    todo = sum(not is_done(job) for job in jobs)
    if todo and task_runner == "default":
        start_workers(min(todo, workers), workers, jobs[0])  # they load the models meanwhile
    if todo:
        check_models(model_dir)
    with prefect_api() as startup:
        report = run_flow(
            [str(p) for p in inputs], str(out), str(gold) if gold is not None else None, resolved.to_dict(),
            str(model_dir) if model_dir is not None else None, parquet, task_runner, workers, dask_address, progress,
        )
    report.prefect_startup_s = startup
    return report


def serve(name: str = "secmine", **parameters: Any) -> None:
    """Serve ``run_flow`` as a deployment on the Prefect server at PREFECT_API_URL (blocks)."""
    run_flow.serve(name=name, parameters=parameters or None)
