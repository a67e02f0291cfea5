"""``secmine bench``: throughput on a generated corpus, printed next to plain pdfplumber."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

from pipeline.ingest import ingest_file, ingest_many
from pipeline.settings import Settings


TOOLS = Path(__file__).resolve().parents[1] / "tools"


def load_synth():
    """The test-PDF generator (``tools/synth``, with the ``dev`` extra): it builds the bench corpus.

    It is not part of the runtime package; from a source checkout it is found beside ``pipeline``.
    """
    try:
        import synth
    except ModuleNotFoundError as exc:
        if exc.name != "synth" or not (TOOLS / "synth").is_dir():
            raise _synth_missing(exc) from exc
        sys.path.insert(0, str(TOOLS))
        try:
            import synth
        except ModuleNotFoundError as again:
            raise _synth_missing(again) from again
    return synth


def _synth_missing(exc: ModuleNotFoundError) -> ValueError:
    return ValueError(
        f"secmine bench builds its corpus with the PDF generator in tools/synth, which needs a source "
        f"checkout and the dev extra (pip install -e '.[dev]'): {exc}"
    )


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


def flow_run(paths: list[Path], out: Path, label: str, pages: int, **options) -> Timing:
    """One ``secmine run`` (the Prefect run flow) over ``paths`` into ``out``, timed."""
    from pipeline.flows import run

    start = time.perf_counter()
    report = run(paths, out, progress=False, **options)
    seconds = time.perf_counter() - start
    failed = [d.error for d in report.documents if d.status != "ok"]
    if failed:
        raise RuntimeError(f"benchmark documents failed: {failed[:3]}")
    return Timing(label, seconds, pages)


def peak_memory_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest finished child process, in MB."""
    import resource

    scale = 1024 if sys.platform != "darwin" else 1024 * 1024  # ru_maxrss: KB on Linux, bytes on macOS
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale)


def run_bench(total_pages: int = 200, keep: str | None = None) -> list[Timing]:
    """Build a corpus of about ``total_pages`` pages and print the throughput table."""
    from pipeline.flows import prefect_api
    from pipeline.isolate import stop_shared_pool

    make_bench_corpus = load_synth().make_bench_corpus

    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="secmine-bench-"))
    try:
        start = time.perf_counter()
        paths = make_bench_corpus(folder / "corpus", total_pages)
        print(f"corpus: {len(paths)} generated PDFs in {folder / 'corpus'} ({time.perf_counter() - start:.1f} s to build)")
        settings = Settings()
        reference = plain_extract_text(paths)
        pages = reference.pages
        timings = [reference, secmine_ingest(paths, 1, settings), secmine_ingest(paths, 2, settings)]
        with prefect_api() as startup:
            print(f"Prefect API ready ({startup:.1f} s to start the temporary server; not counted below)")
            cold = flow_run(paths, folder / "out", "secmine run, cold (2 worker processes)", pages)
            rerun = flow_run(paths, folder / "out", "secmine run, unchanged re-run", pages)
            timings += [cold, rerun]
            stop_shared_pool()  # the Dask runs below bring their own processes
            for workers in (1, 2):
                timings.append(flow_run(paths, folder / f"out-dask-{workers}",
                                        f"secmine run, Dask {workers} worker{'s' if workers > 1 else ''}", pages,
                                        task_runner="dask", workers=workers))
        _print_table(timings, reference)
        dask1, dask2 = timings[-2:]
        print()
        print(f"re-run of the unchanged corpus: {rerun.seconds:.2f} s = {rerun.seconds / cold.seconds:.1%} of the cold run")
        print(f"Dask 2 workers vs 1 (cluster start-up included): {dask1.seconds / dask2.seconds:.2f}x faster")
        own, child = peak_memory_mb()
        print(f"peak memory: {own:.0f} MB in this process, {child:.0f} MB in the largest worker process")
        return timings
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _print_table(timings: list[Timing], reference: Timing) -> None:
    print(f"{'stage':<48} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'x plain':>8}")
    for t in timings:
        ratio = t.seconds / reference.seconds if reference.seconds else float("nan")
        print(f"{t.label:<48} {t.pages:>6} {t.seconds:>8.2f} {t.pages_per_s:>8.2f} {ratio:>8.2f}")
