"""The sandpit's achievement side: its register of the AO's aims, the learners' achievements it
holds (their Personal Learning Records) and the achievement batch jobs it was sent."""

from django.db import models
from django.utils import timezone


class RegisteredAim(models.Model):
    """A unit or qualification on the sandpit's register, with who may upload it (R-LRS-5)."""

    class Ownership(models.TextChoices):
        OWNED = "owned", "Owned by the AO"
        SHARED = "shared", "Shared with the AO"
        OTHER = "other", "Another organisation's"

    reference = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=255, blank=True)
    ownership = models.CharField(max_length=10, choices=Ownership.choices, default=Ownership.OWNED)
    operational_start_date = models.DateField()
    operational_end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_ownership_display()})"


class HeldAchievement(models.Model):
    """An achievement on a learner's Personal Learning Record at the sandpit."""

    class Source(models.TextChoices):
        AWARDING_ORGANISATION = "ao", "Awarding organisation"
        PROVIDER = "provider", "Learning provider"

    uln = models.CharField("ULN", max_length=10)  # PII
    award_date = models.DateField()
    aim_reference = models.CharField(max_length=20)
    grade = models.CharField(max_length=20, blank=True)
    ukprn = models.CharField(max_length=8, blank=True)
    language_for_assessment = models.CharField(max_length=10, blank=True)
    submission_type = models.CharField(max_length=11, default="Final")
    source = models.CharField(
        max_length=8, choices=Source.choices, default=Source.AWARDING_ORGANISATION
    )
    withdrawn = models.BooleanField(default=False)
    action_reason = models.CharField(max_length=10, blank=True)
    job = models.ForeignKey(
        "lrs_sandpit.AchievementBatchJob", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uln", "aim_reference", "award_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["uln", "award_date", "aim_reference"],
                name="lrs_sandpit_achievement_unique_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.aim_reference} for {self.uln} on {self.award_date}"


class AchievementBatchJob(models.Model):
    """A SubmitAchievementBatchJob as received; processed once, when first asked about after its
    waiting and processing time."""

    account = models.ForeignKey(
        "lrs_sandpit.SandpitAccount", on_delete=models.PROTECT, related_name="+"
    )
    email_address = models.CharField(max_length=254, blank=True)
    submission_type = models.CharField(max_length=20)
    request = models.BinaryField()  # PII: the request body as received (password removed)
    record_count = models.PositiveIntegerField()
    submitted_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=12, default="Waiting")
    processed_at = models.DateTimeField(null=True, blank=True)
    counters = models.JSONField(default=dict, blank=True)
    percentage_successful = models.FloatField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    error_file = models.TextField(blank=True)  # PII: ULNs of rejected records

    class Meta:
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return f"Achievement batch job {self.pk} ({self.status})"
