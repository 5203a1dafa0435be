"""The pure results rules: outcomes, the stage machine, submission, receipt, dispatch, CSV rows."""

import datetime
from decimal import Decimal

from qualifications.validators import RulesOfCombination
from results.models import Stage
from results.validators import (
    CSV_COLUMNS,
    GradeOption,
    ImportFacts,
    ImportUnit,
    LearnerForSubmission,
    UnitGrade,
    csv_rows_read,
    csv_rows_validate,
    dispatch_errors,
    learner_outcome,
    receipt_date_errors,
    submission_errors,
    transition_error,
)

# The default grade rule (decision 0110): 3, 2, 1 points per credit, each grade at that average.
D = GradeOption(1, "D", "Distinction", True, 1, 3, Decimal(3))
M = GradeOption(2, "M", "Merit", True, 2, 2, Decimal(2))
P = GradeOption(3, "P", "Pass", True, 3, 1, Decimal(1))
F = GradeOption(4, "F", "Fail", False, 4, 0, None)
SCHEME = (D, M, P, F)
RULES = RulesOfCombination(
    mandatory_units=frozenset({"U1", "U2"}),
    optional_units=frozenset({"U3", "U4"}),
    unit_credits={"U1": 5, "U2": 5, "U3": 5, "U4": 5},
    minimum_credits=15,
)


def _outcome(grades, not_claiming=False):
    return learner_outcome(
        rules=RULES,
        unit_grades=[UnitGrade(ref, f"Unit {ref}", grade) for ref, grade in grades.items()],
        not_claiming=not_claiming,
        qualification_grades=SCHEME,
    )


def test_r_res_2_achieved_when_mandatory_units_pass_and_credits_suffice():
    outcome = _outcome({"U1": M, "U2": P, "U3": P})

    assert outcome.qualification_achieved
    assert outcome.summary == "Qualification achieved: Pass"


def test_r_res_2_failed_units_are_recorded_but_never_count():
    outcome = _outcome({"U1": D, "U2": D, "U3": F, "U4": F})

    assert not outcome.qualification_achieved
    assert [u.reference for u in outcome.failed_units] == ["U3", "U4"]
    assert "10 credits passed; at least 15 are needed." in outcome.reasons


def test_r_res_2_a_missing_mandatory_unit_means_units_only():
    outcome = _outcome({"U1": P, "U3": P, "U4": P})

    assert not outcome.qualification_achieved
    assert outcome.claims_units_only
    assert outcome.summary == "Not achieved; unit certificates for U1, U3, U4"


def test_r_res_2_certification_grades_the_qualification_by_the_catalogues_points_rule():
    assert _outcome({"U1": D, "U2": M, "U3": D}).qualification_grade == "Merit"  # 2.67
    assert _outcome({"U1": D, "U2": D, "U3": D, "U4": D}).qualification_grade == "Distinction"
    # Not the lowest unit grade (Pass): the average of 3, 3 and 1 points per credit is 2.33.
    assert _outcome({"U1": D, "U2": D, "U3": P}).qualification_grade == "Merit"


def test_not_claiming_claims_nothing_whatever_the_grades():
    outcome = _outcome({"U1": D, "U2": D, "U3": D}, not_claiming=True)

    assert not outcome.qualification_achieved
    assert outcome.summary == "Not claiming this time"


def test_r_res_1_the_state_machine_allows_only_its_transitions():
    assert transition_error(Stage.DRAFT, Stage.SUBMITTED) == ""
    assert transition_error(Stage.QUERIED, Stage.SUBMITTED) == ""
    assert transition_error(Stage.DISPATCHED, Stage.RECEIVED) == ""
    message = transition_error(Stage.DRAFT, Stage.CONFIRMED)
    assert message == (
        "These results are Draft, so they cannot be moved to Confirmed. "
        "From Draft they can only move to Submitted."
    )
    assert "Received is the last stage." in transition_error(Stage.RECEIVED, Stage.DRAFT)


