import datetime

import pytest
import time_machine
from django.core import mail
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User, UserSession
from accounts.roles import Role
from accounts.services import (
    AccountError,
    sign_in_address_throttle,
    sign_in_failure_record,
    sign_in_success_record,
    totp_device_pending,
    totp_enrolment_confirm,
    user_create,
    user_delete,
    user_invite,
    user_password_set,
    user_reinstate,
    user_second_factor_reset,
    user_suspend,
    user_update,
    user_welcome_send,
    username_generate,
)
from accounts.tests.factories import AOStaffFactory, ProviderOrganisationFactory, UserFactory
from accounts.tests.helpers import current_code
from accounts.tokens import welcome_token_generator
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

VALID = {
    "given_name": "Jo",
    "family_name": "Bloggs",
    "email": "jo.bloggs@college.example",
    "roles": [Role.RESULTS_ENTRY],
    "verification_note": "Authorised by the principal by phone",
}


def _create(**overrides):
    organisation = overrides.pop("organisation", None) or ProviderOrganisationFactory()
    return user_create(organisation=organisation, acting_user=None, **{**VALID, **overrides})


def test_r_acc_4_username_is_made_unique_with_a_number():
    UserFactory(username="jo.bloggs")
    UserFactory(username="jo.bloggs2")
    assert username_generate(given_name="Jo", family_name="Bloggs") == "jo.bloggs3"


def test_r_acc_4_user_create_generates_the_username_and_audits_it():
    admin = AOStaffFactory()
    user = user_create(organisation=ProviderOrganisationFactory(), acting_user=admin, **VALID)

    assert user.username == "jo.bloggs"
    event = AuditEvent.objects.get(action="user.create", object_id=str(user.pk))
    assert event.actor == admin
    assert event.after["email"] == "jo.bloggs@college.example"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("given_name", " ", "given name"),
        ("family_name", "", "family name"),
        ("email", "", "own email address"),
        ("roles", [], "at least one role"),
        ("verification_note", "", "who authorised this account"),
    ],
)
def test_r_acc_4_creating_a_user_needs_every_required_detail(field, value, message):
    with pytest.raises(AccountError) as caught:
        _create(**{field: value})
    assert message in " ".join(caught.value.message_dict[field])
    assert not User.objects.exists()


@pytest.mark.parametrize("email", ["info@college.example", "Office@college.example"])
def test_r_acc_1_a_generic_mailbox_is_refused_with_the_reason(email):
    with pytest.raises(AccountError) as caught:
        _create(email=email)
    assert "not a shared mailbox" in caught.value.message_dict["email"][0]


def test_r_acc_1_an_email_already_used_in_any_case_is_refused():
    UserFactory(email="jo.bloggs@college.example")
    with pytest.raises(AccountError) as caught:
        _create(email="JO.BLOGGS@college.example")
    assert "already uses this email" in caught.value.message_dict["email"][0]


def test_r_acc_5_roles_must_belong_to_the_organisations_kind():
    with pytest.raises(AccountError) as caught:
        _create(roles=[Role.CATALOGUE_MANAGER])
    assert "do not apply" in caught.value.message_dict["roles"][0]


def test_r_acc_1_editing_never_reassigns_the_account_and_an_email_change_needs_confirming():
    user = UserFactory(email="old@college.example")
    admin = UserFactory(organisation=user.organisation, roles=[Role.PROVIDER_SUPER_USER])

    user_update(
        user=user,
        given_name=user.given_name,
        family_name=user.family_name,
        email="new@college.example",
        roles=user.roles,
        acting_user=admin,
    )

    user.refresh_from_db()
    assert user.email_verified_at is None
    event = AuditEvent.objects.get(action="user.update")
    assert event.before == {"email": "old@college.example"}
    assert event.after == {"email": "new@college.example"}


def test_invite_emails_a_welcome_link_that_sets_the_first_password(
    django_capture_on_commit_callbacks,
):
    admin = UserFactory(roles=[Role.PROVIDER_SUPER_USER])
    with django_capture_on_commit_callbacks(execute=True):
        user = user_invite(organisation=admin.organisation, acting_user=admin, **VALID)

    assert user.status == User.Status.INACTIVE
    assert len(mail.outbox) == 1
    assert "jo.bloggs" in mail.outbox[0].body
    assert "/accounts/welcome/" in mail.outbox[0].body


