"""The qualification grade from the unit grades, and rules of combination that can be met."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from qualifications.models import Grade
from qualifications.selectors import grade_points_for
from qualifications.services import (
    GradeRow,
    grading_scheme_create,
    grading_scheme_update,
    qualification_unit_remove,
    qualification_unit_set,
    qualification_update,
    unit_update,
)
from qualifications.tests.factories import QualificationFactory, UnitFactory
from qualifications.validators import (
    GradePoints,
    UnitGradePoints,
    default_grade_points,
    grade_rule_description,
    qualification_grade_from_unit_grades,
    qualification_grades_awarded,
    rules_of_combination_errors,
)

PMD = [
    GradePoints("D", "Distinction", True, 1, 3, Decimal(3)),
    GradePoints("M", "Merit", True, 2, 2, Decimal("1.5")),
    GradePoints("P", "Pass", True, 3, 1, Decimal(1)),
    GradePoints("F", "Fail", False, 4, 0, None),
]


def test_r_res_2_qualification_grade_is_the_highest_whose_average_is_reached():
    units = [UnitGradePoints("A", 20, 3), UnitGradePoints("B", 20, 1)]  # average 2.0
    grade = qualification_grade_from_unit_grades(unit_grades=units, qualification_grades=PMD)
    assert grade is not None and grade.label == "Merit"


def test_r_res_2_qualification_grade_weights_units_by_credits():
    units = [UnitGradePoints("A", 50, 3), UnitGradePoints("B", 10, 1)]  # (150 + 10) / 60 = 2.67
    grade = qualification_grade_from_unit_grades(unit_grades=units, qualification_grades=PMD)
    assert grade is not None and grade.label == "Merit"
    units = [UnitGradePoints("A", 50, 3), UnitGradePoints("B", 0, 1)]
    grade = qualification_grade_from_unit_grades(unit_grades=units, qualification_grades=PMD)
    assert grade is not None and grade.label == "Distinction"


def test_the_grades_a_qualification_can_be_awarded_are_passes_with_a_threshold_and_the_lowest():
    no_merit = [PMD[0], GradePoints("M", "Merit", True, 2, 2, None), PMD[2], PMD[3]]
    assert [g.code for g in qualification_grades_awarded(no_merit)] == ["D", "P"]
    no_pass_threshold = [*PMD[:2], GradePoints("P", "Pass", True, 3, 1, None), PMD[3]]
    assert [g.code for g in qualification_grades_awarded(no_pass_threshold)] == ["D", "M", "P"]


def test_r_res_2_qualification_grade_falls_back_to_the_lowest_pass():
    scheme = [*PMD[:2], GradePoints("P", "Pass", True, 3, 1, None), PMD[3]]
    units = [UnitGradePoints("A", 10, 1)]
    grade = qualification_grade_from_unit_grades(unit_grades=units, qualification_grades=scheme)
    assert grade is not None and grade.label == "Pass"


def test_a_scheme_without_a_pass_gives_no_qualification_grade():
    assert (
        qualification_grade_from_unit_grades(
            unit_grades=[UnitGradePoints("A", 10, 0)], qualification_grades=[PMD[3]]
        )
        is None
    )


def test_default_points_count_up_from_the_lowest_pass():
    assert default_grade_points([True, True, False]) == [
        (2, Decimal(2)),
        (1, Decimal(1)),
        (0, None),
    ]


def test_the_grade_rule_is_stated_in_words():
    lines = grade_rule_description(PMD)
    assert lines[0] == (
        "A unit graded Distinction earns 3 points per credit; the qualification is graded "
        "Distinction when the average is at least 3."
    )
    assert (
        lines[3]
        == "A unit graded Fail earns 0 points per credit; it is not a pass and never counts."
    )


def test_r_reg_1_minimum_credits_cannot_exceed_what_the_units_give():
    errors = rules_of_combination_errors(
        credit_value=60, minimum_credits=50, mandatory_unit_credits=[20], optional_unit_credits=[10]
    )
    assert "more than its units can give" in errors["minimum_above_units"]


def test_r_reg_1_mandatory_units_cannot_exceed_the_credit_value():
    errors = rules_of_combination_errors(
        credit_value=30,
        minimum_credits=30,
        mandatory_unit_credits=[20, 20],
        optional_unit_credits=[],
    )
    assert set(errors) == {"mandatory_above_credit_value"}


def test_r_reg_1_minimum_credits_cannot_exceed_the_credit_value():
    errors = rules_of_combination_errors(
        credit_value=10, minimum_credits=12, mandatory_unit_credits=[], optional_unit_credits=[20]
    )
    assert set(errors) == {"minimum_above_credit_value"}


@pytest.mark.django_db
def test_r_reg_1_raising_minimum_credits_beyond_the_units_is_refused():
    qualification = QualificationFactory(credit_value=30, minimum_credits=10)
    qualification_unit_set(
        qualification=qualification,
        unit=UnitFactory(credit_value=10),
        mandatory=True,
        acting_user=None,
    )
    with pytest.raises(ValidationError) as error:
        qualification_update(qualification=qualification, acting_user=None, minimum_credits=25)
    assert "more than its units can give" in error.value.message_dict["minimum_credits"][0]
    qualification.refresh_from_db()
    assert qualification.minimum_credits == 10


@pytest.mark.django_db
def test_r_reg_1_removing_a_unit_the_minimum_needs_is_refused():
    qualification = QualificationFactory(credit_value=20, minimum_credits=20)
    first, second = UnitFactory(credit_value=10), UnitFactory(credit_value=10)
    for unit in (first, second):
        qualification_unit_set(
            qualification=qualification, unit=unit, mandatory=False, acting_user=None
        )
    with pytest.raises(ValidationError):
        qualification_unit_remove(qualification=qualification, unit=first, acting_user=None)
    assert qualification.unit_memberships.count() == 2


@pytest.mark.django_db
def test_r_reg_1_a_qualification_being_built_can_take_its_units_one_by_one():
    qualification = QualificationFactory(credit_value=20, minimum_credits=20)
    qualification_unit_set(
        qualification=qualification,
        unit=UnitFactory(credit_value=10),
        mandatory=True,
        acting_user=None,
    )
    assert qualification.unit_memberships.count() == 1


@pytest.mark.django_db
def test_r_reg_1_a_mandatory_unit_closed_before_the_qualification_opens_is_refused():
    qualification = QualificationFactory(
        credit_value=20, minimum_credits=10, operational_start_date=datetime.date(2024, 9, 1)
    )
    unit = UnitFactory(credit_value=10, operational_end_date=datetime.date(2023, 7, 31))
    with pytest.raises(ValidationError) as error:
        qualification_unit_set(
            qualification=qualification, unit=unit, mandatory=True, acting_user=None
        )
    assert "not operational" in error.value.message_dict["unit"][0]


@pytest.mark.django_db
def test_r_reg_1_lowering_a_units_credits_below_the_minimum_is_refused():
    qualification = QualificationFactory(credit_value=20, minimum_credits=10)
    unit = UnitFactory(credit_value=10)
    qualification_unit_set(qualification=qualification, unit=unit, mandatory=True, acting_user=None)
    with pytest.raises(ValidationError) as error:
        unit_update(unit=unit, acting_user=None, credit_value=5)
    assert qualification.number in error.value.message_dict["credit_value"][0]


@pytest.mark.django_db
def test_grading_scheme_edit_changes_points_adds_a_grade_and_is_audited_in_words():
    scheme = grading_scheme_create(
        name="Pass/Fail", grades=[("P", "Pass", True), ("F", "Fail", False)], acting_user=None
    )
    passed, failed = scheme.grades.order_by("position")
    grading_scheme_update(
        scheme=scheme,
        name="Pass/Merit/Fail",
        grades=[
            GradeRow("M", "Merit", True, 2, Decimal(2)),
            GradeRow("P", "Pass", True, 1, Decimal(1), pk=passed.pk),
            GradeRow("F", "Fail", False, 0, None, pk=failed.pk),
        ],
        acting_user=None,
    )
    assert [g.label for g in grade_points_for(scheme=scheme)] == ["Merit", "Pass", "Fail"]
    event = AuditEvent.objects.get(action="grading_scheme.update")
    assert event.after["name"] == "Pass/Merit/Fail"
    assert "M Merit: pass, 2 points, qualification at 2" in event.after["scheme_grades"]


@pytest.mark.django_db
def test_grading_scheme_refuses_two_grades_with_one_code():
    with pytest.raises(ValidationError) as error:
        grading_scheme_create(
            name="Odd", grades=[("P", "Pass", True), ("p", "Pass again", True)], acting_user=None
        )
    assert "repeated: P" in error.value.message_dict["grades"][0]


@pytest.mark.django_db
def test_grading_scheme_keeps_a_grade_results_use():
    from results.models import UnitResult
    from results.tests.factories import LearnerResultFactory

    learner_result = LearnerResultFactory()
    scheme = learner_result.registration.course_run.qualification.grading_scheme
    failed = scheme.grades.get(is_pass=False)
    UnitResult.objects.create(learner_result=learner_result, unit=UnitFactory(), grade=failed)
    rows = [
        GradeRow(g.code, g.label, g.is_pass, pk=g.pk) for g in scheme.grades.filter(is_pass=True)
    ]
    with pytest.raises(ValidationError) as error:
        grading_scheme_update(scheme=scheme, name=scheme.name, grades=rows, acting_user=None)
    assert "used by results" in error.value.message_dict["grades"][0]
    assert Grade.objects.filter(pk=failed.pk).exists()


@pytest.mark.django_db
def test_swapping_two_grade_codes_in_one_save_is_refused_with_a_message_not_an_error():
    scheme = grading_scheme_create(
        name="Pass/Fail", grades=[("P", "Pass", True), ("F", "Fail", False)], acting_user=None
    )
    passed, failed = scheme.grades.order_by("position")
    with pytest.raises(ValidationError) as error:
        grading_scheme_update(
            scheme=scheme,
            name="Pass/Fail",
            grades=[
                GradeRow("F", "Pass", True, pk=passed.pk),
                GradeRow("P", "Fail", False, pk=failed.pk),
            ],
            acting_user=None,
        )
    assert "To swap two codes" in error.value.message_dict["grades"][0]
