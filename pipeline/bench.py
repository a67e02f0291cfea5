"""``secmine bench``: throughput on a generated corpus next to plain pdfplumber, the fixed cost of a
run, and (``--fuzz N``) hostile PDFs mutated from the project's own samples.

Timed runs go through the real command line in a child process (``python -m pipeline.bench
--child``), which records the run's report and peak memory in a JSON file: the fixed cost is what
an analyst waits for, process start and Prefect's server included.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pipeline.settings import Settings

FIXED_COST_TEXT = """EU and Chile: a note on security cooperation

The EU and Chile signed an Advanced Framework Agreement in 2023. They hold a yearly security and
defence dialogue and cooperate on crisis management under a framework participation agreement.
"""
FUZZ_BATCH = 250  # mutated files per batch (each batch: one `secmine ingest` and one `secmine run`)
FUZZ_BATCH_TIMEOUT_S = 3600.0  # a batch still running after this long counts as hung


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
    import pdfplumber

    start = time.perf_counter()
    pages = 0
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                pages += 1
    return Timing("plain pdfplumber extract_text (1 process)", time.perf_counter() - start, pages)


def secmine_ingest(paths: list[Path], settings: Settings) -> Timing:
    """The ingestion stage alone, in this process: what the readers cost."""
    from pipeline.ingest import ingest_file

    start = time.perf_counter()
    results = [ingest_file(p, settings) for p in paths]
    failed = [r.document.error for r in results if r.document.status != "ok"]
    if failed:
        raise RuntimeError(f"benchmark documents failed: {failed[:3]}")
    return Timing("secmine ingestion stage (1 process)", time.perf_counter() - start, sum(r.document.pages for r in results))


def cli_run(argv: list[str], timeout: float | None = None) -> dict:
    """``secmine ARGV`` in a child process: exit status, wall seconds, the run's report, peak memory.
    ``hung`` when it passed ``timeout`` (it is then killed with its workers)."""
    with tempfile.TemporaryDirectory(prefix="secmine-bench-") as scratch:
        summary = Path(scratch) / "summary.json"
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "pipeline.bench", "--child", str(summary), *argv],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, err = child.communicate(timeout=timeout)
            hung = False
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, 9)
            _, err = child.communicate()
            hung = True
        result = json.loads(summary.read_text()) if summary.exists() else {}
    wall = time.perf_counter() - start - result.get("measuring_s", 0.0)  # the command's, without the bench's own waits
    return {**result, "exit": child.returncode, "wall": wall, "hung": hung,
            "traceback": "Traceback" in err.decode("utf-8", "replace")}


def _child(summary: str, argv: list[str]) -> int:
    """Run the command line, and write what the run reported (for ``cli_run``)."""
    import resource

    import pipeline.process
    from pipeline.cli import main

    reports, run = [], pipeline.process.run
    pipeline.process.run = lambda *a, **k: reports.append(run(*a, **k)) or reports[-1]
    code = main(argv)
    from pipeline.isolate import stop_shared_pool

    stopping = time.perf_counter()
    stop_shared_pool()  # so that the workers' peak memory is counted (the command does not wait for them)
    report = reports[0] if reports else None
    Path(summary).write_text(json.dumps({
        "timings": report.timings if report else {},
        "statuses": dict(Counter(d.status for d in report.documents)) if report else {},
        "ok_with_warnings": sum(d.status == "ok" and bool(d.warnings) for d in report.documents) if report else 0,
        "document_seconds": report.document_seconds if report else {},
        "measuring_s": time.perf_counter() - stopping,
        "peak_rss_mb": max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                           resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024,
    }))
    return code


def fixed_cost(folder: Path) -> Timing:
    """``secmine run`` on one small text document into a new folder: the wait for one new brief."""
    (folder / "one").mkdir(parents=True, exist_ok=True)
    (folder / "one" / "note.txt").write_text(FIXED_COST_TEXT, encoding="utf-8")
    result = cli_run(["run", str(folder / "one"), "--out", str(folder / "out-one"), "--no-progress"])
    if result["exit"] != 0:
        raise RuntimeError(f"the one-document run failed (exit status {result['exit']})")
    timings = {"python_start": result["wall"] - result["timings"]["total"], **result["timings"]}
    timings["flow_overhead"] = timings.pop("total") - sum(v for k, v in timings.items() if k != "python_start")
    print(f"fixed cost of `secmine run` on one small text document: {result['wall']:.1f} s "
          f"({', '.join(f'{k} {v:.1f}' for k, v in timings.items())})")
    return Timing("secmine run, one small text (fixed cost)", result["wall"], 1)


def run_bench(total_pages: int = 200, keep: str | None = None) -> list[Timing]:
    """Build a corpus of about ``total_pages`` pages and print the throughput table."""
    make_bench_corpus = load_synth().make_bench_corpus

    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="secmine-bench-"))
    try:
        start = time.perf_counter()
        paths = make_bench_corpus(folder / "corpus", total_pages)
        print(f"corpus: {len(paths)} generated PDFs in {folder / 'corpus'} ({time.perf_counter() - start:.1f} s to build)")
        reference = plain_extract_text(paths)
        timings = [reference, fixed_cost(folder), secmine_ingest(paths, Settings())]
        runs = {}
        for label, command, out, extra in (
                ("ingest (2 worker processes)", "ingest", "out-ingest", []), ("run, cold (2 worker processes)", "run", "out", []),
                ("run, unchanged re-run", "run", "out", []),
                ("run, Dask 1 worker", "run", "out-dask-1", ["--task-runner", "dask", "--workers", "1"]),
                ("run, Dask 2 workers", "run", "out-dask-2", ["--task-runner", "dask", "--workers", "2"])):
            result = cli_run([command, str(folder / "corpus"), "--out", str(folder / out), "--no-progress", *extra])
            if result["exit"] != 0 or result["statuses"].get("ok") != len(paths):
                raise RuntimeError(f"benchmark {label!r} failed: {result}")
            runs[label] = result
            timings.append(Timing(f"secmine {label}", result["wall"], reference.pages))
        _print_table(timings, reference)
        cold, rerun = runs["run, cold (2 worker processes)"]["wall"], runs["run, unchanged re-run"]["wall"]
        print(f"\nre-run of the unchanged corpus: {rerun:.2f} s = {rerun / cold:.1%} of the cold run")
        print(f"Dask 2 workers vs 1 (cluster start-up included): {runs['run, Dask 1 worker']['wall'] / runs['run, Dask 2 workers']['wall']:.2f}x faster")
        print(f"peak memory of one process (the command or a worker): {runs['run, cold (2 worker processes)']['peak_rss_mb']:.0f} MB")
        return timings
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _print_table(timings: list[Timing], reference: Timing) -> None:
    print(f"{'stage':<48} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'x plain':>8}")
    for t in timings:
        ratio = t.seconds / reference.seconds if reference.seconds else float("nan")
        print(f"{t.label:<48} {t.pages:>6} {t.seconds:>8.2f} {t.pages_per_s:>8.2f} {ratio:>8.2f}")


# -- fuzzing ----------------------------------------------------------------------------------------

_STREAM = re.compile(rb"stream\r?\n")


def _streams(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every stream body."""
    found = []
    for match in _STREAM.finditer(data):
        end = data.find(b"endstream", match.end())
        if end > match.end() and data[match.start() - 3 : match.start()] != b"end":
            found.append((match.end(), end))
    return found


