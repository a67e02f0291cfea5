"""Instrument vocabulary shared by the stages: head nouns and types, names, keys.

The head nouns of ``instrument_heads.csv`` give an instrument name its type
(``instrument_type``) and its head (``head_of``); ``instrument_name`` turns a surface into a
canonical name, ``instrument_key`` is the normalised key under which one instrument's names meet,
and ``merge_facts`` gives the facts of many documents one canonical name per key. Extraction's
grammar (``pipeline/extract/instruments.py``), the facts stage, the tables and the review all
read instruments through these.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache

from pipeline.records import Fact
from pipeline.resources import word_list
from pipeline.vocab.gazetteer import Head, instrument_heads, party_names
from pipeline.vocab.textnorm import QUOTES, YEAR_SUFFIX

DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_DASH = f"[{DASHES}/]"
# Prepositions that open a title's complement, and the head types each may follow.
# Not "with" or "between": the parties that follow them are partners, not part of the name
# ("Administrative Arrangements with Serbia"); "between" may stand inside a complement. "in" only
# where a place is part of the name ("Training Mission in Mali", "Border Programme in Central Asia").
TITLE_PREPS = {"on": None, "of": None, "for": None, "against": None, "in": ("mission", "programme", "fund"),
               "to": ("fund", "programme")}


# --- vocabulary -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstrumentVocab:
    """The word lists and patterns the instrument grammar reads, loaded once."""

    heads_by_last: dict[str, tuple[Head, ...]]
    singular_last: frozenset[str]
    connectors: frozenset[str]
    modifiers: frozenset[str]
    establishing: frozenset[tuple[str, ...]]
    fillers: frozenset[str]
    joint: frozenset[str]
    captions: frozenset[str]
    organisation_words: frozenset[str]
    prefix_start: re.Pattern
    prefix_end: re.Pattern


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


@lru_cache(maxsize=1)
def vocabulary() -> InstrumentVocab:
    by_last: dict[str, list[Head]] = {}
    for head in instrument_heads().values():
        last = head.words[-1]
        for form in {last, _plural(last)}:
            by_last.setdefault(form, []).append(head)
    heads_by_last = {k: tuple(sorted(v, key=lambda h: -len(h.words))) for k, v in by_last.items()}
    parties = "|".join(re.escape(p) for p in party_names())
    participles = "|".join(sorted(word_list("party_participles.txt")))
    party = rf"(?:{parties})(?![\w])"
    chain = rf"{party}(?:\s?{_DASH}\s?{party})+(?:{_DASH}(?:{participles})\b)?|{party}{_DASH}(?:{participles})\b"
    return InstrumentVocab(
        heads_by_last=heads_by_last,
        singular_last=frozenset(h.words[-1] for h in instrument_heads().values()),
        connectors=word_list("title_connectors.txt"),
        modifiers=word_list("instrument_modifiers.txt"),
        establishing=frozenset(tuple(w.split()) for w in word_list("establishing_words.txt")),
        fillers=word_list("instrument_fillers.txt"),
        joint=frozenset(w.lower() for w in word_list("joint_words.txt")),
        captions=word_list("caption_labels.txt"),
        organisation_words=word_list("organisation_words.txt"),
        prefix_start=re.compile(rf"(?:{chain})"),
        prefix_end=re.compile(rf"(?<![\w.])(?:{chain})\s*$"),
    )


# --- public helpers ---------------------------------------------------------------------------


def singular_head(word: str) -> str:
    """"Partnerships" -> "Partnership", "Facilities" -> "Facility"; other words unchanged."""
    heads = vocabulary().singular_last
    if not word.lower().endswith("s"):
        return word
    for singular in (word[:-3] + ("Y" if word.isupper() else "y"), word[:-2], word[:-1]):
        if singular.lower() in heads:
            return singular
    return word


def _main_head(text: str) -> tuple[list[str], int, int, Head] | None:
    """The words of a name, and where its main head stands: the last head before the name's
    complement ("Joint Statement on the Task Force"), else the first head after it."""
    words = [w for w in re.split(rf"[\s{re.escape(DASHES)}]+", text.strip("'\"\u2018\u2019\u201c\u201d ")) if w]
    lower = [w.lower() for w in words]
    heads = instrument_heads()
    found: list[tuple[int, int, Head]] = []
    i = 0
    while i < len(lower):
        for size in (4, 3, 2, 1):
            key = tuple(lower[i : i + size])
            if len(key) < size:
                continue
            head = heads.get(key) or heads.get(key[:-1] + (singular_head(key[-1]),))
            if head is not None:
                found.append((i, i + size, head))
                i += size - 1
                break
        i += 1
    if not found:
        return None
    inside = {j for s, e, _ in found for j in range(s, e)}
    preps = [j for j, w in enumerate(lower) if w in TITLE_PREPS and j not in inside]
    first_prep = preps[0] if preps else len(lower)
    before = [f for f in found if f[1] <= first_prep]
    start, end, head = before[-1] if before else found[0]
    return words, start, end, head


def instrument_type(text: str) -> str:
    """The instrument type an instrument's name gives by its head noun: the last head before the
    name's complement ("Joint Statement on the Task Force" is a joint statement), else the first
    head after it; "agreement" when there is none."""
    found = _main_head(text)
    return found[3].type if found else "agreement"


def head_of(text: str) -> str:
    """The head noun of an instrument's name as written, singular ("Task Force" of "the U.S.-EU Task
    Forces on Energy"); empty when it has none."""
    found = _main_head(text)
    if not found:
        return ""
    words, start, end, _ = found
    return " ".join(words[start : end - 1] + [singular_head(words[end - 1])])


