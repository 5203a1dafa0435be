"""Pure catalogue checks: qualification numbers and rules of combination (R-REG-1, R-RES-2)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

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
