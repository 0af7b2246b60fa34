"""Seed a demo trust through the observation-ingest HTTP API, so a newcomer has something to explore.

Everything here is invented: the trust, the schools, the staff and the pupils ("Pebble Demo-A01"),
their EHC outcomes and a term of observations. No real person's data is used or implied.

The data goes in through the public API exactly as a trust admin, a SENCO, teachers, teaching
assistants and parents would send it, so it passes the same checks as real use:

- trust ``demo-trust`` ("Riverside Learning Trust"), three special schools with two classes and two
  staff each, ten pupils per school (mostly KS2; a few not on the engagement model; two or three
  with a regressive condition), two or three EHC outcomes per pupil with a short-term target under each;
- ``weeks`` weeks of observations up to yesterday, about two per pupil per week, in offline-style
  batches. Pupils follow different stories: most move up the descriptor scale; some make lateral
  progress (same descriptor, less support, more places and people); one plateaus; one dips after an
  illness and recovers; pupils with a regressive condition maintain their skills. A few parents
  add observations from home.

The content is deterministic for a given ``seed`` and day (only ids differ between runs). Seeding
is skipped when the trust already has schools; the summary (with fresh tokens) is returned either way.

Usage: ``python deploy/demo.py --api http://127.0.0.1:8001`` (``--weeks``, ``--seed``, ``--json``).
From code: ``await seed_demo(client_or_url)`` or ``seed_demo_sync(url)``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import httpx

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.auth.tokens import mint_token
from engagement_shared.settings import AuthSettings

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        SCHOOL_TZ: tzinfo = ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:  # pragma: no cover - minimal images without tzdata
        from datetime import UTC as SCHOOL_TZ
except ImportError:  # pragma: no cover
    from datetime import UTC as SCHOOL_TZ

TRUST_ID = "demo-trust"
TRUST_NAME = "Riverside Learning Trust"
MAX_BATCH = 500
TOKEN_TTL_SECONDS = 24 * 3600

# --- the trust's default vocabularies (observation_ingest.core.trust_config.TrustConfig) -------------
SCALE = ["emerging", "developing", "established", "secure", "generalised"]
PROMPTS = ["fully_supported", "physical_prompt", "modelled", "gestural", "verbal", "independent"]
QUALITY = ["not_yet", "sometimes", "often", "always"]
AREAS = ["exploration", "realisation", "anticipation", "persistence", "initiation"]
NEEDS = ["communication_and_interaction", "cognition_and_learning", "social_emotional_and_mental_health", "sensory_and_physical"]

# --- invented schools, classes and staff -------------------------------------------------------------
# Listed in name order, the order GET /v1/schools returns them, so "the first school" is stable.
SCHOOLS: list[tuple[str, str, tuple[str, str]]] = [
    ("A", "Alder Brook School", ("Otters", "Kingfishers")),
    ("B", "Heron Fields Special School", ("Badgers", "Wrens")),
    ("C", "Willowmere Academy", ("Hedgehogs", "Swifts")),
]
FIRST_NAMES = [
    "Pebble", "Juniper", "Comet", "Maple", "Sparrow", "Nimbus", "Clover", "Marble", "Tansy", "Bramble",
    "Acorn", "Puffin", "Sorrel", "Quill", "Fennel", "Biscuit", "Pixel", "Thistle", "Sprocket", "Nutmeg",
    "Ripple", "Tumble", "Saffron", "Cobble", "Dandelion", "Kipper", "Teasel", "Zephyr", "Button", "Conker",
]
COMMUNICATION = ["eye pointing", "a single-message switch", "objects of reference", "vocalising", "reaching and touching",
                 "Makaton signs with support", "facial expression and body language", "a two-choice eye-gaze board"]


@dataclass(frozen=True)
class Activity:
    """An activity or stimulus, with where it happens and what it tends to bring out."""

    name: str
    settings: tuple[str, ...]
    senses: tuple[str, ...]
    equipment: tuple[str, ...]
    need: str
    responses: tuple[str, ...]
    specialist: str | None = None


ACTIVITIES: list[Activity] = [
    Activity("Sensory story: a trip to the seaside", ("sensory_room", "classroom"), ("visual", "auditory", "tactile", "olfactory"),
             ("spray bottle of sea water", "shell wind chime", "bag of sand"), "communication_and_interaction",
             ("stilling", "eye_movement", "facial_expression", "breathing_change")),
    Activity("Switch toy: light-up spinner on a big red switch", ("classroom", "sensory_room"), ("visual", "auditory"),
             ("big red switch", "light-up spinner"), "cognition_and_learning",
             ("hand_movement", "eye_movement", "vocalisation", "facial_expression")),
    Activity("Water play with pouring jugs and floating ducks", ("classroom", "outdoors"), ("tactile", "visual"),
             ("pouring jug", "floating ducks", "watering can"), "sensory_and_physical",
             ("hand_movement", "facial_expression", "vocalisation", "relaxing")),
    Activity("Music session: ocean drum and call-and-response singing", ("hall", "classroom"), ("auditory", "vestibular"),
             ("ocean drum", "rain stick", "tambourine"), "communication_and_interaction",
             ("vocalisation", "stilling", "foot_movement", "posture_change"), "music_therapist"),
    Activity("Messy play with cornflour gloop", ("classroom", "outdoors"), ("tactile", "visual"),
             ("tray of cornflour gloop", "wooden spoons"), "sensory_and_physical",
             ("hand_movement", "tensing", "relaxing", "facial_expression")),
    Activity("Hydrotherapy session", ("hydrotherapy_pool",), ("tactile", "vestibular", "proprioceptive"),
             ("float noodle", "water spray toy"), "sensory_and_physical",
             ("relaxing", "vocalisation", "breathing_change", "foot_movement"), "hydrotherapy_instructor"),
    Activity("Attention Autism session: the bucket", ("classroom", "hall"), ("visual", "auditory"),
             ("attention bucket", "wind-up toy", "bubble machine"), "social_emotional_and_mental_health",
             ("eye_movement", "stilling", "facial_expression", "pupil_dilation")),
    Activity("Intensive interaction with a familiar adult", ("classroom", "soft_play"), ("auditory", "visual", "tactile"),
             ("mirror", "favourite blanket"), "communication_and_interaction",
             ("vocalisation", "facial_expression", "mouth_movement", "eye_movement"), "speech_and_language_therapist"),
    Activity("Dark den with UV torches and fibre optics", ("sensory_room",), ("visual", "tactile"),
             ("UV torch", "fibre-optic strands", "glow ball"), "cognition_and_learning",
             ("eye_movement", "pupil_dilation", "hand_movement", "stilling")),
    Activity("Soft play: rolling on the wedge and the ball pool", ("soft_play",), ("vestibular", "proprioceptive", "tactile"),
             ("foam wedge", "ball pool"), "sensory_and_physical",
             ("posture_change", "vocalisation", "relaxing", "foot_movement"), "physiotherapist"),
    Activity("Snack time: choosing between two snacks", ("dining_room", "classroom"), ("gustatory", "olfactory", "visual"),
             ("two-choice board", "snack pots"), "communication_and_interaction",
             ("eye_movement", "mouth_movement", "hand_movement", "vocalisation"), "speech_and_language_therapist"),
    Activity("Sensory walk round the school garden", ("outdoors", "community"), ("olfactory", "auditory", "tactile", "vestibular"),
             ("herb planter", "wind chimes", "bark chips"), "social_emotional_and_mental_health",
             ("stilling", "breathing_change", "posture_change", "facial_expression")),
    Activity("Resonance board with vibrating toys", ("classroom", "sensory_room"), ("proprioceptive", "auditory", "tactile"),
             ("resonance board", "vibrating snake"), "sensory_and_physical",
             ("stilling", "foot_movement", "hand_movement", "relaxing"), "occupational_therapist"),
    Activity("Bubble play with a bubble gun", ("classroom", "outdoors", "hall"), ("visual", "tactile"),
             ("bubble gun", "bubble tube"), "social_emotional_and_mental_health",
             ("eye_movement", "facial_expression", "vocalisation", "hand_movement")),
]
HOME_ACTIVITIES: list[Activity] = [
    Activity("Bath time with bubbles and a light-up duck", ("home",), ("tactile", "visual"), ("light-up duck",), "sensory_and_physical",
             ("relaxing", "vocalisation", "hand_movement")),
    Activity("Bedtime story with a torch and a textured blanket", ("home",), ("visual", "tactile", "auditory"), ("torch", "textured blanket"),
             "communication_and_interaction", ("stilling", "eye_movement", "facial_expression")),
    Activity("Baking biscuits: stirring and smelling the dough", ("home",), ("olfactory", "tactile", "gustatory"), ("mixing bowl", "wooden spoon"),
             "cognition_and_learning", ("hand_movement", "facial_expression", "mouth_movement")),
    Activity("Music in the kitchen: shaking a tambourine to a favourite song", ("home",), ("auditory", "vestibular"), ("tambourine",),
             "social_emotional_and_mental_health", ("vocalisation", "foot_movement", "facial_expression")),
]
PROVISIONS: list[tuple[str, str]] = [
    ("Blackout tent to cut visual distraction", "Attended to the light for longer"),
    ("Object of reference shown before the activity", "Anticipated what was coming and reached for the object"),
    ("Extended wait time (ten seconds) before any prompt", "Started the action without a prompt more often"),
    ("Supportive seating on a wedge for head control", "Could track the object across the midline"),
    ("Now-and-next board with photos", "Moved on to the next activity calmly"),
    ("Ear defenders offered in the hall", "Stayed settled through the louder parts"),
    ("Adult positioned at eye level, slightly to the left (better visual field)", "Made eye contact sooner"),
    ("Switch mounted on the tray at a 30-degree angle", "Pressed with less effort and more accuracy"),
    ("Short, repeated routine with the same song each time", "Began to anticipate the end of the song"),
    ("Warm-up with deep-pressure massage first", "Seemed calmer and more ready to engage"),
]
MOODS = ["settled", "happy and alert", "calm", "excited", "a little tired", "unsettled at first, calmer later", "smiley and chatty",
         "quiet but content"]
SLEEP_NOTES = ["Slept well according to the home-school diary", "Unsettled night according to the home-school diary", None, None, None]
PEERS = [[], [], ["a classmate"], ["two classmates"], ["small group of three"]]
SUPPORT_WORDS = {"fully_supported": "hand-over-hand support", "physical_prompt": "a light touch at the elbow",
                 "modelled": "an adult showing first", "gestural": "a pointing gesture", "verbal": "a spoken prompt only",
                 "independent": "no prompting at all"}
AREA_NOTES = {
    "exploration": "Reached out to the {eq} and explored it with both hands.",
    "realisation": "Noticed when the {eq} stopped and looked to the adult to make it happen again.",
    "anticipation": "Stilled and smiled during the countdown, before the {eq} appeared.",
    "persistence": "Kept trying with the {eq} after the first attempt missed.",
    "initiation": "Reached for the {eq} without being asked, to start the activity again.",
}
OUTCOMES: dict[str, list[tuple[str, str]]] = {
    "communication_and_interaction": [
        ("Will make a clear choice between two preferred items, using eye pointing or a switch, across the school day.",
         "Will look towards the chosen item when offered two, with a gestural prompt, at snack time."),
        ("Will take part in back-and-forth exchanges with familiar adults, using sounds or movements to take a turn.",
         "Will vocalise or move to take a turn in a short intensive interaction game."),
    ],
    "cognition_and_learning": [
        ("Will explore new objects and activities for longer, showing curiosity in different places.",
         "Will explore a new sensory object for up to two minutes with adult support."),
        ("Will understand that an action causes an effect and use this to control toys and equipment.",
         "Will press a switch to make a toy start again, with a physical prompt."),
    ],
    "social_emotional_and_mental_health": [
        ("Will cope with changes to routine and new adults, staying calm with support.",
         "Will accept a new adult joining a familiar activity, using an object of reference."),
        ("Will show enjoyment and share attention with others in group sessions.",
         "Will stay with a small group for a whole Attention Autism bucket session."),
    ],
    "sensory_and_physical": [
        ("Will use purposeful hand movements to reach, grasp and release objects independently.",
         "Will reach and touch an object held within arm's length, with a light prompt."),
        ("Will tolerate and enjoy a wider range of textures and movements.",
         "Will keep hands in a messy play tray for a short time without withdrawing."),
    ],
}

STAFF_ROLES = {"teacher": Role.TEACHER, "teaching_assistant": Role.TEACHING_ASSISTANT, "senco": Role.SENCO}


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


# --- the summary ---------------------------------------------------------------------------------------


@dataclass
class DemoSchool:
    """A demo school and its classes."""

    school_id: str
    name: str
    class_ids: list[str] = field(default_factory=list)


@dataclass
class DemoSummary:
    """What was seeded (or found), and tokens to explore it with."""

    trust_id: str
    trust_name: str
    schools: list[DemoSchool]
    pupil_count: int
    on_model_count: int
    observation_count: int
    admin_token: str
    senco_token: str
    teacher_token: str
    parent_token: str
    parent_pupil_id: str
    seeded: bool
    rejected: int = 0
    rejections: list[str] = field(default_factory=list)

    @property
    def tokens(self) -> dict[str, str]:
        """Label → bearer token."""
        first = self.schools[0].name if self.schools else "the first school"
        return {"trust admin (whole trust)": self.admin_token, f"SENCO of {first}": self.senco_token,
                f"teacher of {first}": self.teacher_token, f"parent of pupil {self.parent_pupil_id}": self.parent_token}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    def render(self, api_base_url: str = "http://127.0.0.1:8001") -> str:
        """A newcomer's guide: what is there, tokens, and a first curl to try."""
        api = api_base_url.rstrip("/")
        action = "Seeded" if self.seeded else "Found (already seeded)"
        lines = [f"{action} demo trust {self.trust_name!r} (id {self.trust_id}): {len(self.schools)} schools, "
                 f"{self.pupil_count} pupils ({self.on_model_count} on the engagement model), {self.observation_count} observations."]
        lines += [f"  school {s.school_id}  {s.name}" for s in self.schools]
        if self.rejected:
            lines.append(f"  WARNING: {self.rejected} observations were rejected, e.g. {self.rejections[:3]}")
        lines.append("All names are invented; no real person's data. Tokens (valid for 24 hours):")
        for label, tok in self.tokens.items():
            lines.append(f"  {label}:\n    {tok}")
        lines += ["Try:", f'  export EM_TOKEN="{self.admin_token}"',
                  f'  curl -s -H "Authorization: Bearer $EM_TOKEN" {api}/v1/schools',
                  f'  curl -s -H "Authorization: Bearer $EM_TOKEN" {api}/v1/pupils/{self.parent_pupil_id}/observations',
                  f"Interactive API docs: {api}/docs (press Authorize and paste a token)."]
        return "\n".join(lines)


