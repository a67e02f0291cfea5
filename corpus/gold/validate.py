"""Check the sample-corpus gold files against the sources they were written from.

Usage: python corpus/gold/validate.py   (standard library only; exits 0 when every check passes)

The sources are read from ../src (the two markup files) and ../docs (the HTML page and the text file).
The markup is rendered to plain text the simple way the gold README describes: markup and note
markers removed, table cells joined by spaces, whitespace normalised.
"""

from __future__ import annotations

import csv
import html
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
DOCS = HERE.parent / "docs"

BRIEF_MD = SRC / "eu-indo-pacific-security-brief-2025.md"
ARTICLE_MD = SRC / "eu-strategic-partners-review-2017.md"
HTML_DOC = DOCS / "eu-canada-joint-statement-2025.html"
TXT_DOC = DOCS / "council-conclusions-maritime-2023.txt"

BRIEF = "eu-indo-pacific-security-brief-2025.pdf"
ARTICLE = "eu-strategic-partners-review-2017.pdf"
HTML_NAME = "eu-canada-joint-statement-2025.html"
TXT_NAME = "council-conclusions-maritime-2023.txt"

failures: list[str] = []


def check(cond: bool, msg: str) -> None:
    if not cond:
        failures.append(msg)


def norm_ws(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


# ---------------------------------------------------------------- markup rendering
def split_markup(md: str) -> tuple[str, dict[str, str]]:
    """Return (body without front matter and note definitions, {note number: note text})."""
    parts = md.split("\n---\n", 1)
    body = parts[1] if md.startswith("---\n") else md
    notes: dict[str, str] = {}
    kept = []
    for line in body.splitlines():
        m = re.match(r"\[\^(\d+)\]:\s*(.*)", line)
        if m:
            notes[m.group(1)] = m.group(2)
        else:
            kept.append(line)
    return "\n".join(kept), notes


def strip_inline(s: str) -> str:
    s = re.sub(r"\[\^\d+\]", "", s)          # note markers
    s = s.replace("**", "")                  # bold run-in heads
    s = re.sub(r"(?<!\w)\*([^*]+)\*(?!\w)", r"\1", s)  # italics
    s = s.replace("<br>", " ")
    return s


def render_lines(body: str) -> list[str]:
    out = []
    for line in body.splitlines():
        t = line.strip()
        if not t or t == ":::" or re.fullmatch(r"\|?[-| ]+\|?", t):
            continue
        if t.startswith(":::"):
            m = re.match(r"::: box (.+)", t)
            if m:
                out.append(m.group(1))
            m = re.match(r'::: table \w+ "([^"]+)"', t)
            if m:
                out.append(m.group(1))
            continue
        if t.startswith("|"):
            cells = [c.strip() for c in t.strip("|").split("|")]
            cells = [c for c in cells if c not in {"", "^", "<"}]
            out.append(strip_inline(" ".join(cells)))
            continue
        t = re.sub(r"^#+\s*", "", t)
        t = re.sub(r"^- ", "– ", t)             # list items print with a dash bullet
        out.append(strip_inline(t))
    return out


def plain_body(md: str) -> str:
    body, _ = split_markup(md)
    return norm_ws("\n".join(render_lines(body)))


def plain_notes(md: str) -> str:
    _, notes = split_markup(md)
    return norm_ws(" ".join(f"({n}) {strip_inline(t)}" for n, t in notes.items()))


def html_text(path: Path) -> str:
    t = path.read_text(encoding="utf-8")
    t = re.sub(r"<head>.*?</head>", " ", t, flags=re.S)
    t = re.sub(r"<sup>.*?</sup>", "", t, flags=re.S)    # note markers
    t = re.sub(r"<[^>]+>", " ", t)
    return norm_ws(html.unescape(t))


def md_tables(md: str) -> list[tuple[str, str, list[list[str]]]]:
    """(style, caption, rows of cells) for each ::: table block, header rows included."""
    tables = []
    lines = md.splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r'::: table (\w+) "([^"]+)"', lines[i])
        if m:
            rows = []
            i += 1
            while lines[i].strip() != ":::":
                t = lines[i].strip()
                if t.startswith("|") and not re.fullmatch(r"\|[-| ]+\|", t):
                    rows.append([c.strip() for c in t.strip("|").split("|")])
                i += 1
            tables.append((m.group(1), m.group(2), rows))
        i += 1
    return tables


