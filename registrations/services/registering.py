"""Registrations: the facts and checks behind them, registration numbers (R-REG-5), creating,
changing status, editing, voiding and registering a new learner in one step, audited."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from audit.services import audit_record, changed_fields, snapshot
from learners.services import learner_create
from learners.validators import FieldError, too_long_message
from qualifications.selectors import provider_is_approved_for

from ..models import CourseRun, LanguageForAssessment, Registration, RegistrationStatus
from ..numbers import registration_number_format, registration_serials_next
from ..validators import (
    RegistrationFacts,
    RegistrationRecord,
    immutable_error,
    is_registration_request,
    registration_change_errors,
)
from .access import RegistrationRejected, _ensure_may_act_for, acting_as_ao

if TYPE_CHECKING:
    from accounts.models import User
    from learners.models import Learner
    from providers.models import Provider


REGISTRATION_AUDIT_FIELDS = (
    "learner",
    "course_run",
    "status",
    "registration_number",
    "registration_date",
    "achieved_date",
    "certificate_claimed_date",
    "certificate_sent_date",
    "certificate_received_date",
    "postal_tracking_reference",
    "language_for_assessment",
    "voided_at",
    "void_reason",
)


# Registrations -------------------------------------------------------------------------------


def registration_facts(
    *,
    course_run: CourseRun,
    learner: Learner,
    acting_user: User | None,
    registration: Registration | None = None,
    today: datetime.date | None = None,
    provider_approved: bool | None = None,
) -> RegistrationFacts:
    """What `registration_change_errors` needs, read from the database (one query for approval,
    unless the caller already knows it: pass `provider_approved` in bulk work)."""
    qualification = course_run.qualification
    if provider_approved is None:
        provider_approved = provider_is_approved_for(
            provider_id=course_run.provider_id, qualification_id=qualification.pk
        )
    return RegistrationFacts(
        acting_as_ao=acting_as_ao(acting_user),
        provider_approved=provider_approved,
        qualification_label=f"{qualification.number} {qualification.title}",
        qualification_start=qualification.operational_start_date,
        qualification_end=qualification.operational_end_date,
        learner_date_of_birth=learner.date_of_birth,
        today=today or timezone.localdate(),
        voided=registration is not None and registration.is_void,
    )


def registration_validate(
    *,
    course_run: CourseRun,
    learner: Learner,
    proposed: RegistrationRecord,
    acting_user: User | None,
    registration: Registration | None = None,
    number_removal_allowed: bool = False,
) -> list[FieldError]:
    """Every rule `registration_create` (registration None) or `registration_update_status`
    would apply, without writing. An empty list means the save would succeed (barring a race).
    `learner` may be unsaved (a learner about to be created): only its provider and date of
    birth are read then."""
    errors: list[FieldError] = []
    if learner.provider_id != course_run.provider_id:
        errors.append(
            FieldError(
                "course_run",
                "The learner and the course run are at different centres.",
                "provider_mismatch",
            )
        )
    if registration is None and learner.pk is not None:
        duplicate = Registration.objects.filter(
            learner=learner, course_run=course_run, voided_at__isnull=True
        ).first()
        if duplicate is not None:
            errors.append(_already_registered_error(learner, duplicate))
    number = proposed.normalised().registration_number
    if number and number != ((registration and registration.registration_number) or ""):
        errors += _number_taken_errors(number=number, registration=registration)
    facts = registration_facts(
        course_run=course_run, learner=learner, acting_user=acting_user, registration=registration
    )
    current = RegistrationRecord.of(registration) if registration is not None else None
    errors += registration_change_errors(
        current=current,
        proposed=proposed,
        facts=facts,
        number_removal_allowed=number_removal_allowed,
    )
    return errors


def _already_registered_error(learner: Learner, duplicate: Registration) -> FieldError:
    message = (
        f"{learner.full_name} is already on this course run ({duplicate.get_status_display()})."
    )
    return FieldError("course_run", message, "already_registered")


def _number_taken_error(number: str) -> FieldError:
    return FieldError(
        "registration_number",
        f"The registration number {number} already belongs to another registration.",
        "number_taken",
    )


def _number_taken_errors(*, number: str, registration: Registration | None) -> list[FieldError]:
    """A number the AO brings from an older system must not already be held (R-REG-5)."""
    others = Registration.objects.filter(registration_number=number)
    if registration is not None:
        others = others.exclude(pk=registration.pk)
    return [_number_taken_error(number)] if others.exists() else []


# The unique constraints behind the checks above, for a race between the check and the save.
LEARNER_ONCE_CONSTRAINT = "registration_learner_once_per_course_run"
NUMBER_UNIQUE_CONSTRAINT = "registrations_registration_registration_number_key"


def _save_refused(error: IntegrityError, registration: Registration) -> RegistrationRejected:
    """The field error for a unique constraint the save ran into; anything else is a bug and is
    raised as it is."""
    diag = getattr(error.__cause__, "diag", None)
    constraint = getattr(diag, "constraint_name", "") or ""
    if constraint == NUMBER_UNIQUE_CONSTRAINT:
        return RegistrationRejected([_number_taken_error(registration.registration_number or "")])
    if constraint == LEARNER_ONCE_CONSTRAINT:
        return RegistrationRejected(
            [FieldError("course_run", "This registration already exists.", "already_registered")]
        )
    raise error


def registration_number_issue() -> str:
    """A new registration number from the database sequence (R-REG-5), skipping any number an
    older system's migrated record already holds."""
    return registration_numbers_issue(1)[0]