def test_the_welcome_link_works_for_72_hours_only():
    user = _create()
    user_welcome_send(user=user, acting_user=None)
    token = welcome_token_generator.make_token(user)

    with time_machine.travel(datetime.datetime.now() + datetime.timedelta(hours=71)):
        assert welcome_token_generator.check_token(user, token)
    with time_machine.travel(datetime.datetime.now() + datetime.timedelta(hours=73)):
        assert not welcome_token_generator.check_token(user, token)


def test_the_welcome_link_is_single_use_and_a_resend_cancels_earlier_links():
    user = _create()
    user_welcome_send(user=user, acting_user=None)
    first = welcome_token_generator.make_token(user)

    with time_machine.travel(datetime.datetime.now() + datetime.timedelta(seconds=2)):
        user_welcome_send(user=user, acting_user=None)
    second = welcome_token_generator.make_token(user)
    assert not welcome_token_generator.check_token(user, first)
    assert welcome_token_generator.check_token(user, second)

    user_password_set(user=user, password="a-long-new-password", via="welcome")
    assert not welcome_token_generator.check_token(user, second)


def test_setting_the_first_password_activates_and_verifies_the_account():
    user = _create()
    user_password_set(user=user, password="a-long-new-password", via="welcome")
    user.refresh_from_db()
    assert user.status == User.Status.ACTIVE
    assert user.email_verified_at is not None
    assert user.check_password("a-long-new-password")


def test_r_acc_3_suspending_signs_the_user_out_everywhere_and_reinstating_restores_access(client):
    user = UserFactory()
    admin = UserFactory(organisation=user.organisation, roles=[Role.PROVIDER_SUPER_USER])
    client.force_login(user)
    assert UserSession.objects.filter(user=user).count() == 1

    user_suspend(user=user, acting_user=admin, reason="Left the college")

    assert UserSession.objects.filter(user=user).count() == 0
    assert not user.is_active
    user_reinstate(user=user, acting_user=admin, reason="Back from leave")
    assert User.objects.get(pk=user.pk).is_active


def test_r_acc_3_a_deleted_account_can_never_sign_in_and_its_history_stays():
    user = UserFactory()
    admin = UserFactory(organisation=user.organisation, roles=[Role.PROVIDER_SUPER_USER])
    user_delete(user=user, acting_user=admin, reason="Duplicate account")

    user.refresh_from_db()
    assert user.status == User.Status.DELETED
    assert not user.has_usable_password()
    with pytest.raises(AccountError):
        user_reinstate(user=user, acting_user=admin, reason="Back from leave")
    assert AuditEvent.objects.filter(object_id=str(user.pk), action="user.deleted").exists()


def test_r_acc_3_a_super_user_cannot_change_their_own_status():
    admin = UserFactory(roles=[Role.PROVIDER_SUPER_USER])
    with pytest.raises(AccountError):
        user_suspend(user=admin, acting_user=admin)


