"""Date mentions: surfaces, offsets, ISO values and granularity; negatives; publication-relative forms."""

from __future__ import annotations

import itertools

import pytest

from pipeline.vocab.dates import DateMention, find_dates, normalize_date


def found(text: str, pub_date: str = "2024") -> list[tuple[str, str, str]]:
    """(text, iso, granularity) of every mention, with offsets checked against the input."""
    mentions = find_dates(text, pub_date)
    for m in mentions:
        assert text[m.start:m.end] == m.text
    return [(m.text, m.iso, m.granularity) for m in mentions]


def only(text: str, pub_date: str = "2024") -> DateMention:
    mentions = find_dates(text, pub_date)
    assert len(mentions) == 1, mentions
    return mentions[0]


# --- points -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("sentence", "surface", "iso", "granularity", "rule_id"),
    [
        ("The EU and Norway agreed a maritime security roadmap in May 2024.", "May 2024", "2024-05", "month",
         "date:month_year"),
        ("The dialogue resumed on 14 May 2024 in Brussels.", "14 May 2024", "2024-05-14", "day",
         "date:day_month_year"),
        ("Ministers met on May 14, 2024 to review the mission.", "May 14, 2024", "2024-05-14", "day",
         "date:month_day_year"),
        ("The arrangement was signed on 14.05.2024 by both sides.", "14.05.2024", "2024-05-14", "day",
         "date:numeric_date"),
        ("The arrangement entered into force on 2024-05-14 without delay.", "2024-05-14", "2024-05-14", "day",
         "date:iso_date"),
        ("The partnership was upgraded in 2022 after long talks.", "2022", "2022", "year", "date:year"),
        ("As of July 2015, the naval operation patrolled the strait.", "July 2015", "2015-07", "month",
         "date:month_year"),
        ("The cyber dialogue began on the 3rd of March 2021.", "3rd of March 2021", "2021-03-03", "day",
         "date:day_month_year"),
        ("A joint exercise took place in Sept. 2023.", "Sept. 2023", "2023-09", "month", "date:month_year"),
        ("A headline reads: EXERCISE COMPLETED IN OCTOBER 2023.", "OCTOBER 2023", "2023-10", "month",
         "date:month_year"),
    ],
)
def test_points(sentence, surface, iso, granularity, rule_id):
    m = only(sentence)
    assert (m.text, m.iso, m.granularity, m.rule_id) == (surface, iso, granularity, rule_id)
    assert sentence[m.start:m.end] == surface


def test_offsets_are_exact_and_prepositions_are_left_out():
    text = "In 2022 the EU and Japan held talks; as of July 2015 they had met twice."
    assert find_dates(text, "2024") == [
        DateMention(3, 7, "2022", "2022", "year", "date:year"),
        DateMention(43, 52, "July 2015", "2015-07", "month", "date:month_year"),
    ]


def test_several_points_in_one_passage_come_in_order():
    text = "Talks held on 2 March 2023, in June 2023 and in 2024 (a third round) built trust."
    assert found(text) == [
        ("2 March 2023", "2023-03-02", "day"),
        ("June 2023", "2023-06", "month"),
        ("2024", "2024", "year"),
    ]


def test_impossible_calendar_days_are_not_dates():
    assert found("The summit was planned for 31 June 2024 by mistake.") == []
    assert found("It was held on 29 February 2023, the minutes say.") == []
    assert found("It was held on 29 February 2024, the minutes say.") == [("29 February 2024", "2024-02-29", "day")]


def test_parts_of_a_year_give_the_year():
    text = "Work started in autumn 2023, was reviewed in Q3 2023, and ends by the end of 2025 or mid-2026."
    assert found(text) == [
        ("autumn 2023", "2023", "year"),
        ("Q3 2023", "2023", "year"),
        ("end of 2025", "2025", "year"),
        ("mid-2026", "2026", "year"),
    ]
    assert only("Talks stalled in early 2021.").rule_id == "date:part_of_year"


def test_day_and_month_without_year_take_the_publication_year():
    assert found("On 14 May, the Council adopted the sanctions package.", "2023-06") == [
        ("14 May", "2023-05-14", "day")
    ]
    assert found("On 14 May, the Council adopted the sanctions package.", "") == []


