"""Unit tests of narrative-builder's language checks: no scores, no ranking, no unexplained jargon,
a positive tone for parents and a measured plain-English reading level."""

from __future__ import annotations

import pytest

from narrative_builder.core.jargon import GLOSSARY, JARGON, LAY_KINDS, JargonTerm, terms_for
from narrative_builder.core.language import (
    MIN_PARAGRAPH_READING_EASE,
    MIN_READING_EASE,
    READING_EASE_THRESHOLDS,
    check_content,
    check_text,
    count_syllables,
    flesch_reading_ease,
    sentence_count,
    words_of,
)
from narrative_builder.core.report_model import Paragraph, ReportContent, ReportKind, Section

PARENT, EHC, GOVERNORS = ReportKind.PARENT, ReportKind.EHC_REVIEW, ReportKind.GOVERNORS

MAYA = ("Maya has enjoyed the sensory room this year. She now reaches for the bubble tube on her own when she "
        "hears it start. She does this with different adults and at different times of the day. Music and a calm "
        "start to the morning help her most. Next, we will give her more chances to choose what comes next.")
EASY = ("Staff noticed that Maya smiled when the music started. She looked at her teacher and waited for the song. "
        "She did this on most days this term.")
# Hard to read on its own (Flesch about -38); with MAYA the report reads at about 58.
DENSE = ("Maya communicates her preferences with increasing confidence, using vocalisations and facial expressions "
         "that familiar adults recognise consistently across different activities.")


def report(kind: ReportKind, *paragraphs: str | Paragraph, title: str = "Maya's year", heading: str = "What Maya enjoys",
           subtitle: str | None = None) -> ReportContent:
    """A one-section report of the given paragraphs."""
    paras = [p if isinstance(p, Paragraph) else Paragraph(text=p) for p in paragraphs]
    return ReportContent(kind=kind, title=title, subtitle=subtitle,
                         sections=[Section(heading=heading, paragraphs=paras)])


def rules(findings) -> list[tuple[str, str]]:
    """(rule, excerpt) pairs, for compact assertions."""
    return [(f.rule, f.excerpt) for f in findings]


def of_rule(findings, rule: str) -> list[str]:
    """The excerpts of one rule's findings."""
    return [f.excerpt for f in findings if f.rule == rule]


# ---------------------------------------------------------------------------------------------
# Syllables and reading ease
# ---------------------------------------------------------------------------------------------

# Counts as in the CMU Pronouncing Dictionary.
KNOWN_SYLLABLES = {
    "cat": 1, "the": 1, "eye": 1, "yes": 1, "make": 1, "makes": 1, "reached": 1, "played": 1, "smiled": 1,
    "called": 1, "calm": 1, "choose": 1, "hears": 1, "table": 2, "little": 2, "bubble": 2, "wanted": 2,
    "needed": 2, "boxes": 2, "changes": 2, "lovely": 2, "being": 2, "going": 2, "people": 2, "player": 2,
    "something": 2, "timeline": 2, "music": 2, "morning": 2, "adults": 2, "chances": 2, "reaches": 2,
    "teacher": 2, "swimming": 2, "wheelchair": 2, "create": 2, "every": 3, "beautiful": 3, "engagement": 3,
    "happily": 3, "carefully": 3, "persistence": 3, "different": 3, "sensory": 3, "idea": 3, "area": 3,
    "video": 3, "familiar": 3, "behaviour": 3, "earlier": 3, "easier": 3, "exploration": 4,
    "independence": 4, "consistency": 4, "realisation": 4, "anticipation": 5, "initiation": 5,
    "communication": 5,
}


@pytest.mark.parametrize(("word", "expected"), sorted(KNOWN_SYLLABLES.items()))
def test_syllables_of_known_words(word: str, expected: int) -> None:
    assert count_syllables(word) == expected