def registration_numbers_issue(count: int) -> list[str]:
    """`count` new registration numbers in one round trip, for bulk acceptance by the importer."""
    numbers = [registration_number_format(s) for s in registration_serials_next(count)]
    taken = set(
        Registration.objects.filter(
            # One array parameter, however many numbers (an import asks for thousands at once).
            registration_number__in=RawSQL("SELECT unnest(%s::text[])", [numbers])
        ).values_list("registration_number", flat=True)
    )
    if not taken:
        return numbers
    kept = [n for n in numbers if n not in taken]
    return kept + registration_numbers_issue(count - len(kept))


def _apply(registration: Registration, record: RegistrationRecord) -> None:
    registration.status = record.status
    registration.registration_number = record.registration_number or None
    registration.registration_date = record.registration_date
    registration.achieved_date = record.achieved_date
    registration.certificate_claimed_date = record.certificate_claimed_date
    registration.certificate_sent_date = record.certificate_sent_date
    registration.certificate_received_date = record.certificate_received_date
    registration.postal_tracking_reference = record.postal_tracking_reference
    registration.language_for_assessment = record.language_for_assessment


def _accepting(
    record: RegistrationRecord, current: RegistrationRecord | None
) -> RegistrationRecord:
    """R-REG-5: a request that passed every rule is accepted at once and gets its number."""
    if not is_registration_request(current, record):
        return record
    from dataclasses import replace

    return replace(
        record,
        registration_number=registration_number_issue(),
        registration_date=record.registration_date or timezone.localdate(),
    )


def registration_requests_accept(
    pairs: Sequence[tuple[RegistrationRecord | None, RegistrationRecord]],
) -> list[RegistrationRecord]:
    """R-REG-5 for many records at once (the CSV importer): each (current, proposed) pair that is
    a registration request is accepted with a number, all numbers from one call to the sequence,
    and today's date when none was given. Other records come back as they were."""
    requests = [i for i, pair in enumerate(pairs) if is_registration_request(*pair)]
    numbers = iter(registration_numbers_issue(len(requests)) if requests else [])
    today = timezone.localdate()
    accepted = [proposed for _, proposed in pairs]
    for index in requests:
        record = accepted[index]
        accepted[index] = replace(
            record,
            registration_number=next(numbers),
            registration_date=record.registration_date or today,
        )
    return accepted


