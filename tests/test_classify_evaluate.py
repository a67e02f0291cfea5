"""How the classifier is measured: grouped folds, thresholds chosen without the scored fold, the
'none' gate, the side-by-side table, and the held-out evaluations on ../shared."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.classify import DEFAULT_MODEL_DIR, DomainModel, classify_passages, load_model
from pipeline.classify.evaluate import (
    DomainReport,
    document_gold_passages,
    domain_evaluation,
    evaluate_gold,
    format_reports,
    labelled_gold_passages,
)
from pipeline.classify.recipes import RECIPES, Recipe, build_estimator
from pipeline.classify.train import (
    choose_thresholds,
    cross_fitted_predictions,
    fold_numbers,
    load_labelled_set,
)
from pipeline.cli import main
from pipeline.records import DOMAINS, Passage

ROOT = Path(__file__).resolve().parents[1]
NP, SOS = DOMAINS.index("non_proliferation"), DOMAINS.index("security_of_supply")


def _row(*domains: str) -> list[int]:
    return [int(d in domains) for d in DOMAINS]


def test_folds_never_split_a_register():
    groups = ["speech"] * 5 + ["news"] * 7 + ["fact_sheet"] * 3 + ["academic"] * 9 + ["think_tank"] * 4 + ["table"] * 2
    folds = fold_numbers(groups, 5, random_state=0)
    for register in set(groups):
        assert len({f for f, g in zip(folds, groups) if g == register}) == 1
    assert len(set(folds)) == 5


def test_too_few_registers_fall_back_to_shuffled_folds():
    folds = fold_numbers(["x"] * 10 + ["y"] * 10, 5, random_state=0)
    assert sorted(np.bincount(folds)) == [4, 4, 4, 4, 4]


def test_register_comes_from_the_register_column_or_the_older_source(tmp_path):
    new = tmp_path / "new.csv"
    new.write_text("text,domains,register,author\nPirates boarded a tanker.,maritime_security,news,me\n", encoding="utf-8")
    old = tmp_path / "old.csv"
    old.write_text("text,domains,source\nPirates boarded a tanker.,maritime_security,written:think-tank\n", encoding="utf-8")
    assert load_labelled_set(new).groups == ["news"] and load_labelled_set(new).authors == ["me"]
    assert load_labelled_set(old).groups == ["think-tank"]


def test_the_precise_rule_prefers_none():
    """Where a higher threshold drops a few true passages and many false ones, F0.5 takes it and F1 does not."""
    labels = np.array([_row("non_proliferation")] * 10 + [_row()] * 10)
    scores = np.zeros(labels.shape)
    scores[:10, NP] = [0.9] * 6 + [0.35] * 4  # 6 sure, 4 doubtful true passages
    scores[10:, NP] = [0.35] * 3 + [0.05] * 7  # 3 doubtful false ones
    f1, precise = choose_thresholds(labels, scores), choose_thresholds(labels, scores, rule="f0.5")
    assert f1["non_proliferation"] <= 0.35 < precise["non_proliferation"]


def test_a_fold_is_scored_with_thresholds_chosen_without_it():
    """Flipping the labels of fold 0 must not change fold 0's predictions."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=(60, len(DOMAINS)))
    probabilities = np.clip(labels * 0.5 + rng.random((60, len(DOMAINS))) * 0.6, 0, 1)
    folds = np.repeat(np.arange(3), 20)
    first = cross_fitted_predictions(labels, probabilities, folds, "f1")
    flipped = labels.copy()
    flipped[folds == 0] = 1 - flipped[folds == 0]
    second = cross_fitted_predictions(flipped, probabilities, folds, "f1")
    assert (first[folds == 0] == second[folds == 0]).all()


