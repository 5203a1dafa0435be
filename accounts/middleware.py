"""Requires a verified second factor (R-ACC-6) before any page, for users who need or have one."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device

# Paths a signed-in but unverified user may still reach: the second-factor pages, sign-out,
# the public certificate check, health and static files.
OPEN_PREFIXES = (
    "/accounts/two-factor/",
    "/accounts/sign-out/",
    "/static/",
    "/healthz",
    "/verify/",
    "/c/",
    "/api/v1/verify",
)


def second_factor_pending(user: object) -> bool:
    """Signed in with a password but not yet with the second factor they need or have."""
    return bool(
        getattr(user, "is_authenticated", False)
        and not user.is_verified()  # type: ignore[attr-defined]
        and (user.second_factor_required or user_has_device(user))  # type: ignore[attr-defined]
    )


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not request.path.startswith(OPEN_PREFIXES) and second_factor_pending(user):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Sign in with your second factor before using the API."}, status=403
                )
            target = (
                reverse("accounts:two_factor_verify")
                if user_has_device(user, confirmed=True)
                else reverse("accounts:two_factor_setup")
            )
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
