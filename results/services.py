"""Every write to results, audited: entry and CSV import, submission, verification, certification,
dispatch and receipt (R-RES-1, R-RES-2, R-RES-3, R-CRT-4, R-CRT-5, R-CRT-7).

Each stage change goes through `_transition`, which applies the state machine
(`validators.TRANSITIONS`), writes a history row (who, when, note) and an audit row. Services
raise `ResultsRejected` (a ValidationError keyed by field, with `.errors`) when a rule is broken,
and PermissionDenied when the user may not act on this course run at all."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone

from accounts.emails import email_send
from accounts.models import User
from accounts.roles import Capability, Role
from audit.services import audit_record
from awards_portal.csv_upload import decode_csv_bytes
from awards_portal.working_days import working_day_add
from learners.validators import FieldError
from registrations.models import CourseRun, Registration, RegistrationStatus
from registrations.services import registration_update_status
from registrations.validators import RegistrationRecord

from .models import (
    Consignment,
    CourseRunResults,
    LateCertificates,
    LearnerResult,
    ResultsImport,
    ResultsQuery,
    Stage,
    StageChange,
    UnitResult,
)
from .selectors import (
    RESULTS_STATUSES,
    import_facts_for,
    late_learner_results_for,
    learner_outcomes_for,
    results_grid_for,
)
from .validators import (
    DELIMITERS,
    MAX_CSV_BYTES,
    LearnerEntry,
    LearnerForSubmission,
    csv_rows_read,
    csv_rows_validate,
    dispatch_errors,
    entry_errors,
    receipt_date_errors,
    submission_errors,
    transition_error,
)

if TYPE_CHECKING:
    from providers.models import Provider

logger = logging.getLogger(__name__)
S = RegistrationStatus

RECEIPT_DEADLINE_WORKING_DAYS = 10  # R-CRT-5
RECEIPT_REMINDER_WORKING_DAY = 7


class ResultsRejected(ValidationError):
    """One or more results rules were broken; `errors` lists them by field with codes."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        by_field: dict[str, list[str]] = {}
        for error in errors:
            by_field.setdefault(error.field, []).append(error.message)
        super().__init__(by_field)


def _reject(field: str, message: str, code: str = "invalid") -> ResultsRejected:
    return ResultsRejected([FieldError(field, message, code)])


# --- who may act --------------------------------------------------------------------------------


def _require_provider_user(user: User | None, course_run: CourseRun, capability: str) -> None:
    """Results entry and receipt are the provider's own work, for its own course runs (no user:
    the system itself, loading demo data)."""
    if user is None:
        return
    if user.is_ao_staff or user.organisation_id != course_run.provider.organisation_id:
        raise PermissionDenied("Only the course run's own centre can do this.")
    if not user.can(capability):
        raise PermissionDenied("Your roles do not allow this.")


def _require_ao(user: User | None, capability: str) -> None:
    if user is None:
        return  # the system itself (demo data)
    if not (user.is_ao_staff and user.can(capability)):
        raise PermissionDenied("Only awarding organisation staff with the right role can do this.")


# --- state ----------------------------------------------------------------------------------


def course_run_results_get(*, course_run: CourseRun) -> CourseRunResults:
    """The course run's results state, created as Draft the first time it is needed."""
    results, _ = CourseRunResults.objects.get_or_create(course_run=course_run)
    return results


def _lock(course_run: CourseRun) -> CourseRunResults:
    course_run_results_get(course_run=course_run)
    return (
        CourseRunResults.objects.select_for_update()
        .select_related("course_run__provider__organisation", "course_run__qualification")
        .get(course_run=course_run)
    )


def _transition(
    results: CourseRunResults, target: str, *, acting_user: User | None, note: str = ""
) -> StageChange:
    """Move along the state machine, or refuse with a clear message; history and audit."""
    problem = transition_error(results.stage, target)
    if problem:
        raise _reject("stage", problem, "invalid_transition")
    before = results.stage
    results.stage = target
    results.updated_at = timezone.now()
    results.save()
    change = StageChange.objects.create(
        results=results,
        from_stage=before,
        to_stage=target,
        actor=acting_user,
        actor_name=acting_user.full_name if acting_user else "System",
        note=note,
    )
    audit_record(
        actor=acting_user,
        action=f"results.{target}",
        target=results,
        before={"stage": before},
        after={"stage": target},
        detail={"note": note} if note else None,
        organisation_id=results.course_run.provider.organisation_id,
    )
    return change


def _registrations_with_results(course_run: CourseRun) -> list[Registration]:
    return list(
        Registration.objects.filter(
            course_run=course_run, voided_at__isnull=True, status__in=RESULTS_STATUSES
        )
        .select_related("learner")
        .order_by("learner__family_name", "learner__given_name", "pk")
    )


# --- entry (R-RES-1, R-CRT-7) -------------------------------------------------------------------


