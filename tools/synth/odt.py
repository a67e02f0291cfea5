"""A second producer: the same sources written as OpenDocument (flat XML) and printed to PDF by
LibreOffice, so that the character stream, the fonts, the line breaking, the footnote and table
machinery are LibreOffice's, not our typesetter's.

``render_libreoffice(doc, pdf_path, options)`` needs ``soffice`` on the PATH (Debian:
``libreoffice-writer-nogui``); the tests do not: they read PDFs made here once and committed
with their truth files (``tests/fixtures/producers``).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from synth.layouts import source_truth
from synth.markup import Box, Heading, Paragraph, Span, SynthDoc, Table, cell_lines

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
)
PAGES_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}


@dataclass(frozen=True)
class OdtLayout:
    """What the LibreOffice producer varies."""

    name: str
    page: str = "A4"
    columns: int = 1  # body text in 1 or 2 columns; tables always span the text width
    font: str = "Liberation Serif"
    size: float = 10.5
    justify: bool = True
    indent: bool = False
    running: str = "top"  # running text in the header (top) or the footer (bottom)
    notes: str = "footnotes"  # footnotes or endnotes
    tables: str = "rows"  # grid, rules, rows (rules + thin row rules), zebra
    spacers: int = 0  # a shaded empty row after every N body rows
    caption: str = "above"
    metadata_date: str = "2026-11-21T12:07:33"  # the file's own date: later than any printed one

    def describe(self) -> str:
        return (
            f"{self.name} (libreoffice page={self.page} columns={self.columns} font={self.font} size={self.size:g} "
            f"justify={self.justify} running={self.running} notes={self.notes} tables={self.tables} "
            f"spacers={self.spacers} caption={self.caption})"
        )


ODT_LAYOUTS = {
    layout.name: layout
    for layout in (
        # The case: ruled above and below the header and at the end, thin rules between
        # rows, shaded empty rows, the header repeated where the table continues, caption above.
        OdtLayout("LO1", tables="rows", spacers=3),
        OdtLayout("LO2", page="Letter", columns=2, font="Liberation Sans", size=9.5, tables="grid", running="bottom",
                  notes="endnotes", justify=False, caption="below"),
        OdtLayout("LO3", font="DejaVu Serif", size=10, tables="zebra", indent=True),
    )
}


def _mm(value: float) -> str:
    return f"{value:.2f}mm"


class _Writer:
    def __init__(self, doc: SynthDoc, layout: OdtLayout):
        self.doc = doc
        self.layout = layout
        self.cell_styles: dict[str, str] = {}
        self.out: list[str] = []

    # --- styles ---------------------------------------------------------------------------

    def styles(self) -> str:
        lay = self.layout
        size = lay.size
        align = "justify" if lay.justify else "start"
        para_space = "0mm" if lay.indent else f"{size * 0.5:.1f}pt"
        indent = f"{size * 1.5:.1f}pt" if lay.indent else "0pt"
        return f"""
