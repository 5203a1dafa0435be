"""The signed-in user's own account: details, roles, second factor, password."""

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django_otp import user_has_device

from audit.services import audit_record

from ..forms import LOCKED_MESSAGE, PortalPasswordChangeForm
from ..http import AuthenticatedHttpRequest
from ..models import User, UserSession


@login_required
def my_account(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/my_account.html",
        {"has_second_factor": user_has_device(request.user, confirmed=True)},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password signs the user out of every other session."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:my_account")
    form_class = PortalPasswordChangeForm

    def form_invalid(self, form: PasswordChangeForm) -> HttpResponse:
        # Wrong current passwords lock the account like wrong sign-ins (R-ACC-2): then sign out.
        user_id = self.request.user.pk
        locked = User.objects.filter(pk=user_id or 0, locked_at__isnull=False).exists()
        if locked:
            logout(self.request)
            messages.error(self.request, LOCKED_MESSAGE)
            return redirect("accounts:login")
        return super().form_invalid(form)

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        user = form.save()
        update_session_auth_hash(self.request, user)
        UserSession.objects.filter(user=user).exclude(
            session_key=self.request.session.session_key
        ).delete()
        audit_record(actor=user, action="user.password_changed", target=user)
        messages.success(self.request, "Password changed. Your other sessions are signed out.")
        return super(auth_views.PasswordChangeView, self).form_valid(form)