def test_syllables_of_capitals_compounds_and_figures() -> None:
    assert count_syllables("Maya") == 2
    assert count_syllables("Maya's") == 2
    assert count_syllables("hand-over-hand") == 4
    assert count_syllables("EHCP") == 4          # an acronym is read letter by letter
    assert count_syllables("2027") == 4          # a figure counts a syllable a digit
    assert count_syllables("don't") == 1
    assert count_syllables("...") == 0


def test_the_cat_sat_on_the_mat_is_the_formula_exactly() -> None:
    # 6 words, 1 sentence, 6 syllables: 206.835 - 1.015 * 6 - 84.6 * 1
    assert flesch_reading_ease("The cat sat on the mat.") == pytest.approx(116.145)
    assert flesch_reading_ease("The cat sat on the mat.") > 100


def test_reading_ease_matches_textstat_with_the_cmu_dictionary() -> None:
    # textstat 0.7.13 (CMU dictionary syllables) gives 90.18 for this passage: 59 words, 5 sentences, 73 syllables
    assert len(words_of(MAYA)) == 59
    assert sentence_count(MAYA) == 5
    assert sum(count_syllables(w) for w in words_of(MAYA)) == 73
    assert flesch_reading_ease(MAYA) == pytest.approx(90.18, abs=0.01)


def test_a_dense_academic_sentence_is_very_hard() -> None:
    dense = ("The multidisciplinary assessment demonstrated considerable heterogeneity in the individualised "
             "educational provision, necessitating comprehensive reconsideration of institutional accountability "
             "mechanisms.")
    assert flesch_reading_ease(dense) < 30
    assert flesch_reading_ease(dense) < flesch_reading_ease(DENSE) < flesch_reading_ease(MAYA)


def test_sentences_end_at_stops_and_line_breaks_but_not_abbreviations_or_times() -> None:
    assert sentence_count("She sang. Did she? Yes!") == 3
    assert sentence_count("A heading\nA paragraph without a stop") == 2
    assert sentence_count("We met Mrs. Patel at 9.30 to plan, e.g. the swing.") == 1
    assert sentence_count("") == 0


def test_reading_ease_of_no_words_is_the_formula_constant() -> None:
    assert flesch_reading_ease("") == pytest.approx(206.835)
    assert flesch_reading_ease(" ... ") == pytest.approx(206.835)


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "excerpt"), [
    ("Maya scored 3/5 in exploration.", "scored 3/5"),
    ("She scored three.", "scored three"),
    ("Her score went up.", "score"),
    ("He is working at level 4.", "level 4"),
    ("He is working at level three.", "level three"),
    ("She is at stage 2 of the framework.", "stage 2"),
    ("She responded 70% of the time.", "70%"),
    ("She responded seventy per cent of the time.", "seventy per cent"),
    ("A high percentage of her responses were intentional.", "percentage"),
    ("She managed 3/5 of the steps.", "3/5"),
    ("She got four out of five.", "out of five"),
    ("She earned 12 points.", "12 points"),
    ("Her grade improved.", "grade"),
    ("His age-equivalent is about two years.", "age-equivalent"),
    ("Her developmental age is young.", "developmental age"),
])
def test_scores_levels_and_percentages_are_findings_in_every_kind(text: str, excerpt: str) -> None:
    for kind in ReportKind:
        assert excerpt in of_rule(check_text(text, kind), "numbers"), kind


@pytest.mark.parametrize("text", [
    "We met on 4 July 2027.",
    "We met on Friday 4th July 2027 and again in July 2027.",
    "We will review it on July 4, 2027.",
    "She joined the class in 2026.",
    "In autumn 2026 she began to use the switch.",
    "This report covers 2026/27 and the plan for 2027-2028.",
    "The meeting is on 04/07/2027 (2027-07-04).",
    "She is calmest at 9.30 and after 10:15, and tired by 2pm or 3 o'clock.",
    "She is calmest between 9.30 and 10.15.",
    "Her session starts at 10am and ends at 11 a.m. on Mondays.",
    "She moved into Year 6 this year; she was in years 3 to 5 with the same teacher.",
    "She is at the end of key stage 2.",
    "This is the evidence for outcome 3 in section 2.",
])
def test_dates_times_year_groups_and_references_are_not_findings(text: str) -> None:
    for kind in ReportKind:
        assert of_rule(check_text(text, kind), "numbers") == [], (kind, text)