def _apply_entries(
    *,
    results: CourseRunResults,
    entries: Sequence[LearnerEntry],
    acting_user: User | None,
    source: str,
) -> int:
    """Validate every entry first, then write them all; returns how many learners changed."""
    course_run = results.course_run
    grid = results_grid_for(course_run=course_run)
    allowed = {column.unit_id: column.grade_ids for column in grid.units}
    references = {column.unit_id: column.reference for column in grid.units}
    registrations = {r.pk: r for r in _registrations_with_results(course_run)}
    errors: list[FieldError] = []
    for entry in entries:
        registration = registrations.get(entry.registration_id)
        if registration is None:
            errors.append(
                FieldError(
                    f"registration-{entry.registration_id}",
                    "That learner is not registered on this course run.",
                    "not_registered",
                )
            )
            continue
        errors += entry_errors(
            entry=entry,
            learner_name=registration.learner.full_name,
            allowed_grades=allowed,
            unit_references=references,
        )
    if errors:
        raise ResultsRejected(errors)
    changed = 0
    for entry in entries:
        registration = registrations[entry.registration_id]
        result, _ = LearnerResult.objects.get_or_create(registration=registration)
        current_grades = {u.unit_id: u.grade_id for u in result.unit_results.all()}
        before = {
            "not_claiming": result.not_claiming,
            "assessor_name": result.assessor_name,
            "internal_verifier_name": result.internal_verifier_name,
            "decision_reason": result.decision_reason,
            "grades": {references[k]: v for k, v in current_grades.items() if k in references},
        }
        for attribute in ("assessor_name", "internal_verifier_name", "decision_reason"):
            value = getattr(entry, attribute)
            if value is not None:
                setattr(result, attribute, " ".join(value.split()))
        if entry.not_claiming is not None:
            result.not_claiming = entry.not_claiming
        new_grades = dict(current_grades)
        for unit_id, grade_id in entry.grades.items():
            if grade_id is None:
                new_grades.pop(unit_id, None)
            else:
                new_grades[unit_id] = grade_id
        after = {
            "not_claiming": result.not_claiming,
            "assessor_name": result.assessor_name,
            "internal_verifier_name": result.internal_verifier_name,
            "decision_reason": result.decision_reason,
            "grades": {references[k]: v for k, v in new_grades.items() if k in references},
        }
        if before == after:
            continue
        for unit_id in set(current_grades) - set(new_grades):
            UnitResult.objects.filter(learner_result=result, unit_id=unit_id).delete()
        for unit_id, grade_id in new_grades.items():
            if current_grades.get(unit_id) != grade_id:
                UnitResult.objects.update_or_create(
                    learner_result=result, unit_id=unit_id, defaults={"grade_id": grade_id}
                )
        result.updated_at = timezone.now()
        result.updated_by = acting_user
        result.save()
        changed_keys = [k for k in after if before[k] != after[k]]
        audit_record(
            actor=acting_user,
            action="results.learner_update",
            target=result,
            before={k: before[k] for k in changed_keys},
            after={k: after[k] for k in changed_keys},
            detail={"source": source, "registration": registration.registration_number},
            organisation_id=course_run.provider.organisation_id,
        )
        changed += 1
    if changed:
        results.updated_at = timezone.now()
        results.save(update_fields=["updated_at"])
    return changed


def _require_editable(results: CourseRunResults) -> None:
    if not results.is_editable:
        raise _reject(
            "stage",
            f"These results are {results.get_stage_display()} and can no longer be changed by "
            "the centre.",
            "read_only",
        )


@transaction.atomic
def results_draft_save(
    *, course_run: CourseRun, entries: Sequence[LearnerEntry], acting_user: User | None
) -> int:
    """Save the grid as a draft at any time (complete or not); returns learners changed.

    Only while Draft or Queried: submitted results are read-only for the provider."""
    _require_provider_user(acting_user, course_run, Capability.ENTER_RESULTS)
    results = _lock(course_run)
    _require_editable(results)
    return _apply_entries(
        results=results, entries=entries, acting_user=acting_user, source="results grid"
    )


# --- CSV import: validate, then upload or cancel (the registration importer's steps) ------------


def _decode(raw: bytes) -> str:
    text, problem = decode_csv_bytes(raw)
    if problem:
        raise _reject("file", problem, "not_csv_text")
    return text


def _validate_import(course_run: CourseRun, content: str, delimiter: str) -> tuple:
    rows, header_errors = csv_rows_read(content, delimiter)
    if header_errors:
        return [], header_errors, 0, 0
    facts = import_facts_for(course_run=course_run)
    entries, errors, accepted = csv_rows_validate(rows, facts)
    return entries, errors, accepted, sum(1 for r in rows if r)


@transaction.atomic
def results_import_validate(
    *, course_run: CourseRun, filename: str, raw: bytes, delimiter: str, acting_user: User
) -> ResultsImport:
    """Step 1: check every row and keep the file for Upload. Nothing else changes."""
    _require_provider_user(acting_user, course_run, Capability.ENTER_RESULTS)
    results = course_run_results_get(course_run=course_run)
    _require_editable(results)
    if delimiter not in DELIMITERS:
        raise _reject("delimiter", "Choose the separator the file uses.", "delimiter")
    if not filename.lower().endswith(".csv"):
        raise _reject("file", "Choose a .csv file.", "not_csv")
    if len(raw) >= MAX_CSV_BYTES:
        raise _reject("file", "The file must be smaller than 2 MB.", "too_large")
    content = _decode(raw)
    _entries, errors, accepted, row_count = _validate_import(course_run, content, delimiter)
    job = ResultsImport.objects.create(
        course_run=course_run,
        created_by=acting_user,
        filename=filename[:255],
        delimiter=delimiter,
        content=content,
        row_count=row_count,
        accepted_count=accepted,
        errors=[e.as_dict() for e in errors],
    )
    audit_record(
        actor=acting_user,
        action="results.import_validate",
        target=job,
        detail={"rows": row_count, "accepted": accepted, "errors": len(errors)},
        organisation_id=course_run.provider.organisation_id,
    )
    return job


def _open_import(job: ResultsImport, acting_user: User) -> ResultsImport:
    _require_provider_user(acting_user, job.course_run, Capability.ENTER_RESULTS)
    locked = ResultsImport.objects.select_for_update().get(pk=job.pk)
    if locked.status != ResultsImport.Status.VALIDATED:
        raise _reject(
            "import", f"This file was already {locked.get_status_display().lower()}.", "finished"
        )
    return locked


