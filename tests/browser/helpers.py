"""Helpers for browser tests: sign in as a demo account the way a person would."""

import json
from base64 import b32decode

from django_otp.oath import totp
from playwright.sync_api import Page, expect

from accounts.demo import DEMO_FILE


def demo_account(username: str) -> dict:
    accounts = json.loads(DEMO_FILE.read_text())["accounts"]
    return next(a for a in accounts if a["username"] == username)


def totp_code(secret_base32: str) -> str:
    """What an authenticator app shows now for this base32 secret (RFC 6238, 30 s, 6 digits)."""
    return f"{totp(b32decode(secret_base32)):06d}"


def sign_in_as(page: Page, username: str) -> None:
    """Sign in through the sign-in page as a demo account (run `seed_demo` first), with the
    authenticator code from var/demo.json when the account has a second factor."""
    account = demo_account(username)
    page.goto("/accounts/sign-in/")
    page.get_by_label("User name or email address").fill(account["username"])
    page.get_by_label("Password").fill(account["password"])
    page.get_by_role("button", name="Sign in").click()
    if account.get("totp_secret"):
        expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
        page.get_by_label("Code").fill(totp_code(account["totp_secret"]))
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
