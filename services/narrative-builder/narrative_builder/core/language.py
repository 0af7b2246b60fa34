"""Language checks run on every report we write: in the tests, and when a report is drafted or edited.

The engagement model has no numerical score, pupils are never ranked or compared, and reports to
parents must be positive, plain and free of jargon (DfE guidance, "Reporting"). These checks turn
those rules into findings precise enough for staff to fix: which words broke which rule and what
to write instead. The rules:

``numbers``
    No scores, levels, grades, percentages or fractions, in words or figures ("scored", "level 4",
    "level three", "70%", "3/5", "out of five", "six points", "percentage", "age-equivalent").
    In parent reports and EHC reviews any other figure is a finding too, except in dates
    ("4 July 2027", "July 2027", "autumn 2026", "2026/27", "04/07/2027"), clock times ("9:30",
    "at 9.30", "2pm"), year groups and key stages ("Year 6", "key stage 2") and references to
    numbered parts of a plan ("outcome 3", "section 2"): counts read better in words ("twice",
    "most mornings") and a figure is how a score creeps in. A governors' summary may give
    whole-number counts in figures ("14 pupils", "1:1 support"), being an aggregate for the school,
    but no decimals (an average reads as a score) and never scores. Number words in ordinary prose
    ("one of her favourite songs") are fine. "points" and "out of" are findings only next to a
    number ("six points", "out of five"), since "she points to the cup" and "out of the box" are
    everyday English.
``ranking``
    No comparison with other pupils and no ranking: "top of the class", "below average",
    "behind her peers", "falling behind", "ahead of other children", "compared with other
    pupils", "than his classmates", "ranked", "worst", "weakest", "the lowest in the group",
    "high-achieving", "bottom set", "for her age", "league table", "percentile". Common words
    are flagged only in the phrases that compare people, so "behind the curtain", "ahead of
    lunch", "the bottom of the slide" and "more able to lift his head" pass.
``jargon``
    Terms from :mod:`narrative_builder.core.jargon` that the report's readers need explained and
    that the report does not explain anywhere (each reported once per report).
``tone``
    Parent reports only: negative framing ("failed", "cannot", "unable", "poor", "weak",
    "deficit", "lacks", "refused", "non-compliant", "disruptive", "challenging behaviour").
    Say what the pupil does and what helps instead.
``readability``
    Flesch reading ease of the report's running text (its paragraphs, not headings) at least
    :data:`READING_EASE_THRESHOLDS` for its kind, and, in parent reports, every paragraph at
    least :data:`MIN_PARAGRAPH_READING_EASE`, so staff know which paragraph to simplify.

EHC plan wording quoted in a paragraph (``Paragraph.quote``) is never checked: it is the plan's
words, not ours.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable

from narrative_builder.core.jargon import JARGON, JargonTerm
from narrative_builder.core.report_model import LanguageFinding, ReportContent, ReportKind

RULE_NUMBERS = "numbers"
RULE_RANKING = "ranking"
RULE_JARGON = "jargon"
RULE_TONE = "tone"
RULE_READABILITY = "readability"

MIN_READING_EASE = 60
"""Flesch reading ease a report for lay readers (parents, governors) must reach: "plain English"
(about the level of a 13 to 15 year old reader)."""

READING_EASE_THRESHOLDS: dict[ReportKind, float] = {
    ReportKind.PARENT: MIN_READING_EASE,
    ReportKind.GOVERNORS: MIN_READING_EASE,
    ReportKind.EHC_REVIEW: 50,   # professional readers; the family reads it too, so not much lower
}
"""The lowest Flesch reading ease each kind of report may have, as a whole."""

MIN_PARAGRAPH_READING_EASE = 50
"""In a parent report, a paragraph below this is flagged on its own, so staff know what to simplify."""

MIN_WORDS_FOR_READABILITY = 12
"""Flesch scores of passages shorter than this swing wildly on one long word, so they are not judged."""

EXCERPT_CHARS = 80
"""How much of a paragraph a readability finding quotes."""


# --------------------------------------------------------------------------------------------
# Syllables and reading ease
# --------------------------------------------------------------------------------------------

# Words the rules get wrong that turn up in school reports (counts follow the CMU Pronouncing
# Dictionary, as textstat does). Plurals of these are derived ("ideas", "experiences").
_SYLLABLE_EXCEPTIONS: dict[str, int] = {
    "every": 3, "everything": 3, "everyone": 3, "everybody": 4, "evening": 2, "different": 3, "interest": 3,
    "interested": 4, "interesting": 4, "business": 2, "family": 3, "favourite": 3, "favorite": 3, "several": 3,
    "chocolate": 2, "camera": 3, "vegetable": 3, "comfortable": 4, "temperature": 4, "separate": 3,
    "idea": 3, "area": 3, "people": 2, "science": 2, "scientist": 3, "quiet": 2, "quietly": 3, "diet": 2,
    "create": 2, "created": 3, "creates": 2, "creat": 2, "creative": 3, "react": 2, "reacted": 3,
    "reaction": 3, "real": 1, "really": 2, "reality": 4, "poem": 2, "poet": 2, "lion": 2,
    "being": 2, "seeing": 2, "doing": 2, "going": 2, "cooperate": 4, "coordinate": 4, "coordinator": 5,
    "element": 3, "naive": 2, "recipe": 3, "maybe": 2, "anyone": 3, "aisle": 1, "isle": 1, "eye": 1,
    "the": 1, "ago": 2, "via": 2, "ok": 2, "okay": 2, "shoe": 1, "canoe": 2, "says": 1, "said": 1,
    "again": 2, "against": 2, "toward": 2, "towards": 2, "naturally": 3, "usually": 4, "actually": 4,
    "gradually": 4, "unusual": 4, "usual": 3, "casual": 3, "visual": 3, "individual": 5, "individually": 6,
    "gesture": 2, "ion": 2, "orient": 3, "oriented": 4, "period": 3, "experience": 4, "experienced": 4,
    "audience": 3, "patience": 2, "patient": 2, "ancient": 2, "sufficient": 3, "social": 2, "special": 2,
    "especially": 4, "initial": 3, "initially": 4, "initiate": 4, "initiated": 5, "initiating": 5,
    "initiation": 5, "initiative": 4, "appreciate": 4, "associate": 4, "association": 5, "negotiate": 4,
    "substantial": 3, "potential": 3, "essential": 3, "partial": 2, "media": 3, "medium": 3, "radio": 3,
    "video": 3, "studio": 3, "audio": 3, "ratio": 3, "piano": 3, "violin": 3, "violent": 3, "client": 2,
    "society": 4, "variety": 4, "anxiety": 4, "anxious": 2, "cruel": 2, "fuel": 2, "dual": 2, "duet": 2,
    "fluent": 2, "fluency": 3, "influence": 3, "genuine": 3, "continue": 3, "continued": 3,
    "continuing": 4, "value": 2, "valued": 2, "rescue": 2, "issue": 2, "tissue": 2, "argue": 2,
    "statue": 2, "virtue": 2, "tuesday": 2, "wednesday": 2, "saturday": 3, "february": 4, "january": 4,
    "reassure": 3, "reassured": 3, "reassurance": 4, "reinforce": 3, "reinforcement": 4, "preschool": 2,
    "ready": 2, "already": 3, "measure": 2, "measured": 2, "pleasure": 2, "treasure": 2, "moreover": 3,
    "therefore": 2, "furthermore": 3, "whereas": 2, "senior": 2, "junior": 2, "familiar": 3,
    "peculiar": 3, "brilliant": 2, "behaviour": 3, "behavior": 3, "language": 2, "realise": 3,
    "realised": 3, "realize": 3, "realized": 3, "realisation": 4, "realization": 4, "colleague": 2,
    "guarantee": 3, "guaranteed": 3, "linear": 3, "wellbeing": 3, "wherever": 3, "lineage": 3,
    "hundred": 2, "makeup": 2,
}
# Short words ending in a silent e that start compounds (timeline, somewhere, homework, baseline).
_SILENT_E_PREFIXES = ("base", "care", "face", "file", "fire", "frame", "game", "hope", "home", "life", "like",
                      "line", "make", "mile", "name", "nose", "safe", "same", "side", "some", "take", "time",
                      "tape", "pipe", "type", "fore", "else", "where", "there", "here", "whole", "wide", "wise",
                      "sure", "note", "size")
# Vowel pairs spoken as two syllables (li-on, vi-de-o, ear-li-er, re-a-lis-tic, ac-qui-red, ge-ne-i-ty) ...
_SPLIT_VOWELS = re.compile(r"ia|io|iu|ii|eo|(?<![gq])ua(?=[^auieo]|$)|(?<!q)uo|(?<=\w\w)ie(?=rs?$|st$)"
                           r"|(?:(?<![aeiou])|(?<=qu))ire[ds]?$|(?<=r)ea(?=li)|ei(?=ty$)")
# ... except where the pair makes one sound: -tion, -sion, -cial, -tious, -iour, -llion, -riage.
_JOINED_VOWELS = re.compile(r"[tscgx]i(?:on|ou|al|an|a$|ous|ent|ence|ency|en)|(?<=[sgx])ion|iour|(?<=[ln])ion"
                            r"|riage")
# Endings counted on their own after the stem (love-ly, en-gage-ment, mak-ing, safe-ty).
_SYLLABLE_SUFFIXES = ("ically", "fully", "ments", "ment", "ness", "less", "ful", "ly", "ing", "ty")


def _is_vowel(ch: str) -> bool:
    """Vowel letters for the ending rules, where 'y' counts (play-ed, ta-ble)."""
    return ch in "aeiouy"


def _vowel_groups(word: str) -> int:
    """Runs of vowels; 'y' is a consonant at the start of a word and before a vowel (yes, player)."""
    count, previous = 0, False
    for i, ch in enumerate(word):
        vowel = ch in "aeiou" or (ch == "y" and i > 0 and not (i + 1 < len(word) and word[i + 1] in "aeiou"))
        count += vowel and not previous
        previous = vowel
    return count


def _syllables_of_part(word: str, whole: bool) -> int:
    """Vowel groups, less silent endings, plus vowel pairs spoken apart. ``whole`` is False for a
    stem left after removing a suffix, where -ed and -es are not endings (preced-ing)."""
    count = _vowel_groups(word)
    if count == 0:
        return 0
    if len(word) <= 3:
        silent_e = count > 1 and word.endswith("e") and not word.endswith(("ee", "ie", "oe", "ue", "ye"))
        return max(1, count - silent_e)
    if word.endswith("e"):
        if word[-2] in "lr" and not _is_vowel(word[-3]) and word[-3] != word[-2]:
            pass                                                   # ta-ble, cen-tre: spoken
        elif not _is_vowel(word[-2]) or (word.endswith("ue") and word[-3] in "gq"):
            count -= 1                                             # make, tongue, unique: silent
    elif whole and word.endswith("es") and not _is_vowel(word[-3]):
        spoken = word[-3] in "sxzc" or word.endswith(("ches", "shes", "ges")) or \
            (word.endswith(("les", "res")) and not _is_vowel(word[-4]))
        count -= not spoken                                        # makes (but boxes, changes, tables)
    elif whole and word.endswith("ues") and word[-4] in "gq":
        count -= 1                                                 # leagues
    elif whole and word.endswith("ed"):
        before = word[-3]
        silent = (not _is_vowel(before) and before not in "td"
                  and not (before in "lr" and not _is_vowel(word[-4]) and word[-4] != before)) \
            or (before == "y" and word[-4] in "aeou")
        count -= silent                                            # reached, called, played (not wanted, bubbled)
    count += max(0, len(_SPLIT_VOWELS.findall(word)) - len(_JOINED_VOWELS.findall(word)))
    if word.endswith(("ism", "isms")):
        count += 1                                                 # au-tis-m
    return max(1, count)


def _exception(word: str) -> int | None:
    """The listed count of a word or of the singular of a plural, if it is listed."""
    if word in _SYLLABLE_EXCEPTIONS:
        return _SYLLABLE_EXCEPTIONS[word]
    if word.endswith("s") and word[:-1] in _SYLLABLE_EXCEPTIONS:
        return _SYLLABLE_EXCEPTIONS[word[:-1]] + word.endswith(("ses", "xes", "zes", "ches", "shes", "ges", "ces"))
    return None


def _letters_syllables(word: str, whole: bool = True) -> int:
    """Syllables of a lower-case word: exceptions, then compounds, then suffixes, then the rules."""
    known = _exception(word)
    if known is not None:
        return known
    for first in _SILENT_E_PREFIXES:
        rest = word[len(first):]
        if word.startswith(first) and len(rest) >= 3 and _vowel_groups(rest) > 0:
            return _syllables_of_part(first, True) + _letters_syllables(rest, whole)
    for suffix in _SYLLABLE_SUFFIXES:
        stem = word[: -len(suffix)]
        if not word.endswith(suffix) or len(stem) < 2 or _vowel_groups(stem) == 0:
            continue
        if suffix == "ly" and stem.endswith("l"):
            continue                                               # total-ly is to-tal-ly, not a suffix split
        if suffix == "ty" and not (stem.endswith("e") and not _is_vowel(stem[-2])):
            continue                                               # safe-ty, but not lib-er-ty
        if suffix == "ically":
            return _letters_syllables(stem + "ic", whole=False) + 1   # au-to-mat-ic-ally
        return _letters_syllables(stem, whole=False) + _syllables_of_part(suffix, True)
    if _vowel_groups(word) == 0:
        return sum(3 if ch == "w" else 1 for ch in word)           # spelt out: TV, PDF
    return _syllables_of_part(word, whole)


@functools.lru_cache(maxsize=65536)  # report wording repeats its words: a bulk run counts each once
def count_syllables(word: str) -> int:
    """Syllables in one English word, by rule (vowel groups, silent e, -le, -ed, -es, y, suffixes,
    compounds) with a list of exceptions; written here so the checks need no dictionary download.

    Agrees with the CMU Pronouncing Dictionary on every word of a sample of report-style prose and
    on about 99.8% of running words in held-out technical English. Hyphenated words count each
    part; a number counts one syllable per digit (near enough for dates and counts); an acronym
    written in capitals is spelt out letter by letter ("EHCP" is four).
    """
    word = word.replace("\u2019", "'")
    if "-" in word:
        return sum(count_syllables(part) for part in word.split("-") if part)
    digits = re.sub(r"\D", "", word)
    if digits:
        return len(digits)
    letters = re.sub(r"[^A-Za-z]", "", word)
    if not letters:
        return 0
    if len(letters) > 1 and letters.isupper():
        return sum(3 if ch == "W" else 1 for ch in letters)
    return _letters_syllables(letters.lower())


_WORD = re.compile(r"(?:[A-Za-z]\.){2,}|[A-Za-z0-9]+(?:['\u2019\-][A-Za-z0-9]+)*")
_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|etc|approx|Mr|Mrs|Ms|Dr|St|Prof|No|a\.m|p\.m|vs)\.", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?]+(?=[\s\"'\u201d\u2019)\]]|$)|\n+")


def words_of(text: str) -> list[str]:
    """The words of a text as Flesch counts them (hyphenated compounds and contractions are one word)."""
    return _WORD.findall(text)


def sentence_count(text: str) -> int:
    """Sentences in a text: ended by . ! ? or a line break (a heading or a paragraph without a full
    stop); abbreviations ("e.g.", "Mrs.") and decimals ("9.30") do not end one."""
    protected = _ABBREVIATIONS.sub(lambda m: m.group(0).replace(".", ""), text)
    return sum(1 for part in _SENTENCE_END.split(protected) if _WORD.search(part))


@functools.lru_cache(maxsize=16384)  # paragraphs repeat across a report run's reports
def flesch_reading_ease(text: str) -> float:
    """Flesch reading ease: 206.835 - 1.015 * words per sentence - 84.6 * syllables per word.

    The usual readability measure for plain English: 60 to 70 is plain English, 80 and above is
    easy, below 30 is for graduates. Measured rather than guessed so a report for parents is
    shown to be readable. Gives 206.835 (the formula with no words) for a text with no words.
    """
    words = words_of(text)
    if not words:
        return 206.835
    sentences = max(1, sentence_count(text))
    syllables = sum(count_syllables(w) for w in words)
    return 206.835 - 1.015 * (len(words) / sentences) - 84.6 * (syllables / len(words))


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------

_NUMBER_WORDS = (r"(?:zero|nil|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
                 r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty"
                 r"|ninety|hundred|half)")
_FIGURE = r"\d+(?:[.,]\d+)*"
_ANY_NUMBER = rf"(?:{_FIGURE}(?:\s*/\s*\d+|\s*%)?|{_NUMBER_WORDS}(?:[\s\-]+{_NUMBER_WORDS})?)"
_MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
          r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?")
_YEAR = r"(?:19|20)\d{2}"
_AMPM = r"(?:am|pm|a\.m\.|p\.m\.)(?!\w)"
_RANGE = r"(?:\s*(?:and|to|&|-|\u2013)\s*\d{1,2})?"

# Figures that are not scores: dates, times, year groups, key stages and references to parts of a plan.
_ALLOWED_FIGURES = re.compile("|".join((
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?(?!\w)",     # 4 July 2027, 4th of July
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+{_YEAR}\b)?",                 # July 4, 2027
    r"\b\d{4}-\d{2}-\d{2}\b",                                                          # 2027-07-04
    rf"\b{_YEAR}\s*[/\-\u2013]\s*(?:{_YEAR}|\d{{2}})\b(?![/\-]\d)",                  # 2026/27, 2026-2027
    rf"\b\d{{1,2}}[/.]\d{{1,2}}[/.](?:{_YEAR}|\d{{2}})\b",                           # 04/07/2027, 4.7.27
    rf"\b{_YEAR}s?\b",                                                                 # 2026, autumn 2026, 1990s
    rf"\b(?:[01]?\d|2[0-3])[:.][0-5]\d\s*{_AMPM}",                                     # 9.30am
    r"\b(?:[01]?\d|2[0-3]):[0-5]\d\b",                                                 # 09:30
    r"\b(?:at|from|until|till|by|before|after|around|about|between)\s+(?:[01]?\d|2[0-3])\.[0-5]\d\b"
    r"(?:\s*(?:and|to|until|till|-|\u2013)\s*(?:[01]?\d|2[0-3])\.[0-5]\d\b)?",                      # at 9.30, 9.30 to 10.15
    rf"\b(?:1[0-2]|0?[1-9])\s*{_AMPM}",                                                # 2pm
    r"\b(?:1[0-2]|[1-9])\s+o['\u2019]clock\b",                                         # 3 o'clock
    rf"(?<!\d )\byears?\s+\d{{1,2}}{_RANGE}\b",                                        # Year 6, years 3 to 6
    rf"\bkey\s+stages?\s+\d{_RANGE}\b",                                                # key stage 2
    r"\bKS\d\b",                                                                       # KS2 (jargon rule asks to spell out)
    rf"\b(?:outcome|section|target|page|appendix|part)s?\s+\d{{1,2}}(?:\.\d{{1,2}})?{_RANGE}\b",
)), re.IGNORECASE)

_FIX_SCORE = ("Describe what the pupil did and with how much support, in the school's words for how "
              "established it is (e.g. 'developing'); the engagement model has no scores.")

# (pattern, message); patterns that may sit inside an allowed figure (3/5 in 3/5/2027) are marked True.
_SCORE_PATTERNS: tuple[tuple[re.Pattern[str], bool, str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), figure_based, message) for pattern, figure_based, message in (
        (rf"\bscor(?:e|es|ed|ing)\b(?:\s+(?:of\s+|a\s+)?{_ANY_NUMBER}(?!\w))?", False,
         "Reports never give a score. " + _FIX_SCORE),
        (rf"\bgrade[sd]?\b(?:\s+{_ANY_NUMBER}(?!\w))?", False, "Reports never give grades. " + _FIX_SCORE),
        (rf"(?<!key\s)\b(?:level|band|stage)s?\s+{_ANY_NUMBER}(?!\w)", True,
         "The engagement model has no levels or stages. " + _FIX_SCORE),
        (rf"(?:{_FIGURE}|\b{_NUMBER_WORDS})\s*(?:%|per\s*cent\b|percent\b)", True,
         "No percentages: say in words what the pupil did and how often (e.g. 'most mornings')."),
        (r"\bper\s*cent(?:age)?s?\b|\bpercentages?\b", False,
         "No percentages: say in words what the pupil did and how often (e.g. 'most mornings')."),
        (r"(?<![\d/])\b\d+\s*/\s*\d+\b(?!/)", True,
         "This reads as a score. Describe what the pupil did instead; write a date in full (e.g. '4 July 2027')."),
        (rf"\bout\s+of\s+{_ANY_NUMBER}(?!\w)|(?:{_FIGURE}|\b{_NUMBER_WORDS})\s+points?\b", True,
         "This reads as a score. " + _FIX_SCORE),
        (r"\bage[\s\-]+equivalents?\b|\b(?:developmental|mental|reading|language)\s+age\b", False,
         "No age equivalents: describe the pupil's own progress, not how it compares with an age."),
    ))

_RATIO = re.compile(r"\b\d\s*:\s*\d\b")          # 1:1, 2:1 (adults to pupils)
_WHOLE_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")


def _ratio_spans(text: str) -> list[tuple[int, int]]:
    """Where staffing ratios such as 1:1 are, so their digits are not reported again."""
    return [m.span() for m in _RATIO.finditer(text)]


def _inside(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    """Whether a match lies wholly within one of the spans (a figure inside a date)."""
    return any(start <= span[0] and span[1] <= end for start, end in spans)


def _overlaps(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    """Whether a match shares any character with the spans (so one problem is reported once)."""
    return any(span[0] < end and start < span[1] for start, end in spans)


def _number_findings(text: str, kind: ReportKind) -> list[tuple[int, LanguageFinding]]:
    """Scores first, then ratios, then any other figure outside a date, each reported once."""
    allowed = [m.span() for m in _ALLOWED_FIGURES.finditer(text)]
    found: list[tuple[int, LanguageFinding]] = []
    flagged: list[tuple[int, int]] = []
    for pattern, figure_based, message in _SCORE_PATTERNS:
        for m in pattern.finditer(text):
            if (figure_based and _inside(m.span(), allowed)) or _overlaps(m.span(), flagged):
                continue
            flagged.append(m.span())
            found.append((m.start(), LanguageFinding(rule=RULE_NUMBERS, excerpt=m.group(0), message=message)))
    governors = kind is ReportKind.GOVERNORS   # whole-number counts are fine in an aggregate summary
    ratios = _ratio_spans(text)
    for m in _RATIO.finditer(text):
        if not governors and not _overlaps(m.span(), flagged) and not _inside(m.span(), allowed):
            flagged.append(m.span())
            found.append((m.start(), LanguageFinding(
                rule=RULE_NUMBERS, excerpt=m.group(0),
                message="Write support in words, e.g. 'one-to-one' or 'with two adults'.")))
    for m in re.finditer(_FIGURE, text):
        if _inside(m.span(), allowed) or _overlaps(m.span(), flagged) or _overlaps(m.span(), ratios):
            continue
        if governors:
            if _WHOLE_NUMBER.fullmatch(m.group(0)):
                continue
            message = "Give counts as whole numbers; an average or other decimal reads as a score."
        else:
            message = ("Avoid figures other than dates: write counts in words ('twice', 'most days') and dates in "
                       "full ('4 July 2027'); a figure can read as a score.")
        found.append((m.start(), LanguageFinding(rule=RULE_NUMBERS, excerpt=m.group(0), message=message)))
    return found


# --------------------------------------------------------------------------------------------
# Ranking
# --------------------------------------------------------------------------------------------

_OTHERS = (r"(?:(?:his|her|their|the|other|most|many|all|any|some|same[\s\-]age|similar)\s+){0,3}"
           r"(?:peers|classmates|class|group|others|children|pupils|students|learners|year\s+group|cohort"
           r"|rest(?:\s+of\s+the\s+(?:class|group))?|anyone\s+else|everyone\s+else|everybody\s+else)\b")
_RANKING_MESSAGE = ("Reports describe each pupil's own progress and never compare pupils or rank them. "
                    "Compare with where the pupil was before instead (e.g. 'since the autumn, she...').")
_RANKING = re.compile("|".join((
    r"\b(?:top|bottom|first|last|best|worst)\s+(?:in|of)\s+(?:the|his|her|their)\s+(?:class|group|year|school|cohort|set)\b",
    r"\b(?:above|below)[\s\-]+average\b",
    r"\b(?:than|the|national|class|school)\s+average\b",
    rf"\bbehind\s+{_OTHERS}",
    r"\b(?:fall|falls|falling|fell|fallen|lag|lags|lagging|lagged|left|dropped|dropping)\s+behind\b",
    r"\bbehind\s+where\b",
    r"\b(?:behind|ahead\s+of)\s+(?:his|her|their)\s+age\b",
    rf"\bahead\s+of\s+{_OTHERS}",
    rf"\b(?:compared|comparing|comparison|compare)\s+(?:with|to|against)\s+{_OTHERS}",
    rf"\bthan\s+(?:(?:his|her|their)\s+friends\b|{_OTHERS})",
    rf"\b(?:catch|catches|catching|caught)\s+up\s+(?:with|to)\s+{_OTHERS}",
    r"\brank(?:s|ed|ing|ings)?\b",
    r"\b(?:worst|weakest)\b",
    r"\b(?:strongest|best|brightest|cleverest|slowest|fastest|ablest)\s+(?:pupil|child|student|learner|member)s?\b",
    r"\bthe\s+(?:lowest|highest|slowest|fastest|best|strongest|brightest|quickest|least|most)"
    r"(?:[\s\-]+(?:achieving|attaining|performing|ability|scoring|able))?\s+(?:(?:in|of|among)\s+(?:the|his|her|their)"
    r"\s+(?:class|group|year|school|cohort|set|pupils|children)|pupil|child|student|learner)s?\b",
    r"\b(?:high|low|higher|lower|highest|lowest|under|over|top|bottom|middle)[\s\-]+"
    r"(?:achieving|attaining|performing|achievers?|attainers?|performers?|ability|sets?|stream)\b",
    r"\b(?:top|bottom|lowest|highest|lower|higher|weaker|stronger)\s+group\b",
    r"\b(?:more|less|most|least)\s+able\b(?!\s+to\b)",
    r"\bleague\s+tables?\b",
    r"\bpercentiles?\b",
    r"(?<!appropriate\s)\bfor\s+(?:his|her|their)\s+age\b",                 # not "appropriate for her age"
    r"\bage[\s\-]+related\s+expectations?\b",
    r"\btypically\s+developing\b",
    r"\b(?:children|pupils|others)\s+of\s+(?:his|her|their|the\s+same)\s+age\b",
)), re.IGNORECASE)


def _ranking_findings(text: str) -> list[tuple[int, LanguageFinding]]:
    """Every phrase comparing or ranking pupils, with its position."""
    return [(m.start(), LanguageFinding(rule=RULE_RANKING, excerpt=m.group(0).strip(), message=_RANKING_MESSAGE))
            for m in _RANKING.finditer(text)]


# --------------------------------------------------------------------------------------------
# Tone (parent reports)
# --------------------------------------------------------------------------------------------

_TONE: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.IGNORECASE), m) for p, m in (
    (r"\bfail(?:s|ed|ing|ure|ures)?\b",
     "Say what the pupil did and what will help next time, rather than what they failed to do."),
    (r"\b(?:cannot|can\s+not|can['\u2019]t)\b(?!\s+wait\b)|\bunable\b|\binability\b",
     "Say what the pupil does or is learning to do (e.g. 'is learning to...', 'with a little help, she...')."),
    (r"\bpoor(?:ly)?\b|\bweak(?:ness|nesses)?\b",
     "Describe what helps and what is growing (e.g. 'is building strength in...')."),
    (r"\bdefici(?:t|ts|ency|encies)\b|\black(?:s|ed|ing)?\b",
     "Describe what the pupil does and what would help, rather than what is missing."),
    (r"\brefus(?:e|es|ed|ing|al)\b",
     "Describe what the pupil told us by their response (e.g. 'chose not to', 'pushed it away to say no')."),
    (r"\bnon[\s\-]?complian(?:t|ce)\b|\bdisruptive\b|\bnaughty\b|\bdefiant\b|\bchallenging\s+behaviours?\b",
     "Describe what happened, what the pupil may have been telling us, and what helped."),
))


def _tone_findings(text: str) -> list[tuple[int, LanguageFinding]]:
    """Every negatively framed word, with its position (parent reports only)."""
    return [(m.start(), LanguageFinding(rule=RULE_TONE, excerpt=m.group(0), message=message))
            for pattern, message in _TONE for m in pattern.finditer(text)]


# --------------------------------------------------------------------------------------------
# Jargon
# --------------------------------------------------------------------------------------------

_READERS = {ReportKind.PARENT: "parents and carers", ReportKind.GOVERNORS: "governors",
            ReportKind.EHC_REVIEW: "every reader of the review"}


def _jargon_message(term: JargonTerm, used: str, kind: ReportKind) -> str:
    """What to write instead: spell out an acronym, or put a phrase in everyday words."""
    if term.acronym:
        return (f"'{used}' may not be known to {_READERS[kind]}: write '{term.explanation}' the first time "
                f"(e.g. '{term.explanation} ({used})'), or avoid the term.")
    return (f"'{used}' may not be known to {_READERS[kind]}: say it in everyday words, e.g. "
            f"'{term.explanation}', or explain it in brackets the first time it is used.")


def _jargon_uses(text: str, kind: ReportKind) -> list[tuple[int, JargonTerm, LanguageFinding]]:
    """The first use in ``text`` of each term this kind's readers need explained, explained or not."""
    found = []
    for term in JARGON:
        if not term.needs_explaining(kind):
            continue
        first = next(term.find(text), None)
        if first is not None:
            found.append((first.start(), term, LanguageFinding(
                rule=RULE_JARGON, excerpt=first.group(0), message=_jargon_message(term, first.group(0), kind))))
    return found


