"""Downloads (R-CRT-3): who may download, a certificate's PDF, a batch's zip and print PDF, and
the audit of what was read."""

from __future__ import annotations

import io
import logging
import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from accounts.roles import Capability
from audit.services import audit_record
from providers.models import Provider

from .. import selectors
from ..models import Certificate, RenderJob
from ..validators import (
    pdf_sha256,
)
from .access import _require_certification_officer

logger = logging.getLogger(__name__)


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


class CertificateRevoked(ValidationError):
    """The certificate asked for has been revoked: its PDF is not served (R-CRT-6)."""

    def __init__(self, certificate: Certificate) -> None:
        self.certificate = certificate
        super().__init__(
            f"Certificate {certificate.display_number} has been revoked, so its PDF can no "
            "longer be downloaded."
        )


def certificate_pdf_download(*, certificate: Certificate, acting_user: User) -> bytes:
    """The stored PDF, checked against its SHA-256; the download is audited.

    A revoked certificate's PDF is refused to everyone, AO staff too: the stored file still
    reads as valid, and it must never leave the portal as if it were
    (docs/decisions/0155-revoked-certificates-do-not-download.md). Providers get a replaced one's
    replacement instead (`CertificateReplaced`); AO staff may download a replaced one, which
    its check page shows as replaced, for their records.
    """
    if not user_may_download(user=acting_user, provider=certificate.provider):
        raise PermissionDenied("E-certificates are not available to you for this provider.")
    if certificate.status == Certificate.Status.REVOKED:
        raise CertificateRevoked(certificate)
    if not acting_user.is_ao_staff and certificate.status == Certificate.Status.REPLACED:
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