def parties_prefix(text: str) -> str:
    """The parties prefix a name starts with ("U.S.-EU" of "U.S.-EU Energy Council"), or ""."""
    m = vocabulary().prefix_start.match(text)
    return m.group(0) if m else ""


def instrument_name(text: str, singular: bool = True) -> str:
    """An instrument's canonical name from its surface: quotes and a trailing "(year)" dropped, a
    trailing "instrument"/"format" dropped, dashes as hyphens, the last word singular when it is a
    head (unless ``singular`` is false: a name whose head is already singular), the first letter
    capital."""
    name = YEAR_SUFFIX.sub("", text.strip(QUOTES + " "))
    name = re.sub(r"\s+", " ", name)
    name = re.sub(r"(?<=\S)[\u2010-\u2015\u2212](?=\S)", "-", name)  # "EU\u2013US" -> "EU-US"
    words = name.split(" ")
    while len(words) > 1 and words[-1].lower() in ("instrument", "format"):
        del words[-1]
    if singular:
        words[-1] = singular_head(words[-1])
    name = " ".join(words)
    return name[:1].upper() + name[1:]


def instrument_key(name: str) -> str:
    """The normalised key under which one instrument's names meet: case, quotes, dashes, a
    trailing "(year)" and a plural head ignored."""
    key = YEAR_SUFFIX.sub("", name).translate({ord(q): None for q in QUOTES})
    key = re.sub(r"[\u2010-\u2015-]+", "-", key.lower())
    key = re.sub(r"\s+", " ", key).strip()
    return re.sub(r"(ship|ment|ue|ion|ation)s$", r"\1", key)


def merge_facts(facts: list[Fact]) -> list[Fact]:
    """The facts of many documents with one canonical name per instrument: the same key takes the
    name its registered (rule-named) facts use, else its most frequent one. Every fact is kept."""
    names: dict[str, Counter] = {}
    for fact in facts:
        weight = 1 if fact.basis in ("cooperation_verb", "descriptive_instrument", "joint_action", "support") else 100
        names.setdefault(instrument_key(fact.instrument), Counter())[fact.instrument] += weight
    merged = []
    for fact in facts:
        name = names[instrument_key(fact.instrument)].most_common(1)[0][0]
        merged.append(replace(fact, instrument=name) if name != fact.instrument else fact)
    return merged
