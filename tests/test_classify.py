"""The passage domain classifier: training is deterministic, the card fits the model, and the
model in models/ reads passages the way an analyst would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import labelled_subset

from pipeline.classify import DEFAULT_MODEL_DIR, ModelCardError, classify_passages, load_model, trusted_hashes
from pipeline.classify.recipes import DEFAULT_RECIPE
from pipeline.classify.train import LabelError, choose_thresholds, evaluate_labelled, load_labelled, train
from pipeline.records import DOMAINS, Passage

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small_labels(tmp_path_factory) -> Path:
    """A quick subset of the labelled passages: the first 12 per domain and 12 with none."""
    return labelled_subset(tmp_path_factory.mktemp("labels"), 12)[0]


@pytest.fixture(scope="module")
def small_model(small_labels, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("model")
    train(small_labels, folder, random_state=0, folds=3)
    return folder


def test_training_is_deterministic(small_labels, small_model, tmp_path):
    again = tmp_path / "again"
    train(small_labels, again, random_state=0, folds=3)
    first = json.loads((small_model / "model_card.json").read_text())
    second = json.loads((again / "model_card.json").read_text())
    for card in (first, second):
        card.pop("trained")
    assert first == second  # the same thresholds, figures and model file (model_sha256)
    texts = ["Customs officers seized centrifuge parts bound for a sanctioned programme.", "The summit discussed trade."]
    assert load_model(small_model, trust=True).scores(texts) == load_model(again, trust=True).scores(texts)


def test_card_describes_the_model(small_labels, small_model):
    card = json.loads((small_model / "model_card.json").read_text())
    assert card["labels"] == list(DOMAINS)
    assert set(card["thresholds"]) == set(DOMAINS)
    assert set(card["cross_validation"]) == {*DOMAINS, "macro"}
    assert card["recipe"]["name"] == DEFAULT_RECIPE
    assert 0.0 <= card["grouped_cross_validation"]["no_domain"]["rate"] <= 1.0
    registers = card["training_data"]["by_register"]
    assert sum(r["passages"] for r in registers.values()) == card["training_data"]["passages"]
    assert card["training_data"]["passages"] == len(load_labelled(small_labels)[0])
    assert (small_model / "MODEL_CARD.md").read_text().startswith("# Passage domain classifier")
    assert load_model(small_model, trust=True).card == card


def test_loading_refuses_a_card_for_other_labels(small_model, tmp_path):
    copy = tmp_path / "m"
    copy.mkdir()
    for name in ("domain_classifier.joblib", "model_card.json"):
        (copy / name).write_bytes((small_model / name).read_bytes())
    card = json.loads((copy / "model_card.json").read_text())
    card["labels"] = card["labels"][:-1]
    (copy / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(ModelCardError, match="trained for labels"):
        load_model(copy, trust=True)


def test_loading_refuses_a_model_file_the_card_does_not_describe(small_model, tmp_path):
    copy = tmp_path / "m"
    copy.mkdir()
    (copy / "model_card.json").write_bytes((small_model / "model_card.json").read_bytes())
    (copy / "domain_classifier.joblib").write_bytes((small_model / "domain_classifier.joblib").read_bytes() + b"x")
    with pytest.raises(ModelCardError, match="not the file this card describes"):
        load_model(copy, trust=True)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelCardError, match="no trained model"):
        load_model(tmp_path / "empty", trust=True)
    with pytest.raises(ModelCardError, match="no such model folder"):
        load_model(tmp_path / "missing", trust=True)


def test_a_model_the_package_does_not_vouch_for_needs_trust(small_model):
    """Unpickling runs code: a folder's own card proves nothing, the package's record does."""
    with pytest.raises(ModelCardError, match="--trust-model"):
        load_model(small_model)
    assert load_model(small_model, trust=True).card["labels"] == list(DOMAINS)
    assert load_model(DEFAULT_MODEL_DIR).card["model_sha256"] in trusted_hashes()


def test_threshold_is_the_middle_of_the_near_best_range():
    """Where every threshold from 0.25 to 0.65 separates the classes, the middle one is taken."""
    import numpy as np

    labels = np.array([[1] * len(DOMAINS)] * 3 + [[0] * len(DOMAINS)] * 7)
    probabilities = np.where(labels == 1, 0.67, 0.23)
    assert choose_thresholds(labels, probabilities) == {d: 0.45 for d in DOMAINS}


def test_labelled_file_errors_name_line_and_column(tmp_path):
    bad = tmp_path / "labels.csv"
    bad.write_text("text,domains,source\nA passage about pirates.,maritime_security,x\nAnother.,piracy,x\n")
    with pytest.raises(LabelError, match="labels.csv, line 3, column 'domains': unknown domain 'piracy'"):
        load_labelled(bad)


@pytest.fixture(scope="module")
def model():
    return load_model(DEFAULT_MODEL_DIR)


def predicted(model, text: str, kind: str = "body") -> set[str]:
    rows = classify_passages([Passage("d", "d:1", 1, "", kind, text)], model)
    return {r.domain for r in rows if r.predicted}


def test_terrorist_financing_is_terrorism_and_organised_crime(model):
    text = (
        "To cut terrorist financing, investigators followed the money through hawala brokers and shell "
        "companies: the funds that paid for the bombing had been laundered together with the profits of "
        "cigarette smuggling, and the financial intelligence units now share suspicious transaction reports."
    )
    assert {"counter_terrorism", "organised_crime"} <= predicted(model, text)


def test_undersea_cables_are_maritime_and_cyber_when_it_says_so(model):
    sea = (
        "Two undersea cables linking the islands were severed within hours of each other, and coastguard "
        "vessels now escort the repair ships while naval patrols watch the anchorage and the shipping lane."
    )
    assert "maritime_security" in predicted(model, sea)
    data = (
        "The damaged undersea cables carried most of the region's internet traffic; operators rerouted "
        "data through satellite links while the cybersecurity agency investigated whether the sabotage "
        "was part of a hybrid campaign against network infrastructure and the naval escorts at sea."
    )
    assert {"maritime_security", "cyber_security"} <= predicted(model, data)


def test_reference_entry_has_no_domain(model):
    entry = "Council of the European Union, 'Council conclusions on maritime security and counter-piracy', Brussels, 26 June 2023."
    assert predicted(model, entry, kind="reference") == set()


def test_health_supply_chains_have_no_domain(model):
    """Medicines and vaccine supply chains are health policy, not security of supply."""
    text = (
        "The partners will keep factories that make insulin and generic antibiotics supplied with glass vials "
        "and active ingredients, share forecasts of demand with manufacturers and coordinate their purchases "
        "so that hospitals do not run short during the flu season."
    )
    assert predicted(model, text) == set()


def test_trade_paragraph_that_says_resilience_has_no_domain(model):
    text = (
        "Both sides welcomed the growth of bilateral trade in machinery and farm products, agreed to simplify "
        "rules of origin for small exporters and to make their economies more resilient by opening new markets."
    )
    assert predicted(model, text) == set()


def test_gas_supply_is_security_of_supply(model):
    text = (
        "To get through next winter without Russian pipeline gas, the two sides will add regasification "
        "capacity, keep storage sites full and send extra tankers of liquefied gas to the most exposed countries."
    )
    assert predicted(model, text) == {"security_of_supply"}


def test_dual_use_export_controls_are_non_proliferation(model):
    text = (
        "Licensing officers from both sides will compare notes on dual-use items that reach weapons programmes "
        "through third countries, and align their lists of controlled machine tools and electronic components."
    )
    assert "non_proliferation" in predicted(model, text)


def test_scores_cover_every_domain_between_zero_and_one(model):
    rows = classify_passages([Passage("d", "d:1", 1, "", "body", "The summit discussed trade and climate.")], model)
    assert [r.domain for r in rows] == list(DOMAINS)
    assert all(0.0 <= r.score <= 1.0 for r in rows)


def test_evaluate_reports_per_domain_and_macro(small_labels, small_model):
    scores = evaluate_labelled(small_labels, small_model, trust_model=True)
    assert set(scores) == {*DOMAINS, "macro"}
    assert all(0.0 <= scores[d]["f1"] <= 1.0 for d in DOMAINS)


@pytest.mark.shared
def test_seed_labels_still_match_the_seed_texts(shared_dir):
    """The held-out labels keep no text; they must still point at the passages they label."""
    scores = evaluate_labelled(ROOT / "corpus" / "labels" / "seed_eval.csv", DEFAULT_MODEL_DIR, shared_dir / "seeds")
    assert sum(scores[d]["support"] for d in DOMAINS) > 100
