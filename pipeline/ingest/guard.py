"""Bounds on pdfminer's work for one PDF, and an honest account of what it could not read.

A PDF can make pdfminer work without end or lose text without saying so on the document: a
Flate stream with a broken checksum is re-inflated byte by byte (in quadratic time), a form
XObject drawn inside itself multiplies the page's operators a million-fold, a page of 300,000
rectangles takes a minute, and "Data-loss while decompressing" goes to stderr naming no file.
While a ``Guard`` is active (``guarded``), in this thread only:

- a page's content stops after ``max_page_operators`` operators (forms drawn on it count);
- a decompressed stream is cut at ``max_stream_mb``, and a damaged one is inflated in linear
  time, keeping what precedes the damage;
- the document's deadline (``doc_timeout_s``) is checked every few hundred operators;
- pdfminer's log lines are kept per page instead of reaching stderr;
- text-drawing and image-drawing operators are counted, so that a PDF of images (to OCR) can be
  told from a text PDF whose text could not be read.

``warnings`` turns what happened into the document's warnings (``pages 2, 5: stream data lost``).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
import zlib
from collections import Counter
from collections.abc import Iterator

import pdfminer.pdfinterp
import pdfminer.pdftypes
from pdfminer.psparser import PSEOF, PSKeyword

from pipeline.ingest.errors import IngestError, NoTextLayer
from pipeline.settings import Settings

TEXT_OPERATORS = {b"Tj", b"TJ", b"'", b'"'}
IMAGE_OPERATORS = {b"Do", b"EI"}  # an XObject (mostly images) or an inline image
CHECK_EVERY = 256  # operators between two looks at the clock
MAX_MESSAGES = 6  # distinct pdfminer messages kept per document
_ACTIVE: contextvars.ContextVar[Guard | None] = contextvars.ContextVar("secmine_pdf_guard", default=None)


class DocumentTimeout(IngestError):
    """The document passed ``doc_timeout_s`` while pdfminer was working on it."""


class Guard:
    """What one document may cost, and what happened while it was read."""

    def __init__(self, name: str, settings: Settings):
        self.name, self.limit = name, settings.doc_timeout_s
        self.deadline = time.monotonic() + settings.doc_timeout_s
        self.max_operators, self.max_bytes = settings.max_page_operators, settings.max_stream_mb * 2**20
        self.page = self.operators = 0
        self.text_operators: Counter[int] = Counter()
        self.image_operators: Counter[int] = Counter()
        self.events: dict[str, list[int]] = {}  # what happened -> pages (0: while opening the file)
        self.unreadable: dict[int, str] = {}
        self.expired = False

    def start_page(self, pno: int) -> None:
        self.check()
        self.page, self.operators = pno, 0

    def check(self) -> None:
        """Raise ``DocumentTimeout`` once the document is past its deadline."""
        if self.expired or time.monotonic() > self.deadline:
            self.expired = True
            raise DocumentTimeout(f"{self.name}: took longer than {self.limit:g} s at page {self.page or 1} "
                                  "(setting doc_timeout_s)")

    def note(self, what: str) -> None:
        pages = self.events.setdefault(what, [])
        if self.page not in pages:
            pages.append(self.page)

    def operator(self, name: bytes) -> None:
        """Count one content operator; end the page (PSEOF) when it has had its share."""
        self.operators += 1
        if self.operators > self.max_operators:
            self.note(f"content cut after {self.max_operators} operators (setting max_page_operators)")
            raise PSEOF("page operator limit")
        if self.operators % CHECK_EVERY == 0:
            self.check()
        if name in TEXT_OPERATORS:
            self.text_operators[self.page] += 1
        elif name in IMAGE_OPERATORS:
            self.image_operators[self.page] += 1

    def page_failed(self, pno: int, exc: BaseException) -> None:
        """A page that could not be read at all: a warning, unless the document ran out of time."""
        self.check()
        self.unreadable[pno] = f"{type(exc).__name__}: {exc}"

    @property
    def pages_read(self) -> int:
        return self.page - len(self.unreadable)

    def no_text(self, n_pages: int) -> IngestError:
        """The error for a PDF in which no page gave any text: a scan to OCR, or a damaged text PDF."""
        texts, images = sum(self.text_operators.values()), sum(self.image_operators.values())
        if texts:
            return IngestError(f"{self.name}: text is drawn ({texts} text operators) but none could be read "
                               "(damaged streams or fonts without a character map)")
        if images:
            return NoTextLayer(f"{self.name}: no text layer ({n_pages} page(s) of images only; OCR it first)")
        if self.unreadable or self.events:
            what = "no page could be read" if len(self.unreadable) == self.page else "no text could be read"
            return IngestError(f"{self.name}: {what} ({'; '.join(self.warnings([]))})")
        return IngestError(f"{self.name}: no text and no images on any of its {n_pages} page(s)")

    def warnings(self, words_per_page: list[int]) -> list[str]:
        """The document's warnings: unreadable pages, cut or damaged streams, pages without text."""
        found = [f"{_pages(list(self.unreadable))}: unreadable ({next(iter(self.unreadable.values()))})"] if self.unreadable else []
        for what, pages in list(self.events.items())[:MAX_MESSAGES]:
            found.append(f"{_pages(pages)}: {what}" if any(pages) else f"while opening: {what}")
        if len(self.events) > MAX_MESSAGES:
            found.append(f"{len(self.events) - MAX_MESSAGES} more pdfminer messages")
        empty = [pno for pno, words in enumerate(words_per_page, start=1) if not words and pno not in self.unreadable]
        if empty and any(words_per_page):
            found.append(f"{_pages(empty)}: no text" + (" (images only)" if all(self.image_operators[p] for p in empty) else ""))
        return found


