"""A course run's results walk through every stage in the browser (issue 6 acceptance): the
centre enters and submits, the verifier queries, the centre amends and resubmits, the verifier
confirms, the officer certificates and dispatches, the centre confirms receipt (R-RES-1,
R-CRT-4, R-CRT-5)."""

import time

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RUN = "Food Safety results walk-through"


_last_code_window: dict[str, int] = {}


def _sign_in(page: Page, username: str) -> None:
    """Sign in; a second sign-in of the same account waits for a fresh authenticator code, since
    a code once used is refused (replay protection)."""
    window = int(time.time() // 30)
    if _last_code_window.get(username) == window:
        time.sleep(30 - time.time() % 30 + 0.5)
    sign_in_as(page, username)
    _last_code_window[username] = int(time.time() // 30)


def _menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def _open_results(page: Page) -> None:
    _menu(page, "Results")
    expect(page.get_by_role("heading", name="Results administration")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=RUN).click()
    expect(page.get_by_role("heading", name=f"Results: {RUN}")).to_be_visible()


def _review_and_submit(page: Page) -> None:
    page.get_by_role("button", name="Save and review before submitting").click()
    expect(page.get_by_role("heading", name=f"Submit results: {RUN}")).to_be_visible()
    expect(page.get_by_text("Qualification certificates: 2")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Submit results").click()
    expect(page.get_by_role("status")).to_contain_text("submitted to the verifier")


def _verifier_opens_the_run(page: Page) -> None:
    _sign_in(page, "priya.shah")
    _menu(page, "Verification")
    expect(page.get_by_role("heading", name="Verification")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=RUN).click()
    expect(page.get_by_role("heading", name=f"Verify: {RUN}")).to_be_visible()
    assert_accessible(page)


def test_r_res_1_a_course_run_goes_from_results_entry_to_certificates_received(page):
    call_command("seed_demo")

    # The centre enters results (a draft first), reviews what will be claimed and submits.
    sign_in_as(page, "lucy.evans")
    _open_results(page)
    assert_accessible(page)
    rows = page.locator("tr[data-learner-row]")
    expect(rows).to_have_count(2)
    for index in range(2):
        row = rows.nth(index)
        row.locator("select").select_option(label="Pass")
        row.get_by_label("Assessor").fill("Marcus Reid")
        row.get_by_label("Internal verifier").fill("Dr Helen Carter")
        row.get_by_label("Assessment decision reason").fill("Practical and written test passed")
    expect(rows.first.locator("[data-outcome]")).to_contain_text("Qualification achieved")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved")
    expect(rows.first.locator("[data-outcome]")).to_contain_text("Qualification achieved: Pass")
    _review_and_submit(page)
    expect(page.get_by_text("read-only")).to_be_visible()
    assert_accessible(page)
    _sign_out(page)

    # The verifier queries one learner's result.
    _verifier_opens_the_run(page)
    page.get_by_label("Query note").fill(
        "The observation record for the second learner is unsigned."
    )
    page.locator("#query-heading ~ form input[type=checkbox]").nth(1).check()
    page.get_by_role("button", name="Send query to the centre").click()
    expect(page.get_by_role("status")).to_contain_text("Query sent")
    assert_accessible(page)
    _sign_out(page)

    # The centre sees the query, amends and resubmits.
    sign_in_as(page, "lucy.evans")
    _menu(page, "Results")
    expect(
        page.get_by_role("heading", name="Queried by the verifier: action needed")
    ).to_be_visible()
    page.get_by_role("link", name=RUN).first.click()
    expect(
        page.get_by_text("The observation record for the second learner is unsigned.", exact=True)
    ).to_be_visible()
    assert_accessible(page)
    page.locator("tr[data-learner-row]").nth(1).get_by_label("Assessment decision reason").fill(
        "Observation record signed by the assessor on resubmission"
    )
    _review_and_submit(page)
    _sign_out(page)

    # The verifier confirms.
    _verifier_opens_the_run(page)
    page.get_by_role("button", name="Confirm results").click()
    expect(page.get_by_role("status")).to_contain_text("Results confirmed")
    _sign_out(page)

    # The certification officer approves, then dispatches with a tracking reference.
    sign_in_as(page, "grace.lin")
    _menu(page, "Certification")
    expect(page.get_by_role("heading", name="Certification")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=RUN).click()
    assert_accessible(page)
    page.get_by_role("button", name="Approve and issue certificates").click()
    expect(page.get_by_role("status")).to_contain_text("is certificated")
    expect(page.get_by_role("link", name="Certificate Summary (PDF)")).to_be_visible()
    assert_accessible(page)

    _menu(page, "Dispatch")
    expect(page.get_by_role("heading", name="Dispatch")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(RUN, exact=False).check()
    page.get_by_role("button", name="Prepare consignment for Riverside College").click()
    expect(page.get_by_role("heading", name="Record dispatch")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Carrier").select_option(label="Royal Mail Recorded Delivery")
    page.get_by_label("Tracking reference").fill("RM998877665GB")
    page.get_by_role("button", name="Record dispatch").click()
    expect(page.get_by_role("status")).to_contain_text("dispatched")
    expect(page.get_by_text("RM998877665GB")).to_be_visible()
    assert_accessible(page)
    _sign_out(page)

    # The centre confirms receipt; the pending report empties.
    sign_in_as(page, "sam.patel")
    _menu(page, "Receipt pending")
    expect(page.get_by_role("heading", name="Certificate Receipt Pending")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=RUN).click()
    page.get_by_role("link", name="CRF Received: confirm receipt of the certificates").click()
    expect(page.get_by_role("heading", name=f"CRF Received: {RUN}")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Date received").fill(f"{timezone.localdate():%d/%m/%Y}")
    page.get_by_label("Note (optional)").fill("All certificates present and correct.")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status")).to_contain_text("Receipt confirmed")
    expect(page.get_by_text("Received (CRF Received)")).to_be_visible()
    assert_accessible(page)
    _menu(page, "Receipt pending")
    expect(page.get_by_text("Nothing pending")).to_be_visible()
    assert_accessible(page)
