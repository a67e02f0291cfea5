"""Scoring a run's outputs against per-document gold (the JSON format of ``../shared/dev``).

Each gold file describes one document: its partners (and borderline partners), its cooperation
instruments, its dates and some of its passages with their domains. A gold file is matched to
the document whose ``documents.csv`` ``source`` has the stem of the gold's ``text_file``. The
figures, per document and over the whole set:

- partner mention recall: gold and borderline partners found as PARTNER canonicals anywhere in
  the document's mentions;
- cooperation partners P/R/F1: the set of ``cooperation.csv`` partners against the gold
  partners; borderline partners count neither way;
- instrument recall: security-relevant gold instruments matched by an INSTRUMENT canonical that
  shares at least 60% of the shorter name's content words;
- date recall: gold date strings inside (or containing) a DATE mention's text;
- passage domains macro-F1: each gold passage found by its first seven words; predicted domains
  (``defence_general`` ignored) against the gold's, F1 per domain with at least 3 gold passages,
  averaged;
- no-domain passages kept empty: the share of gold passages without a domain predicted none.

Everything here reads output files and gold; nothing runs a stage.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.io import read_frame
from pipeline.scoring import GOLD_DOMAINS, IGNORED_DOMAINS, Score, find_passage, gold_text

MIN_DOMAIN_SUPPORT = 3
INSTRUMENT_OVERLAP = 0.6
STOP_WORDS = frozenset(
    "a an and the of on for in to with by at from as its their our into between among under "
    "over about per via".split()
)


@dataclass
class DocumentScore:
    """The figures of one document (or, summed, of a set of documents)."""

    name: str
    matched: bool = True
    partner_mentions: Score = field(default_factory=Score)
    partners: Score = field(default_factory=Score)
    instruments: Score = field(default_factory=Score)
    dates: Score = field(default_factory=Score)
    empty_kept: int = 0
    empty_total: int = 0
    missed_partner_mentions: list[str] = field(default_factory=list)
    missed_partners: list[str] = field(default_factory=list)
    spurious_partners: list[tuple[str, str]] = field(default_factory=list)  # (partner, evidence)
    missed_instruments: list[str] = field(default_factory=list)
    missed_dates: list[str] = field(default_factory=list)
    passages: list[dict] = field(default_factory=list)  # gold passage, found text, gold and predicted domains


@dataclass
class Evaluation:
    documents: list[DocumentScore]
    total: DocumentScore
    domain_f1: dict[str, Score]  # per domain with enough gold passages
    unmatched_gold: list[str] = field(default_factory=list)

    @property
    def macro_f1(self) -> float | None:
        if not self.domain_f1:
            return None
        return sum(s.f1 for s in self.domain_f1.values()) / len(self.domain_f1)

    def to_dict(self) -> dict:
        def figures(d: DocumentScore) -> dict:
            return {
                "partner_mention_recall": _ratio(d.partner_mentions),
                "cooperation_partners": d.partners.to_dict(),
                "instrument_recall": _ratio(d.instruments),
                "date_recall": _ratio(d.dates),
                "no_domain_kept_empty": d.empty_kept / d.empty_total if d.empty_total else None,
            }

        return {
            "documents": {d.name: {**figures(d), "matched": d.matched, "missed_partners": d.missed_partners,
                                   "spurious_partners": [p for p, _ in d.spurious_partners],
                                   "missed_instruments": d.missed_instruments, "missed_dates": d.missed_dates,
                                   "missed_partner_mentions": d.missed_partner_mentions}
                          for d in self.documents},
            "overall": {**figures(self.total), "domains_macro_f1": self.macro_f1,
                        "domains": {k: v.to_dict() for k, v in self.domain_f1.items()}},
            "unmatched_gold": self.unmatched_gold,
        }


def _ratio(score: Score) -> float | None:
    return score.recall if score.tp + score.fn else None


# -- gold --------------------------------------------------------------------------------------


# -- matching helpers ---------------------------------------------------------------------------


def content_words(name: str) -> list[str]:
    """An instrument name's content words: case, quotes, dashes, a trailing bracket and stop words dropped."""
    name = re.sub(r"\s*\([^()]*\)\s*$", "", name.strip())
    name = re.sub(r"(?<=\b[A-Za-z])\.(?=[A-Za-z]\.)|(?<=\b[A-Za-z]\.[A-Za-z])\.", "", name)  # U.S. -> US
    words = re.findall(r"[a-z0-9]+", name.lower())
    return [w for w in words if w not in STOP_WORDS]


def instrument_matches(gold_name: str, mention: str) -> bool:
    """At least 60% of the shorter name's content words are shared."""
    a, b = set(content_words(gold_name)), set(content_words(mention))
    if not a or not b:
        return False
    return len(a & b) >= INSTRUMENT_OVERLAP * min(len(a), len(b))


