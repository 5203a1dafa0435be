"""The catalogue in the browser (issue 14 item 9): grading schemes are added and edited, a
qualification that could never be achieved is refused, a doubtful check character stays on the
record, and the qualification's page states its grade rule (R-REG-1, R-RES-2)."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_r_reg_1_r_res_2_a_catalogue_manager_keeps_the_catalogue_achievable(page):
    call_command("seed_demo")
    sign_in_as(page, "tom.reyes")  # catalogue manager

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    row = page.get_by_role("row").filter(has_text="603/4567/1")
    expect(row).to_contain_text("Check character doubtful")
    assert_accessible(page)

    # The doubtful check character stays visible on the record (R-REG-1).
    row.get_by_role("link", name="603/4567/1").click()
    expect(page.locator("#number-warning")).to_contain_text("would usually be 6, not 1")
    # The grade rule is stated on the qualification's page (R-RES-2).
    expect(page.get_by_role("heading", name="How the qualification is graded")).to_be_visible()
    expect(
        page.get_by_text("the qualification is graded Distinction when the average is at least 2.5")
    ).to_be_visible()
    assert_accessible(page)

    # Minimum credits beyond what the units give is refused at the field; nothing is lost.
    page.get_by_role("link", name="Edit the qualification").click()
    page.get_by_label("Title").fill("Level 2 Certificate in Customer Service Excellence")
    page.get_by_label("Minimum credits").fill("21")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".error-summary")).to_contain_text("Minimum credits")
    expect(page.locator("#id_minimum_credits_error")).to_contain_text(
        "cannot be more than the qualification's credit value (20)"
    )
    expect(page.get_by_label("Title")).to_have_value(
        "Level 2 Certificate in Customer Service Excellence"
    )
    assert_accessible(page)
    page.get_by_label("Minimum credits").fill("20")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Qualification 603/4567/1 saved.")
    expect(page.get_by_role("status")).to_contain_text("please check")

    # Removing an optional unit the minimum needs is refused with the reason.
    page.get_by_role("button", name="Remove C/603/0003").click()
    expect(page.get_by_role("status")).to_contain_text("C/603/0003 cannot be removed")
    expect(page.get_by_role("table", name="Units of 603/4567/1")).to_contain_text("C/603/0003")

    # A new grading scheme: no pass is refused, and the rows typed stay.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    page.get_by_role("link", name="Grading schemes").click()
    expect(page.get_by_role("heading", name="Grading schemes")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Add a grading scheme").click()
    page.get_by_label("Name of the grading scheme").fill("Competent/Not yet competent")
    page.get_by_label("Grade 1 code").fill("C")
    page.get_by_label("Grade 1 label").fill("Competent")
    page.get_by_label("Grade 2 code").fill("NYC")
    page.get_by_label("Grade 2 label").fill("Not yet competent")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".error-summary")).to_contain_text("Tick Is a pass for at least one grade")
    expect(page.get_by_label("Grade 2 label")).to_have_value("Not yet competent")
    assert_accessible(page)
    page.get_by_label("Grade 1 is a pass").check()
    page.get_by_label("Grade 1 points per credit").fill("1")
    page.get_by_label("Grade 1 qualification grade at average of").fill("0")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Grading scheme Competent/Not yet competent created."
    )
    section = page.get_by_role("region", name="Competent/Not yet competent")
    expect(section).to_contain_text(
        "the qualification is graded Competent when the average is at least 0"
    )

    # Edit it: add a grade above the others.
    section.get_by_role("link", name="Edit").click()
    page.get_by_label("Grade 3 order").fill("1")
    page.get_by_label("Grade 3 code").fill("CD")
    page.get_by_label("Grade 3 label").fill("Competent with distinction")
    page.get_by_label("Grade 3 is a pass").check()
    page.get_by_label("Grade 3 points per credit").fill("2")
    page.get_by_label("Grade 3 qualification grade at average of").fill("1.8")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    section = page.get_by_role("region", name="Competent/Not yet competent")
    expect(section.get_by_role("listitem").first).to_contain_text(
        "graded Competent with distinction when the average is at least 1.8"
    )
    assert_accessible(page)
