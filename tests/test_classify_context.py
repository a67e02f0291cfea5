"""A document's type as context for its passages' domains: the family of a passage (official text,
analytical prose, table row), thresholds per family, cross-validation that scores each register
with its family's rule, and the type a document prints outside its title."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from conftest import labelled_subset

from pipeline.classify import DomainModel, classify_passages, load_model, passage_family, register_family
from pipeline.classify.recipes import DEFAULT_RECIPE, RECIPES
from pipeline.classify.train import choose_thresholds, cross_fitted_predictions, train
from pipeline.facts.document import describe_document
from pipeline.ingest import ingest_file
from pipeline.records import DOMAINS, Passage
from pipeline.resources import table_rows

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "corpus" / "labels" / "passages.csv"
NP = DOMAINS.index("non_proliferation")


def test_every_training_register_and_document_type_has_a_family():
    with open(LABELS, encoding="utf-8", newline="") as handle:
        registers = {row["register"] for row in csv.DictReader(handle)}
    assert all(register_family(r) in ("official", "analysis", "table") for r in registers)
    doc_types = {row["doc_type"] for row in table_rows("document_types.csv")}
    assert all(passage_family("body", t) for t in doc_types)


def test_a_passage_takes_its_documents_family_and_a_table_row_is_a_table_row():
    assert passage_family("body", "joint_statement") == "official"
    assert passage_family("body", "fact_sheet") == "official"
    assert passage_family("body", "brief") == "analysis"
    assert passage_family("heading", "article") == "analysis"
    assert passage_family("table", "joint_statement") == "table"
    assert passage_family("body", "") == ""  # unknown type: the model's default thresholds


def test_the_kept_recipe_is_more_lenient_for_analysis_and_tables_only():
    spec = RECIPES[DEFAULT_RECIPE]
    assert spec.rule_for("official") == spec.rule_for("") == "f0.5"
    assert spec.rule_for("analysis") == spec.rule_for("table") == "f0.75"


def test_cross_validation_scores_each_family_with_its_rule():
    """A doubtful true passage: kept by the lenient rule of one family, dropped by the precise
    rule of the other, from the same probabilities and folds."""
    labels = np.array([[int(i < 10 and j == NP) for j in range(len(DOMAINS))] for i in range(20)] * 2)
    scores = np.zeros(labels.shape)
    pattern = [0.9] * 6 + [0.35] * 4 + [0.35] * 3 + [0.05] * 7
    scores[:, NP] = pattern * 2
    folds = np.repeat([0, 1], 20)
    assert choose_thresholds(labels, scores, rule="f1")["non_proliferation"] <= 0.35
    assert choose_thresholds(labels, scores, rule="f0.5")["non_proliferation"] > 0.35
    families = ["official"] * 20 + ["analysis"] * 20
    predicted = cross_fitted_predictions(labels, scores, folds, "f0.5", families, {"analysis": "f1"})
    doubtful = [i for i, s in enumerate(scores[:, NP]) if s == 0.35 and labels[i, NP]]
    assert not predicted[[i for i in doubtful if i < 20], NP].any()
    assert predicted[[i for i in doubtful if i >= 20], NP].all()


@pytest.fixture(scope="module")
def small_model(tmp_path_factory) -> Path:
    """A model trained on a few passages per domain, with the kept recipe's family thresholds."""
    path, taken = labelled_subset(tmp_path_factory.mktemp("labels"), 10)
    folder = tmp_path_factory.mktemp("model")
    card = train(path, folder, random_state=0, folds=3)
    assert set(card["family_thresholds"]) == {"analysis", "table"}
    assert card["parameters"]["threshold_rule"]["by_family"] == {"analysis": "f0.75", "table": "f0.75"}
    assert set(card["grouped_cross_validation_by_register"]) <= {r["register"] for r in taken}
    return folder


def test_the_saved_card_gives_the_loaded_model_its_family_thresholds(small_model):
    model = load_model(small_model, trust=True)
    assert set(model.family_thresholds) == {"analysis", "table"}
    assert model.thresholds_for("analysis") == model.family_thresholds["analysis"]
    assert model.thresholds_for("official") == model.thresholds_for("") == model.thresholds


