"""Same facts from every input kind: a text, its PDF renderings and its web page give the same
cooperation facts, document type and signatories (issue 11). The texts are the project's own evaluation documents
(corpus/eval), typeset by the test-PDF generator in layouts of one, two and three columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.stages import process_document
from synth.web import installed_browser

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ["e03_eu-india-joint-statement-2026", "e06_norway-eu-security-defence-dialogue-2025",
         "e11_thinktank-critical-raw-materials-2024"]
# two columns; two columns with turned pages and end notes; the text as a web page, and that page
# printed by a browser (when one is installed)
LAYOUTS = ["L02", "L08", "WEB", *(["CR1"] if installed_browser() else [])]


def facts_of(path: Path):
    records = process_document(path)
    facts = {(f.partner, f.instrument, f.instrument_type, f.status, f.year, f.domain, f.role) for f in records.facts}
    return facts, records.document.doc_type, records.document.signatories


@pytest.fixture(scope="module")
def renderings(tmp_path_factory):
    synth = pytest.importorskip("synth.render")
    out = tmp_path_factory.mktemp("pdf")
    synth.render_texts([ROOT / "corpus/eval/texts" / f"{stem}.txt" for stem in TEXTS], out, LAYOUTS)
    return out


@pytest.mark.parametrize("stem", TEXTS)
def test_a_pdf_rendering_gives_the_facts_of_its_text(renderings, stem):
    text = facts_of(ROOT / "corpus/eval/texts" / f"{stem}.txt")
    assert text[0], "the text itself gives facts"
    for layout in LAYOUTS:
        pdf = facts_of(renderings / layout / f"{stem}{'.html' if layout == 'WEB' else '.pdf'}")
        assert pdf[1:] == text[1:], f"{layout}: document type and signatories"
        assert pdf[0] == text[0], f"{layout}: only in the text {text[0] - pdf[0]}, only in the PDF {pdf[0] - text[0]}"
