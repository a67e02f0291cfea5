"""Command line: build markup sources, write the bad inputs, or generate a benchmark corpus."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from synth import build, make_bad_pdfs, make_bench_corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synth", description=__doc__)
    parser.add_argument("sources", nargs="*", type=Path, help="markup sources (.md) to build")
    parser.add_argument("--out", type=Path, help="output folder for the built sources")
    parser.add_argument("--bad", type=Path, metavar="DIR", help="write the bad inputs into DIR")
    parser.add_argument("--bench", type=Path, metavar="DIR", help="write a benchmark corpus into DIR")
    parser.add_argument("--pages", type=int, default=100, help="total pages of the benchmark corpus")
    parser.add_argument("--seed", type=int, default=0, help="seed of the benchmark corpus")
    args = parser.parse_args(argv)
    if not (args.sources or args.bad or args.bench):
        parser.error("give sources with --out, or --bad DIR, or --bench DIR")
    if args.sources and not args.out:
        parser.error("--out is required when building sources")
    for source in args.sources:
        pdf, truth = build(source, args.out)
        print(f"{source} -> {pdf}, {truth}")
    if args.bad:
        for name, path in make_bad_pdfs(args.bad).items():
            print(f"{name}: {path}")
    if args.bench:
        pdfs = make_bench_corpus(args.bench, args.pages, args.seed)
        print(f"{len(pdfs)} documents in {args.bench}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
