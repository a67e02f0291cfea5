"""The role a named partner plays in its sentence, read from the dependency parse.

A country or organisation named in a sentence about the EU is not always its partner. The role
says what it is there:

- ``partner``: the EU (or "we" in a joint text) works, consults, coordinates, agrees, signs or holds
  an instrument with it ("cooperates with Japan", "the EU and Canada agreed", "EU-Japan dialogue");
- ``beneficiary``: it receives support or assistance ("support Moldova", "assistance to Jordan");
- ``venue``: a body or place where work happens ("at the UN", "in the G20", "production in Senegal");
- ``subject``: a threat, a target or a topic ("Russia's war", "our approach to China", "sanctions on
  Iran", "discussed Sudan");
- ``hypothetical``: cooperation only recommended or conditional ("the EU should partner with India").

Only partners and beneficiaries make facts. Each decision carries the id of the row of
``role_words.csv`` that made it, so that ``rule_id`` tells an analyst why. The words are data;
this module holds how the parse is walked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from pipeline.resources import table_rows

FACT_ROLES = ("partner", "beneficiary")
ROLES = ("partner", "beneficiary", "venue", "subject", "hypothetical")
# Dependency labels that keep a list together: "Japan, Korea and Australia", "partners (Japan)".
_LIST_DEPS = ("conj", "appos")
_SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj", "expl")
_OBJECT_DEPS = ("dobj", "obj", "dative", "oprd", "attr")
_MAX_CLIMB = 12


@dataclass(frozen=True)
class Role:
    role: str
    rule_id: str

    @property
    def makes_fact(self) -> bool:
        return self.role in FACT_ROLES


@lru_cache(maxsize=1)
def _words() -> dict[str, tuple[str, re.Pattern[str]]]:
    """category -> (rule id, full-match pattern), from ``role_words.csv``."""
    return {r["category"]: (r["id"], re.compile(rf"(?:{r['pattern']})", re.I)) for r in table_rows("role_words.csv")}


def is_word(category: str, token: Token | None) -> bool:
    if token is None:
        return False
    return bool(_words()[category][1].fullmatch(token.lower_))


def _rule(category: str) -> str:
    return f"role:{_words()[category][0]}"


def _list_head(token: Token) -> Token:
    """The first item of the list the token stands in."""
    for _ in range(_MAX_CLIMB):
        if token.dep_ in _LIST_DEPS and token.head.i != token.i:
            token = token.head
        else:
            break
    return token


def _conjuncts(token: Token) -> list[Token]:
    head = _list_head(token)
    return [head, *[t for t in head.subtree if t.dep_ in _LIST_DEPS and _list_head(t).i == head.i]]


def _touches(tokens, eu: set[int]) -> bool:
    return any(t.i in eu for t in tokens)


_VERBAL_CHILDREN = ("nsubj", "nsubjpass", "aux", "auxpass", "dobj", "xcomp", "prt", "neg", "ccomp", "agent")
_CLAUSE_DEPS = ("ROOT", "xcomp", "ccomp", "advcl", "relcl", "pcomp", "acl")
_NOMINAL_CHILDREN = ("det", "amod", "compound", "poss", "nummod")


def _verbal(token: Token) -> bool:
    """Whether a token heads a clause (the model is loaded without its tagger, so no part of speech)."""
    deps = {c.dep_ for c in token.children}
    if deps & set(_VERBAL_CHILDREN):
        return True
    return token.dep_ in _CLAUSE_DEPS and not deps & set(_NOMINAL_CHILDREN)


def clause_subjects(verb: Token) -> list[Token]:
    """The subjects of a verb, taken from the verbs it is coordinated with or governed by when it has none."""
    for _ in range(_MAX_CLIMB):
        subjects = [c for c in verb.children if c.dep_ in _SUBJECT_DEPS]
        if subjects:
            return [t for s in subjects for t in _conjuncts(s)]
        if verb.dep_ in ("conj", "xcomp", "advcl", "pcomp", "acl", "relcl") and verb.head.i != verb.i:
            verb = verb.head
            continue
        return []
    return []


def _hypothetical(token: Token) -> bool:
    """A modal, a verb of recommending or a condition above the token, up to its clause's root."""
    node = token
    for _ in range(_MAX_CLIMB):
        for child in node.children:
            if child.dep_ in ("aux", "auxpass") and is_word("hypothetical_marker", child):
                return True
            if child.dep_ == "mark" and is_word("hypothetical_mark", child):
                return True
        if node.i != token.i and node.dep_ != "aux" and is_word("hypothetical_verb", node) and node.i < token.i:
            return True
        if node.head.i == node.i:
            break
        node = node.head
    return False


