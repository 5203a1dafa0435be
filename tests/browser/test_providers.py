"""Centres in the browser: a centre reads its own page (issue 14 item 7) and the AO manages
providers, their approvals and users (item 8), with the rules of R-REG-2."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_r_reg_2_our_centre_reads_its_address_and_lists_its_approved_qualifications(page):
    call_command("seed_demo")
    sign_in_as(page, "sam.patel")  # Riverside College

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Our centre").click()
    expect(page.get_by_role("heading", name="Riverside College", level=1)).to_be_visible()
    address = page.locator("address")
    expect(address).to_have_text("Park Lane CampusLeedsLS1 4AP")
    expect(address.locator("br")).to_have_count(2)
    expect(page.get_by_role("heading", name="Qualifications we are approved for")).to_be_visible()
    approvals = page.get_by_role("table", name="Qualifications we are approved for")
    expect(approvals).to_contain_text("601/2977/3")
    expect(approvals).to_contain_text("Level 3 Diploma in Health and Social Care")
    assert_accessible(page)


def test_r_reg_2_an_ao_super_user_adds_edits_and_approves_a_provider(page):
    call_command("seed_demo")
    sign_in_as(page, "ada.okafor")  # AO super user

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Providers").click()
    expect(page.get_by_role("heading", name="Providers")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Hillcrest Training Ltd").click()
    expect(page.get_by_role("heading", name="Hillcrest Training Ltd", level=1)).to_be_visible()
    expect(page.get_by_text("Off: paper certificates only")).to_be_visible()
    expect(page.get_by_role("table", name="Approvals per qualification")).to_contain_text(
        "500/7911/6"
    )
    expect(page.get_by_role("table", name="Users")).to_contain_text("Owen Hughes")
    assert_accessible(page)

    # Edit: a wrong UKPRN is shown at the field, and nothing typed is lost.
    page.get_by_role("link", name="Edit Hillcrest Training Ltd").click()
    expect(page.get_by_role("heading", name="Edit Hillcrest Training Ltd")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Contact telephone").fill("0117 496 0000")
    page.get_by_label("UKPRN").fill("2000778")
    page.get_by_label("E-certificates on").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".error-summary")).to_contain_text("UKPRN must be 8 digits starting with 1")
    expect(page.locator("#id_ukprn_error")).to_be_visible()
    expect(page.get_by_label("Contact telephone")).to_have_value("0117 496 0000")
    expect(page.get_by_label("E-certificates on")).to_be_checked()
    assert_accessible(page)
    page.get_by_label("UKPRN").fill("10007788")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Hillcrest Training Ltd saved.")
    expect(page.get_by_text("On: PDF certificates can be downloaded")).to_be_visible()
    expect(page.get_by_text("0117 496 0000")).to_be_visible()

    # Approve the centre for one more qualification, then withdraw it.
    page.get_by_label("Qualification", exact=True).select_option(
        label="603/4567/1 Level 2 Certificate in Customer Service"
    )
    page.get_by_role("button", name="Approve for this qualification").click()
    expect(page.get_by_role("status")).to_contain_text("is approved for 603/4567/1")
    page.get_by_role("button", name="Withdraw approval for 603/4567/1").click()
    expect(page.get_by_role("status")).to_contain_text("Approval for 603/4567/1")
    assert_accessible(page)

    # Add a new centre.
    page.get_by_role("link", name="All providers").click()
    page.get_by_role("link", name="Add a provider").click()
    page.get_by_label("Name", exact=True).fill("Northgate College")
    page.get_by_label("Centre number").fill("40404")
    page.get_by_label("UKPRN").fill("10055555")
    page.get_by_label("Address line 1").fill("1 Station Road")
    page.get_by_label("Town or city").fill("York")
    page.get_by_label("Postcode").fill("yo1 7hh")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Northgate College", level=1)).to_be_visible()
    expect(page.locator("address")).to_have_text("1 Station RoadYorkYO1 7HH")
    assert_accessible(page)

    # Every change is in the audit log, in words.
    page.goto("/audit/")
    log = page.get_by_role("table")
    expect(log).to_contain_text("Changed the provider Hillcrest Training Ltd")
    expect(log).to_contain_text("Contact telephone")
    expect(log).to_contain_text("Added the provider Northgate College")
    expect(log).not_to_contain_text("provider.update")
