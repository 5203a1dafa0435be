"""Second-factor reset and reinstatement are controlled acts (R-ACC-3, R-ACC-6, R-ACC-7)."""

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.roles import Role
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import sign_in
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(roles=[Role.PROVIDER_SUPER_USER], given_name="Sam", family_name="Super")


def test_r_acc_6_resetting_a_second_factor_asks_to_confirm_and_does_nothing_without_a_reason(
    client, admin
):
    person = UserFactory(organisation=admin.organisation)
    TOTPDevice.objects.create(user=person, name="phone", confirmed=True)
    sign_in(client, admin)
    url = reverse("accounts:user_second_factor_reset", args=[person.pk])

    page = client.get(url).content.decode()
    assert "Reset" in page and "Reason" in page
    response = client.post(url, {"reason": "  "})

    assert "Say why" in response.content.decode()
    assert TOTPDevice.objects.filter(user=person).exists()
    assert not AuditEvent.objects.filter(action="user.second_factor_reset").exists()


def test_r_acc_6_r_acc_7_a_confirmed_second_factor_reset_is_audited_with_its_reason_and_emailed(
    client, admin, django_capture_on_commit_callbacks
):
    person = UserFactory(organisation=admin.organisation, email="pat@college.example")
    TOTPDevice.objects.create(user=person, name="phone", confirmed=True)
    sign_in(client, admin)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:user_second_factor_reset", args=[person.pk]),
            {"reason": "Lost their phone; confirmed by phone call"},
        )

    assert not TOTPDevice.objects.filter(user=person).exists()
    event = AuditEvent.objects.get(action="user.second_factor_reset")
    assert event.detail["reason"] == "Lost their phone; confirmed by phone call"
    [message] = [m for m in mail.outbox if m.to == ["pat@college.example"]]
    assert "reset by Sam Super" in message.body
    assert "Lost their phone" in message.body
    assert "If this was not expected, contact" in message.body


def test_r_acc_3_r_acc_7_reinstating_asks_for_a_reason_is_audited_and_emails_the_person(
    client, admin, django_capture_on_commit_callbacks
):
    person = UserFactory(organisation=admin.organisation, status=User.Status.SUSPENDED)
    sign_in(client, admin)
    url = reverse("accounts:user_reinstate", args=[person.pk])
    assert "Reason" in client.get(url).content.decode()
    client.post(url, {"reason": ""})
    assert User.objects.get(pk=person.pk).status == User.Status.SUSPENDED

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "Back from maternity leave"})

    assert User.objects.get(pk=person.pk).status == User.Status.ACTIVE
    event = AuditEvent.objects.get(action="user.reinstated")
    assert event.detail["reason"] == "Back from maternity leave"
    [message] = [m for m in mail.outbox if m.to == [person.email]]
    assert "reinstated by Sam Super" in message.body
