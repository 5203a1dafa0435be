"""Reads of learners, scoped to the signed-in user (R-ACC-6)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from people_search.names import learner_name_folded, people_search

from .choices import DEMOGRAPHIC_QUESTIONS
from .models import Learner

if TYPE_CHECKING:
    from accounts.models import User


def learners_visible_to(*, user: User) -> QuerySet[Learner]:
    """AO staff see every learner; a provider's users only their own provider's."""
    learners = Learner.objects.select_related("provider__organisation")
    if user.is_ao_staff:
        return learners
    return learners.filter(provider__organisation_id=user.organisation_id)


def learners_search(
    *,
    user: User,
    search: str = "",
    course_run_id: int | None = None,
    status: str = "",
) -> QuerySet[Learner]:
    """Name (the one people search: case, accents and punctuation ignored, R-LRN-2) or ULN
    search, and course run / status filters."""
    learners = learners_visible_to(user=user)
    search = search.strip()
    if search:
        digits = "".join(search.split())
        if digits.isdigit():
            learners = learners.filter(uln__startswith=digits)
        else:
            learners = people_search(learners, folded=learner_name_folded(), text=search)
    return learners_registered_as(learners, course_run_id=course_run_id, status=status)


def learners_registered_as(
    learners: QuerySet[Learner], *, course_run_id: int | None = None, status: str = ""
) -> QuerySet[Learner]:
    """Learners with one registration that is on the course run *and* has the status (not one
    registration on the run and another with the status)."""
    if course_run_id is None and not status:
        return learners
    from registrations.models import Registration

    registrations = Registration.objects.filter(learner=OuterRef("pk"))
    if course_run_id is not None:
        registrations = registrations.filter(course_run_id=course_run_id)
    if status:
        registrations = registrations.filter(status=status)
    return learners.filter(Exists(registrations))


def not_known_report(*, user: User) -> list[dict[str, object]]:
    """Per provider, how many learners answered each demographic question "Not known" (R-LRN-6)."""
    aggregates: dict[str, Count] = {"total": Count("pk")}
    for _, field, _, not_known in DEMOGRAPHIC_QUESTIONS:
        aggregates[field] = Count("pk", filter=Q(**{field: not_known}))
    rows = (
        learners_visible_to(user=user)
        .values("provider_id", "provider__organisation__name", "provider__centre_number")
        .annotate(**aggregates)
        .order_by("provider__organisation__name")
    )
    report: list[dict[str, object]] = []
    for row in rows:
        total = int(row["total"])
        report.append(
            {
                "provider": row["provider__organisation__name"],
                "centre_number": row["provider__centre_number"],
                "total": total,
                "questions": [
                    {
                        "question": question,
                        "not_known": row[field],
                        "percent": round(100 * row[field] / total, 1) if total else 0.0,
                    }
                    for question, field, _, _ in DEMOGRAPHIC_QUESTIONS
                ],
            }
        )
    return report


def learner_story(*, learner: Learner, registrations: QuerySet[Any]) -> list[dict[str, Any]]:
    """A learner's story, registration by registration: the course run's results stage, the
    learner's unit grades and qualification outcome, and every certificate issued for those
    achievements with its status (valid, replaced or revoked), replacements included. A few
    queries whatever the number of registrations. `registrations` is already scoped to what the
    user may see."""
    from certificates.models import Certificate
    from results.models import LearnerResult

    regs = list(registrations.select_related("course_run__qualification", "course_run__results"))
    results = {
        r.registration_id: r
        for r in LearnerResult.objects.filter(registration__in=[r.pk for r in regs])
        .prefetch_related("unit_results__unit", "unit_results__grade")
        .prefetch_related(
            Prefetch(
                "certificates", queryset=Certificate.objects.only("pk", "achievement_reference")
            )
        )
    }
    # Certificates issued to a result, and the replacements made for the same achievements.
    reference_of: dict[str, int] = {}
    for registration_id, result in results.items():
        for certificate in result.certificates.all():
            reference_of[certificate.achievement_reference] = registration_id
    certificates: dict[int, list[Certificate]] = {}
    for certificate in Certificate.objects.filter(
        achievement_reference__in=list(reference_of)
    ).order_by("issued_at", "pk"):
        certificates.setdefault(reference_of[certificate.achievement_reference], []).append(
            certificate
        )
    story = []
    for registration in regs:
        found = results.get(registration.pk)
        stage = getattr(registration.course_run, "results", None)
        story.append(
            {
                "registration": registration,
                "stage": stage.get_stage_display() if stage is not None else "",
                "result": found,
                "units": list(found.unit_results.all()) if found is not None else [],
                "certificates": certificates.get(registration.pk, []),
            }
        )
    return story
