"""Event data challenges received from the LRS (R-EDC-1 to R-EDC-4), their history, the AO's
nominated resolver and the monthly report's send record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ChallengeKind(models.TextChoices):
    """R-EDC-1's three types."""

    INFORMATION_WRONG = "information_wrong", "Information wrong"
    NOT_THIS_LEARNER = "not_this_learner", "Does not belong to this learner"
    DUPLICATE = "duplicate", "Appears more than once"


# The LRS's challenge type (the sandpit's codes, decision 0140) → (kind, what exactly).
LRS_TYPES: dict[str, tuple[str, str]] = {
    "WrongGrade": (ChallengeKind.INFORMATION_WRONG, "the grade"),
    "WrongStartDate": (ChallengeKind.INFORMATION_WRONG, "the start date"),
    "WrongEndDate": (ChallengeKind.INFORMATION_WRONG, "the end (award) date"),
    "SharedUln": (ChallengeKind.NOT_THIS_LEARNER, "a shared ULN"),
    "WrongUln": (ChallengeKind.NOT_THIS_LEARNER, "the wrong ULN"),
    "Disputed": (ChallengeKind.NOT_THIS_LEARNER, "disputed entirely"),
    "Duplicate": (ChallengeKind.DUPLICATE, "uploaded more than once"),
}


class ChallengeStatus(models.TextChoices):
    """R-EDC-2's statuses; the labels are the LRS's words."""

    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    UPHELD = "upheld", "Resolved - Upheld"
    REJECTED = "rejected", "Resolved - Rejected"


OPEN_STATUSES = (ChallengeStatus.OPEN, ChallengeStatus.IN_PROGRESS)


class EventDataChallenge(models.Model):
    """One challenge the LRS routed to the AO, as fetched, and what the AO did about it."""

    reference = models.CharField(max_length=30, unique=True)
    lrs_type = models.CharField(max_length=30)
    kind = models.CharField(max_length=20, choices=ChallengeKind.choices)
    status = models.CharField(
        max_length=12, choices=ChallengeStatus.choices, default=ChallengeStatus.OPEN, db_index=True
    )
    raised_at = models.DateTimeField()
    fetched_at = models.DateTimeField(default=timezone.now)
    raised_by_type = models.CharField(max_length=30, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)  # PII
    contact_telephone = models.CharField(max_length=40, blank=True)  # PII
    contact_email = models.CharField(max_length=254, blank=True)  # PII
    uln = models.CharField("ULN", max_length=10)  # PII
    given_name = models.CharField(max_length=100, blank=True)  # PII
    family_name = models.CharField(max_length=100, blank=True)  # PII
    date_of_birth = models.DateField(null=True, blank=True)  # PII
    additional_information = models.TextField(blank=True)
    # The learning event challenged, as the LRS holds it, and our record of it.
    event_id = models.PositiveIntegerField(default=0)
    event_uln = models.CharField(max_length=10)  # PII
    event_aim_reference = models.CharField(max_length=20)
    event_award_date = models.DateField()
    event_grade = models.CharField(max_length=20, blank=True)
    achievement = models.ForeignKey(
        "lrs_sync.Achievement",
        null=True,
        blank=True,
        # The challenge keeps the LRS's own description of the event (event_*) either way.
        on_delete=models.SET_NULL,
        related_name="challenges",
    )
    # "Appears more than once": the other copy.
    second_event_id = models.PositiveIntegerField(null=True, blank=True)
    second_event_aim_reference = models.CharField(max_length=20, blank=True)
    second_event_award_date = models.DateField(null=True, blank=True)
    second_achievement = models.ForeignKey(
        "lrs_sync.Achievement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicate_challenges",
    )
    supplied_grade = models.CharField(max_length=20, blank=True)
    supplied_start_date = models.DateField(null=True, blank=True)
    supplied_end_date = models.DateField(null=True, blank=True)
    resolution_comment = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolver_notified_at = models.DateTimeField(null=True, blank=True)
    # Reporting the status back to the LRS: what it was last told, and whether it is owed news.
    lrs_status_reported = models.CharField(max_length=12, blank=True)
    report_pending = models.BooleanField(default=False, db_index=True)
    report_attempts = models.PositiveIntegerField(default=0)
    report_error = models.TextField(blank=True)

    class Meta:
        ordering = ["raised_at", "pk"]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_kind_display()}, {self.get_status_display()})"

    @property
    def detail(self) -> str:
        return LRS_TYPES.get(self.lrs_type, ("", self.lrs_type))[1]

    @property
    def is_valid(self) -> bool:
        """Valid: it names an achievement this AO holds."""
        return self.achievement_id is not None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ChallengeChange(models.Model):
    """One line of a challenge's history, in words (the audit log holds the same)."""

    challenge = models.ForeignKey(
        EventDataChallenge, on_delete=models.CASCADE, related_name="history"
    )
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=12, choices=ChallengeStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ChallengeStatus.choices)
    note = models.TextField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.note


class ChallengeSettings(models.Model):
    """The AO's event data challenge settings: its nominated resolver (R-EDC-4)."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="challenge_settings"
    )
    resolver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Challenge settings of {self.organisation}"


class ChallengeMonthlyReport(models.Model):
    """The monthly report of open challenges, once per month (R-EDC-4)."""

    month = models.DateField(unique=True)  # the first day of the month it was sent for
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.TextField(blank=True)
    challenge_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"Open challenges report for {self.month:%B %Y}"
