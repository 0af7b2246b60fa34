"""Unit tests of observation-ingest's pure core: trust vocabularies, MIS import, statutory return,
observation amendments/withdrawals and unique pupil numbers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.errors import Invalid
from engagement_shared.events.observations import ObservationContent
from engagement_shared.events.vocabulary import KeyStage
from observation_ingest.core.directory import ClassGroup, Pupil, normalise_upn
from observation_ingest.core.observations import (
    ObservationAmendment,
    StoredObservation,
    Withdrawal,
    amended,
    new_stored,
    withdrawn,
)
from observation_ingest.core.pupil_import import column_map, key_stage_for_year, parse_pupils
from observation_ingest.core.statutory_export import COLUMNS, ks2_engagement_model_pupils, render_csv
from observation_ingest.core.trust_config import TrustConfig

TEACHER = Principal(subject="staff-1", role=Role.TEACHER, trust_id="trust-1", school_ids=frozenset({"school-1"}))
SENCO = Principal(subject="staff-2", role=Role.SENCO, trust_id="trust-1", school_ids=frozenset({"school-1"}))


def content(**overrides: Any) -> ObservationContent:
    data: dict[str, Any] = {
        "pupil_id": "pupil-1",
        "observed_at": datetime(2026, 11, 3, 10, 15, tzinfo=UTC),
        "areas": [{"area": "exploration", "established": "developing"}, {"area": "persistence", "established": "emerging"}],
        "activity": "bubble tube",
        "context": {"setting": "sensory_room", "time_of_day": "morning", "sensory_experiences": ["visual", "tactile"]},
        "support_level": "gestural",
        "intentional": True,
        "caused_by_stimulus": True,
    }
    return ObservationContent.model_validate(data | overrides)


# --- trust configuration ----------------------------------------------------------------------------


def test_default_config_accepts_a_typical_observation() -> None:
    """A trust that never configured anything must still be able to record observations."""
    TrustConfig().check(content())


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"areas": [{"area": "exploration", "established": "developing"}, {"area": "initiation", "established": "mastered"}]},
         "areas.1.established"),
        ({"areas": [{"area": "exploration", "established": "Developing"}]}, "areas.0.established"),
        ({"support_level": "shouted"}, "support_level"),
        ({"context": {"setting": "car park"}}, "context.setting"),
        ({"context": {"time_of_day": "midnight"}}, "context.time_of_day"),
        ({"context": {"sensory_experiences": ["visual", "telepathic"]}}, "context.sensory_experiences.1"),
    ],
)
def test_words_outside_the_vocabulary_name_the_field(overrides: dict[str, Any], field: str) -> None:
    """Apps highlight the offending input by the error's field path; a wrong path leaves the user guessing."""
    with pytest.raises(Invalid) as caught:
        TrustConfig().check(content(**overrides))
    assert caught.value.field == field


def test_first_area_error_is_areas_0() -> None:
    """The index in the field path is the position in the submitted list, counted from zero."""
    with pytest.raises(Invalid) as caught:
        TrustConfig().check(content(areas=[{"area": "exploration", "established": "wobbly"}]))
    assert caught.value.field == "areas.0.established"
    assert "'wobbly'" in caught.value.message and "emerging" in caught.value.message


def test_optional_context_may_be_left_out() -> None:
    """Observers on a tablet often skip context; absent fields must not be checked against vocabularies."""
    TrustConfig().check(content(context={}, support_level=None))


def test_custom_vocabulary_replaces_the_defaults() -> None:
    """A trust's own descriptors are the only words accepted, so reports speak one language."""
    config = TrustConfig(descriptor_scale=["beginning", "growing", "strong"])
    config.check(content(areas=[{"area": "exploration", "established": "growing"}]))
    with pytest.raises(Invalid):
        config.check(content(areas=[{"area": "exploration", "established": "developing"}]))


@pytest.mark.parametrize("field", ["descriptor_scale", "prompt_hierarchy", "settings", "times_of_day", "sensory_experiences"])
@pytest.mark.parametrize("values", [["alpha", "beta", "alpha"], ["alpha", "Beta", "beta"]])
def test_duplicate_vocabulary_entries_are_rejected(field: str, values: list[str]) -> None:
    """A repeated (even differently cased) descriptor would make the ordered scale ambiguous."""
    with pytest.raises(ValidationError, match=f"{field} has repeated entries"):
        TrustConfig(**{field: values})


def test_scale_needs_at_least_two_descriptors() -> None:
    """A one-word scale cannot express progress at all."""
    with pytest.raises(ValidationError):
        TrustConfig(descriptor_scale=["only"])


