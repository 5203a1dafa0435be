"""Single-use links: the welcome link that sets a first password (72 hours) and the reset link."""

from datetime import datetime

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int

from .models import User

WELCOME_LINK_HOURS = 72


class WelcomeTokenGenerator(PasswordResetTokenGenerator):
    """Valid for 72 hours, until a password is set, and only for the latest welcome email."""

    key_salt = "accounts.tokens.WelcomeTokenGenerator"
    lifetime_seconds = WELCOME_LINK_HOURS * 60 * 60

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        sent = "" if user.invitation_sent_at is None else user.invitation_sent_at.isoformat()
        return f"{super()._make_hash_value(user, timestamp)}{user.status}{sent}"

    def check_token(self, user: User | None, token: str | None) -> bool:
        if not (user and token):
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        secrets = [self.secret, *self.secret_fallbacks]
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, s), token)
            for s in secrets
        ):
            return False
        return self._num_seconds(self._now()) - timestamp <= self.lifetime_seconds

    def _now(self) -> datetime:
        return datetime.now()


welcome_token_generator = WelcomeTokenGenerator()
