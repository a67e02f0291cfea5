"""Facts stage: cooperation facts linking the EU with partners, one per partner, with evidence.

``extract_facts`` works on one ingested document, its mentions and its passages' domain scores;
``merge_facts`` gathers the facts of many documents under one canonical instrument each.
"""

from __future__ import annotations

from pipeline.records import Fact, IngestResult, Mention


def extract_facts(result: IngestResult, mentions: list[Mention], scores: list) -> list[Fact]:
    """Cooperation facts of one document (none for a failed one)."""
    from pipeline.facts.rules import document_facts

    if result.document.status != "ok":
        return []
    return document_facts(result, mentions, scores)