@transaction.atomic
def results_import_upload(*, job: ResultsImport, acting_user: User) -> int:
    """Step 2: write the accepted rows, all or nothing. The file is checked again first; if
    anything changed since Validate (a learner, the stage), nothing is written."""
    job = _open_import(job, acting_user)
    results = _lock(job.course_run)
    _require_editable(results)
    entries, errors, accepted, _rows = _validate_import(job.course_run, job.content, job.delimiter)
    if accepted != job.accepted_count or len(errors) != len(job.errors):
        raise _reject(
            "import",
            "The course run has changed since this file was validated; validate it again.",
            "stale",
        )
    if not entries:
        raise _reject("import", "No rows can be uploaded: correct the file and try again.", "empty")
    changed = _apply_entries(
        results=results, entries=entries, acting_user=acting_user, source=f"CSV {job.filename}"
    )
    job.status = ResultsImport.Status.UPLOADED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    audit_record(
        actor=acting_user,
        action="results.import_upload",
        target=job,
        detail={"rows": accepted, "learners_changed": changed},
        organisation_id=job.course_run.provider.organisation_id,
    )
    return changed


@transaction.atomic
def results_import_cancel(*, job: ResultsImport, acting_user: User) -> None:
    job = _open_import(job, acting_user)
    job.status = ResultsImport.Status.CANCELLED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    audit_record(
        actor=acting_user,
        action="results.import_cancel",
        target=job,
        organisation_id=job.course_run.provider.organisation_id,
    )


# --- submission (R-RES-1) -------------------------------------------------------------------


def submission_check(*, course_run: CourseRun) -> list[FieldError]:
    """What still stops the course run being submitted (empty when it can be)."""
    learners = []
    results_by_registration = {
        r.registration_id: r
        for r in LearnerResult.objects.filter(registration__course_run=course_run).annotate(
            graded=Count("unit_results")
        )
    }
    for registration in _registrations_with_results(course_run):
        result = results_by_registration.get(registration.pk)
        learners.append(
            LearnerForSubmission(
                registration_id=registration.pk,
                learner_name=registration.learner.full_name,
                not_claiming=bool(result and result.not_claiming),
                graded_units=getattr(result, "graded", 0) if result else 0,
                assessor_name=result.assessor_name if result else "",
                internal_verifier_name=result.internal_verifier_name if result else "",
                decision_reason=result.decision_reason if result else "",
            )
        )
    return submission_errors(learners)


def default_verifier() -> User | None:
    """Our decision (0040): the active AO verifier with the fewest course runs waiting for them
    (ties by user name), so submissions spread across verifiers."""
    verifiers = list(
        User.objects.filter(
            organisation__kind="ao", status=User.Status.ACTIVE, roles__contains=[Role.VERIFIER]
        ).order_by("username")
    )
    if not verifiers:
        return None
    waiting = dict(
        CourseRunResults.objects.filter(stage=Stage.SUBMITTED, verifier__in=verifiers)
        .values_list("verifier")
        .annotate(n=Count("pk"))
        .values_list("verifier", "n")
    )
    return min(verifiers, key=lambda u: (waiting.get(u.pk, 0), u.username))


@transaction.atomic
def course_run_submit(*, course_run: CourseRun, acting_user: User | None) -> CourseRunResults:
    """Submit (or, after a query, resubmit) a complete course run to its verifier (R-RES-1)."""
    _require_provider_user(acting_user, course_run, Capability.ENTER_RESULTS)
    results = _lock(course_run)
    problem = transition_error(results.stage, Stage.SUBMITTED)
    if problem:
        raise _reject("stage", problem, "invalid_transition")
    errors = submission_check(course_run=course_run)
    if errors:
        raise ResultsRejected(errors)
    resubmission = results.stage == Stage.QUERIED
    if results.verifier is None or not results.verifier.is_active:
        results.verifier = default_verifier()
    results.submitted_at = timezone.now()
    _transition(
        results,
        Stage.SUBMITTED,
        acting_user=acting_user,
        note="Resubmitted after a query." if resubmission else "",
    )
    if results.verifier is not None:
        email_send(
            to=[results.verifier.email],
            template="results/email/submitted",
            context={
                "course_run": course_run,
                "provider": course_run.provider,
                "resubmission": resubmission,
            },
        )
    return results


# --- verification (R-RES-1) -------------------------------------------------------------------


def _require_assigned_verifier(results: CourseRunResults, user: User) -> None:
    _require_ao(user, Capability.VERIFY_RESULTS)
    if results.verifier_id != user.pk:
        holder = results.verifier.full_name if results.verifier else "no one"
        raise _reject(
            "verifier",
            f"This course run is assigned to {holder}; assign it to yourself before deciding.",
            "not_assigned",
        )


@transaction.atomic
def verifier_assign(
    *, course_run: CourseRun, verifier: User, acting_user: User
) -> CourseRunResults:
    """AO verifiers hand a submitted course run to another verifier (or take it themselves)."""
    _require_ao(acting_user, Capability.VERIFY_RESULTS)
    if not (verifier.is_ao_staff and verifier.can(Capability.VERIFY_RESULTS)):
        raise _reject("verifier", "Choose an active verifier.", "not_verifier")
    results = _lock(course_run)
    if results.stage != Stage.SUBMITTED:
        raise _reject(
            "verifier",
            f"Only submitted results can be reassigned; these are {results.get_stage_display()}.",
            "not_submitted",
        )
    before = results.verifier_id
    if before == verifier.pk:
        return results
    results.verifier = verifier
    results.save(update_fields=["verifier"])
    audit_record(
        actor=acting_user,
        action="results.verifier_assign",
        target=results,
        before={"verifier": before},
        after={"verifier": verifier.pk},
        organisation_id=course_run.provider.organisation_id,
    )
    return results


def _provider_recipients(provider: Provider, roles: Iterable[str]) -> list[str]:
    users = User.objects.filter(
        organisation_id=provider.organisation_id, status=User.Status.ACTIVE
    ).order_by("username")
    wanted = set(roles)
    chosen = [u.email for u in users if wanted.intersection(u.roles)]
    return chosen or [u.email for u in users]


