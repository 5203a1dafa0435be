"""Fault test on a real Celery worker and the real Redis broker (decision 0085): with the broker
unreachable from the web process, revoking and dispatching answer normally, and once it is back
the emails go out, each exactly once, from the worker."""

import datetime
import time
from email import message_from_bytes
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.tests.helpers import sign_in
from certificates.models import Certificate
from outbox.models import OutboxMessage
from outbox.services import outbox_flush
from results import services
from results.models import Consignment
from tests.faults import broker_unreachable

pytestmark = pytest.mark.django_db(transaction=True)


def _subjects(mail_dir: Path) -> list[str]:
    subjects = []
    for path in sorted(mail_dir.glob("*")):
        for part in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if part.strip():
                subjects.append(str(message_from_bytes(part.strip())["Subject"]))
    return subjects


def test_r_crt_6_revoke_and_dispatch_answer_while_the_broker_is_down_and_each_email_goes_once(
    client, season, settings, tmp_path, real_celery_worker_factory
):
    season.to_certificated(award_date=datetime.date(2026, 3, 2))
    certificate = Certificate.objects.filter(provider=season.course_run.provider).first()
    consignment = services.consignment_create(
        provider=season.course_run.provider,
        course_runs=[season.course_run],
        acting_user=season.officer,
    )
    mail_dir = tmp_path / "mail"
    worker = real_celery_worker_factory(
        name="broker-down",
        env={
            "TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "TEST_EMAIL_FILE_PATH": str(mail_dir),
        },
    )
    # While the worker runs, tasks from this process go to the broker, not eagerly.
    sign_in(client, season.officer)
    with broker_unreachable():
        revoked = client.post(
            reverse("certificates:revoke", args=[certificate.number]), {"reason": "Fraud"}
        )
        dispatched = client.post(
            reverse("results:consignment", args=[consignment.pk]),
            {
                "carrier": Consignment.Carrier.ROYAL_MAIL,
                "tracking_reference": "RM123456785GB",
                "dispatched_on": "03/03/2026",
            },
        )
    assert (revoked.status_code, dispatched.status_code) == (302, 302)
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 2
    time.sleep(1)
    assert _subjects(mail_dir) == []  # nothing went while the broker was away

    settings.OUTBOX_SEND_AFTER_SECONDS = 0
    assert outbox_flush() == 2  # beat, once the broker is back
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_subjects(mail_dir)) < 2:
        time.sleep(0.3)
    assert outbox_flush() == 0  # and again: nothing left to send
    time.sleep(3)  # time for a duplicate to show itself, were there one

    subjects = _subjects(mail_dir)
    assert len(subjects) == 2, (subjects, worker.log())
    assert sum("has been revoked" in s for s in subjects) == 1
    assert sum("e-certificates are ready" in s for s in subjects) == 1
    certificate.refresh_from_db()
    consignment.refresh_from_db()
    assert certificate.provider_notified_at is not None
    assert consignment.e_certificates_notified_at is not None
