"""Extraction by form, on sentences we wrote: instrument titles and descriptions, organisations,
document-level titles and acronyms, and the guards that keep names precise."""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path

import pytest

from pipeline.extract import CHUNK_CHARS, chunks, extract_document, parsable
from pipeline.extract.mentions import find_mentions
from pipeline.vocab.nlp import load_nlp
from pipeline.records import Document, IngestResult, Passage


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def mentions(nlp, text: str, pub_date: str = "2024-06"):
    found = find_mentions(nlp(text), "d", "d:1", pub_date, "model")
    for m in found:
        assert text[m.start : m.end] == m.text
    return found


def instruments(nlp, text: str) -> list[tuple[str, str]]:
    return [(m.canonical, m.rule_id) for m in mentions(nlp, text) if m.label == "INSTRUMENT"]


def names(nlp, text: str, label: str) -> list[str]:
    return [m.canonical for m in mentions(nlp, text) if m.label == label]


def document(*texts: str, title: str = "", kinds: tuple[str, ...] = ()) -> IngestResult:
    doc = Document(doc_id="doc", source="doc.txt", title=title, pub_date="2024-03")
    passages = [Passage("doc", f"doc:{i}", 1, "", kinds[i] if i < len(kinds) else "body", text)
                for i, text in enumerate(texts)]
    return IngestResult(doc, passages)


# --- titles ------------------------------------------------------------------------------------


def test_parties_prefix_with_periods_gives_the_title_and_the_partner(nlp):
    text = "Officials prepared the next meeting of the U.S.-EU Energy Council in the spring."
    found = mentions(nlp, text)
    title = next(m for m in found if m.label == "INSTRUMENT")
    assert (title.canonical, title.instrument_type, title.rule_id) == (
        "U.S.-EU Energy Council", "forum", "instrument-title:parties-prefix")
    assert [m.canonical for m in found if m.label == "PARTNER"] == ["United States"]
    assert not [m for m in found if m.label == "EU_BODY"]  # "Council" belongs to the title


@pytest.mark.parametrize("prefix", ["EU-Canada", "EU\u2013Canada", "Canada-EU", "EU/Canada", "NATO-EU"])
def test_parties_prefix_forms(nlp, prefix):
    text = f"The {prefix} Working Group on Arctic Security met twice."
    assert instruments(nlp, text) == [(f"{prefix.replace(chr(0x2013), '-')} Working Group on Arctic Security",
                                      "instrument-title:parties-prefix")]


def test_head_that_needs_parties_is_no_title_without_them(nlp):
    text = "The National Security Council and the Atlantic Council held a seminar; the Joint Council met later."
    assert instruments(nlp, text) == [("Joint Council", "instrument-title:capitalised")]
    assert names(nlp, text, "PARTNER") == []  # not the UN Security Council
    assert names(nlp, text, "EU_BODY") == []  # not the Council of the EU


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        ("Both sides chair the Joint Task Force on Subsea Cables this year.", "Joint Task Force on Subsea Cables", "forum"),
        ("Buyers pooled demand through the EU Hydrogen Platform last winter.", "EU Hydrogen Platform", "forum"),
        ("Ministers signed the Transatlantic Pledge on Grid Resilience.", "Transatlantic Pledge on Grid Resilience", "joint_statement"),
        ("The Mediterranean Roadmap for Coastal Protection was adopted.", "Mediterranean Roadmap for Coastal Protection", "strategy"),
        ("Funds flow through the Andean Resilience Facility.", "Andean Resilience Facility", "fund"),
        ("They agreed the Declaration on Responsible Use of Drones.", "Declaration on Responsible Use of Drones", "joint_statement"),
    ],
)
def test_capitalised_titles_take_their_type_from_the_head(nlp, text, name, kind):
    found = [m for m in mentions(nlp, text) if m.label == "INSTRUMENT"]
    assert [(m.canonical, m.instrument_type) for m in found] == [(name, kind)]


def test_lowercase_head_after_a_capitalised_body(nlp):
    text = "Experts of the Quantum Sensing working group reported to the ministers."
    assert instruments(nlp, text) == [("Quantum Sensing working group", "instrument-title:lowercase-head")]


def test_coordinated_titles_give_one_instrument_each_and_keep_their_years(nlp):
    text = "Ministers recalled the 2018 and 2021 Joint Declarations on fisheries."
    found = mentions(nlp, text)
    assert [m.canonical for m in found if m.label == "INSTRUMENT"] == ["2018 Joint Declaration", "2021 Joint Declaration"]
    assert [m.canonical for m in found if m.label == "DATE"] == ["2018", "2021"]


