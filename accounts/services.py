"""Every write to organisations, user accounts and personal API tokens, each audited in its own
transaction."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import audit_record, changed_fields, snapshot

from .api_tokens import TOKEN_PREFIX, ApiToken, _digest
from .emails import email_send
from .lockout import (  # noqa: F401 - re-exported: callers use accounts.services
    WAY_IN_API_TOKEN,
    WAY_IN_PASSWORD_CHANGE,
    WAY_IN_SIGN_IN,
    AddressThrottle,
    sign_in_address_throttle,
    sign_in_failure_record,
    sign_in_success_record,
)
from .models import Organisation, User
from .roles import AO_ROLES, PROVIDER_ROLES
from .sessions import UserSession
from .tokens import WELCOME_LINK_HOURS, welcome_token_generator
from .validators import email_is_generic_mailbox, username_base

logger = logging.getLogger(__name__)

USER_AUDIT_FIELDS = (
    "username",
    "email",
    "given_name",
    "family_name",
    "organisation",
    "roles",
    "status",
    "verification_note",
)
BACKUP_CODE_COUNT = 10


class AccountError(ValidationError):
    """A request about an account that the rules refuse; the message says why."""


def username_generate(*, given_name: str, family_name: str) -> str:
    """`firstname.surname`, made unique with a number (R-ACC-4): jo.bloggs, jo.bloggs2, ..."""
    base = username_base(given_name, family_name)
    taken = set(
        User.objects.filter(username__iregex=rf"^{base}[0-9]*$").values_list("username", flat=True)
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"


def awarding_organisation_get_or_create(*, name: str) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        kind=Organisation.Kind.AWARDING_ORGANISATION, defaults={"name": name}
    )
    return organisation


def user_input_errors(
    *,
    organisation: Organisation,
    email: str,
    roles: Iterable[str],
    given_name: str,
    family_name: str,
    verification_note: str,
    existing: User | None = None,
) -> dict[str, list[str]]:
    """Every problem with a new or edited account, by field (R-ACC-1, R-ACC-4, R-ACC-5)."""
    errors: dict[str, list[str]] = {}
    email = email.strip()
    if not given_name.strip():
        errors["given_name"] = ["Enter the person's given name."]
    if not family_name.strip():
        errors["family_name"] = ["Enter the person's family name."]
    if not email:
        errors["email"] = ["Enter the person's own email address."]
    elif email_is_generic_mailbox(email):
        errors["email"] = [
            "Use the person's own email address, not a shared mailbox such as info@ or office@: "
            "every account belongs to one person."
        ]
    else:
        clash = User.objects.filter(email__iexact=email)
        if existing is not None:
            clash = clash.exclude(pk=existing.pk)
        if clash.exists():
            errors["email"] = ["Another account already uses this email address."]
    allowed = AO_ROLES if organisation.is_awarding_organisation else PROVIDER_ROLES
    roles = list(roles)
    if not roles:
        errors["roles"] = ["Choose at least one role."]
    elif any(r not in allowed for r in roles):
        errors["roles"] = ["One or more roles do not apply to this organisation."]
    if existing is None and not verification_note.strip():
        errors["verification_note"] = [
            "Say who authorised this account and how (for example, 'Principal, by email 3 March')."
        ]
    return errors


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise AccountError(errors)


@transaction.atomic
def user_create(
    *,
    organisation: Organisation,
    given_name: str,
    family_name: str,
    email: str,
    roles: Iterable[str],
    verification_note: str,
    acting_user: User | None,
    password: str | None = None,
    username: str | None = None,
) -> User:
    """Create one account. Without a password it stays Inactive until the welcome link is used."""
    roles = sorted(set(roles))
    _raise_if(
        user_input_errors(
            organisation=organisation,
            email=email,
            roles=roles,
            given_name=given_name,
            family_name=family_name,
            verification_note=verification_note,
        )
    )
    user = User(
        username=username or username_generate(given_name=given_name, family_name=family_name),
        email=User.objects.normalize_email(email.strip()),
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        organisation=organisation,
        roles=roles,
        verification_note=verification_note.strip(),
        status=User.Status.ACTIVE if password else User.Status.INACTIVE,
        email_verified_at=timezone.now() if password else None,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        actor=acting_user,
        action="user.create",
        target=user,
        after=snapshot(user, USER_AUDIT_FIELDS),
        organisation_id=organisation.pk,
    )
    return user


def welcome_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = welcome_token_generator.make_token(user)
    path = reverse("accounts:welcome", kwargs={"uidb64": uid, "token": token})
    return f"{settings.PORTAL_BASE_URL}{path}"


@transaction.atomic
def user_welcome_send(*, user: User, acting_user: User | None) -> None:
    """Email a single-use link to set a first password; earlier links stop working."""
    if user.status != User.Status.INACTIVE:
        raise AccountError("Only an account that has not been set up yet gets a welcome email.")
    user.invitation_sent_at = timezone.now()
    user.save(update_fields=["invitation_sent_at"])
    email_send(
        to=[user.email],
        template="accounts/email/welcome",
        context={"user": user, "link": welcome_link(user), "hours": WELCOME_LINK_HOURS},
    )
    audit_record(
        actor=acting_user,
        action="user.welcome_sent",
        target=user,
        organisation_id=user.organisation_id,
    )


@transaction.atomic
def user_invite(
    *,
    organisation: Organisation,
    given_name: str,
    family_name: str,
    email: str,
    roles: Iterable[str],
    verification_note: str,
    acting_user: User,
) -> User:
    """What a super user does: create the account and send its welcome email."""
    user = user_create(
        organisation=organisation,
        given_name=given_name,
        family_name=family_name,
        email=email,
        roles=roles,
        verification_note=verification_note,
        acting_user=acting_user,
    )
    user_welcome_send(user=user, acting_user=acting_user)
    return user


@transaction.atomic
def user_update(
    *,
    user: User,
    given_name: str,
    family_name: str,
    email: str,
    roles: Iterable[str],
    acting_user: User,
) -> User:
    """Edit a person's details and roles. The account stays theirs: it is never reassigned."""
    roles = sorted(set(roles))
    _raise_if(
        user_input_errors(
            organisation=user.organisation,
            email=email,
            roles=roles,
            given_name=given_name,
            family_name=family_name,
            verification_note="",
            existing=user,
        )
    )
    before = snapshot(user, USER_AUDIT_FIELDS)
    new_email = User.objects.normalize_email(email.strip())
    if new_email.lower() != user.email.lower():
        user.email_verified_at = None
    user.given_name, user.family_name, user.email = (
        given_name.strip(),
        family_name.strip(),
        new_email,
    )
    user.roles = roles
    user.save()
    old, new = changed_fields(before, snapshot(user, USER_AUDIT_FIELDS))
    if old or new:
        audit_record(
            actor=acting_user,
            action="user.update",
            target=user,
            before=old,
            after=new,
            organisation_id=user.organisation_id,
        )
    if user.email_verified_at is None and user.status != User.Status.INACTIVE:
        user_email_confirmation_send(user=user)
    return user


