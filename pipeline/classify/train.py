"""Training the passage domain classifier, with thresholds and scores from grouped cross-validation.

Labelled passages are a CSV with ``text`` and ``domains`` (";"-joined codes, empty for none) and,
for provenance, ``register`` (the kind of document the passage was written as) and ``author``.
Cross-validation folds are whole registers (``GroupKFold``): a passage is never scored by a model
that saw passages of its own register, which is the nearest the training data comes to "a
document nobody saw". Each domain's threshold is chosen on those out-of-fold probabilities by the
recipe's rule; the figures in the card are of cross-fitted thresholds (each fold's thresholds
chosen on the other folds), so no passage helps choose the threshold it is scored with. A recipe
with rules for some families of text (``Recipe.family_rules``) gets, for each of those families,
thresholds chosen by that rule on the same probabilities of *all* passages, and each passage is
scored with the thresholds of its register's family.
Everything random is seeded, so training twice gives one model.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.model_selection import GroupKFold, KFold

from pipeline.classify import CARD_FILE, MODEL_FILE, DomainModel, register_family, windowed_probabilities
from pipeline.classify.recipes import DEFAULT_RECIPE, Recipe, build_estimator, slim, recipe as get_recipe
from pipeline.classify.recipes import plain_text, plain_texts  # noqa: F401  (models saved before recipes.py refer to them here)
from pipeline.io import atomic_path, file_sha256, write_text
from pipeline.records import DOMAINS, Passage

THRESHOLD_GRID = np.round(np.arange(0.10, 0.91, 0.05), 2)
# Grid thresholds whose cross-validated score is this close to the best count as equally good.
THRESHOLD_TOLERANCE = 0.01
# The threshold rules: F-beta with this beta (below 1, precision counts more and "none" wins more often).
THRESHOLD_RULES = {"f1": 1.0, "f0.75": 0.75, "f0.5": 0.5}
COMPARISON_FILE = "comparison.json"


class LabelError(ValueError):
    """A labelled-passages file breaks its format; the message names the file, line and column."""


@dataclass
class LabelledSet:
    """Labelled passages: texts, a passages x domains 0/1 matrix, and each passage's group
    (its register) and author, for grouped folds and the card's provenance."""

    texts: list[str]
    labels: np.ndarray
    groups: list[str]
    authors: list[str]

    @property
    def families(self) -> list[str]:
        """Each passage's family of text, from its register (``register_families.csv``)."""
        return [register_family(g) for g in self.groups]


