"""Numbers written in words: the values of numerals ("twenty-five", "a hundred") and the count
words a sentence may give a group of partners in ("with twenty-one countries")."""

from __future__ import annotations

ONES = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen"]
TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
NUMBER_WORDS: dict[str, int] = {w: i for i, w in enumerate(ONES, 1)}
NUMBER_WORDS.update({w: 10 * i for i, w in enumerate(TENS, 2)})
# Counts of partners written in words, as written (lower case): zero to twenty-five, and thirty.
COUNT_WORDS: dict[str, int] = {"zero": 0, **{w: i for i, w in enumerate(ONES, 1)}, "twenty": 20,
                               **{f"twenty-{w}": 20 + i for i, w in enumerate(ONES[:5], 1)}, "thirty": 30}


def number_value(word: str) -> int | None:
    """The value of a numeral written in digits or English words ("twenty-five", "a hundred")."""
    w = " ".join(word.lower().replace("-", " ").split())
    if w.isdigit():
        return int(w)
    if w in ("a", "an"):
        return 1
    if w.endswith("hundred"):
        head = w[: -len("hundred")].strip()
        return 100 * (1 if head in ("", "a") else NUMBER_WORDS.get(head, 0)) or None
    total = 0
    for part in w.split():
        if part not in NUMBER_WORDS:
            return None
        total += NUMBER_WORDS[part]
    return total or None
