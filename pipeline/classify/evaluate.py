"""How well the passage classifier holds on passages it did not learn from.

Three evaluations, each one column of the same table (``secmine evaluate domains``):

- **grouped cross-validation** of a training recipe on the labelled passages, the folds made of
  whole groups (the register a passage was written in), so no group is on both sides of a split;
- **held-out labels**: the saved model on a labels file that keeps its texts (``text``,
  ``domains``) or refers to passages of documents by hash (``corpus/labels/seed_eval.csv``);
- **per-document gold**: the saved model on the gold passages of real documents (the JSON format
  of ``../shared/dev/gold``), found in the documents as secmine ingests them, the way
  ``secmine evaluate documents`` counts them.

Every column gives per-domain precision, recall and F1 (``pipeline.scoring.Score``), their macro
average over the domains with at least ``MIN_SUPPORT`` gold passages, and the share of no-domain
passages for which nothing is predicted. ``compare_recipes`` runs all three for each candidate
recipe (the model card's comparison table).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.records import DOMAINS, Passage
from pipeline.scoring import Score

MIN_SUPPORT = 3


@dataclass
class DomainReport:
    """Per-domain counts of one evaluation, and how many no-domain passages stayed empty."""

    name: str
    scores: dict[str, Score]
    support: dict[str, int]
    empty_kept: int = 0
    empty_total: int = 0
    passages: int = 0
    details: list[dict] = field(default_factory=list)  # per passage: text, gold and predicted domains

    @classmethod
    def of(cls, name: str, gold: np.ndarray, predicted: np.ndarray, ignored: tuple[str, ...] = (),
           texts: list[str] | None = None) -> "DomainReport":
        """From passages x domains 0/1 matrices (columns in DOMAINS order); ``ignored`` domains
        count neither in the scores nor in deciding whether a passage is empty."""
        keep = [i for i, d in enumerate(DOMAINS) if d not in ignored]
        gold, predicted = np.asarray(gold, dtype=bool), np.asarray(predicted, dtype=bool)
        scores, support = {}, {}
        for i in keep:
            g, p = gold[:, i], predicted[:, i]
            scores[DOMAINS[i]] = Score(int((g & p).sum()), int((p & ~g).sum()), int((g & ~p).sum()))
            support[DOMAINS[i]] = int(g.sum())
        empty = ~gold[:, keep].any(axis=1)
        kept = empty & ~predicted[:, keep].any(axis=1)
        details = []
        if texts is not None:
            for text, g, p in zip(texts, gold, predicted):
                details.append({"text": text, "gold": [DOMAINS[i] for i in keep if g[i]],
                                "predicted": [DOMAINS[i] for i in keep if p[i]]})
        return cls(name, scores, support, int(kept.sum()), int(empty.sum()), len(gold), details)

    @property
    def scored_domains(self) -> list[str]:
        return [d for d in self.scores if self.support[d] >= MIN_SUPPORT]

    def macro(self, what: str = "f1") -> float | None:
        domains = self.scored_domains
        if not domains:
            return None
        return sum(getattr(self.scores[d], what) for d in domains) / len(domains)

    @property
    def empty_rate(self) -> float | None:
        return self.empty_kept / self.empty_total if self.empty_total else None

    def to_dict(self) -> dict:
        return {
            "passages": self.passages,
            "domains": {d: {**s.to_dict(), "support": self.support[d]} for d, s in self.scores.items()},
            "macro": {k: _round(self.macro(k)) for k in ("precision", "recall", "f1")},
            "macro_over": self.scored_domains,
            "no_domain": {"kept_empty": self.empty_kept, "total": self.empty_total, "rate": _round(self.empty_rate)},
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _fmt(value: float | None, width: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.3f}"


def format_reports(reports: list[DomainReport]) -> str:
    """One table: a row per domain, then the macro average and the no-domain figure; for each
    evaluation its precision, recall, F1 and number of gold passages side by side."""
    head1 = f"{'':<20}" + "".join(f" | {r.name[:26]:^26}" for r in reports)
    head2 = f"{'domain':<20}" + "".join(f" | {'P':>5} {'R':>5} {'F1':>5} {'n':>8}" for _ in reports)
    lines = [head1, head2, "-" * len(head2)]
    for domain in DOMAINS:
        cells = []
        for r in reports:
            if domain not in r.scores:
                cells.append(f" | {'(not scored)':>26}")
                continue
            s, n = r.scores[domain], r.support[domain]
            mark = "" if n >= MIN_SUPPORT else "*"
            cells.append(f" | {_fmt(s.precision if s.tp + s.fp else None, 5)} {_fmt(s.recall if n else None, 5)} "
                         f"{_fmt(s.f1 if n else None, 5)} {str(n) + mark:>8}")
        lines.append(f"{domain:<20}" + "".join(cells))
    lines.append("-" * len(head2))
    lines.append(f"{'macro':<20}" + "".join(
        f" | {_fmt(r.macro('precision'), 5)} {_fmt(r.macro('recall'), 5)} {_fmt(r.macro('f1'), 5)} {len(r.scored_domains):>6}dm"
        for r in reports))
    lines.append(f"{'no domain kept empty':<20}" + "".join(
        f" | {'':>11}{_fmt(r.empty_rate, 5)} {f'{r.empty_kept}/{r.empty_total}':>8}" for r in reports))
    lines.append("")
    lines.append(f"macro: over the domains with at least {MIN_SUPPORT} gold passages (n marked * are left out; "
                 "'dm' counts the domains averaged); no domain kept empty: the share of passages without "
                 "a gold domain for which none is predicted.")
    return "\n".join(lines)


def format_details(report: DomainReport, only_wrong: bool = False) -> str:
    """Each passage's gold against predicted domains (``--show``)."""
    lines = [f"{report.name}: gold vs predicted per passage"]
    for item in report.details:
        right = set(item["gold"]) == set(item["predicted"])
        if only_wrong and right:
            continue
        text = " ".join(item["text"].split())[:70]
        lines.append(f"  {'  ' if right else 'x '}{text!r:<74} gold {','.join(item['gold']) or '-'}; "
                     f"predicted {','.join(item['predicted']) or '-'}")
    return "\n".join(lines)