@functools.lru_cache(maxsize=16384)  # a report run writes the same sentences for many pupils
def _findings_in(text: str, kind: ReportKind) -> tuple[tuple[tuple[int, LanguageFinding], ...], tuple[tuple[int, JargonTerm, LanguageFinding], ...]]:
    """What one piece of text breaks whatever surrounds it (numbers, ranking, tone), and the jargon
    it uses, which its report may explain elsewhere."""
    found: list[tuple[int, LanguageFinding]] = []
    found += _number_findings(text, kind)
    found += _ranking_findings(text)
    if kind is ReportKind.PARENT:
        found += _tone_findings(text)
    return tuple(found), tuple(_jargon_uses(text, kind))


# --------------------------------------------------------------------------------------------
# Public checks
# --------------------------------------------------------------------------------------------

def check_text(text: str, kind: ReportKind, *, context: str = "") -> list[LanguageFinding]:
    """The numbers, ranking, jargon and (for parent reports) tone findings in one piece of a report,
    in the order they appear; run on each paragraph, heading and title as staff edit them.

    ``context`` is the whole report's text, so a term explained in another paragraph is not
    flagged here. Readability is judged on whole paragraphs and reports by :func:`check_content`.
    """
    report_text = f"{text}\n{context}" if context else text
    return [finding for finding, _ in _in_order(text, kind, lambda term: term.is_explained(report_text))]


