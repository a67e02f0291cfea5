"""The per-document stages chained as plain functions: ingest → extract → classify → facts.

No Prefect, no workers, no cache: ``pipeline.process`` runs these in isolated workers and stores
what they return; tests and notebooks call them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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


def find_inputs(inputs) -> list[Path]:
    """The input files of files and folders (folders searched for the formats secmine reads)."""
    from pipeline.ingest import find_inputs as find

    return find(inputs)


def ingest(path: str | Path, settings: Settings | None = None) -> IngestResult:
    """One file read into its document, passages and printed tables (the ingest stage)."""
    from pipeline.ingest import ingest_file

    return ingest_file(path, settings)


def document_type(result: IngestResult) -> str:
    """The document's type as the facts stage reads it (from its title and front matter; no
    mentions needed), which decides its passages' domain thresholds."""
    from pipeline.facts.document import describe_document

    return describe_document(result, []).doc_type


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
    return mentions, scores, extract_facts(result, mentions, scores)


def process_document(path: str | Path, settings: Settings | None = None, model_dir: str | Path | None = None,
                     trust_model: bool = False) -> DocumentRecords:
    """One file through ingest, extract, classify and facts; a bad file gives a failed Document."""
    from pipeline.classify import DEFAULT_MODEL_DIR, load_model
    from pipeline.ingest import ingest_file

    result = ingest_file(path, Settings.resolve(settings))
    model = load_model(Path(model_dir or DEFAULT_MODEL_DIR), trust=trust_model)
    return DocumentRecords(result.document, result.passages, result.tables, *analyse_document(result, model))


# Read once by each worker as it starts, so that the lazily built parts of every stage (rule
# files, matchers, the parser's and the classifier's first calls) are ready before its first document.
WARM_UP_TEXT = """EU and Norway: security dialogue

4 May 2021

The European Union and Norway agreed to hold a yearly dialogue on cyber security and to sign a
Framework Participation Agreement on crisis management operations.
"""


def warm_up(model_dir: str | None, trust_model: bool, code_version: str = "") -> None:
    """Load the readers, and the models unless ``model_dir`` is None, and read ``WARM_UP_TEXT``
    through every stage, before the first document (in a worker; ``code_version`` only tells pools
    of workers for other code or models apart)."""
    import tempfile

    import pipeline.ingest.pdf  # noqa: F401
    from pipeline.ingest import ingest_file

    with tempfile.TemporaryDirectory(prefix="secmine-warm-up-") as folder:
        (Path(folder) / "warm-up.txt").write_text(WARM_UP_TEXT, encoding="utf-8")
        result = ingest_file(Path(folder) / "warm-up.txt", Settings())
    if model_dir is not None:
        from pipeline.classify import load_model

        analyse_document(result, load_model(Path(model_dir), trust=trust_model))
