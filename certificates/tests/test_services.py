"""Issuing, replacing, revoking, rendering and downloading certificates (R-CRT-1, 3, 6, 7)."""

import datetime
import io
import zipfile
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from pypdf import PdfReader

from audit.models import AuditEvent
from certificates import services
from certificates.models import Certificate, RenderJob
from certificates.validators import certificate_number_is_valid, pdf_sha256

from .factories import CertificateFactory

pytestmark = pytest.mark.django_db


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- issuing -------------------------------------------------------------------------------


def test_r_crt_1_issuing_gives_a_valid_number_and_token_and_snapshots_what_it_shows(issue_kwargs):
    certificate = services.certificate_issue(**issue_kwargs, render=False)

    assert certificate_number_is_valid(certificate.number)
    assert len(certificate.qr_token) == 32
    assert certificate.status == Certificate.Status.VALID
    assert certificate.learner_name == "Zoë O'Brien"
    assert certificate.qualification_title == "Level 2 Certificate in Health and Social Care"
    assert certificate.awarding_organisation_name == "Northgate Awards"
    assert AuditEvent.objects.filter(action="certificate.issue", object_id=certificate.pk).exists()


def test_r_crt_1_issuing_the_same_achievement_twice_returns_the_first_certificate(issue_kwargs):
    first = services.certificate_issue(**issue_kwargs, render=False)
    again = services.certificate_issue(**issue_kwargs)

    assert again.pk == first.pk
    assert Certificate.objects.count() == 1


def test_r_crt_1_the_database_refuses_a_second_original_for_one_achievement(provider):
    CertificateFactory(provider=provider, achievement_reference="registration:9")

    with pytest.raises(IntegrityError), transaction.atomic():
        CertificateFactory(provider=provider, achievement_reference="registration:9")


def test_r_crt_1_the_database_refuses_a_duplicate_number(provider):
    existing = CertificateFactory(provider=provider)

    with pytest.raises(IntegrityError), transaction.atomic():
        CertificateFactory(provider=provider, number=existing.number)


def test_r_crt_1_a_number_collision_draws_a_new_number(issue_kwargs):
    taken = CertificateFactory()
    fresh = "0000000000"
    with mock.patch(
        "certificates.services.issuing.certificate_number_generate",
        side_effect=[taken.number, fresh],
    ):
        certificate = services.certificate_issue(**issue_kwargs, render=False)

    assert certificate.number == fresh


def test_a_certificate_needs_a_learner_name_and_a_qualification_or_units(issue_kwargs):
    with pytest.raises(ValidationError) as error:
        services.certificate_issue(
            **{**issue_kwargs, "learner_name": " ", "qualification_title": "", "units": []}
        )

    assert set(error.value.message_dict) == {"learner_name", "qualification_title"}


def test_a_unit_certificate_keeps_its_units(issue_kwargs):
    units = [{"reference": "R/615/1234", "title": "Preparing food safely", "grade": "Pass"}]
    certificate = services.certificate_issue(
        **{**issue_kwargs, "qualification_title": "", "qualification_number": "", "units": units},
        render=False,
    )

    assert certificate.units == units


def test_an_award_date_in_the_future_is_refused(issue_kwargs):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)

    with pytest.raises(ValidationError) as error:
        services.certificate_issue(**{**issue_kwargs, "award_date": tomorrow})

    assert "award_date" in error.value.message_dict


def test_r_crt_1_an_issued_certificate_cannot_be_changed_even_by_a_direct_update(provider):
    certificate = CertificateFactory(provider=provider)

    with pytest.raises(IntegrityError, match="cannot be changed"), transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(learner_name="Someone Else")


def test_r_crt_7_a_certificate_is_never_deleted(provider):
    certificate = CertificateFactory(provider=provider)

    with pytest.raises(IntegrityError, match="never deleted"), transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).delete()


# --- rendering -----------------------------------------------------------------------------


