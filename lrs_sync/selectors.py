"""Reads for learner verification, scoped to what the signed-in user may see (R-ACC-6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from learners.models import Learner, VerificationStatus
from learners.selectors import learners_visible_to

from .models import VerifyJob, VerifyJobLearner

if TYPE_CHECKING:
    from accounts.models import User


def verify_jobs_visible_to(*, user: User) -> QuerySet[VerifyJob]:
    """Batches are the AO's work: AO staff see them all, providers none (they see outcomes)."""
    jobs = VerifyJob.objects.select_related("provider__organisation", "created_by")
    return jobs if user.is_ao_staff else jobs.none()


def verify_job_results(*, job: VerifyJob, code: str = "") -> QuerySet[VerifyJobLearner]:
    rows = job.learners.select_related("provider__organisation").order_by("position")
    if code == "pending":
        return rows.filter(response_code="")
    if code:
        rows = rows.filter(response_code=code)
    return rows


def verify_job_code_counts(*, job: VerifyJob) -> dict[str, int]:
    """How many of the batch's learners got each code ("" for not answered yet)."""
    return dict(
        job.learners.values_list("response_code")
        .annotate(n=Count("pk"))
        .values_list("response_code", "n")
    )


def verification_outcomes_for(*, user: User, status: str = "") -> QuerySet[Learner]:
    """The user's learners that have been verified, most in need of attention first."""
    learners = learners_visible_to(user=user).exclude(
        verification_status=VerificationStatus.UNVERIFIED
    )
    if status in VerificationStatus.values:
        learners = learners.filter(verification_status=status)
    return learners.order_by("verification_status", "family_name", "given_name", "pk")


def verification_status_counts(*, user: User) -> dict[str, int]:
    return dict(
        learners_visible_to(user=user)
        .order_by()
        .values_list("verification_status")
        .annotate(n=Count("pk"))
        .values_list("verification_status", "n")
    )
