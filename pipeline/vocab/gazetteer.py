"""The gazetteer: the one loader of the name lists in ``pipeline/resources/``, and partner names.

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
    phrases_exact: frozenset[str] = frozenset()  # every phrase as written

    def __post_init__(self) -> None:
        for pattern in self.patterns:
            if isinstance(pattern["pattern"], str):
                self.phrases.setdefault(pattern["pattern"].lower(), pattern["id"])
        self.phrases_exact = frozenset(p["pattern"] for p in self.patterns if isinstance(p["pattern"], str))

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
    _add_spelling_variants(patterns)
    return Gazetteer(entries, patterns)


def _add_spelling_variants(patterns: list) -> None:
    """Each multi-word name also in its other spelling ("Organisation"/"Organization",
    "Labour"/"Labor"), unless that form already names something."""
    taken = {p["pattern"] for p in patterns}
    for pattern in list(patterns):
        phrase = pattern["pattern"]
        if " " not in phrase:
            continue
        for variant in _variants(phrase):
            if variant not in taken:
                taken.add(variant)
                patterns.append({"label": pattern["label"], "pattern": variant, "id": pattern["id"]})


@dataclass(frozen=True)
class Head:
    """The noun that makes a phrase an instrument, and the instrument type it gives.

    ``title_only``: only as part of a capitalised title ("Strategy"), never with topic words in
    lower case ("strategy"); ``described``: in lower case all the same when a parties prefix or an
    establishing verb says it is one ("launch an initiative on ..."); ``needs_parties``: a title
    only with a parties prefix ("EU-US Energy Council", not "National Security Council");
    ``complement_alone``: in lower case with its topic alone ("dialogues on migration").
    """

    words: tuple[str, ...]
    type: str
    title_only: bool
    described: bool = False
    needs_parties: bool = False
    complement_alone: bool = False


def _flag(row: dict[str, str], column: str) -> bool:
    return (row.get(column) or "").strip().lower() == "true"


@lru_cache(maxsize=1)
def instrument_heads() -> dict[tuple[str, ...], Head]:
    heads = {}
    for number, row in enumerate(_rows("instrument_heads.csv"), start=2):
        if row["type"] not in INSTRUMENT_TYPES:
            raise ResourceError(f"instrument_heads.csv, line {number}: unknown type {row['type']!r}")
        words = tuple(row["head"].lower().split())
        heads[words] = Head(words, row["type"], _flag(row, "title_only"), _flag(row, "described"),
                            _flag(row, "needs_parties"), _flag(row, "complement_alone"))
    return heads


@lru_cache(maxsize=1)
def spelling_variants() -> dict[str, str]:
    """British and American spellings of the words of names, each mapped to the other."""
    pairs = {}
    for row in _rows("spelling_variants.csv"):
        pairs[row["british"]] = row["american"]
        pairs[row["american"]] = row["british"]
    return pairs


def _variants(phrase: str) -> list[str]:
    """The phrase in its other spellings: "World Health Organisation" -> "World Health Organization"."""
    pairs = spelling_variants()
    found = [""]
    for word in phrase.split(" "):
        choices = [word, pairs[word]] if word in pairs else [word]
        found = [f"{f} {c}".strip() for f in found for c in choices][:16]
    return [f for f in found if f != phrase]


@lru_cache(maxsize=1)
def party_names() -> tuple[str, ...]:
    """Every written form of a party that may stand in an instrument's parties prefix ("EU-US",
    "U.S.-EU", "NATO-EU", "Belgrade-Pristina"): partner names, aliases and capitals, organisation
    names and acronyms, and the forms of ``party_prefix.txt``; longest first."""
    names = set(word_list("party_prefix.txt"))
    for pattern in load_gazetteer().patterns:
        if not isinstance(pattern["pattern"], str):
            continue
        if not pattern["id"].startswith(("country:", "country-capital:", "organisation:")):
            continue
        phrase = pattern["pattern"]
        if phrase[:1].isupper() and len(phrase.split()) <= 4:
            names.add(phrase)
    names |= {n.upper() for n in names}  # "EU-JAPAN" in a heading
    return tuple(sorted(names, key=lambda n: (-len(n), n)))


def stopwords(name: str) -> frozenset[str]:
    """A context word list (locative prepositions, geographic heads, ...)."""
    return word_list(name)


@dataclass(frozen=True)
class Partner:
    """A partner as the gazetteer names it."""

    name: str
    iso3: str
    kind: str


def partner_of(cell: str) -> Partner | None:
    """The partner a table's key cell names: "Canada", "USA", "EU-USA", "Japan-EU"."""
    text = " ".join(cell.split())
    gazetteer = load_gazetteer()
    for candidate in (text, re.sub(r"^EU\s*[-\u2013]\s*", "", text), re.sub(r"\s*[-\u2013]\s*EU$", "", text)):
        for prefix in ("country:", "organisation:"):
            found = gazetteer.named(candidate, prefix)
            if found and not found[1].eu_member:
                entry = found[1]
                return Partner(entry.canonical, entry.iso3, entry.kind)
    return None
