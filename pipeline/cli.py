"""The ``secmine`` command line: each command is a few lines over the library."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.settings import Settings

DEFAULT_INPUT = "corpus/docs"
DEFAULT_OUT = "outputs"


def _add_settings(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--settings", metavar="FILE", help="TOML file of settings (see README, 'Settings')")
    parser.add_argument("--workers", type=int, default=2, help="processes for reading documents (default 2)")
    parser.add_argument("--parquet", action="store_true", help="also write each table as Parquet")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="secmine",
        description="Mine EU security-cooperation facts from policy documents and rebuild the tables.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  secmine run corpus/docs --out outputs",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="the whole flow over files and folders",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  secmine run corpus/docs --out outputs",
    )
    run.add_argument("inputs", nargs="*", default=[DEFAULT_INPUT], metavar="INPUT", help="files or folders (default corpus/docs)")
    run.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help="output folder (default outputs)")
    _add_settings(run)

    ingest = commands.add_parser(
        "ingest",
        help="documents and passages only",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  secmine ingest reports/ brief.pdf --out outputs",
    )
    ingest.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders (.pdf .txt .md .html)")
    ingest.add_argument("--out", required=True, metavar="DIR", help="output folder")
    _add_settings(ingest)

    bench = commands.add_parser(
        "bench",
        help="throughput on a generated corpus, next to plain pdfplumber",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  secmine bench --pages 200",
    )
    bench.add_argument("--pages", type=int, default=200, help="size of the generated corpus in pages (default 200)")
    bench.add_argument("--keep", metavar="DIR", help="build the corpus in DIR and keep it")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command in ("run", "ingest"):
            return _ingest(args)
        if args.command == "bench":
            from pipeline.bench import run_bench

            run_bench(args.pages, keep=args.keep)
            return 0
    except (FileNotFoundError, ValueError) as exc:
        print(f"secmine: {exc}", file=sys.stderr)
        return 2
    return 2


def _ingest(args: argparse.Namespace) -> int:
    from pipeline.ingest import find_inputs, ingest_many
    from pipeline.outputs import write_ingest_outputs

    settings = Settings.resolve(args.settings)
    files = find_inputs(args.inputs)
    if not files:
        print(f"secmine: no .pdf, .txt, .md or .html files in {' '.join(map(str, args.inputs))}", file=sys.stderr)
        return 2
    results = ingest_many(files, settings, workers=args.workers)
    write_ingest_outputs(results, Path(args.out), parquet=args.parquet)
    ok = sum(r.document.status == "ok" for r in results)
    for r in results:
        if r.document.status != "ok":
            print(f"secmine: {r.document.status}: {r.document.error}", file=sys.stderr)
        for warning in r.document.warnings:
            print(f"secmine: warning: {r.document.source}: {warning}", file=sys.stderr)
    passages = sum(len(r.passages) for r in results)
    print(f"{ok}/{len(results)} documents read, {passages} passages -> {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
