"""Signing in: the lockout (R-ACC-2), the per-address throttle and the audit of every failed
attempt (R-ACC-7), shared by every place that checks a password or a token (decision 0090)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_record
from awards_portal.client_address import address_throttle_key

from .emails import email_send
from .models import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AddressThrottle:
    blocked: bool
    retry_after_minutes: int = 0


def _address_key(ip: str) -> str:
    return f"sign-in-failures:{address_throttle_key(ip)}"


def sign_in_address_throttle(*, ip: str | None) -> AddressThrottle:
    """Too many failed sign-ins from one address slow it down, whichever accounts it tries."""
    if not ip:
        return AddressThrottle(blocked=False)
    try:
        failures = cache.get(_address_key(ip), 0)
    except Exception:  # Redis down: sign-in must still work, so the throttle fails open.
        logger.warning("Sign-in throttle unavailable (cache unreachable)")
        return AddressThrottle(blocked=False)
    if failures >= settings.SIGN_IN_ADDRESS_FAILURE_LIMIT:
        return AddressThrottle(
            blocked=True, retry_after_minutes=settings.SIGN_IN_ADDRESS_WINDOW_SECONDS // 60
        )
    return AddressThrottle(blocked=False)


def _address_failure_count(ip: str | None) -> None:
    if not ip:
        return
    key = _address_key(ip)
    try:
        if cache.add(key, 1, timeout=settings.SIGN_IN_ADDRESS_WINDOW_SECONDS):
            return
        cache.incr(key)
    except Exception:
        logger.warning("Sign-in throttle unavailable (cache unreachable)")


def user_name_tried_for_audit(identifier: str, *, known: bool) -> str:
    """What the audit keeps of the user name typed at a failed sign-in (decision 0180). A known
    account's name is kept as typed. An unknown one may be a password typed into the wrong box,
    so only its first two characters, its length and a keyed fingerprint are kept: enough to see
    the same unknown name tried again and again, never enough to read a password back."""
    tried = " ".join(identifier.split())[:150]
    if known or not tried:
        return tried
    fingerprint = hmac.new(
        settings.SECRET_KEY.encode(), tried.casefold().encode(), hashlib.sha256
    ).hexdigest()[:8]
    shown = tried[:2] if len(tried) > 4 else ""
    return f"{shown}… ({len(tried)} characters, fingerprint {fingerprint})"


# Where a password was checked, in words, for the audit row of a failed attempt.
WAY_IN_SIGN_IN = "the sign-in page"
WAY_IN_PASSWORD_CHANGE = "the change-password page"  # noqa: S105 - words, not a password
WAY_IN_API_TOKEN = "the API, with a personal token"  # noqa: S105 - words, not a token


@transaction.atomic
def sign_in_failure_record(
    *, user: User | None, ip: str | None, identifier: str = "", way_in: str = WAY_IN_SIGN_IN
) -> User | None:
    """Count a failed sign-in and audit it (user name tried, when, from where); the fifth in a
    row locks the account and emails its owner (R-ACC-2, R-ACC-7). Every place that checks a
    password calls this, so they share one lockout, one throttle and one audit trail."""
    _address_failure_count(ip)
    if user is not None:
        user = User.objects.select_for_update().get(pk=user.pk)
    audit_record(
        actor=None,
        action="user.sign_in_failed",
        target=user,
        object_type="" if user is not None else "accounts.user",
        detail={
            "user_name_tried": user_name_tried_for_audit(identifier, known=user is not None),
            "way_in": way_in,
            **({"account_locked": True} if user is not None and user.is_locked else {}),
        },
        organisation_id=user.organisation_id if user is not None else None,
    )
    if user is None:
        return None
    if user.is_locked:
        return user
    user.failed_login_attempts += 1
    fields = ["failed_login_attempts"]
    if user.failed_login_attempts >= settings.SIGN_IN_LOCKOUT_FAILURES:
        user.locked_at = timezone.now()
        fields.append("locked_at")
    user.save(update_fields=fields)
    if user.is_locked:
        reset_path = reverse("accounts:password_reset")
        email_send(
            to=[user.email],
            template="accounts/email/locked",
            context={"user": user, "reset_link": f"{settings.PORTAL_BASE_URL}{reset_path}"},
        )
        audit_record(
            actor=None,
            action="user.locked",
            target=user,
            detail={"failed_attempts": user.failed_login_attempts},
            organisation_id=user.organisation_id,
        )
    return user


def sign_in_success_record(*, user: User) -> None:
    # The instance may be stale (failures are counted on a freshly locked row), so ask the database.
    User.objects.filter(pk=user.pk, failed_login_attempts__gt=0).update(failed_login_attempts=0)
    user.failed_login_attempts = 0
    audit_record(actor=user, action="user.signed_in", target=user)
