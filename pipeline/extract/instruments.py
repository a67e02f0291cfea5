"""Instrument names found by their form: a parties prefix, a body and a head noun.

The grammar reads a parsed passage token by token. A head noun of ``instrument_heads.csv``
("Council", "working group", "Dialogue", "Communiqués") is where a name ends, or, in titles such as
"Statement on Investment Screening", where its complement begins. What stands around the head
decides whether the phrase names an instrument, and which rule says so:

title forms (capitalised words)
  ``instrument-title:parties-prefix``   "EU-US Energy Council", "the U.S.-EU Task Force on Energy Security"
  ``instrument-title:capitalised``      "European Peace Facility", "Joint Task Force on Cyber Resilience"
  ``instrument-title:head-complement``  "Statement on Investment Screening"
  ``instrument-title:lowercase-head``   "the Technology Standards working group"
  ``instrument-title:coordinated``      "the 2019 and 2022 Joint Communiqués" (one instrument per year)
  ``instrument-title:programme-project`` "the PESCO project Military Mobility"

descriptive forms (a lower-case head)
  ``generic:topic-modifier``   "security and defence dialogues", "a high-level dialogue on the Sahel"
  ``generic:parties-prefix``   "the EU-Japan partnership", "U.S.-EU dialogues on Russia"
  ``generic:established``      "launch a dedicated dialogue on security and defence"
  ``generic:complement``       "dialogues on maritime security", "technical consultations on ..."
  ``generic:coordinated``      "... dialogues on Russia, on cyber issues, and migration" (one per topic)

A plain common noun is never an instrument: "the agreement", "these partnerships", "a platform for
exchange" have no title, no parties, no establishing verb and no topic. The head gives the
instrument type (``instrument_type``); registered names are resolved by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from pipeline.vocab.gazetteer import Head
from pipeline.vocab.instruments import DASHES, TITLE_PREPS, InstrumentVocab, singular_head, vocabulary

# Capitalised words that open a sentence or a phrase without being part of a name.
NOT_TITLE_WORDS = frozenset(
    "The This That These Those Its Their Our Your His Her My Such Each Any All Both Other Another A An "
    "In On For With At By From To And Or But Of As Into Under Over Through During Before After Between "
    "Among Against Within Without Upon It We They He She I You Today Yesterday Tomorrow Also Further "
    "Furthermore Moreover However Finally Together Meanwhile Where When While If Since Because Here There "
    "Last Next Every".split()
)
# Words that may join capitalised words before a head ("Trade and Technology Council",
# "Misuse of Technology to Threaten Security working group").
_LEFT_JOINERS = frozenset(["and", "&", "of", "for", "to", "on", "in"])
# Prepositions that open the topic of a lower-case instrument.
# Not "with" (partners follow it) nor "in" (a place mostly: "an initiative in Kenya").
_TOPIC_PREPS = frozenset(["on", "for", "between", "against", "of"])
_ALONE_PREPS = frozenset(["on", "between", "for"])
# Words that end a lower-case topic ("... on energy that will", "... on migration to ensure").
_TOPIC_STOPS = frozenset(
    "that which who whose whom to by through as including while where when so than because if will would "
    "shall should can could may might must is are was were be been being has have had do does did not "
    "via under over into during after before within without among amongst such with it them us him this these "
    "those what whom some many all both each other others several various".split()
)
_TOPIC_INNER = frozenset(["and", "or", "of", "in", "on", "for", "the", "a", "an", "between", "against", "at", "-"])
_DETERMINERS = frozenset("the a an this that these those its their our his her such any each every all both some no".split())
_EMBEDDED_PREPS = frozenset(["for", "on", "to", "against"])
_POSSESSIVE = frozenset(["'s", "'", "\u2019s", "\u2019"])
_YEAR = re.compile(r"(?:19|20)\d\d")
_MONTHS = frozenset("January February March April May June July August September October November December".split())
MAX_BODY = 12
MAX_COMPLEMENT = 16
MAX_TOPIC = 12


@dataclass(frozen=True)
class FormMatch:
    """An instrument found by its form; offsets into the parsed text."""

    start: int
    end: int
    canonical: str
    instrument_type: str
    rule_id: str
    prefix_end: int = -1  # where its parties prefix ends: partners before it are part of the name
    core_end: int = -1  # where its body and head end (before a complement)
    bare: str = ""  # a described instrument's head and topic alone ("Declaration on cooperation")


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once per parsed text (spaCy joins the tokens again at every call)."""
    text = doc.user_data.get("secmine_text")
    if text is None:
        text = doc.user_data["secmine_text"] = doc.text
    return text


