"""The analysts' workbook read back with openpyxl, formula payloads, and heatmaps at extreme sizes."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.records import DOMAINS, Document, Fact
from pipeline.review import facts_frame
from pipeline.settings import Settings
from pipeline.tables import tables_from_documents, write_tables
from pipeline.tables.plots import heatmap_figure, panels_of, write_heatmaps

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "corpus" / "docs" / "eu-strategic-partners-review-2017.pdf"
PAYLOADS = ['=HYPERLINK("http://example.invalid/x","click")', "=cmd|' /C calc'!A0", "+1+2", "-3+4", "@SUM(A1:A2)",
            "\tleading tab", "\rleading return"]


def _fact(partner: str, iso3: str, instrument: str, status: str, domain: str, evidence: str, *, doc: Document,
          confidence: float = 0.0, basis: str = "", year: str = "2024", page: int = 2) -> Fact:
    return Fact(doc.doc_id, f"{doc.doc_id}:3", page, partner, iso3, "country", instrument, "partnership", domain,
                "operational_cooperation", status, year, evidence, rule_id="test", source_doc=doc.source,
                basis=basis, confidence=confidence)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The own sample article's printed tables plus three facts (one of low confidence) of a brief."""
    from pipeline.ingest import ingest_file

    article = ingest_file(ARTICLE)
    folder = tmp_path_factory.mktemp("out")
    brief_path = folder / "inputs" / "a brief.pdf"
    brief_path.parent.mkdir()
    brief_path.write_bytes(b"%PDF-1.4 not read here")
    brief = Document("b" * 16, brief_path.name, "A brief", "2025-03", 4, "ok", "", path=str(brief_path), sha256="b" * 64)
    facts = [
        _fact("Norway", "NOR", "Security and defence partnership", "signed", "defence_general", "Norway signed it.", doc=brief, confidence=0.9, basis="named_instrument"),
        _fact("Japan", "JPN", "Security and defence partnership", "signed", "defence_general", "Japan may sign it.", doc=brief, confidence=0.2, basis="cooperation_verb"),
        _fact("Moldova", "MDA", "Security and defence partnership", "signed", "defence_general", "Moldova signed too.", doc=brief),
    ]
    documents = [article.document, brief]
    frames = tables_from_documents(documents, article.tables, facts)
    write_tables(frames, folder, cooperation=facts_frame(facts), documents=documents, settings=Settings(min_confidence_shown=0.5))
    return folder, frames, documents


def test_every_sheet_is_a_filtered_table_with_frozen_header_widths_and_wrapped_evidence(built):
    folder, frames, _ = built
    book = load_workbook(folder / "tables" / "secmine-tables.xlsx")
    assert book.sheetnames[0] == "Overview" and book.sheetnames[-1] == "Run"
    assert {"cooperation", "partnerships", "joint_statements", "cooperation_elements", "dialogues", "evidence"} <= set(book.sheetnames)
    for name in ("cooperation", *frames, "evidence"):
        sheet = book[name]
        assert len(sheet.tables) == 1, name
        table = next(iter(sheet.tables.values()))
        rows = len(frames[name]) if name in frames else sheet.max_row - 1
        assert table.ref.endswith(str(max(rows, 1) + 1)) and table.autoFilter is not None, name
        assert sheet.freeze_panes in ("A2", "B2"), name
        header = [c.value for c in sheet[1]]
        assert "row_key" in header or name == "evidence"
        if "evidence" in header and sheet.max_row > 1:
            column = header.index("evidence") + 1
            letter = sheet.cell(row=1, column=column).column_letter
            assert sheet.column_dimensions[letter].width >= 30
            assert sheet.cell(row=2, column=column).alignment.wrap_text
            long = [r for r in range(2, sheet.max_row + 1) if len(str(sheet.cell(row=r, column=column).value)) > 2 * sheet.column_dimensions[letter].width]
            assert all((sheet.row_dimensions[r].height or 0) >= 30 for r in long), name  # the row grows to its text
        if "partner" in header and sheet.max_row > 1:
            letter = sheet.cell(row=1, column=header.index("partner") + 1).column_letter
            assert sheet.column_dimensions[letter].width >= len("United States")


