"""The demo's plan: every pupil, outcome and observation it will send, built from the seed before
any request, so a given seed and day always give the same demo (only ids differ)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from demo_content import (  # noqa: I001 - a sibling file, see demo.py
    ACTIVITIES, AREAS, AREA_NOTES, Activity, COMMUNICATION, FIRST_NAMES, HOME_ACTIVITIES, MOODS, NEEDS, OUTCOMES, PEERS, PROMPTS, PROVISIONS, QUALITY, SCALE, SCHOOLS, SLEEP_NOTES, SUPPORT_WORDS,
)

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        SCHOOL_TZ: tzinfo = ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:  # pragma: no cover - minimal images without tzdata
        from datetime import UTC as SCHOOL_TZ
except ImportError:  # pragma: no cover
    from datetime import UTC as SCHOOL_TZ


# --- the plan: everything the demo will send, built from the seed before any request ------------------


@dataclass(frozen=True)
class PlannedOutcome:
    """A long-term EHC outcome with one short-term target under it."""

    area_of_need: str
    long_text: str
    short_text: str
    long_date: date
    short_date: date


@dataclass(frozen=True)
class PlannedPupil:
    """An invented pupil; ``key`` (also the MIS id) finds them again on a later run."""

    key: str
    school: int
    klass: int
    first_name: str
    last_name: str
    date_of_birth: date
    key_stage: str
    on_model: bool
    regressive: bool
    story: str  # progress | lateral | plateau | dip | maintenance | none
    outcomes: tuple[PlannedOutcome, ...]


@dataclass(frozen=True)
class PlannedObservation:
    """One observation: who sends it, for whom, and its body without ids."""

    pupil_key: str
    observer: str  # teacher | teaching_assistant | senco | parent
    school: int
    body: dict[str, Any]
    outcome_links: tuple[tuple[int, str], ...]  # (index into the pupil's outcomes, "long" | "short")


@dataclass(frozen=True)
class DemoPlan:
    """The whole demo, deterministic for a seed, a number of weeks and a day."""

    pupils: tuple[PlannedPupil, ...]
    observations: tuple[PlannedObservation, ...]
    parent_pupils: tuple[str, ...]  # pupil keys with a parent contributing; the first gets the summary's token


def _academic_year(today: date) -> int:
    return today.year if today.month >= 9 else today.year - 1


def _birth_date(rng: random.Random, year_group: int, today: date) -> date:
    """A date of birth in the English school-year cohort for ``year_group`` (Year 1 = age 5 on 1 September)."""
    start = date(_academic_year(today) - year_group - 5, 9, 1)
    end = date(start.year + 1, 8, 31)
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _key_stage(year_group: int) -> str:
    return "KS1" if year_group <= 2 else "KS2" if year_group <= 6 else "KS3"


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _plan_pupils(rng: random.Random, today: date) -> list[PlannedPupil]:
    names = FIRST_NAMES[:]
    rng.shuffle(names)
    drafts: list[dict[str, Any]] = []
    for s, (letter, _name, _classes) in enumerate(SCHOOLS):
        ks1, ks3 = rng.choice((1, 2)), rng.choice((1, 2))
        years = ([rng.choice((1, 2)) for _ in range(ks1)] + [rng.choice((7, 8, 9)) for _ in range(ks3)]
                 + [rng.choice((3, 4, 5, 6)) for _ in range(10 - ks1 - ks3)])
        rng.shuffle(years)
        # One KS3 pupil per school has moved on to subject-specific study: not on the engagement model.
        off_model = next(i for i, y in enumerate(years) if y >= 7)
        for i, year in enumerate(years):
            drafts.append({"key": f"DEMO-{letter}{i + 1:02d}", "school": s, "klass": 0 if year <= 4 else 1,
                           "first_name": names[len(drafts)], "last_name": f"Demo-{letter}{i + 1:02d}",
                           "date_of_birth": _birth_date(rng, year, today), "key_stage": _key_stage(year),
                           "on_model": i != off_model})
    on_model = [d for d in drafts if d["on_model"]]
    order = on_model[:]
    rng.shuffle(order)
    regressive = order[:rng.choice((2, 3))]
    rest = order[len(regressive):]
    stories = {d["key"]: "maintenance" for d in regressive}
    stories[rest[0]["key"]] = "plateau"
    stories[rest[1]["key"]] = "dip"
    for d in rest[2:7]:
        stories[d["key"]] = "lateral"
    pupils = []
    for d in drafts:
        story = stories.get(d["key"], "progress" if d["on_model"] else "none")
        needs = rng.sample(NEEDS, rng.choice((2, 2, 3)))
        outcomes = []
        for need in needs:
            long_text, short_text = rng.choice(OUTCOMES[need])
            outcomes.append(PlannedOutcome(need, long_text, short_text, long_date=date(2027, 7, rng.choice((9, 16, 21))),
                                           short_date=date(2027, rng.choice((1, 2, 3)), rng.randint(5, 26))))
        pupils.append(PlannedPupil(**d, regressive=story == "maintenance", story=story, outcomes=tuple(outcomes)))
    return pupils


@dataclass
class _Profile:
    """How one pupil's observations vary over the term."""

    pupil: PlannedPupil
    areas: list[str]
    base: dict[str, int]
    gain: dict[str, int]
    support_start: int
    support_end: int
    favourite: Activity
    communication: str
    illness: tuple[float, float] = (0.35, 0.6)  # the part of the term the 'dip' pupil is unwell


