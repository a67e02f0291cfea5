"""Extraction on our own sentences: every form of partner, EU body, instrument and date."""

from __future__ import annotations

import pytest

from pipeline.extract.mentions import find_mentions
from pipeline.vocab.nlp import load_nlp


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def mentions(nlp, text: str, pub_date: str = "2025-03"):
    return find_mentions(nlp(text), "d", "d:1", pub_date, "model")


def found(nlp, text: str, label: str, pub_date: str = "2025-03") -> list[tuple[str, str]]:
    return [(m.text, m.canonical) for m in mentions(nlp, text, pub_date) if m.label == label]


def test_coordinated_list_gives_each_partner(nlp):
    text = "The EU has concluded digital partnerships with Canada, Japan, Singapore and South Korea."
    assert [c for _, c in found(nlp, text, "PARTNER")] == ["Canada", "Japan", "Singapore", "South Korea"]
    assert found(nlp, text, "INSTRUMENT") == [("digital partnerships", "Digital Partnership agreement")]


def test_hyphenated_compounds_yield_the_partner(nlp):
    text = "The EU-US Declaration on Combating Terrorism (2004) preceded the EU\u2013China summit and EU-Japan talks."
    assert found(nlp, text, "PARTNER") == [("US", "United States"), ("China", "China"), ("Japan", "Japan")]
    instruments = found(nlp, text, "INSTRUMENT")
    assert instruments[0][1] == "EU-US Declaration on Combating Terrorism"


def test_official_and_short_forms_normalise_with_iso3(nlp):
    text = "The Republic of Moldova, the USA, the Republic of Korea and the United Kingdom signed."
    result = [(m.canonical, m.partner_iso3) for m in mentions(nlp, text) if m.label == "PARTNER"]
    assert result == [("Moldova", "MDA"), ("United States", "USA"), ("South Korea", "KOR"), ("United Kingdom", "GBR")]


def test_demonyms_and_transatlantic_are_actors_but_oceans_are_places(nlp):
    text = "Japanese and Ukrainian officials praised transatlantic cooperation in the Indian Ocean."
    assert [c for _, c in found(nlp, text, "PARTNER")] == ["Japan", "Ukraine", "United States"]


def test_niger_nigeria_georgia_and_the_two_congos(nlp):
    text = (
        "The mission trains police in Niger, while Nigeria, Georgia, the Democratic Republic of the Congo "
        "and the Republic of the Congo joined later."
    )
    result = [(m.canonical, m.partner_iso3) for m in mentions(nlp, text) if m.label == "PARTNER"]
    assert result == [
        ("Niger", "NER"), ("Nigeria", "NGA"), ("Georgia", "GEO"),
        ("Democratic Republic of the Congo", "COD"), ("Republic of the Congo", "COG"),
    ]


def test_capital_is_the_state_only_when_it_acts(nlp):
    text = "Moscow rejected the offer, while talks in Beijing continued."
    assert found(nlp, text, "PARTNER") == [("Moscow", "Russia")]


def test_place_names_are_not_partners(nlp):
    text = "Piracy in the Gulf of Guinea and drug routes from Latin America worry the Union."
    assert found(nlp, text, "PARTNER") == []


def test_eu_member_states_and_the_eu_itself_are_not_partners(nlp):
    text = "France, Germany and the European Union met Norway in Brussels."
    assert found(nlp, text, "PARTNER") == [("Norway", "Norway")]


def test_organisations_and_their_organs(nlp):
    text = "The UN Security Council, NATO, the African Union and the Association of Southeast Asian Nations (ASEAN) met."
    result = [(m.canonical, m.partner_kind) for m in mentions(nlp, text) if m.label == "PARTNER"]
    assert result == [
        ("United Nations Security Council", "international_organisation"),
        ("NATO", "international_organisation"),
        ("African Union", "regional_organisation"),
        ("ASEAN", "regional_organisation"),
        ("ASEAN", "regional_organisation"),
    ]


def test_eu_bodies_long_and_short_forms(nlp):
    text = (
        "The European Defence Agency (EDA) and the EU Agency for Cybersecurity (ENISA) briefed the "
        "Political and Security Committee and the Commission."
    )
    assert [c for _, c in found(nlp, text, "EU_BODY")] == ["EDA", "EDA", "ENISA", "ENISA", "PSC", "European Commission"]


def test_named_instruments_with_acronyms_and_types(nlp):
    text = (
        "The European Peace Facility (EPF) and the Budapest Convention complement the Framework "
        "Participation Agreement and the security and defence dialogues."
    )
    result = [(m.canonical, m.instrument_type) for m in mentions(nlp, text) if m.label == "INSTRUMENT"]
    assert result == [
        ("European Peace Facility (EPF)", "fund"),
        ("European Peace Facility (EPF)", "fund"),
        ("Budapest Convention", "convention"),
        ("CSDP Framework Participation Agreement", "agreement"),
        ("Security and defence dialogue", "dialogue"),
    ]


def test_generic_phrases_are_not_instruments(nlp):
    text = "These new partnerships are not binding treaties, and EU missions and operations continue."
    assert found(nlp, text, "INSTRUMENT") == []