# --- talking to the API ---------------------------------------------------------------------------------


class DemoSeedError(RuntimeError):
    """The API refused a directory write the demo depends on."""


def _token(settings: AuthSettings, subject: str, role: Role, schools: Sequence[str] = (), pupils: Sequence[str] = ()) -> str:
    principal = Principal(subject=subject, role=role, trust_id=TRUST_ID, school_ids=frozenset(schools), pupil_ids=frozenset(pupils))
    return mint_token(settings, principal, ttl_seconds=TOKEN_TTL_SECONDS)


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _call(client: httpx.AsyncClient, method: str, url: str, token: str, body: Any = None) -> Any:
    response = await client.request(method, url, json=body, headers=_headers(token))
    if response.status_code >= 400:
        raise DemoSeedError(f"{method} {url} -> {response.status_code}: {response.text[:500]}")
    return response.json()


def _fit_to_config(body: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """Map the default words onto the trust's own lists (by position), dropping context words it lacks."""
    def by_position(word: str, default: list[str], own: list[str]) -> str:
        return own[round(default.index(word) * (len(own) - 1) / (len(default) - 1))]

    scale, prompts = config.get("descriptor_scale") or SCALE, config.get("prompt_hierarchy") or PROMPTS
    if scale != SCALE:
        body["areas"] = [dict(a, established=by_position(a["established"], SCALE, scale)) for a in body["areas"]]
    if prompts != PROMPTS and body.get("support_level"):
        body["support_level"] = by_position(body["support_level"], PROMPTS, prompts)
    context = body["context"]
    if "settings" in config and context.get("setting") not in config["settings"]:
        context["setting"] = None
    if "times_of_day" in config and context.get("time_of_day") not in config["times_of_day"]:
        context["time_of_day"] = None
    if "sensory_experiences" in config:
        context["sensory_experiences"] = [s for s in context["sensory_experiences"] if s in config["sensory_experiences"]]
    return body


async def _existing_summary(client: httpx.AsyncClient, settings: AuthSettings, admin: str, schools_json: list[dict[str, Any]],
                            plan: DemoPlan) -> DemoSummary:
    schools = []
    pupils: list[dict[str, Any]] = []
    for s in schools_json:
        classes = await _call(client, "GET", f"/v1/schools/{s['school_id']}/classes", admin)
        schools.append(DemoSchool(s["school_id"], s["name"], [c["class_id"] for c in classes]))
        pupils += await _call(client, "GET", f"/v1/schools/{s['school_id']}/pupils", admin)
    on_model = [p for p in pupils if p["on_engagement_model"]]
    observations = 0
    for p in on_model:
        observations += len(await _call(client, "GET", f"/v1/pupils/{p['pupil_id']}/observations", admin))
    first = schools[0].school_id if schools else ""
    by_key = {p.get("mis_id"): p["pupil_id"] for p in pupils}
    parent_pupil = by_key.get(plan.parent_pupils[0]) or (on_model[0]["pupil_id"] if on_model else "")
    return DemoSummary(TRUST_ID, TRUST_NAME, schools, len(pupils), len(on_model), observations, admin,
                       _token(settings, "demo-senco-1", Role.SENCO, [first]), _token(settings, "demo-teacher-1", Role.TEACHER, [first]),
                       _token(settings, "demo-parent-1", Role.PARENT, pupils=[parent_pupil]), parent_pupil, seeded=False)


async def _seed(client: httpx.AsyncClient, settings: AuthSettings, weeks: int, seed: int, today: date | None) -> DemoSummary:
    admin = _token(settings, "demo-admin", Role.TRUST_ADMIN)
    plan = build_plan(seed, weeks, today)
    existing = await _call(client, "GET", "/v1/schools", admin)
    if existing:
        return await _existing_summary(client, settings, admin, existing, plan)

    await _call(client, "PUT", f"/v1/trusts/{TRUST_ID}", admin, {"name": TRUST_NAME})
    config = await _call(client, "GET", f"/v1/trusts/{TRUST_ID}/config", admin)
    schools: list[DemoSchool] = []
    for _letter, name, class_names in SCHOOLS:
        school = await _call(client, "POST", "/v1/schools", admin, {"name": name})
        demo_school = DemoSchool(school["school_id"], name)
        for class_name in class_names:
            demo_school.class_ids.append((await _call(client, "POST", f"/v1/schools/{school['school_id']}/classes", admin,
                                                      {"name": class_name}))["class_id"])
        short = name.split()[0] + " " + name.split()[1]
        for display, role in ((f"Demo SENCO ({short})", "senco"), (f"Demo Class Teacher ({short})", "teacher")):
            await _call(client, "POST", f"/v1/schools/{school['school_id']}/staff", admin, {"display_name": display, "role": role})
        schools.append(demo_school)

    pupil_ids: dict[str, str] = {}
    outcome_ids: dict[str, list[dict[str, str]]] = {}

    async def register(pupil: PlannedPupil) -> None:
        school = schools[pupil.school]
        body = {"school_id": school.school_id, "first_name": pupil.first_name, "last_name": pupil.last_name,
                "date_of_birth": pupil.date_of_birth.isoformat(), "mis_id": pupil.key, "class_id": school.class_ids[pupil.klass],
                "key_stage": pupil.key_stage, "on_engagement_model": pupil.on_model, "regressive_condition": pupil.regressive}
        pupil_id = (await _call(client, "POST", "/v1/pupils", admin, body))["pupil_id"]
        pupil_ids[pupil.key] = pupil_id
        ids = []
        for outcome in pupil.outcomes:
            long = await _call(client, "POST", f"/v1/pupils/{pupil_id}/outcomes", admin,
                               {"area_of_need": outcome.area_of_need, "term": "long", "description": outcome.long_text,
                                "target_date": outcome.long_date.isoformat()})
            short = await _call(client, "POST", f"/v1/pupils/{pupil_id}/outcomes", admin,
                                {"area_of_need": outcome.area_of_need, "term": "short", "description": outcome.short_text,
                                 "target_date": outcome.short_date.isoformat(), "parent_outcome_id": long["outcome_id"]})
            ids.append({"long": long["outcome_id"], "short": short["outcome_id"]})
        outcome_ids[pupil.key] = ids

    await asyncio.gather(*(register(p) for p in plan.pupils))

    # Group observations by who sends them: staff tokens per school, a parent token per pupil.
    parent_subject = {key: f"demo-parent-{n + 1}" for n, key in enumerate(plan.parent_pupils)}
    groups: dict[str, list[dict[str, Any]]] = {}
    tokens: dict[str, str] = {}
    for planned in plan.observations:
        body = _fit_to_config(json.loads(json.dumps(planned.body)), config)
        body["observation_id"] = str(uuid.uuid4())
        body["pupil_id"] = pupil_ids[planned.pupil_key]
        body["ehc_outcome_ids"] = [outcome_ids[planned.pupil_key][i][term] for i, term in planned.outcome_links]
        if planned.observer == "parent":
            subject = parent_subject[planned.pupil_key]
            tokens.setdefault(subject, _token(settings, subject, Role.PARENT, pupils=[body["pupil_id"]]))
        else:
            subject = f"demo-{planned.observer.replace('_', '-')}-{planned.school + 1}"
            tokens.setdefault(subject, _token(settings, subject, STAFF_ROLES[planned.observer], [schools[planned.school].school_id]))
        groups.setdefault(subject, []).append(body)

    created = rejected = 0
    rejections: list[str] = []
    for subject, items in groups.items():
        for start in range(0, len(items), MAX_BATCH):
            result = await _call(client, "POST", "/v1/observations/batch", tokens[subject], {"observations": items[start:start + MAX_BATCH]})
            created += result["created"] + result["replayed"]
            rejected += result["rejected"]
            rejections += [f"{subject} item {r['index']}: {r['errors']}" for r in result["results"] if r["status"] == "rejected"]

    first = schools[0].school_id
    parent_pupil = pupil_ids[plan.parent_pupils[0]]
    return DemoSummary(TRUST_ID, TRUST_NAME, schools, len(plan.pupils), sum(p.on_model for p in plan.pupils), created, admin,
                       _token(settings, "demo-senco-1", Role.SENCO, [first]), _token(settings, "demo-teacher-1", Role.TEACHER, [first]),
                       _token(settings, "demo-parent-1", Role.PARENT, pupils=[parent_pupil]), parent_pupil, seeded=True,
                       rejected=rejected, rejections=rejections)


async def seed_demo(api: str | httpx.AsyncClient, auth: AuthSettings | None = None, weeks: int = 12, seed: int = 7,
                    *, today: date | None = None) -> DemoSummary:
    """Seed the demo trust through the API at ``api`` (a base URL or an open client); skip if it has schools.

    ``auth`` must match the services' ``AUTH_*`` settings (default: read from the environment).
    ``today`` fixes the day the term ends before (default: today), for reproducible content.
    """
    settings = auth or AuthSettings()
    if isinstance(api, httpx.AsyncClient):
        return await _seed(api, settings, weeks, seed, today)
    async with httpx.AsyncClient(base_url=api.rstrip("/"), timeout=120.0) as client:
        return await _seed(client, settings, weeks, seed, today)


def seed_demo_sync(api_base_url: str, auth: AuthSettings | None = None, weeks: int = 12, seed: int = 7,
                   *, today: date | None = None) -> DemoSummary:
    """``seed_demo`` for callers without an event loop (the command line, the run command)."""
    return asyncio.run(seed_demo(api_base_url, auth, weeks, seed, today=today))


def main(argv: list[str] | None = None) -> None:
    """Seed (or find) the demo trust and print how to explore it."""
    parser = argparse.ArgumentParser(description="Seed the invented demo trust through the observation-ingest API.")
    parser.add_argument("--api", default="http://127.0.0.1:8001", help="observation-ingest base URL")
    parser.add_argument("--weeks", type=int, default=12, help="weeks of observations, ending yesterday")
    parser.add_argument("--seed", type=int, default=7, help="random seed for the content")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    summary = seed_demo_sync(args.api, weeks=args.weeks, seed=args.seed)
    print(json.dumps(summary.as_dict(), indent=2) if args.json else summary.render(args.api))
    if summary.rejected:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
