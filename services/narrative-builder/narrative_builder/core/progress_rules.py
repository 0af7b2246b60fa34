"""How a pupil's observations become their progress profile: linear and lateral progress per area
and per EHC outcome, period by period, the baseline and what works.

The engagement model has no scores, so every comparison here is of *words in order*: the trust's
descriptor scale (least to most established) and its prompt hierarchy (most support to
independent). A pupil is only ever compared with their own earlier self.

Classification of one period (of an area, or of an outcome's linked observations), against the
periods before it:

- first evidence: nothing earlier, so this is the starting point;
- new skill: a level higher than any seen before;
- regression: the period's typical (median) level is below the previous period's; marked as
  during illness when observers noted the pupil's health on those occasions;
- recovered: back to the typical level held before the latest regression;
- reduced support: the typical support is more independent than the previous period's, at the same
  or a higher typical level;
- generalised: the usual level (or higher) seen in a setting, time of day, adult, peer group or
  communication method it had not been seen in at that level before;
- otherwise, steady: maintained for a pupil with a regressive condition (holding on is the
  achievement), a plateau when the period before was steady too, else consolidated when seen on
  more than one occasion.

Everything is a pure function of its inputs: no clock, no randomness, stable ordering, so a
replay gives the same profile as the live projection.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from engagement_shared.events.directory import OutcomeFacts, TrustSettings
from engagement_shared.events.vocabulary import Area
from narrative_builder.core.periods import PERIODS
from narrative_builder.core.profile import (
    PROGRESS_KINDS, AreaProfile, Baseline, Contexts, Factor, Finding, LateralDimensions, OutcomeProgress, Period,
    PeriodProgress, ProgressKind, PupilProfile, TimelineEntry,
)
from narrative_builder.core.records import ProjectedObservation, PupilRecord

WHAT_WORKS_LIMIT = 8
#: How far above the pupil's usual level (in steps of the scale) a circumstance's occasions must sit on average.
MIN_LIFT = 0.2
BASELINE_LIMIT = 20


@dataclass(frozen=True)
class _Point:
    """One judgement placed on the trust's scales (ranks are positions in the word lists)."""

    observation: ProjectedObservation
    level: int
    support: int | None

    @property
    def contexts(self) -> set[tuple[str, str]]:
        c = self.observation.context
        pairs = {("settings", c.setting), ("times_of_day", c.time_of_day), ("communication_methods", c.communication_method)}
        pairs |= {("adults", a) for a in c.adults} | {("peers", p) for p in c.peers}
        return {(k, v) for k, v in pairs if v}


@dataclass
class _Scales:
    """The trust's ordered words, as ranks, and the stretches of the year it tells progress over."""

    levels: list[str]
    supports: list[str]
    period_of: Callable[[datetime], Period]
    level_rank: dict[str, int] = field(init=False)
    support_rank: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.level_rank = {w: i for i, w in enumerate(self.levels)}
        self.support_rank = {w: i for i, w in enumerate(self.supports)}

    def point(self, o: ProjectedObservation, established: str) -> _Point | None:
        """A judgement on the scale; None for a word the trust no longer uses (it cannot be ordered)."""
        level = self.level_rank.get(established)
        if level is None:
            return None
        return _Point(o, level, self.support_rank.get(o.support_level) if o.support_level else None)


def _median_low(values: Sequence[int]) -> int:
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def _contexts(pairs: Iterable[tuple[str, str]]) -> Contexts:
    grouped: dict[str, list[str]] = defaultdict(list)
    for name, value in sorted(set(pairs)):
        grouped[name].append(value)
    return Contexts(**grouped)


def _ids(points: Iterable[_Point]) -> list[str]:
    return list(dict.fromkeys(p.observation.observation_id for p in points))


