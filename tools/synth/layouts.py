"""One source, many layouts: the layout matrix and the truth that does not depend on the layout.

A ``Layout`` is a set of typesetting choices (page, margins, columns, type, running heads, notes,
table drawing, where tables break). ``apply`` gives a copy of a parsed source set that way, and
``source_truth`` what any reader must find in it whatever the layout: the passages (text, kind,
section, the notes each cites) and the table cells.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields, replace
from typing import Any

from synth.markup import Box, Heading, Paragraph, SynthDoc, Table, plain_text

TABLE_STYLES = ("grid", "rules", "rows", "zebra", "whitespace")
WIDE = ("full", "rotated", "column")


@dataclass(frozen=True)
class Layout:
    """Typesetting choices; every field has the value of the plainest layout by default."""

    name: str
    page: str = "A4"  # A4, Letter or WxHmm
    margins: str = "normal"  # normal, narrow, wide
    columns: int = 1  # 1, 2 or 3
    font: str = "serif"  # serif or sans
    size: float = 0.0  # body type size in points; 0: chosen from page and columns
    justify: bool = True
    hyphenate: bool = False
    indent: bool = False  # paragraphs marked by a first-line indent instead of space
    running: str = "top"  # the running text at the top or at the bottom of the page
    numbers: str = "top"  # page numbers at the top or at the bottom
    notes: str = "footnotes"  # footnotes or endnotes
    markers: str = "superscript"  # superscript, paren (raised "(3)") or bracket ("[3]" on the line)
    tables: str = "grid"  # grid, rules (booktabs), rows (rules + thin rules between rows), zebra, whitespace
    repeat_header: bool = True  # header printed again where a table continues
    caption: str = "above"  # caption above or below the table
    split_rows: bool = True  # a page break may fall inside a row of several lines
    wide: str = "full"  # a table too wide for a column: across all columns, rotated page, or squeezed in
    spacers: int = 0  # a shaded empty row after every N body rows (0: none)
    part_rules: bool = True  # with rules: each part closed by a rule where the table breaks

    def __post_init__(self) -> None:
        if self.columns not in (1, 2, 3):
            raise ValueError(f"layout {self.name}: columns is 1, 2 or 3")
        if self.tables not in TABLE_STYLES:
            raise ValueError(f"layout {self.name}: tables is one of {TABLE_STYLES}")
        if self.wide not in WIDE:
            raise ValueError(f"layout {self.name}: wide is one of {WIDE}")
        if self.caption not in ("above", "below") or self.running not in ("top", "bottom"):
            raise ValueError(f"layout {self.name}: caption above|below, running top|bottom")

    def describe(self) -> str:
        """The layout's name and every parameter that differs from the plainest layout."""
        plain = Layout("plain")
        changed = [
            f"{f.name}={getattr(self, f.name)}"
            for f in fields(self)
            if f.name != "name" and getattr(self, f.name) != getattr(plain, f.name)
        ]
        return f"{self.name} ({' '.join(changed) or 'plain'})"


def _L(name: str, **options: Any) -> Layout:
    return Layout(name, **options)


