"""Precision, recall and F1: the one place every evaluation and the audit count them; and the
per-document gold (the JSON format of ``../shared/dev/gold``) they count against, read and
matched to passages the same way by the audit (``secmine evaluate documents``) and the
classifier's evaluation (``secmine evaluate domains``).
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from pathlib import Path

# Gold domain labels and secmine's.
GOLD_DOMAINS = {
    "non-proliferation": "non_proliferation",
    "counter-terrorism": "counter_terrorism",
    "organised crime": "organised_crime",
    "cyber-security": "cyber_security",
    "maritime security": "maritime_security",
    "outer space": "outer_space",
    "crisis management": "crisis_management",
    "security of supply/defence industry": "security_of_supply",
}
IGNORED_DOMAINS = ("defence_general",)
PASSAGE_KEY_WORDS = 7


@dataclass
class Score:
    """True positives, false positives and false negatives, and the figures they give."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: "Score") -> "Score":
        return Score(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @classmethod
    def of_sets(cls, predicted: set, gold: set) -> "Score":
        """The score of a predicted set against a gold set."""
        return cls(len(predicted & gold), len(predicted - gold), len(gold - predicted))

    def to_dict(self) -> dict:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


# -- gold files ----------------------------------------------------------------------------------


class GoldError(ValueError):
    """A gold file breaks its format; the message names the file, line and field."""


# Byte-order marks, the longer first (UTF-32 LE begins with UTF-16 LE's).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_gold(path: str | Path, error: type[Exception] = GoldError) -> str:
    """A gold file's text: UTF-8, or any UTF with a byte-order mark; otherwise ``error`` (a
    ``GoldError``) naming the file, the line and the byte that is not UTF-8."""
    path = Path(path)
    data = path.read_bytes()
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    if encoding == "utf-8" and b"\x00" in data[:400]:
        raise error(f"{path}, line 1: looks like UTF-16 or UTF-32 without a byte-order mark; save it as UTF-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        raise error(f"{path}, line {line}, column {column}: byte 0x{data[exc.start]:02x} is not {encoding.upper()} "
                    "(a Latin-1 or Windows-1252 file? save it as UTF-8)") from None


class DocumentGoldError(ValueError):
    """A gold file cannot be read; the message names it."""


def load_document_gold(folder: str | Path) -> list[dict]:
    """Every ``*.json`` gold file of a folder, checked for the fields the figures need."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such gold folder")
    golds = []
    for path in sorted(folder.glob("*.json")):
        try:
            gold = json.loads(decode_gold(path))
        except json.JSONDecodeError as exc:
            raise DocumentGoldError(f"{path}: not a JSON gold file ({exc})") from exc
        for key in ("text_file", "partners", "instruments"):
            if key not in gold:
                raise DocumentGoldError(f"{path}: the gold has no {key!r}")
        gold["_path"] = str(path)
        golds.append(gold)
    if not golds:
        raise DocumentGoldError(f"{folder}: no *.json gold files")
    return golds


def gold_text(text: str) -> str:
    """Text as gold and output are compared: dashes and quotes plain, whitespace squashed, lower case."""
    text = text.translate(str.maketrans({"\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-",
                                         "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "}))
    return " ".join(text.split()).lower()


def _key_words(text: str) -> str:
    return " ".join(re.findall(r"\w+", gold_text(text))[:PASSAGE_KEY_WORDS])


def find_passage(text_start: str, passages: list[tuple[str, str]]) -> str | None:
    """The passage id whose text starts with (else contains) the gold passage's first seven words.

    When several passages start with the same seven words ("1. The United States and the European
    Union ..."), the one that starts with the whole ``text_start`` wins."""
    key = _key_words(text_start)
    if not key:
        return None
    whole = " ".join(re.findall(r"\w+", gold_text(text_start)))
    starting, contained = [], None
    for pid, text in passages:
        words = " ".join(re.findall(r"\w+", gold_text(text)))
        if words.startswith(key):
            starting.append((pid, words))
        elif contained is None and key in words:
            contained = pid
    if starting:
        return next((pid for pid, words in starting if words.startswith(whole)), starting[0][0])
    return contained
