"""The figures of `secmine evaluate documents`, checked on a tiny hand-made run folder and gold."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.audit.documents import (
    content_words,
    date_found,
    evaluate_outputs,
    format_evaluation,
    instrument_matches,
)
from pipeline.scoring import find_passage, load_document_gold
from pipeline.cli import main

SHARED_DEV = Path(__file__).resolve().parents[1].parent / "shared" / "dev"


def write(folder: Path, name: str, rows: list[dict]) -> None:
    pd.DataFrame(rows).to_csv(folder / name, index=False)


@pytest.fixture
def run_folder(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    write(out, "documents.csv", [
        {"doc_id": "a1", "source": "memo-one.pdf", "status": "ok"},
        {"doc_id": "b2", "source": "memo-two.txt", "status": "ok"},
    ])
    write(out, "passages.csv", [
        {"doc_id": "a1", "passage_id": "a1:1", "text": "Ships of both navies patrolled the strait together in May."},
        {"doc_id": "a1", "passage_id": "a1:2", "text": "Tariffs on cheese were cut by half in the new trade deal."},
        {"doc_id": "a1", "passage_id": "a1:3", "text": "Hackers probed ministries; a joint cyber team answered within hours."},
        {"doc_id": "b2", "passage_id": "b2:1", "text": "Naval drills in the Gulf of Aden tested the new convoy plan."},
        {"doc_id": "b2", "passage_id": "b2:2", "text": "Pirates seized a tanker and the task force freed its crew at dawn."},
    ])
    write(out, "mentions.csv", [
        {"doc_id": "a1", "passage_id": "a1:1", "label": "PARTNER", "text": "Chile", "canonical": "Chile"},
        {"doc_id": "a1", "passage_id": "a1:1", "label": "PARTNER", "text": "Peru", "canonical": "Peru"},
        {"doc_id": "a1", "passage_id": "a1:1", "label": "INSTRUMENT", "text": "EU-Chile Maritime Dialogue",
         "canonical": "EU-Chile Maritime Dialogue"},
        {"doc_id": "a1", "passage_id": "a1:1", "label": "DATE", "text": "May 2021", "canonical": "2021-05"},
        {"doc_id": "b2", "passage_id": "b2:1", "label": "PARTNER", "text": "Oman", "canonical": "Oman"},
    ])
    write(out, "domains.csv", [
        {"passage_id": "a1:1", "domain": "maritime_security", "score": 0.9, "predicted": True},
        {"passage_id": "a1:2", "domain": "defence_general", "score": 0.7, "predicted": True},  # ignored
        {"passage_id": "a1:3", "domain": "cyber_security", "score": 0.2, "predicted": False},
        {"passage_id": "b2:1", "domain": "maritime_security", "score": 0.8, "predicted": True},
        {"passage_id": "b2:2", "domain": "maritime_security", "score": 0.3, "predicted": False},
    ])
    write(out, "cooperation.csv", [
        {"doc_id": "a1", "partner": "Chile", "evidence": "e1"},
        {"doc_id": "a1", "partner": "Peru", "evidence": "e2"},  # borderline: neutral
        {"doc_id": "a1", "partner": "Bolivia", "evidence": "Bolivia was only mentioned."},  # spurious
        {"doc_id": "b2", "partner": "Oman", "evidence": "e4"},
    ])
    return out


@pytest.fixture
def gold_folder(tmp_path: Path) -> Path:
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "memo-one.json").write_text(json.dumps({
        "text_file": "texts/memo-one.txt", "partners": ["Chile", "Argentina"], "partners_borderline": ["Peru"],
        "instruments": [
            {"name": "EU-Chile Maritime Dialogue (2021)", "security_relevant": True},
            {"name": "Joint Cyber Response Team", "security_relevant": True},
            {"name": "Cheese Protocol", "security_relevant": False},
        ],
        "dates": ["May 2021", "2019"],
        "passages": [
            {"text_start": "Ships of both navies patrolled the strait together", "domains": ["maritime security"]},
            {"text_start": "Tariffs on cheese were cut by half in the new", "domains": []},
            {"text_start": "Hackers probed ministries; a joint cyber team answered", "domains": ["cyber-security"]},
        ],
    }), encoding="utf-8")
    (gold / "memo-two.json").write_text(json.dumps({
        "text_file": "texts/memo-two.txt", "partners": ["Oman"], "instruments": [], "dates": [],
        "passages": [
            {"text_start": "Naval drills in the Gulf of Aden tested the new convoy", "domains": ["maritime security"]},
            {"text_start": "Pirates seized a tanker and the task force freed", "domains": ["maritime security"]},
        ],
    }), encoding="utf-8")
    return gold


def test_figures_on_a_tiny_run(run_folder, gold_folder):
    evaluation = evaluate_outputs(load_document_gold(gold_folder), run_folder)
    one, two = evaluation.documents
    # mention recall: Chile and Peru found, Argentina not (borderline partners count here)
    assert (one.partner_mentions.tp, one.partner_mentions.fn) == (2, 1)
    # cooperation partners: Chile right, Bolivia spurious, Argentina missed, Peru neutral
    assert (one.partners.tp, one.partners.fp, one.partners.fn) == (1, 1, 1)
    assert one.missed_partners == ["Argentina"] and [p for p, _ in one.spurious_partners] == ["Bolivia"]
    # instruments: only the security-relevant ones, the trailing year bracket dropped
    assert (one.instruments.tp, one.instruments.fn) == (1, 1)
    assert (one.dates.tp, one.dates.fn) == (1, 1) and one.missed_dates == ["2019"]
    # the trade passage predicts only defence_general, which is ignored: kept empty
    assert (one.empty_kept, one.empty_total) == (1, 1)
    total = evaluation.total
    assert (total.partners.tp, total.partners.fp, total.partners.fn) == (2, 1, 1)
    assert total.partners.precision == pytest.approx(2 / 3) and total.partners.f1 == pytest.approx(2 / 3)
    # maritime has 3 gold passages (tp 2, fn 1); cyber only 1, so it is not averaged
    assert set(evaluation.domain_f1) == {"maritime_security"}
    maritime = evaluation.domain_f1["maritime_security"]
    assert (maritime.tp, maritime.fp, maritime.fn) == (2, 0, 1)
    assert evaluation.macro_f1 == pytest.approx(0.8)
    report = format_evaluation(evaluation, show=True)
    assert "spurious partner      Bolivia: Bolivia was only mentioned." in report
    assert "missed partner        Argentina" in report


def test_a_gold_document_missing_from_the_run_counts_as_all_missed(run_folder, gold_folder, tmp_path):
    (gold_folder / "memo-three.json").write_text(json.dumps(
        {"text_file": "texts/memo-three.txt", "partners": ["Togo"], "instruments": [], "dates": ["1 May"]}), encoding="utf-8")
    evaluation = evaluate_outputs(load_document_gold(gold_folder), run_folder)
    three = next(d for d in evaluation.documents if d.name == "memo-three")
    assert not three.matched and evaluation.unmatched_gold == ["memo-three"]
    assert (three.partners.fn, three.dates.fn) == (1, 1)


def test_matching_helpers():
    assert content_words("The U.S.-EU Energy Council (2014)") == ["us", "eu", "energy", "council"]
    assert instrument_matches("U.S.-EU Energy Council", "EU-US Energy Council")
    assert instrument_matches("Joint Statement on the Arctic", "Joint Statement")  # the shorter name's words
    assert not instrument_matches("Energy Council", "Arctic Council Working Group on Shipping")
    assert date_found("the end of 2022", ["by the end of 2022"]) and date_found("June 2021", ["June"])
    assert not date_found("2019", ["2021"])
    passages = [("p1", "Heading"), ("p2", "Naval drills in the Gulf of Aden tested the new convoy plan.")]
    assert find_passage("Naval drills in the Gulf of Aden tested the", passages) == "p2"


def test_bad_gold_names_the_file(tmp_path):
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.json"):
        load_document_gold(tmp_path)


def test_command_scores_an_earlier_run(run_folder, gold_folder, capsys):
    assert main(["evaluate", "documents", "--gold", str(gold_folder), "--outputs", str(run_folder)]) == 0
    out = capsys.readouterr().out
    assert "cooperation partners        P 0.67  R 0.67  F1 0.67" in out


@pytest.mark.shared
@pytest.mark.skipif(not SHARED_DEV.is_dir(), reason="../shared/dev is not beside the project")
def test_command_runs_on_the_shared_dev_texts(tmp_path, capsys):
    assert main(["evaluate", "documents", "--gold", str(SHARED_DEV / "gold"), str(SHARED_DEV / "texts"),
                 "--json", str(tmp_path / "dev.json")]) == 0
    figures = json.loads((tmp_path / "dev.json").read_text(encoding="utf-8"))
    assert len(figures["documents"]) == 8 and not figures["unmatched_gold"]
    assert "overall" in capsys.readouterr().out


def test_the_project_evaluation_corpus_is_consistent_with_its_gold():
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1] / "corpus" / "eval"
    done = subprocess.run([sys.executable, str(root / "tools" / "check_gold.py"), str(root)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "14 documents, 0 errors" in done.stdout


def test_passages_with_the_same_first_words_are_told_apart_by_the_whole_start():
    passages = [("p1", "1. The EU and Norway agreed to meet twice a year on fisheries and quotas."),
                ("p2", "1. The EU and Norway agreed to meet twice a year on space and satellites.")]
    assert find_passage("1. The EU and Norway agreed to meet twice a year on space", passages) == "p2"
    assert find_passage("1. The EU and Norway agreed to meet twice a year on f", passages) == "p1"
