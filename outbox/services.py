"""The one way to queue background work after a change commits (decision 0085).

`outbox_queue` records the task in the caller's transaction and hands it to the broker once that
transaction commits. Nothing here raises into the caller: with the broker down the message stays
waiting, and the beat task `outbox.tasks.outbox_flush_task` sends it once the broker is back.
Each message is sent once (a claim on its row keeps the request and beat from both sending it);
only a process that dies between handing a message over and recording it can cause a second
send, so the tasks themselves stay idempotent.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from typing import Any

from celery import Task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

# A claim this old belongs to a sender that died before recording the send: take it over.
CLAIM_EXPIRES_AFTER = datetime.timedelta(minutes=5)
# Sent messages are kept this long for tracing, then deleted (emails hold personal data).
SENT_KEPT_FOR = datetime.timedelta(days=7)
FLUSH_BATCH = 500


def broker_errors() -> tuple[type[BaseException], ...]:
    """What publishing raises when the broker cannot be reached or refuses the message."""
    from kombu.exceptions import KombuError
    from redis.exceptions import RedisError

    return (KombuError, RedisError, ConnectionError, TimeoutError, OSError)


def task_publish(
    *, task_name: str, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None
) -> str:
    """Hand one task to the broker. Returns "" when it was taken, else the error; never raises.

    For work whose own row records "not yet queued" (render jobs) and for the outbox itself.
    """
    from awards_portal.celery import app

    try:
        task = app.tasks[task_name]
    except KeyError:
        task = None
    try:
        if task is not None:
            task.apply_async(args=list(args), kwargs=kwargs or {})
        else:
            app.send_task(task_name, args=list(args), kwargs=kwargs or {})
    except broker_errors() as error:
        logger.warning("could not queue %s: %s", task_name, error)
        return f"{type(error).__name__}: {error}"[:2000]
    return ""


def outbox_queue(
    *, task: Task, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None
) -> OutboxMessage:
    """Record `task(*args, **kwargs)` in the current transaction; queue it once that commits.

    Arguments must be JSON: primary keys and plain values, never model instances.
    """
    message = OutboxMessage.objects.create(
        task_name=task.name, args=list(args), kwargs=kwargs or {}
    )
    message_id = message.pk
    transaction.on_commit(lambda: _send_quietly(message_id), robust=True)
    return message


def _send_quietly(message_id: int) -> None:
    # Runs after the caller's commit, inside its request: a fault here must not become a 500.
    try:
        outbox_message_send(message_id=message_id)
    except Exception:
        logger.exception("outbox message %s not sent; beat will send it", message_id)


def outbox_message_send(*, message_id: int) -> bool:
    """Hand one waiting message to the broker; True when this call sent it."""
    now = timezone.now()
    claimed = (
        OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRES_AFTER))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    error = task_publish(task_name=message.task_name, args=message.args, kwargs=message.kwargs)
    if error:
        OutboxMessage.objects.filter(pk=message_id, claimed_at=now).update(
            claimed_at=None, last_error=error
        )
        return False
    OutboxMessage.objects.filter(pk=message_id).update(sent_at=timezone.now(), last_error="")
    return True


def _send_after() -> datetime.timedelta:
    # The committing request sends its own message at once; beat leaves it that long first.
    return datetime.timedelta(seconds=getattr(settings, "OUTBOX_SEND_AFTER_SECONDS", 30))


def outbox_flush() -> int:
    """Beat: send the messages still waiting; stop at the first broker fault. Returns how many."""
    cutoff = timezone.now() - _send_after()
    waiting = list(
        OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:FLUSH_BATCH]
    )
    sent = 0
    for message_id in waiting:
        if outbox_message_send(message_id=message_id):
            sent += 1
        elif OutboxMessage.objects.filter(
            pk=message_id, sent_at__isnull=True, claimed_at__isnull=True
        ).exists():
            break  # the broker refused it: the rest would wait on the same fault
    OutboxMessage.objects.filter(sent_at__lt=timezone.now() - SENT_KEPT_FOR).delete()
    if sent:
        logger.info("outbox: sent %s waiting messages", sent)
    return sent


def outbox_waiting_count() -> int:
    return OutboxMessage.objects.filter(sent_at__isnull=True).count()