# --- token classes ----------------------------------------------------------------------------


def _is_dash(tok: Token) -> bool:
    return len(tok.text) == 1 and (tok.text in DASHES or tok.text == "/")


def _is_title(tok: Token) -> bool:
    """A word of a capitalised title: "Declaration", "EU-US", "COVID-19", "2019", "20th"."""
    text = tok.text
    if not text or tok.is_space or tok.is_punct:
        return False
    if text in NOT_TITLE_WORDS or (text.isupper() and len(text) > 2 and text.title() in NOT_TITLE_WORDS):
        return False
    if text[0].isupper():
        return True
    return bool(re.fullmatch(r"\d{1,4}(?:st|nd|rd|th)?|\d+\.\d+", text))


def _is_connector(tok: Token, vocab: InstrumentVocab) -> bool:
    return tok.lower_ in vocab.connectors and (tok.text.islower() or tok.text.isupper())


def _head_at(doc: Doc, i: int, vocab: InstrumentVocab) -> tuple[Head, int] | None:
    """The head whose last word is token ``i``, and the index of its first word."""
    for head in vocab.heads_by_last.get(doc[i].lower_, ()):
        first = i - len(head.words) + 1
        if first < 0:
            continue
        if all(doc[first + k].lower_ == w for k, w in enumerate(head.words[:-1])):
            if all(not doc[j].is_space for j in range(first, i + 1)):
                return head, first
    return None


def _case(doc: Doc, first: int, last: int) -> str:
    words = [doc[j].text for j in range(first, last + 1)]
    if len(words) > 2 and all(w.islower() for w in words[1:-1]) and words[0][:1].isupper() and words[-1][:1].isupper():
        return "title"  # "Memorandum of Understanding", "Code of Conduct"
    if all(w.islower() for w in words):
        return "lower"
    if all(w[:1].isupper() for w in words):
        return "title"
    return "mixed"


def _plural_head(tok: Token, head: Head) -> bool:
    return tok.lower_ != head.words[-1] and tok.lower_.endswith("s")


# --- the grammar ------------------------------------------------------------------------------


def find_instruments(doc: Doc, known: list[tuple[int, int]] | None = None) -> list[FormMatch]:
    """Every instrument form in a parsed text; matches may overlap (the caller keeps the longest).

    ``known``: character spans of partner and EU-body names in the text (the gazetteer's), which
    do not count as the descriptive words of a title ("Japan partnership" is no title).
    """
    vocab = vocabulary()
    known = known or []
    found: list[FormMatch] = []
    # People's names end titles ("... on Energy Security and President Biden"); an entity that holds
    # a head noun is the model's mistake ("Joint Communiqués"), not a person.
    # a known place or partner ("Yerevan") is no person either.
    persons = {t.i for ent in doc.ents if ent.label_ == "PERSON"
               and not any(t.lower_ in vocab.heads_by_last for t in ent)
               and not any(s < ent.end_char and ent.start_char < e for s, e in known) for t in ent}
    for i, tok in enumerate(doc):
        hit = _head_at(doc, i, vocab)
        if hit is None:
            continue
        head, first = hit
        case = _case(doc, first, i)
        if case == "title" and _title_goes_on(doc, i):
            continue  # "Framework" in "Advanced Framework Agreements"
        if case == "title":
            found.extend(_title(doc, head, first, i, vocab, persons))
        elif case == "lower":
            found.extend(_lower(doc, head, first, i, vocab, known, persons))
    found.extend(_projects(doc, vocab, persons))
    return found


