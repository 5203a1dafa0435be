"""The learner CSV import: plan (Validate) and apply (Upload), run by the registration import's
job lifecycle (`registrations.imports`, a job of kind "learners"), so it has the same
Validate -> report -> Upload or Cancel flow, the same stored report and the same background
work for large files.

- Every row is checked with the learner rules of the registration form (R-LRN-1 to R-LRN-6,
  `validators.learner_details_check`) and, when it names a qualification, the registration rules
  (`registrations.validators.registration_change_errors`).
- A row whose ULN, or (without a ULN match) name and date of birth, matches a learner of the
  same centre updates that learner, and the report says so; an empty cell leaves the recorded
  value as it is. A second row for the same learner in one file is refused, naming the first.
- Planning reads the centre's learners, qualifications, course runs and registrations in a few
  queries whatever the size of the file. Upload writes through the learner and registration
  services (`learner_create`, `learner_update`, `registration_create`), so each change is
  audited and a change the LRS checks makes the learner unverified (R-LRN-7)."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone

from registrations.csv_format import parse_date
from registrations.import_rules import CourseRunOption, course_run_for_new_registration
from registrations.imports import NOT_IMPORTED, ImportPlan
from registrations.models import CourseRun, Registration, RegistrationStatus
from registrations.validators import RegistrationRecord, registration_change_errors

from .csv_columns import (
    CHOICES,
    COLUMN_LABELS,
    LEARNER_COLUMNS,
    choice_code,
    choice_problem,
    parse_learner_csv,
)
from .models import Learner
from .reference_data import prison_postcodes, prohibited_text
from .services import LEARNER_FIELDS, LearnerRejected, learner_create, learner_update
from .validators import learner_details_check, name_match_key

if TYPE_CHECKING:
    from accounts.models import User
    from providers.models import Provider
    from registrations.models import ImportJob

PROGRESS_EVERY = 500
QUALIFICATION = COLUMN_LABELS["qualification_number"]


@dataclass
class PlannedLearner:
    """What Upload does with one accepted row."""

    row: int
    action: str  # "create", "update" or "unchanged" (the learner)
    learner_id: int | None
    name: str
    uln: str
    details: dict[str, Any]  # all fields to create with, or only the changed ones
    date_of_birth: datetime.date | None = None  # as it will be, for the registration's age rule
    matched_by: str = ""  # "ULN" or "name and date of birth", for an existing learner
    qualification_number: str = ""
    course_run_id: int | None = None
    registration_date: datetime.date | None = None

    @property
    def is_request(self) -> bool:
        """A registration request follows (the report counts them)."""
        return self.course_run_id is not None


@dataclass
class LearnerImportPlan(ImportPlan):
    """The registration import's plan and report, with learners as the planned rows and, in the
    summary, the rows that update or match a learner already at the centre."""

    planned: list[Any] = field(default_factory=list)
    matches: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        counts = super().summary()
        counts["matches"] = self.matches
        return counts

    def digest(self) -> str:
        hasher = hashlib.sha256()
        for p in self.planned:
            hasher.update(
                repr(
                    (
                        p.row,
                        p.action,
                        p.learner_id,
                        sorted((k, str(v)) for k, v in p.details.items()),
                        p.course_run_id,
                        p.registration_date,
                    )
                ).encode()
            )
        return hasher.hexdigest()


@dataclass
class _Facts:
    """What planning needs from the database, read once per file."""

    by_uln: dict[str, Learner]
    by_name: dict[tuple[str, datetime.date], list[Learner]]
    qualifications: dict[str, Any]
    approved: set[int]
    runs: dict[int, list[CourseRun]]  # qualification id -> the centre's course runs
    registered: set[tuple[int, int]]  # (learner id, qualification id), not void


def _facts(provider: Provider, rows: list[dict[str, Any]], lock: bool) -> _Facts:
    from qualifications.models import Qualification
    from qualifications.selectors import approved_qualification_ids

    ulns = {r["uln"] for r in rows if r.get("uln")}
    keys = {r["_key"] for r in rows if r.get("_key")}
    learners = Learner.objects.filter(provider=provider).filter(
        Q(uln__in=ulns) | Q(name_match_key__in=keys)
    )
    if lock:
        learners = learners.select_for_update().order_by("pk")
    found = list(learners)
    by_name: dict[tuple[str, datetime.date], list[Learner]] = {}
    for learner in found:
        by_name.setdefault((learner.name_match_key, learner.date_of_birth), []).append(learner)
    numbers = {r["qualification_number"] for r in rows if r.get("qualification_number")}
    qualifications = {q.number: q for q in Qualification.objects.filter(number__in=numbers)}
    runs: dict[int, list[CourseRun]] = {}
    registered: set[tuple[int, int]] = set()
    if qualifications:
        for run in CourseRun.objects.filter(
            provider=provider, qualification__in=qualifications.values()
        ).select_related("qualification"):
            runs.setdefault(run.qualification_id, []).append(run)
        registered = set(
            Registration.objects.filter(
                learner__in=found,
                course_run__qualification__in=qualifications.values(),
                voided_at__isnull=True,
            ).values_list("learner_id", "course_run__qualification_id")
        )
    return _Facts(
        by_uln={learner.uln: learner for learner in found if learner.uln},
        by_name=by_name,
        qualifications=qualifications,
        approved=approved_qualification_ids(provider_id=provider.pk) if qualifications else set(),
        runs=runs,
        registered=registered,
    )


def _read(row: Any, plan: LearnerImportPlan) -> dict[str, Any] | None:
    """Cells to values: choice codes, dates. Problems go to the report; None if any."""
    values: dict[str, Any] = {}
    bad = False
    for column, value, reason in row.problems:
        plan.reject(row.row, column, value, reason)
        bad = True
    for key, text in row.cells.items():
        if not text:
            continue
        if key in CHOICES:
            code = choice_code(key, text)
            if code is None:
                plan.reject(row.row, COLUMN_LABELS[key], text, choice_problem(key))
                bad = True
                continue
            values[key] = code
        elif key in ("date_of_birth", "registration_date"):
            day, reason = parse_date(text)
            if reason:
                plan.reject(row.row, COLUMN_LABELS[key], text, reason)
                bad = True
                continue
            values[key] = day
        else:
            values[key] = text
    if bad:
        return None
    if values.get("given_name") and values.get("family_name"):
        values["_key"] = name_match_key(str(values["given_name"]), str(values["family_name"]))
    values["uln"] = "".join(str(values.get("uln") or "").split())
    return values


def _match(values: dict[str, Any], facts: _Facts) -> tuple[Learner | None, str, str]:
    """(learner, matched by, problem): the centre's learner this row is about, if any."""
    uln = values.get("uln") or ""
    if uln and uln in facts.by_uln:
        return facts.by_uln[uln], "ULN", ""
    dob = values.get("date_of_birth")
    same = facts.by_name.get((values.get("_key", ""), dob), []) if dob else []
    if not same:
        return None, "", ""
    if len(same) > 1:
        return (
            None,
            "",
            (
                f"{len(same)} learners at your centre have this name and date of birth; add the "
                "learner's ULN to say which one this row is about."
            ),
        )
    learner = same[0]
    if uln and learner.uln:
        return (
            None,
            "",
            (
                f"{learner.full_name}, born {learner.date_of_birth:%d/%m/%Y}, is already a learner "
                f"at your centre with the ULN {learner.uln}. If this is the same person, correct "
                "the ULN in this row; to change their ULN, edit the learner."
            ),
        )
    return learner, "name and date of birth", ""


