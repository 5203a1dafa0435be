"""A college registers a cohort from one CSV (issue 14 item 1): Validate, read the report with
the learners it updates and the rows it stops, Upload, then export the learners and import the
export again, which changes nothing."""

import csv
import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_r_lrn_1_r_reg_5_lucy_imports_a_cohort_and_re_imports_the_export_unchanged(page, tmp_path):
    call_command("seed_demo")
    from learners.csv_columns import ALL_COLUMNS
    from learners.csv_demo import sample_rows
    from learners.models import Learner
    from providers.models import Provider

    provider = Provider.objects.get(centre_number="10042")
    rows = sample_rows(provider)  # 12 new, 1 update by ULN, the same learner twice, a bad ULN
    before = Learner.objects.filter(provider=provider).count()
    upload = tmp_path / "riverside-learners.csv"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([label for _, label in ALL_COLUMNS])
    writer.writerows(rows)
    upload.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode())

    sign_in_as(page, "lucy.evans")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Learners").click()
    page.get_by_role("link", name="Import learners").click()
    expect(page.get_by_role("heading", name="Import learners")).to_be_visible()
    guide = page.get_by_role("complementary")
    expect(guide).to_contain_text("Date of birth (mandatory)")
    expect(guide).to_contain_text("Qualification number (optional: registers the learner)")
    expect(guide.get_by_role("link", name="Download sample file")).to_be_visible()
    assert_accessible(page)

    # No file chosen: the error is at the field.
    page.get_by_role("button", name="Validate").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".field-error")).to_contain_text("Choose the CSV file to import.")
    assert_accessible(page)

    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Validate").click()
    expect(page.get_by_role("heading", name="Validation report")).to_be_visible()
    expect(page.locator(".report-counts")).to_contain_text("13 of 15 records can be imported")
    expect(page.locator(".report-counts")).to_contain_text("(12 registration requests)")
    errors = page.get_by_role("table", name="Errors")
    expect(errors).to_contain_text("This learner is also in row 2")
    expect(errors).to_contain_text("the last digit does not match")  # R-LRN-1
    expect(page.locator("main")).not_to_contain_text("R-LRN")
    matches = page.get_by_role("table", name="Learners already at your centre")
    expect(matches).to_contain_text("ULN")
    expect(matches).to_contain_text("Updates Address line 1")
    assert_accessible(page)

    page.get_by_role("button", name="Upload accepted records").click()
    expect(page.get_by_role("heading", name="Upload report")).to_be_visible()
    expect(page.get_by_text("12 learners added, 1 updated, 0 already up to date")).to_be_visible()
    issued = page.get_by_role("table", name="Registration numbers issued")
    expect(issued.get_by_role("row")).to_have_count(13)  # R-REG-5: numbered on acceptance
    assert_accessible(page)
    assert Learner.objects.filter(provider=provider).count() == before + 12

    # The export has the import's layout: importing it again changes nothing.
    page.get_by_role("link", name="Learners", exact=True).first.click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export these learners (CSV)").click()
    exported = tmp_path / "exported.csv"
    exported.write_bytes(download_info.value.path().read_bytes())
    page.get_by_role("link", name="Import learners").click()
    page.get_by_label("CSV file").set_input_files(str(exported))
    page.get_by_role("button", name="Validate").click()
    expect(page.get_by_role("heading", name="Validation report")).to_be_visible()
    count = before + 12
    expect(page.locator(".report-counts")).to_contain_text(
        f"{count} of {count} records can be imported"
    )
    expect(page.locator(".report-counts")).to_contain_text("0 errors found")
    matches = page.get_by_role("table", name="Learners already at your centre")
    expect(matches.get_by_role("row", name="No changes")).to_have_count(count)
    assert_accessible(page)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("status")).to_contain_text("Import cancelled. Nothing was changed.")
    expect(page.get_by_role("heading", name="Import learners")).to_be_visible()
