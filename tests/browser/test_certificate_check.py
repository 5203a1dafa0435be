"""A member of the public checks demo certificates on /verify/ (R-CRT-2, R-CRT-6)."""

import json

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.demo import DEMO_FILE

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _demo_certificate(status: str) -> dict:
    certificates = json.loads(DEMO_FILE.read_text())["certificates"]
    return next(c for c in certificates if c["status"] == status)


def _check(page, name: str, number: str) -> None:
    page.goto("/verify/")
    page.get_by_label("Learner's name", exact=True).fill(name)
    page.get_by_label("Certificate number", exact=True).fill(number)
    page.get_by_role("button", name="Check certificate").click()


def test_the_public_checks_a_valid_a_wrongly_named_and_a_replaced_certificate(page):
    call_command("seed_demo")
    valid = _demo_certificate("valid")
    replaced = _demo_certificate("replaced")

    page.goto("/verify/")
    expect(page.get_by_role("heading", name="Check a certificate")).to_be_visible()
    assert_accessible(page)

    _check(page, valid["learner_name"].upper(), valid["number"].lower())
    expect(page.get_by_role("heading", name="This certificate is valid")).to_be_visible()
    expect(page.get_by_text(valid["learner_name"], exact=True)).to_be_visible()
    assert_accessible(page)

    _check(page, "Not The Learner", valid["number"])
    expect(page.get_by_role("heading", name="No certificate matches")).to_be_visible()
    expect(page.get_by_text(valid["learner_name"])).to_have_count(0)
    assert_accessible(page)

    _check(page, replaced["learner_name"], replaced["number"])
    expect(
        page.get_by_role(
            "heading", name="This certificate has been replaced by a later certificate"
        )
    ).to_be_visible()
    assert_accessible(page)


def test_the_qr_link_of_a_demo_certificate_opens_its_check_page(page):
    call_command("seed_demo")
    valid = _demo_certificate("valid")

    page.goto("/c/" + valid["check_url"].rsplit("/c/", 1)[1])

    expect(page.get_by_role("heading", name="This certificate is valid")).to_be_visible()
    assert_accessible(page)
