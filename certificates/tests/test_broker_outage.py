"""Revoking or replacing a certificate while the broker is down: no 500, and the provider's email
goes out once after the broker is back (R-CRT-6, decision 0085)."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import sign_in
from certificates.models import Certificate
from outbox.models import OutboxMessage
from outbox.services import outbox_flush
from tests.faults import broker_unreachable

from .factories import CertificateFactory

pytestmark = pytest.mark.django_db


def test_r_crt_6_revoking_while_the_broker_is_down_succeeds_and_the_email_follows_once(
    client, officer, provider, django_capture_on_commit_callbacks
):
    centre = UserFactory(organisation=provider.organisation, roles=[Role.PROVIDER_SUPER_USER])
    certificate = CertificateFactory(provider=provider)
    sign_in(client, officer)

    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("certificates:revoke", args=[certificate.number]), {"reason": "Fraud"}
        )

    certificate.refresh_from_db()
    assert response.status_code == 302
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.provider_notified_at is None
    assert mail.outbox == []

    OutboxMessage.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=1))
    outbox_flush()
    outbox_flush()

    certificate.refresh_from_db()
    assert certificate.provider_notified_at is not None
    assert [m.to for m in mail.outbox] == [[centre.email]]
    assert "revoked" in mail.outbox[0].subject.lower()