EMAIL_CONFIRMATION_SALT = "accounts.email-confirmation"
EMAIL_CONFIRMATION_DAYS = 7


def user_email_confirmation_send(*, user: User) -> None:
    """Email a link that confirms the account's (new) address belongs to its owner (R-ACC-1)."""
    token = signing.dumps(
        {"user": user.pk, "email": user.email.lower()}, salt=EMAIL_CONFIRMATION_SALT
    )
    path = reverse("accounts:email_confirm", kwargs={"token": token})
    email_send(
        to=[user.email],
        template="accounts/email/confirm_email",
        context={
            "user": user,
            "link": f"{settings.PORTAL_BASE_URL}{path}",
            "days": EMAIL_CONFIRMATION_DAYS,
        },
    )


@transaction.atomic
def user_email_confirm(*, token: str) -> User:
    """Mark the address verified if the link is genuine, recent, and the address is unchanged."""
    try:
        data = signing.loads(
            token, salt=EMAIL_CONFIRMATION_SALT, max_age=EMAIL_CONFIRMATION_DAYS * 24 * 60 * 60
        )
    except signing.BadSignature as error:
        raise AccountError("This confirmation link is not valid or has expired.") from error
    user = User.objects.filter(pk=data.get("user"), email__iexact=data.get("email", "")).first()
    if user is None:
        raise AccountError("This link is for an email address the account no longer uses.")
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        audit_record(
            actor=user,
            action="user.email_confirmed",
            target=user,
            after={"email": user.email},
            organisation_id=user.organisation_id,
        )
    return user


def user_sessions_end(*, user: User) -> int:
    """Sign the user out everywhere by deleting every session that belongs to them."""
    return UserSession.objects.filter(user=user).delete()[0]


def _status_change(
    *, user: User, to: str, allowed_from: set[str], action: str, acting_user: User, reason: str = ""
) -> User:
    if user.pk == acting_user.pk:
        raise AccountError("You cannot change the status of your own account.")
    if user.status not in allowed_from:
        raise AccountError(
            f"This account is {user.get_status_display().lower()}, so it cannot be {action}."
        )
    before = user.status
    user.status = to
    user.save(update_fields=["status"])
    if to != User.Status.ACTIVE:
        user_sessions_end(user=user)
    audit_record(
        actor=acting_user,
        action=f"user.{action}",
        target=user,
        before={"status": before},
        after={"status": to},
        detail={"reason": reason} if reason else None,
        organisation_id=user.organisation_id,
    )
    return user


