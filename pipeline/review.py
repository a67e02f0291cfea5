"""The review loop: analysts' verdicts on output rows, kept in the output folder and applied on every run.

- ``export_review(DIR)`` writes ``DIR/review/review.xlsx`` (one sheet per table, a ``verdict``
  column to fill in, every other column editable) and ``DIR/review/review.jsonl`` (one task
  per row, readable by Label Studio and Prodigy; ``label-studio.json`` and
  ``label-studio.xml`` are the same tasks as a JSON list and a labelling config).
- ``import_review(FILE, DIR)`` reads an edited xlsx, CSV or JSONL (or a Label Studio / Prodigy
  export) and stores the verdicts in ``DIR/corrections.jsonl``, one line per row, the newest
  verdict of a row winning.
- ``apply_to_facts`` / ``apply_to_frame`` apply them: a ``wrong`` row stays out, a corrected
  value wins, and each reviewed row says so in its ``reviewed`` column (``correct`` or
  ``corrected``). They run where cooperation.csv is written (``write_cooperation``) and where
  the tables are rebuilt (``pipeline.tables.rebuild_tables``), so every later run into DIR,
  and ``secmine tables --out DIR``, applies them. Corrections whose rows no longer appear are
  listed in ``DIR/changes.md`` (``stale_corrections``).

Rows are matched by their ``row_key`` (``pipeline/tables/keys.py``).
"""

from __future__ import annotations

import csv
import json
import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.io import read_frame, read_records, write_frame, write_text
from pipeline.records import Fact

log = logging.getLogger(__name__)

CORRECTIONS = "corrections.jsonl"
STATE_DIR = ".secmine"
UNREVIEWED_FACTS = f"{STATE_DIR}/cooperation.unreviewed.csv"
APPLIED = f"{STATE_DIR}/review-applied.json"
REVIEW_DIR = "review"
VERDICTS = ("correct", "wrong", "corrected")
# Columns a correction may not change: the row's identity and provenance.
FIXED = ("row_key", "reviewed", "table", "evidence", "source_doc", "source_table", "page", "passage_id",
         "doc_id", "start", "end", "rule_id", "basis", "confidence", "supporting_facts", "verdict", "note")
# Words analysts and annotation tools use for a verdict.
_VERDICT_WORDS = {
    "correct": "correct", "ok": "correct", "yes": "correct", "y": "correct", "true": "correct", "right": "correct",
    "accept": "correct", "accepted": "correct", "\u2713": "correct", "\u2714": "correct", "confirmed": "correct",
    "wrong": "wrong", "no": "wrong", "n": "wrong", "false": "wrong", "reject": "wrong", "rejected": "wrong",
    "x": "wrong", "\u2717": "wrong", "\u2718": "wrong", "delete": "wrong", "remove": "wrong", "incorrect": "wrong",
    "corrected": "corrected", "fix": "corrected", "fixed": "corrected", "edit": "corrected", "edited": "corrected",
}
_INT_COLUMNS = {"year", "page", "ministerial", "policy", "supporting_facts", "start", "end"}


@dataclass
class Correction:
    """An analyst's verdict on one output row."""

    row_key: str
    table: str
    verdict: str  # correct, wrong or corrected
    values: dict[str, Any] = field(default_factory=dict)  # the corrected values (verdict corrected)
    original: dict[str, Any] = field(default_factory=dict)  # the row as it was exported
    note: str = ""
    imported: str = ""  # when it was imported (UTC, ISO 8601)
    source: str = ""  # the file it was imported from

    def describe(self) -> str:
        """One line naming the row: table, partner, document and the start of its evidence."""
        o = self.original
        what = ", ".join(str(o[k]) for k in ("partner", "instrument", "title", "domain", "mode_text") if o.get(k))
        where = f"{o.get('source_doc', '')} p. {o['page']}" if o.get("page") else str(o.get("source_doc", ""))
        return f"{self.table} {self.row_key} ({self.verdict}): {what or '?'}; {where}".strip()


# -- the corrections file -----------------------------------------------------------------------


def corrections_path(out_dir: str | Path) -> Path:
    return Path(out_dir) / CORRECTIONS


