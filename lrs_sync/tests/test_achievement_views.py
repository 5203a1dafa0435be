"""The achievement pages: batches, single records and the R-RES-3 deadline board."""

import datetime

import pytest
import time_machine
from django.test import TestCase
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory
from accounts.tests.helpers import sign_in
from learners.models import Learner
from learners.tests.factories import LearnerFactory
from lrs_sync.achievement_models import Achievement, AchievementBatch, AchievementState
from qualifications.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def record_set_user(client):
    user = AOStaffFactory(roles=[Role.QCF_RECORD_SET_USER])
    sign_in(client, user)
    return user


@pytest.fixture
def qcf_user(client):
    user = AOStaffFactory(roles=[Role.QCF_USER])
    sign_in(client, user)
    return user


def _ready(make_achievement, sandpit, count, **learner_fields):
    records = []
    for _ in range(count):
        learner = LearnerFactory(**learner_fields)
        unit = UnitFactory()
        sandpit.aims(unit)
        sandpit.register(learner)
        records.append(make_achievement(learner, aim=unit))
    return records


def test_send_now_builds_and_sends_a_batch_and_the_list_shows_its_counters(
    client, record_set_user, make_achievement, sandpit
):
    _ready(make_achievement, sandpit, 2)

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("lrs_sync:achievement_batches"), {"submission_type": "Final"}, follow=True
        )

    assert "1 batch built with 2 records" in response.content.decode()
    batch = AchievementBatch.objects.get()
    page = client.get(reverse("lrs_sync:achievement_batches")).content.decode()
    assert f"Batch {batch.pk}" in page and "Processed" in page and "100%" in page


def test_the_batch_page_names_each_rejected_record_with_a_link_to_fix_it(
    client, record_set_user, make_achievement, sandpit
):
    records = _ready(make_achievement, sandpit, 4)
    Learner.objects.filter(pk=records[0].learner_id).update(family_name="Mismatch")
    from lrs_sync.achievement_batches import achievement_batches_build

    with TestCase.captureOnCommitCallbacks(execute=True):
        (batch,) = achievement_batches_build(submission_type="Final", acting_user=None)

    page = client.get(reverse("lrs_sync:achievement_batch", args=[batch.pk])).content.decode()
    assert "does not match the LRS" in page
    assert reverse("learners:detail", args=[records[0].learner_id]) in page
    assert "Resubmit the fixed records" in page
    download = client.get(reverse("lrs_sync:achievement_batch_download", args=[batch.pk]))
    assert download["Content-Type"] == "application/xml"
    assert b"SubmitAchievementBatchJob" in download.content


def test_a_failed_batch_shows_its_reason_at_the_top(
    client, record_set_user, make_achievement, sandpit
):
    _ready(make_achievement, sandpit, 1)
    make_achievement()  # a learner the LRS does not know: 1 of 2 rejected, RS005
    from lrs_sync.achievement_batches import achievement_batches_build

    with TestCase.captureOnCommitCallbacks(execute=True):
        (batch,) = achievement_batches_build(submission_type="Final", acting_user=None)

    page = client.get(reverse("lrs_sync:achievement_batch", args=[batch.pk])).content.decode()
    assert page.index("RS005") < page.index("Rejected records")
    assert "Every record went back to pending" in page


def test_an_unverified_learners_record_says_why_it_waits_with_a_link_to_verify(
    client, qcf_user, make_achievement
):
    record = make_achievement(verified=False)

    page = client.get(reverse("lrs_sync:achievement", args=[record.pk])).content.decode()

    assert "has not been verified with the LRS" in page
    assert reverse("learners:detail", args=[record.learner_id]) in page
    assert "Verify" in page


def test_the_qcf_user_withdraws_a_record_naming_the_field_when_the_date_is_missing(
    client, qcf_user, make_achievement
):
    record = make_achievement()
    url = reverse("lrs_sync:achievement", args=[record.pk])

    refused = client.post(url, {"action": "withdraw", "withdraw-action_reason": "SUBINERROR"})
    assert refused.status_code == 400
    assert "Action date" in refused.content.decode()

    client.post(
        url,
        {
            "action": "withdraw",
            "withdraw-action_date": "05/03/2026",
            "withdraw-action_reason": "SUBINERROR",
        },
    )
    record.refresh_from_db()
    assert record.withdrawn
    page = client.get(url).content.decode()
    assert "Withdrawn (SUBINERROR" in page and "Reinstate" in page


def test_the_qcf_user_creates_an_achievement(client, qcf_user):
    learner = LearnerFactory()
    unit = UnitFactory()

    response = client.post(
        reverse("lrs_sync:achievement_new"),
        {
            "uln": learner.uln,
            "aim_reference": unit.reference,
            "award_date": "02/03/2026",
            "grade": "P",
            "language_for_assessment": "CYM",
            "submission_type": "Final",
        },
        follow=True,
    )

    record = Achievement.objects.get()
    assert (record.learner, record.language_for_assessment) == (learner, "CYM")
    assert "Achievement created" in response.content.decode()


def test_r_res_3_the_deadline_board_shows_due_at_risk_and_overdue_in_working_days(
    client, qcf_user, make_achievement
):
    # Results issued Thursday 21/5/2026; the spring bank holiday is Monday 25/5: due 5/6.
    on_time = make_achievement(award_date=datetime.date(2026, 5, 21))
    late = make_achievement(award_date=datetime.date(2026, 5, 1))
    accepted = make_achievement(award_date=datetime.date(2026, 5, 1))
    Achievement.objects.filter(pk=accepted.pk).update(
        state=AchievementState.ACCEPTED, held_at_lrs=True
    )

    with time_machine.travel(datetime.date(2026, 6, 2), tick=False):
        page = client.get(reverse("lrs_sync:achievement_deadlines")).content.decode()
        csv = b"".join(
            client.get(reverse("lrs_sync:achievement_deadlines") + "?format=csv").streaming_content
        ).decode()

    assert "Overdue: <strong>1</strong>" in page
    assert "At risk: <strong>1</strong>" in page
    assert accepted.uln not in page
    lines = csv.splitlines()
    assert lines[1].startswith("overdue,") and late.uln in lines[1]
    assert lines[2].startswith("at risk,3,2026-06-05") and on_time.uln in lines[2]


def test_r_res_3_the_deadline_board_filters_by_provider(client, qcf_user, make_achievement):
    one = make_achievement()
    other = make_achievement()

    page = client.get(
        reverse("lrs_sync:achievement_deadlines"), {"provider": one.provider_id}
    ).content.decode()

    assert one.uln in page and other.uln not in page