@transaction.atomic
def user_suspend(*, user: User, acting_user: User, reason: str = "") -> User:
    return _status_change(
        user=user,
        to=User.Status.SUSPENDED,
        action="suspended",
        allowed_from={User.Status.ACTIVE, User.Status.INACTIVE},
        acting_user=acting_user,
        reason=reason,
    )


def _reason_required(reason: str, *, what: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise AccountError({"reason": [f"Say why you are {what}: it is kept in the audit log."]})
    return reason


def _controlled_act_email(*, user: User, acting_user: User, template: str, reason: str) -> None:
    """Tell the person affected who acted and why, so an act they did not expect comes to light."""
    email_send(
        to=[user.email],
        template=template,
        context={"user": user, "acting_user": acting_user, "reason": reason},
    )


@transaction.atomic
def user_reinstate(*, user: User, acting_user: User, reason: str) -> User:
    """A controlled act: it needs a reason, is audited with it, and emails the person."""
    reason = _reason_required(reason, what="reinstating this account")
    user = _status_change(
        user=user,
        to=User.Status.ACTIVE,
        action="reinstated",
        allowed_from={User.Status.SUSPENDED},
        acting_user=acting_user,
        reason=reason,
    )
    _controlled_act_email(
        user=user, acting_user=acting_user, template="accounts/email/reinstated", reason=reason
    )
    return user


@transaction.atomic
def user_delete(*, user: User, acting_user: User, reason: str = "") -> User:
    """The account can never sign in again; the row and its audit history stay (R-ACC-3)."""
    user = _status_change(
        user=user,
        to=User.Status.DELETED,
        action="deleted",
        allowed_from={User.Status.ACTIVE, User.Status.INACTIVE, User.Status.SUSPENDED},
        acting_user=acting_user,
        reason=reason,
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return user


# --- Signing in: lockout (R-ACC-2), the per-address throttle and failed attempts: lockout.py


@transaction.atomic
def user_password_set(*, user: User, password: str, via: str) -> User:
    """A password set through a welcome or reset link: verifies the email, unlocks (R-ACC-2)."""
    before = {"status": user.status, "locked": user.is_locked}
    user.set_password(password)
    if user.status == User.Status.INACTIVE and via == "welcome":
        user.status = User.Status.ACTIVE
    user.email_verified_at = user.email_verified_at or timezone.now()
    user.locked_at = None
    user.failed_login_attempts = 0
    user.save()
    user_sessions_end(user=user)
    audit_record(
        actor=user,
        action=f"user.password_set_via_{via}",
        target=user,
        before=before,
        after={"status": user.status, "locked": False},
        organisation_id=user.organisation_id,
    )
    return user


# --- Second factor (R-ACC-6) ------------------------------------------------------------------


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator the user is enrolling, made once and kept until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def totp_enrolment_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str]:
    """Confirm the authenticator with a code from it; returns ten fresh single-use backup codes."""
    if not device.verify_token(token.strip().replace(" ", "")):
        raise AccountError(
            {
                "token": [
                    "That code is not right. Enter the 6-digit code your "
                    "authenticator app shows now."
                ]
            }
        )
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = backup_codes_generate(user=user)
    audit_record(actor=user, action="user.second_factor_enrolled", target=user)
    return codes


def backup_codes_generate(*, user: User) -> list[str]:
    """Replace the user's backup codes with ten new single-use ones."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="Backup codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


@transaction.atomic
def user_second_factor_reset(*, user: User, acting_user: User, reason: str) -> None:
    """A super user clears someone's authenticator and backup codes; they enrol again next time.
    A controlled act (R-ACC-6): it needs a reason, is audited with it, and emails the person."""
    if user.pk == acting_user.pk:
        raise AccountError("You cannot reset your own second factor; ask another super user.")
    reason = _reason_required(reason, what="resetting this person's two-factor sign-in")
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    StaticDevice.objects.filter(user=user).delete()
    user_sessions_end(user=user)
    audit_record(
        actor=acting_user,
        action="user.second_factor_reset",
        target=user,
        detail={"devices_removed": removed, "reason": reason},
        organisation_id=user.organisation_id,
    )
    _controlled_act_email(
        user=user,
        acting_user=acting_user,
        template="accounts/email/second_factor_reset",
        reason=reason,
    )


# --- Personal API tokens ----------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token for the user; returns the row and the token text, which is never stored."""
    name = name.strip()
    if not name:
        raise ValueError("Give the token a name, such as the system that will use it.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], digest=_digest(raw), hint=raw[:10])
    audit_record(
        actor=user,
        action="api_token.create",
        target=token,
        after={"name": token.name, "hint": token.hint},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, acting_user: User) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=acting_user, action="api_token.revoke", target=token)
    return token