# What may stand between two items of one list of names: a comma, "and", "as well as", an
# acronym in brackets, and a group noun that introduces the rest ("a number of countries such as").
_LIST_GAP = re.compile(
    r"^\s*\)?\s*(\([^()]{1,20}\))?\s*[,;]?\s*((and|or|as well as|along with|plus|together with|&)\s+)?"
    r"((the|a|an|other|some|several|many|various|a (growing|large|small|wide) (number|range) of|a (number|range|group) of)\s+)?"
    r"(([\w-]+\s+){0,2}(countries|partners|states|nations|organisations|organizations|members|economies|actors|allies)\s+)?"
    r"((such as|including|like|notably|e\.g\.,?|namely|among them|in particular)\s+)?(the\s+)?\(?$",
    re.I,
)


def list_items(text: str, spans: list[tuple[int, int]]) -> list[list[int]]:
    """Indices of ``spans`` (sorted character spans of names) grouped into written lists
    ("Australia, Colombia and India", "the UN, NATO, the IMO as well as countries such as Oman")."""
    groups: list[list[int]] = []
    for i, (start, end) in enumerate(spans):
        if groups and _LIST_GAP.match(text[spans[groups[-1][-1]][1]:start]) and re.search(r"[,;(&]|\b(and|or|as well as|such as|including|like|along with|plus)\b", text[spans[groups[-1][-1]][1]:start] or ","):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


