"""Render jobs that recover: stalls shown and resumed in minutes, duplicate deliveries that change
nothing, and PDF files that take their final name only with their row (decision 0086)."""

import datetime
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.tests.helpers import sign_in
from audit.models import AuditEvent
from certificates import pdf_files, services, tasks
from certificates.models import Certificate, RenderJob

from .factories import CertificateFactory, RenderJobFactory

pytestmark = pytest.mark.django_db


def _job(provider, certificates, **kwargs):
    job = RenderJobFactory(provider=provider, total=len(certificates), **kwargs)
    job.certificates.set(certificates)
    return job


# --- stalls --------------------------------------------------------------------------------


def test_a_job_without_progress_for_the_stall_time_is_stalled(provider, settings):
    settings.CERTIFICATE_RENDER_STALL_SECONDS = 120
    certificate = CertificateFactory(provider=provider)
    recent = _job(provider, [certificate], status=RenderJob.Status.RENDERING)
    recent.progress_at = timezone.now() - datetime.timedelta(seconds=100)
    stalled = _job(provider, [certificate], status=RenderJob.Status.RENDERING)
    stalled.progress_at = timezone.now() - datetime.timedelta(seconds=130)

    assert not services.render_job_is_stale(recent)
    assert services.render_job_is_stale(stalled)


def test_the_job_page_says_a_job_is_stalled_with_the_time_of_its_last_progress(
    client, provider, officer
):
    last_progress = timezone.now() - datetime.timedelta(minutes=3)
    job = _job(
        provider,
        CertificateFactory.create_batch(2, provider=provider),
        status=RenderJob.Status.RENDERING,
        dispatched_at=last_progress,
        progress_at=last_progress,
    )
    sign_in(client, officer)

    page = client.get(reverse("certificates:job_detail", args=[job.pk])).content.decode()
    progress = client.get(reverse("certificates:job_progress", args=[job.pk])).json()

    shown = f"Stalled: no progress since {timezone.localtime(last_progress):%H:%M:%S}"
    assert shown in page
    assert progress["stalled"].startswith(shown)


def test_a_job_still_progressing_is_not_shown_as_stalled(client, provider, officer):
    job = _job(
        provider,
        [CertificateFactory(provider=provider)],
        status=RenderJob.Status.RENDERING,
        dispatched_at=timezone.now(),
    )
    sign_in(client, officer)

    progress = client.get(reverse("certificates:job_progress", args=[job.pk])).json()

    assert progress["stalled"] == ""


def test_beat_resumes_a_stalled_job_and_it_finishes(provider, settings):
    settings.CERTIFICATE_RENDER_STALL_SECONDS = 120
    certificates = CertificateFactory.create_batch(2, provider=provider)
    job = _job(
        provider,
        certificates,
        status=RenderJob.Status.RENDERING,
        dispatched_at=timezone.now() - datetime.timedelta(minutes=5),
        progress_at=timezone.now() - datetime.timedelta(seconds=121),
    )

    resumed = tasks.render_jobs_resume_task()

    job.refresh_from_db()
    assert resumed == [job.pk]
    assert (job.status, job.rendered) == (RenderJob.Status.DONE, 2)


def test_the_beat_schedule_looks_for_stalled_jobs_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["certificates-resume-render-jobs"]
    assert entry["schedule"] <= 60


def test_a_worker_reports_progress_after_every_certificate_it_stores(provider):
    certificates = CertificateFactory.create_batch(3, provider=provider)
    reports = []

    services.certificates_render(
        certificate_ids=[c.pk for c in certificates], on_stored=lambda: reports.append(1)
    )

    assert len(reports) == 3


def test_lost_messages_return_in_minutes_and_every_task_is_acknowledged_late(settings):
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert settings.CELERY_TASK_TIME_LIMIT < timeout <= 10 * 60
    assert settings.CELERY_TASK_ACKS_LATE is True


# --- duplicate and late deliveries -----------------------------------------------------------


