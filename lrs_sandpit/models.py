"""The sandpit's own records: the accounts it accepts, its register of learners, its verify jobs.

The sandpit stands in for the Learning Records Service; these tables are its "LRS side" and the
portal's apps never read them (they reach the sandpit only through the LRS contract).
"""

import hashlib
import hmac

from django.db import models


def password_digest(password: str) -> str:
    """A one-way digest of an account's password (the sandpit never keeps the password itself)."""
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


class SandpitAccount(models.Model):
    """An organisation's LRS web-service account, as the LRS would hold it."""

    organisation_ref = models.CharField(max_length=50, unique=True)
    ukprn = models.CharField(max_length=8, blank=True)
    user_name = models.CharField(max_length=100)
    password_digest = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.organisation_ref} ({self.user_name})"

    def accepts(self, *, user_name: str, password: str) -> bool:
        same_user = hmac.compare_digest(self.user_name.encode(), user_name.encode())
        same_password = hmac.compare_digest(self.password_digest, password_digest(password))
        return same_user and same_password


class Gender(models.TextChoices):
    NOT_KNOWN = "0", "Not known"
    MALE = "1", "Male"
    FEMALE = "2", "Female"
    NOT_SPECIFIED = "9", "Not specified"


class RegisteredLearner(models.Model):
    """One ULN on the sandpit's register. A linked ULN points at its master learner."""

    uln = models.CharField("ULN", max_length=10, unique=True)
    given_name = models.CharField(max_length=100)  # PII
    family_name = models.CharField(max_length=100)  # PII
    previous_family_name = models.CharField(max_length=100, blank=True)  # PII
    date_of_birth = models.DateField()  # PII
    gender = models.CharField(max_length=1, choices=Gender.choices, default=Gender.NOT_KNOWN)
    master = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="linked_learners"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family_name", "given_name", "uln"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(master=models.F("pk")),
                name="lrs_sandpit_learner_not_own_master",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.uln} {self.given_name} {self.family_name}"


class VerifyBatchJob(models.Model):
    """A submitVerifyBatch job: the learners as received, and their answers once processed."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        COMPLETED = "completed", "Completed"

    account = models.ForeignKey(
        SandpitAccount, on_delete=models.PROTECT, related_name="verify_jobs"
    )
    org_email = models.CharField(max_length=254, blank=True)
    learner_count = models.PositiveIntegerField()
    learners = models.JSONField()  # PII: the learners as submitted
    results = models.JSONField(null=True, blank=True)  # PII: the answer for each learner
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    submitted_at = models.DateTimeField(auto_now_add=True)
    ready_after = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Verify job {self.pk} ({self.learner_count} learners, {self.status})"


from .achievement_models import (  # noqa: E402, F401  the achievement side, in its own module
    AchievementBatchJob,
    HeldAchievement,
    RegisteredAim,
)
from .challenge_models import RaisedDataChallenge  # noqa: E402, F401  challenges, in their own module