def load_labelled_set(path: str | Path) -> LabelledSet:
    """The labelled passages of a CSV, checked line by line.

    The group of a passage is its ``register``; a file that has only the older ``source`` column
    (``written:<register>``) takes the register from it.
    """
    path = Path(path)
    texts, rows, groups, authors = [], [], [], []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"text", "domains"} - set(reader.fieldnames or [])
        if missing:
            raise LabelError(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
        for number, row in enumerate(reader, start=2):
            domains = [d.strip() for d in (row["domains"] or "").split(";") if d.strip()]
            unknown = [d for d in domains if d not in DOMAINS]
            if unknown:
                raise LabelError(f"{path.name}, line {number}, column 'domains': unknown domain {unknown[0]!r}")
            if not (row["text"] or "").strip():
                raise LabelError(f"{path.name}, line {number}, column 'text': empty")
            texts.append(row["text"])
            rows.append([int(d in domains) for d in DOMAINS])
            register = row.get("register") or (row.get("source") or "").removeprefix("written:")
            groups.append(register.strip() or "(none)")
            authors.append((row.get("author") or "").strip() or "(unknown)")
    return LabelledSet(texts, np.array(rows, dtype=int).reshape(-1, len(DOMAINS)), groups, authors)


def load_labelled(path: str | Path) -> tuple[list[str], np.ndarray]:
    """Texts and a passages x domains 0/1 matrix."""
    labelled = load_labelled_set(path)
    return labelled.texts, labelled.labels


# -- folds, thresholds, cross-validated figures -------------------------------------------------


def fold_numbers(groups: list[str], folds: int, random_state: int) -> np.ndarray:
    """The fold of every passage: whole groups per fold (GroupKFold), or shuffled passages when
    there are fewer groups than folds."""
    number = np.zeros(len(groups), dtype=int)
    if len(set(groups)) >= folds:
        splits = GroupKFold(n_splits=folds).split(groups, groups=groups)
    else:
        splits = KFold(n_splits=folds, shuffle=True, random_state=random_state).split(groups)
    for k, (_, test) in enumerate(splits):
        number[test] = k
    return number


def out_of_fold_probabilities(spec: Recipe, labelled: LabelledSet, folds: np.ndarray, random_state: int) -> np.ndarray:
    """Every passage's probabilities from the model trained without its fold."""
    texts = np.array(labelled.texts, dtype=object)
    probabilities = np.zeros(labelled.labels.shape, dtype=float)
    for k in np.unique(folds):
        train_idx, test_idx = folds != k, folds == k
        model = build_estimator(spec, random_state).fit(list(texts[train_idx]), labelled.labels[train_idx])
        probabilities[test_idx] = windowed_probabilities(model, list(texts[test_idx]))
    return probabilities


def _f_beta(truth: np.ndarray, predicted: np.ndarray, beta: float) -> float:
    tp = int((truth & predicted).sum())
    if not tp:
        return 0.0
    b2 = beta * beta
    return (1 + b2) * tp / ((1 + b2) * tp + b2 * int((truth & ~predicted).sum()) + int((~truth & predicted).sum()))


def choose_thresholds(labels: np.ndarray, probabilities: np.ndarray, tolerance: float = THRESHOLD_TOLERANCE,
                      rule: str = "f1") -> dict[str, float]:
    """For each domain, the middle one of the grid thresholds whose F-beta (beta from the rule)
    is within ``tolerance`` of the best (the upper of the two middle ones for an even count).

    The score of a domain is often nearly flat over a range of thresholds; the arg-max then
    jumps about that range with the fold split, while its middle stays put.
    """
    beta = THRESHOLD_RULES[rule]
    labels, thresholds = np.asarray(labels).astype(bool), {}
    for i, domain in enumerate(DOMAINS):
        scores = [_f_beta(labels[:, i], probabilities[:, i] >= t, beta) for t in THRESHOLD_GRID]
        near_best = [t for t, f in zip(THRESHOLD_GRID, scores) if f >= max(scores) - tolerance]
        thresholds[domain] = float(near_best[len(near_best) // 2])
    return thresholds


def apply_thresholds(probabilities: np.ndarray, thresholds: dict[str, float]) -> np.ndarray:
    return (probabilities >= np.array([thresholds[d] for d in DOMAINS])).astype(int)


def family_thresholds(labels: np.ndarray, probabilities: np.ndarray, spec: Recipe) -> dict[str, dict[str, float]]:
    """The thresholds of each family the recipe gives a rule of its own, chosen by that rule on
    every passage's probabilities."""
    return {family: choose_thresholds(labels, probabilities, rule=rule) for family, rule in spec.family_rules}


def cross_fitted_predictions(labels: np.ndarray, probabilities: np.ndarray, folds: np.ndarray, rule: str,
                             families: list[str] | None = None, family_rules: dict[str, str] | None = None) -> np.ndarray:
    """Out-of-fold predictions, each fold's thresholds chosen on the other folds only; a passage
    whose family (``families``) has a rule in ``family_rules`` is scored with that rule's thresholds."""
    predicted = np.zeros(labels.shape, dtype=int)
    family_rules = family_rules or {}
    passage_rules = np.array([family_rules.get(f, rule) for f in families] if families else [rule] * len(labels))
    for k in np.unique(folds):
        others = folds != k
        for passage_rule in np.unique(passage_rules):
            thresholds = choose_thresholds(labels[others], probabilities[others], rule=str(passage_rule))
            scored = (folds == k) & (passage_rules == passage_rule)
            predicted[scored] = apply_thresholds(probabilities[scored], thresholds)
    return predicted


@dataclass
class GroupedRun:
    """A recipe's grouped cross-validation: probabilities, folds, thresholds and predictions."""

    recipe: Recipe
    probabilities: np.ndarray
    folds: np.ndarray
    thresholds: dict[str, float]
    predicted: np.ndarray
    family_thresholds: dict[str, dict[str, float]] = field(default_factory=dict)


def grouped_cross_validation(spec: Recipe, labelled: LabelledSet, folds: int = 5, random_state: int = 0,
                             probabilities: np.ndarray | None = None) -> GroupedRun:
    """The recipe's grouped cross-validation (``probabilities``: out-of-fold ones already made
    by a recipe of the same features and classifier)."""
    numbers = fold_numbers(labelled.groups, folds, random_state)
    if probabilities is None:
        probabilities = out_of_fold_probabilities(spec, labelled, numbers, random_state)
    thresholds = choose_thresholds(labelled.labels, probabilities, rule=spec.threshold_rule)
    predicted = cross_fitted_predictions(labelled.labels, probabilities, numbers, spec.threshold_rule,
                                         labelled.families, dict(spec.family_rules))
    return GroupedRun(spec, probabilities, numbers, thresholds, predicted,
                      family_thresholds(labelled.labels, probabilities, spec))


def per_register(labelled: LabelledSet, predicted: np.ndarray) -> dict[str, dict]:
    """Macro-F1 and no-domain kept empty of grouped predictions, per register (each register was
    scored by a model that never saw it)."""
    from pipeline.classify.evaluate import DomainReport

    groups = np.array(labelled.groups)
    figures = {}
    for register in sorted(set(labelled.groups)):
        report = DomainReport.of(register, labelled.labels[groups == register], predicted[groups == register])
        figures[register] = {"passages": report.passages, "macro_f1": _round4(report.macro()),
                             "no_domain": _round4(report.empty_rate)}
    return figures


def _round4(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def per_domain_scores(labels: np.ndarray, predicted: np.ndarray) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per domain, and their macro average."""
    from pipeline.classify.evaluate import DomainReport

    report = DomainReport.of("", labels, predicted)
    scores = {d: {"precision": round(s.precision, 4), "recall": round(s.recall, 4), "f1": round(s.f1, 4),
                  "support": report.support[d]} for d, s in report.scores.items()}
    scores["macro"] = {k: round(float(np.mean([scores[d][k] for d in DOMAINS])), 4) for k in ("precision", "recall", "f1")}
    return scores


# -- training ------------------------------------------------------------------------------------


def fit_model(spec: Recipe, labelled: LabelledSet, thresholds: dict[str, float], random_state: int = 0,
              families: dict[str, dict[str, float]] | None = None) -> DomainModel:
    """The recipe fitted on every labelled passage, with the given thresholds (an unsaved model)."""
    estimator = build_estimator(spec, random_state).fit(labelled.texts, labelled.labels)
    return DomainModel(estimator, thresholds, {"recipe": spec.to_dict()}, families or {})


def provenance(labelled: LabelledSet) -> dict:
    """Counts of the labelled passages by register and by author, with how many have no domain."""
    empty = labelled.labels.sum(axis=1) == 0

    def counts(keys: list[str]) -> dict:
        total, none = Counter(keys), Counter(k for k, e in zip(keys, empty) if e)
        return {k: {"passages": n, "no_domain": none[k]} for k, n in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))}

    return {"by_register": counts(labelled.groups), "by_author": counts(labelled.authors)}


def train(labels_path: str | Path, model_dir: str | Path, random_state: int = 0, folds: int = 5,
          recipe: str | None = None) -> dict:
    """Fit the recipe (by default the one the comparison kept) on all labelled passages, with
    thresholds and scores from grouped cross-validation; save the model and its card."""
    from pipeline.classify.evaluate import DomainReport

    labels_path, model_dir, spec = Path(labels_path), Path(model_dir), get_recipe(recipe or DEFAULT_RECIPE)
    labelled = load_labelled_set(labels_path)
    too_few = [d for i, d in enumerate(DOMAINS) if labelled.labels[:, i].sum() < folds]
    if too_few:
        raise LabelError(f"{labels_path.name}: fewer than {folds} passages for {', '.join(too_few)}")
    run = grouped_cross_validation(spec, labelled, folds, random_state)
    model = fit_model(spec, labelled, run.thresholds, random_state, run.family_thresholds)
    model_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(model_dir / MODEL_FILE) as tmp:
        joblib.dump(slim(model.pipeline), tmp)
    grouped = DomainReport.of("grouped cross-validation", labelled.labels, run.predicted)
    card = {
        "model": spec.description,
        "recipe": spec.to_dict(),
        "labels": list(DOMAINS),
        "parameters": {
            "random_state": random_state,
            "cv_folds": folds,
            "cv_groups": "register",
            "threshold_rule": {"rule": spec.threshold_rule, "by_family": dict(spec.family_rules),
                               "grid": [float(THRESHOLD_GRID[0]), float(THRESHOLD_GRID[-1]), 0.05],
                               "tolerance": THRESHOLD_TOLERANCE},
        },
        "thresholds": run.thresholds,
        "family_thresholds": run.family_thresholds,
        "training_data": {
            "file": labels_path.name,
            "sha256": file_sha256(labels_path),
            "passages": len(labelled.texts),
            "per_domain": {d: int(labelled.labels[:, i].sum()) for i, d in enumerate(DOMAINS)},
            "no_domain": int((labelled.labels.sum(axis=1) == 0).sum()),
            **provenance(labelled),
        },
        "cross_validation": per_domain_scores(labelled.labels, run.predicted),
        "grouped_cross_validation": grouped.to_dict(),
        "grouped_cross_validation_by_register": per_register(labelled, run.predicted),
        "scikit_learn": sklearn.__version__,
        "trained": datetime.date.today().isoformat(),
        "model_sha256": file_sha256(model_dir / MODEL_FILE),
    }
    comparison = read_comparison(model_dir)
    if comparison and comparison.get("training_data_sha256") == card["training_data"]["sha256"]:
        card["comparison"] = comparison
    write_card(model_dir, card)
    return card


def write_card(model_dir: str | Path, card: dict) -> None:
    write_text(Path(model_dir) / CARD_FILE, json.dumps(card, indent=2) + "\n")
    write_text(Path(model_dir) / "MODEL_CARD.md", card_markdown(card))


def read_comparison(model_dir: str | Path) -> dict | None:
    path = Path(model_dir) / COMPARISON_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def card_markdown(card: dict) -> str:
    data, params = card["training_data"], card["parameters"]
    grouped = card["grouped_cross_validation"]
    families = card.get("family_thresholds", {})
    by_family = params["threshold_rule"].get("by_family", {})
    family_note = ("; " + ", ".join(f"for {f} passages {r.upper()}" for f, r in by_family.items())
                   + " (the family of a training passage is that of its register, of a document's passage that of "
                   "the document's type or, for a table row, `table`: `pipeline/resources/register_families.csv`)"
                   if by_family else "")
    lines = [
        "# Passage domain classifier",
        "",
        f"Recipe `{card['recipe']['name']}`: {card['model']}. Trained {card['trained']} with scikit-learn "
        f"{card['scikit_learn']} on {data['passages']} labelled passages ({data['file']}, sha256 {data['sha256'][:12]}), "
        f"{data['no_domain']} of them with no domain.",
        "",
        f"Thresholds and figures come from {params['cv_folds']}-fold cross-validation grouped by register (every "
        f"passage of a register on one side; random state {params['random_state']}): each domain's threshold is the "
        f"middle of the grid values whose {params['threshold_rule']['rule'].upper()} is within "
        f"{params['threshold_rule']['tolerance']} of the best{family_note}, and the figures below are of cross-fitted "
        "thresholds (each fold's chosen on the other folds).",
        "",
        "| domain | passages | threshold | " + "".join(f"threshold ({f}) | " for f in families)
        + "precision | recall | F1 |",
        "|---|---:|---:|" + "---:|" * len(families) + "---:|---:|---:|",
    ]
    for domain in card["labels"]:
        s = grouped["domains"][domain]
        lines.append(f"| {domain} | {data['per_domain'][domain]} | {card['thresholds'][domain]:.2f} | "
                     + "".join(f"{t[domain]:.2f} | " for t in families.values())
                     + f"{s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} |")
    macro, none = grouped["macro"], grouped["no_domain"]
    blank = [""] * len(families)
    lines += [
        _row(["**macro**", "", "", *blank, f"{macro['precision']:.3f}", f"{macro['recall']:.3f}", f"{macro['f1']:.3f}"]),
        _row(["**no domain kept empty**", str(none["total"]), "", *blank, "", "", f"{none['rate']:.3f}"]),
        "",
        "## Training data",
        "",
        "| register | passages | no domain |",
        "|---|---:|---:|",
    ]
    registers = card.get("grouped_cross_validation_by_register")
    if registers:
        lines[-2:] = ["| register | passages | no domain | grouped CV macro-F1 | grouped CV none kept |",
                      "|---|---:|---:|---:|---:|"]
        lines += [f"| {k} | {v['passages']} | {v['no_domain']} | {_cell(registers.get(k, {}).get('macro_f1'))} | "
                  f"{_cell(registers.get(k, {}).get('no_domain'))} |" for k, v in data["by_register"].items()]
    else:
        lines += [f"| {k} | {v['passages']} | {v['no_domain']} |" for k, v in data["by_register"].items()]
    lines += ["", "| written by | passages | no domain |", "|---|---:|---:|"]
    lines += [f"| {k} | {v['passages']} | {v['no_domain']} |" for k, v in data["by_author"].items()]
    lines += ["", "See `corpus/labels/README.md` for how the passages were written and labelled.", ""]
    if "comparison" in card:
        lines += comparison_markdown(card["comparison"])
    lines += [
        "## Use",
        "",
        "`secmine run` scores every passage (`domains.csv`); reference entries and front matter are never given a",
        "domain. Retrain with `secmine train`; `secmine evaluate domains` prints the figures (docs/classification.md).",
        "Loading refuses a model whose card lists other labels than the code, or whose file differs from the one",
        "the card describes.",
        "",
    ]
    return "\n".join(lines)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def comparison_markdown(comparison: dict) -> list[str]:
    """The models x evaluations table of ``secmine evaluate domains --compare``."""
    evaluations = comparison["evaluations"]
    lines = [
        "## Model comparison",
        "",
        f"`secmine evaluate domains --compare` ({comparison['date']}): each recipe's grouped cross-validation on the "
        "training data, and the recipe trained on all of it on the held-out evaluations. Macro-F1 over the domains "
        "with at least 3 gold passages / share of no-domain passages kept empty. "
        "Kept: the best grouped-CV macro-F1 among the recipes that prefer 'none' on official texts (their thresholds "
        f"there chosen for F0.5, as issue 12 asks) (`{comparison['chosen']}`).",
        "",
        "| recipe | " + " | ".join(f"{e} macro-F1 | {e} none kept" for e in evaluations) + " |",
        "|---|" + "---:|---:|" * len(evaluations),
    ]
    for name, row in comparison["recipes"].items():
        cells = []
        for e in evaluations:
            figures = row.get(e)
            cells += [f"{figures['macro_f1']:.3f}" if figures and figures["macro_f1"] is not None else "-",
                      f"{figures['no_domain']:.3f}" if figures and figures["no_domain"] is not None else "-"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", *[f"- `{name}`: {text}" for name, text in comparison["descriptions"].items()], ""]
    lines += register_comparison_markdown(comparison)
    if comparison.get("notes"):
        lines += [*comparison["notes"], ""]
    return lines


def register_comparison_markdown(comparison: dict) -> list[str]:
    """Each recipe's grouped cross-validation per held-out register (macro-F1 / no domain kept
    empty): what a recipe wins or loses in each kind of writing."""
    rows = {name: row["grouped CV"]["by_register"] for name, row in comparison["recipes"].items()
            if "by_register" in row.get("grouped CV", {})}
    if not rows:
        return []
    names = list(rows)
    registers = sorted({r for figures in rows.values() for r in figures})
    lines = ["Grouped cross-validation per held-out register (macro-F1 / no domain kept empty; each register "
             "scored by models that never saw it):", "",
             "| register | " + " | ".join(f"`{n}`" for n in names) + " |", "|---|" + "---|" * len(names)]
    for register in registers:
        cells = [rows[n].get(register, {}) for n in names]
        lines.append(f"| {register} | " + " | ".join(f"{_cell(c.get('macro_f1'))} / {_cell(c.get('no_domain'))}"
                                                     for c in cells) + " |")
    return [*lines, ""]


def format_scores(scores: dict) -> str:
    lines = [f"{'domain':<20} {'support':>7} {'precision':>9} {'recall':>7} {'F1':>6}"]
    for domain in DOMAINS:
        s = scores[domain]
        lines.append(f"{domain:<20} {s['support']:>7} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f}")
    m = scores["macro"]
    lines.append(f"{'macro':<20} {'':>7} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>6.3f}")
    return "\n".join(lines)


# -- labels kept without their text ---------------------------------------------------------------


def load_referenced(path: str | Path, texts_dir: str | Path) -> tuple[list[Passage], np.ndarray]:
    """Labels kept without their text (``doc``, ``passage_id``, ``text_sha1``, ``domains``): the
    passages are read from the documents in ``texts_dir`` as secmine ingests them, and checked."""
    passages, labels, _ = load_referenced_documents(path, texts_dir)
    return passages, labels


def load_referenced_documents(path: str | Path, texts_dir: str | Path) -> tuple[list[Passage], np.ndarray, dict[str, str]]:
    """``load_referenced``, and the type of each document read (``doc_id`` -> ``doc_type``, as
    the facts stage names it)."""
    from pipeline.stages import document_type, ingest
    from pipeline.vocab.textnorm import squash_whitespace

    path, texts_dir = Path(path), Path(texts_dir)
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    documents: dict[str, dict[str, Passage]] = {}
    doc_types: dict[str, str] = {}
    passages, labels = [], []
    for number, row in enumerate(rows, start=2):
        if row["doc"] not in documents:
            source = texts_dir / row["doc"]
            if not source.exists():
                raise LabelError(f"{path.name}, line {number}: {source} not found (the texts stay outside the project)")
            result = ingest(source)
            documents[row["doc"]] = {p.passage_id: p for p in result.passages}
            doc_types[result.document.doc_id] = document_type(result)
        passage = documents[row["doc"]].get(row["passage_id"])
        digest = hashlib.sha1(squash_whitespace(passage.text if passage else "").encode("utf-8")).hexdigest()[:12]
        if passage is None or digest != row["text_sha1"]:
            raise LabelError(f"{path.name}, line {number}: passage {row['passage_id']} no longer has the labelled text")
        domains = [d for d in (row["domains"] or "").split(";") if d]
        unknown = [d for d in domains if d not in DOMAINS]
        if unknown:
            raise LabelError(f"{path.name}, line {number}, column 'domains': unknown domain {unknown[0]!r}")
        passages.append(passage)
        labels.append([int(d in domains) for d in DOMAINS])
    return passages, np.array(labels, dtype=int).reshape(-1, len(DOMAINS)), doc_types


def evaluate_labelled(path: str | Path, model_dir: str | Path, texts_dir: str | Path | None = None,
                      trust_model: bool = False) -> dict:
    """Per-domain precision, recall and F1 of the saved model on a labelled file."""
    from pipeline.classify import load_model
    from pipeline.classify.evaluate import labelled_gold_passages, predict_passages

    gold = labelled_gold_passages(path, texts_dir)
    return per_domain_scores(gold.labels, predict_passages(load_model(model_dir, trust=trust_model), gold))
