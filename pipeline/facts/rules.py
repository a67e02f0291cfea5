"""Linking partners, instruments and status within a sentence (first version)."""

from __future__ import annotations

from pipeline.records import Fact, IngestResult, Mention


def document_facts(result: IngestResult, mentions: list[Mention], scores: list) -> list[Fact]:
    return []