# Each row varies several choices at once; together they take every value of every choice, and
# the hard cases each have a row of their own (see the comments).
MATRIX: tuple[Layout, ...] = (
    _L("L01"),
    _L("L02", page="Letter", columns=2, font="sans", tables="rows", repeat_header=True, spacers=3,
       part_rules=False, running="bottom", numbers="bottom"),  # ruled at header and end, thin row rules, shaded spacers
    _L("L03", page="Letter", columns=2, tables="rules", repeat_header=False, hyphenate=True, indent=True),
    _L("L04", columns=3, font="sans", size=8.5, tables="grid", margins="narrow", notes="endnotes", markers="bracket"),
    _L("L05", tables="whitespace", justify=False, markers="paren", numbers="bottom"),
    _L("L06", page="170x240mm", tables="rows", caption="below", hyphenate=True, indent=True, size=9.5),
    _L("L07", page="Letter", tables="zebra", repeat_header=False, wide="rotated", margins="wide"),
    _L("L08", columns=2, tables="grid", wide="rotated", notes="endnotes", markers="paren", running="bottom"),
    _L("L09", columns=2, tables="zebra", caption="below", justify=False, size=10, numbers="bottom"),
    _L("L10", page="Letter", tables="rules", split_rows=False, markers="bracket", font="sans", size=11),
    _L("L11", columns=3, tables="rows", spacers=2, running="bottom", hyphenate=True, margins="narrow", size=8.5),
    _L("L12", page="170x240mm", columns=1, tables="grid", repeat_header=False, split_rows=True, size=9,
       margins="narrow", notes="endnotes"),
    _L("L13", columns=2, page="Letter", tables="whitespace", wide="full", indent=True, justify=False, size=9),
    _L("L14", tables="rows", spacers=4, part_rules=False, repeat_header=False, caption="below", size=11.5),
    _L("L15", columns=2, tables="rules", wide="column", font="sans", size=9, markers="bracket", margins="narrow"),
    _L("L16", page="Letter", tables="grid", caption="below", hyphenate=True, justify=False, running="bottom",
       numbers="top"),
    _L("L17", columns=3, tables="zebra", font="serif", size=8, notes="footnotes", markers="paren"),
    _L("L18", page="170x240mm", tables="rules", wide="rotated", spacers=3, size=9.5, notes="endnotes"),
    _L("L19", columns=2, tables="rows", repeat_header=True, split_rows=False, hyphenate=True, size=10.5,
       margins="wide", page="Letter"),
    _L("L20", tables="zebra", spacers=2, markers="bracket", indent=True, font="sans", margins="wide", size=10),
    _L("L21", columns=2, tables="grid", wide="full", caption="below", notes="endnotes", justify=False, size=10),
    _L("L22", page="Letter", tables="whitespace", repeat_header=False, running="bottom", numbers="bottom",
       size=10.5, margins="narrow"),
    _L("L23", columns=3, tables="rules", wide="rotated", hyphenate=True, running="top", numbers="bottom", size=8.5),
    _L("L24", page="170x240mm", tables="rows", caption="above", split_rows=True, size=8.5, markers="paren",
       justify=True, font="sans"),
    _L("L25", columns=2, tables="rows", spacers=1, part_rules=False, page="A4", font="serif", size=9,
       hyphenate=True, indent=True),
    _L("L26", page="Letter", columns=1, tables="grid", size=12, margins="wide", numbers="bottom", markers="bracket"),
)
LAYOUTS = {layout.name: layout for layout in MATRIX}
# What CI runs on every commit: rows with shaded spacers and open parts, whitespace, rules and
# grid tables (on turned pages too), 1-3 columns, both note kinds, all marker styles, captions
# below, unrepeated headers, A4, Letter and 170x240mm pages.
CI_LAYOUTS = ("L02", "L05", "L06", "L08", "L10", "L11", "L14", "L21")


def apply(doc: SynthDoc, layout: Layout) -> SynthDoc:
    """A copy of ``doc`` typeset with ``layout``'s choices (its text and tables unchanged)."""
    doc = copy.deepcopy(doc)
    running = doc.meta.running_header or doc.meta.running_footer
    doc.meta = replace(
        doc.meta,
        page=layout.page,
        margins=layout.margins,
        layout=("one_column", "two_column", "three_column")[layout.columns - 1],
        font=layout.font,
        body_size=f"{layout.size:g}" if layout.size else "",
        justify=layout.justify,
        hyphenate=layout.hyphenate,
        indent_paragraphs=layout.indent,
        running=layout.running if running else "",
        page_numbers=layout.numbers,
        notes=layout.notes,
        marker_style=layout.markers,
    )
    doc.meta.validate()
    for block in doc.blocks:
        if isinstance(block, Table):
            _set_table(block, layout)
    return doc