# ---------------------------------------------------------------- reading gold
def read_csv(name: str, columns: list[str]) -> list[dict[str, str]]:
    with open(HERE / name, encoding="utf-8", newline="") as fh:
        r = csv.DictReader(fh)
        check(r.fieldnames == columns, f"{name}: columns {r.fieldnames}")
        return list(r)


ISO3 = {
    "United States": "USA", "Canada": "CAN", "Brazil": "BRA", "India": "IND", "China": "CHN",
    "Japan": "JPN", "South Korea": "KOR", "Russia": "RUS", "Norway": "NOR", "Ukraine": "UKR",
    "Moldova": "MDA", "United Kingdom": "GBR", "North Macedonia": "MKD", "Albania": "ALB",
    "Australia": "AUS", "Bosnia and Herzegovina": "BIH", "Chile": "CHL", "Colombia": "COL",
    "Georgia": "GEO", "Iceland": "ISL", "Jordan": "JOR", "Montenegro": "MNE", "New Zealand": "NZL",
    "Peru": "PER", "Serbia": "SRB", "Turkey": "TUR", "Vietnam": "VNM", "Indonesia": "IDN",
    "Singapore": "SGP", "Kazakhstan": "KAZ", "Namibia": "NAM", "Switzerland": "CHE",
    "Argentina": "ARG", "Zambia": "ZMB", "Democratic Republic of the Congo": "COD", "Rwanda": "RWA",
}
ORGS = {"United Nations": "international_organisation", "NATO": "international_organisation",
        "International Maritime Organization": "international_organisation",
        "ASEAN": "regional_organisation"}

MODES = {
    "exchange_of_information", "joint_training", "joint_seminars", "exploratory_seminars",
    "capacity_building", "legal_agreement", "data_agreement", "operational_cooperation",
    "operational_agreement", "multilateral_cooperation", "effective_multilateralism",
    "inter_regional_cooperation", "mediation", "confidence_building", "joint_funding",
    "internet_governance_coordination", "science_innovation",
}
DOMAINS_T = ["non_proliferation", "counter_terrorism", "organised_crime", "cyber_security"]
PARTNERSHIP_PREFIX = {"EU-US": "United States", "EU-Canada": "Canada", "EU-Brazil": "Brazil",
                      "EU-India": "India", "EU-China": "China", "EU-Japan": "Japan",
                      "EU-South Korea": "South Korea", "EU-Russia": "Russia"}


