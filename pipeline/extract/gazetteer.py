"""The one loader of the extraction data files in ``pipeline/resources/``.

Every name the rules know is a row of a CSV or JSONL file there; this module turns the rows
into entries (what a match means) and SpanRuler patterns (how it is found). A pattern's ``id``
is the key of its entry, so each mention carries the rule that produced it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.records import DOMAINS, INSTRUMENT_TYPES, PARTNER_KINDS
from pipeline.resources import table_rows, word_list


class ResourceError(ValueError):
    """A data file under pipeline/resources/ breaks its format."""


@dataclass(frozen=True)
class Entry:
    """What a gazetteer match stands for."""

    label: str  # PARTNER, EU_BODY or INSTRUMENT
    canonical: str
    iso3: str = ""
    kind: str = ""  # partner kind
    instrument_type: str = ""
    domain: str = ""
    eu_member: bool = False
    form: str = "name"  # name, adjective or capital (how a partner is referred to)


def _rows(name: str) -> tuple[dict[str, str], ...]:
    try:
        return table_rows(name)
    except ValueError as exc:
        raise ResourceError(str(exc)) from exc


def _split(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(";") if v.strip()]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class Gazetteer:
    """Entries by pattern id, and the SpanRuler patterns that find them."""

    entries: dict[str, Entry]
    patterns: list[dict]
    phrases: dict[str, str] = field(default_factory=dict)  # lower-cased phrase -> pattern id

    def __post_init__(self) -> None:
        for pattern in self.patterns:
            if isinstance(pattern["pattern"], str):
                self.phrases.setdefault(pattern["pattern"].lower(), pattern["id"])

    def entry(self, pattern_id: str) -> Entry | None:
        return self.entries.get(pattern_id)

    def named(self, name: str, prefix: str) -> tuple[str, Entry] | None:
        """The entry (of ids starting with ``prefix``) whose name or alias is ``name``, ignoring case."""
        key = self.phrases.get(name.lower())
        return (key, self.entries[key]) if key and key.startswith(prefix) else None


_ACRONYM_SUFFIX = re.compile(r"\s+\([^()]+\)$")


def _add(entries: dict, patterns: list, key: str, entry: Entry, label: str, phrases: list[str]) -> None:
    """Register an entry and its phrases; "Name (ACRONYM)" is written as two mentions, so only
    "Name" is a phrase (the acronym comes in as an alias)."""
    entries[key] = entry
    for phrase in dict.fromkeys(_ACRONYM_SUFFIX.sub("", p) for p in phrases):
        patterns.append({"label": label, "pattern": phrase, "id": key})


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """Read and check every data file once per process."""
    entries: dict[str, Entry] = {}
    patterns: list[dict] = []
    for row in _rows("partners.csv"):
        iso3 = row["iso3"].strip()
        base = dict(label="PARTNER", canonical=row["canonical"], iso3=iso3, kind="country",
                    eu_member=row["eu_member"].strip().lower() == "true")
        _add(entries, patterns, f"country:{iso3}", Entry(**base), "PARTNER", [row["canonical"], *_split(row["aliases"])])
        if _split(row["adjectives"]):
            _add(entries, patterns, f"country-adjective:{iso3}", Entry(**base, form="adjective"), "PARTNER", _split(row["adjectives"]))
        if _split(row["capitals"]):
            _add(entries, patterns, f"country-capital:{iso3}", Entry(**base, form="capital"), "PARTNER", _split(row["capitals"]))
    for number, row in enumerate(_rows("organisations.csv"), start=2):
        if row["kind"] not in PARTNER_KINDS[1:]:
            raise ResourceError(f"organisations.csv, line {number}: unknown kind {row['kind']!r}")
        entry = Entry("PARTNER", row["canonical"], kind=row["kind"])
        _add(entries, patterns, f"organisation:{_slug(row['canonical'])}", entry, "PARTNER",
             [row["canonical"], *([row["acronym"]] if row["acronym"] else []), *_split(row["aliases"])])
    for row in _rows("eu_bodies.csv"):
        _add(entries, patterns, f"eu-body:{_slug(row['canonical'])}", Entry("EU_BODY", row["canonical"]), "EU_BODY",
             [row["canonical"], *_split(row["aliases"])])
    for number, row in enumerate(_rows("instruments.csv"), start=2):
        if row["type"] not in INSTRUMENT_TYPES or (row["domain"] and row["domain"] not in DOMAINS):
            raise ResourceError(f"instruments.csv, line {number}: unknown type or domain ({row['type']}, {row['domain']})")
        entry = Entry("INSTRUMENT", row["canonical"], instrument_type=row["type"], domain=row["domain"])
        _add(entries, patterns, f"instrument:{_slug(row['canonical'])}", entry, "INSTRUMENT",
             [row["canonical"], *_split(row["aliases"])])
    patterns.extend(_title_patterns())
    return Gazetteer(entries, patterns)


@dataclass(frozen=True)
class Head:
    """The noun that makes a phrase an instrument, and the instrument type it gives."""

    words: tuple[str, ...]
    type: str
    title_only: bool  # only as part of a capitalised title ("Strategy"), never lower case ("strategy")


@lru_cache(maxsize=1)
def instrument_heads() -> dict[tuple[str, ...], Head]:
    heads = {}
    for number, row in enumerate(_rows("instrument_heads.csv"), start=2):
        if row["type"] not in INSTRUMENT_TYPES:
            raise ResourceError(f"instrument_heads.csv, line {number}: unknown type {row['type']!r}")
        words = tuple(row["head"].lower().split())
        heads[words] = Head(words, row["type"], row["title_only"].strip().lower() == "true")
    return heads


# A word of a capitalised title: "Declaration", "EU-US", "20th"; not a determiner or pronoun.
_TITLE_WORD = r"^(?!(?:The|This|That|These|Those|Its|Their|Our|Such|Each|Any|All|Both|Other|A|An|In|On|For|With)$)(?:[A-Z][\w'\u2019.]*|\d+(?:st|nd|rd|th))$"
_TITLE_PIECE = r"^(?:(?!(?:The|This|That|These|Those|Its|Their|Our|Such|Each|Any|All|Both|Other|A|An|In|On|For|With)$)[A-Z][\w'\u2019.]*|\d+(?:st|nd|rd|th)|[-\u2013/])$"
_COMPLEMENT_START = ["on", "of", "for", "against", "between", "in", "to"]


def _title_patterns() -> list[dict]:
    """Token patterns for instrument names built from the head, modifier and connector lists.

    title:   capitalised words, a head, perhaps "on/of ..." and more capitalised words
             ("EU-US Declaration on Combating Terrorism", "European Peace Facility")
    generic: topic modifiers and a lower-case head ("security and defence dialogues")
    """
    connectors = sorted(word_list("title_connectors.txt"))
    modifiers = sorted(word_list("instrument_modifiers.txt"))
    title_word = {"TEXT": {"REGEX": _TITLE_WORD}}
    title_piece = {"TEXT": {"REGEX": _TITLE_PIECE}}
    inner = {"TEXT": {"REGEX": _TITLE_PIECE[:-2] + "|" + "|".join(connectors) + ")$"}}
    trailing = {"LOWER": {"IN": ["agreement", "agreements", "instrument", "format", "arrangement", "arrangements"]}, "OP": "?"}
    patterns = []
    for head in instrument_heads().values():
        capitalised = [{"LOWER": w, "IS_TITLE": True} for w in head.words]
        key = "-".join(head.words)
        patterns.append({"label": "INSTRUMENT", "id": f"title:{key}", "pattern": [
            dict(title_piece, OP="{0,7}"), *capitalised,
            {"ORTH": {"IN": _COMPLEMENT_START}}, dict(inner, OP="{0,12}"), title_word,
        ]})
        patterns.append({"label": "INSTRUMENT", "id": f"title:{key}", "pattern": [
            title_word, dict(title_piece, OP="{0,6}"), *capitalised, trailing,
        ]})
        if not head.title_only:
            patterns.append({"label": "INSTRUMENT", "id": f"generic:{key}", "pattern": [
                {"TEXT": {"REGEX": r"^[A-Z]{2,}$"}, "OP": "?"},
                {"LOWER": {"IN": modifiers}},
                {"LOWER": {"IN": [*modifiers, "and", "-"]}, "OP": "{0,4}"},
                *[{"LOWER": w} for w in head.words], trailing,
            ]})
    return patterns


def stopwords(name: str) -> frozenset[str]:
    """A context word list (locative prepositions, geographic heads, ...)."""
    return word_list(name)
