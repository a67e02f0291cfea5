"""Mentions that only the whole document shows: its own title, acronyms it defines, short forms.

- ``instrument-title:document-title``: the title of a joint statement, readout, declaration or
  communiqué, wherever the document prints it (a ``Title:`` field of a header, the document's
  title, or a short first line on the first page), is an INSTRUMENT mention of the document itself.
- ``acronym:defined-in-document``: "Trade and Technology Council (TTC)" makes every later "TTC"
  a mention of the council; "Papua New Guinea (PNG)" makes "PNG" the partner. Only an acronym
  that abbreviates the name before it, and that the gazetteer does not already give a meaning.
- ``instrument-title:short-form``: a title written once with its parties prefix ("EU-US Energy
  Council") is the same instrument without it ("the Energy Council"), and so is its head alone
  after "the" ("the Task Force") when the document has one such instrument only.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from pipeline.vocab.gazetteer import instrument_heads, load_gazetteer
from pipeline.vocab.instruments import head_of, parties_prefix
from pipeline.records import IngestResult, Mention, Passage

TITLE_RULE = "instrument-title:document-title"
ACRONYM_RULE = "acronym:defined-in-document"
SHORT_RULE = "instrument-title:short-form"
TITLE_PASSAGES = 8  # the title is printed in the first passages (after a masthead, a date line ...)
MAX_TITLE_WORDS = 40
_FIELD = re.compile(r"(?:^|(?<=[\s/]))(?:TITLE|Title):[ \t]*(?P<title>[^\n]+?)(?=\s+[A-Z][A-Z_]{2,}:\s|\n|$)")
_ACRONYM = re.compile(r"\s*\(\s*(?:the\s+)?(?P<acr>[A-Z][A-Za-z0-9&+\-]{0,9})\s*\)")


def document_mentions(result: IngestResult, passages: list[Passage], mentions: list[Mention],
                      sentences: dict[str, list[tuple[int, int]]]) -> list[Mention]:
    """The mentions the passages alone do not give (see module doc)."""
    added = _title_mentions(result, passages, sentences)
    taken = mentions + added
    added += _acronym_mentions(passages, taken, sentences)
    taken = mentions + added
    added += _short_form_mentions(passages, taken, sentences)
    return added


def _sentence(sentences: dict[str, list[tuple[int, int]]], passage: Passage, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence (as the parser split it) that holds ``start``."""
    bounds = sentences.get(passage.passage_id, [])
    i = bisect.bisect_right(bounds, (start, float("inf"))) - 1
    if 0 <= i < len(bounds) and bounds[i][0] <= start < bounds[i][1]:
        return bounds[i][0], max(bounds[i][1], end)
    return 0, len(passage.text)


def _mention(passage: Passage, start: int, end: int, label: str, canonical: str, rule_id: str,
             sentences: dict[str, list[tuple[int, int]]], **extra) -> Mention:
    s, e = _sentence(sentences, passage, start, end)
    return Mention(passage.doc_id, passage.passage_id, label, passage.text[start:end], canonical, start, end,
                   rule_id, s, e, **extra)


# --- the document's own title -----------------------------------------------------------------


def _statement_head() -> re.Pattern[str]:
    words = sorted({h.words[-1] for h in instrument_heads().values() if h.type == "joint_statement"}, key=len, reverse=True)
    alternation = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![\w])(?:(?i:{alternation}))s?(?![\w])")


_JOINT = re.compile(r"(?<![\w])(?i:joint|leaders['\u2019]?)(?![\w])")
_ALONE = ("statement", "readout")  # heads that a single author issues too: a joint one only


def _is_statement_title(title: str) -> bool:
    """A short line, not a sentence, naming a joint statement, joint readout, declaration or
    communiqué ("Joint Statement on ...", "EU-US Summit Statement", "Brussels Declaration"); a
    statement or readout by one side ("Statement by the President on ...") is not one."""
    title = title.strip()
    if not title or len(title.split()) > MAX_TITLE_WORDS or title.endswith((".", ";", ",")):
        return False
    for m in _statement_head().finditer(title):
        if not m.group(0)[:1].isupper():
            continue
        if m.group(0).lower().rstrip("s") not in _ALONE:
            return True
        if _JOINT.search(title) or re.search(r"\w[-\u2010-\u2015]\w", title[: m.start()]) and parties_prefix_in(title[: m.start()]):
            return True
    return False


def parties_prefix_in(text: str) -> bool:
    """Whether a parties prefix ("EU-US", "United States-Indonesia-EU") stands in the text."""
    return any(parties_prefix(text[m.start():]) for m in re.finditer(r"(?<![\w.])[A-Z]", text))


def _title_candidates(result: IngestResult, first: list[Passage]) -> Iterable[str]:
    for passage in first:
        for m in _FIELD.finditer(passage.text):
            yield m.group("title").strip()
    if result.document.title:
        yield result.document.title
    for passage in first:
        if passage.page > 1:
            continue
        lines = [line for line in passage.text.strip().split("\n") if line.strip()]
        if 1 < len(lines) <= 3 and not any(c.isdigit() for line in lines[1:] for c in line):
            yield " ".join(passage.text.split())  # a title set on two lines
        for line in passage.text.split("\n"):
            yield line.strip()


def _title_mentions(result: IngestResult, passages: list[Passage], sentences) -> list[Mention]:
    first = passages[:TITLE_PASSAGES]
    for title in _title_candidates(result, first):
        if not _is_statement_title(title):
            continue
        pattern = re.compile(r"\s+".join(re.escape(w) for w in title.split()), re.IGNORECASE)
        for passage in first:
            m = pattern.search(passage.text)
            if m:
                canonical = re.sub(r"\s+", " ", m.group(0)).strip()
                return [_mention(passage, m.start(), m.end(), "INSTRUMENT", canonical, TITLE_RULE, sentences,
                                 instrument_type="joint_statement")]
    return []