def learner_import_plan(
    *,
    content: bytes,
    separator: str,
    provider: Provider,
    acting_user: User,
    lock: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> LearnerImportPlan:
    """What Upload would do with each row of a learner CSV, and every problem. Writes nothing."""
    parsed = parse_learner_csv(content, separator)
    plan = LearnerImportPlan(file_error=parsed.file_error, data_rows=len(parsed.rows))
    if parsed.file_error:
        return plan
    read = [(row, _read(row, plan)) for row in parsed.rows]
    facts = _facts(provider, [values for _, values in read if values], lock)
    today = timezone.localdate()
    prisons, prohibited = prison_postcodes(), prohibited_text()
    first_row: dict[tuple[str, Any], int] = {}
    for done, (row, values) in enumerate(read, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, len(read))
        if values is None:
            continue
        before = len(plan.report)
        planned = _plan_row(row.row, values, facts, today, prisons, prohibited, plan)
        if planned is None or len(plan.report) > before:
            continue
        # The same learner twice in one file: by ULN, by the learner matched, by name and birth.
        identities: list[tuple[str, Any]] = (
            [("learner", planned.learner_id)] if planned.learner_id else []
        )
        if planned.uln:
            identities.append(("uln", planned.uln))
        if values.get("_key") and values.get("date_of_birth"):
            identities.append(("name", (values["_key"], values["date_of_birth"])))
        earlier = next((first_row[i] for i in identities if i in first_row), None)
        if earlier is not None:
            plan.reject(
                row.row,
                "",
                planned.name,
                f"This learner is also in row {earlier}; give each learner one row.",
            )
            continue
        for identity in identities:
            first_row[identity] = row.row
        if planned.qualification_number and not _plan_registration(
            planned, facts, provider, acting_user, today, plan
        ):
            continue
        plan.planned.append(planned)
        if planned.learner_id is not None:
            plan.matches.append(
                {
                    "row": planned.row,
                    "learner_id": planned.learner_id,
                    "name": planned.name,
                    "by": planned.matched_by,
                    "outcome": (
                        f"Updates {', '.join(COLUMN_LABELS[k] for k in planned.details)}"
                        if planned.action == "update"
                        else "No changes"
                    ),
                }
            )
    if progress is not None:
        progress(len(read), len(read))
    return plan


def _plan_row(
    row: int,
    values: dict[str, Any],
    facts: _Facts,
    today: datetime.date,
    prisons: Any,
    prohibited: Any,
    plan: LearnerImportPlan,
) -> PlannedLearner | None:
    learner, matched_by, problem = _match(values, facts)
    if problem:
        plan.reject(row, "ULN", values.get("uln", ""), problem)
        return None
    given = {k: v for k, v in values.items() if k in LEARNER_FIELDS}
    if learner is None:
        details: dict[str, Any] = dict.fromkeys(LEARNER_FIELDS, "")
        details.update(given)
        details["date_of_birth"] = given.get("date_of_birth")
        details["country"] = given.get("country") or Learner._meta.get_field("country").default
    else:
        # An empty cell leaves the recorded value as it is.
        details = {name: getattr(learner, name) for name in LEARNER_FIELDS} | given
    cleaned, errors = learner_details_check(
        details,
        on_date=values.get("registration_date") or today,
        prison_postcodes=prisons,
        prohibited=prohibited,
    )
    if learner is not None and cleaned.get("date_of_birth") == learner.date_of_birth:
        errors = [e for e in errors if e.code != "age"]  # judged when they were registered
    for error in errors:
        column = COLUMN_LABELS.get(error.field, "")
        value = values.get(error.field, "")
        shown = value.strftime("%d/%m/%Y") if isinstance(value, datetime.date) else str(value)
        plan.reject(row, column, shown, error.message)
    if errors:
        return None
    name = " ".join(str(cleaned[k]) for k in ("given_name", "family_name"))
    date_of_birth = cleaned.get("date_of_birth")
    assert isinstance(date_of_birth, datetime.date)  # required, and checked above
    if learner is None:
        return PlannedLearner(
            row=row,
            action="create",
            learner_id=None,
            name=name,
            uln=str(cleaned.get("uln") or ""),
            details={k: cleaned[k] for k in LEARNER_FIELDS},
            date_of_birth=date_of_birth,
            qualification_number=str(values.get("qualification_number") or ""),
            registration_date=values.get("registration_date"),
        )
    changed = {k: cleaned[k] for k in LEARNER_FIELDS if cleaned[k] != getattr(learner, k)}
    return PlannedLearner(
        row=row,
        action="update" if changed else "unchanged",
        learner_id=learner.pk,
        name=name,
        uln=str(cleaned.get("uln") or ""),
        details=changed,
        date_of_birth=date_of_birth,
        matched_by=matched_by,
        qualification_number=str(values.get("qualification_number") or ""),
        registration_date=values.get("registration_date"),
    )


def _plan_registration(
    planned: PlannedLearner,
    facts: _Facts,
    provider: Provider,
    acting_user: User,
    today: datetime.date,
    plan: LearnerImportPlan,
) -> bool:
    """Plan the registration request a qualification number asks for (R-REG-2, R-REG-3,
    R-LRN-3). False (and the report says why) if the row cannot be imported."""
    from registrations.services import registration_facts

    number = planned.qualification_number
    qualification = facts.qualifications.get(number)
    if qualification is None:
        plan.reject(planned.row, QUALIFICATION, number, "No qualification has this number.")
        return False
    if planned.learner_id and (planned.learner_id, qualification.pk) in facts.registered:
        plan.note(
            planned.row,
            QUALIFICATION,
            number,
            f"{planned.name} is already registered for {number}.",
            "Learner imported; registration left as it is",
        )
        return True
    day = planned.registration_date or today
    options = [
        CourseRunOption(r.pk, r.start_date, r.planned_achievement_date, r.programme_name)
        for r in facts.runs.get(qualification.pk, [])
    ]
    chosen = course_run_for_new_registration(options, day)
    if chosen is None:
        plan.reject(
            planned.row,
            QUALIFICATION,
            number,
            f"Your centre has no course run of {number} running on {day:%d/%m/%Y} or later. "
            "Create the course run first.",
        )
        return False
    run = next(r for r in facts.runs[qualification.pk] if r.pk == chosen.pk)
    assert planned.date_of_birth is not None  # required: the row was checked first
    learner = Learner(provider=provider, date_of_birth=planned.date_of_birth)
    facts_for_row = registration_facts(
        course_run=run,
        learner=learner,
        acting_user=acting_user,
        today=today,
        provider_approved=qualification.pk in facts.approved,
    )
    proposed = RegistrationRecord(status=RegistrationStatus.REGISTERED, registration_date=day)
    errors = registration_change_errors(current=None, proposed=proposed, facts=facts_for_row)
    for error in errors:
        column = COLUMN_LABELS["registration_date"] if "date" in error.field else QUALIFICATION
        plan.reject(planned.row, column, number, error.message)
    if errors:
        return False
    planned.course_run_id = run.pk
    planned.registration_date = day
    return True


def learner_import_apply(
    plan: LearnerImportPlan, *, job: ImportJob, provider: Provider, acting_user: User
) -> dict[str, Any]:
    """Upload (inside the job's transaction): each row through the learner services, then its
    registration request through `registration_create`; all or nothing."""
    from registrations.imports import ImportOutdated, import_progress_set
    from registrations.services import RegistrationRejected

    created = updated = unchanged = 0
    issued: list[dict[str, Any]] = []
    runs = {
        r.pk: r
        for r in CourseRun.objects.filter(provider=provider).select_related(
            "qualification", "provider"
        )
    }
    for done, planned in enumerate(plan.planned, start=1):
        try:
            issued_now = _apply_row(planned, provider, acting_user, runs)
        except (LearnerRejected, RegistrationRejected) as rejected:
            raise ImportOutdated(
                f"Row {planned.row} can no longer be imported: {rejected.errors[0].message}"
            ) from rejected
        created += planned.action == "create"
        updated += planned.action == "update"
        unchanged += planned.action == "unchanged"
        if issued_now is not None:
            issued.append(issued_now)
        if done % PROGRESS_EVERY == 0:
            import_progress_set(job.pk, "uploading", done, len(plan.planned))
    return {
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "numbers_issued": issued,
    }


def _apply_row(
    planned: PlannedLearner, provider: Provider, acting_user: User, runs: dict[int, CourseRun]
) -> dict[str, Any] | None:
    """One row through the services; the registration number issued, if one was asked for."""
    from registrations.services import registration_create

    if planned.learner_id is None:
        learner = learner_create(
            provider=provider,
            details=planned.details,
            acting_user=acting_user,
            registration_date=planned.registration_date,
            confirm_possible_duplicate=True,
        )
    elif planned.action == "update":
        learner = learner_update(
            learner=Learner(pk=planned.learner_id), details=planned.details, acting_user=acting_user
        )
    else:
        learner = Learner.objects.get(pk=planned.learner_id)
    if planned.course_run_id is None:
        return None
    registration = registration_create(
        learner=learner,
        course_run=runs[planned.course_run_id],
        acting_user=acting_user,
        record=RegistrationRecord(
            status=RegistrationStatus.REGISTERED, registration_date=planned.registration_date
        ),
    )
    return {
        "row": planned.row,
        "uln": learner.uln,
        "name": learner.full_name,
        "qualification_number": planned.qualification_number,
        "registration_number": registration.registration_number or "",
    }


__all__ = [
    "LEARNER_COLUMNS",
    "NOT_IMPORTED",
    "LearnerImportPlan",
    "PlannedLearner",
    "learner_import_apply",
    "learner_import_plan",
]
