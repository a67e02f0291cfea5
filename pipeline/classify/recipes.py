"""The candidate passage classifiers ("recipes") that ``secmine train`` can build and that
``secmine evaluate domains --compare`` measures side by side.

A recipe names its features, its classifier, whether a "none" gate stands before the domains,
and the rule that turns cross-validated probabilities into per-domain thresholds, with other rules
for some families of text (``family_rules``: official texts, analytical prose, table rows; see
``pipeline.classify.passage_family``). Everything is scikit-learn; the fitted estimator's
``predict_proba`` gives one probability per domain (in ``DOMAINS`` order), so every recipe is
saved, loaded and applied the same way.

The gate is a binary classifier, trained on the same features, of whether a passage is about any
security domain at all. A gated recipe's score for a domain is the lower of the domain's
probability and the gate's, so a trade, health or climate paragraph that borrows security words
("supply chains", "resilience") stays empty unless the passage as a whole reads as security.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer, Normalizer, StandardScaler
from sklearn.svm import LinearSVC

SVM_C = 1.0
CALIBRATION_FOLDS = 3

_MARKUP = re.compile(r"<[^>]{1,80}>|https?://\S+|www\.\S+|[*_#|]+")


def plain_text(text: str) -> str:
    """Text as the classifier reads it: markup, URLs and table rules removed."""
    return _MARKUP.sub(" ", text)


def plain_texts(texts) -> list[str]:
    return [plain_text(t) for t in texts]


@dataclass(frozen=True)
class Recipe:
    """How to build one candidate classifier and choose its thresholds."""

    name: str
    description: str
    spacy_vectors: bool = False  # add the spaCy model's mean token vectors to the TF-IDF features
    gate: bool = False  # a "none" gate before the domains (see the module docstring)
    threshold_rule: str = "f1"  # see pipeline.classify.train.choose_thresholds
    # (family, rule) pairs: the families whose thresholds follow another rule than threshold_rule
    family_rules: tuple[tuple[str, str], ...] = ()

    def rule_for(self, family: str) -> str:
        return dict(self.family_rules).get(family, self.threshold_rule)

    def to_dict(self) -> dict:
        return {**asdict(self), "family_rules": dict(self.family_rules)}


_BASE = "TF-IDF word 1-2-grams + char_wb 3-5-grams -> one-vs-rest LinearSVC, sigmoid-calibrated"
_GATE = "capped by a calibrated any-domain gate (a domain's score is the lower of its probability and the gate's)"
RECIPES = {
    r.name: r
    for r in (
        Recipe("tfidf-svm", f"{_BASE}; F1 thresholds (the recipe of the model before issue 12)"),
        Recipe("tfidf-spacy-svm", f"{_BASE}, plus the spaCy model's mean token vectors (en_core_web_sm tok2vec, 96 "
               "dimensions, standardised); F1 thresholds", spacy_vectors=True),
        Recipe("tfidf-svm-precise", f"{_BASE}; F0.5 thresholds (precision counts more: prefers 'none')",
               threshold_rule="f0.5"),
        Recipe("tfidf-svm-gated", f"{_BASE}, {_GATE}; F1 thresholds", gate=True),
        Recipe("tfidf-svm-gated-precise", f"{_BASE}, {_GATE}; F0.5 thresholds (prefer 'none')", gate=True,
               threshold_rule="f0.5"),
        Recipe("tfidf-svm-gated-register", f"{_BASE}, {_GATE}; F0.5 thresholds for official texts and documents "
               "of unknown type, F0.75 for analytical prose and table rows (by the document's type)", gate=True,
               threshold_rule="f0.5", family_rules=(("analysis", "f0.75"), ("table", "f0.75"))),
    )
}
DEFAULT_RECIPE = "tfidf-svm-gated-register"


def recipe(name: str) -> Recipe:
    if name not in RECIPES:
        raise ValueError(f"unknown classifier recipe {name!r}; known: {', '.join(RECIPES)}")
    return RECIPES[name]


class SpacyVectors(BaseEstimator, TransformerMixin):
    """The mean of the spaCy model's context vectors over a text's tokens (tok2vec only)."""

    def fit(self, texts, y=None):
        return self

    def transform(self, texts):
        nlp = _vector_nlp()
        width = nlp.get_pipe("tok2vec").model.get_dim("nO")
        rows = []
        for doc in nlp.pipe(list(texts), batch_size=64):
            rows.append(doc.tensor.mean(axis=0) if len(doc) else np.zeros(width, dtype="float32"))
        return np.vstack(rows) if rows else np.zeros((0, width), dtype="float32")


@lru_cache(maxsize=1)
def _vector_nlp():
    """The spaCy model with its token-to-vector layer only; loaded once per process."""
    import spacy

    from pipeline.vocab.nlp import model_name

    return spacy.load(model_name(), exclude=["tagger", "attribute_ruler", "lemmatizer", "parser", "ner", "senter"])


class GatedClassifier(BaseEstimator, ClassifierMixin):
    """Per-domain probabilities capped by a gate's probability that the text has any domain."""

    def __init__(self, domains=None, gate=None):
        self.domains = domains
        self.gate = gate

    def fit(self, X, Y):
        Y = np.asarray(Y)
        self.domains_ = clone(self.domains).fit(X, Y)
        self.gate_ = clone(self.gate).fit(X, Y.max(axis=1))
        return self

    def predict_proba(self, X):
        gate = self.gate_.predict_proba(X)[:, 1:2]
        return np.minimum(self.domains_.predict_proba(X), gate)


def _svm(random_state: int) -> CalibratedClassifierCV:
    svm = LinearSVC(C=SVM_C, class_weight="balanced", random_state=random_state)
    return CalibratedClassifierCV(svm, method="sigmoid", cv=CALIBRATION_FOLDS)


def build_estimator(spec: Recipe, random_state: int = 0) -> Pipeline:
    """The unfitted scikit-learn Pipeline of a recipe: texts in, per-domain probabilities out."""
    features = [
        ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, strip_accents="unicode")),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True)),
    ]
    if spec.spacy_vectors:
        # standardised, then scaled to unit length like each TF-IDF block, so no block outweighs the others
        features.append(("spacy", Pipeline([("vectors", SpacyVectors()), ("scale", StandardScaler()), ("norm", Normalizer())])))
    domains = OneVsRestClassifier(_svm(random_state))
    classifier = GatedClassifier(domains, _svm(random_state)) if spec.gate else domains
    return Pipeline([("clean", FunctionTransformer(plain_texts)), ("features", FeatureUnion(features)),
                     ("classifier", classifier)])


def slim(estimator: Pipeline) -> Pipeline:
    """The fitted estimator without what its vectorisers keep for inspection only: the n-grams
    that min_df dropped (``stop_words_``, in some scikit-learn versions) and the ``id()`` of the
    stop-word list (``_stop_words_id``), which differs from one process to the next. Without them
    training twice saves the same bytes."""
    for _, vectoriser in estimator.named_steps["features"].transformer_list:
        for attribute in ("stop_words_", "_stop_words_id"):
            if hasattr(vectoriser, attribute):
                delattr(vectoriser, attribute)
    return estimator
