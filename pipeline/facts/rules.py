"""Linking the EU, partners and instruments within sentences: the rules of the facts stage.

A sentence gives facts when
- it names the EU (``eu_anchors.txt``, an EU body, or an instrument named after the EU), or its
  passage did so before and the partners come after the link ("the agreement with Moldova");
  a footnote takes the EU from the sentence that points to it;
- it names partners (PARTNER mentions; a country adjective only before an ``actor_nouns.txt``
  noun, "its Ukrainian counterpart"; never an EU member state);
- a link joins them: an instrument (a registered name, or a generic one built from
  ``instrument_heads.csv`` and ``instrument_modifiers.txt``: "declarations on cooperation with")
  or a word of cooperation (``cooperation_cues.csv``: "cooperates on maritime security with").

Each partner takes the link that stands nearest before it, or the first after it when none
does ("partners like Canada and Norway cooperate with the EU"). The status comes from the words
of the link's clause (``status_cues.csv``, first matching row wins, so a hedge or a negation is
never "signed"). Across sentences: "These space security dialogues ..." names the links of the
sentence before; "for its closest partners" takes the partners of the last sentence that had
some; a footnote that lists partners fills "with 21 countries" when the counts agree; a footnote
that says "coordination is also pursued with X" joins X to the instrument of the citing sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from pipeline.vocab.instruments import instrument_type as type_of_instrument, singular_head
from pipeline.facts.document import DocumentProfile, describe_document
from pipeline.facts.roles import Role, RoleReader, clause_subjects, is_word, list_items
from pipeline.records import DOMAINS, Fact, IngestResult, Mention, Passage
from pipeline.resources import table_rows, word_list
from pipeline.vocab.domains import domain_terms
from pipeline.vocab.numbers import COUNT_WORDS

FACT_KINDS = ("body", "footnote", "caption")
# Instruments that partners are not members of (a policy, a treaty regime).
NOT_LINKS = ("strategy", "convention")
GENERIC_TYPE = "generic"  # a cooperation that names no instrument
CONTEXT_AFTER = 80  # characters after a link where a following verb may give its status
_URL = re.compile(r"https?://\S+|www\.\S+")
_QUOTED_TITLE = re.compile(r"['\u2018\u201c\"][^'\u2019\u201d\"]{8,}['\u2019\u201d\"],")
# An author's initial and name ("G. Grevi,"), "et al.", page numbers, a date in brackets.
_CITATION = re.compile(r"\b[A-Z]\.\s?[A-Z][a-z]+,|\bet al\.|\bpp?\.\s?\d|\((?:[A-Z][a-z]+ )?(?:19|20)\d\d\)")
_DEMONSTRATIVE = re.compile(r"^\W*(these|this|such|those|the)\s+$", re.I)


@dataclass
class Link:
    """What joins the EU and partners in a sentence: an instrument, or a word of cooperation."""

    start: int  # offsets in the passage text
    end: int
    name: str
    instrument_type: str
    domain: str
    kind: str  # named, generic or cooperation
    rule_id: str
    bare: bool = False  # a generic head with no modifier: "the agreement"
    status: str = ""
    group: int | None = None  # size of an unnamed group after it ("with 21 countries"; 0 when uncounted)
    fact_rule: str = ""  # the row of fact_rules.csv this link makes facts by

    def __post_init__(self) -> None:
        if not self.fact_rule:
            self.fact_rule = {"named": "instrument-link", "generic": "descriptive-link"}.get(self.kind, "cooperation-cue")


@dataclass
class Found:
    """A link and the partner mentions it joins, in one sentence."""

    link: Link
    partners: list[Mention]
    start: int
    end: int
    rule_id: str
    evidence: str = ""
    roles: dict[int, Role] = field(default_factory=dict)  # partner mention start -> its role
    fact_rule: str = ""  # overrides the link's

    def role_of(self, partner: Mention) -> Role:
        return self.roles.get(partner.start, Role("partner", "role:list"))


@dataclass
class Sentence:
    passage: Passage
    start: int
    end: int
    mentions: list[Mention] = field(default_factory=list)
    doc: object = None  # the sentence parsed by spaCy (only sentences that name partners)

    @property
    def text(self) -> str:
        return self.passage.text[self.start:self.end]


# --- data files -------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _anchor() -> re.Pattern[str]:
    return re.compile("|".join(sorted(word_list("eu_anchors.txt"))))


@lru_cache(maxsize=1)
def _speaker() -> re.Pattern[str]:
    return re.compile("|".join(r["pattern"] for r in table_rows("speaker_words.csv")))


@lru_cache(maxsize=1)
def fact_rules() -> dict[str, dict[str, str]]:
    """The rules that make facts (``fact_rules.csv``): basis and confidence per rule id."""
    return {r["id"]: r for r in table_rows("fact_rules.csv")}


@lru_cache(maxsize=1)
def _status_cues() -> list[tuple[str, re.Pattern[str]]]:
    return [(r["status"], re.compile(r["pattern"], re.I)) for r in table_rows("status_cues.csv")]


@lru_cache(maxsize=1)
def _cooperation_cues() -> list[tuple[re.Pattern[str], str, str]]:
    return [(re.compile(r["pattern"], re.I), r["instrument_type"], r["id"]) for r in table_rows("cooperation_cues.csv")]


@lru_cache(maxsize=1)
def _type_modes() -> dict[str, str]:
    return {r["instrument_type"]: r["mode"] for r in table_rows("instrument_type_modes.csv")}


@lru_cache(maxsize=1)
def _mode_cues() -> list[tuple[str, re.Pattern[str]]]:
    return [(r["mode"], re.compile(r["pattern"], re.I)) for r in table_rows("mode_cues.csv")]


@lru_cache(maxsize=1)
def _domain_terms() -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(rf"\b{re.escape(term)}\b", re.I), domain) for term, domain in domain_terms() if len(term) > 2]


@lru_cache(maxsize=1)
def _group() -> re.Pattern[str]:
    nouns = "|".join(sorted((re.escape(n) for n in word_list("group_nouns.txt")), key=len, reverse=True))
    count = r"(?P<count>\d+|" + "|".join(sorted(COUNT_WORDS, key=len, reverse=True)) + r"|several|many|a number of|some|various)"
    return re.compile(rf"^[)\]]?\s*(with|between|among)\s+(more than\s+|over\s+|around\s+)?{count}\s+(other\s+|key\s+|partner\s+)?({nouns})\b", re.I)


@lru_cache(maxsize=1)
def _anaphor() -> re.Pattern[str]:
    return re.compile(r"\b(its|these|those|such|our|their|the same)\s+((closest|close|key|main|like-minded|trusted)\s+)?(partners|countries|states)\b", re.I)


@lru_cache(maxsize=1)
def _generic_heads() -> re.Pattern[str]:
    from pipeline.vocab.gazetteer import instrument_heads

    heads = sorted({" ".join(h.words) for h in instrument_heads().values() if not h.title_only}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(h) for h in heads) + r")s?\b(\s+(on|for|of)\s+[a-z][a-z -]{2,40}?)?(?=\s+(with|between)\b)")


@lru_cache(maxsize=1)
def _instrument_entries() -> list:
    from pipeline.vocab.gazetteer import load_gazetteer

    seen, entries = set(), []
    for entry in load_gazetteer().entries.values():
        if entry.label == "INSTRUMENT" and entry.canonical not in seen:
            seen.add(entry.canonical)
            entries.append(entry)
    return entries


def _eu_member(mention: Mention) -> bool:
    from pipeline.vocab.gazetteer import load_gazetteer

    entry = load_gazetteer().entry(f"country:{mention.partner_iso3}") if mention.partner_iso3 else None
    return bool(entry and entry.eu_member)


# --- one sentence -------------------------------------------------------------------------------

def sentences(passage: Passage, mentions: list[Mention]) -> list[Sentence]:
    """The sentences of a passage that hold mentions, in order (bounds from the extraction stage)."""
    by_bounds: dict[tuple[int, int], Sentence] = {}
    for m in sorted(mentions, key=lambda m: m.start):
        start, end = (m.sent_start, m.sent_end) if m.sent_end > m.sent_start else (0, len(passage.text))
        by_bounds.setdefault((start, end), Sentence(passage, start, end)).mentions.append(m)
    return sorted(by_bounds.values(), key=lambda s: s.start)


def partners_in(sentence: Sentence) -> list[Mention]:
    """The sentence's partner mentions, EU members and bare adjectives left out."""
    actors = word_list("actor_nouns.txt")
    bodies = [m for m in sentence.mentions if m.label == "EU_BODY"]
    kept: list[Mention] = []
    for m in sentence.mentions:
        if m.label != "PARTNER" or _eu_member(m) or any(k.start == m.start for k in kept):
            continue
        if any(b.start <= m.start and m.end <= b.end for b in bodies):
            continue
        if m.rule_id.startswith("country-adjective"):
            following = sentence.passage.text[m.end:m.end + 30].split()
            if not following or following[0].strip(",.;:").lower() not in actors:
                continue
        kept.append(m)
    return kept


