"""Verification (R-RES-1): assigning the verifier, queries to the centre, confirming, and
resolving a learner's query."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from accounts.emails import email_send
from accounts.models import User
from accounts.roles import Capability, Role
from audit.services import audit_record
from learners.validators import FieldError
from providers.selectors import provider_recipients
from registrations.models import CourseRun

from ..models import (
    CourseRunResults,
    LearnerResult,
    ResultsQuery,
    Stage,
)
from .access import _require_ao
from .state import ResultsRejected, _lock, _reject, _transition

if TYPE_CHECKING:
    pass


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
        to=provider_recipients(
            provider=course_run.provider, roles={Role.RESULTS_ENTRY, Role.PROVIDER_SUPER_USER}
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