def test_partner_nests_in_an_instrument_name(nlp):
    text = "The EU-Ukraine Defence Industries Forum brought companies together."
    result = mentions(nlp, text)
    assert [(m.label, m.canonical) for m in result] == [
        ("INSTRUMENT", "EU-Ukraine Defence Industries Forum"),
        ("PARTNER", "Ukraine"),
    ]


def test_working_arrangement_is_named_after_the_agency(nlp):
    text = "A Working Arrangement between Frontex and its Moldovan counterpart was renewed."
    assert found(nlp, text, "INSTRUMENT") == [("Working Arrangement", "Working Arrangement with Frontex")]


def test_dates_normalised_relative_to_publication(nlp):
    text = "Since 2008 the operation has patrolled; over the past two decades and in May 2024 it grew."
    assert found(nlp, text, "DATE", pub_date="2025-03") == [
        ("Since 2008", "2008/2025"), ("the past two decades", "2005/2025"), ("May 2024", "2024-05"),
    ]


def test_a_date_is_never_a_partner_and_a_partner_never_a_date(nlp):
    text = "In May 2024 Jordan and Chad agreed, and Turkey joined in March 2025."
    result = [(m.label, m.canonical) for m in mentions(nlp, text)]
    assert result == [
        ("DATE", "2024-05"), ("PARTNER", "Jordan"), ("PARTNER", "Chad"), ("PARTNER", "Turkey"), ("DATE", "2025-03"),
    ]


def test_every_mention_carries_its_rule_and_sentence(nlp):
    text = "Japan signed. Later, Canada joined the Strategic Compass talks in 2023."
    for m in mentions(nlp, text):
        assert m.rule_id
        assert m.sent_start <= m.start < m.end <= m.sent_end
        assert text[m.start : m.end] == m.text
    canada = next(m for m in mentions(nlp, text) if m.canonical == "Canada")
    assert text[canada.sent_start : canada.sent_end].startswith("Later")


NOTED = """---
title: Partners with notes
date: 2024-11
layout: two_column
notes: footnotes
marker_style: paren
---

# PARTNERSHIPS

The Union is negotiating security and defence partnerships with Norway, Japan and South Korea[^1]. Talks with the Republic of Moldova[^2] ended in a signature.

[^1]: Negotiations are also expected with Albania.
[^2]: Signed in Brussels.
"""


def test_note_marked_names_are_found_without_their_markers(tmp_path):
    from pipeline.extract import extract_document
    from pipeline.ingest import ingest_file
    from synth import parse_markup, render_pdf

    render_pdf(parse_markup(NOTED), tmp_path / "noted.pdf")
    result = ingest_file(tmp_path / "noted.pdf")
    found = {(m.text, m.canonical) for m in extract_document(result)}
    assert {("South Korea", "South Korea"), ("Republic of Moldova", "Moldova"), ("Albania", "Albania")} <= found
    body = next(p for p in result.passages if "South Korea" in p.text)
    assert "South Korea." in body.text


def test_entity_gold_is_validated(tmp_path):
    from pipeline.audit.entities import GoldError, load_entity_gold

    bad = tmp_path / "gold.jsonl"
    bad.write_text('{"doc": "a.pdf", "label": "PARTNER", "canonical": "Japan"}\n{"doc": "a.pdf", "label": "PLACE", "canonical": "X"}\n')
    with pytest.raises(GoldError, match="gold.jsonl, line 2, field 'label'"):
        load_entity_gold(bad)


def test_evaluate_scores_counts_and_distinct(tmp_path):
    from pipeline.audit.entities import score_entities
    from pipeline.records import Document, IngestResult, Mention, Passage

    doc = Document(doc_id="d", source="a.pdf")
    result = IngestResult(doc, [Passage("d", "d:1", 1, "", "body", "x"), Passage("d", "d:2", 1, "", "footnote", "y")])
    predicted = [
        Mention("d", "d:1", "PARTNER", "Japan", "Japan", 0, 5, "r"),
        Mention("d", "d:1", "PARTNER", "Peru", "Peru", 0, 4, "r"),
        Mention("d", "d:2", "PARTNER", "Chile", "Chile", 0, 5, "r"),  # in a note: out of scope
    ]
    gold = [{"doc": "a.pdf", "label": "PARTNER", "canonical": "Japan"}] * 2
    report = score_entities(predicted, [result], gold)
    assert report["mentions"]["PARTNER"] | {} == {"tp": 1, "fp": 1, "fn": 1, "precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert report["distinct"]["PARTNER"]["fn"] == 0


@pytest.mark.shared
def test_brief_entities_meet_the_targets(shared_dir, brief):
    """On the seed brief every label keeps an F1 of 0.95 or more."""
    from pipeline.extract import extract_document
    from pipeline.audit.entities import load_entity_gold, score_entities

    gold = load_entity_gold(shared_dir / "gold" / "entities.jsonl")
    report = score_entities(extract_document(brief), [brief], gold)["mentions"]
    for label in ("PARTNER", "EU_BODY", "DATE", "INSTRUMENT"):
        assert report[label]["f1"] >= 0.95, (label, report[label])
