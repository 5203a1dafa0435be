"""Reads of certificates and render jobs, scoped to what the signed-in user may see (R-ACC-6)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from accounts.roles import Capability

from .models import Certificate, CertificateCheck, RenderJob
from .validators import certificate_number_normalise


def user_may_see_certificates(*, user: User) -> bool:
    """AO staff who issue certificates; a provider's users who may see its learners."""
    if user.is_ao_staff:
        return user.can(Capability.CERTIFICATE)
    return user.can(Capability.VIEW_LEARNERS)


def certificates_visible_to(*, user: User) -> QuerySet[Certificate]:
    certificates = Certificate.objects.select_related("provider__organisation", "replaced_by")
    if not user_may_see_certificates(user=user):
        return certificates.none()
    if user.is_ao_staff:
        return certificates
    return certificates.filter(provider__organisation_id=user.organisation_id)


def certificates_list(*, user: User, search: str = "", status: str = "") -> QuerySet[Certificate]:
    """The certificates page: newest first, with how often each was checked successfully."""
    certificates = certificates_visible_to(user=user).annotate(
        check_count=Count("checks", filter=Q(checks__outcome=CertificateCheck.Outcome.MATCH))
    )
    search = search.strip()
    if search:
        number = certificate_number_normalise(search)
        certificates = certificates.filter(
            Q(learner_name__icontains=search)
            | Q(number=number)
            | Q(qualification_number__icontains=search)
            | Q(qualification_title__icontains=search)
        )
    if status in Certificate.Status.values:
        certificates = certificates.filter(status=status)
    return certificates.order_by("-issued_at", "-pk")


def certificate_check_counts(*, certificate: Certificate) -> dict[str, int]:
    """Checks of one certificate by outcome and method, for AO staff."""
    rows = (
        CertificateCheck.objects.filter(certificate=certificate)
        .values("method")
        .annotate(count=Count("pk"))
    )
    labels = dict(CertificateCheck.Method.choices)
    return {labels[row["method"]]: row["count"] for row in rows}


def render_jobs_visible_to(*, user: User) -> QuerySet[RenderJob]:
    jobs = RenderJob.objects.select_related("provider__organisation")
    if not user_may_see_certificates(user=user):
        return jobs.none()
    if user.is_ao_staff:
        return jobs
    return jobs.filter(provider__organisation_id=user.organisation_id)
