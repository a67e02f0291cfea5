"""Analysts' tables built from cooperation facts, for documents that print no such table.

partnerships:        one row per partner x instrument x status x document, with the first
                     evidence and the number of facts behind it (instrument names already
                     merged across documents, so every source keeps its own row);
joint_statements:    facts whose instrument is a joint statement or declaration;
dialogues:           distinct dialogues per partner x domain (policy; "ministerial" in the name
                     counts as ministerial);
cooperation_elements: the mode of each fact with its instrument as the qualifier.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from pipeline.vocab.instruments import instrument_key
from pipeline.records import Document, Fact
from pipeline.vocab.domains import domain_code, domain_names

_MODE_LABELS = {
    "exchange_of_information": "Exchange of information", "joint_training": "Joint training",
    "joint_seminars": "Joint seminars", "exploratory_seminars": "Exploratory seminars",
    "capacity_building": "Capacity-building", "legal_agreement": "Legal agreements",
    "data_agreement": "Data agreements", "operational_cooperation": "Operational cooperation",
    "operational_agreement": "Operational agreements", "multilateral_cooperation": "Multilateral cooperation",
    "effective_multilateralism": "Promoting effective multilateralism",
    "inter_regional_cooperation": "Inter-regional cooperation", "mediation": "Mediation",
    "confidence_building": "Confidence-building mechanisms", "joint_funding": "Joint funding",
    "internet_governance_coordination": "Coordination on internet governance", "science_innovation": "Science & Innovation",
}


def instrument_label(fact: Fact) -> str:
    """The instrument a table row names: the fact's own, else, for a cooperation or a dialogue that
    names none, the analysts' label of its domain ("Maritime security cooperation"); "" when the
    fact has neither an instrument nor a domain."""
    if fact.instrument:
        return fact.instrument
    labels = domain_names()
    if fact.domain not in labels:
        return ""
    return labels[fact.domain]["dialogue" if fact.instrument_type == "dialogue" else "cooperation"]


def partnerships(facts: list[Fact]) -> list[dict]:
    rows: dict[tuple, dict] = {}
    for f in facts:
        label = instrument_label(f)
        if not label:
            continue
        f = replace(f, instrument=label)
        key = (f.partner, instrument_key(f.instrument), f.status, f.source_doc)
        if key in rows:
            rows[key]["supporting_facts"] += 1
            continue
        rows[key] = {
            "partner": f.partner, "partner_iso3": f.partner_iso3, "partner_kind": f.partner_kind,
            "instrument": f.instrument, "instrument_type": f.instrument_type, "status": f.status, "domain": f.domain,
            "evidence": f.evidence, "source_doc": f.source_doc, "page": f.page, "passage_id": f.passage_id,
            "supporting_facts": 1, "basis": f.basis, "confidence": f.confidence,
        }
    return list(rows.values())


def joint_statements(facts: list[Fact], documents: dict[str, Document]) -> list[dict]:
    rows: dict[tuple, dict] = {}
    for f in facts:
        if f.instrument_type != "joint_statement":
            continue
        year = f.year or (documents[f.doc_id].pub_date[:4] if f.doc_id in documents else "")
        key = (f.partner, instrument_key(f.instrument), year)
        rows.setdefault(key, {
            "partner": f.partner, "partner_iso3": f.partner_iso3, "domains": domain_code(f.domain),
            "title": f.instrument, "year": year, "source_doc": f.source_doc, "source_table": "",
            "page": f.page, "evidence": f.evidence,
        })
    return list(rows.values())


def dialogues(facts: list[Fact], documents: dict[str, Document]) -> list[dict]:
    found: dict[tuple, dict] = {}
    names: dict[tuple, set] = defaultdict(set)
    for f in facts:
        if f.instrument_type != "dialogue":
            continue
        key = (f.partner, f.domain, f.source_doc)
        names[key].add(instrument_key(instrument_label(f) or "dialogue"))
        found.setdefault(key, {
            "partner": f.partner, "partner_iso3": f.partner_iso3, "domain": f.domain,
            "as_of": documents[f.doc_id].pub_date if f.doc_id in documents else "",
            "source_doc": f.source_doc, "source_table": "", "page": f.page, "evidence": f.evidence,
        })
    for key, row in found.items():
        ministerial = sum("ministerial" in n for n in names[key])
        row["ministerial"], row["policy"] = ministerial, len(names[key]) - ministerial
    return list(found.values())


def cooperation_elements(facts: list[Fact]) -> list[dict]:
    rows: dict[tuple, dict] = {}
    for f in facts:
        if not f.mode:
            continue
        f = replace(f, instrument=instrument_label(f))
        key = (f.partner, f.domain, f.mode, instrument_key(f.instrument), f.source_doc)
        rows.setdefault(key, {
            "partner": f.partner, "partner_iso3": f.partner_iso3, "domain": f.domain, "mode": f.mode,
            "mode_text": _MODE_LABELS.get(f.mode, f.mode), "qualifiers": f.instrument, "source_doc": f.source_doc,
            "source_table": "", "page": f.page, "evidence": f.evidence,
        })
    return list(rows.values())