# --- acronyms the document defines ------------------------------------------------------------


def abbreviates(acronym: str, name: str) -> bool:
    """Whether ``acronym`` abbreviates ``name``: its letters and digits stand in the name in order,
    the first at the start of a word (Schwartz and Hearst's test): "TTC" of "EU-US Trade and
    Technology Council", "BOMCA" of "Border Management Programme in Central Asia"."""
    short = [c.lower() for c in acronym if c.isalnum()]
    if sum(c.isupper() for c in acronym) < 2 or len(short) < 2:
        return False
    long = name.lower()
    i = len(long) - 1
    for n in range(len(short) - 1, -1, -1):
        while i >= 0 and (long[i] != short[n] or (n == 0 and i > 0 and long[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return False
        i -= 1
    return True


class _Taken:
    """The character spans already taken in a passage, for quick overlap tests in long texts."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.longest = 0
        for s, e in spans:
            self.add(s, e)

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        self.longest = max(self.longest, end - start)

    def overlaps(self, start: int, end: int) -> bool:
        lo = bisect.bisect_left(self.starts, start - self.longest)
        hi = bisect.bisect_left(self.starts, end)
        return any(self.ends[i] > start for i in range(lo, hi))


def _acronym_mentions(passages: list[Passage], mentions: list[Mention], sentences) -> list[Mention]:
    gazetteer = load_gazetteer()
    by_passage: dict[str, list[Mention]] = {}
    for m in mentions:
        by_passage.setdefault(m.passage_id, []).append(m)
    defined: dict[str, Mention] = {}
    for passage in passages:
        for m in by_passage.get(passage.passage_id, []):
            if m.label not in ("INSTRUMENT", "PARTNER") or m.rule_id.startswith("model:"):
                continue
            found = _ACRONYM.match(passage.text, m.end)
            if not found:
                continue
            acronym = found.group("acr")
            if acronym in gazetteer.phrases_exact or acronym in defined or not abbreviates(acronym, m.text):
                continue
            defined[acronym] = m
    added: list[Mention] = []
    takens: dict[str, _Taken] = {}
    for acronym, m in defined.items():
        pattern = re.compile(rf"(?<![\w\-]){re.escape(acronym)}(?![\w\-])")
        extra = {k: getattr(m, k) for k in ("partner_iso3", "partner_kind", "instrument_type", "domain")}
        for passage in passages:
            if acronym not in passage.text:
                continue
            taken = takens.setdefault(passage.passage_id, _Taken((x.start, x.end) for x in by_passage.get(passage.passage_id, [])))
            for found in pattern.finditer(passage.text):
                if taken.overlaps(found.start(), found.end()):
                    continue
                added.append(_mention(passage, found.start(), found.end(), m.label, m.canonical, ACRONYM_RULE,
                                      sentences, **extra))
                taken.add(found.start(), found.end())
    return added


# --- short forms of prefixed titles -----------------------------------------------------------


def _short_form_mentions(passages: list[Passage], mentions: list[Mention], sentences) -> list[Mention]:
    """Short forms of prefixed titles as mentions of the full title; a short form the passage already
    found as a title of its own takes the full title's name (the mention is changed in place)."""
    forms: dict[str, Mention] = {}
    for m in mentions:
        if m.label != "INSTRUMENT" or not m.rule_id.startswith("instrument-title:parties-prefix"):
            continue
        prefix = parties_prefix(m.text)
        short = m.text[len(prefix):].lstrip(" -\u2010\u2011\u2012\u2013\u2014/")
        if prefix and len(short.split()) >= 2 and short[:1].isupper():
            forms.setdefault(short, m)
    for m in mentions:
        full = forms.get(m.text)
        if full is not None and m.label == "INSTRUMENT" and m.rule_id.startswith("instrument-title:") and m.canonical != full.canonical:
            m.canonical, m.rule_id = full.canonical, SHORT_RULE
    heads: dict[str, list[Mention]] = {}
    for m in mentions:
        if m.label == "INSTRUMENT" and m.rule_id.startswith("instrument-title:") and m.rule_id != TITLE_RULE:
            head = head_of(m.text)
            if head[:1].isupper() and len(m.text.split()) > len(head.split()):
                names = heads.setdefault(head, [])
                if m.canonical not in [x.canonical for x in names]:
                    names.append(m)
    for head, items in heads.items():
        if len(items) == 1:
            forms.setdefault(f"the {head}", items[0])
            forms.setdefault(f"The {head}", items[0])
    added: list[Mention] = []
    spans: dict[str, list[tuple[int, int]]] = {}
    for m in mentions:
        spans.setdefault(m.passage_id, []).append((m.start, m.end))
    takens: dict[str, _Taken] = {}
    for form, m in sorted(forms.items(), key=lambda kv: -len(kv[0])):
        pattern = re.compile(rf"(?<![\w\-.]){re.escape(form)}(?![\w\-])")
        extra = {k: getattr(m, k) for k in ("instrument_type", "domain")}
        for passage in passages:
            if form not in passage.text:
                continue
            taken = takens.setdefault(passage.passage_id, _Taken(spans.get(passage.passage_id, [])))
            for found in pattern.finditer(passage.text):
                start = found.start() + (4 if form.lower().startswith("the ") else 0)
                if taken.overlaps(found.start(), found.end()):
                    continue
                added.append(_mention(passage, start, found.end(), "INSTRUMENT", m.canonical, SHORT_RULE, sentences, **extra))
                taken.add(found.start(), found.end())
    return added