def date_found(gold_date: str, mention_texts: list[str]) -> bool:
    g = gold_text(gold_date)
    return any(g in m or (m and m in g) for m in map(gold_text, mention_texts))


# -- scoring -----------------------------------------------------------------------------------


@dataclass
class RunOutputs:
    """The files of one run folder, as frames with every cell a string."""

    documents: pd.DataFrame
    passages: pd.DataFrame
    mentions: pd.DataFrame
    domains: pd.DataFrame
    facts: pd.DataFrame

    @classmethod
    def read(cls, folder: str | Path) -> "RunOutputs":
        folder = Path(folder)

        def frame(name: str) -> pd.DataFrame:
            path = folder / name
            return read_frame(path) if path.exists() else pd.DataFrame()

        documents = frame("documents.csv")
        if documents.empty:
            raise FileNotFoundError(f"{folder}: no documents.csv (not the output folder of a run)")
        return cls(documents, frame("passages.csv"), frame("mentions.csv"), frame("domains.csv"), frame("cooperation.csv"))


def _rows(frame: pd.DataFrame, column: str, value: str) -> pd.DataFrame:
    if frame.empty or column not in frame.columns:
        return frame
    return frame[frame[column] == value]


def document_of(gold: dict, documents: pd.DataFrame) -> str | None:
    """The doc_id of the document whose source has the gold text file's stem."""
    stem = Path(gold["text_file"]).stem
    for row in documents.itertuples():
        if Path(row.source).stem == stem and row.status == "ok":
            return row.doc_id
    return None


def score_document(gold: dict, outputs: RunOutputs, doc_id: str | None) -> DocumentScore:
    name = Path(gold["text_file"]).stem
    score = DocumentScore(name, matched=doc_id is not None)
    doc_id = doc_id or "-"
    mentions = _rows(outputs.mentions, "doc_id", doc_id)
    facts = _rows(outputs.facts, "doc_id", doc_id)
    passages = _rows(outputs.passages, "doc_id", doc_id)

    def label(value: str) -> pd.DataFrame:
        return mentions[mentions["label"] == value] if not mentions.empty else mentions

    partners, borderline = set(gold["partners"]), set(gold.get("partners_borderline", []))
    found = set(label("PARTNER")["canonical"]) if not mentions.empty else set()
    wanted = partners | borderline
    score.partner_mentions = Score(len(wanted & found), 0, len(wanted - found))
    score.missed_partner_mentions = sorted(wanted - found)

    predicted = set(facts["partner"]) - borderline if not facts.empty else set()
    score.partners = Score.of_sets(predicted, partners)
    score.missed_partners = sorted(partners - predicted)
    for partner in sorted(predicted - partners):
        evidence = facts[facts["partner"] == partner]["evidence"].iloc[0]
        score.spurious_partners.append((partner, evidence))

    instruments = list(label("INSTRUMENT")["canonical"]) if not mentions.empty else []
    relevant = [i["name"] for i in gold["instruments"] if i.get("security_relevant")]
    hit = [n for n in relevant if any(instrument_matches(n, m) for m in instruments)]
    score.instruments = Score(len(hit), 0, len(relevant) - len(hit))
    score.missed_instruments = [n for n in relevant if n not in hit]

    date_texts = list(label("DATE")["text"]) if not mentions.empty else []
    gold_dates = list(gold.get("dates", []))
    hit_dates = [d for d in gold_dates if date_found(d, date_texts)]
    score.dates = Score(len(hit_dates), 0, len(gold_dates) - len(hit_dates))
    score.missed_dates = [d for d in gold_dates if d not in hit_dates]

    texts = list(zip(passages["passage_id"], passages["text"])) if not passages.empty else []
    predicted_domains: dict[str, set[str]] = defaultdict(set)
    if not outputs.domains.empty:
        ids = set(passages["passage_id"]) if not passages.empty else set()
        chosen = outputs.domains[outputs.domains["passage_id"].isin(ids) & outputs.domains["predicted"].str.lower().isin(("true", "1"))]
        for row in chosen.itertuples():
            if row.domain not in IGNORED_DOMAINS:
                predicted_domains[row.passage_id].add(row.domain)
    for item in gold.get("passages", []):
        pid = find_passage(item["text_start"], texts)
        gold_set = {GOLD_DOMAINS[d] for d in item.get("domains", []) if d in GOLD_DOMAINS}
        got = predicted_domains.get(pid, set()) if pid else set()
        score.passages.append({"text_start": item["text_start"], "passage_id": pid or "", "gold": sorted(gold_set),
                               "predicted": sorted(got)})
        if not gold_set:
            score.empty_total += 1
            score.empty_kept += not got
    return score