@dataclass
class _History:
    """What the periods before the current one showed."""

    highest: int = -1
    contexts_at: dict[int, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    previous: PeriodProgress | None = None
    previous_typical: int | None = None
    previous_support: int | None = None
    level_before_regression: int | None = None

    def seen_at_or_above(self, level: int) -> set[tuple[str, str]]:
        return set().union(*(pairs for lvl, pairs in self.contexts_at.items() if lvl >= level))


def _classify(points: list[_Point], history: _History, scales: _Scales, regressive: bool) -> list[Finding]:
    """The findings of one period given the history before it (see the module docstring)."""
    typical = _median_low([p.level for p in points])
    highest = max(p.level for p in points)
    supports = [p.support for p in points if p.support is not None]
    typical_support = _median_low(supports) if supports else None
    word, support_word = scales.levels.__getitem__, scales.supports.__getitem__
    if history.previous is None:
        return [Finding(kind=ProgressKind.FIRST_EVIDENCE, observation_ids=_ids(points), level=word(typical),
                        support=support_word(typical_support) if typical_support is not None else None)]
    findings: list[Finding] = []
    previous_typical = history.previous_typical if history.previous_typical is not None else typical
    if highest > history.highest:
        findings.append(Finding(kind=ProgressKind.NEW_SKILL, observation_ids=_ids(p for p in points if p.level > history.highest),
                                level=word(highest), previous_level=word(history.highest) if history.highest >= 0 else None))
    if typical < previous_typical:
        lower = [p for p in points if p.level < previous_typical]
        findings.append(Finding(kind=ProgressKind.REGRESSION, observation_ids=_ids(lower), level=word(typical),
                                previous_level=word(previous_typical),
                                during_illness=any(p.observation.context.unwell for p in lower)))
    elif history.level_before_regression is not None and typical >= history.level_before_regression:
        findings.append(Finding(kind=ProgressKind.RECOVERED, observation_ids=_ids(p for p in points if p.level >= history.level_before_regression),
                                level=word(typical), previous_level=word(previous_typical)))
    if (typical_support is not None and history.previous_support is not None and typical_support > history.previous_support
            and typical >= previous_typical):
        findings.append(Finding(kind=ProgressKind.REDUCED_SUPPORT,
                                observation_ids=_ids(p for p in points if p.support is not None and p.support > history.previous_support),
                                level=word(typical), support=support_word(typical_support),
                                previous_support=support_word(history.previous_support)))
    usual = min(previous_typical, history.highest)
    fresh = [(p, p.contexts - history.seen_at_or_above(p.level)) for p in points if usual <= p.level <= history.highest]
    fresh = [(p, new) for p, new in fresh if new]
    if fresh:
        findings.append(Finding(kind=ProgressKind.GENERALISED, observation_ids=_ids(p for p, _ in fresh),
                                level=word(max(p.level for p, _ in fresh)),
                                new_contexts=_contexts(pair for _, new in fresh for pair in new)))
    if not any(f.kind in PROGRESS_KINDS or f.kind is ProgressKind.REGRESSION for f in findings):
        steady = _ids(p for p in points if p.level >= typical)
        earlier_steady = not any(f.kind in PROGRESS_KINDS or f.kind is ProgressKind.FIRST_EVIDENCE for f in history.previous.findings)
        if regressive:
            findings.append(Finding(kind=ProgressKind.MAINTAINED, observation_ids=steady, level=word(typical)))
        elif earlier_steady:
            findings.append(Finding(kind=ProgressKind.PLATEAU, observation_ids=steady, level=word(typical)))
        elif len(steady) > 1:
            findings.append(Finding(kind=ProgressKind.CONSOLIDATED, observation_ids=steady, level=word(typical)))
    return findings


def _periods(points: list[_Point], scales: _Scales, regressive: bool) -> list[PeriodProgress]:
    """Per-period progress of a series of judgements already in time order."""
    by_period: dict[str, tuple[Period, list[_Point]]] = {}
    for p in points:
        period = scales.period_of(p.observation.observed_at)  # type: ignore[arg-type]
        by_period.setdefault(period.period_id, (period, []))[1].append(p)
    history = _History()
    out: list[PeriodProgress] = []
    for period, members in by_period.values():
        findings = _classify(members, history, scales, regressive)
        supports = [p.support for p in members if p.support is not None]
        typical = _median_low([p.level for p in members])
        typical_support = _median_low(supports) if supports else None
        progress = PeriodProgress(period=period, observations=len(members), typical_level=scales.levels[typical],
                                  highest_level=scales.levels[max(p.level for p in members)],
                                  typical_support=scales.supports[typical_support] if typical_support is not None else None,
                                  findings=findings)
        out.append(progress)
        kinds = {f.kind for f in findings}
        if ProgressKind.REGRESSION in kinds and history.level_before_regression is None:
            history.level_before_regression = history.previous_typical
        elif ProgressKind.RECOVERED in kinds or ProgressKind.NEW_SKILL in kinds:
            history.level_before_regression = None
        history.highest = max(history.highest, max(p.level for p in members))
        for p in members:
            history.contexts_at[p.level] |= p.contexts
        history.previous, history.previous_typical = progress, typical
        if typical_support is not None:
            history.previous_support = typical_support
    return out


def _lateral(points: list[_Point], scales: _Scales, periods: list[PeriodProgress]) -> LateralDimensions:
    highest = max(p.level for p in points)
    at_highest = [p for p in points if p.level == highest]
    supported = [p.support for p in at_highest if p.support is not None]
    accuracy = next((p.observation.accuracy for p in reversed(points) if p.observation.accuracy), None)
    return LateralDimensions(independence=scales.supports[max(supported)] if supported else None,
                             typical_support=periods[-1].typical_support, consistency=len(at_highest) > 1,
                             occasions_at_highest=len(at_highest),
                             contexts_at_highest=_contexts(pair for p in at_highest for pair in p.contexts), accuracy=accuracy)


def _entry(p: _Point, established: str) -> TimelineEntry:
    o, c = p.observation, p.observation.context
    return TimelineEntry(observation_id=o.observation_id, observed_at=o.observed_at, established=established,  # type: ignore[arg-type]
                         support_level=o.support_level, activity=o.activity, setting=c.setting, time_of_day=c.time_of_day,
                         adults=c.adults, communication_method=c.communication_method, evidence_ids=o.evidence_ids)


def _area(area: Area, counted: list[ProjectedObservation], scales: _Scales, regressive: bool) -> AreaProfile:
    judged = [o for o in counted if area in o.areas]
    points = [p for p in (scales.point(o, o.areas[area]) for o in judged) if p is not None]
    profile = AreaProfile(area=area, observations=len(judged))
    if judged:
        latest = judged[-1]
        profile.latest_established, profile.latest_observed_at, profile.latest_observation_id = (
            latest.areas[area], latest.observed_at, latest.observation_id)
        profile.timeline = [_entry(p, p.observation.areas[area]) for p in points]
    if points:
        profile.highest_level = scales.levels[max(p.level for p in points)]
        profile.periods = _periods(points, scales, regressive)
        profile.lateral = _lateral(points, scales, profile.periods)
    return profile


_STATUS = ((ProgressKind.REGRESSION, "dipped"), (ProgressKind.PLATEAU, "stalled"), (ProgressKind.MAINTAINED, "maintained"),
           (ProgressKind.CONSOLIDATED, "consolidating"))


def _status(periods: list[PeriodProgress]) -> str:
    """An outcome's state in words, from its latest period with evidence."""
    if not periods:
        return "no_evidence"
    kinds = {f.kind for f in periods[-1].findings}
    if kinds & (PROGRESS_KINDS | {ProgressKind.FIRST_EVIDENCE}):
        return "progressing"
    return next((status for kind, status in _STATUS if kind in kinds), "progressing")


def _outcome(facts: OutcomeFacts, counted: list[ProjectedObservation], scales: _Scales, regressive: bool) -> OutcomeProgress:
    linked = [o for o in counted if facts.outcome_id in o.ehc_outcome_ids]
    points: list[_Point] = []
    for o in linked:
        ranked = [p for p in (scales.point(o, e) for e in o.areas.values()) if p is not None]
        if ranked:
            points.append(max(ranked, key=lambda p: p.level))
    periods = _periods(points, scales, regressive) if points else []
    progress_ids = {i for period in periods for f in period.findings if f.kind in PROGRESS_KINDS for i in f.observation_ids}
    progress_times = [o.observed_at for o in linked if o.observation_id in progress_ids]
    status = "achieved" if facts.achieved else _status(periods)
    return OutcomeProgress(outcome_id=facts.outcome_id, description=facts.description, area_of_need=facts.area_of_need,
                           term=facts.term, target_date=facts.target_date, achieved=facts.achieved,
                           observation_ids=[o.observation_id for o in linked],
                           areas=sorted({a for o in linked for a in o.areas}, key=list(Area).index),
                           last_evidence_at=linked[-1].observed_at if linked else None,
                           last_progress_at=max(progress_times) if progress_times else None,  # type: ignore[type-var]
                           periods=periods, status=status)


_FACTORS: dict[str, Callable[[ProjectedObservation], Iterable[str | None]]] = {
    "activity": lambda o: [o.activity],
    "provision": lambda o: o.provision,
    "adult": lambda o: o.context.adults,
    "time_of_day": lambda o: [o.context.time_of_day],
    "setting": lambda o: [o.context.setting],
    "sensory": lambda o: o.context.sensory_experiences,
    "equipment": lambda o: [o.context.favourite_equipment],
}


def _what_works(counted: list[ProjectedObservation], scales: _Scales) -> list[Factor]:
    """Circumstances that go with stronger engagement *for this pupil*: each observation is scored by
    how far its judgements sit above the pupil's own usual level in each area (and how much less
    support it needed); a circumstance counts when it recurs and its occasions average above usual."""
    usual: dict[Area, float] = {}
    for area in Area:
        levels = [scales.level_rank[w] for o in counted if (w := o.areas.get(area)) in scales.level_rank]
        if levels:
            usual[area] = sum(levels) / len(levels)
    supports = [scales.support_rank[o.support_level] for o in counted if o.support_level in scales.support_rank]
    usual_support = sum(supports) / len(supports) if supports else None

    def lift(o: ProjectedObservation) -> float:
        above = [scales.level_rank[w] - usual[a] for a, w in o.areas.items() if w in scales.level_rank and a in usual]
        value = sum(above) / len(above) if above else 0.0
        if usual_support is not None and o.support_level in scales.support_rank:
            value += 0.5 * (scales.support_rank[o.support_level] - usual_support) / max(1, len(scales.supports) - 1)
        return value

    lifts = {o.observation_id: lift(o) for o in counted}
    occasions: dict[tuple[str, str], list[str]] = defaultdict(list)
    for o in counted:
        for kind, values in _FACTORS.items():
            for value in dict.fromkeys(v for v in values(o) if v):
                occasions[(kind, value)].append(o.observation_id)  # type: ignore[index]
    ranked = []
    for (kind, value), ids in occasions.items():
        if len(ids) < 2 or len(ids) == len(counted):  # present every time, it cannot tell anything apart
            continue
        mean = sum(lifts[i] for i in ids) / len(ids)
        if mean >= MIN_LIFT:
            ranked.append((-round(mean, 9), -len(ids), kind, value, ids))
    ranked.sort()
    return [Factor(kind=kind, value=value, occasions=len(ids), observation_ids=ids[-20:])
            for _, _, kind, value, ids in ranked[:WHAT_WORKS_LIMIT]]


def _baseline(counted: list[ProjectedObservation]) -> Baseline:
    marked = [o for o in counted if o.baseline]
    activities = Counter(o.activity for o in marked if o.activity)
    first: dict[Area, str] = {}
    for o in counted:
        for area, established in o.areas.items():
            first.setdefault(area, established)
    return Baseline(activities=[a for a, _ in sorted(activities.items(), key=lambda kv: (-kv[1], kv[0]))],
                    first_levels={a: first[a] for a in Area if a in first},
                    observation_ids=[o.observation_id for o in marked[:BASELINE_LIMIT]])


def _order(o: ProjectedObservation) -> tuple[datetime, str]:
    return o.observed_at, o.observation_id  # type: ignore[return-value]


def build_profile(pupil_id: str, observations: Sequence[ProjectedObservation], pupil: PupilRecord | None,
                  settings: TrustSettings) -> PupilProfile:
    """The whole profile of one pupil from their current observations, facts and trust words."""
    counted = sorted((o for o in observations if o.counts), key=_order)
    anchor = pupil or (observations[-1] if observations else None)
    if anchor is None:
        raise ValueError("a profile needs the pupil's facts or at least one observation")
    scales = _Scales(settings.descriptor_scale, settings.prompt_hierarchy, PERIODS[settings.progress_period])
    regressive = bool(pupil and pupil.regressive_condition)
    outcomes = sorted((pupil.outcomes.values() if pupil else []), key=lambda f: (f.target_date is None, f.target_date, f.outcome_id))
    return PupilProfile(
        pupil_id=pupil_id, trust_id=anchor.trust_id, school_id=anchor.school_id,
        class_id=pupil.class_id if pupil else None, regressive_condition=regressive, observations=len(counted),
        first_observed_at=counted[0].observed_at if counted else None, last_observed_at=counted[-1].observed_at if counted else None,
        descriptor_scale=list(settings.descriptor_scale), prompt_hierarchy=list(settings.prompt_hierarchy),
        progress_period=settings.progress_period, areas={area: _area(area, counted, scales, regressive) for area in Area},
        outcomes=[_outcome(f, counted, scales, regressive) for f in outcomes],
        baseline=_baseline(counted), what_works=_what_works(counted, scales))
