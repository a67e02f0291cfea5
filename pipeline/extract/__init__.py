"""Extraction stage: partners, EU bodies, instruments and dates in every passage."""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.records import IngestResult, Mention

class ModelError(RuntimeError):
    """No usable spaCy English model is installed."""


# Reference lists name publishers and titles, not actors.
SKIPPED_KINDS = ("reference",)


def extract_document(result: IngestResult, batch_size: int = 64) -> list[Mention]:
    """Mentions in every passage of one ingested document (none for a failed one)."""
    from pipeline.extract.mentions import find_mentions
    from pipeline.extract.nlp import load_nlp

    if result.document.status != "ok":
        return []
    nlp = load_nlp()
    model = nlp.meta["secmine_model"]
    passages = [p for p in result.passages if p.kind not in SKIPPED_KINDS]
    mentions: list[Mention] = []
    docs = nlp.pipe((p.text for p in passages), batch_size=batch_size)
    for passage, doc in zip(passages, docs):
        mentions.extend(find_mentions(doc, passage.doc_id, passage.passage_id, result.document.pub_date, model))
    return mentions