# --- ranges -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("sentence", "surface", "iso"),
    [
        ("The first training cycle ran 2003-2005 in the Sahel.", "2003-2005", "2003/2005"),
        ("The first training cycle ran 2003\u20132005 in the Sahel.", "2003\u20132005", "2003/2005"),
        ("The first training cycle ran from 2003 to 2005 in the Sahel.", "from 2003 to 2005", "2003/2005"),
        ("The first training cycle ran between 2003 and 2005 in the Sahel.", "between 2003 and 2005",
         "2003/2005"),
        ("The pilot phase (2013\u20132014) tested the new hotline.", "2013\u20132014", "2013/2014"),
        ("The 2010-11 work programme listed police missions.", "2010-11", "2010/2011"),
        ("The 1999-00 budget line covered demining.", "1999-00", "1999/2000"),
        ("Naval patrols were stepped up May\u2013June 2024.", "May\u2013June 2024", "2024-05/2024-06"),
        ("Naval patrols were stepped up from May to June 2024.", "from May to June 2024", "2024-05/2024-06"),
        ("The staff talks were held 14\u201316 May 2024 in Tallinn.", "14\u201316 May 2024",
         "2024-05-14/2024-05-16"),
        ("The staff talks were held May 14\u201316, 2024 in Tallinn.", "May 14\u201316, 2024",
         "2024-05-14/2024-05-16"),
        ("The staff talks were held between 14 and 16 May 2024.", "between 14 and 16 May 2024",
         "2024-05-14/2024-05-16"),
        ("The rotation lasted from December 2023 to January 2024.", "from December 2023 to January 2024",
         "2023-12/2024-01"),
    ],
)
def test_ranges(sentence, surface, iso):
    m = only(sentence)
    assert (m.text, m.iso, m.granularity) == (surface, iso, "range")
    assert sentence[m.start:m.end] == surface


def test_range_rule_ids_name_the_unit():
    assert only("It ran from 2003 to 2005.").rule_id == "date:year_range"
    assert only("It ran May\u2013June 2024.").rule_id == "date:month_range"
    assert only("It ran 14\u201316 May 2024.").rule_id == "date:day_range"


def test_years_joined_by_and_or_to_without_opener_stay_separate():
    assert found("Summits were held in 2003 and 2005.") == [("2003", "2003", "year"), ("2005", "2005", "year")]
    assert found("Compare 2003 to 2005 for the figures.") == [("2003", "2003", "year"), ("2005", "2005", "year")]


def test_backward_ranges_and_month_like_suffixes_are_not_dates():
    assert found("The table heading reads 2005\u20132003 by mistake.") == []
    assert found("The file is labelled 2024-05 in the archive.") == []


# --- open ranges, decades, counted-back periods -----------------------------------------------

def test_since_is_closed_at_the_publication_year_and_keeps_since():
    text = "Since 2003 the EU has trained coastguards, and since May 2015 it has funded radars."
    assert find_dates(text, "2024-05-14") == [
        DateMention(0, 10, "Since 2003", "2003/2024", "range", "date:since_year"),
        DateMention(47, 61, "since May 2015", "2015-05/2024", "range", "date:since_month"),
    ]
    assert found("It has worked with the AU since 2003.", "2019") == [("since 2003", "2003/2019", "range")]


def test_since_a_decade_starts_at_the_decade_part():
    assert found("Cooperation has deepened since the early 2000s.") == [
        ("since the early 2000s", "2000/2024", "range")
    ]
    assert found("Cooperation has deepened since the late 1990s.", "2010") == [
        ("since the late 1990s", "1997/2010", "range")
    ]
    assert only("Cooperation has deepened since the 1990s.").rule_id == "date:since_decade"


def test_from_year_onwards_is_an_open_range():
    assert found("From 2014 onwards, the mission advised the police.", "2020") == [
        ("From 2014 onwards", "2014/2020", "range")
    ]


def test_since_without_publication_date_keeps_the_explicit_point():
    assert found("Since 2003 the EU has trained coastguards.", "") == [("2003", "2003", "year")]
    assert found("Cooperation has deepened since the early 2000s.", "") == [("early 2000s", "2000/2002", "decade")]


def test_since_a_year_after_publication_is_not_closed():
    assert found("The plan applies since 2026.", "2024") == [("2026", "2026", "year")]


