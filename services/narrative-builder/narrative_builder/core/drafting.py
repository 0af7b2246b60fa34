"""First drafts of the narrative reports, written from a pupil's progress profile (or, for governors,
from many profiles), for staff to edit rather than write from scratch.

Why it is written this way:

- The guidance asks for a qualitative, positive, jargon-free narrative. So every sentence here is
  words: the trust's own descriptors and prompt levels, months and dates, and proportion words
  ("most", "a few") for groups. No counts, scores or ranks reach the text, and pupils are never
  compared with each other, only with their own earlier selves.
- Lateral progress (less help, new places and people, doing it more often) is named in plain words
  even when how established a skill is has not changed, and for a pupil with a regressive
  condition keeping a skill is written as the achievement it is.
- Every statement resting on evidence carries citations (observation, date, evidence), so staff
  can check a sentence against what was seen and an EHC review can point at it.
- Drafting is pure and deterministic: no clock, no randomness, stable ordering; wording varies a
  little by a hash of stable keys, so the same profile always gives the same report (rebuilds and
  comparisons rely on it).
- Each draft is run through the language checks before it is returned; our own words must always
  pass, so a finding is a bug here, raised as :class:`DraftingError`.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from engagement_shared.events.directory import ProgressPeriod
from engagement_shared.events.vocabulary import Area, AreaOfNeed, OutcomeTerm
from narrative_builder.core import jargon, language
from narrative_builder.core.profile import (
    AreaProfile, Contexts, Factor, Finding, OutcomeProgress, PeriodProgress, ProgressKind, PupilProfile, TimelineEntry,
)
from narrative_builder.core.report_model import (
    AreaChart, ChartPoint, Citation, LanguageFinding, Paragraph, ReportContent, ReportKind, Section,
)

#: Fewer pupils than this and a group is not described at all (it could identify children).
MIN_GROUP = 5
#: The most evidence items a report offers as pictures.
EVIDENCE_LIMIT = 8
#: The most citations one paragraph carries (the model's own limit).
CITATION_LIMIT = 200
#: How near a target date (in days) counts as "soon" for a review or a parent's "what comes next".
TARGET_SOON_DAYS = 183
#: A target date this close (in days) is called "close" in an EHC review.
TARGET_CLOSE_DAYS = 92

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


class DraftingError(Exception):
    """Our own generated wording broke a language rule: a bug in drafting, never the reader's problem.

    Carries the findings so the failing words can be fixed here rather than guessed at."""

    def __init__(self, kind: ReportKind, findings: Sequence[LanguageFinding]) -> None:
        self.kind = kind
        self.findings = list(findings)
        detail = "; ".join(f"{f.rule}: {f.excerpt!r} ({f.message})" for f in self.findings[:5])
        super().__init__(f"drafted {kind.value} report breaks the language rules: {detail}")


# --------------------------------------------------------------------------------------------
# Small wording helpers
# --------------------------------------------------------------------------------------------

def _day(d: date | datetime) -> str:
    """A date in words the language checks accept: '31 July 2027'."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _month(d: date | datetime) -> str:
    """A month in words: 'March 2027'."""
    return f"{_MONTHS[d.month - 1]} {d.year}"


def _readable(value: str) -> str:
    """A configured value ('physical_prompt', 'sensory-room') as words ('physical prompt', 'sensory room')."""
    return re.sub(r"\s+", " ", value.replace("_", " ").replace("-", " ")).strip()


#: Recorded values longer than this (free-text provision notes) are left for staff to summarise.
VALUE_WORDS_LIMIT = 8
#: What a report calls the periods a trust tells progress over.
PERIOD_WORDS: dict[ProgressPeriod, str] = {"half_term": "half-term", "term": "term"}


@functools.lru_cache(maxsize=4096)  # the same activities, places and adults come up in report after report
def _usable(value: str | None, kind: ReportKind) -> bool:
    """Whether a recorded value (an activity, a place, a kind of provision) can be written into a
    report as it is: short, words only (values with digits are usually ids, such as a staff id), and
    breaking no language rule other than jargon, which the closing glossary explains. Anything else
    is left out rather than refused, so a draft is never blocked by what staff typed."""
    if not value or not value.strip() or any(ch.isdigit() for ch in value):
        return False
    if len(value.split()) > VALUE_WORDS_LIMIT:
        return False
    findings = language.check_text(_readable(value), kind)
    if any(f.rule != language.RULE_JARGON for f in findings):
        return False
    if kind is ReportKind.PARENT:
        # every paragraph of a parent report must read easily, the glossary's too
        terms = [t for t in jargon.terms_for(kind) if any(True for _ in t.find(_readable(value)))]
        return all(_readable_enough(_gloss_line(t)) for t in terms)
    return True


def _gloss_line(term: jargon.JargonTerm) -> str:
    """A glossary line for a term that reached a report through recorded values."""
    return f"{_cap(term.term)} means {term.explanation}."


def _readable_enough(paragraph: str) -> bool:
    """Whether a parent-report paragraph clears the per-paragraph reading-ease check with a margin."""
    return (len(language.words_of(paragraph)) < language.MIN_WORDS_FOR_READABILITY
            or language.flesch_reading_ease(paragraph) >= language.MIN_PARAGRAPH_READING_EASE + 5)