def test_r_acc_2_five_failed_sign_ins_in_a_row_lock_the_account_and_email_the_user(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            sign_in_failure_record(user=user, ip="198.51.100.7")
        assert not User.objects.get(pk=user.pk).is_locked
        sign_in_failure_record(user=user, ip="198.51.100.8")

    user.refresh_from_db()
    assert user.is_locked
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "locked" in mail.outbox[0].subject


def test_r_acc_2_a_successful_sign_in_resets_the_count_of_failures():
    user = UserFactory()
    for _ in range(4):
        sign_in_failure_record(user=user, ip=None)
    sign_in_success_record(user=user)
    sign_in_failure_record(user=user, ip=None)
    user.refresh_from_db()
    assert user.failed_login_attempts == 1
    assert not user.is_locked


def test_r_acc_2_setting_a_password_through_the_reset_link_unlocks_the_account():
    user = UserFactory()
    for _ in range(5):
        sign_in_failure_record(user=user, ip=None)
    user_password_set(user=user, password="a-long-new-password", via="reset")
    user.refresh_from_db()
    assert not user.is_locked
    assert user.failed_login_attempts == 0


def test_failed_sign_ins_from_one_address_are_throttled_across_accounts(settings):
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 3
    for _ in range(3):
        sign_in_failure_record(user=None, ip="203.0.113.50")
    assert sign_in_address_throttle(ip="203.0.113.50").blocked
    assert not sign_in_address_throttle(ip="203.0.113.51").blocked


def test_r_acc_6_enrolment_with_a_right_code_confirms_the_device_and_gives_ten_backup_codes():
    user = UserFactory(roles=[Role.PROVIDER_SUPER_USER])
    device = totp_device_pending(user=user)
    codes = totp_enrolment_confirm(user=user, device=device, token=current_code(device))
    device.refresh_from_db()
    assert device.confirmed
    assert len(codes) == 10 and len(set(codes)) == 10
    assert StaticDevice.objects.get(user=user).token_set.count() == 10


def test_r_acc_6_enrolment_with_a_wrong_code_is_refused():
    user = UserFactory(roles=[Role.PROVIDER_SUPER_USER])
    device = totp_device_pending(user=user)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    with pytest.raises(AccountError):
        totp_enrolment_confirm(user=user, device=device, token=wrong)
    device.refresh_from_db()
    assert not device.confirmed


def test_r_acc_6_a_super_user_resets_a_second_factor_without_seeing_it_and_it_is_audited():
    user = UserFactory(roles=[Role.RESULTS_ENTRY])
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    admin = UserFactory(organisation=user.organisation, roles=[Role.PROVIDER_SUPER_USER])

    user_second_factor_reset(user=user, acting_user=admin, reason="Lost phone")

    assert not TOTPDevice.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="user.second_factor_reset")
    assert event.actor == admin and event.object_id == str(user.pk)


def test_r_acc_7_every_account_state_change_writes_one_audit_row():
    admin = UserFactory(roles=[Role.PROVIDER_SUPER_USER])
    user = user_create(organisation=admin.organisation, acting_user=admin, **VALID)
    user_welcome_send(user=user, acting_user=admin)
    user_password_set(user=user, password="a-long-new-password", via="welcome")
    user_update(
        user=user,
        given_name="Joanna",
        family_name="Bloggs",
        email=user.email,
        roles=user.roles,
        acting_user=admin,
    )
    user_suspend(user=user, acting_user=admin)
    user_reinstate(user=user, acting_user=admin, reason="Back from leave")
    user_delete(user=user, acting_user=admin)

    actions = list(
        AuditEvent.objects.filter(object_id=str(user.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "user.create",
        "user.welcome_sent",
        "user.password_set_via_welcome",
        "user.update",
        "user.suspended",
        "user.reinstated",
        "user.deleted",
    ]


def test_r_acc_1_a_changed_email_must_be_confirmed_through_a_link_sent_to_it(
    django_capture_on_commit_callbacks,
):
    from accounts.services import user_email_confirm

    user = UserFactory(email="old@college.example")
    admin = UserFactory(organisation=user.organisation, roles=[Role.PROVIDER_SUPER_USER])
    with django_capture_on_commit_callbacks(execute=True):
        user_update(
            user=user,
            given_name=user.given_name,
            family_name=user.family_name,
            email="new@college.example",
            roles=user.roles,
            acting_user=admin,
        )
    assert mail.outbox[-1].to == ["new@college.example"]
    link = next(w for w in mail.outbox[-1].body.split() if "/confirm-email/" in w)
    token = link.rstrip("/").rsplit("/", 1)[1]

    user_email_confirm(token=token)

    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_r_acc_1_a_confirmation_link_for_an_address_no_longer_used_is_refused():
    from django.core import signing

    from accounts.services import EMAIL_CONFIRMATION_SALT, user_email_confirm

    user = UserFactory(email="current@college.example", email_verified_at=None)
    stale = signing.dumps(
        {"user": user.pk, "email": "old@college.example"}, salt=EMAIL_CONFIRMATION_SALT
    )
    with pytest.raises(AccountError):
        user_email_confirm(token=stale)
