"""Achievement records for the LRS and the batches that carry them (R-LRS-1 to R-LRS-9, R-RES-3).

One `Achievement` per learner and aim, unique by ULN + award date + aim reference (R-LRS-3); its
`history` shows every change. An `AchievementBatch` is also the job row of its submission: the
job id the LRS gave, the LRS's counters and error file, and where the submission stands.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from registrations.models import LanguageForAssessment


class AimKind(models.TextChoices):
    QUALIFICATION = "qualification", "Qualification"
    UNIT = "unit", "Unit"


class SubmissionType(models.TextChoices):
    """The batch header's submissionType (R-LRS-2): one per batch, never both."""

    PROVISIONAL = "Provisional", "Provisional"
    FINAL = "Final", "Final"


class LrsAction(models.IntegerChoices):
    """`Achievement/Action` (xs:int in the contract; the values are decision 0120's)."""

    CREATE = 1, "Create"
    UPDATE = 2, "Update"
    WITHDRAW = 3, "Withdraw"
    REINSTATE = 4, "Reinstate"


class ActionReason(models.TextChoices):
    """Reasons for withdrawing or reinstating (R-LRS-7, 002 appendix D)."""

    ULNINVALID = "ULNINVALID", "ULNINVALID: submitted with the wrong ULN"
    ACHINVALID = "ACHINVALID", "ACHINVALID: submitted with the wrong aim reference"
    DATINVALID = "DATINVALID", "DATINVALID: submitted with the wrong award date"
    SUBINERROR = "SUBINERROR", "SUBINERROR: this record was submitted in error"
    BATCHERROR = "BATCHERROR", "BATCHERROR: every record in a batch was submitted in error"


def mis_identifier(achievement_id: int) -> str:
    """Sent as MisIdentifier; the error file names it, so a rejection finds its record."""
    return f"ACH{achievement_id}"


