"""Batch verification against the LRS (R-LRS-10): a job, its chunks (one LRS verify batch each)
and one row per learner in it, holding what was sent and what the LRS answered."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .verification_types import (
    EXACT_MATCH,
    LINKED_MATCH,
    NOT_MATCHED,
    POSSIBLE_LINKED_MATCH,
    POSSIBLE_MATCH,
    ULN_NOT_FOUND,
)


class ResponseCode(models.TextChoices):
    """The LRS's verification return codes (002 §13), in words."""

    EXACT = EXACT_MATCH, "Exact match"
    LINKED = LINKED_MATCH, "Exact linked match"
    POSSIBLE = POSSIBLE_MATCH, "Possible match"
    POSSIBLE_LINKED = POSSIBLE_LINKED_MATCH, "Possible linked match"
    NOT_MATCHED = NOT_MATCHED, "Learner does not match"
    ULN_NOT_FOUND = ULN_NOT_FOUND, "ULN not found"


class VerifyJob(models.Model):
    """One batch verification a batch user started: its learners, progress and faults."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        WAITING_FOR_LRS = "waiting", "Waiting for the LRS"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Source(models.TextChoices):
        PROVIDER = "provider", "Unverified learners of one provider"
        ALL_PROVIDERS = "all", "Unverified learners of every provider"
        CSV = "csv", "Uploaded CSV file"

    source = models.CharField(max_length=10, choices=Source.choices)
    provider = models.ForeignKey(
        "providers.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lrs_verify_jobs",
    )
    file_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    stored = models.PositiveIntegerField(default=0)
    # Learners per LRS verify batch: the progress bar moves one chunk at a time.
    chunk_size = models.PositiveIntegerField(default=1000)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Handed to the task queue (None: not yet, or the broker was down), the last sign of life,
    # and the runner's lease: beat hands a job on when nothing has moved for a while.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stored__lte=models.F("total")), name="lrs_verify_job_progress_bounded"
            ),
            models.CheckConstraint(
                condition=~Q(source="provider") | Q(provider__isnull=False),
                name="lrs_verify_job_provider_source_has_provider",
            ),
        ]

    def __str__(self) -> str:
        return f"Verification batch {self.pk}"

    @property
    def percent(self) -> int:
        return round(100 * self.stored / self.total) if self.total else 100

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def description(self) -> str:
        if self.source == self.Source.PROVIDER and self.provider is not None:
            return f"Unverified learners of {self.provider.name}"
        if self.source == self.Source.CSV:
            return f"File {self.file_name}"
        return str(self.get_source_display())


class VerifyJobChunk(models.Model):
    """Part of a job sent to the LRS as one verify batch (`submitVerifyBatch`)."""

    job = models.ForeignKey(VerifyJob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    first_position = models.PositiveIntegerField()
    last_position = models.PositiveIntegerField()
    lrs_job_id = models.BigIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    stored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="lrs_verify_chunk_unique"),
        ]

    def __str__(self) -> str:
        return f"Chunk {self.index} of verification batch {self.job_id}"


class VerifyJobLearner(models.Model):
    """One learner in a batch: the details sent and, once stored, the LRS's answer."""

    job = models.ForeignKey(VerifyJob, on_delete=models.CASCADE, related_name="learners")
    # 1-based; sent to the LRS as the MISIdentifier so each answer finds its row.
    position = models.PositiveIntegerField()
    learner = models.ForeignKey(
        "learners.Learner",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lrs_verifications",
    )
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uln = models.CharField("ULN", max_length=10)  # PII
    given_name = models.CharField(max_length=100)  # PII
    family_name = models.CharField(max_length=100)  # PII
    date_of_birth = models.DateField(null=True, blank=True)  # PII
    gender = models.CharField(max_length=1, blank=True)  # PII
    response_code = models.CharField(
        max_length=8, choices=ResponseCode.choices, blank=True, db_index=True
    )
    failure_flags = ArrayField(models.CharField(max_length=4), default=list, blank=True)
    lrs_uln = models.CharField(max_length=10, blank=True)  # PII
    lrs_given_name = models.CharField(max_length=100, blank=True)  # PII
    lrs_family_name = models.CharField(max_length=100, blank=True)  # PII
    lrs_date_of_birth = models.DateField(null=True, blank=True)  # PII
    lrs_gender = models.CharField(max_length=1, blank=True)  # PII

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="lrs_verify_learner_unique"),
        ]
        indexes = [models.Index(fields=["provider", "job"])]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} ({self.uln})"


from .achievement_models import (  # noqa: E402, F401  achievements live in their own module
    Achievement,
    AchievementBatch,
    AchievementChange,
    BatchRecord,
)
from .challenge_models import (  # noqa: E402, F401  challenges live in their own module
    ChallengeChange,
    ChallengeMonthlyReport,
    ChallengeSettings,
    EventDataChallenge,
)
