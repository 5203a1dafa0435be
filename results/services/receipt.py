"""Receipt (R-CRT-5): the centre confirms printed certificates arrived; reminders and overdue
emails."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.emails import email_send
from accounts.models import User
from accounts.roles import Capability, Role
from audit.services import audit_record
from awards_portal.working_days import working_day_add
from learners.validators import FieldError
from providers.selectors import provider_recipients
from registrations.models import CourseRun

from ..models import (
    Consignment,
    CourseRunResults,
    LateCertificates,
    Stage,
)
from ..validators import (
    receipt_date_errors,
    transition_error,
)
from .access import _require_provider_user
from .dispatch import _history_note, _move_consignment_registrations, _names
from .state import ResultsRejected, S, _lock, _reject, _transition

RECEIPT_DEADLINE_WORKING_DAYS = 10  # R-CRT-5
RECEIPT_REMINDER_WORKING_DAY = 7


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
        to=provider_recipients(
            provider=course_run.provider,
            roles={Role.CERTIFICATE_RECEIPT, Role.PROVIDER_SUPER_USER},
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
