"""Fault tests on a real Celery worker and the real Redis broker (decision 0086): a worker killed
mid-job, and one chunk delivered four times. The worker is the shared `real_celery_worker_factory`
(tests/celery_worker.py) and beat runs as its own process, as deployed. Stall and resume times are
shortened through their settings (environment), never by faking time inside them."""

import datetime
import re
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.helpers import sign_in
from audit.models import AuditEvent
from certificates import pdf_files, services, tasks
from certificates.models import Certificate, RenderJob
from tests.faults import celery_beat

from .factories import CertificateFactory, RenderJobFactory

pytestmark = pytest.mark.django_db(transaction=True)

STALL_SECONDS = 8
FAST_RECOVERY = {
    "CERTIFICATE_RENDER_STALL_SECONDS": str(STALL_SECONDS),
    "RENDER_JOBS_RESUME_EVERY_SECONDS": "3",
    # Short, so the killed worker's message comes back within the test, yet usually after beat
    # has resumed the job and it is done (the message then arrives late).
    "CELERY_VISIBILITY_TIMEOUT": "60",
}
CHUNK = r"certificates\.tasks\.render_job_chunk_task\[([0-9a-f-]+)\]"


@pytest.fixture
def media(settings, tmp_path):
    """A media folder the test and its workers share, and nothing else writes to."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def start_worker(real_celery_worker_factory, media):
    def start(name: str):
        return real_celery_worker_factory(
            name=name, env={**FAST_RECOVERY, "TEST_MEDIA_ROOT": str(media)}
        )

    return start


def _wait_for(condition, *, seconds: float, what: str, worker, every: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    pytest.fail(f"{what} did not happen within {seconds} s:\n{worker.log()[-4000:]}")


def _job(pk: int) -> RenderJob:
    return RenderJob.objects.get(pk=pk)


def test_a_worker_killed_mid_job_is_seen_stalled_and_the_job_completes_once_it_returns(
    provider, officer, media, start_worker, settings, client, tmp_path
):
    settings.CERTIFICATE_RENDER_STALL_SECONDS = STALL_SECONDS
    certificates = CertificateFactory.create_batch(40, provider=provider)
    worker = start_worker("killed")
    job = services.render_job_create(provider=provider, certificates=certificates, acting_user=None)

    _wait_for(
        lambda: _job(job.pk).rendered >= 1, seconds=120, what="progress", worker=worker, every=0.02
    )
    worker.kill()
    log = worker.log()
    cut_short = set(re.findall(CHUNK + " received", log)) - set(
        re.findall(CHUNK + " succeeded", log)
    )
    assert len(cut_short) == 1, log[-3000:]
    killed_at = _job(job.pk)
    assert killed_at.status == RenderJob.Status.RENDERING
    assert killed_at.rendered < killed_at.total

    # Stalled, and the page says since when.
    _wait_for(
        lambda: services.render_job_is_stale(_job(job.pk)),
        seconds=STALL_SECONDS + 5,
        what="the stall",
        worker=worker,
    )
    sign_in(client, officer)
    progress = client.get(reverse("certificates:job_progress", args=[job.pk])).json()
    last_progress = _job(job.pk).progress_at
    assert progress["stalled"].startswith("Stalled: no progress since ")
    assert f"{timezone.localtime(last_progress):%H:%M:%S}" in progress["stalled"]

    with celery_beat(tmp_path, FAST_RECOVERY):
        returned_at = time.monotonic()
        worker.start()
        _wait_for(
            lambda: _job(job.pk).status == RenderJob.Status.DONE,
            seconds=180,
            what="the job's completion",
            worker=worker,
        )
        assert time.monotonic() - returned_at < 180

    finished = _job(job.pk)
    assert (finished.rendered, finished.error) == (40, "")
    rendered = Certificate.objects.filter(pk__in=[c.pk for c in certificates])
    assert all(c.pdf_sha256 and c.pdf.name == services._pdf_name(c) for c in rendered)
    renders = AuditEvent.objects.filter(action="certificate.render").values_list(
        "object_id", flat=True
    )
    assert sorted(renders) == sorted(str(c.pk) for c in certificates)  # each exactly once
    files = sorted(p.name for p in Path(media).rglob("*") if p.is_file())
    assert files == sorted(f"{c.number}.pdf" for c in certificates)
    assert pdf_files.pdf_orphans_find(older_than=datetime.timedelta(0)) == []

    # The message the killed worker held comes back after the visibility timeout: it changes
    # nothing, the finished time included.
    lost = cut_short.pop()
    _wait_for(
        lambda: f"render_job_chunk_task[{lost}] succeeded" in worker.log(),
        seconds=90,
        what="the lost message's return",
        worker=worker,
    )
    after = _job(job.pk)
    assert (after.status, after.finished_at, after.rendered) == (
        RenderJob.Status.DONE,
        finished.finished_at,
        40,
    )
    assert AuditEvent.objects.filter(action="certificate.render").count() == 40


def test_the_same_chunk_delivered_four_times_leaves_the_job_done_not_failed(provider, start_worker):
    certificates = CertificateFactory.create_batch(3, provider=provider)
    job = RenderJobFactory(provider=provider, total=3, status=RenderJob.Status.RENDERING)
    job.certificates.set(certificates)
    ids = [c.pk for c in certificates]
    worker = start_worker("duplicates")

    for _ in range(4):
        tasks.render_job_chunk_task.apply_async(args=(job.pk, ids))

    def all_four_ran() -> bool:
        done = re.findall(CHUNK + " succeeded", worker.log())
        return len(done) == 4

    _wait_for(all_four_ran, seconds=120, what="four deliveries", worker=worker)
    finished = _job(job.pk)
    assert (finished.status, finished.rendered, finished.error) == (RenderJob.Status.DONE, 3, "")
    renders = AuditEvent.objects.filter(action="certificate.render")
    assert renders.count() == 3