def links_in(sentence: Sentence, passage_domain: str) -> list[Link]:
    """Instruments and words of cooperation in the sentence, in text order."""
    text = sentence.passage.text
    links: list[Link] = []
    for m in sentence.mentions:
        if m.label != "INSTRUMENT" or m.instrument_type in NOT_LINKS:
            continue
        generic = m.rule_id.startswith("generic:")
        links.append(Link(m.start, m.end, m.canonical, m.instrument_type, m.domain, "generic" if generic else "named", m.rule_id))
    taken = [(lk.start, lk.end) for lk in links] + [(m.start, m.end) for m in sentence.mentions if m.label != "DATE"]
    segment = text[sentence.start:sentence.end]
    for match in _generic_heads().finditer(segment.lower()):
        start, end = sentence.start + match.start(), sentence.start + match.end()
        if any(s < end and start < e for s, e in taken):
            continue
        name, bare = _generic_name(text, start, match)
        links.append(Link(start, end, name, type_of_instrument(name), "", "generic", f"generic-head:{match.group(1)}", bare=bare))
        taken.append((start, end))
    for pattern, instrument_type, cue_id in _cooperation_cues():
        for match in pattern.finditer(segment):
            start, end = sentence.start + match.start(), sentence.start + match.end()
            if any(s < end and start < e for s, e in taken):
                continue
            links.append(Link(start, end, "", instrument_type, "", "cooperation", f"cue:{cue_id}"))
            taken.append((start, end))
    links.sort(key=lambda lk: lk.start)
    links = _merge_repeats(links, text)
    for i, link in enumerate(links):
        after = text[link.end:sentence.end]
        group = _group().match(after)
        if group:
            count = group.group("count").lower()
            link.group = int(count) if count.isdigit() else COUNT_WORDS.get(count, 0)
        previous_end = links[i - 1].end if i else sentence.start
        next_start = links[i + 1].start if i + 1 < len(links) else sentence.end
        link.status = _status(text, sentence.start, previous_end, link, next_start)
        if not link.domain:
            link.domain = _topic(text[link.end:min(sentence.end, link.end + 90)]) or passage_domain
    return links


