"""A large import started or uploaded while the broker is down: the request succeeds, and beat
hands the work over once the broker is back (R-REG-8, decision 0085)."""

import datetime

import pytest
from django.utils import timezone

from learners.tests.factories import LearnerFactory
from outbox.models import OutboxMessage
from outbox.services import outbox_flush
from registrations import imports
from registrations.imports import registration_import_start, registration_import_upload
from registrations.models import ImportJob, Registration, RegistrationStatus
from tests.faults import broker_unreachable

from .csv_helpers import csv_file

pytestmark = pytest.mark.django_db


def _beat_after_the_outage(capture) -> None:
    OutboxMessage.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=1))
    with capture(execute=True):
        outbox_flush()


def test_r_reg_8_a_large_import_during_a_broker_outage_is_validated_and_uploaded_afterwards(
    provider, qualification, importer, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports.jobs, "BACKGROUND_ROWS", 2)
    learners = [LearnerFactory(provider=provider) for _ in range(3)]
    content = csv_file(*[[qualification.number, x.uln, "Registered"] for x in learners])

    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        job = registration_import_start(
            provider=provider,
            file_name="big.csv",
            content=content,
            separator=",",
            acting_user=importer,
        )
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.VALIDATING
    _beat_after_the_outage(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED

    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        registration_import_upload(job=job, acting_user=importer)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.UPLOADING
    _beat_after_the_outage(django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED
    assert Registration.objects.filter(status=RegistrationStatus.REGISTERED).count() == 3
