"""Data files that drive the rules (gazetteers, patterns, vocabularies), read by one loader."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


def resource_text(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def word_list(name: str) -> frozenset[str]:
    """A list file: one entry per line, ``#`` comments and blank lines ignored."""
    entries = (line.split("#", 1)[0].strip() for line in resource_text(name).splitlines())
    return frozenset(e for e in entries if e)