@transaction.atomic
def course_run_query(
    *, course_run: CourseRun, note: str, learner_result_ids: Iterable[int], acting_user: User
) -> ResultsQuery:
    """The verifier queries the results, naming the learners concerned; back to the provider."""
    results = _lock(course_run)
    _require_assigned_verifier(results, acting_user)
    note = note.strip()
    ids = set(learner_result_ids)
    learners = list(
        LearnerResult.objects.filter(
            pk__in=ids, registration__course_run=course_run
        ).select_related("registration__learner")
    )
    errors = []
    if not note:
        errors.append(FieldError("note", "Enter a note saying what needs to change.", "required"))
    if not learners or len(learners) != len(ids):
        errors.append(FieldError("learners", "Choose the learners the query is about.", "required"))
    if errors:
        raise ResultsRejected(errors)
    names = ", ".join(sorted(r.registration.learner.full_name for r in learners))
    _transition(results, Stage.QUERIED, acting_user=acting_user, note=f"{note} (Learners: {names})")
    query = ResultsQuery.objects.create(results=results, note=note, raised_by=acting_user)
    query.learners.set(learners)
    LearnerResult.objects.filter(pk__in=[r.pk for r in learners]).update(query_open=True)
    email_send(
        to=_provider_recipients(
            course_run.provider, {Role.RESULTS_ENTRY, Role.PROVIDER_SUPER_USER}
        ),
        template="results/email/queried",
        context={"course_run": course_run, "note": note, "learners": names},
    )
    return query


@transaction.atomic
def course_run_confirm(
    *,
    course_run: CourseRun,
    acting_user: User,
    hold_back_ids: Iterable[int] = (),
    note: str = "",
) -> CourseRunResults:
    """The verifier confirms the results. Open queries are resolved, except for learners the
    verifier holds back: their query stays open and they are not certificated (R-CRT-4)."""
    results = _lock(course_run)
    _require_assigned_verifier(results, acting_user)
    held = set(hold_back_ids)
    open_results = LearnerResult.objects.filter(
        registration__course_run=course_run, query_open=True
    )
    unknown = held - set(open_results.values_list("pk", flat=True))
    if unknown:
        raise _reject(
            "hold_back", "Only learners with an open query can be held back.", "not_queried"
        )
    held_names = sorted(
        r.registration.learner.full_name
        for r in open_results.filter(pk__in=held).select_related("registration__learner")
    )
    text = note.strip()
    if held_names:
        text = (text + " " if text else "") + "Held back (query open): " + ", ".join(held_names)
    _transition(results, Stage.CONFIRMED, acting_user=acting_user, note=text)
    results.confirmed_at = timezone.now()
    results.save(update_fields=["confirmed_at"])
    open_results.exclude(pk__in=held).update(query_open=False)
    if not held:
        results.queries.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
    return results


@transaction.atomic
def learner_query_resolve(*, learner_result: LearnerResult, acting_user: User) -> LearnerResult:
    """A verifier resolves a held-back learner's query, so they can be certificated."""
    _require_ao(acting_user, Capability.VERIFY_RESULTS)
    result = LearnerResult.objects.select_for_update().get(pk=learner_result.pk)
    if not result.query_open:
        raise _reject("learner", "This learner has no open query.", "not_queried")
    result.query_open = False
    result.save(update_fields=["query_open"])
    results = CourseRunResults.objects.get(course_run_id=result.registration.course_run_id)
    if not LearnerResult.objects.filter(
        registration__course_run_id=results.course_run_id, query_open=True
    ).exists():
        results.queries.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
    audit_record(
        actor=acting_user,
        action="results.query_resolve",
        target=result,
        before={"query_open": True},
        after={"query_open": False},
        organisation_id=result.registration.course_run.provider.organisation_id,
    )
    return result


# --- certification (R-RES-2, R-RES-3, R-CRT-4) --------------------------------------------------


def _certificate_learners(
    *, results: CourseRunResults, award_date: datetime.date, acting_user: User | None
) -> tuple[list[int], list[str]]:
    """Issue certificates for the confirmed learners not yet certificated and not held back.
    Returns the certificate ids issued and the names held back."""
    from certificates.services import certificate_issue
    from lrs_sync.achievements import achievements_record_certification

    course_run = results.course_run
    qualification = course_run.qualification
    outcomes = learner_outcomes_for(course_run=course_run)
    issued: list[int] = []
    held: list[str] = []
    for row in outcomes:
        result = row.result
        if result is None or result.not_claiming or result.results_issued_date is not None:
            continue
        registration = row.registration
        name = registration.learner.full_name
        if result.query_open:
            held.append(name)
            continue
        outcome = row.outcome
        certificates = []
        if outcome.qualification_achieved:
            certificates.append(
                certificate_issue(
                    provider=course_run.provider,
                    achievement_reference=f"registration:{registration.pk}",
                    learner_name=name,
                    qualification_number=qualification.number,
                    qualification_title=qualification.title,
                    units=[
                        {"reference": u.reference, "title": u.title, "grade": u.grade.label}
                        for u in outcome.passed_units
                    ],
                    grade=outcome.qualification_grade,
                    award_date=award_date,
                    acting_user=acting_user,
                    render=False,
                )
            )
        elif outcome.passed_units:
            for unit in outcome.passed_units:
                certificates.append(
                    certificate_issue(
                        provider=course_run.provider,
                        achievement_reference=f"registration:{registration.pk}:unit:{unit.reference}",
                        learner_name=name,
                        qualification_number="",
                        qualification_title="",
                        units=[
                            {
                                "reference": unit.reference,
                                "title": unit.title,
                                "grade": unit.grade.label,
                            }
                        ],
                        grade=unit.grade.label,
                        award_date=award_date,
                        acting_user=acting_user,
                        render=False,
                    )
                )
        result.results_issued_date = award_date
        result.qualification_achieved = outcome.qualification_achieved
        result.qualification_grade = outcome.qualification_grade
        if certificates and results.consignment and not results.consignment.is_dispatched:
            # Certificated before the course run's consignment went out: they go with it.
            result.consignment = results.consignment
        result.save(
            update_fields=[
                "results_issued_date",
                "qualification_achieved",
                "qualification_grade",
                "consignment",
            ]
        )
        result.certificates.add(*certificates)
        issued += [c.pk for c in certificates]
        # The LRS records, in the same transaction as the certificates (R-LRS-2, R-RES-3).
        achievements_record_certification(
            learner_result=result, outcome=outcome, award_date=award_date, acting_user=acting_user
        )
        audit_record(
            actor=acting_user,
            action="results.issue",
            target=result,
            after={
                "results_issued_date": award_date,
                "qualification_achieved": outcome.qualification_achieved,
                "qualification_grade": outcome.qualification_grade,
                "certificates": [c.number for c in certificates],
            },
            organisation_id=course_run.provider.organisation_id,
        )
        if certificates:
            # Achieved (the qualification) and Certificate Claimed, with their dates. A learner
            # with unit certificates only has a claim but no qualification achieved date.
            current = RegistrationRecord.of(registration)
            registration_update_status(
                registration=registration,
                proposed=replace(
                    current,
                    status=S.CERTIFICATE_CLAIMED,
                    achieved_date=award_date if outcome.qualification_achieved else None,
                    certificate_claimed_date=award_date,
                ),
                acting_user=acting_user,
            )
    return issued, held


