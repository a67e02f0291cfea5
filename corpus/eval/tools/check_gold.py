"""Check the own corpus: texts/*.txt against gold/*.json (format of ../shared/dev/README.md).

Usage: python3 tools/check_gold.py [ROOT]   (exit status 1 on any error)
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
DOMAINS = {"non-proliferation", "counter-terrorism", "organised crime", "cyber-security", "maritime security",
           "outer space", "crisis management", "security of supply/defence industry"}
TYPES = {"agreement", "declaration", "joint_statement", "dialogue", "partnership", "mission", "fund", "strategy",
         "convention", "forum", "programme"}
KEYS = {"doc_id", "text_file", "title", "date", "partners", "instruments", "dates", "domains", "passages",
        "partners_borderline", "notes"}
HEADER = ["SOURCE", "TITLE", "DATE", "TYPE"]
MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December")
# calendar-looking tokens every occurrence of which must be covered by a gold date, unless whitelisted below
CANDIDATE = re.compile(rf"\b(?:{MONTHS})\b|\b(?:1[89]|20)\d\d(?:s)?\b|\b(?:[Ss]pring|[Ss]ummer|[Aa]utumn|[Ww]inter)\b")
# known non-date contexts (years inside names, ids): regex matched around the token
NOT_DATES = [r"Horizon 2020", r"2030 Agenda", r"Agenda 2063", r"Vision for 2030", r"Agenda to 2030",
             r"Euro 2012", r"No\. 14/2024", r"Resolution 1851", r"next winter", r"coming winter",
             r"last winter", r"the winter", r"next winter", r"winter may", r"this winter"]
ALIASES = {"South Korea": ["Republic of Korea", "Korea"], "Kyrgyzstan": ["Kyrgyz Republic"],
           "United Nations": ["UN ", "UN-led"], "GCTF": ["Global Counterterrorism Forum"],
           "FATF": ["Financial Action Task Force"],
           "COPUOS": ["Committee on the Peaceful Uses of Outer Space"], "SADC": ["Southern African Development Community"],
           "United Nations Security Council": ["UN Security Council"], "United States": ["U.S.", "Washington"],
           "UNODC": ["United Nations Office on Drugs and Crime"], "Philippines": ["Philippines"]}


def body_paragraphs(text):
    header, body = text.split("\n\n", 1)
    return header, body, [p for p in body.split("\n\n") if p.strip()]


def check(path):
    errors, warnings = [], []
    gold = json.loads(path.read_text(encoding="utf-8"))
    missing = KEYS - gold.keys()
    if missing:
        errors.append(f"missing keys {sorted(missing)}")
    stem = path.stem
    if gold.get("doc_id") != stem:
        errors.append(f"doc_id {gold.get('doc_id')!r} != file stem")
    if gold.get("text_file") != f"texts/{stem}.txt":
        errors.append(f"text_file {gold.get('text_file')!r}")
    tpath = ROOT / gold["text_file"]
    if not tpath.exists():
        return [f"text file missing: {tpath}"], warnings, {}
    text = tpath.read_text(encoding="utf-8")
    header, body, paras = body_paragraphs(text)
    hlines = header.splitlines()
    if [l.split(":", 1)[0] for l in hlines] != HEADER:
        errors.append(f"header lines {hlines}")
    meta = dict(l.split(": ", 1) for l in hlines)
    if meta.get("SOURCE") != "written for secmine evaluation":
        errors.append("SOURCE line")
    if meta.get("TITLE") != gold["title"] or meta.get("DATE") != gold["date"]:
        errors.append("title/date differ from header")
    if not re.fullmatch(r"\d{4}-\d\d-\d\d", gold["date"]):
        errors.append("date format")
    nwords = len(body.split())
    if not 250 <= nwords <= 1500:
        errors.append(f"body has {nwords} words")
    if any("\n" in p.strip("\n") for p in paras):
        errors.append("a paragraph contains a single line break")

    # passages
    ps = gold["passages"]
    if not 6 <= len(ps) <= 19:
        errors.append(f"{len(ps)} passages")
    seen = set()
    for p in ps:
        i = p["paragraph_index"]
        if i in seen:
            errors.append(f"duplicate passage index {i}")
        seen.add(i)
        if not 0 <= i < len(paras):
            errors.append(f"passage index {i} out of range")
            continue
        if p["text_start"] != paras[i][:60]:
            errors.append(f"text_start mismatch at {i}: {p['text_start']!r} vs {paras[i][:60]!r}")
        bad = set(p["domains"]) - DOMAINS
        if bad:
            errors.append(f"bad passage domains {bad}")
        seven = " ".join(paras[i].split()[:7])
        others = [j for j, q in enumerate(paras) if j != i and " ".join(q.split()[:7]) == seven]
        if others:
            errors.append(f"first seven words of paragraph {i} not unique ({others})")
    if set(gold["domains"]) - DOMAINS or set(gold.get("domains_minor", [])) - DOMAINS:
        errors.append("bad document domains")
    used = {d for p in ps for d in p["domains"]}
    if set(gold["domains"]) != used:
        warnings.append(f"document domains {gold['domains']} != passage domains {sorted(used)}")

    # dates: verbatim, unique, and every calendar-looking token covered
    dates = gold["dates"]
    if len(set(dates)) != len(dates):
        errors.append("duplicate dates")
    covered = []
    for d in dates:
        spans = [m.span() for m in re.finditer(re.escape(d), body)]
        if not spans:
            errors.append(f"date not verbatim in body: {d!r}")
        covered += spans
    excluded = [m.span() for pat in NOT_DATES for m in re.finditer(pat, body, re.I)]
    for m in CANDIDATE.finditer(body):
        s, e = m.span()
        if any(a <= s and e <= b for a, b in covered + excluded):
            continue
        errors.append(f"uncovered calendar token {m.group()!r} in …{body[max(0, s - 40):e + 20]!r}")

    # partners
    partners, borderline = gold["partners"], gold["partners_borderline"]
    if set(partners) & set(borderline):
        errors.append(f"partner also borderline: {set(partners) & set(borderline)}")
    for name in partners + borderline:
        forms = [name] + ALIASES.get(name, [])
        if not any(f in text for f in forms):
            warnings.append(f"partner {name!r} not written as such in the text (alias?)")
    # instruments
    allowed = set(partners) | set(borderline)
    for ins in gold["instruments"]:
        if ins["type"] not in TYPES:
            errors.append(f"bad instrument type {ins['type']}")
        if not set(ins["partners"]) <= allowed:
            errors.append(f"instrument {ins['name']!r} partners {set(ins['partners']) - allowed} not in partners/borderline")
        if ins["year"] is not None and not isinstance(ins["year"], int):
            errors.append(f"instrument year {ins['year']!r}")
        if not isinstance(ins["security_relevant"], bool):
            errors.append("security_relevant not bool")
        if ins.get("name_verbatim_in_text") is False:
            continue
        core = re.sub(r"\s*\([^)]*\)$", "", ins["name"])
        if core.lower() not in text.lower():
            warnings.append(f"instrument name not verbatim (mark name_verbatim_in_text false?): {ins['name']!r}")
    stats = {"partners": partners, "borderline": borderline, "instruments": len(gold["instruments"]),
             "security_instruments": sum(i["security_relevant"] for i in gold["instruments"]),
             "dates": len(dates), "passages": len(ps),
             "empty_passages": sum(1 for p in ps if not p["domains"]), "words": nwords}
    return errors, warnings, stats


def main():
    golds = sorted((ROOT / "gold").glob("*.json"))
    texts = sorted((ROOT / "texts").glob("*.txt"))
    nerr = 0
    if {g.stem for g in golds} != {t.stem for t in texts}:
        print("ERROR: texts and gold files do not pair up")
        nerr += 1
    for g in golds:
        errors, warnings, st = check(g)
        nerr += len(errors)
        status = "OK " if not errors else "ERR"
        print(f"{status} {g.stem}: {st.get('words')} words, {len(st.get('partners', []))} partners, "
              f"{len(st.get('borderline', []))} borderline, {st.get('instruments')} instruments "
              f"({st.get('security_instruments')} security), {st.get('dates')} dates, "
              f"{st.get('passages')} passages ({st.get('empty_passages')} no-domain)")
        for e in errors:
            print("   ERROR:", e)
        for w in warnings:
            print("   warn:", w)
    print(f"{len(golds)} documents, {nerr} errors")
    return 1 if nerr else 0


if __name__ == "__main__":
    sys.exit(main())
