"""A generated benchmark corpus: policy documents assembled from a bank of sentence templates."""

from __future__ import annotations

import json
import random
from pathlib import Path

from synth.typeset import build

# fmt: off
PARTNERS = (
    "Canada", "Japan", "India", "Kenya", "Ghana", "Nigeria", "Senegal", "Mauritius", "Seychelles",
    "Morocco", "Tunisia", "Indonesia", "Singapore", "Vietnam", "Brazil", "Chile", "Mexico",
    "South Korea", "Australia", "Norway", "the United States", "the United Kingdom", "Jordan",
    "Egypt", "Djibouti", "Mozambique", "Georgia", "Moldova", "Ukraine", "Côte d’Ivoire",
)
ORGANISATIONS = (
    "the African Union", "ASEAN", "the Indian Ocean Commission", "ECOWAS", "NATO", "the OSCE",
    "the United Nations", "the Gulf Cooperation Council", "the League of Arab States",
)
INSTRUMENTS = (
    "a security and defence dialogue", "a framework participation agreement",
    "an assistance measure under the European Peace Facility", "a memorandum of understanding",
    "a joint action plan", "a strategic partnership", "a political dialogue", "an association agreement",
    "a working arrangement with Europol", "a mobility partnership", "a regional security programme",
    "a status of mission agreement", "a letter of intent on defence cooperation",
)
AREAS = (
    "maritime security", "cyber security", "counter-terrorism", "crisis management",
    "non-proliferation", "border management", "hybrid threats", "climate security", "arms control",
    "critical infrastructure protection", "the fight against organised crime", "space security",
)
MISSIONS = (
    "the EU naval operation in the Indian Ocean", "a civilian CSDP mission", "the EU training mission",
    "a military advisory mission", "the EU border assistance mission", "a capacity-building mission",
    "the coordinated maritime presence", "the EU police mission",
)
REGIONS = (
    "the Western Indian Ocean", "the Gulf of Guinea", "the Sahel", "the Western Balkans",
    "the Eastern Partnership region", "the Indo-Pacific", "the Red Sea", "the Mediterranean",
    "Central Asia", "the Horn of Africa", "Latin America", "the Black Sea",
)
AGENCIES = (
    "Europol", "Frontex", "the European Maritime Safety Agency", "the EU Satellite Centre", "ENISA",
    "Eurojust", "the European Fisheries Control Agency", "CEPOL",
)

