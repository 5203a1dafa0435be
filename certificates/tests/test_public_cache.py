"""The public check answers from a cache that a status change clears at once (R-CRT-2, R-CRT-6)."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.helpers import sign_in
from certificates import public_cache, services

from .factories import CertificateFactory

pytestmark = pytest.mark.django_db


def _by_token(client, certificate):
    return client.get(reverse("certificates:check_by_token", args=[certificate.qr_token]))


def _by_number(client, name, number):
    return client.get(reverse("certificates:verify"), {"name": name, "number": number})


def test_a_second_check_of_a_certificate_needs_no_database_query(client):
    certificate = CertificateFactory()
    _by_token(client, certificate)

    with CaptureQueriesContext(connection) as queries:
        response = _by_token(client, certificate)

    assert "This certificate is valid" in response.content.decode()
    assert len(queries) == 0


def test_a_qr_check_keeps_the_answer_for_the_check_by_number_too(client):
    certificate = CertificateFactory(learner_name="Ada Lovelace")
    _by_token(client, certificate)

    with CaptureQueriesContext(connection) as queries:
        response = _by_number(client, "ada lovelace", certificate.display_number)

    assert "This certificate is valid" in response.content.decode()
    assert len(queries) == 0


def test_r_crt_2_a_wrong_number_is_answered_from_the_cache_like_a_wrong_name(client):
    """Both are kept after the first try, so timing cannot tell them apart either."""
    certificate = CertificateFactory(learner_name="Ada Lovelace")
    other = CertificateFactory.build().number  # well formed, never issued
    for name, number in (("Wrong Name", certificate.number), ("Ada Lovelace", other)):
        _by_number(client, name, number)
        with CaptureQueriesContext(connection) as queries:
            response = _by_number(client, name, number)
        assert "No certificate matches" in response.content.decode()
        assert len(queries) == 0


def test_r_crt_6_a_revoked_certificate_checks_as_revoked_at_once(
    client, django_capture_on_commit_callbacks, officer
):
    certificate = CertificateFactory()
    assert "This certificate is valid" in _by_token(client, certificate).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_revoke(certificate=certificate, reason="Fraud", acting_user=officer)

    assert "This certificate has been revoked" in _by_token(client, certificate).content.decode()


def test_r_crt_6_a_replaced_certificate_checks_as_replaced_at_once(
    client, django_capture_on_commit_callbacks, officer
):
    certificate = CertificateFactory(learner_name="Ada Lovelace")
    _by_number(client, "Ada Lovelace", certificate.number)

    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_replace(
            certificate=certificate,
            reason="Lost",
            fee_pence=2500,
            acting_user=officer,
            render=False,
        )

    page = _by_number(client, "Ada Lovelace", certificate.number).content.decode()
    assert "This certificate has been replaced by a later certificate" in page


def test_a_check_that_read_the_old_status_cannot_put_it_back_after_the_change(officer):
    certificate = CertificateFactory()
    stale = public_cache.token_key(certificate.qr_token)
    public_cache.forget(number=certificate.number, token=certificate.qr_token)

    public_cache.fill(keys=[stale], certificate=certificate)  # read before the commit

    client = public_cache._redis_client()
    assert public_cache.decode(client.get(stale)).hit is False


def test_a_number_tried_before_it_was_issued_matches_once_issued(
    client, django_capture_on_commit_callbacks, issue_kwargs
):
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_issue(**issue_kwargs, render=False)
    public_cache.fill(keys=[public_cache.number_key(certificate.number)], certificate=None)
    with django_capture_on_commit_callbacks(execute=True):
        # as issuing does for every new certificate, after its commit
        public_cache.forget_after_commit(certificate)

    page = _by_number(client, issue_kwargs["learner_name"], certificate.number).content.decode()
    assert "This certificate is valid" in page


def test_r_crt_2_checks_still_work_from_postgresql_when_redis_is_down(client):
    certificate = CertificateFactory()
    with (
        mock.patch("certificates.throttles._redis_client", return_value=None),
        mock.patch("certificates.public_cache._redis_client", return_value=None),
        mock.patch("certificates.check_buffer._redis_client", return_value=None),
    ):
        response = _by_token(client, certificate)

    assert "This certificate is valid" in response.content.decode()
    assert certificate.checks.count() == 1


def test_a_signed_in_visitor_gets_a_page_rendered_for_them(client, officer):
    certificate = CertificateFactory()
    _by_token(client, certificate)  # the anonymous page and the cache are ready
    sign_in(client, officer)

    page = _by_token(client, certificate).content.decode()

    assert "Signed in as" in page
    assert officer.full_name in page
    assert "This certificate is valid" in page


# --- the certificate in a kept answer is unpickled only when asked for (decision 0182) --------


def test_a_page_answered_from_the_cache_does_not_unpickle_the_certificate(client):
    certificate = CertificateFactory(learner_name="Ada Lovelace")
    _by_token(client, certificate)  # looked up and kept

    with mock.patch.object(public_cache.pickle, "loads", side_effect=AssertionError) as loads:
        by_token = _by_token(client, certificate)
        by_number = _by_number(client, "ada lovelace", certificate.display_number)

    assert loads.call_count == 0
    assert "This certificate is valid" in by_token.content.decode()
    assert "This certificate is valid" in by_number.content.decode()
    assert "Ada Lovelace" in by_number.content.decode()


def test_the_api_answered_from_the_cache_still_gives_the_certificate(client):
    certificate = CertificateFactory(learner_name="Ada Lovelace")
    _by_token(client, certificate)  # kept

    with CaptureQueriesContext(connection) as queries:
        body = client.get(
            "/api/v1/verify", {"name": "Ada Lovelace", "number": certificate.number}
        ).json()

    assert body["certificate"]["certificate_number"] == certificate.display_number
    assert body["certificate"]["learner_name"] == "Ada Lovelace"
    assert len(queries) == 0


def test_a_kept_certificate_that_cannot_be_unpickled_is_read_from_postgresql(caplog):
    certificate = CertificateFactory()
    kept = public_cache.encode(certificate, "<p>fragment</p>")
    broken = kept[: kept.index(b"<p>fragment</p>") + len(b"<p>fragment</p>")] + b"\x80\x05junk"
    public_cache._redis_client().set(public_cache.token_key(certificate.qr_token), broken)

    result = services.certificate_check_by_token(token=certificate.qr_token, client_address=None)

    assert result.matched and result.html == "<p>fragment</p>"
    assert result.certificate == certificate
    assert "unreadable certificate in the public check cache" in caplog.text


def test_an_answer_kept_in_the_form_before_the_fragment_came_first_is_still_read():
    certificate = CertificateFactory(learner_name="Ada Lovelace")
    html = public_cache.result_html(certificate)
    earlier = b"C%d\nadalovelace\n" % certificate.pk + public_cache.pickle.dumps(
        (certificate, html), protocol=5
    )
    public_cache._redis_client().set(public_cache.number_key(certificate.number), earlier)

    result = services.certificate_check_by_name_and_number(
        learner_name="Ada Lovelace", number=certificate.number, client_address=None
    )

    assert result.certificate == certificate and result.html == html
