"""Hand-built pupils whose progress has a known story, for the projection and report tests.

All invented. Each scenario is a school year of observations (a few per half-term) with the
pupil's facts and EHC outcomes, built so exactly one kind of progress story is true:

- ``lateral``: how established never changes, but support falls and settings and adults grow;
- ``regressive``: a pupil with a regressive condition whose engagement holds steady all year;
- ``illness``: steady, then a dip while observers note the pupil is unwell, then back again;
- ``plateau``: early progress, then the same level and support for two half-terms, with an EHC
  outcome whose target date is near.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from engagement_shared.events.directory import OutcomeFacts
from narrative_builder.core.records import ObservationContextRecord, ProjectedObservation, PupilRecord

TRUST, SCHOOL = "trust-scenarios", "school-scenarios"
YEAR_START = datetime(2026, 9, 7, 10, 0, tzinfo=UTC)
# The first school day of each half-term we observe in (autumn 1 to summer 1).
HALF_TERMS = [datetime(2026, 9, 7), datetime(2026, 11, 2), datetime(2027, 1, 5), datetime(2027, 2, 22), datetime(2027, 4, 19)]


@dataclass
class Scenario:
    """A pupil, their outcomes and their observations."""

    pupil: PupilRecord
    observations: list[ProjectedObservation]


def _outcome(pupil_id: str, outcome_id: str, description: str, target: date, need: str = "cognition_and_learning") -> OutcomeFacts:
    return OutcomeFacts(outcome_id=outcome_id, pupil_id=pupil_id, area_of_need=need, term="short", description=description,
                        target_date=target)


def _observe(pupil_id: str, n: int, when: datetime, level: str, *, support: str | None = None, setting: str = "classroom",
             adults: tuple[str, ...] = ("class-teacher",), unwell: bool = False, activity: str = "bubble tube",
             outcomes: tuple[str, ...] = (), area: str = "exploration", time_of_day: str = "morning",
             sensory: tuple[str, ...] = (), provision: tuple[str, ...] = (), baseline: bool = False,
             evidence: tuple[str, ...] = ()) -> ProjectedObservation:
    return ProjectedObservation(
        observation_id=f"{pupil_id}-o{n:03d}", pupil_id=pupil_id, trust_id=TRUST, school_id=SCHOOL, version=1,
        observed_at=when.replace(tzinfo=UTC, hour=10), areas={area: level}, activity=activity,
        context=ObservationContextRecord(setting=setting, time_of_day=time_of_day, adults=list(adults), unwell=unwell,
                                         sensory_experiences=list(sensory)),
        support_level=support, provision=list(provision), baseline=baseline, ehc_outcome_ids=list(outcomes),
        evidence_ids=list(evidence))


def _pupil(pupil_id: str, *outcomes: OutcomeFacts, regressive: bool = False) -> PupilRecord:
    return PupilRecord(pupil_id=pupil_id, trust_id=TRUST, school_id=SCHOOL, key_stage="KS2", regressive_condition=regressive,
                       outcomes={o.outcome_id: o for o in outcomes})


def lateral() -> Scenario:
    """Judged "developing" all year; support falls each half-term; new places and adults appear."""
    pid = "pupil-lateral"
    outcome = _outcome(pid, "out-lateral", "To explore new objects with less adult help.", date(2027, 7, 16))
    supports = ["physical_prompt", "modelled", "gestural", "verbal", "independent"]
    settings = ["classroom", "sensory_room", "hall", "outdoors", "home"]
    adults = [("class-teacher",), ("class-teacher", "ta-1"), ("ta-2",), ("speech-therapist",), ("parent",)]
    obs = []
    for half, start in enumerate(HALF_TERMS):
        for k in range(4):
            obs.append(_observe(pid, len(obs), start + timedelta(days=7 * k), "developing", support=supports[half],
                                setting=settings[half] if k else "classroom", adults=adults[half], outcomes=(outcome.outcome_id,),
                                sensory=("tactile",), provision=("objects of reference",) if half >= 2 else (),
                                baseline=half == 0 and k < 2, evidence=(f"ev-lateral-{half}",) if k == 0 else ()))
    return Scenario(_pupil(pid, outcome), obs)


def regressive() -> Scenario:
    """A regressive condition; "established" with the same support every half-term."""
    pid = "pupil-regressive"
    outcome = _outcome(pid, "out-regressive", "To keep anticipating the start of familiar songs.", date(2027, 7, 16),
                       need="communication_and_interaction")
    obs = [_observe(pid, half * 4 + k, start + timedelta(days=7 * k), "established", support="gestural", area="anticipation",
                    outcomes=(outcome.outcome_id,), activity="hello song", sensory=("auditory",))
           for half, start in enumerate(HALF_TERMS) for k in range(4)]
    return Scenario(_pupil(pid, outcome, regressive=True), obs)


def illness() -> Scenario:
    """Secure in persistence; a half-term of emerging while unwell; secure again after."""
    pid = "pupil-illness"
    outcome = _outcome(pid, "out-illness", "To stay with a chosen activity until it ends.", date(2027, 7, 16))
    levels = ["secure", "secure", "emerging", "secure", "secure"]
    obs = [_observe(pid, half * 4 + k, start + timedelta(days=7 * k), levels[half], support="verbal", area="persistence",
                    unwell=half == 2, outcomes=(outcome.outcome_id,), activity="sensory story")
           for half, start in enumerate(HALF_TERMS) for k in range(4)]
    return Scenario(_pupil(pid, outcome), obs)


def plateau(today: date | None = None) -> Scenario:
    """Progress in the autumn, then the same level and support in the same place since; the EHC
    target date falls four weeks after the last observation (or after ``today``)."""
    pid = "pupil-plateau"
    last = HALF_TERMS[-1] + timedelta(days=21)
    target = (today or last.date()) + timedelta(days=28)
    outcome = _outcome(pid, "out-plateau", "To start an interaction by reaching towards an adult.", target,
                       need="communication_and_interaction")
    levels = ["emerging", "developing", "developing", "developing", "developing"]
    obs = [_observe(pid, half * 4 + k, start + timedelta(days=7 * k), levels[half], support="modelled", area="initiation",
                    outcomes=(outcome.outcome_id,), activity="peek-a-boo")
           for half, start in enumerate(HALF_TERMS) for k in range(4)]
    return Scenario(_pupil(pid, outcome), obs)


ALL = {"lateral": lateral, "regressive": regressive, "illness": illness, "plateau": plateau}