<office:font-face-decls/>
<office:styles>
 <style:default-style style:family="paragraph"><style:paragraph-properties fo:orphans="2" fo:widows="2"/>
  <style:text-properties style:font-name="{lay.font}" fo:font-family="'{lay.font}'" fo:font-size="{size}pt" fo:language="en" fo:country="GB" fo:hyphenate="true"/></style:default-style>
 <style:style style:name="Standard" style:family="paragraph"/>
 <style:style style:name="Body" style:family="paragraph"><style:paragraph-properties fo:text-align="{align}" fo:margin-bottom="{para_space}" fo:line-height="125%"/></style:style>
 <style:style style:name="Indented" style:family="paragraph" style:parent-style-name="Body"><style:paragraph-properties fo:text-indent="{indent}"/></style:style>
 <style:style style:name="Bullet" style:family="paragraph" style:parent-style-name="Body"><style:paragraph-properties fo:margin-left="{size * 1.2:.1f}pt" fo:text-indent="-{size * 1.2:.1f}pt" fo:margin-bottom="2pt"/></style:style>
 <style:style style:name="Abstract" style:family="paragraph" style:parent-style-name="Body"><style:text-properties fo:font-style="italic"/></style:style>
 <style:style style:name="H1" style:family="paragraph"><style:paragraph-properties fo:margin-top="{size:.1f}pt" fo:margin-bottom="{size * 0.4:.1f}pt" fo:keep-with-next="always"/><style:text-properties fo:font-size="{size + 4:.1f}pt" fo:font-weight="bold"/></style:style>
 <style:style style:name="H2" style:family="paragraph"><style:paragraph-properties fo:margin-top="{size * 0.8:.1f}pt" fo:margin-bottom="{size * 0.3:.1f}pt" fo:keep-with-next="always"/><style:text-properties fo:font-size="{size + 1:.1f}pt" fo:font-weight="bold"/></style:style>
 <style:style style:name="H3" style:family="paragraph"><style:paragraph-properties fo:margin-top="{size * 0.6:.1f}pt" fo:keep-with-next="always"/><style:text-properties fo:font-weight="bold" fo:font-style="italic"/></style:style>
 <style:style style:name="Title" style:family="paragraph"><style:paragraph-properties fo:margin-bottom="6pt"/><style:text-properties fo:font-size="24pt" fo:font-weight="bold"/></style:style>
 <style:style style:name="Subtitle" style:family="paragraph"><style:paragraph-properties fo:margin-bottom="6pt"/><style:text-properties fo:font-size="14pt" fo:font-style="italic"/></style:style>
 <style:style style:name="Meta" style:family="paragraph"><style:paragraph-properties fo:margin-bottom="3pt"/><style:text-properties fo:font-size="9pt"/></style:style>
 <style:style style:name="Byline" style:family="paragraph"><style:paragraph-properties fo:margin-bottom="10pt"/><style:text-properties fo:font-size="10.5pt" fo:font-weight="bold"/></style:style>
 <style:style style:name="Caption" style:family="paragraph"><style:paragraph-properties fo:margin-top="4pt" fo:margin-bottom="4pt" fo:keep-with-next="always"/><style:text-properties fo:font-style="italic"/></style:style>
 <style:style style:name="CaptionBelow" style:family="paragraph" style:parent-style-name="Caption"><style:paragraph-properties fo:keep-with-next="auto"/></style:style>
 <style:style style:name="TableNote" style:family="paragraph"><style:paragraph-properties fo:margin-top="3pt" fo:margin-bottom="{size * 0.6:.1f}pt"/><style:text-properties fo:font-size="{size - 1:.1f}pt" fo:font-style="italic"/></style:style>
 <style:style style:name="Cell" style:family="paragraph"><style:text-properties fo:font-size="{size - 1:.1f}pt"/></style:style>
 <style:style style:name="CellBullet" style:family="paragraph" style:parent-style-name="Cell"><style:paragraph-properties fo:margin-left="7pt" fo:text-indent="-7pt"/></style:style>
 <style:style style:name="HeadCell" style:family="paragraph" style:parent-style-name="Cell"><style:text-properties fo:font-weight="bold"/></style:style>
 <style:style style:name="BoxTitle" style:family="paragraph"><style:paragraph-properties fo:margin-bottom="3pt"/><style:text-properties fo:font-weight="bold"/></style:style>
 <style:style style:name="BoxItem" style:family="paragraph" style:parent-style-name="Bullet"/>
 <style:style style:name="Footnote" style:family="paragraph"><style:paragraph-properties fo:margin-left="4mm" fo:text-indent="-4mm"/><style:text-properties fo:font-size="{size - 2.5:.1f}pt"/></style:style>
 <style:style style:name="Endnote" style:family="paragraph" style:parent-style-name="Footnote"/>
 <style:style style:name="Running" style:family="paragraph"><style:paragraph-properties><style:tab-stops><style:tab-stop style:position="{self.text_width_mm():.1f}mm" style:type="right"/></style:tab-stops></style:paragraph-properties><style:text-properties fo:font-size="8pt" fo:font-style="italic"/></style:style>
 <style:style style:name="Bold" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
 <style:style style:name="Italic" style:family="text"><style:text-properties fo:font-style="italic"/></style:style>
 <style:style style:name="BoldItalic" style:family="text"><style:text-properties fo:font-weight="bold" fo:font-style="italic"/></style:style>
 <style:style style:name="Footnote_20_anchor" style:display-name="Footnote anchor" style:family="text"><style:text-properties style:text-position="super 58%"/></style:style>
 <style:style style:name="Footnote_20_Symbol" style:display-name="Footnote Symbol" style:family="text"><style:text-properties style:text-position="super 58%"/></style:style>
 <text:notes-configuration text:note-class="footnote" text:citation-style-name="Footnote_20_anchor" text:citation-body-style-name="Footnote_20_Symbol" style:num-format="1" text:start-value="0" text:footnotes-position="page" text:start-numbering-at="document"/>
 <text:notes-configuration text:note-class="endnote" text:citation-style-name="Footnote_20_anchor" text:citation-body-style-name="Footnote_20_Symbol" style:num-format="1" text:start-value="0"/>
