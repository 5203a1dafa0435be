"""Pure catalogue checks: qualification numbers and rules of combination (R-REG-1, R-RES-2)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

QUALIFICATION_NUMBER_PATTERN = re.compile(r"^(\d{3})/(\d{4})/([0-9X])$", re.ASCII)
QUALIFICATION_NUMBER_WEIGHTS = (8, 7, 6, 5, 4, 3, 2)


@dataclass(frozen=True)
class QualificationNumberCheck:
    """The outcome of checking a number: `error` refuses it, `warning` only advises (R-REG-1)."""

    number: str
    error: str = ""
    warning: str = ""
    expected_check_character: str = ""

    @property
    def is_well_formed(self) -> bool:
        return not self.error


def qualification_check_character(digits: str) -> str:
    """The Ofqual-style check character of seven digits: sum weighted 8..2, mod 11, 10 is X."""
    total = sum(int(d) * w for d, w in zip(digits, QUALIFICATION_NUMBER_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def qualification_number_normalise(value: str) -> str:
    return "".join(value.split()).upper()


def qualification_number_check(value: str) -> QualificationNumberCheck:
    """`NNN/NNNN/C`: a wrong shape is an error; a check-character mismatch only a warning.

    The check rule is inferred from published numbers (601/2977/3, 500/7911/6), so a number the
    regulator really issued might not follow it: the catalogue manager is warned, not refused.
    """
    number = qualification_number_normalise(value)
    match = QUALIFICATION_NUMBER_PATTERN.match(number)
    if not match:
        return QualificationNumberCheck(
            number=number,
            error="Qualification number must be in the form NNN/NNNN/C, for example 601/2977/3.",
        )
    expected = qualification_check_character(match.group(1) + match.group(2))
    if match.group(3) != expected:
        return QualificationNumberCheck(
            number=number,
            expected_check_character=expected,
            warning=(
                f"The check character of {number} would usually be {expected}, not "
                f"{match.group(3)}. Check the number against the regulator's register."
            ),
        )
    return QualificationNumberCheck(number=number, expected_check_character=expected)


def qualification_is_open_on(
    *, start: datetime.date, end: datetime.date | None, day: datetime.date
) -> bool:
    """Operational on `day`: from the start date to the end date (if any), both inclusive."""
    return start <= day and (end is None or day <= end)


def qualification_closed_error(
    *, start: datetime.date, end: datetime.date | None, day: datetime.date, label: str
) -> str:
    """The one message for "not open on that day" (course-run start dates and registration
    dates alike), or "" when it is open."""
    if qualification_is_open_on(start=start, end=end, day=day):
        return ""
    until = f" to {end:%d/%m/%Y}" if end is not None else " onwards"
    return f"{label} is not open on {day:%d/%m/%Y}; it is open from {start:%d/%m/%Y}{until}."


@dataclass(frozen=True)
class RulesOfCombination:
    """How a qualification is achieved: every mandatory unit, and at least `minimum_credits`
    from mandatory plus optional units. `unit_credits` maps each unit reference to its credits."""

    mandatory_units: frozenset[str]
    optional_units: frozenset[str]
    unit_credits: Mapping[str, int]
    minimum_credits: int


@dataclass(frozen=True)
class AchievementOutcome:
    achieved: bool
    credits: int
    missing_mandatory_units: tuple[str, ...] = ()
    reasons: tuple[str, ...] = field(default_factory=tuple)


def qualification_achieved(
    *, rules: RulesOfCombination, passed_units: Iterable[str]
) -> AchievementOutcome:
    """Whether a set of passed unit references meets the rules of combination (R-RES-2).

    Units that are not part of the qualification earn no credit toward it. Pass only the units
    the learner passed: failed units never count (R-RES-2)."""
    passed = set(passed_units)
    counted = passed & (rules.mandatory_units | rules.optional_units)
    credits = sum(rules.unit_credits.get(ref, 0) for ref in counted)
    missing = tuple(sorted(rules.mandatory_units - passed))
    reasons: list[str] = []
    if missing:
        reasons.append("Mandatory units not passed: " + ", ".join(missing) + ".")
    if credits < rules.minimum_credits:
        reasons.append(f"{credits} credits passed; at least {rules.minimum_credits} are needed.")
    return AchievementOutcome(
        achieved=not reasons,
        credits=credits,
        missing_mandatory_units=missing,
        reasons=tuple(reasons),
    )


# --- rules of combination that can be met (issue 14, decision 0110) -----------------------------


# What each problem asks the catalogue manager to correct.
RULES_PROBLEM_FIELDS = {
    "minimum_above_credit_value": "minimum_credits",
    "minimum_above_units": "minimum_credits",
    "mandatory_above_credit_value": "credit_value",
    "mandatory_unit_closed": "operational_end_date",
}


def rules_of_combination_errors(
    *,
    credit_value: int,
    minimum_credits: int,
    mandatory_unit_credits: Sequence[int],
    optional_unit_credits: Sequence[int],
    mandatory_units_closed: Sequence[str] = (),
) -> dict[str, str]:
    """Why a qualification could never be achieved, keyed by problem (`RULES_PROBLEM_FIELDS`
    says which field each one is about); empty when it can be. `mandatory_units_closed` names
    mandatory units never operational while the qualification is."""
    errors: dict[str, str] = {}
    available = sum(mandatory_unit_credits) + sum(optional_unit_credits)
    mandatory = sum(mandatory_unit_credits)
    if minimum_credits > credit_value:
        errors["minimum_above_credit_value"] = (
            f"Minimum credits ({minimum_credits}) cannot be more than the qualification's credit "
            f"value ({credit_value})."
        )
    elif minimum_credits > available:
        errors["minimum_above_units"] = (
            f"Minimum credits ({minimum_credits}) is more than its units can give: together they "
            f"carry {available} credit{'s' if available != 1 else ''}. Lower the minimum or add "
            "units first."
        )
    if mandatory > credit_value:
        errors["mandatory_above_credit_value"] = (
            f"Its mandatory units carry {mandatory} credits, more than the credit value "
            f"({credit_value}). Raise the credit value or make a unit optional."
        )
    if mandatory_units_closed:
        errors["mandatory_unit_closed"] = (
            "Mandatory unit " + ", ".join(mandatory_units_closed) + " is not operational at any "
            "time the qualification is, so no learner could pass it."
        )
    return errors


def operational_periods_overlap(
    *,
    start: datetime.date,
    end: datetime.date | None,
    other_start: datetime.date,
    other_end: datetime.date | None,
) -> bool:
    """Whether two operational periods (end dates inclusive, None for open-ended) share a day."""
    return (end is None or other_start <= end) and (other_end is None or start <= other_end)


# --- the qualification grade from the unit grades (issue 14, decision 0110) ---------------------


@dataclass(frozen=True)
class GradePoints:
    """One grade of a scheme as the grade rule sees it."""

    code: str
    label: str
    is_pass: bool
    position: int  # 1 is the highest
    points: int  # earned per credit by a unit graded this
    qualification_threshold: Decimal | None  # average points per credit to award it


@dataclass(frozen=True)
class UnitGradePoints:
    """A counted, passed unit: its credits and the points its grade earns per credit."""

    reference: str
    credits: int
    points: int


def default_grade_points(is_pass_from_highest: Sequence[bool]) -> list[tuple[int, Decimal | None]]:
    """The rule a new scheme starts with: passes earn 1, 2, 3 ... points per credit from the
    lowest pass up, and each pass is the qualification's grade at that average or above."""
    result: list[tuple[int, Decimal | None]] = []
    points = sum(1 for is_pass in is_pass_from_highest if is_pass)
    for is_pass in is_pass_from_highest:
        if is_pass:
            result.append((points, Decimal(points)))
            points -= 1
        else:
            result.append((0, None))
    return result


