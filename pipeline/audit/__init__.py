"""Audit stage: a run's tables and mentions against a hand-curated gold folder.

``run_audit(gold_dir, out_dir)`` reads ``out_dir/tables/*.csv``, ``out_dir/mentions.csv``,
``documents.csv`` and ``passages.csv``, writes ``out_dir/audit/`` (``audit.json``, ``audit.md``,
``audit.html``, ``plots/agreement_matrix.png``) and returns the report. ``fields_below`` lists
what scores under a bar; ``summary_markdown`` is a short summary of the report.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.audit.gold import AuditError, GoldError, load_gold
from pipeline.audit.report import summary_markdown
from pipeline.audit.run import fields_below, run_audit

# The project's own gold rows for corpus/docs (relative to the working directory, like the CLI's defaults).
DEFAULT_GOLD_DIR = Path("corpus/gold")

__all__ = ["DEFAULT_GOLD_DIR", "AuditError", "GoldError", "fields_below", "load_gold", "run_audit", "summary_markdown"]