def _in_order(text: str, kind: ReportKind, explained: Callable[[JargonTerm], bool]) -> list[tuple[LanguageFinding, JargonTerm | None]]:
    """The findings in ``text`` in the order they appear, each with the jargon term it is about (if any)."""
    plain, uses = _findings_in(text, kind)
    found = [*((position, finding, None) for position, finding in plain),
             *((position, finding, term) for position, term, finding in uses if not explained(term))]
    return [(finding, term) for _, finding, term in sorted(found, key=lambda item: item[0])]


def _explained_in(report_text: str) -> Callable[[JargonTerm], bool]:
    """Whether a term is explained in this report, each term looked up once per report."""
    answers: dict[JargonTerm, bool] = {}

    def explained(term: JargonTerm) -> bool:
        if term not in answers:
            answers[term] = term.is_explained(report_text)
        return answers[term]

    return explained


def unexplained_terms(content: ReportContent) -> list[JargonTerm]:
    """The terms a report uses that its readers need explained and it does not explain, in the
    word list's order (a draft's closing glossary explains these)."""
    texts = content.texts()
    used = {term for text in texts for _, term, _ in _findings_in(text, content.kind)[1]}
    explained = _explained_in("\n".join(texts))
    return [term for term in JARGON if term in used and not explained(term)]