def test_unknown_config_keys_are_rejected() -> None:
    """A misspelt setting must fail loudly instead of silently keeping the default."""
    with pytest.raises(ValidationError):
        TrustConfig(descriptor_scales=["a", "b"])  # type: ignore[call-arg]


# --- MIS pupil import -------------------------------------------------------------------------------

HEADER = "Surname,Forename,DOB,Year,Reg Group,Engagement Model,UPN,Regressive Condition,Adno"


def test_common_mis_headers_are_recognised() -> None:
    """Schools upload whatever their MIS exports; the common aliases must map without manual editing."""
    columns = column_map(HEADER.split(","))
    assert columns == {"last_name": 0, "first_name": 1, "date_of_birth": 2, "year_group": 3, "class": 4,
                       "on_engagement_model": 5, "upn": 6, "regressive_condition": 7, "mis_id": 8}


def test_headers_are_matched_ignoring_case_and_spaces() -> None:
    """MIS exports vary in case and padding of headers."""
    assert column_map(["  LEGAL SURNAME ", "preferred forename", "Date Of Birth", "NC Year"]) == {
        "last_name": 0, "first_name": 1, "date_of_birth": 2, "year_group": 3}


def test_valid_row_becomes_a_pupil() -> None:
    """The happy path: DD/MM/YYYY dates, Y/N flags, year group to key stage, UPN normalised, class kept."""
    rows, missing = parse_pupils(f"{HEADER}\nSmith,Ann,03/04/2015,5,Oak,Y,a12345678901z,N,1001\n", "school-1")
    assert missing == []
    (row,) = rows
    assert row.line == 2 and row.errors == []
    assert row.class_name == "Oak"
    pupil = row.pupil
    assert pupil is not None
    assert (pupil.first_name, pupil.last_name, pupil.school_id) == ("Ann", "Smith", "school-1")
    assert pupil.date_of_birth == date(2015, 4, 3)  # day first, as UK MIS exports write it
    assert pupil.key_stage == KeyStage.KS2
    assert pupil.on_engagement_model is True and pupil.regressive_condition is False
    assert pupil.upn == "A12345678901Z"
    assert pupil.mis_id == "1001"


@pytest.mark.parametrize("text, expected", [("2015-04-03", date(2015, 4, 3)), ("03/04/2015", date(2015, 4, 3)),
                                            ("03-04-2015", date(2015, 4, 3)), ("03.04.2015", date(2015, 4, 3)),
                                            (" 3/4/2015 ", date(2015, 4, 3))])
def test_date_formats(text: str, expected: date) -> None:
    """UK exports use day-first dates in several separators; all must read the same day."""
    rows, _ = parse_pupils(f"{HEADER}\nSmith,Ann,{text},5,,Y,,,\n", "s")
    assert rows[0].pupil is not None and rows[0].pupil.date_of_birth == expected


@pytest.mark.parametrize("flag, expected", [("Y", True), ("y", True), ("Yes", True), ("TRUE", True), ("1", True),
                                            ("N", False), ("no", False), ("False", False), ("0", False)])
def test_yes_no_flags(flag: str, expected: bool) -> None:
    """The engagement-model flag decides the statutory return, so every common spelling must read right."""
    rows, _ = parse_pupils(f"{HEADER}\nSmith,Ann,03/04/2015,5,,{flag},,{flag},\n", "s")
    assert rows[0].errors == []
    assert rows[0].pupil is not None
    assert rows[0].pupil.on_engagement_model is expected
    assert rows[0].pupil.regressive_condition is expected


def test_blank_engagement_model_flag_is_refused() -> None:
    """A blank cell must not silently drop a pupil from the statutory return."""
    rows, _ = parse_pupils(f"{HEADER}\nSmith,Ann,03/04/2015,5,,,,,\n", "s")
    assert ("on_engagement_model", "must be Y or N") in rows[0].errors


@pytest.mark.parametrize(
    "year, stage",
    [("N", KeyStage.EYFS), ("N1", KeyStage.EYFS), ("N2", KeyStage.EYFS), ("R", KeyStage.EYFS), ("Reception", KeyStage.EYFS),
     ("Year R", KeyStage.EYFS), ("1", KeyStage.KS1), ("Y2", KeyStage.KS1), ("3", KeyStage.KS2), ("Year 6", KeyStage.KS2),
     ("7", KeyStage.KS3), ("9", KeyStage.KS3), ("10", KeyStage.KS4), ("11", KeyStage.KS4), ("12", KeyStage.KS5),
     ("14", KeyStage.KS5), (" y6 ", KeyStage.KS2)],
)
def test_year_group_to_key_stage(year: str, stage: KeyStage) -> None:
    """Key stage decides the statutory return (KS2 only), so years 3-6 must be KS2 and nursery/reception EYFS."""
    assert key_stage_for_year(year) == stage