def test_classify_passages_judges_a_passage_by_its_documents_family(small_model):
    saved = load_model(small_model, trust=True)
    lenient = {d: 0.0 for d in DOMAINS}
    model = DomainModel(saved.pipeline, saved.thresholds, saved.card, {"analysis": lenient, "table": lenient})
    passages = [Passage("d", "d:1", 1, "", "body", "The ministers met in Geneva and issued a statement on trade."),
                Passage("d", "d:2", 1, "", "table", "Chile | Exports (EUR bn): 12 | Imports (EUR bn): 9")]

    def predicted(document) -> dict[str, set[str]]:
        rows = classify_passages(passages, model, document)
        return {p.passage_id: {r.domain for r in rows if r.passage_id == p.passage_id and r.predicted} for p in passages}

    assert predicted("brief")["d:1"] == set(DOMAINS)  # analysis: every score reaches 0.0
    assert predicted("joint_statement")["d:1"] != set(DOMAINS)
    assert predicted(None)["d:2"] == predicted("joint_statement")["d:2"] == set(DOMAINS)  # a table row anywhere
    profile = type("Profile", (), {"doc_type": "article"})()  # anything with a doc_type will do
    assert predicted(profile)["d:1"] == set(DOMAINS)
    # the old call, without a document, still works and uses the default thresholds
    assert predicted(None)["d:1"] == predicted("joint_statement")["d:1"]


def _ingest(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return ingest_file(path)


def test_a_type_header_names_the_type_when_the_title_does_not(tmp_path):
    text = ("SOURCE: written for a test\nTITLE: Minerals and the new scramble for supply\nDATE: 2024-05-02\n"
            "TYPE: think-tank policy brief\n\nEurope imports most of the lithium it refines.\n")
    profile = describe_document(_ingest(tmp_path, "minerals.txt", text), [])
    assert profile.doc_type == "brief" and profile.type_rule == "doctype:brief"


def test_a_short_line_above_the_title_names_the_type(tmp_path):
    text = ("Policy Brief No. 3/2025\n\n# Ports, straits and the cost of insurance\n\n"
            "Shipping through the Red Sea fell by half in a year, and insurers raised their premiums.\n")
    assert describe_document(_ingest(tmp_path, "ports.md", text), []).doc_type == "brief"


def test_the_title_comes_first_and_long_lines_name_no_type(tmp_path):
    text = ("TITLE: Joint Statement of the EU and Chile on raw materials\nTYPE: press release\n\n"
            "The two sides agreed a roadmap for lithium refining.\n")
    assert describe_document(_ingest(tmp_path, "chile.txt", text), []).doc_type == "joint_statement"
    text = ("# Notes on a long day of talks\n\nThe analysis of the delegations was that the report of the "
            "working group should wait until the spring.\n")
    assert describe_document(_ingest(tmp_path, "notes.md", text), []).doc_type == ""


def test_the_pipeline_classifies_a_documents_passages_with_its_type(tmp_path):
    """analyse_document reads the document's type before classifying: a brief's passages are
    judged by the analysis thresholds, a joint statement's by the official ones."""
    from pipeline.classify import DEFAULT_MODEL_DIR
    from pipeline.stages import analyse_document

    saved = load_model(DEFAULT_MODEL_DIR)
    model = DomainModel(saved.pipeline, saved.thresholds, saved.card, {"analysis": {d: 0.0 for d in DOMAINS}})
    body = "The ministers met in Geneva and agreed to cut tariffs on cheese and wine.\n"
    brief = _ingest(tmp_path, "brief.txt", "TITLE: Cheese, wine and tariffs\nTYPE: policy brief\n\n" + body)
    joint = _ingest(tmp_path, "joint.txt", "TITLE: Joint Statement on cheese, wine and tariffs\n\n" + body)

    def predicted(result) -> set[str]:
        _, scores, _ = analyse_document(result, model)
        last = result.passages[-1].passage_id
        return {s.domain for s in scores if s.passage_id == last and s.predicted}

    assert predicted(brief) == set(DOMAINS)
    assert predicted(joint) == set()
