"""User management by super users (R-ACC-3, R-ACC-4): find, create, edit, suspend, delete."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_otp import user_has_device

from audit.descriptions import events_described
from audit.models import AuditEvent

from ..forms import (
    ReasonForm,
    RequiredReasonForm,
    UserCreateForm,
    UserDetailsForm,
    UserFilterForm,
)
from ..http import AuthenticatedHttpRequest
from ..models import User
from ..permissions import capability_required
from ..roles import Capability
from ..selectors import (
    organisations_manageable_by,
    sign_in_failures_recent,
    users_manageable_by,
    users_search,
)
from ..services import (
    AccountError,
    user_delete,
    user_invite,
    user_reinstate,
    user_second_factor_reset,
    user_suspend,
    user_update,
    user_welcome_send,
)

manage_users = capability_required(Capability.MANAGE_USERS)


def _managed_user(request: AuthenticatedHttpRequest, pk: int) -> User:
    return get_object_or_404(users_manageable_by(user=request.user), pk=pk)


def _add_service_errors(form: UserDetailsForm, error: AccountError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


@manage_users
def user_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    kind = None if request.user.is_ao_staff else request.user.organisation.kind
    filters = UserFilterForm(request.GET or None, organisation_kind=kind)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    users = users_search(
        user=request.user,
        text=cleaned.get("q", ""),
        status=cleaned.get("status", ""),
        role=cleaned.get("role", ""),
    )
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"filters": filters, "page": page})


@manage_users
def user_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = organisations_manageable_by(user=request.user)
    form = UserCreateForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_invite(
                organisation=data["organisation"],
                given_name=data["given_name"],
                family_name=data["family_name"],
                email=data["email"],
                roles=data["roles"],
                verification_note=data["verification_note"],
                acting_user=request.user,
            )
        except AccountError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Account {user.username} created. We have emailed {user.email} a link "
                "to set a password; it works for 72 hours.",
            )
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@manage_users
def user_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = _managed_user(request, pk)
    events = events_described(
        AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk))
        .exclude(action="user.sign_in_failed")  # listed on their own, below
        .select_related("actor")[:20]
    )
    return render(
        request,
        "accounts/user_detail.html",
        {
            "person": user,
            "events": events,
            "failures": sign_in_failures_recent(user=user),
            "has_second_factor": user_has_device(user),
        },
    )


@manage_users
def user_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = _managed_user(request, pk)
    initial = {
        "given_name": user.given_name,
        "family_name": user.family_name,
        "email": user.email,
        "roles": user.roles,
    }
    form = UserDetailsForm(
        request.POST or None, initial=initial, organisation_kind=user.organisation.kind
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user_update(
                user=user,
                given_name=data["given_name"],
                family_name=data["family_name"],
                email=data["email"],
                roles=data["roles"],
                acting_user=request.user,
            )
        except AccountError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, "Changes saved.")
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "person": user})


def _status_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    user = _managed_user(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if action == "suspend":
                user_suspend(user=user, acting_user=request.user, reason=reason)
                messages.success(request, f"{user.full_name} is suspended and signed out.")
            elif action == "delete":
                user_delete(user=user, acting_user=request.user, reason=reason)
                messages.success(
                    request,
                    f"{user.full_name}'s account is deleted. Its history stays in the audit log.",
                )
        except AccountError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("accounts:user_detail", pk=user.pk)
    return render(
        request, "accounts/user_confirm.html", {"person": user, "action": action, "form": form}
    )


@manage_users
def user_suspend_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _status_action(request, pk, "suspend")


@manage_users
def user_delete_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _status_action(request, pk, "delete")


def _controlled_act(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    """Reinstating and resetting a second factor: a confirmation page that asks for a reason."""
    user = _managed_user(request, pk)
    form = RequiredReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if action == "reinstate":
                user_reinstate(user=user, acting_user=request.user, reason=reason)
                messages.success(
                    request,
                    f"{user.full_name} is reinstated and can sign in again. We have emailed them.",
                )
            else:
                user_second_factor_reset(user=user, acting_user=request.user, reason=reason)
                messages.success(
                    request,
                    f"{user.full_name} will set up a new authenticator app at their next "
                    "sign-in. We have emailed them.",
                )
        except AccountError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("accounts:user_detail", pk=user.pk)
    return render(
        request, "accounts/user_confirm.html", {"person": user, "action": action, "form": form}
    )


@manage_users
def user_reinstate_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _controlled_act(request, pk, "reinstate")


@manage_users
@require_POST
def user_welcome_resend_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = _managed_user(request, pk)
    try:
        user_welcome_send(user=user, acting_user=request.user)
        messages.success(
            request,
            f"A new welcome email is on its way to {user.email}. "
            "Links in earlier emails no longer work.",
        )
    except AccountError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("accounts:user_detail", pk=user.pk)


@manage_users
def user_second_factor_reset_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _controlled_act(request, pk, "reset_second_factor")
