"""Accounts in the browser: creating a user through to lockout and unlock; two-factor sign-in."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from .conftest import assert_accessible
from .helpers import demo_account, sign_in_as, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "river-lantern-quietly-42"
RESET_PASSWORD = "meadow-copper-kettle-77"


def _link_in_latest_email(to: str, marker: str) -> str:
    message = next(m for m in reversed(mail.outbox) if to in m.to)
    url = next(word for word in message.body.split() if marker in word)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _sign_in_form(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/sign-in/")
    page.get_by_label("User name or email address").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_new_user_is_created_sets_a_password_is_locked_out_and_unlocks_by_reset(browser, page):
    call_command("seed_demo")
    sign_in_as(page, "sam.patel")  # provider super user at Riverside College, with TOTP

    page.get_by_role("link", name="Users").first.click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Create a user").click()
    assert_accessible(page)
    page.get_by_label("Given name").fill("Mia")
    page.get_by_label("Family name").fill("Wong")
    page.get_by_label("Email address").fill("mia.wong@riverside.example")
    page.get_by_label("Results Entry").check()
    page.get_by_label("Verification provided").fill("Head of department, by email 3 March")
    page.get_by_role("button", name="Create user and send welcome email").click()
    expect(page.get_by_role("heading", name="Mia Wong")).to_be_visible()
    expect(page.get_by_text("Account mia.wong created")).to_be_visible()
    assert_accessible(page)

    newcomer = browser.new_context(base_url=page.url.split("/accounts")[0]).new_page()
    newcomer.goto(_link_in_latest_email("mia.wong@riverside.example", "/accounts/welcome/"))
    expect(newcomer.get_by_role("heading", name="Welcome, Mia")).to_be_visible()
    assert_accessible(newcomer)
    newcomer.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    newcomer.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    newcomer.get_by_role("button", name="Set password").click()
    expect(newcomer.get_by_role("heading", name="Your account is ready")).to_be_visible()

    _sign_in_form(newcomer, "mia.wong", NEW_PASSWORD)
    expect(newcomer.get_by_role("heading", name="Dashboard")).to_be_visible()
    newcomer.get_by_role("button", name="Sign out").click()

    for attempt in range(5):
        _sign_in_form(newcomer, "mia.wong", f"wrong-password-{attempt}")
    expect(newcomer.get_by_role("alert")).to_contain_text("This account is locked")
    _sign_in_form(newcomer, "mia.wong", NEW_PASSWORD)
    expect(newcomer.get_by_role("alert")).to_contain_text("This account is locked")
    assert_accessible(newcomer)

    newcomer.get_by_role("link", name="Forgotten your password?").click()
    newcomer.get_by_label("Email").fill("mia.wong@riverside.example")
    newcomer.get_by_role("button", name="Send the link").click()
    expect(newcomer.get_by_role("heading", name="Check your email")).to_be_visible()
    newcomer.goto(_link_in_latest_email("mia.wong@riverside.example", "/accounts/reset/"))
    newcomer.get_by_label("New password", exact=True).fill(RESET_PASSWORD)
    newcomer.get_by_label("New password confirmation").fill(RESET_PASSWORD)
    newcomer.get_by_role("button", name="Save password").click()
    expect(newcomer.get_by_role("heading", name="Your password has been saved")).to_be_visible()

    _sign_in_form(newcomer, "mia.wong", RESET_PASSWORD)
    expect(newcomer.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_a_demo_ao_account_needs_its_authenticator_code(page):
    call_command("seed_demo")
    account = demo_account("ada.okafor")
    _sign_in_form(page, account["username"], account["password"])
    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    assert_accessible(page)

    right = totp_code(account["totp_secret"])
    page.get_by_label("Code").fill(f"{(int(right) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    page.goto("/dashboard/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/"))

    page.wait_for_timeout(2500)  # after a wrong code, django-otp makes the next try wait a moment
    page.get_by_label("Code").fill(totp_code(account["totp_secret"]))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    assert_accessible(page)
