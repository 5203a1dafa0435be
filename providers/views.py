"""Provider pages: the AO's list of centres and a provider's own centre."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.http import AuthenticatedHttpRequest
from accounts.roles import Capability

from .selectors import providers_visible_to, providers_with_user_counts


@login_required
def provider_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not (request.user.is_ao_staff and request.user.can(Capability.MANAGE_PROVIDERS)):
        raise PermissionDenied
    providers = providers_with_user_counts(user=request.user)
    return render(request, "providers/provider_list.html", {"providers": providers})


@login_required
def own_provider(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.is_ao_staff:
        raise PermissionDenied
    provider = get_object_or_404(providers_visible_to(user=request.user))
    return render(request, "providers/provider_detail.html", {"provider": provider})
