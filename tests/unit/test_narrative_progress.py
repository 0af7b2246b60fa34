"""Unit tests of narrative-builder's progress projection: versions, duplicates, withdrawals, order independence."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from engagement_shared.events.directory import PupilFacts, PupilRegistered
from engagement_shared.events.envelope import Event
from engagement_shared.events.observations import (
    ObservationAmended,
    ObservationRecorded,
    ObservationRecordedPayload,
    ObservationWithdrawn,
    ObservationWithdrawnPayload,
    RecordedObservation,
)
from engagement_shared.events.vocabulary import Area
from narrative_builder.core.progress import ProjectedObservation, PupilProgress, apply_change, projected, summarise

T0 = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)
SCALE = ["emerging", "developing", "established", "secure", "generalised"]


def recorded(observation_id: str, version: int = 1, *, pupil_id: str = "pupil-1", observed_at: datetime = T0,
             areas: dict[str, str] | None = None, kind: type[Event] | None = None) -> Event:
    """An observation.recorded (version 1) or observation.amended (later versions) event."""
    areas = areas or {"exploration": "emerging"}
    observation = RecordedObservation(
        observation_id=observation_id, school_id="school-1", observer_id="staff-1", observer_role="teacher", version=version,
        pupil_id=pupil_id, observed_at=observed_at, areas=[{"area": a, "established": e} for a, e in areas.items()],
        activity="bubble tube", intentional=True, caused_by_stimulus=True)
    kind = kind or (ObservationRecorded if version == 1 else ObservationAmended)
    return kind(occurred_at=observed_at, trust_id="trust-1", school_id="school-1", producer="observation-ingest",
                payload=ObservationRecordedPayload(observation=observation, pupil_id=pupil_id))


def withdrawal(observation_id: str, version: int, *, pupil_id: str = "pupil-1") -> ObservationWithdrawn:
    return ObservationWithdrawn(occurred_at=T0, trust_id="trust-1", school_id="school-1", producer="observation-ingest",
                                payload=ObservationWithdrawnPayload(observation_id=observation_id, pupil_id=pupil_id,
                                                                    version=version, reason="wrong pupil"))


def apply(events: list[Event], state: dict[str, ProjectedObservation] | None = None) -> dict[str, ProjectedObservation]:
    """Fold events the way the projector does: keep what ``projected`` returns, ignore None."""
    state = dict(state or {})
    for event in events:
        observation_id = getattr(event.payload, "observation", None)
        key = observation_id.observation_id if observation_id is not None else event.payload.observation_id  # type: ignore[attr-defined]
        after = projected(event, state.get(key))
        if after is not None:
            state[key] = after
    return state


def summaries(state: dict[str, ProjectedObservation]) -> dict[str, PupilProgress]:
    by_pupil: dict[str, list[ProjectedObservation]] = {}
    for o in sorted(state.values(), key=lambda o: o.observation_id):
        by_pupil.setdefault(o.pupil_id, []).append(o)
    return {pupil_id: summarise(pupil_id, obs) for pupil_id, obs in sorted(by_pupil.items())}


# --- projected ----------------------------------------------------------------------------------------


def test_recorded_event_projects_what_progress_needs_and_nothing_personal() -> None:
    """The projection keeps judgements and the circumstances generalisation is judged across; the
    observer, free-text notes and health details stay in observation-ingest (only that health was noted)."""
    event = recorded("o1", areas={"exploration": "emerging", "initiation": "secure"})
    event.payload.observation.context.health = "had a cold"
    event.payload.observation.notes = "free text"
    after = projected(event, None)
    assert after is not None
    dumped = after.model_dump()
    assert {k: dumped[k] for k in ("observation_id", "pupil_id", "trust_id", "school_id", "version", "observed_at", "withdrawn", "areas")} == {
        "observation_id": "o1", "pupil_id": "pupil-1", "trust_id": "trust-1", "school_id": "school-1", "version": 1,
        "observed_at": T0, "withdrawn": False, "areas": {Area.EXPLORATION: "emerging", Area.INITIATION: "secure"}}
    assert after.activity == "bubble tube" and after.context.unwell
    assert "free text" not in str(dumped) and "cold" not in str(dumped) and "staff-1" not in str(dumped)


def test_newer_version_replaces_older() -> None:
    """An amendment corrects the judgement; progress must reflect the correction."""
    v1 = projected(recorded("o1"), None)
    v2 = projected(recorded("o1", 2, areas={"exploration": "secure"}), v1)
    assert v2 is not None and v2.version == 2 and v2.areas == {Area.EXPLORATION: "secure"}


def test_older_version_is_ignored() -> None:
    """Kafka may deliver v1 after v2 (retries, replays); the stale version must not overwrite the correction."""
    v2 = projected(recorded("o1", 2, areas={"exploration": "secure"}), None)
    assert projected(recorded("o1", 1), v2) is None


def test_duplicate_is_ignored() -> None:
    """At-least-once delivery repeats events; a repeat must be a no-op."""
    event = recorded("o1")
    v1 = projected(event, None)
    assert projected(event, v1) is None
    assert projected(recorded("o1"), v1) is None  # same version, different event id


def test_withdrawal_after_recording_marks_withdrawn() -> None:
    """A withdrawn observation no longer counts as evidence of progress."""
    v1 = projected(recorded("o1"), None)
    w = projected(withdrawal("o1", 2), v1)
    assert w is not None and w.withdrawn and w.version == 2
    assert w.areas == v1.areas and w.observed_at == T0  # kept for audit


def test_withdrawal_before_its_recording_wins() -> None:
    """If the withdrawal overtakes the recording, the late recording must not resurrect the observation."""
    w = projected(withdrawal("o1", 2), None)
    assert w is not None and w.withdrawn and w.version == 2
    assert (w.pupil_id, w.trust_id, w.school_id) == ("pupil-1", "trust-1", "school-1")
    assert projected(recorded("o1"), w) is None
    state = apply([withdrawal("o1", 3), recorded("o1"), recorded("o1", 2, areas={"initiation": "secure"})])
    assert state["o1"].withdrawn
    assert summaries(state)["pupil-1"].observations == 0


def test_unrelated_events_project_nothing() -> None:
    """Other event types on the topic must not create phantom observations."""
    event = PupilRegistered(occurred_at=T0, trust_id="t", school_id="s", producer="p",
                            payload=PupilFacts(pupil_id="pupil-1", key_stage="KS2", on_engagement_model=True, regressive_condition=False))
    assert projected(event, None) is None


# --- summarise ----------------------------------------------------------------------------------------


def test_summary_counts_per_area_and_excludes_withdrawn() -> None:
    """Teachers read 'n observations of exploration'; withdrawn ones must not inflate the count."""
    state = apply([
        recorded("o1", observed_at=T0, areas={"exploration": "emerging", "initiation": "emerging"}),
        recorded("o2", observed_at=T0 + timedelta(days=1), areas={"exploration": "developing"}),
        recorded("o3", observed_at=T0 + timedelta(days=2), areas={"exploration": "secure", "persistence": "emerging"}),
        withdrawal("o3", 2),
    ])
    progress = summarise("pupil-1", list(state.values()))
    assert progress.observations == 2
    assert progress.areas[Area.EXPLORATION].observations == 2
    assert progress.areas[Area.INITIATION].observations == 1
    assert progress.areas[Area.PERSISTENCE].observations == 0
    assert progress.areas[Area.PERSISTENCE].latest_established is None
    assert set(progress.areas) == set(Area)  # every area present, even if never judged
    assert (progress.trust_id, progress.school_id) == ("trust-1", "school-1")


def test_latest_judgement_is_by_observed_at_not_arrival() -> None:
    """An offline tablet may sync last week's observation today; 'latest' means most recently observed."""
    newer = recorded("o-new", observed_at=T0 + timedelta(days=5), areas={"anticipation": "secure"})
    older = recorded("o-old", observed_at=T0, areas={"anticipation": "emerging"})
    for order in ([newer, older], [older, newer]):
        area = summarise("pupil-1", list(apply(order).values())).areas[Area.ANTICIPATION]
        assert (area.latest_established, area.latest_observation_id) == ("secure", "o-new")
        assert area.latest_observed_at == T0 + timedelta(days=5)
        assert area.observations == 2