def _learner(**overrides):
    values = {
        "registration_id": 7,
        "learner_name": "Zoë O'Brien",
        "not_claiming": False,
        "graded_units": 2,
        "assessor_name": "Ann",
        "internal_verifier_name": "Ivan",
        "decision_reason": "Meets the criteria",
    }
    values.update(overrides)
    return LearnerForSubmission(**values)


def test_r_res_1_every_learner_needs_results_or_not_claiming():
    errors = submission_errors(
        [_learner(graded_units=0), _learner(registration_id=8, not_claiming=True, graded_units=0)]
    )

    assert [(e.field, e.message) for e in errors] == [
        (
            "grade-7",
            "Zoë O'Brien: enter at least one unit grade, or mark the learner as not claiming "
            "this time.",
        )
    ]


def test_r_crt_7_claimed_results_need_assessor_internal_verifier_and_reason():
    errors = submission_errors(
        [_learner(assessor_name="", internal_verifier_name=" ", decision_reason="")]
    )

    assert [e.field for e in errors] == [
        "assessor_name-7",
        "internal_verifier_name-7",
        "decision_reason-7",
    ]


def test_r_crt_5_received_date_not_in_the_future_nor_before_dispatch():
    today = datetime.date(2026, 3, 10)
    dispatched = datetime.date(2026, 3, 2)

    future = receipt_date_errors(
        received=datetime.date(2026, 3, 11), dispatched_on=dispatched, today=today
    )
    early = receipt_date_errors(
        received=datetime.date(2026, 3, 1), dispatched_on=dispatched, today=today
    )
    fine = receipt_date_errors(received=dispatched, dispatched_on=dispatched, today=today)

    assert future[0].field == "received_date" and "cannot be in the future" in future[0].message
    assert early[0].message == (
        "Date received cannot be before the certificates were dispatched on 02/03/2026."
    )
    assert fine == []


def test_r_crt_4_dispatch_records_carrier_and_tracking_reference():
    errors = dispatch_errors(
        carrier="",
        carriers=["royal_mail"],
        tracking_reference="  ",
        dispatched_on=datetime.date(2026, 3, 1),
        certificated_on=datetime.date(2026, 3, 2),
        today=datetime.date(2026, 3, 10),
    )

    assert {e.field: e.code for e in errors} == {
        "carrier": "required",
        "tracking_reference": "required",
        "dispatched_on": "before_certification",
    }


FACTS = ImportFacts(
    by_registration_number={"R1": 1, "R2": 2},
    by_uln={"9276308686": 2},
    names={1: "Amira", 2: "Kwame"},
    units={"U1": ImportUnit(11, "U1", {"P": 3, "pass": 3, "F": 4}, "P (Pass), F (Fail)")},
)
HEADER = ",".join(CSV_COLUMNS) + "\n"


def test_csv_rows_report_row_column_value_and_reason():
    content = HEADER + (
        "R1,,U1,Pass,Ann,Ivan,Meets,No\n"
        "R9,,U1,P,,,,\n"
        ",9276308686,U1,Q,,,,\n"
        "R2,,,,,,,Yes\n"
        "R1,,U1,P,,,,\n"
    )
    rows, header_errors = csv_rows_read(content, ",")
    entries, errors, accepted = csv_rows_validate(rows, FACTS)

    assert header_errors == []
    assert accepted == 2
    assert [(e.row, e.column, e.value) for e in errors] == [
        (3, "Registration number", "R9"),
        (4, "Grade", "Q"),
        (6, "Unit reference", "U1"),
    ]
    assert errors[1].reason == (
        "Not a grade of unit U1's grading scheme. Valid grades: P (Pass), F (Fail)."
    )
    assert {e.registration_id: (dict(e.grades), e.not_claiming) for e in entries} == {
        1: ({11: 3}, False),
        2: ({}, True),
    }


def test_csv_header_must_name_every_column():
    _rows, errors = csv_rows_read("ULN;Grade\n1;P\n", ";")

    assert errors and errors[0].row == 1 and errors[0].column == "Registration number"


def test_r_res_1_a_results_file_with_a_header_and_no_rows_says_so():
    rows, errors = csv_rows_read(HEADER + ",,,,,,,\n", ",")
    assert rows == []
    assert errors[0].reason.startswith("The file has no rows")
