"""When a SENCO should look: an EHC target date near with no new progress evidence, or a pupil
nobody has observed for longer than the trust wants.

Pure rules over what the stall and cadence monitor keeps per pupil (:class:`PupilWatch`, the
pupil's outcomes inside it, so everything about one pupil lives on the pupil's partition). The
monitor folds every directory and observation event into that state with :func:`fold`, and asks
:func:`due_alerts` at intervals. Folding is idempotent (observations are held by version), so a
redelivered event after a crash changes nothing.

"Progress evidence" for an outcome is an observation linked to it whose judgement in some area is
more established than the best seen for that outcome, by the trust's descriptor scale, or as
established with less support, by its prompt hierarchy. The first observation of an outcome counts
too: it shows where the pupil stands and starts the clock. Words are only ever compared within the
trust's own ordering; nothing here ranks pupils.

Approximations, chosen to keep the state small and the rules simple:

- A pupil keeps only the ``RECENT_OBSERVATIONS`` most recent observations (withdrawn ones as
  tombstones). Withdrawing one takes it out of "last observed"; if every kept one were withdrawn,
  older valid observations are forgotten and the pupil looks unobserved since registration: the
  error falls on the side of the SENCO looking.
- Withdrawing an observation takes it out of its outcomes' evidence but does not lower the best
  level seen; when an outcome's last piece of evidence is withdrawn its best levels are forgotten,
  so the next observation is a new baseline.
- "Best seen before" is in the order events arrive, so an observation recorded offline and sent
  late is compared with what arrived before it; its evidence is dated when it was observed.
- Until a trust publishes its configuration, the platform's defaults apply.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel, Field

from engagement_shared.events.alerts import AlertFacts, AlertKind
from engagement_shared.events.directory import (
    EhcOutcomeSet, EhcOutcomeUpdated, PupilLeft, PupilRegistered, PupilUpdated, TrustSettings,
)
from engagement_shared.events.envelope import Event
from engagement_shared.events.observations import (
    ObservationAmended, ObservationRecorded, ObservationWithdrawn, RecordedObservation,
)
from engagement_shared.events.vocabulary import Area
from narrative_builder.core.records import default_settings  # noqa: F401 - the monitor's defaults are the projections'

#: How many of a pupil's most recent observations the monitor remembers.
RECENT_OBSERVATIONS = 24
class SeenObservation(BaseModel):
    """Enough of one observation to know when the pupil was seen and which outcomes it spoke to."""

    observed_at: datetime | None = None
    version: int
    withdrawn: bool = False
    outcome_ids: list[str] = Field(default_factory=list)


class BestSeen(BaseModel):
    """The most established judgement of one area seen for an outcome, with its support."""

    established: str
    support: str | None = None


class OutcomeWatch(BaseModel):
    """One EHC outcome: its target and the observations that counted as progress evidence."""

    outcome_id: str
    target_date: date | None = None
    achieved: bool = False
    best: dict[Area, BestSeen] = Field(default_factory=dict)
    evidence: dict[str, datetime] = Field(default_factory=dict, description="Observation id -> when observed.")

    def last_evidence_at(self) -> datetime | None:
        """When the newest progress evidence was observed, if there is any."""
        return max(self.evidence.values(), default=None)


class PupilWatch(BaseModel):
    """What the monitor keeps about one pupil: roll status, recent observations, outcomes."""

    pupil_id: str
    trust_id: str
    school_id: str
    registered: bool = False
    on_engagement_model: bool = True
    left_on: date | None = None
    on_roll_since: datetime | None = None
    observations: dict[str, SeenObservation] = Field(default_factory=dict)
    outcomes: dict[str, OutcomeWatch] = Field(default_factory=dict)

    def last_observed(self) -> datetime | None:
        """When the pupil was last observed, by an observation that still stands."""
        return max((o.observed_at for o in self.observations.values() if not o.withdrawn and o.observed_at), default=None)

    def watched(self, today: date) -> bool:
        """Only pupils on roll and on the engagement model are expected to be observed here."""
        return self.registered and self.on_engagement_model and (self.left_on is None or self.left_on > today)


def _rank(words: list[str], word: str | None) -> int | None:
    return words.index(word) if word is not None and word in words else None


def take_evidence(outcome: OutcomeWatch, observation: RecordedObservation, settings: TrustSettings) -> bool:
    """Fold one observation into an outcome; True if it is new progress evidence for it.

    Mutates ``outcome``: the best judgement per area and the evidence kept.
    """
    scale, hierarchy = settings.descriptor_scale, settings.prompt_hierarchy
    first = not outcome.best and not outcome.evidence
    support = _rank(hierarchy, observation.support_level)
    progressed = False
    for judgement in observation.areas:
        level = _rank(scale, judgement.established)
        if level is None:
            continue  # a word outside the trust's scale cannot be compared
        best = outcome.best.get(judgement.area)
        best_level = _rank(scale, best.established) if best else None
        if best is None or best_level is None:
            outcome.best[judgement.area] = BestSeen(established=judgement.established,
                                                    support=observation.support_level if support is not None else None)
            continue
        best_support = _rank(hierarchy, best.support)
        if level > best_level:
            progressed = True
            outcome.best[judgement.area] = BestSeen(established=judgement.established,
                                                    support=observation.support_level if support is not None else None)
        elif level == best_level and support is not None and (best_support is None or support > best_support):
            progressed = progressed or best_support is not None  # less support than a known level before
            best.support = observation.support_level
    counted = progressed or (first and bool(outcome.best))
    if counted or observation.observation_id in outcome.evidence:
        outcome.evidence[observation.observation_id] = observation.observed_at
    return counted


def _trim(pupil: PupilWatch) -> None:
    if len(pupil.observations) <= RECENT_OBSERVATIONS:
        return
    oldest = datetime.min.replace(tzinfo=UTC)
    newest = sorted(pupil.observations.items(), key=lambda item: (item[1].observed_at or oldest, item[0]), reverse=True)
    pupil.observations = dict(newest[:RECENT_OBSERVATIONS])


def _observed(pupil: PupilWatch, observation: RecordedObservation, settings: TrustSettings) -> bool:
    held = pupil.observations.get(observation.observation_id)
    if held is not None and held.version >= observation.version:
        return False  # a redelivery or an older version: already folded in
    linked = list(dict.fromkeys(observation.ehc_outcome_ids))
    for unlinked in set(held.outcome_ids if held else []) - set(linked):
        if unlinked in pupil.outcomes:
            pupil.outcomes[unlinked].evidence.pop(observation.observation_id, None)
    pupil.observations[observation.observation_id] = SeenObservation(
        observed_at=observation.observed_at, version=observation.version, outcome_ids=linked)
    for outcome_id in linked:
        take_evidence(pupil.outcomes.setdefault(outcome_id, OutcomeWatch(outcome_id=outcome_id)), observation, settings)
    _trim(pupil)
    return True


def _withdrawn(pupil: PupilWatch, event: ObservationWithdrawn) -> bool:
    payload = event.payload
    held = pupil.observations.get(payload.observation_id)
    if held is not None and held.version >= payload.version:
        return False
    pupil.observations[payload.observation_id] = SeenObservation(
        observed_at=held.observed_at if held else None, version=payload.version, withdrawn=True,
        outcome_ids=held.outcome_ids if held else [])
    for outcome in pupil.outcomes.values():
        if outcome.evidence.pop(payload.observation_id, None) is not None and not outcome.evidence:
            outcome.best.clear()  # nothing left to stand on: the next observation is a new baseline
    _trim(pupil)
    return True


def fold(pupil: PupilWatch | None, event: Event, settings: TrustSettings) -> PupilWatch | None:
    """The pupil's state after ``event``, or None when the event changes nothing the monitor keeps
    (so the caller writes nothing)."""
    if not isinstance(event, (PupilRegistered, PupilUpdated, PupilLeft, EhcOutcomeSet, EhcOutcomeUpdated,
                              ObservationRecorded, ObservationAmended, ObservationWithdrawn)):
        return None
    pupil_id = event.payload.pupil_id
    state = pupil.model_copy(deep=True) if pupil else PupilWatch(pupil_id=pupil_id, trust_id=event.trust_id, school_id=event.school_id)
    if isinstance(event, (PupilRegistered, PupilUpdated, PupilLeft)):
        facts = event.payload
        state.registered, state.on_engagement_model, state.left_on = True, facts.on_engagement_model, facts.left_on
        state.trust_id, state.school_id = event.trust_id, event.school_id
        state.on_roll_since = state.on_roll_since or event.occurred_at
        return state
    if isinstance(event, (EhcOutcomeSet, EhcOutcomeUpdated)):
        facts = event.payload
        outcome = state.outcomes.setdefault(facts.outcome_id, OutcomeWatch(outcome_id=facts.outcome_id))
        outcome.target_date, outcome.achieved = facts.target_date, facts.achieved
        return state
    if isinstance(event, ObservationWithdrawn):
        return state if _withdrawn(state, event) else None
    return state if _observed(state, event.payload.observation, settings) else None


def alert_id(kind: AlertKind, pupil_id: str, outcome_id: str | None, episode: str) -> str:
    """One id per condition and episode: the same stall seen again (after a restart) has the same id,
    a new stall after new evidence has a new one."""
    return f"{kind}:{pupil_id}:{outcome_id or ''}:{episode}"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _not_observed(pupil: PupilWatch, settings: TrustSettings, now: datetime) -> AlertFacts | None:
    seen = pupil.last_observed()
    since = seen or pupil.on_roll_since
    if since is None or now - since <= timedelta(days=settings.observation_gap_days):
        return None
    return AlertFacts(alert_id=alert_id("not_observed", pupil.pupil_id, None, _stamp(since)), kind="not_observed",
                      pupil_id=pupil.pupil_id, last_evidence_at=seen, threshold_days=settings.observation_gap_days)


def _stalled(pupil: PupilWatch, outcome: OutcomeWatch, settings: TrustSettings, now: datetime) -> AlertFacts | None:
    warning = settings.target_warning_days
    if outcome.achieved or outcome.target_date is None or (outcome.target_date - now.date()).days > warning:
        return None
    last = outcome.last_evidence_at()
    if last is not None and now - last <= timedelta(days=warning):
        return None
    episode = f"{outcome.target_date.isoformat()}/{_stamp(last) if last else 'none'}"
    return AlertFacts(alert_id=alert_id("outcome_stalled", pupil.pupil_id, outcome.outcome_id, episode), kind="outcome_stalled",
                      pupil_id=pupil.pupil_id, outcome_id=outcome.outcome_id, target_date=outcome.target_date,
                      last_evidence_at=last, threshold_days=warning)


def due_alerts(pupil: PupilWatch, settings: TrustSettings, now: datetime) -> list[AlertFacts]:
    """Every condition a SENCO should see for this pupil at ``now`` (already raised or not: the
    caller knows which ids it has raised)."""
    if not pupil.watched(now.date()):
        return []
    found = [_not_observed(pupil, settings, now)]
    found += [_stalled(pupil, outcome, settings, now) for outcome in pupil.outcomes.values()]
    return [alert for alert in found if alert is not None]
