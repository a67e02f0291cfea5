"""Cooperation facts from sentences we wrote: lists, footnote lists, status, anaphora, merging."""

from __future__ import annotations

import pytest

from pipeline.extract import extract_document
from pipeline.facts import extract_facts
from pipeline.vocab.instruments import instrument_key, merge_facts
from pipeline.ingest import ingest_file
from pipeline.records import Fact
from pipeline.tables.from_facts import instrument_label


def facts_of(tmp_path, body: str, name: str = "note.md") -> list[Fact]:
    path = tmp_path / name
    path.write_text("# A security note\n\n" + body, encoding="utf-8")
    result = ingest_file(path)
    assert result.document.status == "ok", result.document.error
    return extract_facts(result, extract_document(result), [])


def table(facts: list[Fact]) -> set[tuple[str, str, str]]:
    return {(f.partner, f.instrument, f.status) for f in facts}


def test_coordinated_list_gives_one_fact_per_partner(tmp_path):
    facts = facts_of(tmp_path, "Last year the EU signed Digital Partnership agreements with Canada, Japan, Singapore and South Korea.\n")
    assert table(facts) == {(p, "Digital Partnership agreement", "signed") for p in ("Canada", "Japan", "Singapore", "South Korea")}
    fact = facts[0]
    assert fact.domain == "cyber_security" and fact.partner_iso3 == "CAN" and fact.partner_kind == "country"
    assert fact.evidence.startswith("Last year the EU signed") and fact.rule_id
    assert fact.passage_id.startswith(fact.doc_id) and fact.page == 1 and fact.source_doc == "note.md"


def test_two_links_in_one_sentence_split_the_partners(tmp_path):
    facts = facts_of(tmp_path, "The EU already works with Australia on cyber threats, and has signed Digital Partnership agreements with Japan and Singapore.\n")
    assert table(facts) == {
        ("Australia", "", "cooperating"),
        ("Japan", "Digital Partnership agreement", "signed"),
        ("Singapore", "Digital Partnership agreement", "signed"),
    }
    australia = next(f for f in facts if f.partner == "Australia")
    assert (australia.instrument_type, australia.domain, australia.basis) == ("generic", "cyber_security", "cooperation_verb")


def test_footnote_list_fills_a_counted_group(tmp_path):
    body = (
        "To ease their contributions to missions, the EU has concluded Framework Participation Agreements with five countries.[^1]\n\n"
        "[^1]: Albania, Chile, Georgia, Jordan and Peru.\n"
    )
    facts = facts_of(tmp_path, body)
    assert table(facts) == {(p, "CSDP Framework Participation Agreement", "signed") for p in ("Albania", "Chile", "Georgia", "Jordan", "Peru")}
    assert all(f.domain == "crisis_management" for f in facts)
    assert "note-list" in facts[0].rule_id and "Albania, Chile" in facts[0].evidence


def test_footnote_list_with_another_count_is_not_used(tmp_path):
    body = (
        "To ease their contributions to missions, the EU has concluded Framework Participation Agreements with four countries.[^1]\n\n"
        "[^1]: Albania, Chile, Georgia, Jordan and Peru.\n"
    )
    assert facts_of(tmp_path, body) == []


def test_footnote_in_prose_joins_the_citing_instrument(tmp_path):
    body = (
        "Partners such as Norway and Canada cooperate closely with the EU on security and defence matters.[^1]\n\n"
        "[^1]: Coordination is also pursued with Iceland.\n"
    )
    facts = facts_of(tmp_path, body)
    assert table(facts) == {(p, "", "cooperating") for p in ("Norway", "Canada", "Iceland")}
    iceland = next(f for f in facts if f.partner == "Iceland")
    assert iceland.domain == "defence_general" and iceland.basis == "footnote_note"


