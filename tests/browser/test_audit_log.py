"""The audit log in the browser: plain English, and it fits a 1280 px screen (R-ACC-7)."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from accounts.services import user_suspend
from audit.services import audit_record

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_r_acc_7_the_audit_log_reads_in_words_and_fits_a_1280_px_screen(page):
    call_command("seed_demo")
    admin = User.objects.get(username="ada.okafor")
    person = User.objects.get(username="sam.patel")
    user_suspend(
        user=person,
        acting_user=admin,
        reason="Left the college; access removed at the principal's written request " * 3,
    )
    audit_record(
        actor=admin,
        action="learner.update",
        object_type="learners.learner",
        object_id="1",
        after={"notes": "x" * 400},
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in_as(page, "ada.okafor")

    page.goto("/audit/")

    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.get_by_text("Suspended the account of Sam Patel (sam.patel)")).to_be_visible()
    expect(page.get_by_text("Status: Active → Suspended")).to_be_visible()
    fits = page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    table_fits = page.evaluate(
        "() => { const t = document.querySelector('table'); "
        "return t.scrollWidth <= t.parentElement.clientWidth; }"
    )
    assert fits and table_fits
    assert_accessible(page)
