"""Every write to certificates: issue, replace, revoke, render, download records and checks."""

from __future__ import annotations

import datetime
import io
import logging
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from accounts.roles import Capability, Role
from audit.services import audit_record, snapshot
from providers.models import Provider

from . import check_buffer, pdf_files, public_cache, selectors
from .models import Certificate, CertificateCheck, RenderJob
from .rendering import CertificatePage, certificates_render_pdfs
from .throttles import Throttled, check_failed, check_throttle, check_throttle_and_fetch
from .validators import (
    certificate_number_generate,
    certificate_number_normalise,
    learner_names_match,
    pdf_sha256,
    qr_token_generate,
)

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

SNAPSHOT_FIELDS = (
    "number",
    "qr_token",
    "achievement_reference",
    "provider",
    "learner_name",
    "qualification_number",
    "qualification_title",
    "units",
    "grade",
    "award_date",
    "awarding_organisation_name",
)
STATUS_FIELDS = ("status", "status_reason", "status_changed_at")
# Certificates rendered per layout (and per Celery task): big enough to share the layout work,
# small enough that progress moves and a failure costs little.
RENDER_CHUNK_SIZE = 25
NUMBER_ATTEMPTS = 8


# --- issuing -----------------------------------------------------------------------------


# The longest value each snapshot column holds (models.py), so bad input gets a clear message
# rather than a database error.
MAX_LENGTHS = {
    "achievement_reference": 200,
    "learner_name": 300,
    "qualification_number": 20,
    "qualification_title": 300,
    "grade": 50,
}


def _snapshot_problems(
    *,
    learner_name: str,
    qualification_title: str,
    units: Sequence[dict[str, Any]],
    award_date: datetime.date,
    achievement_reference: str,
    qualification_number: str = "",
    grade: str = "",
) -> dict[str, str]:
    problems: dict[str, str] = {}
    values = {
        "achievement_reference": achievement_reference,
        "learner_name": learner_name,
        "qualification_number": qualification_number,
        "qualification_title": qualification_title,
        "grade": grade,
    }
    for name, value in values.items():
        if "\x00" in value:
            problems[name] = "This contains a NUL character, which a certificate cannot hold."
        elif len(value) > MAX_LENGTHS[name]:
            problems[name] = (
                f"This is {len(value)} characters long; a certificate holds at most "
                f"{MAX_LENGTHS[name]}."
            )
    if not achievement_reference.strip():
        problems["achievement_reference"] = "Say which achievement this certificate is for."
    if not learner_name.strip():
        problems["learner_name"] = "A certificate needs the learner's name."
    if not qualification_title.strip() and not units:
        problems["qualification_title"] = (
            "A certificate needs a qualification or at least one unit."
        )
    for index, unit in enumerate(units, start=1):
        if not str(unit.get("reference", "")).strip() or not str(unit.get("title", "")).strip():
            problems["units"] = f"Unit {index} needs a reference and a title."
        elif any("\x00" in str(value) for value in unit.values()):
            problems["units"] = f"Unit {index} contains a NUL character."
    if award_date > timezone.localdate():
        problems["award_date"] = "The award date cannot be in the future."
    return problems


