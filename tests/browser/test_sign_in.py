"""A demo provider administrator signs in and sees their dashboard."""

import json

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.demo import DEMO_FILE

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _demo_account(username: str) -> dict:
    accounts = json.loads(DEMO_FILE.read_text())["accounts"]
    return next(a for a in accounts if a["username"] == username)


def test_a_demo_provider_administrator_signs_in_and_sees_their_dashboard(page):
    call_command("seed_demo")
    account = _demo_account("lucy.evans")

    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("User name or email address").fill(account["username"])
    page.get_by_label("Password").fill(account["password"])
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Riverside College").first).to_be_visible()
    assert_accessible(page)


def test_a_wrong_password_is_explained_on_the_sign_in_page(page):
    call_command("seed_demo")

    page.goto("/")
    page.get_by_label("User name or email address").fill("lucy.evans")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("The user name or password is not right")
    expect(page.get_by_label("User name or email address")).to_have_value("lucy.evans")
    assert_accessible(page)
