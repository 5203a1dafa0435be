"""Reads of certificates and render jobs, scoped to what the signed-in user may see (R-ACC-6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from accounts.roles import Capability
from people_search.names import PeopleNameFold, people_search

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


def certificates_list(
    *,
    user: User,
    search: str = "",
    status: str = "",
    ordering: Sequence[str] = ("-issued_at",),
) -> QuerySet[Certificate]:
    """The certificates page: newest first unless sorted otherwise, learners found by the one
    people search (check counts: `certificate_match_counts`)."""
    certificates = certificates_visible_to(user=user)
    search = search.strip()
    if search:
        search = search.replace("\x00", "")
        number = certificate_number_normalise(search)
        certificates = people_search(
            certificates,
            folded=PeopleNameFold("learner_name"),
            text=search,
            or_matches=Q(number=number)
            | Q(qualification_number__icontains=search)
            | Q(qualification_title__icontains=search),
        )
    if status in Certificate.Status.values:
        certificates = certificates.filter(status=status)
    return certificates.order_by(*ordering, "-pk")


def certificate_match_counts(*, certificate_ids: list[int]) -> dict[int, int]:
    """Successful public checks of just these certificates (one page's), for AO staff."""
    rows = (
        CertificateCheck.objects.filter(
            certificate_id__in=certificate_ids, outcome=CertificateCheck.Outcome.MATCH
        )
        .values("certificate_id")
        .annotate(count=Count("pk"))
    )
    return {row["certificate_id"]: row["count"] for row in rows}


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


def render_jobs_failed(*, user: User) -> QuerySet[RenderJob]:
    """Render jobs that failed and wait for someone to retry them."""
    return render_jobs_visible_to(user=user).filter(status=RenderJob.Status.FAILED)


def certificate_current(*, certificate: Certificate) -> Certificate:
    """The latest certificate for the same achievement: itself, or the end of its replacements."""
    if certificate.status != Certificate.Status.REPLACED:
        return certificate
    latest = (
        Certificate.objects.select_related("provider__organisation")
        .filter(achievement_reference=certificate.achievement_reference)
        .order_by("-issued_at", "-pk")
        .first()
    )
    return latest or certificate


@dataclass
class BatchContents:
    """What a batch's ZIP and print hold: each achievement's current, rendered certificate."""

    included: list[Certificate] = field(default_factory=list)
    left_out: list[tuple[Certificate, str]] = field(default_factory=list)


def render_job_contents(*, job: RenderJob) -> BatchContents:
    """Each achievement in the batch once: a replaced certificate's latest replacement instead
    of it, revoked ones left out, unrendered ones left out (with the reason), by learner name."""
    references = list(job.certificates.values_list("achievement_reference", flat=True))
    latest = (
        Certificate.objects.filter(achievement_reference__in=references)
        .order_by("achievement_reference", "-issued_at", "-pk")
        .distinct("achievement_reference")
    )
    contents = BatchContents()
    for certificate in sorted(latest, key=lambda c: (c.learner_name, c.pk)):
        if certificate.status == Certificate.Status.REVOKED:
            contents.left_out.append((certificate, "revoked"))
        elif not certificate.is_rendered:
            contents.left_out.append((certificate, "PDF not rendered yet"))
        else:
            contents.included.append(certificate)
    return contents
