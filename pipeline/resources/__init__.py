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


@lru_cache(maxsize=None)
def table_rows(name: str) -> tuple[dict[str, str], ...]:
    """A CSV data file as rows, checked for ragged lines (the error names the file and line)."""
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(resource_text(name))))
    for number, row in enumerate(rows, start=2):
        if None in row or any(v is None for v in row.values()):
            raise ValueError(f"{name}, line {number}: wrong number of columns")
    return tuple(rows)
