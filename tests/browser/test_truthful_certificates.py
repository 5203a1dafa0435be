"""Certificates that tell the truth (issue 14 item 10): the public checks a unit certificate and
a replacement, and a certification officer finds a revoked certificate's PDF refused and reads
the replacement's and the unit certificate's PDFs (R-RES-2, R-CRT-2, R-CRT-6)."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.demo import DEMO_FILE

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _demo_certificates() -> list[dict]:
    return json.loads(DEMO_FILE.read_text())["certificates"]


def _check(page, name: str, number: str) -> None:
    page.goto("/verify/")
    page.get_by_label("Learner's name", exact=True).fill(name)
    page.get_by_label("Certificate number", exact=True).fill(number)
    page.get_by_role("button", name="Check certificate").click()


def _open(page, search: str, number: str) -> None:
    page.goto("/certificates/")
    page.get_by_label("Learner name, certificate number or qualification").fill(search)
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.get_by_role("heading", name=f"Certificate {number}", exact=True)).to_be_visible()


def _download_text(page) -> str:
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF e-certificate").click()
    content = Path(download.value.path()).read_bytes()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def test_the_public_checks_a_unit_certificate_and_a_replacement(page):
    call_command("seed_demo")
    certificates = _demo_certificates()
    unit = next(c for c in certificates if c["learner_name"] == "Hana Kowalczyk")
    replaced = next(c for c in certificates if c["status"] == "replaced")
    replacement = next(c for c in certificates if c["replaces"] == replaced["number"])

    _check(page, unit["learner_name"], unit["number"])
    expect(page.get_by_role("heading", name="This certificate is valid")).to_be_visible()
    expect(
        page.get_by_text(
            "Units achieved towards the qualification Level 2 Diploma in Professional Cookery"
        )
    ).to_be_visible()
    units = page.get_by_role("table", name="Units achieved")
    expect(units.get_by_role("row")).to_have_count(3)  # the header and two units
    assert_accessible(page)

    _check(page, replacement["learner_name"], replacement["number"])
    expect(page.get_by_role("heading", name="This certificate is valid")).to_be_visible()
    expect(page.get_by_text(f"It replaces certificate {replaced['number']}.")).to_be_visible()
    assert_accessible(page)


def test_an_officer_finds_a_revoked_pdf_refused_and_reads_the_replacement_and_unit_pdfs(page):
    call_command("seed_demo")
    certificates = _demo_certificates()
    revoked = next(c for c in certificates if c["status"] == "revoked")
    replaced = next(c for c in certificates if c["status"] == "replaced")
    replacement = next(c for c in certificates if c["replaces"] == replaced["number"])
    unit = next(c for c in certificates if c["learner_name"] == "Hana Kowalczyk")
    sign_in_as(page, "grace.lin")

    _open(page, revoked["learner_name"], revoked["number"])
    expect(page.get_by_text("its PDF is no longer available to anyone")).to_be_visible()
    expect(page.get_by_role("link", name="Download the PDF e-certificate")).to_have_count(0)
    assert_accessible(page)

    # A link to its PDF kept from before it was revoked.
    response = page.goto(f"/certificates/{revoked['number'].replace('-', '')}/certificate.pdf")
    assert response is not None and response.status == 410
    expect(
        page.get_by_role("heading", name=f"Certificate {revoked['number']} has been revoked")
    ).to_be_visible()
    expect(page.get_by_text("its PDF cannot be downloaded")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=f"Back to certificate {revoked['number']}").click()
    expect(page.get_by_role("heading", name=f"Certificate {revoked['number']}")).to_be_visible()

    _open(page, replacement["number"], replacement["number"])
    expect(page.get_by_text("Replacement certificate, issued")).to_be_visible()
    assert_accessible(page)
    text = _download_text(page)
    assert "Replacement certificate, issued" in text
    assert f"It replaces certificate {replaced['number']}, which is no longer valid." in text

    _open(page, unit["number"], unit["number"])
    expect(page.get_by_text("Units achieved towards Level 2 Diploma")).to_be_visible()
    assert_accessible(page)
    text = _download_text(page)
    assert "Certificate of Unit Achievement" in text
    assert "has achieved the units listed below towards the qualification" in text
    assert "has been awarded" not in text
