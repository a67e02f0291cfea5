"""Which ingested document a gold ``source_doc`` stands for, and where a quoted string sits in it.

A gold file names its documents as they were curated (``002_526b068fa035d2bd.txt``), the output
as they were ingested (``...pdf``, or another name altogether). A gold document resolves to the
ingested one with the same file name, else the same stem, else the one whose text holds the
largest share (at least ``audit_doc_min_support``) of the gold's quoted strings: statement titles,
cooperation bullets, evidence sentences and entity contexts. An unresolved one is "not in corpus".
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.records import Document, Passage

# Quoted strings shorter than this (once squashed) say too little to identify a document.
MIN_ANCHOR = 16
MAX_ANCHORS = 300


def squash(text: str) -> str:
    """Letters and digits only, case-folded: survives line breaks, hyphens, quotes and markup."""
    return re.sub(r"[\W_]+", "", text.casefold())


def anchor_of(row: dict) -> str:
    """The string a gold row quotes from its document, if any."""
    if row.get("context"):
        return row["context"]
    if row.get("evidence"):
        return row["evidence"]
    if row.get("title"):
        return row["title"]
    if row.get("mode_text") and row.get("qualifiers"):
        return f"{row['mode_text']} ({', '.join(row['qualifiers'].split(';'))})"
    return ""


@dataclass
class Resolution:
    gold_doc: str
    source: str = ""  # the ingested document's file name, "" when none
    how: str = ""  # name, stem, content or ""
    support: float = 0.0  # share of anchors found, for "content"
    anchors: int = 0
    status: str = ""  # the ingested document's status (ok, failed, skipped)
    error: str = ""

    def to_dict(self) -> dict:
        return {"gold_source_doc": self.gold_doc, "source": self.source, "how": self.how,
                "support": round(self.support, 3), "anchors": self.anchors, "status": self.status, "error": self.error}


@dataclass
class Corpus:
    """The ingested documents and their passages, with a squashed text index per document."""

    documents: list[Document]
    passages: list[Passage] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_source = {d.source: d for d in self.documents}
        self.by_stem: dict[str, list[Document]] = defaultdict(list)
        for d in self.documents:
            self.by_stem[Path(d.source).stem.casefold()].append(d)
        self.source_of_id = {d.doc_id: d.source for d in self.documents}
        self.passage = {p.passage_id: p for p in self.passages}
        self._pages: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        for p in self.passages:
            self._pages[p.doc_id].append((p.page, p.passage_id, squash(p.text)))
        self._text = {doc_id: "".join(t for _, _, t in rows) for doc_id, rows in self._pages.items()}

    def document(self, name: str) -> Document | None:
        """The ingested document a file name refers to: same name, else the only one with its stem."""
        if name in self.by_source:
            return self.by_source[name]
        same_stem = self.by_stem.get(Path(name).stem.casefold(), [])
        return same_stem[0] if len(same_stem) == 1 else None

    def resolve(self, gold_doc: str, anchors: list[str], min_support: float) -> Resolution:
        found = self.by_source.get(gold_doc)
        how = "name"
        if found is None:
            found, how = self.document(gold_doc), "stem"
        if found is not None:
            return Resolution(gold_doc, found.source, how, status=found.status, error=found.error)
        keys = list(dict.fromkeys(a for a in map(squash, anchors) if len(a) >= MIN_ANCHOR))[:MAX_ANCHORS]
        best = Resolution(gold_doc, anchors=len(keys))
        for document in self.documents:
            text = self._text.get(document.doc_id, "")
            if not keys or not text:
                continue
            support = sum(k in text for k in keys) / len(keys)
            if support > best.support:
                best = Resolution(gold_doc, document.source, "content", support, len(keys), document.status, document.error)
        return best if best.support >= min_support else Resolution(gold_doc, anchors=len(keys), support=best.support)

    def locate(self, source: str, text: str) -> Passage | None:
        """The first passage holding ``text`` in a document, when all that hold it are on one page."""
        document = self.by_source.get(source)
        key = squash(text)
        if document is None or len(key) < 8:
            return None
        hits = [pid for page, pid, t in self._pages.get(document.doc_id, []) if key in t]
        if hits and len({self.passage[pid].page for pid in hits}) == 1:
            return self.passage[hits[0]]
        return None
