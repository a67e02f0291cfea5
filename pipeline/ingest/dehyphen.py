"""Joining lines: is a hyphen at a line end a break inside a word or part of a compound?"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from wordfreq import zipf_frequency

from pipeline.resources import word_list

_HYPHENS = "-\u2010\u2011\u00ad"
_WORD_RE = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:[-\u2010\u2011][A-Za-z\u00c0-\u024f]+)*")
_TAIL_RE = re.compile(r"([A-Za-z\u00c0-\u024f]+)[-\u2010\u2011\u00ad]$")
_HEAD_RE = re.compile(r"^([A-Za-z\u00c0-\u024f]+)")
_URL_TAIL_RE = re.compile(r"(https?://|www\.)\S*[^\s.,;:)\]]$")
_DASHES = "\u2013\u2014"
_LOWER_TAIL = re.compile(r"(?:^|[\s(/])([a-z]+)$")
_LOWER_HEAD = re.compile(r"^([a-z]+)\b")

# A joined form at least this common (Zipf scale) is a real word.
_WORD_ZIPF = 2.0
_PART_ZIPF = 2.5


@lru_cache(maxsize=65536)
def _zipf(word: str) -> float:
    return zipf_frequency(word, "en")


class Dehyphenator:
    """Decides line-end hyphens with the document's own spellings first, then word frequencies."""

    def __init__(self, text: str = "") -> None:
        self.text = text
        self._exact: Counter[str] | None = None
        self._vocab: Counter[str] | None = None

    @property
    def exact(self) -> Counter[str]:
        """The document's words as spelled, counted (on first need)."""
        if self._exact is None:
            self._exact = Counter(_WORD_RE.findall(self.text))
        return self._exact

    @property
    def vocab(self) -> Counter[str]:
        """The document's words in lower case, counted (on first need)."""
        if self._vocab is None:
            self._vocab = Counter()
            for word, n in self.exact.items():
                self._vocab[word.lower()] += n
        return self._vocab

    def join(self, left: str, right: str) -> str:
        """Join two consecutive lines of one paragraph."""
        if not left:
            return right
        if not right:
            return left
        tail = _TAIL_RE.search(left)
        if left[-1] == "\u00ad":
            return left[:-1] + right
        if _URL_TAIL_RE.search(left):
            return left + right
        if left[-1] in _DASHES and len(left) > 1 and not left[-2].isspace():
            return left + right
        if not tail or not left.endswith(tuple(_HYPHENS)):
            return left + ("" if self._cut_word(left, right) else " ") + right
        head = _HEAD_RE.match(right)
        if not head:
            return left + right
        if self.keeps_hyphen(tail.group(1), head.group(1)):
            return left + right
        return left[:-1] + right

    def join_all(self, lines: list[str]) -> str:
        """Lines of one paragraph joined as ``join`` joins two, in time linear in their length."""
        parts: list[str] = []
        for line in lines:
            if not line:
                continue
            if not parts:
                parts.append(line)
                continue
            tail = parts[-1][-64:]  # the decision looks at the end of the text so far only
            joined = self.join(tail, line)
            parts[-1] = parts[-1][: len(parts[-1]) - len(tail)]
            parts.append(joined)
        return "".join(parts)

    def _cut_word(self, left: str, right: str) -> bool:
        """A word broken without a hyphen (a narrow cell): neither piece is a word, both together are."""
        a, b = _LOWER_TAIL.search(left), _LOWER_HEAD.match(right)
        if not a or not b or len(a.group(1)) < 3:
            return False
        before, after = a.group(1), b.group(1)
        whole = before + after
        if _zipf(before) >= 1.5:  # (the document's own text holds the broken pieces too)
            return False
        return bool(self.vocab[whole]) or _zipf(whole) >= 3.0

    def keeps_hyphen(self, before: str, after: str) -> bool:
        """True when "before-after" is a compound, False when the hyphen only broke a word.

        The document's own spelling decides first. A single letter carried over is a word broken
        by force in a narrow cell ("COPOLA-" / "D)"): hyphenation leaves at least two."""
        if self.exact[f"{before}-{after}"] != self.exact[f"{before}{after}"]:  # the document's own spelling, case kept
            return self.exact[f"{before}-{after}"] > self.exact[f"{before}{after}"]
        if len(after) == 1 and len(before) >= 3 and before.isupper() == after.isupper():
            return False
        if after[0].isupper() or before.isupper() or len(before) == 1:
            return True
        compound = f"{before}-{after}".lower()
        joined = f"{before}{after}".lower()
        if self.vocab[compound] > self.vocab[joined]:
            return True
        if self.vocab[joined] > self.vocab[compound]:
            return False
        if before.lower() in word_list("hyphen_prefixes.txt"):
            return True
        if _zipf(joined) >= _WORD_ZIPF:
            return False
        return _zipf(before.lower()) >= _PART_ZIPF and _zipf(after.lower()) >= _PART_ZIPF
