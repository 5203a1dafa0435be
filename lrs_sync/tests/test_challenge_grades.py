"""An upheld event data challenge about the grade corrects it through the results' grade
correction (decision 0161): R-EDC-3, R-CRT-6 (the certificate replaced, no fee) and R-LRS-6 (an
Update at the LRS), by the EDC resolver on the challenge's authority."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.tests.helpers import sign_in
from audit.models import AuditEvent
from certificates.models import Certificate
from lrs_sync.achievement_models import Achievement, AchievementState, AimKind, LrsAction
from lrs_sync.challenge_models import EventDataChallenge
from lrs_sync.challenges import (
    ChallengeRejected,
    challenge_correct_grade,
    challenge_process,
    challenges_fetch,
)
from qualifications.models import LrsType
from results import services
from results.models import UnitResult

from .challenge_fixtures import held_at_lrs, raise_challenge

pytestmark = pytest.mark.django_db


def _certificated(season, lrs_type=LrsType.UNIT_BASED):
    season.qualification.lrs_type = lrs_type
    season.qualification.save()
    season.to_certificated()
    return season


def _challenge(achievement, resolver, challenge_type="WrongGrade", grade="D"):
    """Raised at the sandpit against the record it holds, fetched, and set In progress."""
    (held,) = held_at_lrs(achievement)
    raise_challenge(held, challenge_type, supplied_grade=grade)
    challenges_fetch(acting_user=None)
    challenge = EventDataChallenge.objects.get(achievement=achievement)
    return challenge_process(challenge=challenge, acting_user=resolver)


def _unit_record(season, index=0, unit=1):
    return Achievement.objects.get(
        registration=season.registrations[index], aim_kind=AimKind.UNIT, unit=season.units[unit]
    )


def test_r_edc_3_r_crt_6_an_upheld_grade_challenge_replaces_the_certificate_with_no_fee(
    season, resolver
):
    season = _certificated(season)
    old = season.result(0).certificates.get()
    challenge = _challenge(_unit_record(season), resolver)

    corrected = challenge_correct_grade(challenge=challenge, grade="d", acting_user=resolver)

    old.refresh_from_db()
    new = Certificate.objects.get(replaces=old)
    assert old.status == Certificate.Status.REPLACED
    assert new.replacement_fee_pence == 0
    assert new.replacement_reason == (
        f"Grade corrected: event data challenge {challenge.reference} upheld"
    )
    assert {u["reference"]: u["grade"] for u in new.units}[season.units[1].reference] == (
        "Distinction"
    )
    unit_result = UnitResult.objects.get(learner_result=season.result(0), unit=season.units[1])
    assert unit_result.grade.code == "D"
    # R-LRS-6: the LRS gets an Update of the grade in the next batch.
    assert (corrected.grade, corrected.state, corrected.pending_action) == (
        "D",
        AchievementState.PENDING,
        LrsAction.UPDATE,
    )
    assert f"Event data challenge {challenge.reference} upheld." in corrected.history.last().note
    note = challenge.history.last().note
    assert f"certificate {old.number} replaced by {new.number} with no fee" in note


def test_the_replacement_is_audited_with_the_challenges_reference(season, resolver):
    season = _certificated(season)
    challenge = _challenge(_unit_record(season), resolver)

    challenge_correct_grade(challenge=challenge, grade="D", acting_user=resolver)

    for action in ("results.grade_correct", "certificate.replace"):
        event = AuditEvent.objects.get(action=action)
        assert (event.actor, event.detail["challenge"]) == (resolver, challenge.reference)


def test_r_lrs_11_a_general_qualifications_grade_is_corrected_from_its_challenge(season, resolver):
    season = _certificated(season, LrsType.GENERAL)
    record = Achievement.objects.get(
        registration=season.registrations[0], aim_kind=AimKind.QUALIFICATION
    )
    challenge = _challenge(record, resolver)

    corrected = challenge_correct_grade(challenge=challenge, grade="D", acting_user=resolver)

    assert corrected.grade == "D" and corrected.pending_action == LrsAction.UPDATE
    assert season.result(0).certificates.get(status=Certificate.Status.VALID).grade == (
        "Distinction"
    )
    assert season.result(0).qualification_grade == "Distinction"


def test_a_unit_based_qualifications_own_grade_is_refused_the_units_are_corrected(season, resolver):
    season = _certificated(season)
    record = Achievement.objects.get(
        registration=season.registrations[0], aim_kind=AimKind.QUALIFICATION
    )
    challenge = _challenge(record, resolver)

    with pytest.raises(ChallengeRejected) as raised:
        challenge_correct_grade(challenge=challenge, grade="D", acting_user=resolver)

    assert "worked out from its unit grades" in raised.value.message_dict["challenge"][0]
    assert not Certificate.objects.filter(status=Certificate.Status.REPLACED).exists()


def test_a_grade_that_voids_the_certificate_is_refused_and_says_who_revokes(season, resolver):
    season = _certificated(season)
    # Unit 1 is mandatory: failing it means the qualification is no longer achieved.
    challenge = _challenge(_unit_record(season), resolver, grade="F")

    with pytest.raises(ChallengeRejected) as raised:
        challenge_correct_grade(challenge=challenge, grade="F", acting_user=resolver)

    message = raised.value.message_dict["grade"][0]
    assert "revoke it instead" in message and "certification officer" in message
    assert _unit_record(season).grade == "P"
    assert not Certificate.objects.filter(status=Certificate.Status.REPLACED).exists()


def test_a_code_outside_the_units_scheme_is_refused_at_the_grade(season, resolver):
    season = _certificated(season)
    challenge = _challenge(_unit_record(season), resolver)

    with pytest.raises(ChallengeRejected) as raised:
        challenge_correct_grade(challenge=challenge, grade="A*", acting_user=resolver)

    assert raised.value.message_dict["grade"] == [
        f"A* is not a grade of {season.units[1].reference}; enter one of D, M, P, F."
    ]


def test_a_record_in_a_batch_is_refused_and_nothing_is_replaced(season, resolver):
    season = _certificated(season)
    record = _unit_record(season)
    challenge = _challenge(record, resolver)
    Achievement.objects.filter(pk=record.pk).update(state=AchievementState.IN_BATCH)

    with pytest.raises(ChallengeRejected) as raised:
        challenge_correct_grade(challenge=challenge, grade="D", acting_user=resolver)

    assert (
        "Change it once the batch has been processed" in raised.value.message_dict["challenge"][0]
    )
    assert not Certificate.objects.filter(status=Certificate.Status.REPLACED).exists()
    unit_result = UnitResult.objects.get(learner_result=season.result(0), unit=season.units[1])
    assert unit_result.grade.code == "P"


def test_a_record_with_no_result_behind_it_gets_the_update_alone_and_says_so(challenged, resolver):
    _, events = challenged
    raise_challenge(events[0], "WrongGrade", supplied_grade="D")
    challenges_fetch(acting_user=None)
    challenge = challenge_process(challenge=EventDataChallenge.objects.get(), acting_user=resolver)

    corrected = challenge_correct_grade(challenge=challenge, grade="D", acting_user=resolver)

    assert (corrected.grade, corrected.pending_action) == ("D", LrsAction.UPDATE)
    assert "only the LRS record is updated" in corrected.history.last().note
    assert "only the LRS record is updated" in challenge.history.last().note
    assert not Certificate.objects.exists()


def test_a_challenge_about_a_date_does_not_correct_a_grade(season, resolver):
    season = _certificated(season)
    challenge = _challenge(_unit_record(season), resolver, challenge_type="WrongEndDate")

    with pytest.raises(ChallengeRejected) as raised:
        challenge_correct_grade(challenge=challenge, grade="D", acting_user=resolver)

    assert "not the grade" in raised.value.message_dict["challenge"][0]
    assert _unit_record(season).grade == "P"


def test_the_challenges_authority_is_only_for_its_learner_and_for_edc_resolvers(season, resolver):
    season = _certificated(season)
    challenge = _challenge(_unit_record(season), resolver)

    with pytest.raises(PermissionDenied):  # another learner's result
        services.result_grade_correct(
            registration=season.registrations[1],
            unit=season.units[0],
            new_grade=season.grade("D"),
            reason="x",
            acting_user=resolver,
            challenge=challenge,
        )
    with pytest.raises(PermissionDenied):  # not an EDC resolver
        services.result_grade_correct(
            registration=season.registrations[0],
            unit=season.units[1],
            new_grade=season.grade("D"),
            reason="x",
            acting_user=season.verifier,
            challenge=challenge,
        )
    with pytest.raises(PermissionDenied):  # no challenge: a certification officer's act
        services.result_grade_correct(
            registration=season.registrations[0],
            unit=season.units[1],
            new_grade=season.grade("D"),
            reason="x",
            acting_user=resolver,
        )


# --- the page ------------------------------------------------------------------------------------


def test_the_page_says_what_correcting_does_and_the_resolver_does_it(client, season, resolver):
    season = _certificated(season)
    old = season.result(0).certificates.get()
    challenge = _challenge(_unit_record(season), resolver)
    url = reverse("lrs_challenges:detail", args=[challenge.pk])
    sign_in(client, resolver)

    page = client.get(url).text
    assert f"replaces certificate {old.display_number} with no fee" in page
    assert "without being a certification officer" in page
    response = client.post(url, {"action": "grade", "grade": "D"}, follow=True)

    new = Certificate.objects.get(replaces=old)
    assert f"certificate {old.number} replaced by {new.number} with no fee" in response.text
    assert Certificate.objects.get(pk=old.pk).status == Certificate.Status.REPLACED


def test_the_page_explains_when_the_challenge_gives_no_authority_to_correct(
    client, season, resolver
):
    season = _certificated(season)
    challenge = _challenge(_unit_record(season), resolver, challenge_type="WrongStartDate")
    sign_in(client, resolver)

    page = client.get(reverse("lrs_challenges:detail", args=[challenge.pk])).text

    assert "not the grade, so it does not allow a grade correction" in page
    assert 'name="action" value="grade"' not in page


def test_the_page_shows_a_refusal_above_the_form(client, season, resolver):
    season = _certificated(season)
    challenge = _challenge(_unit_record(season), resolver, grade="F")
    sign_in(client, resolver)

    response = client.post(
        reverse("lrs_challenges:detail", args=[challenge.pk]), {"action": "grade", "grade": "F"}
    )

    assert response.status_code == 200
    assert "Corrected grade: " in response.text and "revoke it instead" in response.text
    assert _unit_record(season).grade == "P"