def test_years_and_pages_are_whole_numbers(built):
    folder, frames, _ = built
    assert str(frames["joint_statements"]["year"].dtype) == "Int64"
    sheet = load_workbook(folder / "tables" / "secmine-tables.xlsx")["joint_statements"]
    header = [c.value for c in sheet[1]]
    years = [sheet.cell(row=r, column=header.index("year") + 1) for r in range(2, sheet.max_row + 1)]
    assert years and all(isinstance(c.value, int) and 1990 < c.value < 2100 and c.number_format == "0" for c in years)
    assert ",2004," in (folder / "tables" / "joint_statements.csv").read_text(encoding="utf-8")
    assert ".0," not in (folder / "tables" / "joint_statements.csv").read_text(encoding="utf-8")


def test_rows_link_to_their_source_file_and_page(built):
    folder, _, documents = built
    sheet = load_workbook(folder / "tables" / "secmine-tables.xlsx")["cooperation_elements"]
    header = [c.value for c in sheet[1]]
    source, page = header.index("source_doc") + 1, header.index("page") + 1
    paths = {d.source: Path(d.path).resolve().as_uri() for d in documents}
    for r in range(2, sheet.max_row + 1):
        link = sheet.cell(row=r, column=source).hyperlink
        expected = f"{paths[sheet.cell(row=r, column=source).value]}#page={sheet.cell(row=r, column=page).value}"
        assert link is not None and link.target == expected
    assert ARTICLE.resolve().as_uri() + "#page=" in {sheet.cell(row=r, column=source).hyperlink.target[:-1].rstrip("0123456789")
                                                     for r in range(2, sheet.max_row + 1)}
    coop = load_workbook(folder / "tables" / "secmine-tables.xlsx")["cooperation"]
    header = [c.value for c in coop[1]]
    targets = {coop.cell(row=r, column=header.index("source_doc") + 1).hyperlink.target for r in range(2, coop.max_row + 1)}
    assert targets == {Path(documents[1].path).resolve().as_uri() + "#page=2"}  # "a brief.pdf" -> a%20brief.pdf
    assert "a%20brief.pdf" in targets.pop()


def test_low_confidence_rows_are_grey_not_hidden(built):
    folder, _, _ = built
    sheet = load_workbook(folder / "tables" / "secmine-tables.xlsx")["cooperation"]
    header = [c.value for c in sheet[1]]
    rows = {sheet.cell(row=r, column=header.index("partner") + 1).value: r for r in range(2, sheet.max_row + 1)}
    assert set(rows) == {"Norway", "Japan", "Moldova"}  # nothing hidden
    assert not any(sheet.row_dimensions[r].hidden for r in rows.values())

    def grey(partner: str) -> bool:
        return is_grey(sheet.cell(row=rows[partner], column=header.index("partner") + 1))

    assert grey("Japan") and not grey("Norway") and not grey("Moldova")  # Moldova has no recorded confidence
    partnerships = load_workbook(folder / "tables" / "secmine-tables.xlsx")["partnerships"]
    header = [c.value for c in partnerships[1]]
    greyed = {partnerships.cell(row=r, column=1).value for r in range(2, partnerships.max_row + 1) if is_grey(partnerships.cell(row=r, column=1))}
    assert greyed == {"Japan"}


def is_grey(cell) -> bool:
    rgb = getattr(cell.font.color, "rgb", None)
    return isinstance(rgb, str) and rgb.endswith("8C8C8C")


