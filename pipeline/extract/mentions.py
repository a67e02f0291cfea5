"""Mentions of partners, EU bodies, instruments and dates in one parsed passage.

Three sources, in order of trust: the gazetteer's phrase patterns (known names), the date
grammar and the instrument grammar (known forms, ``instruments.py``), and the statistical
model's entities (names neither knows). Overlaps are settled by that order, then by length, with
these exceptions:

- a partner may sit inside an instrument's name ("EU-Ukraine Defence Industries Forum"), and so
  may a date ("the 2019 Joint Communiqué"); a capital never does ("Doha" in "WTO Doha Development
  Agenda" is no partner), nor does a capital inside another name ("Institut Pasteur de Dakar");
- an instrument title beats a single known word inside it ("Council" in "EU-US Energy Council"),
  but a known multi-word name that ends at the title's head wins ("Foreign Affairs Council"), and
  a registered instrument that ends at the head gives its registered name ("EU Strategic Compass").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pycountry
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc, Span

from pipeline.vocab.dates import find_dates, normalize_date
from pipeline.vocab.gazetteer import load_gazetteer, stopwords
from pipeline.extract.instruments import NOT_TITLE_WORDS, FormMatch, doc_text, find_instruments
from pipeline.vocab.nlp import CAPS_KEY, SPANS_KEY
from pipeline.records import Mention
from pipeline.resources import word_list
from pipeline.vocab.instruments import DASHES, head_of, instrument_name, instrument_type, parties_prefix, singular_head

RULE, FORM, MODEL = 3, 2, 1  # trust of a candidate's source
_LEADING = re.compile(r"^(?:the|The|a|an|its|their|our)\s+")
# Model entities that are names of their own: a capital inside one is part of that name.
_NAME_ENTITIES = ("ORG", "FAC", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT")


@dataclass
class Candidate:
    label: str
    start: int
    end: int
    canonical: str
    rule_id: str
    trust: int
    extra: dict = field(default_factory=dict)
    form: str = ""  # gazetteer form of a partner (name, adjective, capital)
    prefix_end: int = -1  # instruments found by form: end of the parties prefix
    core_end: int = -1  # instruments found by form: end of the head

    def overlaps(self, other: Candidate) -> bool:
        return self.start < other.end and other.start < self.end

    def inside(self, other: Candidate) -> bool:
        return other.start <= self.start and self.end <= other.end


def find_mentions(doc: Doc, doc_id: str, passage_id: str, pub_date: str, model: str) -> list[Mention]:
    """All mentions in a parsed passage, with offsets into ``doc.text``."""
    candidates = _rule_candidates(doc)
    known = [(c.start, c.end) for c in candidates if c.label in ("PARTNER", "EU_BODY")]
    candidates += [_form_candidate(doc, f) for f in find_instruments(doc, known)]
    candidates += _date_candidates(doc_text(doc), pub_date) + _model_candidates(doc, pub_date, model)
    persons = [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "PERSON"]
    names = [(e.start_char, e.end_char) for e in doc.ents if e.label_ in _NAME_ENTITIES]
    candidates = [c for c in candidates if not _inside_person(c, persons) and not _capital_in_name(c, candidates, names)]
    kept = _settle_overlaps(_resolve_titles(candidates, doc_text(doc)))
    _name_working_arrangements(kept, doc)
    _qualify_generic_names(kept, doc)
    return [_mention(doc, c, doc_id, passage_id) for c in sorted(kept, key=lambda c: (c.start, -c.end))]


def _mention(doc: Doc, c: Candidate, doc_id: str, passage_id: str) -> Mention:
    span = doc.char_span(c.start, c.end, alignment_mode="expand")
    sent = span.sent if span is not None and len(span) else doc[:]
    return Mention(
        doc_id=doc_id, passage_id=passage_id, label=c.label, text=doc_text(doc)[c.start : c.end],
        canonical=c.canonical, start=c.start, end=c.end, rule_id=c.rule_id,
        sent_start=sent.start_char, sent_end=sent.end_char, **c.extra,
    )


# --- the gazetteer ------------------------------------------------------------------------------


def _rule_candidates(doc: Doc) -> list[Candidate]:
    gazetteer = load_gazetteer()
    locative = stopwords("locative_words.txt")
    geographic = stopwords("geographic_heads.txt")
    regions = stopwords("region_words.txt")
    found = []
    spans = list(doc.spans.get(SPANS_KEY, []))
    spans += [s for s in doc.spans.get(CAPS_KEY, []) if _all_caps(s.text) and s.text not in gazetteer.phrases_exact]
    for span in spans:
        entry = gazetteer.entry(span.id_)
        if entry is None or entry.eu_member:
            continue
        if entry.form == "adjective" and span.end < len(doc) and doc[span.end].text in geographic:
            continue
        if entry.label == "PARTNER" and _in_place_name(doc, span, geographic, regions):
            continue
        if entry.form == "capital" and span.start > 0 and doc[span.start - 1].lower_ in locative:
            continue
        if _word_in_capitals(doc, span) or (_ends_a_name(entry, span) and _word_of_a_name(doc, span)):
            continue
        found.append(_entry_candidate(entry, span.id_, span.start_char, span.end_char))
    found += _compound_pieces(doc)
    return found


def _entry_candidate(entry, key: str, start: int, end: int) -> Candidate:
    extra = {}
    if entry.label == "PARTNER":
        extra = {"partner_iso3": entry.iso3, "partner_kind": entry.kind}
    elif entry.label == "INSTRUMENT":
        extra = {"instrument_type": entry.instrument_type, "domain": entry.domain}
    return Candidate(entry.label, start, end, entry.canonical, key, RULE, extra, form=entry.form)


def _all_caps(text: str) -> bool:
    return any(c.isalpha() for c in text) and not any(c.islower() for c in text)


def _word_in_capitals(doc: Doc, span: Span) -> bool:
    """An acronym that is also an English word ("WHO", "US") inside a heading set in capitals
    ("WHO WE ARE") is that word; next to a dash ("EU-US") it stays a party."""
    text = span.text
    if not (text.isupper() and text.lower() in STOP_WORDS):
        return False
    before = doc[span.start - 1] if span.start > 0 else None
    after = doc[span.end] if span.end < len(doc) else None
    if any(t is not None and len(t.text) == 1 and t.text in DASHES for t in (before, after)):
        return False
    if any(c in DASHES for c in text):
        return False
    neighbours = [t for t in (before, after) if t is not None and t.is_alpha]
    return bool(neighbours) and all(t.text.isupper() for t in neighbours)


def _ends_a_name(entry, span: Span) -> bool:
    """Body and organisation names that other names end with ("Council", "Security Council")."""
    return entry.label == "EU_BODY" or (entry.kind != "country" and entry.label == "PARTNER" and len(span) > 1)


def _word_of_a_name(doc: Doc, span: Span) -> bool:
    """A known name that ends a longer name ("Council" in "National Security Council", "Trade and
    Technology Council"; "Security Council" in "National Security Council")."""
    if span.start == 0 or _all_caps(span.text):
        return False  # in a heading set in capitals every word is capitalised
    before = doc[span.start - 1]
    if before.is_sent_start or before.text in ("EU", "European", "Union", "EU's", "Union's") or not before.text[:1].isupper():
        return False
    return before.is_alpha and before.text not in NOT_TITLE_WORDS


def _compound_pieces(doc: Doc) -> list[Candidate]:
    """Partners inside one token joined by dashes: "U.S.-EU", "EU-U.S.", "US-China"."""
    gazetteer = load_gazetteer()
    found = []
    pattern = re.compile(rf"[^{DASHES}/]+")
    for tok in doc:
        if len(tok.text) < 4 or not any(c in DASHES or c == "/" for c in tok.text):
            continue
        for piece in pattern.finditer(tok.text):
            known = gazetteer.named(piece.group(0), "country:") or gazetteer.named(piece.group(0), "organisation:")
            if known is None or piece.group(0) != piece.group(0).strip() or not piece.group(0)[:1].isupper():
                continue
            key, entry = known
            if entry.eu_member or piece.group(0) not in gazetteer.phrases_exact:
                continue
            start = tok.idx + piece.start()
            found.append(_entry_candidate(entry, key, start, start + len(piece.group(0))))
    return found


def _in_place_name(doc: Doc, span: Span, geographic: frozenset[str], regions: frozenset[str]) -> bool:
    """ "Guinea" in "Gulf of Guinea", "America" in "Latin America": a place, not the state."""
    if span.start >= 2 and doc[span.start - 1].lower_ == "of" and doc[span.start - 2].text in geographic:
        return True
    return span.start >= 1 and doc[span.start - 1].text in regions


# --- forms, dates and the model -----------------------------------------------------------------


def _form_candidate(doc: Doc, found: FormMatch) -> Candidate:
    """An instrument found by its form; a registered name written another way resolves to it."""
    gazetteer = load_gazetteer()
    text = doc_text(doc)[found.start : found.end]
    core = doc_text(doc)[found.start : found.core_end] if found.core_end > found.start else ""
    for name in (found.canonical, text, core, _LEADING.sub("", core), found.bare):
        known = gazetteer.named(name, "instrument:") if name else None
        if known is not None:
            key, entry = known
            extra = {"instrument_type": entry.instrument_type, "domain": entry.domain}
            return Candidate("INSTRUMENT", found.start, found.end, entry.canonical, f"{found.rule_id}|{key}", FORM, extra,
                             prefix_end=found.prefix_end, core_end=found.core_end)
    return Candidate("INSTRUMENT", found.start, found.end, instrument_name(found.canonical, singular=False), found.rule_id, FORM,
                     {"instrument_type": found.instrument_type}, prefix_end=found.prefix_end, core_end=found.core_end)


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
        elif ent.label_ == "LAW" and (head_of(ent.text) or load_gazetteer().named(ent.text, "instrument:")):
            found.append(_law_candidate(ent, rule_id))  # not "Section 1" or "Article 5"
        elif ent.label_ == "GPE":
            country = _country_by_name(ent.text)
            if country is not None:
                iso3, name = country
                found.append(Candidate("PARTNER", ent.start_char, ent.end_char, name, rule_id, MODEL,
                                       {"partner_iso3": iso3, "partner_kind": "country"}))
    return found


def _law_candidate(span: Span, rule_id: str) -> Candidate:
    start, end, text = span.start_char, span.end_char, span.text
    lead = _LEADING.match(text)
    if lead:
        start += lead.end()
        text = text[lead.end() :]
    canonical = instrument_name(text)
    gazetteer = load_gazetteer()
    known = gazetteer.named(canonical, "instrument:") or gazetteer.named(text, "instrument:")
    if known is not None:
        key, entry = known
        extra = {"instrument_type": entry.instrument_type, "domain": entry.domain}
        return Candidate("INSTRUMENT", start, end, entry.canonical, f"{rule_id}|{key}", MODEL, extra)
    return Candidate("INSTRUMENT", start, end, canonical, rule_id, MODEL, {"instrument_type": instrument_type(text)})


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


# --- filters and overlaps ---------------------------------------------------------------------


def _inside_person(candidate: Candidate, persons: list[tuple[int, int]]) -> bool:
    """A partner name or a bare month that is part of a person's name ("Jordan" in "Michael
    Jordan", "June" in "June Carter")."""
    if candidate.label == "DATE" and candidate.rule_id != "date:month":
        return False
    if candidate.label not in ("PARTNER", "DATE"):
        return False
    return any(s <= candidate.start and candidate.end <= e and (e - s) > (candidate.end - candidate.start) for s, e in persons)


def _capital_in_name(candidate: Candidate, candidates: list[Candidate], names: list[tuple[int, int]]) -> bool:
    """A capital inside an instrument's name or another name stands for the place, not the state."""
    if candidate.label != "PARTNER" or candidate.form != "capital":
        return False
    if any(o.label == "INSTRUMENT" and candidate.inside(o) and (o.end - o.start) > (candidate.end - candidate.start)
           for o in candidates):
        return True
    return any(s <= candidate.start and candidate.end <= e and (e - s) > (candidate.end - candidate.start) for s, e in names)


def _resolve_titles(candidates: list[Candidate], text: str) -> list[Candidate]:
    """Settle each instrument found by form against the known names inside it (see module doc)."""
    dropped: set[int] = set()
    forms = [c for c in candidates if c.label == "INSTRUMENT" and c.trust == FORM]
    names = [c for c in candidates if c.trust == RULE and c.label in ("PARTNER", "EU_BODY")]
    for f in forms:
        head_end = f.core_end if f.core_end > 0 else f.end
        for r in candidates:
            if r.trust != RULE or r is f or not r.inside(f):
                continue
            if (r.start, r.end) == (f.start, f.end):
                if r.label in ("PARTNER", "EU_BODY"):
                    dropped.add(id(f))  # "Financial Action Task Force" is an organisation
                continue
            if r.label == "DATE":
                continue  # nests: "the 2019 Joint Communiqué"
            if r.start < head_end <= r.end:  # the known name holds the head
                if (" " in text[r.start:r.end] or r.label == "INSTRUMENT") and not _more_words(text, f, r, names):
                    dropped.add(id(f))  # "Foreign Affairs Council", "EU Strategic Compass"
                    break
                dropped.add(id(r))  # "Council" in "EU-US Energy Council", "Framework Agreement" in "EU-Chile Advanced ..."
                continue
            if r.label == "INSTRUMENT":
                rest = text[r.end:head_end].split()
                if r.start <= f.start and f.end == head_end and 0 < len(rest) <= 2:
                    dropped.add(id(f))  # "the EU Cyber Direct project", "the IORIS platform"
                    break
                dropped.add(id(r))  # "PESCO" in "PESCO project Military Mobility"
    return [c for c in candidates if id(c) not in dropped]


def _more_words(text: str, f: Candidate, r: Candidate, names: list[Candidate]) -> bool:
    """Whether a title says more than the known name at its end besides its parties prefix, the
    Union and partners' names ("EU-Chile Advanced Framework Agreement" does; "EU-Australia Cyber
    Dialogue" and "Council of Europe Budapest Convention" do not)."""
    chars = list(text[f.start : r.start])
    for n in names:
        for i in range(max(n.start, f.start), min(n.end, r.start)):
            chars[i - f.start] = " "
    before = "".join(chars)
    prefix = parties_prefix(before)
    words = re.findall(r"[A-Za-z][\w'\u2019]*", before[len(prefix):])
    fillers = word_list("instrument_fillers.txt")
    return any(w[:1].isupper() and w not in ("EU", "EU's", "EU\u2019s", "European", "Union", "Joint", "The")
               and w.lower() not in fillers for w in words)  # "Revised EU Maritime Security Strategy" is the strategy


def _nests(inner: Candidate, outer: Candidate) -> bool:
    return inner.label in ("PARTNER", "DATE", "EU_BODY") and outer.label == "INSTRUMENT" and inner.inside(outer)


def _settle_overlaps(candidates: list[Candidate]) -> list[Candidate]:
    """Most trusted first, then longest; partners and dates may nest in an instrument."""
    ordered = sorted(candidates, key=lambda c: (-c.trust, -(c.end - c.start), c.start))
    kept: list[Candidate] = []
    for cand in ordered:
        clash = False
        for other in kept:
            if not cand.overlaps(other):
                continue
            if not (_nests(cand, other) or _nests(other, cand)):
                clash = True
                break
        if not clash:
            kept.append(cand)
    return kept


def _qualifiers(text: str) -> list[str]:
    return [w for w in re.split(r"[\s\-\u2010-\u2015/]+", text) if w]


@lru_cache(maxsize=1)
def _qualified_entries() -> dict[str, list[tuple[list[str], str, object]]]:
    """Registered instruments named "<qualifier> <generic name>" ("Critical raw materials strategic
    partnership", "EU-ASEAN Strategic Partnership"), by generic name in lower case."""
    gazetteer = load_gazetteer()
    found: dict[str, list[tuple[list[str], str, object]]] = {}
    for key, entry in gazetteer.entries.items():
        if entry.label != "INSTRUMENT":
            continue
        name = re.sub(r"\s+\([^()]+\)$", "", entry.canonical)
        words = name.split()
        for size in (2, 3):
            if len(words) > size:
                generic = " ".join(words[-size:]).lower()
                found.setdefault(generic, []).append((_qualifiers(" ".join(words[:-size])), key, entry))
    return found


def _named_in(sentence: str, qualifier: list[str]) -> bool:
    """Every word of a qualifier is in the sentence, or the qualifier's initials are ("CRMs")."""
    if all(re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", sentence, re.I) for w in qualifier):
        return True
    initials = "".join(w[0] for w in qualifier).upper()
    return len(initials) >= 2 and re.search(rf"(?<![\w]){initials}s?(?![\w])", sentence) is not None


def _qualify_generic_names(kept: list[Candidate], doc: Doc) -> None:
    """A described instrument without a topic takes the registered name whose qualifier its sentence
    names: "the EU and ASEAN have a strategic partnership" -> "EU-ASEAN Strategic Partnership";
    the longest qualifier wins."""
    for cand in kept:
        if cand.label != "INSTRUMENT" or not cand.rule_id.startswith("generic:") or cand.core_end != cand.end:
            continue
        generic = re.sub(r"^[A-Z]{2,}\s+", "", cand.canonical.split("|")[0])
        options = _qualified_entries().get(singular_head(generic).lower(), [])
        span = doc.char_span(cand.start, cand.end, alignment_mode="expand")
        sentence = span.sent.text if span is not None and len(span) else doc_text(doc)
        named = [o for o in options if o[0] and _named_in(sentence, o[0])]
        if named:
            qualifier, key, entry = max(named, key=lambda o: len(o[0]))
            cand.canonical = entry.canonical
            cand.rule_id = f"{cand.rule_id.split('|')[0]}|{key}"
            cand.extra = {"instrument_type": entry.instrument_type, "domain": entry.domain}


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