@pytest.mark.parametrize(
    ("sentence", "surface", "iso"),
    [
        ("Terrorism rose sharply in the 1990s in the region.", "1990s", "1990/1999"),
        ("Piracy peaked in the late 1990s off the coast.", "late 1990s", "1997/1999"),
        ("Border missions multiplied in the early 2000s.", "early 2000s", "2000/2002"),
        ("The first dialogue dates from the mid-1990s.", "mid-1990s", "1994/1996"),
        ("The first dialogue dates from the mid 1990s.", "mid 1990s", "1994/1996"),
        ("The 1980's saw no such dialogue.", "1980's", "1980/1989"),
    ],
)
def test_decades(sentence, surface, iso):
    m = only(sentence)
    assert (m.text, m.iso, m.granularity, m.rule_id) == (surface, iso, "decade", "date:decade")


@pytest.mark.parametrize(
    ("sentence", "pub_date", "surface", "iso"),
    [
        ("Over the past 25 years, the EU has built ties with ASEAN.", "2024", "the past 25 years", "1999/2024"),
        ("Over the past 25 years, the EU has built ties with ASEAN.", "2016-03", "the past 25 years",
         "1991/2016"),
        ("In the last 25 years the partnership has matured.", "2024-05-14", "the last 25 years", "1999/2024"),
        ("Over the past two decades, Japan has become a close partner.", "2024", "the past two decades",
         "2004/2024"),
        ("Over the past two decades, Japan has become a close partner.", "2012", "the past two decades",
         "1992/2012"),
        ("The past decade has tested the alliance.", "2024", "The past decade", "2014/2024"),
        ("During the last five years, five missions were launched.", "2024", "the last five years", "2019/2024"),
        ("During the last twenty-five years the EU sent observers.", "2020", "the last twenty-five years",
         "1995/2020"),
        ("Funding will grow over the next five years.", "2024", "the next five years", "2024/2029"),
        ("The past six months brought three cyber incidents.", "2024-05", "The past six months",
         "2023-11/2024-05"),
    ],
)
def test_counted_back_from_publication(sentence, pub_date, surface, iso):
    m = only(sentence, pub_date)
    assert (m.text, m.iso, m.granularity) == (surface, iso, "range")
    assert sentence[m.start:m.end] == surface


def test_counted_back_rule_ids():
    assert only("over the past 25 years").rule_id == "date:past_n_years"
    assert only("over the past two decades").rule_id == "date:past_n_decades"
    assert only("over the next five years").rule_id == "date:next_n_years"


def test_counted_back_without_publication_date_returns_nothing():
    for sentence in (
        "Over the past 25 years, the EU has built ties with ASEAN.",
        "Over the past two decades, Japan has become a close partner.",
        "The past decade has tested the alliance.",
    ):
        assert find_dates(sentence, "") == []


def test_counted_months_need_a_publication_month():
    assert found("The past six months brought three cyber incidents.", "2024") == []


def test_last_years_of_something_else_is_not_anchored():
    assert found("The last five years of the Cold War saw new talks.") == []


def test_years_ago_count_back_from_publication():
    assert found("The hotline was set up ten years ago.", "2024") == [("ten years ago", "2014", "year")]
    assert found("The hotline was set up ten years ago.", "") == []
    assert found("The hotline was set up more than ten years ago.", "2024") == []


# --- durations ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("sentence", "surface", "iso"),
    [
        ("For more than ten years, the two navies have trained together.", "more than ten years", "P10Y"),
        ("The agreement has held for more than ten years.", "more than ten years", "P10Y"),
        ("The agreement has held for ten years.", "ten years", "P10Y"),
        ("Over ten years, the fund disbursed grants.", "ten years", "P10Y"),
        ("It took two decades to settle the border.", "two decades", "P20Y"),
        ("The mandate was extended by six months.", "six months", "P6M"),
        ("The mission mandate lasts 18 months.", "18 months", "P18M"),
        ("The talks have dragged on for twenty-five years.", "twenty-five years", "P25Y"),
        ("The treaty has endured for a hundred years.", "a hundred years", "P100Y"),
        ("The region has been unstable for more than a decade.", "more than a decade", "P10Y"),
        ("The negotiation lasted almost a year.", "almost a year", "P1Y"),
        ("It has funded the centre for many years.", "many years", "PXY"),
        ("It has funded the centre for several years.", "several years", "PXY"),
        ("The dispute has lasted many decades.", "many decades", "PXDE"),
        ("The review took several months.", "several months", "PXM"),
    ],
)
def test_durations(sentence, surface, iso):
    for pub in ("2024", ""):
        m = only(sentence, pub)
        assert (m.text, m.iso, m.granularity) == (surface, iso, "duration")
        assert sentence[m.start:m.end] == surface


def test_rates_and_periodicity_are_not_durations():
    assert found("The council meets twice a year.") == []
    assert found("The summit is held every two years.") == []
    assert found("The fund pays EUR 5 million a year.") == []


