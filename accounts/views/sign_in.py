"""Sign-in, sign-out, password reset, the welcome link and the signed-in home page."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from awards_portal.attention import attention_for

from ..forms import PortalPasswordResetForm, SignInForm
from ..http import AuthenticatedHttpRequest
from ..services import (
    AccountError,
    sign_in_success_record,
    user_email_confirm,
    user_password_set,
)
from ..tokens import welcome_token_generator


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        sign_in_success_record(user=form.get_user())
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["timed_out"] = self.request.GET.get("timeout") == "1"
        return context


class SignOutView(auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = PortalPasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choosing a new password through the emailed link also unlocks the account (R-ACC-2)."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    link_kind = "reset"

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        user_password_set(
            user=form.user, password=form.cleaned_data["new_password1"], via=self.link_kind
        )
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        return HttpResponseRedirect(str(self.success_url))


class WelcomeView(PasswordResetConfirmView):
    """The welcome email's link: set a first password, which activates the account."""

    template_name = "accounts/welcome.html"
    token_generator = welcome_token_generator
    reset_url_token = "set-password"  # noqa: S105 - a URL segment, not a secret
    success_url = reverse_lazy("accounts:welcome_complete")
    link_kind = "welcome"


def welcome_complete(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "accounts/welcome_complete.html")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "organisation": request.user.organisation,
        "attention": attention_for(user=request.user),
    }
    return render(request, "dashboard.html", context)


@login_required
@require_POST
def keep_alive(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Touching the session restarts the idle timeout (the page's 'Stay signed in' button)."""
    request.session.modified = True
    if request.headers.get("Accept", "").startswith("text/html"):
        messages.info(request, "You are still signed in.")
    return JsonResponse({"ok": True})


def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = user_email_confirm(token=token)
    except AccountError as error:
        return render(request, "accounts/email_confirmed.html", {"error": " ".join(error.messages)})
    return render(request, "accounts/email_confirmed.html", {"email": user.email})
