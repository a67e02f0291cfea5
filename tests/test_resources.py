"""The data files behind the rules: they load, respect the vocabularies and do not contradict."""

from __future__ import annotations

from collections import defaultdict

import pycountry

from pipeline.vocab.gazetteer import instrument_heads, load_gazetteer
from pipeline.records import DOMAINS, INSTRUMENT_TYPES, PARTNER_KINDS


def test_every_phrase_means_one_thing():
    meanings = defaultdict(set)
    for pattern in load_gazetteer().patterns:
        if isinstance(pattern["pattern"], str):
            entry = load_gazetteer().entry(pattern["id"])
            meanings[pattern["pattern"]].add((entry.label, entry.canonical))
    clashes = {phrase: m for phrase, m in meanings.items() if len(m) > 1}
    assert clashes == {}


def test_countries_have_valid_codes_and_27_eu_members():
    countries = [e for key, e in load_gazetteer().entries.items() if key.startswith("country:")]
    assert len(countries) >= 195
    for entry in countries:
        assert entry.iso3 == "XKX" or pycountry.countries.get(alpha_3=entry.iso3) is not None, entry
    assert sum(e.eu_member for e in countries) == 27
    names = {e.canonical for e in countries}
    assert {"United States", "South Korea", "Russia", "Turkey", "Moldova", "North Macedonia"} <= names


def test_vocabularies_are_respected():
    for entry in load_gazetteer().entries.values():
        if entry.label == "PARTNER":
            assert entry.kind in PARTNER_KINDS
        if entry.label == "INSTRUMENT":
            assert entry.instrument_type in INSTRUMENT_TYPES
            assert entry.domain in DOMAINS or entry.domain == ""
    assert {h.type for h in instrument_heads().values()} <= set(INSTRUMENT_TYPES)


def test_contract_eu_bodies_are_known():
    bodies = {e.canonical for e in load_gazetteer().entries.values() if e.label == "EU_BODY"}
    contract = {"EEAS", "EDA", "ENISA", "Europol", "Eurojust", "Frontex", "OLAF", "EC3", "EMCDDA", "PSC",
                "Foreign Affairs Council", "European Commission", "Council of the EU", "European Parliament"}
    assert contract <= bodies
