"""The dashboard says what needs each person's attention, with counts and links, or that nothing
does (issue 14 item 4): R-RES-1 (verification, certification, queries), R-CRT-4 (dispatch),
R-CRT-5 (receipts due, with the deadline), R-ACC-5 (only what the user's roles open)."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _attention(page: Page):
    return page.get_by_role("region", name="Needs your attention")


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_r_res_1_r_crt_4_r_crt_5_each_person_follows_the_dashboard_to_their_work(page):
    call_command("seed_demo")

    # The certification officer: a course run to certificate and one to dispatch.
    sign_in_as(page, "grace.lin")
    attention = _attention(page)
    expect(
        attention.get_by_role("link", name="1 course run awaiting certification")
    ).to_be_visible()
    assert_accessible(page)
    attention.get_by_role("link", name="with certificates to dispatch").click()
    expect(page.get_by_role("heading", name="Dispatch", exact=True)).to_be_visible()
    expect(page.get_by_text("Care results: certificated")).to_be_visible()
    assert_accessible(page)
    _sign_out(page)

    # A centre whose receipt is overdue sees the deadline, and the report lists it.
    sign_in_as(page, "owen.hughes")
    receipts = _attention(page).locator('[data-attention="receipts"]')
    expect(receipts).to_contain_text("to confirm received")
    expect(receipts).to_contain_text("overdue by")
    assert_accessible(page)
    receipts.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Certificate Receipt Pending")).to_be_visible()
    expect(page.get_by_text("Care results: receipt overdue")).to_be_visible()
    assert_accessible(page)
    _sign_out(page)

    # A centre with a query and drafts due soon: each link lists exactly those course runs.
    sign_in_as(page, "lucy.evans")
    _attention(page).get_by_role("link", name="due soon with results still in draft").click()
    expect(page.get_by_role("status")).to_contain_text("Showing only course runs due")
    runs = page.get_by_role("region", name="Course runs", exact=True)
    expect(runs.get_by_role("link", name="Care results: draft")).to_be_visible()
    expect(runs.get_by_role("link", name="Care results: queried")).to_have_count(0)
    assert_accessible(page)
    page.goto("/")
    _attention(page).get_by_role("link", name="queried by the verifier").click()
    runs = page.get_by_role("region", name="Course runs", exact=True)
    expect(runs.get_by_role("link", name="Care results: queried")).to_be_visible()
    expect(runs.get_by_role("link", name="Care results: draft")).to_have_count(0)
    _sign_out(page)

    # The catalogue manager has nothing waiting, and is told so.
    sign_in_as(page, "tom.reyes")
    expect(_attention(page)).to_contain_text("Nothing needs your attention.")
    assert_accessible(page)
