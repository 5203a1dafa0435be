"""The sandpit's achievement batch jobs move Waiting → InProgress → Successful over seconds."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from lrs_sandpit.achievement_models import AchievementBatchJob
from lrs_sandpit.achievements import job_advance
from lrs_sandpit.services import sandpit_account_ensure
from lrs_sync.achievement_envelopes import (
    AchievementRow,
    achievement_element,
    submit_request,
)

pytestmark = pytest.mark.django_db


def test_a_job_waits_then_is_in_progress_then_finishes(settings):
    settings.LRS_SANDPIT_WAITING_SECONDS = 2
    settings.LRS_SANDPIT_PROCESSING_SECONDS = 2
    from lxml import etree

    row = AchievementRow(
        award_date=datetime.date(2026, 3, 2),
        action=1,
        action_date=None,
        action_reason="",
        date_of_birth=None,
        family_name="Hassan",
        gender="2",
        given_name="Amira",
        grade="P",
        language_for_assessment="ENG",
        postcode="",
        mis_identifier="ACH1",
        ukprn="10012345",
        uln="9276308686",
        aim_reference="U/100/0001",
    )
    request = submit_request(
        email_address="a@example.com",
        submission_type="Final",
        achievements=[achievement_element(row)],
    )
    start = timezone.now()
    job = AchievementBatchJob.objects.create(
        account=sandpit_account_ensure(
            organisation_ref="AO", ukprn="", user_name="u", password="p"
        ),
        submission_type="Final",
        request=etree.tostring(request),
        record_count=1,
        submitted_at=start,
    )

    assert job_advance(job, now=start + datetime.timedelta(seconds=1)).status == "Waiting"
    assert job_advance(job, now=start + datetime.timedelta(seconds=3)).status == "InProgress"
    with time_machine.travel(start + datetime.timedelta(seconds=5), tick=False):
        finished = job_advance(job)
    # Nobody with that ULN or aim on the registers: rejected, and one of one is over 30%.
    assert finished.status == "Failed"
    assert finished.rejection_reason.startswith("RS005")
    assert "ULN001" in finished.error_file or "AIM001" in finished.error_file