def _title_goes_on(doc: Doc, i: int) -> bool:
    """The capitalised word after a head continues the same name."""
    if i + 1 >= len(doc) or doc[i].whitespace_.count("\n") or doc[i + 1].is_sent_start:
        return False
    nxt = doc[i + 1]
    return _is_title(nxt) and any(c.isalpha() for c in nxt.text) and not _field_label(doc, i + 1) and \
        (nxt.text.isupper() == doc[i].text.isupper())


def _left_body(doc: Doc, first: int, vocab: InstrumentVocab) -> int:
    """Where the capitalised words before a head begin (``first`` when there are none)."""
    sent_start = doc[first].sent.start
    i = first - 1
    while i >= max(sent_start, first - MAX_BODY):
        tok = doc[i]
        if tok.is_space or tok.whitespace_.count("\n"):
            break
        if _is_title(tok):
            i -= 1
            continue
        if tok.is_alpha and tok.text.islower() and i - 2 >= sent_start and _glued_dash(doc, i - 1) and _is_title(doc[i - 2]):
            i -= 2  # "High-level", "Follow-up"
            continue
        if _is_dash(tok) and i > sent_start and _is_title(doc[i - 1]):
            i -= 1
            continue
        if tok.text in _POSSESSIVE and i > sent_start and _is_title(doc[i - 1]):
            i -= 1  # "Leaders' Communiqué", "the Chair's Statement"
            continue
        if tok.lower_ in _LEFT_JOINERS and tok.text.islower() and i > sent_start and _is_title(doc[i - 1]):
            i -= 1
            continue
        break
    start = i + 1
    for j in range(start, first - 1):  # "Table 1 EU ...": a caption's label and number
        if doc[j].text.rstrip(".") in vocab.captions and doc[j + 1].like_num:
            start = j + 2
    while start < first and not _is_title(doc[start]):
        start += 1
    # A capitalised word that opens the sentence belongs to the name only if the parser attaches
    # it inside ("Launching the ..." and "Leaders discussed ..." do not).
    if start < first and doc[start].is_sent_start and not _strong(doc[start]):
        if not (start < doc[start].head.i <= first + 3 and doc[start].dep_ in ("compound", "amod", "nmod", "nummod")):
            start += 1
            while start < first and not _is_title(doc[start]):
                start += 1
    return start


def _strong(tok: Token) -> bool:
    """A word that is a name wherever it stands: an acronym, a party compound, a number."""
    text = tok.text
    return (text.isupper() and len(text) >= 2) or any(c in text for c in DASHES + ".") or text[:1].isdigit()


def _title_complement(doc: Doc, k: int, head: Head, vocab: InstrumentVocab, persons: set[int]) -> int:
    """The end (exclusive) of a capitalised complement opened at token ``k``, or ``k`` for none."""
    if k >= len(doc) or doc[k].sent.start != doc[k - 1].sent.start:
        return k
    prep = doc[k]
    allowed = TITLE_PREPS.get(prep.lower_, ())
    if prep.lower_ not in TITLE_PREPS or (allowed is not None and head.type not in allowed):
        return k
    if not (prep.text.islower() or (prep.text.isupper() and doc[k - 1].text.isupper())):
        return k
    if k + 1 < len(doc) and (doc[k + 1].text[:1].isdigit() or doc[k + 1].text in _MONTHS):
        return k  # "the Energy Council on 4 April", "... in June": a date, not the name's topic
    last = None
    j = k + 1
    previous = prep
    while j < len(doc) and j - k <= MAX_COMPLEMENT:
        tok = doc[j]
        if tok.is_space or j in persons or tok.is_sent_start:
            break
        if _field_label(doc, j):
            break
        if _is_title(tok):
            last = j
        elif tok.lower_ == "the" and (previous.lower_ in TITLE_PREPS or previous.lower_ == "and") and tok.text.islower():
            pass
        elif _is_connector(tok, vocab) and tok.lower_ != "the":
            if tok.lower_ in ("and", "&") and not (j + 1 < len(doc) and _is_title(doc[j + 1])):
                break
        elif _is_dash(tok) and last == j - 1:
            pass
        elif tok.is_alpha and tok.text.islower() and _glued_dash(doc, j - 1) and last == j - 2:
            last = j  # "Dialogue on Non-proliferation"
        else:
            break
        if previous.whitespace_.count("\n"):
            break
        previous = tok
        j += 1
    return k if last is None else last + 1


