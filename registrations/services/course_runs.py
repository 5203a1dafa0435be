"""Course runs: checking, creating and changing them (R-REG-3), audited."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction

from audit.services import audit_record, changed_fields, snapshot
from learners.validators import FieldError, too_long_message
from qualifications.selectors import provider_is_approved_for
from qualifications.validators import qualification_closed_error

from ..models import CourseRun
from ..validators import (
    immutable_error,
    not_approved_message,
)
from .access import RegistrationRejected, _ensure_may_act_for

if TYPE_CHECKING:
    from accounts.models import User
    from providers.models import Provider
    from qualifications.models import Qualification


COURSE_RUN_AUDIT_FIELDS = (
    "provider",
    "qualification",
    "start_date",
    "planned_achievement_date",
    "programme_name",
    "primary_tutor",
)


# Course runs ---------------------------------------------------------------------------------


def course_run_validate(
    *,
    provider: Provider,
    qualification: Qualification,
    start_date: datetime.date,
    planned_achievement_date: datetime.date,
    programme_name: str,
    primary_tutor: str,
) -> list[FieldError]:
    """R-REG-3 plus: the provider is approved for the qualification, which is open on the start
    date; the planned achievement date is not before the start date."""
    errors: list[FieldError] = []
    if not programme_name.strip():
        errors.append(FieldError("programme_name", "Enter the programme name.", "required"))
    if not primary_tutor.strip():
        errors.append(FieldError("primary_tutor", "Enter the primary tutor's name.", "required"))
    for name, value in (("programme_name", programme_name), ("primary_tutor", primary_tutor)):
        if len(value.strip()) > 128:
            errors.append(FieldError(name, too_long_message(128, len(value.strip())), "long"))
    if planned_achievement_date < start_date:
        errors.append(
            FieldError(
                "planned_achievement_date",
                "Planned achievement date must be on or after the start date.",
                "date_order",
            )
        )
    label = f"{qualification.number} {qualification.title}"
    if not provider_is_approved_for(provider_id=provider.pk, qualification_id=qualification.pk):
        errors.append(FieldError("qualification", not_approved_message(label), "not_approved"))
    elif message := qualification_closed_error(
        start=qualification.operational_start_date,
        end=qualification.operational_end_date,
        day=start_date,
        label=label,
    ):
        errors.append(FieldError("start_date", message, "qualification_closed"))
    return errors


@transaction.atomic
def course_run_create(
    *,
    provider: Provider,
    qualification: Qualification,
    start_date: datetime.date,
    planned_achievement_date: datetime.date,
    programme_name: str,
    primary_tutor: str,
    acting_user: User | None,
) -> CourseRun:
    """Create a course run; raises RegistrationRejected listing every broken rule."""
    _ensure_may_act_for(acting_user, provider)
    errors = course_run_validate(
        provider=provider,
        qualification=qualification,
        start_date=start_date,
        planned_achievement_date=planned_achievement_date,
        programme_name=programme_name,
        primary_tutor=primary_tutor,
    )
    if errors:
        raise RegistrationRejected(errors)
    course_run = CourseRun.objects.create(
        provider=provider,
        qualification=qualification,
        start_date=start_date,
        planned_achievement_date=planned_achievement_date,
        programme_name=programme_name.strip(),
        primary_tutor=primary_tutor.strip(),
    )
    audit_record(
        actor=acting_user,
        action="course_run.create",
        target=course_run,
        after=snapshot(course_run, COURSE_RUN_AUDIT_FIELDS),
        organisation_id=provider.organisation_id,
    )
    return course_run


@transaction.atomic
def course_run_update(
    *,
    course_run: CourseRun,
    acting_user: User | None,
    start_date: datetime.date | None = None,
    planned_achievement_date: datetime.date | None = None,
    programme_name: str | None = None,
    primary_tutor: str | None = None,
    qualification: Qualification | None = None,
) -> CourseRun:
    """Change a course run's dates, programme name or tutor (None leaves a value as it is).
    The qualification and provider do not change: a different `qualification` is refused
    (code "immutable"). Raises RegistrationRejected."""
    _ensure_may_act_for(acting_user, course_run.provider)
    course_run = (
        CourseRun.objects.select_for_update()
        .select_related("provider", "qualification")
        .get(pk=course_run.pk)
    )
    if qualification is not None and qualification.pk != course_run.qualification_id:
        raise RegistrationRejected(
            [
                immutable_error(
                    "qualification",
                    "A course run's qualification cannot change; create a new course run.",
                )
            ]
        )
    before = snapshot(course_run, COURSE_RUN_AUDIT_FIELDS)
    start = start_date or course_run.start_date
    planned = planned_achievement_date or course_run.planned_achievement_date
    name = course_run.programme_name if programme_name is None else programme_name
    tutor = course_run.primary_tutor if primary_tutor is None else primary_tutor
    errors = course_run_validate(
        provider=course_run.provider,
        qualification=course_run.qualification,
        start_date=start,
        planned_achievement_date=planned,
        programme_name=name,
        primary_tutor=tutor,
    )
    if start == course_run.start_date:
        # An existing run keeps its start date even if approval or the catalogue changed since.
        errors = [e for e in errors if e.code not in ("not_approved", "qualification_closed")]
    if errors:
        raise RegistrationRejected(errors)
    course_run.start_date = start
    course_run.planned_achievement_date = planned
    course_run.programme_name = name.strip()
    course_run.primary_tutor = tutor.strip()
    old, new = changed_fields(before, snapshot(course_run, COURSE_RUN_AUDIT_FIELDS))
    if new:
        course_run.save()
        audit_record(
            actor=acting_user,
            action="course_run.update",
            target=course_run,
            before=old,
            after=new,
            organisation_id=course_run.provider.organisation_id,
        )
    return course_run
