"""The sandpit's event data challenges: raised through its page and its command, refused like the
LRS refuses, and the R9 endpoint's checks."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.tests.factories import AOStaffFactory
from accounts.tests.helpers import sign_in
from lrs_sandpit.achievement_models import HeldAchievement
from lrs_sandpit.challenge_models import RaisedDataChallenge
from lrs_sandpit.challenges import learner_service_r9
from lrs_sync import challenge_envelopes as env
from lrs_sync.soap import envelope

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(db):
    return [
        HeldAchievement.objects.create(
            uln="9276308686", award_date="2026-03-02", aim_reference=f"R/615/12{n}4", grade="P"
        )
        for n in range(2)
    ]


@pytest.fixture
def account(settings):
    from lrs_sandpit.services import sandpit_account_ensure

    return sandpit_account_ensure(
        organisation_ref=settings.LRS_ORGANISATION_REF,
        ukprn=settings.LRS_UKPRN,
        user_name=settings.LRS_USERNAME,
        password=settings.LRS_PASSWORD,
    )


def test_r_edc_1_the_page_raises_a_duplicate_naming_the_other_copy(client, held, account):
    sign_in(client, AOStaffFactory())
    form = {
        "learning_event": held[0].pk,
        "challenge_type": "Duplicate",
        "second_learning_event": held[1].pk,
        "raised_by": "Provider",
        "contact_name": "Helen Carter",
        "email_address": "helen.carter@college.example",
        "additional_information": "Uploaded twice.",
    }

    response = client.post(reverse("lrs_sandpit:challenges"), form, follow=True)

    challenge = RaisedDataChallenge.objects.get()
    assert f"Data challenge {challenge.reference} raised" in response.text
    assert challenge.second_learning_event == held[1]
    assert challenge.status == "Open"


def test_r_edc_1_the_page_asks_for_the_other_copy_of_a_duplicate(client, held, account):
    sign_in(client, AOStaffFactory())
    response = client.post(
        reverse("lrs_sandpit:challenges"),
        {
            "learning_event": held[0].pk,
            "challenge_type": "Duplicate",
            "raised_by": "Learner",
            "contact_name": "Zoë O'Brien",
            "email_address": "zoe@learner.example",
            "additional_information": "Twice on my record.",
        },
    )
    assert "Choose the other copy of the achievement." in response.text
    assert not RaisedDataChallenge.objects.exists()


@pytest.mark.parametrize(
    ("challenge_type", "options"),
    [
        ("WrongGrade", ["--grade", "D"]),
        ("WrongStartDate", ["--start-date", "2025-09-01"]),
        ("WrongEndDate", ["--end-date", "2026-02-27"]),
        ("SharedUln", []),
        ("WrongUln", []),
        ("Disputed", ["--raised-by", "LocalAuthority"]),
    ],
)
def test_r_edc_1_the_command_raises_every_type(held, account, challenge_type, options):
    call_command("raise_data_challenge", str(held[0].pk), challenge_type, *options)
    assert RaisedDataChallenge.objects.get().challenge_type == challenge_type


def test_the_command_names_what_is_wrong(held, account):
    with pytest.raises(CommandError, match="DC004"):
        call_command("raise_data_challenge", str(held[0].pk), "Duplicate")


def test_r9_refuses_a_wrong_password_with_a_domain_fault(held, account, settings):
    credentials = env.Credentials(
        organisation_ref=settings.LRS_ORGANISATION_REF,
        ukprn=settings.LRS_UKPRN,
        user_name=settings.LRS_USERNAME,
        password="not-the-password",
    )
    answer = learner_service_r9(
        envelope(env.list_request(credentials, uln="9276308686")),
        content_type="text/xml; charset=utf-8",
        soap_action_header=f'"{env.soap_action(env.LIST)}"',
    )
    from lrs_sync.soap import body_payload

    fault = env.read_domain_fault(body_payload(answer.content))
    assert answer.status == 500 and fault is not None and fault.error_code == "EDC002"


def test_r9_refuses_the_wrong_soap_action(held, account, settings):
    credentials = env.Credentials(
        organisation_ref=settings.LRS_ORGANISATION_REF,
        ukprn=settings.LRS_UKPRN,
        user_name=settings.LRS_USERNAME,
        password=settings.LRS_PASSWORD,
    )
    answer = learner_service_r9(
        envelope(env.list_request(credentials, uln="9276308686")),
        content_type="text/xml; charset=utf-8",
        soap_action_header='"http://tempuri.org/ILearnerServiceR9/CreateDataChallenge"',
    )
    assert answer.status == 500 and b"EDC001" in answer.content