def _merge_repeats(links: list[Link], text: str) -> list[Link]:
    """A name and its acronym side by side are one link: "Framework Participation Agreements (FPAs)"."""
    merged: list[Link] = []
    for link in links:
        if merged and merged[-1].name == link.name and not text[merged[-1].end:link.start].strip(" ("):
            merged[-1].end = link.end + (1 if text[link.end:link.end + 1] == ")" else 0)
            continue
        merged.append(link)
    return merged


def _generic_name(text: str, start: int, match: re.Match[str]) -> tuple[str, bool]:
    """"strategic partnerships on raw materials" -> "Strategic partnership on raw materials"; bare
    when no modifier stands before the head ("the recently signed agreement")."""
    modifiers = word_list("instrument_modifiers.txt")
    words = text[max(0, start - 60):start].split()
    before: list[str] = []
    for word in reversed(words):
        if word.lower().strip(",;:'\"") in modifiers and word.strip(",;:'\"") == word:
            before.insert(0, word.lower())
        else:
            break
    head = singular_head(match.group(1))
    complement = (match.group(2) or "").strip()
    name = " ".join([*before, head, *([complement] if complement else [])])
    return name[:1].upper() + name[1:], not before and not complement


def _status(text: str, sent_start: int, previous_end: int, link: Link, next_start: int) -> str:
    """The first status cue of the link's clause; then the words right after it; then the default."""
    clause_start = max(sent_start, previous_end)
    before = text[clause_start:link.start]
    own = text[link.start:link.end] if link.kind == "cooperation" else ""
    after = text[link.end:min(next_start, link.end + CONTEXT_AFTER)]
    # "... with Kenya have not started yet": a negation or an end after the link comes first.
    if _first_cue(after) in ("envisaged", "ended"):
        return _first_cue(after)
    for window in (before + " " + own, text[sent_start:link.start] + " " + own, after):
        status = _first_cue(window)
        if status == "proposed" and window is after and link.kind == "named" and _ACTS_LATER.match(after):
            return "established"  # "the Task Force will help ...": a body that will act exists already
        if status:
            return status
    if link.kind == "cooperation" and link.instrument_type != "dialogue":
        return "cooperating"
    return "established"


# A named instrument as the subject of a modal verb that is not "be ..." (not "will be launched"):
# it exists and will act ("the Council will meet again", "the Task Force would help").
_ACTS_LATER = re.compile(r"^\s*(?:\([^)]{1,30}\)\s*)?,?\s*(?:will|would|shall|can|is to|are to)\s+(?!be\b|not\b|never\b)[a-z]+", re.I)


def _first_cue(window: str) -> str:
    for status, pattern in _status_cues():
        if pattern.search(window):
            if status == "signed" and re.search(r"\b(not|never|no)\b[^.;]{0,25}\bsign", window, re.I):
                return "envisaged"
            return status
    return ""


def _topic(window: str) -> str:
    """The domain a cooperation is about: "on maritime security", "on a broad range of security
    and defence issues"."""
    match = re.search(r"\b(on|in|against|regarding)\s+((a|the)\s+)?((broad|wide|whole)\s+range\s+of\s+)?(?P<topic>[a-z][\w -]{2,50}?)(\s+(issues|matters|questions|affairs)\b|\s+with\b|[,.;]|$)", window, re.I)
    if not match:
        return ""
    for pattern, domain in _domain_terms():
        if domain in DOMAINS and pattern.search(match.group("topic")):
            return domain
    return ""