@pytest.mark.parametrize("year", ["0", "15", "-1", "", "X", "Year"])
def test_impossible_year_groups_are_rejected(year: str) -> None:
    """A typo in the year must be reported, not silently mapped to some key stage."""
    with pytest.raises(ValueError):
        key_stage_for_year(year)


def test_key_stage_column_takes_precedence_over_year() -> None:
    """Some MIS exports give the key stage directly; it must be used (case-insensitively) when present."""
    rows, missing = parse_pupils("first_name,last_name,dob,ks,engagement model\nAnn,Smith,2015-04-03,ks2,Y\n", "s")
    assert missing == []
    assert rows[0].pupil is not None and rows[0].pupil.key_stage == KeyStage.KS2


def test_missing_required_columns_are_all_reported() -> None:
    """The school must learn every missing column at once, not fix them one upload at a time."""
    rows, missing = parse_pupils("Surname,Class\nSmith,Oak\n", "s")
    assert rows == []
    assert missing == ["first_name", "date_of_birth", "on_engagement_model", "key_stage or year_group"]


def test_empty_file_reports_all_columns_missing() -> None:
    """An empty upload must be a clear error, not an empty success."""
    rows, missing = parse_pupils("", "s")
    assert rows == [] and "first_name" in missing and "key_stage or year_group" in missing


def test_blank_lines_are_skipped_but_line_numbers_stay_true() -> None:
    """Errors are reported by line; skipping blanks must not shift the numbers the school sees in its file."""
    text = "\n".join([
        HEADER,                                       # line 1
        "Smith,Ann,03/04/2015,5,Oak,Y,,,",            # line 2
        "",                                           # line 3 (blank)
        ",,,,,,,,",                                   # line 4 (only separators)
        "Jones,Bob,31/02/2015,X,Ash,maybe,,,",        # line 5
        "   ,  ,  ",                                  # line 6 (whitespace only)
        ",Cy,2015-01-01,R,,N,BAD,,",                  # line 7
        "Patel,Dev,2016-09-01,Year 4,Elm,N,,Y,",      # line 8
    ]) + "\n"
    rows, missing = parse_pupils(text, "school-1")
    assert missing == []
    assert [r.line for r in rows] == [2, 5, 7, 8]
    by_line = {r.line: r for r in rows}
    assert by_line[2].pupil is not None and by_line[2].errors == []
    assert by_line[5].pupil is None
    assert [f for f, _ in by_line[5].errors] == ["date_of_birth", "on_engagement_model", "year_group"]
    assert by_line[7].pupil is None
    assert sorted(f for f, _ in by_line[7].errors) == ["last_name", "upn"]
    assert by_line[8].pupil is not None and by_line[8].pupil.regressive_condition is True
    assert by_line[8].pupil.key_stage == KeyStage.KS2


def test_first_line_offset_is_honoured() -> None:
    """Chunked imports pass the line the chunk starts at, so errors point to the right line of the whole file."""
    rows, _ = parse_pupils(f"{HEADER}\nSmith,Ann,bad,5,,Y,,,\n", "s", first_line=101)
    assert rows[0].line == 101


def test_implausible_date_of_birth_is_a_row_error() -> None:
    """A 1900 or future birth date is a typo that would put a pupil in the wrong cohort."""
    future = (date.today() + timedelta(days=30)).isoformat()
    rows, _ = parse_pupils(f"{HEADER}\nA,B,1985-01-01,5,,Y,,,\nC,D,{future},5,,Y,,,\n", "s")
    assert [r.errors[0][0] for r in rows] == ["date_of_birth", "date_of_birth"]
    assert all(r.pupil is None for r in rows)


def test_row_errors_do_not_echo_cell_values() -> None:
    """Import errors are shown and logged; they must describe the problem without repeating a child's details."""
    rows, _ = parse_pupils(f"{HEADER}\nSmith,Ann,Ann's birthday,5,,Ann,Ann-UPN,,\n", "s")
    for _, message in rows[0].errors:
        assert "Ann" not in message


def test_short_rows_read_missing_cells_as_blank() -> None:
    """Trailing empty cells are often dropped by exporters; a short row must not crash the import."""
    rows, _ = parse_pupils(f"{HEADER}\nSmith,Ann,03/04/2015,5,Oak,Y\n", "s")
    assert rows[0].pupil is not None and rows[0].pupil.upn is None


