"""Reports in the browser (issue 14 item 11): the "Not known" report for a centre and its CSV
(R-LRN-6), and fee income from replacement certificates for AO staff (R-CRT-6)."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _downloaded_rows(download) -> list[list[str]]:
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_r_lrn_6_a_centre_reads_and_downloads_its_own_not_known_figures(page):
    call_command("seed_demo")
    sign_in_as(page, "sam.patel")  # Riverside College, with Data Export

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Not known report").click()
    expect(page.get_by_role("heading", name="“Not known” answers")).to_be_visible()
    table = page.get_by_role("table")
    expect(table).to_contain_text("Riverside College")
    expect(table).not_to_contain_text("Hillcrest Training")
    expect(page.locator("main")).not_to_contain_text("R-LRN")
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download this report as CSV").click()
    rows = _downloaded_rows(download.value)
    assert rows[0][:4] == ["Provider", "Centre number", "Learners", "Gender: Not known"]
    assert [row[0] for row in rows[1:]] == ["Riverside College"]


def test_r_crt_6_certification_staff_report_replacement_fee_income(page):
    call_command("seed_demo")  # one demo certificate is replaced, for a £25.00 fee
    sign_in_as(page, "grace.lin")  # certification officer

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Replacement fees").click()
    expect(page.get_by_role("heading", name="Replacement fee income")).to_be_visible()
    expect(page.get_by_text("1 replacement, £25.00")).to_be_visible()
    expect(page.get_by_role("table", name="By provider")).to_contain_text("£25.00")
    assert_accessible(page)

    page.get_by_label("From").fill("31/02/2026")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#id_date_from_error")).to_be_visible()
    expect(page.get_by_label("From")).to_have_value("31/02/2026")
    assert_accessible(page)

    page.get_by_label("From").fill("")
    page.get_by_role("button", name="Show").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the replacements as CSV").click()
    rows = _downloaded_rows(download.value)
    assert rows[0][:3] == ["Issued", "Certificate number", "Replaces"]
    assert len(rows) == 2 and rows[1][5] == "£25.00"