def assign(sentence: Sentence, partners: list[Mention], links: list[Link]) -> list[Found]:
    """Each partner to the link nearest before it (or inside it), else the first after it."""
    found: dict[int, Found] = {}
    text = sentence.passage.text
    for p in partners:
        # Inside an instrument's name only as the EU's counterpart ("EU-Ukraine forum"), not as
        # the body the instrument is ("G8 Global Partnership", "US-led forum").
        inside = [lk for lk in links if lk.start <= p.start and p.end <= lk.end]
        if inside and not _anchor().search(text[inside[0].start:inside[0].end]):
            continue
        before = [lk for lk in links if lk.end <= p.start]
        after = [lk for lk in links if lk.start >= p.end]
        link = inside[0] if inside else before[-1] if before else after[0] if after else None
        if link is None:
            continue
        item = found.setdefault(id(link), Found(link, [], sentence.start, sentence.end, link.rule_id))
        if all(q.canonical != p.canonical for q in item.partners):
            item.partners.append(p)
    return list(found.values())


def anchored(sentence: Sentence, links: list[Link], profile: DocumentProfile | None = None) -> bool:
    """Whether the sentence names the EU as a party: its name, an EU body, an instrument named after
    it, or "we"/"both sides" in a text the EU speaks in."""
    text = sentence.text
    if _anchor().search(text):
        return True
    if any(m.label == "EU_BODY" for m in sentence.mentions):
        return True
    if profile is not None and profile.eu_speaks and _speaker().search(text):
        return True
    return any(_anchor().search(lk.name) for lk in links if lk.kind == "named")


# --- roles --------------------------------------------------------------------------------------

def read_roles(sents: list[Sentence], profile: DocumentProfile) -> dict[tuple[str, int], Role]:
    """The role of every partner mention in the given sentences, from one parse of each sentence."""
    from pipeline.vocab.nlp import load_nlp

    todo = [s for s in sents if partners_in(s)]
    if not todo:
        return {}
    nlp = load_nlp()
    roles: dict[tuple[str, int], Role] = {}
    for sent, doc in zip(todo, nlp.pipe((s.text for s in todo), disable=["secmine_ruler"])):
        sent.doc = doc
        eu = _eu_tokens(sent, doc, profile)
        partners = partners_in(sent)
        spans = {p.start: doc.char_span(p.start - sent.start, p.end - sent.start, alignment_mode="expand") for p in partners}
        reader = RoleReader(doc, eu, [spans[p.start] for p in partners], [p.partner_kind or "country" for p in partners])
        found = {}
        for p in partners:
            span = spans[p.start]
            if span is not None and len(span):
                found[p.start] = reader.role(span)
        # The items of a written list share the role of the first one, which stands next to the
        # word that governs them all (long lists are often parsed apart).
        ordered = sorted({p.start: p for p in partners}.values(), key=lambda p: p.start)
        for group in list_items(sent.text, [(p.start - sent.start, p.end - sent.start) for p in ordered]):
            first = found.get(ordered[group[0]].start)
            for i in group:
                role = found.get(ordered[i].start)
                if first is not None and (role is None or i != group[0]):
                    found[ordered[i].start] = first if role is None or role.role != first.role else role
        # "EU Border Assistance Mission to Moldova", "EUTM Somalia": a state named inside an EU
        # instrument's name is that instrument's counterpart.
        eu_named = [m for m in sent.mentions if m.label == "INSTRUMENT" and _anchor().search(sent.passage.text[m.start:m.end])]
        for p in partners:
            if any(m.start <= p.start and p.end <= m.end for m in eu_named) and not re.search(
                    r"\b(in|at|on|for the|of the)\s+(the\s+)?$", sent.passage.text[max(0, p.start - 12):p.start]):
                found[p.start] = Role("partner", "role:instrument-party")
        for start, role in found.items():
            roles[(sent.passage.passage_id, start)] = role
    return roles


def _eu_tokens(sent: Sentence, doc, profile: DocumentProfile) -> set[int]:
    """Token indices of the sentence that stand for the EU."""
    spans = [(m.start(), m.end()) for m in _anchor().finditer(sent.text)]
    spans += [(m.start - sent.start, m.end - sent.start) for m in sent.mentions if m.label == "EU_BODY"]
    # The EU acts through its missions and operations ("Atalanta and other naval forces"): the
    # gazetteer's missions are the Union's (instruments.csv).
    # (A state named in the mission's name is not the EU: "the EU Police Mission in Afghanistan".)
    missions = [m for m in sent.mentions if m.label == "INSTRUMENT" and m.instrument_type == "mission"
                and m.rule_id.startswith("instrument:")]
    named = [m for m in sent.mentions if m.label == "PARTNER"]
    for m in missions:
        cuts = sorted((p.start, p.end) for p in named if m.start <= p.start and p.end <= m.end)
        edge = m.start
        for start, end in [*cuts, (m.end, m.end)]:
            if start > edge:
                spans.append((edge - sent.start, start - sent.start))
            edge = max(edge, end)
    if profile.eu_speaks:
        spans += [(m.start(), m.end()) for m in _speaker().finditer(sent.text)]
    tokens: set[int] = set()
    for start, end in spans:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            tokens.update(t.i for t in span)
    return tokens


# --- a document -------------------------------------------------------------------------------

