"""Audit against hand-curated gold: matching rules, field scores, gold validation, outputs."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from pipeline.audit import (
    AuditError,
    GoldError,
    fields_below,
    run_audit,
    summary_markdown,
)
from pipeline.io import write_records
from pipeline.records import Document, Mention, Passage

ALPHA = "a" * 16  # alpha.pdf: its gold calls it alpha.txt (same stem)
BETA = "b" * 16  # beta.html
OMEGA = "c" * 16  # omega.pdf: not named by the gold

GOLD_HEADERS = {
    "joint_statements": ["partner", "partner_iso3", "domains", "title", "year", "source_doc", "source_table"],
    "cooperation_elements": ["partner", "partner_iso3", "domain", "mode", "mode_text", "qualifiers", "source_doc", "source_table"],
    "dialogues": ["partner", "partner_iso3", "domain", "ministerial", "policy", "as_of", "source_doc", "source_table"],
    "partnerships": ["partner", "partner_iso3", "partner_kind", "instrument", "status", "domain", "evidence", "source_doc"],
}
OUT_HEADERS = {
    "joint_statements": ["partner", "partner_iso3", "domains", "title", "year", "source_doc", "source_table", "page", "evidence"],
    "cooperation_elements": ["partner", "partner_iso3", "domain", "mode", "mode_text", "qualifiers", "source_doc", "source_table", "page", "evidence"],
    "dialogues": ["partner", "partner_iso3", "domain", "ministerial", "policy", "as_of", "source_doc", "source_table", "page", "evidence"],
    "partnerships": ["partner", "partner_iso3", "partner_kind", "instrument", "status", "domain", "evidence", "source_doc", "page", "passage_id"],
}

# Invented evidence, written for these tests.
NORWAY_TALKS = "Brussels and Oslo opened talks on a security and defence partnership last spring."
MOLDOVA_SIGNED = "A security and defence partnership with Moldova was signed at the Chisinau meeting."
ENISA_UKRAINE = "ENISA set up a Working Arrangement with its counterpart agency in Kyiv."


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def make_gold(folder: Path) -> Path:
    write_csv(folder / "joint_statements.csv", GOLD_HEADERS["joint_statements"], [
        ["United States", "USA", "CT", "EU\u2013US Declaration on \u2018Countering Violent Extremism\u2019", 2011, "alpha.txt", "Table 1"],
        ["Japan", "JPN", "NP", "EU-Japan Statement on Export Controls", 2013, "alpha.txt", "Table 1"],
        ["Canada", "CAN", "OC;CS", "EU-Canada Declaration on Cyber Crime", 2012, "alpha.txt", "Table 1"],
        ["India", "IND", "CT", "EU-India Declaration on Terrorist Financing", 2010, "gamma.pdf", "Table 1"],
    ])
    write_csv(folder / "cooperation_elements.csv", GOLD_HEADERS["cooperation_elements"], [
        ["United States", "USA", "organised_crime", "legal_agreement", "Legal agreements", "MLA;extradition", "alpha.txt", "Table 2"],
        ["United States", "USA", "organised_crime", "capacity_building", "Capacity-building", "Sahel", "alpha.txt", "Table 2"],
    ])
    write_csv(folder / "dialogues.csv", GOLD_HEADERS["dialogues"], [
        ["United States", "USA", "counter_terrorism", 1, 5, "2015-07", "alpha.txt", "Table 3"],
        ["Japan", "JPN", "cyber_security", 0, 2, "2015-07", "alpha.txt", "Table 3"],
    ])
    write_csv(folder / "brief_partnerships.csv", GOLD_HEADERS["partnerships"], [
        ["Norway", "NOR", "country", "Security and defence partnership", "negotiating", "defence_general", NORWAY_TALKS, "beta.html"],
        ["Moldova", "MDA", "country", "Security and defence partnership", "signed", "defence_general", MOLDOVA_SIGNED, "beta.html"],
        ["Ukraine", "UKR", "country", "Working Arrangement with ENISA", "established", "cyber_security", ENISA_UKRAINE, "beta.html"],
    ])
    entities = [
        {"doc": "alpha.txt", "text": "Japan", "label": "PARTNER", "canonical": "Japan", "context": "talks with Japan on export controls"},
        {"doc": "alpha.txt", "text": "Tokyo", "label": "PARTNER", "canonical": "Japan", "context": "Tokyo agreed to a second round"},
        {"doc": "alpha.txt", "text": "ENISA", "label": "EU_BODY", "canonical": "ENISA", "context": "ENISA hosted the round"},
    ]
    (folder / "entities.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    return folder


def make_outputs(out: Path) -> Path:
    documents = [Document(ALPHA, "alpha.pdf", pages=3), Document(BETA, "beta.html", pages=1), Document(OMEGA, "omega.pdf", pages=1)]
    write_records(documents, Document, out / "documents.csv")
    passages = [
        Passage(ALPHA, f"{ALPHA}:1", 1, "", "body", "The envoy held talks with Japan on export controls. Tokyo agreed to a second round."),
        Passage(ALPHA, f"{ALPHA}:2", 2, "", "table", "EU-Canada | OC/CS | EU-Canada Declaration on Cyber Crime (2012)"),
        Passage(ALPHA, f"{ALPHA}:3", 3, "", "footnote", "(1) Japan, see above."),
        Passage(ALPHA, f"{ALPHA}:4", 3, "", "body", "ENISA hosted the round in 2020."),
        Passage(BETA, f"{BETA}:1", 1, "", "body", f"{NORWAY_TALKS} {MOLDOVA_SIGNED} {ENISA_UKRAINE}"),
    ]
    write_records(passages, Passage, out / "passages.csv")
    tables = out / "tables"
    write_csv(tables / "joint_statements.csv", OUT_HEADERS["joint_statements"], [
        # typographic quotes, case and dash differ: the same statement
        ["United States", "USA", "CT", "eu-us declaration on 'countering  violent extremism'", 2011, "alpha.pdf", "Table 1", 2, "Table 1: row US"],
        ["Japan", "JPN", "NP", "EU-Japan Statement on Export Controls", 2014, "alpha.pdf", "Table 1", 2, "Table 1: row Japan"],  # wrong year
        ["Canada", "CAN", "OC;CS", "EU-Canada Declaration on Maritime Security", 2012, "alpha.pdf", "Table 1", 2, "Table 1: row Canada"],  # another title
        ["China", "CHN", "NP", "EU-China <Statement> on Space & Security", 2015, "alpha.pdf", "Table 1", 2, "Table 1: <b>China</b>"],  # extra
        ["Brazil", "BRA", "CT", "EU-Brazil Joint Statement", 2014, "delta.pdf", "Table 1", 1, "a document nobody ingested"],
        ["Mexico", "MEX", "CT", "EU-Mexico Joint Statement", 2014, "omega.pdf", "Table 1", 1, "a document the gold does not cover"],
    ])
    write_csv(tables / "cooperation_elements.csv", OUT_HEADERS["cooperation_elements"], [
        ["United States", "USA", "organised_crime", "legal_agreement", "Legal agreements", "extradition;MLA", "alpha.pdf", "Table 2", 2, "cell"],
        ["United States", "USA", "organised_crime", "capacity_building", "Capacity-building", "Sahel;Mali", "alpha.pdf", "Table 2", 2, "cell"],
        ["United States", "USA", "organised_crime", "joint_funding", "Joint funding", "", "alpha.pdf", "Table 2", 2, "cell"],
    ])
    write_csv(tables / "dialogues.csv", OUT_HEADERS["dialogues"], [
        ["United States", "USA", "counter_terrorism", 1, 6, "2015-07", "alpha.pdf", "Table 3", 3, "Table 3: USA | 1 | 6"],  # PD off by one
        ["Japan", "JPN", "cyber_security", 0, 2, "2015-07", "alpha.pdf", "Table 3", 3, "Table 3: Japan | 0 | 2"],
    ])
    write_csv(tables / "partnerships.csv", OUT_HEADERS["partnerships"], [
        ["Norway", "NOR", "country", "Security and defence partnership", "signed", "defence_general", NORWAY_TALKS, "beta.html", 1, f"{BETA}:1"],
        ["Republic of Moldova", "MDA", "country", "security and defence partnerships", "signed", "defence_general", MOLDOVA_SIGNED, "beta.html", 1, f"{BETA}:1"],
        ["Japan", "JPN", "country", "Digital Partnership agreement", "signed", "cyber_security", "An invented sentence about Japan.", "beta.html", 1, f"{BETA}:1"],
    ])
    mentions = [
        Mention(ALPHA, f"{ALPHA}:1", "PARTNER", "Japan", "Japan", 28, 33, "country:JPN", 0, 52),
        Mention(ALPHA, f"{ALPHA}:3", "PARTNER", "Japan", "Japan", 4, 9, "country:JPN", 0, 21),  # in a note: out of scope
        Mention(ALPHA, f"{ALPHA}:4", "EU_BODY", "ENISA", "ENISA", 0, 5, "eu-body:enisa", 0, 31),
        Mention(ALPHA, f"{ALPHA}:4", "DATE", "2020", "2020", 26, 30, "date:year", 0, 31),
        Mention(OMEGA, f"{OMEGA}:1", "PARTNER", "Peru", "Peru", 0, 4, "country:PER"),
    ]
    write_records(mentions, Mention, out / "mentions.csv")
    return out


@pytest.fixture
def case(tmp_path):
    gold = make_gold(tmp_path / "gold")
    out = make_outputs(tmp_path / "out")
    return gold, out


@pytest.fixture
def report(case):
    return run_audit(*case)


def scores(table: dict) -> tuple[int, int, int]:
    return table["tp"], table["fp"], table["fn"]


def test_audit_title_variants_match_and_other_titles_do_not(report):
    table = report["tables"]["joint_statements"]
    # US: quotes/case/dash variant = tp. Japan: year wrong = miss + spurious. Canada: other title = miss + spurious. China: extra.
    assert scores(table) == (1, 3, 2)
    missed = {r["partner"]: r for r in table["missed"]}
    assert set(missed) == {"Japan", "Canada"}
    assert missed["Japan"]["paired_with"] and missed["Japan"]["field_errors"] == {"year": {"gold": "2013", "output": "2014"}}
    assert missed["Canada"]["paired_with"] is None
    assert {r["partner"] for r in table["spurious"]} == {"Japan", "Canada", "China"}


def test_audit_wrong_year_is_a_field_error_of_the_pair(report):
    table = report["tables"]["joint_statements"]
    assert [(e["field"], e["gold"], e["output"]) for e in table["field_errors"]] == [("year", "2013", "2014")]
    year = table["fields"]["year"]
    assert (year["aligned"], year["wrong"], year["accuracy"]) == (2, 1, 0.5)
    assert table["fields"]["domains"]["accuracy"] == 1.0


def test_audit_not_in_corpus_rows_are_reported_apart_and_not_missed(report):
    table = report["tables"]["joint_statements"]
    assert table["not_in_corpus"] == 1 and table["in_corpus"] == 3
    assert table["not_in_corpus_rows"][0]["source_doc"] == "gamma.pdf"
    assert "gamma.pdf" in table["not_in_corpus_rows"][0]["reason"]
    assert "India" not in {r["partner"] for r in table["missed"]}
    documents = {d["gold_source_doc"]: d for d in report["documents"]}
    assert (documents["alpha.txt"]["source"], documents["alpha.txt"]["how"]) == ("alpha.pdf", "stem")
    assert documents["gamma.pdf"]["source"] == ""


def test_audit_rows_of_documents_outside_the_gold_are_out_of_scope(report):
    table = report["tables"]["joint_statements"]
    assert table["out_of_scope"] == 2 and table["output_rows"] == 6
    assert {r["partner"] for r in table["out_of_scope_rows"]} == {"Brazil", "Mexico"}


def test_audit_missed_rows_carry_evidence_document_and_page(report):
    canada = next(r for r in report["tables"]["joint_statements"]["missed"] if r["partner"] == "Canada")
    assert (canada["document"], canada["page"], canada["gold_line"]) == ("alpha.pdf", 2, "joint_statements.csv:4")
    assert "Cyber Crime" in canada["evidence"]
    china = next(r for r in report["tables"]["joint_statements"]["spurious"] if r["partner"] == "China")
    assert (china["document"], china["page"], china["evidence"]) == ("alpha.pdf", 2, "Table 1: <b>China</b>")


def test_audit_count_off_by_one_is_a_mismatch_of_that_field(report):
    table = report["tables"]["dialogues"]
    assert scores(table) == (1, 1, 1)
    assert table["fields"]["policy"]["wrong"] == 1 and table["fields"]["ministerial"]["wrong"] == 0
    assert table["fields"]["ministerial"]["f1"] == 1.0 and table["fields"]["policy"]["f1"] == 0.5
    assert [(e["field"], e["gold"], e["output"], e["page"]) for e in table["field_errors"]] == [("policy", "5", "6", 3)]


def test_audit_wrong_status_is_a_miss_a_spurious_row_and_a_field_error(report):
    table = report["tables"]["partnerships"]
    assert table["gold_files"] == ["brief_partnerships.csv"]
    # Moldova: alias partner and plural instrument still match; Norway: wrong status; Ukraine: missed; Japan: extra.
    assert scores(table) == (1, 2, 2)
    norway = next(r for r in table["missed"] if r["partner"] == "Norway")
    assert norway["field_errors"] == {"status": {"gold": "negotiating", "output": "signed"}}
    assert norway["evidence"] == NORWAY_TALKS and norway["page"] == 1
    assert [r["partner"] for r in table["spurious"]] == ["Norway", "Japan"]
    assert table["fields"]["status"]["wrong"] == 1 and table["fields"]["domain"]["wrong"] == 0


def test_audit_cooperation_elements_qualifier_sets_and_unrelated_bullets(report):
    table = report["tables"]["cooperation_elements"]
    # MLA/extradition in another order = tp; Sahel vs Sahel, Mali = paired on mode; Joint funding = extra.
    assert scores(table) == (1, 2, 1)
    assert [e["field"] for e in table["field_errors"]] == ["qualifiers"]
    assert next(r for r in table["spurious"] if r["mode"] == "joint_funding")["paired_with"] is None


def test_audit_mentions_counted_like_evaluate_entities(report):
    table = report["tables"]["entities"]
    # Japan twice in the gold, once in the body (the note is out of scope); ENISA found; 2020 extra; Peru's document is not in the gold.
    assert scores(table) == (2, 1, 1)
    assert scores(table["fields"]["PARTNER"]) == (1, 0, 1) and scores(table["fields"]["DATE"]) == (0, 1, 0)
    assert table["fields"]["INSTRUMENT"]["f1"] is None
    assert table["out_of_scope"] == 2
    spurious = table["spurious"][0]
    assert (spurious["canonical"], spurious["page"], spurious["evidence"]) == ("2020", 3, "ENISA hosted the round in 2020.")


def test_fields_below_lists_table_fields_under_the_bar(report):
    failing = fields_below(report, 0.9)
    assert {"dialogues.rows", "dialogues.policy", "partnerships.status", "joint_statements.year"} <= set(failing)
    assert "dialogues.ministerial" not in failing and "entities.EU_BODY" not in failing
    assert "entities.INSTRUMENT" not in failing  # nothing to score
    assert fields_below(report, 0.0) == []


def test_audit_writes_json_markdown_html_and_plot(case, report):
    folder = case[1] / "audit"
    assert json.loads((folder / "audit.json").read_text(encoding="utf-8")) == json.loads(json.dumps(report))
    assert (folder / "plots" / "agreement_matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = (folder / "audit.md").read_text(encoding="utf-8")
    assert "## partnerships" in markdown and "Matching rule" in markdown and "not in corpus" in markdown
    page = (folder / "audit.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;China&lt;/b&gt;" in page and "<b>China</b>" not in page
    assert 'class="missed"' in page and 'class="spurious"' in page and NORWAY_TALKS in page
    assert not list(folder.rglob("*.tmp"))
    summary = summary_markdown(report)
    assert "| dialogues | 0.500 | 0.500 | 0.500 | 1 | 1 | 1 |" in summary and "dialogues.policy" in summary


def test_audit_matrix_counts_partner_by_domain(report):
    cells = {(c["partner"], c["domain"]): (c["tp"], c["fn"], c["fp"]) for c in report["matrix"]["cells"]}
    assert cells[("United States", "counter_terrorism")] == (1, 1, 1)  # statement found; dialogue counts wrong
    assert cells[("Norway", "defence_general")] == (0, 1, 1)
    assert cells[("Canada", "cyber_security")] == (0, 1, 1)  # statement missed, another one spurious


def test_audit_missing_output_table_misses_every_gold_row(case):
    gold, out = case
    (out / "tables" / "dialogues.csv").unlink()
    (out / "mentions.csv").unlink()
    report = run_audit(gold, out)
    assert report["tables"]["dialogues"]["output_missing"] and scores(report["tables"]["dialogues"]) == (0, 0, 2)
    assert report["tables"]["dialogues"]["f1"] == 0.0 and "dialogues.rows" in fields_below(report, 0.5)
    assert scores(report["tables"]["entities"]) == (0, 0, 3)


def test_audit_audits_only_the_gold_files_present(tmp_path):
    gold = tmp_path / "gold"
    write_csv(gold / "dialogues.csv", GOLD_HEADERS["dialogues"], [["Japan", "JPN", "cyber_security", 0, 2, "2015-07", "alpha.pdf", "Table 3"]])
    report = run_audit(gold, make_outputs(tmp_path / "out"))
    assert list(report["tables"]) == ["dialogues"] and scores(report["tables"]["dialogues"]) == (1, 1, 0)  # the US row is not in this gold


def test_audit_finds_a_renamed_document_by_its_content(tmp_path):
    gold = tmp_path / "gold"
    write_csv(gold / "partnerships.csv", GOLD_HEADERS["partnerships"], [
        ["Moldova", "MDA", "country", "Security and defence partnership", "signed", "defence_general", MOLDOVA_SIGNED, "seed_007.txt"],
    ])
    out = make_outputs(tmp_path / "out")
    report = run_audit(gold, out)
    assert (report["documents"][0]["source"], report["documents"][0]["how"]) == ("beta.html", "content")
    assert scores(report["tables"]["partnerships"]) == (1, 2, 0)


def test_audit_rows_of_a_failed_document_are_missed_not_out_of_corpus(tmp_path):
    gold = tmp_path / "gold"
    write_csv(gold / "dialogues.csv", GOLD_HEADERS["dialogues"], [["Japan", "JPN", "cyber_security", 0, 2, "2015-07", "broken.pdf", "Table 3"]])
    out = make_outputs(tmp_path / "out")
    documents = [Document(ALPHA, "alpha.pdf"), Document("d" * 16, "broken.pdf", status="failed", error="broken.pdf: damaged PDF")]
    write_records(documents, Document, out / "documents.csv")
    table = run_audit(gold, out)["tables"]["dialogues"]
    assert scores(table) == (0, 0, 1) and table["not_in_corpus"] == 0
    assert table["missed"][0]["note"] == "document failed: broken.pdf: damaged PDF"


def test_audit_title_threshold_is_a_setting(case):
    strict = run_audit(*case, settings={"audit_title_threshold": 100})
    loose = run_audit(*case, settings={"audit_title_threshold": 60})
    assert strict["tables"]["joint_statements"]["tp"] == 1  # normalisation alone makes the variant equal
    assert loose["tables"]["joint_statements"]["fields"]["year"]["aligned"] == 3  # Cyber Crime ~ Maritime Security now aligned
    assert strict["settings"]["audit_title_threshold"] == 100


def test_audit_without_run_outputs_is_an_audit_error(tmp_path):
    with pytest.raises(AuditError, match="documents.csv"):
        run_audit(make_gold(tmp_path / "gold"), tmp_path / "nothing")


def _broken_gold(tmp_path: Path, name: str, header: list[str], rows: list[list]) -> Path:
    write_csv(tmp_path / "gold" / name, header, rows)
    return tmp_path / "gold"


@pytest.mark.parametrize(
    ("name", "header", "rows", "expected"),
    [
        ("dialogues.csv", GOLD_HEADERS["dialogues"][:4] + GOLD_HEADERS["dialogues"][5:], [["Japan", "JPN", "cyber_security", 0, "2015-07", "a.pdf", "T"]],
         r"dialogues\.csv, line 1, column 'policy': missing"),
        ("joint_statements.csv", GOLD_HEADERS["joint_statements"],
         [["Japan", "JPN", "NP", "A title", 2013, "a.pdf", "T"], ["Japan", "JPN", "NP;XX", "Another title", 2014, "a.pdf", "T"]],
         r"joint_statements\.csv, line 3, column 'domains': unknown domain code 'XX'"),
        ("cooperation_elements.csv", GOLD_HEADERS["cooperation_elements"],
         [["Japan", "JAP", "cyber_security", "capacity_building", "Capacity-building", "", "a.pdf", "T"]],
         r"cooperation_elements\.csv, line 2, column 'partner_iso3': 'JAP' is not an ISO 3166-1 alpha-3 code"),
        ("dialogues.csv", GOLD_HEADERS["dialogues"], [["Japan", "JPN", "cyber_security", "two", 2, "2015-07", "a.pdf", "T"]],
         r"dialogues\.csv, line 2, column 'ministerial': 'two' is not a whole number"),
        ("dialogues.csv", GOLD_HEADERS["dialogues"], [["Japan", "JPN", "cyber_security", 0, "2.5", "2015-07", "a.pdf", "T"]],
         r"dialogues\.csv, line 2, column 'policy': '2.5' is not a whole number"),
        ("cooperation_elements.csv", GOLD_HEADERS["cooperation_elements"],
         [["Japan", "JPN", "cyber_security", "teatime", "Tea", "", "a.pdf", "T"]],
         r"cooperation_elements\.csv, line 2, column 'mode': unknown mode 'teatime'"),
        ("partnerships.csv", GOLD_HEADERS["partnerships"],
         [["Norway", "NOR", "country", "Security and defence partnership", "pending", "defence_general", "x", "b.pdf"]],
         r"partnerships\.csv, line 2, column 'status': unknown status 'pending'"),
        ("partnerships.csv", GOLD_HEADERS["partnerships"],
         [["Norway", "NOR", "country", "Security and defence partnership", "signed", "security", "x", "b.pdf"]],
         r"partnerships\.csv, line 2, column 'domain': unknown domain 'security'"),
        ("dialogues.csv", GOLD_HEADERS["dialogues"], [["Japan", "KOR", "cyber_security", 0, 2, "2015-07", "a.pdf", "T"]],
         r"dialogues\.csv, line 2, column 'partner_iso3': 'KOR' is not the code of 'Japan'"),
    ],
)
def test_gold_validation_names_file_line_and_column(tmp_path, name, header, rows, expected):
    gold = _broken_gold(tmp_path, name, header, rows)
    with pytest.raises(GoldError, match=expected):
        run_audit(gold, make_outputs(tmp_path / "out"))


def test_gold_validation_counts_lines_of_quoted_multiline_fields(tmp_path):
    gold = _broken_gold(tmp_path, "partnerships.csv", GOLD_HEADERS["partnerships"], [
        ["Norway", "NOR", "country", "Security and defence partnership", "signed", "defence_general", "two\nlines", "b.pdf"],
        ["Norway", "NOR", "country", "Security and defence partnership", "signed", "defence_general", "x", ""],
    ])
    with pytest.raises(GoldError, match=r"line 4, column 'source_doc': empty"):
        run_audit(gold, make_outputs(tmp_path / "out"))


def test_gold_entities_errors_are_gold_errors(tmp_path):
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "entities.jsonl").write_text('{"doc": "a.pdf", "label": "PERSON", "canonical": "X"}\n', encoding="utf-8")
    with pytest.raises(GoldError, match=r"entities\.jsonl, line 1, field 'label'"):
        run_audit(gold, make_outputs(tmp_path / "out"))


def test_project_gold_folder_loads_clean():
    from pipeline.audit import load_gold

    gold = load_gold(Path(__file__).resolve().parents[1] / "corpus" / "gold")
    assert {"joint_statements", "cooperation_elements", "dialogues", "partnerships", "entities"} <= set(gold.tables)
    assert "partners_without_statements" in gold.tables


# --- the seed documents (../shared) -----------------------------------------------------------

SEED_SOURCES = {
    "002_526b068fa035d2bd.txt": "efar-2016-renard-partnering-for-global-security.pdf",
    "000_46047ba99165b17f.txt": "euiss-brief-2024-07-delivering-together.pdf",
}


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory, brief, article):
    """A run's outputs for the two seed PDFs, from the session's ingested documents: records, tables,
    and the mentions of the brief (the only document the entity gold covers, which keeps this fast)."""
    from pipeline.extract import extract_document
    from pipeline.outputs import write_ingest_outputs, write_mentions
    from pipeline.tables import rebuild_tables

    out = tmp_path_factory.mktemp("seed-run")
    write_ingest_outputs([article, brief], out)
    write_mentions(extract_document(brief), out)
    rebuild_tables(out)
    return out


def read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def counted(gold: Counter, output: Counter) -> tuple[int, int, int]:
    tp = sum((gold & output).values())
    return tp, sum(output.values()) - tp, sum(gold.values()) - tp


@pytest.mark.shared
def test_seed_audit_agrees_with_figures_recomputed_from_the_csvs(shared_dir, seed_run):
    report = run_audit(shared_dir / "gold", seed_run)
    assert json.loads((seed_run / "audit" / "audit.json").read_text(encoding="utf-8"))["tables"].keys() == report["tables"].keys()
    assert {d["gold_source_doc"]: d["source"] for d in report["documents"]} == SEED_SOURCES
    gold_dir, tables = shared_dir / "gold", seed_run / "tables"

    def norm(title: str) -> str:
        return " ".join(title.replace("\u2018", "'").replace("\u2019", "'").lower().split())

    keys = {
        "dialogues": lambda r: (r["partner"], r["domain"], int(r["ministerial"]), int(r["policy"]), r["as_of"]),
        "cooperation_elements": lambda r: (r["partner"], r["domain"], r["mode"], frozenset(r["qualifiers"].split(";"))),
        "partners_without_statements": lambda r: (r["partner"],),
    }
    for name, key in keys.items():
        gold = Counter(key(r) + (SEED_SOURCES[r["source_doc"]],) for r in read(gold_dir / f"{name}.csv"))
        output = Counter(key(r) + (r["source_doc"],) for r in read(tables / f"{name}.csv") if r["source_doc"] in SEED_SOURCES.values())
        assert scores(report["tables"][name]) == counted(gold, output), name

    # Fuzzy titles and instrument aliases can only add matches to the exact recount; totals agree.
    for name, gold_file, key in (
        ("joint_statements", "joint_statements.csv", lambda r: (r["partner"], int(r["year"]), norm(r["title"]))),
        ("partnerships", "brief_partnerships.csv", lambda r: (r["partner"], r["instrument"].lower(), r["status"])),
    ):
        gold = Counter(key(r) for r in read(gold_dir / gold_file))
        output = Counter(key(r) for r in read(tables / f"{name}.csv") if r["source_doc"] in SEED_SOURCES.values())
        tp = counted(gold, output)[0]
        table = report["tables"][name]
        assert table["tp"] >= tp and table["tp"] + table["fn"] == sum(gold.values()) and table["tp"] + table["fp"] == sum(output.values())

    kinds = {r["passage_id"]: r["kind"] for r in read(seed_run / "passages.csv")}
    brief_id = next(r["doc_id"] for r in read(seed_run / "documents.csv") if r["source"] == SEED_SOURCES["000_46047ba99165b17f.txt"])
    output = Counter((m["label"], m["canonical"]) for m in read(seed_run / "mentions.csv")
                     if m["doc_id"] == brief_id and kinds[m["passage_id"]] not in ("footnote", "reference"))
    with open(gold_dir / "entities.jsonl", encoding="utf-8") as handle:
        gold = Counter((e["label"], e["canonical"]) for e in map(json.loads, filter(str.strip, handle)))
    assert scores(report["tables"]["entities"]) == counted(gold, output)
