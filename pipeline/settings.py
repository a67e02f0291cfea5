"""Settings resolved in one place: every entry point calls ``Settings.resolve``.

Every setting is checked for its type and range when it is made, so that a bad value in a
settings file is a one-line error naming the setting, never a crash half-way through a run.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

INPUT_SUFFIXES = (".pdf", ".txt", ".md", ".html", ".htm")

# (lowest, highest) allowed value of each numeric setting; None: no bound on that side.
# ``low_open``: the lowest value itself is not allowed.
RANGES: dict[str, tuple[float | None, float | None]] = {
    "max_pages": (1, None),
    "doc_timeout_s": (0, None),
    "worker_timeout_s": (0, None),
    "worker_memory_mb": (256, None),
    "max_chars_per_page": (1, None),
    "max_page_operators": (1_000, None),
    "max_stream_mb": (1, None),
    "margin_band": (0, 0.5),
    "repeat_min_pages": (2, None),
    "min_gutter": (0, None),
    "superscript_ratio": (0, 1),
    "heading_size_ratio": (1, None),
    "heading_max_words": (1, None),
    "table_min_rows": (1, None),
    "table_min_cols": (1, None),
    "min_text_chars": (0, None),
    "audit_title_threshold": (0, 100),
    "audit_instrument_threshold": (0, 100),
    "audit_doc_min_support": (0, 1),
    "min_confidence_shown": (0, 1),
}
# Settings whose bounds are excluded (a timeout of 0 s, a ratio of exactly 0 or 1).
OPEN_BOUNDS = {"doc_timeout_s": "low", "worker_timeout_s": "low", "margin_band": "both",
               "superscript_ratio": "both", "audit_doc_min_support": "low", "min_gutter": ""}


class SettingsError(ValueError):
    """A setting has the wrong type or lies outside its range; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Tunable knobs of the pipeline, with defaults that suit typical policy PDFs."""

    # Guards against pathological inputs. ``doc_timeout_s``: ingestion stops itself after this
    # long (checked while pages are parsed); ``worker_timeout_s`` and ``worker_memory_mb``: the
    # hard limits of the worker process that runs a document (killed past the time; past the
    # memory, beyond what its loaded models hold, its allocations fail).
    max_pages: int = 600
    doc_timeout_s: float = 90.0
    worker_timeout_s: float = 120.0
    worker_memory_mb: int = 2048
    max_chars_per_page: int = 60_000
    # pdfminer's work per page and per stream: content operators drawn on one page (forms
    # included) and the decompressed size of one stream; past them the page or stream is cut
    # and the document carries a warning.
    max_page_operators: int = 60_000
    max_stream_mb: int = 32
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
        for f in fields(self):
            value = getattr(self, f.name)
            kind = int if f.type in ("int", int) else float
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
                expected = "a whole number" if kind is int else "a number"
                raise SettingsError(f"setting {f.name}: expected {expected}, got {value!r}")
            if kind is float:
                if not math.isfinite(value):
                    raise SettingsError(f"setting {f.name}: expected a finite number, got {value!r}")
                object.__setattr__(self, f.name, float(value))  # 600 and 600.0 are one setting
            low, high = RANGES.get(f.name, (None, None))
            bounds = OPEN_BOUNDS.get(f.name, "")
            too_low = low is not None and (value < low or (value == low and bounds in ("low", "both")))
            too_high = high is not None and (value > high or (value == high and bounds == "both"))
            if too_low or too_high:
                raise SettingsError(f"setting {f.name}: {value!r} is out of range ({_describe(low, high, bounds)})")

    @classmethod
    def resolve(cls, value: "Settings | dict[str, Any] | str | Path | None" = None) -> "Settings":
        """Accept None (defaults), a dict, a TOML file path or an instance."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, (str, Path)):
            try:
                with open(value, "rb") as handle:
                    data = tomllib.load(handle)
            except FileNotFoundError:
                raise FileNotFoundError(f"{value}: no such settings file") from None
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise SettingsError(f"{value}: not a TOML settings file ({exc})") from None
            try:
                return cls.resolve(data.get("secmine", data))
            except SettingsError as exc:
                raise SettingsError(f"{value}: {exc}") from None
        if isinstance(value, dict):
            known = {f.name for f in fields(cls)}
            unknown = sorted(set(value) - known)
            if unknown:
                raise SettingsError(f"unknown setting(s): {', '.join(unknown)}")
            return cls(**value)
        raise TypeError(f"cannot build Settings from {type(value).__name__}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _describe(low: float | None, high: float | None, bounds: str) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'above' if bounds in ('low', 'both') else 'at least'} {low:g}")
    if high is not None:
        parts.append(f"{'below' if bounds == 'both' else 'at most'} {high:g}")
    return " and ".join(parts)