@dataclass
class Context:
    """What the rules of one document share: who speaks, the passages' domains, the partners' roles."""

    profile: DocumentProfile
    domains: dict[str, str]
    roles: dict[tuple[str, int], Role] = field(default_factory=dict)
    year: str = ""
    parsed: dict[tuple[str, int], object] = field(default_factory=dict)  # (passage_id, sentence start) -> Doc


def document_facts(result: IngestResult, mentions: list[Mention], scores: list,
                   profile: DocumentProfile | None = None) -> list[Fact]:
    passages = {p.passage_id: p for p in result.passages}
    by_passage: dict[str, list[Mention]] = {}
    for m in mentions:
        by_passage.setdefault(m.passage_id, []).append(m)
    profile = profile or describe_document(result, mentions)
    ctx = Context(profile, passage_domains(scores), year=result.document.pub_date[:4])
    sentences_of: dict[str, list[Sentence]] = {}
    for passage in result.passages:
        if passage.kind in FACT_KINDS and passage.passage_id in by_passage:
            sentences_of[passage.passage_id] = sentences(passage, by_passage[passage.passage_id])
    ctx.roles = read_roles([s for sents in sentences_of.values() for s in sents], profile)
    ctx.parsed = {(s.passage.passage_id, s.start): s.doc for sents in sentences_of.values() for s in sents if s.doc is not None}
    found_by_sentence: dict[tuple[str, int], list[Found]] = {}
    facts: list[Fact] = []
    eu_seen = False
    for passage in result.passages:
        sents = sentences_of.get(passage.passage_id)
        if sents is None:
            continue
        if passage.kind == "footnote" and _bibliographic(passage.text):
            continue
        found = passage_found(passage, sents, ctx.domains.get(passage.passage_id, ""), eu_seen, ctx)
        eu_seen = eu_seen or bool(_anchor().search(passage.text))
        for sent, items in found:
            found_by_sentence[(passage.passage_id, sent.start)] = items
    # Footnotes: lists fill the groups of the sentences that cite them; prose joins their instrument.
    for passage in result.passages:
        if passage.kind != "footnote" or not passage.cited_by:
            continue
        listed = _listed_partners(passage, by_passage.get(passage.passage_id, []))
        for citing_id in passage.cited_by:
            citing = passages.get(citing_id)
            if citing is None:
                continue
            offset = marker_offset(citing, passage.marker)
            for sent in sentences_of.get(citing_id, []):
                if offset is not None and not (sent.start < offset <= sent.end + 1):
                    continue
                items = found_by_sentence.get((citing_id, sent.start), [])
                if listed:
                    _fill_groups(items, listed, passage)
                elif items and not _bibliographic(passage.text):
                    _join_note(passage, sentences_of.get(passage.passage_id, []), items, found_by_sentence, ctx)
    facts.extend(document_signatory_facts(result, profile, ctx))
    for (passage_id, _), items in found_by_sentence.items():
        passage = passages[passage_id]
        for item in items:
            facts.extend(_facts_of(item, passage, result, by_passage.get(passage_id, []), ctx))
    return facts


def document_signatory_facts(result: IngestResult, profile: DocumentProfile, ctx: Context) -> list[Fact]:
    """A joint statement, declaration or joint readout: one fact per co-signatory, on the document itself."""
    if not profile.joint or not profile.signatories or not profile.title_passage:
        return []
    passage = next(p for p in result.passages if p.passage_id == profile.title_passage)
    rule = fact_rules()["signatory-document"]
    title = " ".join(profile.title.split())
    counts: dict[str, int] = {}
    for domain in ctx.domains.values():
        counts[domain] = counts.get(domain, 0) + 1
    domain = max(counts, key=lambda d: (counts[d], d)) if counts else ""
    return [
        Fact(doc_id=passage.doc_id, passage_id=passage.passage_id, page=passage.page, partner=m.canonical,
             partner_iso3=m.partner_iso3, partner_kind=m.partner_kind or "country", instrument=title,
             instrument_type="joint_statement", domain=domain, mode=_type_modes().get("joint_statement", ""),
             status="signed", year=ctx.year, evidence=title, start=profile.title_start, end=profile.title_end,
             rule_id=f"fact:signatory-document|{profile.type_rule}", source_doc=result.document.source,
             role="partner", basis=rule["basis"], confidence=float(rule["confidence"]))
        for m in profile.signatories
    ]