def _pages(pages: list[int]) -> str:
    pages = sorted(p for p in pages if p)
    shown = ", ".join(map(str, pages[:12])) + (f" and {len(pages) - 12} more" if len(pages) > 12 else "")
    return f"page{'s' if len(pages) > 1 else ''} {shown}"


class _Capture(logging.Handler):
    """pdfminer's warnings, as notes on the active guard's current page."""

    def emit(self, record: logging.LogRecord) -> None:
        guard = _ACTIVE.get()
        if guard is not None:
            message = record.getMessage()
            guard.note("stream data lost" if "Data-loss" in message else f"pdfminer: {message[:160]}")


@contextlib.contextmanager
def guarded(name: str, settings: Settings) -> Iterator[Guard]:
    """Bound pdfminer's work on one document (named ``name`` in errors) in this thread."""
    guard = Guard(name, settings)
    token = _ACTIVE.set(guard)
    logger = logging.getLogger("pdfminer")
    handler, propagate = _Capture(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield guard
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        _ACTIVE.reset(token)


class _BoundedContentParser(pdfminer.pdfinterp.PDFContentParser):
    """pdfminer's content parser, counting operators for the active guard."""

    def nextobject(self):
        guard = _ACTIVE.get()
        if guard is not None and guard.operators > guard.max_operators:
            raise PSEOF("page operator limit")  # forms drawn on a page that is already cut
        position, obj = super().nextobject()
        if guard is not None and isinstance(obj, PSKeyword):
            guard.operator(obj.name)
        return position, obj


class _BoundedZlib:
    """``zlib`` as pdfminer's stream decoder sees it: decompression capped at the guard's size."""

    error = zlib.error

    @staticmethod
    def decompress(data: bytes, *args) -> bytes:
        guard = _ACTIVE.get()
        if guard is None:
            return zlib.decompress(data, *args)
        inflater = zlib.decompressobj()
        out = inflater.decompress(data, guard.max_bytes + 1)
        if len(out) > guard.max_bytes:
            guard.note(f"stream cut at {guard.max_bytes // 2**20} MB (setting max_stream_mb)")
            return out[: guard.max_bytes]
        if not inflater.eof:
            raise zlib.error("incomplete or truncated stream")  # pdfminer then salvages what it can
        return out


def _decompress_damaged(data: bytes) -> bytes:
    """A damaged Flate stream, inflated up to the damage in linear time (pdfminer's own way is
    quadratic); a broken checksum alone loses nothing."""
    guard = _ACTIVE.get()
    cap = guard.max_bytes if guard is not None else None
    inflater, out, position, chunk = zlib.decompressobj(), bytearray(), 0, 1 << 16
    while position < len(data) and not inflater.eof:
        piece, saved = data[position : position + chunk], inflater.copy()
        try:
            out += inflater.decompress(piece)
        except zlib.error:
            inflater = saved  # again byte by byte, to keep everything before the damage
            for offset in range(len(piece)):
                try:
                    out += inflater.decompress(piece[offset : offset + 1])
                except zlib.error:
                    if guard is not None and position + offset < len(data) - 4:  # not just the checksum
                        guard.note("stream data lost")
                    break
            break
        position += chunk
        if cap is not None and len(out) > cap:
            guard.note(f"stream cut at {cap // 2**20} MB (setting max_stream_mb)")
            return bytes(out[:cap])
    else:
        if not inflater.eof and guard is not None:
            guard.note("stream data lost (stream cut short)")
    return bytes(out)


# Installed once, for every thread; each only acts while a guard is active in its thread.
pdfminer.pdfinterp.PDFContentParser = _BoundedContentParser
pdfminer.pdftypes.zlib = _BoundedZlib
pdfminer.pdftypes.decompress_corrupted = _decompress_damaged