@pytest.mark.parametrize("sentence, status", [
    ("The EU is currently negotiating a security and defence partnership with Japan.", "negotiating"),
    ("The EU intends to offer a security and defence partnership to Japan.", "proposed"),
    ("The EU plans to sign a security and defence partnership with Japan.", "proposed"),
    ("A security and defence partnership with Japan has been envisaged by the EU.", "envisaged"),
    ("Talks on an EU security and defence partnership with Japan have not started yet.", "envisaged"),
    ("The EU has not signed a security and defence partnership with Japan.", "envisaged"),
    ("In May the EU signed a security and defence partnership with Japan.", "signed"),
    ("The EU holds a space security dialogue with Japan every year.", "established"),
    ("The EU suspended its space security dialogue with Japan in 2022.", "ended"),
    ("The EU cooperates on maritime security with Japan.", "cooperating"),
    # a named body that will act exists already; one that will be set up does not yet
    ("The EU-Japan Space Security Dialogue will meet again in Tokyo in May.", "established"),
    ("The EU-Japan Space Security Dialogue will be launched in Tokyo in May.", "proposed"),
])
def test_status_from_the_verb_and_its_modality(tmp_path, sentence, status):
    facts = facts_of(tmp_path, sentence + "\n")
    assert [(f.partner, f.status) for f in facts] == [("Japan", status)]


def test_cooperation_takes_its_topic_as_domain_and_no_invented_name(tmp_path):
    facts = facts_of(tmp_path, "The EU cooperates on maritime security with Oman and Kenya.\n")
    assert {(f.partner, f.instrument, f.instrument_type, f.domain) for f in facts} == {
        ("Oman", "", "generic", "maritime_security"),
        ("Kenya", "", "generic", "maritime_security"),
    }
    # The analysts' tables name such a cooperation after its domain.
    assert {instrument_label(f) for f in facts} == {"Maritime security cooperation"}


def test_cooperation_without_a_domain_has_none(tmp_path):
    facts = facts_of(tmp_path, "The EU works with Chile on tax transparency and with Peru on aviation rules.\n")
    assert {(f.partner, f.instrument, f.domain) for f in facts} == {("Chile", "", ""), ("Peru", "", "")}
    assert all(instrument_label(f) == "" for f in facts)


def test_demonstrative_names_the_talks_of_the_sentence_before(tmp_path):
    body = "The Union raises space matters in its political discussions with Japan and Norway. These space security dialogues also cover debris.\n"
    assert table(facts_of(tmp_path, body)) == {(p, "Space security dialogue", "established") for p in ("Japan", "Norway")}


def test_group_anaphor_takes_the_partners_named_before(tmp_path):
    body = (
        "Canada and Norway already work closely with the EU on defence. "
        "The EU could create a Partnership Plus category for its closest partners.\n"
    )
    facts = table(facts_of(tmp_path, body))
    assert {("Canada", "Partnership Plus (proposed)", "proposed"), ("Norway", "Partnership Plus (proposed)", "proposed")} <= facts


def test_no_fact_without_the_eu_or_for_member_states(tmp_path):
    assert facts_of(tmp_path, "China and Russia signed a strategic partnership in 2001.\n") == []
    facts = facts_of(tmp_path, "The EU cooperates on maritime security with France, Italy and Oman.\n")
    assert [f.partner for f in facts] == ["Oman"]


def test_year_comes_from_the_sentence(tmp_path):
    facts = facts_of(tmp_path, "In 2023 the EU signed a security and defence partnership with Japan.\n")
    assert [f.year for f in facts] == ["2023"]


def test_same_instrument_across_documents_becomes_one():
    def fact(instrument: str, basis: str, doc: str) -> Fact:
        return Fact(doc, f"{doc}:1", 1, "Japan", "JPN", "country", instrument, "partnership", "cyber_security",
                    "operational_cooperation", "signed", "", "evidence", basis=basis, source_doc=f"{doc}.pdf")

    facts = [fact("Digital partnership agreements", "descriptive_instrument", "a"),
             fact("Digital Partnership agreement", "named_instrument", "b"),
             fact("'Digital Partnership Agreement'", "cooperation_verb", "c")]
    merged = merge_facts(facts)
    assert {f.instrument for f in merged} == {"Digital Partnership agreement"}
    assert [f.source_doc for f in merged] == ["a.pdf", "b.pdf", "c.pdf"]
    assert instrument_key("Security and Defence Partnerships (2024)") == instrument_key("security and defence partnership")


def test_failed_document_has_no_facts(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"not a pdf")
    result = ingest_file(path)
    assert result.document.status == "failed"
    assert extract_facts(result, [], []) == []