def _profile(rng: random.Random, pupil: PlannedPupil) -> _Profile:
    areas = rng.sample(AREAS, rng.choice((3, 4, 5)))
    story = pupil.story
    base = {a: rng.choice((0, 0, 1, 1, 2)) if story in ("progress", "dip") else rng.choice((1, 2)) for a in areas}
    if story == "maintenance":
        base = {a: rng.choice((1, 2, 2)) for a in areas}
    gain = {a: rng.choice((1, 1, 2)) if story in ("progress", "dip") else 0 for a in areas}
    if story == "lateral":
        support = (0, rng.choice((4, 5)))
    elif story in ("progress", "dip"):
        start = rng.choice((1, 2))
        support = (start, start + rng.choice((1, 2)))
    else:
        level = rng.choice((1, 2))
        support = (level, level)
    return _Profile(pupil, areas, base, gain, support[0], support[1], rng.choice(ACTIVITIES), rng.choice(COMMUNICATION))


def _school_time(rng: random.Random, day: date) -> tuple[datetime, str]:
    slot = rng.choice(("morning", "morning", "midday", "afternoon", "afternoon"))
    start, end = {"morning": (9 * 60 + 15, 11 * 60 + 30), "midday": (11 * 60 + 30, 13 * 60 + 15),
                  "afternoon": (13 * 60 + 15, 15 * 60)}[slot]
    minute = rng.randrange(start, end, 5)
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=SCHOOL_TZ), slot


def _home_time(rng: random.Random, day: date) -> tuple[datetime, str]:
    slot = rng.choice(("early_morning", "evening", "evening"))
    start, end = (7 * 60, 8 * 60 + 15) if slot == "early_morning" else (17 * 60, 19 * 60 + 30)
    minute = rng.randrange(start, end, 5)
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=SCHOOL_TZ), slot


def _levels(rng: random.Random, prof: _Profile, areas: Sequence[str], t: float, ill: bool) -> tuple[dict[str, int], int, float]:
    """Descriptor index per area, support index and a 0..1 'how fluent' for the quality words."""
    story = prof.pupil.story
    levels: dict[str, int] = {}
    for area in areas:
        if story in ("progress", "dip"):
            value = prof.base[area] + prof.gain[area] * t + rng.gauss(0, 0.3)
            if ill:
                value -= 1.3
        elif story == "maintenance":
            value = prof.base[area] - (1 if rng.random() < 0.1 else 0)  # the odd tired day
        else:  # lateral and plateau: the same descriptor all term
            value = prof.base[area]
        levels[area] = _clamp(value, 0, len(SCALE) - 1)
    support = prof.support_start + (prof.support_end - prof.support_start) * t
    if story in ("progress", "dip", "lateral"):
        support += rng.gauss(0, 0.4)
    if ill:
        support -= 2
    fluency = {"progress": t, "dip": t, "lateral": 0.25 + 0.6 * t, "plateau": 0.35, "maintenance": 0.5}[story]
    if ill:
        fluency = max(0.0, fluency - 0.4)
    return levels, _clamp(support, 0, len(PROMPTS) - 1), fluency


