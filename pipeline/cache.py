"""The per-document result store under ``DIR/.cache/`` and the keys it is addressed by.

A key is a hash of what the result depends on, never of Python objects:

- ingest key: the file's SHA-256 and name, the per-document settings, the ingestion code and
  its data file, and the versions of the PDF and text libraries;
- document key: the ingest key, the extraction/classification/facts code, every rule and
  vocabulary file under ``pipeline/resources/``, the spaCy model and the classifier's card.

So changing a rule file or the model re-runs extraction on the cached passages without reading
the PDFs again, and changing the ingestion code or a setting re-reads them. Entries are JSON
files written to a temporary name and renamed; a run killed half-way leaves whole entries only.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from pipeline.io import atomic_path, file_sha256
from pipeline.records import Document, Fact, IngestResult, Mention, Passage, SourceTable
from pipeline.settings import Settings

CACHE_DIR = ".cache"
PACKAGE = Path(__file__).resolve().parent

# What each cached step reads besides the file and the settings (paths under pipeline/).
INGEST_SOURCES = ("ingest/*.py", "records.py", "textnorm.py", "resources/__init__.py", "resources/hyphen_prefixes.txt")
ANALYSIS_SOURCES = ("extract/*.py", "classify/__init__.py", "facts/*.py", "process.py", "resources/*.csv",
                    "resources/*.txt", "resources/*.json", "resources/*.jsonl")
INGEST_PACKAGES = ("pdfplumber", "pdfminer.six", "wordfreq", "markdown-it-py", "beautifulsoup4")
ANALYSIS_PACKAGES = ("spacy", "scikit-learn")
# Settings that never change a document's records (the audit's thresholds) stay out of the key.
NOT_PER_DOCUMENT = ("audit_",)


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def document_settings_fingerprint(settings: Settings) -> str:
    """``Settings.fingerprint`` over the settings that shape a document's records."""
    values = {k: v for k, v in settings.to_dict().items() if not k.startswith(NOT_PER_DOCUMENT)}
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]


def _package_versions(names: tuple[str, ...]) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = ""
    return versions


def sources_fingerprint(patterns: tuple[str, ...]) -> str:
    """Hash of the names and bytes of the package files matching ``patterns``."""
    digest = hashlib.sha256()
    files = sorted({p for pattern in patterns for p in PACKAGE.glob(pattern) if p.is_file()})
    for path in files:
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class CodeVersions:
    """What the cached results of this code, with these models, depend on."""

    ingest: str
    analysis: str

    @classmethod
    def current(cls, model_dir: str | Path) -> CodeVersions:
        from pipeline import __version__

        ingest = _digest(__version__, sources_fingerprint(INGEST_SOURCES), _package_versions(INGEST_PACKAGES))
        analysis = _digest(
            __version__,
            sources_fingerprint(ANALYSIS_SOURCES),
            _package_versions(ANALYSIS_PACKAGES),
            spacy_model_version(),
            model_card_hash(model_dir),
        )
        return cls(ingest, analysis)


def spacy_model_version() -> str:
    """Name and version of the spaCy model extraction will load."""
    from pipeline.extract.nlp import model_name

    name = model_name()
    return f"{name}-{_package_versions((name,))[name]}"


def model_card_hash(model_dir: str | Path) -> str:
    """The classifier's card (which records the model file's SHA-256), hashed."""
    from pipeline.classify import CARD_FILE

    card = Path(model_dir) / CARD_FILE
    return file_sha256(card)[:16] if card.exists() else ""


_HASHES: dict[tuple[str, int, int], str] = {}


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file, remembered in this process while its size and mtime stay the same."""
    stat = os.stat(path)
    key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = file_sha256(path)
    return _HASHES[key]


def ingest_key(sha256: str, name: str, settings: Settings, versions: CodeVersions) -> str:
    return _digest("ingest", sha256, name, document_settings_fingerprint(settings), versions.ingest)


def document_key(ingest: str, versions: CodeVersions) -> str:
    return _digest("document", ingest, versions.analysis)


def _rows(records) -> list[dict]:
    return [r.to_row() for r in records]


class ResultStore:
    """Per-document results in ``folder``: ``ingest/<key>.json`` and ``documents/<key>.json``."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / f"{key}.json"

    def _write(self, kind: str, key: str, payload: dict) -> None:
        with atomic_path(self._path(kind, key)) as tmp:
            tmp.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    def _read(self, kind: str, key: str) -> dict | None:
        path = self._path(kind, key)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
            return None

    def has_ingest(self, key: str) -> bool:
        return self._path("ingest", key).exists()

    def has_document(self, ingest: str, key: str) -> bool:
        return self._path("documents", key).exists() and self.has_ingest(ingest)

    def save_ingest(self, key: str, result: IngestResult) -> None:
        self._write("ingest", key, {
            "document": result.document.to_row(),
            "passages": _rows(result.passages),
            "tables": _rows(result.tables),
        })

    def load_ingest(self, key: str) -> IngestResult | None:
        payload = self._read("ingest", key)
        if payload is None:
            return None
        return IngestResult(
            Document.from_row(payload["document"]),
            [Passage.from_row(r) for r in payload["passages"]],
            [SourceTable.from_row(r) for r in payload["tables"]],
        )

    def save_analysis(self, key: str, mentions: list[Mention], scores: list, facts: list[Fact]) -> None:
        self._write("documents", key, {"mentions": _rows(mentions), "scores": _rows(scores), "facts": _rows(facts)})

    def load_analysis(self, key: str) -> tuple[list[Mention], list, list[Fact]] | None:
        from pipeline.classify import DomainScore

        payload = self._read("documents", key)
        if payload is None:
            return None
        return (
            [Mention.from_row(r) for r in payload["mentions"]],
            [DomainScore.from_row(r) for r in payload["scores"]],
            [Fact.from_row(r) for r in payload["facts"]],
        )


# The tables stage reads the run's record files; any package code or data file may shape them.
TABLES_SOURCES = ("*.py", "*/*.py", "resources/*")
TABLES_STATE = "tables.json"


def _tables_files(out_dir: Path) -> dict[str, list[int]]:
    folder = out_dir / "tables"
    return {p.relative_to(out_dir).as_posix(): [p.stat().st_size, p.stat().st_mtime_ns]
            for p in sorted(folder.rglob("*")) if p.is_file()} if folder.is_dir() else {}


def tables_key(out_dir: str | Path, parquet: bool, inputs: tuple[str, ...]) -> str:
    """Hash of the record files the tables are built from, the code and data files, and the options."""
    digest = hashlib.sha256(f"{parquet}\0{sources_fingerprint(TABLES_SOURCES)}\0".encode())
    for name in inputs:
        path = Path(out_dir) / name
        digest.update(name.encode() + b"\0" + (file_sha256(path).encode() if path.exists() else b"-"))
    return digest.hexdigest()[:32]


def tables_are_current(out_dir: str | Path, key: str) -> bool:
    """Whether ``out_dir/tables`` was built from exactly these inputs and left untouched since."""
    out_dir = Path(out_dir)
    try:
        state = json.loads((out_dir / CACHE_DIR / TABLES_STATE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return False
    files = _tables_files(out_dir)
    return bool(files) and state.get("key") == key and state.get("files") == files


def remember_tables(out_dir: str | Path, key: str) -> None:
    out_dir = Path(out_dir)
    with atomic_path(out_dir / CACHE_DIR / TABLES_STATE) as tmp:
        tmp.write_text(json.dumps({"key": key, "files": _tables_files(out_dir)}), encoding="utf-8")
