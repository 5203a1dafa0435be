import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User, UserSession
from accounts.roles import Role
from accounts.tests.factories import TEST_PASSWORD, AOStaffFactory, UserFactory
from accounts.tests.helpers import current_code, sign_in
from audit.models import AuditEvent
from providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def _post_sign_in(client, username, password=TEST_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_the_home_page_is_the_sign_in_page_for_visitors(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Sign in" in response.content


@pytest.mark.parametrize("identifier", ["user.signin", "SignIn@College.example"])
def test_a_user_signs_in_with_user_name_or_email(client, identifier):
    UserFactory(username="user.signin", email="signin@college.example")
    response = _post_sign_in(client, identifier)
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_a_wrong_password_shows_a_message_and_keeps_the_user_name(client):
    UserFactory(username="user.wrong")
    response = _post_sign_in(client, "user.wrong", "not-it")
    assert response.status_code == 200
    assert "The user name or password is not right" in response.content.decode()
    assert 'value="user.wrong"' in response.content.decode()


def test_r_acc_3_a_suspended_user_cannot_sign_in(client):
    UserFactory(username="user.suspended", status="suspended")
    response = _post_sign_in(client, "user.suspended")
    assert "cannot sign in" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_r_acc_2_the_fifth_wrong_password_locks_and_says_so(client):
    UserFactory(username="user.locking")
    for _ in range(4):
        response = _post_sign_in(client, "user.locking", "wrong")
        assert "not right" in response.content.decode()
    response = _post_sign_in(client, "user.locking", "wrong")
    assert "This account is locked" in response.content.decode()
    assert User.objects.get(username="user.locking").is_locked


def test_r_acc_2_a_locked_account_answers_the_same_whether_the_password_is_right_or_not(client):
    UserFactory(username="user.locked", locked_at="2026-01-01T00:00Z", failed_login_attempts=5)
    right = _post_sign_in(client, "user.locked", TEST_PASSWORD).content.decode()
    wrong = _post_sign_in(client, "user.locked", "wrong").content.decode()
    assert "This account is locked" in right and "This account is locked" in wrong
    assert "_auth_user_id" not in client.session
    strip = lambda page: page.replace(TEST_PASSWORD, "").replace("wrong", "")  # noqa: E731
    assert strip(right).split("<form")[0] == strip(wrong).split("<form")[0]


def test_failed_sign_ins_from_one_address_are_slowed_whatever_the_account(client, settings):
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 3
    UserFactory(username="victim.one")
    for name in ("a.one", "b.two", "c.three"):
        _post_sign_in(client, name, "guess")
    response = _post_sign_in(client, "victim.one", TEST_PASSWORD)
    assert "too many failed sign-ins from your network" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_dashboard_needs_sign_in(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_r_acc_2_the_reset_link_sets_a_new_password_and_unlocks(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="reset.me@college.example", locked_at="2026-01-01T00:00Z")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "Reset.Me@college.example"})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    new_password = "a-brand-new-long-password"
    client.post(form_url, {"new_password1": new_password, "new_password2": new_password})

    user.refresh_from_db()
    assert user.check_password(new_password)
    assert not user.is_locked


def test_sign_out_is_a_post_and_ends_the_session(client):
    sign_in(client, UserFactory())
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("dashboard")).status_code == 302


# --- Second factor (R-ACC-6) ---------------------------------------------------------------


def test_r_acc_6_an_ao_user_with_an_authenticator_must_enter_a_code_before_any_page(client):
    user = AOStaffFactory(username="ao.person")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _post_sign_in(client, "ao.person")

    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:two_factor_verify"))

    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:two_factor_verify"), {"token": wrong})
    assert "That code is not right" in response.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302

    # After a wrong code the authenticator refuses tries for a moment; a person would wait.
    with time_machine.travel(
        datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=3)
    ):
        device.refresh_from_db()
        client.post(reverse("accounts:two_factor_verify"), {"token": current_code(device)})
        assert client.get(reverse("dashboard")).status_code == 200


def test_r_acc_6_a_provider_super_user_without_an_authenticator_is_sent_to_set_one_up(client):
    UserFactory(username="super.person", roles=[Role.PROVIDER_SUPER_USER])
    _post_sign_in(client, "super.person")
    response = client.get(reverse("dashboard"))
    assert response.url.startswith(reverse("accounts:two_factor_setup"))
    page = client.get(reverse("accounts:two_factor_setup")).content.decode()
    assert "<svg" in page and "Set-up key" in page


def test_r_acc_6_a_user_who_needs_no_second_factor_goes_straight_in(client):
    UserFactory(username="plain.person", roles=[Role.RESULTS_ENTRY])
    _post_sign_in(client, "plain.person")
    assert client.get(reverse("dashboard")).status_code == 200


def test_r_acc_6_a_backup_code_works_once(client):
    from accounts.services import backup_codes_generate

    user = AOStaffFactory(username="ao.backup")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    code = backup_codes_generate(user=user)[0]
    _post_sign_in(client, "ao.backup")
    client.post(reverse("accounts:two_factor_verify"), {"token": code})
    assert client.get(reverse("dashboard")).status_code == 200

    client.post(reverse("accounts:logout"))
    _post_sign_in(client, "ao.backup")
    response = client.post(reverse("accounts:two_factor_verify"), {"token": code})
    assert "That code is not right" in response.content.decode()


# --- User management (R-ACC-1, 3, 4, 5, 6) --------------------------------------------------


def _provider_super_user():
    provider = ProviderFactory()
    return UserFactory(organisation=provider.organisation, roles=[Role.PROVIDER_SUPER_USER])