def _render_after(results: CourseRunResults, certificate_ids: list[int], acting_user: User | None):
    from certificates.models import Certificate
    from certificates.services import render_job_create

    if not certificate_ids:
        return
    job = render_job_create(
        provider=results.course_run.provider,
        certificates=Certificate.objects.filter(pk__in=certificate_ids).order_by("pk"),
        acting_user=acting_user,
        batch_key=f"course-run:{results.course_run_id}",
    )
    results.render_job = job
    results.save(update_fields=["render_job"])


@transaction.atomic
def course_run_certificate(
    *,
    course_run: CourseRun,
    acting_user: User | None,
    award_date: datetime.date | None = None,
) -> CourseRunResults:
    """The certification officer approves confirmed results: certificates for learners who
    achieved the qualification, unit certificates for those who achieved units only; learners
    with open queries stay back (R-CRT-4). Results issued date per learner (R-RES-3)."""
    _require_ao(acting_user, Capability.CERTIFICATE)
    results = _lock(course_run)
    problem = transition_error(results.stage, Stage.CERTIFICATED)
    if problem:
        raise _reject("stage", problem, "invalid_transition")
    today = timezone.localdate()
    award_date = award_date or today
    if award_date > today:
        raise _reject("award_date", "The award date cannot be in the future.", "future_date")
    issued, held = _certificate_learners(
        results=results, award_date=award_date, acting_user=acting_user
    )
    results.certificated_on = award_date
    note = f"{len(issued)} certificates issued."
    if held:
        note += " Held back with open queries: " + ", ".join(sorted(held)) + "."
    _transition(results, Stage.CERTIFICATED, acting_user=acting_user, note=note)
    _render_after(results, issued, acting_user)
    return results


@transaction.atomic
def course_run_certificate_released(*, course_run: CourseRun, acting_user: User) -> list[int]:
    """After certification: certificate learners whose held-back query has since been resolved.
    If the course run's consignment has not gone out yet they join it; otherwise they are late
    certificates, sent in a later consignment (`consignment_create(late_course_runs=...)`)."""
    _require_ao(acting_user, Capability.CERTIFICATE)
    results = _lock(course_run)
    if results.stage not in (Stage.CERTIFICATED, Stage.DISPATCHED, Stage.RECEIVED):
        raise _reject(
            "stage", "Certificate the course run first; this is for learners held back.", "stage"
        )
    issued, _held = _certificate_learners(
        results=results, award_date=timezone.localdate(), acting_user=acting_user
    )
    if issued:
        if results.consignment is None or not results.consignment.is_dispatched:
            where = "They go out with the course run's certificates."
        else:
            where = "They are late certificates, to be sent in a later consignment."
        _history_note(
            results,
            acting_user=acting_user,
            note=f"{len(issued)} certificate{'s' if len(issued) != 1 else ''} issued for "
            f"learners whose query was resolved. {where}",
        )
        _render_after(results, issued, acting_user)
    return issued


# --- dispatch (R-CRT-4) -------------------------------------------------------------------------


def _names(learner_results: Iterable[LearnerResult]) -> str:
    return ", ".join(sorted(r.registration.learner.full_name for r in learner_results))


def _history_note(results: CourseRunResults, *, acting_user: User | None, note: str) -> None:
    """An event in the course run's history that leaves its stage as it is: certificates issued,
    sent or received for learners held back after the course run itself moved on (R-CRT-4)."""
    StageChange.objects.create(
        results=results,
        from_stage=results.stage,
        to_stage=results.stage,
        actor=acting_user,
        actor_name=acting_user.full_name if acting_user else "System",
        note=note,
    )


