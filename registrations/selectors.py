"""Reads of course runs and registrations, scoped to the signed-in user (R-ACC-6)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from people_search.names import learner_name_folded, people_search

from .models import CourseRun, ImportJob, Registration

if TYPE_CHECKING:
    from accounts.models import User


def course_runs_visible_to(*, user: User) -> QuerySet[CourseRun]:
    """AO staff see every course run; a provider's users only their own provider's."""
    course_runs = CourseRun.objects.select_related(
        "provider__organisation", "qualification__grading_scheme"
    )
    if user.is_ao_staff:
        return course_runs
    return course_runs.filter(provider__organisation_id=user.organisation_id)


def course_runs_with_counts(*, user: User, search: str = "") -> QuerySet[CourseRun]:
    course_runs = course_runs_visible_to(user=user).annotate(
        registration_count=Count("registrations", filter=Q(registrations__voided_at__isnull=True))
    )
    if search.strip():
        term = search.strip()
        course_runs = course_runs.filter(
            Q(programme_name__icontains=term)
            | Q(qualification__number__icontains=term)
            | Q(qualification__title__icontains=term)
        )
    return course_runs


def registrations_visible_to(*, user: User) -> QuerySet[Registration]:
    registrations = Registration.objects.select_related(
        "learner", "course_run__qualification", "course_run__provider__organisation"
    )
    if user.is_ao_staff:
        return registrations
    return registrations.filter(course_run__provider__organisation_id=user.organisation_id)


def registrations_filtered(
    *,
    user: User,
    status: str = "",
    course_run_id: int | None = None,
    learner_id: int | None = None,
    uln: str = "",
    qualification_number: str = "",
    registration_number: str = "",
) -> QuerySet[Registration]:
    registrations = registrations_visible_to(user=user)
    if status:
        registrations = registrations.filter(status=status)
    if course_run_id is not None:
        registrations = registrations.filter(course_run_id=course_run_id)
    if learner_id is not None:
        registrations = registrations.filter(learner_id=learner_id)
    if uln:
        registrations = registrations.filter(learner__uln=uln)
    if qualification_number:
        registrations = registrations.filter(course_run__qualification__number=qualification_number)
    if registration_number:
        registrations = registrations.filter(registration_number=registration_number)
    return registrations


def import_jobs_visible_to(*, user: User) -> QuerySet[ImportJob]:
    """CSV imports: AO staff see every provider's; a provider's users only their own provider's."""
    jobs = ImportJob.objects.select_related("provider", "created_by").defer("content")
    if user.is_ao_staff:
        return jobs
    return jobs.filter(provider__organisation_id=user.organisation_id)


FAILED_IMPORTS_SHOWN_FOR_DAYS = 7


def import_jobs_failed_recently(*, user: User) -> QuerySet[ImportJob]:
    """CSV imports that failed in the last FAILED_IMPORTS_SHOWN_FOR_DAYS days (decision 0116)."""
    since = timezone.now() - datetime.timedelta(days=FAILED_IMPORTS_SHOWN_FOR_DAYS)
    return import_jobs_visible_to(user=user).filter(
        status=ImportJob.Status.FAILED, created_at__gte=since
    )


def registrations_for_list(
    *,
    user: User,
    status: str = "",
    qualification_id: int | None = None,
    course_run_id: int | None = None,
    search: str = "",
    ordering: Sequence[str] = ("learner__family_name", "learner__given_name"),
) -> QuerySet[Registration]:
    """The Registrations page and its export: scoped, filtered (names by the one people search),
    in a stable order. Void registrations are left out (they show on the learner's page)."""
    registrations = (
        registrations_visible_to(user=user)
        .filter(voided_at__isnull=True)
        .select_related("course_run__qualification", "course_run__provider")
    )
    if status:
        registrations = registrations.filter(status=status)
    if qualification_id is not None:
        registrations = registrations.filter(course_run__qualification_id=qualification_id)
    if course_run_id is not None:
        registrations = registrations.filter(course_run_id=course_run_id)
    term = search.strip()
    if term:
        registrations = people_search(
            registrations,
            folded=learner_name_folded("learner__"),
            text=term,
            or_matches=Q(learner__uln="".join(term.split()))
            | Q(registration_number__iexact=term.replace(" ", "")),
        )
    return registrations.order_by(*ordering, "pk")
