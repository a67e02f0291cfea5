"""Precision, recall and F1: the one place every evaluation and the audit count them."""

from __future__ import annotations

from dataclasses import dataclass


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