# Slots: {partner} {partner2} {org} {instrument} {area} {area2} {mission} {region} {agency}
# {year} {year2} {number} {share}
SENTENCES = (
    "In {year}, the EU and {partner} agreed to hold a yearly dialogue on {area}.",
    "{partner} signed {instrument} with the Union in {year}, after almost two years of talks.",
    "The dialogue with {partner} now covers {area} as well as {area2}.",
    "Officials in {partner} regard {instrument} as the backbone of their relations with Brussels.",
    "Since {year}, {mission} has trained about {number} officers from {partner} and its neighbours.",
    "Cooperation on {area} in {region} has grown steadily, although funding remains uneven.",
    "The Council extended the mandate of {mission} in {year}, adding tasks related to {area}.",
    "{org} has become the main channel through which EU support for {area} reaches {region}.",
    "A joint statement adopted in {year} commits both sides to regular exchanges on {area}.",
    "Critics argue that the Union’s engagement with {partner} remains too focused on {area}.",
    "Between {year} and {year2}, the number of joint exercises with {partner} rose to {number}.",
    "{agency} signed a working arrangement with the authorities of {partner} in {year}.",
    "Information sharing with {partner} is handled through {agency}, which hosts liaison officers.",
    "The partnership with {partner} illustrates both the promise and the limits of {instrument}.",
    "Member states disagree on how far cooperation with {partner} on {area} should go.",
    "Funding for {area} in {region} reached about {number} million euros in {year2}.",
    "{partner} and {partner2} have asked for closer coordination between EU programmes in {region}.",
    "The first ministerial meeting on {area} with {partner} took place in {year}.",
    "Several interviewees described {instrument} as useful but slow to deliver.",
    "In practice, most of the work on {area} is done by small teams on both sides.",
    "The Union’s presence in {region} rests largely on {mission}.",
    "A review in {year2} found that {mission} had met most of its objectives on {area}.",
    "{partner} contributes personnel to {mission} under {instrument}.",
    "The EU and {org} hold staff talks on {area} twice a year.",
    "Partners in {region} value predictable funding more than high-level visits.",
    "The agenda of the dialogue with {partner} was broadened in {year2} to include {area2}.",
    "Progress on {area} has been slower than both sides expected when {instrument} was signed.",
    "The Union finances about {share} per cent of the costs of regional coordination centres in {region}.",
    "{partner} hosted a joint exercise on {area} in {year2}, with observers from {org}.",
    "European officials see {partner} as a like-minded partner on {area}.",
    "The cooperation with {partner} on {area} relies heavily on a few committed officials.",
    "Without sustained funding, the gains made in {region} could quickly be lost.",
    "The European Parliament has repeatedly asked for more transparency on {instrument}.",
    "{agency} and {mission} exchange information on {area} under an arrangement concluded in {year}.",
    "Since {year}, {partner} has taken part in {number} EU-led training courses on {area}.",
    "A framework for cooperation on {area} with {org} was endorsed by ministers in {year}.",
    "Trust between the partners grew after joint work on {area} during a crisis in {year2}.",
    "The Union’s approach to {region} combines diplomacy, funding and the deployment of {mission}.",
    "Some partners in {region} prefer bilateral arrangements to programmes run through {org}.",
    "The dialogue with {partner2} serves as a model for the newer talks with {partner}.",
    "Officials expect {instrument} with {partner} to be renewed before the end of {year2}.",
    "Local ownership remains the main test of any EU programme on {area} in {region}.",
    "{partner} has also deepened its ties with {org} on {area}.",
    "The lack of a common threat assessment has slowed cooperation on {area2} with {partner}.",
    "A pilot project on {area} in {region} was extended for a further {number} months.",
)
NOTE_TEXTS = (
    "Interview with an official of the European External Action Service, Brussels, {year2}.",
    "Joint statement of the {number}th meeting of the dialogue, {year}.",
    "Council conclusions on {area}, adopted in {year}.",
    "Figures provided by {agency} on request; they are rounded.",
    "See the annual report of {mission} for {year2}, which gives a detailed breakdown by partner.",
    "Interview with a diplomat of {partner}, {year2}.",
    "The text of {instrument} has not been published in full.",
    "Press release of {org}, {year}.",
    "Several member states opposed this wording during the negotiations.",
    "The estimate covers commitments, not payments, and excludes bilateral aid from member states.",
)
HEADINGS = (
    "Background", "The state of play", "Instruments and actors", "Dialogues and agreements",
    "Missions and operations", "Funding", "Regional cooperation", "Challenges ahead",
    "Lessons learned", "Partners’ perspectives", "Options for the Union", "The way forward",
)
SUBHEADINGS = (
    "Political dialogue", "Operational cooperation", "Capacity building", "Information sharing",
    "Legal frameworks", "Coordination with member states", "Results so far", "Open questions",
)
SERIES = ("Policy Brief", "Security Brief", "Analysis", "Working Paper", "Occasional Paper")
JOURNALS = ("EUROPEAN SECURITY REVIEW", "JOURNAL OF EUROPEAN COOPERATION", "SECURITY PARTNERSHIPS QUARTERLY")
TOPICS = ("Dialogues", "Tools", "Missions", "Partnerships", "Choices")
# Rough capacity of a page in words of body text, and the words a table row takes the space of.
# fmt: on
WORDS_PER_PAGE = {("two_column", "A4"): 540, ("one_column", "A4"): 380, ("one_column", "170x240mm"): 270}
WORDS_PER_ROW = 30