def load_corrections(out_dir: str | Path) -> dict[str, Correction]:
    """The corrections stored in ``out_dir`` by row key (empty when there are none)."""
    path = corrections_path(out_dir)
    if not path.exists():
        return {}
    found: dict[str, Correction] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                correction = Correction(**{k: v for k, v in data.items() if k in Correction.__dataclass_fields__})
            except (json.JSONDecodeError, TypeError) as exc:
                raise ValueError(f"{path}, line {number}: not a correction ({exc})") from None
            if correction.verdict not in VERDICTS:
                raise ValueError(f"{path}, line {number}: unknown verdict {correction.verdict!r}")
            found[correction.row_key] = correction
    return found


def save_corrections(out_dir: str | Path, corrections: dict[str, Correction]) -> Path:
    lines = [json.dumps(asdict(c), ensure_ascii=False, sort_keys=True) for c in sorted(corrections.values(), key=lambda c: (c.table, c.row_key))]
    return write_text(corrections_path(out_dir), "".join(line + "\n" for line in lines))


def carry_review_state(out_dir: str | Path, stage: str | Path) -> None:
    """Copy the corrections and the record of which ones were applied from ``out_dir`` into a run's
    staging folder, so that the records and tables written there are reviewed as before."""
    import shutil

    for name in (CORRECTIONS, APPLIED):
        if (Path(out_dir) / name).is_file():
            (Path(stage) / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(out_dir) / name, Path(stage) / name)


def _merge(old: Correction | None, new: Correction) -> Correction:
    """The newer verdict wins; corrected values add up; "correct" keeps earlier corrected values
    (the analyst saw them applied and agreed)."""
    if old is None or new.verdict == "wrong" or old.verdict == "wrong":
        return new
    if new.verdict == "correct" and old.verdict == "corrected":
        return old
    if new.verdict == "corrected" and old.verdict == "corrected":
        new.values = {**old.values, **new.values}
        new.original = old.original or new.original
    return new


# -- applying them -------------------------------------------------------------------------------


def _vocabularies() -> dict[str, tuple[str, ...]]:
    from pipeline.records import DOMAINS, INSTRUMENT_TYPES, PARTNER_KINDS, STATUSES

    return {"status": STATUSES, "domain": DOMAINS, "partner_kind": PARTNER_KINDS, "instrument_type": INSTRUMENT_TYPES}


def _coerce(column: str, value: Any) -> Any:
    """A corrected value as its column holds it; ValueError when it cannot be one."""
    if value is None or (isinstance(value, float) and value != value):
        return "" if column not in _INT_COLUMNS else None
    vocabulary = _vocabularies().get(column)
    if vocabulary and str(value).strip() and str(value).strip() not in vocabulary:
        raise ValueError(f"{column} must be one of {', '.join(vocabulary)}, not {value!r}")
    if column in _INT_COLUMNS:
        text = str(value).strip()
        if not text:
            return None
        try:
            return int(float(text))
        except ValueError:
            raise ValueError(f"{column} must be a whole number, not {value!r}") from None
    return " ".join(str(value).split()) if isinstance(value, str) else value