def _clean_text(value: str) -> str:
    """As stored: NFC (R-LRN-2), whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def _clean_units(units: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {
            "reference": _clean_text(str(u.get("reference", ""))),
            "title": _clean_text(str(u.get("title", ""))),
            "grade": _clean_text(str(u.get("grade", ""))),
        }
        for u in units
    ]


def _latest_for_achievement(achievement_reference: str) -> Certificate | None:
    return (
        Certificate.objects.filter(achievement_reference=achievement_reference)
        .order_by("-issued_at", "-pk")
        .first()
    )


def _create_with_fresh_number(fields: dict[str, Any]) -> Certificate:
    """Insert with a random number and token; a collision (the unique constraint) draws again."""
    for _attempt in range(NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                created = Certificate.objects.create(
                    number=certificate_number_generate(), qr_token=qr_token_generate(), **fields
                )
            # Its number or token may have been tried, and kept as "no match", before it existed.
            public_cache.forget_after_commit(created)
            return created
        except IntegrityError as error:
            constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", "")
            if constraint and ("number" in constraint or "qr_token" in constraint):
                continue
            raise
    raise RuntimeError("could not draw an unused certificate number")  # 31**9 numbers: never


@transaction.atomic
def certificate_issue(
    *,
    provider: Provider,
    achievement_reference: str,
    learner_name: str,
    qualification_number: str,
    qualification_title: str,
    units: list[dict[str, Any]],
    grade: str,
    award_date: datetime.date,
    acting_user: User | None,
    render: bool = True,
    awarding_organisation_name: str | None = None,
) -> Certificate:
    """Issue the certificate for one achievement, or return the one already issued (R-CRT-1).

    Everything the certificate shows is copied onto it, so later edits to the learner or the
    qualification never change it. With `render`, its PDF is rendered after commit; batch
    callers pass `render=False` and use `render_job_create` for the whole course run.
    """
    achievement_reference = achievement_reference.strip()
    cleaned_units = _clean_units(units)
    fields = {
        "achievement_reference": achievement_reference,
        "provider": provider,
        "learner_name": _clean_text(learner_name),
        "qualification_number": _clean_text(qualification_number),
        "qualification_title": _clean_text(qualification_title),
        "units": cleaned_units,
        "grade": _clean_text(grade),
        "award_date": award_date,
        "awarding_organisation_name": awarding_organisation_name or settings.AO_NAME,
        "issued_by": acting_user,
    }
    existing = _latest_for_achievement(achievement_reference)
    if existing is not None:
        return _same_certificate_or_refuse(existing, fields)
    problems = _snapshot_problems(
        learner_name=learner_name,
        qualification_title=qualification_title,
        units=cleaned_units,
        award_date=award_date,
        achievement_reference=achievement_reference,
        qualification_number=qualification_number,
        grade=grade,
    )
    if problems:
        raise ValidationError(problems)
    try:
        with transaction.atomic():
            certificate = _create_with_fresh_number(fields)
    except IntegrityError:
        # Issued by someone else a moment ago (the one-original-per-achievement constraint).
        existing = _latest_for_achievement(achievement_reference)
        if existing is None:
            raise
        return _same_certificate_or_refuse(existing, fields)
    audit_record(
        actor=acting_user,
        action="certificate.issue",
        target=certificate,
        after=snapshot(certificate, SNAPSHOT_FIELDS),
        organisation_id=provider.organisation_id,
    )
    if render:
        _render_single(certificate, acting_user=acting_user)
    return certificate


# What must match for a second issue of one achievement to be the same certificate.
IDENTITY_FIELDS = {
    "provider": "provider",
    "learner_name": "learner name",
    "qualification_number": "qualification number",
    "qualification_title": "qualification title",
    "units": "units",
    "grade": "grade",
    "award_date": "award date",
}


def _same_certificate_or_refuse(existing: Certificate, fields: dict[str, Any]) -> Certificate:
    """Issuing is idempotent only for the same details; different ones are refused, not hidden.

    A second issue with other details means a re-grade, a collision of references or a bug: the
    caller must replace or revoke the certificate instead (R-CRT-6), not get the old one back.
    """
    differing = []
    for name, label in IDENTITY_FIELDS.items():
        if name == "provider":
            same = existing.provider_id == fields["provider"].pk
        else:
            same = getattr(existing, name) == fields[name]
        if not same:
            differing.append(label)
    if differing:
        raise ValidationError(
            f"Achievement {existing.achievement_reference} already has certificate "
            f"{existing.display_number} with a different {', '.join(differing)}; replace or "
            "revoke that certificate instead of issuing again.",
            code="conflicting_certificate",
        )
    return existing


def _render_single(certificate: Certificate, *, acting_user: User | None) -> RenderJob:
    """One certificate's rendering gets a job row too: progress, failure and retry are recorded."""
    return render_job_create(
        provider=certificate.provider,
        certificates=[certificate],
        acting_user=acting_user,
        batch_key=f"Certificate {certificate.display_number}",
    )


# --- replacement and revocation (R-CRT-6) ---------------------------------------------------


def _require_certification_officer(user: User) -> None:
    if not (user.is_ao_staff and user.can(Capability.CERTIFICATE)):
        raise PermissionDenied("Only AO staff who issue certificates may do this.")