def _field_label(doc: Doc, j: int) -> bool:
    """A word in capitals with a colon after it, after words that are not ("... Energy Security
    DATE: 2023"): the label of the next header field."""
    tok = doc[j]
    return (tok.text.isupper() and len(tok.text) >= 3 and j + 1 < len(doc) and doc[j + 1].text == ":"
            and j > 0 and not doc[j - 1].text.isupper())


def _opens(doc: Doc, j: int) -> bool:
    """Token ``j`` opens a sentence, a list item ("3. Coordinate ...") or a labelled line."""
    if doc[j].is_sent_start or j == 0:
        return True
    before = doc[j - 1].text
    return before in ("\u2022", "-", "\u2013", "*", ":", "\u00b7") or bool(re.fullmatch(r"\d+[.)]|[a-z][.)]|\(\w+\)", before))


def _span_text(doc: Doc, start: int, end: int, head_index: int | None = None) -> str:
    """The words from token ``start`` to ``end`` (exclusive), the head singular, spaces collapsed."""
    parts = []
    for j in range(start, end):
        word = doc[j].text
        if head_index is not None and j == head_index:
            word = singular_head(word)
        parts.append(word + (" " if doc[j].whitespace_ else ""))
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _parties_at(doc: Doc, index: int, vocab: InstrumentVocab) -> int:
    """The character offset where a parties prefix starting at token ``index`` ends, or -1."""
    m = vocab.prefix_start.match(doc_text(doc), doc[index].idx)
    return m.end() if m else -1


def _title(doc: Doc, head: Head, first: int, last: int, vocab: InstrumentVocab, persons: set[int]) -> list[FormMatch]:
    body = _left_body(doc, first, vocab)
    for j in range(body, first - 1):
        if doc[j + 1].lower_ in _EMBEDDED_PREPS and _head_at(doc, j, vocab) is not None:
            return []  # "Code of Conduct for Space Operations" is a code of conduct
    end = _title_complement(doc, last + 1, head, vocab, persons)
    has_body = any(_is_title(doc[j]) and any(c.isalpha() for c in doc[j].text) for j in range(body, first))
    if not has_body and end == last + 1:
        return []
    prefix_end = _parties_at(doc, body, vocab) if body < first else -1
    joint = any(doc[j].lower_ in vocab.joint for j in range(body, first))
    if head.needs_parties and prefix_end < 0 and not joint:
        return []
    if prefix_end < 0 and all(doc[j].text.isupper() or not doc[j].is_alpha for j in range(body, end)):
        return []  # a heading in capitals: every word is capitalised, none is thereby a name
    if body < first and any(j in persons for j in range(body, first)):
        return []
    if any(doc[j].text in vocab.organisation_words for j in range(body, end)):
        return []  # "Hellenic Foundation for European and Foreign Policy"
    coordinated = _coordinated_title(doc, head, body, first, last, end, vocab)
    if coordinated:
        return coordinated
    if prefix_end >= 0:
        rule = "instrument-title:parties-prefix"
    elif body == first:
        rule = "instrument-title:head-complement"
    else:
        rule = "instrument-title:capitalised"
    start_char, end_char = doc[body].idx, doc[end - 1].idx + len(doc[end - 1].text)
    return [FormMatch(start_char, end_char, _span_text(doc, body, end, last), head.type, rule, prefix_end,
                      doc[last].idx + len(doc[last].text))]