def evaluate_outputs(golds: list[dict], folder: str | Path) -> Evaluation:
    """Every gold document scored against the run outputs in ``folder``."""
    outputs = RunOutputs.read(folder)
    scores, unmatched = [], []
    for gold in golds:
        doc_id = document_of(gold, outputs.documents)
        if doc_id is None:
            unmatched.append(Path(gold["text_file"]).stem)
        scores.append(score_document(gold, outputs, doc_id))
    total = DocumentScore("overall")
    for s in scores:
        total.partner_mentions = total.partner_mentions.add(s.partner_mentions)
        total.partners = total.partners.add(s.partners)
        total.instruments = total.instruments.add(s.instruments)
        total.dates = total.dates.add(s.dates)
        total.empty_kept += s.empty_kept
        total.empty_total += s.empty_total
    return Evaluation(scores, total, domain_scores([p for s in scores for p in s.passages]), unmatched)


def domain_scores(passages: list[dict]) -> dict[str, Score]:
    """F1 per domain over all gold passages, for domains with at least MIN_DOMAIN_SUPPORT of them."""
    support: dict[str, int] = defaultdict(int)
    for p in passages:
        for d in p["gold"]:
            support[d] += 1
    scores = {}
    for domain in sorted(d for d, n in support.items() if n >= MIN_DOMAIN_SUPPORT):
        s = Score()
        for p in passages:
            g, q = domain in p["gold"], domain in p["predicted"]
            s = s.add(Score(int(g and q), int(q and not g), int(g and not q)))
        scores[domain] = s
    return scores


# -- report ------------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "   -" if value is None else f"{value:.2f}"


def format_evaluation(evaluation: Evaluation, show: bool = False) -> str:
    """A table of the figures per document and overall; with ``show``, every miss and spurious partner."""
    head = f"{'document':<44} {'ment.R':>6} {'coop.P':>6} {'coop.R':>6} {'coop.F1':>7} {'instr.R':>7} {'date.R':>6} {'empty':>6}"
    lines = [head, "-" * len(head)]

    def row(d: DocumentScore) -> str:
        p = d.partners
        empty = d.empty_kept / d.empty_total if d.empty_total else None
        name = d.name if d.matched else f"{d.name} (not in the run)"
        return (f"{name[:44]:<44} {_fmt(_ratio(d.partner_mentions)):>6} {_fmt(p.precision if p.tp + p.fp else None):>6} "
                f"{_fmt(p.recall if p.tp + p.fn else None):>6} {_fmt(p.f1 if p.tp + p.fp + p.fn else None):>7} "
                f"{_fmt(_ratio(d.instruments)):>7} {_fmt(_ratio(d.dates)):>6} {_fmt(empty):>6}")

    lines += [row(d) for d in evaluation.documents]
    lines += ["-" * len(head), row(evaluation.total)]
    t = evaluation.total
    lines.append("")
    lines.append(f"partner mention recall      {_fmt(_ratio(t.partner_mentions))}  ({t.partner_mentions.tp}/{t.partner_mentions.tp + t.partner_mentions.fn})")
    lines.append(f"cooperation partners        P {t.partners.precision:.2f}  R {t.partners.recall:.2f}  F1 {t.partners.f1:.2f}"
                 f"  (tp {t.partners.tp}, fp {t.partners.fp}, fn {t.partners.fn})")
    lines.append(f"instrument recall           {_fmt(_ratio(t.instruments))}  ({t.instruments.tp}/{t.instruments.tp + t.instruments.fn} security-relevant)")
    lines.append(f"date recall                 {_fmt(_ratio(t.dates))}  ({t.dates.tp}/{t.dates.tp + t.dates.fn})")
    domains = "  ".join(f"{d} {s.f1:.2f}" for d, s in evaluation.domain_f1.items())
    lines.append(f"passage domains macro-F1    {_fmt(evaluation.macro_f1)}  ({domains or 'no domain with 3 gold passages'})")
    lines.append(f"no-domain passages empty    {_fmt(t.empty_kept / t.empty_total if t.empty_total else None)}  ({t.empty_kept}/{t.empty_total})")
    if show:
        for d in evaluation.documents:
            items = []
            items += [f"  missed partner        {p}" for p in d.missed_partners]
            items += [f"  spurious partner      {p}: {' '.join(e.split())[:200]}" for p, e in d.spurious_partners]
            items += [f"  missed mention        {p}" for p in d.missed_partner_mentions]
            items += [f"  missed instrument     {n}" for n in d.missed_instruments]
            items += [f"  missed date           {n}" for n in d.missed_dates]
            items += [f"  passage domains       {p['text_start'][:40]!r}: gold {p['gold'] or '-'}, predicted {p['predicted'] or '-'}"
                      + ("" if p["passage_id"] else " (passage not found)")
                      for p in d.passages if set(p["gold"]) != set(p["predicted"])]
            if items:
                lines += ["", d.name, *items]
    return "\n".join(lines)