# -- the evaluation sets -----------------------------------------------------------------------


@dataclass
class GoldPassages:
    """Passages of real documents with their gold domains (``labels`` in DOMAINS order)."""

    name: str
    passages: list[Passage]
    labels: np.ndarray
    ignored: tuple[str, ...] = ()  # domains the gold does not label
    doc_types: dict[str, str] = field(default_factory=dict)  # doc_id -> the document's type (facts stage)


def document_gold_passages(gold_dir: str | Path, inputs: list[str | Path], settings=None) -> GoldPassages:
    """The gold passages of per-document gold files (``../shared/dev/gold``), each found by its
    first words in the passages of the input whose file name has the gold text file's stem.

    Gold passages that cannot be found are kept as passages with no text (predicted empty), as
    ``secmine evaluate documents`` counts them.
    """
    from pipeline.scoring import GOLD_DOMAINS, IGNORED_DOMAINS, find_passage, load_document_gold
    from pipeline.stages import document_type, find_inputs, ingest

    golds = load_document_gold(gold_dir)
    by_stem = {p.stem: p for p in find_inputs(inputs)}
    passages, labels, doc_types = [], [], {}
    for gold in golds:
        stem = Path(gold["text_file"]).stem
        if stem not in by_stem:
            raise FileNotFoundError(f"{gold['_path']}: no input named {stem}.* among {', '.join(map(str, inputs))}")
        result = ingest(by_stem[stem], settings)
        doc_types[result.document.doc_id] = document_type(result)  # the type reads the title only
        found = {p.passage_id: p for p in result.passages}
        texts = [(p.passage_id, p.text) for p in result.passages]
        for number, item in enumerate(gold.get("passages", []), start=1):
            pid = find_passage(item["text_start"], texts)
            passage = found[pid] if pid else Passage(result.document.doc_id, f"{stem}:missing{number}", 0, "", "body", "")
            passages.append(passage)
            domains = {GOLD_DOMAINS[d] for d in item.get("domains", []) if d in GOLD_DOMAINS}
            labels.append([int(d in domains) for d in DOMAINS])
    folder = Path(gold_dir).resolve()
    name = f"{folder.parent.name} gold" if folder.name == "gold" else folder.name
    return GoldPassages(name, passages, np.array(labels, dtype=int).reshape(-1, len(DOMAINS)), tuple(IGNORED_DOMAINS),
                        doc_types)