def _coordinated_title(doc: Doc, head: Head, body: int, first: int, last: int, end: int, vocab: InstrumentVocab) -> list[FormMatch]:
    """"the 2019 and 2022 Joint Communiqués", "EU-Japan and EU-Korea Digital Partnerships": one
    instrument per year or parties prefix, when the head is plural."""
    if not _plural_head(doc[last], head):
        return []
    units: list[tuple[int, int]] = []
    i = body
    joined = False
    while i < first:
        if _YEAR.fullmatch(doc[i].text):
            unit_end = i + 1
        else:
            stop = _parties_at(doc, i, vocab)
            if stop < 0:
                break
            unit_end = i
            while unit_end < first and doc[unit_end].idx < stop:
                unit_end += 1
        units.append((i, unit_end))
        i = unit_end
        if joined:
            break
        if i < first and doc[i].text == ",":
            i += 1
        elif i < first and doc[i].lower_ in ("and", "&"):
            joined = True
            i += 1
        else:
            break
    if len(units) < 2 or not joined:
        return []
    rest = _span_text(doc, units[-1][1], end, last) if units[-1][1] < end else ""
    matches = []
    for n, (s, e) in enumerate(units):
        unit = _span_text(doc, s, e)
        stop = end if n == len(units) - 1 else e
        start_char, end_char = doc[s].idx, doc[stop - 1].idx + len(doc[stop - 1].text)
        core_end = doc[last].idx + len(doc[last].text) if n == len(units) - 1 else start_char
        matches.append(FormMatch(start_char, end_char, f"{unit} {rest}".strip(), head.type, "instrument-title:coordinated",
                                 -1, core_end))
    return matches


def _topic(doc: Doc, k: int, starters: frozenset[str], persons: set[int]) -> int:
    """The end (exclusive) of a lower-case topic opened by a preposition at token ``k``, or ``k``."""
    if k >= len(doc) or doc[k].lower_ not in starters or not doc[k].text.islower():
        return k
    subtree = {t.i for t in doc[k].subtree}
    last = None
    j = k + 1
    while j < len(doc) and j - k <= MAX_TOPIC:
        tok = doc[j]
        if tok.is_space or tok.is_sent_start or j in persons or j not in subtree:
            break
        if tok.is_punct and not _is_dash(tok):
            break
        if tok.lower_ in _TOPIC_STOPS:
            break
        if tok.lower_ not in _TOPIC_INNER and not _is_dash(tok):
            last = j
        if tok.whitespace_.count("\n"):
            break
        j += 1
    return k if last is None else last + 1


def _modifiers_before(doc: Doc, first: int, vocab: InstrumentVocab) -> int:
    """Where the topic words before a lower-case head begin ("security and defence dialogue")."""
    i = first - 1
    while i >= 0:
        tok = doc[i]
        if _glued_dash(doc, i - 1) and f"{doc[i - 2].lower_}-{tok.lower_}" in vocab.modifiers and doc[i - 2].text.islower():
            i -= 3  # "high-level", "counter-terrorism"
            continue
        if tok.text.islower() and (tok.lower_ in vocab.modifiers or tok.lower_ == "and"):
            i -= 1
            continue
        break
    start = i + 1
    while start < first and (doc[start].lower_ == "and" or _is_dash(doc[start])):
        start += 1
    return start


