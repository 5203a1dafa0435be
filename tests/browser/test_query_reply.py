"""Talking to the verifier (issue 14 item 6, R-RES-1): the centre corrects queried results and
replies to the query as it resubmits; the verifier sees the reply and what changed since the
query, learner by learner."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RUN = "Care results: queried"
REPLY = "The observation record is now signed; the decision reason says so."


def _attention(page: Page):
    return page.get_by_role("region", name="Needs your attention")


def test_r_res_1_the_centre_replies_and_the_verifier_sees_the_reply_and_the_changes(page):
    call_command("seed_demo")

    # The centre follows its dashboard to the queried course run and corrects a learner.
    sign_in_as(page, "lucy.evans")
    _attention(page).get_by_role("link", name="1 course run queried by the verifier").click()
    page.get_by_role("region", name="Course runs", exact=True).get_by_role("link", name=RUN).click()
    expect(page.get_by_role("heading", name=f"Results: {RUN}")).to_be_visible()
    page.locator("tr[data-learner-row]").first.get_by_label("Assessment decision reason").fill(
        "Observation record signed by the assessor"
    )
    page.get_by_role("button", name="Save and review before submitting").click()

    # The submit page shows the query and takes the reply.
    expect(page.get_by_role("heading", name=f"Submit results: {RUN}")).to_be_visible()
    expect(page.get_by_role("region", name="The verifier's query")).to_contain_text(
        "observation record is unsigned"
    )
    page.get_by_label("Your reply to the verifier's query").fill(REPLY)
    assert_accessible(page)
    page.get_by_role("button", name="Submit results again").click()
    expect(page.get_by_role("status")).to_contain_text("submitted to the verifier")
    expect(page.get_by_role("region", name="Verifier's queries")).to_contain_text(REPLY)
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    # The verifier follows the dashboard to the resubmitted results.
    sign_in_as(page, "priya.shah")
    _attention(page).get_by_role("link", name="awaiting your verification").click()
    page.get_by_role("link", name=RUN).click()
    expect(page.get_by_role("heading", name=f"Verify: {RUN}")).to_be_visible()
    expect(page.get_by_role("region", name="Verifier's queries")).to_contain_text(REPLY)
    changes = page.get_by_role("region", name="What changed since the query")
    expect(changes.get_by_role("table")).to_contain_text("Reason for the decision")
    expect(changes.get_by_role("table")).to_contain_text(
        "Observation record signed by the assessor"
    )
    assert_accessible(page)
