"""Beat task that sends the outbox's waiting messages once the broker is back."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="outbox.flush")
def outbox_flush_task() -> int:
    return services.outbox_flush()
