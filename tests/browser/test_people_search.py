"""One search finds people as people type them, on learners, registrations and certificates alike,
and the lists sort with accessible column headers (issue 14 item 5; R-LRN-2: names matched
case- and accent-insensitively)."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def _search(page: Page, label: str, text: str, button: str) -> None:
    page.get_by_label(label).fill(text)
    page.get_by_role("button", name=button).click()


def test_r_lrn_2_zoe_adeyemi_and_obrien_are_found_on_every_list(page):
    call_command("seed_demo")
    sign_in_as(page, "sam.patel")

    _menu(page, "Learners")
    _search(page, "Name or ULN", "zoe adeyemi", "Find learners")
    table = page.get_by_role("table")
    expect(table.get_by_role("link", name="Adeyemi, Zoë").first).to_be_visible()
    expect(page.get_by_label("Name or ULN")).to_have_value("zoe adeyemi")
    assert_accessible(page)
    _search(page, "Name or ULN", "obrien", "Find learners")
    expect(table.get_by_role("link", name="O'Brien,").first).to_be_visible()

    _menu(page, "Registrations")
    _search(page, "Name, ULN or registration number", "zoe", "Find registrations")
    expect(page.get_by_role("table").get_by_role("link", name="Adeyemi, Zoë").first).to_be_visible()
    assert_accessible(page)
    # Sorting: the column header is a link, and says how the list is sorted.
    learner_header = page.get_by_role("columnheader", name="Learner")
    expect(learner_header).to_have_attribute("aria-sort", "ascending")
    learner_header.get_by_role("link").click()
    expect(page.get_by_role("columnheader", name="Learner")).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(page.get_by_label("Name, ULN or registration number")).to_have_value("zoe")
    page.get_by_role("columnheader", name="Course run").get_by_role("link").click()
    expect(page.get_by_role("columnheader", name="Course run")).to_have_attribute(
        "aria-sort", "ascending"
    )
    expect(page.get_by_role("columnheader", name="Learner")).not_to_have_attribute(
        "aria-sort", "ascending"
    )
    assert_accessible(page)

    _menu(page, "Certificates")
    _search(page, "Learner name, certificate number or qualification", "ZOE ADEYEMI", "Find")
    expect(page.get_by_role("table").get_by_text("Zoë Adeyemi").first).to_be_visible()
    expect(page.get_by_role("table").get_by_text("Amelia Hart")).to_have_count(0)
    assert_accessible(page)
