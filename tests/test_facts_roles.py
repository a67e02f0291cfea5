"""Who is a partner: roles of named states and bodies, "we" in joint and one-sided texts, the
document itself as a joint statement, and the year an instrument takes. All sentences are ours."""

from __future__ import annotations

import pytest

from pipeline.extract import extract_document
from pipeline.facts import extract_facts
from pipeline.ingest import ingest_file
from pipeline.records import Fact
from pipeline.tables.from_facts import joint_statements


def run(tmp_path, text: str, name: str = "note.md") -> tuple[list[Fact], object]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = ingest_file(path)
    assert result.document.status == "ok", result.document.error
    return extract_facts(result, extract_document(result), []), result.document


def partners(facts: list[Fact]) -> set[str]:
    return {f.partner for f in facts}


def note(body: str) -> str:
    return "# A note on partners\n\n" + body + "\n"


@pytest.mark.parametrize("sentence, expected", [
    # partner: the EU works, consults, coordinates, signs with it
    ("The EU agreed with Canada to coordinate patrols in the Arctic.", {"Canada"}),
    ("The European Union and Australia signed a framework agreement in Canberra.", {"Australia"}),
    ("Ministers from the EU and Chile held consultations on cyber threats.", {"Chile"}),
    # beneficiary: support or assistance
    ("The EU will support Moldova and Georgia in hardening their power grids.", {"Moldova", "Georgia"}),
    ("The Union delivers training and equipment to the coast guard of Ghana.", {"Ghana"}),
    ("The EU will strengthen the capacities of Armenia's border guards.", {"Armenia"}),
    ("The EU confirmed that it will maintain its financial and technical support to Moldova next year.", {"Moldova"}),
    # subjects of the talks beside the partner
    ("The EU and Canada discussed Russia's war and the situation in Sudan.", {"Canada"}),
])
def test_partner_and_beneficiary_roles_make_facts(tmp_path, sentence, expected):
    facts, _ = run(tmp_path, note(sentence))
    assert partners(facts) == expected
    assert all(f.role in ("partner", "beneficiary") and 0 < f.confidence <= 1 and f.basis for f in facts)


def test_support_is_marked_as_beneficiary(tmp_path):
    facts, _ = run(tmp_path, note("The EU will support Moldova in hardening its power grid."))
    assert [(f.partner, f.role, f.basis) for f in facts] == [("Moldova", "beneficiary", "support")]


@pytest.mark.parametrize("sentence", [
    "The EU condemned Russia's attacks on ports in the Black Sea.",  # subject: a threat
    "The EU discussed its approach towards China at length.",  # subject: a topic
    "The EU raised maritime security in the G20 and at the United Nations.",  # venues
    "The EU is worried about Iran's cooperation with Belarus.",  # a third party's own ties
    "The EU should partner with India on satellite navigation.",  # hypothetical
    "If Brazil asks for it, the EU could open a dialogue on space with Brazil.",  # conditional
])
def test_venues_subjects_and_hypotheticals_make_no_fact(tmp_path, sentence):
    facts, _ = run(tmp_path, note(sentence))
    assert facts == []


def test_venue_and_subject_beside_a_real_partner(tmp_path):
    sentence = ("At the United Nations, the EU and Japan agreed to coordinate their response to North Korea's "
                "missile launches.")
    facts, _ = run(tmp_path, note(sentence))
    assert partners(facts) == {"Japan"}


def test_coordinated_list_keeps_one_role_even_when_parsed_apart(tmp_path):
    sentence = ("The EU already cooperates on counter-piracy with the African Union, the IMO as well as a "
                "number of coastal states such as Kenya, Seychelles, Tanzania and Mozambique, but more "
                "countries could join.")
    facts, _ = run(tmp_path, note(sentence))
    assert {"Kenya", "Seychelles", "Tanzania", "Mozambique", "African Union"} <= partners(facts)


JOINT = """# Joint Statement of the European Union and the Republic of Korea on Security Cooperation

Seoul, 14 March 2025

The leaders of the European Union and the Republic of Korea met today in Seoul.

We launched a Security and Defence Partnership covering maritime security, cyber defence and crisis management.

Both sides condemned Russia's war against Ukraine and called on the DPRK to stop its missile tests.
"""


