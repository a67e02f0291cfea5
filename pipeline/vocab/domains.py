"""Domain and mode vocabularies shared by the stages and the audit.

``domain_terms.csv`` names each security domain in words and printed codes ("Maritime Security",
"CT"), ``domain_names.csv`` gives each domain the analysts' labels, ``modes.csv`` the patterns of
the modes of cooperation. Each file is read here, once.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.resources import table_rows


@lru_cache(maxsize=1)
def domain_terms() -> list[tuple[str, str]]:
    """(term, domain) of ``domain_terms.csv``, longest term first."""
    return sorted(((r["term"], r["domain"]) for r in table_rows("domain_terms.csv")), key=lambda t: -len(t[0]))


@lru_cache(maxsize=1)
def mode_patterns() -> list[tuple[re.Pattern, str]]:
    """(pattern, mode) of ``modes.csv``, in file order."""
    return [(re.compile(r["pattern"], re.IGNORECASE), r["mode"]) for r in table_rows("modes.csv")]


def domain_of(text: str) -> str:
    """The security domain a header or code names ("Organized Crime", "Dialogues on Terrorism", "CT")."""
    for term, domain in domain_terms():
        if term.isupper():
            if re.search(rf"\b{re.escape(term)}\b", text):
                return domain
        elif term.lower() in text.lower():
            return domain
    return ""


def domain_code(domain: str) -> str:
    """A domain as the short code printed tables use ("NP", "CT"), or its name when it has none."""
    return next((term for term, d in domain_terms() if term.isupper() and d == domain), domain)


def mode_of(mode_text: str) -> str:
    """The mode of cooperation a printed cell names (first matching row of ``modes.csv``), or ""."""
    for pattern, mode in mode_patterns():
        if pattern.search(mode_text.strip()):
            return mode
    return ""


@lru_cache(maxsize=1)
def domain_names() -> dict[str, dict[str, str]]:
    """Each domain's row of ``domain_names.csv`` (its analysts' labels), by domain."""
    return {r["domain"]: r for r in table_rows("domain_names.csv")}


@lru_cache(maxsize=1)
def known_modes() -> frozenset[str]:
    """The mode vocabulary: the ``mode`` column of ``pipeline/resources/modes.csv``."""
    return frozenset(r["mode"] for r in table_rows("modes.csv"))


@lru_cache(maxsize=1)
def statement_codes() -> dict[str, str]:
    """Policy-area codes of joint statements (NP, CT, OC, CS): the capitalised codes of
    ``pipeline/resources/domain_terms.csv``, each with its domain."""
    return {r["term"]: r["domain"] for r in table_rows("domain_terms.csv") if re.fullmatch(r"[A-Z]{2,4}", r["term"])}


def domain_label(domain: str) -> str:
    """A domain as a column header or axis label; facts with no domain go under "no domain"."""
    return domain.replace("_", " ") if domain else "no domain"
