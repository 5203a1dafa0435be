"""A provider administrator registers one learner, correcting a mistyped ULN on the way
(issue 4 acceptance; the CSV half of that test lives with the importer)."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_r_lrn_1_lucy_registers_a_learner_after_correcting_a_mistyped_uln(page):
    call_command("seed_demo")
    sign_in_as(page, "lucy.evans")

    page.get_by_role("link", name="Register a learner").first.click()
    expect(page.get_by_role("heading", name="Register a learner")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Course run").select_option(index=1)
    uln = page.get_by_label("Unique Learner Number (ULN)")
    uln.fill("9276308687")
    uln.press("Tab")  # leaving the field checks it on the server, with the form's own rules
    uln_field = page.locator(".field", has=uln)
    expect(uln_field.locator(".error-message")).to_contain_text("the last digit does not match")
    expect(uln).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.get_by_label("Given name", exact=True).fill("Zoë")
    page.get_by_label("Family name", exact=True).fill("Okonkwo-Hart")
    page.get_by_label("Date of birth").fill("14/03/2005")
    page.get_by_label("Postcode").fill("ls1 5hd")
    page.get_by_label("Gender").select_option(label="Female")
    page.get_by_label("Ethnicity").select_option(label="Not known")
    page.get_by_label("Ability status (LLDD)").select_option(label="Not known")
    page.get_by_label("Prior attainment").select_option(label="Full level 2")
    page.get_by_label("Employment status").select_option(label="In paid employment")

    # Submitting with the ULN still wrong: the server says so at the field; nothing typed is lost.
    page.get_by_role("button", name="Register learner").click()
    expect(page.get_by_role("alert")).to_contain_text("ULN")
    expect(page.locator(".error-summary")).to_be_focused()  # keyboard users start at the list
    expect(page.get_by_label("Given name", exact=True)).to_have_value("Zoë")
    expect(page.get_by_label("Unique Learner Number (ULN)")).to_have_value("9276308687")
    assert_accessible(page)

    uln = page.get_by_label("Unique Learner Number (ULN)")
    uln.fill("9276308686")
    uln.press("Tab")
    expect(page.locator(".field", has=uln).locator(".error-message")).to_have_count(0)
    expect(page.locator('.error-summary a[href="#id_uln"]')).to_have_count(0)  # fixed: gone
    page.get_by_role("button", name="Register learner").click()

    expect(page.get_by_role("heading", name="Zoë Okonkwo-Hart")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Registration number: R ")
    expect(page.get_by_text("9276308686")).to_be_visible()
    expect(page.get_by_text("LS1 5HD")).to_be_visible()
    assert_accessible(page)
