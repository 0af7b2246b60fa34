"""Unit tests of the stall and cadence rules: what counts as new progress evidence for an EHC outcome,
when a stall or an observation gap is due, and that alert ids are stable per episode."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from engagement_shared.events.directory import (
    EhcOutcomeSet, EhcOutcomeUpdated, OutcomeFacts, PupilFacts, PupilLeft, PupilRegistered, PupilUpdated, TrustSettings,
)
from engagement_shared.events.envelope import Event
from engagement_shared.events.observations import (
    ObservationAmended, ObservationRecorded, ObservationRecordedPayload, ObservationWithdrawn, ObservationWithdrawnPayload,
    RecordedObservation,
)
from narrative_builder.core.stall_rules import (
    RECENT_OBSERVATIONS, PupilWatch, default_settings, due_alerts, fold,
)

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = TrustSettings(trust_id="trust-1", descriptor_scale=["emerging", "developing", "established", "secure"],
                         prompt_hierarchy=["physical_prompt", "modelled", "verbal", "independent"],
                         observation_gap_days=14, target_warning_days=42)


def envelope(when: datetime) -> dict:
    return {"occurred_at": when, "trust_id": "trust-1", "school_id": "school-1", "producer": "test"}


def registered(when: datetime = NOW - timedelta(days=200), *, kind: type[Event] = PupilRegistered, **facts: object) -> Event:
    body = {"pupil_id": "pupil-1", "key_stage": "KS2", "on_engagement_model": True, "regressive_condition": False} | facts
    return kind(**envelope(when), payload=PupilFacts(**body))


def outcome(target: date | None, *, outcome_id: str = "out-1", achieved: bool = False, kind: type[Event] = EhcOutcomeSet) -> Event:
    return kind(**envelope(NOW - timedelta(days=150)), payload=OutcomeFacts(
        outcome_id=outcome_id, pupil_id="pupil-1", area_of_need="communication_and_interaction", term="short",
        description="Uses a switch to ask for more", target_date=target, achieved=achieved))


def observed(observation_id: str, days_ago: float, areas: dict[str, str], *, support: str | None = None, version: int = 1,
             outcomes: tuple[str, ...] = ("out-1",)) -> Event:
    when = NOW - timedelta(days=days_ago)
    body = RecordedObservation(
        observation_id=observation_id, school_id="school-1", observer_id="staff-1", observer_role="teacher", version=version,
        pupil_id="pupil-1", observed_at=when, areas=[{"area": a, "established": e} for a, e in areas.items()],
        activity="switch game", support_level=support, intentional=True, caused_by_stimulus=True, ehc_outcome_ids=list(outcomes))
    kind = ObservationRecorded if version == 1 else ObservationAmended
    return kind(**envelope(when), payload=ObservationRecordedPayload(observation=body, pupil_id="pupil-1"))


def withdrawn(observation_id: str, version: int = 2) -> Event:
    return ObservationWithdrawn(**envelope(NOW), payload=ObservationWithdrawnPayload(
        observation_id=observation_id, pupil_id="pupil-1", version=version, reason="recorded for the wrong pupil"))


def watch(*events: Event, settings: TrustSettings = SETTINGS) -> PupilWatch:
    """Fold events as the monitor does: a None result means 'unchanged'."""
    state: PupilWatch | None = None
    for event in events:
        state = fold(state, event, settings) or state
    assert state is not None
    return state


def kinds(state: PupilWatch, now: datetime = NOW, settings: TrustSettings = SETTINGS) -> list[str]:
    return sorted(alert.kind for alert in due_alerts(state, settings, now))


TARGET_SOON = (NOW + timedelta(days=20)).date()


# --- new progress evidence -------------------------------------------------------------------

def test_the_first_observation_of_an_outcome_is_evidence_and_starts_the_clock() -> None:
    state = watch(registered(), outcome(TARGET_SOON), observed("o1", 10, {"exploration": "emerging"}))
    assert state.outcomes["out-1"].last_evidence_at() == NOW - timedelta(days=10)
    assert "outcome_stalled" not in kinds(state)


def test_a_more_established_judgement_is_progress_and_a_repeat_is_not() -> None:
    state = watch(registered(), outcome(TARGET_SOON), observed("o1", 90, {"exploration": "emerging"}),
                  observed("o2", 60, {"exploration": "developing"}), observed("o3", 5, {"exploration": "developing"}))
    assert set(state.outcomes["out-1"].evidence) == {"o1", "o2"}
    assert state.outcomes["out-1"].last_evidence_at() == NOW - timedelta(days=60)
    assert "outcome_stalled" in kinds(state)  # a plateau: nothing new for 60 days, target in 20


def test_a_lower_judgement_is_not_progress() -> None:
    state = watch(registered(), outcome(TARGET_SOON), observed("o1", 90, {"exploration": "established"}),
                  observed("o2", 5, {"exploration": "developing"}))
    assert set(state.outcomes["out-1"].evidence) == {"o1"}


def test_the_same_level_with_less_support_is_progress() -> None:
    state = watch(registered(), outcome(TARGET_SOON), observed("o1", 90, {"initiation": "developing"}, support="modelled"),
                  observed("o2", 50, {"initiation": "developing"}, support="modelled"),
                  observed("o3", 10, {"initiation": "developing"}, support="verbal"))
    assert set(state.outcomes["out-1"].evidence) == {"o1", "o3"}
    assert "outcome_stalled" not in kinds(state)


def test_more_support_or_unknown_support_is_not_progress() -> None:
    state = watch(registered(), outcome(TARGET_SOON), observed("o1", 90, {"initiation": "developing"}, support="verbal"),
                  observed("o2", 50, {"initiation": "developing"}, support="modelled"),
                  observed("o3", 10, {"initiation": "developing"}))
    assert set(state.outcomes["out-1"].evidence) == {"o1"}


def test_progress_in_any_one_area_counts() -> None:
    state = watch(registered(), outcome(TARGET_SOON),
                  observed("o1", 90, {"exploration": "secure", "persistence": "emerging"}),
                  observed("o2", 5, {"exploration": "developing", "persistence": "developing"}))
    assert set(state.outcomes["out-1"].evidence) == {"o1", "o2"}


def test_words_outside_the_trusts_scale_are_not_compared() -> None:
    state = watch(registered(), outcome(TARGET_SOON), observed("o1", 90, {"exploration": "emerging"}),
                  observed("o2", 5, {"exploration": "sparkling"}))
    assert set(state.outcomes["out-1"].evidence) == {"o1"}


def test_order_follows_the_trusts_own_scale() -> None:
    reversed_words = SETTINGS.model_copy(update={"descriptor_scale": ["secure", "established", "developing", "emerging"]})
    state = watch(registered(), outcome(TARGET_SOON), observed("o1", 90, {"exploration": "developing"}),
                  observed("o2", 5, {"exploration": "emerging"}), settings=reversed_words)
    assert set(state.outcomes["out-1"].evidence) == {"o1", "o2"}


def test_only_linked_outcomes_get_evidence() -> None:
    state = watch(registered(), outcome(TARGET_SOON), outcome(TARGET_SOON, outcome_id="out-2"),
                  observed("o1", 5, {"exploration": "emerging"}, outcomes=("out-2",)))
    assert state.outcomes["out-1"].evidence == {}
    assert set(state.outcomes["out-2"].evidence) == {"o1"}


def test_redelivered_and_older_versions_change_nothing() -> None:
    events = [registered(), outcome(TARGET_SOON), observed("o1", 90, {"exploration": "emerging"}),
              observed("o1", 80, {"exploration": "developing"}, version=2)]
    state = watch(*events)
    assert fold(state, events[2], SETTINGS) is None
    assert fold(state, events[3], SETTINGS) is None
    assert state.observations["o1"].version == 2


# --- outcome_stalled -------------------------------------------------------------------------

@pytest.mark.parametrize(("target_in_days", "evidence_days_ago", "stalled"), [
    (20, 60, True),     # near target, plateau
    (42, 60, True),     # exactly at the warning window
    (43, 60, False),    # target still far away
    (20, 42, False),    # evidence exactly within the window
    (20, 43, True),
    (-5, 60, True),     # target date passed, not achieved
])
def test_the_warning_window(target_in_days: int, evidence_days_ago: int, stalled: bool) -> None:
    state = watch(registered(), outcome((NOW + timedelta(days=target_in_days)).date()),
                  observed("o1", evidence_days_ago, {"exploration": "emerging"}))
    assert ("outcome_stalled" in kinds(state)) is stalled


def test_an_outcome_without_any_evidence_stalls_near_its_target() -> None:
    state = watch(registered(), outcome(TARGET_SOON))
    [alert] = [a for a in due_alerts(state, SETTINGS, NOW) if a.kind == "outcome_stalled"]
    assert alert.last_evidence_at is None and alert.target_date == TARGET_SOON and alert.threshold_days == 42


def test_achieved_outcomes_and_outcomes_without_a_date_never_alert() -> None:
    assert "outcome_stalled" not in kinds(watch(registered(), outcome(TARGET_SOON, achieved=True)))
    assert "outcome_stalled" not in kinds(watch(registered(), outcome(None)))
    later = watch(registered(), outcome(TARGET_SOON), outcome(TARGET_SOON, achieved=True, kind=EhcOutcomeUpdated))
    assert "outcome_stalled" not in kinds(later)


# --- not_observed ----------------------------------------------------------------------------

def test_a_pupil_unobserved_for_longer_than_the_gap_is_alerted() -> None:
    assert kinds(watch(registered(), observed("o1", 15, {"exploration": "emerging"}, outcomes=()))) == ["not_observed"]
    assert kinds(watch(registered(), observed("o1", 14, {"exploration": "emerging"}, outcomes=()))) == []


def test_a_pupil_never_observed_is_measured_from_joining_the_roll() -> None:
    assert kinds(watch(registered(NOW - timedelta(days=3)))) == []
    [alert] = due_alerts(watch(registered(NOW - timedelta(days=30))), SETTINGS, NOW)
    assert alert.kind == "not_observed" and alert.last_evidence_at is None and alert.threshold_days == 14


def test_pupils_off_roll_off_the_model_or_unknown_are_not_alerted() -> None:
    left = registered(kind=PupilLeft, left_on=(NOW - timedelta(days=1)).date())
    assert kinds(watch(registered(), outcome(TARGET_SOON), left)) == []
    assert kinds(watch(registered(), registered(kind=PupilUpdated, on_engagement_model=False))) == []
    assert kinds(watch(observed("o1", 40, {"exploration": "emerging"}))) == []  # no directory facts yet
    leaving_later = registered(kind=PupilLeft, left_on=(NOW + timedelta(days=10)).date())
    assert kinds(watch(registered(), leaving_later)) == ["not_observed"]


def test_a_withdrawn_observation_no_longer_counts_as_seeing_the_pupil() -> None:
    state = watch(registered(), observed("old", 30, {"exploration": "emerging"}, outcomes=()),
                  observed("new", 2, {"exploration": "emerging"}, outcomes=()))
    assert kinds(state) == []
    after = watch(registered(), observed("old", 30, {"exploration": "emerging"}, outcomes=()),
                  observed("new", 2, {"exploration": "emerging"}, outcomes=()), withdrawn("new"))
    assert after.last_observed() == NOW - timedelta(days=30)
    assert kinds(after) == ["not_observed"]
    assert fold(after, observed("new", 2, {"exploration": "emerging"}, outcomes=()), SETTINGS) is None  # stays withdrawn


def test_a_withdrawn_observation_is_no_longer_evidence() -> None:
    state = watch(registered(), outcome(TARGET_SOON), observed("o1", 90, {"exploration": "emerging"}),
                  observed("o2", 5, {"exploration": "developing"}), withdrawn("o2"))
    assert set(state.outcomes["out-1"].evidence) == {"o1"}
    assert "outcome_stalled" in kinds(state)


def test_when_all_evidence_is_withdrawn_the_next_observation_is_a_new_baseline() -> None:
    state = watch(registered(), outcome(TARGET_SOON), observed("o1", 90, {"exploration": "developing"}), withdrawn("o1"),
                  observed("o2", 5, {"exploration": "developing"}))
    assert set(state.outcomes["out-1"].evidence) == {"o2"}


def test_an_amendment_that_unlinks_an_outcome_takes_its_evidence_away() -> None:
    state = watch(registered(), outcome(TARGET_SOON), observed("o1", 5, {"exploration": "emerging"}),
                  observed("o1", 5, {"exploration": "emerging"}, version=2, outcomes=()))
    assert state.outcomes["out-1"].evidence == {}


def test_only_recent_observations_are_kept() -> None:
    events = [registered()] + [observed(f"o{n}", n, {"exploration": "emerging"}, outcomes=()) for n in range(RECENT_OBSERVATIONS + 10)]
    state = watch(*events)
    assert len(state.observations) == RECENT_OBSERVATIONS
    assert "o0" in state.observations and f"o{RECENT_OBSERVATIONS + 9}" not in state.observations


# --- alert ids -------------------------------------------------------------------------------

def test_alert_ids_are_stable_while_the_condition_lasts() -> None:
    state = watch(registered(), outcome(TARGET_SOON), observed("o1", 60, {"exploration": "emerging"}))
    first = {a.alert_id for a in due_alerts(state, SETTINGS, NOW)}
    later = {a.alert_id for a in due_alerts(state, SETTINGS, NOW + timedelta(days=3))}
    assert len(first) == 2 and first == later
    assert fold(state, observed("o1", 60, {"exploration": "emerging"}), SETTINGS) is None  # a replay cannot change them


def test_a_new_episode_gets_a_new_alert_id() -> None:
    plateau = [registered(), outcome(TARGET_SOON), observed("o1", 60, {"exploration": "emerging"})]
    before = {a.kind: a.alert_id for a in due_alerts(watch(*plateau), SETTINGS, NOW)}
    progressed = watch(*plateau, observed("o2", 1, {"exploration": "developing"}))
    assert kinds(progressed) == []  # new evidence, and a new observation, clear both conditions
    unobserved_again = {a.kind: a.alert_id for a in due_alerts(progressed, SETTINGS, NOW + timedelta(days=30))}
    assert set(unobserved_again) == {"not_observed"} and unobserved_again["not_observed"] != before["not_observed"]
    stalled_again = {a.kind: a.alert_id for a in due_alerts(progressed, SETTINGS, NOW + timedelta(days=45))}
    assert stalled_again["outcome_stalled"] != before["outcome_stalled"]
    moved = watch(*plateau, outcome((NOW + timedelta(days=30)).date(), kind=EhcOutcomeUpdated))
    assert {a.kind: a.alert_id for a in due_alerts(moved, SETTINGS, NOW)}["outcome_stalled"] != before["outcome_stalled"]


def test_defaults_apply_until_a_trust_is_configured() -> None:
    defaults = default_settings("trust-1")
    assert defaults.observation_gap_days == 14 and defaults.target_warning_days == 42
    assert defaults.prompt_hierarchy[-1] == "independent"
