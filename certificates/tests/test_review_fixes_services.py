"""Downloads of replaced and revoked certificates, conflicting issues, and robust rendering."""

import datetime
import io
import zipfile
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.utils import timezone

from audit.models import AuditEvent
from certificates import services, tasks
from certificates.models import Certificate, RenderJob
from tests.faults import broker_unreachable

from .factories import CertificateFactory, RenderJobFactory

pytestmark = pytest.mark.django_db


def _rendered(**kwargs):
    certificate = CertificateFactory(**kwargs)
    services.certificates_render(certificate_ids=[certificate.pk])
    certificate.refresh_from_db()
    return certificate


# --- M1: revoked and replaced certificates (R-CRT-3, R-CRT-6) --------------------------------


def test_r_crt_6_a_provider_cannot_download_a_revoked_certificate(
    provider, provider_admin, officer
):
    certificate = _rendered(provider=provider)
    services.certificate_revoke(certificate=certificate, reason="Malpractice", acting_user=officer)
    certificate.refresh_from_db()

    with pytest.raises(ValidationError, match="revoked"):
        services.certificate_pdf_download(certificate=certificate, acting_user=provider_admin)


def test_r_crt_6_a_provider_asking_for_a_replaced_certificate_is_sent_to_its_replacement(
    provider, provider_admin, officer
):
    old = _rendered(provider=provider)
    new = services.certificate_replace(
        certificate=old, reason="Lost", fee_pence=2500, acting_user=officer, render=False
    )
    old.refresh_from_db()

    with pytest.raises(services.CertificateReplaced) as replaced:
        services.certificate_pdf_download(certificate=old, acting_user=provider_admin)

    assert replaced.value.current.pk == new.pk


def test_r_crt_6_ao_staff_cannot_download_a_revoked_certificate_either(provider, officer):
    # Decision 0155: the stored PDF still reads as valid, so nobody gets it.
    certificate = _rendered(provider=provider)
    services.certificate_revoke(certificate=certificate, reason="Error", acting_user=officer)
    certificate.refresh_from_db()

    with pytest.raises(services.CertificateRevoked, match="has been revoked"):
        services.certificate_pdf_download(certificate=certificate, acting_user=officer)

    assert not AuditEvent.objects.filter(action="certificate.download").exists()


def test_r_crt_6_a_batch_zip_holds_the_replacement_and_leaves_out_replaced_and_revoked(
    provider, provider_admin, officer, django_capture_on_commit_callbacks
):
    kept, replaced, revoked = (_rendered(provider=provider) for _ in range(3))
    job = services.render_job_create(
        provider=provider, certificates=[kept, replaced, revoked], acting_user=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        replacement = services.certificate_replace(
            certificate=replaced, reason="Lost", fee_pence=2500, acting_user=officer
        )
    services.certificate_revoke(certificate=revoked, reason="Malpractice", acting_user=officer)

    content = services.render_job_zip_download(job=job, acting_user=provider_admin)

    names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
    assert names == {f"{kept.number}.pdf", f"{replacement.number}.pdf"}
    event = AuditEvent.objects.get(action="certificate.download_zip")
    assert event.detail["left_out"] == [{"number": revoked.number, "reason": "revoked"}]


def test_r_crt_6_the_printed_batch_leaves_out_revoked_certificates(provider, officer):
    kept, revoked = _rendered(provider=provider), _rendered(provider=provider)
    job = services.render_job_create(
        provider=provider, certificates=[kept, revoked], acting_user=None
    )
    services.certificate_revoke(certificate=revoked, reason="Malpractice", acting_user=officer)

    content = services.render_job_print_pdf(job=job, acting_user=officer)

    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert kept.display_number in text
    assert revoked.display_number not in text


# --- M2 and M9: issuing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("learner_name", "Ann Lee"),
        ("grade", "Distinction"),
        ("qualification_number", "603/5772/2"),
        ("qualification_title", "Level 1 Award in Digital Skills for Work"),
        ("award_date", datetime.date(2025, 8, 1)),
        ("units", [{"reference": "R/615/1234", "title": "Preparing food", "grade": "Pass"}]),
    ],
)
def test_r_crt_1_issuing_an_achievement_again_with_other_details_is_refused(
    issue_kwargs, field, value
):
    first = services.certificate_issue(**issue_kwargs, render=False)

    with pytest.raises(ValidationError, match="already has certificate") as refused:
        services.certificate_issue(**{**issue_kwargs, field: value}, render=False)

    assert first.display_number in str(refused.value)
    assert Certificate.objects.count() == 1


def test_r_crt_1_issuing_an_achievement_again_for_another_provider_is_refused(issue_kwargs):
    from providers.tests.factories import ProviderFactory

    services.certificate_issue(**issue_kwargs, render=False)

    with pytest.raises(ValidationError, match="different provider"):
        services.certificate_issue(**{**issue_kwargs, "provider": ProviderFactory()})


