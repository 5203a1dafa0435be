"""Tasks waiting to be handed to the broker: written with the change they follow (decision 0085)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    """One task to queue once its transaction commits; kept until the broker has taken it.

    Written in the same transaction as the change that needs the work, so the work is recorded
    exactly when the change is: a broker outage delays it, never loses it.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)  # PII: an email's recipients and text
    created_at = models.DateTimeField(default=timezone.now)
    # Set while one process hands the message over, so beat and the committing request never
    # both send it; a claim older than the outbox's claim timeout is taken as a crashed sender.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["created_at"], name="outbox_unsent", condition=Q(sent_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        state = "sent" if self.sent_at else "waiting"
        return f"{self.task_name} ({state})"
