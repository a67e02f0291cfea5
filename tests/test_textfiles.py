"""Tests for the plain-text, Markdown and HTML reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest.errors import IngestError
from pipeline.ingest.dates import normalize_date
from pipeline.ingest.textdoc import read_text_document
from pipeline.records import IngestResult, Passage
from pipeline.settings import Settings

DOC_ID = "0123456789abcdef"


def _read(tmp_path: Path, name: str, content: str | bytes) -> IngestResult:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return read_text_document(path, DOC_ID, Settings())


def _by_text(result: IngestResult, fragment: str) -> Passage:
    matches = [p for p in result.passages if fragment in p.text]
    assert len(matches) == 1, [p.text for p in result.passages]
    return matches[0]


def _kinds(result: IngestResult, kind: str) -> list[str]:
    return [p.text for p in result.passages if p.kind == kind]


# --- Markdown ------------------------------------------------------------------------------

MARKDOWN = """\
# Joint Maritime Security Review

By the Directorate for Security Policy

Brussels, 14 May 2024

## 1 Introduction

The Union has *stepped up* its naval presence in the [Gulf of Aden](https://example.eu/aden).[^1]
Cooperation with `CISE` partners continues.

### 1.1 Scope

- Improve maritime surveillance
  - Share radar data between coast guards[^2]
- Train partner navies

> Security at sea is a shared responsibility of all Member States.

## 2 Operations

Table 1: Naval operations by region

| Operation | Area<br>of deployment | Staff |
|---|---|---|
| Atalanta[^2] | Indian Ocean | 600 |
| Irini | Mediterranean | 450 |

## References

- Council of the EU (2023). Conclusions on maritime security.
- European Commission (2022). Maritime security action plan.

[^1]: Council conclusions of 24 October 2023.
[^2]: Decision on the *Atalanta* mandate,
    extended until 2026.
"""


def test_markdown_headings_give_sections(tmp_path: Path) -> None:
    result = _read(tmp_path, "review.md", MARKDOWN)
    heading = _by_text(result, "1.1 Scope")
    assert heading.kind == "heading"
    assert heading.section == "1 Introduction > 1.1 Scope"
    assert _by_text(result, "Train partner navies").section == "1 Introduction > 1.1 Scope"
    assert _by_text(result, "Irini").section == "2 Operations"
    assert all(p.page == 1 for p in result.passages)


def test_markdown_title_heading_and_byline_are_front_matter(tmp_path: Path) -> None:
    result = _read(tmp_path, "review.md", MARKDOWN)
    assert _kinds(result, "front_matter") == [
        "Joint Maritime Security Review",
        "By the Directorate for Security Policy",
        "Brussels, 14 May 2024",
    ]
    assert result.document.title == "Joint Maritime Security Review"
    assert result.document.pub_date == "2024-05-14"
    assert _by_text(result, "1 Introduction").section == "1 Introduction"


def test_markdown_inline_formatting_removed(tmp_path: Path) -> None:
    result = _read(tmp_path, "review.md", MARKDOWN)
    body = _by_text(result, "stepped up")
    assert body.text == (
        "The Union has stepped up its naval presence in the Gulf of Aden. Cooperation with CISE partners continues."
    )


def test_markdown_list_items_each_a_passage(tmp_path: Path) -> None:
    result = _read(tmp_path, "review.md", MARKDOWN)
    items = [p.text for p in result.passages if p.section == "1 Introduction > 1.1 Scope" and p.kind == "body"]
    assert items == [
        "Improve maritime surveillance",
        "Share radar data between coast guards",
        "Train partner navies",
        "Security at sea is a shared responsibility of all Member States.",
    ]


def test_markdown_footnotes_linked_both_ways(tmp_path: Path) -> None:
    result = _read(tmp_path, "review.md", MARKDOWN)
    body = _by_text(result, "stepped up")
    item = _by_text(result, "Share radar data")
    note1 = _by_text(result, "24 October 2023")
    note2 = _by_text(result, "Atalanta mandate")
    assert (note1.kind, note1.marker) == ("footnote", "1")
    assert note2.text == "Decision on the Atalanta mandate, extended until 2026."
    assert body.cites == [note1.passage_id]
    assert item.cites == [note2.passage_id]
    assert note1.cited_by == [body.passage_id]
    assert item.passage_id in note2.cited_by
    assert "[^" not in " ".join(p.text for p in result.passages)


def test_markdown_table_with_br_and_caption(tmp_path: Path) -> None:
    result = _read(tmp_path, "review.md", MARKDOWN)
    [table] = result.tables
    assert table.method == "markdown"
    assert table.header == [["Operation", "Area\nof deployment", "Staff"]]
    assert table.rows == [["Atalanta", "Indian Ocean", "600"], ["Irini", "Mediterranean", "450"]]
    assert table.caption == "Table 1: Naval operations by region"
    assert _by_text(result, "Table 1:").kind == "caption"
    row = _by_text(result, "Atalanta | Area of deployment: Indian Ocean | Staff: 600")
    assert row.kind == "table" and row.table_id == table.table_id
    assert row.cites == [_by_text(result, "Atalanta mandate").passage_id]


def test_markdown_references_section_kind(tmp_path: Path) -> None:
    result = _read(tmp_path, "review.md", MARKDOWN)
    assert _kinds(result, "reference") == [
        "Council of the EU (2023). Conclusions on maritime security.",
        "European Commission (2022). Maritime security action plan.",
    ]
    assert _by_text(result, "References").kind == "heading"


def test_markdown_yaml_front_matter_sets_title_and_date(tmp_path: Path) -> None:
    text = (
        '---\ntitle: "Counter-Terrorism Agenda: Progress Report"\ndate: 2023-11-02\nauthor: Unit C2\n---\n\n'
        "## Summary\n\nThe Union has reinforced the protection of public spaces.\n"
    )
    result = _read(tmp_path, "agenda.md", text)
    assert result.document.title == "Counter-Terrorism Agenda: Progress Report"
    assert result.document.pub_date == "2023-11-02"
    assert [p.kind for p in result.passages] == ["heading", "body"]
    assert "Unit C2" not in " ".join(p.text for p in result.passages)


def test_markdown_numbered_first_heading_is_not_a_title(tmp_path: Path) -> None:
    text = "# 1 Introduction\n\nEuropol supports national police forces in cross-border cases.\n"
    result = _read(tmp_path, "europol-brief.md", text)
    assert [p.kind for p in result.passages] == ["heading", "body"]
    assert result.document.title == "europol-brief"


def test_markdown_raw_html_table_read(tmp_path: Path) -> None:
    text = (
        "Staff figures for the agencies follow.\n\n"
        "<table><tr><th>Agency</th><th>Staff</th></tr><tr><td>eu-LISA</td><td>350</td></tr></table>\n"
    )
    result = _read(tmp_path, "agencies.md", text)
    [table] = result.tables
    assert (table.header, table.rows) == ([["Agency", "Staff"]], [["eu-LISA", "350"]])


# --- HTML ----------------------------------------------------------------------------------

HTML = """\
<!DOCTYPE html>
<html><head>
<title>Strategic Compass for Security and Defence</title>
<meta name="dcterms.date" content="2022-03-21T09:30:00Z">
<script>window.tracking = true;</script>
<style>p { margin: 0 }</style>
</head><body>
<header><nav><a href="/">Home</a> <a href="/press">Press</a></nav><p>Official website of the Union</p></header>
<article>
<h1>A Strategic Compass</h1>
<p class="byline">By the External Action Service</p>
<h2>1 Context</h2>
<p>The Union faces a   more hostile
  security environment.<sup><a href="#fn1" id="fnref1">1</a></sup> Member States agreed to act together.<sup>2</sup></p>
<h3>1.1 Threats</h3>
<ul><li>Hybrid campaigns<ul><li>Disinformation targeting elections</li></ul></li><li>Cyber attacks on ports</li></ul>
<blockquote><p>Europe must be able to act rapidly.</p></blockquote>
<h2>2 Missions</h2>
<table>
<caption>Table 2: Staff of CSDP missions</caption>
<thead>
<tr><th rowspan="2">Mission</th><th colspan="2">Staff</th></tr>
<tr><th>2021</th><th>2022</th></tr>
</thead>
<tbody>
<tr><td>EUTM Mali</td><td colspan="2">700</td></tr>
<tr><td rowspan="2">EUNAVFOR Med</td><td>600<br>at sea</td><td><p>610</p><p>ashore</p></td></tr>
<tr><td>40</td><td>45</td></tr>
</tbody>
</table>
<h2>Notes</h2>
<p><sup>2</sup> Council of the EU, press release of 21 March 2022.</p>
<section class="footnotes"><ol>
<li id="fn1"><p>See the first EU threat analysis of November 2020.
<a href="#fnref1" class="footnote-back">↩</a></p></li>
</ol></section>
</article>
<footer><p>Cookie policy</p></footer>
</body></html>
"""


def test_html_headings_give_sections(tmp_path: Path) -> None:
    result = _read(tmp_path, "compass.html", HTML)
    assert _by_text(result, "1.1 Threats").section == "1 Context > 1.1 Threats"
    assert _by_text(result, "Cyber attacks on ports").section == "1 Context > 1.1 Threats"
    assert _by_text(result, "2 Missions").section == "2 Missions"


def test_html_title_meta_date_and_front_matter(tmp_path: Path) -> None:
    result = _read(tmp_path, "compass.html", HTML)
    assert result.document.title == "Strategic Compass for Security and Defence"
    assert result.document.pub_date == "2022-03-21"
    assert result.document.format == "html"
    assert _kinds(result, "front_matter") == ["A Strategic Compass", "By the External Action Service"]


NEWSROOM = """<!doctype html><html><head><title>Joint Statement of Chile and the European Union on Ocean Security | Press Corner</title></head>
<body><nav>Home Press releases Search</nav><p>PRESS CORNER</p>
<h1>Joint Statement of Chile and the European Union on Ocean Security</h1>
<p>November 4, 2025 \u2022 Statements</p>
<p>Chile and the European Union today agreed to hold a yearly dialogue on maritime security.</p>
<footer><p>Privacy</p></footer></body></html>
"""


def test_a_web_page_gives_its_printed_title_and_its_dateline(tmp_path: Path) -> None:
    """The <title> joins the page's title to the site's name; the dateline runs on after a bullet."""
    result = _read(tmp_path, "statement.html", NEWSROOM)
    assert result.document.title == "Joint Statement of Chile and the European Union on Ocean Security"
    assert (result.document.pub_date, result.document.pub_date_source) == ("2025-11-04", "printed")


def test_html_page_chrome_skipped(tmp_path: Path) -> None:
    result = _read(tmp_path, "compass.html", HTML)
    text = " ".join(p.text for p in result.passages)
    for chrome in ("Home", "Official website", "Cookie policy", "tracking", "margin"):
        assert chrome not in text


def test_html_body_whitespace_normalised_and_markers_removed(tmp_path: Path) -> None:
    result = _read(tmp_path, "compass.html", HTML)
    body = _by_text(result, "hostile")
    assert body.text == "The Union faces a more hostile security environment. Member States agreed to act together."


def test_html_footnotes_linked_both_ways(tmp_path: Path) -> None:
    result = _read(tmp_path, "compass.html", HTML)
    body = _by_text(result, "hostile")
    note1 = _by_text(result, "threat analysis")
    note2 = _by_text(result, "press release")
    assert (note1.kind, note1.marker, note1.text) == (
        "footnote",
        "1",
        "See the first EU threat analysis of November 2020.",
    )
    assert (note2.kind, note2.marker) == ("footnote", "2")
    assert note2.text == "Council of the EU, press release of 21 March 2022."
    assert body.cites == [note1.passage_id, note2.passage_id]
    assert note1.cited_by == [body.passage_id] and note2.cited_by == [body.passage_id]


def test_html_list_items_each_a_passage(tmp_path: Path) -> None:
    result = _read(tmp_path, "compass.html", HTML)
    section = "1 Context > 1.1 Threats"
    assert [p.text for p in result.passages if p.section == section and p.kind == "body"] == [
        "Hybrid campaigns",
        "Disinformation targeting elections",
        "Cyber attacks on ports",
        "Europe must be able to act rapidly.",
    ]


def test_html_table_spans_expanded(tmp_path: Path) -> None:
    result = _read(tmp_path, "compass.html", HTML)
    [table] = result.tables
    assert table.method == "html"
    assert table.header == [["Mission", "Staff", "Staff"], ["Mission", "2021", "2022"]]
    assert table.rows == [
        ["EUTM Mali", "700", "700"],
        ["EUNAVFOR Med", "600\nat sea", "610\nashore"],
        ["EUNAVFOR Med", "40", "45"],
    ]


def test_html_table_caption_element(tmp_path: Path) -> None:
    result = _read(tmp_path, "compass.html", HTML)
    [table] = result.tables
    caption = _by_text(result, "Table 2")
    assert caption.kind == "caption"
    assert table.caption == caption.text == "Table 2: Staff of CSDP missions"
    assert [p.kind for p in result.passages if p.table_id == table.table_id] == ["table"] * 4


def test_html_time_element_gives_pub_date(tmp_path: Path) -> None:
    html = (
        "<html><body><h1>Schengen Status Report</h1><p>Published <time datetime='2024-04-16'>16 April</time></p>"
        "<p>Checks at internal borders remain the exception.</p></body></html>"
    )
    result = _read(tmp_path, "schengen.htm", html)
    assert result.document.pub_date == "2024-04-16"
    assert result.document.title == "Schengen Status Report"


def test_html_references_section_kind(tmp_path: Path) -> None:
    html = (
        "<h2>Analysis</h2><p>Cyber resilience depends on shared standards.</p>"
        "<h2>Bibliography</h2><ol><li>ENISA (2023). Threat Landscape.</li><li>NIS Cooperation Group (2022).</li></ol>"
    )
    result = _read(tmp_path, "cyber.html", html)
    assert _kinds(result, "reference") == ["ENISA (2023). Threat Landscape.", "NIS Cooperation Group (2022)."]


def test_html_ordered_list_under_notes_heading_becomes_footnotes(tmp_path: Path) -> None:
    html = (
        "<h2>Assessment</h2><p>Frontex deployed more standing corps officers.<sup>1</sup>"
        " Returns remained low.<sup>2</sup></p>"
        "<h2>Endnotes</h2><ol><li>Frontex annual report 2023.</li><li>Eurostat return statistics.</li></ol>"
    )
    result = _read(tmp_path, "frontex.html", html)
    body = _by_text(result, "standing corps")
    notes = [p for p in result.passages if p.kind == "footnote"]
    assert [(p.marker, p.text) for p in notes] == [
        ("1", "Frontex annual report 2023."),
        ("2", "Eurostat return statistics."),
    ]
    assert body.text == "Frontex deployed more standing corps officers. Returns remained low."
    assert body.cites == [p.passage_id for p in notes]


def test_html_paragraph_opening_with_backlink_is_footnote(tmp_path: Path) -> None:
    html = (
        "<p>The sanctions regime<sup><a href='#ftnt1' id='ftnt_ref1'>[1]</a></sup> covers cyber attacks.</p>"
        "<hr><div><p><a href='#ftnt_ref1' id='ftnt1'>[1]</a>&nbsp;Council Decision (CFSP) 2019/797.</p></div>"
    )
    result = _read(tmp_path, "sanctions.html", html)
    body, note = result.passages
    assert (body.kind, body.text) == ("body", "The sanctions regime covers cyber attacks.")
    assert (note.kind, note.marker, note.text) == ("footnote", "1", "Council Decision (CFSP) 2019/797.")
    assert body.cites == [note.passage_id] and note.cited_by == [body.passage_id]


def test_html_without_text_raises_ingest_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"^widget\.html: no text found$"):
        _read(tmp_path, "widget.html", "<html><head><script>init()</script></head><body> </body></html>")


# --- plain text ----------------------------------------------------------------------------

TEXT = """\
EU COUNTER-TERRORISM AGENDA

Implementation report

Brussels, 9.12.2024

1 Introduction

The agenda strengthens co-
operation between law-enforcement authorities and inter-
national partners.[1] The co-operation with third
countries is reviewed every year.^2

1.1 Scope
---------

The report covers the following areas:
- protection of public
  spaces
* radicalisation prevention
• border security

Table 1: Staff by agency
Agency        Staff 2023    Staff 2024
Europol       1400          1520
Eurojust      250           262

II. Background

The first agenda was adopted in 2020.

REFERENCES

Council of the EU (2020). Counter-terrorism agenda.

Notes
=====

[1] Council conclusions of 16 June 2023.
[2] Annual review of the Counter-Terrorism
Coordinator.
"""


def test_text_headings_give_sections_and_levels(tmp_path: Path) -> None:
    result = _read(tmp_path, "agenda.txt", TEXT)
    headings = [(p.text, p.section) for p in result.passages if p.kind == "heading"]
    assert headings == [
        ("1 Introduction", "1 Introduction"),
        ("1.1 Scope", "1 Introduction > 1.1 Scope"),
        ("II. Background", "II. Background"),
        ("REFERENCES", "REFERENCES"),
        ("Notes", "Notes"),
    ]
    assert _by_text(result, "border security").section == "1 Introduction > 1.1 Scope"


def test_text_title_block_is_front_matter(tmp_path: Path) -> None:
    result = _read(tmp_path, "agenda.txt", TEXT)
    assert _kinds(result, "front_matter") == [
        "EU COUNTER-TERRORISM AGENDA",
        "Implementation report",
        "Brussels, 9.12.2024",
    ]
    assert result.document.title == "EU COUNTER-TERRORISM AGENDA"
    assert result.document.pub_date == "2024-12-09"


def test_text_hyphenation_repaired_unless_hyphenated_elsewhere(tmp_path: Path) -> None:
    result = _read(tmp_path, "agenda.txt", TEXT)
    body = _by_text(result, "law-enforcement")
    assert body.text == (
        "The agenda strengthens co-operation between law-enforcement authorities and international partners. "
        "The co-operation with third countries is reviewed every year."
    )


def test_text_hyphenation_joined_without_hyphen(tmp_path: Path) -> None:
    text = "Frontex supports the Member States in the sur-\nveillance of the external borders.\n"
    result = _read(tmp_path, "frontex.txt", text)
    assert result.passages[0].text == "Frontex supports the Member States in the surveillance of the external borders."


def test_text_footnotes_linked_both_ways(tmp_path: Path) -> None:
    result = _read(tmp_path, "agenda.txt", TEXT)
    body = _by_text(result, "law-enforcement")
    note1 = _by_text(result, "16 June 2023")
    note2 = _by_text(result, "Coordinator")
    assert (note1.kind, note1.marker, note1.text) == ("footnote", "1", "Council conclusions of 16 June 2023.")
    assert (note2.marker, note2.text) == ("2", "Annual review of the Counter-Terrorism Coordinator.")
    assert body.cites == [note1.passage_id, note2.passage_id]
    assert note1.cited_by == [body.passage_id] and note2.cited_by == [body.passage_id]


def test_text_bullets_each_a_passage(tmp_path: Path) -> None:
    result = _read(tmp_path, "agenda.txt", TEXT)
    section = "1 Introduction > 1.1 Scope"
    assert [p.text for p in result.passages if p.section == section and p.kind == "body"] == [
        "The report covers the following areas:",
        "protection of public spaces",
        "radicalisation prevention",
        "border security",
    ]


def test_text_whitespace_table_with_caption(tmp_path: Path) -> None:
    result = _read(tmp_path, "agenda.txt", TEXT)
    [table] = result.tables
    assert table.method == "whitespace"
    assert table.header == [["Agency", "Staff 2023", "Staff 2024"]]
    assert table.rows == [["Europol", "1400", "1520"], ["Eurojust", "250", "262"]]
    assert table.caption == "Table 1: Staff by agency"
    assert _by_text(result, "Table 1").kind == "caption"


def test_text_prose_is_not_a_table(tmp_path: Path) -> None:
    text = (
        "The Council met in Luxembourg.  Ministers discussed\n"
        "the situation at the eastern  border and\n"
        "agreed on  new  funding.\n"
    )
    result = _read(tmp_path, "council.txt", text)
    assert result.tables == []
    assert [p.kind for p in result.passages] == ["body"]


def test_text_underlined_headings_levels(tmp_path: Path) -> None:
    text = (
        "The Union reviews its internal security strategy every five years.\n\n"
        "Overview\n========\n\nEuropol reported more cross-border cases.\n\n"
        "Organised crime\n---------------\n\nDrug trafficking networks adapt quickly.\n"
    )
    result = _read(tmp_path, "strategy.txt", text)
    assert [(p.text, p.section) for p in result.passages if p.kind == "heading"] == [
        ("Overview", "Overview"),
        ("Organised crime", "Overview > Organised crime"),
    ]
    assert _by_text(result, "Drug trafficking").section == "Overview > Organised crime"


def test_text_numbered_items_each_a_passage(tmp_path: Path) -> None:
    text = (
        "The Council calls on the Member States to:\n"
        "(a) connect their national\nsystems to the Prüm network;\n"
        "(b) train staff in the use of\n(c)-type alerts in the Schengen Information System.\n"
    )
    result = _read(tmp_path, "prum.txt", text)
    assert [p.text for p in result.passages] == [
        "The Council calls on the Member States to:",
        "(a) connect their national systems to the Prüm network;",
        "(b) train staff in the use of (c)-type alerts in the Schengen Information System.",
    ]


def test_text_references_section_kind(tmp_path: Path) -> None:
    result = _read(tmp_path, "agenda.txt", TEXT)
    assert _kinds(result, "reference") == ["Council of the EU (2020). Counter-terrorism agenda."]


# --- shared behaviour ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("May 2024", "2024-05"),
        ("14 May 2024", "2024-05-14"),
        ("Brussels, 14 May 2024", "2024-05-14"),
        ("2024-05-14", "2024-05-14"),
        ("Luxembourg, 3.7.2023", "2023-07-03"),
        ("Published: September 5, 2021", "2021-09-05"),
    ],
)
def test_pub_date_from_date_line(tmp_path: Path, line: str, expected: str) -> None:
    text = f"Hybrid Threats Briefing\n\n{line}\n\nThe Union counters hybrid threats with a common toolbox.\n"
    result = _read(tmp_path, "briefing.txt", text)
    assert result.document.pub_date == expected
    assert result.passages[1].kind == "front_matter"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024", "2024"),
        ("2024-05", "2024-05"),
        ("2024-05-14T08:00:00+02:00", "2024-05-14"),
        ("Tue, 14 May 2024 08:00:00 GMT", "2024-05-14"),
        ("2024-13-40", "2024"),
        ("no date here", ""),
    ],
)
def test_normalize_date_metadata_values(value: str, expected: str) -> None:
    assert normalize_date(value) == expected


def test_pub_date_ignores_dates_inside_sentences(tmp_path: Path) -> None:
    text = "On 14 May 2024 the Council adopted new rules on the exchange of passenger data.\n"
    result = _read(tmp_path, "pnr.txt", text)
    assert result.document.pub_date == ""


def test_document_fields_filled(tmp_path: Path) -> None:
    result = _read(tmp_path, "agenda.txt", TEXT)
    doc = result.document
    assert (doc.doc_id, doc.source, doc.pages, doc.status, doc.format) == (DOC_ID, "agenda.txt", 1, "ok", "txt")
    assert doc.path == str(tmp_path / "agenda.txt")
    assert [p.passage_id for p in result.passages] == [f"{DOC_ID}:{i}" for i in range(1, len(result.passages) + 1)]


def test_title_falls_back_to_file_stem(tmp_path: Path) -> None:
    text = "Member States shall exchange information on firearms trafficking without delay.\n"
    result = _read(tmp_path, "firearms-note.txt", text)
    assert result.document.title == "firearms-note"
    assert result.passages[0].kind == "body"


def test_empty_file_raises_ingest_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"^notes\.txt: file is empty$"):
        _read(tmp_path, "notes.txt", b"")


def test_whitespace_only_file_raises_ingest_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"^blank\.md: "):
        _read(tmp_path, "blank.md", " \n\t\n")


def test_unsupported_suffix_raises_ingest_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"^memo\.docx: unsupported file type"):
        _read(tmp_path, "memo.docx", "text")


def test_utf16_file_with_byte_order_mark_decoded(tmp_path: Path) -> None:
    text = "Cyber diplomacy toolbox\n\nThe Union can respond to malicious cyber activities.\n"
    result = _read(tmp_path, "toolbox.txt", text.encode("utf-16"))
    assert [p.text for p in result.passages] == [
        "Cyber diplomacy toolbox",
        "The Union can respond to malicious cyber activities.",
    ]
    assert result.document.warnings == ["decoded as utf-16"]


def test_cp1252_file_decoded_with_warning(tmp_path: Path) -> None:
    text = "Coopération policière – rapport annuel\n\nLes États membres renforcent l’échange d’informations.\n"
    result = _read(tmp_path, "police.txt", text.encode("cp1252"))
    assert result.document.title == "Coopération policière – rapport annuel"
    assert _by_text(result, "échange").text == "Les États membres renforcent l’échange d’informations."
    assert result.document.warnings == ["decoded as cp1252"]


TABBED = """MARITIME PRESENCE

Table 2 Port calls and exercises per partner (2023)

\tPort calls\t\tExercises\t
\tNaval\tCoastguard\tNaval\tCoastguard
<b>India</b>\t3\t0\t2\t1
<b>Japan</b>\t1\t2\t0\t0

Figures as reported by the missions themselves.
"""


def test_tab_table_keeps_empty_cells_group_headers_and_self_describing_rows(tmp_path: Path) -> None:
    result = _read(tmp_path, "presence.txt", TABBED)
    [table] = result.tables
    assert table.header == [
        ["", "Port calls", "Port calls", "Exercises", "Exercises"],
        ["", "Naval", "Coastguard", "Naval", "Coastguard"],
    ]
    assert table.rows == [["India", "3", "0", "2", "1"], ["Japan", "1", "2", "0", "0"]]
    india = _by_text(result, "India |")
    assert india.text == "India | Port calls Naval: 3 | Exercises Naval: 2 | Exercises Coastguard: 1"


def test_markdown_flavoured_text_is_read_plain(tmp_path: Path) -> None:
    text = "# Review of naval cooperation\n\n## 1 INTRODUCTION\n\nThe **Union** and *Japan* exercise together.<sup>2</sup>\n\n<sup>2</sup> Since 2021.\n"
    result = _read(tmp_path, "review.txt", text)
    body = _by_text(result, "exercise together")
    assert body.text == "The Union and Japan exercise together."
    assert body.section.endswith("1 INTRODUCTION")


# --- header fields, printed dates, hostile input -------------------------------------------------


def test_header_fields_give_title_and_printed_date(tmp_path: Path) -> None:
    text = (
        "SOURCE: an archive of press releases\nTITLE: Joint Statement on Port Security\nDATE: 2022-03-24\n"
        "TYPE: joint statement\n\nThe partners agreed to inspect container traffic together.\n"
    )
    result = _read(tmp_path, "release.txt", text)
    assert result.document.title == "Joint Statement on Port Security"
    assert (result.document.pub_date, result.document.pub_date_source) == ("2022-03-24", "printed")
    assert result.passages[0].kind == "front_matter"
    assert [p.kind for p in result.passages[1:]] == ["body"]


@pytest.mark.parametrize(
    "dateline,expected",
    [
        ("Brussels, 15 November 2015", "2015-11-15"),
        ("March 8, 2024 Washington, D.C.", "2024-03-08"),
        ("16 April 2003", "2003-04-16"),
        ("May 2024", "2024-05"),
    ],
)
def test_dateline_under_the_title_is_the_printed_date(tmp_path: Path, dateline: str, expected: str) -> None:
    text = f"Ministers Meet on Maritime Security\n\n{dateline}\n\nThe ministers met and agreed to meet again in 2026.\n"
    result = _read(tmp_path, "note.txt", text)
    assert (result.document.pub_date, result.document.pub_date_source) == (expected, "printed")


def test_printed_date_wins_over_declared_metadata(tmp_path: Path) -> None:
    html = (
        '<html><head><title>Readout</title><meta name="date" content="2024-06-30"></head><body>'
        "<h1>Readout of the Security Dialogue</h1><p><time datetime=\"2023-02-01\">1 February 2023</time></p>"
        "<p>The officials reviewed their cooperation on cyber threats.</p></body></html>"
    )
    result = _read(tmp_path, "readout.html", html)
    assert (result.document.pub_date, result.document.pub_date_source) == ("2023-02-01", "printed")
    no_print = html.replace('<p><time datetime="2023-02-01">1 February 2023</time></p>', "")
    declared = _read(tmp_path, "readout2.html", no_print)
    assert (declared.document.pub_date, declared.document.pub_date_source) == ("2024-06-30", "metadata")


def test_control_characters_are_stripped(tmp_path: Path) -> None:
    result = _read(tmp_path, "nul.txt", "Cyber Talks\n\nThe talks\x00 covered\x07 ransomware\x1b and botnets.\n")
    assert all(not any(ord(c) < 32 and c not in "\t\n\r" for c in p.text) for p in result.passages)
    assert result.passages[-1].text == "The talks covered ransomware and botnets."


@pytest.mark.parametrize("depth", [500, 3000])
def test_deeply_nested_html_is_read_without_recursion_error(tmp_path: Path, depth: int) -> None:
    nested = "<html><body>" + "<div>" * depth + "<p>Held at the bottom of many boxes.</p>" + "</div>" * depth + "</body></html>"
    unclosed = "<html><body>" + "<div><span>piece " * 1000 + "</body></html>"
    assert _read(tmp_path, "deep.html", nested).passages[-1].text == "Held at the bottom of many boxes."
    assert _read(tmp_path, "open.html", unclosed).passages


def test_a_five_megabyte_paragraph_is_read_quickly_in_bounded_passages(tmp_path: Path) -> None:
    import time

    sentence = "The partners agreed to meet again next year to review their cooperation. "
    text = "Long Record\n\n" + "\n".join([sentence] * (5_000_000 // len(sentence))) + "\n"
    start = time.perf_counter()
    result = _read(tmp_path, "long.txt", text)
    assert time.perf_counter() - start < 30
    body = [p for p in result.passages if p.kind == "body"]
    assert len(body) > 200 and max(len(p.text) for p in body) <= 20_000
    assert " ".join(p.text for p in body) == " ".join(text.split("\n\n", 1)[1].split())
