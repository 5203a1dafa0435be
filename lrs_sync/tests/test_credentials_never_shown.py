"""The LRS password is never in what a credentials object prints: a log line, a traceback's
locals or a task's arguments would otherwise carry it."""

import pytest

from lrs_sync import achievement_envelopes, challenge_envelopes, envelopes

PASSWORD = "correct-horse-battery-staple"


@pytest.mark.parametrize(
    "credentials",
    [
        envelopes.Credentials(
            organisation_ref="AO-1", ukprn="10000001", username="portal", password=PASSWORD
        ),
        achievement_envelopes.Credentials(
            organisation_ref="AO-1", user_name="portal", password=PASSWORD
        ),
        challenge_envelopes.Credentials(
            organisation_ref="AO-1", ukprn="10000001", user_name="portal", password=PASSWORD
        ),
    ],
    ids=["LearnerService", "ExternalService", "LearnerServiceR9"],
)
def test_the_password_is_not_in_what_credentials_print(credentials):
    assert PASSWORD not in repr(credentials)
    assert PASSWORD not in str(credentials)
    assert PASSWORD not in f"{credentials!r} {credentials}"
    assert "AO-1" in repr(credentials)  # the rest still says which account
