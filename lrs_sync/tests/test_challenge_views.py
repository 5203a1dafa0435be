"""The event data challenges pages: the resolver's list, Process, resolving, the actions, and the
super user's nomination of the resolver."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory
from accounts.tests.helpers import sign_in
from certificates.tests.factories import CertificateFactory
from lrs_sync.achievement_models import Achievement
from lrs_sync.challenge_models import ChallengeSettings, ChallengeStatus, EventDataChallenge
from lrs_sync.challenges import challenges_fetch
from registrations.tests.factories import RegistrationFactory

from .challenge_fixtures import raise_challenge


@pytest.fixture
def three_challenges(challenged):
    _, events = challenged
    raise_challenge(events[0], "WrongGrade", supplied_grade="D")
    raise_challenge(events[1], "Duplicate", learning_event_2_id=events[2].pk)
    raise_challenge(events[2], "WrongUln")
    challenges_fetch(acting_user=None)
    return list(EventDataChallenge.objects.order_by("pk"))


def test_only_edc_resolvers_see_the_challenges(client, three_challenges):
    sign_in(client, AOStaffFactory(roles=[Role.QCF_USER]))
    assert client.get(reverse("lrs_challenges:list")).status_code == 403


def test_r_edc_2_the_list_filters_by_status_and_type_oldest_first(
    client, three_challenges, resolver
):
    grade, duplicate, wrong_uln = three_challenges
    EventDataChallenge.objects.filter(pk=grade.pk).update(status=ChallengeStatus.IN_PROGRESS)
    sign_in(client, resolver)

    everything = client.get(reverse("lrs_challenges:list")).text
    open_only = client.get(reverse("lrs_challenges:list"), {"status": "open"}).text
    duplicates = client.get(reverse("lrs_challenges:list"), {"kind": "duplicate"}).text

    assert everything.index(grade.reference) < everything.index(wrong_uln.reference)
    assert grade.reference not in open_only and wrong_uln.reference in open_only
    assert duplicate.reference in duplicates and wrong_uln.reference not in duplicates
    assert "Age (working days)" in everything


def test_r_edc_2_ticking_several_sets_them_in_progress(client, three_challenges, resolver):
    sign_in(client, resolver)
    response = client.post(
        reverse("lrs_challenges:bulk_in_progress"),
        {"challenge": [c.pk for c in three_challenges[:2]]},
        follow=True,
    )
    assert "2 challenges set to In progress." in response.text
    statuses = list(EventDataChallenge.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == [ChallengeStatus.IN_PROGRESS, ChallengeStatus.IN_PROGRESS, "open"]


def test_r_edc_2_process_shows_the_details_and_resolving_without_a_comment_says_so(
    client, three_challenges, resolver
):
    challenge = three_challenges[0]
    sign_in(client, resolver)

    details = client.post(reverse("lrs_challenges:process", args=[challenge.pk]), follow=True)
    refused = client.post(
        reverse("lrs_challenges:detail", args=[challenge.pk]),
        {"action": "resolve", "outcome": "rejected", "comment": ""},
    )

    assert "In progress" in details.text and "Helen Carter" in details.text
    assert "helen.carter@college.example" in details.text
    assert refused.status_code == 200
    assert "Additional comments: Enter a comment saying what was done" in refused.text
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.IN_PROGRESS


def test_r_edc_3_the_grade_is_corrected_from_the_challenge(client, three_challenges, resolver):
    challenge = three_challenges[0]
    sign_in(client, resolver)
    client.post(reverse("lrs_challenges:process", args=[challenge.pk]))

    client.post(
        reverse("lrs_challenges:detail", args=[challenge.pk]), {"action": "grade", "grade": "D"}
    )

    challenge.refresh_from_db()
    assert challenge.achievement.grade == "D"
    assert "Corrected the grade" in challenge.history.last().note


def test_r_edc_4_super_users_nominate_the_resolver(client, db, resolver):
    super_user = AOStaffFactory(roles=[Role.AO_SUPER_USER])
    sign_in(client, super_user)

    page = client.get(reverse("lrs_challenges:settings"))
    client.post(reverse("lrs_challenges:settings"), {"resolver": resolver.pk})

    assert resolver.email in page.text
    assert ChallengeSettings.objects.get().resolver == resolver


def test_r_edc_4_the_resolver_cannot_nominate_themself(client, db, resolver):
    sign_in(client, resolver)
    assert client.get(reverse("lrs_challenges:settings")).status_code == 403


def test_fetch_now_stores_new_challenges(client, challenged, resolver):
    _, events = challenged
    raise_challenge(events[0], "Disputed")
    sign_in(client, resolver)

    response = client.post(reverse("lrs_challenges:fetch"), follow=True)

    assert "Fetched from the LRS: 1 challenge, 1 new." in response.text
    assert EventDataChallenge.objects.count() == 1


def test_process_shows_the_achievement_with_its_history_the_learner_and_the_certificate(
    client, three_challenges, resolver
):
    challenge = three_challenges[0]
    registration = RegistrationFactory(learner=challenge.achievement.learner)
    Achievement.objects.filter(pk=challenge.achievement_id).update(registration=registration)
    certificate = CertificateFactory(achievement_reference=f"registration:{registration.pk}")
    sign_in(client, resolver)

    details = client.post(reverse("lrs_challenges:process", args=[challenge.pk]), follow=True)

    assert certificate.number in details.text
    assert challenge.achievement.learner.full_name in details.text
    assert "Created: " in details.text  # the achievement's own history
    assert "Set to In progress (processed)." in details.text
