"""The vocabulary every stage and the audit share, in one place.

- ``gazetteer``: the name lists (partners, organisations, EU bodies, instruments, instrument heads,
  spelling variants) as entries and SpanRuler patterns, and ``partner_of`` (a partner from a
  table cell or a gold row);
- ``instruments``: an instrument name's type and head, its canonical name and key, and
  ``merge_facts`` (one canonical name per instrument across documents);
- ``dates``: the one date grammar (mentions in passages, captions of printed tables);
- ``domains``: the security domains' terms, codes and labels, and the modes of cooperation;
- ``textnorm``: ligatures, whitespace, quotes and dashes, and a name's trailing "(year)";
- ``nlp``: the spaCy pipeline (the English model with the gazetteer's rulers).

The data behind them are files under ``pipeline/resources/``; these modules only read them.
Stages import from here, never from one another (``tests/test_boundaries.py``).
"""
