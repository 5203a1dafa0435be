"""The results rules as pure functions (R-RES-1, R-RES-2, R-CRT-5, R-CRT-7): the stage machine,
a learner's outcome from their unit grades, what submission needs, receipt dates and the rows
of a results CSV. Nothing here touches the database; services gather the facts and call these.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from awards_portal.csv_upload import NO_ROWS_MESSAGE
from learners.validators import FieldError
from qualifications.validators import (
    AchievementOutcome,
    GradePoints,
    RulesOfCombination,
    UnitGradePoints,
    qualification_achieved,
    qualification_grade_from_unit_grades,
)

from .models import Stage

# The state machine: (from, to) -> the action's name, as the history and messages say it.
TRANSITIONS: dict[tuple[str, str], str] = {
    (Stage.DRAFT, Stage.SUBMITTED): "submit",
    (Stage.QUERIED, Stage.SUBMITTED): "resubmit",
    (Stage.SUBMITTED, Stage.QUERIED): "query",
    (Stage.SUBMITTED, Stage.CONFIRMED): "confirm",
    (Stage.CONFIRMED, Stage.CERTIFICATED): "certificate",
    (Stage.CERTIFICATED, Stage.DISPATCHED): "dispatch",
    (Stage.DISPATCHED, Stage.RECEIVED): "confirm receipt",
}


def _label(stage: str) -> str:
    try:
        return Stage(stage).label
    except ValueError:
        return stage


def transition_error(current: str, target: str) -> str:
    """Empty when `current` may move to `target`; otherwise a message saying why not and what
    the course run can do next."""
    if (current, target) in TRANSITIONS:
        return ""
    onward = [_label(to) for (frm, to) in TRANSITIONS if frm == current]
    next_steps = (
        f"From {_label(current)} they can only move to {' or '.join(onward)}."
        if onward
        else f"{_label(current)} is the last stage."
    )
    return (
        f"These results are {_label(current)}, so they cannot be moved to {_label(target)}. "
        f"{next_steps}"
    )


# --- a learner's outcome (R-RES-2) -------------------------------------------------------------


@dataclass(frozen=True)
class GradeOption:
    """A grade a unit's (or the qualification's) grading scheme allows."""

    pk: int
    code: str
    label: str
    is_pass: bool
    position: int
    # The catalogue's grade rule (decision 0110): points per credit, and the average at which
    # the qualification is awarded this grade.
    points: int = 0
    qualification_threshold: Decimal | None = None


@dataclass(frozen=True)
class UnitGrade:
    reference: str
    title: str
    grade: GradeOption


@dataclass(frozen=True)
class LearnerOutcome:
    """What will be claimed for one learner: the qualification, units only, or nothing."""

    not_claiming: bool
    has_results: bool
    achievement: AchievementOutcome | None
    qualification_grade: str = ""
    passed_units: tuple[UnitGrade, ...] = ()
    failed_units: tuple[UnitGrade, ...] = ()

    @property
    def qualification_achieved(self) -> bool:
        return bool(self.achievement and self.achievement.achieved and not self.not_claiming)

    @property
    def claims_units_only(self) -> bool:
        return not self.not_claiming and not self.qualification_achieved and bool(self.passed_units)

    @property
    def summary(self) -> str:
        if self.not_claiming:
            return "Not claiming this time"
        if not self.has_results:
            return "No results yet"
        if self.qualification_achieved:
            return f"Qualification achieved: {self.qualification_grade}"
        if self.passed_units:
            units = ", ".join(u.reference for u in self.passed_units)
            return f"Not achieved; unit certificates for {units}"
        return "Not achieved; nothing to certificate"

    @property
    def reasons(self) -> tuple[str, ...]:
        if self.achievement is None or self.achievement.achieved:
            return ()
        return self.achievement.reasons


def qualification_grade(
    *,
    passed_units: Sequence[UnitGrade],
    qualification_grades: Sequence[GradeOption],
    unit_credits: Mapping[str, int],
) -> str:
    """The qualification's grade from the units that count, by the rule its grading scheme
    states (decision 0110, which replaces 0040's lowest-unit-grade rule)."""
    grade = qualification_grade_from_unit_grades(
        unit_grades=[
            UnitGradePoints(u.reference, unit_credits.get(u.reference, 0), u.grade.points)
            for u in passed_units
        ],
        qualification_grades=[
            GradePoints(g.code, g.label, g.is_pass, g.position, g.points, g.qualification_threshold)
            for g in qualification_grades
        ],
    )
    return grade.label if grade is not None and passed_units else ""


def learner_outcome(
    *,
    rules: RulesOfCombination,
    unit_grades: Iterable[UnitGrade],
    not_claiming: bool,
    qualification_grades: Sequence[GradeOption],
) -> LearnerOutcome:
    """The learner's outcome from their grades and the rules of combination (R-RES-2).

    Failed units are kept in `failed_units` (they are recorded) but never count."""
    grades = list(unit_grades)
    passed = tuple(sorted((u for u in grades if u.grade.is_pass), key=lambda u: u.reference))
    failed = tuple(sorted((u for u in grades if not u.grade.is_pass), key=lambda u: u.reference))
    if not grades:
        return LearnerOutcome(not_claiming=not_claiming, has_results=False, achievement=None)
    achievement = qualification_achieved(rules=rules, passed_units=[u.reference for u in passed])
    counted = rules.mandatory_units | rules.optional_units
    grade = (
        qualification_grade(
            passed_units=[u for u in passed if u.reference in counted],
            qualification_grades=qualification_grades,
            unit_credits=rules.unit_credits,
        )
        if achievement.achieved
        else ""
    )
    return LearnerOutcome(
        not_claiming=not_claiming,
        has_results=True,
        achievement=achievement,
        qualification_grade=grade,
        passed_units=passed,
        failed_units=failed,
    )


# --- entry and submission (R-RES-1, R-CRT-7) ---------------------------------------------------

TEXT_LIMITS = {
    "assessor_name": ("Assessor name", 128),
    "internal_verifier_name": ("Internal verifier name", 128),
    "decision_reason": ("Assessment decision reason", 500),
}


@dataclass(frozen=True)
class LearnerEntry:
    """What a person (grid) or a CSV file sets for one learner. `grades` maps unit pk to grade pk
    (None clears it); units not named are left as they are, and so is any field left None."""

    registration_id: int
    grades: Mapping[int, int | None] = field(default_factory=dict)
    not_claiming: bool | None = None
    assessor_name: str | None = None
    internal_verifier_name: str | None = None
    decision_reason: str | None = None


def grid_field(kind: str, registration_id: int, unit_id: int | None = None) -> str:
    """The grid's form field name (and element id) for one cell, so errors link to it."""
    return f"{kind}-{registration_id}" + (f"-{unit_id}" if unit_id is not None else "")


def entry_errors(
    *,
    entry: LearnerEntry,
    learner_name: str,
    allowed_grades: Mapping[int, frozenset[int]],
    unit_references: Mapping[int, str],
) -> list[FieldError]:
    """Grades must come from each unit's grading scheme; texts must fit (field names as the
    grid's, so the page can link each message to its cell)."""
    errors: list[FieldError] = []
    for unit_id, grade_id in entry.grades.items():
        name = grid_field("grade", entry.registration_id, unit_id)
        if unit_id not in allowed_grades:
            errors.append(
                FieldError(name, f"{learner_name}: that unit is not part of this qualification.")
            )
        elif grade_id is not None and grade_id not in allowed_grades[unit_id]:
            errors.append(
                FieldError(
                    name,
                    f"{learner_name}, unit {unit_references[unit_id]}: choose a grade from the "
                    "unit's grading scheme.",
                    "grade_not_in_scheme",
                )
            )
    for attribute, (label, limit) in TEXT_LIMITS.items():
        value = getattr(entry, attribute)
        if value is not None and len(value.strip()) > limit:
            errors.append(
                FieldError(
                    grid_field(attribute, entry.registration_id),
                    f"{learner_name}: {label.lower()} must be at most {limit} characters.",
                    "long",
                )
            )
    return errors


@dataclass(frozen=True)
class LearnerForSubmission:
    registration_id: int
    learner_name: str
    not_claiming: bool
    graded_units: int
    assessor_name: str
    internal_verifier_name: str
    decision_reason: str
    query_open: bool = False


def submission_errors(learners: Sequence[LearnerForSubmission]) -> list[FieldError]:
    """R-RES-1: every registered learner has results or is marked not claiming; a claimed
    result carries the assessment records the provider keeps (R-CRT-7)."""
    if not learners:
        return [FieldError("course_run", "There are no registered learners to submit.", "empty")]
    errors: list[FieldError] = []
    for learner in learners:
        if learner.not_claiming:
            continue
        rid = learner.registration_id
        if learner.graded_units == 0:
            errors.append(
                FieldError(
                    grid_field("grade", rid),
                    f"{learner.learner_name}: enter at least one unit grade, or mark the learner "
                    "as not claiming this time.",
                    "no_results",
                )
            )
            continue
        for attribute, (label, _limit) in TEXT_LIMITS.items():
            if not getattr(learner, attribute).strip():
                errors.append(
                    FieldError(
                        grid_field(attribute, rid),
                        f"{learner.learner_name}: enter the {label.lower()}.",
                        "required",
                    )
                )
    return errors


# --- receipt (R-CRT-5) --------------------------------------------------------------------------


def receipt_date_errors(
    *, received: datetime.date | None, dispatched_on: datetime.date, today: datetime.date
) -> list[FieldError]:
    if received is None:
        return [FieldError("received_date", "Enter the date the certificates arrived.", "required")]
    if received > today:
        return [
            FieldError(
                "received_date",
                "Date received cannot be in the future; enter the day the certificates arrived.",
                "future_date",
            )
        ]
    if received < dispatched_on:
        return [
            FieldError(
                "received_date",
                f"Date received cannot be before the certificates were dispatched on "
                f"{dispatched_on:%d/%m/%Y}.",
                "before_dispatch",
            )
        ]
    return []


def dispatch_errors(
    *,
    carrier: str,
    carriers: Iterable[str],
    tracking_reference: str,
    dispatched_on: datetime.date | None,
    certificated_on: datetime.date | None,
    today: datetime.date,
) -> list[FieldError]:
    """R-CRT-4: dispatch records the carrier and tracking reference."""
    errors: list[FieldError] = []
    if carrier not in set(carriers):
        errors.append(FieldError("carrier", "Choose the carrier.", "required"))
    reference = tracking_reference.strip()
    if not reference:
        errors.append(FieldError("tracking_reference", "Enter the tracking reference.", "required"))
    elif len(reference) > 128:
        errors.append(FieldError("tracking_reference", "Use at most 128 characters.", "long"))
    if dispatched_on is None:
        errors.append(FieldError("dispatched_on", "Enter the dispatch date.", "required"))
    elif dispatched_on > today:
        errors.append(
            FieldError("dispatched_on", "Dispatch date cannot be in the future.", "future_date")
        )
    elif certificated_on is not None and dispatched_on < certificated_on:
        errors.append(
            FieldError(
                "dispatched_on",
                f"Dispatch date cannot be before the certificates were issued on "
                f"{certificated_on:%d/%m/%Y}.",
                "before_certification",
            )
        )
    return errors


# --- results CSV --------------------------------------------------------------------------------

CSV_COLUMNS = (
    "Registration number",
    "ULN",
    "Unit reference",
    "Grade",
    "Assessor name",
    "Internal verifier name",
    "Assessment decision reason",
    "Not claiming",
)
MAX_CSV_BYTES = 2 * 1024 * 1024
DELIMITERS = {",": "Comma", ";": "Semicolon", "\t": "Tab", "|": "Pipe"}
YES = {"yes", "y", "true", "1"}
NO = {"", "no", "n", "false", "0"}


@dataclass(frozen=True)
class CsvError:
    """One problem in a file: spreadsheet row (the header is row 1), column, value, reason."""

    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass(frozen=True)
class ImportUnit:
    pk: int
    reference: str
    grades_by_code: Mapping[str, int]  # code (upper case) and label (casefolded) -> grade pk
    valid_grades: str  # as the error message lists them: "D (Distinction), F (Fail)"


@dataclass(frozen=True)
class ImportFacts:
    """The course run's learners and units, gathered once for the whole file."""

    by_registration_number: Mapping[str, int]  # -> registration pk
    by_uln: Mapping[str, int]
    names: Mapping[int, str]  # registration pk -> learner name
    units: Mapping[str, ImportUnit]  # reference (upper case) -> unit


def csv_rows_read(content: str, delimiter: str) -> tuple[list[dict[str, str]], list[CsvError]]:
    """The data rows keyed by column name, or the header's problems."""
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return [], [CsvError(1, "", "", "The file is empty.")]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        return [], [
            CsvError(
                1,
                column,
                "",
                f"The header has no '{column}' column. Columns, in order: "
                + ", ".join(CSV_COLUMNS)
                + ". Check the separator too.",
            )
            for column in missing
        ]
    rows: list[dict[str, str]] = []
    for values in reader:
        if not any(v.strip() for v in values):
            rows.append({})
            continue
        rows.append(
            {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
        )
    return (rows, []) if any(rows) else ([], [CsvError(2, "", "", NO_ROWS_MESSAGE)])


def _row_error(
    row_errors: list[CsvError], row: Mapping[str, str], index: int, column: str, reason: str
) -> None:
    row_errors.append(CsvError(index, column, row.get(column, ""), reason))


def csv_rows_validate(
    rows: Sequence[Mapping[str, str]], facts: ImportFacts
) -> tuple[list[LearnerEntry], list[CsvError], int]:
    """Every row checked (row, column, value, reason); returns the entries of the rows that
    passed, merged per learner, every error, and how many rows were accepted."""
    errors: list[CsvError] = []
    grades: dict[int, dict[int, int | None]] = {}
    texts: dict[int, dict[str, str]] = {}
    not_claiming: dict[int, bool] = {}
    seen_units: dict[tuple[int, int], int] = {}
    accepted = 0
    for index, row in enumerate(rows, start=2):
        if not row:
            continue
        row_errors: list[CsvError] = []

        number = row.get("Registration number", "")
        uln = row.get("ULN", "")
        registration_id = None
        if number:
            registration_id = facts.by_registration_number.get(number.upper())
            if registration_id is None:
                _row_error(
                    row_errors,
                    row,
                    index,
                    "Registration number",
                    "No registered learner on this course run has it.",
                )
        elif uln:
            registration_id = facts.by_uln.get(uln)
            if registration_id is None:
                _row_error(
                    row_errors,
                    row,
                    index,
                    "ULN",
                    "No registered learner on this course run has this ULN.",
                )
        else:
            _row_error(row_errors, row, index, "ULN", "Enter the registration number or the ULN.")
        claim_text = row.get("Not claiming", "").casefold()
        if claim_text not in YES | NO:
            _row_error(
                row_errors,
                row,
                index,
                "Not claiming",
                "Enter Yes or No (or leave it empty for No).",
            )
        reference = row.get("Unit reference", "").replace(" ", "").upper()
        grade_text = row.get("Grade", "")
        unit = facts.units.get(reference) if reference else None
        grade_id: int | None = None
        if reference and unit is None:
            _row_error(
                row_errors,
                row,
                index,
                "Unit reference",
                "This unit is not part of the course run's qualification.",
            )
        if grade_text and not reference:
            _row_error(row_errors, row, index, "Unit reference", "Enter the unit the grade is for.")
        if unit is not None:
            if not grade_text:
                _row_error(
                    row_errors, row, index, "Grade", f"Enter the grade for unit {unit.reference}."
                )
            else:
                grade_id = unit.grades_by_code.get(grade_text.upper()) or unit.grades_by_code.get(
                    grade_text.casefold()
                )
                if grade_id is None:
                    _row_error(
                        row_errors,
                        row,
                        index,
                        "Grade",
                        f"Not a grade of unit {unit.reference}'s grading scheme. Valid grades: "
                        f"{unit.valid_grades}.",
                    )
        if not reference and claim_text not in YES and registration_id is not None:
            _row_error(
                row_errors,
                row,
                index,
                "Unit reference",
                "Enter a unit and grade, or Yes under Not claiming.",
            )
        for attribute, (label, limit) in TEXT_LIMITS.items():
            column = {
                "assessor_name": "Assessor name",
                "internal_verifier_name": "Internal verifier name",
                "decision_reason": "Assessment decision reason",
            }[attribute]
            if len(row.get(column, "")) > limit:
                _row_error(
                    row_errors, row, index, column, f"{label} must be at most {limit} characters."
                )
        if registration_id is not None and unit is not None:
            key = (registration_id, unit.pk)
            if key in seen_units:
                _row_error(
                    row_errors,
                    row,
                    index,
                    "Unit reference",
                    f"Unit {unit.reference} for this learner is already on row {seen_units[key]}.",
                )
            else:
                seen_units[key] = index
        if registration_id is not None and not row_errors:
            learner_texts = texts.setdefault(registration_id, {})
            for attribute, column in (
                ("assessor_name", "Assessor name"),
                ("internal_verifier_name", "Internal verifier name"),
                ("decision_reason", "Assessment decision reason"),
            ):
                value = row.get(column, "")
                if value and learner_texts.get(attribute, value) != value:
                    _row_error(
                        row_errors,
                        row,
                        index,
                        column,
                        "Differs from an earlier row for the same learner.",
                    )
                elif value:
                    learner_texts[attribute] = value
        if row_errors:
            errors.extend(row_errors)
            continue
        assert registration_id is not None
        accepted += 1
        if unit is not None:
            grades.setdefault(registration_id, {})[unit.pk] = grade_id
        if claim_text in YES:
            not_claiming[registration_id] = True
        elif unit is not None:
            not_claiming.setdefault(registration_id, False)
    entries = []
    for registration_id in sorted(set(grades) | set(texts) | set(not_claiming)):
        learner_texts = texts.get(registration_id, {})
        entries.append(
            LearnerEntry(
                registration_id=registration_id,
                grades=grades.get(registration_id, {}),
                not_claiming=not_claiming.get(registration_id),
                assessor_name=learner_texts.get("assessor_name"),
                internal_verifier_name=learner_texts.get("internal_verifier_name"),
                decision_reason=learner_texts.get("decision_reason"),
            )
        )
    return entries, errors, accepted
