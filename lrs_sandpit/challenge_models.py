"""The sandpit's event data challenges: raised by a provider or learner against an achievement an
AO uploaded, listed through LearnerServiceR9 and offered to the AO through the sandpit's feed."""

from django.db import models
from django.utils import timezone


class ChallengeType(models.TextChoices):
    """The sandpit's values for the contract's free-text `challengeType` (decision 0140)."""

    WRONG_GRADE = "WrongGrade", "Information wrong: the grade"
    WRONG_START_DATE = "WrongStartDate", "Information wrong: the start date"
    WRONG_END_DATE = "WrongEndDate", "Information wrong: the end (award) date"
    SHARED_ULN = "SharedUln", "Does not belong to this learner: a shared ULN"
    WRONG_ULN = "WrongUln", "Does not belong to this learner: the wrong ULN"
    DISPUTED = "Disputed", "Does not belong to this learner: disputed entirely"
    DUPLICATE = "Duplicate", "Appears more than once"


class ChallengeStatus(models.TextChoices):
    """The statuses the LRS portal shows (002 §8.2-8.4), as ListDataChallenge's Status text."""

    OPEN = "Open", "Open"
    IN_PROGRESS = "In progress", "In progress"
    UPHELD = "Resolved - Upheld", "Resolved - Upheld"
    REJECTED = "Resolved - Rejected", "Resolved - Rejected"


class RaisedDataChallenge(models.Model):
    """One challenge as the LRS holds it."""

    reference = models.CharField(max_length=20, unique=True, blank=True)
    account = models.ForeignKey(
        "lrs_sandpit.SandpitAccount", on_delete=models.PROTECT, related_name="data_challenges"
    )
    challenge_type = models.CharField(max_length=20, choices=ChallengeType.choices)
    status = models.CharField(
        max_length=20, choices=ChallengeStatus.choices, default=ChallengeStatus.OPEN
    )
    user_type = models.CharField(max_length=30, blank=True)  # who raised it: Provider, Learner...
    uln = models.CharField("ULN", max_length=10)  # PII
    given_name = models.CharField(max_length=100, blank=True)  # PII
    family_name = models.CharField(max_length=100, blank=True)  # PII
    date_of_birth = models.DateField(null=True, blank=True)  # PII
    gender = models.CharField(max_length=1, blank=True)  # PII
    contact_name = models.CharField(max_length=200, blank=True)  # PII
    telephone = models.CharField(max_length=40, blank=True)  # PII
    email_address = models.CharField(max_length=254, blank=True)  # PII
    additional_information = models.TextField(blank=True)
    learning_event = models.ForeignKey(
        "lrs_sandpit.HeldAchievement", on_delete=models.PROTECT, related_name="challenges"
    )
    second_learning_event = models.ForeignKey(
        "lrs_sandpit.HeldAchievement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicate_challenges",
    )
    supplied_grade = models.CharField(max_length=20, blank=True)
    supplied_start_date = models.DateField(null=True, blank=True)
    supplied_end_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_comments = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_challenge_type_display()}, {self.status})"
