"""The user's personal API tokens: make one (shown once) and revoke it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ..api_tokens import ApiToken
from ..http import AuthenticatedHttpRequest
from ..services import api_token_create, api_token_revoke


@login_required
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    context: dict[str, object] = {"tokens": ApiToken.objects.filter(user=request.user)}
    if request.method == "POST":
        name = request.POST.get("name", "")
        try:
            token, raw = api_token_create(user=request.user, name=name)
        except ValueError as error:
            context.update(name_error=str(error), name=name)
        else:
            context.update(new_token=raw, new_token_name=token.name)
    return render(request, "accounts/api_tokens.html", context)


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token, acting_user=request.user)
    messages.success(
        request, f"Token '{token.name}' is revoked; systems using it can no longer connect."
    )
    return redirect("accounts:api_tokens")
