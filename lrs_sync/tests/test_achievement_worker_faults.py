"""Achievement batches on a real Celery worker that is killed mid-submission: a batch is never
sent twice and never lost (R-LRS-9's batches, issue 12's "never twice")."""

from __future__ import annotations

import time

import pytest

from learners.tests.factories import LearnerFactory
from lrs_sandpit.achievement_models import AchievementBatchJob
from lrs_sync.achievement_batches import achievement_batches_build
from lrs_sync.achievement_models import Achievement, AchievementBatch, AchievementState, BatchStatus
from lrs_sync.tasks import achievement_batches_resume_task
from qualifications.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db(transaction=True)
WAIT_SECONDS = 90
FAST = {
    "LRS_SANDPIT_WAITING_SECONDS": "1",
    "LRS_SANDPIT_PROCESSING_SECONDS": "1",
    "LRS_POLL_FIRST_SECONDS": "1",
    "LRS_POLL_LONGEST_SECONDS": "2",
    # The worker reaches the sandpit in its own process, as a host its settings allow.
    "LRS_ENDPOINT_EXTERNAL": "wsgi://localhost/lrs-sandpit/ExternalService.svc",
}


def _wait_for(condition, worker, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} after {WAIT_SECONDS} s:\n{worker.log()[-4000:]}")


def _two_ready_records(make_achievement, sandpit) -> list[Achievement]:
    records = []
    for _ in range(2):
        learner = LearnerFactory()
        unit = UnitFactory()
        sandpit.aims(unit)
        sandpit.register(learner)
        records.append(make_achievement(learner, aim=unit))
    return records


def test_a_worker_killed_after_the_job_id_was_stored_resumes_by_polling(
    real_celery_worker_factory, make_achievement, sandpit
):
    records = _two_ready_records(make_achievement, sandpit)
    # The job stays Waiting at the sandpit long enough to kill the worker while it polls.
    worker = real_celery_worker_factory(env={**FAST, "LRS_SANDPIT_WAITING_SECONDS": "600"})

    (batch,) = achievement_batches_build(submission_type="Final", acting_user=None)
    _wait_for(
        lambda: AchievementBatch.objects.filter(pk=batch.pk, job_id__isnull=False).exists(),
        worker,
        "no job id stored",
    )
    worker.kill()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUBMITTED

    worker.start(env=FAST)  # the sandpit now finishes the job within two seconds
    achievement_batches_resume_task.delay(stale_after=0)
    _wait_for(
        lambda: AchievementBatch.objects.get(pk=batch.pk).status == BatchStatus.SUCCESSFUL,
        worker,
        "the batch did not finish",
    )

    assert AchievementBatchJob.objects.count() == 1
    assert AchievementBatchJob.objects.get().pk == AchievementBatch.objects.get(pk=batch.pk).job_id
    states = set(
        Achievement.objects.filter(pk__in=[r.pk for r in records]).values_list("state", flat=True)
    )
    assert states == {AchievementState.ACCEPTED}


def test_a_worker_killed_between_send_and_store_leaves_the_outcome_unknown_and_sends_nothing_again(
    real_celery_worker_factory, make_achievement, sandpit
):
    _two_ready_records(make_achievement, sandpit)
    # The sandpit records the job, then is slow to answer: the worker dies before it hears.
    worker = real_celery_worker_factory(env={**FAST, "LRS_SANDPIT_SUBMIT_ANSWER_DELAY": "600"})

    (batch,) = achievement_batches_build(submission_type="Final", acting_user=None)
    _wait_for(lambda: AchievementBatchJob.objects.exists(), worker, "the sandpit got no job")
    worker.kill()
    assert AchievementBatch.objects.get(pk=batch.pk).status == BatchStatus.SENDING

    worker.start(env={**FAST, "LRS_SANDPIT_SUBMIT_ANSWER_DELAY": "0"})
    achievement_batches_resume_task.delay(stale_after=0)
    batch = _wait_for(
        lambda: AchievementBatch.objects.filter(
            pk=batch.pk, status=BatchStatus.OUTCOME_UNKNOWN
        ).first(),
        worker,
        "the batch was not marked outcome unknown",
    )

    # Resuming again sends nothing: still one job at the sandpit, no job id guessed.
    achievement_batches_resume_task.delay(stale_after=0)
    time.sleep(3)
    assert AchievementBatchJob.objects.count() == 1
    batch.refresh_from_db()
    assert (batch.status, batch.job_id) == (BatchStatus.OUTCOME_UNKNOWN, None)
    assert "stopped before the LRS's job id was stored" in batch.last_error