def _quality(rng: random.Random, fluency: float, offset: float = 0.0) -> str:
    return QUALITY[_clamp(fluency * 2.6 + 0.3 + offset + rng.gauss(0, 0.45), 0, len(QUALITY) - 1)]


def _links(rng: random.Random, pupil: PlannedPupil, activity: Activity) -> tuple[tuple[int, str], ...]:
    matching = [i for i, o in enumerate(pupil.outcomes) if o.area_of_need == activity.need]
    if not matching:
        return ()
    return ((matching[0], "short"), (matching[0], "long")) if rng.random() < 0.3 else ((matching[0], "short"),)


def _observation(rng: random.Random, prof: _Profile, day: date, t: float, *, observer: str, home: bool = False,
                 ill: bool = False, baseline: bool = False) -> PlannedObservation:
    pupil, story = prof.pupil, prof.pupil.story
    if home:
        activity = rng.choice(HOME_ACTIVITIES)
        when, time_of_day = _home_time(rng, day)
    else:
        if baseline:
            activity = prof.favourite
        else:
            wanted = {o.area_of_need for o in pupil.outcomes}
            pool = [a for a in ACTIVITIES if a.need in wanted] if rng.random() < 0.5 else ACTIVITIES
            activity = prof.favourite if rng.random() < 0.2 else rng.choice(pool)
        when, time_of_day = _school_time(rng, day)
    areas = rng.sample(prof.areas, min(len(prof.areas), rng.choice((1, 2, 2, 3))))
    levels, support, fluency = _levels(rng, prof, areas, t, ill)
    equipment = rng.choice(activity.equipment)

    # Settings and adults: lateral pupils start in one place with one adult and widen out over the term.
    if home:
        setting, adults = "home", ["parent"]
    elif story == "lateral" and t < 0.3:
        setting, adults = activity.settings[0], ["teaching_assistant"]
    else:
        wide = story == "lateral" or rng.random() < 0.2
        places = sorted({*activity.settings, "classroom", "hall", "outdoors", "community"}) if wide and activity.settings != ("hydrotherapy_pool",) else list(activity.settings)
        setting = rng.choice(places)
        adults = [observer] if observer != "senco" else ["senco", "teaching_assistant"]
        if observer != "teaching_assistant" and rng.random() < 0.5:
            adults.append("teaching_assistant")
        if activity.specialist and rng.random() < 0.5:
            adults.append(activity.specialist)
        if wide and rng.random() < 0.5:
            adults.append(rng.choice(("lunchtime_supervisor", "visiting_teacher", "another_class_teacher")))
    context: dict[str, Any] = {
        "setting": setting, "time_of_day": time_of_day, "adults": adults,
        "peers": [] if home else list(rng.choice(PEERS)), "favourite_equipment": equipment,
        "sensory_experiences": sorted(rng.sample(activity.senses, min(len(activity.senses), rng.choice((1, 2, 2, 3))))),
        "communication_method": prof.communication, "mood": "a little tired and chesty" if ill else rng.choice(MOODS),
    }
    if ill:
        context["health"] = "Back after several days off with a chest infection; still recovering"
    elif story == "maintenance" and rng.random() < 0.15:
        context["health"] = "Brief seizure before school; given time to rest first"
    sleep = rng.choice(SLEEP_NOTES)
    if sleep:
        context["sleep"] = sleep

    support_word = PROMPTS[support]
    notes = [AREA_NOTES[areas[0]].format(eq=equipment)]
    if story == "lateral":
        notes.append(f"Same response as before, now with {SUPPORT_WORDS[support_word]} in the {setting.replace('_', ' ')}.")
    elif story == "plateau" and t > 0.4:
        notes.append("Much the same as recent weeks; worth trying a new high-interest activity.")
    elif story == "maintenance":
        notes.append("Kept up this response; holding on to the skill is the aim this term.")
    elif ill:
        notes.append("Slower to respond than before the illness, but the response was still there.")
    elif story == "dip" and t > 0.55:
        notes.append("Back to the responses seen before the illness.")
    if baseline:
        notes.append("Baseline taken during a favourite activity.")
    judgements = []
    for area in areas:
        judgement: dict[str, Any] = {"area": area, "established": SCALE[levels[area]]}
        if story == "lateral" and area == areas[0]:
            judgement["note"] = f"Same descriptor; support now {SUPPORT_WORDS[support_word]}."
        judgements.append(judgement)
    provision = []
    if not home:
        for description, effect in rng.sample(PROVISIONS, rng.choice((1, 1, 2))):
            provision.append({"description": description, "effect": effect})
    contributors = [{"role": "parent_carer"}] if home else []
    if not home and any(a.endswith("therapist") or a == "hydrotherapy_instructor" for a in adults):
        contributors.append({"role": "therapist"})
    body: dict[str, Any] = {
        "observed_at": when.isoformat(),
        "areas": judgements,
        "activity": activity.name,
        "context": context,
        "subtle_responses": sorted(rng.sample(activity.responses, rng.choice((1, 2, 2, 3)))),
        "support_level": support_word,
        "accuracy": _quality(rng, fluency),
        "confidence": _quality(rng, fluency, 0.2),
        "consistency": _quality(rng, fluency, -0.3),
        "intentional": True,
        "caused_by_stimulus": True,
        "provision": provision,
        "baseline": baseline,
        "contributors": contributors,
        "notes": " ".join(notes),
    }
    return PlannedObservation(pupil.key, observer, pupil.school, body, _links(rng, pupil, activity))