def test_coordinated_parties_prefixes(nlp):
    text = "Negotiators compared the EU-Chile and EU-Mexico Advanced Framework Agreements."
    assert [c for c, _ in instruments(nlp, text)] == [
        "EU-Chile Advanced Framework Agreement", "EU-Mexico Advanced Framework Agreement"]
    assert names(nlp, text, "PARTNER") == ["Chile", "Mexico"]


def test_named_projects_inside_a_programme(nlp):
    text = "Estonia leads the PESCO projects 'Drone Shield' and 'Port Watch'."
    assert instruments(nlp, text) == [("PESCO project Drone Shield", "instrument-title:programme-project"),
                                      ("PESCO project Port Watch", "instrument-title:programme-project")]


def test_registered_instruments_keep_their_registered_names(nlp):
    text = "Planners cited the EU's Strategic Compass and the IORIS platform."
    assert [c for c, _ in instruments(nlp, text)] == ["Strategic Compass", "IORIS"]


def test_a_date_after_a_title_is_not_its_complement(nlp):
    text = "The EU-US Energy Council on 4 April 2023 took stock."
    assert [c for c, _ in instruments(nlp, text)] == ["EU-US Energy Council"]
    assert names(nlp, text, "DATE") == ["2023-04-04"]


def test_headings_in_capitals_are_no_titles_but_prefixed_ones_are(nlp):
    assert instruments(nlp, "BUILDING PARTNERSHIPS FOR PEACE") == []
    assert [c for c, _ in instruments(nlp, "THE EU-JAPAN ENERGY COUNCIL")] == ["EU-JAPAN ENERGY COUNCIL"]


def test_names_of_organisations_are_no_instruments(nlp):
    text = "Fellows of the Baltic Foundation for Security Policy met the Financial Action Task Force."
    assert instruments(nlp, text) == []
    assert names(nlp, text, "PARTNER") == ["FATF"]


def test_a_head_with_an_inner_preposition_is_the_title(nlp):
    found = [m for m in mentions(nlp, "States adopted a Code of Conduct for Satellite Operations.") if m.label == "INSTRUMENT"]
    assert [(m.canonical, m.instrument_type) for m in found] == [("Code of Conduct for Satellite Operations", "convention")]


def test_public_helpers_for_the_facts_stage():
    from pipeline.vocab.instruments import instrument_type, singular_head

    assert instrument_type("Joint Statement on the U.S.-EU Task Force on Energy Security") == "joint_statement"
    assert instrument_type("the Task Force") == "forum"
    assert instrument_type("a nameless thing") == "agreement"
    assert singular_head("Partnerships") == "Partnership" and singular_head("Facilities") == "Facility"
    assert singular_head("Consultations") == "Consultations" and singular_head("Minerals") == "Minerals"


# --- descriptive (lower-case) instruments -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "rule"),
    [
        ("The sides will launch a dedicated dialogue on ocean governance.", "Dialogue on ocean governance", "generic:established"),
        ("Brussels wants to negotiate a targeted agreement on rare earths.", "Agreement on rare earths", "generic:established"),
        ("They set up an expert group on vaccine logistics.", "Expert group on vaccine logistics", "generic:established"),
        ("The ministers held a high-level dialogue on the Horn of Africa.", "High-level dialogue on the Horn of Africa", "generic:topic-modifier"),
        ("Regular dialogues on energy transition continue.", "Dialogue on energy transition", "generic:complement"),
        ("The EU-Brazil partnership deepened.", "EU-Brazil partnership", "generic:parties-prefix"),
        ("The EU-facilitated dialogue between Yerevan and Baku resumed.", "EU-facilitated dialogue between Yerevan and Baku", "generic:parties-prefix"),
    ],
)
def test_described_instruments(nlp, text, name, rule):
    assert instruments(nlp, text) == [(name, rule)]


def test_coordinated_topics_of_a_plural_head(nlp):
    text = "Both sides will start EU-Canada dialogues on Arctic research, on fisheries, and shipping."
    assert [c for c, _ in instruments(nlp, text)] == [
        "EU-Canada dialogue on Arctic research", "EU-Canada dialogue on fisheries", "EU-Canada dialogue on shipping"]


@pytest.mark.parametrize(
    "text",
    [
        "These partnerships and the agreement were welcomed by everyone.",
        "The task force provides a platform for an exchange of views.",
        "A strategy is only as good as its implementation.",
        "They talked about the dialogue.",
        "3. Coordinate initiatives to boost vaccine supply.",
    ],
)
def test_plain_common_nouns_are_no_instruments(nlp, text):
    assert instruments(nlp, text) == []