def _lock(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update().get(pk=certificate.pk)


@transaction.atomic
def certificate_replace(
    *,
    certificate: Certificate,
    reason: str,
    fee_pence: int,
    acting_user: User,
    render: bool = True,
) -> Certificate:
    """A replacement with a new number and token; the old one then checks as replaced."""
    _require_certification_officer(acting_user)
    problems: dict[str, str] = {}
    if not reason.strip():
        problems["reason"] = "Say why the certificate is being replaced."
    if fee_pence is None or fee_pence < 0:
        problems["fee"] = "Enter the fee charged, 0 or more."
    if problems:
        raise ValidationError(problems)
    old = _lock(certificate)
    if old.status != Certificate.Status.VALID:
        raise ValidationError(
            f"Only a valid certificate can be replaced; {old.display_number} is already "
            f"{old.get_status_display().lower()}."
        )
    before = snapshot(old, STATUS_FIELDS)
    old.status = Certificate.Status.REPLACED
    old.status_changed_at = timezone.now()
    old.save(update_fields=["status", "status_changed_at"])
    public_cache.forget_after_commit(old)  # the public check says "replaced" at once
    new = _create_with_fresh_number(
        {
            "achievement_reference": old.achievement_reference,
            "replaces": old,
            "provider_id": old.provider_id,
            "learner_name": old.learner_name,
            "qualification_number": old.qualification_number,
            "qualification_title": old.qualification_title,
            "units": old.units,
            "grade": old.grade,
            "award_date": old.award_date,
            "awarding_organisation_name": old.awarding_organisation_name,
            "replacement_reason": reason.strip(),
            "replacement_fee_pence": fee_pence,
            "issued_by": acting_user,
        }
    )
    organisation_id = old.provider.organisation_id
    audit_record(
        actor=acting_user,
        action="certificate.replace",
        target=old,
        before=before,
        after={**snapshot(old, STATUS_FIELDS), "replaced_by": new.number},
        detail={"reason": new.replacement_reason, "fee_pence": fee_pence},
        organisation_id=organisation_id,
    )
    audit_record(
        actor=acting_user,
        action="certificate.issue",
        target=new,
        after={
            **snapshot(new, SNAPSHOT_FIELDS),
            "replaces": old.number,
            "replacement_fee_pence": fee_pence,
        },
        organisation_id=organisation_id,
    )
    if render:
        _render_single(new, acting_user=acting_user)
    _notify_after_commit(old.pk, "replaced")
    return new


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, acting_user: User) -> Certificate:
    _require_certification_officer(acting_user)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the certificate is being revoked."})
    locked = _lock(certificate)
    if locked.status != Certificate.Status.VALID:
        raise ValidationError(
            f"Only a valid certificate can be revoked; {locked.display_number} is already "
            f"{locked.get_status_display().lower()}."
        )
    before = snapshot(locked, STATUS_FIELDS)
    locked.status = Certificate.Status.REVOKED
    locked.status_reason = reason.strip()
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=list(STATUS_FIELDS))
    public_cache.forget_after_commit(locked)  # the public check says "revoked" at once
    audit_record(
        actor=acting_user,
        action="certificate.revoke",
        target=locked,
        before=before,
        after=snapshot(locked, STATUS_FIELDS),
        organisation_id=locked.provider.organisation_id,
    )
    _notify_after_commit(locked.pk, "revoked")
    return locked


def _notify_after_commit(certificate_id: int, event: str) -> None:
    from outbox.services import outbox_queue

    from .tasks import certificate_notify_provider_task

    outbox_queue(task=certificate_notify_provider_task, args=[certificate_id, event])


NOTIFIED_ROLES = {Role.PROVIDER_SUPER_USER, Role.MANAGE_REGISTRATION}


def _provider_recipients(provider: Provider) -> list[str]:
    users = User.objects.filter(organisation_id=provider.organisation_id, status=User.Status.ACTIVE)
    chosen = [u.email for u in users if NOTIFIED_ROLES.intersection(u.roles)]
    return chosen or [u.email for u in users]


