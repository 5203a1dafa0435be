"""Browser forms for signing in, the second factor and managing users; rules live in services."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm

from audit.context import client_ip

from .emails import email_send
from .models import Organisation, User
from .roles import AO_ROLES, PROVIDER_ROLES, Role
from .selectors import user_for_sign_in
from .services import (
    WAY_IN_PASSWORD_CHANGE,
    sign_in_address_throttle,
    sign_in_failure_record,
)

LOCKED_MESSAGE = (
    "This account is locked after too many failed sign-ins. We have emailed its owner. "
    "To unlock it, use 'Forgotten your password?' to set a new password."
)


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

    def clean(self) -> dict[str, Any]:
        identifier = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password")
        if not identifier or password is None:
            return self.cleaned_data
        ip = client_ip()
        throttle = sign_in_address_throttle(ip=ip)
        if throttle.blocked:
            raise forms.ValidationError(
                "There have been too many failed sign-ins from your network. Wait "
                f"{throttle.retry_after_minutes} minutes, then try again.",
                code="throttled",
            )
        candidate = user_for_sign_in(identifier=identifier)
        if candidate is not None and candidate.is_locked:
            # The same answer whether or not the password was right (R-ACC-2); still evidence.
            sign_in_failure_record(user=candidate, ip=ip, identifier=identifier)
            raise forms.ValidationError(LOCKED_MESSAGE, code="locked")
        self.user_cache = authenticate(self.request, username=identifier, password=password)
        if self.user_cache is None:
            if (
                candidate is not None
                and not candidate.is_active
                and candidate.check_password(password)
            ):
                raise forms.ValidationError(self.error_messages["inactive"], code="inactive")
            recorded = sign_in_failure_record(user=candidate, ip=ip, identifier=identifier)
            if recorded is not None and recorded.is_locked:
                raise forms.ValidationError(LOCKED_MESSAGE, code="locked")
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class PortalPasswordChangeForm(PasswordChangeForm):
    """The current password is checked like a sign-in: throttled, counted towards the lockout
    and audited when wrong (R-ACC-2), so a left-open session cannot be used to guess it."""

    def clean_old_password(self) -> str:
        ip = client_ip()
        throttle = sign_in_address_throttle(ip=ip)
        if throttle.blocked:
            raise forms.ValidationError(
                "There have been too many failed sign-ins from your network. Wait "
                f"{throttle.retry_after_minutes} minutes, then try again.",
                code="throttled",
            )
        old_password = self.cleaned_data["old_password"]
        if self.user.is_locked or not self.user.check_password(old_password):
            recorded = sign_in_failure_record(
                user=self.user, ip=ip, identifier=self.user.username, way_in=WAY_IN_PASSWORD_CHANGE
            )
            if recorded is not None and recorded.is_locked:
                raise forms.ValidationError(LOCKED_MESSAGE, code="locked")
            raise forms.ValidationError(
                "Your current password is not right. Check it and try again.",
                code="password_incorrect",
            )
        return old_password


class PortalPasswordResetForm(PasswordResetForm):
    def get_users(self, email: str) -> Iterator[User]:
        """Active accounts with this email; a locked account is still active and may reset."""
        users = User.objects.filter(email__iexact=email.strip(), status=User.Status.ACTIVE)
        return (u for u in users if u.has_usable_password())

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        email_send(to=[to_email], template="accounts/email/password_reset", context=context)


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code your authenticator app shows, or one of your backup codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": "Enter the code from your authenticator app."},
    )


class TotpEnrolForm(forms.Form):
    token = forms.CharField(
        label="Code from your authenticator app",
        max_length=10,
        help_text="After adding the account to your app, enter the 6-digit code it shows.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": "Enter the 6-digit code your authenticator app shows."},
    )


def _role_choices(kind: str | None) -> list[tuple[str, str]]:
    if kind == Organisation.Kind.AWARDING_ORGANISATION:
        allowed = AO_ROLES
    elif kind == Organisation.Kind.PROVIDER:
        allowed = PROVIDER_ROLES
    else:
        allowed = AO_ROLES | PROVIDER_ROLES
    return [(r.value, r.label) for r in Role if r in allowed]


class UserDetailsForm(forms.Form):
    given_name = forms.CharField(label="Given name", max_length=100, required=False)
    family_name = forms.CharField(label="Family name", max_length=100, required=False)
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        required=False,
        help_text="The person's own address: shared mailboxes such as info@ are not accepted.",
        error_messages={"invalid": "Enter an email address like name@college.ac.uk."},
    )
    roles = forms.MultipleChoiceField(
        label="Roles",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Give only the roles this person needs.",
    )

    def __init__(self, *args: Any, organisation_kind: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["roles"]).choices = _role_choices(
            organisation_kind
        )


class UserCreateForm(UserDetailsForm):
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Choose the organisation",
    )
    verification_note = forms.CharField(
        label="Verification provided",
        max_length=500,
        required=False,
        help_text="Who authorised this account, and how.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    field_order = [
        "organisation",
        "given_name",
        "family_name",
        "email",
        "roles",
        "verification_note",
    ]

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        single = organisations.count() == 1
        kind = organisations.first().kind if single else None
        super().__init__(*args, organisation_kind=kind, **kwargs)
        field = self.fields["organisation"]
        field.queryset = organisations  # type: ignore[attr-defined]
        if single:
            field.initial = organisations.first()
            field.widget = forms.HiddenInput()

    def clean_organisation(self) -> Organisation:
        organisation = self.cleaned_data.get("organisation")
        if organisation is None:
            raise forms.ValidationError("Choose the organisation the person works for.")
        return organisation


class UserFilterForm(forms.Form):
    q = forms.CharField(label="Name, user name or email", required=False)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *User.Status.choices]
    )
    role = forms.ChoiceField(label="Role", required=False)

    def __init__(self, *args: Any, organisation_kind: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            ("", "Any role"),
            *_role_choices(organisation_kind),
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RequiredReasonForm(forms.Form):
    """The confirmation step of a controlled act: nothing happens without a reason."""

    reason = forms.CharField(
        label="Reason",
        max_length=500,
        help_text="Kept in the audit log and sent to the person in an email.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why: the reason is kept in the audit log."},
    )
