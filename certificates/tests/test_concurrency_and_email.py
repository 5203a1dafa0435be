"""Issuing from two connections at once, provider emails, and what the list page counts."""

import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.helpers import sign_in
from certificates import services
from certificates.models import Certificate

from .factories import CertificateCheckFactory, CertificateFactory


@pytest.mark.django_db(transaction=True)
def test_r_crt_1_two_workers_issuing_one_achievement_at_once_get_one_certificate(issue_kwargs):
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def issue() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(services.certificate_issue(**issue_kwargs, render=False).pk)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(results) == 2
    assert results[0] == results[1]
    assert Certificate.objects.count() == 1


@pytest.mark.django_db
def test_r_crt_6_the_email_subject_keeps_apostrophes_and_ampersands_as_typed(
    provider, provider_admin, officer, django_capture_on_commit_callbacks
):
    certificate = CertificateFactory(provider=provider, learner_name="Zoë O'Brien & Co")

    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_revoke(certificate=certificate, reason="Error", acting_user=officer)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == (
        f"Certificate {certificate.display_number} for Zoë O'Brien & Co has been revoked"
    )


@pytest.mark.django_db
def test_r_crt_6_a_failed_email_releases_its_claim_so_the_retry_sends_it(
    provider, provider_admin, monkeypatch
):
    certificate = CertificateFactory(
        provider=provider, status=Certificate.Status.REVOKED, status_reason="Error"
    )

    def refuse(self, *args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    with pytest.raises(OSError):
        services.certificate_provider_notify(certificate_id=certificate.pk, event="revoked")
    certificate.refresh_from_db()
    assert certificate.provider_notified_at is None
    monkeypatch.undo()

    assert services.certificate_provider_notify(certificate_id=certificate.pk, event="revoked")
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_provider_users_list_pages_never_count_checks(client, provider, provider_admin):
    CertificateCheckFactory(certificate=CertificateFactory(provider=provider))
    sign_in(client, provider_admin)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("certificates:list"))

    assert response.status_code == 200
    assert not any("certificatecheck" in q["sql"] for q in queries.captured_queries)


@pytest.mark.django_db
def test_ao_staff_see_check_counts_computed_for_the_page_only(client, officer):
    certificate = CertificateFactory()
    CertificateCheckFactory.create_batch(3, certificate=certificate)
    sign_in(client, officer)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("certificates:list"))

    check_queries = [q["sql"] for q in queries.captured_queries if "certificatecheck" in q["sql"]]
    assert len(check_queries) == 1
    assert "IN (" in check_queries[0]
    assert "<td>3</td>" in response.content.decode()
