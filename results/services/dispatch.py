"""Dispatch (R-CRT-4): consignments of printed certificates, sending them, and telling the
centre its e-certificates are ready."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.emails import email_send
from accounts.models import User
from accounts.roles import Capability, Role
from audit.services import audit_record
from learners.validators import FieldError
from providers.selectors import provider_recipients
from registrations.models import CourseRun, Registration
from registrations.services import registration_update_status
from registrations.validators import RegistrationRecord

from ..models import (
    Consignment,
    CourseRunResults,
    LateCertificates,
    LearnerResult,
    Stage,
    StageChange,
)
from ..selectors import (
    late_learner_results_for,
)
from ..validators import (
    dispatch_errors,
)
from .access import _require_ao
from .state import ResultsRejected, S, _lock, _reject, _transition

if TYPE_CHECKING:
    from providers.models import Provider


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
        _notify_after_commit(consignment.pk)
    return consignment


def _notify_after_commit(consignment_id: int) -> None:
    from outbox.services import outbox_queue

    from ..tasks import e_certificates_ready_notify_task

    outbox_queue(task=e_certificates_ready_notify_task, args=[consignment_id])


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
            to=provider_recipients(
                provider=consignment.provider,
                roles={Role.PROVIDER_SUPER_USER, Role.MANAGE_REGISTRATION},
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
