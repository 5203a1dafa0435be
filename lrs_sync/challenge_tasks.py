"""Thin Celery tasks for event data challenges: fetch, report a status to the LRS, the monthly
report. Each takes ids (or nothing), re-reads the database and is safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from awards_portal.celery import OUTSIDE_SERVICE_TASK_OPTIONS

from .challenge_notices import (
    challenge_report,
    challenges_monthly_report_send,
    challenges_owed_a_report,
)
from .challenges import challenges_fetch

logger = logging.getLogger(__name__)


@shared_task(name="lrs_sync.challenges_fetch", **OUTSIDE_SERVICE_TASK_OPTIONS)
def challenges_fetch_task() -> int:
    """Beat: fetch new challenges from the LRS (each is stored once)."""
    if not settings.LRS_ENDPOINT_R9:
        logger.warning("LRS_ENDPOINT_R9 is not set: event data challenges are not fetched")
        return 0
    return len(challenges_fetch(acting_user=None).new)


@shared_task(name="lrs_sync.challenge_report", **OUTSIDE_SERVICE_TASK_OPTIONS)
def challenge_report_task(challenge_id: int) -> bool:
    """Tell the LRS a challenge's status; nothing to do if it already knows."""
    return challenge_report(challenge_id=challenge_id)


@shared_task(name="lrs_sync.challenges_report_owed")
def challenges_report_owed_task() -> int:
    """Beat: report the statuses the LRS has not heard yet (broker down at commit, LRS down)."""
    owed = challenges_owed_a_report()
    for challenge_id in owed:
        challenge_report_task.delay(challenge_id)
    return len(owed)


@shared_task(name="lrs_sync.challenges_monthly_report")
def challenges_monthly_report_task() -> bool:
    """Beat, on the 1st: the open challenges report to the resolver, once per month."""
    return challenges_monthly_report_send() is not None