def test_vague_counted_periods_return_nothing():
    assert found("In recent years, the EU has stepped up its engagement.") == []
    assert found("Over the past few years, the EU has stepped up its engagement.") == []
    assert found("In the coming months the plan will be reviewed.") == []


def test_ranges_of_counts_and_decimals_are_not_durations():
    assert found("Sentences of 10-15 years were handed down.") == []
    assert found("The average posting lasts 2.5 years.") == []


# --- things that are not dates ----------------------------------------------------------------

@pytest.mark.parametrize(
    "sentence",
    [
        "Today the partners are currently reviewing what was recently agreed and will soon decide.",
        "We live in this turbulent era of strategic competition.",
        "The EU may decide to extend the mission.",
        "May the Council endorse the plan quickly.",
        "Protesters march while troops march past the border post.",
        "March is a verb here: the troops march to the border.",
        "About 10 % of 45 third countries joined, up to 99 % complied, and 140 companies signed.",
        "Security Council resolution 1540 and resolution 1973 were cited.",
        "The mission has 2000 troops and a budget of EUR 2015 million.",
        "The draft, JOIN(2020) 18 final, and COM(2019) 22 were tabled.",
        "See the joint communication JOIN (2020) 18 final for details.",
        "The source is https://eeas.europa.eu/docs/2019-2024/st14280-en23.pdf on the web.",
        "Download st14280-en23.pdf or www.example.eu/reports/2019/plan.html today.",
        "Regulation (EU) 2019/881 and Directive 2022/2555 apply.",
        "Call +32 2 2019 1234 for the press office.",
        "The journal carries ISSN 1977-2025 on its cover.",
        "See Article 2019, No. 2006, p. 2017 and pp. 2001-2010.",
        "A 25-year partnership and a ten-year programme were announced.",
        "Its pre-2014 posture changed.",
        "The EU-27 May summit text was not dated.",
    ],
)
def test_not_dates(sentence):
    assert find_dates(sentence, "2024") == []


def test_lowercase_month_word_is_not_a_month_but_the_year_stays():
    assert found("Members may 2024 be remembered as the turning point.") == [("2024", "2024", "year")]


def test_years_next_to_counts_and_identifiers_keep_only_the_year():
    text = "In 2023, 45 third countries joined the 2030 agenda (2016\u20132019 baseline)."
    assert found(text) == [
        ("2023", "2023", "year"),
        ("2030", "2030", "year"),
        ("2016\u20132019", "2016/2019", "range"),
    ]


# --- overlaps -------------------------------------------------------------------------------------

def test_longest_mention_wins_and_mentions_never_overlap():
    text = "In May 2024, since 2003, from 2003 to 2005, in the late 1990s and over the past two decades."
    mentions = find_dates(text, "2024")
    assert [m.text for m in mentions] == [
        "May 2024", "since 2003", "from 2003 to 2005", "late 1990s", "the past two decades"
    ]
    for a, b in itertools.pairwise(mentions):
        assert a.end <= b.start


def test_duration_inside_counted_period_is_not_reported_separately():
    assert [m.iso for m in find_dates("Over the past two decades, trust grew.", "2024")] == ["2004/2024"]
    assert [m.iso for m in find_dates("For two decades, trust grew.", "2024")] == ["P20Y"]


def test_empty_text():
    assert find_dates("", "2024") == []
    assert find_dates("   ", "") == []


# --- normalize_date --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("surface", "pub_date", "expected"),
    [
        ("the past 25 years", "2024", DateMention(0, 17, "the past 25 years", "1999/2024", "range",
                                                   "date:past_n_years")),
        ("in 2022", "", DateMention(3, 7, "2022", "2022", "year", "date:year")),
        ("the 1990s", "", DateMention(4, 9, "1990s", "1990/1999", "decade", "date:decade")),
        ("14 May 2024", "", DateMention(0, 11, "14 May 2024", "2024-05-14", "day", "date:day_month_year")),
        ("more than ten years", "", DateMention(0, 19, "more than ten years", "P10Y", "duration",
                                                "date:duration")),
        ("since 2003", "2024", DateMention(0, 10, "since 2003", "2003/2024", "range", "date:since_year")),
        ("the summer of 2023", "", DateMention(4, 18, "summer of 2023", "2023", "year", "date:part_of_year")),
    ],
)
def test_normalize_date(surface, pub_date, expected):
    assert normalize_date(surface, pub_date) == expected


