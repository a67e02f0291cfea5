"""Training the passage domain classifier, choosing thresholds by cross-validation, and scoring.

Labelled passages are a CSV with ``text`` and ``domains`` (";"-joined codes, empty for none).
The model is TF-IDF word and character n-grams into one linear SVM per domain, calibrated to
probabilities; each domain's decision threshold is taken from the F1 of cross-validated
predictions: the middle of the grid thresholds that come within ``THRESHOLD_TOLERANCE`` of the
best F1, which is steadier than the single best point where the F1 curve is flat. Everything
random is seeded, so training twice gives one model.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
import re
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from pipeline.classify import CARD_FILE, MODEL_FILE, windowed_probabilities
from pipeline.io import atomic_path, file_sha256, write_text
from pipeline.records import DOMAINS

THRESHOLD_GRID = np.round(np.arange(0.10, 0.91, 0.05), 2)
# Grid thresholds whose cross-validated F1 is this close to the best count as equally good.
THRESHOLD_TOLERANCE = 0.01
SVM_C = 1.0


class LabelError(ValueError):
    """A labelled-passages file breaks its format; the message names the file, line and column."""


def load_labelled(path: str | Path) -> tuple[list[str], np.ndarray]:
    """Texts and a passages x domains 0/1 matrix, checked line by line."""
    path = Path(path)
    texts, rows = [], []
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
    return texts, np.array(rows, dtype=int).reshape(-1, len(DOMAINS))


_MARKUP = re.compile(r"<[^>]{1,80}>|https?://\S+|www\.\S+|[*_#|]+")


def plain_text(text: str) -> str:
    """Text as the classifier reads it: markup, URLs and table rules removed."""
    return _MARKUP.sub(" ", text)


def plain_texts(texts) -> list[str]:
    return [plain_text(t) for t in texts]


def build_pipeline(random_state: int = 0) -> Pipeline:
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, strip_accents="unicode")),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True)),
        ]
    )
    svm = LinearSVC(C=SVM_C, class_weight="balanced", random_state=random_state)
    classifier = OneVsRestClassifier(CalibratedClassifierCV(svm, method="sigmoid", cv=3))
    cleaner = FunctionTransformer(plain_texts)
    return Pipeline([("clean", cleaner), ("features", features), ("classifier", classifier)])


def cross_validated_probabilities(texts: list[str], labels: np.ndarray, folds: int, random_state: int) -> np.ndarray:
    """Out-of-fold probabilities for every passage and domain."""
    probabilities = np.zeros(labels.shape, dtype=float)
    splitter = KFold(n_splits=folds, shuffle=True, random_state=random_state)
    text_array = np.array(texts, dtype=object)
    for train_idx, test_idx in splitter.split(text_array):
        model = build_pipeline(random_state).fit(list(text_array[train_idx]), labels[train_idx])
        probabilities[test_idx] = windowed_probabilities(model, list(text_array[test_idx]))
    return probabilities


def per_domain_scores(labels: np.ndarray, predicted: np.ndarray) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per domain, and their macro average."""
    scores = {}
    for i, domain in enumerate(DOMAINS):
        tp = int(((predicted[:, i] == 1) & (labels[:, i] == 1)).sum())
        fp = int(((predicted[:, i] == 1) & (labels[:, i] == 0)).sum())
        fn = int(((predicted[:, i] == 0) & (labels[:, i] == 1)).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[domain] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": int(labels[:, i].sum())}
    scores["macro"] = {k: round(float(np.mean([scores[d][k] for d in DOMAINS])), 4) for k in ("precision", "recall", "f1")}
    return scores


def _f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    tp = int((truth & predicted).sum())
    return 2 * tp / (int(truth.sum()) + int(predicted.sum())) if tp else 0.0


def choose_thresholds(labels: np.ndarray, probabilities: np.ndarray, tolerance: float = THRESHOLD_TOLERANCE) -> dict[str, float]:
    """For each domain, the middle one of the grid thresholds whose F1 is within ``tolerance`` of
    the best (the upper of the two middle ones for an even count).

    The F1 of a domain is often nearly flat over a range of thresholds; the arg-max then jumps
    about that range with the fold split, while its middle stays put.
    """
    thresholds = {}
    for i, domain in enumerate(DOMAINS):
        f1 = [_f1(labels[:, i], (probabilities[:, i] >= t).astype(int)) for t in THRESHOLD_GRID]
        near_best = [t for t, f in zip(THRESHOLD_GRID, f1) if f >= max(f1) - tolerance]
        thresholds[domain] = float(near_best[len(near_best) // 2])
    return thresholds


def train(labels_path: str | Path, model_dir: str | Path, random_state: int = 0, folds: int = 5) -> dict:
    """Fit on all labelled passages, with thresholds and scores from cross-validation; save model and card."""
    labels_path, model_dir = Path(labels_path), Path(model_dir)
    texts, labels = load_labelled(labels_path)
    too_few = [d for i, d in enumerate(DOMAINS) if labels[:, i].sum() < folds]
    if too_few:
        raise LabelError(f"{labels_path.name}: fewer than {folds} passages for {', '.join(too_few)}")
    probabilities = cross_validated_probabilities(texts, labels, folds, random_state)
    thresholds = choose_thresholds(labels, probabilities)
    predicted = np.column_stack([probabilities[:, i] >= thresholds[d] for i, d in enumerate(DOMAINS)]).astype(int)
    pipeline = build_pipeline(random_state).fit(texts, labels)
    model_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(model_dir / MODEL_FILE) as tmp:
        joblib.dump(pipeline, tmp)
    card = {
        "model": "TF-IDF word 1-2-grams + char_wb 3-5-grams -> one-vs-rest LinearSVC, sigmoid-calibrated",
        "labels": list(DOMAINS),
        "parameters": {
            "words": {"ngram_range": [1, 2], "min_df": 2, "sublinear_tf": True},
            "chars": {"analyzer": "char_wb", "ngram_range": [3, 5], "min_df": 2, "sublinear_tf": True},
            "svm": {"C": SVM_C, "class_weight": "balanced"},
            "calibration": {"method": "sigmoid", "cv": 3},
            "random_state": random_state,
            "cv_folds": folds,
            "threshold_rule": {"grid": [float(THRESHOLD_GRID[0]), float(THRESHOLD_GRID[-1]), 0.05], "f1_tolerance": THRESHOLD_TOLERANCE},
        },
        "thresholds": thresholds,
        "training_data": {
            "file": labels_path.name,
            "sha256": file_sha256(labels_path),
            "passages": len(texts),
            "per_domain": {d: int(labels[:, i].sum()) for i, d in enumerate(DOMAINS)},
            "no_domain": int((labels.sum(axis=1) == 0).sum()),
        },
        "cross_validation": per_domain_scores(labels, predicted),
        "scikit_learn": sklearn.__version__,
        "trained": datetime.date.today().isoformat(),
        "model_sha256": file_sha256(model_dir / MODEL_FILE),
    }
    write_text(model_dir / CARD_FILE, json.dumps(card, indent=2) + "\n")
    write_text(model_dir / "MODEL_CARD.md", card_markdown(card))
    return card


def card_markdown(card: dict) -> str:
    data = card["training_data"]
    lines = [
        "# Passage domain classifier",
        "",
        f"{card['model']}. Trained {card['trained']} with scikit-learn {card['scikit_learn']} on "
        f"{data['passages']} labelled passages ({data['file']}, sha256 {data['sha256'][:12]}), "
        f"{data['no_domain']} of them with no domain. Thresholds and scores come from "
        f"{card['parameters']['cv_folds']}-fold cross-validation (random state {card['parameters']['random_state']}); "
        f"each threshold is the middle of the grid values whose cross-validated F1 is within "
        f"{card['parameters']['threshold_rule']['f1_tolerance']} of the best.",
        "",
        "| domain | passages | threshold | precision | recall | F1 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for domain in card["labels"]:
        s = card["cross_validation"][domain]
        lines.append(f"| {domain} | {data['per_domain'][domain]} | {card['thresholds'][domain]:.2f} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} |")
    macro = card["cross_validation"]["macro"]
    lines += [f"| **macro** | | | {macro['precision']:.3f} | {macro['recall']:.3f} | {macro['f1']:.3f} |", ""]
    lines += [
        "Use: `secmine run` scores every passage (`domains.csv`); reference entries and front matter are",
        "never given a domain. Retrain with `secmine train`; loading refuses a model whose card lists other",
        "labels than the code, or whose file differs from the one the card describes.",
        "",
    ]
    return "\n".join(lines)


def format_scores(scores: dict) -> str:
    lines = [f"{'domain':<20} {'support':>7} {'precision':>9} {'recall':>7} {'F1':>6}"]
    for domain in DOMAINS:
        s = scores[domain]
        lines.append(f"{domain:<20} {s['support']:>7} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f}")
    m = scores["macro"]
    lines.append(f"{'macro':<20} {'':>7} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>6.3f}")
    return "\n".join(lines)


def load_referenced(path: str | Path, texts_dir: str | Path) -> tuple[list[str], np.ndarray]:
    """Labels kept without their text (``doc``, ``passage_id``, ``text_sha1``, ``domains``): the
    text is read from the documents in ``texts_dir`` as secmine ingests them, and checked."""
    from pipeline.ingest import ingest_file
    from pipeline.textnorm import squash_whitespace

    path, texts_dir = Path(path), Path(texts_dir)
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    passages: dict[str, dict[str, str]] = {}
    texts, labels = [], []
    for number, row in enumerate(rows, start=2):
        if row["doc"] not in passages:
            source = texts_dir / row["doc"]
            if not source.exists():
                raise LabelError(f"{path.name}, line {number}: {source} not found (the texts stay outside the project)")
            passages[row["doc"]] = {p.passage_id: p.text for p in ingest_file(source).passages}
        text = passages[row["doc"]].get(row["passage_id"], "")
        digest = hashlib.sha1(squash_whitespace(text).encode("utf-8")).hexdigest()[:12]
        if digest != row["text_sha1"]:
            raise LabelError(f"{path.name}, line {number}: passage {row['passage_id']} no longer has the labelled text")
        domains = [d for d in (row["domains"] or "").split(";") if d]
        unknown = [d for d in domains if d not in DOMAINS]
        if unknown:
            raise LabelError(f"{path.name}, line {number}, column 'domains': unknown domain {unknown[0]!r}")
        texts.append(text)
        labels.append([int(d in domains) for d in DOMAINS])
    return texts, np.array(labels, dtype=int).reshape(-1, len(DOMAINS))


def evaluate_labelled(path: str | Path, model_dir: str | Path, texts_dir: str | Path | None = None,
                      trust_model: bool = False) -> dict:
    """Per-domain precision, recall and F1 of the saved model on a labelled file."""
    from pipeline.classify import load_model

    with open(path, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    if "text" in header:
        texts, labels = load_labelled(path)
    elif texts_dir is not None:
        texts, labels = load_referenced(path, texts_dir)
    else:
        raise LabelError(f"{Path(path).name}: no 'text' column; give the folder holding the texts (--texts)")
    model = load_model(model_dir, trust=trust_model)
    predicted = np.array([[int(d in row) for d in DOMAINS] for row in model.predict(texts)], dtype=int)
    return per_domain_scores(labels, predicted.reshape(-1, len(DOMAINS)))