def _glued_dash(doc: Doc, i: int) -> bool:
    """Token ``i`` is a dash written without spaces between two words ("high-level")."""
    return 0 < i < len(doc) - 1 and _is_dash(doc[i]) and not doc[i - 1].whitespace_ and not doc[i].whitespace_


_ATTACHED_DEPS = frozenset(["amod", "compound", "nmod", "nummod", "npadvmod", "advmod"])


def _attached_words(doc: Doc, first: int) -> int:
    """Lower-case words before a head that modify it ("strategic energy" in "EU-US strategic energy
    dialogue", "high-level"), up to three; a word joined to a capitalised one ("EU-facilitated")
    belongs to the parties prefix."""
    i = first - 1
    words = 0
    while i >= 0 and words < 3:
        tok = doc[i]
        if not (tok.text.islower() and tok.text.isalpha()):
            break
        compound = _glued_dash(doc, i - 1) and doc[i - 2].text.islower()
        if tok.lower_ in _TOPIC_STOPS or tok.lower_ in _DETERMINERS or (tok.dep_ not in _ATTACHED_DEPS and not compound):
            break
        start = i
        while _glued_dash(doc, start - 1) and doc[start - 2].text.islower() and doc[start - 2].text.isalpha():
            start -= 2  # "high-level", "staff-to-staff": one word
        if _glued_dash(doc, start - 1):
            break  # "EU-facilitated": part of the parties prefix
        i = start - 1
        words += 1
    return i + 1


def _words(doc: Doc, start: int, end: int) -> list[str]:
    """The lower-case words of tokens ``start`` to ``end``, hyphen compounds joined ("high-level")."""
    words: list[str] = []
    for j in range(start, end):
        if _is_dash(doc[j]) and _glued_dash(doc, j) and words and j + 1 < end:
            continue
        if j > start and _glued_dash(doc, j - 1) and words:
            words[-1] = f"{words[-1]}-{doc[j].lower_}"
        else:
            words.append(doc[j].lower_)
    return words


def _establishing(tok: Token, vocab: InstrumentVocab) -> bool:
    """Whether a token is an establishing word (with its particle: "set up", "enter into")."""
    if (tok.lower_,) in vocab.establishing:
        return True
    nxt = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
    return nxt is not None and (tok.lower_, nxt.lower_) in vocab.establishing


def _established(doc: Doc, last: int, vocab: InstrumentVocab) -> bool:
    """The head is the object of an establishing word, at most three links up the parse: "launch
    a dialogue", "the establishment of a working group", "a task force was set up"."""
    tok = doc[last]
    for _ in range(3):
        if tok.dep_ not in ("dobj", "pobj", "prep", "nsubjpass", "attr", "conj", "appos", "oprd", "dative"):
            return False
        tok = tok.head
        if _establishing(tok, vocab):
            return True
        if tok.head is tok:
            return False
    return False


