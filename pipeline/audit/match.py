"""Matching output rows to gold rows, table by table, and scoring the tables and their fields.

Rows are compared only within one document. Each table has a rule (``RULES``):

- ``pair`` fields identify a row (partner, title, instrument, domain ...): rows that differ there
  have nothing to do with each other;
- ``key`` fields must agree too for a row to count as found (a true positive);
- ``check`` fields are compared on every aligned row, without changing the table-level count.

First every gold row is matched one to one with an output row agreeing on pair and key fields
(true positives). Then what is left on either side is paired on the pair fields alone (with at
least ``pair_min_agree`` key fields agreeing): such a pair is a miss and a spurious row at table
level, and a field error on the pair. So a wrong status is counted both ways.

A field's score counts (row, value) facts: a value is right on an aligned row whose field agrees;
a wrong value is a false positive and a false negative; the fields of unaligned gold rows are
false negatives, those of unaligned output rows false positives. ``accuracy`` is the share right
among aligned rows alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from pipeline.scoring import Score
from pipeline.settings import Settings
from pipeline.vocab.textnorm import normalize_for_matching


@dataclass(frozen=True)
class Rule:
    table: str
    pair: tuple[str, ...]
    key: tuple[str, ...] = ()
    check: tuple[str, ...] = ()
    pair_min_agree: int = 0

    @property
    def fields(self) -> tuple[str, ...]:
        """The scored fields: key fields, then checked ones."""
        return self.key + self.check

    @property
    def columns(self) -> tuple[str, ...]:
        return self.pair + self.key + self.check


RULES: dict[str, Rule] = {
    "joint_statements": Rule("joint_statements", pair=("partner", "title"), key=("year",), check=("domains", "partner_iso3")),
    "partners_without_statements": Rule("partners_without_statements", pair=("partner",), check=("partner_iso3",)),
    "cooperation_elements": Rule("cooperation_elements", pair=("partner", "domain"), key=("mode", "qualifiers"),
                                 check=("partner_iso3",), pair_min_agree=1),
    "dialogues": Rule("dialogues", pair=("partner", "domain"), key=("ministerial", "policy"), check=("as_of", "partner_iso3")),
    "partnerships": Rule("partnerships", pair=("partner", "instrument"), key=("status",), check=("domain", "partner_kind", "partner_iso3")),
}

# How each field is compared: the name of a comparator below (default "text").
FIELD_COMPARATORS = {
    "partner": "partner", "title": "title", "instrument": "instrument", "year": "integer",
    "ministerial": "integer", "policy": "integer", "domains": "codes", "qualifiers": "item_set",
}

COMPARATOR_TEXT = {
    "partner": "same canonical partner after the gazetteer's names and aliases (pipeline/resources/partners.csv, "
               "organisations.csv; \"USA\", \"EU-USA\", \"Republic of Korea\", \"UN\" resolve), else same normalised name",
    "title": "normalised (case, typographic quotes dropped, dashes to hyphens, whitespace, trailing \"(year)\" dropped), "
             "then rapidfuzz ratio >= audit_title_threshold",
    "instrument": "same canonical instrument after the gazetteer's names and aliases (pipeline/resources/instruments.csv), "
                  "else normalised names, a trailing bracketed qualifier dropped, with rapidfuzz ratio >= audit_instrument_threshold",
    "integer": "equal as whole numbers (one off is wrong)",
    "codes": "same set of \";\"-separated codes, in any order",
    "item_set": "same set of \";\"-separated items after normalisation, in any order",
    "text": "equal after normalisation (case, quotes, dashes, whitespace)",
}


def normalise(text: str) -> str:
    """Case, compatibility forms, typographic quotes and dashes, and whitespace."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return " ".join(normalize_for_matching(text).casefold().split())


def normalise_title(text: str) -> str:
    text = normalise(text)
    text = re.sub(r"\s*\((?:19|20)\d\d\)\s*$", "", text)
    text = re.sub(r"[\"']", "", text)
    text = re.sub(r"\s*-\s*", "-", text)
    return text.strip(" .,;:")


@lru_cache(maxsize=4096)
def normalise_partner(name: str) -> str:
    from pipeline.vocab.gazetteer import partner_of

    partner = partner_of(name or "")
    return normalise(partner.name if partner else name)


