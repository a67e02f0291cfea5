"""The Prefect flow: a ``process-document`` task per document not stored yet (in a killable worker that
stores its result), the record files and tables staged and committed together, then the audit.
``secmine ingest`` runs it without analysis. Its entry point (checks, lock, plan, workers, Prefect's
server) is ``pipeline.process.run``, importable here as ``run`` too."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

_USER_LOG_LEVEL = os.environ.get("PREFECT_LOGGING_LEVEL")  # set before Prefect is imported; a user's own values win
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # read by local Dask workers as they start

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from rich.console import Console
from rich.progress import track

from pipeline import outputs
from pipeline.cache import remember_tables, tables_are_current, tables_key
from pipeline.changes import RUN_MANIFEST, publish_changes, write_run_manifest
from pipeline.ingest import find_inputs
from pipeline.process import DocumentJob, DocumentOutcome, Plan, collect_records, failed_document, run, \
    run_isolated  # noqa: F401
from pipeline.records import Document
from pipeline.review import CORRECTIONS, carry_review_state
from pipeline.settings import Settings

TASK = {"cache_policy": NO_CACHE, "persist_result": False}


@dataclass
class RunReport:
    """What a run did: every document's row, which ones were (re)processed, and where the time went."""

    documents: list[Document]
    processed: list[str] = field(default_factory=list)
    cached: int = 0
    audit: dict | None = None
    timings: dict[str, float] = field(default_factory=dict)
    document_seconds: dict[str, float] = field(default_factory=dict)  # each processed document's

    @property
    def ok(self) -> int:
        return sum(d.status == "ok" for d in self.documents)


@task(name="process-document", task_run_name="{job.name}", **TASK)
def process_document_task(job: DocumentJob, workers: int = 1) -> DocumentOutcome:
    return run_isolated(job, workers)


@task(name="write-outputs", **TASK)
def write_outputs_task(outcomes: list[DocumentOutcome], folder: Path, parquet: bool, analyse: bool) -> list[Document]:
    records = collect_records(outcomes)
    (outputs.write_run_outputs if analyse else outputs.write_ingest_outputs)(records, folder, parquet=parquet)
    return [r.document for r in records]


@task(name="rebuild-tables", **TASK)
def tables_task(stage: Path, out: Path, parquet: bool) -> str | None:
    """The tables from ``stage``'s records, unless ``out``'s come from the same records, corrections, settings and code."""
    from pipeline.tables import rebuild_tables

    key = tables_key([stage / name for name in (*outputs.RECORD_FILES, CORRECTIONS, RUN_MANIFEST)], parquet)
    if tables_are_current(out, key):
        return None
    rebuild_tables(stage, parquet=parquet)
    return key


@task(name="audit", **TASK)
def audit_task(gold: str, out: Path, settings: Settings) -> dict:
    from prefect.artifacts import create_markdown_artifact

    from pipeline.audit import run_audit, summary_markdown

    report = run_audit(gold, out, settings)
    outputs.write_manifest(out)
    create_markdown_artifact(markdown=summary_markdown(report), key="secmine-audit", description=f"secmine audit of {out}")
    return report


@flow(name="secmine-run", validate_parameters=False, persist_result=False)
def run_flow(inputs: list[str] = ["corpus/docs"], out: str = "outputs", gold: str | None = None,  # noqa: B006
             settings: dict | str | None = None, model_dir: str | None = None, trust_model: bool = False,
             parquet: bool = False, workers: int = 2, analyse: bool = True, progress: bool = True,
             plan: Plan | None = None) -> RunReport:
    """The whole job: per-document stages for what is new, every output file, the tables, the audit."""
    start, out_dir, resolved = time.perf_counter(), Path(out), Settings.resolve(settings)
    with outputs.locked(out_dir):
        if plan is None:  # a deployment's run: plan here
            plan = Plan(find_inputs(inputs), out_dir, resolved, model_dir, analyse, trust_model)
        unchanged = len(plan.jobs) - len(plan.todo)
        futures = {process_document_task.submit(job, workers): job for job in plan.todo}
        done: dict[int, DocumentOutcome] = {}
        for future in track(as_completed(list(futures)), f"secmine documents ({unchanged} unchanged)", len(plan.jobs), unchanged,
                            console=Console(stderr=True), disable=not progress or not plan.todo):
            job = futures[future]
            try:
                done[id(job)] = future.result()
            except Exception as exc:  # the task itself broke (a lost Dask worker): only this document fails
                done[id(job)] = DocumentOutcome(job, failed_document(job, f"{type(exc).__name__}: {exc}"))
        outcomes, documents_s = plan.outcomes(done), time.perf_counter() - start
        with outputs.staged(out_dir) as stage:
            carry_review_state(out_dir, stage)  # the analysts' corrections apply to the new records
            documents = write_outputs_task(outcomes, stage, parquet, analyse)
            new_tables = None
            if analyse:
                write_run_manifest(stage, list(map(str, inputs)), resolved, model_dir)  # the workbook's Run sheet
                new_tables = tables_task(stage, out_dir, parquet)
        if new_tables:
            remember_tables(out_dir, new_tables)
        if analyse:
            publish_changes(out_dir)  # changes.md, changes.csv and the "secmine-changes" table artifact
        outputs_s = time.perf_counter() - start - documents_s
        audit = audit_task(gold, out_dir, resolved) if gold else None
    audit_s = time.perf_counter() - start - documents_s - outputs_s
    return RunReport(documents, [o.job.name for o in outcomes if not o.cached], sum(o.cached for o in outcomes), audit,
                     {"documents": documents_s, "outputs": outputs_s, "audit": audit_s},
                     {o.job.name: o.seconds for o in outcomes if not o.cached})


def task_runner_for(kind: str, workers: int, dask_address: str | None = None):
    """Threads feeding secmine's workers, or Dask (a local cluster, or the one at ``dask_address``)."""
    if kind != "dask":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers)
    import dask
    from prefect_dask import DaskTaskRunner

    logging.getLogger("distributed").setLevel(logging.WARNING)  # one thread per Dask worker, each with its worker
    dask.config.set({"distributed.worker.daemon": False})  # the local workers start secmine's workers
    return DaskTaskRunner(address=dask_address) if dask_address else DaskTaskRunner(cluster_kwargs={
        "n_workers": workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None})


if _USER_LOG_LEVEL is None:  # the command line reports a failed run in one line; Prefect's tracebacks would repeat it
    for _name in ("prefect.flow_runs", "prefect.task_runs"):
        logging.getLogger(_name).setLevel(logging.CRITICAL)
