"""Results of a course run, from entry to certificate receipt (R-RES-1, R-RES-3, R-CRT-4, R-CRT-5,
R-CRT-7): the stage each course run has reached with its history, each learner's unit grades
and assessment records, verifiers' queries, consignments and CSV imports of results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Stage(models.TextChoices):
    """Where a course run's results are (the state machine: see validators.TRANSITIONS)."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    QUERIED = "queried", "Queried"
    CONFIRMED = "confirmed", "Confirmed"
    CERTIFICATED = "certificated", "Certificated"
    DISPATCHED = "dispatched", "Dispatched"
    RECEIVED = "received", "Received"


class Consignment(models.Model):
    """One provider's certificated course runs sent together, with their reports (R-CRT-4)."""

    class Carrier(models.TextChoices):
        ROYAL_MAIL = "royal_mail", "Royal Mail Recorded Delivery"
        COURIER = "courier", "Courier"

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="consignments"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    carrier = models.CharField(max_length=20, choices=Carrier.choices, blank=True)
    tracking_reference = models.CharField(max_length=128, blank=True)
    dispatched_on = models.DateField(null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    e_certificates_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dispatched_on__isnull=True)
                | (~Q(tracking_reference="") & ~Q(carrier="")),
                name="consignment_dispatch_needs_carrier_and_tracking",
            ),
        ]

    def __str__(self) -> str:
        return f"Consignment {self.pk} to {self.provider}"

    @property
    def is_dispatched(self) -> bool:
        return self.dispatched_on is not None


class CourseRunResults(models.Model):
    """The results state of one course run: its stage, verifier, certification and receipt."""

    course_run = models.OneToOneField(
        "registrations.CourseRun", on_delete=models.PROTECT, related_name="results"
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.DRAFT)
    # Assigned automatically on first submission to the verifier with the fewest open course
    # runs; AO verifiers may hand a course run to another verifier (decision 0040).
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    certificated_on = models.DateField(null=True, blank=True)
    render_job = models.ForeignKey(
        "certificates.RenderJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consignment = models.ForeignKey(
        Consignment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="course_run_results",
    )
    received_date = models.DateField(null=True, blank=True)
    receipt_note = models.CharField(max_length=500, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    receipt_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    receipt_overdue_sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "course run results"
        indexes = [models.Index(fields=["stage", "verifier"])]

    def __str__(self) -> str:
        return f"Results of {self.course_run} ({self.get_stage_display()})"

    @property
    def is_editable(self) -> bool:
        return self.stage in (Stage.DRAFT, Stage.QUERIED)


class StageChange(models.Model):
    """One transition of the state machine: who, when, from, to, and any note."""

    results = models.ForeignKey(CourseRunResults, on_delete=models.CASCADE, related_name="history")
    from_stage = models.CharField(max_length=20, choices=Stage.choices)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=200, blank=True)  # PII
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"


class LearnerResult(models.Model):
    """One registered learner's results on the course run, and the assessment records the
    provider keeps (R-CRT-7): assessor, internal verifier and the decision's reason."""

    registration = models.OneToOneField(
        "registrations.Registration", on_delete=models.PROTECT, related_name="result"
    )
    not_claiming = models.BooleanField(default=False)
    assessor_name = models.CharField(max_length=128, blank=True)  # PII
    internal_verifier_name = models.CharField(max_length=128, blank=True)  # PII
    decision_reason = models.CharField(max_length=500, blank=True)
    # A verifier's query naming this learner that is not yet resolved holds them back (R-CRT-4).
    query_open = models.BooleanField(default=False)
    # Set when the AO certificates the course run: the date results are issued to the learner,
    # from which the LRS upload deadline runs (R-RES-3).
    results_issued_date = models.DateField(null=True, blank=True)
    qualification_achieved = models.BooleanField(null=True, blank=True)
    qualification_grade = models.CharField(max_length=50, blank=True)
    certificates = models.ManyToManyField(
        "certificates.Certificate", blank=True, related_name="learner_results"
    )
    # The consignment that carries this learner's certificates: the course run's own, or, for a
    # learner certificated after that went out (held back by a query), a later one (R-CRT-4).
    consignment = models.ForeignKey(
        Consignment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="learner_results",
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["registration__learner__family_name", "registration__learner__given_name"]

    def __str__(self) -> str:
        return f"Results of registration {self.registration_id}"


class LateCertificates(models.Model):
    """Certificates of an already dispatched course run, issued after its dispatch to learners
    held back by an open query (R-CRT-4), sent in a later consignment. The learners are those
    whose `LearnerResult.consignment` is this consignment; the provider confirms their receipt
    separately, within ten working days of this consignment's dispatch (R-CRT-5)."""

    consignment = models.ForeignKey(
        Consignment, on_delete=models.PROTECT, related_name="late_certificates"
    )
    results = models.ForeignKey(
        CourseRunResults, on_delete=models.PROTECT, related_name="late_certificates"
    )
    received_date = models.DateField(null=True, blank=True)
    receipt_note = models.CharField(max_length=500, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    receipt_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    receipt_overdue_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "late certificates"
        verbose_name_plural = "late certificates"
        ordering = ["consignment_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consignment", "results"], name="late_certificates_once_per_consignment"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Late certificates of {self.results.course_run} in consignment {self.consignment_id}"
        )

    @property
    def is_received(self) -> bool:
        return self.received_date is not None

    def learner_results(self) -> models.QuerySet[LearnerResult]:
        return LearnerResult.objects.filter(
            consignment_id=self.consignment_id,
            registration__course_run_id=self.results.course_run_id,
        ).select_related("registration__learner")


class UnitResult(models.Model):
    """A learner's grade for one unit; failed units are kept too (R-RES-2)."""

    learner_result = models.ForeignKey(
        LearnerResult, on_delete=models.CASCADE, related_name="unit_results"
    )
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, related_name="+")
    grade = models.ForeignKey("qualifications.Grade", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["unit__reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner_result", "unit"], name="unit_result_once_per_learner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.reference}: {self.grade.label}"


class ResultsQuery(models.Model):
    """A verifier's query on a submitted course run, naming the learners concerned."""

    results = models.ForeignKey(CourseRunResults, on_delete=models.CASCADE, related_name="queries")
    note = models.TextField()
    learners = models.ManyToManyField(LearnerResult, related_name="queries")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The centre's answer, given when it submits the corrected results again.
    reply = models.TextField(blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name_plural = "results queries"

    def __str__(self) -> str:
        return f"Query {self.pk} on {self.results.course_run}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class ResultsImport(models.Model):
    """A CSV file of results between Validate and Upload: nothing changes before Upload."""

    class Status(models.TextChoices):
        VALIDATED = "validated", "Validated"
        UPLOADED = "uploaded", "Uploaded"
        CANCELLED = "cancelled", "Cancelled"

    course_run = models.ForeignKey(
        "registrations.CourseRun", on_delete=models.CASCADE, related_name="results_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=255)
    delimiter = models.CharField(max_length=1, default=",")
    content = models.TextField()  # PII: learners' ULNs and results
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VALIDATED)
    row_count = models.PositiveIntegerField(default=0)
    accepted_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{row, column, value, reason}]
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Results import {self.pk} ({self.filename})"