def test_amended_observed_at_moves_the_latest() -> None:
    """Correcting when an observation happened must change which judgement is the latest."""
    state = apply([
        recorded("o1", observed_at=T0 + timedelta(days=3), areas={"realisation": "secure"}),
        recorded("o2", observed_at=T0 + timedelta(days=2), areas={"realisation": "developing"}),
        recorded("o1", 2, observed_at=T0, areas={"realisation": "secure"}),
    ])
    assert summarise("pupil-1", list(state.values())).areas[Area.REALISATION].latest_observation_id == "o2"


def test_same_time_ties_break_by_observation_id() -> None:
    """Two observations at the same minute must give the same 'latest' on every replica."""
    a = recorded("o-a", areas={"exploration": "secure"})
    b = recorded("o-b", areas={"exploration": "emerging"})
    for order in ([a, b], [b, a]):
        states = list(apply(order).values())
        assert summarise("pupil-1", states).areas[Area.EXPLORATION].latest_observation_id == "o-b"
        assert summarise("pupil-1", states[::-1]).areas[Area.EXPLORATION].latest_observation_id == "o-b"


def test_all_withdrawn_gives_zero_counts() -> None:
    """A pupil whose every observation was withdrawn must show no progress, not stale judgements."""
    progress = summarise("pupil-1", list(apply([recorded("o1"), withdrawal("o1", 2)]).values()))
    assert progress.observations == 0
    assert all(a.observations == 0 and a.latest_established is None for a in progress.areas.values())


