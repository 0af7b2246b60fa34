"""The progress profile: linear and lateral progress per half-term (or term), per area and per EHC outcome,
the baseline and what works, on hand-built pupils whose story is known."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from engagement_shared.events.directory import TrustSettings
from engagement_shared.events.vocabulary import Area
from narrative_builder.core.periods import half_term, term
from narrative_builder.core.profile import ProgressKind, PupilProfile
from narrative_builder.core.progress_rules import build_profile
from narrative_builder.core.records import ObservationContextRecord, ProjectedObservation, default_settings
from tests.support import scenarios


def profile_of(scenario: scenarios.Scenario, settings: TrustSettings | None = None) -> PupilProfile:
    return build_profile(scenario.pupil.pupil_id, scenario.observations, scenario.pupil, settings or default_settings(scenarios.TRUST))


def kinds(profile: PupilProfile, area: Area) -> list[set[ProgressKind]]:
    return [{f.kind for f in period.findings} for period in profile.areas[area].periods]


def test_lateral_progress_is_found_when_judgements_stay_the_same() -> None:
    """The guidance: progress is often lateral. Support falling and contexts growing is progress
    even though "developing" never changes."""
    profile = profile_of(scenarios.lateral())
    area = profile.areas[Area.EXPLORATION]
    assert {e.established for e in area.timeline} == {"developing"}
    assert kinds(profile, Area.EXPLORATION)[0] == {ProgressKind.FIRST_EVIDENCE}
    for later in kinds(profile, Area.EXPLORATION)[1:]:
        assert {ProgressKind.REDUCED_SUPPORT, ProgressKind.GENERALISED} <= later
        assert ProgressKind.NEW_SKILL not in later and ProgressKind.PLATEAU not in later
    reduced = [f for p in area.periods for f in p.findings if f.kind is ProgressKind.REDUCED_SUPPORT]
    assert [(f.previous_support, f.support) for f in reduced] == [
        ("physical_prompt", "modelled"), ("modelled", "gestural"), ("gestural", "verbal"), ("verbal", "independent")]
    generalised = [f for p in area.periods for f in p.findings if f.kind is ProgressKind.GENERALISED]
    assert "sensory_room" in generalised[0].new_contexts.settings and "home" in generalised[-1].new_contexts.settings
    assert area.lateral.independence == "independent" and area.lateral.consistency
    assert set(area.lateral.contexts_at_highest.settings) == {"classroom", "sensory_room", "hall", "outdoors", "home"}
    outcome = profile.outcomes[0]
    assert outcome.status == "progressing" and outcome.last_progress_at is not None
    assert profile.baseline.activities == ["bubble tube"] and len(profile.baseline.observation_ids) == 2


def test_regressive_condition_maintenance_is_the_achievement() -> None:
    """For a pupil with a regressive condition, holding steady is reported as maintained, never as a plateau."""
    profile = profile_of(scenarios.regressive())
    later = kinds(profile, Area.ANTICIPATION)[1:]
    assert all(k == {ProgressKind.MAINTAINED} for k in later)
    assert profile.regressive_condition and profile.outcomes[0].status == "maintained"


def test_same_steady_pupil_without_regressive_condition_plateaus() -> None:
    """The same observations for a pupil without the condition: consolidated, then a plateau."""
    scenario = scenarios.regressive()
    scenario.pupil = scenario.pupil.model_copy(update={"regressive_condition": False})
    found = kinds(profile_of(scenario), Area.ANTICIPATION)
    assert found[1] == {ProgressKind.CONSOLIDATED}
    assert found[2:] == [{ProgressKind.PLATEAU}] * 3


def test_regression_during_illness_and_recovery() -> None:
    profile = profile_of(scenarios.illness())
    found = kinds(profile, Area.PERSISTENCE)
    assert found[2] == {ProgressKind.REGRESSION} and found[3] == {ProgressKind.RECOVERED}
    regression = profile.areas[Area.PERSISTENCE].periods[2].findings[0]
    assert regression.during_illness and (regression.previous_level, regression.level) == ("secure", "emerging")
    assert ProgressKind.NEW_SKILL not in found[3], "getting back to an earlier level is recovery, not a new skill"


def test_plateau_near_target_date() -> None:
    profile = profile_of(scenarios.plateau())
    found = kinds(profile, Area.INITIATION)
    assert found[1] == {ProgressKind.NEW_SKILL}
    assert found[-2:] == [{ProgressKind.PLATEAU}] * 2
    outcome = profile.outcomes[0]
    assert outcome.status == "stalled"
    assert outcome.last_progress_at is not None and outcome.last_progress_at.date() < date(2027, 1, 1)


def test_new_skill_is_a_level_never_seen_before() -> None:
    scenario = scenarios.plateau()
    finding = profile_of(scenario).areas[Area.INITIATION].periods[1].findings[0]
    assert (finding.previous_level, finding.level) == ("emerging", "developing")
    assert finding.observation_ids == [o.observation_id for o in scenario.observations[4:8]]


def test_profile_ignores_delivery_order_duplicates_and_withdrawn_observations() -> None:
    """The same current observations give the same profile however they arrived: what makes a
    replay equal the live projection."""
    scenario = scenarios.lateral()
    expected = profile_of(scenario)
    withdrawn = scenario.observations[0].model_copy(update={"observation_id": "withdrawn-one", "withdrawn": True, "areas": {"exploration": "generalised"}})
    for seed in range(5):
        shuffled = list(scenario.observations) + [withdrawn]
        random.Random(seed).shuffle(shuffled)
        assert build_profile(scenario.pupil.pupil_id, shuffled, scenario.pupil, default_settings(scenarios.TRUST)) == expected


def test_trust_words_decide_the_order() -> None:
    """A trust with its own scale: progress is judged in its words; a word it no longer uses is kept
    on the timeline count but cannot be ordered, so it is left out of comparisons."""
    settings = TrustSettings(trust_id=scenarios.TRUST, descriptor_scale=["not yet", "sometimes", "often"],
                             prompt_hierarchy=["lots of help", "a little help", "on my own"], observation_gap_days=10)
    base = datetime(2026, 9, 7, 10, tzinfo=UTC)
    obs = [ProjectedObservation(observation_id=f"o{i}", pupil_id="p", trust_id="t", school_id="s", version=1,
                                observed_at=base + timedelta(days=60 * i), areas={"realisation": word})
           for i, word in enumerate(["not yet", "often", "retired word"])]
    profile = build_profile("p", obs, None, settings)
    area = profile.areas[Area.REALISATION]
    assert area.observations == 3 and area.latest_established == "retired word"
    assert [e.established for e in area.timeline] == ["not yet", "often"]
    assert area.periods[1].findings[0].kind is ProgressKind.NEW_SKILL and area.highest_level == "often"


def test_what_works_finds_the_circumstances_of_stronger_engagement() -> None:
    """Music in the afternoon with one adult goes with a higher level; the factor present every time tells nothing."""
    base = datetime(2026, 9, 7, 10, tzinfo=UTC)
    obs = []
    for i in range(12):
        strong = i % 3 == 0
        obs.append(ProjectedObservation(
            observation_id=f"o{i:02d}", pupil_id="p", trust_id="t", school_id="s", version=1, observed_at=base + timedelta(days=i),
            areas={"exploration": "established" if strong else "emerging"}, activity="music session" if strong else "table top",
            context=ObservationContextRecord(time_of_day="afternoon" if strong else "morning", adults=["ta-7"] if strong else ["ta-1"],
                                             setting="classroom", sensory_experiences=["auditory"] if strong else [])))
    factors = {(f.kind, f.value) for f in build_profile("p", obs, None, default_settings("t")).what_works}
    assert {("activity", "music session"), ("time_of_day", "afternoon"), ("adult", "ta-7"), ("sensory", "auditory")} <= factors
    assert ("setting", "classroom") not in factors and ("activity", "table top") not in factors


def test_half_terms() -> None:
    assert half_term(date(2026, 9, 1)).period_id == "2026-27-autumn-1"
    assert half_term(date(2026, 11, 1)).label == "the second half of the autumn term 2026"
    assert half_term(date(2027, 2, 16)).period_id == "2026-27-spring-2"
    assert half_term(date(2027, 8, 31)).period_id == "2026-27-summer-2"
    assert half_term(date(2027, 9, 1)).period_id == "2027-28-autumn-1"


def test_terms() -> None:
    assert term(date(2026, 10, 31)).period_id == term(date(2026, 11, 1)).period_id == "2026-27-autumn"
    assert term(date(2026, 12, 1)).label == "the autumn term 2026"
    spring = term(date(2027, 3, 1))
    assert (spring.period_id, spring.starts, spring.ends) == ("2026-27-spring", date(2027, 1, 1), date(2027, 4, 14))
    assert term(date(2027, 8, 31)).ends == date(2027, 8, 31) and term(date(2027, 9, 1)).period_id == "2027-28-autumn"


def test_a_trust_that_reviews_termly_gets_progress_per_term() -> None:
    """The same pupil told over terms: fewer, longer periods, and still lateral progress in each later one."""
    scenario = scenarios.lateral()
    termly = default_settings(scenarios.TRUST).model_copy(update={"progress_period": "term"})
    profile = profile_of(scenario, termly)
    periods = profile.areas[Area.EXPLORATION].periods
    assert profile.progress_period == "term"
    assert [p.period.period_id.split("-", 2)[2] for p in periods] == ["autumn", "spring", "summer"]
    assert len(periods) < len(profile_of(scenario).areas[Area.EXPLORATION].periods)
    for later in kinds(profile, Area.EXPLORATION)[1:]:
        assert {ProgressKind.REDUCED_SUPPORT, ProgressKind.GENERALISED} <= later