def test_overview_matrix_and_run_sheet(built):
    folder, frames, documents = built
    book = load_workbook(folder / "tables" / "secmine-tables.xlsx")
    overview = book["Overview"]
    cells = {(c.row, c.column): c.value for row in overview.iter_rows() for c in row if c.value is not None}
    header_row = next(r for (r, c), v in cells.items() if v == "partner")
    header = [v for v in (overview.cell(row=header_row, column=c).value for c in range(1, overview.max_column + 1)) if v is not None]
    assert header[0] == "partner" and "defence general" in header and header[-1] == "Total"
    partners = [overview.cell(row=r, column=1).value for r in range(header_row + 1, header_row + 4)]
    assert set(partners) == {"Norway", "Japan", "Moldova"}
    assert overview.conditional_formatting  # the colour scale
    assert any("Rows of the analysts' tables" in str(v) for v in cells.values())
    run = book["Run"]
    facts = {run.cell(row=r, column=1).value: run.cell(row=r, column=2).value for r in range(1, run.max_row + 1)}
    from pipeline import __version__

    assert facts["secmine version"] == __version__ and facts["tables built"] and "read" in facts["documents"]
    assert "domain model id" in facts and "grey rows" in facts
    shas = {run.cell(row=r, column=c).value for r in range(1, run.max_row + 1) for c in range(1, run.max_column + 1)}
    assert {d.sha256 for d in documents} <= shas
    assert len(run.tables) == 1


def test_facts_without_a_domain_have_a_named_column(tmp_path):
    doc = Document("d" * 16, "note.txt", "A note", "2024", 1, "ok", "", path=str(tmp_path / "note.txt"))
    facts = [_fact("Chile", "CHL", "", "cooperating", "", "Chile and the EU work together.", doc=doc),
             _fact("Chile", "CHL", "", "cooperating", "cyber_security", "Chile and the EU met on cyber threats.", doc=doc)]
    write_tables(tables_from_documents([doc], [], facts), tmp_path, cooperation=facts_frame(facts), documents=[doc])
    overview = load_workbook(tmp_path / "tables" / "secmine-tables.xlsx")["Overview"]
    values = [c.value for row in overview.iter_rows() for c in row if c.value is not None]
    assert "no domain" in values and "cyber security" in values


def test_no_cell_of_the_workbook_is_a_formula(tmp_path):
    """Formula payloads in evidence, printed table cells and file names stay text, byte for byte."""
    doc = Document("c" * 16, "=cmd|' -C calc'!A0.pdf", "=HYPERLINK(\"x\")", "2024", 1, "ok", "", path=str(tmp_path / "x.pdf"))
    facts = [_fact(p, "", p, "signed", "defence_general", p, doc=doc) for p in PAYLOADS]
    frames = tables_from_documents([doc], [], facts)
    frames["cooperation_elements"] = pd.concat([frames["cooperation_elements"], pd.DataFrame([
        {"partner": "Canada", "domain": "cyber_security", "mode_text": p, "qualifiers": p, "source_doc": doc.source, "evidence": p,
         "row_key": f"ce-{i}"} for i, p in enumerate(PAYLOADS)])], ignore_index=True)
    write_tables(frames, tmp_path, cooperation=facts_frame(facts), documents=[doc])
    path = tmp_path / "tables" / "secmine-tables.xlsx"
    book = load_workbook(path)
    seen = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    seen.add(cell.value)
                    if cell.value.startswith(("=", "+", "-", "@", "\t", "\r")):
                        assert cell.quotePrefix, (sheet.title, cell.coordinate)
    assert {p.replace("\r", "\n") for p in PAYLOADS} <= seen and doc.source in seen  # XML has no bare CR
    with zipfile.ZipFile(path) as archive:  # no formula element anywhere in the file
        assert not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))


def test_cells_with_characters_xml_cannot_hold_are_written(tmp_path):
    doc = Document("d" * 16, "odd.pdf", "odd", "2024", 1, "ok", "")
    facts = [_fact("Norway", "NOR", "Partnership", "signed", "defence_general", "bell\x07 and nul\x00 inside", doc=doc)]
    write_tables(tables_from_documents([doc], [], facts), tmp_path, cooperation=facts_frame(facts), documents=[doc])
    sheet = load_workbook(tmp_path / "tables" / "secmine-tables.xlsx")["cooperation"]
    assert any(c.value == "bell and nul inside" for row in sheet.iter_rows() for c in row)