# --- statutory export -------------------------------------------------------------------------------


def pupil(pupil_id: str, last: str, first: str = "Ann", **overrides: Any) -> Pupil:
    data: dict[str, Any] = {"pupil_id": pupil_id, "trust_id": "t", "school_id": "s", "first_name": first, "last_name": last,
                            "date_of_birth": date(2015, 4, 3), "key_stage": "KS2", "on_engagement_model": True}
    return Pupil.model_validate(data | overrides)


def test_only_ks2_engagement_model_pupils_on_roll_are_returned() -> None:
    """The return is statutory: other key stages, pupils not on the model or who left would be misreported."""
    on = date(2026, 6, 1)
    pupils = [
        pupil("p1", "Smith"),
        pupil("p2", "KS3", key_stage="KS3"),
        pupil("p3", "EYFS", key_stage="EYFS"),
        pupil("p4", "NotOnModel", on_engagement_model=False),
        pupil("p5", "Left", left_on=date(2026, 5, 31)),
        pupil("p6", "LeavesThatDay", left_on=on),
        pupil("p7", "LeavesLater", left_on=date(2026, 7, 20)),
    ]
    assert [p.pupil_id for p in ks2_engagement_model_pupils(pupils, on)] == ["p7", "p6", "p1"]  # LeavesLater, LeavesThatDay, Smith


def test_return_is_sorted_by_surname_then_forename_ignoring_case() -> None:
    """Data managers check the return against MIS lists sorted by name."""
    pupils = [pupil("a", "smith", "Zoe"), pupil("b", "Adams"), pupil("c", "Smith", "amy"), pupil("d", "baker")]
    chosen = ks2_engagement_model_pupils(pupils, date(2026, 6, 1))
    assert [p.pupil_id for p in chosen] == ["b", "d", "c", "a"]


def test_csv_has_header_and_one_row_per_pupil() -> None:
    """The data manager's template expects these columns in this order."""
    classes = [ClassGroup(class_id="c1", school_id="s", trust_id="t", name="Oak")]
    text = render_csv([pupil("p1", "Smith", upn="A12345678901Z", class_id="c1"), pupil("p2", "Jones")], classes)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == COLUMNS
    assert rows[1] == ["A12345678901Z", "Smith", "Ann", "2015-04-03", "Oak", "KS2", "Y"]
    assert rows[2] == ["", "Jones", "Ann", "2015-04-03", "", "KS2", "Y"]
    assert text.endswith("\r\n")