# --- partners and organisations -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Experts of the Organization for Economic Cooperation and Development met.", "OECD"),
        ("The International Labor Organization set standards.", "International Labour Organization"),
        ("The World Health Organisation issued guidance.", "World Health Organization"),
        ("The WTO ruled on the dispute.", "World Trade Organization"),
        ("Officials of the United States of America attended.", "United States"),
        ("A U.N. envoy attended.", "United Nations"),
        ("The Food and Agriculture Organization warned of shortages.", "Food and Agriculture Organization"),
    ],
)
def test_organisation_and_country_forms(nlp, text, canonical):
    assert names(nlp, text, "PARTNER") == [canonical]


def test_acronyms_that_are_words_in_capital_headings(nlp):
    assert names(nlp, "WHO WE ARE AND WHAT WE DO", "PARTNER") == []
    assert names(nlp, "HOW THE WORLD HEALTH ORGANIZATION HELPS", "PARTNER") == ["World Health Organization"]
    assert names(nlp, "The WHO warned of a new variant.", "PARTNER") == ["World Health Organization"]
    assert names(nlp, "THE EU-US AGENDA", "PARTNER") == ["United States"]


def test_no_partner_inside_a_name_of_a_place_person_or_instrument(nlp):
    assert names(nlp, "The WTO Doha Development Agenda stalled for years.", "PARTNER") == ["World Trade Organization"]
    assert names(nlp, "Researchers at the Institut Pasteur de Dakar helped.", "PARTNER") == []
    assert names(nlp, "Chad Smith and Jordan Peterson spoke.", "PARTNER") == []


# --- the whole document -----------------------------------------------------------------------


def test_document_title_field_is_the_statement_itself():
    result = document(
        "SOURCE: archive TITLE: Joint Statement by Canada and the European Union on Ocean Security DATE: 2024-03-02",
        "Canada and the EU will work together on maritime security.",
    )
    found = [m for m in extract_document(result) if m.rule_id == "instrument-title:document-title"]
    assert [(m.canonical, m.instrument_type) for m in found] == [
        ("Joint Statement by Canada and the European Union on Ocean Security", "joint_statement")]


def test_printed_first_line_title_and_not_a_body_sentence():
    result = document("Joint Readout of the EU-Kenya Ministerial Meeting\nNairobi, 3 March 2024",
                      "The Joint Statement of last year was recalled by the ministers.", kinds=("heading",))
    found = [m.canonical for m in extract_document(result) if m.rule_id == "instrument-title:document-title"]
    assert found == ["Joint Readout of the EU-Kenya Ministerial Meeting"]
    assert [m for m in extract_document(document("A note on trade.", "Nothing here is a statement title."))
            if m.rule_id == "instrument-title:document-title"] == []


def test_a_title_set_on_two_lines():
    result = document("THE PRESS OFFICE", "Joint Communiqué of the EU-Chile\nAssociation Council", "Santiago, 4 May 2024",
                      kinds=("front_matter", "heading", "front_matter"))
    assert [m.canonical for m in extract_document(result) if m.rule_id == "instrument-title:document-title"] == [
        "Joint Communiqué of the EU-Chile Association Council"]


def test_a_statement_by_one_side_is_not_a_joint_statement():
    for title in ("Statement by the High Representative on the Elections", "Readout of the Minister's Call with Ghana"):
        result = document(title, "The minister spoke with partners.", kinds=("heading",))
        assert [m for m in extract_document(result) if m.rule_id == "instrument-title:document-title"] == []
    result = document("EU-Ghana Summit Statement", "Leaders met.", kinds=("heading",))
    assert [m.canonical for m in extract_document(result) if m.rule_id == "instrument-title:document-title"] == [
        "EU-Ghana Summit Statement"]


def test_acronyms_defined_in_the_document():
    result = document(
        "The EU-Peru Digital Cooperation Council (DCC) met in Lima, and Papua New Guinea (PNG) attended.",
        "The DCC will meet again; PNG will host it.",
    )
    later = [(m.text, m.canonical, m.rule_id) for m in extract_document(result) if m.passage_id == "doc:1"]
    assert later == [
        ("DCC", "EU-Peru Digital Cooperation Council", "acronym:defined-in-document"),
        ("PNG", "Papua New Guinea", "acronym:defined-in-document"),
    ]
    # an acronym nobody defined stays unknown
    assert [m for m in extract_document(document("PNG will host it.")) if m.label == "PARTNER"] == []