@lru_cache(maxsize=4096)
def normalise_instrument(name: str) -> str:
    from pipeline.vocab.gazetteer import load_gazetteer

    text = re.sub(r"\s*\((?:19|20)\d\d\)\s*$", "", normalize_for_matching(str(name or "")).strip())
    text = re.sub(r"^[\"']+|[\"']+$", "", text).strip()
    gazetteer = load_gazetteer()
    for candidate in (text, re.sub(r"\s*\([^()]*\)$", "", text)):
        found = gazetteer.named(candidate, "instrument:")
        if found:
            return normalise(found[1].canonical)
    # An unregistered name: a trailing bracketed qualifier or acronym does not make another
    # instrument ("Declaration on cooperation (crisis management)").
    return normalise_title(re.sub(r"\s*\([^()]*\)$", "", text))


def _integer(value: str) -> str:
    text = str(value).strip()
    try:
        return str(int(float(text)))
    except ValueError:
        return text


def _items(value: str) -> frozenset[str]:
    return frozenset(normalise(v) for v in str(value or "").split(";") if v.strip())


def compare(comparator: str, gold: str, output: str, settings: Settings) -> tuple[float, bool]:
    """Similarity (0-100) of two values and whether they agree."""
    if comparator == "partner":
        same = normalise_partner(gold) == normalise_partner(output)
        return (100.0 if same else 0.0), same
    if comparator == "title":
        score = fuzz.ratio(normalise_title(gold), normalise_title(output))
        return score, score >= settings.audit_title_threshold
    if comparator == "instrument":
        a, b = normalise_instrument(gold), normalise_instrument(output)
        score = 100.0 if a == b else fuzz.ratio(a, b)
        return score, score >= settings.audit_instrument_threshold
    if comparator == "integer":
        same = _integer(gold) == _integer(output)
        return (100.0 if same else 0.0), same
    if comparator in ("codes", "item_set"):
        a, b = _items(gold), _items(output)
        score = 100.0 * len(a & b) / len(a | b) if a | b else 100.0
        return score, a == b
    same = normalise(gold) == normalise(output)
    return (100.0 if same else 0.0), same


def comparator_of(field: str) -> str:
    return FIELD_COMPARATORS.get(field, "text")


@dataclass
class Alignment:
    """One gold row and/or one output row, and how they relate: tp, paired, missed or spurious."""

    kind: str
    gold: dict | None = None
    output: dict | None = None
    agree: dict[str, bool] | None = None

    def wrong(self) -> list[str]:
        return [f for f, ok in (self.agree or {}).items() if not ok]