@pytest.mark.parametrize("dangerous", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(dangerous: str) -> None:
    """A name like '=HYPERLINK(...)' would run as a formula in the data manager's spreadsheet (CSV injection)."""
    classes = [ClassGroup(class_id="c1", school_id="s", trust_id="t", name=dangerous)]
    text = render_csv([pupil("p1", dangerous, dangerous, class_id="c1")], classes)
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[1] == row[2] == row[4] == "'" + dangerous


def test_ordinary_names_are_not_altered() -> None:
    """Neutralisation must not touch normal names (hyphens inside a name are fine)."""
    text = render_csv([pupil("p1", "Oduya-Smith", "Mary-Jane")], [])
    assert list(csv.reader(io.StringIO(text)))[1][1:3] == ["Oduya-Smith", "Mary-Jane"]


# --- observations: amend and withdraw ------------------------------------------------------------------


def stored() -> StoredObservation:
    return new_stored(content(), "obs-1", "school-1", "trust-1", TEACHER)


def test_new_observation_is_version_1_with_audit_entry() -> None:
    """Consumers order changes by version; the first must be 1 and the audit trail must say who recorded it."""
    s = stored()
    assert s.observation.version == 1 and s.status == "active"
    assert s.observation.observer_id == "staff-1" and s.observation.observer_role == "teacher"
    assert [(h.version, h.action, h.by_subject) for h in s.history] == [(1, "recorded", "staff-1")]


def test_amendment_increments_version_and_records_changed_fields() -> None:
    """Consumers keep the newest version; the audit trail must show what changed, by whom and why."""
    s = stored()
    first = amended(s, ObservationAmendment(changes={"activity": "light box", "notes": "better"}, reason="typo"), SENCO)
    assert first.observation.version == 2
    assert first.observation.activity == "light box" and first.observation.notes == "better"
    assert first.observation.areas == s.observation.areas  # unchanged fields kept
    assert first.observation.observer_id == "staff-1"  # the observer stays the original one
    entry = first.history[-1]
    assert (entry.version, entry.action, entry.by_subject, entry.by_role, entry.reason) == (2, "amended", "staff-2", "senco", "typo")
    assert entry.changed_fields == ["activity", "notes"]
    second = amended(first, ObservationAmendment(changes={"baseline": True}, reason="was baseline"), TEACHER)
    assert second.observation.version == 3
    assert [h.version for h in second.history] == [1, 2, 3]
    assert s.observation.version == 1  # the input is not mutated


def test_amendment_revalidates_the_content() -> None:
    """An amendment must not smuggle in what recording would reject."""
    with pytest.raises(Invalid) as caught:
        amended(stored(), ObservationAmendment(changes={"areas": [{"area": "exploration", "established": ""}]}, reason="oops"), TEACHER)
    assert caught.value.field == "changes.areas.0.established"


def test_pupil_cannot_change() -> None:
    """Moving an observation to another child would rewrite two children's records silently; withdraw instead."""
    with pytest.raises(Invalid) as caught:
        amended(stored(), ObservationAmendment(changes={"pupil_id": "pupil-2"}, reason="wrong child"), TEACHER)
    assert caught.value.field == "changes.pupil_id"


def test_same_pupil_in_changes_is_allowed() -> None:
    """Apps often send the whole content back; repeating the same pupil must not be an error."""
    result = amended(stored(), ObservationAmendment(changes={"pupil_id": "pupil-1", "activity": "x"}, reason="resend"), TEACHER)
    assert result.observation.version == 2


@pytest.mark.parametrize("name", ["colour", "version", "observation_id", "observer_id", "school_id"])
def test_unknown_or_identity_field_is_named(name: str) -> None:
    """Only content may change; identity fields (version, observer, school) must not be settable through changes."""
    with pytest.raises(Invalid) as caught:
        amended(stored(), ObservationAmendment(changes={name: "x"}, reason="try it"), TEACHER)
    assert caught.value.field == f"changes.{name}"


def test_withdrawal_bumps_version_and_keeps_content() -> None:
    """The withdrawal must outrank earlier versions for consumers while keeping the content for audit."""
    s = amended(stored(), ObservationAmendment(changes={"activity": "light box"}, reason="typo"), TEACHER)
    w = withdrawn(s, Withdrawal(reason="wrong pupil"), SENCO)
    assert w.status == "withdrawn"
    assert w.observation.version == 3
    assert w.observation.activity == "light box"
    assert (w.history[-1].action, w.history[-1].version, w.history[-1].reason) == ("withdrawn", 3, "wrong pupil")


def test_withdrawn_observation_cannot_be_amended_or_withdrawn_again() -> None:
    """A withdrawn observation is closed; changing it would resurrect evidence that no longer counts."""
    w = withdrawn(stored(), Withdrawal(reason="wrong pupil"), TEACHER)
    with pytest.raises(Invalid, match="withdrawn observation cannot be amended"):
        amended(w, ObservationAmendment(changes={"activity": "x"}, reason="undo"), TEACHER)
    with pytest.raises(Invalid, match="already withdrawn"):
        withdrawn(w, Withdrawal(reason="again"), TEACHER)


def test_reasons_must_be_meaningful() -> None:
    """An audit trail of empty reasons is no audit trail."""
    with pytest.raises(ValidationError):
        ObservationAmendment(changes={}, reason="")
    with pytest.raises(ValidationError):
        Withdrawal(reason="x")


# --- unique pupil numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [("A123456789012", "A123456789012"), (" a12345678901z ", "A12345678901Z"),
                                           ("z000000000000", "Z000000000000")])
def test_upn_is_normalised(raw: str, expected: str) -> None:
    """UPNs are matched across imports and exports; case and padding must not create two pupils."""
    assert normalise_upn(raw) == expected


@pytest.mark.parametrize("raw", ["", "A12345678901", "A1234567890123", "1123456789012", "A12345678901-", "A 23456789012",
                                 "A123456789012\nB", "AA23456789012"])
def test_malformed_upn_is_rejected(raw: str) -> None:
    """A malformed UPN in the statutory return is rejected by the DfE; catch it at entry."""
    with pytest.raises(ValueError, match="13-character"):
        normalise_upn(raw)


def test_upn_rejects_non_ascii_digits() -> None:
    """Only ASCII digits are valid in a UPN; Arabic-Indic digits would pass and corrupt the statutory return."""
    with pytest.raises(ValueError):
        normalise_upn("A\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u06612")
