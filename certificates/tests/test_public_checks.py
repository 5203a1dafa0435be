"""Public checking: /verify/, /c/<token>, the PDF upload and /api/v1/verify (R-CRT-2, R-CRT-6)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils.html import escape

from certificates import check_buffer, services
from certificates.models import Certificate, CertificateCheck

from .factories import CertificateFactory

pytestmark = pytest.mark.django_db

NO_MATCH = "No certificate matches the name and number you entered"


@pytest.fixture
def certificate():
    return CertificateFactory(learner_name="Siobhán O'Kelleher", grade="Distinction")


def _checks():
    """The check records, once the buffer is written to PostgreSQL (as beat does)."""
    check_buffer.checks_flush()
    return CertificateCheck.objects


def _verify(client, name, number, **extra):
    return client.get(reverse("certificates:verify"), {"name": name, "number": number}, **extra)


def test_r_crt_2_the_check_page_needs_no_sign_in(client):
    response = client.get(reverse("certificates:verify"))

    assert response.status_code == 200
    assert "Check a certificate" in response.content.decode()


def test_r_crt_2_a_matching_name_and_number_shows_the_certificate_as_valid(client, certificate):
    response = _verify(client, "siobhan o'kelleher", certificate.display_number.lower())

    page = response.content.decode()
    assert response.status_code == 200
    assert "This certificate is valid" in page
    assert "Siobhán O&#x27;Kelleher" in page
    assert "Distinction" in page
    assert certificate.qualification_title in page
    assert "18 July 2025" in page


def test_r_crt_2_the_check_shows_nothing_the_certificate_does_not(client, certificate):
    page = _verify(client, certificate.learner_name, certificate.number).content.decode()

    assert certificate.provider.name not in page
    assert certificate.provider.centre_number not in page
    assert certificate.qr_token not in page
    assert certificate.achievement_reference not in page


def test_r_crt_2_a_wrong_name_and_a_wrong_number_get_the_same_generic_message(client, certificate):
    wrong_name = _verify(client, "Someone Else", certificate.number).content.decode()
    other = CertificateFactory.build().number
    wrong_number = _verify(client, certificate.learner_name, other).content.decode()

    for page in (wrong_name, wrong_number):
        assert NO_MATCH in page
        assert certificate.learner_name not in page
        assert "is valid" not in page


def test_a_mistyped_number_is_explained_and_what_was_typed_is_kept(client, certificate):
    typo = certificate.number[:9] + ("0" if certificate.number[9] != "0" else "1")

    page = _verify(client, "Siobhán", typo).content.decode()

    assert "typing mistake" in page
    assert 'value="Siobhán"' in page
    assert _checks().count() == 0


def test_a_missing_name_is_explained(client, certificate):
    page = _verify(client, "", certificate.number).content.decode()

    assert "Enter the learner" in page


def test_r_crt_6_a_replaced_certificate_checks_as_replaced(client, certificate):
    from accounts.roles import Role
    from accounts.tests.factories import AOStaffFactory

    officer = AOStaffFactory(roles=[Role.CERTIFICATION_OFFICER])
    services.certificate_replace(
        certificate=certificate, reason="Lost", fee_pence=2500, acting_user=officer, render=False
    )

    page = _verify(client, certificate.learner_name, certificate.number).content.decode()

    assert "replaced by a later certificate" in page
    assert "is valid" not in page


def test_r_crt_6_a_revoked_certificate_checks_as_revoked_without_the_reason(client):
    certificate = CertificateFactory(status=Certificate.Status.REVOKED, status_reason="Malpractice")

    page = _verify(client, certificate.learner_name, certificate.number).content.decode()

    assert "This certificate has been revoked" in page
    assert "Malpractice" not in page


def test_r_crt_2_every_check_is_recorded_with_its_outcome(client, certificate):
    _verify(client, certificate.learner_name, certificate.number)
    _verify(client, "Wrong Name", certificate.number)
    client.get(reverse("certificates:check_by_token", args=[certificate.qr_token]))

    checks = list(_checks().order_by("pk").values_list("method", "outcome", "certificate"))
    assert checks == [
        ("name_number", "match", certificate.pk),
        ("name_number", "no_match", None),
        ("qr_code", "match", certificate.pk),
    ]


def test_r_crt_2_the_qr_link_opens_the_check_directly(client, certificate):
    response = client.get(reverse("certificates:check_by_token", args=[certificate.qr_token]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "This certificate is valid" in page
    assert certificate.display_number in page


def test_r_crt_2_an_unknown_qr_token_gets_the_generic_message(client):
    response = client.get(reverse("certificates:check_by_token", args=["x" * 32]))

    assert response.status_code == 404
    assert "No certificate matches this link" in response.content.decode()


@override_settings(CERTIFICATE_CHECK_LIMIT_PER_NUMBER_TOTAL=(3, 600))
def test_r_crt_2_checks_of_one_number_are_throttled_with_a_clear_message(client, certificate):
    for index in range(3):
        _verify(client, f"Guess {index}", certificate.number, REMOTE_ADDR=f"10.0.0.{index}")

    response = _verify(client, certificate.learner_name, certificate.number, REMOTE_ADDR="10.0.1.1")

    assert response.status_code == 429
    assert "checked too many times" in response.content.decode()
    assert "is valid" not in response.content.decode()
    assert _checks().filter(outcome="throttled").count() == 1


@override_settings(CERTIFICATE_CHECK_LIMIT_PER_ADDRESS=(2, 600))
def test_r_crt_2_checks_from_one_address_are_throttled(client, certificate):
    url = reverse("certificates:check_by_token", args=[certificate.qr_token])
    client.get(url)
    client.get(url)

    response = client.get(url)

    assert response.status_code == 429
    assert "Too many certificate checks have come from your network" in response.content.decode()


# --- is this PDF genuine? ----------------------------------------------------------------


@pytest.fixture
def rendered(certificate):
    services.certificates_render(certificate_ids=[certificate.pk])
    certificate.refresh_from_db()
    return certificate


def _upload(client, content, name="certificate.pdf"):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(reverse("certificates:verify"), {"file": upload})


def test_an_issued_pdf_uploaded_unchanged_is_recognised(client, rendered):
    page = _upload(client, rendered.pdf.read()).content.decode()

    assert "This certificate is valid" in page
    assert rendered.display_number in page
    assert _checks().get().method == CertificateCheck.Method.PDF_UPLOAD


def test_a_pdf_changed_by_one_byte_is_not_recognised(client, rendered):
    content = bytearray(rendered.pdf.read())
    content[-20] ^= 1

    page = _upload(client, bytes(content)).content.decode()

    assert "is not, byte for byte, a certificate PDF" in page
    assert rendered.learner_name not in page


def test_a_file_that_is_not_a_pdf_is_explained(client):
    page = _upload(client, b"PK\x03\x04 not a pdf", name="certificate.zip").content.decode()

    assert "This file is not a PDF" in page


@override_settings(CERTIFICATE_PDF_UPLOAD_MAX_BYTES=1024)
def test_a_file_too_large_is_explained(client):
    page = _upload(client, b"%PDF-1.7\n" + b"0" * 4096).content.decode()

    assert "a certificate PDF is never more than" in page


@override_settings(CERTIFICATE_PDF_UPLOAD_MAX_BYTES=1024)
def test_a_very_large_upload_is_refused_from_its_declared_length(client):
    page = _upload(client, b"%PDF-1.7\n" + b"0" * 200_000).content.decode()

    assert "a certificate PDF is never more than" in page
    assert _checks().count() == 0


# --- the JSON API -----------------------------------------------------------------------


def test_r_crt_2_the_api_answers_a_match_with_only_what_the_certificate_shows(client, certificate):
    response = client.get(
        "/api/v1/verify", {"name": "SIOBHAN O'KELLEHER", "number": certificate.number}
    )

    body = response.json()
    assert response.status_code == 200
    assert body["matches"] is True
    assert body["certificate"] == {
        "certificate_number": certificate.display_number,
        "learner_name": "Siobhán O'Kelleher",
        "qualification_number": certificate.qualification_number,
        "qualification_title": certificate.qualification_title,
        "units": [],
        "grade": "Distinction",
        "award_date": "2025-07-18",
        "awarding_organisation": "Northgate Awards",
        "status": "valid",
        "status_label": "Valid",
    }
    assert _checks().get().method == CertificateCheck.Method.API


def test_r_crt_2_the_api_gives_one_generic_answer_for_no_match(client, certificate):
    body = client.get("/api/v1/verify", {"name": "Nobody", "number": certificate.number}).json()

    assert body["matches"] is False
    assert body["certificate"] is None
    assert "No certificate matches" in body["detail"]


def test_the_api_explains_bad_input(client):
    response = client.get("/api/v1/verify", {"number": "ABC"})

    assert response.status_code == 400
    assert "name" in response.json()
    assert "10 letters and digits" in response.json()["number"][0]


@override_settings(CERTIFICATE_CHECK_LIMIT_PER_NUMBER=(1, 600))
def test_r_crt_2_the_api_is_throttled_like_the_page(client, certificate):
    client.get("/api/v1/verify", {"name": "Nobody", "number": certificate.number})

    response = client.get("/api/v1/verify", {"name": "Nobody", "number": certificate.number})

    assert response.status_code == 429
    assert response["Retry-After"] == "600"


@override_settings(CERTIFICATE_CHECK_LIMIT_PER_NUMBER=(3, 600))
def test_r_crt_2_correct_checks_cannot_lock_a_certificate_out_of_checking(client, certificate):
    for _ in range(10):
        response = client.get(
            "/verify/", {"name": certificate.learner_name, "number": certificate.number}
        )
        assert response.status_code == 200

    assert "This certificate is valid" in response.content.decode()


@override_settings(CERTIFICATE_CHECK_LIMIT_PER_NUMBER=(3, 600))
def test_r_crt_2_failed_guesses_of_a_name_throttle_the_number(client, certificate):
    for guess in range(3):
        client.get("/verify/", {"name": f"Guess {guess}", "number": certificate.number})

    response = client.get(
        "/verify/", {"name": certificate.learner_name, "number": certificate.number}
    )

    assert response.status_code == 429
    assert "checked too many times" in response.content.decode()


def test_r_crt_2_a_wrong_name_and_a_wrong_number_give_equal_status_and_equal_pages(
    client, certificate
):
    other = CertificateFactory.build().number
    wrong_name = _verify(client, "Aaaaaaa Bbbbbbbbbb", certificate.number)
    wrong_number = _verify(client, certificate.learner_name, other)

    def without_inputs(response, name, number):
        # The form echoes what was typed; everything else must be identical.
        page = response.content.decode()
        for echoed in (name, number, escape(name)):
            page = page.replace(echoed, "")
        return page.replace(escape(certificate.learner_name), "")

    assert wrong_name.status_code == wrong_number.status_code == 200
    assert without_inputs(wrong_name, "Aaaaaaa Bbbbbbbbbb", certificate.number) == without_inputs(
        wrong_number, certificate.learner_name, other
    )


@pytest.mark.parametrize(
    "typed",
    ["Siobhan OKelleher", "siobhán o kelleher", "Siobhán O\u2019Kelleher", "Siobhan O-Kelleher."],
)
def test_r_crt_2_names_match_whatever_the_punctuation(client, certificate, typed):
    page = _verify(client, typed, certificate.number).content.decode()

    assert "This certificate is valid" in page


@pytest.mark.parametrize(
    "separator", ["\u2010", "\u2011", "\u2212", "\u200b", "\ufeff", "\u00a0", "\u2013"]
)
def test_r_crt_2_a_number_pasted_with_unicode_hyphens_or_invisible_characters_matches(
    client, certificate, separator
):
    typed = certificate.number[:5] + separator + certificate.number[5:]

    page = _verify(client, certificate.learner_name, typed).content.decode()

    assert "This certificate is valid" in page


def test_r_crt_2_public_results_are_never_kept_by_a_shared_cache(client, certificate):
    by_name = _verify(client, certificate.learner_name, certificate.number)
    by_token = client.get(f"/c/{certificate.qr_token}")

    assert by_name["Cache-Control"] == "no-store"
    assert by_token["Cache-Control"] == "no-store"


def test_r_crt_2_the_qr_link_answers_head_requests(client, certificate):
    assert client.head(f"/c/{certificate.qr_token}").status_code == 200


def test_a_check_form_with_mistakes_says_error_in_the_page_title(client):
    page = _verify(client, "", "").content.decode()

    assert "<title>Error:" in page


@override_settings(CERTIFICATE_CHECK_LIMIT_PER_NUMBER=(1, 600))
def test_r_crt_2_a_throttled_check_page_says_when_to_retry_in_its_headers(client, certificate):
    _verify(client, "Wrong Name", certificate.number)

    response = _verify(client, certificate.learner_name, certificate.number)

    assert response.status_code == 429
    assert response["Retry-After"] == "600"


# --- nobody can lock a certificate's check for everyone (decision 0091) ---------------------


def test_r_crt_2_an_honest_check_survives_a_guesser(client, certificate):
    for guess in range(12):
        _verify(client, f"Guess {guess}", certificate.number, REMOTE_ADDR="203.0.113.5")
    guesser = _verify(
        client, certificate.learner_name, certificate.number, REMOTE_ADDR="203.0.113.5"
    )
    assert guesser.status_code == 429

    employer = _verify(
        client, certificate.learner_name, certificate.number, REMOTE_ADDR="198.51.100.20"
    )
    by_qr = client.get(
        reverse("certificates:check_by_token", args=[certificate.qr_token]),
        REMOTE_ADDR="203.0.113.5",
    )

    assert employer.status_code == 200
    assert "This certificate is valid" in employer.content.decode()
    assert by_qr.status_code == 200
    assert "This certificate is valid" in by_qr.content.decode()


@override_settings(CERTIFICATE_CHECK_LIMIT_PER_NUMBER_TOTAL=(4, 600))
def test_r_crt_2_a_number_locked_by_many_guessers_says_how_to_check_by_qr_code(client, certificate):
    for index in range(4):
        _verify(client, "Wrong Name", certificate.number, REMOTE_ADDR=f"203.0.113.{index}")

    page = _verify(client, certificate.learner_name, certificate.number, REMOTE_ADDR="192.0.2.1")
    by_qr = client.get(
        reverse("certificates:check_by_token", args=[certificate.qr_token]),
        REMOTE_ADDR="192.0.2.1",
    )

    assert page.status_code == 429
    assert "scan its QR code instead" in page.content.decode()
    assert by_qr.status_code == 200