@pytest.mark.parametrize("text", [
    "One of the things Maya loves is music.",
    "She has two favourite songs and three favourite toys.",
    "She points to the cup when she wants a drink.",
    "She took the ball out of the box.",
    "She likes the spirit level in the sand tray, and the noise level was low.",
    "Staff scaffolded the next stage carefully.",
])
def test_number_words_and_common_words_in_ordinary_prose_are_fine(text: str) -> None:
    assert of_rule(check_text(text, PARENT), "numbers") == []


def test_other_figures_are_findings_for_parents_and_ehc_reviews_but_counts_are_fine_for_governors() -> None:
    text = "Maya used her switch 12 times and worked 1:1 with her teacher; 14 pupils were assessed."
    for kind in (PARENT, EHC):
        assert of_rule(check_text(text, kind), "numbers") == ["12", "1:1", "14"]
    assert of_rule(check_text(text, GOVERNORS), "numbers") == []
    assert of_rule(check_text("1,200 observations were recorded.", GOVERNORS), "numbers") == []
    assert of_rule(check_text("14 pupils reached level 4.", GOVERNORS), "numbers") == ["level 4"]
    assert of_rule(check_text("Pupils averaged 3.5 on the scale.", GOVERNORS), "numbers") == ["3.5"]


def test_a_time_needs_a_whole_am_or_pm() -> None:
    assert of_rule(check_text("She had 3 amazing days.", PARENT), "numbers") == ["3"]


def test_a_date_inside_a_fraction_like_pattern_is_not_a_score() -> None:
    assert of_rule(check_text("We met on 3/5/2027.", PARENT), "numbers") == []
    assert of_rule(check_text("We met on 3/5/2027 and she got 3/5.", PARENT), "numbers") == ["3/5"]


def test_number_findings_say_what_to_do() -> None:
    [level] = check_text("She is at level 4.", PARENT)
    assert "no levels" in level.message and "developing" in level.message
    [figure] = check_text("She did it 12 times.", PARENT)
    assert "in words" in figure.message and "4 July 2027" in figure.message
    [ratio] = check_text("She works 1:1.", PARENT)
    assert "one-to-one" in ratio.message


# ---------------------------------------------------------------------------------------------
# Ranking
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "excerpt"), [
    ("She is top of the class for reaching.", "top of the class"),
    ("He is the best in the class at waiting.", "best in the class"),
    ("Her responses are below average.", "below average"),
    ("His attention is above average.", "above average"),
    ("She is behind her peers in communication.", "behind her peers"),
    ("He is behind other children of the same age.", "behind other children"),
    ("She is falling behind.", "falling behind"),
    ("He is ahead of the other pupils.", "ahead of the other pupils"),
    ("Compared with other pupils, she waits well.", "Compared with other pupils"),
    ("She waits longer than other children.", "than other children"),
    ("He reaches more often than his classmates.", "than his classmates"),
    ("She ranked first.", "ranked"),
    ("The class ranking shows it.", "ranking"),
    ("This was her worst week.", "worst"),
    ("This is his weakest area.", "weakest"),
    ("He is the strongest pupil in the group.", "strongest pupil"),
    ("She is the lowest in the group.", "the lowest in the group"),
    ("He is the highest-achieving pupil.", "the highest-achieving pupil"),
    ("He is in the bottom set.", "bottom set"),
    ("She is in the lower group.", "lower group"),
    ("She is one of our most able pupils.", "most able"),
    ("She is at the 10th percentile.", "percentile"),
    ("The school league table is not used.", "league table"),
    ("She is small for her age.", "for her age"),
    ("He is working below age-related expectations.", "age-related expectations"),
    ("Unlike typically developing children, she…", "typically developing"),
])
def test_comparing_or_ranking_pupils_is_a_finding_in_every_kind(text: str, excerpt: str) -> None:
    for kind in ReportKind:
        assert any(excerpt in found for found in of_rule(check_text(text, kind), "ranking")), kind


