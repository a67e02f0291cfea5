"""The ``secmine`` command line: each command is a few lines over the library."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.settings import Settings

DEFAULT_INPUT = "corpus/docs"
DEFAULT_OUT = "outputs"
DEFAULT_GOLD = "corpus/gold"


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, with exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def _add_settings(parser: argparse.ArgumentParser, workers_help: str = "worker processes for the documents (default 2)") -> None:
    parser.add_argument("--settings", metavar="FILE", help="TOML file of settings (see README, 'Settings')")
    parser.add_argument("--workers", type=_positive_int, default=2, help=workers_help)
    parser.add_argument("--parquet", action="store_true", help="also write each table as Parquet")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def _add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None, metavar="DIR", help="domain classifier folder (default models/)")
    parser.add_argument("--trust-model", action="store_true",
                        help="load a model the package does not vouch for (loading a model runs the code it holds)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="secmine",
        description="Mine EU security-cooperation facts from policy documents and rebuild the tables.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  secmine run corpus/docs --out outputs",
    )
    from pipeline import __version__

    parser.add_argument("--version", action="version", version=f"secmine {__version__}")
    talk = parser.add_mutually_exclusive_group()
    talk.add_argument("-q", "--quiet", action="store_true", help="errors only: no progress, no summaries")
    talk.add_argument("-v", "--verbose", action="count", default=0, help="more detail on stderr (-vv: debugging)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    run = commands.add_parser(
        "run",
        help="the whole flow over files and folders",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Ingest, extract, classify, build the tables (and audit with --gold) as Prefect flows.\n"
        "Only documents that are new or changed, or whose settings, rules or model changed, are\n"
        "processed again (results are kept per document in DIR/.cache/); every output is rebuilt.",
        epilog="example:\n  secmine run corpus/docs --out outputs --gold corpus/gold\n"
        "  secmine run reports/ --task-runner dask --workers 4",
    )
    run.add_argument("inputs", nargs="*", default=[DEFAULT_INPUT], metavar="INPUT", help="files or folders (default corpus/docs)")
    run.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help="output folder (default outputs)")
    _add_model(run)
    run.add_argument("--gold", default=None, metavar="DIR", help="audit the outputs against this gold folder")
    run.add_argument("--task-runner", choices=("default", "dask"), default="default",
                     help="default: worker processes on this machine; dask: a Dask cluster")
    run.add_argument("--dask-address", metavar="tcp://HOST:PORT", help="use this existing Dask cluster (with --task-runner dask)")
    _add_settings(run, "worker processes, or local Dask workers with --task-runner dask (default 2)")

    ingest = commands.add_parser(
        "ingest",
        help="documents and passages only",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  secmine ingest reports/ brief.pdf --out outputs",
    )
    ingest.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders (.pdf .txt .md .html)")
    ingest.add_argument("--out", required=True, metavar="DIR", help="output folder")
    _add_settings(ingest)

    evaluate = commands.add_parser(
        "evaluate",
        help="score extraction against gold data",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  secmine evaluate entities --gold gold/entities.jsonl brief.pdf",
    )
    what = evaluate.add_subparsers(dest="what", required=True, metavar="WHAT")
    entities = what.add_parser(
        "entities",
        help="mentions (label + canonical) against a gold JSONL",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  secmine evaluate entities --gold corpus/gold/entities.jsonl corpus/docs/eu-indo-pacific-security-brief-2025.pdf",
    )
    domains = what.add_parser(
        "domains",
        help="the passage classifier against labelled passages",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Per-domain precision, recall and F1 and the share of no-domain passages kept empty, side by\n"
        "side for each evaluation: grouped cross-validation (--grouped), a held-out labels file (--labels)\n"
        "and per-document gold (--gold INPUT ...). --compare measures every recipe (docs/classification.md).",
        epilog="example:\n  secmine evaluate domains --grouped --labels corpus/labels/seed_eval.csv --texts ../shared/seeds \\\n"
        "      --gold ../shared/dev/gold ../shared/dev/texts",
    )
    domains.add_argument("--labels", metavar="FILE", help="held-out labels: text,domains CSV, or doc,passage_id,text_sha1,domains")
    domains.add_argument("--texts", metavar="DIR", help="folder of the documents a text-less labels file refers to")
    domains.add_argument("--gold", metavar="DIR", action="append",
                         help="per-document gold (the JSON of ../shared/dev/gold) for the INPUT documents; repeat for "
                              "several sets (each its own column), giving all their documents as INPUT")
    domains.add_argument("inputs", nargs="*", metavar="INPUT", help="the documents --gold describes")
    domains.add_argument("--grouped", action="store_true", help="also cross-validate the recipe on --train-labels, folds grouped by register")
    domains.add_argument("--train-labels", default="corpus/labels/passages.csv", metavar="FILE", help="training passages for --grouped and --compare")
    domains.add_argument("--recipe", default=None, metavar="NAME", help="recipe for --grouped (default: the trained one)")
    domains.add_argument("--compare", action="store_true", help="every recipe on grouped CV and on the held-out sets (a few minutes)")
    domains.add_argument("--record", action="store_true", help="with --compare: keep the comparison in the model folder and its card")
    domains.add_argument("--baseline", metavar="DIR", help="with --compare: also score the model saved in DIR (a row of its own)")
    _add_model(domains)
    domains.add_argument("--show", action="store_true", help="list each held-out passage's gold and predicted domains")
    domains.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    documents = what.add_parser(
        "documents",
        help="partners, cooperation partners, instruments, dates and passage domains against per-document gold",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run secmine on the inputs (in this process, no tables) and score the outputs against a\n"
        "folder of per-document JSON gold files (the format of ../shared/dev/gold; docs/audit.md).\n"
        "A gold file goes with the input whose file name has its text file's stem.",
        epilog="example:\n  secmine evaluate documents --gold ../shared/dev/gold ../shared/dev/texts --show\n"
        "  secmine evaluate documents --gold ../shared/dev/gold --outputs outputs   # score an earlier run",
    )
    documents.add_argument("--gold", required=True, metavar="DIR", help="folder of per-document gold JSON files")
    documents.add_argument("inputs", nargs="*", metavar="INPUT", help="the documents (files or folders)")
    documents.add_argument("--outputs", metavar="DIR", help="score the output folder of an earlier run instead of running")
    documents.add_argument("--out", metavar="DIR", help="keep the run's record files here (default: a temporary folder)")
    _add_model(documents)
    documents.add_argument("--settings", metavar="FILE", help="TOML file of settings")
    documents.add_argument("--show", action="store_true", help="list every miss and spurious partner with its evidence")
    documents.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    entities.add_argument("--gold", required=True, metavar="FILE", help="gold mentions, one JSON object per line")
    entities.add_argument("inputs", nargs="+", metavar="INPUT", help="the documents the gold describes")
    entities.add_argument("--show", action="store_true", help="also list missed and spurious mentions")
    entities.add_argument("--json", metavar="FILE", help="write the full report as JSON")

    tables = commands.add_parser(
        "tables",
        help="rebuild the analysts' tables from the records already in DIR",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  secmine tables --out outputs",
    )
    tables.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help="output folder of an earlier run (default outputs)")
    tables.add_argument("--parquet", action="store_true", help="also write each table as Parquet")
    tables.add_argument("--settings", metavar="FILE", help="TOML file of settings (default: those of the run that wrote DIR)")

    review = commands.add_parser(
        "review",
        help="export rows for review, import the verdicts (applied by every later run into DIR)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Export every row of cooperation.csv and of the tables for review, and import the\n"
        "verdicts: a `wrong` row stays out of every later run into DIR (and of `secmine tables`),\n"
        "a corrected value wins, and each reviewed row says so in its `reviewed` column.",
        epilog="example:\n  secmine review export --out outputs      # -> outputs/review/review.xlsx, review.jsonl\n"
        "  secmine review import outputs/review/review.xlsx --out outputs\n  secmine tables --out outputs",
    )
    step = review.add_subparsers(dest="step", required=True, metavar="STEP")
    export = step.add_parser("export", help="write DIR/review/review.xlsx and review.jsonl (Label Studio, Prodigy)")
    export.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help="output folder of a run (default outputs)")
    take = step.add_parser("import", help="store the verdicts of an edited review file in DIR/corrections.jsonl")
    take.add_argument("file", metavar="FILE", help="the edited review.xlsx, a CSV with row_key and verdict, or JSONL")
    take.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help="output folder of a run (default outputs)")

    audit = commands.add_parser(
        "audit",
        help="compare DIR's tables and mentions with a gold folder; write DIR/audit/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  secmine audit --gold corpus/gold --out outputs --min-f1 0.5",
    )
    audit.add_argument("--gold", default=DEFAULT_GOLD, metavar="DIR", help="gold folder (default corpus/gold)")
    audit.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help="output folder of a run (default outputs)")
    audit.add_argument("--min-f1", type=float, default=None, metavar="X", help="exit with status 3 when a field scores below X")
    audit.add_argument("--settings", metavar="FILE", help="TOML file of settings (see README, 'Settings')")

    serve = commands.add_parser(
        "serve",
        help="serve the run flow as a Prefect deployment (needs a Prefect server)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  prefect server start &\n  PREFECT_API_URL=http://127.0.0.1:4200/api secmine serve --out outputs\n"
        "  prefect deployment run secmine-run/secmine",
    )
    serve.add_argument("--name", default="secmine", help="deployment name (default secmine)")
    serve.add_argument("inputs", nargs="*", default=[DEFAULT_INPUT], metavar="INPUT", help="default inputs of the runs (default corpus/docs)")
    serve.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help="default output folder (default outputs)")

    train = commands.add_parser(
        "train",
        help="train the passage domain classifier",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  secmine train --labels corpus/labels/passages.csv --model models",
    )
    train.add_argument("--labels", default="corpus/labels/passages.csv", metavar="FILE", help="labelled passages (text,domains,register,author)")
    train.add_argument("--model", default="models", metavar="DIR", help="where the model and its card go (default models/)")
    train.add_argument("--seed", type=int, default=0, help="random state (default 0)")
    train.add_argument("--recipe", default=None, metavar="NAME", help="classifier recipe (default: the one the comparison kept)")

    bench = commands.add_parser(
        "bench",
        help="throughput on a generated corpus, next to plain pdfplumber",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  secmine bench --pages 200\n  secmine bench --fuzz 1000 --keep /tmp/fuzz",
    )
    bench.add_argument("--pages", type=int, default=200, help="size of the generated corpus in pages (default 200)")
    bench.add_argument("--keep", metavar="DIR", help="build the corpus in DIR and keep it")
    for leaf in _leaves(commands):  # --quiet / --verbose after the command too
        leaf.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="errors only")
        leaf.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS, help="more detail (-vv: debugging)")
    bench.add_argument("--fuzz", type=_positive_int, metavar="N",
                       help="instead: mutate the sample PDFs into N hostile files and run ingest and run over them")
    bench.add_argument("--fuzz-from", default="corpus/docs", metavar="DIR", help="the PDFs to mutate (default corpus/docs)")
    bench.add_argument("--seed", type=int, default=0, help="random seed of the mutations (default 0)")
    return parser


def _leaves(group) -> list[argparse.ArgumentParser]:
    found = []
    for sub in dict.fromkeys(group.choices.values()):
        inner = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
        found += _leaves(inner[0]) if inner else [sub]
    return found


def _set_verbosity(args: argparse.Namespace) -> None:
    """Logging levels for --quiet / --verbose (Prefect's too, set before it is imported)."""
    import logging
    import os

    level = logging.ERROR if args.quiet else {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="secmine: %(levelname)s: %(name)s: %(message)s")
    logging.getLogger("pipeline").setLevel(level)
    if args.quiet or args.verbose:
        os.environ["PREFECT_LOGGING_LEVEL"] = logging.getLevelName(level)
    if args.quiet and hasattr(args, "no_progress"):
        args.no_progress = True


def _say(args: argparse.Namespace, text: str) -> None:
    """A summary line on stdout, unless --quiet."""
    if not args.quiet:
        print(text)


def console_main(command=None) -> None:
    """The ``secmine`` command: ``main`` (or ``command``), then an exit that skips the interpreter's
    teardown of the loaded libraries (over half a second after a run). The handler ending the process
    is registered first, so it runs after every other exit handler (workers and server told to stop,
    temporary files removed)."""
    import atexit

    status = [1]  # an uncaught exception exits with 1 after its traceback
    atexit.register(_end_process, status)
    try:
        status[0] = (command or main)()
    except SystemExit as exc:  # --help, --version, usage errors
        status[0] = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        raise
    sys.exit(status[0])


def _end_process(status: list[int]) -> None:
    import contextlib
    import logging
    import os

    with contextlib.suppress(Exception):  # a closed pipe must not keep the process from ending
        logging.shutdown()
        sys.stdout.flush(), sys.stderr.flush()
    os._exit(status[0])


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _set_verbosity(args)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "ingest":
            return _ingest(args)
        if args.command == "audit":
            return _audit(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "tables":
            folder, changes = _tables(Path(args.out), args.parquet, args.settings)
            _say(args, f"tables -> {folder}")
            _say(args, f"changes -> {Path(args.out) / 'changes.md'} ({changes.summary_line()})")
            return 0
        if args.command == "review":
            return _review(args)
        if args.command == "evaluate":
            if args.what == "documents":
                return _evaluate_documents(args)
            return _evaluate(args) if args.what == "entities" else _evaluate_domains(args)
        if args.command == "train":
            from pipeline.classify import DEFAULT_MODEL_DIR, vouch_for_model
            from pipeline.classify.train import format_scores, train

            card = train(args.labels, args.model, random_state=args.seed, recipe=args.recipe)
            if Path(args.model).resolve() == DEFAULT_MODEL_DIR.resolve():
                vouch_for_model(args.model)  # the project's own model: trusted without --trust-model
            print(f"trained {card['recipe']['name']} on {card['training_data']['passages']} passages -> {args.model}/")
            print("grouped cross-validation (folds by register):")
            print(format_scores(card["cross_validation"]))
            print(f"no-domain passages kept empty: {card['grouped_cross_validation']['no_domain']['rate']:.3f}")
            return 0
        if args.command == "bench":
            from pipeline.bench import run_bench, run_fuzz

            if args.fuzz:
                totals = run_fuzz(args.fuzz, args.fuzz_from, keep=args.keep, seed=args.seed)
                return 1 if any(t["hung"] or t["crashed"] or t["missing_rows"] for t in totals.values()) else 0
            run_bench(args.pages, keep=args.keep)
            return 0
    except KeyboardInterrupt:
        print("secmine: interrupted; finished documents are kept for the next run", file=sys.stderr)
        return 130
    except Exception as exc:
        if not _is_user_error(exc):
            raise
        print(f"secmine: {_one_line(exc)}", file=sys.stderr)
        return 2
    return 2


def _is_user_error(exc: Exception) -> bool:
    """A bad input, setting, model or output folder (told in one line), not a bug (a traceback)."""
    from pipeline.classify import ModelCardError
    from pipeline.vocab.nlp import ModelError

    return isinstance(exc, (OSError, ValueError, ModelError, ModelCardError))


def _one_line(exc: Exception) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError) and exc.errno is not None:
        from pipeline.outputs import describe_os_error

        return describe_os_error(exc)
    return " ".join(str(exc).split())


def _tables(out: Path, parquet: bool, settings: str | None = None):
    from pipeline.changes import record_run
    from pipeline.outputs import locked, write_manifest
    from pipeline.tables import rebuild_tables

    if not (out / "documents.csv").is_file():
        raise FileNotFoundError(f"{out / 'documents.csv'}: no records here; run `secmine run --out {out}` first")
    with locked(out):
        folder = rebuild_tables(out, parquet=parquet, settings=settings)
        report = record_run(out)
        write_manifest(out)
    return folder, report


def _review(args: argparse.Namespace) -> int:
    from pipeline.review import export_review, import_review

    out = Path(args.out)
    if args.step == "export":
        folder = export_review(out)
        _say(args, f"review -> {folder / 'review.xlsx'} and {folder / 'review.jsonl'} "
                   f"(Label Studio: {folder / 'label-studio.json'} with {folder / 'label-studio.xml'})")
        return 0
    report = import_review(args.file, out)
    for warning in report.warnings:
        print(f"secmine: warning: {warning}", file=sys.stderr)
    stored = ", ".join(f"{n} {verdict}" for verdict, n in report.counts.items() if n) or "no verdicts"
    _say(args, f"{stored} -> {report.path}; they apply on the next `secmine run ... --out {out}` or `secmine tables --out {out}`")
    return 0


def _evaluate_domains(args: argparse.Namespace) -> int:
    from pipeline.classify.evaluate import domain_evaluation

    print(domain_evaluation(args.model, args.labels, args.texts, args.gold, args.inputs, grouped=args.grouped,
                            train_labels=args.train_labels, recipe=args.recipe, compare=args.compare,
                            record=args.record, baseline=args.baseline, show=args.show, json_path=args.json,
                            trust_model=args.trust_model))
    return 0


def _evaluate_documents(args: argparse.Namespace) -> int:
    import json
    import tempfile

    from pipeline.io import write_text

    golds: list[list[dict]] = []

    def read_gold() -> None:  # pandas and the gold, read while the workers load the models
        from pipeline.scoring import load_document_gold

        golds.append(load_document_gold(args.gold))

    if args.outputs:
        read_gold()
        out = args.outputs
    else:
        from pipeline.ingest import find_inputs
        from pipeline.outputs import locked
        from pipeline.process import run_without_prefect

        paths = find_inputs(args.inputs)
        if not paths:
            raise ValueError(f"no .pdf, .txt, .md or .html files in {' '.join(args.inputs) or '(no INPUT given)'}")
        scratch = tempfile.TemporaryDirectory(prefix="secmine-evaluate-")
        out = args.out or scratch.name
        with locked(out):
            run_without_prefect(paths, out, Settings.resolve(args.settings), args.model, args.trust_model, meanwhile=read_gold)
    from pipeline.audit.documents import evaluate_outputs, format_evaluation

    evaluation = evaluate_outputs(golds[0], out)
    print(format_evaluation(evaluation, show=args.show))
    if args.json:
        write_text(args.json, json.dumps(evaluation.to_dict(), indent=2, ensure_ascii=False) + "\n")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import tempfile

    from pipeline.audit.entities import format_report, load_entity_gold, score_entities
    from pipeline.ingest import find_inputs
    from pipeline.io import write_text
    from pipeline.process import run_without_prefect
    from pipeline.records import IngestResult

    gold = load_entity_gold(args.gold)
    with tempfile.TemporaryDirectory(prefix="secmine-evaluate-") as scratch:
        records = run_without_prefect(find_inputs(args.inputs), scratch, workers=2)
    results = [IngestResult(r.document, r.passages, r.tables) for r in records]
    report = score_entities([m for r in records for m in r.mentions], results, gold)
    print(format_report(report))
    if args.show:
        for row in report["missed"]:
            print(f"missed   {row['label']:<10} {row['canonical']} (x{row['missing']})")
        for row in report["spurious"]:
            print(f"spurious {row['label']:<10} {row['canonical']} (x{row['extra']})")
    if args.json:
        import json

        write_text(args.json, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


def _run(args: argparse.Namespace) -> int:
    from pipeline.process import run

    if args.dask_address and args.task_runner != "dask":
        raise ValueError("--dask-address needs --task-runner dask")
    report = run(
        args.inputs, args.out, gold=args.gold, settings=args.settings, model_dir=args.model, trust_model=args.trust_model,
        parquet=args.parquet, task_runner=args.task_runner, workers=args.workers, dask_address=args.dask_address,
        progress=not args.no_progress,
    )
    _report_documents(report.documents, quiet=args.quiet)
    _say(args, f"{report.ok}/{len(report.documents)} documents read ({len(report.processed)} processed, "
               f"{report.cached} unchanged) -> {args.out}")
    _say(args, f"changes -> {Path(args.out) / 'changes.md'} ({_changes_line(args.out)})")
    if report.audit is not None:
        _say(args, f"audit -> {Path(args.out) / 'audit'}")
    return 0 if report.ok else 1


def _changes_line(out: str) -> str:
    """The summary of DIR/changes.csv the run just wrote."""
    import csv

    path = Path(out) / "changes.csv"
    if not path.exists():
        return "not written"
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if rows and all(r["reason"] == "first_run" for r in rows):
        return f"first run in this folder, {len(rows)} rows"
    counts = {k: sum(r["change"] == k for r in rows) for k in ("added", "removed", "changed")}
    return ", ".join(f"{n} {k}" for k, n in counts.items()) + " rows since the previous run"


def _audit(args: argparse.Namespace) -> int:
    from pipeline.audit import fields_below, run_audit, summary_markdown

    from pipeline.outputs import locked, write_manifest

    settings = Settings.resolve(args.settings)
    if not (Path(args.out) / "documents.csv").is_file():
        raise FileNotFoundError(f"{Path(args.out) / 'documents.csv'}: no run outputs here; run `secmine run --out {args.out}` first")
    with locked(args.out):
        report = run_audit(args.gold, args.out, settings)
        write_manifest(args.out)
    print(summary_markdown(report))
    print(f"audit -> {Path(args.out) / 'audit'}")
    if args.min_f1 is not None:
        below = fields_below(report, args.min_f1)
        if below:
            print(f"secmine: below F1 {args.min_f1}: {', '.join(below)}", file=sys.stderr)
            return 3
    return 0


def _serve(args: argparse.Namespace) -> int:
    import os

    if not os.environ.get("PREFECT_API_URL"):
        raise ValueError("serve needs a Prefect server: run `prefect server start` and set PREFECT_API_URL "
                         "(e.g. http://127.0.0.1:4200/api)")
    from pipeline.flows import run_flow

    run_flow.serve(name=args.name, parameters={"inputs": [str(Path(p).resolve()) for p in args.inputs],
                                               "out": str(Path(args.out).resolve())})
    return 0


def _report_documents(documents: list, quiet: bool = False) -> None:
    """Failed and skipped documents, and warnings (not with --quiet), on stderr."""
    for document in documents:
        if document.status != "ok":
            print(f"secmine: {document.status}: {document.error}", file=sys.stderr)
        for warning in () if quiet else document.warnings:
            print(f"secmine: warning: {document.source}: {warning}", file=sys.stderr)


def _ingest(args: argparse.Namespace) -> int:
    from pipeline.process import run

    report = run(args.inputs, args.out, settings=args.settings, parquet=args.parquet, workers=args.workers,
                 analyse=False, progress=not args.no_progress and not args.quiet)
    _report_documents(report.documents, quiet=args.quiet)
    _say(args, f"{report.ok}/{len(report.documents)} documents read ({len(report.processed)} processed, "
               f"{report.cached} unchanged) -> {args.out}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    console_main()
