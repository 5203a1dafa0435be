"""Thin Celery tasks for the LRS: they take ids, and the services decide what is left to do."""

from __future__ import annotations

from celery import shared_task

from awards_portal.celery import OUTSIDE_SERVICE_TASK_OPTIONS

from .achievement_batches import achievement_batches_build_all
from .achievement_submission import Outcome, batch_poll, batch_send, batches_to_resume

_OPTIONS = {**OUTSIDE_SERVICE_TASK_OPTIONS, "autoretry_for": ()}


def _follow(outcome: Outcome, batch_id: int) -> str:
    if outcome.action == "poll":
        achievement_batch_poll_task.apply_async((batch_id,), countdown=outcome.delay)
    return outcome.action


@shared_task(name="lrs_sync.achievement_batch_send", bind=True, **_OPTIONS)
def achievement_batch_send_task(self, batch_id: int) -> str:
    """Send a Ready batch once; a redelivered message finds it already sent and does nothing
    (or follows its job)."""
    outcome = batch_send(batch_id=batch_id)
    if outcome.action == "retry":
        raise self.retry(countdown=outcome.delay)
    return _follow(outcome, batch_id)


@shared_task(name="lrs_sync.achievement_batch_poll", **_OPTIONS)
def achievement_batch_poll_task(batch_id: int) -> str:
    """Ask the LRS about the batch's job; again later with back-off until it has finished."""
    return _follow(batch_poll(batch_id=batch_id), batch_id)


@shared_task(name="lrs_sync.achievement_batches_build")
def achievement_batches_build_task() -> int:
    """Beat: put ready records into batches (each is sent after the build commits)."""
    return len(achievement_batches_build_all(acting_user=None))


@shared_task(name="lrs_sync.achievement_batches_resume")
def achievement_batches_resume_task(stale_after: float = 60.0) -> int:
    """Beat: send Ready batches whose message was lost, and poll jobs whose poll is overdue."""
    to_send, to_poll = batches_to_resume(stale_after=stale_after)
    for batch_id in to_send:
        achievement_batch_send_task.delay(batch_id)
    for batch_id in to_poll:
        achievement_batch_poll_task.delay(batch_id)
    return len(to_send) + len(to_poll)