@pytest.mark.parametrize("text", [
    "She likes hiding behind the curtain.",
    "We show her the timetable ahead of lunch, so she knows what comes next.",
    "She slid to the bottom of the slide and laughed.",
    "She is more able to hold her head up this term.",
    "Compared with last term, she reaches for the switch more often.",
    "She enjoys the highest shelf in the sensory room.",
    "Music brings out the best in her.",
    "It was the best of the trips this year.",
    "She chooses resources appropriate for her age.",
    "She likes the top of the climbing frame best.",
    "On average she spends longer at the water tray now.",
])
def test_ordinary_uses_of_common_words_are_not_ranking(text: str) -> None:
    assert of_rule(check_text(text, PARENT), "ranking") == []


def test_ranking_findings_say_what_to_do() -> None:
    [finding] = check_text("She is behind her peers.", PARENT)
    assert finding.rule == "ranking"
    assert "own progress" in finding.message and "where the pupil was before" in finding.message


# ---------------------------------------------------------------------------------------------
# Tone
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "excerpt"), [
    ("She failed to reach the switch.", "failed"),
    ("He cannot hold the spoon.", "cannot"),
    ("She can't sit for long.", "can't"),
    ("He was unable to wait.", "unable"),
    ("Her grip is poor.", "poor"),
    ("His left side is weak.", "weak"),
    ("She has a deficit in attention.", "deficit"),
    ("He lacks focus.", "lacks"),
    ("She refused the drink.", "refused"),
    ("He was non-compliant in PE.", "non-compliant"),
    ("There was some challenging behaviour.", "challenging behaviour"),
])
def test_negative_framing_is_a_tone_finding_in_parent_reports_only(text: str, excerpt: str) -> None:
    assert excerpt in of_rule(check_text(text, PARENT), "tone")
    assert of_rule(check_text(text, EHC), "tone") == []
    assert of_rule(check_text(text, GOVERNORS), "tone") == []


def test_positive_wording_has_no_tone_findings() -> None:
    text = ("We cannot wait to see what she does next. She is learning to hold the spoon, and with a little help "
            "she brings it to her mouth.")
    assert of_rule(check_text(text, PARENT), "tone") == []


def test_tone_findings_say_what_to_do() -> None:
    [finding] = check_text("He cannot hold the spoon.", PARENT)
    assert "is learning to" in finding.message


# ---------------------------------------------------------------------------------------------
# Jargon
# ---------------------------------------------------------------------------------------------

def test_the_word_list_covers_the_issue_examples_with_plain_explanations() -> None:
    for term in ("EHCP", "EHC plan", "SLD", "PMLD", "SEMH", "SENCO", "lateral progress", "generalisation",
                 "P scales", "pre-key stage standards", "objects of reference", "proprioceptive"):
        assert term in GLOSSARY
    assert GLOSSARY["EHCP"] == GLOSSARY["EHC plan"] == "Education, Health and Care plan"
    assert GLOSSARY["SENCO"] == "the teacher who leads support for pupils with special educational needs"
    assert len({t.term for t in JARGON}) == len(JARGON)


