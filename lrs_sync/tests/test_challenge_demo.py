"""The demo's event data challenges: three open ones of different types, for the nominated
resolver maya.singh."""

import pytest
from django.core.management import call_command

from lrs_sync.challenge_models import ChallengeSettings, EventDataChallenge


@pytest.mark.django_db
def test_the_demo_has_three_open_challenges_of_different_types_for_the_resolver():
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)

    challenges = list(EventDataChallenge.objects.all())
    assert len(challenges) == 3
    assert {c.kind for c in challenges} == {
        "information_wrong",
        "not_this_learner",
        "duplicate",
    }
    assert all(c.status == "open" and c.is_valid for c in challenges)
    assert ChallengeSettings.objects.get().resolver.username == "maya.singh"
