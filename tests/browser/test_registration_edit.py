"""The AO's super user corrects a registration on its edit form (R-REG-10), giving a reason."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_r_reg_10_ada_edits_a_registration_and_must_say_why(page):
    call_command("seed_demo")
    from registrations.models import Registration

    registration = Registration.objects.filter(
        voided_at__isnull=True, registration_number__isnull=False
    ).first()
    sign_in_as(page, "ada.okafor")

    page.goto(f"/learners/{registration.learner_id}/")
    assert_accessible(page)
    page.get_by_role("link", name="Edit registration").first.click()
    expect(page.get_by_role("heading", name="Edit registration")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Postal tracking reference").fill("RM123456789GB")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("Enter the reason for this change")
    expect(page.get_by_label("Postal tracking reference")).to_have_value("RM123456789GB")
    assert_accessible(page)

    page.get_by_label("Reason for the change").fill("Tracking reference from the carrier")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("The registration is saved")
    assert_accessible(page)