def test_issuing_renders_the_pdf_after_commit_and_keeps_its_sha256(
    issue_kwargs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_issue(**issue_kwargs)

    certificate.refresh_from_db()
    content = certificate.pdf.read()
    assert content.startswith(b"%PDF-")
    assert certificate.pdf_sha256 == pdf_sha256(content)
    text = _pdf_text(content)
    assert "Zoë O'Brien" in text
    assert certificate.display_number in text


def test_the_pdf_is_tagged_for_accessibility(issue_kwargs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_issue(**issue_kwargs)
    certificate.refresh_from_db()

    root = PdfReader(io.BytesIO(certificate.pdf.read())).trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"


def test_rendering_again_keeps_the_stored_pdf(provider):
    certificate = CertificateFactory(provider=provider)
    services.certificates_render(certificate_ids=[certificate.pk])
    certificate.refresh_from_db()
    first = (certificate.pdf.name, certificate.pdf_sha256)

    rendered = services.certificates_render(certificate_ids=[certificate.pk])

    certificate.refresh_from_db()
    assert rendered == 0
    assert (certificate.pdf.name, certificate.pdf_sha256) == first


def test_the_database_refuses_to_replace_a_stored_pdf(provider):
    certificate = CertificateFactory(provider=provider)
    services.certificates_render(certificate_ids=[certificate.pk])

    with pytest.raises(IntegrityError, match="cannot be replaced"), transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(pdf_sha256="0" * 64)


def test_a_render_job_renders_its_batch_and_reports_done(
    provider, officer, django_capture_on_commit_callbacks
):
    certificates = CertificateFactory.create_batch(3, provider=provider)

    with django_capture_on_commit_callbacks(execute=True):
        job = services.render_job_create(
            provider=provider, certificates=certificates, acting_user=officer, batch_key="run 7"
        )

    job.refresh_from_db()
    assert (job.status, job.rendered, job.total, job.percent) == ("done", 3, 3, 100)
    for certificate in certificates:
        certificate.refresh_from_db()
        assert certificate.learner_name in _pdf_text(certificate.pdf.read())


def test_a_render_job_that_fails_records_the_error_and_can_be_retried(
    provider, officer, django_capture_on_commit_callbacks
):
    certificates = CertificateFactory.create_batch(2, provider=provider)
    with (
        mock.patch(
            "certificates.services.render_jobs.certificates_render_pdfs",
            side_effect=OSError("disk full"),
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = services.render_job_create(
            provider=provider, certificates=certificates, acting_user=officer
        )
    job.refresh_from_db()
    assert job.status == RenderJob.Status.FAILED
    assert "disk full" in job.error

    with django_capture_on_commit_callbacks(execute=True):
        services.render_job_retry(job=job, acting_user=officer)

    job.refresh_from_db()
    assert (job.status, job.rendered, job.error) == ("done", 2, "")


def test_a_batch_holds_only_its_providers_certificates(provider, officer):
    other = CertificateFactory()

    with pytest.raises(ValidationError):
        services.render_job_create(provider=provider, certificates=[other], acting_user=officer)


# --- replacement and revocation (R-CRT-6) --------------------------------------------------


def test_r_crt_6_a_replacement_has_a_new_number_and_token_and_records_the_fee(
    provider, officer, django_capture_on_commit_callbacks
):
    old = CertificateFactory(provider=provider)

    with django_capture_on_commit_callbacks(execute=True):
        new = services.certificate_replace(
            certificate=old, reason="Lost in the post", fee_pence=2500, acting_user=officer
        )

    old.refresh_from_db()
    assert old.status == Certificate.Status.REPLACED
    assert old.replaced_by == new
    assert new.status == Certificate.Status.VALID
    assert new.number != old.number and new.qr_token != old.qr_token
    assert (new.replacement_fee_pence, new.replacement_reason) == (2500, "Lost in the post")
    assert new.learner_name == old.learner_name
    assert AuditEvent.objects.filter(action="certificate.replace", object_id=old.pk).exists()
    new.refresh_from_db()
    assert new.is_rendered


def test_r_crt_6_issuing_the_achievement_again_returns_the_replacement(provider, officer):
    old = CertificateFactory(provider=provider, achievement_reference="registration:77")
    new = services.certificate_replace(
        certificate=old, reason="Damaged", fee_pence=0, acting_user=officer, render=False
    )

    again = services.certificate_issue(
        provider=provider,
        achievement_reference="registration:77",
        learner_name=old.learner_name,
        qualification_number=old.qualification_number,
        qualification_title=old.qualification_title,
        units=[],
        grade=old.grade,
        award_date=old.award_date,
        acting_user=officer,
    )

    assert again.pk == new.pk


def test_r_crt_6_a_replacement_needs_a_reason_and_a_fee(provider, officer):
    old = CertificateFactory(provider=provider)

    with pytest.raises(ValidationError) as error:
        services.certificate_replace(certificate=old, reason="", fee_pence=-1, acting_user=officer)

    assert set(error.value.message_dict) == {"reason", "fee"}


def test_r_crt_6_only_a_valid_certificate_can_be_replaced(provider, officer):
    old = CertificateFactory(provider=provider)
    services.certificate_replace(
        certificate=old, reason="Lost", fee_pence=2500, acting_user=officer, render=False
    )

    with pytest.raises(ValidationError, match="already replaced"):
        services.certificate_replace(
            certificate=old, reason="Lost", fee_pence=2500, acting_user=officer
        )


def test_r_crt_6_revoking_records_the_reason_and_audits(provider, officer):
    certificate = CertificateFactory(provider=provider)

    services.certificate_revoke(certificate=certificate, reason="Malpractice", acting_user=officer)

    certificate.refresh_from_db()
    assert (certificate.status, certificate.status_reason) == ("revoked", "Malpractice")
    event = AuditEvent.objects.get(action="certificate.revoke", object_id=certificate.pk)
    assert (event.before["status"], event.after["status"]) == ("valid", "revoked")


def test_r_crt_6_only_certification_staff_replace_or_revoke(
    provider, provider_admin, catalogue_manager
):
    certificate = CertificateFactory(provider=provider)

    for user in (provider_admin, catalogue_manager):
        with pytest.raises(PermissionDenied):
            services.certificate_revoke(certificate=certificate, reason="x", acting_user=user)
        with pytest.raises(PermissionDenied):
            services.certificate_replace(
                certificate=certificate, reason="x", fee_pence=0, acting_user=user
            )


@pytest.mark.parametrize("event", ["revoked", "replaced"])
def test_r_crt_6_the_provider_is_emailed_once_after_commit(
    event, provider, provider_admin, officer, django_capture_on_commit_callbacks
):
    certificate = CertificateFactory(provider=provider)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        if event == "revoked":
            services.certificate_revoke(
                certificate=certificate, reason="Error", acting_user=officer
            )
        else:
            services.certificate_replace(
                certificate=certificate,
                reason="Lost",
                fee_pence=2500,
                acting_user=officer,
                render=False,
            )
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    services.certificate_provider_notify(certificate_id=certificate.pk, event=event)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [provider_admin.email]
    assert certificate.display_number in message.subject
    assert event in message.subject
    assert message.alternatives and certificate.learner_name in message.alternatives[0][0]


# --- downloads (R-CRT-3) -------------------------------------------------------------------


def _rendered(**kwargs):
    certificate = CertificateFactory(**kwargs)
    services.certificates_render(certificate_ids=[certificate.pk])
    certificate.refresh_from_db()
    return certificate


def test_r_crt_3_a_provider_with_e_certificates_downloads_its_pdf_and_it_is_audited(
    provider, provider_admin
):
    certificate = _rendered(provider=provider)

    content = services.certificate_pdf_download(certificate=certificate, acting_user=provider_admin)

    assert pdf_sha256(content) == certificate.pdf_sha256
    assert AuditEvent.objects.filter(
        action="certificate.download", object_id=certificate.pk, actor=provider_admin
    ).exists()


def test_r_crt_3_a_provider_without_e_certificates_cannot_download(paper_provider):
    from accounts.roles import Role
    from accounts.tests.factories import UserFactory

    user = UserFactory(organisation=paper_provider.organisation, roles=[Role.PROVIDER_SUPER_USER])
    certificate = _rendered(provider=paper_provider)

    with pytest.raises(PermissionDenied):
        services.certificate_pdf_download(certificate=certificate, acting_user=user)


def test_r_crt_3_a_batch_zip_holds_each_pdf_and_is_audited(provider, provider_admin, officer):
    certificates = [_rendered(provider=provider) for _ in range(2)]
    job = services.render_job_create(provider=provider, certificates=certificates, acting_user=None)

    content = services.render_job_zip_download(job=job, acting_user=provider_admin)

    archive = zipfile.ZipFile(io.BytesIO(content))
    assert sorted(archive.namelist()) == sorted(f"{c.number}.pdf" for c in certificates)
    for certificate in certificates:
        assert pdf_sha256(archive.read(f"{certificate.number}.pdf")) == certificate.pdf_sha256
    assert AuditEvent.objects.filter(action="certificate.download_zip").exists()


def test_ao_staff_print_a_batch_as_one_merged_pdf(provider, officer, provider_admin):
    certificates = [_rendered(provider=provider) for _ in range(3)]
    job = services.render_job_create(provider=provider, certificates=certificates, acting_user=None)

    content = services.render_job_print_pdf(job=job, acting_user=officer)

    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 3
    text = _pdf_text(content)
    assert all(c.display_number in text for c in certificates)
    assert AuditEvent.objects.filter(action="certificate.print_batch", actor=officer).exists()
    with pytest.raises(PermissionDenied):
        services.render_job_print_pdf(job=job, acting_user=provider_admin)


def test_a_stored_pdf_that_was_altered_on_disk_is_not_served(provider, provider_admin):
    certificate = _rendered(provider=provider)
    with open(certificate.pdf.path, "ab") as handle:
        handle.write(b"tampered")

    with pytest.raises(services.StoredPdfError, match="does not match its SHA-256"):
        services.certificate_pdf_download(certificate=certificate, acting_user=provider_admin)