def test_the_same_chunk_delivered_four_times_leaves_the_job_done_not_failed(provider):
    certificates = CertificateFactory.create_batch(2, provider=provider)
    job = _job(provider, certificates, status=RenderJob.Status.RENDERING)
    ids = [c.pk for c in certificates]

    for _ in range(4):
        tasks.render_job_chunk_task.apply(args=(job.pk, ids))

    job.refresh_from_db()
    assert (job.status, job.rendered, job.error) == (RenderJob.Status.DONE, 2, "")
    renders = AuditEvent.objects.filter(action="certificate.render")
    assert sorted(renders.values_list("object_id", flat=True)) == sorted(str(i) for i in ids)


def test_a_late_message_for_a_finished_job_changes_nothing_not_even_its_finished_time(provider):
    certificates = CertificateFactory.create_batch(2, provider=provider)
    job = _job(provider, certificates, status=RenderJob.Status.RENDERING)
    ids = [c.pk for c in certificates]
    tasks.render_job_chunk_task.apply(args=(job.pk, ids))
    job.refresh_from_db()
    finished = (job.status, job.finished_at, job.progress_at)

    tasks.render_job_chunk_task.apply(args=(job.pk, ids))
    services.render_job_fail(job_id=job.pk, error="a late failure")

    job.refresh_from_db()
    assert (job.status, job.finished_at, job.progress_at) == finished


# --- PDF files ----------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    """A media folder of this test's own, so other tests' files are not in it."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _path(name: str) -> Path:
    return Path(default_storage.path(name))


def test_a_render_whose_row_does_not_commit_leaves_no_file(provider, media):
    certificate = CertificateFactory(provider=provider)
    name = services._pdf_name(certificate)

    with (
        mock.patch(
            "certificates.services.render_jobs.audit_record", side_effect=RuntimeError("audit down")
        ),
        pytest.raises(RuntimeError),
    ):
        services.certificates_render(certificate_ids=[certificate.pk])

    assert not _path(name).exists()
    assert list(_path(name).parent.glob(f"{certificate.number}*")) == []


def test_a_file_left_under_the_final_name_by_a_render_cut_short_is_replaced_not_renamed(
    provider,
    media,
):
    certificate = CertificateFactory(provider=provider)
    name = services._pdf_name(certificate)
    _path(name).parent.mkdir(parents=True, exist_ok=True)
    _path(name).write_bytes(b"%PDF- cut short")
    partial = _path(name).with_name(f"{_path(name).name}.dead.partial")
    partial.write_bytes(b"%PDF- cut short")

    services.certificates_render(certificate_ids=[certificate.pk])

    certificate.refresh_from_db()
    assert certificate.pdf.name == name
    assert _path(name).read_bytes().startswith(b"%PDF-1")
    assert not partial.exists()


def test_the_orphans_command_reports_then_removes_files_no_certificate_names(
    provider, media, capsys
):
    kept = CertificateFactory(provider=provider)
    services.certificates_render(certificate_ids=[kept.pk])
    kept.refresh_from_db()
    unrendered = CertificateFactory(provider=provider)
    orphan = services._pdf_name(unrendered)
    _path(orphan).parent.mkdir(parents=True, exist_ok=True)
    _path(orphan).write_bytes(b"%PDF- cut short")
    partial_name = f"{orphan}.abc123{pdf_files.PARTIAL_SUFFIX}"
    _path(partial_name).write_bytes(b"%PDF- cut")

    call_command("certificate_pdf_orphans", "--older-than-minutes=0")
    report = capsys.readouterr().out
    call_command("certificate_pdf_orphans", "--older-than-minutes=0", "--remove")
    removed = capsys.readouterr().out

    assert orphan in report and partial_name in report and kept.pdf.name not in report
    assert "Found 2 orphan file(s)." in report
    assert "Removed 2 orphan file(s)." in removed
    assert not _path(orphan).exists() and not _path(partial_name).exists()
    assert _path(kept.pdf.name).exists()
    assert Certificate.objects.get(pk=kept.pk).pdf_sha256


def test_the_orphans_command_leaves_files_newer_than_its_age_limit(provider, media, capsys):
    certificate = CertificateFactory(provider=provider)
    orphan = services._pdf_name(certificate)
    _path(orphan).parent.mkdir(parents=True, exist_ok=True)
    _path(orphan).write_bytes(b"%PDF- being rendered")

    call_command("certificate_pdf_orphans", "--remove")

    assert _path(orphan).exists()
    assert "Removed 0 orphan file(s)." in capsys.readouterr().out
