"""Analysts' tables read from printed tables: the seed article's Tables 2-4 and our own article."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline.records import Fact
from pipeline.tables import tables_from_documents, write_tables
from pipeline.tables.source import mode_of, parse_bullet, split_bullets

ROOT = Path(__file__).resolve().parents[1]


def gold(folder: Path, name: str) -> list[dict]:
    with open(folder / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def norm(title: str) -> str:
    return " ".join(title.replace("\u2018", "'").replace("\u2019", "'").lower().split())


@pytest.fixture(scope="module")
def seed_frames(article):
    return tables_from_documents([article.document], article.tables)


@pytest.mark.shared
def test_seed_dialogues_equal_gold_on_all_40_cells(shared_dir, seed_frames):
    expected = {(r["partner"], r["domain"]): (int(r["ministerial"]), int(r["policy"]), r["as_of"]) for r in gold(shared_dir / "gold", "dialogues")}
    got = {(r.partner, r.domain): (int(r.ministerial), int(r.policy), r.as_of) for r in seed_frames["dialogues"].itertuples()}
    assert len(expected) == 40 and got == expected


@pytest.mark.shared
def test_seed_joint_statements_match_gold(shared_dir, seed_frames):
    expected = [(r["partner"], r["domains"], norm(r["title"]), int(r["year"])) for r in gold(shared_dir / "gold", "joint_statements")]
    got = [(r.partner, r.domains, norm(r.title), int(r.year)) for r in seed_frames["joint_statements"].itertuples()]
    assert got == expected
    without = [r["partner"] for r in gold(shared_dir / "gold", "partners_without_statements")]
    assert list(seed_frames["partners_without_statements"]["partner"]) == without


@pytest.mark.shared
def test_seed_cooperation_elements_match_gold(shared_dir, seed_frames):
    key = ("partner", "domain", "mode", "mode_text", "qualifiers")
    expected = Counter(tuple(r[k] for k in key) for r in gold(shared_dir / "gold", "cooperation_elements"))
    got = Counter(tuple(getattr(r, k) for k in key) for r in seed_frames["cooperation_elements"].itertuples())
    assert got == expected
    assert all(seed_frames["cooperation_elements"]["evidence"].str.startswith("Table 3, row"))


def test_own_article_tables_match_our_gold(own_article):
    result = own_article
    frames = tables_from_documents([result.document], result.tables)
    folder = ROOT / "corpus" / "gold"
    key = ("partner", "domain", "mode", "mode_text", "qualifiers")
    ce = Counter(tuple(r[k] for k in key) for r in gold(folder, "cooperation_elements"))
    assert Counter(tuple(getattr(r, k) for k in key) for r in frames["cooperation_elements"].itertuples()) == ce
    dialogues = {(r["partner"], r["domain"]): (int(r["ministerial"]), int(r["policy"])) for r in gold(folder, "dialogues")}
    assert {(r.partner, r.domain): (int(r.ministerial), int(r.policy)) for r in frames["dialogues"].itertuples()} == dialogues
    statements = {(r["partner"], norm(r["title"]), int(r["year"])) for r in gold(folder, "joint_statements")}
    assert {(r.partner, norm(r.title), int(r.year)) for r in frames["joint_statements"].itertuples()} == statements


def test_bullets_split_even_when_fused_and_parse_qualifiers():
    cell = "\u2013 Mediation (Iran)\u2013 Multilateral cooperation (G8, PSI)\n\u2013 Promoting effective multilateralism (UN 1540 resolution)"
    assert split_bullets(cell) == ["Mediation (Iran)", "Multilateral cooperation (G8, PSI)", "Promoting effective multilateralism (UN 1540 resolution)"]
    assert parse_bullet("Legal agreements (MLA, extradition)") == ("Legal agreements", ["MLA", "extradition"])
    assert parse_bullet("Science & Innovation") == ("Science & Innovation", [])
    assert [mode_of(t) for t in ("Joint seminars/training", "data exchanges", "Basic exchanges of information", "Coordination on internet-governance")] == [
        "joint_training", "data_agreement", "exchange_of_information", "internet_governance_coordination",
    ]


def test_workbook_and_heatmaps_are_written(tmp_path, seed_frames_or_own):
    folder = write_tables(seed_frames_or_own, tmp_path)
    book = load_workbook(folder / "secmine-tables.xlsx", read_only=True)
    assert {"dialogues", "joint_statements", "cooperation_elements", "partnerships", "evidence"} <= set(book.sheetnames)
    assert book["cooperation_elements"].max_row == len(seed_frames_or_own["cooperation_elements"]) + 1
    for name in ("cooperation_elements_heatmap.png", "dialogues_heatmap.png"):
        assert (folder / "plots" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def seed_frames_or_own(own_article):
    return tables_from_documents([own_article.document], own_article.tables)


def _fact(partner: str, instrument: str, itype: str, status: str, domain: str, doc: str = "d1", year: str = "") -> Fact:
    return Fact(doc, f"{doc}:3", 2, partner, {"Japan": "JPN", "Norway": "NOR"}.get(partner, ""), "country",
                instrument, itype, domain, "exchange_of_information", status, year, f"{partner} sentence.",
                rule_id="test", source_doc=f"{doc}.pdf")


def test_partnerships_and_unprinted_tables_come_from_facts():
    from pipeline.records import Document

    documents = [Document("d1", "d1.pdf", "A brief", "2025-03", 4, "ok", "")]
    facts = [
        _fact("Japan", "Security and defence partnership", "partnership", "signed", "defence_general"),
        _fact("Japan", "Security and Defence Partnerships", "partnership", "signed", "defence_general"),
        _fact("Norway", "Security and defence partnership", "partnership", "negotiating", "defence_general"),
        _fact("Japan", "Space security dialogue", "dialogue", "established", "outer_space"),
        _fact("Japan", "Cyber dialogue", "dialogue", "established", "cyber_security"),
        _fact("Japan", "Ministerial cyber dialogue", "dialogue", "established", "cyber_security"),
        _fact("Norway", "Joint Declaration on Maritime Security", "joint_statement", "signed", "maritime_security", year="2024"),
    ]
    frames = tables_from_documents(documents, [], facts)
    partnerships = frames["partnerships"]
    japan_sdp = partnerships[(partnerships.partner == "Japan") & (partnerships.instrument == "Security and defence partnership")]
    assert len(japan_sdp) == 1 and int(japan_sdp.supporting_facts.iloc[0]) == 2
    assert set(zip(partnerships.partner, partnerships.status)) >= {("Japan", "signed"), ("Norway", "negotiating")}
    assert (partnerships.page == 2).all() and (partnerships.source_doc == "d1.pdf").all()
    dialogues = frames["dialogues"].set_index(["partner", "domain"])
    assert (dialogues.loc[("Japan", "cyber_security"), ["ministerial", "policy"]].tolist()) == [1, 1]
    assert dialogues.loc[("Japan", "outer_space"), "as_of"] == "2025-03"
    statements = frames["joint_statements"]
    assert statements[["partner", "title", "year"]].values.tolist() == [["Norway", "Joint Declaration on Maritime Security", 2024]]
    assert str(statements["year"].dtype) == "Int64"
    assert set(frames["cooperation_elements"].source_table) == {""}


def test_a_printed_table_wins_over_facts_of_the_same_document(own_article):
    from pipeline.records import Document

    result = own_article
    article = result.document
    other = Document("d2", "d2.pdf", "A brief", "2025-03", 4, "ok", "")
    facts = [_fact("Japan", "Space security dialogue", "dialogue", "established", "outer_space", doc=article.doc_id),
             _fact("Japan", "Space security dialogue", "dialogue", "established", "outer_space", doc="d2")]
    plain = tables_from_documents([article], result.tables)["dialogues"]
    frames = tables_from_documents([article, other], result.tables, facts)
    dialogues = frames["dialogues"]
    assert len(dialogues) == len(plain) + 1
    added = dialogues[dialogues.source_table == ""]
    assert added[["partner", "domain", "source_doc"]].values.tolist() == [["Japan", "outer_space", "d2.pdf"]]


# -- row keys ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def own_article():
    from pipeline.ingest import ingest_file

    return ingest_file(ROOT / "corpus" / "docs" / "eu-strategic-partners-review-2017.pdf")


def test_every_row_has_a_stable_unique_key(own_article):
    from pipeline.records import Document

    result = own_article
    brief = Document("d1", "d1.pdf", "A brief", "2025-03", 4, "ok", "")
    facts = [_fact("Japan", "Security and defence partnership", "partnership", "signed", "defence_general"),
             _fact("Norway", "Joint Declaration on Maritime Security", "joint_statement", "signed", "maritime_security", year="2024")]
    first = tables_from_documents([result.document, brief], result.tables, facts)
    # Another run: the facts come in another order, one instrument is spelt differently, a page moved.
    again = tables_from_documents([brief, result.document], result.tables,
                                  [facts[1], facts[0].replace(instrument="Security and Defence Partnerships", page=3)])
    for name, frame in first.items():
        assert frame["row_key"].is_unique, name
        assert sorted(frame["row_key"]) == sorted(again[name]["row_key"]), name
    assert all(k.startswith("ce-") for k in first["cooperation_elements"]["row_key"])


def test_a_key_follows_the_fact_not_its_position_or_status():
    from pipeline.tables.keys import row_keys

    rows = [_fact("Japan", "Security and defence partnership", "partnership", "signed", "defence_general").to_row(),
            _fact("Norway", "Security and defence partnership", "partnership", "signed", "defence_general").to_row()]
    keys = row_keys("cooperation", rows)
    assert row_keys("cooperation", rows[::-1]) == keys[::-1]
    assert row_keys("cooperation", [{**rows[0], "status": "negotiating", "page": 9}])[0] == keys[0]  # changed, same fact
    assert row_keys("cooperation", [{**rows[0], "evidence": "Another sentence."}])[0] != keys[0]
    assert row_keys("cooperation", [{**rows[0], "doc_id": "d2"}])[0] != keys[0]
    twins = row_keys("cooperation", [rows[0], {**rows[0], "status": "negotiating"}, rows[0]])
    assert len(set(twins)) == 3  # same identity: told apart by content, then numbered
