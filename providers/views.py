"""Provider pages: the AO's list of centres, each centre's page, adding and editing centres and
their approvals, and a provider's own centre."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability
from qualifications.models import ProviderApproval, Qualification
from qualifications.selectors import qualifications_approved_for
from qualifications.services import provider_approval_withdraw, provider_approve

from .forms import ProviderApprovalForm, ProviderForm
from .models import Provider
from .selectors import provider_users, providers_visible_to, providers_with_user_counts
from .services import EDITABLE_FIELDS, provider_create, provider_update

manage_providers = capability_required(Capability.MANAGE_PROVIDERS, ao_only=True)
edit_providers = capability_required(Capability.EDIT_PROVIDERS, ao_only=True)


@manage_providers
def provider_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    providers = providers_with_user_counts(user=request.user)
    return render(request, "providers/provider_list.html", {"providers": providers})


def _approval_form(provider: Provider, data: object = None) -> ProviderApprovalForm:
    approved = qualifications_approved_for(provider=provider).values("pk")
    return ProviderApprovalForm(
        data, qualifications=Qualification.objects.exclude(pk__in=approved), prefix="approval"
    )


@manage_providers
def provider_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    provider = get_object_or_404(providers_visible_to(user=request.user), pk=pk)
    approval_form = _approval_form(provider)
    if request.method == "POST":
        approval_form = _approval_form(provider, request.POST)
        if approval_form.is_valid():
            qualification = approval_form.cleaned_data["qualification"]
            provider_approve(
                provider=provider, qualification=qualification, acting_user=request.user
            )
            messages.success(request, f"{provider.name} is approved for {qualification}.")
            return redirect("providers:detail", pk=provider.pk)
    approvals = provider.qualification_approvals.select_related("qualification").order_by(
        "withdrawn_at", "qualification__number"
    )
    return render(
        request,
        "providers/provider_detail.html",
        {
            "provider": provider,
            "approvals": approvals,
            "users": provider_users(provider=provider),
            "approval_form": approval_form,
            "managing": True,
        },
    )


@require_POST
@manage_providers
def provider_approval_end(
    request: AuthenticatedHttpRequest, pk: int, approval_pk: int
) -> HttpResponse:
    provider = get_object_or_404(providers_visible_to(user=request.user), pk=pk)
    approval = get_object_or_404(
        ProviderApproval.objects.select_related("qualification", "provider__organisation"),
        pk=approval_pk,
        provider=provider,
    )
    provider_approval_withdraw(approval=approval, acting_user=request.user)
    messages.success(request, f"Approval for {approval.qualification} withdrawn.")
    return redirect("providers:detail", pk=provider.pk)


def _form_page(
    request: AuthenticatedHttpRequest, *, provider: Provider | None, heading: str
) -> HttpResponse:
    initial = None
    if provider is not None:
        initial = {name: getattr(provider, name) for name in EDITABLE_FIELDS}
        initial["name"] = provider.name
    form = ProviderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if provider is None:
                provider = provider_create(acting_user=request.user, **form.cleaned_data)
                messages.success(request, f"{provider.name} added.")
            else:
                provider_update(provider=provider, acting_user=request.user, **form.cleaned_data)
                messages.success(request, f"{form.cleaned_data['name']} saved.")
        except ValidationError as error:
            form.apply_validation_error(error)
        else:
            return redirect("providers:detail", pk=provider.pk)
    cancel_to = "providers:list" if provider is None else "providers:detail"
    return render(
        request,
        "providers/provider_form.html",
        {"form": form, "heading": heading, "provider": provider, "cancel_to": cancel_to},
    )


@edit_providers
def provider_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _form_page(request, provider=None, heading="Add a provider")


@edit_providers
def provider_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    provider = get_object_or_404(providers_visible_to(user=request.user), pk=pk)
    return _form_page(request, provider=provider, heading=f"Edit {provider.name}")


@login_required
def own_provider(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.is_ao_staff:
        raise PermissionDenied
    provider = get_object_or_404(providers_visible_to(user=request.user))
    approvals = provider.qualification_approvals.filter(withdrawn_at__isnull=True).select_related(
        "qualification"
    )
    return render(
        request,
        "providers/provider_detail.html",
        {"provider": provider, "approvals": approvals, "managing": False},
    )
