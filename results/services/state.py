"""The shared state machine: the season's results row, locking, the stage transition
(history and audit row), and the error services raise when a rule is broken."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from learners.validators import FieldError
from registrations.models import CourseRun, Registration, RegistrationStatus

from ..models import (
    CourseRunResults,
    StageChange,
)
from ..selectors import (
    RESULTS_STATUSES,
)
from ..validators import (
    transition_error,
)

S = RegistrationStatus


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
