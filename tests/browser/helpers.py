"""Helpers for browser tests: sign in as a demo account the way a person would."""

import json

from playwright.sync_api import Page, expect

from accounts.demo import DEMO_FILE


def demo_account(username: str) -> dict:
    accounts = json.loads(DEMO_FILE.read_text())["accounts"]
    return next(a for a in accounts if a["username"] == username)


def sign_in_as(page: Page, username: str) -> None:
    """Sign in through the sign-in page as a demo account (run `seed_demo` first)."""
    account = demo_account(username)
    page.goto("/accounts/sign-in/")
    page.get_by_label("User name or email address").fill(account["username"])
    page.get_by_label("Password").fill(account["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
