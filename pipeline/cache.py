"""The per-document result store under ``DIR/.cache/`` and the keys it is addressed by.

Ingest key: the file's bytes and name, the settings that shape a document, the ingestion code and
library versions. Document key: the ingest key, the analysis code, every resource file, the spaCy
model and the classifier's card. Each entry is the SHA-256 of its JSON body, then the body: one cut
short or edited fails its checksum, is discarded and recomputed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline.io import atomic_path, file_sha256
from pipeline.records import Document, Fact, IngestResult, Mention, Passage, SourceTable
from pipeline.settings import Settings
from pipeline.versions import TABLES_SOURCES, digest, sources_fingerprint

CACHE_DIR, TABLES_STATE = ".cache", "tables.json"
# Settings that never change a document's records: the audit's, and limits whose only effect is a
# failed document (never stored).
NOT_PER_DOCUMENT = ("audit_", "worker_", "doc_timeout_s")


def document_settings_fingerprint(settings: Settings) -> str:
    """Hash of the settings that shape a document's records."""
    return digest({k: v for k, v in settings.to_dict().items() if not k.startswith(NOT_PER_DOCUMENT)})[:16]


def ingest_key(sha256: str, name: str, settings: Settings, versions: tuple[str, str]) -> str:
    return digest("ingest", sha256, name, document_settings_fingerprint(settings), versions[0])


def document_key(ingest: str, versions: tuple[str, str]) -> str:
    return digest("document", ingest, versions[1])


class ResultStore:
    """Per-document results in ``folder``: ``ingest/<key>.json`` and ``documents/<key>.json``."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / f"{key}.json"

    def _write(self, kind: str, key: str, **rows: list) -> None:
        body = json.dumps({name: [r.to_row() for r in records] for name, records in rows.items()},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
        with atomic_path(self._path(kind, key)) as tmp:
            tmp.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)

    def _read(self, kind: str, key: str, build=bool):
        """The entry, built by ``build``, when its checksum holds and it can be read; else it is removed."""
        path = self._path(kind, key)
        try:
            checksum, _, body = path.read_bytes().partition(b"\n")
            if hashlib.sha256(body).hexdigest().encode() == checksum:
                return build(json.loads(body.decode("utf-8", "surrogatepass")))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, AttributeError):  # a body this code cannot read
            pass
        path.unlink(missing_ok=True)
        return None

    def has(self, ingest: str, document: str | None = None) -> bool:
        """Whether these entries are stored and readable (the analysis too, given its key)."""
        return bool(self._read("ingest", ingest)) and (document is None or bool(self._read("documents", document)))

    def save_ingest(self, key: str, result: IngestResult) -> None:
        self._write("ingest", key, document=[result.document], passages=result.passages, tables=result.tables)

    def load_ingest(self, key: str) -> IngestResult | None:
        return self._read("ingest", key, lambda e: IngestResult(
            Document.from_row(e["document"][0]), [*map(Passage.from_row, e["passages"])], [*map(SourceTable.from_row, e["tables"])]))

    def save_analysis(self, key: str, mentions: list[Mention], scores: list, facts: list[Fact]) -> None:
        self._write("documents", key, mentions=mentions, scores=scores, facts=facts)

    def load_analysis(self, key: str) -> tuple[list[Mention], list, list[Fact]] | None:
        from pipeline.records import DomainScore

        return self._read("documents", key, lambda e: (
            [*map(Mention.from_row, e["mentions"])], [*map(DomainScore.from_row, e["scores"])], [*map(Fact.from_row, e["facts"])]))


def tables_key(record_files: list[Path], parquet: bool) -> str:
    """Hash of the record files the tables are built from, the code and data files, and the options."""
    return digest(parquet, sources_fingerprint(TABLES_SOURCES), [(p.name, file_sha256(p) if p.exists() else "") for p in record_files])


def tables_state(out_dir: str | Path, key: str) -> str:
    """The key with the size and time of every file in ``out_dir/tables`` (to tell them untouched)."""
    folder = Path(out_dir) / "tables"
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    return json.dumps([key, *([p.relative_to(folder).as_posix(), p.stat().st_size, p.stat().st_mtime_ns] for p in files)])


def tables_are_current(out_dir: str | Path, key: str) -> bool:
    """Whether ``out_dir/tables`` was built from exactly these inputs and left untouched since."""
    state = Path(out_dir) / CACHE_DIR / TABLES_STATE
    return state.is_file() and (Path(out_dir) / "tables").is_dir() and state.read_text(encoding="utf-8") == tables_state(out_dir, key)


def remember_tables(out_dir: str | Path, key: str) -> None:
    with atomic_path(Path(out_dir) / CACHE_DIR / TABLES_STATE) as tmp:
        tmp.write_text(tables_state(out_dir, key), encoding="utf-8")