@transaction.atomic
def registration_create(
    *,
    learner: Learner,
    course_run: CourseRun,
    acting_user: User | None,
    record: RegistrationRecord | None = None,
) -> Registration:
    """Register `learner` on `course_run`: request and, if every rule passes, accept (R-REG-5).

    `record` defaults to Registered today. A Registered request without a number is given one
    from the sequence in this transaction. Other statuses are saved as given (AO staff may bring
    every status and an older system's number, R-REG-14). Raises RegistrationRejected."""
    _ensure_may_act_for(acting_user, course_run.provider)
    proposed = (record or RegistrationRecord(status=RegistrationStatus.REGISTERED)).normalised()
    errors = registration_validate(
        course_run=course_run, learner=learner, proposed=proposed, acting_user=acting_user
    )
    if errors:
        raise RegistrationRejected(errors)
    accepted = _accepting(proposed, None)
    registration = Registration(learner=learner, course_run=course_run)
    _apply(registration, accepted)
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as error:
        raise _save_refused(error, registration) from error
    audit_record(
        actor=acting_user,
        action="registration.create",
        target=registration,
        after=snapshot(registration, REGISTRATION_AUDIT_FIELDS),
        organisation_id=course_run.provider.organisation_id,
    )
    return registration


@transaction.atomic
def registration_update_status(
    *,
    registration: Registration,
    proposed: RegistrationRecord,
    acting_user: User | None,
    number_removal_allowed: bool = False,
    learner: Learner | None = None,
    course_run: CourseRun | None = None,
    reason: str = "",
) -> Registration:
    """Change a registration's status, dates, tracking reference (and number, for AO staff).

    A registration's learner and course run never change: passing a different one is refused
    (code "immutable"); void it and register again instead.

    Build `proposed` from `RegistrationRecord.of(registration)` with `dataclasses.replace`. A
    move to Registered without a number is a request: accepted at once with a new number.
    `number_removal_allowed` is for the AO's edit form only (R-REG-10); the importer never sets
    it. `reason` (the edit form's) is kept in the audit row. Raises RegistrationRejected; audits
    the changed fields before/after."""
    _ensure_may_act_for(acting_user, registration.course_run.provider)
    moved = [
        immutable_error(name, f"A registration's {label} cannot change.")
        for name, label, given, current_id in (
            ("learner", "learner", learner, registration.learner_id),
            ("course_run", "course run", course_run, registration.course_run_id),
        )
        if given is not None and given.pk != current_id
    ]
    if moved:
        raise RegistrationRejected(moved)
    registration = (
        Registration.objects.select_for_update()
        .select_related("learner", "course_run__qualification", "course_run__provider")
        .get(pk=registration.pk)
    )
    proposed = proposed.normalised()
    errors = registration_validate(
        course_run=registration.course_run,
        learner=registration.learner,
        proposed=proposed,
        acting_user=acting_user,
        registration=registration,
        number_removal_allowed=number_removal_allowed,
    )
    if errors:
        raise RegistrationRejected(errors)
    current = RegistrationRecord.of(registration)
    before = snapshot(registration, REGISTRATION_AUDIT_FIELDS)
    _apply(registration, _accepting(proposed, current))
    old, new = changed_fields(before, snapshot(registration, REGISTRATION_AUDIT_FIELDS))
    if not new:
        return registration
    registration.updated_at = timezone.now()
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as error:
        raise _save_refused(error, registration) from error
    audit_record(
        actor=acting_user,
        action="registration.update",
        target=registration,
        before=old,
        after=new,
        detail={"reason": reason} if reason else None,
        organisation_id=registration.course_run.provider.organisation_id,
    )
    if "language_for_assessment" in new:
        # Its achievements take the new language as an LRS Update (R-LRS-6, decision 0121).
        from lrs_sync.achievement_events import achievements_update_language

        achievements_update_language(
            registration_id=registration.pk,
            language=registration.language_for_assessment,
            acting_user=acting_user,
        )
    return registration