def _with_partner(values: dict[str, Any], columns: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """A corrected partner brings its ISO code and kind along, unless those were corrected too."""
    if "partner" not in values or not values["partner"]:
        return values
    from pipeline.vocab.gazetteer import partner_of

    found = partner_of(str(values["partner"]))
    values = dict(values)
    if found is not None:
        values["partner"] = found.name
    if "partner_iso3" in columns and "partner_iso3" not in values:
        values["partner_iso3"] = found.iso3 if found else ""
    if "partner_kind" in columns and "partner_kind" not in values and found is not None:
        values["partner_kind"] = found.kind
    return values


def apply_to_facts(facts: list[Fact], corrections: dict[str, Correction]) -> tuple[list[Fact], list[str]]:
    """The facts with the corrections of table ``cooperation`` applied, and the keys applied."""
    columns = Fact.columns()
    kept, applied = [], []
    for fact in facts:
        correction = corrections.get(fact.row_key)
        if correction is None or correction.table != "cooperation":
            kept.append(fact.replace(reviewed="") if fact.reviewed else fact)
            continue
        applied.append(fact.row_key)
        if correction.verdict == "wrong":
            continue
        changes: dict[str, Any] = {"reviewed": correction.verdict}
        try:
            if correction.verdict == "corrected":
                for column, value in _with_partner(correction.values, columns).items():
                    if column in columns and column not in FIXED:
                        value = _coerce(column, value)
                        changes[column] = "" if value is None else (str(value) if column == "year" else value)
            kept.append(fact.replace(**changes))
        except ValueError as exc:  # a corrections file edited by hand: the fact stays as found
            log.warning("correction of %s not applied: %s", fact.row_key, exc)
            kept.append(fact)
    return kept, applied


def apply_to_frame(table: str, frame: pd.DataFrame, corrections: dict[str, Correction]) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` (with a ``row_key`` column) with the corrections of ``table`` applied, a
    ``reviewed`` column, and the keys applied."""
    frame = frame.copy()
    frame["reviewed"] = ""
    mine = {k: c for k, c in corrections.items() if c.table == table}
    if not mine or not len(frame):
        return frame, []
    applied, drop = [], []
    columns = list(frame.columns)
    for index, key in frame["row_key"].items():
        correction = mine.get(key)
        if correction is None:
            continue
        applied.append(key)
        if correction.verdict == "wrong":
            drop.append(index)
            continue
        frame.at[index, "reviewed"] = correction.verdict
        if correction.verdict == "corrected":
            for column, value in _with_partner(correction.values, columns).items():
                if column in columns and column not in FIXED:
                    try:
                        value = _coerce(column, value)
                    except ValueError as exc:  # a corrections file edited by hand
                        log.warning("correction of %s not applied to %s: %s", key, column, exc)
                        continue
                    frame.at[index, column] = pd.NA if value is None and str(frame[column].dtype) == "Int64" else ("" if value is None else value)
    return frame.drop(index=drop).reset_index(drop=True), applied


def record_applied(out_dir: str | Path, table: str, keys: list[str]) -> None:
    """Remember which corrections of ``table`` found their rows in this run."""
    path = Path(out_dir) / APPLIED
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        state = {}
    state[table] = sorted(keys)
    write_text(path, json.dumps(state, indent=1, sort_keys=True) + "\n")


def stale_corrections(out_dir: str | Path) -> list[Correction]:
    """Corrections whose rows did not appear in the latest run (or tables rebuild) in ``out_dir``."""
    corrections = load_corrections(out_dir)
    if not corrections:
        return []
    try:
        state = json.loads((Path(out_dir) / APPLIED).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        state = {}
    return [c for key, c in sorted(corrections.items()) if key not in set(state.get(c.table, ()))]


# -- cooperation.csv -----------------------------------------------------------------------------


def facts_frame(facts: list[Fact]) -> pd.DataFrame:
    """Facts as the cooperation.csv table: nullable integer years (pandas Int64)."""
    from pipeline.io import records_frame

    frame = records_frame(facts, Fact)
    frame["year"] = pd.to_numeric(frame["year"].replace("", None), errors="coerce").astype("Int64")
    return frame


def write_cooperation(facts: list[Fact], out_dir: str | Path, parquet: bool = False) -> list[Fact]:
    """cooperation.csv: the facts with their row keys, the corrections in ``out_dir`` applied.

    The facts as found (before any correction) are kept in ``DIR/.secmine/`` so that
    ``secmine tables`` can apply newly imported corrections without re-reading documents.
    """
    from pipeline.records import FACTS
    from pipeline.tables.keys import row_keys

    out_dir = Path(out_dir)
    keys = row_keys("cooperation", [f.to_row() for f in facts])
    facts = [f.replace(row_key=k, reviewed="") for f, k in zip(facts, keys)]
    write_frame(facts_frame(facts), out_dir / UNREVIEWED_FACTS)
    reviewed, applied = apply_to_facts(facts, load_corrections(out_dir))
    record_applied(out_dir, "cooperation", applied)
    write_frame(facts_frame(reviewed), out_dir / FACTS, parquet=parquet)
    return reviewed


def refresh_cooperation(out_dir: str | Path, parquet: bool = False) -> list[Fact]:
    """The facts of ``out_dir`` with the current corrections applied; cooperation.csv rewritten
    only when that changes it."""
    from pipeline.records import FACTS
    from pipeline.tables.keys import row_keys

    out_dir = Path(out_dir)
    raw_path = out_dir / UNREVIEWED_FACTS
    current = read_records(out_dir / FACTS, Fact)
    # The facts as found, kept beside the reviewed ones; an older output folder has only these.
    facts = read_records(raw_path, Fact) if raw_path.exists() else current
    if any(not f.row_key for f in facts):
        facts = [f.replace(row_key=k) for f, k in zip(facts, row_keys("cooperation", [f.to_row() for f in facts]))]
    reviewed, applied = apply_to_facts(facts, load_corrections(out_dir))
    record_applied(out_dir, "cooperation", applied)
    if [f.to_row() for f in reviewed] != [f.to_row() for f in current] or (parquet and not (out_dir / FACTS).with_suffix(".parquet").exists()):
        if not raw_path.exists():
            write_frame(facts_frame(facts), raw_path)
        write_frame(facts_frame(reviewed), out_dir / FACTS, parquet=parquet)
    return reviewed


# -- export --------------------------------------------------------------------------------------


def _output_tables(out_dir: Path) -> dict[str, pd.DataFrame]:
    """cooperation.csv and every table of ``out_dir``, as strings."""
    from pipeline.records import FACTS, TABLE_COLUMNS

    frames = {}
    if (out_dir / FACTS).exists():
        frames["cooperation"] = read_frame(out_dir / FACTS)
    for name in TABLE_COLUMNS:
        path = out_dir / "tables" / f"{name}.csv"
        if path.exists():
            frames[name] = read_frame(path)
    if not frames:
        raise FileNotFoundError(f"{out_dir}: no cooperation.csv or tables here; run `secmine run --out {out_dir}` first")
    return frames


# The columns shown for review, per table (the rest of a row is bookkeeping).
_REVIEW_HIDDEN = {"start", "end", "reviewed", "row_key", "evidence"}


def _review_columns(table: str, frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in _REVIEW_HIDDEN]


def _spans(evidence: str, row: dict, surfaces: dict[tuple[str, str], set[str]] | None = None) -> list[dict]:
    """Where the row's partner, instrument and year stand in its evidence: their canonical names,
    and the surface forms the extraction found in the row's passage (``surfaces``), matched
    without regard to case."""
    from pipeline.vocab.instruments import instrument_key

    spans: list[dict] = []
    wanted = [("PARTNER", row.get("partner", "")), ("INSTRUMENT", row.get("instrument") or row.get("title") or ""),
              ("DATE", row.get("year", ""))]
    lowered = evidence.lower()
    taken: list[tuple[int, int]] = []
    for label, value in wanted:
        value = " ".join(str(value or "").split())
        if not value:
            continue
        forms = [value, *sorted((surfaces or {}).get((label, value if label != "INSTRUMENT" else instrument_key(value)), ()), key=len, reverse=True)]
        for form in forms:
            start = lowered.find(form.lower()) if form else -1
            if start >= 0 and not any(a < start + len(form) and start < b for a, b in taken):
                taken.append((start, start + len(form)))
                spans.append({"start": start, "end": start + len(form), "label": label, "text": evidence[start:start + len(form)]})
                break
    return sorted(spans, key=lambda s: s["start"])


def _surfaces(out_dir: Path) -> dict[str, dict[tuple[str, str], set[str]]]:
    """The surface forms of each passage's mentions, by (label, canonical), from mentions.csv."""
    from pipeline.vocab.instruments import instrument_key
    from pipeline.records import MENTIONS

    found: dict[str, dict[tuple[str, str], set[str]]] = {}
    if not (out_dir / MENTIONS).exists():
        return found
    frame = read_frame(out_dir / MENTIONS)
    for passage, label, canonical, text in zip(frame["passage_id"], frame["label"], frame["canonical"], frame["text"]):
        if label == "INSTRUMENT":
            canonical = instrument_key(canonical)
        elif label == "DATE":
            canonical = canonical[:4]
        found.setdefault(passage, {}).setdefault((label, canonical), set()).add(" ".join(text.split()))
    return found


def review_tasks(out_dir: str | Path) -> list[dict]:
    """One task per output row: the row's columns, its evidence with spans, an empty verdict."""
    from pipeline import __version__

    tasks = []
    surfaces = _surfaces(Path(out_dir))
    for table, frame in _output_tables(Path(out_dir)).items():
        if "row_key" not in frame:
            raise ValueError(f"{out_dir}: the outputs have no row keys; run `secmine tables --out {out_dir}` first")
        for row in frame.to_dict("records"):
            evidence = row.get("evidence", "")
            columns = {c: row[c] for c in _review_columns(table, frame)}
            spans = _spans(evidence, row, surfaces.get(row.get("passage_id", ""), {}))
            meta = {"table": table, "row_key": row["row_key"], "source_doc": row.get("source_doc", ""), "page": row.get("page", "")}
            tasks.append({
                "row_key": row["row_key"], "table": table, "verdict": "", "corrected": {},
                "reviewed": row.get("reviewed", ""),
                "text": evidence, "spans": spans, "meta": meta,  # Prodigy
                "data": {"text": evidence, "row_key": row["row_key"], "table": table, **columns},  # Label Studio
                "predictions": [{"model_version": f"secmine {__version__}", "result": [
                    {"from_name": "label", "to_name": "text", "type": "labels",
                     "value": {"start": s["start"], "end": s["end"], "text": s["text"], "labels": [s["label"]]}}
                    for s in spans]}],
            })
    return tasks


LABEL_STUDIO_CONFIG = """<View>
  <Header value="$table: $partner ($source_doc, page $page)"/>
  <Labels name="label" toName="text">
    <Label value="PARTNER"/>
    <Label value="INSTRUMENT"/>
    <Label value="DATE"/>
  </Labels>
  <Text name="text" value="$text"/>
  <Choices name="verdict" toName="text" choice="single" showInline="true">
    <Choice value="correct"/>
    <Choice value="wrong"/>
  </Choices>
  <TextArea name="corrected" toName="text" placeholder="corrected values, e.g. status=signed; year=2019" maxSubmissions="1"/>
</View>
"""

INSTRUCTIONS = [
    ("How to review", ""),
    ("verdict", "Write correct or wrong in the verdict column, or leave it empty."),
    ("corrected values", "To correct a row, overwrite the wrong cell(s) in place; the verdict may stay empty or say corrected."),
    ("fixed columns", "row_key, evidence, source_doc, source_table, page and passage_id cannot be corrected."),
    ("import", "secmine review import review.xlsx --out DIR   (CSV and JSONL files work too)"),
    ("effect", "Every later run into DIR, and secmine tables --out DIR, leaves wrong rows out, uses corrected values and marks those rows in the reviewed column."),
    ("stale", "Corrections whose rows no longer appear (the document changed or is gone) are listed in DIR/changes.md."),
]


def export_review(out_dir: str | Path) -> Path:
    """``DIR/review/review.xlsx``, ``review.jsonl`` and the Label Studio files; returns the folder."""
    from pipeline.tables.workbook import write_review_workbook

    out_dir = Path(out_dir)
    folder = out_dir / REVIEW_DIR
    tasks = review_tasks(out_dir)
    frames = _output_tables(out_dir)
    write_text(folder / "review.jsonl", "".join(json.dumps(t, ensure_ascii=False, default=str) + "\n" for t in tasks))
    write_text(folder / "label-studio.json", json.dumps(
        [{k: t[k] for k in ("data", "predictions", "meta")} for t in tasks], ensure_ascii=False, indent=1, default=str) + "\n")
    write_text(folder / "label-studio.xml", LABEL_STUDIO_CONFIG)
    from pipeline import typed_columns
    from pipeline.tables.workbook import FACT_ORDER

    sheets = {}
    for table, frame in frames.items():
        shown = _review_columns(table, frame)
        if table == "cooperation":
            shown = [c for c in FACT_ORDER if c in shown] + [c for c in shown if c not in FACT_ORDER]
        frame = typed_columns(frame.assign(verdict="", note="").reindex(columns=["row_key", "verdict", "note", "reviewed", *shown,
                                                                          *(["evidence"] if "evidence" in frame else [])]))
        sheets[table] = frame
    write_review_workbook(folder / "review.xlsx", sheets, INSTRUCTIONS)
    return folder


# -- import --------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    path: Path
    counts: dict[str, int]
    warnings: list[str]
    unknown: int = 0  # rows whose key matches no exported or current row


def _verdict(value: Any, where: str) -> str:
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value).strip().lower()
    if not text:
        return ""
    if text in _VERDICT_WORDS:
        return _VERDICT_WORDS[text]
    raise ValueError(f"{where}: unknown verdict {value!r}; write correct, wrong or corrected")


def _same(a: Any, b: Any) -> bool:
    """Whether two cells say the same ("2016" and 2016, "0.0" and 0, None and "" do)."""
    from pipeline.tables.keys import key_text

    a, b = key_text(a), key_text(b)
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def _originals(out_dir: Path) -> dict[str, tuple[str, dict]]:
    """Each row as it was exported for review (else as it stands in the outputs), by key."""
    found: dict[str, tuple[str, dict]] = {}
    exported = out_dir / REVIEW_DIR / "review.jsonl"
    if exported.exists():
        with open(exported, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    task = json.loads(line)
                    data = {k: v for k, v in task.get("data", {}).items() if k not in ("text", "row_key", "table")}
                    found[task["row_key"]] = (task["table"], {**data, "evidence": task.get("text", "")})
    try:
        frames = _output_tables(out_dir)
    except FileNotFoundError:
        frames = {}
    for table, frame in frames.items():
        for row in frame.to_dict("records") if "row_key" in frame else ():
            found.setdefault(row["row_key"], (table, row))
    # Rows already taken out by a verdict: the facts as found, and what earlier verdicts recorded.
    if (out_dir / UNREVIEWED_FACTS).exists():
        for row in read_frame(out_dir / UNREVIEWED_FACTS).to_dict("records"):
            found.setdefault(row["row_key"], ("cooperation", row))
    for key, correction in load_corrections(out_dir).items():
        if correction.table:
            found.setdefault(key, (correction.table, correction.original))
    return found


def _parse_assignments(text: str) -> dict[str, str]:
    """"status=signed; year=2019" -> {"status": "signed", "year": "2019"}."""
    values = {}
    for part in re.split(r"[;\n]", text or ""):
        if "=" in part:
            key, value = part.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def _rows_of(path: Path) -> list[tuple[str, dict]]:
    """(where, row) for every row of an edited review file: xlsx, CSV, JSONL or a JSON list."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # a damaged or mislabelled file: say which, in one line
            raise ValueError(f"{path}: not a readable workbook ({type(exc).__name__}: {exc})") from None
        rows = []
        for sheet in book.worksheets:
            values = list(sheet.iter_rows(values_only=True))
            if not values:
                continue
            header = [str(h).strip() if h is not None else "" for h in values[0]]
            if "row_key" not in header:
                continue
            for number, cells in enumerate(values[1:], start=2):
                row = dict(zip(header, cells))
                if row.get("row_key"):
                    rows.append((f"{path.name}, sheet {sheet.title}, row {number}", {"table": sheet.title, **row}))
        book.close()
        return rows
    if suffix in (".csv", ".tsv"):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t" if suffix == ".tsv" else ",")
            if not reader.fieldnames or "row_key" not in reader.fieldnames:
                raise ValueError(f"{path}: no row_key column")
            return [(f"{path.name}, line {n}", row) for n, row in enumerate(reader, start=2) if row.get("row_key")]
    if suffix in (".jsonl", ".json", ".ndjson"):
        text = path.read_text(encoding="utf-8-sig")
        try:
            items = json.loads(text) if text.lstrip().startswith("[") else [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from None
        return [(f"{path.name}, item {n}", _from_task(item)) for n, item in enumerate(items, start=1)]
    raise ValueError(f"{path}: cannot read {suffix or 'a file without suffix'}; give the review .xlsx, a .csv or a .jsonl")


def _from_task(item: dict) -> dict:
    """A task as exported (our JSONL), answered in Prodigy ("answer") or in Label Studio ("annotations")."""
    data = item.get("data") or {}
    meta = item.get("meta") or {}
    row = {"row_key": item.get("row_key") or data.get("row_key") or meta.get("row_key"),
           "table": item.get("table") or data.get("table") or meta.get("table"),
           "verdict": item.get("verdict", ""), "note": item.get("note", "")}
    corrected = item.get("corrected") or {}
    if isinstance(corrected, str):
        corrected = _parse_assignments(corrected)
    answer = item.get("answer")
    if answer and not row["verdict"]:
        row["verdict"] = {"accept": "correct", "reject": "wrong"}.get(answer, "")
    for annotation in item.get("annotations") or []:
        if annotation.get("was_cancelled"):
            continue
        for result in annotation.get("result") or []:
            value = result.get("value") or {}
            if result.get("from_name") == "verdict" and value.get("choices"):
                row["verdict"] = value["choices"][0]
            elif result.get("from_name") == "corrected" and value.get("text"):
                corrected = {**corrected, **_parse_assignments("; ".join(value["text"]))}
    row["_corrected"] = corrected
    return row


def import_review(path: str | Path, out_dir: str | Path) -> ImportReport:
    """Read an edited review file and store its verdicts in ``DIR/corrections.jsonl``."""
    path, out_dir = Path(path), Path(out_dir)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if not (out_dir / "documents.csv").exists():
        raise FileNotFoundError(f"{out_dir}: no outputs here to keep verdicts for; run `secmine run --out {out_dir}` first")
    originals = _originals(out_dir)
    stored = load_corrections(out_dir)
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    counts = {v: 0 for v in VERDICTS}
    warnings: list[str] = []
    unknown = 0
    for where, row in _rows_of(path):
        key = str(row.get("row_key") or "").strip()
        if not key:
            continue
        verdict = _verdict(row.get("verdict"), where)
        table, original = originals.get(key, (str(row.get("table") or ""), {}))
        if not original:
            unknown += 1
            if verdict or row.get("_corrected"):
                warnings.append(f"{where}: row {key} is not in {out_dir}'s outputs; its verdict is kept for later runs")
        values = dict(row.get("_corrected") or {})
        if original and "_corrected" not in row:  # a sheet or CSV: corrections are the edited cells
            for column, value in row.items():
                if column in original and column not in FIXED and not _same(value, original[column]):
                    values[column] = value
                elif column in original and column in FIXED and column not in ("verdict", "note", "reviewed") and not _same(value, original[column]):
                    warnings.append(f"{where}: {column} cannot be corrected; the edit is ignored")
        values = {k: v for k, v in values.items() if k not in FIXED and (not original or k in original)}
        for column, value in values.items():
            try:
                _coerce(column, value)
            except ValueError as exc:
                raise ValueError(f"{where}: {exc}") from None
        if verdict == "wrong":
            values = {}
        elif values:
            verdict = "corrected"
        elif verdict == "corrected":
            warnings.append(f"{where}: verdict 'corrected' but no value differs from the exported row; kept as correct")
            verdict = "correct"
        if not verdict:
            continue
        note = "" if row.get("note") is None else str(row.get("note"))
        correction = Correction(key, table, verdict, {k: _plain(v) for k, v in values.items()},
                                {k: _plain(v) for k, v in original.items()}, note, now, path.name)
        stored[key] = _merge(stored.get(key), correction)
        counts[verdict] += 1
    save_corrections(out_dir, stored)
    return ImportReport(corrections_path(out_dir), counts, warnings, unknown)


def _plain(value: Any) -> Any:
    """A JSON-friendly cell value."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return ""
    if isinstance(value, (int, float, bool, str)):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
