"""Record types survive a CSV round trip; settings validate; outputs are written atomically."""

from __future__ import annotations

import pytest

from pipeline.io import atomic_path, read_jsonl, read_records, write_jsonl, write_records
from pipeline.records import Document, Passage, SourceTable
from pipeline.settings import Settings


def test_passage_round_trips_through_csv(tmp_path):
    passage = Passage(
        doc_id="abcd", passage_id="abcd:3", page=2, page_end=3, section="1 Intro > 1.1 Scope", kind="body",
        text="The EU and Japan signed a \u2018partnership\u2019, with a comma.\nSecond line", raw_text="raw",
        cites=["abcd:9", "abcd:10"], cited_by=[], bbox="1.0,2.0,3.0,4.0",
    )
    write_records([passage], Passage, tmp_path / "passages.csv")
    assert read_records(tmp_path / "passages.csv", Passage) == [passage]


def test_document_round_trips_with_parquet(tmp_path):
    doc = Document(doc_id="0123456789abcdef", source="a.pdf", title="T", pub_date="2024-05", pages=3, warnings=["w1"])
    write_records([doc], Document, tmp_path / "documents.csv", parquet=True)
    assert read_records(tmp_path / "documents.csv", Document) == [doc]
    assert (tmp_path / "documents.parquet").exists()


def test_source_table_round_trips_through_jsonl(tmp_path):
    table = SourceTable(
        doc_id="d", table_id="d:t1", page=1, page_end=2, caption="Table 1 X", header=[["", "A"]],
        rows=[["Canada", "\u2013 one\n\u2013 two"]], row_pages=[2], method="grid", passage_ids=["d:4"],
    )
    write_jsonl([table], tmp_path / "t.jsonl")
    assert read_jsonl(tmp_path / "t.jsonl", SourceTable) == [table]


def test_passage_rejects_unknown_kind():
    with pytest.raises(ValueError, match="unknown passage kind"):
        Passage(doc_id="d", passage_id="d:1", page=1, section="", kind="sidebar", text="x")


def test_match_text_keeps_offsets():
    passage = Passage(doc_id="d", passage_id="d:1", page=1, section="", kind="body", text="\u2018EU\u2013US\u2019 \u201cdeal\u201d")
    assert passage.match_text == "'EU-US' \"deal\""
    assert len(passage.match_text) == len(passage.text)


def test_atomic_write_keeps_old_file_on_error(tmp_path):
    target = tmp_path / "documents.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half-writ")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["documents.csv"]


def test_settings_resolve_and_validate(tmp_path):
    assert Settings.resolve(None) == Settings()
    assert Settings.resolve({"max_pages": 5}).max_pages == 5
    config = tmp_path / "secmine.toml"
    config.write_text("[secmine]\nmax_pages = 7\n")
    assert Settings.resolve(config).max_pages == 7
    with pytest.raises(ValueError, match="unknown setting"):
        Settings.resolve({"max_page": 5})
    with pytest.raises(ValueError, match="max_pages"):
        Settings(max_pages=0)
    assert Settings(doc_timeout_s=600) == Settings(doc_timeout_s=600.0)  # one setting, one cache key
