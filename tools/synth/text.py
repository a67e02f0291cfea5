"""Fonts, words and line breaking: everything the typesetter measures and draws as text."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from synth.markup import Span

FONT_FILES = {
    "sans": {
        (False, False): "DejaVuSans.ttf",
        (True, False): "DejaVuSans-Bold.ttf",
        (False, True): "DejaVuSans-Oblique.ttf",
        (True, True): "DejaVuSans-BoldOblique.ttf",
    },
    "serif": {
        (False, False): "DejaVuSerif.ttf",
        (True, False): "DejaVuSerif-Bold.ttf",
        (False, True): "DejaVuSerif-Italic.ttf",
        (True, True): "DejaVuSerif-BoldItalic.ttf",
    },
}
LIGATURES = {"fi": "\ufb01", "fl": "\ufb02"}
_OPENING = "\"'(“‘["
_CLOSING = "\"').,;:!?’”]"
_VOWELS = set("aeiouyAEIOUY")
_LETTERS = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def font_dir() -> Path:
    """Folder of the DejaVu TTF files that matplotlib ships."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is needed for its DejaVu fonts")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


def font_name(family: str, bold: bool = False, italic: bool = False) -> str:
    """Registered reportlab name of a DejaVu face, registering it on first use."""
    filename = FONT_FILES[family][(bold, italic)]
    name = "Synth-" + filename.removesuffix(".ttf")
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(font_dir() / filename)))
    return name


@lru_cache(maxsize=1)
def _pyphen():
    """A pyphen dictionary for British English, or None when pyphen is not installed."""
    if importlib.util.find_spec("pyphen") is None:
        return None
    import pyphen

    return pyphen.Pyphen(lang="en_GB", left=3, right=3)


def hyphen_points(word: str) -> list[int]:
    """Positions where an alphabetic word may be broken with a hyphen."""
    dictionary = _pyphen()
    if dictionary is not None:
        return list(dictionary.positions(word))
    # Fallback: break between two consonants that sit between vowels (VC-CV).
    return [
        i
        for i in range(3, len(word) - 2)
        if word[i - 2] in _VOWELS
        and word[i - 1] not in _VOWELS
        and word[i] not in _VOWELS
        and word[i + 1] in _VOWELS
    ]


def break_points(core: str) -> list[int]:
    """Break positions inside a word's letters: after an explicit hyphen, or hyphenation points."""
    if any(ch.isdigit() for ch in core) or core.replace("-", "").isupper():
        return []
    points: list[int] = []
    start = 0
    for segment in core.split("-"):
        for run in _LETTERS.finditer(segment):  # "trainings/exercises" hyphenates both words
            if len(run.group()) >= 6:
                points += [start + run.start() + p for p in hyphen_points(run.group())]
        start += len(segment) + 1
        if start < len(core) and start - 1 >= 3 and len(core) - start >= 3:
            points.append(start)
    return sorted(points)


@dataclass(frozen=True)
class Frag:
    """A piece of a word drawn in one font; a note marker when ``note`` is set."""

    text: str
    font: str
    size: float
    rise: float = 0.0
    note: str | None = None


@dataclass
class Word:
    """Fragments drawn without space between them."""

    frags: list[Frag]
    hyphen: bool = False  # drawn with a hyphen added at a line end

    @property
    def notes(self) -> list[str]:
        return [f.note for f in self.frags if f.note]


@dataclass
class Line:
    """Words set on one line of ``width`` points, the first one ``indent`` points in."""

    words: list[Word]
    width: float
    indent: float = 0.0
    last: bool = False

    @property
    def notes(self) -> list[str]:
        return [n for w in self.words for n in w.notes]