@pytest.mark.parametrize("term", JARGON, ids=lambda t: t.term)
def test_every_listed_term_is_found_and_is_explained_by_its_explanation(term: JargonTerm) -> None:
    kind = PARENT
    for spelling in term.spellings:
        bare = f"We talked about the {spelling} this term."
        assert [f.excerpt for f in check_text(bare, kind) if f.rule == "jargon"] == [spelling], spelling
        explained = f"We talked about the {term.explanation} ({spelling}) this term."
        assert of_rule(check_text(explained, kind), "jargon") == [], spelling
        in_brackets = f"We talked about the {spelling} (the words we use for it at school) this term."
        assert of_rule(check_text(in_brackets, kind), "jargon") == [], spelling


def test_acronyms_need_expanding_for_every_reader_and_phrases_only_for_lay_readers() -> None:
    acronyms = "Her EHCP describes her SLD."
    phrases = "She uses objects of reference and shows lateral progress."
    for kind in ReportKind:
        assert of_rule(check_text(acronyms, kind), "jargon") == ["EHCP", "SLD"]
    for kind in LAY_KINDS:
        assert of_rule(check_text(phrases, kind), "jargon") == ["objects of reference", "lateral progress"]
    assert of_rule(check_text(phrases, EHC), "jargon") == []
    assert all(t.acronym for t in terms_for(EHC))
    assert {t.term for t in terms_for(PARENT)} == {t.term for t in JARGON}


def test_a_term_explained_anywhere_in_the_report_is_fine() -> None:
    report_text = "Her Education, Health and Care plan (EHC plan) was reviewed.\nThe EHCP outcomes are below."
    assert of_rule(check_text("The EHCP outcomes are below.", PARENT, context=report_text), "jargon") == []
    assert of_rule(check_text("The EHCP outcomes are below.", PARENT), "jargon") == ["EHCP"]
    # explanations match regardless of case and punctuation
    assert of_rule(check_text("EHCP: education health and care plan.", PARENT), "jargon") == []
    assert of_rule(check_text("The SENCO, our special educational needs co-ordinator, visited.", PARENT),
                   "jargon") == []
    assert of_rule(check_text("SLD (severe learning difficulties) is on her plan.", PARENT), "jargon") == []


def test_a_single_word_in_brackets_does_not_explain_a_term() -> None:
    assert of_rule(check_text("Her plan (EHCP) is new.", PARENT), "jargon") == ["EHCP"]
    assert of_rule(check_text("Her EHCP (2027) is new.", PARENT), "jargon") == ["EHCP"]


def test_acronyms_match_in_capitals_only_so_ordinary_words_pass() -> None:
    text = "She loved the salt dough, the ta-da at the end, and saying la la la with the ot-her children."
    assert of_rule(check_text(text, PARENT), "jargon") == []
    assert of_rule(check_text("Her SALT visited.", PARENT), "jargon") == ["SALT"]
    assert of_rule(check_text("The SENCO's plan and two EHCPs.", PARENT), "jargon") == ["SENCO's", "EHCPs"]


def test_jargon_findings_say_what_to_write() -> None:
    [finding] = check_text("Her EHCP was reviewed.", PARENT)
    assert finding.rule == "jargon"
    assert "write 'Education, Health and Care plan' the first time" in finding.message
    assert "or avoid the term" in finding.message
    [phrase] = check_text("She shows lateral progress.", PARENT)
    assert "everyday words" in phrase.message and "brackets" in phrase.message


# ---------------------------------------------------------------------------------------------
# Whole reports
# ---------------------------------------------------------------------------------------------

def test_a_plain_positive_parent_paragraph_passes_every_check() -> None:
    assert flesch_reading_ease(MAYA) >= MIN_READING_EASE
    assert check_text(MAYA, PARENT) == []
    assert check_content(report(PARENT, MAYA, EASY)) == []