@transaction.atomic
def consignment_create(
    *,
    provider: Provider,
    course_runs: Sequence[CourseRun],
    acting_user: User | None,
    late_course_runs: Sequence[CourseRun] = (),
) -> Consignment:
    """Group a provider's certificated course runs that have not been sent yet, and the late
    certificates of its already dispatched course runs: learners held back by a query and
    certificated after their course run went out (R-CRT-4). Each learner's certificates travel
    in exactly one consignment (`LearnerResult.consignment`)."""
    _require_ao(acting_user, Capability.CERTIFICATE)
    if not course_runs and not late_course_runs:
        raise _reject(
            "course_runs",
            "Choose at least one certificated course run or course run with late certificates.",
            "required",
        )
    wanted = {run.pk: run for run in [*course_runs, *late_course_runs]}
    locked = {pk: _lock(wanted[pk]) for pk in sorted(wanted)}
    errors = []
    for run in course_runs:
        results = locked[run.pk]
        if run.provider_id != provider.pk:
            errors.append(
                FieldError("course_runs", f"{run.programme_name} belongs to another centre.")
            )
        elif results.stage != Stage.CERTIFICATED or results.consignment_id is not None:
            errors.append(
                FieldError(
                    "course_runs",
                    f"{run.programme_name} is {results.get_stage_display()}"
                    + (" and already in a consignment" if results.consignment_id else "")
                    + "; only certificated course runs not yet in a consignment can be added.",
                    "not_certificated",
                )
            )
    late: dict[int, list[LearnerResult]] = {}
    for run in late_course_runs:
        results = locked[run.pk]
        if run.provider_id != provider.pk:
            errors.append(
                FieldError("late_course_runs", f"{run.programme_name} belongs to another centre.")
            )
        elif results.stage not in (Stage.DISPATCHED, Stage.RECEIVED):
            errors.append(
                FieldError(
                    "late_course_runs",
                    f"{run.programme_name} is {results.get_stage_display()}; late certificates "
                    "are those of a course run already dispatched.",
                    "not_dispatched",
                )
            )
        else:
            learners = list(
                late_learner_results_for(course_run=run)
                .select_for_update(of=("self",))
                .order_by("pk")
            )
            if not learners:
                errors.append(
                    FieldError(
                        "late_course_runs",
                        f"{run.programme_name} has no late certificates waiting to be sent.",
                        "no_late_certificates",
                    )
                )
            late[run.pk] = learners
    if errors:
        raise ResultsRejected(errors)
    consignment = Consignment.objects.create(provider=provider, created_by=acting_user)
    for run in course_runs:
        results = locked[run.pk]
        results.consignment = consignment
        results.save(update_fields=["consignment"])
        late_learner_results_for(course_run=run).update(consignment=consignment)
    for run in late_course_runs:
        results = locked[run.pk]
        learners = late[run.pk]
        group = LateCertificates.objects.create(consignment=consignment, results=results)
        LearnerResult.objects.filter(pk__in=[r.pk for r in learners]).update(
            consignment=consignment
        )
        _history_note(
            results,
            acting_user=acting_user,
            note=f"Late certificates added to consignment {consignment.pk}: {_names(learners)}.",
        )
        audit_record(
            actor=acting_user,
            action="results.late_certificates_add",
            target=group,
            before={"consignment": None},
            after={
                "consignment": consignment.pk,
                "registrations": [r.registration.registration_number for r in learners],
            },
            organisation_id=provider.organisation_id,
        )
    audit_record(
        actor=acting_user,
        action="consignment.create",
        target=consignment,
        after={
            "course_runs": [run.pk for run in course_runs],
            "late_certificates_of": [run.pk for run in late_course_runs],
        },
        organisation_id=provider.organisation_id,
    )
    return consignment


def _move_consignment_registrations(
    *,
    consignment_id: int,
    course_run_id: int,
    from_status: str,
    changes: dict[str, Any],
    acting_user: User | None,
) -> None:
    """Move the registrations whose certificates travel in this consignment, and are at
    `from_status`, on through the registrations service (which checks and audits each)."""
    for registration in Registration.objects.filter(
        course_run_id=course_run_id,
        result__consignment_id=consignment_id,
        status=from_status,
        voided_at__isnull=True,
    ).order_by("pk"):
        registration_update_status(
            registration=registration,
            proposed=replace(RegistrationRecord.of(registration), **changes),
            acting_user=acting_user,
        )


def _send_registrations(
    *, consignment: Consignment, course_run_id: int, acting_user: User | None
) -> None:
    """Claimed registrations in this consignment move to Certificate Sent, with the dispatch
    date and tracking reference."""
    assert consignment.dispatched_on is not None
    _move_consignment_registrations(
        consignment_id=consignment.pk,
        course_run_id=course_run_id,
        from_status=S.CERTIFICATE_CLAIMED,
        changes={
            "status": S.CERTIFICATE_SENT,
            "certificate_sent_date": consignment.dispatched_on,
            "postal_tracking_reference": consignment.tracking_reference,
        },
        acting_user=acting_user,
    )


@transaction.atomic
def consignment_dispatch(
    *,
    consignment: Consignment,
    carrier: str,
    tracking_reference: str,
    dispatched_on: datetime.date | None,
    acting_user: User | None,
) -> Consignment:
    """Record carrier and tracking reference (R-CRT-4); the course runs move to Dispatched and
    the registrations whose certificates are in the consignment (late ones included) to
    Certificate Sent, with the date and tracking reference."""
    _require_ao(acting_user, Capability.CERTIFICATE)
    consignment = (
        Consignment.objects.select_for_update()
        .select_related("provider__organisation")
        .get(pk=consignment.pk)
    )
    if consignment.is_dispatched:
        raise _reject("consignment", "This consignment has already been dispatched.", "dispatched")
    members = list(consignment.course_run_results.order_by("course_run_id"))
    late = list(
        consignment.late_certificates.select_related("results__course_run").order_by(
            "results__course_run_id"
        )
    )
    if not members and not late:
        raise _reject("consignment", "This consignment has no course runs.", "empty")
    last_issued = LearnerResult.objects.filter(consignment=consignment).aggregate(
        last=Max("results_issued_date")
    )["last"]
    issue_dates = [m.certificated_on for m in members if m.certificated_on] + (
        [last_issued] if last_issued else []
    )
    errors = dispatch_errors(
        carrier=carrier,
        carriers=Consignment.Carrier.values,
        tracking_reference=tracking_reference,
        dispatched_on=dispatched_on,
        certificated_on=max(issue_dates, default=None),
        today=timezone.localdate(),
    )
    if errors:
        raise ResultsRejected(errors)
    assert dispatched_on is not None
    consignment.carrier = carrier
    consignment.tracking_reference = tracking_reference.strip()
    consignment.dispatched_on = dispatched_on
    consignment.dispatched_by = acting_user
    consignment.save()
    sent_by = f"{consignment.get_carrier_display()}, tracking {consignment.tracking_reference}"
    for member in members:
        results = _lock(member.course_run)
        _transition(results, Stage.DISPATCHED, acting_user=acting_user, note=sent_by)
        _send_registrations(
            consignment=consignment, course_run_id=results.course_run_id, acting_user=acting_user
        )
    for group in late:
        results = _lock(group.results.course_run)
        learners = list(group.learner_results())
        _send_registrations(
            consignment=consignment, course_run_id=results.course_run_id, acting_user=acting_user
        )
        _history_note(
            results,
            acting_user=acting_user,
            note=f"Late certificates sent in consignment {consignment.pk}: {sent_by} "
            f"({_names(learners)}).",
        )
        audit_record(
            actor=acting_user,
            action="results.late_certificates_dispatch",
            target=group,
            after={
                "dispatched_on": dispatched_on,
                "tracking_reference": consignment.tracking_reference,
                "registrations": [r.registration.registration_number for r in learners],
            },
            organisation_id=consignment.provider.organisation_id,
        )
    audit_record(
        actor=acting_user,
        action="consignment.dispatch",
        target=consignment,
        after={
            "carrier": carrier,
            "tracking_reference": consignment.tracking_reference,
            "dispatched_on": dispatched_on,
        },
        organisation_id=consignment.provider.organisation_id,
    )
    if consignment.provider.e_certificates_enabled:
        consignment_id = consignment.pk
        transaction.on_commit(lambda: _notify_task(consignment_id))
    return consignment