# -- heatmaps --------------------------------------------------------------------------------------


def _grid(rows: int, cols: int, name=lambda i: f"Partner number {i} with a fairly long official name") -> pd.DataFrame:
    return pd.DataFrame([[(r * 7 + c * 3) % 5 for c in range(cols)] for r in range(rows)],
                        index=[name(i) for i in range(rows)], columns=list(DOMAINS[:cols]))


def _inside(fig) -> tuple:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    tight = fig.get_tightbbox(renderer)  # inches
    return tight, (fig.get_figwidth(), fig.get_figheight())


@pytest.mark.parametrize("rows, cols, panels", [(1, 1, 1), (60, 9, 1), (60, 9, 3), (1, 9, 2), (60, 1, 1)])
def test_heatmap_text_stays_inside_the_figure(rows, cols, panels):
    import matplotlib.pyplot as plt

    fig = heatmap_figure([(f"20{15 + i}", _grid(rows, cols)) for i in range(panels)],
                         "Cooperation elements per partner and security domain",
                         f"{rows * cols} rows from 3 documents, as of 2015\u20132025; built 2025-01-01", "cooperation elements (rows)")
    tight, (width, height) = _inside(fig)
    assert tight.x0 >= -0.01 and tight.y0 >= -0.01 and tight.x1 <= width + 0.01 and tight.y1 <= height + 0.01, (tight, width, height)
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    assert any("security domain" == t for t in texts) and any("partner" == t for t in texts)
    assert any("cooperation elements (rows)" == t for t in texts)  # the colour scale says what it counts
    assert any("as of 2015" in t for t in texts)
    plt.close(fig)


def test_heatmap_size_follows_the_grid():
    import matplotlib.pyplot as plt

    small = heatmap_figure([("2024", _grid(1, 1))], "T", "s", "n")
    large = heatmap_figure([("2024", _grid(60, 9))], "T", "s", "n")
    assert large.get_figheight() > 4 * small.get_figheight() and large.get_figwidth() > small.get_figwidth()
    plt.close(small)
    plt.close(large)


def test_partner_names_with_dollars_are_plain_text(tmp_path):
    import matplotlib.pyplot as plt

    names = ["$x$", r"$\notacommand{y}$", "50$ fund", "a_b^c"]
    grid = _grid(len(names), 3, name=lambda i: names[i])
    fig = heatmap_figure([("2024", grid)], "Heatmap of $x$", "as of 2024", "count")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == names and not any(t.get_parse_math() for t in fig.axes[0].get_yticklabels())
    fig.savefig(tmp_path / "x.png")  # mathtext would raise on \notacommand
    plt.close(fig)


def test_heatmaps_keep_years_apart_and_are_written(tmp_path):
    frames = {"dialogues": pd.DataFrame([
        {"partner": "Japan", "domain": "cyber_security", "ministerial": 1, "policy": 2, "as_of": "2015-07", "source_doc": "a.pdf"},
        {"partner": "Japan", "domain": "cyber_security", "ministerial": 0, "policy": 1, "as_of": "2025-06", "source_doc": "b.pdf"},
    ])}
    rows = frames["dialogues"].assign(_as_of=frames["dialogues"]["as_of"], total=[3, 1])
    panels, span = panels_of(rows, "total")
    assert [p for p, _ in panels] == ["2015-07", "2025-06"] and span == "2015\u20132025"
    assert [int(g.iloc[0, 0]) for _, g in panels] == [3, 1]  # not summed into one picture
    written = write_heatmaps(frames, [], tmp_path)
    assert [p.name for p in written] == ["dialogues_heatmap.png"]
    assert written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_column_of_facts_without_a_domain_is_labelled():
    import matplotlib.pyplot as plt

    grid = pd.DataFrame([[2, 1]], index=["Chile"], columns=["cyber_security", ""])
    fig = heatmap_figure([("2024", grid)], "T", "s", "n")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["cyber security", "no domain"]
    plt.close(fig)