def _lower(doc: Doc, head: Head, first: int, last: int, vocab: InstrumentVocab, known: list[tuple[int, int]],
           persons: set[int]) -> list[FormMatch]:
    found: list[FormMatch] = []
    head_end = doc[last].idx + len(doc[last].text)
    # Capitalised words before a lower-case head: "the Export Controls working group".
    if not head.title_only or head.described or head.words == ("project",):
        body = _left_body(doc, first, vocab)
        words = [doc[j] for j in range(body, first)]
        names = [t for t in words if _is_title(t) and any(c.isalpha() for c in t.text)
                 and not any(s <= t.idx < e for s, e in known) and t.text not in ("EU", "European", "Union")]
        if len(names) == 1 and _opens(doc, names[0].i) and not _strong(names[0]):
            names = []  # "3. Coordinate initiatives to ...": a verb opening the item
        if names and not any(j in persons for j in range(body, first)) and (first - body) <= MAX_BODY:
            end = _title_complement(doc, last + 1, head, vocab, persons)
            start_char = doc[body].idx
            end_char = doc[end - 1].idx + len(doc[end - 1].text)
            prefix_end = _parties_at(doc, body, vocab)
            found.append(FormMatch(start_char, end_char, _span_text(doc, body, end, last), head.type,
                                   "instrument-title:lowercase-head", prefix_end, head_end))
            return found
    if head.title_only and not head.described and not head.complement_alone:
        return found
    topic_end = _topic(doc, last + 1, _TOPIC_PREPS, persons)
    # A parties prefix: "the EU-Japan partnership", "U.S.-EU dialogues on Russia".
    if head.described or not head.title_only:
        words_start = _attached_words(doc, first)
        window = doc_text(doc)[max(0, doc[words_start].idx - 120) : doc[words_start].idx]
        m = vocab.prefix_end.search(window)
        if m:
            prefix_start = doc[words_start].idx - len(window) + m.start()
            prefix_end = doc[words_start].idx - len(window) + m.start() + len(m.group(0).rstrip())
            found.extend(_generic(doc, head, prefix_start, words_start, first, last, topic_end, vocab,
                                  "generic:parties-prefix", prefix_end, persons))
            return found
    # Topic words before the head: "security and defence dialogues", "a high-level dialogue on ...".
    if not head.title_only:
        mod_start = _modifiers_before(doc, first, vocab)
        if mod_start < first:
            start = mod_start
            if start > 0 and doc[start - 1].text.isupper() and len(doc[start - 1].text) >= 2:
                start -= 1  # "EU security and defence dialogue", "CSDP partnership"
            found.extend(_generic(doc, head, doc[start].idx, mod_start, first, last, topic_end, vocab,
                                  "generic:topic-modifier", -1, persons))
            return found
    # An establishing word: "launch a dedicated dialogue on security and defence".
    if head.described or not head.title_only:
        words_start = _attached_words(doc, first)
        content = [w for w in _words(doc, words_start, first) if w in vocab.modifiers]
        if head.title_only and not head.complement_alone:
            content = []  # "develop a nuclear programme": a programme needs its topic
        if (topic_end > last + 1 or content) and _established(doc, last, vocab):
            found.extend(_generic(doc, head, doc[words_start].idx, words_start, first, last, topic_end, vocab,
                                  "generic:established", -1, persons))
            return found
    # A head that names an instrument with its topic alone: "dialogues on maritime security".
    if head.complement_alone:
        alone_end = _topic(doc, last + 1, _ALONE_PREPS, persons)
        if alone_end > last + 1:
            words_start = _attached_words(doc, first)
            found.extend(_generic(doc, head, doc[words_start].idx, words_start, first, last, alone_end, vocab,
                                  "generic:complement", -1, persons))
    return found


def _generic(doc: Doc, head: Head, start_char: int, words_start: int, first: int, last: int, topic_end: int,
             vocab: InstrumentVocab, rule: str, prefix_end: int, persons: set[int]) -> list[FormMatch]:
    """A lower-case instrument from ``start_char`` to the end of its topic; several when a plural head
    takes coordinated topics ("dialogues on Russia, on cyber issues, and migration")."""
    prefix = doc_text(doc)[start_char : doc[words_start].idx].strip() if start_char < doc[words_start].idx else ""
    words = [t.text for t in doc[words_start:first]
             if (t.lower_ not in vocab.fillers and not t.like_num) or rule == "generic:topic-modifier"]
    head_words = _span_text(doc, first, last + 1, last)
    core = " ".join(w for w in [prefix, *words, head_words] if w)
    core = re.sub(r"\s+([-\u2013/])\s+", r"\1", core)
    end = topic_end if topic_end > last + 1 else last + 1
    topic = _span_text(doc, last + 1, end) if end > last + 1 else ""
    name = f"{core} {topic}".strip()
    end_char = doc[end - 1].idx + len(doc[end - 1].text)
    core_end = doc[last].idx + len(doc[last].text)
    matches = [FormMatch(start_char, end_char, _capitalise(name), head.type, rule, prefix_end, core_end,
                         _capitalise(f"{head_words} {topic}".strip()))]
    if topic and _plural_head(doc[last], head):
        prep = doc[last + 1].lower_
        matches += _more_topics(doc, end, prep, core, head, persons)
    return matches


