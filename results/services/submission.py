"""Submitting a course run's results for verification, to the default verifier (R-RES-1)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.emails import email_send
from accounts.models import User
from accounts.roles import Capability
from audit.services import audit_record
from learners.validators import FieldError
from registrations.models import CourseRun

from ..models import (
    CourseRunResults,
    LearnerResult,
    ResultsQuery,
    Stage,
)
from ..selectors import active_verifiers
from ..validators import (
    LearnerForSubmission,
    submission_errors,
    transition_error,
)
from .access import _require_provider_user
from .state import ResultsRejected, _lock, _registrations_with_results, _reject, _transition

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
    verifiers = list(active_verifiers().order_by("username"))
    if not verifiers:
        return None
    waiting = dict(
        CourseRunResults.objects.filter(stage=Stage.SUBMITTED, verifier__in=verifiers)
        .values_list("verifier")
        .annotate(n=Count("pk"))
        .values_list("verifier", "n")
    )
    return min(verifiers, key=lambda u: (waiting.get(u.pk, 0), u.username))


REPLY_MAX_LENGTH = 2000


@transaction.atomic
def course_run_submit(
    *, course_run: CourseRun, acting_user: User | None, reply: str = ""
) -> CourseRunResults:
    """Submit (or, after a query, resubmit) a complete course run to its verifier (R-RES-1).
    On resubmission the centre may reply to the query; the verifier sees the reply."""
    _require_provider_user(acting_user, course_run, Capability.ENTER_RESULTS)
    results = _lock(course_run)
    problem = transition_error(results.stage, Stage.SUBMITTED)
    if problem:
        raise _reject("stage", problem, "invalid_transition")
    errors = submission_check(course_run=course_run)
    reply = reply.strip()
    resubmission = results.stage == Stage.QUERIED
    query = (
        results.queries.filter(resolved_at__isnull=True).order_by("-raised_at", "-pk").first()
        if resubmission
        else None
    )
    if reply and query is None:
        errors.append(FieldError("reply", "There is no query to reply to.", "no_query"))
    if len(reply) > REPLY_MAX_LENGTH:
        errors.append(
            FieldError(
                "reply",
                f"The reply is {len(reply)} characters; shorten it to {REPLY_MAX_LENGTH}.",
                "too_long",
            )
        )
    if errors:
        raise ResultsRejected(errors)
    if reply and query is not None:
        _query_reply(query=query, results=results, reply=reply, acting_user=acting_user)
    if results.verifier is None or not results.verifier.is_active:
        results.verifier = default_verifier()
    results.submitted_at = timezone.now()
    _transition(
        results,
        Stage.SUBMITTED,
        acting_user=acting_user,
        note=("Resubmitted after a query." + (f" Reply: {reply}" if reply else ""))
        if resubmission
        else "",
    )
    if results.verifier is not None:
        email_send(
            to=[results.verifier.email],
            template="results/email/submitted",
            context={
                "course_run": course_run,
                "provider": course_run.provider,
                "resubmission": resubmission,
                "reply": reply,
            },
        )
    return results


def _query_reply(
    *, query: ResultsQuery, results: CourseRunResults, reply: str, acting_user: User | None
) -> None:
    before = {"reply": query.reply}
    query.reply = reply
    query.replied_by = acting_user
    query.replied_at = timezone.now()
    query.save(update_fields=["reply", "replied_by", "replied_at"])
    audit_record(
        actor=acting_user,
        action="results.query_reply",
        target=results,
        before=before,
        after={"reply": reply},
        detail={"query": query.pk},
        organisation_id=results.course_run.provider.organisation_id,
    )