def test_report_counts_domains_and_empty_passages():
    gold = np.array([_row("non_proliferation")] * 3 + [_row("defence_general")] + [_row()] * 4)
    predicted = np.array([_row("non_proliferation")] * 2 + [_row()] + [_row()] + [_row("security_of_supply")] + [_row("defence_general")] + [_row()] * 2)
    report = DomainReport.of("x", gold, predicted, ignored=("defence_general",))
    assert "defence_general" not in report.scores
    assert (report.scores["non_proliferation"].tp, report.scores["non_proliferation"].fn) == (2, 1)
    # the defence-only passage counts as empty once defence is ignored; so does the one predicted defence only
    assert (report.empty_kept, report.empty_total) == (4, 5)
    assert report.scored_domains == ["non_proliferation"]
    assert report.macro() == pytest.approx(0.8)


def test_table_puts_evaluations_side_by_side():
    gold = np.array([_row("cyber_security")] * 3 + [_row()] * 2)
    one = DomainReport.of("grouped CV", gold, gold)
    two = DomainReport.of("dev gold", gold, np.array([_row("cyber_security")] * 5))
    table = format_reports([one, two])
    header, _, *rows = table.splitlines()
    assert "grouped CV" in header and "dev gold" in header
    cyber = next(r for r in rows if r.startswith("cyber_security"))
    assert cyber.count("|") == 2 and "1.000" in cyber and "0.600" in cyber
    empty = next(r for r in rows if r.startswith("no domain kept empty"))
    assert "2/2" in empty and "0/2" in empty


@pytest.mark.filterwarnings("ignore:Label not:UserWarning")  # the toy data has one domain only
def test_gate_caps_domain_scores():
    texts = [f"Pirates attacked tanker number {i} in the strait and the navy escorted convoys." for i in range(12)]
    texts += [f"Coastguards and naval patrols arrested pirates near shipping lane {i}." for i in range(12)]
    texts += [f"The partners discussed tariffs on cheese and wine exports in round {i}." for i in range(12)]
    texts += [f"Trade ministers cut customs duties on farm products in year {i}." for i in range(12)]
    labels = np.array([_row("maritime_security")] * 24 + [_row()] * 24)
    gated = build_estimator(Recipe("g", "test", gate=True)).fit(texts, labels)
    plain = gated.named_steps["classifier"].domains_
    features = gated[:-1].transform(["Tariffs on wine and cheese were discussed."])
    gate = gated.named_steps["classifier"].gate_.predict_proba(features)[0, 1]
    scores = gated.predict_proba(["Tariffs on wine and cheese were discussed."])[0]
    assert scores[DOMAINS.index("maritime_security")] <= gate + 1e-9
    assert np.allclose(scores, np.minimum(plain.predict_proba(features)[0], gate))


def test_every_recipe_builds():
    for spec in RECIPES.values():
        steps = build_estimator(spec).named_steps
        assert ("spacy" in dict(steps["features"].transformer_list)) == spec.spacy_vectors


def test_heading_context_is_read_only_when_the_card_asks():
    passage = Passage("d", "d:1", 1, "2 Cooperation > 2.3 Energy security", "body", "The two sides met in June.")
    assert DomainModel(None, {}, {}).passage_text(passage) == "The two sides met in June."
    assert DomainModel(None, {}, {"context": {"section": True}}).passage_text(passage) == "Energy security. The two sides met in June."


def test_labels_file_with_texts_is_an_evaluation(tmp_path):
    path = tmp_path / "held_out.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "domains"])
        writer.writerow(["Smugglers moved cocaine through the port in banana crates.", "organised_crime"])
        writer.writerow(["The two sides discussed tariffs on cheese.", ""])
    gold = labelled_gold_passages(path)
    assert [p.text[:10] for p in gold.passages] == ["Smugglers ", "The two si"]
    assert gold.labels[0, DOMAINS.index("organised_crime")] == 1 and gold.labels[1].sum() == 0


def test_evaluate_domains_needs_something_to_evaluate(capsys):
    assert main(["evaluate", "domains"]) == 2
    assert "needs --labels" in capsys.readouterr().err


