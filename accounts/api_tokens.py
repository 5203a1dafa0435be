"""Personal API tokens for providers' systems, and DRF authentication by them. Making and
revoking a token, which are audited, are services (`accounts.services`)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from audit.context import client_ip

if TYPE_CHECKING:
    from .models import User

TOKEN_PREFIX = "ap_"  # noqa: S105 - a marker that makes leaked tokens easy to find, not a secret


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """Only a SHA-256 digest is stored; the token itself is shown once, when it is made."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="The first characters, to tell tokens apart.")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "accounts"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer ap_...`; a revoked token or an account that cannot sign in fails."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode(errors="ignore").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2 or not header[1].startswith(TOKEN_PREFIX):
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be 'Bearer <token>'."
            )
        # A token is guarded like a password (R-ACC-2): failures share the sign-in throttle per
        # address and each is audited; a wrong token names no account, so nothing is locked.
        from .services import WAY_IN_API_TOKEN, sign_in_address_throttle, sign_in_failure_record

        ip = client_ip()
        throttle = sign_in_address_throttle(ip=ip)
        if throttle.blocked:
            raise exceptions.Throttled(
                wait=throttle.retry_after_minutes * 60,
                detail="There have been too many failed sign-ins from your network.",
            )
        token = (
            ApiToken.objects.select_related("user__organisation")
            .filter(digest=_digest(header[1]), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            sign_in_failure_record(
                user=None, ip=ip, identifier=f"API token {header[1][:10]}…", way_in=WAY_IN_API_TOKEN
            )
            raise exceptions.AuthenticationFailed(
                "This API token is not valid or has been revoked."
            )
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
