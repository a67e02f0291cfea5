"""Extraction stage: partners, EU bodies, instruments and dates in every passage."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from pipeline.records import IngestResult, Mention

# Reference lists name publishers and titles, not actors.
SKIPPED_KINDS = ("reference",)
# spaCy parses a text in pieces of at most this many characters, cut where a paragraph or a
# sentence ends (else at a space): far below ``nlp.max_length``, and small enough for the parser.
CHUNK_CHARS = 20_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ud800-\udfff\ufeff\ufff9-\ufffc]")
_CUT_AT = ("\n\n", "\n", ". ", "; ", ", ", " ")


def parsable(text: str) -> str:
    """The text with control and format characters (NUL, BOM, bidi marks ...) as spaces, one for one,
    so that offsets into it are offsets into the original."""
    return _CONTROL.sub(" ", text)


def chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """(offset, piece) pairs covering ``text``, each at most ``size`` characters, cut where a
    paragraph, a sentence or a clause ends when one does in the piece's second half; pieces
    without a letter or digit are left out."""
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            for mark in _CUT_AT:
                cut = text.rfind(mark, start + size // 2, end)
                if cut > start:
                    end = cut + len(mark)
                    break
        piece = text[start:end]
        if any(c.isalnum() for c in piece):
            yield start, piece
        start = end


def extract_document(result: IngestResult, batch_size: int = 64) -> list[Mention]:
    """Mentions in every passage of one ingested document (none for a failed one)."""
    from pipeline.extract.document import document_mentions
    from pipeline.extract.mentions import find_mentions
    from pipeline.vocab.nlp import load_nlp

    if result.document.status != "ok":
        return []
    nlp = load_nlp()
    model = nlp.meta["secmine_model"]
    passages = [p for p in result.passages if p.kind not in SKIPPED_KINDS]
    by_id = {p.passage_id: p for p in passages}

    def pieces() -> Iterable[tuple[str, tuple[str, int]]]:
        for passage in passages:
            for offset, piece in chunks(parsable(passage.text)):
                yield piece, (passage.passage_id, offset)

    mentions: list[Mention] = []
    sentences: dict[str, list[tuple[int, int]]] = {}
    for doc, (passage_id, offset) in nlp.pipe(pieces(), batch_size=batch_size, as_tuples=True):
        passage = by_id[passage_id]
        sentences.setdefault(passage_id, []).extend((s.start_char + offset, s.end_char + offset) for s in doc.sents)
        for m in find_mentions(doc, passage.doc_id, passage_id, result.document.pub_date, model):
            if offset:
                m = m.replace(start=m.start + offset, end=m.end + offset,
                              sent_start=m.sent_start + offset, sent_end=m.sent_end + offset)
            mentions.append(m.replace(text=passage.text[m.start : m.end]))
    mentions += document_mentions(result, passages, mentions, sentences)
    order = {p.passage_id: i for i, p in enumerate(passages)}
    return sorted(mentions, key=lambda m: (order[m.passage_id], m.start, -m.end))
