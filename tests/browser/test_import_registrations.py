"""A provider administrator imports a CSV with two bad rows, reads the report, downloads the
errors, uploads the accepted rows and finds them in the list (issue 4 acceptance, CSV half)."""

import csv
import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from registrations.csv_demo import sample_rows
from registrations.csv_format import IMPORT_COLUMNS

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_r_reg_8_lucy_imports_a_csv_with_two_bad_rows_and_uploads_the_accepted_ones(page, tmp_path):
    call_command("seed_demo")
    rows = sample_rows()  # three registration requests, a mistyped ULN, an impossible date
    upload = tmp_path / "riverside-cohort.csv"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([label for _, label in IMPORT_COLUMNS])
    writer.writerows(rows)
    upload.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode())

    sign_in_as(page, "lucy.evans")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Registrations").click()
    expect(page.get_by_role("heading", name="Registrations", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Import and update from CSV").click()
    expect(page.get_by_role("heading", name="Import and update registrations")).to_be_visible()
    expect(page.get_by_role("complementary")).to_contain_text(
        "Mandatory fields: Qualification Number, ULN, Status."
    )
    assert_accessible(page)
    page.get_by_label("CSV file").set_input_files(str(upload))
    expect(page.get_by_label("Comma ( , )")).to_be_checked()
    page.get_by_role("button", name="Validate").click()

    expect(page.get_by_role("heading", name="Validation report")).to_be_visible()
    expect(page.locator(".report-counts")).to_contain_text("3 of 5 records can be imported")
    expect(page.locator(".report-counts")).to_contain_text("2 errors found in 2 rows")
    errors = page.get_by_role("table", name="Errors")
    expect(errors.get_by_role("row")).to_have_count(3)
    expect(errors).to_contain_text(rows[3][1])
    expect(errors).to_contain_text("the last digit does not match")
    expect(errors).to_contain_text("31/02/2026")
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export errors as CSV").click()
    downloaded = download_info.value.path().read_text(encoding="utf-8-sig")
    error_rows = list(csv.reader(io.StringIO(downloaded)))
    assert error_rows[0] == ["Row", "Column", "Value", "Reason", "Outcome"]
    assert [(r[0], r[1]) for r in error_rows[1:]] == [("5", "ULN"), ("6", "Registration date")]

    page.get_by_role("button", name="Upload accepted records").click()
    expect(page.get_by_role("heading", name="Upload report")).to_be_visible()
    expect(page.get_by_text("3 records created, 0 updated")).to_be_visible()
    issued = page.get_by_role("table", name="Registration numbers issued")
    expect(issued.get_by_role("row")).to_have_count(4)
    assert_accessible(page)
    spoken = [
        issued.get_by_role("row").nth(i).get_by_role("cell").nth(3).inner_text() for i in (1, 2, 3)
    ]

    page.get_by_role("link", name="Registrations", exact=True).first.click()
    expect(page.get_by_role("heading", name="Registrations", exact=True)).to_be_visible()
    table = page.get_by_role("table", name="Registrations")
    for number in spoken:
        expect(table).to_contain_text(number.replace(" ", ""))
    assert_accessible(page)
