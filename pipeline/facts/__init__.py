"""Facts stage: cooperation facts linking the EU with partners, one per partner, with evidence.

``extract_facts`` works on one ingested document, its mentions and its passages' domain scores;
``merge_facts`` gathers the facts of many documents under one canonical instrument each.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

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


_YEAR_SUFFIX = re.compile(r"\s*\((?:19|20)\d\d\)\s*$")
_QUOTES = "'\"\u2018\u2019\u201c\u201d"


def instrument_key(name: str) -> str:
    """The normalised key under which one instrument's names meet: case, quotes, dashes, a
    trailing "(year)" and a plural head ignored."""
    key = _YEAR_SUFFIX.sub("", name).translate({ord(q): None for q in _QUOTES})
    key = re.sub(r"[\u2010-\u2015-]+", "-", key.lower())
    key = re.sub(r"\s+", " ", key).strip()
    return re.sub(r"(ship|ment|ue|ion|ation)s$", r"\1", key)


def merge_facts(facts: list[Fact]) -> list[Fact]:
    """The facts of many documents with one canonical name per instrument: the same key takes the
    name its registered (rule-named) facts use, else its most frequent one. Every fact is kept."""
    names: dict[str, Counter] = {}
    for fact in facts:
        weight = 1 if fact.basis in ("cooperation_verb", "descriptive_instrument", "joint_action", "support") else 100
        names.setdefault(instrument_key(fact.instrument), Counter())[fact.instrument] += weight
    merged = []
    for fact in facts:
        name = names[instrument_key(fact.instrument)].most_common(1)[0][0]
        merged.append(replace(fact, instrument=name) if name != fact.instrument else fact)
    return merged