def passage_found(passage: Passage, sents: list[Sentence], domain: str, eu_seen: bool = False,
                  ctx: Context | None = None) -> list[tuple[Sentence, list[Found]]]:
    """The links and partners of every sentence of a passage, with the rules across sentences.

    ``eu_seen``: the document named the EU before this passage."""
    ctx = ctx or Context(DocumentProfile(), {})
    out: list[tuple[Sentence, list[Found]]] = []
    last_partners: list[Mention] = []
    previous: list[Found] = []
    for sent in sents:
        named = partners_in(sent)
        roles = {p.start: ctx.roles.get((passage.passage_id, p.start), Role("partner", "role:unparsed")) for p in named}
        partners = [p for p in named if roles[p.start].makes_fact]
        links = links_in(sent, domain)
        is_anchored = anchored(sent, links, ctx.profile)
        items = assign(sent, partners, links)
        # A link to an unnamed group ("with 21 countries") waits for a note that lists them.
        items += [Found(lk, [], sent.start, sent.end, lk.rule_id) for lk in links
                  if lk.group is not None and not any(f.link is lk for f in items)]
        if not is_anchored:
            # The passage named the EU before; only links that come before their partners hold.
            items = [f for f in items if eu_seen and all(p.start >= f.link.start for p in f.partners)]
        # "the recently signed agreement with Moldova": the instrument the passage named last.
        named_before = [f.link for _, its in out for f in its if f.link.kind == "named"]
        named_before += [lk for lk in links if lk.kind == "named"]
        for f in items:
            if f.link.kind == "generic":
                _resolve_generic(f.link, [lk for lk in named_before if lk.start < f.link.start], domain)
        # A bare head that names nothing ("an agreement with X") says too little to keep.
        items = [f for f in items if not (f.link.kind == "generic" and f.link.bare)]
        if is_anchored:
            items += _unlinked(sent, partners, roles, items, domain)
            items += _signatory_links(sent, links, ctx.profile)
        for f in items:
            f.roles.update({p.start: roles[p.start] for p in f.partners if p.start in roles})
        # "for its closest partners": the partners of the last sentence that named some.
        if not named and last_partners:
            for lk in links:
                if lk.kind == "named" and _anaphor().search(sent.text[lk.end - sent.start:]):
                    items.append(Found(lk, list(last_partners), sent.start, sent.end, lk.rule_id, fact_rule="anaphor-partners"))
        # "These space security dialogues ...": names the links of the sentence before.
        first = next((m for m in sent.mentions if m.label == "INSTRUMENT" and m.instrument_type not in NOT_LINKS), None)
        if first is not None and previous and _DEMONSTRATIVE.match(sent.passage.text[sent.start:first.start]):
            for f in previous:
                if f.link.kind in ("cooperation", "generic"):
                    f.link.name, f.link.kind = first.canonical, "named"
                    f.link.instrument_type = first.instrument_type or f.link.instrument_type
                    f.link.domain = first.domain or f.link.domain
                    f.fact_rule = "anaphor-instrument"
        eu_seen = eu_seen or is_anchored
        if partners:
            last_partners = list({p.canonical: p for p in partners}.values())
        previous = items
        out.append((sent, items))
    return out


def _unlinked(sent: Sentence, partners: list[Mention], roles: dict[int, Role], items: list[Found], domain: str) -> list[Found]:
    """Partners and beneficiaries that no link took: a cooperation of the whole sentence, named
    after nothing ("The EU and Japan agreed to ...", "We will support Moldova")."""
    taken = {p.start for f in items for p in f.partners}
    left = [p for p in partners if p.start not in taken]
    if not left:
        return []
    text = sent.passage.text
    out = []
    for rule, who in (("joint-action", [p for p in left if roles[p.start].role == "partner"]),
                      ("support", [p for p in left if roles[p.start].role == "beneficiary"])):
        if not who:
            continue
        link = Link(sent.start, sent.start, "", GENERIC_TYPE, "", "cooperation", "", fact_rule=rule)
        link.domain = _topic(text[sent.start:sent.end]) or domain
        link.status = _first_cue(text[sent.start:sent.end]) or "cooperating"
        if link.status in ("signed", "established"):
            link.status = "cooperating"
        out.append(Found(link, who, sent.start, sent.end, "", fact_rule=rule))
    return out


def _signatory_links(sent: Sentence, links: list[Link], profile: DocumentProfile) -> list[Found]:
    """In a joint text, "we"/"both sides" establish, launch, sign or commit to an instrument: each
    co-signatory is its partner."""
    if not profile.joint or not profile.signatories or sent.doc is None and not _speaker().search(sent.text):
        return []
    speakers = [m for m in _speaker().finditer(sent.text)]
    if not speakers:
        return []
    out = []
    for link in links:
        if link.kind not in ("named", "generic") or link.instrument_type in NOT_LINKS or link.bare:
            continue
        if re.search(r"\bsummit\b", link.name, re.I) and link.instrument_type != "joint_statement":
            continue  # a summit is a meeting, not an instrument the signatories join
        if sent.doc is not None and not _speaker_governs(sent, link, speakers):
            continue
        out.append(Found(link, list(profile.signatories), sent.start, sent.end, link.rule_id, fact_rule="signatory-instrument",
                         roles={m.start: Role("partner", "role:signatory") for m in profile.signatories}))
    return out


def _speaker_governs(sent: Sentence, link: Link, speakers: list[re.Match[str]]) -> bool:
    """The link's governing verb has a speaker ("we", "both sides") among its subjects and is not a
    verb of talking about something ("we discussed the agreement")."""
    doc = sent.doc
    span = doc.char_span(link.start - sent.start, link.end - sent.start, alignment_mode="expand")
    if span is None:
        return False
    speaker_tokens = set()
    for m in speakers:
        sp = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if sp is not None:
            speaker_tokens.update(t.i for t in sp)
    token = span.root
    for _ in range(8):
        if token.head.i == token.i:
            break
        token = token.head
        subjects = clause_subjects(token)
        if subjects:
            if any(s.i in speaker_tokens for s in subjects):
                return not is_word("hostile_verb", token)
            return False
    return False


