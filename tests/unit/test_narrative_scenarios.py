"""The four hand-built pupils end to end through the core: observations → profile → the reports a
parent and the annual EHC review receive (and, for the plateau, the monitor's stall alert). Each
report must say the right thing and pass every language check."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engagement_shared.events.directory import EhcOutcomeSet, PupilFacts, PupilRegistered
from engagement_shared.events.observations import ObservationRecorded, ObservationRecordedPayload, RecordedObservation
from engagement_shared.events.vocabulary import Area
from narrative_builder.core import stall_rules
from narrative_builder.core.drafting import draft_ehc_review, draft_parent_report
from narrative_builder.core.language import check_content
from narrative_builder.core.profile import ProgressKind, PupilProfile
from narrative_builder.core.progress_rules import build_profile
from narrative_builder.core.records import default_settings
from narrative_builder.core.report_model import ReportContent
from tests.support import scenarios

PERIOD = "2026 to 2027"


def text_of(content: ReportContent) -> str:
    return " ".join([s.heading for s in content.sections] + [p.text for s in content.sections for p in s.paragraphs]).lower()


def run(name: str) -> tuple[scenarios.Scenario, PupilProfile, str, str]:
    scenario = scenarios.ALL[name]()
    profile = build_profile(scenario.pupil.pupil_id, scenario.observations, scenario.pupil, default_settings(scenarios.TRUST))
    parent = draft_parent_report(profile, period=PERIOD, child_name="Alex")
    review = draft_ehc_review(profile, period=PERIOD)
    for content in (parent, review):
        assert check_content(content) == [], f"{name}: {content.kind.value} breaks a language rule"
    cited = {c.observation_id for s in review.sections for p in s.paragraphs for c in p.citations}
    assert cited and cited <= {o.observation_id for o in scenario.observations}, "the review cites the pupil's own observations"
    return scenario, profile, text_of(parent), text_of(review)


def test_lateral_progress_is_named() -> None:
    """The judgement never moved, but support fell and contexts grew: both reports must say so."""
    _, profile, parent, review = run("lateral")
    periods = profile.areas[Area.EXPLORATION].periods
    assert all({ProgressKind.REDUCED_SUPPORT, ProgressKind.GENERALISED} <= {f.kind for f in p.findings} for p in periods[1:])
    assert "less help" in parent and ("new places" in parent or "different people" in parent)
    assert ("less support" in review or "less help" in review) and "new places" in review and "lateral progress" in review
    assert "no new progress" not in review


def test_regressive_condition_maintenance_is_celebrated() -> None:
    _, profile, parent, review = run("regressive")
    assert profile.outcomes[0].status == "maintained"
    assert "kept up" in parent or "held on to" in parent
    for words in ("plateau", "no progress", "regress", "stalled", "no new progress"):
        assert words not in parent and words not in review


def test_illness_dip_and_recovery_are_told_kindly() -> None:
    _, profile, parent, review = run("illness")
    kinds = [{f.kind for f in p.findings} for p in profile.areas[Area.PERSISTENCE].periods]
    assert ProgressKind.REGRESSION in kinds[2] and ProgressKind.RECOVERED in kinds[3]
    assert "unwell" in parent and "got back" in parent
    assert "unwell" in review
    assert "regress" not in parent


def test_plateau_near_target_date_is_flagged_and_raises_a_stall_alert() -> None:
    scenario, profile, parent, review = run("plateau")
    outcome = profile.outcomes[0]
    assert outcome.status == "stalled"
    assert "no new progress evidence" in review and "before the target date" in review
    assert "next" in parent

    # The monitor's rules, fed the same story as events, raise exactly one stall alert.
    settings = stall_rules.default_settings(scenarios.TRUST)
    pupil = scenario.pupil
    events = [PupilRegistered(occurred_at=scenario.observations[0].observed_at, trust_id=pupil.trust_id, school_id=pupil.school_id,
                              producer="test", payload=PupilFacts(pupil_id=pupil.pupil_id, key_stage="KS2", on_engagement_model=True,
                                                                  regressive_condition=False))]
    events += [EhcOutcomeSet(occurred_at=scenario.observations[0].observed_at, trust_id=pupil.trust_id, school_id=pupil.school_id,
                             producer="test", payload=facts) for facts in pupil.outcomes.values()]
    events += [ObservationRecorded(occurred_at=o.observed_at, trust_id=o.trust_id, school_id=o.school_id, producer="test",
                                   payload=ObservationRecordedPayload(pupil_id=o.pupil_id, observation=RecordedObservation(
                                       observation_id=o.observation_id, pupil_id=o.pupil_id, school_id=o.school_id, observer_id="staff",
                                       observer_role="teacher", version=1, observed_at=o.observed_at,
                                       areas=[{"area": a, "established": e} for a, e in o.areas.items()], activity=o.activity or "play",
                                       support_level=o.support_level, ehc_outcome_ids=o.ehc_outcome_ids,
                                       intentional=True, caused_by_stimulus=True)))
               for o in scenario.observations]
    watch = None
    for event in events:
        watch = stall_rules.fold(watch, event, settings) or watch
    now = max(o.observed_at for o in scenario.observations) + timedelta(days=2)
    alerts = stall_rules.due_alerts(watch, settings, now)  # type: ignore[arg-type]
    assert [(a.kind, a.outcome_id) for a in alerts] == [("outcome_stalled", outcome.outcome_id)]


@pytest.mark.parametrize("name", sorted(scenarios.ALL))
def test_every_scenario_report_reads_easily_and_is_stable(name: str) -> None:
    """Deterministic wording (a rebuilt profile drafts the same report) and no ids in parent text."""
    scenario, profile, parent, _ = run(name)
    again = build_profile(scenario.pupil.pupil_id, list(reversed(scenario.observations)), scenario.pupil, default_settings(scenarios.TRUST))
    assert text_of(draft_parent_report(again, period=PERIOD, child_name="Alex")) == parent
    assert scenario.pupil.pupil_id not in parent and "-o0" not in parent
