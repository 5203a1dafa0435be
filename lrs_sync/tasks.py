"""Celery tasks for LRS verification: thin, taking ids; the job row keeps the state."""

from __future__ import annotations

import logging
import time

from celery import Task, shared_task

from awards_portal.celery import OUTSIDE_SERVICE_TASK_OPTIONS

from . import services
from .achievement_batches import achievement_batches_build_all
from .achievement_submission import Outcome, batch_poll, batch_send, batches_to_resume
from .verification_types import LrsUnavailable

logger = logging.getLogger(__name__)

# Back-off while the LRS is unavailable: 5 s, 10 s, 20 s ... at most five minutes between tries.
# There is no last try: the job waits, saying so on its page, until the LRS answers again.
BACKOFF_FIRST_SECONDS = 5
BACKOFF_MAX_SECONDS = 300
EAGER_WAIT_SECONDS = 120


def backoff_seconds(retries: int) -> int:
    return int(min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** min(retries, 10)))


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def verify_job_run_task(self: Task, job_id: int) -> bool:
    """Run a verification batch for a while; come back while the LRS works or is unavailable."""
    attempt = self.request.retries or 0
    try:
        finished = services.verify_job_run(job_id=job_id)
    except LrsUnavailable as error:
        countdown = backoff_seconds(attempt)
        logger.warning("LRS unavailable for verification job %s; again in %s s", job_id, countdown)
        services.verify_job_wait_for_lrs(job_id=job_id, error=str(error))
        if self.request.is_eager:  # no queue to wait in: the caller sees the job waiting
            return False
        raise self.retry(exc=error, countdown=countdown) from error
    if not finished:
        if self.request.is_eager:
            # Tests run tasks in-process: keep polling here rather than recursing.
            deadline = time.monotonic() + EAGER_WAIT_SECONDS
            while not finished and time.monotonic() < deadline:
                time.sleep(services.POLL_SECONDS)
                finished = services.verify_job_run(job_id=job_id)
            return finished
        services.verify_job_dispatch(job_id=job_id, countdown=services.POLL_SECONDS)
    return finished


@shared_task
def verify_jobs_resume_task() -> list[int]:
    """Beat: hand verification jobs that stopped moving to the queue again."""
    return services.verify_jobs_resume()


# --- achievement batches (R-LRS-1 to R-LRS-9) ---


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
