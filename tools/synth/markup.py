"""Parser for the synth markup: front matter, headings, paragraphs, bullets, boxes, tables, notes."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field, fields
from pathlib import Path

LAYOUTS = ("one_column", "two_column", "three_column")
FONTS = ("sans", "serif")
NOTE_MODES = ("footnotes", "endnotes")
MARKER_STYLES = ("superscript", "paren", "bracket")
BULLETS = ("dash", "square")
TABLE_STYLES = ("grid", "rules", "whitespace")
FIRST_PAGE_NUMBER = ("", "bottom_center")
MARGINS = ("normal", "narrow", "wide")
PLACES = ("", "top", "bottom")

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_PAGE = re.compile(r"^(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)mm$")
PAGE_SIZES_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
_INLINE = re.compile(r"\*\*|\*|\[\^([^\]\s]+)\]")
_FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:\s*(.*)$")
_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


@dataclass
class Meta:
    """Front matter: what the document is and how it is laid out."""

    title: str = "Untitled"
    subtitle: str = ""
    authors: str = ""
    series: str = ""
    date: str = ""
    layout: str = "one_column"
    page: str = "A4"
    font: str = "serif"
    running_header: str = ""
    running_footer: str = ""
    page_number_first: str = ""
    notes: str = "footnotes"
    marker_style: str = "superscript"
    bullet: str = "dash"
    hyphenate: bool = False
    ligatures: bool = False
    justify: bool = True
    indent_paragraphs: bool = False
    cover: str = ""
    imprint: str = ""
    margins: str = "normal"
    body_size: str = ""  # points; empty: chosen from the page and the columns
    running: str = ""  # where the running text goes: top, bottom, or as written (header/footer)
    page_numbers: str = ""  # top, bottom, or beside the running text

    def validate(self) -> None:
        """Raise ValueError when a choice is outside its allowed values."""
        choices = {
            "layout": LAYOUTS,
            "font": FONTS,
            "notes": NOTE_MODES,
            "marker_style": MARKER_STYLES,
            "bullet": BULLETS,
            "page_number_first": FIRST_PAGE_NUMBER,
            "margins": MARGINS,
            "running": PLACES,
            "page_numbers": PLACES,
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name}: {getattr(self, name)!r} is not one of {allowed}")
        if self.date and not _DATE.match(self.date):
            raise ValueError(f"date: {self.date!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        if self.page not in PAGE_SIZES_MM and not _PAGE.match(self.page):
            raise ValueError(f"page: {self.page!r} is none of {', '.join(PAGE_SIZES_MM)} or WxHmm")
        if self.body_size and not re.fullmatch(r"\d+(?:\.\d+)?", self.body_size):
            raise ValueError(f"body_size: {self.body_size!r} is not a number of points")

    @property
    def date_text(self) -> str:
        """The date as printed: "2025", "March 2025" or "14 March 2025"."""
        match = _DATE.match(self.date)
        if not match:
            return ""
        year, month, day = match.groups()
        parts = [str(int(day))] if day else []
        if month:
            parts.append(_MONTHS[int(month) - 1])
        return " ".join([*parts, year])

    @property
    def page_size_mm(self) -> tuple[float, float]:
        """Width and height of the page in millimetres."""
        if self.page in PAGE_SIZES_MM:
            return PAGE_SIZES_MM[self.page]
        match = _PAGE.match(self.page)
        assert match, self.page
        return (float(match.group(1)), float(match.group(2)))

    @property
    def columns(self) -> int:
        return LAYOUTS.index(self.layout) + 1


@dataclass
class Span:
    """A run of inline text, or a footnote reference when ``note`` is set (then text is empty)."""

    text: str
    bold: bool = False
    italic: bool = False
    note: str | None = None


@dataclass
class Heading:
    """A heading of level 1 to 3."""

    level: int
    text: str


@dataclass
class Paragraph:
    """A body paragraph, or one bullet item."""

    spans: list[Span]
    bullet: bool = False

    @property
    def text(self) -> str:
        return plain_text(self.spans)

    @property
    def notes(self) -> list[str]:
        return [s.note for s in self.spans if s.note]


@dataclass
class Box:
    """A shaded summary box of bullet items."""

    title: str
    items: list[list[Span]]


@dataclass
class Table:
    """A table as written: raw cells with the ``<`` / ``^`` merge marks still in place."""

    style: str
    caption: str
    grid: list[list[str]]
    header_rows: int
    align: list[str | None]
    widths: list[float] | None = None
    repeat_header: bool = True
    split_rows: bool = False
    row_rules: bool = False
    span_full: bool = False
    note: list[Span] | None = None
    rotate: bool = False  # set on pages of its own, turned a quarter (a landscape table)
    caption_below: bool = False
    zebra: bool = False  # every other body row shaded
    spacers: list[int] = field(default_factory=list)  # grid rows that are shaded empty spacer rows
    part_rules: bool = True  # each part closed by a rule where the table breaks (rules style)

    @property
    def n_cols(self) -> int:
        return len(self.grid[0])

    def owners(self) -> list[list[tuple[int, int]]]:
        """For each cell, the (row, col) of the cell whose text it shows after merging."""
        owner: list[list[tuple[int, int]]] = []
        for r, row in enumerate(self.grid):
            owner.append([])
            for c, text in enumerate(row):
                if text == "<" and c > 0:
                    owner[r].append(owner[r][c - 1])
                elif text == "^" and r > 0:
                    above = owner[r - 1][c]
                    if (r - 1 < self.header_rows) != (r < self.header_rows):
                        raise ValueError(f"table {self.caption!r}: a row span crosses the header")
                    owner[r].append(above)
                elif text in ("<", "^"):
                    raise ValueError(f"table {self.caption!r}: merge mark {text!r} at the edge")
                else:
                    owner[r].append((r, c))
        return owner

    def printed(self) -> list[list[str]]:
        """Cell texts as a reader sees them without rules between rows: a merged cell's text in
        its first row and column span, blank in the rows below; spacer rows left out."""
        owners = self.owners()
        rows = []
        for r, row in enumerate(owners):
            if r in self.spacers:
                continue
            rows.append([cell_text(self.grid[orow][ocol]) if orow == r else "" for orow, ocol in row])
        return rows

    def resolved(self) -> list[list[str]]:
        """Cell texts with merged cells repeating their value, lines joined with newlines.

        Spacer rows print nothing and are left out."""
        owners = self.owners()
        return [
            [cell_text(self.grid[orow][ocol]) for orow, ocol in row]
            for r, row in enumerate(owners)
            if r not in self.spacers
        ]


@dataclass
class SynthDoc:
    """A parsed source: front matter, body blocks in order, abstract and note texts."""

    meta: Meta
    blocks: list[Heading | Paragraph | Box | Table]
    abstract: list[list[Span]] = field(default_factory=list)
    footnotes: dict[str, list[Span]] = field(default_factory=dict)
    source: str = ""


def plain_text(spans: list[Span]) -> str:
    """Words of the spans joined by single spaces, note references dropped."""
    return " ".join("".join(s.text for s in spans).split())


def cell_lines(text: str) -> list[str]:
    """The logical lines of a table cell (split at ``<br>``), whitespace collapsed."""
    return [" ".join(part.split()) for part in re.split(r"<br\s*/?>", text)]


def cell_text(text: str) -> str:
    return "\n".join(cell_lines(text))


def parse_inline(text: str) -> list[Span]:
    """Split ``**bold**``, ``*italic*`` and ``[^n]`` references into spans."""
    spans: list[Span] = []
    bold = italic = False
    pos = 0
    for match in _INLINE.finditer(text):
        if match.start() > pos:
            spans.append(Span(text[pos : match.start()], bold, italic))
        token = match.group(0)
        if token == "**":
            bold = not bold
        elif token == "*":
            italic = not italic
        else:
            spans.append(Span("", bold, italic, note=match.group(1)))
        pos = match.end()
    if pos < len(text):
        spans.append(Span(text[pos:], bold, italic))
    if bold or italic:
        raise ValueError(f"unclosed emphasis in {text!r}")
    return spans


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_front_matter(lines: list[str]) -> Meta:
    """Read ``key: value`` lines (and ``key: |`` blocks of indented lines) into a Meta."""
    raw: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ValueError(f"front matter line is not 'key: value': {line!r}")
        if value.strip() == "|":
            block: list[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i][:1] in " \t"):
                block.append(lines[i].strip())
                i += 1
            raw[key] = "\n".join(block).strip("\n")
        else:
            raw[key] = _unquote(value)
    return _meta_from(raw)


def _meta_from(raw: dict[str, str]) -> Meta:
    defaults = Meta()
    unknown = sorted(set(raw) - {f.name for f in fields(Meta)})
    if unknown:
        raise ValueError(f"unknown front matter key(s): {', '.join(unknown)}")
    values: dict[str, object] = {}
    for key, value in raw.items():
        if isinstance(getattr(defaults, key), bool):
            if value.lower() not in _TRUE + _FALSE:
                raise ValueError(f"{key}: expected true or false, got {value!r}")
            values[key] = value.lower() in _TRUE
        else:
            values[key] = value
    meta = Meta(**values)
    meta.validate()
    return meta


def _split_row(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") else body
    return [cell.strip() for cell in body.split("|")]


def _parse_table(info: str, lines: list[str]) -> Table:
    words = shlex.split(info)
    if len(words) < 2 or words[1] not in TABLE_STYLES:
        raise ValueError(f"table needs a style {TABLE_STYLES}: {info!r}")
    style = words[1]
    caption = ""
    options: dict[str, str] = {}
    for word in words[2:]:
        key, sep, value = word.partition("=")
        if sep:
            options[key] = value
        elif not caption:
            caption = word
        else:
            raise ValueError(f"unexpected table word {word!r}")
    unknown = set(options) - {"widths", "repeat_header", "split_rows", "row_rules", "span", "caption", "zebra", "part_rules"}
    if unknown:
        raise ValueError(f"unknown table option(s): {', '.join(sorted(unknown))}")

    grid: list[list[str]] = []
    align: list[str | None] = []
    header_rows = 0
    for line in lines:
        if not line.strip():
            continue
        cells = _split_row(line)
        if all(_SEPARATOR_CELL.match(c) for c in cells):
            header_rows = len(grid)
            align = [_alignment(c) for c in cells]
        else:
            grid.append(cells)
    if not grid:
        raise ValueError(f"table {caption!r} has no rows")
    n_cols = len(grid[0])
    if any(len(row) != n_cols for row in grid):
        raise ValueError(f"table {caption!r}: rows have different numbers of cells")
    widths = [float(w) for w in options["widths"].split(",")] if "widths" in options else None
    if widths is not None and len(widths) != n_cols:
        raise ValueError(f"table {caption!r}: widths= needs {n_cols} values")
    table = Table(
        style=style,
        caption=caption,
        grid=grid,
        header_rows=header_rows,
        align=align or [None] * n_cols,
        widths=widths,
        repeat_header=_flag(options.get("repeat_header", "yes")),
        split_rows=_flag(options.get("split_rows", "no")),
        row_rules=_flag(options.get("row_rules", "no")),
        span_full=options.get("span", "column") == "full",
        rotate=options.get("span", "column") == "rotated",
        caption_below=options.get("caption", "above") == "below",
        zebra=_flag(options.get("zebra", "no")),
        part_rules=_flag(options.get("part_rules", "yes")),
    )
    if options.get("span", "column") not in ("column", "full", "rotated"):
        raise ValueError(f"table {caption!r}: span= is column, full or rotated")
    if options.get("caption", "above") not in ("above", "below"):
        raise ValueError(f"table {caption!r}: caption= is above or below")
    table.owners()  # validates the merge marks early
    return table


def _alignment(cell: str) -> str | None:
    if cell.startswith(":") and cell.endswith(":"):
        return "center"
    if cell.endswith(":"):
        return "right"
    if cell.startswith(":"):
        return "left"
    return None


def _flag(value: str) -> bool:
    if value.lower() not in _TRUE + _FALSE:
        raise ValueError(f"expected yes or no, got {value!r}")
    return value.lower() in _TRUE


def _box_items(lines: list[str]) -> list[list[Span]]:
    items: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("- "):
            items.append(stripped[2:])
        elif stripped and items:
            items[-1] += " " + stripped
        elif stripped:
            items.append(stripped)
    return [parse_inline(item) for item in items]


def _paragraphs(lines: list[str]) -> list[list[Span]]:
    text = "\n".join(lines)
    return [parse_inline(" ".join(p.split())) for p in re.split(r"\n\s*\n", text) if p.strip()]


class _Parser:
    """Line-oriented parser of the document body."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.i = 0
        self.blocks: list[Heading | Paragraph | Box | Table] = []
        self.abstract: list[list[Span]] = []
        self.footnotes: dict[str, list[Span]] = {}

    def run(self) -> None:
        while self.i < len(self.lines):
            line = self.lines[self.i]
            stripped = line.strip()
            if not stripped:
                self.i += 1
            elif stripped.startswith(":::"):
                self._fence(stripped[3:].strip())
            elif re.match(r"^#{1,3} ", stripped):
                level = len(stripped) - len(stripped.lstrip("#"))
                self.blocks.append(Heading(level, " ".join(stripped[level:].split())))
                self.i += 1
            elif _FOOTNOTE_DEF.match(stripped):
                self._footnote()
            elif stripped.startswith("- "):
                self.blocks.append(Paragraph(parse_inline(self._gather(stripped[2:])), bullet=True))
            else:
                self.blocks.append(Paragraph(parse_inline(self._gather(stripped))))

    def _starts_block(self, stripped: str) -> bool:
        return (
            not stripped
            or stripped.startswith((":::", "- "))
            or bool(re.match(r"^#{1,3} ", stripped))
            or bool(_FOOTNOTE_DEF.match(stripped))
        )

    def _gather(self, first: str) -> str:
        """Join ``first`` with the following lines that continue the same paragraph."""
        parts = [first]
        self.i += 1
        while self.i < len(self.lines) and not self._starts_block(self.lines[self.i].strip()):
            parts.append(self.lines[self.i].strip())
            self.i += 1
        return " ".join(" ".join(parts).split())

    def _footnote(self) -> None:
        match = _FOOTNOTE_DEF.match(self.lines[self.i].strip())
        assert match
        key = match.group(1)
        parts = [match.group(2)]
        self.i += 1
        while self.i < len(self.lines) and self.lines[self.i][:1] in (" ", "\t"):
            if not self.lines[self.i].strip():
                break
            parts.append(self.lines[self.i].strip())
            self.i += 1
        if key in self.footnotes:
            raise ValueError(f"footnote [^{key}] is defined twice")
        self.footnotes[key] = parse_inline(" ".join(" ".join(parts).split()))

    def _fence(self, info: str) -> None:
        start = self.i
        self.i += 1
        body: list[str] = []
        while self.i < len(self.lines) and self.lines[self.i].strip() != ":::":
            body.append(self.lines[self.i])
            self.i += 1
        if self.i >= len(self.lines):
            raise ValueError(f"line {start + 1}: '::: {info}' is never closed")
        self.i += 1
        kind, _, rest = info.partition(" ")
        if kind == "box":
            self.blocks.append(Box(_unquote(rest), _box_items(body)))
        elif kind == "abstract":
            self.abstract.extend(_paragraphs(body))
        elif kind == "table":
            self.blocks.append(_parse_table(info, body))
        elif kind == "note":
            if not self.blocks or not isinstance(self.blocks[-1], Table):
                raise ValueError(f"line {start + 1}: '::: note' must follow a table")
            self.blocks[-1].note = parse_inline(" ".join(" ".join(body).split()))
        else:
            raise ValueError(f"line {start + 1}: unknown block '::: {kind}'")


def parse_markup(text: str, source: str = "") -> SynthDoc:
    """Parse a markup source (front matter between ``---`` lines, then the body)."""
    lines = text.replace("\r\n", "\n").split("\n")
    meta = Meta()
    if lines and lines[0].strip() == "---":
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        except StopIteration:
            raise ValueError("front matter is never closed with '---'") from None
        meta = parse_front_matter(lines[1:end])
        lines = lines[end + 1 :]
    parser = _Parser(lines)
    parser.run()
    doc = SynthDoc(meta, parser.blocks, parser.abstract, parser.footnotes, source)
    _check_notes(doc)
    return doc


def _check_notes(doc: SynthDoc) -> None:
    spans = [s for b in doc.blocks if isinstance(b, Paragraph) for s in b.spans]
    spans += [s for b in doc.blocks if isinstance(b, Box) for item in b.items for s in item]
    missing = sorted({s.note for s in spans if s.note and s.note not in doc.footnotes})
    if missing:
        raise ValueError(f"footnote reference(s) without a definition: {', '.join(missing)}")


def parse_file(path: str | Path) -> SynthDoc:
    path = Path(path)
    return parse_markup(path.read_text(encoding="utf-8"), source=path.name)
