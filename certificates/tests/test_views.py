"""Signed-in certificate pages: scoping, downloads, AO actions, batches and the menu."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import sign_in
from audit.models import AuditEvent
from certificates import services
from certificates.models import Certificate, CertificateCheck

from .factories import CertificateCheckFactory, CertificateFactory

pytestmark = pytest.mark.django_db


def _rendered(**kwargs):
    certificate = CertificateFactory(**kwargs)
    services.certificates_render(certificate_ids=[certificate.pk])
    certificate.refresh_from_db()
    return certificate


def test_r_acc_6_a_provider_user_sees_only_their_own_providers_certificates(
    client, provider, provider_admin
):
    own = CertificateFactory(provider=provider, learner_name="Own Learner")
    CertificateFactory(learner_name="Other Learner")
    sign_in(client, provider_admin)

    page = client.get(reverse("certificates:list")).content.decode()

    assert "Own Learner" in page
    assert "Other Learner" not in page
    assert own.display_number in page


def test_r_acc_6_another_providers_certificate_is_not_found(client, provider_admin):
    other = _rendered(learner_name="Other Learner")
    sign_in(client, provider_admin)

    assert client.get(reverse("certificates:detail", args=[other.number])).status_code == 404
    assert client.get(reverse("certificates:pdf", args=[other.number])).status_code == 404


def test_r_acc_7_reading_the_certificate_list_is_audited(client, provider_admin):
    sign_in(client, provider_admin)

    client.get(reverse("certificates:list"), {"q": "Smith"})

    event = AuditEvent.objects.get(action="certificate.list")
    assert event.actor == provider_admin
    assert event.detail["search"] == "Smith"


def test_r_crt_3_a_provider_with_e_certificates_downloads_the_pdf(client, provider, provider_admin):
    certificate = _rendered(provider=provider)
    sign_in(client, provider_admin)

    detail = client.get(reverse("certificates:detail", args=[certificate.number])).content.decode()
    response = client.get(reverse("certificates:pdf", args=[certificate.number]))

    assert "Download the PDF e-certificate" in detail
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="certificate.download").count() == 1


def test_r_crt_3_a_provider_without_e_certificates_sees_no_download(client, paper_provider):
    user = UserFactory(organisation=paper_provider.organisation, roles=[Role.PROVIDER_SUPER_USER])
    certificate = _rendered(provider=paper_provider)
    sign_in(client, user)

    detail = client.get(reverse("certificates:detail", args=[certificate.number])).content.decode()
    response = client.get(reverse("certificates:pdf", args=[certificate.number]))

    assert "Download the PDF" not in detail
    assert "E-certificates are not enabled" in detail
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="certificate.download").exists()


def test_ao_staff_see_how_often_each_certificate_was_checked(client, officer):
    certificate = CertificateFactory(learner_name="Checked Learner")
    CertificateCheckFactory.create_batch(3, certificate=certificate)
    CertificateCheckFactory(certificate=certificate, method=CertificateCheck.Method.QR_CODE)
    sign_in(client, officer)

    listing = client.get(reverse("certificates:list")).content.decode()
    detail = client.get(reverse("certificates:detail", args=[certificate.number])).content.decode()

    assert "Times checked" in listing
    assert "<td>4</td>" in listing
    assert "Name and number</td><td>3</td>" in detail
    assert "QR code link</td><td>1</td>" in detail


def test_provider_users_do_not_see_check_counts(client, provider, provider_admin):
    CertificateFactory(provider=provider)
    sign_in(client, provider_admin)

    assert "Times checked" not in client.get(reverse("certificates:list")).content.decode()


def test_ao_staff_without_the_certificate_capability_are_refused(client, catalogue_manager):
    sign_in(client, catalogue_manager)

    assert client.get(reverse("certificates:list")).status_code == 403


def test_the_certificates_page_needs_sign_in(client):
    response = client.get(reverse("certificates:list"))

    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]


def test_r_crt_6_an_officer_replaces_a_certificate_through_the_form(
    client, officer, provider, provider_admin, mailoutbox, django_capture_on_commit_callbacks
):
    old = CertificateFactory(provider=provider)
    sign_in(client, officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("certificates:replace", args=[old.number]),
            {"reason": "Lost in the post", "fee": "25.00"},
        )

    old.refresh_from_db()
    new = old.replaced_by
    assert response.status_code == 302
    assert response["Location"] == reverse("certificates:detail", args=[new.number])
    assert new.replacement_fee_pence == 2500
    assert len(mailoutbox) == 1


def test_a_replacement_form_with_mistakes_explains_them_and_keeps_the_input(client, officer):
    old = CertificateFactory()
    sign_in(client, officer)

    response = client.post(
        reverse("certificates:replace", args=[old.number]), {"reason": "Lost", "fee": "lots"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter the fee in pounds" in page
    assert "Lost</textarea>" in page
    old.refresh_from_db()
    assert old.status == Certificate.Status.VALID


def test_r_crt_6_an_officer_revokes_a_certificate_through_the_form(client, officer):
    certificate = CertificateFactory()
    sign_in(client, officer)

    client.post(reverse("certificates:revoke", args=[certificate.number]), {"reason": "Fraud"})

    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED


def test_r_crt_6_provider_users_cannot_replace_or_revoke(client, provider, provider_admin):
    certificate = CertificateFactory(provider=provider)
    sign_in(client, provider_admin)

    revoke = client.post(reverse("certificates:revoke", args=[certificate.number]), {"reason": "x"})
    replace = client.get(reverse("certificates:replace", args=[certificate.number]))

    assert (revoke.status_code, replace.status_code) == (403, 403)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID


def test_a_batch_page_shows_progress_and_the_json_feeds_the_polling_script(
    client, provider, provider_admin
):
    certificates = CertificateFactory.create_batch(2, provider=provider)
    job = services.render_job_create(
        provider=provider, certificates=certificates, acting_user=None, batch_key="Run 12"
    )
    sign_in(client, provider_admin)

    page = client.get(reverse("certificates:job_detail", args=[job.pk])).content.decode()
    progress = client.get(reverse("certificates:job_progress", args=[job.pk])).json()

    assert "0 of 2" in page
    assert "render-progress.js" in page
    assert progress == {
        "status": "queued",
        "status_label": "Queued",
        "rendered": 0,
        "total": 2,
        "percent": 0,
        "finished": False,
        "error": "",
        "stalled": "",
    }


def test_r_crt_3_a_provider_downloads_a_batch_as_a_zip(client, provider, provider_admin):
    certificates = [_rendered(provider=provider) for _ in range(2)]
    job = services.render_job_create(provider=provider, certificates=certificates, acting_user=None)
    sign_in(client, provider_admin)

    response = client.get(reverse("certificates:job_zip", args=[job.pk]))

    assert response["Content-Type"] == "application/zip"


def test_ao_staff_print_a_batch_and_providers_cannot(client, provider, provider_admin, officer):
    certificates = [_rendered(provider=provider) for _ in range(2)]
    job = services.render_job_create(provider=provider, certificates=certificates, acting_user=None)

    sign_in(client, officer)
    printed = client.get(reverse("certificates:job_print", args=[job.pk]))
    sign_in(client, provider_admin)
    refused = client.get(reverse("certificates:job_print", args=[job.pk]))

    assert printed["Content-Type"] == "application/pdf"
    assert refused.status_code == 403


def test_r_acc_6_another_providers_batch_is_not_found(client, provider_admin):
    other = CertificateFactory()
    job = services.render_job_create(
        provider=other.provider, certificates=[other], acting_user=None
    )
    sign_in(client, provider_admin)

    assert client.get(reverse("certificates:job_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("certificates:job_zip", args=[job.pk])).status_code == 404


def test_r_acc_5_the_menu_offers_certificates_to_those_who_may_see_them(
    client, officer, provider_admin, catalogue_manager
):
    for user, shown in ((officer, True), (provider_admin, True), (catalogue_manager, False)):
        client.logout()
        sign_in(client, user)
        page = client.get(reverse("dashboard")).content.decode()
        assert (f'href="{reverse("certificates:list")}"' in page) is shown, user


def test_the_bench_only_view_is_off_unless_the_bench_turns_it_on(client, settings):
    assert client.get(reverse("certificates:bench_trivial")).status_code == 404
    settings.CERTIFICATES_BENCH_TRIVIAL_VIEW = True
    assert client.get(reverse("certificates:bench_trivial")).status_code == 200


# --- robustness: junk input, stored PDFs, job errors, replaced and revoked downloads --------


def test_nul_bytes_in_the_search_do_not_break_the_certificate_list(client, officer):
    sign_in(client, officer)

    response = client.get(reverse("certificates:list"), {"q": "Zo\x00e"})

    assert response.status_code == 200


@pytest.mark.parametrize("number", ["%00", "ABC%00DEF", "x" * 300, "7KQ4M-2XHPR%00"])
def test_junk_in_a_certificate_number_in_the_url_is_not_found(client, officer, number):
    sign_in(client, officer)

    response = client.get(f"/certificates/{number}/")

    assert response.status_code == 404


def test_an_altered_stored_pdf_gives_a_clear_message_not_a_server_error(
    client, provider, provider_admin
):
    certificate = _rendered(provider=provider)
    with open(certificate.pdf.path, "ab") as handle:
        handle.write(b"tampered")
    sign_in(client, provider_admin)

    response = client.get(reverse("certificates:pdf", args=[certificate.number]), follow=True)

    assert response.status_code == 200
    assert "failed its integrity check" in response.content.decode()
    assert AuditEvent.objects.filter(action="certificate.pdf_integrity_failed").exists()


def test_a_provider_user_sees_a_plain_message_when_rendering_failed_not_the_error(
    client, provider, provider_admin, officer
):
    from certificates.models import RenderJob
    from certificates.tests.factories import RenderJobFactory

    job = RenderJobFactory(
        provider=provider,
        status=RenderJob.Status.FAILED,
        error='OperationalError: connection to server at "10.0.0.5" failed',
    )
    sign_in(client, provider_admin)

    page = client.get(reverse("certificates:job_detail", args=[job.pk])).content.decode()
    progress = client.get(reverse("certificates:job_progress", args=[job.pk])).json()

    assert "10.0.0.5" not in page
    assert "10.0.0.5" not in progress["error"]
    assert "Rendering stopped" in progress["error"]
    client.logout()
    sign_in(client, officer)
    assert (
        "10.0.0.5"
        in client.get(reverse("certificates:job_progress", args=[job.pk])).json()["error"]
    )


def test_r_crt_6_a_provider_downloading_a_replaced_certificate_gets_the_replacement(
    client, provider, provider_admin, officer
):
    old = _rendered(provider=provider)
    new = services.certificate_replace(
        certificate=old, reason="Lost", fee_pence=0, acting_user=officer, render=False
    )
    services.certificates_render(certificate_ids=[new.pk])
    sign_in(client, provider_admin)

    response = client.get(reverse("certificates:pdf", args=[old.number]))

    assert response.status_code == 302
    assert response.url == reverse("certificates:pdf", args=[new.number])


def test_r_crt_6_a_provider_downloading_a_revoked_certificate_is_told_why(
    client, provider, provider_admin, officer
):
    certificate = _rendered(provider=provider)
    services.certificate_revoke(certificate=certificate, reason="Malpractice", acting_user=officer)
    sign_in(client, provider_admin)

    response = client.get(reverse("certificates:pdf", args=[certificate.number]), follow=True)

    assert response.headers["Content-Type"].startswith("text/html")
    assert "has been revoked" in response.content.decode()


def test_r_acc_7_reading_a_batch_page_is_audited(client, provider, provider_admin):
    from certificates.tests.factories import RenderJobFactory

    job = RenderJobFactory(provider=provider)
    sign_in(client, provider_admin)

    client.get(reverse("certificates:job_detail", args=[job.pk]))

    assert AuditEvent.objects.filter(
        action="certificate.batch_viewed", actor=provider_admin
    ).exists()