class AchievementState(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_BATCH = "in_batch", "In a batch"
    ACCEPTED = "accepted", "Accepted by the LRS"
    REJECTED = "rejected", "Rejected by the LRS"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REINSTATED = "reinstated", "Reinstated"


class Achievement(models.Model):
    """One learner's achievement of one aim, as the LRS should hold it."""

    learner = models.ForeignKey(
        "learners.Learner", on_delete=models.PROTECT, related_name="achievements"
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="achievements"
    )
    registration = models.ForeignKey(
        "registrations.Registration",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="achievements",
    )
    # The ULN the record is held under at the LRS: part of the unique reference, so it never
    # changes; "move to another learner" is withdraw + create (R-LRS-6).
    uln = models.CharField("ULN", max_length=10)  # PII
    aim_kind = models.CharField(max_length=13, choices=AimKind.choices)
    aim_reference = models.CharField(max_length=20)
    qualification = models.ForeignKey(
        "qualifications.Qualification",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "qualifications.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    award_date = models.DateField()
    grade = models.CharField(max_length=10, blank=True)
    ukprn = models.CharField("UKPRN", max_length=8)
    language_for_assessment = models.CharField(
        max_length=3, choices=LanguageForAssessment.choices, default=LanguageForAssessment.ENGLISH
    )
    submission_type = models.CharField(
        max_length=11, choices=SubmissionType.choices, default=SubmissionType.FINAL
    )
    # Found by state through the index in Meta, which leads with it: an index of the state alone
    # (and its LIKE twin) would only be two more to write on every change of state.
    state = models.CharField(
        max_length=10, choices=AchievementState.choices, default=AchievementState.PENDING
    )
    # What the next batch sends for this record; null when there is nothing to send.
    pending_action = models.PositiveSmallIntegerField(
        choices=LrsAction.choices, null=True, blank=True, default=LrsAction.CREATE
    )
    # True once the LRS has accepted a Create: later changes go as Update, not Create.
    held_at_lrs = models.BooleanField(default=False)
    withdrawn = models.BooleanField(default=False)
    action_date = models.DateField(null=True, blank=True)
    action_reason = models.CharField(max_length=10, choices=ActionReason.choices, blank=True)
    # Set when the record must be withdrawn (a voided registration, a revoked certificate) while
    # it is in a batch with the LRS: the batch's completion withdraws it with this reason.
    withdraw_after_batch = models.CharField(max_length=10, choices=ActionReason.choices, blank=True)
    # The registration's language for assessment, changed while the record was in a batch with
    # the LRS (or waiting to be reinstated there): applied once the LRS has answered for the
    # record, as an Update or in the record it sends again (decision 0162).
    language_after_batch = models.CharField(
        "language to apply once the LRS has answered",
        max_length=3,
        choices=LanguageForAssessment.choices,
        blank=True,
    )
    # The LRS's last exception for this record, or the reason the whole batch failed (RS005).
    exception_code = models.CharField(max_length=20, blank=True)
    exception_text = models.TextField(blank=True)
    batch = models.ForeignKey(
        "lrs_sync.AchievementBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="current_achievements",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uln", "aim_reference", "award_date", "pk"]
        constraints = [
            # R-LRS-3: the LRS's unique reference of an achievement.
            models.UniqueConstraint(
                fields=["uln", "award_date", "aim_reference"], name="achievement_unique_reference"
            ),
            models.CheckConstraint(
                condition=Q(uln__regex=r"^[1-9][0-9]{9}$"), name="achievement_uln_format"
            ),
            models.CheckConstraint(
                condition=(Q(aim_kind="qualification") & Q(qualification__isnull=False))
                | (Q(aim_kind="unit") & Q(unit__isnull=False)),
                name="achievement_aim_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["state", "submission_type", "uln"])]

    def __str__(self) -> str:
        return f"{self.aim_reference} for ULN {self.uln} awarded {self.award_date:%d/%m/%Y}"

    @property
    def mis_identifier(self) -> str:
        return mis_identifier(self.pk)


class AchievementChange(models.Model):
    """One line of a record's history, in words (the audit log holds the same, field by field)."""

    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_state = models.CharField(max_length=10, choices=AchievementState.choices, blank=True)
    to_state = models.CharField(max_length=10, choices=AchievementState.choices)
    note = models.TextField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.note


class BatchStatus(models.TextChoices):
    READY = "ready", "Ready to send"
    SENDING = "sending", "Sending"
    SUBMITTED = "submitted", "With the LRS"
    SUCCESSFUL = "successful", "Processed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled by the LRS"
    OUTCOME_UNKNOWN = "outcome_unknown", "Outcome unknown"
    SENT_BY_HAND = "sent_by_hand", "Uploaded by hand"


class AchievementBatch(models.Model):
    """One SubmitAchievementBatchJob: its records, its envelope, and the job at the LRS."""

    submission_type = models.CharField(max_length=11, choices=SubmissionType.choices)
    status = models.CharField(
        max_length=16, choices=BatchStatus.choices, default=BatchStatus.READY, db_index=True
    )
    email_address = models.EmailField()
    # The SubmitAchievementBatchJob element, validated, as sent (and as downloaded).
    payload = models.BinaryField()  # PII: learners' names, ULNs and dates of birth
    record_count = models.PositiveIntegerField(default=0)
    resubmission_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resubmissions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The job at the LRS.
    job_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    send_started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    polls = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    lrs_status = models.CharField(max_length=12, blank=True)  # Waiting, InProgress, ...
    rejection_reason = models.TextField(blank=True)
    number_of_records = models.PositiveIntegerField(null=True, blank=True)
    percentage_successful = models.FloatField(null=True, blank=True)
    achievements_created = models.PositiveIntegerField(null=True, blank=True)
    achievements_updated = models.PositiveIntegerField(null=True, blank=True)
    achievements_withdrawn = models.PositiveIntegerField(null=True, blank=True)
    achievements_reinstated = models.PositiveIntegerField(null=True, blank=True)
    achievements_promoted_to_final = models.PositiveIntegerField(null=True, blank=True)
    field_data_errors = models.PositiveIntegerField(null=True, blank=True)
    learner_data_errors = models.PositiveIntegerField(null=True, blank=True)
    business_rule_errors = models.PositiveIntegerField(null=True, blank=True)
    successful_final = models.PositiveIntegerField(null=True, blank=True)
    successful_provisional = models.PositiveIntegerField(null=True, blank=True)
    error_file_name = models.CharField(max_length=255, blank=True)
    error_file = models.TextField(blank=True)  # PII: the LRS's raw error file, kept as received
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "achievement batches"

    def __str__(self) -> str:
        return f"Achievement batch {self.pk} ({self.submission_type}, {self.record_count} records)"

    @property
    def is_finished(self) -> bool:
        return self.status in (
            BatchStatus.SUCCESSFUL,
            BatchStatus.FAILED,
            BatchStatus.CANCELLED,
            BatchStatus.SENT_BY_HAND,
        )


class BatchRecord(models.Model):
    """One record as a batch carried it, and what the LRS said about it there."""

    class Outcome(models.TextChoices):
        WAITING = "waiting", "Waiting for the LRS"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        BATCH_FAILED = "batch_failed", "Not processed: the batch failed"

    batch = models.ForeignKey(AchievementBatch, on_delete=models.CASCADE, related_name="records")
    achievement = models.ForeignKey(
        Achievement, on_delete=models.PROTECT, related_name="batch_records"
    )
    action = models.PositiveSmallIntegerField(choices=LrsAction.choices)
    position = models.PositiveIntegerField()
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.WAITING)
    exception_code = models.CharField(max_length=20, blank=True)
    exception_text = models.TextField(blank=True)

    class Meta:
        ordering = ["batch_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "achievement"], name="batch_record_once_per_batch"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.achievement} in batch {self.batch_id}"