def align(rule: Rule, gold_rows: list[dict], out_rows: list[dict], settings: Settings) -> list[Alignment]:
    """Gold rows and output rows (each with ``_doc``, the ingested document) aligned under ``rule``."""
    buckets: dict[tuple[str, str], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for i, row in enumerate(gold_rows):
        buckets[(row["_doc"], normalise_partner(row.get("partner", "")))][0].append(i)
    for j, row in enumerate(out_rows):
        buckets[(row["_doc"], normalise_partner(row.get("partner", "")))][1].append(j)
    found: list[tuple[int, Alignment]] = []
    used_gold: set[int] = set()
    used_out: set[int] = set()
    for gold_ids, out_ids in buckets.values():
        candidates = []
        for i in gold_ids:
            for j in out_ids:
                sims, agree = {}, {}
                for name in rule.columns:
                    sims[name], agree[name] = compare(comparator_of(name), gold_rows[i].get(name, ""), out_rows[j].get(name, ""), settings)
                if not all(agree[name] for name in rule.pair):
                    continue
                key_ok = all(agree[name] for name in rule.key)
                n_key = sum(agree[name] for name in rule.key)
                candidates.append((key_ok, n_key, sum(agree[f] for f in rule.fields), sum(sims.values()), -i, -j, i, j, agree))
        candidates.sort(reverse=True)
        for tp_pass in (True, False):
            for key_ok, n_key, _, _, _, _, i, j, agree in candidates:
                if i in used_gold or j in used_out or (tp_pass and not key_ok) or (not tp_pass and n_key < rule.pair_min_agree):
                    continue
                used_gold.add(i)
                used_out.add(j)
                found.append((i, Alignment("tp" if key_ok else "paired", gold_rows[i], out_rows[j], {f: agree[f] for f in rule.fields})))
    found += [(i, Alignment("missed", gold=row)) for i, row in enumerate(gold_rows) if i not in used_gold]
    ordered = [a for _, a in sorted(found, key=lambda item: item[0])]
    return ordered + [Alignment("spurious", output=row) for j, row in enumerate(out_rows) if j not in used_out]


def score(tp: int, fp: int, fn: int) -> dict:
    """tp/fp/fn with precision, recall and F1; the three ratios are None when there is nothing to score."""
    result = Score(tp, fp, fn).to_dict()
    if tp + fp + fn == 0:
        result.update(precision=None, recall=None, f1=None)
    else:
        if tp + fp == 0:
            result["precision"] = None
        if tp + fn == 0:
            result["recall"] = None
    return result


def table_score(alignments: list[Alignment]) -> dict:
    count = defaultdict(int)
    for a in alignments:
        count[a.kind] += 1
    return score(count["tp"], count["paired"] + count["spurious"], count["paired"] + count["missed"])


def field_scores(rule: Rule, alignments: list[Alignment]) -> dict[str, dict]:
    """Per scored field: tp/fp/fn over (row, value) facts, precision, recall, F1, and accuracy on aligned rows."""
    missed = sum(a.kind == "missed" for a in alignments)
    spurious = sum(a.kind == "spurious" for a in alignments)
    aligned = [a for a in alignments if a.kind in ("tp", "paired")]
    scores = {}
    for name in rule.fields:
        right = sum(a.agree[name] for a in aligned)
        wrong = len(aligned) - right
        scores[name] = score(right, wrong + spurious, wrong + missed) | {
            "aligned": len(aligned), "wrong": wrong,
            "accuracy": round(right / len(aligned), 4) if aligned else None,
        }
    return scores


def describe(rule: Rule, settings: Settings) -> list[str]:
    """The rule in words, for the report."""
    def named(fields: tuple[str, ...]) -> str:
        return ", ".join(f"`{f}`" for f in fields)

    lines = [f"rows are compared within one document; they pair when they agree on {named(rule.pair)}"
             + (f" and on at least {rule.pair_min_agree} of {named(rule.key)}" if rule.pair_min_agree else "")]
    if rule.key:
        verb = "agrees" if len(rule.key) == 1 else "agree"
        lines.append(f"a paired row is found (true positive) when {named(rule.key)} {verb} as well; otherwise it counts as "
                     "one missed and one spurious row, and as an error of each field that differs")
    else:
        lines.append("a paired row is found (true positive)")
    if rule.check:
        lines.append(f"{named(rule.check)}: compared on every aligned row (field errors only)")
    for name in rule.columns:
        comparator = comparator_of(name)
        text = COMPARATOR_TEXT[comparator]
        text = text.replace("audit_title_threshold", f"audit_title_threshold ({settings.audit_title_threshold:g})")
        text = text.replace("audit_instrument_threshold", f"audit_instrument_threshold ({settings.audit_instrument_threshold:g})")
        lines.append(f"`{name}`: {text}")
    return lines


def general_rules(settings: Settings) -> list[str]:
    """The rules every table shares, for the report."""
    return [
        ("each gold `source_doc` stands for the ingested document (documents.csv `source`) of the same file name, "
         "else of the same stem (`002_x.txt` = `002_x.pdf`), else the one whose text holds the largest share, at least "
         f"audit_doc_min_support ({settings.audit_doc_min_support:g}), of the gold's quoted strings (titles, bullets, "
         "evidence, contexts)"),
        "gold rows of a document no ingested document stands for are *not in corpus*: listed apart, not counted as missed",
        ("a table is audited on the documents its gold file covers; output rows of other documents are *out of scope*: "
         "listed apart, not counted as spurious"),
        "rows are matched one to one; a missing output table (or mentions.csv) leaves every gold row missed",
        ("table scores: tp = rows found, fn = gold rows not found, fp = output rows not found; precision, recall and F1 "
         "are n/a when there is nothing to count"),
        ("field scores count (row, value) facts: on an aligned row (found or paired) a right value is a tp and a wrong one "
         "both an fp and an fn; the values of unaligned gold rows are fn, those of unaligned output rows fp; `accuracy` "
         "is the share of aligned rows with the value right"),
        "`--min-f1 X` fails on every `table.rows` (the table) and `table.field` whose F1 is below X",
    ]


# The domains a row of each table speaks about, for the partner x domain agreement matrix.
def row_domains(table: str, row: dict) -> list[str]:
    from pipeline.vocab.domains import statement_codes

    if table == "joint_statements":
        codes = statement_codes()
        return list(dict.fromkeys(codes[c.strip()] for c in str(row.get("domains", "")).split(";") if c.strip() in codes))
    if table in ("cooperation_elements", "dialogues", "partnerships") and row.get("domain"):
        return [row["domain"]]
    return []

