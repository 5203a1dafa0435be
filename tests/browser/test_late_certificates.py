"""Late certificates in the browser (R-CRT-4, R-CRT-5): a centre finds the certificates of a
learner held back by a query, sent in a later consignment, on its Certificate Receipt Pending
report and confirms their receipt separately."""

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RUN = "Care results: held back by a query"


def _menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def test_r_crt_5_the_centre_confirms_receipt_of_late_certificates(page: Page):
    call_command("seed_demo")
    sign_in_as(page, "owen.hughes")

    _menu(page, "Receipt pending")
    pending = page.get_by_role("row").filter(has_text=f"{RUN}: late certificates")
    expect(pending).to_have_count(1)
    assert_accessible(page)
    pending.get_by_role("link", name="Confirm receipt of the late certificates").click()

    expect(
        page.get_by_role("heading", name=f"CRF Received: late certificates of {RUN}")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Date received").fill(f"{timezone.localdate():%d/%m/%Y}")
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_role("status")).to_contain_text("late certificates confirmed")
    expect(page.get_by_role("heading", name="Late certificates", exact=True)).to_be_visible()
    expect(page.get_by_text("for the late certificates in consignment")).to_be_visible()
    assert_accessible(page)
    _menu(page, "Receipt pending")
    expect(page.get_by_role("row").filter(has_text=f"{RUN}: late certificates")).to_have_count(0)
    assert_accessible(page)
