"""Correcting the grade of a General (NQF) qualification, graded as a whole (decision 0160):
R-LRS-11 (the qualification is its own achievement at the LRS, with its grade), R-LRS-6 (the
correction is an Update) and R-CRT-6 (the certificate is replaced, here with no fee)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.tests.helpers import sign_in
from audit.descriptions import events_described
from audit.models import AuditEvent
from certificates.models import Certificate
from lrs_sync.achievement_models import Achievement, AchievementState, AimKind, LrsAction
from qualifications.models import Grade, LrsType
from results import services
from results.models import UnitResult

pytestmark = pytest.mark.django_db


@pytest.fixture
def general(season):
    """Amira achieves the General qualification with Merit; Kwame does not (a unit certificate,
    and U at the LRS); the LRS has accepted every record."""
    season.qualification.lrs_type = LrsType.GENERAL
    season.qualification.save()
    season.to_certificated()
    Achievement.objects.update(held_at_lrs=True, state=AchievementState.ACCEPTED)
    return season


def _correct(season, code="D", index=0, reason="Moderation raised the grade"):
    return services.result_grade_correct(
        registration=season.registrations[index],
        new_grade=season.grade(code),
        reason=reason,
        acting_user=season.officer,
    )


def _qualification_achievement(season, index=0):
    return Achievement.objects.get(
        registration=season.registrations[index], aim_kind=AimKind.QUALIFICATION
    )


def test_r_crt_6_the_qualification_grade_is_corrected_and_the_certificate_replaced(general):
    season = general
    old = season.result(0).certificates.get()
    assert old.grade == "Merit"
    units_before = list(
        UnitResult.objects.filter(learner_result=season.result(0)).values_list("unit", "grade")
    )

    new = _correct(season)

    old.refresh_from_db()
    assert old.status == Certificate.Status.REPLACED
    assert (new.replaces_id, new.grade, new.units) == (old.pk, "Distinction", old.units)
    assert new.replacement_fee_pence == 0
    assert new.replacement_reason == "Grade corrected: Moderation raised the grade"
    assert season.result(0).qualification_grade == "Distinction"
    # The unit grades are the assessment as entered; only the qualification grade changes.
    assert units_before == list(
        UnitResult.objects.filter(learner_result=season.result(0)).values_list("unit", "grade")
    )


def test_r_lrs_11_r_lrs_6_the_qualification_achievement_gets_a_pending_update(general):
    _correct(general)

    achievement = _qualification_achievement(general)
    assert (achievement.grade, achievement.state, achievement.pending_action) == (
        "D",
        AchievementState.PENDING,
        LrsAction.UPDATE,
    )
    assert "grade M → D" in achievement.history.last().note
    assert "Grade corrected: Moderation raised the grade" in achievement.history.last().note


def test_the_correction_is_audited_in_words(general):
    _correct(general)

    event = AuditEvent.objects.get(action="results.grade_correct")
    view = events_described([event])[0]
    text = " ".join([view.description, *view.changes, *view.details])
    assert "Merit → Distinction" in text
    assert "Moderation raised the grade" in text
    replaced = AuditEvent.objects.get(action="certificate.replace")
    assert replaced.detail["reason"] == "Grade corrected: Moderation raised the grade"


def test_a_grade_that_is_not_a_pass_is_refused_the_certificate_would_be_void(general):
    with pytest.raises(ValidationError) as raised:
        _correct(general, code="F")

    assert "revoke it instead" in raised.value.message_dict["new_grade"][0]
    assert not Certificate.objects.filter(status=Certificate.Status.REPLACED).exists()
    assert _qualification_achievement(general).grade == "M"
    assert general.result(0).qualification_grade == "Merit"


def test_the_same_grade_or_one_outside_the_qualifications_scheme_is_refused(general):
    from qualifications.tests.factories import GradingSchemeFactory

    with pytest.raises(ValidationError) as same:
        _correct(general, code="M")
    assert "already graded Merit" in same.value.message_dict["new_grade"][0]
    other = Grade.objects.get(scheme=GradingSchemeFactory(name="Pass/Fail"), code="P")
    with pytest.raises(ValidationError) as outside:
        services.result_grade_correct(
            registration=general.registrations[0],
            new_grade=other,
            reason="Wrong scheme",
            acting_user=general.officer,
        )
    assert "not a grade of qualification" in outside.value.message_dict["new_grade"][0]


def test_a_grade_the_scheme_never_awards_a_qualification_is_refused(general):
    Grade.objects.filter(scheme=general.qualification.grading_scheme, code="D").update(
        qualification_threshold=None
    )

    with pytest.raises(ValidationError) as raised:
        _correct(general, code="D")

    message = raised.value.message_dict["new_grade"][0]
    assert "Distinction is not awarded as a qualification grade" in message
    assert "graded Merit, Pass." in message


def test_a_learner_who_did_not_achieve_it_has_no_qualification_certificate_to_correct(general):
    with pytest.raises(ValidationError) as raised:
        _correct(general, index=1, code="P")

    assert "did not achieve the qualification" in raised.value.message_dict["registration"][0]
    assert _qualification_achievement(general, index=1).grade == "U"


def test_a_unit_based_qualification_is_corrected_through_its_units(season):
    season.to_certificated()
    with pytest.raises(ValidationError) as raised:
        _correct(season)
    assert "worked out from its unit grades" in raised.value.message_dict["unit"][0]


# --- the page ------------------------------------------------------------------------------------


def _page(season):
    number = season.result(0).certificates.get().number
    return reverse("certificates:grade_correct", args=[number])


def test_the_page_offers_the_qualification_grade_and_corrects_it(general, client):
    url = _page(general)
    sign_in(client, general.officer)

    page = client.get(url).content.decode()
    assert "The qualification grade, " in page and "(now Merit)" in page
    response = client.post(
        url,
        {"unit": "qualification", "new_grade": general.grade("D").pk, "reason": "Moderation"},
    )

    assert response.status_code == 302
    new = Certificate.objects.get(status=Certificate.Status.VALID, replaces__isnull=False)
    assert response["Location"].endswith(f"/certificates/{new.number}/")
    assert new.grade == "Distinction"
    follow = client.get(response["Location"]).content.decode()
    assert f"Replacement certificate {new.display_number} issued with no fee" in follow


def test_the_page_names_the_field_when_the_grade_would_void_the_certificate(general, client):
    url = _page(general)
    sign_in(client, general.officer)

    response = client.post(
        url, {"unit": "qualification", "new_grade": general.grade("F").pk, "reason": "Typed"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_new_grade_error"' in body
    assert "revoke it instead" in body
    assert not Certificate.objects.filter(status=Certificate.Status.REPLACED).exists()


def test_the_page_does_not_offer_the_qualification_grade_of_a_unit_based_one(season, client):
    season.to_certificated()
    sign_in(client, season.officer)

    page = client.get(_page(season)).content.decode()

    assert "The qualification grade, " not in page


def test_the_results_grid_shows_the_corrected_qualification_grade(general):
    from results.selectors import learner_outcomes_for

    def shown():
        return {
            row.registration.pk: row.summary
            for row in learner_outcomes_for(course_run=general.registrations[0].course_run)
        }

    assert shown()[general.registrations[0].pk] == "Qualification achieved: Merit"

    _correct(general)

    assert shown()[general.registrations[0].pk] == "Qualification achieved: Distinction"