def average_points_per_credit(unit_grades: Sequence[UnitGradePoints]) -> Decimal:
    """Credit-weighted average of the units' points; a plain average if no unit has credits."""
    if not unit_grades:
        return Decimal(0)
    credits = sum(u.credits for u in unit_grades)
    if credits:
        total = sum((Decimal(u.credits * u.points) for u in unit_grades), Decimal(0))
        return total / credits
    return Decimal(sum(u.points for u in unit_grades)) / len(unit_grades)


def qualification_grade_from_unit_grades(
    *, unit_grades: Sequence[UnitGradePoints], qualification_grades: Sequence[GradePoints]
) -> GradePoints | None:
    """The qualification's grade, for a learner who achieved it, from the units that count.

    The highest passing grade of the qualification's scheme whose threshold the units' average
    points per credit reaches; the lowest pass if none is reached; None if the scheme has no
    pass. Call it only once `qualification_achieved` says the rules of combination are met."""
    passes = sorted((g for g in qualification_grades if g.is_pass), key=lambda g: g.position)
    if not passes:
        return None
    average = average_points_per_credit(unit_grades)
    for grade in passes:
        if grade.qualification_threshold is not None and average >= grade.qualification_threshold:
            return grade
    return passes[-1]


def qualification_grades_awarded(qualification_grades: Sequence[GradePoints]) -> list[GradePoints]:
    """The grades the rule above can award a qualification, highest first: every pass with a
    threshold, and the lowest pass (awarded when no threshold is reached). A qualification
    graded as a whole is corrected only to one of these (decision 0160)."""
    passes = sorted((g for g in qualification_grades if g.is_pass), key=lambda g: g.position)
    return [g for g in passes if g.qualification_threshold is not None or g is passes[-1]]


def grade_rule_description(qualification_grades: Sequence[GradePoints]) -> list[str]:
    """The grade rule in words, one sentence per grade, highest first, for the catalogue pages."""
    lines = []
    for grade in sorted(qualification_grades, key=lambda g: g.position):
        plural = "s" if grade.points != 1 else ""
        earns = f"A unit graded {grade.label} earns {grade.points} point{plural} per credit"
        if not grade.is_pass:
            lines.append(f"{earns}; it is not a pass and never counts.")
        elif grade.qualification_threshold is None:
            lines.append(f"{earns}; {grade.label} is not awarded as a qualification grade.")
        else:
            lines.append(
                f"{earns}; the qualification is graded {grade.label} when the average is at "
                f"least {grade.qualification_threshold.normalize():f}."
            )
    return lines