def test_r_crt_1_issuing_again_with_the_same_details_differently_spaced_is_idempotent(
    issue_kwargs,
):
    first = services.certificate_issue(**issue_kwargs, render=False)

    again = services.certificate_issue(
        **{**issue_kwargs, "learner_name": "  Zoë   O'Brien "}, render=False
    )

    assert again.pk == first.pk


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("learner_name", "A" * 301, "at most 300"),
        ("grade", "G" * 51, "at most 50"),
        ("qualification_number", "1" * 21, "at most 20"),
        ("learner_name", "Zo\x00e", "NUL"),
        ("achievement_reference", "r" * 201, "at most 200"),
    ],
)
def test_issuing_over_long_or_nul_values_gives_a_clear_error_not_a_database_error(
    issue_kwargs, field, value, message
):
    with pytest.raises(ValidationError, match=message) as refused:
        services.certificate_issue(**{**issue_kwargs, field: value}, render=False)

    assert field in refused.value.message_dict


def test_r_lrn_2_the_learner_name_is_stored_in_nfc(issue_kwargs):
    decomposed = "Zoe\u0308 O'Brien"

    certificate = services.certificate_issue(
        **{**issue_kwargs, "learner_name": decomposed}, render=False
    )

    assert certificate.learner_name == "Zo\u00eb O'Brien"


# --- M4 and M5: rendering jobs --------------------------------------------------------------


def test_issuing_one_certificate_records_a_render_job_that_finishes(
    issue_kwargs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_issue(**issue_kwargs)

    job = RenderJob.objects.get(certificates=certificate)
    assert (job.status, job.rendered, job.total) == ("done", 1, 1)


def test_a_broker_outage_after_commit_leaves_the_job_queued_instead_of_failing_the_request(
    issue_kwargs, django_capture_on_commit_callbacks
):
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_issue(**issue_kwargs)

    job = RenderJob.objects.get(certificates=certificate)
    assert Certificate.objects.filter(pk=certificate.pk).exists()
    assert (job.status, job.dispatched_at) == ("queued", None)


def test_the_beat_task_hands_a_job_the_broker_missed_to_the_queue_again(
    issue_kwargs, django_capture_on_commit_callbacks
):
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_issue(**issue_kwargs)
    RenderJob.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))

    resumed = tasks.render_jobs_resume_task()

    job = RenderJob.objects.get(certificates=certificate)
    assert resumed == [job.pk]
    assert job.status == "done"


def test_a_job_stuck_rendering_can_be_retried_by_an_officer(
    provider, officer, django_capture_on_commit_callbacks
):
    certificate = CertificateFactory(provider=provider)
    job = RenderJobFactory(
        provider=provider,
        status=RenderJob.Status.RENDERING,
        total=1,
        progress_at=timezone.now() - datetime.timedelta(hours=1),
    )
    job.certificates.set([certificate])

    with django_capture_on_commit_callbacks(execute=True):
        services.render_job_retry(job=job, acting_user=officer)

    job.refresh_from_db()
    assert job.status == "done"


def test_a_job_rendering_recently_cannot_be_retried(provider, officer):
    job = RenderJobFactory(provider=provider, status=RenderJob.Status.RENDERING, total=1)

    with pytest.raises(ValidationError, match="not moved for a while"):
        services.render_job_retry(job=job, acting_user=officer)


def test_a_transient_fault_in_a_chunk_is_retried_and_the_job_finishes(
    provider, django_capture_on_commit_callbacks
):
    certificates = CertificateFactory.create_batch(2, provider=provider)
    real = services.certificates_render
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    with (
        mock.patch("certificates.services.certificates_render", side_effect=flaky),
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = services.render_job_create(
            provider=provider, certificates=certificates, acting_user=None
        )

    job.refresh_from_db()
    assert (job.status, job.rendered) == ("done", 2)
    assert calls["n"] == 3


def test_a_chunk_that_keeps_failing_fails_the_job_with_the_error_after_its_retries(
    provider, django_capture_on_commit_callbacks
):
    certificates = CertificateFactory.create_batch(2, provider=provider)

    with (
        mock.patch(
            "certificates.services.certificates_render", side_effect=OSError("disk full")
        ) as render,
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = services.render_job_create(
            provider=provider, certificates=certificates, acting_user=None
        )

    job.refresh_from_db()
    assert job.status == "failed"
    assert "disk full" in job.error
    assert render.call_count == tasks.CHUNK_MAX_RETRIES + 1


def test_a_chunk_that_killed_its_worker_three_times_fails_the_job_instead_of_looping(provider):
    certificate = CertificateFactory(provider=provider)
    job = RenderJobFactory(provider=provider, status=RenderJob.Status.RENDERING, total=1)
    job.certificates.set([certificate])
    # Three runs that started and never ended, as three killed workers leave the count.
    for _ in range(tasks.CHUNK_MAX_CRASHES):
        tasks.chunk_run_started(job_id=job.pk, certificate_ids=[certificate.pk], attempt=0)

    tasks.render_job_chunk_task.apply(args=(job.pk, [certificate.pk]))

    job.refresh_from_db()
    certificate.refresh_from_db()
    assert job.status == "failed"
    assert "stopped their worker 3 times" in job.error
    assert not certificate.pdf_sha256


# --- M7: stored PDFs -----------------------------------------------------------------------


def test_a_missing_stored_pdf_raises_a_clear_error_and_leaves_an_audit_alert(
    provider, provider_admin
):
    certificate = _rendered(provider=provider)
    certificate.pdf.storage.delete(certificate.pdf.name)

    with pytest.raises(services.StoredPdfError):
        services.certificate_pdf_download(certificate=certificate, acting_user=provider_admin)

    assert AuditEvent.objects.filter(
        action="certificate.pdf_integrity_failed", object_id=certificate.pk
    ).exists()
