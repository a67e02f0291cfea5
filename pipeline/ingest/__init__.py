"""Ingestion stage: files to documents, passages and source tables."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pipeline.ingest.errors import IngestError, NoTextLayer
from pipeline.io import file_sha256
from pipeline.records import Document, IngestResult
from pipeline.settings import INPUT_SUFFIXES, Settings


def find_inputs(inputs: Iterable[str | Path]) -> list[Path]:
    """Files named, plus every supported file found recursively in folders named, sorted, unique."""
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES)
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path.resolve(), None)
    return list(unique)


def ingest_file(path: str | Path, settings: Settings | None = None) -> IngestResult:
    """Ingest one file; never raises for bad input: the Document says what went wrong."""
    settings = Settings.resolve(settings)
    path = Path(path)
    sha = file_sha256(path)
    doc_id = sha[:16]
    suffix = path.suffix.lower()
    try:
        if suffix == ".pdf":
            from pipeline.ingest.pdf import read_pdf

            result = read_pdf(path, doc_id, settings)
        elif suffix in (".txt", ".md", ".html", ".htm"):
            from pipeline.ingest.textdoc import read_text_document

            result = read_text_document(path, doc_id, settings)
        else:
            raise IngestError(f"{path.name}: unsupported file type {suffix or '(none)'}")
    except NoTextLayer as exc:
        return IngestResult(_failed(path, doc_id, sha, "skipped", str(exc)))
    except IngestError as exc:
        return IngestResult(_failed(path, doc_id, sha, "failed", str(exc)))
    except Exception as exc:  # a reader bug must not stop the batch; say what happened
        return IngestResult(_failed(path, doc_id, sha, "failed", f"{path.name}: unexpected {type(exc).__name__}: {exc}"))
    if result.document.status == "ok" and not result.passages:
        return IngestResult(_failed(path, doc_id, sha, "failed", f"{path.name}: no text could be read (0 passages)"))
    result.document.sha256 = sha
    result.document.path = str(path)
    result.document.pages_read = result.document.pages_read or result.document.pages
    return result


def _failed(path: Path, doc_id: str, sha: str, status: str, error: str) -> Document:
    return Document(doc_id=doc_id, source=path.name, title=path.stem, status=status, error=error, path=str(path), format=path.suffix.lower().lstrip("."), sha256=sha)