def labelled_gold_passages(path: str | Path, texts_dir: str | Path | None = None) -> GoldPassages:
    """The passages of a labels file: one that keeps its texts (``text``, ``domains``), or one that
    refers to passages of documents (``doc``, ``passage_id``, ``text_sha1``, ``domains``, like
    ``corpus/labels/seed_eval.csv``), read from the documents in ``texts_dir`` and checked
    against their hashes."""
    import csv

    from pipeline.classify.train import LabelError, load_labelled, load_referenced_documents

    path = Path(path)
    with open(path, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    doc_types: dict[str, str] = {}
    if "text" in header:
        texts, labels = load_labelled(path)
        passages = [Passage(path.stem, f"{path.stem}:{n}", 0, "", "body", t) for n, t in enumerate(texts, start=2)]
    elif texts_dir is not None:
        passages, labels, doc_types = load_referenced_documents(path, texts_dir)
    else:
        raise LabelError(f"{path.name}: no 'text' column; give the folder holding the texts (--texts)")
    return GoldPassages(path.stem, passages, labels, doc_types=doc_types)


def predict_passages(model, gold: GoldPassages) -> np.ndarray:
    """The model's 0/1 predictions for the gold passages, as ``secmine run`` makes them: the
    passages of each document classified together, with the document's type."""
    from pipeline.classify import classify_passages

    flags = np.zeros((len(gold.passages), len(DOMAINS)), dtype=int)
    by_document: dict[str, list[int]] = {}
    for i, passage in enumerate(gold.passages):
        by_document.setdefault(passage.doc_id, []).append(i)
    for doc_id, rows in by_document.items():
        scored = classify_passages([gold.passages[i] for i in rows], model, gold.doc_types.get(doc_id, ""))
        flags[rows] = np.array([row.predicted for row in scored], dtype=int).reshape(len(rows), len(DOMAINS))
    return flags


def evaluate_gold(model, gold: GoldPassages) -> DomainReport:
    """The model's figures on a held-out set, with each passage's gold and predicted domains."""
    return DomainReport.of(gold.name, gold.labels, predict_passages(model, gold), gold.ignored, [p.text for p in gold.passages])


# -- grouped cross-validation and the comparison of recipes -------------------------------------


def grouped_report(labels_path: str | Path, recipe_name: str | None = None, folds: int = 5,
                   random_state: int = 0) -> DomainReport:
    """A recipe's grouped cross-validation on a training file, as one report."""
    from pipeline.classify.recipes import DEFAULT_RECIPE, recipe
    from pipeline.classify.train import grouped_cross_validation, load_labelled_set

    labelled = load_labelled_set(labels_path)
    run = grouped_cross_validation(recipe(recipe_name or DEFAULT_RECIPE), labelled, folds, random_state)
    return DomainReport.of("grouped CV", labelled.labels, run.predicted, texts=labelled.texts)


def _figures(report: DomainReport) -> dict:
    return {"macro_f1": _round(report.macro()), "no_domain": _round(report.empty_rate), "passages": report.passages}


# Official texts (joint statements, readouts, fact sheets, ...) mix security with trade, health and
# climate: a recipe must prefer "none" there, i.e. choose their thresholds for F0.5.
PRECISE_RULE = "f0.5"


def selection_score(figures: dict) -> float:
    """The mean of grouped-CV macro-F1 and no-domain kept empty (shown; not what a recipe is kept for)."""
    return (figures["macro_f1"] + figures["no_domain"]) / 2


def choose_recipe(grouped: dict[str, dict]) -> str:
    """The recipe the comparison keeps: among those that prefer "none" on official texts (their
    thresholds there chosen for F0.5), the best grouped-CV macro-F1 (ties: more no-domain
    passages kept empty). ``grouped``: recipe name -> its grouped-CV figures."""
    from pipeline.classify.recipes import RECIPES

    eligible = [n for n in grouped if n in RECIPES and RECIPES[n].rule_for("official") == PRECISE_RULE]
    return max(eligible, key=lambda n: (grouped[n]["macro_f1"], grouped[n]["no_domain"]))


def compare_recipes(labels_path: str | Path, evaluations: list[GoldPassages], names: list[str] | None = None,
                    folds: int = 5, random_state: int = 0, saved_model=None, log=None) -> dict:
    """Every recipe (or those named) on grouped cross-validation and, trained on all labelled
    passages, on each held-out evaluation; the default recipe also reading each passage with its
    heading (the context variant). ``saved_model`` adds a "baseline" row: a model as it was saved."""
    import datetime

    from pipeline.classify import DomainModel
    from pipeline.classify.recipes import DEFAULT_RECIPE, RECIPES, recipe
    from pipeline.classify.recipes import build_estimator
    from pipeline.classify.train import (
        fold_numbers,
        grouped_cross_validation,
        load_labelled_set,
        out_of_fold_probabilities,
        per_register,
    )
    from pipeline.io import file_sha256

    log = log or (lambda message: None)
    labelled = load_labelled_set(labels_path)
    rows, descriptions = {}, {}
    if saved_model is not None:
        rows["baseline"] = {g.name: _figures(evaluate_gold(saved_model, g)) for g in evaluations}
        descriptions["baseline"] = (f"the saved model given as the baseline, as it was trained "
                                    f"({saved_model.card.get('model', '')}, {saved_model.card.get('training_data', {}).get('passages', '?')} passages)")
    # Recipes that differ only in their threshold rule share probabilities and the fitted estimator.
    fitted: dict[tuple, tuple] = {}
    for name in names or list(RECIPES):
        spec = recipe(name)
        key = (spec.spacy_vectors, spec.gate)
        if key not in fitted:
            log(f"{name}: grouped cross-validation, then training on all passages")
            numbers = fold_numbers(labelled.groups, folds, random_state)
            probabilities = out_of_fold_probabilities(spec, labelled, numbers, random_state)
            estimator = build_estimator(spec, random_state).fit(labelled.texts, labelled.labels)
            fitted[key] = (numbers, probabilities, estimator)
        numbers, probabilities, estimator = fitted[key]
        run = grouped_cross_validation(spec, labelled, folds, random_state, probabilities)
        rows[name] = {"grouped CV": {**_figures(DomainReport.of("grouped CV", labelled.labels, run.predicted)),
                                     "by_register": per_register(labelled, run.predicted)}}
        descriptions[name] = spec.description
        model = DomainModel(estimator, run.thresholds, {"recipe": spec.to_dict()}, run.family_thresholds)
        rows[name].update({g.name: _figures(evaluate_gold(model, g)) for g in evaluations})
        if name == DEFAULT_RECIPE:
            heading = DomainModel(estimator, run.thresholds, {"context": {"section": True}}, run.family_thresholds)
            rows[f"{name} + heading"] = {g.name: _figures(evaluate_gold(heading, g)) for g in evaluations}
            descriptions[f"{name} + heading"] = (f"{name} reading each passage after its heading (Passage.section); the "
                                                 "training passages have none, so grouped CV is that of the recipe")
    scored = {n: r["grouped CV"] for n, r in rows.items() if "grouped CV" in r}
    chosen = choose_recipe(scored)
    return {
        "date": datetime.date.today().isoformat(),
        "training_data": Path(labels_path).name,
        "training_data_sha256": file_sha256(labels_path),
        "folds": folds,
        "evaluations": ["grouped CV", *[g.name for g in evaluations]],
        "recipes": rows,
        "descriptions": descriptions,
        "chosen": chosen,
    }


def format_comparison(comparison: dict) -> str:
    evaluations = comparison["evaluations"]
    width = max(len(n) for n in comparison["recipes"]) + 2
    head = f"{'recipe':<{width}}" + "".join(f" | {e[:21]:^21}" for e in evaluations)
    sub = f"{'':<{width}}" + "".join(f" | {'macro-F1':>10} {'none kept':>10}" for _ in evaluations)
    lines = [head, sub, "-" * len(sub)]
    for name, row in comparison["recipes"].items():
        cells = []
        for e in evaluations:
            f = row.get(e)
            cells.append(f" | {_fmt(f and f['macro_f1'], 10)} {_fmt(f and f['no_domain'], 10)}")
        lines.append(f"{name + (' *' if name == comparison['chosen'] else ''):<{width}}" + "".join(cells))
    lines.append("")
    lines.append("* kept: the best grouped-CV macro-F1 among the recipes that prefer 'none' on official texts "
                 "(F0.5 thresholds there)")
    return "\n".join(lines)


def held_out_sets(labels: str | Path | None = None, texts_dir: str | Path | None = None,
                  gold_dir: str | Path | list | None = None, inputs: list[str | Path] | None = None) -> list[GoldPassages]:
    """The held-out evaluations asked for: a labels file (with ``texts_dir`` for a text-less
    one) and per-document gold (one folder or several, each an evaluation of its own) with the
    documents it describes."""
    sets = []
    if labels:
        sets.append(labelled_gold_passages(labels, texts_dir))
    for folder in [gold_dir] if isinstance(gold_dir, (str, Path)) else gold_dir or []:
        if not inputs:
            raise ValueError("--gold needs the documents it describes (INPUT ...)")
        sets.append(document_gold_passages(folder, inputs))
    return sets


def record_comparison(model_dir: str | Path, comparison: dict) -> None:
    """Keep a comparison beside the model (``comparison.json``) and in its card, when the card
    was trained on the same data."""
    import json

    from pipeline.classify import CARD_FILE
    from pipeline.classify.train import COMPARISON_FILE, write_card
    from pipeline.io import write_text

    model_dir = Path(model_dir)
    write_text(model_dir / COMPARISON_FILE, json.dumps(comparison, indent=2) + "\n")
    card_path = model_dir / CARD_FILE
    if card_path.exists():
        card = json.loads(card_path.read_text(encoding="utf-8"))
        if card.get("training_data", {}).get("sha256") == comparison["training_data_sha256"]:
            card["comparison"] = comparison
            write_card(model_dir, card)


def domain_evaluation(model_dir=None, labels=None, texts_dir=None, gold_dir=None, inputs=None, grouped=False,
                      train_labels="corpus/labels/passages.csv", recipe=None, compare=False, record=False,
                      baseline=None, show=False, json_path=None, trust_model=False) -> str:
    """``secmine evaluate domains``: the table of every evaluation asked for (or, with
    ``compare``, the comparison of recipes), as text; the figures also as JSON."""
    import json
    import sys

    from pipeline.classify import DEFAULT_MODEL_DIR, load_model
    from pipeline.io import write_text

    model_dir = Path(model_dir or DEFAULT_MODEL_DIR)
    sets = held_out_sets(labels, texts_dir, gold_dir, inputs)
    if compare:
        comparison = compare_recipes(train_labels, sets, saved_model=load_model(baseline, trust=trust_model) if baseline else None,
                                     log=lambda message: print(f"secmine: {message}", file=sys.stderr, flush=True))
        if record:
            record_comparison(model_dir, comparison)
        if json_path:
            write_text(json_path, json.dumps(comparison, indent=2) + "\n")
        return format_comparison(comparison)
    if not sets and not grouped:
        raise ValueError("evaluate domains needs --labels, --gold with INPUT documents, --grouped or --compare")
    reports = []
    if grouped:
        trained = load_model(model_dir, trust=trust_model).card.get("recipe", {}).get("name") if recipe is None else recipe
        reports.append(grouped_report(train_labels, trained))
    if sets:
        model = load_model(model_dir, trust=trust_model)
        reports += [evaluate_gold(model, s) for s in sets]
    text = format_reports(reports)
    if show:
        text += "\n\n" + "\n\n".join(format_details(r) for r in reports if r.name != "grouped CV")
    if json_path:
        write_text(json_path, json.dumps({r.name: r.to_dict() for r in reports}, indent=2) + "\n")
    return text
