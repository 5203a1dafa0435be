"""Reads of learners, scoped to the signed-in user (R-ACC-6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

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