def _notify_task(consignment_id: int) -> None:
    from .tasks import e_certificates_ready_notify_task

    e_certificates_ready_notify_task.delay(consignment_id)


def e_certificates_ready_notify(*, consignment_id: int) -> bool:
    """Tell an e-certificate provider that the consignment's PDFs are ready (R-CRT-3); once."""
    with transaction.atomic():
        consignment = (
            Consignment.objects.select_for_update()
            .select_related("provider__organisation")
            .get(pk=consignment_id)
        )
        if consignment.e_certificates_notified_at is not None:
            return False
        if not consignment.provider.e_certificates_enabled or not consignment.is_dispatched:
            return False
        course_runs = [m.course_run for m in consignment.course_run_results.order_by("pk")]
        late_course_runs = [
            group.results.course_run
            for group in consignment.late_certificates.select_related("results__course_run")
        ]
        email_send(
            to=_provider_recipients(
                consignment.provider, {Role.PROVIDER_SUPER_USER, Role.MANAGE_REGISTRATION}
            ),
            template="results/email/e_certificates_ready",
            context={
                "consignment": consignment,
                "course_runs": course_runs,
                "late_course_runs": late_course_runs,
            },
        )
        consignment.e_certificates_notified_at = timezone.now()
        consignment.save(update_fields=["e_certificates_notified_at"])
    return True


# --- receipt (R-CRT-5) --------------------------------------------------------------------------


def receipt_deadline(dispatched_on: datetime.date) -> datetime.date:
    """Ten working days after dispatch (England and Wales bank holidays skipped)."""
    return working_day_add(dispatched_on, RECEIPT_DEADLINE_WORKING_DAYS)


def _receive_registrations(
    *,
    consignment_id: int,
    course_run_id: int,
    received_date: datetime.date,
    acting_user: User | None,
) -> None:
    """Sent registrations in this consignment move to Certificate Received with the date."""
    _move_consignment_registrations(
        consignment_id=consignment_id,
        course_run_id=course_run_id,
        from_status=S.CERTIFICATE_SENT,
        changes={"status": S.CERTIFICATE_RECEIVED, "certificate_received_date": received_date},
        acting_user=acting_user,
    )


def _receipt_errors(
    *, received_date: datetime.date | None, note: str, dispatched_on: datetime.date
) -> list[FieldError]:
    errors = receipt_date_errors(
        received=received_date, dispatched_on=dispatched_on, today=timezone.localdate()
    )
    if len(note) > 500:
        errors.append(FieldError("note", "Use at most 500 characters for the note.", "long"))
    return errors


@transaction.atomic
def course_run_receipt_confirm(
    *,
    course_run: CourseRun,
    received_date: datetime.date | None,
    note: str,
    acting_user: User | None,
) -> CourseRunResults:
    """ "CRF Received": the provider confirms the date the certificates arrived, with an optional
    note; the course run moves to Received and the registrations sent in its consignment to
    Certificate Received (late certificates are confirmed on their own)."""
    _require_provider_user(acting_user, course_run, Capability.CONFIRM_RECEIPT)
    results = _lock(course_run)
    problem = transition_error(results.stage, Stage.RECEIVED)
    if problem:
        raise _reject("stage", problem, "invalid_transition")
    assert results.consignment is not None and results.consignment.dispatched_on is not None
    note = note.strip()
    errors = _receipt_errors(
        received_date=received_date, note=note, dispatched_on=results.consignment.dispatched_on
    )
    if errors:
        raise ResultsRejected(errors)
    assert received_date is not None
    results.received_date = received_date
    results.receipt_note = note
    results.received_by = acting_user
    _transition(
        results,
        Stage.RECEIVED,
        acting_user=acting_user,
        note=f"CRF Received on {received_date:%d/%m/%Y}." + (f" {note}" if note else ""),
    )
    _receive_registrations(
        consignment_id=results.consignment.pk,
        course_run_id=course_run.pk,
        received_date=received_date,
        acting_user=acting_user,
    )
    return results


