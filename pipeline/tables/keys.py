"""Stable row keys: the same fact or table row gets the same ``row_key`` in every run.

A key is a hash of what identifies the row, never of its position: the document it comes from
(its ``doc_id``, the first 16 hex digits of the file's SHA-256), the partner, the instrument
(under ``instrument_key``, so a merged or re-spelt name keeps its key), the printed table and
the evidence text (whitespace collapsed). What a run may change about the same row (status,
domain, mode, year, counts, page) is *not* part of the key: such a row is "changed", not
"removed and added", and a correction made to it still applies.

When two rows of one table share an identity (rare: one sentence giving a partner two
statuses), the rest of their columns is hashed in as well; exact duplicates are numbered.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable

import pandas as pd

# Identifying columns of each table; "doc" stands for the row's document (doc_id when the
# file name maps to one document, else the file name). A column name ending in "~" is compared
# under ``instrument_key`` (case, quotes, dashes, a trailing "(year)" and plurals ignored).
IDENTITY: dict[str, tuple[str, ...]] = {
    "cooperation": ("doc", "partner", "instrument~", "evidence"),
    "joint_statements": ("doc", "source_table", "partner", "title~", "year"),
    "partners_without_statements": ("doc", "source_table", "partner", "partnership_as_printed"),
    "cooperation_elements": ("doc", "source_table", "partner", "domain", "mode_text", "qualifiers~", "evidence"),
    "dialogues": ("doc", "source_table", "partner", "domain"),
    "partnerships": ("doc", "partner", "instrument~", "status"),
}
# A short prefix per table, so that a key tells a reader where it comes from.
PREFIX = {
    "cooperation": "co", "joint_statements": "js", "partners_without_statements": "pw",
    "cooperation_elements": "ce", "dialogues": "dl", "partnerships": "ps",
}
# Never part of a key, even when two rows collide: they are bookkeeping, not content.
VOLATILE = {"row_key", "reviewed", "page", "passage_id", "start", "end", "confidence", "supporting_facts", "rule_id", "basis"}


def key_text(value: object) -> str:
    """A cell as key text: empty for a missing value, whole floats as integers, whitespace squashed."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _digest(table: str, parts: Iterable[str]) -> str:
    blob = "\x1f".join([table, *parts]).encode("utf-8", "surrogatepass")
    return f"{PREFIX.get(table, table[:2])}-{hashlib.sha256(blob).hexdigest()[:12]}"


def _identity(table: str, row: dict, doc_of: Callable[[dict], str]) -> list[str]:
    from pipeline.vocab.instruments import instrument_key

    parts = []
    for column in IDENTITY.get(table, ()):
        if column == "doc":
            parts.append(doc_of(row))
        elif column.endswith("~"):
            parts.append(instrument_key(key_text(row.get(column[:-1]))))
        else:
            parts.append(key_text(row.get(column)))
    return parts


def row_keys(table: str, rows: list[dict], doc_ids: dict[str, str] | None = None) -> list[str]:
    """The key of each row of ``table``, in order.

    ``doc_ids`` maps a file name (``source_doc``) to its ``doc_id``; rows that carry a
    ``doc_id`` of their own (cooperation facts) use it.
    """
    doc_ids = doc_ids or {}

    def doc_of(row: dict) -> str:
        if key_text(row.get("doc_id")):
            return key_text(row.get("doc_id"))
        source = key_text(row.get("source_doc"))
        return doc_ids.get(source, source)

    identities = [_identity(table, row, doc_of) for row in rows]
    keys = [_digest(table, parts) for parts in identities]
    shared = Counter(keys)
    for i, key in enumerate(keys):
        if shared[key] > 1:  # tell the rows apart by the rest of their content
            rest = [f"{k}={key_text(v)}" for k, v in sorted(rows[i].items()) if k not in VOLATILE]
            keys[i] = _digest(table, [*identities[i], *rest])
    seen: Counter = Counter()
    for i, key in enumerate(keys):
        seen[key] += 1
        if seen[key] > 1:
            keys[i] = f"{key}-{seen[key]}"
    return keys


def with_row_keys(table: str, frame: pd.DataFrame, doc_ids: dict[str, str] | None = None) -> pd.DataFrame:
    """``frame`` with a ``row_key`` column (rows keep their order)."""
    frame = frame.copy()
    frame["row_key"] = row_keys(table, frame.to_dict("records"), doc_ids) if len(frame) else pd.Series(dtype=str)
    return frame