def build_plan(seed: int = 7, weeks: int = 12, today: date | None = None) -> DemoPlan:
    """Everything the demo sends, decided by ``seed`` for the term ending the day before ``today``."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    today = today or datetime.now(SCHOOL_TZ).date()
    rng = random.Random(seed)
    pupils = _plan_pupils(rng, today)
    yesterday = today - timedelta(days=1)
    first_day = yesterday - timedelta(days=7 * weeks - 1)
    observations: list[PlannedObservation] = []
    profiles: dict[str, _Profile] = {}
    for pupil in pupils:
        if not pupil.on_model:
            continue
        prof = profiles[pupil.key] = _profile(rng, pupil)
        ill_weeks = [w for w in range(weeks) if pupil.story == "dip" and prof.illness[0] <= w / max(1, weeks - 1) <= prof.illness[1]]
        for week in range(weeks):
            days = [first_day + timedelta(days=7 * week + d) for d in range(7)]
            weekdays = [d for d in days if d.weekday() < 5]
            ill = week in ill_weeks
            if ill and len(ill_weeks) >= 2 and week == ill_weeks[0]:
                continue  # off school ill that week: no observations
            count = rng.choice((1, 2, 2, 2, 2, 3))
            for n, day in enumerate(sorted(rng.sample(weekdays, count))):
                t = ((day - first_day).days) / max(1, (yesterday - first_day).days)
                observer = rng.choice(("teacher", "teacher", "teacher", "teaching_assistant", "teaching_assistant", "senco"))
                observations.append(_observation(rng, prof, day, t, observer=observer, ill=ill, baseline=week == 0 and n == 0))
    parent_pupils = tuple(next(p.key for p in pupils if p.school == s and p.on_model and p.story != "dip") for s in range(len(SCHOOLS)))
    for key in parent_pupils:
        prof = profiles[key]
        for week in sorted(rng.sample(range(weeks), max(1, weeks // 2))):
            day = first_day + timedelta(days=7 * week + rng.randrange(7))
            t = (day - first_day).days / max(1, (yesterday - first_day).days)
            observations.append(_observation(rng, prof, day, t, observer="parent", home=True))
    return DemoPlan(tuple(pupils), tuple(observations), parent_pupils)