@transaction.atomic
def late_certificates_receipt_confirm(
    *,
    late: LateCertificates,
    received_date: datetime.date | None,
    note: str,
    acting_user: User | None,
) -> LateCertificates:
    """ "CRF Received" for late certificates: the provider confirms the date they arrived, with an
    optional note; their registrations move to Certificate Received (R-CRT-5). The course run's
    own receipt is separate and its stage does not change."""
    course_run = late.results.course_run
    _require_provider_user(acting_user, course_run, Capability.CONFIRM_RECEIPT)
    results = _lock(course_run)
    late = (
        LateCertificates.objects.select_for_update(of=("self",))
        .select_related("consignment")
        .get(pk=late.pk)
    )
    dispatched_on = late.consignment.dispatched_on
    if dispatched_on is None:
        raise _reject(
            "stage", "These late certificates have not been dispatched yet.", "not_dispatched"
        )
    if late.received_date is not None:
        raise _reject(
            "stage",
            f"Receipt of these late certificates was already confirmed on "
            f"{late.received_date:%d/%m/%Y}.",
            "already_received",
        )
    note = note.strip()
    errors = _receipt_errors(received_date=received_date, note=note, dispatched_on=dispatched_on)
    if errors:
        raise ResultsRejected(errors)
    assert received_date is not None
    learners = list(late.learner_results())
    late.received_date = received_date
    late.receipt_note = note
    late.received_by = acting_user
    late.save(update_fields=["received_date", "receipt_note", "received_by"])
    _receive_registrations(
        consignment_id=late.consignment_id,
        course_run_id=course_run.pk,
        received_date=received_date,
        acting_user=acting_user,
    )
    _history_note(
        results,
        acting_user=acting_user,
        note=f"CRF Received on {received_date:%d/%m/%Y} for the late certificates in consignment "
        f"{late.consignment_id} ({_names(learners)})." + (f" {note}" if note else ""),
    )
    audit_record(
        actor=acting_user,
        action="results.late_certificates_receive",
        target=late,
        before={"received_date": None},
        after={"received_date": received_date, "receipt_note": note},
        organisation_id=course_run.provider.organisation_id,
    )
    return late


def _receipt_email_due(
    *, dispatched_on: datetime.date, today: datetime.date, overdue: bool
) -> bool:
    if overdue:
        return today > receipt_deadline(dispatched_on)
    return today >= working_day_add(dispatched_on, RECEIPT_REMINDER_WORKING_DAY)


def _receipt_email_send(
    *,
    course_run: CourseRun,
    consignment: Consignment,
    receipt_path: str,
    late_learners: str,
    overdue: bool,
    target: CourseRunResults | LateCertificates,
) -> None:
    assert consignment.dispatched_on is not None
    deadline = receipt_deadline(consignment.dispatched_on)
    email_send(
        to=_provider_recipients(
            course_run.provider, {Role.CERTIFICATE_RECEIPT, Role.PROVIDER_SUPER_USER}
        ),
        template="results/email/receipt_overdue" if overdue else "results/email/receipt_reminder",
        context={
            "course_run": course_run,
            "dispatched_on": consignment.dispatched_on,
            "deadline": deadline,
            "tracking_reference": consignment.tracking_reference,
            "receipt_path": receipt_path,
            "late_learners": late_learners,
        },
    )
    audit_record(
        actor=None,
        action="results.receipt_overdue_email" if overdue else "results.receipt_reminder_email",
        target=target,
        detail={"deadline": deadline},
        organisation_id=course_run.provider.organisation_id,
    )


def _receipt_emails(*, today: datetime.date, overdue: bool) -> int:
    """Send each pending receipt (a dispatched course run, or late certificates sent later) its
    reminder (7th working day) or overdue email (after the 10th) once: the sent time is written
    under a row lock before the email is queued."""
    field = "receipt_overdue_sent_at" if overdue else "receipt_reminder_sent_at"
    sent = 0
    candidates = (
        CourseRunResults.objects.filter(
            stage=Stage.DISPATCHED, consignment__dispatched_on__isnull=False
        )
        .filter(**{f"{field}__isnull": True})
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    for pk in list(candidates):
        with transaction.atomic():
            results = (
                CourseRunResults.objects.select_for_update(of=("self",))
                .select_related("course_run__provider__organisation", "consignment")
                .get(pk=pk)
            )
            if getattr(results, field) is not None or results.stage != Stage.DISPATCHED:
                continue
            assert results.consignment is not None and results.consignment.dispatched_on
            if not _receipt_email_due(
                dispatched_on=results.consignment.dispatched_on, today=today, overdue=overdue
            ):
                continue
            setattr(results, field, timezone.now())
            results.save(update_fields=[field])
            _receipt_email_send(
                course_run=results.course_run,
                consignment=results.consignment,
                receipt_path=reverse("results:receipt", args=[results.course_run_id]),
                late_learners="",
                overdue=overdue,
                target=results,
            )
            sent += 1
    late_candidates = (
        LateCertificates.objects.filter(
            received_date__isnull=True, consignment__dispatched_on__isnull=False
        )
        .filter(**{f"{field}__isnull": True})
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    for pk in list(late_candidates):
        with transaction.atomic():
            late = (
                LateCertificates.objects.select_for_update(of=("self",))
                .select_related("results__course_run__provider__organisation", "consignment")
                .get(pk=pk)
            )
            if getattr(late, field) is not None or late.received_date is not None:
                continue
            assert late.consignment.dispatched_on is not None
            if not _receipt_email_due(
                dispatched_on=late.consignment.dispatched_on, today=today, overdue=overdue
            ):
                continue
            setattr(late, field, timezone.now())
            late.save(update_fields=[field])
            _receipt_email_send(
                course_run=late.results.course_run,
                consignment=late.consignment,
                receipt_path=reverse("results:late_receipt", args=[late.pk]),
                late_learners=_names(late.learner_results()),
                overdue=overdue,
                target=late,
            )
            sent += 1
    return sent


def receipt_reminders_send(*, today: datetime.date | None = None) -> int:
    return _receipt_emails(today=today or timezone.localdate(), overdue=False)


def receipt_overdue_send(*, today: datetime.date | None = None) -> int:
    return _receipt_emails(today=today or timezone.localdate(), overdue=True)


def results_viewed(*, acting_user: User, course_run: CourseRun, page: str) -> None:
    """A page listing learners' results was read (R-ACC-7)."""
    audit_record(
        actor=acting_user,
        action="results.view",
        target=course_run,
        detail={"page": page},
        organisation_id=course_run.provider.organisation_id,
    )
