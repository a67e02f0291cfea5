"""Mentions of partners, EU bodies, instruments and dates in one parsed passage.

Three sources, in order of trust: the gazetteer's phrase patterns (known names), the date
grammar and the instrument title patterns (known forms), and the statistical model's
entities (names neither knows). Overlaps are settled by that order, then by length; a partner
may sit inside an instrument's name ("EU-Ukraine defence industry forum"), nothing else nests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pycountry
from spacy.tokens import Doc, Span

from pipeline.extract.dates import find_dates, normalize_date
from pipeline.extract.gazetteer import instrument_heads, load_gazetteer, stopwords
from pipeline.extract.nlp import SPANS_KEY
from pipeline.records import Mention

RULE, FORM, MODEL = 3, 2, 1  # trust of a candidate's source
_QUOTES = "'\"\u2018\u2019\u201c\u201d"
_YEAR_SUFFIX = re.compile(r"\s*\((?:19|20)\d\d\)\s*$")
_LEADING = re.compile(r"^(?:the|The|a|an|its|their|our)\s+")


@dataclass
class Candidate:
    label: str
    start: int
    end: int
    canonical: str
    rule_id: str
    trust: int
    extra: dict = field(default_factory=dict)

    def overlaps(self, other: Candidate) -> bool:
        return self.start < other.end and other.start < self.end

    def inside(self, other: Candidate) -> bool:
        return other.start <= self.start and self.end <= other.end


def find_mentions(doc: Doc, doc_id: str, passage_id: str, pub_date: str, model: str) -> list[Mention]:
    """All mentions in a parsed passage, with offsets into ``doc.text``."""
    candidates = _rule_candidates(doc) + _date_candidates(doc.text, pub_date) + _model_candidates(doc, pub_date, model)
    persons = [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "PERSON"]
    candidates = [c for c in candidates if not _inside_person(c, persons)]
    kept = _settle_overlaps(candidates)
    _name_working_arrangements(kept, doc)
    mentions = []
    for c in sorted(kept, key=lambda c: (c.start, -c.end)):
        sentence = doc.char_span(c.start, c.end, alignment_mode="expand")
        sent = sentence.sent if sentence is not None else doc[:]
        mentions.append(
            Mention(
                doc_id=doc_id,
                passage_id=passage_id,
                label=c.label,
                text=doc.text[c.start : c.end],
                canonical=c.canonical,
                start=c.start,
                end=c.end,
                rule_id=c.rule_id,
                sent_start=sent.start_char,
                sent_end=sent.end_char,
                **c.extra,
            )
        )
    return mentions


def _rule_candidates(doc: Doc) -> list[Candidate]:
    gazetteer = load_gazetteer()
    locative = stopwords("locative_words.txt")
    geographic = stopwords("geographic_heads.txt")
    regions = stopwords("region_words.txt")
    found = []
    for span in doc.spans.get(SPANS_KEY, []):
        if span.id_.startswith(("title:", "generic:")):
            found.append(_instrument_candidate(span, span.id_, FORM))
            continue
        entry = gazetteer.entry(span.id_)
        if entry is None or entry.eu_member:
            continue
        if entry.form == "adjective" and span.end < len(doc) and doc[span.end].text in geographic:
            continue
        if entry.label == "PARTNER" and _in_place_name(doc, span, geographic, regions):
            continue
        if entry.form == "capital" and span.start > 0 and doc[span.start - 1].lower_ in locative:
            continue
        extra = {}
        if entry.label == "PARTNER":
            extra = {"partner_iso3": entry.iso3, "partner_kind": entry.kind}
        elif entry.label == "INSTRUMENT":
            extra = {"instrument_type": entry.instrument_type, "domain": entry.domain}
        found.append(Candidate(entry.label, span.start_char, span.end_char, entry.canonical, span.id_, RULE, extra))
    return found


def _in_place_name(doc: Doc, span: Span, geographic: frozenset[str], regions: frozenset[str]) -> bool:
    """ "Guinea" in "Gulf of Guinea", "America" in "Latin America": a place, not the state."""
    if span.start >= 2 and doc[span.start - 1].lower_ == "of" and doc[span.start - 2].text in geographic:
        return True
    return span.start >= 1 and doc[span.start - 1].text in regions


def _date_candidates(text: str, pub_date: str) -> list[Candidate]:
    return [
        Candidate("DATE", d.start, d.end, d.iso, d.rule_id, RULE, {"granularity": d.granularity})
        for d in find_dates(text, pub_date)
    ]


def _model_candidates(doc: Doc, pub_date: str, model: str) -> list[Candidate]:
    """What the statistical model finds that the rules may not know."""
    found = []
    for ent in doc.ents:
        rule_id = f"model:{model}:{ent.label_}"
        if ent.label_ == "DATE":
            date = normalize_date(ent.text, pub_date)
            if date is not None:
                start = ent.start_char + date.start
                found.append(Candidate("DATE", start, start + len(date.text), date.iso, rule_id, MODEL, {"granularity": date.granularity}))
        elif ent.label_ == "LAW":
            found.append(_instrument_candidate(ent, rule_id, MODEL))
        elif ent.label_ == "GPE":
            country = _country_by_name(ent.text)
            if country is not None:
                iso3, name = country
                found.append(Candidate("PARTNER", ent.start_char, ent.end_char, name, rule_id, MODEL,
                                       {"partner_iso3": iso3, "partner_kind": "country"}))
    return found


def _country_by_name(text: str) -> tuple[str, str] | None:
    """A country's ISO3 and canonical name for a full country name the gazetteer lacks."""
    name = _LEADING.sub("", text.strip())
    if len(name) < 4:
        return None
    try:
        country = pycountry.countries.lookup(name)
    except LookupError:
        return None
    entry = load_gazetteer().entry(f"country:{country.alpha_3}")
    if entry is None or entry.eu_member:
        return None
    return country.alpha_3, entry.canonical