def certificate_provider_notify(*, certificate_id: int, event: str) -> bool:
    """Email the provider that a certificate was replaced or revoked; once per certificate.

    The certificate is claimed (its `provider_notified_at` set) in a short transaction that
    commits before the email goes, so no row lock is held while SMTP is slow; if sending fails
    the claim is released and the task retries. Returns False when there was nothing to do
    (already notified, or no one to tell).
    """
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update()
            .select_related("provider__organisation")
            .get(pk=certificate_id)
        )
        if certificate.provider_notified_at is not None:
            return False
        recipients = _provider_recipients(certificate.provider)
        if not recipients:
            logger.warning("no one to notify at provider %s", certificate.provider_id)
            return False
        claimed_at = timezone.now()
        Certificate.objects.filter(pk=certificate.pk).update(provider_notified_at=claimed_at)
    replacement = getattr(certificate, "replaced_by", None) if event == "replaced" else None
    context = {
        "certificate": certificate,
        "replacement": replacement,
        "event": event,
        "provider": certificate.provider,
        "ao_name": certificate.awarding_organisation_name,
        "portal_url": settings.PORTAL_BASE_URL,
    }
    subject = " ".join(render_to_string(f"certificates/email/{event}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"certificates/email/{event}.txt", context),
        to=recipients,
    )
    message.attach_alternative(
        render_to_string(f"certificates/email/{event}.html", context), "text/html"
    )
    try:
        message.send()
    except Exception:
        Certificate.objects.filter(pk=certificate.pk, provider_notified_at=claimed_at).update(
            provider_notified_at=None
        )
        raise
    return True


# --- rendering ---------------------------------------------------------------------------


def _pdf_name(certificate: Certificate) -> str:
    return f"certificates/{certificate.issued_at:%Y}/{certificate.number}.pdf"


def certificates_unrendered(*, certificate_ids: Sequence[int]) -> list[int]:
    return list(
        Certificate.objects.filter(pk__in=certificate_ids, pdf_sha256="").values_list(
            "pk", flat=True
        )
    )


def certificates_render(
    *, certificate_ids: Sequence[int], on_stored: Callable[[], object] | None = None
) -> int:
    """Render and store the PDFs of those certificates not yet rendered; returns how many.

    Idempotent: a stored PDF is never replaced (the database refuses it), and a certificate
    rendered meanwhile by another worker keeps that worker's file. A file takes its final name
    only as its row commits (`pdf_files`). `on_stored` runs after each certificate is stored
    (a render job's progress).
    """
    pending = list(Certificate.objects.filter(pk__in=certificate_ids, pdf_sha256="").order_by("pk"))
    if not pending:
        return 0
    pdfs = certificates_render_pdfs([CertificatePage.from_certificate(c) for c in pending])
    stored = 0
    for certificate, content in zip(pending, pdfs, strict=True):
        name = _pdf_name(certificate)
        partial = pdf_files.pdf_partial_write(name=name, content=content)
        try:
            with transaction.atomic():
                locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
                if locked.pdf_sha256:
                    pdf_files.pdf_partial_discard(partial)
                    continue
                locked.pdf.name = name
                locked.pdf_sha256 = pdf_sha256(content)
                locked.pdf_rendered_at = timezone.now()
                locked.save(update_fields=["pdf", "pdf_sha256", "pdf_rendered_at"])
                audit_record(
                    actor=None,
                    action="certificate.render",
                    target=locked,
                    after={"pdf": name, "pdf_sha256": locked.pdf_sha256},
                    organisation_id=locked.provider.organisation_id,
                )
                pdf_files.pdf_partial_publish(partial=partial, name=name)  # the last step
        except BaseException:
            pdf_files.pdf_partial_discard(partial)
            if not Certificate.objects.filter(pk=certificate.pk, pdf=name).exists():
                default_storage.delete(name)  # moved, but the row did not commit
            raise
        pdf_files.pdf_partials_discard(name=name)
        stored += 1
        if on_stored is not None:
            on_stored()
    return stored


@transaction.atomic
def render_job_create(
    *,
    provider: Provider,
    certificates: Iterable[Certificate],
    acting_user: User | None,
    batch_key: str = "",
) -> RenderJob:
    """A job rendering one batch (a course run's certificates); the page shows its progress."""
    chosen = list(certificates)
    if not chosen:
        raise ValidationError("Choose at least one certificate to render.")
    if any(c.provider_id != provider.pk for c in chosen):
        raise ValidationError("Every certificate in a batch must belong to the batch's provider.")
    job = RenderJob.objects.create(
        provider=provider,
        batch_key=batch_key.strip(),
        total=len(chosen),
        rendered=sum(1 for c in chosen if c.pdf_sha256),
        created_by=acting_user,
    )
    job.certificates.set(chosen)
    audit_record(
        actor=acting_user,
        action="certificate.render_job.create",
        target=job,
        after={"batch_key": job.batch_key, "certificates": [c.number for c in chosen]},
        organisation_id=provider.organisation_id,
    )
    _start_job_after_commit(job.pk)
    return job


def _start_job_after_commit(job_id: int) -> None:
    transaction.on_commit(lambda: render_job_dispatch(job_id=job_id))


def render_job_dispatch(*, job_id: int) -> bool:
    """Hand the job to the task queue; if the broker is down, leave it queued, never raise.

    Runs after the data is committed, so an exception here would turn a saved certificate into
    a 500. The job keeps `dispatched_at` empty, and `render_jobs_resume` (beat) or the retry
    button hands it over again later.
    """
    from outbox.services import task_publish

    from .tasks import render_job_task

    RenderJob.objects.filter(pk=job_id).update(dispatched_at=timezone.now())
    if task_publish(task_name=render_job_task.name, args=[job_id]):
        logger.error("could not queue render job %s; it stays queued for a retry", job_id)
        RenderJob.objects.filter(pk=job_id, status=RenderJob.Status.QUEUED).update(
            dispatched_at=None
        )
        return False
    return True


# A job whose worker reported no progress for this long has stalled (its worker or message was
# lost): a worker reports after every certificate it stores, each taking a second or two.
RENDER_JOB_STALL_AFTER = datetime.timedelta(minutes=2)
# Times a job is handed over again by itself before it is marked failed.
RENDER_JOB_MAX_ATTEMPTS = 5


def _stall_after() -> datetime.timedelta:
    seconds = getattr(settings, "CERTIFICATE_RENDER_STALL_SECONDS", None)
    return datetime.timedelta(seconds=seconds) if seconds else RENDER_JOB_STALL_AFTER


def render_job_is_stale(job: RenderJob) -> bool:
    """Stalled: queued but never handed to the queue, or queued/rendering with no progress
    reported for `CERTIFICATE_RENDER_STALL_SECONDS` (the job page says so, beat resumes it)."""
    if job.status == RenderJob.Status.QUEUED and job.dispatched_at is None:
        return job.created_at < timezone.now() - min(_stall_after(), datetime.timedelta(minutes=1))
    if job.status in (RenderJob.Status.QUEUED, RenderJob.Status.RENDERING):
        return job.progress_at < timezone.now() - _stall_after()
    return False


def render_job_may_retry(*, job: RenderJob) -> bool:
    return job.status == RenderJob.Status.FAILED or render_job_is_stale(job)


def render_jobs_resume() -> list[int]:
    """Hand stuck jobs to the queue again (the beat task); fail those tried too often.

    Returns the ids handed over.
    """
    resumed: list[int] = []
    candidates = RenderJob.objects.filter(
        status__in=[RenderJob.Status.QUEUED, RenderJob.Status.RENDERING]
    ).order_by("pk")
    for job in candidates:
        if not render_job_is_stale(job):
            continue
        with transaction.atomic():
            locked = RenderJob.objects.select_for_update().get(pk=job.pk)
            if not render_job_is_stale(locked):
                continue
            if locked.attempts >= RENDER_JOB_MAX_ATTEMPTS:
                render_job_fail(
                    job_id=locked.pk,
                    error=f"no progress after {locked.attempts} attempts; rendering given up",
                )
                continue
            locked.status = RenderJob.Status.QUEUED
            locked.progress_at = timezone.now()
            locked.save(update_fields=["status", "progress_at"])
            audit_record(
                actor=None,
                action="certificate.render_job.resume",
                target=locked,
                before={"status": job.status},
                after={"status": RenderJob.Status.QUEUED},
                organisation_id=locked.provider.organisation_id,
            )
        if render_job_dispatch(job_id=job.pk):
            resumed.append(job.pk)
    return resumed


def render_job_start(*, job_id: int) -> list[list[int]]:
    """Mark the job rendering and return the chunks of certificate ids still to render."""
    with transaction.atomic():
        job = RenderJob.objects.select_for_update().get(pk=job_id)
        if job.status == RenderJob.Status.DONE:
            return []
        pending = list(
            job.certificates.filter(pdf_sha256="").order_by("pk").values_list("pk", flat=True)
        )
        job.status = RenderJob.Status.RENDERING
        job.started_at = job.started_at or timezone.now()
        job.progress_at = timezone.now()
        job.attempts = F("attempts") + 1
        job.error = ""
        job.save(update_fields=["status", "started_at", "progress_at", "attempts", "error"])
    if not pending:
        render_job_progress(job_id=job_id)
        return []
    return [
        pending[start : start + RENDER_CHUNK_SIZE]
        for start in range(0, len(pending), RENDER_CHUNK_SIZE)
    ]


def render_job_progress(*, job_id: int) -> RenderJob:
    """Count the job's rendered certificates; when all are, the job is done.

    A late or duplicate message for a finished job changes nothing, its finished time included.
    """
    with transaction.atomic():
        job = RenderJob.objects.select_for_update().get(pk=job_id)
        if job.status == RenderJob.Status.DONE:
            return job
        job.rendered = job.certificates.exclude(pdf_sha256="").count()
        job.progress_at = timezone.now()
        if job.rendered >= job.total and job.status != RenderJob.Status.FAILED:
            job.status = RenderJob.Status.DONE
            job.finished_at = timezone.now()
        job.save(update_fields=["rendered", "progress_at", "status", "finished_at"])
    return job


def render_job_fail(*, job_id: int, error: str) -> None:
    with transaction.atomic():
        job = RenderJob.objects.select_for_update().get(pk=job_id)
        if job.status == RenderJob.Status.DONE:
            return  # a late message cannot undo finished work
        job.status = RenderJob.Status.FAILED
        job.error = error[:2000]
        job.finished_at = timezone.now()
        job.rendered = job.certificates.exclude(pdf_sha256="").count()
        job.save(update_fields=["status", "error", "finished_at", "rendered"])


@transaction.atomic
def render_job_retry(*, job: RenderJob, acting_user: User) -> RenderJob:
    _require_certification_officer(acting_user)
    locked = RenderJob.objects.select_for_update().get(pk=job.pk)
    if not render_job_may_retry(job=locked):
        raise ValidationError(
            "Only a failed job, or one that has not moved for a while, can be tried again."
        )
    before = {"status": locked.status, "error": locked.error}
    locked.status = RenderJob.Status.QUEUED
    locked.finished_at = None
    locked.progress_at = timezone.now()
    locked.save(update_fields=["status", "finished_at", "progress_at"])
    audit_record(
        actor=acting_user,
        action="certificate.render_job.retry",
        target=locked,
        before=before,
        after={"status": RenderJob.Status.QUEUED},
        organisation_id=locked.provider.organisation_id,
    )
    _start_job_after_commit(locked.pk)
    return locked


# --- downloads (R-CRT-3) -------------------------------------------------------------------


def user_may_download(*, user: User, provider: Provider) -> bool:
    """AO certification staff always; a provider's users only with e-certificates enabled."""
    if user.is_ao_staff:
        return user.can(Capability.CERTIFICATE)
    return (
        user.organisation_id == provider.organisation_id
        and provider.e_certificates_enabled
        and user.can(Capability.VIEW_LEARNERS)
    )


class StoredPdfError(Exception):
    """A stored certificate PDF is missing or no longer matches its SHA-256: a tamper signal."""

    user_message = (
        "This certificate's PDF could not be served: the stored file failed its integrity "
        "check. The awarding organisation has been alerted."
    )


def _read_pdf(certificate: Certificate, *, acting_user: User | None = None) -> bytes:
    problem = ""
    content = b""
    try:
        with certificate.pdf.open("rb") as handle:
            content = handle.read()
    except OSError as error:  # missing file, unreadable storage
        problem = f"stored PDF unreadable: {type(error).__name__}"
    if not problem and pdf_sha256(content) != certificate.pdf_sha256:
        problem = "stored PDF does not match its SHA-256"
    if problem:
        logger.error("certificate %s: %s (%s)", certificate.number, problem, certificate.pdf.name)
        with transaction.atomic():
            audit_record(
                actor=acting_user,
                action="certificate.pdf_integrity_failed",
                target=certificate,
                detail={"problem": problem, "pdf": certificate.pdf.name},
                organisation_id=certificate.provider.organisation_id,
            )
        raise StoredPdfError(f"certificate {certificate.number}: {problem}")
    return content


class CertificateReplaced(ValidationError):
    """The certificate asked for has been replaced; `current` is the one to use instead."""

    def __init__(self, certificate: Certificate, current: Certificate) -> None:
        self.current = current
        super().__init__(
            f"Certificate {certificate.display_number} has been replaced by "
            f"{current.display_number}."
        )


def certificate_pdf_download(*, certificate: Certificate, acting_user: User) -> bytes:
    """The stored PDF, checked against its SHA-256; the download is audited.

    Providers get only valid certificates: a revoked one is refused, a replaced one raises
    `CertificateReplaced` naming the current one. AO staff may download any, for their records.
    """
    if not user_may_download(user=acting_user, provider=certificate.provider):
        raise PermissionDenied("E-certificates are not available to you for this provider.")
    if not acting_user.is_ao_staff:
        if certificate.status == Certificate.Status.REVOKED:
            raise ValidationError(
                f"Certificate {certificate.display_number} has been revoked, so its PDF can no "
                "longer be downloaded."
            )
        if certificate.status == Certificate.Status.REPLACED:
            current = selectors.certificate_current(certificate=certificate)
            raise CertificateReplaced(certificate, current)
    if not certificate.is_rendered:
        raise ValidationError("This certificate's PDF is not ready yet.")
    content = _read_pdf(certificate, acting_user=acting_user)
    audit_record(
        actor=acting_user,
        action="certificate.download",
        target=certificate,
        detail={"pdf_sha256": certificate.pdf_sha256, "status": certificate.status},
        organisation_id=certificate.provider.organisation_id,
    )
    return content


def _batch_certificates(job: RenderJob) -> selectors.BatchContents:
    contents = selectors.render_job_contents(job=job)
    if not contents.included:
        raise ValidationError("None of this batch's certificates has a current, rendered PDF yet.")
    return contents


def _left_out_detail(contents: selectors.BatchContents) -> list[dict[str, str]]:
    return [{"number": c.number, "reason": reason} for c, reason in contents.left_out]


def render_job_zip_download(*, job: RenderJob, acting_user: User) -> bytes:
    """A ZIP of the batch's current PDFs, for providers with e-certificates (R-CRT-3); audited.

    Each achievement once: a replacement instead of the certificate it replaced, revoked ones
    left out.
    """
    if not user_may_download(user=acting_user, provider=job.provider):
        raise PermissionDenied("E-certificates are not available to you for this provider.")
    contents = _batch_certificates(job)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in contents.included:
            archive.writestr(
                f"{certificate.number}.pdf", _read_pdf(certificate, acting_user=acting_user)
            )
    audit_record(
        actor=acting_user,
        action="certificate.download_zip",
        target=job,
        detail={
            "certificates": [c.number for c in contents.included],
            "left_out": _left_out_detail(contents),
        },
        organisation_id=job.provider.organisation_id,
    )
    return buffer.getvalue()


def render_job_print_pdf(*, job: RenderJob, acting_user: User) -> bytes:
    """AO staff print a whole batch: one merged PDF of the current certificates; audited."""
    _require_certification_officer(acting_user)
    from pypdf import PdfWriter

    contents = _batch_certificates(job)
    writer = PdfWriter()
    for certificate in contents.included:
        writer.append(io.BytesIO(_read_pdf(certificate, acting_user=acting_user)))
    buffer = io.BytesIO()
    writer.write(buffer)
    audit_record(
        actor=acting_user,
        action="certificate.print_batch",
        target=job,
        detail={
            "certificates": [c.number for c in contents.included],
            "left_out": _left_out_detail(contents),
        },
        organisation_id=job.provider.organisation_id,
    )
    return buffer.getvalue()


def render_job_viewed(*, job: RenderJob, acting_user: User) -> None:
    """A batch page, listing its learners' names, was read (R-ACC-7)."""
    audit_record(
        actor=acting_user,
        action="certificate.batch_viewed",
        target=job,
        organisation_id=job.provider.organisation_id,
    )


def certificate_list_viewed(*, acting_user: User, search: str, status: str, page: int) -> None:
    """A list of learners' certificates was read (R-ACC-7)."""
    audit_record(
        actor=acting_user,
        action="certificate.list",
        object_type="certificates.certificate",
        detail={"search": search, "status": status, "page": page},
    )


# --- public checks (R-CRT-2) ----------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    certificate: Certificate | None = None
    throttled: Throttled | None = None
    # The public result fragment for a match, when the answer came with it (public_cache.py).
    html: str = ""

    @property
    def matched(self) -> bool:
        return self.certificate is not None


def _record_check(
    *,
    method: str,
    outcome: str,
    client_address: str | None,
    certificate: Certificate | None = None,
    number_tried: str = "",
) -> None:
    # Appended to Redis and written to PostgreSQL in bulk by beat (check_buffer.py); written
    # directly if Redis cannot take it. The AO's check counts lag by at most the flush interval.
    check_buffer.check_record(
        method=method,
        outcome=outcome,
        client_address=client_address,
        certificate_id=certificate.pk if certificate is not None else None,
        number_tried=number_tried,
    )


def _public_queryset() -> Any:
    # Only the certificate's own columns: the check page shows nothing else (R-CRT-2), and on
    # the busiest page a join would cost time for nothing.
    return Certificate.objects.all()


def _public_lookup(cached: bytes | None, keys: list[str], **lookup: str) -> public_cache.Cached:
    """The certificate for this token or number, from the cache, else PostgreSQL (then kept)."""
    answer = public_cache.decode(cached)
    if answer.hit:
        return answer
    certificate = _public_queryset().filter(**lookup).first()
    if certificate is not None:  # kept under both keys: a QR check warms the check by number
        keys = [
            public_cache.token_key(certificate.qr_token),
            public_cache.number_key(certificate.number),
        ]
    html = public_cache.fill(keys=keys, certificate=certificate)
    return public_cache.Cached(hit=True, certificate=certificate, html=html)


def certificate_check_by_name_and_number(
    *,
    learner_name: str,
    number: str,
    client_address: str | None,
    method: str = CertificateCheck.Method.NAME_AND_NUMBER,
) -> CheckResult:
    """Check learner name + certificate number, throttled and recorded (R-CRT-2).

    A wrong name and a wrong number give the same answer, so the check reveals nothing about
    which part was wrong. Both are answered from the cache once looked up (a number that
    matches nothing is kept too), so neither is slower than the other.
    """
    canonical = certificate_number_normalise(number)
    key = public_cache.number_key(canonical)
    throttled, (cached,) = check_throttle_and_fetch(
        client_address=client_address, number=canonical, fetch=[key]
    )
    if throttled:
        _record_check(
            method=method,
            outcome=CertificateCheck.Outcome.THROTTLED,
            client_address=client_address,
            number_tried=canonical,
        )
        return CheckResult(throttled=throttled)
    answer = _public_lookup(cached, [key], number=canonical)
    certificate, html = answer.certificate, answer.html
    if certificate is not None and not learner_names_match(learner_name, certificate.learner_name):
        certificate, html = None, ""
    if certificate is None:
        check_failed(number=canonical)
    _record_check(
        method=method,
        outcome=CertificateCheck.Outcome.MATCH
        if certificate
        else CertificateCheck.Outcome.NO_MATCH,
        client_address=client_address,
        certificate=certificate,
        number_tried=canonical,
    )
    return CheckResult(certificate=certificate, html=html)


def certificate_check_by_token(*, token: str, client_address: str | None) -> CheckResult:
    """The QR code's link: the token alone identifies the certificate (R-CRT-1, R-CRT-2)."""
    keys = [public_cache.token_key(token)] if token else []
    throttled, fetched = check_throttle_and_fetch(client_address=client_address, fetch=keys)
    if throttled:
        _record_check(
            method=CertificateCheck.Method.QR_CODE,
            outcome=CertificateCheck.Outcome.THROTTLED,
            client_address=client_address,
        )
        return CheckResult(throttled=throttled)
    answer = _public_lookup(fetched[0], keys, qr_token=token) if token else public_cache.MISS
    _record_check(
        method=CertificateCheck.Method.QR_CODE,
        outcome=CertificateCheck.Outcome.MATCH
        if answer.certificate
        else CertificateCheck.Outcome.NO_MATCH,
        client_address=client_address,
        certificate=answer.certificate,
    )
    return CheckResult(certificate=answer.certificate, html=answer.html)


def certificate_check_by_pdf(*, content: bytes, client_address: str | None) -> CheckResult:
    """Is this file, byte for byte, a certificate PDF the AO issued? Compared by SHA-256."""
    throttled = check_throttle(client_address=client_address)
    if throttled:
        _record_check(
            method=CertificateCheck.Method.PDF_UPLOAD,
            outcome=CertificateCheck.Outcome.THROTTLED,
            client_address=client_address,
        )
        return CheckResult(throttled=throttled)
    certificate = _public_queryset().filter(pdf_sha256=pdf_sha256(content)).first()
    _record_check(
        method=CertificateCheck.Method.PDF_UPLOAD,
        outcome=CertificateCheck.Outcome.MATCH
        if certificate
        else CertificateCheck.Outcome.NO_MATCH,
        client_address=client_address,
        certificate=certificate,
    )
    return CheckResult(certificate=certificate)