def test_a_joint_statement_names_its_signatories_and_is_a_fact(tmp_path):
    facts, document = run(tmp_path, JOINT, "eu-korea.md")
    assert document.doc_type == "joint_statement" and document.signatories == ["South Korea"]
    assert partners(facts) == {"South Korea"}
    own = [f for f in facts if f.basis == "signatory" and f.instrument_type == "joint_statement"]
    assert len(own) == 1 and own[0].instrument.startswith("Joint Statement of the European Union") and own[0].year == "2025"
    rows = joint_statements(facts, {document.doc_id: document})
    assert [(r["partner"], r["year"]) for r in rows] == [("South Korea", "2025")]


def test_we_in_a_joint_text_makes_the_signatory_a_partner_of_what_we_launch(tmp_path):
    facts, _ = run(tmp_path, JOINT, "eu-korea.md")
    launched = [f for f in facts if "security and defence partnership" in f.instrument.lower()]
    assert [(f.partner, f.basis, f.year) for f in launched] == [("South Korea", "signatory", "2025")]
    # Russia, Ukraine and the DPRK are what the leaders talked about, not partners.
    assert not partners(facts) & {"Russia", "Ukraine", "North Korea"}


def test_we_in_a_one_sided_text_is_not_the_eu(tmp_path):
    text = ("# Remarks by the Prime Minister of Norway on the Arctic\n\n"
            "We will work with Iceland and Canada on search and rescue in northern waters.\n")
    facts, document = run(tmp_path, text, "remarks.md")
    assert not document.signatories and facts == []


def test_the_year_of_another_clause_or_a_target_is_not_the_instruments(tmp_path):
    text = note("The EU signed a Digital Partnership agreement with Japan in 2022, and both aim for "
                "carbon neutrality by 2050.")
    facts, _ = run(tmp_path, text)
    assert [(f.partner, f.year) for f in facts] == [("Japan", "2022")]
    text = note("The EU and Japan committed to net-zero emissions by 2050 under a new Green Alliance.")
    facts, _ = run(tmp_path, text)
    assert facts and all(f.year != "2050" for f in facts)


def test_rule_ids_are_names_not_patterns(tmp_path):
    facts, _ = run(tmp_path, note("The EU cooperates on maritime security with Oman."))
    assert facts and all(not set(f.rule_id) & set("\\()[]?*+") for f in facts)
    assert facts[0].rule_id.startswith("fact:cooperation-cue|cue:")


def test_every_rule_id_part_is_declared_in_a_data_file(tmp_path):
    from pipeline.facts import declared_rule_ids

    facts, _ = run(tmp_path, JOINT, "eu-korea.md")
    more, _ = run(tmp_path, note("The EU cooperates on maritime security with Oman, and supports Kenya's coast guard."))
    parts = {part for f in facts + more for part in f.rule_id.split("|")}
    assert parts and parts <= declared_rule_ids()


@pytest.mark.parametrize("body, expected, role", [
    # the states an EU programme covers are its beneficiaries (a relative clause hung on the programme)
    ("The EU funds the second phase of the Coastal Surveillance Programme in West Africa, which covers "
     "Ghana, Togo and Benin.", {"Ghana", "Togo", "Benin"}, "beneficiary"),
    ("The EU-funded Sahel Water Resilience Programme brings together Chad, Niger and Cameroon.",
     {"Chad", "Niger", "Cameroon"}, "beneficiary"),
    # the EU acts through its operations: those who cooperate with them are partners
    ("The EU praised the cooperation between Operation Irini and other navies in the area, including the "
     "deployments of Egypt and Tunisia.", {"Egypt", "Tunisia"}, "partner"),
])
def test_programmes_and_operations_of_the_eu(tmp_path, body, expected, role):
    facts, _ = run(tmp_path, note(body))
    assert partners(facts) == expected
    assert {f.role for f in facts} == {role}


def test_a_numbered_paragraph_of_conclusions_speaks_for_the_council(tmp_path):
    text = ("# Council conclusions on the Gulf of Guinea\n\n"
            "3. It welcomes the launch of the Maritime Domain Awareness Programme, which covers Ghana and Nigeria.\n")
    facts, _ = run(tmp_path, text)
    assert partners(facts) == {"Ghana", "Nigeria"}


def test_a_state_named_in_an_eu_mission_is_not_the_eu(tmp_path):
    facts, _ = run(tmp_path, note("Canada contributed police officers to the EU Police Mission in Afghanistan."))
    assert "Canada" in partners(facts)
    assert "Afghanistan" not in partners(facts)