def _replace_stream(data: bytes, span: tuple[int, int], body: bytes, flate: bool = False) -> bytes:
    """``data`` with the stream at ``span`` holding ``body``; ``flate``: ``body`` is Flate data, so
    an ASCII85 stage of the stream's filters is dropped."""
    start, end = span
    head_start = max(0, start - 400)
    head = data[head_start:start]
    if flate:
        head = head.replace(b"/ASCII85Decode", b"", 1)
    length = head.rfind(b"/Length")
    if length >= 0:  # a direct /Length is set to the new size (pdfminer copes with a wrong one too)
        head = head[:length] + re.sub(rb"^/Length\s+\d+(?!\s+\d+\s+R)", b"/Length %d" % len(body), head[length:], count=1)
    return data[:head_start] + head + body + b"\n" + data[end:]


def _flate_body(data: bytes, span: tuple[int, int]) -> bytes:
    """The stream's Flate data (ASCII85 decoded when the stream is so encoded)."""
    from pdfminer.ascii85 import ascii85decode

    body = data[span[0] : span[1]].strip()
    if b"/ASCII85Decode" in data[max(0, span[0] - 400) : span[0]]:
        try:
            return ascii85decode(body)
        except ValueError:
            return b""
    return body


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One mutation of a PDF's bytes, and its name."""
    streams = _streams(data)
    kind = rng.choice(("flip", "stream-flip", "checksum", "truncate", "delete", "duplicate", "heavy-page",
                       "bomb", "numbers", "startxref"))
    if kind in ("stream-flip", "checksum", "heavy-page", "bomb") and streams:
        span = rng.choice(streams)
        body = _flate_body(data, span)
        if kind == "stream-flip" and body:
            body = bytearray(body)
            for _ in range(rng.randint(1, 16)):
                body[rng.randrange(len(body))] ^= 1 << rng.randrange(8)
            return _replace_stream(data, span, bytes(body), flate=True), kind
        if kind == "checksum" and len(body) > 4:
            return _replace_stream(data, span, body[:-4] + bytes(b ^ 0x5A for b in body[-4:]), flate=True), kind
        try:
            plain = zlib.decompressobj().decompress(body, 64 << 20)
        except zlib.error:
            plain = b""
        if kind == "heavy-page" and plain:
            repeated = zlib.compress(plain * rng.randint(20, min(2000, max(20, (48 << 20) // len(plain)))), 6)
            return _replace_stream(data, span, repeated, flate=True), kind
        if kind == "bomb":
            bomb = zlib.compress(plain + b" " * (rng.randint(16, 96) << 20), 9)
            return _replace_stream(data, span, bomb[:-4] + b"\0\0\0\0" if rng.random() < 0.5 else bomb, flate=True), kind
    if kind == "truncate":
        return data[: rng.randint(64, len(data) - 1)], kind
    if kind == "delete":
        start = rng.randrange(len(data))
        return data[:start] + data[start + rng.randint(1, 4096) :], kind
    if kind == "duplicate":
        start, where = rng.randrange(len(data)), rng.randrange(len(data))
        return data[:where] + data[start : start + rng.randint(1, 4096)] + data[where:], kind
    if kind == "numbers":
        numbers = list(re.finditer(rb"(?<=[\s\[/])\d+(?=[\s\]/>])", data))
        if numbers:
            out = bytearray(data)
            for match in sorted(rng.sample(numbers, min(len(numbers), rng.randint(1, 8))), key=lambda m: -m.start()):
                out[match.start() : match.end()] = str(rng.choice((0, -1, 2**31, rng.randint(0, 99999)))).encode()
            return bytes(out), kind
    if kind == "startxref":
        at = data.rfind(b"startxref")
        if at >= 0:
            return data[: at + 10] + str(rng.randint(0, len(data) * 2)).encode() + b"\n%%EOF\n", kind
    out = bytearray(data)
    for _ in range(rng.randint(1, 64)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out), "flip"


def _fuzz_name(index: int, kind: str, rng: random.Random) -> bytes:
    """File names with a formula prefix or bytes that are not UTF-8 now and then."""
    name = b"fuzz-%04d-%s.pdf" % (index, kind.encode())
    roll = rng.random()
    return b"=HYPERLINK(1)" + name if roll < 0.04 else b"\xe9\xff" + name if roll < 0.08 else name


def make_fuzz_corpus(samples: list[Path], count: int, folder: Path, seed: int = 0) -> list[Path]:
    """``count`` mutated PDFs (one to three mutations each), in batches of FUZZ_BATCH files."""
    rng = random.Random(seed)
    originals = [p.read_bytes() for p in samples]
    made = []
    for index in range(count):
        data, kinds = rng.choice(originals), []
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            data, kind = mutate(data, rng)
            kinds.append(kind)
        batch = folder / f"batch-{index // FUZZ_BATCH:02d}"
        batch.mkdir(parents=True, exist_ok=True)
        path = Path(os.fsdecode(os.fsencode(batch) + b"/" + _fuzz_name(index, "+".join(kinds), rng)))
        path.write_bytes(data)
        made.append(path)
    return made


def run_fuzz(count: int, samples_dir: str = "corpus/docs", keep: str | None = None, seed: int = 0) -> dict:
    """Mutate the sample PDFs into ``count`` files; run `secmine ingest` and `secmine run` on each
    batch; print files, statuses, warnings, the slowest document, peak memory, hung and crashed
    batches and missing rows."""
    samples = sorted(Path(samples_dir).glob("*.pdf"))
    if not samples:
        raise FileNotFoundError(f"{samples_dir}: no sample PDFs to mutate")
    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="secmine-fuzz-"))
    try:
        files = make_fuzz_corpus(samples, count, folder / "corpus", seed)
        print(f"fuzz: {len(files)} PDFs mutated from {len(samples)} samples in {samples_dir} (seed {seed})")
        totals = {command: {"statuses": Counter(), "ok_with_warnings": 0, "hung": 0, "crashed": 0, "missing_rows": 0,
                            "slowest": (0.0, ""), "peak_rss_mb": 0.0, "wall": 0.0} for command in ("ingest", "run")}
        for batch in sorted((folder / "corpus").iterdir()):
            names = sorted(os.fsencode(p.name).decode("utf-8", "backslashreplace") for p in batch.iterdir())
            for command, total in totals.items():
                out = folder / "out" / f"{batch.name}-{command}"
                result = cli_run([command, str(batch), "--out", str(out), "--no-progress"], FUZZ_BATCH_TIMEOUT_S)
                total["hung"] += result["hung"]
                total["crashed"] += result["exit"] not in (0, 1) or result["traceback"]
                total["statuses"].update(result.get("statuses", {}))
                total["ok_with_warnings"] += result.get("ok_with_warnings", 0)
                total["peak_rss_mb"] = max(total["peak_rss_mb"], result.get("peak_rss_mb", 0.0))
                total["wall"] += result["wall"]
                total["slowest"] = max([total["slowest"], *((s, n) for n, s in result.get("document_seconds", {}).items())])
                listed = _listed(out)
                total["missing_rows"] += len(set(names) - set(listed))
                print(f"  {batch.name} {command}: exit {result['exit']}, {result['wall']:.0f} s, {dict(result.get('statuses', {}))}")
        for command, total in totals.items():
            seconds, name = total["slowest"]
            print(f"secmine {command}: {len(files)} files, statuses {dict(total['statuses'])}, "
                  f"{total['ok_with_warnings']} ok with warnings, slowest document {seconds:.1f} s ({name}), "
                  f"peak RSS {total['peak_rss_mb']:.0f} MB, {total['hung']} hung and {total['crashed']} crashed batches, "
                  f"{total['missing_rows']} missing rows, {total['wall']:.0f} s in all")
        return totals
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _listed(out: Path) -> list[str]:
    from pipeline.io import read_frame

    return list(read_frame(out / "documents.csv")["source"]) if (out / "documents.csv").exists() else []


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    from pipeline.cli import console_main

    console_main(lambda: _child(sys.argv[2], sys.argv[3:]))  # ends as the secmine command does