class RoleReader:
    """Roles of the partner mentions of one parsed sentence.

    ``eu`` holds the token indices that stand for the EU in this sentence: its names, EU bodies,
    and "we"/"both sides" when the document's speakers include the EU.
    """

    def __init__(self, doc: Doc | Span, eu: set[int], partner_spans: list[Span] | None = None,
                 kinds: list[str] | None = None):
        self.doc = doc
        self.eu = eu
        self.spans = [s for s in partner_spans or [] if s is not None and len(s)]
        # partner_kind (country or organisation) of each span's tokens
        self._kind = {t.i: k for s, k in zip(partner_spans or [], kinds or []) if s is not None for t in s}
        self.partners = {t.i for s in self.spans for t in s}
        # A list item hung inside another name ("the Democratic Republic of the Congo and Zambia"
        # parsed as "Congo and Zambia"): climb from the name's root instead.
        self._root_of = {t.i: s.root.i for s in self.spans for t in s}

    def role(self, span: Span) -> Role:
        if span.root.i in self.eu or self._hyphenated_to_eu(span):
            return Role("partner", "role:eu-compound")
        role = self._role_of(span.root, depth=0)
        if role.makes_fact and role.rule_id != "role:signatory" and _hypothetical(span.root):
            return Role("hypothetical", _rule("hypothetical_marker"))
        return role

    def _hyphenated_to_eu(self, span: Span) -> bool:
        """"EU-Ukraine forum", "U.S.-EU Energy Council": the EU and the partner joined by a dash."""
        doc = self.doc
        dashes = ("-", "\u2013", "\u2014", "\u2010", "\u2011", "/")
        after = span.end < len(doc) - 1 and doc[span.end].text in dashes and span.end + 1 in self.eu
        before = span.start >= 2 and doc[span.start - 1].text in dashes and span.start - 2 in self.eu
        return after or before or any(c.i in self.eu and c.dep_ in ("compound", "amod", "nmod") for c in span.root.children)

    # -- the walk ---------------------------------------------------------------------------------

    def _list_head(self, token: Token) -> Token:
        for _ in range(_MAX_CLIMB):
            head = _list_head(token)
            root = self._root_of.get(head.i, head.i)
            if root == head.i:
                return head
            token = self.doc[root]
        return token

    def _role_of(self, token: Token, depth: int) -> Role:
        if depth > 4:
            return Role("subject", "role:default")
        head = self._list_head(token)
        # An EU name in the same list: the EU and the partner act together ("the EU and Japan signed").
        items = [t for t in _conjuncts(head) if t.i == head.i or t.dep_ == "conj"]
        if _touches(items, self.eu):
            return Role("partner", "role:with-eu")
        dep = head.dep_
        if dep == "poss":
            return self._possessor(head, depth)
        if dep == "pobj" or (dep == "prep" and head.head.i != head.i):
            return self._object_of_preposition(head, depth)
        if dep in _SUBJECT_DEPS:
            return self._subject(head)
        if dep in _OBJECT_DEPS:
            return self._object(head, depth)
        if dep in ("compound", "nmod", "amod", "npadvmod", "nummod"):
            return self._modifier(head, depth)
        if dep == "ROOT":
            return Role("partner", "role:fragment") if self.eu else Role("subject", "role:default")
        return Role("subject", "role:default")

    def _speaker_owned(self, noun: Token) -> bool:
        """"our dialogue between ...": the noun belongs to the EU or to "we"."""
        return any(c.i in self.eu for c in noun.children if c.dep_ == "poss")

    def _possessor(self, token: Token, depth: int) -> Role:
        noun = token.head
        if is_word("cooperation_word", noun) and not is_word("threat_word", noun):
            # "Japan's participation in EU missions": a party only when the EU takes part too.
            if _touches(noun.subtree, self.eu) or _touches(noun.head.subtree, self.eu) and noun.dep_ in _OBJECT_DEPS:
                return Role("partner", _rule("cooperation_word"))
            return Role("subject", "role:cooperation-word-third-party")
        # "support Tajikistan's armed forces" is support; "Russia's forces" and "Iran's programme"
        # are otherwise what the sentence is about.
        proxy = self._role_of(noun, depth + 1)
        if is_word("threat_word", noun) and proxy.role != "beneficiary":
            return Role("subject", _rule("threat_word"))
        return proxy

    def _object_of_preposition(self, token: Token, depth: int) -> Role:
        prep = token.head
        governor = prep.head if prep.head.i != prep.i else prep
        # "on the margins of", "in the framework of": the noun before "of" decides.
        if is_word("partner_preposition", prep):
            if is_word("conformity_word", governor):
                return Role("subject", _rule("conformity_word"))
            if prep.lower_ in ("between", "among", "amongst") and not _touches(_conjuncts(token), self.eu) \
                    and not self._speaker_owned(governor):
                # "the border issues between Kyrgyzstan and Tajikistan": two others, not the EU
                return Role("subject", "role:partner-preposition-third-party")
            owner = [c for c in governor.children if c.dep_ == "poss" and c.i not in self.eu and c.i in self.partners]
            if owner:  # "Russia's cooperation with Iran": a third party's own ties
                return Role("subject", "role:partner-preposition-third-party")
            if is_word("threat_word", governor) and not is_word("cooperation_word", governor):
                return Role("subject", _rule("threat_word"))
            verb = governor if _verbal(governor) else None
            subjects = clause_subjects(verb) if verb is not None else []
            if subjects and not _touches(subjects, self.eu) and all(s.i in self.partners for s in subjects):
                return Role("subject", "role:partner-preposition-third-party")
            return Role("partner", _rule("partner_preposition"))
        if is_word("recipient_preposition", prep):
            # "support to Ukraine" also when "to Ukraine" hangs on the verb: "continue its support to Ukraine"
            nouns = [governor, *(c for c in governor.children if c.dep_ in _OBJECT_DEPS and c.i < prep.i)]
            if any(is_word("offer_word", n) for n in nouns):
                return Role("partner", _rule("offer_word"))
            support = next((n for n in nouns if is_word("support_word", n)), None)
            if support is not None:
                if any(c.dep_ == "poss" and c.i in self.partners for c in support.children):
                    return Role("subject", "role:support-third-party")
                return Role("beneficiary", _rule("support_word"))
            return Role("subject", _rule("recipient_preposition"))
        if is_word("agent_preposition", prep):
            if is_word("threat_word", governor) or is_word("hostile_verb", governor):
                return Role("subject", _rule("agent_preposition"))
            if is_word("cooperation_word", governor) or is_word("engage_verb", governor):
                return Role("partner", _rule("agent_preposition"))
            return self._role_of(governor, depth + 1)
        if (is_word("venue_preposition", prep) or is_word("of_preposition", prep) or prep.lower_ == "from") and is_word("actor_noun", governor):
            return self._role_of(governor, depth + 1)
        if is_word("of_preposition", prep) and is_word("quantity_noun", governor):
            return self._role_of(governor, depth + 1)
        if is_word("of_preposition", prep) and is_word("agency_noun", governor):
            return Role("partner", _rule("agency_noun"))
        if is_word("of_preposition", prep):
            if is_word("person_title", governor) or governor.ent_type_ == "PERSON" or any(is_word("person_title", c) for c in governor.children):
                return self._role_of(governor, depth + 1)
            if is_word("cooperation_word", governor) and _touches(governor.subtree, self.eu):
                return Role("partner", _rule("of_preposition"))
            if is_word("topic_of_noun", governor) or is_word("threat_word", governor):
                return Role("subject", _rule("topic_of_noun"))
            # "the capacities of Armenia's border guards": the state takes the role of what it has
            proxy = self._role_of(governor, depth + 1)
            return proxy if proxy.role == "beneficiary" else Role("subject", _rule("topic_of_noun"))
        if is_word("list_preposition", prep) or (prep.lower_ == "as" and prep.head.lower_ == "such"):
            target = governor.head if governor.lower_ == "such" else governor
            if is_word("cooperation_word", target) and not is_word("threat_word", target) and _touches(target.subtree, self.eu):
                # "cooperation between Atalanta and other forces, including those of Japan": a party to it
                return Role("partner", _rule("cooperation_word"))
            return self._role_of(target, depth + 1)
        if is_word("venue_preposition", prep):
            # "funding programmes in Niger": support given in a state goes to it; "the EU mission
            # deployed in Mali": the host of an EU mission works with it. A body is only a venue.
            if self._kind.get(token.i) == "country" and prep.lower_ in ("in", "inside", "throughout", "across"):
                chain = [governor, governor.head] if governor.head.i != governor.i else [governor]
                if any(is_word("support_word", t) for t in chain):
                    return Role("beneficiary", "role:support-word-in")
                if any(is_word("host_word", t) for t in chain) and _touches(self.doc, self.eu):
                    return Role("partner", _rule("host_word"))
            return Role("venue", _rule("venue_preposition"))
        return Role("subject", _rule("topic_preposition"))

    def _subject(self, token: Token) -> Role:
        verb = token.head
        # "Canada joined the EU mission", "Japan will work with the EU": the EU in the verb's objects.
        if _touches(verb.subtree, self.eu) and (is_word("cooperation_word", verb) or is_word("engage_verb", verb)
                                                 or any(is_word("cooperation_word", t) for t in verb.subtree if t.i in self.eu or t.dep_ in ("prep", "dobj", "xcomp"))):
            return Role("partner", "role:subject-with-eu")
        if _touches(verb.subtree, self.eu) and not is_word("threat_word", verb) and not is_word("hostile_verb", verb):
            return Role("partner", "role:subject-with-eu")
        return Role("subject", "role:subject-alone")

    def _object(self, token: Token, depth: int) -> Role:
        verb = token.head
        if is_word("support_word", verb):
            return Role("beneficiary", _rule("support_word"))
        if is_word("coverage_verb", verb) and self._eu_programme_subject(verb):
            return Role("beneficiary", _rule("coverage_verb"))
        if is_word("hostile_verb", verb):
            return Role("subject", _rule("hostile_verb"))
        if is_word("engage_verb", verb) or (is_word("cooperation_word", verb) and verb.lower_ not in ("work", "works", "worked", "working")):
            subjects = clause_subjects(verb)
            if not subjects or _touches(subjects, self.eu):
                return Role("partner", _rule("engage_verb" if is_word("engage_verb", verb) else "cooperation_word"))
        return Role("subject", "role:object")

    def _eu_programme_subject(self, verb: Token) -> bool:
        """The verb's subject (or, for "which"/"that", the noun phrase the clause hangs on) is a
        programme, mission or other support, in a sentence that names the EU."""
        subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
        if verb.dep_ == "relcl" and (not subjects or subjects[0].lower_ in ("which", "that", "who")):
            chain, token = [], verb.head  # "the phase of the Programme in Central Asia, which covers"
            for _ in range(_MAX_CLIMB * 2):
                chain.append(token)
                if token.dep_ not in ("pobj", "prep", "compound", "appos", "conj") or token.head.i == token.i:
                    break
                token = token.head
            nouns = [t for c in chain for t in c.subtree if t.i < verb.i]
        else:
            nouns = [t for s in subjects for t in s.subtree]
        if not self.eu or not nouns or any(t.i in self.partners for t in subjects):
            return False
        return _touches(nouns, self.eu) or any(is_word("support_word", t) for t in nouns)

    def _modifier(self, token: Token, depth: int) -> Role:
        noun = token.head
        if noun.i == token.i:
            return Role("subject", "role:default")
        # "EU-Japan cooperation", "the Japan-EU summit": the EU beside it on the same noun.
        if any(c.i in self.eu for c in noun.children) or noun.i in self.eu:
            return Role("partner", "role:eu-compound")
        if is_word("threat_word", noun):
            return Role("subject", _rule("threat_word"))
        return self._role_of(noun, depth + 1)