def _set_table(table: Table, layout: Layout) -> None:
    table.style = {"rows": "rules", "zebra": "whitespace"}.get(layout.tables, layout.tables)
    table.row_rules = layout.tables == "rows"
    table.zebra = layout.tables == "zebra"
    table.repeat_header = layout.repeat_header
    table.split_rows = layout.split_rows
    table.caption_below = layout.caption == "below"
    table.part_rules = layout.part_rules
    wide = table.n_cols >= 4 or layout.columns == 3
    table.span_full = layout.columns > 1 and wide and layout.wide != "column"
    table.rotate = layout.wide == "rotated" and table.n_cols >= 5
    if table.rotate:
        table.span_full = False
    if layout.spacers:
        _insert_spacers(table, layout.spacers)


def _insert_spacers(table: Table, every: int) -> None:
    """A shaded empty row after every ``every`` body rows, never inside a row span."""
    grid = table.grid
    rows = grid[table.header_rows :]
    out = grid[: table.header_rows]
    spacers = []
    count = 0
    for i, row in enumerate(rows):
        following = rows[i + 1] if i + 1 < len(rows) else None
        out.append(row)
        count += 1
        if following is not None and count >= every and "^" not in following:
            spacers.append(len(out))
            out.append([""] * table.n_cols)
            count = 0
    table.grid = out
    table.spacers = spacers


# --- the truth that holds in every layout ------------------------------------------------------------


def source_truth(doc: SynthDoc) -> dict[str, Any]:
    """What a reader must find whatever the layout: title, date, and the blocks in reading order.

    Blocks: ``body`` (text, section, notes it cites; bullets start with "– "), ``heading`` (text,
    level), ``box`` (title, items), ``caption`` (table captions and table notes), ``table``
    (caption, header, rows; merged cells repeat their value, cell lines joined by "\\n"; and
    ``rows_printed``, merged cells blank below their first row, what a table without rules
    between its rows shows),
    ``footnote`` (marker, text), ``front_matter`` (text).
    """
    meta = doc.meta
    blocks: list[dict[str, Any]] = []
    for text in (meta.cover, meta.series, meta.title, meta.subtitle, meta.authors and f"by {meta.authors}"):
        if text:
            blocks.append({"kind": "front_matter", "text": text})
    for spans in doc.abstract:
        blocks.append({"kind": "body", "role": "abstract", "text": plain_text(spans), "section": "",
                       "notes": [s.note for s in spans if s.note]})
    section = ["", "", ""]
    for block in doc.blocks:
        path = " > ".join(s for s in section if s)
        if isinstance(block, Heading):
            section[block.level - 1 :] = [block.text] + [""] * (3 - block.level)
            blocks.append({"kind": "heading", "level": block.level, "text": block.text})
        elif isinstance(block, Paragraph):
            text = ("– " if block.bullet else "") + block.text
            blocks.append({"kind": "body", "text": text, "section": path, "notes": block.notes})
        elif isinstance(block, Box):
            items = [plain_text(item) for item in block.items]
            notes = [s.note for item in block.items for s in item if s.note]
            blocks.append({"kind": "box", "title": block.title, "items": items, "section": path, "notes": notes})
        else:
            resolved = block.resolved()
            if block.caption:
                blocks.append({"kind": "caption", "text": block.caption})
            printed = block.printed()
            blocks.append({"kind": "table", "caption": block.caption, "header": resolved[: block.header_rows],
                           "rows": resolved[block.header_rows :], "rows_printed": printed[block.header_rows :]})
            if block.note:
                blocks.append({"kind": "caption", "text": plain_text(block.note)})
    cited = []
    for b in blocks:
        cited += [n for n in b.get("notes", []) if n not in cited]
    for key in cited:
        blocks.append({"kind": "footnote", "marker": key, "text": plain_text(doc.footnotes[key])})
    return {"source": doc.source, "title": meta.title, "pub_date": meta.date, "blocks": blocks}
