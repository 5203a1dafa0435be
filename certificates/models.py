"""Certificates as issued, their rendering jobs, and the public checks made against them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .validators import certificate_number_display

# In an achievement reference, the mark of a unit certificate: "registration:123:units" (one
# certificate for every unit achieved) or, before those, "registration:123:unit:R/615/1234".
UNIT_CERTIFICATE_MARK = ":unit"


class Certificate(models.Model):
    """One certificate as issued: a snapshot, so later edits elsewhere never change it.

    The snapshot columns, the number, the token and the stored PDF cannot be changed once written:
    a database trigger refuses it (migration 0002), whatever code tries.
    """

    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        REPLACED = "replaced", "Replaced by a later certificate"
        REVOKED = "revoked", "Revoked"

    number = models.CharField(max_length=10, unique=True)
    qr_token = models.CharField(max_length=43, unique=True)
    # What was achieved, e.g. "registration:123" or "registration:123:units"; issuing
    # the same achievement again returns the certificate already issued.
    achievement_reference = models.CharField(max_length=200)
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="certificates"
    )
    learner_name = models.CharField(max_length=300)  # PII
    qualification_number = models.CharField(max_length=20, blank=True)
    qualification_title = models.CharField(max_length=300, blank=True)
    units = models.JSONField(default=list, blank=True)  # [{"reference", "title", "grade"}]
    grade = models.CharField(max_length=50, blank=True)
    award_date = models.DateField()
    awarding_organisation_name = models.CharField(max_length=200)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VALID)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    replacement_reason = models.TextField(blank=True)
    replacement_fee_pence = models.PositiveIntegerField(null=True, blank=True)

    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pdf = models.FileField(upload_to="certificates/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    provider_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            # The first certificate for an achievement; replacements chain from it.
            models.UniqueConstraint(
                fields=["achievement_reference"],
                condition=Q(replaces__isnull=True),
                name="certificate_one_original_per_achievement",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["valid", "replaced", "revoked"]),
                name="certificate_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | ~Q(status_reason=""),
                name="certificate_revocation_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(replaces__isnull=True) | Q(replacement_fee_pence__isnull=False),
                name="certificate_replacement_fee_recorded",
            ),
            models.CheckConstraint(
                condition=Q(number__regex=r"^[0-9A-HJKMNP-TV-Y]{10}$"),
                name="certificate_number_format",
            ),
        ]
        indexes = [
            models.Index(
                fields=["pdf_sha256"], name="certificate_pdf_sha256", condition=~Q(pdf_sha256="")
            ),
            models.Index(fields=["provider", "-issued_at"], name="certificate_provider_issued"),
        ]

    def __str__(self) -> str:
        return f"Certificate {self.display_number}"

    @property
    def display_number(self) -> str:
        return certificate_number_display(self.number)

    @property
    def is_unit_certificate(self) -> bool:
        """Units achieved towards a qualification, not the qualification itself."""
        return UNIT_CERTIFICATE_MARK in self.achievement_reference

    @property
    def is_rendered(self) -> bool:
        return bool(self.pdf_sha256)

    @property
    def check_url(self) -> str:
        return f"{settings.PORTAL_BASE_URL}/c/{self.qr_token}"

    @property
    def replacement_fee_display(self) -> str:
        pence = self.replacement_fee_pence or 0
        return f"£{pence // 100:,}.{pence % 100:02d}"

    @property
    def public_status_label(self) -> str:
        return {
            self.Status.VALID: "Valid",
            self.Status.REPLACED: "Replaced by a later certificate",
            self.Status.REVOKED: "Revoked",
        }[self.Status(self.status)]


class RenderJob(models.Model):
    """Rendering one batch of certificates (a course run's, later) to PDF, with its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="certificate_render_jobs"
    )
    # The results work sets this to the course run; free text until course runs exist.
    batch_key = models.CharField(max_length=100, blank=True, db_index=True)
    certificates = models.ManyToManyField(Certificate, related_name="render_jobs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    rendered = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the job was last handed to the task queue (None: not yet, or the broker was down),
    # and when it last moved; a job that sits too long is handed over again (M4, tasks.py).
    dispatched_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rendered__lte=models.F("total")), name="render_job_progress_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"Render job {self.pk} ({self.batch_key or 'no batch'})"

    @property
    def percent(self) -> int:
        return round(100 * self.rendered / self.total) if self.total else 100

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class CertificateCheck(models.Model):
    """One public check of a certificate, whatever its outcome (R-CRT-2)."""

    class Method(models.TextChoices):
        NAME_AND_NUMBER = "name_number", "Name and number"
        QR_CODE = "qr_code", "QR code link"
        API = "api", "API"
        PDF_UPLOAD = "pdf_upload", "PDF upload"

    class Outcome(models.TextChoices):
        MATCH = "match", "Matched"
        NO_MATCH = "no_match", "No match"
        THROTTLED = "throttled", "Throttled"

    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="checks"
    )
    method = models.CharField(max_length=12, choices=Method.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    number_tried = models.CharField(max_length=10, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)  # PII
    checked_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Given when the check is made, so writing a buffered check twice (a flush retried after a
    # crash) keeps one row: see certificates/check_buffer.py.
    record_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-checked_at", "-pk"]
        indexes = [
            models.Index(fields=["certificate", "outcome"], name="certificate_check_outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} check: {self.get_outcome_display()}"
