"""What a document is and who speaks in it: its type, its title and its signatories.

A joint statement, declaration, communiqué or joint readout is issued by the EU together with one
or more partners; in it "we", "our", "both sides" and "the leaders" are the EU *and* those
co-signatories. The type comes from the title (``document_types.csv``) or, when the title names
none, from a "TYPE:" header line or a short line of the first passages that names a kind of
publication ("POLICY BRIEF", "Fact sheet"); the signatories are the
non-EU partners the title names as its authors ("Joint Statement between Canada and the European
Union", "EU-Japan Summit Joint Statement", "United States-Indonesia-EU Joint Statement on ..."),
never those it names as its topic ("... on support for Angola").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.records import IngestResult, Mention, Passage
from pipeline.resources import table_rows, word_list

# The first passages where a title may be printed (a header block, a heading, a first line).
TITLE_PASSAGES = 6
# "Key: value" header lines naming the title and the kind of text (plain-text exports of web pages).
TITLE_KEYS = ("TITLE", "Title")
# Where a title turns from its authors to its topic: "Joint Statement by A and B on X".
_TOPIC_START = re.compile(r"\s(on|regarding|concerning|about|in support of|to mark|following|at the occasion of|:)\s|:\s", re.I)
_PARTY_JOIN = re.compile(r"^\s*[-\u2010-\u2015/]\s*$")
TYPE_KEYS = ("TYPE", "Type")
# A line of the front matter that names a kind of publication is short ("POLICY BRIEF", "Fact sheet").
TYPE_LINE_WORDS = 6


def header_field(passage: Passage, keys: tuple[str, ...]) -> tuple[str, int, int] | None:
    """A "KEY: value" header field as (value, start, end) in the passage text: a whole line of the
    passage as printed when it has its lines, else up to the next "KEY:" of the joined text."""
    names = "|".join(keys)
    if "\n" in passage.raw_text:
        for line in passage.raw_text.splitlines():
            match = re.match(rf"^(?:{names})\s*:\s*(.+)$", line.strip())
            if match:
                value = " ".join(match.group(1).split())
                at = passage.text.find(value)
                if at >= 0:
                    return value, at, at + len(value)
    match = re.search(rf"(?<![A-Za-z])(?:{names})\s*:\s*(.+?)(?=\s+[A-Z][A-Z_]{{2,}}\s*:\s|\s*$)", passage.text, re.S)
    return (match.group(1).strip(), match.start(1), match.end(1)) if match else None


@dataclass
class DocumentProfile:
    """The type, title and speakers of one document."""

    doc_type: str = ""
    joint: bool = False
    title: str = ""
    title_passage: str = ""  # passage_id where the title is printed
    title_start: int = 0  # offsets of the title in that passage's text
    title_end: int = 0
    signatories: list[Mention] = field(default_factory=list)  # one PARTNER mention per co-signatory
    eu_speaks: bool = False  # the EU is among the authors (so "we" includes it)
    type_rule: str = ""

    @property
    def signatory_names(self) -> list[str]:
        return [m.canonical for m in self.signatories]


@lru_cache(maxsize=1)
def _types() -> list[tuple[str, str, bool, re.Pattern[str]]]:
    return [(r["id"], r["doc_type"], r["joint"] == "true", re.compile(r["pattern"], re.I))
            for r in table_rows("document_types.csv")]


@lru_cache(maxsize=1)
def _eu_speaker() -> re.Pattern[str]:
    return re.compile("|".join(sorted(word_list("eu_speakers.txt"))))


def document_type(title: str) -> tuple[str, bool, str]:
    """(doc_type, joint, rule id) of a title; ("", False, "") when no row matches."""
    for rule_id, doc_type, joint, pattern in _types():
        if pattern.search(title):
            return doc_type, joint, f"doctype:{rule_id}"
    return "", False, ""


def printed_type(result: IngestResult) -> tuple[str, bool, str]:
    """(doc_type, joint, rule id) of what a document prints about its kind outside its title: a
    "TYPE:" header line, else a short front-matter or heading line of its first passages that names
    a kind of publication ("BRIEF / 7", "Policy Brief No. 14/2024"); ("", False, "") when none."""
    first = [p for p in result.passages[:TITLE_PASSAGES] if p.kind in ("front_matter", "heading")]
    for passage in first:
        field = header_field(passage, TYPE_KEYS)
        found = document_type(field[0]) if field else ("", False, "")
        if found[0]:
            return found
    for passage in first:
        if len(passage.text.split()) <= TYPE_LINE_WORDS and not header_field(passage, TITLE_KEYS):
            found = document_type(passage.text)
            if found[0]:
                return found
    return "", False, ""


def find_title(result: IngestResult) -> tuple[str, Passage | None, int, int]:
    """The title and where it is printed: a "TITLE:" header line, the document's title found in
    one of its first passages, or its first heading."""
    first = [p for p in result.passages[:TITLE_PASSAGES] if p.kind in ("front_matter", "heading", "body")]
    for passage in first:
        field = header_field(passage, TITLE_KEYS)
        if field:
            return field[0], passage, field[1], field[2]
    title = " ".join(result.document.title.split())
    if title:
        for passage in first:
            at = " ".join(passage.text.split()).find(title)
            if at >= 0 and passage.text.find(title) >= 0:
                start = passage.text.find(title)
                return title, passage, start, start + len(title)
    for passage in first:
        if passage.kind == "heading":
            return passage.text.strip(), passage, 0, len(passage.text)
    return title, None, 0, 0


def describe_document(result: IngestResult, mentions: list[Mention]) -> DocumentProfile:
    """The document's type, title, signatories and whether the EU is one of its speakers."""
    title, passage, start, end = find_title(result)
    doc_type, joint, rule_id = document_type(title)
    if not doc_type:
        doc_type, joint, rule_id = printed_type(result)
    profile = DocumentProfile(doc_type, joint, title, passage.passage_id if passage else "", start, end, type_rule=rule_id)
    if passage is None:
        return profile
    in_title = sorted((m for m in mentions if m.passage_id == passage.passage_id and start <= m.start and m.end <= end),
                      key=lambda m: m.start)
    text = passage.text
    topic = _TOPIC_START.search(text, start, end) if end > start else None
    authors_end = topic.start() if topic else end
    eu_in_authors = bool(_eu_speaker().search(text[start:authors_end])) or any(
        m.label == "EU_BODY" and m.start < authors_end for m in in_title)
    eu_anywhere = eu_in_authors or bool(_eu_speaker().search(text[start:end]))
    signatories: dict[str, Mention] = {}
    for m in in_title:
        if m.label != "PARTNER" or m.partner_kind == "" and not m.partner_iso3:
            continue
        if m.start < authors_end or _joined_to_eu(text, m, end):
            signatories.setdefault(m.canonical, m)
    if not joint and doc_type in ("declaration", "readout", "statement") and signatories and eu_anywhere:
        joint = True
    if joint and eu_anywhere:
        profile.joint = True
        profile.signatories = list(signatories.values())
        profile.eu_speaks = True
    elif doc_type == "council_conclusions" or (eu_in_authors and not signatories) or _eu_byline(result, passage):
        profile.eu_speaks = True
    return profile


def _eu_byline(result: IngestResult, title_passage: Passage) -> bool:
    """A short "By the European Commissioner for ..." line under the title."""
    for passage in result.passages[:TITLE_PASSAGES]:
        if passage is title_passage or len(passage.text.split()) > 30:
            continue
        if re.match(r"^\s*(By|From|Statement by|Remarks by|Speech by|Op-ed by)\s", passage.text) and _eu_speaker().search(passage.text):
            return True
    return False


def _joined_to_eu(text: str, mention: Mention, end: int) -> bool:
    """A partner hyphenated to the EU in a title: "U.S.-EU Task Force", "EU-Japan Summit"."""
    after = text[mention.end:end]
    before = text[:mention.start]
    eu = r"(EU|E\.U\.|European Union|European Commission|European Council)"
    return bool(re.match(rf"\s*[-\u2010-\u2015/]\s*{eu}\b", after) or re.search(rf"\b{eu}\s*[-\u2010-\u2015/]\s*$", before))