def _resolve_generic(link: Link, named_before: list[Link], domain: str) -> None:
    """A generic instrument takes a registered name: the only registered instrument of the
    passage's domain whose name holds it ("strategic partnerships" in a passage about supply ->
    "Critical raw materials strategic partnership"), or, for a bare head, the last one named."""
    if link.bare:
        if named_before:
            last = named_before[-1]
            link.name, link.instrument_type, link.domain, link.kind = last.name, last.instrument_type, last.domain or link.domain, "named"
            link.rule_id += "|resolved:previous"
        return
    key = link.name.lower()
    matches = [e for e in _instrument_entries() if key in e.canonical.lower() and e.domain == domain]
    if len(matches) == 1:
        entry = matches[0]
        link.name, link.instrument_type, link.domain, link.kind = entry.canonical, entry.instrument_type, entry.domain, "named"
        link.rule_id += "|resolved:domain"


def passage_domains(scores: list) -> dict[str, str]:
    """Each passage's best predicted domain ("" when none is predicted)."""
    best: dict[str, tuple[float, str]] = {}
    for s in scores:
        if s.predicted and s.score > best.get(s.passage_id, (-1.0, ""))[0]:
            best[s.passage_id] = (s.score, s.domain)
    return {pid: domain for pid, (_, domain) in best.items()}


def _bibliographic(text: str) -> bool:
    """A note that cites a source (a URL, a quoted title followed by a comma) rather than says something."""
    return bool(_URL.search(text) or _QUOTED_TITLE.search(text) or _CITATION.search(text))


def marker_offset(passage: Passage, marker: str) -> int | None:
    """Where the note marker stood in the passage text: the raw text is read up to the marker and
    the same number of letters and digits is counted off in the repaired text."""
    if not marker or not passage.raw_text:
        return None
    escaped = re.escape(marker)
    pattern = re.compile(rf"(?<=[\w.,;:'\u2019\")\]])(\({escaped}\)|\[\^?{escaped}\]|<sup>\(?{escaped}\)?</sup>|{escaped})(?=[\s.,;:)]|$)")
    raw = passage.raw_text
    match = pattern.search(raw)
    if match is None:
        return None
    any_marker = re.compile(r"(?<=[\w.,;:'\u2019\")\]])(\(\d{1,3}\)|\[\^?\w{1,3}\]|<sup>[^<]*</sup>)")
    count = sum(ch.isalnum() for ch in any_marker.sub("", raw[:match.start()]))
    seen = 0
    for i, ch in enumerate(passage.text):
        if ch.isalnum():
            seen += 1
            if seen == count:
                return i + 1
    return len(passage.text)


def _listed_partners(note: Passage, mentions: list[Mention]) -> list[Mention]:
    """The partners a note lists, when the note is mostly a list of names (at least three)."""
    partners = [m for m in mentions if m.label == "PARTNER" and not _eu_member(m)]
    distinct = {m.canonical: m for m in partners}
    if len(distinct) < 3:
        return []
    rest = list(_URL.sub(" ", note.text))
    for m in partners:
        rest[m.start:m.end] = " " * (m.end - m.start)
    leftover = re.sub(r"\b(and|or|the)\b|[\W\d_]", "", "".join(rest))
    # Mostly names, or many names under a few headings ("Western Balkans: Albania, ...").
    return list(distinct.values()) if len(leftover) <= 0.25 * len(note.text) or len(distinct) >= 6 else []


def _fill_groups(items: list[Found], listed: list[Mention], note: Passage) -> None:
    """A link with an unnamed group ("with 21 countries") takes the note's list when the counts agree."""
    for f in list(items):
        group = f.link.group
        if group is None or (group and group != len(listed)):
            continue
        items.append(Found(f.link, list(listed), f.start, f.end, f"{f.link.rule_id}|note-list:{note.passage_id}",
                           evidence=note.text, fact_rule="footnote-list"))


def _join_note(note: Passage, note_sents: list[Sentence], items: list[Found], found_by_sentence: dict, ctx: Context) -> None:
    """A note in prose with partners and a word of cooperation ("coordination is also pursued with
    the United Kingdom") joins them to the instrument of the sentence that cites it."""
    anchor = items[0].link
    for sent in note_sents:
        key = (note.passage_id, sent.start)
        own = found_by_sentence.get(key)
        if own and any(f.link.kind != "cooperation" for f in own):
            continue
        partners = [p for p in {p.canonical: p for p in partners_in(sent)}.values()
                    if ctx.roles.get((note.passage_id, p.start), Role("partner", "")).makes_fact]
        links = [lk for lk in links_in(sent, anchor.domain) if lk.kind == "cooperation"]
        if not partners or not links:
            continue
        joined = replace(anchor, status=links[0].status, start=links[0].start, end=links[0].end, rule_id=links[0].rule_id)
        found_by_sentence[key] = [Found(joined, partners, sent.start, sent.end, joined.rule_id, fact_rule="footnote-note")]