@dataclass
class TextEngine:
    """Measures, breaks and draws text in one font family with the document's options."""

    family: str
    ligatures: bool = False
    hyphenate: bool = False
    marker_style: str = "superscript"
    _widths: dict[tuple[str, str, float], float] = field(default_factory=dict, repr=False)

    def font(self, bold: bool = False, italic: bool = False) -> str:
        return font_name(self.family, bold, italic)

    def shape(self, frag: Frag) -> str:
        """The characters actually drawn for a fragment (ligatures substituted when enabled)."""
        text = frag.text
        if self.ligatures and frag.note is None:
            for pair, glyph in LIGATURES.items():
                text = text.replace(pair, glyph)
        return text

    def width(self, text: str, font: str, size: float) -> float:
        key = (text, font, size)
        if key not in self._widths:
            self._widths[key] = pdfmetrics.stringWidth(text, font, size)
        return self._widths[key]

    def frag_width(self, frag: Frag) -> float:
        return self.width(self.shape(frag), frag.font, frag.size)

    def word_width(self, word: Word) -> float:
        total = sum(self.frag_width(f) for f in word.frags)
        if word.hyphen:
            total += self.width("-", word.frags[0].font, word.frags[0].size)
        return total

    def space_after(self, word: Word) -> float:
        return self.width(" ", word.frags[0].font, word.frags[0].size)

    def marker(self, note: str, size: float) -> Frag:
        """A raised, smaller note marker for body text of the given size."""
        if self.marker_style == "bracket":  # "[3]" in the body type, on the baseline
            return Frag(f"[{note}]", self.font(), size, note=note)
        text = f"({note})" if self.marker_style == "paren" else note
        return Frag(text, self.font(), round(size * 0.62, 2), rise=round(size * 0.36, 2), note=note)

    def words(self, spans: list[Span], size: float, bold: bool = False, italic: bool = False) -> list[Word]:
        """Split spans into words; a marker sticks to the word before it."""
        words: list[Word] = []
        current: list[Frag] = []
        for span in spans:
            if span.note:
                if current or not words:
                    current.append(self.marker(span.note, size))
                else:
                    words[-1].frags.append(self.marker(span.note, size))
                continue
            font = self.font(bold or span.bold, italic or span.italic)
            for index, part in enumerate(span.text.split(" ")):
                if index > 0 and current:
                    words.append(Word(current))
                    current = []
                if part.strip():
                    current.append(Frag(part.strip(), font, size))
        if current:
            words.append(Word(current))
        return words

    def plain_words(self, text: str, size: float, bold: bool = False, italic: bool = False) -> list[Word]:
        return self.words([Span(text)], size, bold, italic)

    def _cuts(self, word: Word) -> list[int]:
        """Positions in the word's first fragment where it may be broken at a line end."""
        head, rest = word.frags[0], word.frags[1:]
        if head.note or any(f.note is None for f in rest):
            return []
        text = head.text
        lead = len(text) - len(text.lstrip(_OPENING))
        return [lead + p for p in break_points(text[lead:].rstrip(_CLOSING))]

    def _cut(self, word: Word, cut: int) -> tuple[Word, Word]:
        head = word.frags[0]
        explicit = head.text[cut - 1] == "-"
        first = Word([replace(head, text=head.text[:cut])], hyphen=not explicit)
        return first, Word([replace(head, text=head.text[cut:]), *word.frags[1:]])

    def _split(self, word: Word, room: float, own_first: bool = False) -> tuple[Word, Word] | None:
        """Cut a word so that its head (with hyphen) fits in ``room``, or None.

        The latest cut that fits wins; with ``own_first`` a cut after one of the word's own
        hyphens is preferred to any hyphenation point.
        """
        cuts = self._cuts(word)
        if own_first:
            text = word.frags[0].text
            own = [c for c in cuts if text[c - 1] == "-"]
            cuts = [c for c in cuts if c not in own] + own  # tried from the end
        for cut in reversed(cuts):
            first, second = self._cut(word, cut)
            if self.word_width(first) <= room + 1e-6:
                return first, second
        return None

    def _break(self, word: Word, room: float, least: int = 1) -> tuple[Word, Word] | None:
        """Cut a word between any two letters: the longest head (with hyphen) that fits ``room``,
        but at least ``least`` letters; None when the word cannot be cut there."""
        head, rest = word.frags[0], word.frags[1:]
        if head.note or any(f.note is None for f in rest) or len(head.text) <= least:
            return None
        best = least
        for cut in range(least + 1, len(head.text)):
            if self.word_width(self._cut(word, cut)[0]) > room + 1e-6:
                break
            best = cut
        return self._cut(word, best)

    def narrowest(self, word: Word) -> float:
        """Width of the widest piece of a word cut at all of its break points."""
        head = word.frags[0]
        bounds = [0, *self._cuts(word), len(head.text)]
        widths = []
        for start, end in pairwise(bounds):
            hyphen = end < len(head.text) and head.text[end - 1] != "-"
            widths.append(self.word_width(Word([replace(head, text=head.text[start:end])], hyphen)))
        widths[-1] += sum(self.frag_width(f) for f in word.frags[1:])
        return max(widths)

    def break_lines(
        self,
        words: list[Word],
        width: float,
        first_indent: float = 0.0,
        rest_indent: float = 0.0,
        hyphenate: bool | None = None,
        bind_first: bool = False,
    ) -> list[Line]:
        """Greedy line breaking, hyphenating the word that overflows when allowed.

        A word wider than a whole line is broken in any case: after one of its own hyphens if
        possible, else at a hyphenation point, else (at the start of a line) between any two
        letters, so that no line is wider than ``width``. With ``bind_first`` the first word (a
        bullet dash) keeps at least two letters of the second word on its line.
        """
        hyphenate = self.hyphenate if hyphenate is None else hyphenate
        queue = list(reversed(words))
        lines: list[Line] = []
        current: list[Word] = []
        used = 0.0
        while queue:
            word = queue.pop()
            indent = rest_indent if lines else first_indent
            gap = self.space_after(current[-1]) if current else 0.0
            size = self.word_width(word)
            if used + gap + size <= width - indent + 1e-6:
                current.append(word)
                used += gap + size
                continue
            room = width - indent - used - gap
            alone = width - (rest_indent if current else indent)  # room on a line of its own
            glued = bind_first and not lines and len(current) == 1 and current[0] is words[0]
            split = None
            if glued or size > alone + 1e-6:
                split = self._split(word, room, own_first=True)
                if split is None and (glued or not current):
                    split = self._break(word, room, least=2 if glued else 1)
            elif hyphenate:
                split = self._split(word, room)
            if split:
                current.append(split[0])
                queue.append(split[1])
            elif current and not glued:
                queue.append(word)
            else:
                current.append(word)  # a word that cannot be cut overflows the line
            lines.append(Line(current, width, indent))
            current, used = [], 0.0
        if current:
            lines.append(Line(current, width, rest_indent if lines else first_indent))
        if lines:
            lines[-1].last = True
        return lines

    def line_width(self, line: Line) -> float:
        gaps = sum(self.space_after(w) for w in line.words[:-1])
        return gaps + sum(self.word_width(w) for w in line.words)

    def draw_line(
        self, canvas: Canvas, line: Line, x: float, baseline: float, justify: bool, align: str = "left"
    ) -> None:
        """Draw one line, spreading the spaces when justified; real space characters fill the gaps."""
        room = line.width - line.indent
        natural = self.line_width(line)
        extra = 0.0
        x += line.indent
        if justify and not line.last and len(line.words) > 1:
            extra = (room - natural) / (len(line.words) - 1)
        elif align == "right":
            x += room - natural
        elif align == "center":
            x += (room - natural) / 2
        for index, word in enumerate(line.words):
            x = self.draw_word(canvas, word, x, baseline)
            if index < len(line.words) - 1:
                base = word.frags[0]
                canvas.setFont(base.font, base.size)
                canvas.drawString(x, baseline, " ")
                x += self.space_after(word) + extra

    def draw_word(self, canvas: Canvas, word: Word, x: float, baseline: float) -> float:
        """Draw a word's fragments from ``x``; return the x where it ends."""
        for frag in word.frags:
            canvas.setFont(frag.font, frag.size)
            shaped = self.shape(frag)
            canvas.drawString(x, baseline + frag.rise, shaped)
            x += self.width(shaped, frag.font, frag.size)
        if word.hyphen:
            base = word.frags[0]
            canvas.setFont(base.font, base.size)
            canvas.drawString(x, baseline, "-")
            x += self.width("-", base.font, base.size)
        return x


def baseline(top: float, leading: float, size: float) -> float:
    """Baseline of a line whose box of height ``leading`` starts at ``top``."""
    return top - (leading - size) / 2 - 0.8 * size