def test_r_acc_4_a_provider_super_user_creates_a_user_who_is_emailed_a_welcome_link(
    client, django_capture_on_commit_callbacks
):
    admin = _provider_super_user()
    sign_in(client, admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:user_create"),
            {
                "organisation": admin.organisation_id,
                "given_name": "Mia",
                "family_name": "Wong",
                "email": "mia.wong@college.example",
                "roles": [Role.RESULTS_ENTRY],
                "verification_note": "Head of department, by email",
            },
        )
    created = User.objects.get(email="mia.wong@college.example")
    assert response.status_code == 302
    assert created.username == "mia.wong"
    assert created.organisation == admin.organisation
    assert "/accounts/welcome/" in mail.outbox[0].body


def test_r_acc_1_a_generic_mailbox_is_refused_at_the_field_and_nothing_typed_is_lost(client):
    admin = _provider_super_user()
    sign_in(client, admin)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "organisation": admin.organisation_id,
            "given_name": "Mia",
            "family_name": "Wong",
            "email": "info@college.example",
            "roles": [Role.RESULTS_ENTRY],
            "verification_note": "Head of department, by email",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "not a shared mailbox" in page
    assert 'value="Mia"' in page and 'value="Wong"' in page
    assert "Head of department, by email" in page
    assert not User.objects.filter(email="info@college.example").exists()


def test_r_acc_3_nobody_can_set_another_users_password_through_user_management(client):
    admin = _provider_super_user()
    other = UserFactory(organisation=admin.organisation)
    sign_in(client, admin)
    for url in (reverse("accounts:user_create"), reverse("accounts:user_edit", args=[other.pk])):
        assert 'type="password"' not in client.get(url).content.decode()


def test_r_acc_6_a_provider_super_user_cannot_reach_another_providers_users(client):
    admin = _provider_super_user()
    stranger = UserFactory(organisation=ProviderFactory().organisation)
    sign_in(client, admin)
    for name in ("user_detail", "user_edit", "user_suspend", "user_delete"):
        assert client.get(reverse(f"accounts:{name}", args=[stranger.pk])).status_code == 404
    assert client.post(reverse("accounts:user_reinstate", args=[stranger.pk])).status_code == 404
    listing = client.get(reverse("accounts:user_list")).content.decode()
    assert stranger.username not in listing


def test_r_acc_5_a_user_without_the_super_user_role_cannot_manage_users(client):
    sign_in(client, UserFactory(roles=[Role.BULK_UPLOAD, Role.DATA_EXPORT]))
    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(reverse("audit:event_list")).status_code == 403


def test_r_acc_3_suspending_through_the_page_signs_the_person_out(client):
    admin = _provider_super_user()
    person = UserFactory(organisation=admin.organisation)
    other_browser = type(client)()
    sign_in(other_browser, person)
    sign_in(client, admin)

    client.post(reverse("accounts:user_suspend", args=[person.pk]), {"reason": "Left"})

    assert User.objects.get(pk=person.pk).status == User.Status.SUSPENDED
    assert other_browser.get(reverse("dashboard")).status_code == 302


def test_r_acc_5_the_menu_lists_only_what_the_roles_allow(client):
    sign_in(client, UserFactory(roles=[Role.RESULTS_ENTRY]))
    page = client.get(reverse("dashboard")).content.decode()
    assert ">Users<" not in page and ">Audit log<" not in page
    client.logout()
    sign_in(client, _provider_super_user())
    page = client.get(reverse("dashboard")).content.decode()
    assert ">Users<" in page and ">Audit log<" in page


# --- Audit log (R-ACC-7) --------------------------------------------------------------------


def test_r_acc_7_a_provider_super_user_sees_only_their_organisations_events(client):
    admin = _provider_super_user()
    UserFactory(organisation=admin.organisation, username="own.colleague")
    from audit.services import audit_record

    audit_record(actor=UserFactory(organisation=admin.organisation), action="own.event")
    audit_record(actor=UserFactory(username="elsewhere"), action="other.event")
    sign_in(client, admin)
    page = client.get(reverse("audit:event_list")).content.decode()
    assert "Own event" in page
    assert "Other event" not in page


def test_r_acc_7_the_audit_log_exports_as_csv_and_the_export_is_itself_audited(client):
    admin = _provider_super_user()
    sign_in(client, admin)
    response = client.get(reverse("audit:event_export"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("When,User,From address,What happened")
    assert AuditEvent.objects.filter(action="audit.exported", actor=admin).exists()


def test_r_acc_7_the_annual_user_audit_lists_every_user_by_status_and_role(client):
    admin = _provider_super_user()
    UserFactory(
        organisation=admin.organisation,
        username="suspended.one",
        status="suspended",
        roles=[Role.DATA_EXPORT],
    )
    sign_in(client, admin)
    response = client.get(reverse("audit:user_audit") + "?format=csv")
    rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert rows[0].startswith("Organisation,User name,Name,Email,Status,Roles")
    suspended = next(r for r in rows if "suspended.one" in r)
    assert "Suspended" in suspended and "Data Export" in suspended


# --- Sessions -------------------------------------------------------------------------------


def test_sessions_end_after_30_idle_minutes(client):
    sign_in(client, UserFactory())
    client.get(reverse("dashboard"))
    assert 29 * 60 < client.session.get_expiry_age() <= 30 * 60


def test_changing_the_password_signs_out_every_other_session(client):
    user = UserFactory()
    other_browser = type(client)()
    sign_in(other_browser, user)
    sign_in(client, user)
    new = "another-long-password-2026"
    client.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": new,
            "new_password2": new,
        },
    )
    assert other_browser.get(reverse("dashboard")).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert UserSession.objects.filter(user=user).count() == 1
