"""Every way in shares one lockout, throttle and audit trail (R-ACC-2, R-ACC-6, R-ACC-7)."""

import base64

import pytest
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.forms import PortalPasswordChangeForm, SignInForm
from accounts.models import User
from accounts.tests.factories import TEST_PASSWORD, AOStaffFactory, UserFactory
from accounts.tests.helpers import sign_in
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

# Every page that checks a password; the walk below fails until a new one is added here.
PASSWORD_PAGES = {
    "home": "sign-in",
    "accounts:login": "sign-in",
    "accounts:password_change": "password-change",
}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _walk(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{prefix}{pattern.name}", pattern.callback


def _form_class(callback):
    view_class = getattr(callback, "view_class", None)
    if view_class is None:
        return None
    if issubclass(view_class, auth_views.LoginView):
        return view_class.authentication_form or AuthenticationForm
    return getattr(view_class, "form_class", None)


def test_r_acc_2_every_page_that_checks_a_password_is_known_and_uses_the_portals_forms():
    found = {}
    for name, callback in _walk(get_resolver().url_patterns):
        form_class = _form_class(callback)
        if form_class and issubclass(form_class, AuthenticationForm | PasswordChangeForm):
            found[name] = form_class
    assert set(found) == set(PASSWORD_PAGES)
    for name, form_class in found.items():
        expected = SignInForm if PASSWORD_PAGES[name] == "sign-in" else PortalPasswordChangeForm
        assert issubclass(form_class, expected), name


def _wrong_password(client, name, user):
    if PASSWORD_PAGES[name] == "sign-in":
        return client.post(reverse(name), {"username": user.username, "password": "wrong"})
    return client.post(
        reverse(name),
        {
            "old_password": "wrong",
            "new_password1": "N3w-pass-phrase!",
            "new_password2": "N3w-pass-phrase!",
        },
    )


@pytest.mark.parametrize("name", sorted(PASSWORD_PAGES))
def test_r_acc_2_r_acc_7_five_wrong_passwords_on_any_way_in_lock_the_account_and_are_audited(
    client, name, django_capture_on_commit_callbacks
):
    user = UserFactory(username="jo.target")
    if PASSWORD_PAGES[name] == "password-change":
        sign_in(client, user)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            _wrong_password(client, name, user)
    user.refresh_from_db()
    assert user.is_locked
    failures = AuditEvent.objects.filter(
        action="user.sign_in_failed", object_type="accounts.user", object_id=str(user.pk)
    )
    assert failures.count() == 5
    assert all(e.detail["user_name_tried"] == "jo.target" for e in failures)
    assert all(e.ip_address == "127.0.0.1" for e in failures)
    assert AuditEvent.objects.filter(action="user.locked", object_id=str(user.pk)).count() == 1
    assert [m.to for m in mail.outbox] == [[user.email]]
    # Locked means locked, wherever the next try comes from: the right password is refused too.
    client.logout()
    response = client.post(
        reverse("accounts:login"), {"username": "jo.target", "password": TEST_PASSWORD}
    )
    assert "This account is locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_r_acc_2_the_django_admin_is_no_way_in(client):
    AOStaffFactory(username="jo.admin")
    response = client.post("/admin/login/", {"username": "jo.admin", "password": TEST_PASSWORD})
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 404


def test_r_acc_2_the_api_takes_no_passwords(client):
    UserFactory(username="jo.api")
    credentials = base64.b64encode(f"jo.api:{TEST_PASSWORD}".encode()).decode()
    response = client.get("/api/v1/registrations/", HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert response.status_code in {401, 403}
    assert "_auth_user_id" not in client.session


def test_r_acc_7_a_failed_sign_in_with_an_unknown_user_name_is_audited(client):
    client.post(reverse("accounts:login"), {"username": "no.such.person", "password": "x"})
    event = AuditEvent.objects.get(action="user.sign_in_failed")
    assert event.detail["user_name_tried"].startswith("no… (14 characters, fingerprint ")
    assert event.ip_address == "127.0.0.1"


def test_r_acc_7_a_password_typed_as_the_user_name_is_not_kept_in_the_audit(client):
    typed = "Tr0ub4dor&3-horse"
    client.post(reverse("accounts:login"), {"username": typed, "password": "x"})
    client.post(reverse("accounts:login"), {"username": typed, "password": "y"})
    client.post(reverse("accounts:login"), {"username": "someone.else", "password": "z"})
    first, again, other = (
        e.detail["user_name_tried"]
        for e in AuditEvent.objects.filter(action="user.sign_in_failed").order_by("pk")
    )
    assert typed not in first and "4dor" not in first
    assert first == again  # the same unknown name tried twice is seen as the same
    assert other != first
    log = AuditEvent.objects.filter(action="user.sign_in_failed")
    assert not log.filter(detail__icontains=typed).exists()


def test_r_acc_7_the_users_page_shows_their_recent_failed_sign_ins(client):
    admin = UserFactory(roles=["provider_super_user"])
    person = UserFactory(username="jo.failing", organisation=admin.organisation)
    client.post(reverse("accounts:login"), {"username": "jo.failing", "password": "wrong"})
    sign_in(client, admin)
    page = client.get(reverse("accounts:user_detail", args=[person.pk])).content.decode()
    assert "Recent failed sign-ins" in page
    assert "127.0.0.1" in page
    assert User.objects.get(pk=person.pk).failed_login_attempts == 1


def test_r_acc_2_r_acc_7_wrong_api_tokens_are_audited_and_share_the_address_throttle(
    client, settings
):
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 3
    UserFactory(username="jo.mis")
    for attempt in range(3):
        response = client.get(
            reverse("api_me"), HTTP_AUTHORIZATION=f"Bearer ap_not-a-real-token-{attempt}"
        )
        assert response.status_code == 401
    failures = AuditEvent.objects.filter(action="user.sign_in_failed")
    assert failures.count() == 3
    assert all(e.detail["way_in"] == "the API, with a personal token" for e in failures)

    # The address is now throttled for the sign-in page too: one budget for every way in.
    page = client.post(reverse("accounts:login"), {"username": "jo.mis", "password": TEST_PASSWORD})
    assert "too many failed sign-ins from your network" in page.content.decode()
    assert client.get(reverse("api_me"), HTTP_AUTHORIZATION="Bearer ap_x").status_code == 429
