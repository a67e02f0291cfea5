"""Settings resolved in one place: every entry point calls ``Settings.resolve``."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

INPUT_SUFFIXES = (".pdf", ".txt", ".md", ".html", ".htm")


@dataclass(frozen=True)
class Settings:
    """Tunable knobs of the pipeline, with defaults that suit typical policy PDFs."""

    # Guards against pathological inputs.
    max_pages: int = 600
    doc_timeout_s: float = 180.0
    max_chars_per_page: int = 60_000
    # Running headers and footers: a line in the top/bottom margin band that repeats, by position
    # and digit-blind text, on at least this many pages.
    margin_band: float = 0.12
    repeat_min_pages: int = 2
    # Reading order: a vertical gutter must be at least this many points wide.
    min_gutter: float = 8.0
    # Superscript note markers: chars smaller than this share of the line's body size.
    superscript_ratio: float = 0.82
    # Headings: a line at least this much larger than body text, or bold and short.
    heading_size_ratio: float = 1.12
    heading_max_words: int = 18
    # Tables found by pdfplumber must have at least this many rows and columns.
    table_min_rows: int = 2
    table_min_cols: int = 2
    # Pages with fewer characters than this hold no text layer.
    min_text_chars: int = 20
    # Audit: fuzzy matching thresholds (rapidfuzz ratio, 0-100) for joint statement titles and
    # instrument names, and the share of a gold document's quoted strings (titles, evidence,
    # contexts) an ingested document must contain to stand for it when the file names differ.
    audit_title_threshold: float = 90.0
    audit_instrument_threshold: float = 90.0
    audit_doc_min_support: float = 0.3
    # Workbook: rows whose facts have a recorded confidence below this are shown grey (never hidden).
    min_confidence_shown: float = 0.6

    def __post_init__(self) -> None:
        if self.max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        if self.doc_timeout_s <= 0:
            raise ValueError("doc_timeout_s must be positive")
        if not 0 < self.margin_band < 0.5:
            raise ValueError("margin_band must lie between 0 and 0.5")
        if self.repeat_min_pages < 2:
            raise ValueError("repeat_min_pages must be at least 2")
        if not 0 < self.superscript_ratio < 1:
            raise ValueError("superscript_ratio must lie between 0 and 1")
        for name in ("audit_title_threshold", "audit_instrument_threshold"):
            if not 0 <= getattr(self, name) <= 100:
                raise ValueError(f"{name} must lie between 0 and 100")
        if not 0 < self.audit_doc_min_support <= 1:
            raise ValueError("audit_doc_min_support must lie between 0 and 1")
        if not 0 <= self.min_confidence_shown <= 1:
            raise ValueError("min_confidence_shown must lie between 0 and 1")

    @classmethod
    def resolve(cls, value: "Settings | dict[str, Any] | str | Path | None" = None) -> "Settings":
        """Accept None (defaults), a dict, a TOML file path or an instance."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, (str, Path)):
            with open(value, "rb") as handle:
                data = tomllib.load(handle)
            value = data.get("secmine", data)
        if isinstance(value, dict):
            known = {f.name for f in fields(cls)}
            unknown = sorted(set(value) - known)
            if unknown:
                raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
            return cls(**value)
        raise TypeError(f"cannot build Settings from {type(value).__name__}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def fingerprint(self) -> str:
        """Stable hash of the settings, part of the per-document cache key."""
        blob = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]