def _facts_of(item: Found, passage: Passage, result: IngestResult, mentions: list[Mention], ctx: Context) -> list[Fact]:
    text = passage.text
    sentence = " ".join(text[item.start:item.end].split())
    evidence = sentence if not item.evidence else f"{sentence} [note {passage_marker(result, item)}: {' '.join(item.evidence.split())}]"
    link = item.link
    rule_name = item.fact_rule or link.fact_rule
    rule = fact_rules()[rule_name]
    year = link_year(item, passage, mentions, ctx)
    mode = next((m for m, p in _mode_cues() if p.search(sentence)), "") or _type_modes().get(link.instrument_type, "")
    facts = []
    for p in item.partners:
        role = item.role_of(p)
        rule_id = "|".join(x for x in (f"fact:{rule_name}", link.rule_id if link.rule_id.startswith("cue:") else "", role.rule_id) if x)
        confidence = float(rule["confidence"]) - (0.15 if role.rule_id in ("role:default", "role:fragment", "role:unparsed") else 0.0)
        facts.append(Fact(
            doc_id=passage.doc_id, passage_id=passage.passage_id, page=passage.page,
            partner=p.canonical, partner_iso3=p.partner_iso3, partner_kind=p.partner_kind or "country",
            instrument=link.name, instrument_type=link.instrument_type or GENERIC_TYPE, domain=link.domain,
            mode=mode, status=link.status, year=year, evidence=evidence, start=item.start, end=item.end,
            rule_id=rule_id, source_doc=result.document.source, role=role.role if role.makes_fact else "partner",
            basis=rule["basis"], confidence=round(max(0.05, confidence), 2),
        ))
    return facts


def passage_marker(result: IngestResult, item: Found) -> str:
    note_id = item.rule_id.rsplit("note-list:", 1)[-1]
    note = next((p for p in result.passages if p.passage_id == note_id), None)
    return note.marker if note else ""


# Words before a date that make it a deadline or a target, not when the instrument came about.
_TARGET_BEFORE = re.compile(r"\b(by|until|till|before|through|to|towards|toward|beyond|after|ahead of|no later than|up to)\s+(the\s+(end|middle|start|beginning|first half|second half)\s+of\s+)?$", re.I)
_YEAR_IN_NAME = re.compile(r"\((19|20)\d\d\)|^(19|20)\d\d\b|\b(19|20)\d\d$")


def link_year(item: Found, passage: Passage, mentions: list[Mention], ctx: Context) -> str:
    """The year the text attaches to the instrument: in its name ("(2019)", "the 2019 declaration"),
    a date in its own clause that is not a target ("signed in 2019", "since 2016", not "by 2050"),
    or, for the joint text's own instruments, the document's year."""
    link = item.link
    in_name = _YEAR_IN_NAME.search(link.name or "")
    if in_name:
        return re.search(r"(19|20)\d\d", in_name.group(0)).group(0)
    text = passage.text
    dates = [m for m in mentions if m.label == "DATE" and item.start <= m.start < item.end and re.match(r"^\d{4}", m.canonical)]
    sent = _sentence_doc(item, passage, ctx)
    for m in sorted(dates, key=lambda m: abs(m.start - link.start)):
        if _TARGET_BEFORE.search(text[max(item.start, m.start - 40):m.start]):
            continue
        if link.start <= m.start < link.end and link.kind == "named":
            return m.canonical[:4]
        if sent is not None and not _same_clause(sent, item.start, link, m):
            continue
        if sent is None and not _between_links(item, m):
            continue
        return m.canonical[:4]
    if item.fact_rule == "signatory-instrument" and ctx.year:
        return ctx.year
    return ""


def _sentence_doc(item: Found, passage: Passage, ctx: Context):
    return ctx.parsed.get((passage.passage_id, item.start))


def _same_clause(doc, offset: int, link: Link, date: Mention) -> bool:
    """The date hangs from the instrument or from the verb that governs it."""
    link_span = doc.char_span(link.start - offset, max(link.end, link.start + 1) - offset, alignment_mode="expand")
    date_span = doc.char_span(date.start - offset, date.end - offset, alignment_mode="expand")
    if link_span is None or date_span is None or len(link_span) == 0:
        return True
    link_tokens = {t.i for t in link_span}
    chain = []
    token = link_span.root
    for _ in range(10):
        chain.append(token)
        if token.head.i == token.i or token.dep_ in ("ROOT",):
            break
        if token.dep_ in ("ccomp", "advcl", "relcl", "conj") and token.i != link_span.root.i:
            break
        token = token.head
    governors = {t.i for t in chain} | link_tokens
    node = date_span.root
    for _ in range(10):
        if node.i in governors:
            return True
        if node.head.i == node.i:
            break
        node = node.head
    return False


def _between_links(item: Found, date: Mention) -> bool:
    return item.link.start - 60 <= date.start <= item.link.end + 60
