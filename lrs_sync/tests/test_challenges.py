"""Event data challenges (R-EDC-1 to R-EDC-4): raised at the sandpit, fetched through the LRS
client, worked through the achievement services, reported back and reported monthly."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory
from learners.tests.factories import LearnerFactory
from lrs_sandpit.achievement_models import HeldAchievement
from lrs_sandpit.challenge_models import RaisedDataChallenge
from lrs_sync.achievement_models import Achievement, LrsAction
from lrs_sync.challenge_client import ChallengeClient
from lrs_sync.challenge_envelopes import ChallengeToCreate
from lrs_sync.challenge_models import ChallengeKind, ChallengeStatus, EventDataChallenge
from lrs_sync.challenge_notices import (
    challenge_report,
    challenge_resolver_nominate,
    challenges_monthly_report_send,
)
from lrs_sync.challenges import (
    ChallengeRejected,
    challenge_move_to_learner,
    challenge_process,
    challenge_resolve,
    challenge_withdraw_duplicate,
    challenges_fetch,
    challenges_set_in_progress,
)

from .challenge_fixtures import raise_challenge
from .conftest import verify

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def test_r_edc_1_every_type_can_be_raised_and_is_stored_once_however_often_fetched(
    challenged, resolver
):
    _, events = challenged
    types = [
        "WrongGrade",
        "WrongStartDate",
        "WrongEndDate",
        "SharedUln",
        "WrongUln",
        "Disputed",
    ]
    for challenge_type in types:
        raise_challenge(events[0], challenge_type, supplied_grade="D")
    raise_challenge(events[1], "Duplicate", learning_event_2_id=events[2].pk)

    first = challenges_fetch(acting_user=None)
    again = challenges_fetch(acting_user=None)

    assert len(first.new) == 7
    assert again.received == 7 and again.new == []
    assert EventDataChallenge.objects.count() == 7
    kinds = dict(EventDataChallenge.objects.values_list("lrs_type", "kind"))
    assert kinds["WrongGrade"] == ChallengeKind.INFORMATION_WRONG
    assert kinds["WrongEndDate"] == ChallengeKind.INFORMATION_WRONG
    assert kinds["SharedUln"] == ChallengeKind.NOT_THIS_LEARNER
    assert kinds["Disputed"] == ChallengeKind.NOT_THIS_LEARNER
    assert kinds["Duplicate"] == ChallengeKind.DUPLICATE
    duplicate = EventDataChallenge.objects.get(lrs_type="Duplicate")
    assert duplicate.second_achievement is not None
    assert all(c.is_valid for c in EventDataChallenge.objects.all())


def test_r_edc_1_create_and_list_data_challenge_as_the_contract_gives_them(challenged):
    achievements, events = challenged
    client = ChallengeClient()

    answer = client.create(
        ChallengeToCreate(
            challenge_type="WrongGrade",
            user_type="Learner",
            uln=achievements[0].uln,
            given_name="Zoë",
            family_name="O'Brien",
            date_of_birth=datetime.date(2006, 3, 27),
            gender="2",
            contact_name="Zoë O'Brien",
            telephone="",
            email_address="zoe@learner.example",
            additional_information="I was awarded a Distinction.",
            learning_event_1_id=events[0].pk,
            supplied_grade="D",
        )
    )
    listed = client.list_challenges(uln=achievements[0].uln)

    assert answer.response_code == "DC001" and answer.reference.startswith("EDC")
    assert [(i.reference, i.status, i.challenge_type) for i in listed] == [
        (answer.reference, "Open", "WrongGrade")
    ]


def test_r_edc_1_a_challenge_against_no_achievement_of_an_ao_is_refused(challenged):
    client = ChallengeClient()
    answer = client.create(
        ChallengeToCreate(
            challenge_type="Disputed",
            user_type="Provider",
            uln="",
            given_name="",
            family_name="",
            date_of_birth=None,
            gender="",
            contact_name="A provider",
            telephone="",
            email_address="",
            additional_information="",
            learning_event_1_id=999_999,
        )
    )
    assert answer.response_code == "DC002" and answer.reference == ""
    assert RaisedDataChallenge.objects.count() == 0


def test_r_edc_2_resolving_needs_a_comment_and_in_progress_comes_one_or_several_at_a_time(
    challenged, resolver
):
    _, events = challenged
    for event in events:
        raise_challenge(event, "Disputed")
    challenges_fetch(acting_user=None)
    first, second, third = EventDataChallenge.objects.order_by("pk")

    changed = challenges_set_in_progress(challenge_ids=[first.pk, second.pk], acting_user=resolver)
    challenge_process(challenge=third, acting_user=resolver)
    with pytest.raises(ChallengeRejected) as refused:
        challenge_resolve(challenge=first, upheld=False, comment="   ", acting_user=resolver)

    assert changed == 2
    assert "comment" in refused.value.message_dict
    statuses = set(EventDataChallenge.objects.values_list("status", flat=True))
    assert statuses == {ChallengeStatus.IN_PROGRESS}
    challenge_resolve(
        challenge=first, upheld=False, comment="Uploaded correctly.", acting_user=resolver
    )
    first.refresh_from_db()
    assert first.status == ChallengeStatus.REJECTED
    assert [line.note for line in first.history.all()][
        -1
    ] == "Resolved - Rejected: Uploaded correctly."


def test_r_edc_3_upholding_a_duplicate_withdraws_it_and_a_wrong_uln_moves_it(challenged, resolver):
    achievements, events = challenged
    right_learner = LearnerFactory()
    verify(right_learner)
    raise_challenge(events[0], "Duplicate", learning_event_2_id=events[1].pk)
    raise_challenge(events[2], "WrongUln")
    challenges_fetch(acting_user=None)
    duplicate = EventDataChallenge.objects.get(lrs_type="Duplicate")
    wrong_uln = EventDataChallenge.objects.get(lrs_type="WrongUln")
    challenges_set_in_progress(challenge_ids=[duplicate.pk, wrong_uln.pk], acting_user=resolver)

    challenge_withdraw_duplicate(
        challenge=duplicate,
        achievement=achievements[1],
        action_date=YESTERDAY,
        acting_user=resolver,
    )
    created = challenge_move_to_learner(
        challenge=wrong_uln, to_learner=right_learner, action_date=YESTERDAY, acting_user=resolver
    )

    withdrawn = Achievement.objects.get(pk=achievements[1].pk)
    moved_from = Achievement.objects.get(pk=achievements[2].pk)
    assert withdrawn.withdrawn and withdrawn.pending_action == LrsAction.WITHDRAW
    assert moved_from.withdrawn and moved_from.action_reason == "ULNINVALID"
    assert created.uln == right_learner.uln and created.pending_action == LrsAction.CREATE
    assert "Withdrew the duplicate" in duplicate.history.last().note
    assert f"to ULN {right_learner.uln}" in wrong_uln.history.last().note


def test_r_edc_3_acting_needs_the_challenge_in_progress(challenged, resolver):
    achievements, events = challenged
    raise_challenge(events[0], "Duplicate", learning_event_2_id=events[1].pk)
    challenges_fetch(acting_user=None)
    with pytest.raises(ChallengeRejected):
        challenge_withdraw_duplicate(
            challenge=EventDataChallenge.objects.get(),
            achievement=achievements[1],
            action_date=YESTERDAY,
            acting_user=resolver,
        )
    assert not Achievement.objects.get(pk=achievements[1].pk).withdrawn


def test_r_edc_4_a_new_valid_challenge_emails_the_nominated_resolver(
    challenged, resolver, django_capture_on_commit_callbacks
):
    _, events = challenged
    other_resolver = AOStaffFactory(roles=[Role.EDC_RESOLVER], email="other@awards.example")
    super_user = AOStaffFactory(roles=[Role.AO_SUPER_USER])
    challenge_resolver_nominate(resolver=resolver, acting_user=super_user)
    raise_challenge(events[0], "WrongGrade", supplied_grade="D")

    with django_capture_on_commit_callbacks(execute=True):
        challenges_fetch(acting_user=None)

    assert [m.to for m in mail.outbox] == [[resolver.email]]
    assert "EDC" in mail.outbox[0].subject
    assert other_resolver.email not in mail.outbox[0].to


def test_r_edc_4_a_resolution_is_reported_to_the_lrs(challenged, resolver):
    _, events = challenged
    raised = raise_challenge(events[0], "Disputed")
    challenges_fetch(acting_user=None)
    challenge = EventDataChallenge.objects.get()
    challenge_process(challenge=challenge, acting_user=resolver)
    challenge_resolve(
        challenge=challenge, upheld=False, comment="It is the learner's.", acting_user=resolver
    )

    assert challenge_report(challenge_id=challenge.pk) is True

    raised.refresh_from_db()
    challenge.refresh_from_db()
    assert raised.status == "Resolved - Rejected"
    assert raised.resolution_comments == "It is the learner's."
    assert not challenge.report_pending
    assert challenge.history.last().note == "The LRS was told: Resolved - Rejected."


def test_r_edc_4_the_monthly_report_lists_exactly_the_open_ones_once_a_month(
    challenged, resolver, django_capture_on_commit_callbacks
):
    _, events = challenged
    for event in events:
        raise_challenge(event, "Disputed")
    challenges_fetch(acting_user=None)
    open_one, in_progress, resolved = EventDataChallenge.objects.order_by("pk")
    challenge_process(challenge=in_progress, acting_user=resolver)
    challenge_process(challenge=resolved, acting_user=resolver)
    challenge_resolve(challenge=resolved, upheld=True, comment="Withdrawn.", acting_user=resolver)
    mail.outbox.clear()
    first_of_month = datetime.date(2026, 12, 1)

    with django_capture_on_commit_callbacks(execute=True):
        not_due = challenges_monthly_report_send(today=datetime.date(2026, 12, 2))
        sent = challenges_monthly_report_send(today=first_of_month)
        again = challenges_monthly_report_send(today=first_of_month)

    assert not_due is None and again is None and sent is not None
    assert len(mail.outbox) == 1
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert name == "open-event-data-challenges-2026-12.csv" and mimetype == "text/csv"
    references = {line.split(",")[0] for line in content.splitlines()[1:]}
    assert references == {open_one.reference, in_progress.reference}


def test_r_edc_3_a_challenge_may_be_raised_against_a_provisional_achievement(challenged):
    _, events = challenged
    HeldAchievement.objects.filter(pk=events[0].pk).update(submission_type="Provisional")

    raise_challenge(events[0], "WrongGrade", supplied_grade="M")
    challenges_fetch(acting_user=None)

    challenge = EventDataChallenge.objects.get()
    assert challenge.is_valid and challenge.status == ChallengeStatus.OPEN


def test_r_edc_4_with_nobody_nominated_every_edc_resolver_is_emailed(
    challenged, resolver, django_capture_on_commit_callbacks
):
    _, events = challenged
    second = AOStaffFactory(roles=[Role.EDC_RESOLVER], email="second.resolver@awards.example")
    raise_challenge(events[0], "Disputed")

    with django_capture_on_commit_callbacks(execute=True):
        challenges_fetch(acting_user=None)

    assert sorted(mail.outbox[0].to) == sorted([resolver.email, second.email])


def test_reporting_a_resolution_twice_tells_the_lrs_once(challenged, resolver):
    _, events = challenged
    raise_challenge(events[0], "Disputed")
    challenges_fetch(acting_user=None)
    challenge = EventDataChallenge.objects.get()
    challenge_process(challenge=challenge, acting_user=resolver)
    challenge_resolve(challenge=challenge, upheld=True, comment="Withdrawn.", acting_user=resolver)

    challenge_report(challenge_id=challenge.pk)
    challenge_report(challenge_id=challenge.pk)

    told = [line.note for line in challenge.history.all() if line.note.startswith("The LRS")]
    assert told == ["The LRS was told: Resolved - Upheld."]
    challenge.refresh_from_db()
    assert challenge.report_attempts == 1
