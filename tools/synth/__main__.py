"""Command line of the test-PDF generator.

  python -m synth SOURCE.md ... --out DIR          build markup sources (PDF + truth)
  python -m synth --bad DIR | --bench DIR          broken inputs; a benchmark corpus
  python -m synth render TEXT.txt ... --out DIR --layouts L01,L08,LO1,WEB,CR1
                                                   plain texts as PDFs, one folder per layout
  python -m synth libreoffice --out DIR            the sample sources printed by LibreOffice
                                                   (the test fixtures in tests/fixtures/producers)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from synth import build, make_bad_pdfs, make_bench_corpus

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = {
    "article": ROOT / "corpus" / "src" / "eu-strategic-partners-review-2017.md",
    "brief": ROOT / "corpus" / "src" / "eu-indo-pacific-security-brief-2025.md",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["render"]:
        return _render(argv[1:])
    if argv[:1] == ["libreoffice"]:
        return _libreoffice(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m synth", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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


def _render(argv: list[str]) -> int:
    from synth.layouts import LAYOUTS
    from synth.render import render_texts

    parser = argparse.ArgumentParser(prog="python -m synth render", description="Plain texts as PDFs in several layouts.")
    parser.add_argument("inputs", nargs="+", type=Path, help="plain-text documents (.txt)")
    parser.add_argument("--out", type=Path, required=True, help="output folder: one sub-folder per layout")
    parser.add_argument("--layouts", default="L01,L02,L08,LO1", help=f"comma-separated: {', '.join(LAYOUTS)}, LO1-LO3")
    args = parser.parse_args(argv)
    inputs = [p for item in args.inputs for p in (sorted(item.glob("*.txt")) if item.is_dir() else [item])]
    pdfs = render_texts(inputs, args.out, [name.strip() for name in args.layouts.split(",") if name.strip()])
    print(f"{len(pdfs)} PDFs in {args.out}")
    return 0


def _libreoffice(argv: list[str]) -> int:
    from synth.layouts import source_truth
    from synth.markup import parse_file
    from synth.odt import ODT_LAYOUTS, render_libreoffice

    parser = argparse.ArgumentParser(prog="python -m synth libreoffice", description="The sample sources printed by LibreOffice.")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    args = parser.parse_args(argv)
    for stem, source in SAMPLES.items():
        for name, layout in ODT_LAYOUTS.items():
            pdf = args.out / f"{stem}-{name}.pdf"
            truth = render_libreoffice(parse_file(source), pdf, layout)
            truth = {**source_truth(parse_file(source)), "pdf": pdf.name, "producer": "libreoffice",
                     "layout": layout.describe(), "ragged": not layout.justify and not layout.indent}
            pdf.with_suffix(".truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            print(f"{pdf}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
