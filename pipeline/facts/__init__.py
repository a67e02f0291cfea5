"""Facts stage: cooperation facts linking the EU with partners, one per partner, with evidence.

``extract_facts`` works on one ingested document, its mentions and its passages' domain scores
(``pipeline.vocab.instruments.merge_facts`` gathers the facts of many documents under one
canonical instrument each).
"""

from __future__ import annotations

from pipeline.records import Fact, IngestResult, Mention


def extract_facts(result: IngestResult, mentions: list[Mention], scores: list) -> list[Fact]:
    """Cooperation facts of one document (none for a failed one).

    The document's type and signatories are read on the way and set on ``result.document``
    (``doc_type``, ``signatories``), since who speaks decides who "we" are.
    """
    from pipeline.facts.document import describe_document
    from pipeline.facts.rules import document_facts

    if result.document.status != "ok":
        return []
    profile = describe_document(result, mentions)
    result.document.doc_type = profile.doc_type
    result.document.signatories = profile.signatory_names
    return document_facts(result, mentions, scores, profile)


def declared_rule_ids() -> set[str]:
    """Every id the facts stage may write into ``rule_id`` (its parts are joined by "|"), from the
    data files that declare them: fact rules, cooperation cues, roles and document types."""
    from pipeline.resources import table_rows

    ids = {f"fact:{r['id']}" for r in table_rows("fact_rules.csv")}
    ids |= {f"cue:{r['id']}" for r in table_rows("cooperation_cues.csv")}
    ids |= {f"role:{r['id']}" for r in table_rows("role_words.csv") + table_rows("role_rules.csv")}
    ids |= {f"doctype:{r['id']}" for r in table_rows("document_types.csv")}
    return ids
