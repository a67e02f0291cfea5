"""The files a run writes into its output folder (CONTRACT.md), and how they are committed.

A run writes its files into ``DIR/.staging/`` first. When every file is there, it writes the list
of them (``COMMIT``) and only then moves each into place, followed by ``manifest.json`` (every
output file with its SHA-256). A run killed before ``COMMIT`` leaves ``DIR`` as it was; one killed
while moving is finished by the next command that opens the folder. The folder is locked for
the whole command (``.secmine.lock``, naming the holder's PID), so two runs cannot mix their
files; temporary files a killed process left behind are removed when the lock is taken.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from pipeline.io import TEMP_SUFFIX, atomic_path, file_sha256, write_jsonl, write_records, write_text
from pipeline.records import (
    DOCUMENTS,
    DOMAIN_SCORES,
    FACTS,
    MENTIONS,
    PASSAGES,
    SOURCE_TABLES,
    Document,
    Fact,
    IngestResult,
    Mention,
    Passage,
    SourceTable,
)

# Every per-document record file a run writes (the tables are built from these).
RECORD_FILES = (DOCUMENTS, PASSAGES, SOURCE_TABLES, MENTIONS, DOMAIN_SCORES, FACTS)
INGEST_FILES = (DOCUMENTS, PASSAGES, SOURCE_TABLES)
LOCK_FILE = ".secmine.lock"
STAGING = ".staging"
COMMIT = "COMMIT"
MANIFEST = "manifest.json"
_HELD: set[str] = set()


class OutputError(ValueError):
    """The output folder cannot be used: a file, not writable, or in use by another run."""


def write_ingest_outputs(results: list[IngestResult], out_dir: str | Path, parquet: bool = False) -> None:
    """documents.csv, passages.csv and source_tables.jsonl for the given results, in input order."""
    out_dir = Path(out_dir)
    write_records([p for r in results for p in r.passages], Passage, out_dir / PASSAGES, parquet=parquet)
    write_jsonl([t for r in results for t in r.tables], out_dir / SOURCE_TABLES)
    write_records([r.document for r in results], Document, out_dir / DOCUMENTS, parquet=parquet)


def write_mentions(mentions: list[Mention], out_dir: str | Path, parquet: bool = False) -> None:
    write_records(mentions, Mention, Path(out_dir) / MENTIONS, parquet=parquet)


def write_domain_scores(scores: list, out_dir: str | Path, parquet: bool = False) -> None:
    from pipeline.records import DomainScore

    write_records(scores, DomainScore, Path(out_dir) / DOMAIN_SCORES, parquet=parquet)


def write_facts(facts: list[Fact], out_dir: str | Path, parquet: bool = False) -> None:
    """cooperation.csv, each instrument under one canonical name across all documents, each fact
    with its row key and the analysts' corrections in ``out_dir`` applied (pipeline/review.py)."""
    from pipeline.vocab.instruments import merge_facts
    from pipeline.review import write_cooperation

    write_cooperation(merge_facts(facts), out_dir, parquet=parquet)


def read_facts(out_dir: str | Path) -> list[Fact]:
    from pipeline.io import read_records

    return read_records(Path(out_dir) / FACTS, Fact)


def write_run_outputs(per_document: list, out_dir: str | Path, parquet: bool = False) -> None:
    """Every per-document output file of a run, from each document's records, in input order.

    ``per_document`` holds ``pipeline.process.DocumentRecords`` (or anything with ``document``,
    ``passages``, ``tables``, ``mentions``, ``scores`` and ``facts``).
    """
    out_dir = Path(out_dir)
    write_ingest_outputs(per_document, out_dir, parquet=parquet)
    write_mentions([m for r in per_document for m in r.mentions], out_dir, parquet=parquet)
    write_domain_scores([s for r in per_document for s in r.scores], out_dir, parquet=parquet)
    write_facts([f for r in per_document for f in r.facts], out_dir, parquet=parquet)


# -- the output folder: lock, staged commit, recovery ------------------------------------------


def _holder(lock: Path) -> str:
    try:
        pid = lock.read_text(encoding="utf-8").split()[0]
        return f"PID {int(pid)}"
    except (OSError, IndexError, ValueError):
        return "another process"


@contextlib.contextmanager
def locked(out_dir: str | Path) -> Iterator[Path]:
    """Hold ``out_dir`` for this process (made if missing); finish or drop an interrupted commit.

    Raises ``OutputError`` at once when another process holds it, naming that process.
    """
    import fcntl

    out_dir = Path(out_dir)
    key = os.path.abspath(out_dir)
    if key in _HELD:  # this process holds it already (a flow inside a command)
        yield out_dir
        return
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: is a file, not a folder; choose another --out")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = open(out_dir / LOCK_FILE, "a+", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write there ({exc.strerror or exc})") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"{out_dir}: in use by another secmine run ({_holder(out_dir / LOCK_FILE)}); "
                              "wait for it to finish or choose another --out") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        recover(out_dir)
        _HELD.add(key)
        try:
            yield out_dir
        finally:
            _HELD.discard(key)
            handle.truncate(0)
    finally:
        handle.close()  # closing releases the lock


def recover(out_dir: str | Path) -> None:
    """Finish a commit that was cut short (its file list is written) or drop an unfinished one;
    remove temporary files left by killed writers."""
    out_dir = Path(out_dir)
    stage = out_dir / STAGING
    if (stage / COMMIT).is_file():
        _move_into_place(out_dir, stage)
    shutil.rmtree(stage, ignore_errors=True)
    for tmp in out_dir.rglob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            tmp.unlink()


@contextlib.contextmanager
def staged(out_dir: str | Path) -> Iterator[Path]:
    """A folder to write a run's files into; on success they replace ``out_dir``'s together."""
    out_dir = Path(out_dir)
    stage = out_dir / STAGING
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    yield stage
    files = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())
    write_text(stage / COMMIT, json.dumps(files, ensure_ascii=False) + "\n")
    _move_into_place(out_dir, stage)
    shutil.rmtree(stage, ignore_errors=True)


def _move_into_place(out_dir: Path, stage: Path) -> None:
    for name in json.loads((stage / COMMIT).read_text(encoding="utf-8")):
        source = stage / name
        if source.is_file():
            (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, out_dir / name)
    write_manifest(out_dir)


def write_manifest(out_dir: str | Path) -> Path:
    """``manifest.json``: every output file in ``out_dir`` with its size and SHA-256."""
    out_dir = Path(out_dir)
    files = {}
    for folder, subfolders, names in os.walk(out_dir):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(n for n in names if not n.startswith(".") and n != MANIFEST):
            path = Path(folder) / name
            files[path.relative_to(out_dir).as_posix()] = {"bytes": path.stat().st_size, "sha256": file_sha256(path)}
    with atomic_path(out_dir / MANIFEST) as tmp:
        tmp.write_text(json.dumps({"files": files}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return out_dir / MANIFEST


def describe_os_error(exc: OSError) -> str:
    """One line for a failed write: the folder and the reason (disk full, read-only, ...)."""
    where = Path(os.fsdecode(exc.filename)).parent if exc.filename else None
    reason = {errno.ENOSPC: "no space left on the device", errno.EROFS: "the file system is read-only",
              errno.EACCES: "permission denied", errno.EDQUOT: "disk quota exceeded"}.get(exc.errno, exc.strerror or str(exc))
    return f"cannot write {where}: {reason}" if where else f"cannot write: {reason}"
