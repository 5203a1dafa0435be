"""Course runs and registrations (R-REG-3, R-REG-4, R-REG-5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class CourseRun(models.Model):
    """One provider delivering one qualification (R-REG-3)."""

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="course_runs"
    )
    qualification = models.ForeignKey(
        "qualifications.Qualification", on_delete=models.PROTECT, related_name="course_runs"
    )
    start_date = models.DateField()
    planned_achievement_date = models.DateField()
    programme_name = models.CharField(max_length=128)
    primary_tutor = models.CharField(max_length=128)  # PII
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-start_date", "programme_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_achievement_date__gte=models.F("start_date")),
                name="course_run_achievement_after_start",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.programme_name} ({self.qualification.number}, from {self.start_date:%d/%m/%Y})"
        )


class RegistrationStatus(models.TextChoices):
    """The statuses of 004, with their labels exactly as the CSV spells them (R-REG-4)."""

    NOT_REGISTERED = "not_registered", "Not registered"
    REGISTERED = "registered", "Registered"
    ACHIEVED = "achieved", "Achieved"
    CERTIFICATE_CLAIMED = "certificate_claimed", "Certificate Claimed"
    CERTIFICATE_SENT = "certificate_sent", "Certificate Sent"
    CERTIFICATE_RECEIVED = "certificate_received", "Certificate Received"
    EXEMPT = "exempt", "Exempt"
    REGISTRATION_NOT_REQUIRED = "registration_not_required", "Registration Not Required"

    @classmethod
    def from_label(cls, text: str) -> RegistrationStatus | None:
        """The status a CSV cell or API value names (label or code, any case), or None."""
        return _STATUSES_BY_NAME.get(" ".join((text or "").split()).casefold())


# Every way a CSV cell or API value may name a status: its label (any case) or its code.
_STATUSES_BY_NAME: dict[str, RegistrationStatus] = {}
for _status in RegistrationStatus:
    _STATUSES_BY_NAME.setdefault(_status.label.casefold(), _status)
    _STATUSES_BY_NAME.setdefault(_status.value, _status)
del _status


# R-REG-4, our decision: every status from Registered onwards needs a registration number.
NUMBER_REQUIRED_STATUSES = frozenset(
    {
        RegistrationStatus.REGISTERED,
        RegistrationStatus.ACHIEVED,
        RegistrationStatus.CERTIFICATE_CLAIMED,
        RegistrationStatus.CERTIFICATE_SENT,
        RegistrationStatus.CERTIFICATE_RECEIVED,
    }
)


class LanguageForAssessment(models.TextChoices):
    """The language the learner is assessed in, in the codes sent to the LRS (decision 0121)."""

    ENGLISH = "ENG", "English"
    WELSH = "CYM", "Welsh"
    IRISH = "GLE", "Irish"


class Registration(models.Model):
    """A learner on a course run. The number is issued when the AO accepts it (R-REG-5)."""

    learner = models.ForeignKey(
        "learners.Learner", on_delete=models.PROTECT, related_name="registrations"
    )
    course_run = models.ForeignKey(
        CourseRun, on_delete=models.PROTECT, related_name="registrations"
    )
    status = models.CharField(
        max_length=30, choices=RegistrationStatus.choices, default=RegistrationStatus.NOT_REGISTERED
    )
    registration_number = models.CharField(max_length=128, null=True, blank=True, unique=True)
    registration_date = models.DateField(null=True, blank=True)
    achieved_date = models.DateField(null=True, blank=True)
    certificate_claimed_date = models.DateField(null=True, blank=True)
    certificate_sent_date = models.DateField(null=True, blank=True)
    certificate_received_date = models.DateField(null=True, blank=True)
    postal_tracking_reference = models.CharField(max_length=128, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=500, blank=True)
    language_for_assessment = models.CharField(
        max_length=3, choices=LanguageForAssessment.choices, default=LanguageForAssessment.ENGLISH
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=sorted(s.value for s in NUMBER_REQUIRED_STATUSES))
                | (Q(registration_number__isnull=False) & ~Q(registration_number="")),
                name="registration_number_required_for_status",
                violation_error_message=(
                    "Registered and every later status need a registration number."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(registration_number=""), name="registration_number_null_not_blank"
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True) | ~Q(void_reason=""),
                name="registration_void_needs_reason",
            ),
            # A voided registration no longer counts, so the learner can be registered again.
            models.UniqueConstraint(
                fields=["learner", "course_run"],
                condition=Q(voided_at__isnull=True),
                name="registration_learner_once_per_course_run",
            ),
        ]
        indexes = [models.Index(fields=["course_run", "status"])]

    def __str__(self) -> str:
        return f"{self.registration_number or 'unnumbered'}: {self.get_status_display()}"

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None


class ImportJob(models.Model):
    """One CSV import (R-REG-6 to R-REG-14): the file as uploaded, its validation report and what
    Upload did, so the user can leave the page and come back. Large files are worked on by Celery
    tasks that report progress here and in the cache."""

    class Status(models.TextChoices):
        VALIDATING = "validating", "Validating"
        VALIDATED = "validated", "Validated: ready to upload"
        REFUSED = "refused", "File refused"
        UPLOADING = "uploading", "Uploading"
        UPLOADED = "uploaded", "Uploaded"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        """What the file holds: registrations (R-REG-6), or learners with optional registrations
        (the learner import, `learners.csv_import`). Both go through the same lifecycle."""

        REGISTRATIONS = "registrations", "Registrations"
        LEARNERS = "learners", "Learners"

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="registration_imports"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REGISTRATIONS)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    upload_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    content = models.BinaryField()  # PII: the file as uploaded (ULNs)
    separator = models.CharField(max_length=1, default=",")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.VALIDATING)
    data_rows = models.PositiveIntegerField(default=0)
    accepted_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    rejected_row_count = models.PositiveIntegerField(default=0)
    # Counts by planned action: create / update / unchanged / requests (numbers to issue).
    summary = models.JSONField(default=dict, blank=True)
    # Why the whole file was refused (too large, not CSV, wrong columns), or what went wrong.
    file_error = models.TextField(blank=True)
    # Every problem: [{"row", "column", "value", "reason", "outcome"}].
    errors = models.JSONField(default=list, blank=True)  # PII (values include ULNs)
    # After Upload: what changed and the numbers issued to registration requests.
    result = models.JSONField(default=dict, blank=True)  # PII (ULNs with their numbers)
    # Validate's plan (compressed), which Upload writes as it is if nothing it was planned from
    # changed (decision 0170); emptied once the job is uploaded or cancelled.
    plan = models.BinaryField(default=b"", blank=True)  # PII (ULNs)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    validated_at = models.DateTimeField(null=True, blank=True)
    uploaded_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["provider", "-created_at"])]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.file_name} ({self.get_status_display()})"

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.VALIDATING, self.Status.UPLOADING)

    @property
    def can_upload(self) -> bool:
        return self.status == self.Status.VALIDATED and self.accepted_count > 0
