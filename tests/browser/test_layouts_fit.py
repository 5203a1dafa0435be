"""Pages fit the screens people use: the results grid at 1280 px shows every drop-down whole,
and the public check's units table fits a phone (375 px)."""

import json

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.demo import DEMO_FILE

from .conftest import assert_accessible
from .helpers import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERFLOW = "el => el.scrollWidth - el.clientWidth"


def test_r_res_1_the_results_grid_fits_1280_px_without_cutting_off_its_drop_downs(page):
    call_command("seed_demo")
    from registrations.models import CourseRun

    run = CourseRun.objects.get(programme_name="Care results: draft")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(page, "lucy.evans")
    page.goto(f"/results/course-runs/{run.pk}/")
    grid = page.get_by_role("region", name="Results grid")
    expect(grid).to_be_visible()
    assert grid.evaluate(OVERFLOW) <= 0, "the grid scrolls sideways at 1280 px"
    box = grid.bounding_box()
    for select in grid.locator("select").all():
        edge = select.bounding_box()
        assert edge["x"] >= box["x"] and edge["x"] + edge["width"] <= box["x"] + box["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert_accessible(page)


def test_r_crt_2_the_public_checks_units_table_fits_a_phone(page):
    call_command("seed_demo")
    certificates = json.loads(DEMO_FILE.read_text())["certificates"]
    with_units = next(c for c in certificates if "units towards" in c["qualification"])
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/verify/")
    page.get_by_label("Learner's name", exact=True).fill(with_units["learner_name"])
    page.get_by_label("Certificate number", exact=True).fill(with_units["number"])
    page.get_by_role("button", name="Check certificate").click()
    table = page.get_by_role("table", name="Units achieved")
    expect(table).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert_accessible(page)
