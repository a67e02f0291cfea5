"""The Python API and the command-line habits: pipeline.run / read_outputs, typed columns in CSV
and Parquet, --version, --quiet, and the review loop through the command line only."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import pipeline
from pipeline.cli import main

NOTE = """# EU security partners in the north

May 2024

The EU and Norway signed a Security and Defence Partnership in May 2024.

The EU and Canada cooperate on counter-terrorism through Europol and exchange information on foreign fighters.
"""
LATER = """EU and Japan

June 2025

The EU and Japan launched a Security and Defence Partnership in November 2024.
"""


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"secmine {pipeline.__version__}"


def test_quiet_and_verbose_set_the_logging_levels(tmp_path, capsys, monkeypatch):
    import logging
    import os

    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", os.environ.get("PREFECT_LOGGING_LEVEL", "WARNING"))  # restored after

    from pipeline.cli import _parser, _set_verbosity

    for argv, level in ((["-q", "tables"], logging.ERROR), (["tables", "-v"], logging.INFO), (["-vv", "tables"], logging.DEBUG),
                        (["tables"], logging.WARNING)):
        _set_verbosity(_parser().parse_args(argv))
        assert logging.getLogger("pipeline").level == level, argv
    logging.getLogger("pipeline").setLevel(logging.NOTSET)
    assert main(["-q", "review", "export", "--out", str(tmp_path)]) == 2  # errors still go to stderr
    assert "no cooperation.csv or tables here" in capsys.readouterr().err


def test_import_pipeline_is_cheap_and_exposes_the_api():
    import subprocess
    import sys

    code = "import sys, pipeline; print(pipeline.__version__, callable(pipeline.run), callable(pipeline.read_outputs), 'prefect' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [pipeline.__version__, "True", "True", "False"]


def test_read_outputs_types_and_parquet(tmp_path):
    from pipeline.changes import record_run
    from pipeline.process import run_without_prefect
    from pipeline.tables import rebuild_tables

    (tmp_path / "note.md").write_text(NOTE, encoding="utf-8")
    out = tmp_path / "out"
    run_without_prefect([tmp_path / "note.md"], out)
    rebuild_tables(out, parquet=True)
    record_run(out)
    outputs = pipeline.read_outputs(out)
    assert {"documents", "passages", "mentions", "domains", "cooperation", "partnerships", "changes"} <= set(outputs)
    facts = outputs.cooperation
    assert str(facts["year"].dtype) == "Int64" and str(facts["page"].dtype) == "Int64"
    assert str(facts["confidence"].dtype) == "float64" and outputs.domains["predicted"].dtype == bool
    assert 2024 in set(facts["year"].dropna()) and facts["year"].isna().any()  # an unknown year is NA, not NaN or ""
    assert "row_key" in facts and facts["row_key"].is_unique
    parquet = pd.read_parquet(out / "cooperation.parquet")
    assert str(parquet["year"].dtype) == "Int64"
    assert str(pd.read_parquet(out / "tables" / "partnerships.parquet")["page"].dtype) == "Int64"
    assert "2024.0" not in (out / "cooperation.csv").read_text(encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="no outputs here"):
        pipeline.read_outputs(tmp_path / "nothing")


@pytest.fixture(scope="module")
def prefect():
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(), temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@pytest.mark.slow
def test_run_review_and_changes_through_the_api_and_command_line(prefect, tmp_path, capsys):
    docs, out = tmp_path / "docs", tmp_path / "out"
    docs.mkdir()
    (docs / "north.md").write_text(NOTE, encoding="utf-8")
    outputs = pipeline.run(docs, out)
    assert set(outputs.cooperation["partner"]) >= {"Norway", "Canada"}
    assert (out / "changes.md").exists() and (out / "tables" / "secmine-tables.xlsx").exists()
    run_sheet = load_workbook(out / "tables" / "secmine-tables.xlsx")["Run"]
    facts = {run_sheet.cell(row=r, column=1).value: run_sheet.cell(row=r, column=2).value for r in range(1, 40)}
    assert facts["inputs"] == str(docs) and facts["setting max_pages"] == "600"
    assert facts["spaCy model"].startswith("en_core_web_sm")  # name-version of the model extraction loaded

    # An analyst rejects the Canada fact in the review workbook.
    assert main(["-q", "review", "export", "--out", str(out)]) == 0
    book = load_workbook(out / "review" / "review.xlsx")
    sheet = book["cooperation"]
    header = [c.value for c in sheet[1]]
    canada = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=header.index("partner") + 1).value == "Canada")
    key = sheet.cell(row=canada, column=1).value
    sheet.cell(row=canada, column=header.index("verdict") + 1).value = "wrong"
    book.save(tmp_path / "edited.xlsx")
    assert main(["review", "import", str(tmp_path / "edited.xlsx"), "--out", str(out)]) == 0
    assert "1 wrong" in capsys.readouterr().out

    # A second run with one more document: the rejected row stays out; changes.md says what and why.
    (docs / "later.txt").write_text(LATER, encoding="utf-8")
    assert main(["run", str(docs), "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "changes -> " in printed and "since the previous run" in printed
    facts = read_csv(out / "cooperation.csv")
    assert key not in {r["row_key"] for r in facts} and "Canada" not in {r["partner"] for r in facts}
    assert "Japan" in {r["partner"] for r in facts}
    changes = read_csv(out / "changes.csv")
    assert ("cooperation", "removed", "correction") in {(c["table"], c["change"], c["reason"]) for c in changes}
    assert ("cooperation", "added", "new_document") in {(c["table"], c["change"], c["reason"]) for c in changes}
    text = (out / "changes.md").read_text(encoding="utf-8")
    assert "new documents: later.txt" in text and "corrections: 1 new" in text

    # The Prefect run carries the same summary as a versioned table artifact.
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async def artifacts():
        async with get_client() as client:
            return await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["secmine-changes"])))

    import asyncio

    found = asyncio.run(artifacts())
    assert len(found) == 2 and all(a.type == "table" for a in found)

    # A verdict on a table row only, then a run with nothing else new: the tables are rebuilt for it.
    japan = next(r for r in read_csv(out / "tables" / "partnerships.csv") if r["partner"] == "Japan")
    (tmp_path / "fix.csv").write_text(f"row_key,domain\n{japan['row_key']},maritime_security\n", encoding="utf-8")
    assert main(["-q", "review", "import", str(tmp_path / "fix.csv"), "--out", str(out)]) == 0
    assert main(["-q", "run", str(docs), "--out", str(out)]) == 0
    japan = next(r for r in read_csv(out / "tables" / "partnerships.csv") if r["row_key"] == japan["row_key"])
    assert japan["domain"] == "maritime_security" and japan["reviewed"] == "corrected"
    assert {(c["table"], c["change"], c["reason"]) for c in read_csv(out / "changes.csv")} == {("partnerships", "changed", "correction")}

    # --quiet prints nothing on stdout.
    assert main(["run", str(docs), "--out", str(out), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
