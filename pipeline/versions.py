"""What stored results and outputs depend on besides their inputs: secmine's code and data files,
the libraries' versions, the spaCy model and the classifier's card.

The result store keys each document on them (``pipeline/cache.py``); the run manifest records them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from importlib import metadata
from pathlib import Path

from pipeline.io import file_sha256
from pipeline.vocab.nlp import installed_model

PACKAGE = Path(__file__).resolve().parent
# What each cached step reads besides the file and the settings (paths under pipeline/), and the libraries.
INGEST_SOURCES = ("ingest/*.py", "records.py", "vocab/textnorm.py", "resources/__init__.py", "resources/hyphen_prefixes.txt")
ANALYSIS_SOURCES = ("stages.py", "vocab/*.py", "extract/*.py", "classify/__init__.py", "facts/*.py", "resources/*.csv",
                    "resources/*.txt", "resources/*.json", "resources/*.jsonl")
TABLES_SOURCES = ("*.py", "*/*.py", "resources/*")  # the tables come from the record files; any code may shape them
INGEST_PACKAGES = ("pdfplumber", "pdfminer.six", "wordfreq", "markdown-it-py", "beautifulsoup4")
ANALYSIS_PACKAGES = ("spacy", "scikit-learn")


def digest(*parts: object) -> str:
    """SHA-256 (32 hex) of ``parts`` as JSON."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def sources_fingerprint(patterns: tuple[str, ...]) -> str:
    """Hash of the names and bytes of the package files matching ``patterns``."""
    hashed = hashlib.sha256()
    for path in sorted({p for pattern in patterns for p in PACKAGE.glob(pattern) if p.is_file()}):
        hashed.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return hashed.hexdigest()[:16]


def package_versions(names: tuple[str, ...]) -> dict[str, str]:
    """The installed version of each of these distributions (those installed)."""
    found = {}
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


def code_versions(model_dir: str | Path) -> tuple[str, str]:
    """What the stored results of this code, with these models, depend on: (ingestion, analysis)."""
    from pipeline import __version__
    from pipeline.classify import CARD_FILE

    card = Path(model_dir) / CARD_FILE
    return (digest(__version__, sources_fingerprint(INGEST_SOURCES), package_versions(INGEST_PACKAGES)),
            digest(__version__, sources_fingerprint(ANALYSIS_SOURCES), package_versions(ANALYSIS_PACKAGES),
                    installed_model(), file_sha256(card)[:16] if card.exists() else ""))