def test_evaluate_domains_prints_one_table(tmp_path, capsys):
    path = tmp_path / "held_out.csv"
    path.write_text("text,domains\nHackers encrypted the hospital's servers and demanded a ransom.,cyber_security\n"
                    "Ministers praised the orchestra at the gala dinner.,\n", encoding="utf-8")
    out = tmp_path / "figures.json"
    assert main(["evaluate", "domains", "--labels", str(path), "--show", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "held_out" in printed and "no domain kept empty" in printed and "gold cyber_security" in printed
    figures = json.loads(out.read_text())["held_out"]
    assert figures["passages"] == 2 and figures["no_domain"]["total"] == 1


@pytest.mark.shared
def test_dev_gold_passages_are_found_in_the_dev_texts(shared_dir):
    gold = document_gold_passages(shared_dir / "dev" / "gold", [shared_dir / "dev" / "texts"])
    assert len(gold.passages) > 50
    assert all(p.text for p in gold.passages), "every gold passage is located by its first words"
    assert gold.labels[:, SOS].sum() >= 3 and gold.name == "dev gold"


@pytest.mark.shared
def test_saved_model_holds_on_the_dev_documents(shared_dir):
    """A regression guard on real documents (the targets are in docs/classification.md)."""
    report = evaluate_gold(load_model(DEFAULT_MODEL_DIR),
                           document_gold_passages(shared_dir / "dev" / "gold", [shared_dir / "dev" / "texts"]))
    assert report.empty_rate >= 0.90
    assert report.macro() >= 0.85


@pytest.mark.shared
def test_seed_labels_keep_their_figures(shared_dir):
    text = domain_evaluation(labels=ROOT / "corpus" / "labels" / "seed_eval.csv", texts_dir=shared_dir / "seeds")
    macro = next(line for line in text.splitlines() if line.startswith("macro"))
    assert float(macro.split("|")[1].split()[2]) >= 0.85  # the target is 0.86; a margin of one passage


def test_the_kept_recipe_prefers_none_on_official_texts_then_macro_f1():
    from pipeline.classify.evaluate import choose_recipe

    grouped = {"tfidf-svm-gated": {"macro_f1": 0.89, "no_domain": 0.94},  # F1 on official texts: not eligible
               "tfidf-svm-gated-precise": {"macro_f1": 0.86, "no_domain": 0.97},
               "tfidf-svm-gated-register": {"macro_f1": 0.87, "no_domain": 0.95}}
    assert choose_recipe(grouped) == "tfidf-svm-gated-register"
    grouped["tfidf-svm-gated-register"]["macro_f1"] = 0.85
    assert choose_recipe(grouped) == "tfidf-svm-gated-precise"


def test_several_gold_folders_are_evaluations_of_their_own(tmp_path):
    from pipeline.classify.evaluate import held_out_sets

    eval_dir = ROOT / "corpus" / "eval"
    for name, stem in (("first", "e01_eu-canada-summit-2016"), ("second", "e09_council-conclusions-somalia-piracy-2009")):
        gold = tmp_path / name / "gold"
        gold.mkdir(parents=True)
        (gold / f"{stem}.json").write_text((eval_dir / "gold" / f"{stem}.json").read_text(encoding="utf-8"), encoding="utf-8")
    sets = held_out_sets(gold_dir=[tmp_path / "first" / "gold", tmp_path / "second" / "gold"], inputs=[eval_dir / "texts"])
    assert [s.name for s in sets] == ["first gold", "second gold"]
    assert set(sets[0].doc_types.values()) == {"joint_statement"} and set(sets[1].doc_types.values()) == {"council_conclusions"}
    assert all(p.text for s in sets for p in s.passages)


def test_saved_model_holds_on_the_projects_evaluation_corpus():
    """A regression guard on the 14 documents of corpus/eval (written by the team, never trained on)."""
    eval_dir = ROOT / "corpus" / "eval"
    report = evaluate_gold(load_model(DEFAULT_MODEL_DIR), document_gold_passages(eval_dir / "gold", [eval_dir / "texts"]))
    assert report.macro() >= 0.85 and report.empty_rate >= 0.90
