"""Every ``rule_id`` a run on the sample corpus writes is a declared name, never pattern text.

Mentions' ids are declared in ``pipeline/resources/rule_ids.csv`` (``<ISO3>``, ``<slug>``,
``<unit>`` ... stand for a part filled in per match); facts' ids are joined from the ids of the
data files the facts stage reads (``pipeline.facts.declared_rule_ids``). An id may join several
parts with "|"; each part must be declared.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from pipeline.facts import declared_rule_ids
from pipeline.ingest import find_inputs
from pipeline.process import run_without_prefect
from pipeline.resources import resource_text

ROOT = Path(__file__).resolve().parents[1]
PATTERN_TEXT = set("\\[](){}*+?^$")


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _mention_id_patterns() -> list[re.Pattern[str]]:
    """Each declared mention id as a pattern: a ``<placeholder>`` matches one part's text."""
    declared = [row["rule_id"] for row in csv.DictReader(resource_text("rule_ids.csv").splitlines())]
    patterns = []
    for rule_id in declared:
        for part in rule_id.split("|"):
            if re.fullmatch(r"<[^>]+>", part):  # "<form rule>|instrument:<slug>": the form rule is declared on its own row
                continue
            pieces = re.split(r"(<[^>]+>)", part)
            body = "".join("[^|]+" if p.startswith("<") else re.escape(p) for p in pieces)
            patterns.append(re.compile(body + "$"))
    return patterns


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> Path:
    paths = find_inputs([ROOT / "corpus" / "docs"])
    if not paths:
        pytest.skip("no sample corpus in corpus/docs")
    out = tmp_path_factory.mktemp("sample-run")
    run_without_prefect(paths, out)
    return out


def test_every_mention_rule_id_is_declared(sample_run):
    rows = _rows(sample_run / "mentions.csv")
    assert rows, "the sample corpus gave no mentions"
    patterns = _mention_id_patterns()
    undeclared = sorted({part for row in rows for part in row["rule_id"].split("|")
                         if not any(p.match(part) for p in patterns)})
    assert not undeclared, f"rule ids not in rule_ids.csv: {undeclared}"


def test_every_fact_rule_id_is_declared(sample_run):
    rows = _rows(sample_run / "cooperation.csv")
    assert rows, "the sample corpus gave no cooperation facts"
    undeclared = sorted({part for row in rows for part in row["rule_id"].split("|")} - declared_rule_ids())
    assert not undeclared, f"rule ids not declared by the facts stage's data files: {undeclared}"


def test_no_rule_id_is_pattern_text(sample_run):
    ids = {row["rule_id"] for name in ("mentions.csv", "cooperation.csv") for row in _rows(sample_run / name)}
    assert ids
    assert not [i for i in ids if set(i) & PATTERN_TEXT or not i.strip()]