def _more_topics(doc: Doc, k: int, prep: str, core: str, head: Head, persons: set[int]) -> list[FormMatch]:
    """Topics coordinated after the first: ", on cyber issues, and migration"."""
    found = []
    explicit = False
    while k < len(doc) and doc[k].text in (",", "and", "or", ";"):
        j = k
        while j < len(doc) and doc[j].text in (",", "and", "or"):
            j += 1
        if j >= len(doc):
            break
        if doc[j].lower_ == prep:
            explicit = True
            end = _topic(doc, j, frozenset([prep]), persons)
            if end == j:
                break
            topic = _span_text(doc, j, end)
            start_char = doc[j].idx
        elif explicit:
            end = j
            while end < len(doc) and end - j < 6 and not doc[end].is_punct and not doc[end].is_space \
                    and doc[end].lower_ not in _TOPIC_STOPS and doc[end].lower_ not in ("and", "or"):
                end += 1
            if end == j:
                break
            topic = f"{prep} {_span_text(doc, j, end)}"
            start_char = doc[j].idx
        else:
            break
        found.append(FormMatch(start_char, doc[end - 1].idx + len(doc[end - 1].text),
                               _capitalise(f"{core} {topic}"), head.type, "generic:coordinated"))
        k = end
    return found if explicit else []


def _capitalise(name: str) -> str:
    return name[:1].upper() + name[1:]


def _projects(doc: Doc, vocab: InstrumentVocab, persons: set[int]) -> list[FormMatch]:
    """A named project inside a programme: "the PESCO project Military Mobility", "EDF projects
    'X' and 'Y'" (one per name)."""
    found = []
    for i, tok in enumerate(doc):
        if tok.lower_ not in ("project", "projects") or not tok.text.islower() or i == 0:
            continue
        programme = doc[i - 1]
        if not (programme.text.isupper() and len(programme.text) >= 3 and programme.text.isalpha()):
            continue
        names = _project_names(doc, i + 1, vocab, persons, plural=tok.lower_ == "projects")
        for n, (s, e) in enumerate(names):
            name = _span_text(doc, s, e).strip("'\"\u2018\u2019\u201c\u201d ")
            start = programme.idx if n == 0 else doc[s].idx
            found.append(FormMatch(start, doc[e - 1].idx + len(doc[e - 1].text), f"{programme.text} project {name}",
                                   "programme", "instrument-title:programme-project", -1, tok.idx + len(tok.text)))
    return found


def _project_names(doc: Doc, k: int, vocab: InstrumentVocab, persons: set[int], plural: bool) -> list[tuple[int, int]]:
    names: list[tuple[int, int]] = []
    while k < len(doc):
        quoted = doc[k].text in ("'", '"', "\u2018", "\u201c")
        j = k + 1 if quoted else k
        start = j
        last = None
        while j < len(doc) and j - start < 8:
            tok = doc[j]
            if tok.is_space or (j in persons and not quoted):
                break
            if _is_title(tok):
                last = j
            elif not (quoted and tok.text.islower()) and not (_is_connector(tok, vocab) and tok.lower_ not in ("and", "the")):
                break
            j += 1
        if last is None:
            break
        end = last + 1
        if quoted and end < len(doc) and doc[end].text in ("'", '"', "\u2019", "\u201d"):
            end += 1
        names.append((k, end))
        if not plural:
            break
        k = end
        if k < len(doc) and doc[k].text == ",":
            k += 1
        if k < len(doc) and doc[k].lower_ == "and":
            k += 1
        elif not (k < len(doc) and doc[k - 1].text == ","):
            break
    return names
