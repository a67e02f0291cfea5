"""How far a reader's output is from the layout-free truth of a source (``layouts.source_truth``).

Works on anything shaped like secmine's ``IngestResult`` (``document``, ``passages``, ``tables``)
and imports nothing from the package, so tests and the render command share it.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
NOTE_HEADINGS = re.compile(r"^(notes|endnotes|footnotes)$", re.I)


def squash(text: str) -> str:
    return " ".join(text.translate(_QUOTES).split())


def _unbullet(text: str) -> str:
    return squash(text).lstrip("-\u2022\u25aa ").strip()


def problems(result: Any, truth: dict[str, Any], ragged: bool = False) -> list[str]:
    """Every difference between what was read and what the source holds, one line each.

    ``ragged``: the layout sets paragraphs ragged-right and apart by space, not by an indent.
    There a paragraph that a column or page break cuts right after a sentence cannot be told
    from two paragraphs, so reading it as two is not counted.
    """
    out: list[str] = []
    passages = [p for p in result.passages]
    by_id = {p.passage_id: p for p in passages}
    blocks = truth["blocks"]
    if result.document.title != truth["title"]:
        out.append(f"title {result.document.title!r} != {truth['title']!r}")
    if truth.get("pub_date") and result.document.pub_date != truth["pub_date"]:
        out.append(f"pub_date {result.document.pub_date!r} != {truth['pub_date']!r}")

    # Passages outside the title block and the tables, as a multiset of (kind, text).
    expected: Counter = Counter()
    for b in blocks:
        if b["kind"] in ("body", "heading", "caption"):
            expected[(b["kind"], squash(b["text"]))] += 1
        elif b["kind"] == "footnote":
            expected[("footnote", squash(b["text"]))] += 1
        elif b["kind"] == "box":
            if b.get("title"):
                expected[("heading", squash(b["title"]))] += 1
            expected[("body", " ".join(_unbullet(i) for i in b["items"]))] += 1
    got: Counter = Counter()
    for p in passages:
        if p.kind in ("front_matter", "table"):
            continue
        if p.kind == "heading" and NOTE_HEADINGS.match(p.text.strip()):
            continue
        kind = "body" if p.kind == "reference" else p.kind
        text = squash(p.text)
        if (kind, text) not in expected and kind == "body":
            joined = " ".join(_unbullet(line) for line in p.text.split("\n"))
            if ("body", joined) in expected:
                text = joined
        got[(kind, text)] += 1
    # A line-end hyphen in a compound the document spells only once cannot be told from a
    # hyphenation point ("north-/western"): such a difference alone is not counted.
    for key in list((expected - got).keys()):
        twin = next((k for k in (got - expected) if k[0] == key[0] and _unhyphen(k[1]) == _unhyphen(key[1])), None)
        if twin is not None:
            expected[key] -= 1
            got[twin] -= 1
    if ragged:
        for key in list((expected - got).keys()):
            if key[0] != "body":
                continue
            pieces = [k[1] for k in (got - expected) if k[0] == "body" and key[1].startswith(k[1])]
            for head in pieces:
                tail = key[1][len(head):].strip()
                if re.search(r"[.!?][\"')\u2019\u201d]*$", head) and tail[:1].isupper() and got[("body", tail)] > expected[("body", tail)]:
                    expected[key] -= 1
                    got[("body", head)] -= 1
                    got[("body", tail)] -= 1
                    break
    missing = sorted((expected - got).items())
    extra = sorted((got - expected).items())
    paired: set = set()
    for (kind, text), n in missing:
        twin = max(extra, key=lambda e: _common(e[0][1], text), default=None)
        if twin is not None and _common(twin[0][1], text) >= 25 and twin[0] not in paired:
            paired.add(twin[0])
            at = _common(twin[0][1], text)
            out.append(f"{kind} differs at {at}: {text[max(0, at - 30):at + 40]!r} read as "
                       f"{twin[0][0]} {twin[0][1][max(0, at - 30):at + 40]!r}")
            continue
        out.append(f"missing {kind}: {text[:90]}" + (f" (x{n})" if n > 1 else ""))
    for (kind, text), n in extra:
        if (kind, text) not in paired:
            out.append(f"extra {kind}: {text[:90]}" + (f" (x{n})" if n > 1 else ""))

    # Sections and note links of body paragraphs.
    body_by_text: dict[str, list] = {}
    for p in passages:
        if p.kind in ("body", "reference"):
            body_by_text.setdefault(squash(p.text), []).append(p)
    notes_by_marker = {p.marker: p for p in passages if p.kind == "footnote"}
    for b in blocks:
        if b["kind"] != "body":
            continue
        found = body_by_text.get(squash(b["text"]))
        if not found:
            continue
        p = found[0]
        if p.section != b["section"]:
            out.append(f"section {p.section!r} != {b['section']!r}: {squash(b['text'])[:50]}")
        cited = sorted({by_id[c].marker for c in p.cites if c in by_id})
        if cited != sorted(set(b.get("notes", []))):
            out.append(f"notes {cited} != {sorted(set(b.get('notes', [])))}: {squash(b['text'])[:50]}")
    for b in blocks:
        if b["kind"] == "footnote":
            note = notes_by_marker.get(b["marker"])
            if note is None:
                out.append(f"note {b['marker']} has no footnote passage")
            elif squash(note.text) != squash(b["text"]):
                out.append(f"note {b['marker']} text differs: {squash(note.text)[:60]}")

    # Tables, cell for cell.
    tables = list(result.tables)
    for b in blocks:
        if b["kind"] != "table":
            continue
        same = [t for t in tables if squash(t.caption) == squash(b["caption"])]
        if not same:
            out.append(f"table missing: {b['caption'][:60]}" + f" (read: {[t.caption[:30] for t in tables]})")
            continue
        table = same[0]
        if table.header != b["header"]:
            out.append(f"table header differs: {b['caption'][:40]}: {table.header} != {b['header']}")
        if not _same_cells(table.rows, b["rows"], b.get("rows_printed", b["rows"])):
            out.append(f"table rows differ: {b['caption'][:40]}: {_row_diff(table.rows, b['rows'])}")
    extra_tables = [t for t in tables if not any(squash(t.caption) == squash(b.get("caption", "")) for b in blocks if b["kind"] == "table")]
    for t in extra_tables:
        out.append(f"extra table: {t.caption[:40]!r} {t.header[:1]} {len(t.rows)} rows")
    return out


def _unhyphen(text: str) -> str:
    return re.sub(r"(?<=[^\W\d_])-(?=[^\W\d_])", "", text)


def _same_cells(read: list[list[str]], merged: list[list[str]], printed: list[list[str]]) -> bool:
    """Every cell as in the source, or blank where a merged cell's text stands in a row above
    (a table without rules between rows shows a merged cell once per page)."""
    if len(read) != len(merged) or any(len(a) != len(b) for a, b in zip(read, merged)):
        return False
    return all(
        x == m or (x == "" and p == "")
        for row, mrow, prow in zip(read, merged, printed)
        for x, m, p in zip(row, mrow, prow)
    )


def _common(a: str, b: str) -> int:
    """Length of the common prefix."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _row_diff(got: list[list[str]], want: list[list[str]]) -> str:
    if len(got) != len(want):
        return f"{len(got)} rows read, {len(want)} printed; first read {[r[0][:20] for r in got[:12]]}"
    for i, (a, b) in enumerate(zip(got, want)):
        if a != b:
            return f"row {i + 1}: {a} != {b}"
    return ""
