"""Dispatching a consignment while the broker is down: no 500, and the e-certificate provider's
email goes out once after the broker is back (R-CRT-3, R-CRT-4, decision 0085)."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.tests.helpers import sign_in
from outbox.models import OutboxMessage
from outbox.services import outbox_flush
from results import services
from results.models import Consignment, Stage
from tests.faults import broker_unreachable

pytestmark = pytest.mark.django_db


def test_r_crt_4_dispatching_while_the_broker_is_down_succeeds_and_the_email_follows_once(
    client, season, django_capture_on_commit_callbacks
):
    season.to_certificated(award_date=datetime.date(2026, 3, 2))
    consignment = services.consignment_create(
        provider=season.course_run.provider,
        course_runs=[season.course_run],
        acting_user=season.officer,
    )
    sign_in(client, season.officer)
    mail.outbox.clear()  # the emails of the earlier stages

    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("results:consignment", args=[consignment.pk]),
            {
                "carrier": Consignment.Carrier.ROYAL_MAIL,
                "tracking_reference": "RM123456785GB",
                "dispatched_on": "03/03/2026",
            },
        )

    consignment.refresh_from_db()
    assert response.status_code == 302
    assert season.state().stage == Stage.DISPATCHED
    assert consignment.e_certificates_notified_at is None
    assert mail.outbox == []

    OutboxMessage.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        outbox_flush()
        outbox_flush()

    consignment.refresh_from_db()
    assert consignment.e_certificates_notified_at is not None
    ready = [m for m in mail.outbox if "e-certificates are ready" in m.subject.lower()]
    assert len(ready) == 1