@transaction.atomic
def registration_edit(
    *,
    registration: Registration,
    proposed: RegistrationRecord,
    reason: str,
    acting_user: User,
) -> Registration:
    """The AO's edit form (R-REG-10): AO staff who may void registrations correct any value of a
    registration, including removing its number, and say why (kept in the audit row)."""
    from accounts.roles import Capability

    if not (acting_user.is_ao_staff and acting_user.can(Capability.VOID_REGISTRATIONS)):
        raise PermissionDenied("Only AO staff who may void registrations can edit them.")
    reason = " ".join(reason.split())
    if not reason:
        raise RegistrationRejected(
            [FieldError("reason", "Enter the reason for this change.", "required")]
        )
    if len(reason) > 500:
        raise RegistrationRejected(
            [FieldError("reason", too_long_message(500, len(reason)), "long")]
        )
    return registration_update_status(
        registration=registration,
        proposed=proposed,
        acting_user=acting_user,
        number_removal_allowed=True,
        reason=reason,
    )


@transaction.atomic
def registration_void(
    *, registration: Registration, reason: str, acting_user: User
) -> Registration:
    """AO staff void a registration with a reason (R-REG-5). The number is kept, never reused."""
    from accounts.roles import Capability

    if not (acting_user.is_ao_staff and acting_user.can(Capability.VOID_REGISTRATIONS)):
        raise PermissionDenied("Only AO staff who may void registrations can do this.")
    reason = " ".join(reason.split())
    if not reason:
        raise RegistrationRejected(
            [
                FieldError(
                    "void_reason", "Enter the reason for voiding this registration.", "required"
                )
            ]
        )
    if len(reason) > 500:
        raise RegistrationRejected(
            [FieldError("void_reason", too_long_message(500, len(reason)), "long")]
        )
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.is_void:
        raise RegistrationRejected(
            [FieldError("void_reason", "This registration is already void.", "voided")]
        )
    registration.voided_at = timezone.now()
    registration.voided_by = acting_user
    registration.void_reason = reason
    registration.updated_at = registration.voided_at
    registration.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
    audit_record(
        actor=acting_user,
        action="registration.void",
        target=registration,
        before={"voided_at": None, "void_reason": ""},
        after={"voided_at": registration.voided_at, "void_reason": reason},
        organisation_id=registration.course_run.provider.organisation_id,
    )
    # A certificated registration's achievements are withdrawn at the LRS (decision 0123).
    from lrs_sync.achievement_events import achievements_withdraw_for_registration

    achievements_withdraw_for_registration(registration_id=registration.pk, acting_user=acting_user)
    return registration


@transaction.atomic
def learner_register(
    *,
    provider: Provider,
    details: Mapping[str, Any],
    course_run: CourseRun,
    acting_user: User | None,
    registration_date: datetime.date | None = None,
    confirm_possible_duplicate: bool = False,
    language_for_assessment: str = LanguageForAssessment.ENGLISH,
) -> Registration:
    """A new learner and their registration request, together or not at all (issue 4 item 4).

    Raises LearnerRejected or RegistrationRejected; nothing is saved unless both pass."""
    _ensure_may_act_for(acting_user, provider)
    day = registration_date or timezone.localdate()
    learner = learner_create(
        provider=provider,
        details=details,
        acting_user=acting_user,
        registration_date=day,
        confirm_possible_duplicate=confirm_possible_duplicate,
    )
    return registration_create(
        learner=learner,
        course_run=course_run,
        acting_user=acting_user,
        record=RegistrationRecord(
            status=RegistrationStatus.REGISTERED,
            registration_date=day,
            language_for_assessment=language_for_assessment,
        ),
    )