# --- order independence -------------------------------------------------------------------------------


def _histories(rng: random.Random, pupils: int = 3, per_pupil: int = 5) -> list[Event]:
    """In-order events for several observations: a recording, 0-3 amendments, and sometimes a withdrawal."""
    events: list[Event] = []
    for p in range(pupils):
        for n in range(per_pupil):
            observation_id = f"obs-{p}-{n}"
            version = 1
            while True:
                areas = {a.value: rng.choice(SCALE) for a in rng.sample(list(Area), rng.randint(1, 5))}
                observed_at = T0 + timedelta(days=rng.randint(0, 4), hours=rng.randint(0, 6))
                events.append(recorded(observation_id, version, pupil_id=f"pupil-{p}", observed_at=observed_at, areas=areas))
                if version > 3 or rng.random() < 0.4:
                    break
                version += 1
            if rng.random() < 0.3:
                events.append(withdrawal(observation_id, version + 1, pupil_id=f"pupil-{p}"))
    return events


@pytest.mark.parametrize("seed", range(5))
def test_summary_is_independent_of_delivery_order_and_duplicates(seed: int) -> None:
    """Kafka only orders per partition and redelivers on failure; progress must be the same whatever arrives when."""
    rng = random.Random(seed)
    events = _histories(rng)
    assert any(isinstance(e, ObservationWithdrawn) for e in events) and any(isinstance(e, ObservationAmended) for e in events)
    expected_state = apply(events)
    expected = summaries(expected_state)
    assert sum(p.observations for p in expected.values()) > 0
    for _ in range(200):
        shuffled = events + rng.sample(events, rng.randint(0, len(events)))  # some duplicates
        rng.shuffle(shuffled)
        # delivered in two batches, the second on top of the first's stored state, like two polls
        cut = rng.randint(0, len(shuffled))
        state = apply(shuffled[cut:], apply(shuffled[:cut]))
        assert {k: (v.version, v.withdrawn) for k, v in state.items()} == {k: (v.version, v.withdrawn) for k, v in expected_state.items()}
        assert summaries(state) == expected


def test_summary_is_independent_of_the_order_observations_are_listed() -> None:
    """The store returns a pupil's observations in no particular order; the summary must not depend on it."""
    rng = random.Random(42)
    observations = [o for o in apply(_histories(rng, pupils=1, per_pupil=8)).values()]
    expected = summarise("pupil-0", observations)
    for _ in range(50):
        rng.shuffle(observations)
        assert summarise("pupil-0", observations) == expected


def test_replaying_everything_changes_nothing() -> None:
    """Rebuilding a projection by replaying the topic onto existing state must be a no-op."""
    events = _histories(random.Random(7))
    state = apply(events)
    assert apply(events, state) == state
    assert apply(list(reversed(events)), state) == state


# --- incremental updates --------------------------------------------------------------------------------

def _incremental(batches: list[list[Event]]) -> dict[str, PupilProgress]:
    """Fold batches the way ProgressProjector.handle does: per-observation deltas, recompute when stale."""
    state: dict[str, ProjectedObservation] = {}
    progress: dict[str, PupilProgress] = {}
    for batch in batches:
        after = apply(batch, state)
        changed = {k: v for k, v in after.items() if state.get(k) != v}
        recompute = set()
        for key, observation in changed.items():
            progress[observation.pupil_id], stale = apply_change(progress.get(observation.pupil_id), state.get(key), observation)
            if stale:
                recompute.add(observation.pupil_id)
        state = after
        for pupil_id in recompute:
            progress[pupil_id] = summarise(pupil_id, [o for o in state.values() if o.pupil_id == pupil_id])
    return dict(sorted(progress.items()))


@pytest.mark.parametrize("seed", range(5))
def test_incremental_updates_equal_a_full_recount(seed: int) -> None:
    """The consumer updates summaries by difference for speed; the result must be exactly the full recount."""
    rng = random.Random(seed)
    events = _histories(rng)
    expected = summaries(apply(events))
    for _ in range(100):
        shuffled = events + rng.sample(events, rng.randint(0, len(events)))
        rng.shuffle(shuffled)
        cuts = sorted(rng.sample(range(len(shuffled)), 3))
        batches = [shuffled[:cuts[0]], shuffled[cuts[0]:cuts[1]], shuffled[cuts[1]:cuts[2]], shuffled[cuts[2]:]]
        assert _incremental(batches) == expected