def _instrument_candidate(span: Span, rule_id: str, trust: int) -> Candidate:
    """An instrument found by its form: canonical name and type from its head noun."""
    start, end = span.start_char, span.end_char
    text = span.text
    lead = _LEADING.match(text)
    if lead:
        start += lead.end()
        text = text[lead.end() :]
    canonical = _instrument_name(text)
    known = load_gazetteer().named(canonical, "instrument:") or load_gazetteer().named(text, "instrument:")
    if known is not None:  # a registered name written another way ("SECURITY AND DEFENCE PARTNERSHIP")
        key, entry = known
        extra = {"instrument_type": entry.instrument_type, "domain": entry.domain}
        return Candidate("INSTRUMENT", start, end, entry.canonical, f"{rule_id}|{key}", trust, extra)
    return Candidate("INSTRUMENT", start, end, canonical, rule_id, trust, {"instrument_type": _instrument_type(text)})


def _instrument_name(text: str) -> str:
    """Quotes and a trailing "(year)" dropped, the head made singular, the first letter capital."""
    name = _YEAR_SUFFIX.sub("", text.strip(_QUOTES + " "))
    name = re.sub(r"\s+", " ", name)
    words = name.split(" ")
    for i in range(len(words) - 1, -1, -1):
        if words[i].lower() in ("instrument", "format"):
            del words[i]
            continue
        break
    words[-1] = _singular_head(words[-1])
    name = " ".join(words)
    return name[:1].upper() + name[1:]


def _singular_head(word: str) -> str:
    """"Partnerships" -> "Partnership", "Facilities" -> "Facility"; other words unchanged."""
    heads = {h.words[-1] for h in instrument_heads().values()}
    for singular in (word[:-3] + "y", word[:-1]):
        if word.lower().endswith("s") and singular.lower() in heads:
            return singular
    return word


def _instrument_type(text: str) -> str:
    words = text.lower().replace("-", " ").split()
    heads = instrument_heads()
    best = ""
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            key = tuple(words[i : i + size])
            singular = key[:-1] + (key[-1][:-1],) if key[-1].endswith("s") else key
            head = heads.get(key) or heads.get(singular)
            if head is not None and not best:
                best = head.type
    return best or "agreement"


def _inside_person(candidate: Candidate, persons: list[tuple[int, int]]) -> bool:
    """A partner name that is part of a person's name ("Jordan" in "Michael Jordan")."""
    if candidate.label != "PARTNER":
        return False
    return any(s <= candidate.start and candidate.end <= e and (e - s) > (candidate.end - candidate.start) for s, e in persons)


def _settle_overlaps(candidates: list[Candidate]) -> list[Candidate]:
    """Most trusted first, then longest; a partner may nest in an instrument, nothing else."""
    ordered = sorted(candidates, key=lambda c: (-c.trust, -(c.end - c.start), c.start))
    kept: list[Candidate] = []
    for cand in ordered:
        clash = False
        for other in kept:
            if not cand.overlaps(other):
                continue
            nested = (cand.label == "PARTNER" and other.label == "INSTRUMENT" and cand.inside(other)) or (
                cand.label == "INSTRUMENT" and other.label == "PARTNER" and other.inside(cand)
            )
            if not nested:
                clash = True
                break
        if not clash:
            kept.append(cand)
    return kept


def _name_working_arrangements(kept: list[Candidate], doc: Doc) -> None:
    """A working arrangement is named after the EU agency that concludes it, when the sentence
    names one: "Working Arrangement with ENISA"."""
    for cand in kept:
        if cand.label != "INSTRUMENT" or cand.extra.get("instrument_type") != "working_arrangement":
            continue
        if " with " in cand.canonical:
            continue
        span = doc.char_span(cand.start, cand.end, alignment_mode="expand")
        if span is None:
            continue
        sent = span.sent
        bodies = [o for o in kept if o.label == "EU_BODY" and sent.start_char <= o.start < sent.end_char]
        if bodies:
            cand.canonical = f"{cand.canonical} with {bodies[-1].canonical}"