</office:styles>
"""

    def text_width_mm(self) -> float:
        width, _ = PAGES_MM.get(self.layout.page, PAGES_MM["A4"])
        return width - 2 * 22.0

    def automatic_styles(self) -> str:
        width, height = PAGES_MM.get(self.layout.page, PAGES_MM["A4"])
        cols = self.layout.columns
        columns = f'<style:columns fo:column-count="{cols}" fo:column-gap="6mm"/>' if cols > 1 else ""
        cells = "\n".join(self.cell_styles.values())
        return f"""
<office:automatic-styles>
 <style:page-layout style:name="PL"><style:page-layout-properties fo:page-width="{_mm(width)}" fo:page-height="{_mm(height)}" fo:margin-top="14mm" fo:margin-bottom="14mm" fo:margin-left="22mm" fo:margin-right="22mm"/>
  <style:header-style><style:header-footer-properties fo:min-height="0mm" fo:margin-bottom="5mm"/></style:header-style>
  <style:footer-style><style:header-footer-properties fo:min-height="0mm" fo:margin-top="5mm"/></style:footer-style></style:page-layout>
 <style:style style:name="Cols" style:family="section"><style:section-properties>{columns}</style:section-properties></style:style>
 <style:style style:name="BoxSection" style:family="section"><style:section-properties fo:background-color="#e3ebf5"><style:columns fo:column-count="1"/></style:section-properties></style:style>
 <style:style style:name="Break" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:break-before="page"/></style:style>
 <style:style style:name="Tbl" style:family="table"><style:table-properties style:width="{self.text_width_mm():.1f}mm" table:align="margins" fo:margin-top="3pt" fo:margin-bottom="3pt"/></style:style>
{cells}
</office:automatic-styles>
"""

    def master(self) -> str:
        meta = self.doc.meta
        running = meta.running_header or meta.running_footer or meta.title
        line = f'<text:p text:style-name="Running">{escape(running)}<text:tab/><text:page-number text:select-page="current"/></text:p>'
        part = f"<style:header>{line}</style:header>" if self.layout.running == "top" else f"<style:footer>{line}</style:footer>"
        return f'<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="PL">{part}</style:master-page></office:master-styles>'

    # --- inline ---------------------------------------------------------------------------

    def spans(self, spans: list[Span]) -> str:
        out = []
        for span in spans:
            if span.note:
                out.append(self.note(span.note))
                continue
            text = escape(span.text)
            style = "BoldItalic" if span.bold and span.italic else "Bold" if span.bold else "Italic" if span.italic else ""
            out.append(f'<text:span text:style-name="{style}">{text}</text:span>' if style else text)
        return "".join(out)

    def note(self, key: str) -> str:
        kind = "endnote" if self.layout.notes == "endnotes" else "footnote"
        style = "Endnote" if kind == "endnote" else "Footnote"
        body = self.spans(self.doc.footnotes[key])
        return (
            f'<text:note text:note-class="{kind}"><text:note-citation>{escape(key)}</text:note-citation>'
            f'<text:note-body><text:p text:style-name="{style}">{body}</text:p></text:note-body></text:note>'
        )

    def p(self, style: str, content: str) -> None:
        self.out.append(f'<text:p text:style-name="{style}">{content}</text:p>')

    # --- blocks ---------------------------------------------------------------------------

    def front(self) -> None:
        meta = self.doc.meta
        if meta.cover:
            self.p("Title", escape(meta.cover))
            self.p("Subtitle", escape(meta.title))
            self.out.append('<text:p text:style-name="Break"/>')
        if meta.series:
            self.p("Meta", escape(meta.series))
        self.p("Title", escape(meta.title))
        if meta.subtitle:
            self.p("Subtitle", escape(meta.subtitle))
        if meta.authors:
            self.p("Meta", "by")
            self.p("Byline", escape(meta.authors))
        if meta.date_text:
            self.p("Meta", escape(meta.date_text))
        for spans in self.doc.abstract:
            self.p("Abstract", self.spans(spans))

    def body(self) -> None:
        columns = self.layout.columns > 1
        open_section = False
        prev = ""

        def begin() -> None:
            nonlocal open_section
            if columns and not open_section:
                self.out.append(f'<text:section text:style-name="Cols" text:name="S{len(self.out)}">')
                open_section = True

        def end() -> None:
            nonlocal open_section
            if open_section:
                self.out.append("</text:section>")
                open_section = False

        for block in self.doc.blocks:
            if isinstance(block, Table):
                end()
                self.table(block)
                prev = "table"
                continue
            begin()
            if isinstance(block, Heading):
                self.out.append(
                    f'<text:h text:style-name="H{block.level}" text:outline-level="{block.level}">{escape(block.text)}</text:h>'
                )
                prev = "heading"
            elif isinstance(block, Paragraph):
                if block.bullet:
                    self.p("Bullet", "\u2013 " + self.spans(block.spans))
                    prev = "bullet"
                else:
                    style = "Indented" if self.layout.indent and prev == "para" else "Body"
                    self.p(style, self.spans(block.spans))
                    prev = "para"
            elif isinstance(block, Box):
                self.box(block)
                prev = "box"
        end()

    def box(self, box: Box) -> None:
        self.out.append(f'<text:section text:style-name="BoxSection" text:name="Box{len(self.out)}">')
        self.p("BoxTitle", escape(box.title))
        for item in box.items:
            self.p("BoxItem", "\u2013 " + self.spans(item))
        self.out.append("</text:section>")

    def cell_style(self, name: str, props: str) -> str:
        if name not in self.cell_styles:
            self.cell_styles[name] = (
                f'<style:style style:name="{name}" style:family="table-cell"><style:table-cell-properties '
                f'fo:padding-top="2pt" fo:padding-bottom="2pt" fo:padding-left="3pt" fo:padding-right="3pt" {props}/></style:style>'
            )
        return name

    def border(self, table: Table, r: int, body_index: int, spacer: bool, last: bool) -> str:
        style = self.layout.tables
        header = r < table.header_rows
        heavy, mid, thin = "0.9pt solid #000000", "0.5pt solid #000000", "0.3pt solid #888888"
        props = []
        if style == "grid":
            props.append(f'fo:border="{mid}"')
            if header:
                props.append('fo:background-color="#dddddd"')
        elif style in ("rules", "rows", "zebra"):
            if r == 0:
                props.append(f'fo:border-top="{heavy}"')
            if header and r == table.header_rows - 1:
                props.append(f'fo:border-bottom="{mid}"')
            elif last:
                props.append(f'fo:border-bottom="{heavy}"')
            elif style == "rows" and not header:
                props.append(f'fo:border-bottom="{thin}"')
            if style == "zebra" and not header and body_index % 2 == 1:
                props.append('fo:background-color="#eeeeee"')
        if spacer:
            props.append('fo:background-color="#d0d0d0"')
        name = "C" + "".join(c for c in "".join(props) if c.isalnum())[:60]
        return self.cell_style(name or "Cplain", " ".join(props))

    def cell(self, text: str, header: bool) -> str:
        paras = []
        for line in cell_lines(text):
            style = "HeadCell" if header else "CellBullet" if line.startswith("\u2013 ") else "Cell"
            paras.append(f'<text:p text:style-name="{style}">{escape(line)}</text:p>')
        return "".join(paras) or '<text:p text:style-name="Cell"/>'

    def table(self, table: Table) -> None:
        owners = table.owners()
        grid = [list(row) for row in table.grid]
        rows = list(range(len(grid)))
        spacer_rows: set[int] = set()
        if self.layout.spacers:
            out_rows: list[int | None] = []
            count = 0
            for r in rows:
                out_rows.append(r)
                if r >= table.header_rows:
                    count += 1
                    nxt = r + 1
                    if nxt < len(grid) and count >= self.layout.spacers and all(o[0] == nxt for o in owners[nxt][:1]):
                        out_rows.append(None)
                        count = 0
            rows_seq = out_rows
        else:
            rows_seq = list(rows)
        caption = table.caption
        caption_xml = ""
        if caption:
            label, _, rest = caption.partition(" ")
            number, _, words = rest.partition(" ")
            caption_xml = f'<text:span text:style-name="Bold">{escape(label + " " + number)}</text:span> {escape(words)}'
        below = self.layout.caption == "below"
        if caption and not below:
            self.p("Caption", caption_xml)
        xml = [f'<table:table table:name="T{len(self.out)}" table:style-name="Tbl"><table:table-column table:number-columns-repeated="{table.n_cols}"/>']
        body_index = 0
        last_real = max(r for r in rows_seq if r is not None)
        in_header = False
        for position, r in enumerate(rows_seq):
            if r is None:
                cells = "".join(
                    f'<table:table-cell table:style-name="{self.border(table, last_real, 0, True, False)}"><text:p text:style-name="Cell"/></table:table-cell>'
                    for _ in range(table.n_cols)
                )
                xml.append(f"<table:table-row>{cells}</table:table-row>")
                continue
            header = r < table.header_rows
            if header and not in_header and r == 0:
                xml.append("<table:table-header-rows>")
                in_header = True
            if in_header and not header:
                xml.append("</table:table-header-rows>")
                in_header = False
            cells = []
            for c in range(table.n_cols):
                owner = owners[r][c]
                rowspan = sum(1 for rr in range(r, len(grid)) if owners[rr][c] == owner)
                style = self.border(table, r, body_index, False, r + rowspan - 1 == last_real)
                if owner != (r, c):
                    cells.append(f'<table:covered-table-cell table:style-name="{style}"/>')
                    continue
                colspan = sum(1 for cc in range(c, table.n_cols) if owners[r][cc] == owner)
                span = (f' table:number-rows-spanned="{rowspan}"' if rowspan > 1 else "") + (
                    f' table:number-columns-spanned="{colspan}"' if colspan > 1 else ""
                )
                cells.append(f'<table:table-cell table:style-name="{style}"{span}>{self.cell(grid[r][c], header)}</table:table-cell>')
            xml.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
            if not header:
                body_index += 1
        if in_header:
            xml.append("</table:table-header-rows>")
        xml.append("</table:table>")
        self.out.append("".join(xml))
        if caption and below:
            self.p("CaptionBelow", caption_xml)
        if table.note:
            self.p("TableNote", self.spans(table.note))

    def document(self) -> str:
        self.front()
        self.body()
        content = "\n".join(self.out)
        meta = self.doc.meta
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document {NS} office:version="1.3" '
            f'office:mimetype="application/vnd.oasis.opendocument.text">\n'
            f"<office:meta><dc:title>{escape(meta.title)}</dc:title><meta:creation-date>{self.layout.metadata_date}</meta:creation-date>"
            f"<dc:date>{self.layout.metadata_date}</dc:date></office:meta>\n"
            f"{self.styles()}{self.automatic_styles()}{self.master()}\n"
            f"<office:body><office:text>\n{content}\n</office:text></office:body></office:document>\n"
        )


def to_fodt(doc: SynthDoc, layout: OdtLayout) -> str:
    """The source as a flat OpenDocument text."""
    return _Writer(doc, layout).document()


def render_libreoffice(doc: SynthDoc, pdf_path: str | Path, layout: OdtLayout) -> dict[str, Any]:
    """Print ``doc`` to ``pdf_path`` through LibreOffice; return the layout-free truth."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed; apt-get install libreoffice-writer-nogui")
    pdf_path = Path(pdf_path)
    with tempfile.TemporaryDirectory(prefix="synth-odt-") as scratch:
        source = Path(scratch) / f"{pdf_path.stem}.fodt"
        source.write_text(to_fodt(doc, layout), encoding="utf-8")
        profile = Path(scratch) / "profile"
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir", scratch, str(source)],
            check=True, capture_output=True, timeout=180,
        )
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(Path(scratch) / f"{pdf_path.stem}.pdf"), pdf_path)
    truth = source_truth(doc)
    truth.update({"pdf": pdf_path.name, "producer": "libreoffice", "layout": layout.describe()})
    return truth
