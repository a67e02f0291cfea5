"""Shared fixtures: the ../shared folder (tests skip cleanly without it) and ingested seed PDFs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SECMINE_SHARED", ROOT.parent / "shared"))

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def labelled_subset(folder: Path, per_domain: int) -> tuple[Path, list[dict]]:
    """The first ``per_domain`` labelled passages of each domain (and of none) from
    corpus/labels/passages.csv, written to ``folder/small.csv``; returns the file and its rows."""
    import csv

    with open(ROOT / "corpus" / "labels" / "passages.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    from pipeline.records import DOMAINS

    taken, counts = [], {d: 0 for d in [*DOMAINS, ""]}
    for row in rows:
        keys = row["domains"].split(";") if row["domains"] else [""]
        if any(counts[k] < per_domain for k in keys):
            taken.append(row)
            for k in keys:
                counts[k] += 1
    path = folder / "small.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(taken)
    return path, taken


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "corpus" / "pdf").is_dir():
        pytest.skip("../shared is not beside the project (a fresh clone has none)")
    return SHARED


@pytest.fixture(scope="session")
def brief(shared_dir):
    from pipeline.ingest import ingest_file

    return ingest_file(shared_dir / "corpus" / "pdf" / "euiss-brief-2024-07-delivering-together.pdf")


@pytest.fixture(scope="session")
def article(shared_dir):
    from pipeline.ingest import ingest_file

    return ingest_file(shared_dir / "corpus" / "pdf" / "efar-2016-renard-partnering-for-global-security.pdf")


@pytest.fixture(scope="module")
def prefect():
    """A temporary Prefect server and database; no flow-run heartbeats (each flow would wait for one)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180), temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
