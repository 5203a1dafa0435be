"""Browser forms for signing in and resetting a password."""

from collections.abc import Iterator

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from .models import User


class SignInForm(AuthenticationForm):
    username = forms.CharField(
        label="User name or email address",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": "The user name or password is not right. Check them and try again.",
        "inactive": "This account cannot sign in. Ask your organisation's super user.",
    }


class PortalPasswordResetForm(PasswordResetForm):
    def get_users(self, email: str) -> Iterator[User]:
        """Active accounts with this email; a locked account is still active and may reset."""
        users = User.objects.filter(email__iexact=email.strip(), status=User.Status.ACTIVE)
        return (u for u in users if u.has_usable_password())
