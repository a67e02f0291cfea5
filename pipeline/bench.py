"""``secmine bench``: throughput on a generated corpus, printed next to plain pdfplumber."""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

from pipeline.ingest import ingest_file, ingest_many
from pipeline.settings import Settings


@dataclass
class Timing:
    label: str
    seconds: float
    pages: int

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds else float("inf")


def plain_extract_text(paths: list[Path]) -> Timing:
    """The reference: pdfplumber's extract_text on every page, one process."""
    start = time.perf_counter()
    pages = 0
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                pages += 1
    return Timing("plain pdfplumber extract_text (1 process)", time.perf_counter() - start, pages)


def secmine_ingest(paths: list[Path], workers: int, settings: Settings) -> Timing:
    start = time.perf_counter()
    if workers == 1:
        results = [ingest_file(p, settings) for p in paths]
    else:
        results = ingest_many(paths, settings, workers=workers)
    seconds = time.perf_counter() - start
    failed = [r.document.error for r in results if r.document.status != "ok"]
    if failed:
        raise RuntimeError(f"benchmark documents failed: {failed[:3]}")
    pages = sum(r.document.pages for r in results)
    return Timing(f"secmine ingest ({workers} process{'es' if workers > 1 else ''})", seconds, pages)


def extraction_speed(results: list, workers: int) -> tuple[int, float]:
    """Words of passage text run through extraction, and the seconds it took (model loaded first)."""
    from pipeline.extract import SKIPPED_KINDS, extract_document, extract_many
    from pipeline.extract.nlp import load_nlp

    load_nlp()
    words = sum(len(p.text.split()) for r in results for p in r.passages if p.kind not in SKIPPED_KINDS)
    start = time.perf_counter()
    if workers == 1:
        for result in results:
            extract_document(result)
    else:
        extract_many(results, workers=workers)
    return words, time.perf_counter() - start


def run_bench(total_pages: int = 200, keep: str | None = None) -> list[Timing]:
    """Build a corpus of about ``total_pages`` pages and print the throughput table."""
    from pipeline.synth import make_bench_corpus

    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="secmine-bench-"))
    try:
        start = time.perf_counter()
        paths = make_bench_corpus(folder, total_pages)
        print(f"corpus: {len(paths)} generated PDFs in {folder} ({time.perf_counter() - start:.1f} s to build)")
        settings = Settings()
        reference = plain_extract_text(paths)
        timings = [reference, secmine_ingest(paths, 1, settings), secmine_ingest(paths, 2, settings)]
        _print_table(timings, reference)
        results = ingest_many(paths, settings)
        print()
        for workers in (1, 2):
            words, seconds = extraction_speed(results, workers)
            print(f"extraction ({workers} process{'es' if workers > 1 else ''}): {words} words in {seconds:.2f} s = {words / seconds:,.0f} words/s")
        return timings
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _print_table(timings: list[Timing], reference: Timing) -> None:
    print(f"{'stage':<44} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'x plain':>8}")
    for t in timings:
        ratio = t.seconds / reference.seconds if reference.seconds else float("nan")
        print(f"{t.label:<44} {t.pages:>6} {t.seconds:>8.2f} {t.pages_per_s:>8.2f} {ratio:>8.2f}")