def test_short_forms_of_a_prefixed_title():
    result = document("The EU-Chile Advanced Framework Agreement entered into force.",
                      "Under the Advanced Framework Agreement trade grew, and the Agreement was praised.")
    later = [(m.text, m.canonical) for m in extract_document(result) if m.passage_id == "doc:1" and m.label == "INSTRUMENT"]
    assert later == [("Advanced Framework Agreement", "EU-Chile Advanced Framework Agreement"),
                     ("Agreement", "EU-Chile Advanced Framework Agreement")]


# --- long and broken texts ------------------------------------------------------------------------


def test_chunks_cover_a_long_paragraph_below_the_model_limit():
    text = ("The EU and Chile met in Santiago on security cooperation " * 90_000)[:5_000_000]
    pieces = list(chunks(text))
    assert all(len(piece) <= CHUNK_CHARS < load_nlp().max_length for _, piece in pieces)
    assert "".join(piece for _, piece in pieces) == text
    assert all(text[offset : offset + len(piece)] == piece for offset, piece in pieces)


def test_nul_heavy_five_megabyte_text_is_extracted_quickly():
    noise = "\x00" * 2_500_000 + "\x07\x1b" * 1_250_000
    text = noise[:2_000_000] + " Japan and the EU agreed in May 2024. " + noise[2_000_000:]
    assert len(text) > 5_000_000 and len(parsable(text)) == len(text)
    started = time.perf_counter()
    found = extract_document(document(text))
    assert time.perf_counter() - started < 60
    assert {(m.label, m.canonical) for m in found} >= {("PARTNER", "Japan"), ("DATE", "2024-05")}
    assert all(text[m.start : m.end] == m.text for m in found)


# --- rule ids ---------------------------------------------------------------------------------------


def _declared() -> list[re.Pattern[str]]:
    path = Path(__file__).parents[1] / "pipeline" / "resources" / "rule_ids.csv"
    with path.open(encoding="utf-8") as f:
        ids = [row["rule_id"] for row in csv.DictReader(f)]
    return [re.compile(re.sub(r"<[^>]+>", "[^|]+", re.escape(i).replace(r"\<", "<").replace(r"\>", ">")) + "$") for i in ids]


def test_every_rule_id_is_declared(nlp):
    declared = _declared()
    texts = [
        "The U.S.-EU Energy Council and the EU-Brazil partnership; they will launch a dialogue on space security.",
        "Security and defence dialogues and dialogues on maritime security, on piracy, and fishing began in mid-May.",
        "The 2018 and 2021 Joint Declarations, the PESCO project Drone Shield and the Statement on Cyber Norms.",
        "In winter 2023-24, since 2019, the past two decades and the 21st century; the EU's Strategic Compass.",
    ]
    result = document("TITLE: Joint Statement on Ocean Security DATE: 2024-01-02", *texts,
                      "The Energy Council (EC2) met; EC2 will meet again.")
    for m in extract_document(result):
        for part in m.rule_id.split("|", 1)[:1] + m.rule_id.split("|")[1:]:
            assert any(p.match(part) for p in declared) or part.startswith("model:"), m.rule_id


# --- real documents (../shared/dev), read at run time ----------------------------------------------


@pytest.mark.shared
def test_dev_documents_meet_the_extraction_targets(shared_dir):
    """Set D: partner mentions >= 0.97, security-relevant instruments >= 0.90, dates >= 0.95 recalled."""
    from pipeline.audit.documents import date_found, instrument_matches
    from pipeline.scoring import load_document_gold
    from pipeline.ingest import ingest_file

    dev = shared_dir / "dev"
    if not (dev / "gold").is_dir():
        pytest.skip("no ../shared/dev")
    partners, instruments, dates = [0, 0], [0, 0], [0, 0]
    for gold in load_document_gold(dev / "gold"):
        found = extract_document(ingest_file(dev / gold["text_file"]))
        canonicals = {m.canonical for m in found if m.label == "PARTNER"}
        wanted = set(gold["partners"]) | set(gold.get("partners_borderline", []))
        partners[0] += len(wanted & canonicals)
        partners[1] += len(wanted)
        names = [m.canonical for m in found if m.label == "INSTRUMENT"]
        relevant = [i["name"] for i in gold["instruments"] if i.get("security_relevant")]
        instruments[0] += sum(any(instrument_matches(n, m) for m in names) for n in relevant)
        instruments[1] += len(relevant)
        texts = [m.text for m in found if m.label == "DATE"]
        dates[0] += sum(date_found(d, texts) for d in gold.get("dates", []))
        dates[1] += len(gold.get("dates", []))
    assert partners[0] / partners[1] >= 0.97
    assert instruments[0] / instruments[1] >= 0.90
    assert dates[0] / dates[1] >= 0.95