def main() -> int:
    article = ARTICLE_MD.read_text(encoding="utf-8")
    brief = BRIEF_MD.read_text(encoding="utf-8")
    tables = {cap.split()[1]: (style, cap, rows) for style, cap, rows in md_tables(article)}

    # ------------------------------------------------------------ Table 1: joint statements
    js = read_csv("joint_statements.csv",
                  ["partner", "partner_iso3", "domains", "title", "year", "source_doc", "source_table"])
    pws = read_csv("partners_without_statements.csv",
                   ["partner", "partner_iso3", "partnership_as_printed", "source_doc", "source_table"])
    _, _, rows = tables["1"]
    expect, empty = [], []
    partner = area = None
    for cells in rows[1:]:
        p, a, st = cells
        if p != "^":
            partner, area = PARTNERSHIP_PREFIX[p], None
            pp = p
        if a != "^":
            area = a
        if not st:
            empty.append((partner, pp))
            continue
        m = re.fullmatch(r"(.+) \((\d{4})\)", st)
        expect.append((partner, area.replace("/", ";"), m.group(1), m.group(2)))
    got = [(r["partner"], r["domains"], r["title"], r["year"]) for r in js]
    check(got == expect, "joint_statements.csv does not match Table 1 row by row")
    for r in js:
        check(r["partner_iso3"] == ISO3[r["partner"]], f"iso3 {r['partner']}")
        check(r["source_doc"] == ARTICLE and r["source_table"] == "Table 1", "js source")
    check([(r["partner"], r["partnership_as_printed"]) for r in pws] == empty, "partners_without_statements")
    for r in pws:
        check(r["partner_iso3"] == ISO3[r["partner"]] and r["source_table"] == "Table 1", "pws fields")

    # ------------------------------------------------------------ Table 2: cooperation elements
    ce = read_csv("cooperation_elements.csv",
                  ["partner", "partner_iso3", "domain", "mode", "mode_text", "qualifiers", "source_doc",
                   "source_table"])
    _, _, rows = tables["2"]
    expect = []
    for cells in rows[1:]:
        for dom, cell in zip(DOMAINS_T, cells[1:]):
            for item in [x for x in cell.split("<br>") if x.strip()]:
                expect.append((cells[0], dom, item.strip().removeprefix("– ")))
    got = []
    for r in ce:
        bullet = r["mode_text"] + (" (" + ", ".join(r["qualifiers"].split(";")) + ")" if r["qualifiers"] else "")
        got.append((r["partner"], r["domain"], bullet))
        check(r["mode"] in MODES, f"mode {r['mode']}")
        check(r["partner_iso3"] == ISO3[r["partner"]], f"iso3 {r['partner']}")
        check(r["source_doc"] == ARTICLE and r["source_table"] == "Table 2", "ce source")
    check(got == expect, "cooperation_elements.csv does not rebuild Table 2")
    per = Counter(r["partner"] for r in ce)
    check(len(ce) == 69, f"{len(ce)} elements; the article says 69")
    check(dict(per) == {"United States": 15, "Canada": 11, "Brazil": 7, "India": 6, "China": 8,
                        "Japan": 11, "South Korea": 5, "Russia": 6}, f"elements per partner {dict(per)}")
    check(sum(r["mode"] == "effective_multilateralism" for r in ce) == 17, "17 multilateralism elements")
    empty_cells = {(p, d) for p in per for d in DOMAINS_T} - {(r["partner"], r["domain"]) for r in ce}
    check(empty_cells == {("India", "cyber_security")}, f"empty cells {empty_cells}")

    # ------------------------------------------------------------ Table 3: dialogues
    dl = read_csv("dialogues.csv",
                  ["partner", "partner_iso3", "domain", "ministerial", "policy", "as_of", "source_doc",
                   "source_table"])
    _, cap, rows = tables["3"]
    check("as of July 2015" in cap, "caption date")
    expect = []
    for cells in rows[2:]:
        nums = cells[1:]
        for k, dom in enumerate(DOMAINS_T):
            expect.append((cells[0], dom, nums[2 * k], nums[2 * k + 1]))
    check([(r["partner"], r["domain"], r["ministerial"], r["policy"]) for r in dl] == expect,
          "dialogues.csv does not match Table 3")
    for r in dl:
        check(r["as_of"] == "2015-07" and r["source_table"] == "Table 3" and r["source_doc"] == ARTICLE,
              "dialogue fields")
        check(r["partner_iso3"] == ISO3[r["partner"]], f"iso3 {r['partner']}")
    # the published count as of July 2015 (shared gold, restricted to the article's eight partners)
    real = {"United States": "0 6 1 7 1 6 1 5", "Canada": "0 4 0 3 0 2 0 1", "Brazil": "0 2 0 0 0 1 0 2",
            "India": "0 2 0 2 0 2 0 2", "China": "0 2 0 0 0 1 0 2", "Japan": "0 2 0 1 0 1 0 2",
            "South Korea": "0 1 0 0 0 0 0 2", "Russia": "1 2 1 2 1 3 1 2"}
    check({c[0]: " ".join(c[1:]) for c in rows[2:]} == real, "Table 3 differs from the July 2015 figures")
    pd = Counter()
    for r in dl:
        pd[r["partner"]] += int(r["policy"])
        pd[r["domain"]] += int(r["policy"])
    check(sum(int(r["policy"]) for r in dl) == 70, "70 policy dialogues")
    check(pd["United States"] == 24 and pd["Canada"] == 10 and pd["Russia"] == 9 and pd["India"] == 8
          and pd["Japan"] == 6 and pd["Brazil"] == 5 and pd["China"] == 5 and pd["South Korea"] == 3,
          "policy dialogues per partner as stated in section 4.3")
    check((pd["non_proliferation"], pd["cyber_security"], pd["organised_crime"], pd["counter_terrorism"])
          == (21, 18, 16, 15), "policy dialogues per issue as stated in section 4.3")
    zero = lambda dom: {r["partner"] for r in dl if r["domain"] == dom and r["policy"] == "0"}
    check(zero("counter_terrorism") == {"Brazil", "China", "South Korea"},
          "no terrorism dialogue with Brazil, China or South Korea")
    check(zero("organised_crime") == {"South Korea"}, "organised crime: none with South Korea only")
    check(zero("non_proliferation") == set() and zero("cyber_security") == set(),
          "non-proliferation and cyber dialogues with all eight")
    md_rows = [r for r in dl if r["ministerial"] != "0"]
    check(sum(int(r["ministerial"]) for r in dl) == 7, "seven ministerial dialogues")
    check({(r["partner"], r["domain"]) for r in md_rows} ==
          {("United States", d) for d in DOMAINS_T[1:]} | {("Russia", d) for d in DOMAINS_T}, "ministerial")
    # the prose of sections 4.3 and 5 states these figures
    prose = plain_body(article)
    for phrase in ["70 policy dialogues on the four issues: 24 with the United States, ten with Canada, nine "
                   "with Russia, eight with India, six with Japan, five each with Brazil and China, and three "
                   "with South Korea",
                   "the table records seven, all of them with two partners. The United States has three",
                   "and Russia four (one for each issue)",
                   "non-proliferation comes first, with 21 policy dialogues", "Cyber-security is next with 18",
                   "Organised crime has 16 policy dialogues, although none with South Korea",
                   "Terrorism comes last, with 15 policy dialogues, and Brazil, China and South Korea",
                   "five elements of cooperation and three policy dialogues",
                   "it has eight policy dialogues, more than Japan, including two on cyber-security",
                   "fifteen elements of cooperation and 24 policy dialogues",
                   "still had nine policy dialogues and four ministerial ones in July 2015"]:
        check(phrase in prose, f"article prose lacks: {phrase[:60]}")
    check("June 2017" not in prose, "stale date June 2017 in the article")

    # ------------------------------------------------------------ partnerships
    pr = read_csv("partnerships.csv",
                  ["partner", "partner_iso3", "partner_kind", "instrument", "status", "domain", "evidence",
                   "source_doc"])
    texts = {
        BRIEF: norm_ws(plain_body(brief) + " " + plain_notes(brief)),
        HTML_NAME: html_text(HTML_DOC),
        TXT_NAME: norm_ws(TXT_DOC.read_text(encoding="utf-8")),
    }
    aliases = {"United States": ["United States"], "United Kingdom": ["United Kingdom", "UK", "British"],
               "South Korea": ["South Korea", "Korea"], "India": ["India", "Indian"],
               "Japan": ["Japan", "Japanese"], "Ukraine": ["Ukraine", "Ukrainian"],
               "International Maritime Organization": ["International Maritime Organization", "IMO"],
               "ASEAN": ["ASEAN"]}
    statuses = {"signed", "negotiating", "proposed", "established", "cooperating"}
    doms = {"defence_general", "crisis_management", "maritime_security", "cyber_security", "outer_space",
            "security_of_supply"}
    for r in pr:
        check(r["source_doc"] in texts, f"source_doc {r['source_doc']}")
        check(r["status"] in statuses, f"status {r['status']}")
        check(r["domain"] in doms, f"domain {r['domain']}")
        check(len(r["evidence"]) <= 300, f"evidence > 300: {r['partner']} / {r['instrument']}")
        check(r["evidence"] in texts.get(r["source_doc"], ""), f"evidence not verbatim: {r['evidence'][:70]}")
        check(any(re.search(rf"\b{re.escape(a)}\b", r["evidence"]) for a in aliases.get(r["partner"], [r["partner"]])),
              f"{r['partner']} not named in evidence")
        if r["partner"] in ORGS:
            check(r["partner_iso3"] == "" and r["partner_kind"] == ORGS[r["partner"]], f"org {r['partner']}")
        else:
            check(r["partner_iso3"] == ISO3[r["partner"]] and r["partner_kind"] == "country", f"country {r['partner']}")
    keys = [(r["partner"], r["instrument"], r["source_doc"]) for r in pr]
    check(len(keys) == len(set(keys)), "duplicate partner/instrument within a document")
    fpa = [r for r in pr if r["instrument"] == "CSDP Framework Participation Agreement" and r["source_doc"] == BRIEF]
    check(len(fpa) == 21, f"{len(fpa)} FPA rows; the brief says 21 countries")
    sdp = [r for r in pr if r["instrument"] == "Security and defence partnership" and r["source_doc"] == BRIEF
           and r["status"] == "signed"]
    check(len(sdp) == 8, f"{len(sdp)} signed SDPs; the brief says eight")

    # ------------------------------------------------------------ entities
    body = plain_body(brief)
    ents = [json.loads(l) for l in (HERE / "entities.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    for e in ents:
        check(list(e) == ["doc", "text", "label", "canonical", "context"], f"entity keys {list(e)}")
        check(e["doc"] == BRIEF, "entity doc")
        check(e["label"] in {"PARTNER", "EU_BODY", "INSTRUMENT", "DATE"}, f"label {e['label']}")
        check(e["text"] in e["context"], f"text not in context: {e['text']}")
        check(e["context"] in body, f"context not in body: {e['context']}")
        extra = len(e["context"]) - len(e["text"])
        check(60 <= extra <= 110, f"context size {extra} around {e['text']!r}")
    check(len({(e["text"], e["context"]) for e in ents}) == len(ents), "duplicate (text, context) pairs")
    # every occurrence of an annotated surface form is annotated, unless it sits inside a longer
    # annotated span of the same label ('2024' in 'May 2024', 'Atalanta' in 'Operation Atalanta')
    # or inside a phrase that is not an entity ('Indian' in 'Indian Ocean').
    spans = []
    for e in ents:
        starts = [m.start() for m in re.finditer(re.escape(e["context"]), body)]
        check(len(starts) == 1, f"context not unique: {e['context']}")
        if starts:
            # the mention is the first occurrence of its text inside its context
            off = starts[0] + e["context"].index(e["text"])
            spans.append((off, off + len(e["text"]), e["label"], e["text"]))
    check(len(set(spans)) == len(spans), "two annotations on one span")
    NOT_ENTITY = ["Indian Ocean"]
    blocked = [(m.start(), m.end()) for p in NOT_ENTITY for m in re.finditer(re.escape(p), body)]
    for t in {e["text"] for e in ents}:
        label = next(e["label"] for e in ents if e["text"] == t)
        for m in re.finditer(rf"(?<![\w]){re.escape(t)}(?![\w])", body):
            if any(s == m.start() and en == m.end() for s, en, _, _ in spans):
                continue
            inside = any(s <= m.start() and m.end() <= en and (en - s) > len(t) and lab == label
                         for s, en, lab, _ in spans)
            inside |= any(s <= m.start() and m.end() <= en for s, en in blocked)
            check(inside, f"unannotated occurrence of {t!r} at {m.start()}: {body[max(0, m.start()-30):m.end()+30]!r}")
    for name in list(ISO3) + list(ORGS) + ["UK", "British", "Japanese", "Korean", "Ukrainian"]:
        if re.search(rf"\b{re.escape(name)}\b", body):
            check(name in {e["text"] for e in ents}, f"{name} occurs in the body but is not annotated")
    ACRONYM_OK = {"EU", "WHY", "PARTNERSHIPS", "MATTER", "NOW", "SECURITY", "AND", "DEFENCE", "FIVE",
                  "FIELDS", "OF", "COOPERATION", "THE", "INDO", "PACIFIC", "DIMENSION", "WHAT", "COULD",
                  "OFFER"}
    for a in set(re.findall(r"\b[A-Z][A-Za-z]*[A-Z]s?\b", body)):
        covered = any(re.search(rf"\b{re.escape(a)}\b", e["text"]) for e in ents)
        check(covered or a in ACRONYM_OK, f"acronym {a} neither annotated nor excluded")

    print("rows:", {"joint_statements": len(js), "partners_without_statements": len(pws),
                    "cooperation_elements": len(ce), "dialogues": len(dl), "partnerships": len(pr),
                    "entities": len(ents)})
    print("entity labels:", dict(Counter(e["label"] for e in ents)))
    if failures:
        print(f"{len(failures)} FAILED checks:")
        for f in failures:
            print("  -", f)
        return 1
    print("All checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