@pytest.mark.parametrize(
    "surface",
    ["today", "recent years", "this turbulent era", "the past few years", "COM(2020) 18", "2000 troops", ""],
)
def test_normalize_date_rejects_non_dates(surface):
    assert normalize_date(surface, "2024") is None


def test_normalize_date_needs_publication_date_for_relative_forms():
    assert normalize_date("the past 25 years", "") is None
    assert normalize_date("the past 25 years", "2010-01-01").iso == "1985/2010"


def test_normalize_date_falls_back_to_dateparser_for_exotic_full_dates():
    assert normalize_date("May the 14th, 2024") == DateMention(
        0, 18, "May the 14th, 2024", "2024-05-14", "day", "date:dateparser"
    )
    assert normalize_date("14-May-2024").iso == "2024-05-14"
    assert normalize_date("Tuesday, 14 May 2024") == DateMention(
        9, 20, "14 May 2024", "2024-05-14", "day", "date:day_month_year"
    )


def test_normalize_date_does_not_read_plain_words_as_dates():
    # dateparser alone would turn these into dates; without a 4-digit year nothing is returned.
    for surface in ("Monday", "next week", "May", "two weeks", "14 May"):
        assert normalize_date(surface, "") is None


def test_normalize_date_returns_the_longest_of_several():
    m = normalize_date("2003 and May 2005")
    assert (m.text, m.iso, m.start, m.end) == ("May 2005", "2005-05", 9, 17)


# --- forms the gold counts as dates -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("sentence", "surface", "iso", "rule_id"),
    [
        ("The board will next convene on October 3 in Geneva.", "October 3", "2024-10-03", "date:month_day"),
        ("Envoys compared notes on July 21st before the vote.", "July 21st", "2024-07-21", "date:month_day"),
        ("Consultations resumed in September after the break.", "September", "2024-09", "date:month"),
        ("The November ministerial will settle it.", "November", "2024-11", "date:month"),
        ("Inspectors return in May to verify the stockpile.", "May", "2024-05", "date:month"),
        ("The pipeline reopened in mid-December after repairs.", "mid-December", "2024-12", "date:part_of_month"),
        ("A review is due by late February 2025.", "late February 2025", "2025-02", "date:part_of_month"),
        ("Tenders close at the end of April.", "end of April", "2024-04", "date:part_of_month"),
        ("Reserves must cover winter 2025-26 in full.", "winter 2025-26", "2025/2026", "date:season_range"),
        ("Reserves must cover winter 2025/26 in full.", "winter 2025/26", "2025/2026", "date:season_range"),
        ("The 2023/2024 work plan was adopted.", "2023/2024", "2023/2024", "date:year_range"),
        ("Ports built for the 19th century need upgrades.", "19th century", "1801/1900", "date:century"),
        ("Threats of the twenty-first century differ.", "twenty-first century", "2001/2100", "date:century"),
        ("Reserves were tested in autumn 2022 and fall 2023.", "autumn 2022", "2022", "date:part_of_year"),
    ],
)
def test_qualified_and_partial_calendar_forms(sentence, surface, iso, rule_id):
    m = find_dates(sentence, "2024-06")[0]
    assert (m.text, m.iso, m.rule_id) == (surface, iso, rule_id)


@pytest.mark.parametrize(
    "sentence",
    [
        "May the envoys agree on a text soon.",
        "March is when troops march to the border.",
        "The EU-27 May summit text was not dated.",
        "Researchers of Horizon 2020 and of Horizon Europe met.",
        "Goals of Agenda 2063 and of the 2030 Agenda were compared.",
        "Act 2019/2088 and Regulation 2021/2115 were amended.",
    ],
)
def test_months_as_words_and_years_inside_names_are_not_dates(sentence):
    assert find_dates(sentence, "2024-06") == []


def test_a_past_year_before_a_title_stays_a_date():
    assert [m.text for m in find_dates("They recalled the 2019 Joint Communiqué.", "2024")] == ["2019"]


def test_split_tokens_from_bad_pdf_text():
    assert found("The pact was signed on 4 AU GUST 199 8 in Lisbon.") == [("4 AU GUST 199 8", "1998-08-04", "day")]
    assert found("Talks began in Sep tember 2003.") == [("Sep tember 2003", "2003-09", "month")]
    assert found("The 199 8 figures are not a date here.") == []


def test_bare_months_need_a_publication_year():
    assert find_dates("Talks resume in June.", "") == []