def test_quotations_from_the_plan_are_not_checked() -> None:
    quoted = Paragraph(text="Maya's plan asks us to help her make choices. She now chooses music most mornings.",
                       quote="By the end of KS2, with SALT support, Maya will score level 3 on her EHCP targets.")
    assert check_content(report(PARENT, quoted, MAYA)) == []
    # the same words in our own text are findings
    own = Paragraph(text="By the end of KS2, with SALT support, Maya will score level 3 on her EHCP targets.")
    found = rules(check_content(report(PARENT, own, MAYA)))
    assert ("numbers", "score") in found and ("numbers", "level 3") in found
    assert {"KS2", "SALT", "EHCP"} <= {excerpt for rule, excerpt in found if rule == "jargon"}


def test_titles_subtitles_and_headings_are_checked() -> None:
    content = report(PARENT, MAYA, title="Maya's EHCP review", subtitle="Ranked by progress",
                     heading="Level 3 in exploration")
    found = rules(check_content(content))
    assert ("jargon", "EHCP") in found
    assert ("ranking", "Ranked") in found
    assert ("numbers", "Level 3") in found


def test_an_unexplained_term_is_reported_once_per_report() -> None:
    content = report(PARENT, "Her SLD team met. " + EASY, "The SLD team agreed. " + EASY, "SLD again. " + EASY)
    assert of_rule(check_content(content), "jargon") == ["SLD"]


def test_a_term_explained_in_another_paragraph_is_fine() -> None:
    content = report(PARENT, "Her Education, Health and Care plan (EHC plan) was updated. " + EASY,
                     "The EHCP now mentions music. " + EASY)
    assert of_rule(check_content(content), "jargon") == []


def test_report_reading_ease_thresholds_depend_on_the_kind() -> None:
    assert READING_EASE_THRESHOLDS == {PARENT: 60, GOVERNORS: 60, EHC: 50}
    ease = flesch_reading_ease(MAYA + "\n" + DENSE)
    assert 50 <= ease < 60
    for kind in (PARENT, GOVERNORS):
        whole = [f for f in check_content(report(kind, MAYA, DENSE))
                 if f.rule == "readability" and "as a whole" in f.message]
        assert len(whole) == 1, kind
        assert f"{ease:.0f}" in whole[0].message and "60 or more" in whole[0].message
    assert of_rule(check_content(report(EHC, MAYA, DENSE)), "readability") == []


def test_a_hard_paragraph_of_a_parent_report_is_flagged_on_its_own() -> None:
    content = report(PARENT, MAYA, EASY, DENSE)
    assert flesch_reading_ease("\n".join([MAYA, EASY, DENSE])) >= MIN_READING_EASE
    assert flesch_reading_ease(DENSE) < MIN_PARAGRAPH_READING_EASE
    [finding] = check_content(content)
    assert finding.rule == "readability"
    assert finding.excerpt.startswith("Maya communicates her preferences")
    assert finding.excerpt.endswith("\u2026") and len(finding.excerpt) <= 81
    assert DENSE.startswith(finding.excerpt[:-1])
    assert "This paragraph" in finding.message and "Split long sentences" in finding.message
    # governors' summaries and EHC reviews are judged as a whole only
    assert check_content(report(GOVERNORS, MAYA, EASY, DENSE)) == []
    assert check_content(report(EHC, MAYA, EASY, DENSE)) == []


def test_short_passages_and_headings_are_not_judged_for_readability() -> None:
    short = "Maya enjoys exploration."
    assert flesch_reading_ease(short) < MIN_PARAGRAPH_READING_EASE
    assert check_content(report(PARENT, short)) == []
    # headings are not part of the running text
    content = report(PARENT, MAYA, heading="Anticipation, communication and independence")
    assert check_content(content) == []


def test_findings_come_in_report_order_then_readability() -> None:
    content = report(PARENT, "She is behind her peers at level 4. " + EASY, DENSE, title="Maya's EHCP year")
    found = check_content(content)
    assert rules(found)[:3] == [("jargon", "EHCP"), ("ranking", "behind her peers"), ("numbers", "level 4")]
    assert found[-1].rule == "readability"