class _Writer:
    """Fills templates with slot values drawn from one random generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def fill(self, template: str) -> str:
        rng = self.rng
        partner, partner2 = rng.sample(PARTNERS, 2)
        area, area2 = rng.sample(AREAS, 2)
        year = rng.randint(2008, 2021)
        text = template.format(
            partner=partner,
            partner2=partner2,
            org=rng.choice(ORGANISATIONS),
            instrument=rng.choice(INSTRUMENTS),
            area=area,
            area2=area2,
            mission=rng.choice(MISSIONS),
            region=rng.choice(REGIONS),
            agency=rng.choice(AGENCIES),
            year=year,
            year2=rng.randint(year + 1, 2024),
            number=rng.choice((3, 4, 6, 8, 12, 15, 20, 35, 120, 400)),
            share=rng.choice((20, 35, 40, 60, 75)),
        )
        return text[0].upper() + text[1:]

    def paragraph(self, sentences: int) -> str:
        return " ".join(self.fill(t) for t in self.rng.sample(SENTENCES, sentences))


def _table(writer: _Writer, number: int, two_columns: bool) -> str:
    """A table of partners in a random drawing style, with merged cells and multi-line cells."""
    rng = writer.rng
    style = rng.choice(("grid", "rules", "whitespace"))
    options = []
    if rng.random() < 0.5:
        options.append("split_rows=yes")
    if rng.random() < 0.2:
        options.append("repeat_header=no")
    if style == "rules" and rng.random() < 0.5:
        options.append("row_rules=yes")
    if two_columns and rng.random() < 0.4:
        options.append("span=full")
    if style == "whitespace":
        return _numbers_table(writer, number, options)
    caption = (
        f"Table {number} {rng.choice(('Agreements', 'Dialogues', 'Joint statements'))} with selected partners"
    )
    lines = [f'::: table {style} "{caption}" {" ".join(options)}'.rstrip()]
    if rng.random() < 0.4:
        lines += ["| Partner | Cooperation | < | Year |", "| ^ | Area | Instrument | ^ |"]
    else:
        lines += ["| Partner | Area | Instrument | Year |"]
    lines.append("|---|---|---|---|")
    for partner in rng.sample(PARTNERS, rng.randint(5, 14)):
        for index in range(rng.choice((1, 1, 1, 2))):
            items = [writer.fill("{instrument}")]
            items += [f"– {writer.fill('{area}')}" for _ in range(rng.randint(0, 3))]
            name = partner[0].upper() + partner[1:] if index == 0 else "^"
            year = rng.randint(2008, 2024)
            lines.append(f"| {name} | {writer.fill('{area}')} | {'<br>'.join(items)} | {year} |")
    lines.append(":::")
    if rng.random() < 0.5:
        lines += ["::: note", "Years refer to the signature of the first document.", ":::"]
    return "\n".join(lines)


def _numbers_table(writer: _Writer, number: int, options: list[str]) -> str:
    rng = writer.rng
    caption = f"Table {number} Meetings and projects per partner"
    lines = [f'::: table whitespace "{caption}" {" ".join(options)}'.rstrip()]
    lines += ["| Partner | Dialogues | Projects | Budget (EUR m) |", "|---|---|---|---|"]
    for partner in rng.sample(PARTNERS, rng.randint(4, 12)):
        name = partner[0].upper() + partner[1:]
        budget = f"{rng.randint(5, 900) / 10:.1f}"
        lines.append(f"| {name} | {rng.randint(1, 12)} | {rng.randint(0, 9)} | {budget} |")
    lines.append(":::")
    return "\n".join(lines)


def document_markup(rng: random.Random, target_pages: int) -> str:
    """Markup for one document of roughly ``target_pages`` pages."""
    writer = _Writer(rng)
    layout = rng.choice(("one_column", "two_column", "two_column"))
    page = "A4" if layout == "two_column" or rng.random() < 0.6 else "170x240mm"
    year, month = rng.randint(2015, 2025), rng.randint(1, 12)
    number = rng.randint(1, 40)
    series = f"{rng.choice(SERIES)} {number}"
    notes = rng.choice(("footnotes", "footnotes", "endnotes"))
    topic = f"{rng.choice(TOPICS)} in {rng.choice(REGIONS)}"
    front = {
        "title": f"{rng.choice(AREAS).capitalize()} and the EU’s {topic}",
        "authors": rng.choice(("Anna Berg", "Luis Moreno, Research Fellow", "Ewa Nowak and Paul Martin")),
        "series": series if rng.random() < 0.6 else "",
        "date": f"{year}-{month:02d}",
        "layout": layout,
        "page": page,
        "font": rng.choice(("sans", "serif")),
        "running_header": f"({year}) {number} Sec. Coop. Rev." if rng.random() < 0.5 else "",
        "running_footer": f"{series} | {year}" if rng.random() < 0.6 else "",
        "page_number_first": rng.choice(("", "bottom_center")),
        "notes": notes,
        "marker_style": "paren" if notes == "endnotes" and rng.random() < 0.5 else "superscript",
        "hyphenate": rng.choice(("true", "false")),
        "ligatures": rng.choice(("true", "false")),
        "justify": rng.choice(("true", "true", "false")),
        "indent_paragraphs": rng.choice(("true", "false")),
        "bullet": rng.choice(("dash", "square")),
    }
    lines = [
        "---",
        *(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items() if value),
    ]
    if rng.random() < 0.15:
        lines += [
            f"cover: {rng.choice(JOURNALS)}",
            "imprint: |",
            "  Published by the Secmine Institute.",
            f"  ISSN 0000-{rng.randint(1000, 9999)}",
            f"  © The authors, {year}.",
        ]
    lines += ["---", ""]
    lines += ["::: abstract", writer.paragraph(3), ":::", ""]
    budget = target_pages * WORDS_PER_PAGE[(layout, page)]
    words = note = table = 0
    notes_text: list[str] = []
    for heading in rng.sample(HEADINGS, len(HEADINGS)):
        if words >= budget:
            break
        lines += [f"# {heading}", ""]
        for sub in range(rng.randint(1, 3)):
            if sub > 0 or rng.random() < 0.3:
                lines += [f"## {rng.choice(SUBHEADINGS)}", ""]
            for _ in range(rng.randint(1, 4)):
                if words >= budget:
                    break
                text = writer.paragraph(rng.randint(3, 7))
                if rng.random() < 0.3:
                    text = f"**{writer.fill('{area}')}.** {text}"
                if rng.random() < 0.45:
                    note += 1
                    text += f"[^{note}]"
                    notes_text.append(f"[^{note}]: {writer.fill(rng.choice(NOTE_TEXTS))}")
                lines += [text, ""]
                words += len(text.split())
            if rng.random() < 0.25:
                lines += [f"- {writer.fill(rng.choice(SENTENCES))}" for _ in range(rng.randint(2, 5))] + [""]
            if rng.random() < 0.3 and words < budget:
                table += 1
                markup = _table(writer, table, layout == "two_column")
                lines += [markup, ""]
                words += WORDS_PER_ROW * markup.count("\n|")
        if rng.random() < 0.15:
            items = [f"- {writer.fill(rng.choice(SENTENCES))}" for _ in range(rng.randint(2, 4))]
            lines += ["::: box Key points", *items, ":::", ""]
    return "\n".join(lines + notes_text) + "\n"


def make_bench_corpus(out_dir: str | Path, total_pages: int, seed: int = 0) -> list[Path]:
    """Write generated PDFs (and their truth) until they add up to about ``total_pages``; their markup
    goes beside the folder (``<out_dir>-sources``), so that the folder holds only what is benchmarked."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = out_dir.with_name(f"{out_dir.name}-sources")
    sources.mkdir(exist_ok=True)
    rng = random.Random(seed)
    pdfs: list[Path] = []
    pages = 0
    while pages < total_pages:
        target = min(rng.randint(4, 12), max(total_pages - pages, 2))
        source = sources / f"bench_{len(pdfs):03d}.md"
        source.write_text(document_markup(rng, target), encoding="utf-8")
        pdf, truth = build(source, out_dir)
        pages += json.loads(truth.read_text(encoding="utf-8"))["pages"]
        pdfs.append(pdf)
    return pdfs