def _excerpt(text: str) -> str:
    """The first words of a paragraph (about EXCERPT_CHARS), cut at a word, so staff can find it."""
    text = " ".join(text.split())
    if len(text) <= EXCERPT_CHARS:
        return text
    cut = text[:EXCERPT_CHARS].rsplit(" ", 1)[0]
    return cut + "\u2026"


def _readability_findings(content: ReportContent) -> list[LanguageFinding]:
    """The whole report against its kind's threshold; in parent reports, each paragraph as well."""
    paragraphs = [p.text for section in content.sections for p in section.paragraphs]
    running = "\n".join(paragraphs)
    threshold = READING_EASE_THRESHOLDS[content.kind]
    found = []
    if len(words_of(running)) >= MIN_WORDS_FOR_READABILITY:
        ease = flesch_reading_ease(running)
        if ease < threshold:
            found.append(LanguageFinding(
                rule=RULE_READABILITY, excerpt=_excerpt(running),
                message=f"The report as a whole is too hard to read (Flesch reading ease {ease:.0f}; "
                        f"this kind of report needs {threshold:.0f} or more). Use shorter sentences and "
                        f"everyday words; start with any paragraphs flagged on their own."))
    if content.kind is ReportKind.PARENT:
        for paragraph in paragraphs:
            if len(words_of(paragraph)) < MIN_WORDS_FOR_READABILITY:
                continue
            ease = flesch_reading_ease(paragraph)
            if ease < MIN_PARAGRAPH_READING_EASE:
                found.append(LanguageFinding(
                    rule=RULE_READABILITY, excerpt=_excerpt(paragraph),
                    message=f"This paragraph is hard to read (Flesch reading ease {ease:.0f}; aim for "
                            f"{MIN_READING_EASE} or more). Split long sentences and use shorter, everyday words."))
    return found


def check_content(content: ReportContent) -> list[LanguageFinding]:
    """Every finding for a whole report: the rules of :func:`check_text` over all of its own
    wording (title, subtitle, headings, paragraphs; never EHC plan quotations), then readability.

    An unexplained term is reported once, where it is first used, since explaining it once is
    the fix. An empty list means the report may be issued as far as its language goes.
    """
    texts = content.texts()
    explained = _explained_in("\n".join(texts))
    findings: list[LanguageFinding] = []
    reported_terms: set[JargonTerm] = set()
    for text in texts:
        for finding, term in _in_order(text, content.kind, explained):
            if term is not None:
                if term in reported_terms:
                    continue
                reported_terms.add(term)
            findings.append(finding)
    findings += _readability_findings(content)
    return findings