def _join(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _cap(text: str) -> str:
    """Capitalise the first letter only (keeps names and quoted words as they are)."""
    return text[:1].upper() + text[1:]


def _pick(options: Sequence[str], *key: object) -> str:
    """A deterministic choice among wordings, so reports vary a little but rebuild identically."""
    return options[zlib.crc32("|".join(map(str, key)).encode()) % len(options)]


def _q(level: str | None) -> str:
    """A trust descriptor, quoted as the school's word."""
    return f"\u201c{_readable(level)}\u201d" if level else "\u201cnot yet judged\u201d"


_AREA_OF_NEED_WORDS = {
    AreaOfNeed.COMMUNICATION_AND_INTERACTION: "Communication and interaction",
    AreaOfNeed.COGNITION_AND_LEARNING: "Cognition and learning",
    AreaOfNeed.SOCIAL_EMOTIONAL_AND_MENTAL_HEALTH: "Social, emotional and mental health",
    AreaOfNeed.SENSORY_AND_PHYSICAL: "Sensory and physical needs",
}

_TERM_WORDS = {OutcomeTerm.LONG: "long-term", OutcomeTerm.MEDIUM: "medium-term", OutcomeTerm.SHORT: "short-term"}

#: The default prompt levels in everyday words, as what a child "needs"; others are read from their words.
_SUPPORT_WORDS = {
    "fully_supported": "full hand-over-hand help",
    "hand_over_hand": "full hand-over-hand help",
    "physical_prompt": "a physical prompt",
    "modelled": "an adult to show them how",
    "modelling": "an adult to show them how",
    "gestural": "a gesture from an adult",
    "gesture": "a gesture from an adult",
    "verbal": "a spoken reminder",
    "verbal_prompt": "a spoken reminder",
}


def _support(value: str, hierarchy: Sequence[str]) -> str | None:
    """The help a support level means, as a noun phrase ('a physical prompt'); None for independence
    (the last level of the trust's hierarchy, or a word saying so)."""
    if value == (hierarchy[-1] if hierarchy else None) or "independ" in value:
        return None
    if value in _SUPPORT_WORDS:
        return _SUPPORT_WORDS[value]
    words = _readable(value)
    first = words.split(" ")[0].lower()
    if words.endswith("ed") or words.endswith("ing"):
        return f"{words} support"
    if first.endswith("s") and not first.endswith("ss"):
        return words                                   # a plural: 'objects of reference'
    return f"{'an' if words[:1].lower() in 'aeiou' else 'a'} {words}"


def _setting(value: str) -> str:
    """'sensory room' -> 'in the sensory room'; 'home' -> 'at home'."""
    words = _readable(value)
    special = {"home": "at home", "outdoors": "outdoors", "outside": "outside", "school": "at school"}
    return special.get(words.lower(), f"in the {words}")


def _time(value: str) -> str:
    """'morning' -> 'in the morning'; 'lunchtime' -> 'at lunchtime'; 'after lunch' stays."""
    words = _readable(value)
    if words.lower() in {"morning", "afternoon", "evening"}:
        return f"in the {words}"
    if words.split(" ")[0].lower() in {"after", "before", "during", "at", "in"}:
        return words
    return f"at {words}"


_FAMILY = {"parent", "parents", "mum", "dad", "mother", "father", "carer", "carers", "grandparent", "grandma",
           "grandad", "nan", "sister", "brother", "family"}


def _person(value: str) -> str:
    """An adult as recorded: a name stays as it is ('Mrs Khan'), a role gets an article ('the class
    teacher'), family is theirs ('their mum')."""
    words = _readable(value)
    if words[:1].isupper():
        return words
    return f"their {words}" if words.lower() in _FAMILY else f"the {words}"


def _parent_scale(scale: Sequence[str]) -> str:
    """The trust's descriptors in order, in short sentences, each term a parent may not know
    explained (the default "generalised" is one)."""
    words = [_readable(w) for w in scale]
    middle = words[1:-1]
    text = f"We use some words to say how settled a skill is. They go in order. The first is {_q(words[0])}."
    if middle:
        text += f" Then {'comes' if len(middle) == 1 else 'come'} {_join([_q(w) for w in middle])}."
    text += f" The last is {_q(words[-1])}."
    for w in words:
        term = next((t for t in jargon.terms_for(ReportKind.PARENT) if any(True for _ in t.find(w))), None)
        if term is not None:
            text += f" {_q(_cap(w))} means {term.explanation}."
    return text


def _explained(words: str, kind: ReportKind) -> str:
    """A trust's word with its plain explanation in brackets when readers of this report may not know
    it (e.g. the descriptor "generalised" for parents), so the first use explains itself."""
    for term in jargon.terms_for(kind):
        if any(True for _ in term.find(words)):
            return f"{words} ({term.explanation})"
    return words


def _with_glossary(content: ReportContent) -> ReportContent:
    """Explain, in a closing section, any jargon that reached the report through the trust's or staff's
    own words (activities, provision, support levels). Our fixed wording explains itself inline; this
    only catches recorded values, which a draft must never be refused for."""
    missing = language.unexplained_terms(content)
    if not missing:
        return content
    lines = [Paragraph(text=_gloss_line(t)) for t in missing[:20]]
    return content.model_copy(update={"sections": [*content.sections, Section(heading="Some words explained", paragraphs=lines)]})


@dataclass(frozen=True)
class _Child:
    """How the report speaks: the child's name (or 'your child' / 'the pupil'), what the trust's
    periods are called ('half-term' or 'term'), and whether months need their year. Within one
    school year a month alone is clear and far easier to read (a figure reads as one syllable per
    digit), so years are only given when evidence spans years."""

    name: str
    kind: ReportKind
    period: str
    years: bool = True

    def month(self, d: date | datetime) -> str:
        """'March' within one school year, else 'March 2027'."""
        return _month(d) if self.years else _MONTHS[d.month - 1]

    def when(self, story: _Story) -> str:
        """'In March' or 'From October to March' (with years when needed)."""
        start, end = self.month(story.start), self.month(story.end)
        return f"In {start}" if start == end else f"From {start} to {end}"

    @property
    def Name(self) -> str:  # noqa: N802 - reads like the sentence it starts
        return _cap(self.name)

    @property
    def poss(self) -> str:
        return f"{self.name}'s"

    @property
    def Poss(self) -> str:  # noqa: N802
        return _cap(self.poss)


# --------------------------------------------------------------------------------------------
# Evidence: observation index, citations, charts
# --------------------------------------------------------------------------------------------

@dataclass
class _Evidence:
    """What is known of each observation in a profile (from the timelines), and what a report cited."""

    when: dict[str, datetime] = field(default_factory=dict)
    evidence: dict[str, list[str]] = field(default_factory=dict)
    cited: dict[str, Citation] = field(default_factory=dict)

    @classmethod
    def of(cls, profile: PupilProfile) -> _Evidence:
        index = cls()
        for area in Area:
            a = profile.areas.get(area)
            for entry in (a.timeline if a else []):
                index.when.setdefault(entry.observation_id, entry.observed_at)
                merged = index.evidence.setdefault(entry.observation_id, [])
                merged.extend(e for e in entry.evidence_ids if e not in merged)
        return index

    def first(self, ids: Iterable[str]) -> datetime | None:
        dates = [self.when[i] for i in ids if i in self.when]
        return min(dates) if dates else None

    def last(self, ids: Iterable[str]) -> datetime | None:
        dates = [self.when[i] for i in ids if i in self.when]
        return max(dates) if dates else None

    def cite(self, ids: Iterable[str]) -> list[Citation]:
        """Citations for the observations a statement rests on, oldest first (newest kept if too many)."""
        unique = list(dict.fromkeys(i for i in ids if i))
        unique.sort(key=lambda i: (self.when[i].replace(tzinfo=None) if i in self.when else datetime.min, i))
        unique = unique[-CITATION_LIMIT:]
        out = []
        for i in unique:
            c = Citation(observation_id=i, observed_at=self.when.get(i), evidence_ids=self.evidence.get(i, [])[:50])
            self.cited.setdefault(i, c)
            out.append(c)
        return out

    def report_evidence(self) -> list[str]:
        """Evidence from cited observations, newest first, at most :data:`EVIDENCE_LIMIT`."""
        ordered = sorted(self.cited.values(),
                         key=lambda c: (c.observed_at.replace(tzinfo=None) if c.observed_at else datetime.min, c.observation_id),
                         reverse=True)
        out: list[str] = []
        for c in ordered:
            for e in c.evidence_ids:
                if e not in out:
                    out.append(e)
        return out[:EVIDENCE_LIMIT]


def _para(text: str, evidence: _Evidence, ids: Iterable[str] = (), quote: str | None = None) -> Paragraph:
    return Paragraph(text=text, quote=quote, citations=evidence.cite(ids))


def _context_key(entry: TimelineEntry) -> tuple[object, ...] | None:
    parts = (entry.setting, entry.time_of_day, tuple(sorted(entry.adults)), entry.communication_method)
    return parts if any(parts) else None


def _charts(profile: PupilProfile) -> list[AreaChart]:
    """One chart per area with judgements: how established, with what support, and in how many
    different circumstances (setting, time of day, adults, communication method) so far. Charts are
    staff- and parent-facing pictures of lateral progress; their axes are the trust's words."""
    charts = []
    for area in Area:
        a = profile.areas.get(area)
        if not a or not a.timeline:
            continue
        seen: set[tuple[object, ...]] = set()
        points = []
        for entry in sorted(a.timeline, key=lambda e: (e.observed_at, e.observation_id)):
            key = _context_key(entry)
            if key is not None:
                seen.add(key)
            points.append(ChartPoint(observed_at=entry.observed_at, established=entry.established,
                                     support_level=entry.support_level, contexts_so_far=len(seen)))
        charts.append(AreaChart(area=area, title=f"{_cap(area.value)} over time", descriptor_scale=profile.descriptor_scale,
                                prompt_hierarchy=profile.prompt_hierarchy, points=points))
    return charts


def _one_school_year(profile: PupilProfile) -> bool:
    """Whether all the profile's evidence falls in one school year (September to August)."""
    years = {d.year if d.month >= 9 else d.year - 1
             for a in profile.areas.values() for d in (e.observed_at for e in a.timeline)}
    return len(years) <= 1


def _as_of(profile: PupilProfile) -> date | None:
    """The report's 'now': the newest evidence (drafting never reads a clock)."""
    moments = [m for m in [profile.last_observed_at, *(o.last_evidence_at for o in profile.outcomes)] if m]
    return max(moments).date() if moments else None


def _areas_with_evidence(profile: PupilProfile) -> list[AreaProfile]:
    return [profile.areas[a] for a in Area if a in profile.areas and profile.areas[a].timeline]


# --------------------------------------------------------------------------------------------
# Findings into stories (shared by the parent report and the EHC review)
# --------------------------------------------------------------------------------------------

_STEADY = {ProgressKind.MAINTAINED, ProgressKind.PLATEAU, ProgressKind.CONSOLIDATED}


@dataclass
class _Story:
    """One thing to say about an area or outcome: a finding (or run of steady findings) and its months."""

    kind: ProgressKind
    finding: Finding
    ids: list[str]
    start: datetime | date
    end: datetime | date
    after_illness: bool = False   # a recovery following a regression noted during illness


def _stories(periods: Sequence[PeriodProgress], evidence: _Evidence, regressive: bool) -> list[_Story]:
    """Findings in time order, with runs of the same steady finding merged into one statement (a
    parent does not need the same 'kept it steady' sentence for each half-term). For a regressive
    condition a steady stretch is maintenance, whatever the finding was called."""
    out: list[_Story] = []
    unwell_dip = False
    for progress in periods:
        order = [ProgressKind.FIRST_EVIDENCE, ProgressKind.REGRESSION, ProgressKind.RECOVERED, ProgressKind.NEW_SKILL,
                 ProgressKind.REDUCED_SUPPORT, ProgressKind.GENERALISED, ProgressKind.CONSOLIDATED,
                 ProgressKind.MAINTAINED, ProgressKind.PLATEAU]
        for finding in sorted(progress.findings, key=lambda f: order.index(f.kind)):
            if regressive and finding.kind is ProgressKind.PLATEAU:
                finding = finding.model_copy(update={"kind": ProgressKind.MAINTAINED})
            start = evidence.first(finding.observation_ids) or progress.period.starts
            end = evidence.last(finding.observation_ids) or progress.period.starts
            previous = out[-1] if out else None
            if (finding.kind in _STEADY and previous is not None and previous.kind is finding.kind
                    and previous.finding.level == finding.level):
                previous.ids.extend(i for i in finding.observation_ids if i not in previous.ids)
                previous.end = end
                continue
            story = _Story(finding.kind, finding, list(finding.observation_ids), start, end)
            if finding.kind is ProgressKind.REGRESSION:
                unwell_dip = finding.during_illness
            elif finding.kind is ProgressKind.RECOVERED:
                story.after_illness, unwell_dip = unwell_dip, False
            out.append(story)
    return out


def _context_parts(contexts: Contexts | None, kind: ReportKind) -> tuple[list[str], list[str]]:
    """New circumstances as two lists of phrases: the kinds ('in new places', 'with different
    people') and examples ('in the hall', 'with signing'). People are never named (the values may
    be staff or family), places, times and ways of communicating are."""
    plain = kind is ReportKind.PARENT
    if contexts is None or not contexts.all():
        return ["in new places", "with different people"], []
    dims: list[str] = []
    examples: list[str] = []
    if contexts.settings:
        dims.append("in new places")
        examples += [_setting(s) for s in contexts.settings if _usable(s, kind)][:2]
    if contexts.times_of_day:
        dims.append("at new times of day")
        examples += [_time(t) for t in contexts.times_of_day if _usable(t, kind)][:2]
    if contexts.adults:
        dims.append("with different people")
    if contexts.peers:
        dims.append("alongside different friends" if plain else "alongside different peers")
    if contexts.communication_methods:
        dims.append("with new ways to communicate")
        examples += [f"with {_readable(m)}" for m in contexts.communication_methods if _usable(m, kind)][:2]
    return dims, examples


# --------------------------------------------------------------------------------------------
# Parent report
# --------------------------------------------------------------------------------------------

_PARENT_AREA = {
    Area.EXPLORATION: (
        "finding out about new things",
        "Exploration is how {name} finds out about new things. It starts with noticing something new, or reaching out "
        "to it. It grows when they stay interested in it in new places, at new times and with new people."),
    Area.REALISATION: (
        "doing something new with what they find",
        "Realisation is how {name} plays with something new, or finds something new in a thing they know. They may "
        "show surprise or delight. They may try to stop it or change it."),
    Area.ANTICIPATION: (
        "knowing what comes next",
        "Anticipation is how {name} knows that something is about to start or stop. The clue might be a sound, a "
        "touch or something they see. It grows when they need fewer clues to know what comes next."),
    Area.PERSISTENCE: (
        "sticking with it",
        "Persistence is how {name} keeps their attention on something. It means staying with it long enough to find "
        "out more. It grows when they show real effort, with their eyes, body or hands."),
    Area.INITIATION: (
        "starting things on their own",
        "Initiation is how {name} starts things on their own. It means doing something to make a thing happen, "
        "without waiting to be asked. It grows when they know how to make a change in the world around them."),
}


def _parent_story(story: _Story, child: _Child, area: Area, hierarchy: Sequence[str], regressive: bool) -> str:
    """One statement about one finding, for a parent: short sentences, everyday words, always kind.
    The child is named once per paragraph and called "they" after that, which keeps a long name
    from making the paragraph hard to read."""
    f, when, name = story.finding, child.when(story), child.name
    key = (area.value, story.kind.value, _month(story.start))
    level = _q(f.level)
    if story.kind is ProgressKind.FIRST_EVIDENCE:
        help_ = _support(f.support, hierarchy) if f.support else None
        tail = (f" They needed {help_} at first." if help_ else " They did it on their own." if f.support else "")
        return (f"In {child.month(story.start)}, we first saw {child.poss} {area.value} at school. At that time, it was "
                f"{level}.{tail} That was where they began.")
    if story.kind is ProgressKind.NEW_SKILL:
        return _pick([
            f"{when}, {name} took a new step. Their {area.value} is now at {level}. This is a big step for them.",
            f"{when}, {name} took a new step in {area.value}. It became {level} for the first time. We are so proud "
            "of them.",
        ], *key)
    if story.kind is ProgressKind.REDUCED_SUPPORT:
        before = _support(f.previous_support, hierarchy) if f.previous_support else None
        now = _support(f.support, hierarchy) if f.support else None
        detail = ""
        if before:
            detail = f" Before, they needed {before}."
        detail += f" Now they need only {now}." if now else (" Now they can do it on their own." if f.support else "")
        same = f" The step stayed at {level}, and that is fine." if f.level else ""
        return f"{when}, {name} needed less help with {area.value}.{detail}{same} Doing it with less help is real progress."
    if story.kind is ProgressKind.GENERALISED:
        dims, examples = _context_parts(f.new_contexts, child.kind)
        closing = _pick([
            "Doing it in new places and with different people is real progress.",
            "Taking a skill to new places and new people is a real step forward.",
        ], *key)
        example = f" For example, they did this {_join(examples)}." if examples else ""
        return f"{when}, {name} tried it in new ways. They showed their {area.value} {_join(dims)}.{example} {closing}"
    if story.kind is ProgressKind.CONSOLIDATED:
        return _pick([
            f"{when}, {name} showed their {area.value} more often, at {level}. It is becoming part of what they do. "
            "Doing it more often is progress too. We are so pleased.",
            f"{when}, {name} showed their {area.value} again and again, at {level}. Doing it more often is progress. "
            "It shows the skill is settling in. It is a good sign.",
        ], *key)
    if story.kind is ProgressKind.MAINTAINED or (story.kind is ProgressKind.PLATEAU and regressive):
        if regressive:
            return _pick([
                f"{when}, {name} kept up their {area.value} at {level}. Holding on to a skill is a real success, and "
                "we are proud of them.",
                f"{when}, {name} held on to their {area.value} at {level}. Keeping a skill going like this is a real "
                "success for them.",
            ], *key)
        return f"{when}, {name} kept their {area.value} steady at {level}. This gives them a strong base to build on."
    if story.kind is ProgressKind.PLATEAU:
        return (f"{when}, {name} kept their {area.value} steady at {level}. That is fine. Next, we will try some "
                "new things with them, to help them take the next step.")
    if story.kind is ProgressKind.REGRESSION:
        if f.during_illness:
            return (f"{when}, {name} was unwell for a while. {_cap(area.value)} was harder for them during that "
                    "time. That is natural when someone is not feeling well.")
        if regressive:
            return (f"{when}, {area.value} was harder for {name} for a while. We know this can happen, and we kept "
                    "helping them in the ways that work.")
        return f"{when}, {area.value} was harder for {name} for a while. We kept helping them in the ways that work."
    if story.kind is ProgressKind.RECOVERED:
        if story.after_illness:
            return (f"{when}, after a time when they were unwell, {name} got back to {level} in {area.value}. "
                    "It was lovely to see.")
        return f"{when}, {name} got back to {level} in {area.value}. It was lovely to see."
    return f"{when}, we saw {child.poss} {area.value}."


def _now_paragraph(a: AreaProfile, child: _Child, hierarchy: Sequence[str], evidence: _Evidence) -> Paragraph | None:
    """Where the area stands at the latest observation, and the help usually needed now."""
    if not a.latest_established or not a.latest_observed_at:
        return None
    text = f"When we last saw it, in {child.month(a.latest_observed_at)}, {child.poss} {a.area.value} was {_q(a.latest_established)}."
    if a.lateral.typical_support:
        help_ = _support(a.lateral.typical_support, hierarchy)
        text += f" Most of the time, they need {help_} to do it." if help_ else " Most of the time, they do it on their own."
    ids = [a.latest_observation_id] if a.latest_observation_id else []
    return _para(text, evidence, ids)


def _factor_sentences(factors: Sequence[Factor], child: _Child, evidence: _Evidence) -> list[Paragraph]:
    """What helps, from the pupil's own what-works factors, kind by kind, in the profile's order."""
    by_kind: dict[str, list[Factor]] = defaultdict(list)
    for f in factors:
        if _usable(f.value, child.kind):
            by_kind[f.kind].append(f)
    name, Name = child.name, child.Name
    templates = {
        "activity": lambda vs: f"{Name} really enjoys {_join(vs)}, and takes part well in {'them' if len(vs) > 1 else 'it'}.",
        "sensory": lambda vs: f"{Name} responds well to {_join(vs)}.",
        "setting": lambda vs: f"{Name} often does well {_join(vs)}.",
        "time_of_day": lambda vs: f"{Name} is often at ease {_join(vs)}.",
        "adult": lambda vs: f"{Name} works well with {_join(vs)}.",
        "provision": lambda vs: f"Things we put in place that help {name} include {_join(vs)}.",
        "equipment": lambda vs: f"Favourite things for {name} to use include {_join(vs)}.",
    }
    shape = {"setting": _setting, "time_of_day": _time, "adult": _person}
    out = []
    for kind in ("activity", "sensory", "setting", "time_of_day", "adult", "provision", "equipment"):
        chosen = by_kind.get(kind, [])[:3]
        if not chosen:
            continue
        values = [shape.get(kind, _readable)(f.value) for f in chosen]
        out.append(_para(templates[kind](values), evidence, [i for f in chosen for i in f.observation_ids]))
    return out


def _soon(target: date | None, as_of: date | None, days: int) -> bool:
    return target is not None and (as_of is None or (target - as_of).days <= days)


def draft_parent_report(profile: PupilProfile, *, period: str, child_name: str | None = None) -> ReportContent:
    """The end-of-year report to parents and carers, drafted from the pupil's own evidence.

    Why: the guidance asks for a positive, jargon-free narrative that celebrates small steps. So it
    explains each area in everyday words, tells each area's story from the findings (lateral
    progress named, maintenance celebrated for a regressive condition, a dip during illness told
    with its recovery), says what helps and what comes next, and cites the observations behind
    every statement. Raises :class:`DraftingError` if our own words break a language rule."""
    child = _Child(child_name.strip() if child_name and child_name.strip() else "your child", ReportKind.PARENT,
                   years=not _one_school_year(profile), period=PERIOD_WORDS[profile.progress_period])
    evidence = _Evidence.of(profile)
    hierarchy = profile.prompt_hierarchy
    regressive = profile.regressive_condition
    period_words = period.strip()
    name = child.name

    intro = [
        Paragraph(text=(f"This report tells you about {child.poss} year at school. We use the engagement model. This "
                        "is the way schools assess pupils who are not yet learning subject by subject. It helps us "
                        "see how they take part in learning. It looks at five areas. Each one is a way they "
                        "show interest and effort. We do not give marks. We look at the small steps they have "
                        "taken.")),
        Paragraph(text=("Progress can mean doing something new. It can also mean doing the same thing with less "
                        "help, in new places and with different people, or more often. We count all of these.")),
    ]
    if len(profile.descriptor_scale) >= 2:
        intro.append(Paragraph(text=_parent_scale(profile.descriptor_scale)))
    if regressive:
        intro.append(Paragraph(text=(f"{child.Poss} health means that keeping skills going takes real effort. So "
                                     "every skill they keep up is a success. We celebrate each one.")))
    sections = [Section(heading="About this report", paragraphs=intro)]

    for a in _areas_with_evidence(profile):
        subtitle, explain = _PARENT_AREA[a.area]
        paragraphs = [Paragraph(text=explain.format(name=name))]
        for story in _stories(a.periods, evidence, regressive):
            paragraphs.append(_para(_parent_story(story, child, a.area, hierarchy, regressive), evidence, story.ids))
        now = _now_paragraph(a, child, hierarchy, evidence)
        if now:
            paragraphs.append(now)
        sections.append(Section(heading=f"{_cap(a.area.value)}: {subtitle}", area=a.area, paragraphs=paragraphs[:50]))

    helps = _factor_sentences(profile.what_works, child, evidence)
    activities = [_readable(x) for x in profile.baseline.activities if _usable(x, child.kind)][:3]
    if activities:
        these = "these" if len(activities) > 1 else "this"
        helps.insert(0, _para(f"At the start, {name} was most interested in {_join(activities)}. We began by "
                              f"watching them during {these}.", evidence, profile.baseline.observation_ids))
    if not helps:
        helps.append(Paragraph(text=f"We are still finding out what helps {name} most. Please tell us what {name} enjoys at home."))
    sections.append(Section(heading=f"What helps {name}", paragraphs=helps))

    sections.append(Section(heading="What comes next", paragraphs=_parent_next(profile, child, evidence)))
    content = ReportContent(kind=ReportKind.PARENT, title=f"{child.Poss} year at school",
                            subtitle=f"End-of-year report for {period_words}", sections=sections,
                            charts=_charts(profile), evidence_ids=evidence.report_evidence())
    return _checked(content)


def _latest_kinds(a: AreaProfile) -> set[ProgressKind]:
    return {f.kind for f in a.periods[-1].findings} if a.periods else set()


def _latest_ids(a: AreaProfile, kinds: set[ProgressKind]) -> list[str]:
    return [i for f in (a.periods[-1].findings if a.periods else []) if f.kind in kinds for i in f.observation_ids]


def _parent_next(profile: PupilProfile, child: _Child, evidence: _Evidence) -> list[Paragraph]:
    """Gentle next steps: new ideas where an area has stayed steady, new places and less help where
    a skill is settling, keeping up what helps for a regressive condition, and goals due soon."""
    name = child.name
    areas = _areas_with_evidence(profile)
    out: list[Paragraph] = []
    if profile.regressive_condition:
        kept = [a for a in areas if _latest_kinds(a) & {ProgressKind.MAINTAINED, ProgressKind.PLATEAU}]
        if kept:
            out.append(_para(f"We will keep doing the things that help {name} to keep up their skills. This is true "
                             f"for {_join([a.area.value for a in kept])}.", evidence,
                             [i for a in kept for i in _latest_ids(a, {ProgressKind.MAINTAINED, ProgressKind.PLATEAU})]))
    else:
        steady = [a for a in areas if ProgressKind.PLATEAU in _latest_kinds(a)]
        if steady:
            out.append(_para(f"In {_join([a.area.value for a in steady])}, we will try some new activities and new ways "
                             "of helping.", evidence,
                             [i for a in steady for i in _latest_ids(a, {ProgressKind.PLATEAU})]))
    settling = [a for a in areas if _latest_kinds(a) & {ProgressKind.CONSOLIDATED, ProgressKind.NEW_SKILL}]
    if settling:
        out.append(_para(f"In {_join([a.area.value for a in settling])}, we will help {name} do this with a little less "
                         "help. We will also help them do it in new places and with different people.", evidence,
                         [i for a in settling for i in _latest_ids(a, {ProgressKind.CONSOLIDATED, ProgressKind.NEW_SKILL})]))
    as_of = _as_of(profile)
    due = sorted((o for o in profile.outcomes if not o.achieved and _soon(o.target_date, as_of, TARGET_SOON_DAYS)),
                 key=lambda o: (o.target_date, o.outcome_id))
    for o in due[:3]:
        text = f"This goal from {child.poss} plan is due by {_day(o.target_date)}."  # type: ignore[arg-type]
        if _outcome_status(o, profile.regressive_condition) == "stalled":
            text += " Before then, we will look again at how we help them with it. We will talk it through with you."
        else:
            text += " We will look at it together with you before then."
        out.append(_para(text, evidence, o.observation_ids[-10:], quote=o.description))
    out.append(Paragraph(text=(f"Please tell us what you see at home. Your notes and photos help us plan "
                               f"{child.poss} next steps.")))
    return out


# --------------------------------------------------------------------------------------------
# EHC plan review
# --------------------------------------------------------------------------------------------

_EHC_AREA = {
    Area.EXPLORATION: ("Exploration shows whether {name} builds on a first reaction to something new and stays "
                       "curious about it. It becomes more established when they still respond to it in new "
                       "places, at new times and with new people."),
    Area.REALISATION: ("Realisation shows how {name} interacts with something new, or finds something new in a "
                       "familiar activity, for example by trying to stop or change it. It becomes more established "
                       "when they use these skills in new ways and new places."),
    Area.ANTICIPATION: ("Anticipation shows how far {name} predicts or expects an event from cues such as sounds, "
                        "touch or what they see. It becomes more established when they still know what is coming "
                        "with fewer cues."),
    Area.PERSISTENCE: ("Persistence shows whether {name} keeps their attention on an activity long enough to find "
                       "out more. It becomes more established when they show a determined effort, for example in "
                       "gaze, posture or hand movement."),
    Area.INITIATION: ("Initiation shows how far {name} acts on their own to bring about something they want. It "
                      "becomes more established when they understand how to make an impact on the world around "
                      "them."),
}


def _ehc_story(story: _Story, child: _Child, subject: str, hierarchy: Sequence[str], regressive: bool) -> str:
    """One statement about one finding, for the EHC review: professional, plain, lateral progress
    named. The child is named once and called "they" after that, as in the parent report."""
    f, when, name = story.finding, child.when(story), child.name
    level = _q(f.level)
    key = (subject, story.kind.value, _month(story.start))
    if story.kind is ProgressKind.FIRST_EVIDENCE:
        help_ = _support(f.support, hierarchy) if f.support else None
        tail = f" {child.Name} needed {help_}." if help_ else (f" {child.Name} did it on their own." if f.support else "")
        return (f"In {child.month(story.start)}, the first evidence {subject} showed {level}.{tail} This is the "
                "starting point.")
    if story.kind is ProgressKind.NEW_SKILL:
        return _pick([f"{when}, {name} reached {level} {subject} for the first time. This is a new step.",
                      f"{when}, {name} took a new step {subject}. They reached {level}."], *key)
    if story.kind is ProgressKind.REDUCED_SUPPORT:
        before = _support(f.previous_support, hierarchy) if f.previous_support else None
        now = _support(f.support, hierarchy) if f.support else None
        change = f" Before, they needed {before}." if before else ""
        change += f" Now they need {now}." if now else (" Now they do it on their own." if f.support else "")
        return (f"{when}, {name} worked at {level} {subject} with less support.{change} This is lateral progress, "
                "even though the level is the same.")
    if story.kind is ProgressKind.GENERALISED:
        dims, examples = _context_parts(f.new_contexts, child.kind)
        example = f" For example, they did it {_join(examples)}." if examples else ""
        return (f"{when}, {name} showed {level} {subject} {_join(dims)}.{example} This is generalisation: the "
                "skill is used more widely.")
    if story.kind is ProgressKind.CONSOLIDATED:
        return (f"{when}, {name} showed {level} {subject} again and again. The skill is getting more steady. This "
                "is lateral progress.")
    if story.kind is ProgressKind.MAINTAINED or (story.kind is ProgressKind.PLATEAU and regressive):
        if regressive:
            return (f"{when}, {name} kept up {level} {subject}. With their condition, holding on to skills is a real "
                    "achievement.")
        return f"{when}, {name} kept {level} {subject} steady."
    if story.kind is ProgressKind.PLATEAU:
        return (f"{when}, {name} stayed at {level} {subject}, with no new lateral change. A change of activity, "
                "place or support may help.")
    if story.kind is ProgressKind.REGRESSION:
        before = f" Before this, it had been {_q(f.previous_level)}." if f.previous_level else ""
        if f.during_illness:
            return f"{when}, while {name} was unwell, they worked at {level} {subject} for a time.{before}"
        return f"{when}, {name} worked at {level} {subject} for a time.{before}"
    if story.kind is ProgressKind.RECOVERED:
        if story.after_illness:
            return f"{when}, after a time when they were unwell, {name} got back to {level} {subject}."
        return f"{when}, {name} got back to {level} {subject}."
    return f"{when}, there was evidence {subject}."


def _ehc_area_summary(a: AreaProfile, child: _Child, evidence: _Evidence, regressive: bool) -> list[Paragraph]:
    """The year in one area, kind by kind with its months, for the EHC review's area summaries. The
    outcome sections already tell the story period by period; here a reader sees at a glance which
    kinds of progress the area showed, lateral progress and maintenance named as such."""
    by_kind: dict[ProgressKind, list[_Story]] = defaultdict(list)
    for story in _stories(a.periods, evidence, regressive):
        by_kind[story.kind].append(story)

    def spans(kind: ProgressKind) -> str:
        """'in November and from January to March'."""
        return _join(list(dict.fromkeys(child.when(st)[:1].lower() + child.when(st)[1:] for st in by_kind[kind])))

    out: list[Paragraph] = []
    first = by_kind.get(ProgressKind.FIRST_EVIDENCE)
    if first:
        out.append(_para(f"The starting point, in {child.month(first[0].start)}, was {_q(first[0].finding.level)}.",
                         evidence, first[0].ids))
    K = ProgressKind
    said: list[tuple[str, ProgressKind]] = []
    if K.NEW_SKILL in by_kind:
        said.append((f"took a new step {spans(K.NEW_SKILL)}, reaching {_q(by_kind[K.NEW_SKILL][-1].finding.level)}",
                     K.NEW_SKILL))
    if K.REDUCED_SUPPORT in by_kind:
        said.append((f"needed less support {spans(K.REDUCED_SUPPORT)}", K.REDUCED_SUPPORT))
    if K.GENERALISED in by_kind:
        said.append((f"showed it in new places or with new people {spans(K.GENERALISED)}", K.GENERALISED))
    if K.CONSOLIDATED in by_kind:
        said.append((f"showed it more consistently {spans(K.CONSOLIDATED)}", K.CONSOLIDATED))
    if K.MAINTAINED in by_kind:
        said.append((f"kept it steady {spans(K.MAINTAINED)}"
                     + (". With their condition, this is a real achievement" if regressive else ""), K.MAINTAINED))
    if K.REGRESSION in by_kind:
        ill = any(st.finding.during_illness for st in by_kind[K.REGRESSION])
        said.append((f"found it harder for a time {spans(K.REGRESSION)}" + (", while unwell" if ill else ""), K.REGRESSION))
    if K.RECOVERED in by_kind:
        said.append((f"got back to {_q(by_kind[K.RECOVERED][-1].finding.level)} {spans(K.RECOVERED)}", K.RECOVERED))
    if K.PLATEAU in by_kind:
        said.append((f"stayed at the same level {spans(K.PLATEAU)}, so a new approach may help", K.PLATEAU))
    if said:
        sentences = [f"This year in {a.area.value}, {child.name} {said[0][0]}."] + [f"They {p}." for p, _ in said[1:]]
        lateral = [words for kind, words in ((K.REDUCED_SUPPORT, "less support"), (K.GENERALISED, "new places and people"),
                                             (K.CONSOLIDATED, "more consistency")) if kind in by_kind]
        if lateral:
            sentences.append(f"{_cap(_join(lateral))} {'is' if len(lateral) == 1 else 'are all'} lateral progress.")
        out.append(_para(" ".join(sentences), evidence, [i for _, kind in said for st in by_kind[kind] for i in st.ids]))
    return out


def _outcome_status(o: OutcomeProgress, regressive: bool) -> str:
    """The outcome's status as drafting reads it: the profile's own, except that a latest half-term
    showing nothing but a plateau is a stall whatever it was called (never for a regressive
    condition, where holding steady is the achievement)."""
    latest = {f.kind for f in o.periods[-1].findings} if o.periods else set()
    if o.status == "progressing" and not regressive and latest and latest <= {ProgressKind.PLATEAU}:
        return "stalled"
    if o.status == "stalled" and regressive:
        return "maintained"
    return o.status


def _status_text(o: OutcomeProgress, child: _Child, as_of: date | None, regressive: bool) -> str:
    """Progress against one outcome and its target date, in words (every status the profile builder
    gives: achieved, progressing, consolidating, maintained, stalled, dipped, no_evidence)."""
    name = child.name
    status = _outcome_status(o, regressive)
    latest = [f for f in o.periods[-1].findings] if o.periods else []
    sentences: list[str] = []
    if status == "achieved":
        sentences.append(f"{_cap(name)} has achieved this outcome.")
    elif status == "progressing":
        sentences.append(f"{_cap(name)} is making progress towards this outcome.")
    elif status == "consolidating":
        sentences.append(f"{_cap(name)} is showing the skills this outcome describes more steadily. This is "
                         "lateral progress.")
    elif status == "maintained":
        sentences.append(f"{_cap(name)} has kept up the skills this outcome describes."
                         + (" Given their condition, this is a real achievement." if regressive else ""))
    elif status == "stalled":
        sentences.append("There has been no new progress evidence for this outcome recently.")
        if o.last_progress_at:
            sentences.append(f"The last new progress was seen in {child.month(o.last_progress_at)}.")
    elif status == "dipped":
        ill = any(f.during_illness for f in latest if f.kind is ProgressKind.REGRESSION)
        sentences.append(f"{_cap(name)} found this outcome harder in the latest {child.period}"
                         + (", while they were unwell." if ill else ".")
                         + " The earlier evidence below shows what they can do.")
    elif status == "no_evidence" or not o.periods:
        sentences.append("No observations have been linked to this outcome yet.")
    else:
        sentences.append("The evidence for this outcome is set out below.")
    if o.target_date:
        sentences.append(f"The target date is {_day(o.target_date)}.")
        if status != "achieved" and as_of is not None:
            days = (o.target_date - as_of).days
            if days < 0:
                sentences.append("This date has now passed.")
            elif days <= TARGET_CLOSE_DAYS:
                sentences.append("This date is close.")
    return " ".join(sentences)


def _next_step(o: OutcomeProgress, child: _Child, regressive: bool) -> str:
    """A suggested next step for staff and the review meeting, from the outcome's status."""
    name = child.name
    status = _outcome_status(o, regressive)
    before = f" before the target date of {_day(o.target_date)}" if o.target_date else " soon"
    if status == "achieved":
        return ("Suggested next step: agree a new outcome that builds on this one, and check the skill holds "
                "in new places and with new people.")
    if status == "stalled":
        return (f"Suggested next step: review the provision and approach for this outcome{before}. Try a new "
                "activity, setting or way of giving support, and observe again.")
    if status == "maintained":
        return ("Suggested next step: keep the current provision, which is helping "
                f"{name} hold on to these skills." if regressive else
                "Suggested next step: plan small changes to build on this steady picture.")
    if status == "dipped":
        return (f"Suggested next step: keep the support that has worked and observe closely. If the skills have not "
                f"come back by the next {child.period}, review the approach{before}.")
    if status == "consolidating":
        return (f"Suggested next step: keep the current approach, and plan chances for {name} to use the skill in "
                "new places, with new people and with less support.")
    if status == "no_evidence" or not o.periods:
        return f"Suggested next step: plan observations for this outcome so progress can be judged{before}."
    return (f"Suggested next step: keep the current approach, and plan chances for {name} to use the skill with "
            "less support and in new places.")


def draft_ehc_review(profile: PupilProfile, *, period: str, child_name: str | None = None) -> ReportContent:
    """The school's contribution to the annual EHC plan review, organised by outcome.

    Why: the review asks how far the pupil has moved towards each outcome by its target date and
    what should change. So each outcome (grouped by area of need, its wording quoted from the plan)
    gets its progress and target date in words, the evidence behind them as citations, what
    worked, and a suggested next step; a stall near a target date prompts a review of provision in
    good time. A summary per area of engagement follows. ``child_name`` is optional (default "the
    pupil"). Raises :class:`DraftingError` if our own words break a language rule."""
    child = _Child(child_name.strip() if child_name and child_name.strip() else "the pupil", ReportKind.EHC_REVIEW,
                   years=not _one_school_year(profile), period=PERIOD_WORDS[profile.progress_period])
    evidence = _Evidence.of(profile)
    hierarchy = profile.prompt_hierarchy
    regressive = profile.regressive_condition
    as_of = _as_of(profile)
    period_words = period.strip()
    name = child.name

    intro = [
        Paragraph(text=(f"This is the school's contribution to the annual review of {child.poss} Education, Health and "
                        "Care plan (EHC plan). It covers each outcome in the plan and the five areas of engagement. "
                        "It uses words, not numbers.")),
        Paragraph(text=("Progress is judged by how established each area is, and by how it is shown. Lateral "
                        "progress means doing the same thing with less support, more often, or in new places and "
                        "with new people. Generalisation means doing it in different places, at different times and "
                        "with different people. Both count as progress.")),
    ]
    if len(profile.descriptor_scale) >= 2:
        intro.append(Paragraph(text=("The school's words for how established a skill is, from least to most, are: "
                                     f"{_join([_explained(_readable(w), ReportKind.EHC_REVIEW) for w in profile.descriptor_scale])}.")))
    if regressive:
        intro.append(Paragraph(text=(f"{child.Poss} condition can make skills harder to keep. For them, keeping "
                                     "skills steady is an important outcome, and this review treats it as one.")))
    sections = [Section(heading="About this review", paragraphs=intro)]

    groups: dict[AreaOfNeed, list[OutcomeProgress]] = defaultdict(list)
    for o in profile.outcomes:
        groups[o.area_of_need].append(o)
    for need in AreaOfNeed:
        for o in sorted(groups.get(need, []), key=lambda o: (o.target_date is None, o.target_date or date.max, o.outcome_id)):
            sections.append(_outcome_section(o, profile, child, evidence, as_of))
    if not profile.outcomes:
        sections.append(Section(heading="Outcomes", paragraphs=[Paragraph(
            text="No EHC plan outcomes have been recorded for this review yet.")]))

    for a in _areas_with_evidence(profile):
        paragraphs = [Paragraph(text=_EHC_AREA[a.area].format(name=name))]
        paragraphs += _ehc_area_summary(a, child, evidence, regressive)
        now = _now_paragraph(a, child, hierarchy, evidence)
        if now:
            paragraphs.append(now)
        sections.append(Section(heading=f"{_cap(a.area.value)}: summary", area=a.area, paragraphs=paragraphs[:50]))

    worked = _factor_sentences(profile.what_works, child, evidence)
    if worked:
        sections.append(Section(heading="What worked", paragraphs=worked))
    content = ReportContent(kind=ReportKind.EHC_REVIEW, title="Annual review of the EHC plan",
                            subtitle=f"The school's contribution for {period_words}", sections=sections[:60],
                            charts=_charts(profile), evidence_ids=evidence.report_evidence())
    return _checked(content)


def _factor_phrase(f: Factor) -> str:
    """A what-works factor as a phrase that fits a list: 'sessions in the morning', 'being in the hall'."""
    value = _readable(f.value)
    return {"setting": lambda: f"being {_setting(f.value)}", "time_of_day": lambda: f"sessions {_time(f.value)}",
            "adult": lambda: f"working with {_person(f.value)}", "equipment": lambda: f"using {value}"}.get(f.kind, lambda: value)()


def _outcome_section(o: OutcomeProgress, profile: PupilProfile, child: _Child, evidence: _Evidence,
                     as_of: date | None) -> Section:
    regressive = profile.regressive_condition
    status = _status_text(o, child, as_of, regressive)
    paragraphs = [_para(status, evidence, o.observation_ids, quote=o.description)]
    areas = [a.value for a in o.areas]
    if areas:
        paragraphs.append(_para(f"The evidence for this outcome comes from {child.poss} {_join(areas)}.", evidence,
                                o.observation_ids))
    for story in _stories(o.periods, evidence, regressive):
        paragraphs.append(_para(_ehc_story(story, child, "for this outcome", profile.prompt_hierarchy, regressive),
                                evidence, story.ids))
    linked = set(o.observation_ids)
    helpful = [f for f in profile.what_works if _usable(f.value, child.kind) and linked & set(f.observation_ids)][:4]
    if helpful:
        paragraphs.append(_para(f"What worked for this outcome: {_join([_factor_phrase(f) for f in helpful])}.", evidence,
                                [i for f in helpful for i in f.observation_ids if i in linked]))
    paragraphs.append(Paragraph(text=_next_step(o, child, regressive)))
    heading = f"{_AREA_OF_NEED_WORDS[o.area_of_need]}: {_TERM_WORDS.get(o.term, 'an')} outcome"
    if o.target_date:
        heading += f" for {_month(o.target_date)}"
    return Section(heading=heading, outcome_id=o.outcome_id, area_of_need=o.area_of_need, paragraphs=paragraphs[:50])


# --------------------------------------------------------------------------------------------
# Governors' summary
# --------------------------------------------------------------------------------------------

def _share(k: int, n: int) -> str:
    """A proportion in words: 'every', 'most', 'many', 'some', 'a few' (never a number)."""
    if n <= 0 or k <= 0:
        return "no"
    if k == n:
        return "every"
    r = k / n
    if r >= 0.6:
        return "most"
    if r >= 0.35:
        return "many"
    if r >= 0.15:
        return "some"
    return "a few"


def _pupils(k: int, n: int) -> str:
    """'Every pupil' / 'Most pupils' / 'A few pupils' (verbs after it are in the past tense, so both agree)."""
    word = _share(k, n)
    return "Every pupil" if word == "every" else f"{_cap(word)} pupils"


def _outcomes_words(k: int, n: int) -> str:
    word = _share(k, n)
    return "every outcome" if word == "every" else f"{word} outcomes"


_TOO_SMALL = "This group is too small to describe without identifying children, so no breakdown is given."


def _too_small(groups: Sequence[str], lead: str) -> str:
    """One sentence for every breakdown left out because it rests on fewer than :data:`MIN_GROUP` pupils."""
    if len(groups) == 1:
        return f"{lead} {groups[0]}, the group is too small to describe without identifying children."
    if lead == "For":
        return (f"The groups {_join([f'for {g}' for g in groups])} are too small to describe without identifying "
                "children.")
    return f"{lead} {_join(list(groups))}, the groups are too small to describe without identifying children."


_GOV_KINDS = [
    (ProgressKind.NEW_SKILL, "{P} took a new step in at least one area."),
    (ProgressKind.REDUCED_SUPPORT, "{P} did things with less help from adults. This is real progress, even when the "
                                   "step itself stays the same."),
    (ProgressKind.GENERALISED, "{P} used their skills in new places, at new times or with new people."),
    (ProgressKind.CONSOLIDATED, "{P} did things more often and more steadily."),
    (ProgressKind.MAINTAINED, "{P} kept their skills steady in an area. For a child whose condition can make skills "
                              "fade, this is an achievement we value."),
    (ProgressKind.RECOVERED, "{P} got back to an earlier step after a harder time, such as being unwell."),
    (ProgressKind.REGRESSION, "{P} had a time when things were harder, often while unwell. Staff recorded the "
                              "story of these times, so they can be understood."),
    (ProgressKind.PLATEAU, "For {p}, an area stayed the same for a while. Staff treat this as a sign to try a new "
                           "activity or approach."),
]


def _kinds(profile: PupilProfile, area: Area | None = None) -> set[ProgressKind]:
    areas = [profile.areas[area]] if area is not None and area in profile.areas else (
        list(profile.areas.values()) if area is None else [])
    return {f.kind for a in areas for p in a.periods for f in p.findings}


def _observed_periods(profile: PupilProfile) -> set[str]:
    return {p.period.period_id for a in profile.areas.values() for p in a.periods}


def draft_governors_summary(profiles: Sequence[PupilProfile], *, scope_label: str, period: str) -> ReportContent:
    """An aggregate summary for governors (a school or the whole trust), in words only.

    Why: governors need outcome-focused evidence, but the engagement model must never reduce a
    pupil to a number or compare pupils, schools or classes. So it counts pupils per kind of
    progress and says it in proportion words, names no pupil, describes no group smaller than
    :data:`MIN_GROUP` (it says so instead), lists only what worked for several pupils, values
    lateral progress and maintenance explicitly, and says how regularly pupils were observed.
    Raises :class:`DraftingError` if our own words break a language rule."""
    profiles = sorted(profiles, key=lambda p: p.pupil_id)
    n = len(profiles)
    period_words = period.strip()
    intro = [
        Paragraph(text=(f"This summary is about the pupils in {scope_label} who are assessed with the engagement "
                        f"model. It covers {period_words}. The engagement model is the way schools assess pupils who "
                        "are not yet learning subject by subject. It looks at five ways a child takes part: "
                        "exploration, realisation, anticipation, persistence and initiation.")),
        Paragraph(text=("This summary describes the group as a whole. It uses words, not numbers. It never names a "
                        "child, and it does not compare children, classes or schools.")),
        Paragraph(text=("Progress is not only a new step. We also value lateral progress (doing the same thing with "
                        "less help, more often, or in new places and with new people). For children whose condition "
                        "can make skills fade, keeping skills steady is an achievement. We value all of these.")),
    ]
    sections = [Section(heading="About this summary", paragraphs=intro)]
    if n < MIN_GROUP:
        sections.append(Section(heading="Progress seen", paragraphs=[Paragraph(text=_TOO_SMALL)]))
        content = ReportContent(kind=ReportKind.GOVERNORS, title=f"Engagement summary for {scope_label}",
                                subtitle=f"For governors, {period_words}", sections=sections)
        return _checked(content)

    kinds_by_pupil = [_kinds(p) for p in profiles]
    progress = []
    for kind, template in _GOV_KINDS:
        k = sum(kind in ks for ks in kinds_by_pupil)
        if k:
            word = _pupils(k, n)
            progress.append(Paragraph(text=template.format(P=word, p=word[:1].lower() + word[1:])))
    if not progress:
        progress.append(Paragraph(text="There is not yet enough evidence to describe progress."))
    sections.append(Section(heading="Kinds of progress seen", paragraphs=progress))

    regressive = [(p, ks) for p, ks in zip(profiles, kinds_by_pupil, strict=True) if p.regressive_condition]
    if regressive:
        if len(regressive) < MIN_GROUP:
            text = ("The group of children whose condition can make skills fade is too small to describe without "
                    "identifying children.")
        else:
            held = sum(bool(ks & {ProgressKind.MAINTAINED, ProgressKind.RECOVERED}) for _, ks in regressive)
            lead = "Among children whose condition can make skills fade,"
            if not held:
                text = f"{lead} staff recorded the story of each change."
            else:
                who = "every one" if held == len(regressive) else f"{_share(held, len(regressive))} of them"
                text = f"{lead} {who} kept up or got back their skills in at least one area. This is a real achievement."
        sections.append(Section(heading="Keeping skills going", paragraphs=[Paragraph(text=text)]))

    by_area = []
    small: list[str] = []
    for area in Area:
        seen = [p for p in profiles if area in p.areas and p.areas[area].periods]
        if not seen:
            continue
        if len(seen) < MIN_GROUP:
            small.append(area.value)
            continue
        moved = sum(bool(_kinds(p, area) & {ProgressKind.NEW_SKILL, ProgressKind.REDUCED_SUPPORT, ProgressKind.GENERALISED,
                                            ProgressKind.CONSOLIDATED, ProgressKind.RECOVERED, ProgressKind.MAINTAINED})
                    for p in seen)
        if moved:
            who = _share(moved, len(seen))
            subject = "every pupil we saw" if who == "every" else f"{who} pupils we saw"
            by_area.append(Paragraph(text=f"In {area.value}, {subject} made progress of some kind. It may be a new "
                                          "step, or the same step with less help, more often or in new places."))
        else:
            by_area.append(Paragraph(text=f"In {area.value}, progress is still building."))
    if small:
        by_area.append(Paragraph(text=_too_small(small, "In")))
    if by_area:
        sections.append(Section(heading="The areas of engagement", paragraphs=by_area))

    sections.append(Section(heading="Goals in EHC plans", paragraphs=_governors_outcomes(profiles)))
    sections.append(Section(heading="What worked", paragraphs=_governors_what_works(profiles)))
    sections.append(Section(heading="How regularly pupils were observed", paragraphs=_coverage(profiles)))
    content = ReportContent(kind=ReportKind.GOVERNORS, title=f"Engagement summary for {scope_label}",
                            subtitle=f"For governors, {period_words}", sections=sections)
    return _checked(content)


#: How a governors' summary says where a group of outcomes stands, in the order it says it.
_OUTCOME_PHRASES = (("achieved", "were met"), ("progressing", "are moving forward"), ("consolidating", "are becoming steadier"),
                    ("maintained", "are being held steady"), ("dipped", "went through a harder time recently"),
                    ("stalled", "had no new progress recently"), ("no_evidence", "have no evidence linked yet"))


def _governors_outcomes(profiles: Sequence[PupilProfile]) -> list[Paragraph]:
    """EHC outcomes by area of need, in proportion words; areas of need with too few pupils are not described."""
    out = [Paragraph(text=("An Education, Health and Care plan (EHC plan) sets out goals for a child. Here is how "
                           "those goals went, grouped by the kind of need."))]
    small: list[str] = []
    for need in AreaOfNeed:
        owners = [p for p in profiles if any(o.area_of_need is need for o in p.outcomes)]
        if not owners:
            continue
        label = _AREA_OF_NEED_WORDS[need].lower()
        if len(owners) < MIN_GROUP:
            small.append(label)
            continue
        outcomes = [o for p in owners for o in p.outcomes if o.area_of_need is need]
        counts: dict[str, int] = defaultdict(int)
        for p in owners:
            for o in p.outcomes:
                if o.area_of_need is need:
                    counts[_outcome_status(o, p.regressive_condition)] += 1
        total = len(outcomes)
        parts = [f"{_outcomes_words(counts[status], total)} {phrase}" for status, phrase in _OUTCOME_PHRASES if counts[status]]
        text = f"For {label}, {_join(parts)}." if parts else f"For {label}, evidence is still being gathered."
        if counts["stalled"]:
            text += " Schools will review how they support these goals before their target dates."
        out.append(Paragraph(text=text))
    if small:
        out.append(Paragraph(text=_too_small(small, "For")))
    if len(out) == 1:
        out = [Paragraph(text="No goals from Education, Health and Care plans (EHC plans) have been recorded yet.")]
    return out


_GOV_FACTOR = {
    "activity": "Several pupils did well with these activities: {}.",
    "provision": "Several pupils did well with this help put in place: {}.",
    "sensory": "Several pupils did well with these things to see, hear or touch: {}.",
    "setting": "Several pupils did well in these places: {}.",
    "time_of_day": "Several pupils did well at these times of day: {}.",
    "equipment": "Several pupils did well with this equipment: {}.",
}


def _governors_what_works(profiles: Sequence[PupilProfile]) -> list[Paragraph]:
    """What worked for several pupils (at least :data:`MIN_GROUP`); adults are left out (they are staff)."""
    pupils: dict[tuple[str, str], set[str]] = defaultdict(set)
    for p in profiles:
        for f in p.what_works:
            if f.kind in _GOV_FACTOR and _usable(f.value, ReportKind.GOVERNORS):
                pupils[(f.kind, _readable(f.value).lower())].add(p.pupil_id)
    out = []
    for kind, template in _GOV_FACTOR.items():
        common = sorted(((len(ids), value) for (k, value), ids in pupils.items() if k == kind and len(ids) >= MIN_GROUP),
                        key=lambda t: (-t[0], t[1]))
        if common:
            out.append(Paragraph(text=template.format(_join([v for _, v in common[:5]]))))
    if not out:
        out.append(Paragraph(text=("No single activity or kind of support stood out across several pupils. What works "
                                   "is personal to each child.")))
    else:
        out.append(Paragraph(text="What works is still personal to each child. These are shared patterns only."))
    return out


def _coverage(profiles: Sequence[PupilProfile]) -> list[Paragraph]:
    """How regularly pupils were observed: each period in scope, and how often within one."""
    n = len(profiles)
    scope = set().union(*(_observed_periods(p) for p in profiles))
    if not scope:
        return [Paragraph(text="No observations have been recorded yet.")]
    period = PERIOD_WORDS[profiles[0].progress_period]
    regular = sum(_observed_periods(p) >= scope for p in profiles)
    out = []
    if regular == n:
        out.append(Paragraph(text=f"Every pupil was observed at least once each {period}."))
    else:
        text = f"{_pupils(regular, n)} were observed at least once each {period}. " if regular else ""
        text += (f"{_pupils(n - regular, n)} had long gaps between observations, with a {period} or more without one. "
                 "Schools will plan to see them more often.")
        out.append(Paragraph(text=text))
    often = sum(p.observations >= 3 * max(1, len(_observed_periods(p))) for p in profiles)
    if often:
        who = _pupils(often, n)
        out.append(Paragraph(text=f"{who} {'was' if who == 'Every pupil' else 'were'} observed several times in a "
                                  f"typical {period}."))
    return out


# --------------------------------------------------------------------------------------------
# The bug guard
# --------------------------------------------------------------------------------------------

def _checked(content: ReportContent) -> ReportContent:
    """Run the language checks on our own wording; a number, ranking, unexplained term or unkind
    word is a drafting bug and refused. Readability is measured too, but a hard paragraph (a long
    activity name staff typed, say) is left for staff to simplify: the report service records it on
    the draft and refuses to finalise until it is fixed. Returns the content (with a short
    glossary if recorded values brought in terms that need explaining)."""
    content = _with_glossary(content)
    findings = [f for f in language.check_content(content) if f.rule != language.RULE_READABILITY]
    if findings:
        raise DraftingError(content.kind, findings)
    return content
