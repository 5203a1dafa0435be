"""Certificates that say what they are: unit certificates, replacements and revoked PDFs
(R-RES-2, R-CRT-2, R-CRT-6). PDFs are read back as text, as a reader would see them."""

import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from accounts.tests.helpers import sign_in
from audit.models import AuditEvent
from certificates import services
from certificates.models import Certificate

pytestmark = pytest.mark.django_db

UNITS = [
    {"reference": "R/615/1234", "title": "Preparing food safely", "grade": "Pass"},
    {"reference": "T/615/1235", "title": "Working in a professional kitchen", "grade": "Merit"},
]


def _words(content: bytes) -> str:
    """The PDF's text with its line breaks and runs of spaces read as single spaces."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def _issue(provider, *, reference: str, **overrides) -> Certificate:
    fields = {
        "provider": provider,
        "achievement_reference": reference,
        "learner_name": "Hana Kowalczyk",
        "qualification_number": "600/6539/1",
        "qualification_title": "Level 2 Diploma in Professional Cookery",
        "units": UNITS,
        "grade": "",
        "award_date": datetime.date(2025, 12, 5),
        "acting_user": None,
        "render": False,
        **overrides,
    }
    certificate = services.certificate_issue(**fields)
    services.certificates_render(certificate_ids=[certificate.pk])
    certificate.refresh_from_db()
    return certificate


def _unit_certificate(provider) -> Certificate:
    return _issue(provider, reference=services.unit_achievement_reference(41))


def _replaced(provider, officer) -> tuple[Certificate, Certificate]:
    old = _issue(provider, reference="registration:42", grade="Merit", units=[])
    with time_machine.travel(datetime.datetime(2026, 1, 14, 10, 0, tzinfo=datetime.UTC)):
        new = services.certificate_replace(
            certificate=old,
            reason="Lost in the post",
            fee_pence=2500,
            acting_user=officer,
            render=False,
        )
    services.certificates_render(certificate_ids=[new.pk])
    old.refresh_from_db()
    new.refresh_from_db()
    return old, new


# --- unit certificates (R-RES-2) -------------------------------------------------------------


def test_r_res_2_a_unit_certificate_pdf_lists_its_units_towards_the_named_qualification(provider):
    certificate = _unit_certificate(provider)

    text = _words(certificate.pdf.read())

    assert "Certificate of Unit Achievement" in text
    assert (
        "Hana Kowalczyk has achieved the units listed below towards the qualification "
        "Level 2 Diploma in Professional Cookery" in text
    )
    assert "R/615/1234 Preparing food safely Pass" in text
    assert "T/615/1235 Working in a professional kitchen Merit" in text
    assert "has been awarded" not in text
    assert "Grade:" not in text


def test_r_res_2_a_qualification_certificate_still_says_awarded_with_its_grade(provider):
    certificate = _issue(provider, reference="registration:40", grade="Merit")

    text = _words(certificate.pdf.read())

    assert "Certificate of Achievement" in text
    assert "Unit Achievement" not in text
    assert "has been awarded Level 2 Diploma in Professional Cookery" in text
    assert "Grade: Merit" in text


def test_r_crt_2_the_check_page_words_a_unit_certificate_as_units_towards_the_qualification(
    client, provider
):
    certificate = _unit_certificate(provider)

    page = client.get(reverse("certificates:check_by_token", args=[certificate.qr_token]))

    body = " ".join(page.content.decode().split())
    assert "This certificate is valid" in body
    assert (
        "Units achieved towards the qualification Level 2 Diploma in Professional Cookery "
        "(600/6539/1). This certificate is for the units listed, not for the qualification "
        "itself." in body
    )
    assert "<caption>Units achieved</caption>" in body
    assert "<dt>Grade</dt>" not in body


# --- replacements (R-CRT-6) ------------------------------------------------------------------


def test_r_crt_6_a_replacement_pdf_says_so_with_its_date_and_the_number_it_replaces(
    provider, officer
):
    old, new = _replaced(provider, officer)

    text = _words(new.pdf.read())

    assert (
        "Replacement certificate, issued 14 January 2026. It replaces certificate "
        f"{old.display_number}, which is no longer valid." in text
    )
    assert new.display_number in text
    assert "Replacement" not in _words(old.pdf.read())


def test_r_crt_6_the_check_page_marks_a_replacement_with_its_date_and_the_number_replaced(
    client, provider, officer
):
    old, new = _replaced(provider, officer)

    page = client.get(reverse("certificates:check_by_token", args=[new.qr_token]))
    original = client.get(reverse("certificates:check_by_token", args=[old.qr_token]))

    body = " ".join(page.content.decode().split())
    assert "This certificate is valid" in body
    assert (
        "A replacement certificate, issued 14 January 2026. It replaces certificate "
        f"{old.display_number}." in body
    )
    assert "A replacement certificate" not in original.content.decode()
    assert "has been replaced by a later certificate" in original.content.decode()


def test_r_crt_6_the_certificate_page_marks_a_replacement_with_its_date(client, provider, officer):
    old, new = _replaced(provider, officer)
    sign_in(client, officer)

    body = client.get(reverse("certificates:detail", args=[new.number])).content.decode()

    assert "Replacement certificate, issued 14 January 2026. It replaces" in " ".join(body.split())
    assert old.display_number in body


# --- revoked certificates do not download (R-CRT-6, decision 0155) ----------------------------


@pytest.mark.parametrize("who", ["provider_admin", "officer"])
def test_r_crt_6_nobody_downloads_a_revoked_certificate_and_is_told_why(
    client, request, provider, officer, who
):
    certificate = _issue(provider, reference="registration:43", grade="Pass", units=[])
    services.certificate_revoke(
        certificate=certificate, reason="Issued in error after an appeal", acting_user=officer
    )
    sign_in(client, request.getfixturevalue(who))

    response = client.get(reverse("certificates:pdf", args=[certificate.number]))

    assert response.status_code == 410
    assert response.headers["Content-Type"].startswith("text/html")
    body = " ".join(response.content.decode().split())
    assert f"Certificate {certificate.display_number} has been revoked" in body
    assert "its PDF cannot be downloaded" in body
    assert "Reason: Issued in error after an appeal" in body
    assert not AuditEvent.objects.filter(action="certificate.download").exists()
    detail = client.get(reverse("certificates:detail", args=[certificate.number]))
    assert "Download the PDF" not in detail.content.decode()
    assert "its PDF is no longer available to anyone" in detail.content.decode()
