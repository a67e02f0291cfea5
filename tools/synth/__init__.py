"""Synthetic policy PDFs with known truth: a small typesetter for our own markup.

``build`` turns a markup source into ``<stem>.pdf`` and ``<stem>.truth.json``; ``make_bad_pdfs``
writes broken inputs for robustness tests and ``make_bench_corpus`` a generated benchmark corpus.
"""

from __future__ import annotations

from synth.bad import make_bad_pdfs
from synth.bench import make_bench_corpus
from synth.markup import SynthDoc, parse_markup
from synth.tables import LayoutError
from synth.typeset import build, render_pdf

__all__ = [
    "LayoutError",
    "SynthDoc",
    "build",
    "make_bad_pdfs",
    "make_bench_corpus",
    "parse_markup",
    "render_pdf",
]
