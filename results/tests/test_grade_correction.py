"""Correcting a grade after certification (issue 12, decision 0125): R-LRS-6 (the achievement
gets a pending Update) and R-CRT-6 (the certificate is replaced, here with no fee and a reason)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.descriptions import events_described
from audit.models import AuditEvent
from certificates.models import Certificate
from lrs_sync.achievement_models import Achievement, AchievementState, AimKind, LrsAction
from qualifications.models import Grade
from results import services
from results.models import UnitResult

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificated(season):
    season.to_certificated()
    # The LRS has accepted every record: a later change goes as an Update (R-LRS-6).
    Achievement.objects.update(held_at_lrs=True, state=AchievementState.ACCEPTED)
    return season


def _correct(season, index=0, unit=1, code="D", reason="Marking error found at review"):
    return services.result_grade_correct(
        registration=season.registrations[index],
        unit=season.units[unit],
        new_grade=season.grade(code),
        reason=reason,
        acting_user=season.officer,
    )


def test_r_crt_6_grade_correction_replaces_the_certificate_with_no_fee_and_a_reason(certificated):
    season = certificated
    old = season.result(0).certificates.get()
    new = _correct(season)
    old.refresh_from_db()
    assert old.status == Certificate.Status.REPLACED
    assert new.replaces_id == old.pk
    assert new.replacement_fee_pence == 0
    assert new.replacement_reason == "Grade corrected: Marking error found at review"
    unit = {u["reference"]: u["grade"] for u in new.units}[season.units[1].reference]
    assert unit == "Distinction"
    assert new.grade == season.result(0).qualification_grade
    assert set(season.result(0).certificates.values_list("pk", flat=True)) == {old.pk, new.pk}
    assert (
        UnitResult.objects.get(learner_result=season.result(0), unit=season.units[1]).grade.code
        == "D"
    )


def test_r_lrs_6_the_unit_achievement_gets_a_pending_update(certificated):
    season = certificated
    _correct(season)
    achievement = Achievement.objects.get(
        registration=season.registrations[0], aim_kind=AimKind.UNIT, unit=season.units[1]
    )
    assert achievement.grade == "D"
    assert achievement.state == AchievementState.PENDING
    assert achievement.pending_action == LrsAction.UPDATE


def test_audit_rows_read_in_words(certificated):
    season = certificated
    _correct(season)
    event = AuditEvent.objects.get(action="results.grade_correct")
    view = events_described([event])[0]
    text = " ".join([view.description, *view.changes, *view.details])
    assert f"Unit {season.units[1].reference} grade: Pass → Distinction" in text
    assert "Marking error found at review" in text


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"code": "P"}, "new_grade"),  # the same grade
        ({"unit": 0, "code": "F"}, "new_grade"),  # mandatory unit failed: the certificate void
    ],
)
def test_refusals_name_the_field(certificated, kwargs, field):
    with pytest.raises(ValidationError) as raised:
        _correct(certificated, **kwargs)
    assert field in raised.value.message_dict
    assert Certificate.objects.filter(status=Certificate.Status.REPLACED).count() == 0


def test_a_grade_outside_the_scheme_is_refused(certificated, season):
    from qualifications.tests.factories import GradingSchemeFactory

    other = Grade.objects.get(scheme=GradingSchemeFactory(name="Pass/Fail"), code="P")
    with pytest.raises(ValidationError) as raised:
        services.result_grade_correct(
            registration=season.registrations[0],
            unit=season.units[1],
            new_grade=other,
            reason="Wrong scheme",
            acting_user=season.officer,
        )
    assert "new_grade" in raised.value.message_dict


def test_a_learner_not_certificated_is_refused(season):
    season.to_confirmed()
    with pytest.raises(ValidationError) as raised:
        _correct(season)
    assert "registration" in raised.value.message_dict


def test_only_certification_staff_may_correct(certificated):
    with pytest.raises(PermissionDenied):
        services.result_grade_correct(
            registration=certificated.registrations[0],
            unit=certificated.units[1],
            new_grade=certificated.grade("D"),
            reason="x",
            acting_user=certificated.provider_user,
        )


# --- the page, from the certificate's page -----------------------------------------------------


def _page(season):
    from django.urls import reverse

    number = season.result(0).certificates.get().number
    return reverse("certificates:grade_correct", args=[number]), number


def test_the_page_corrects_a_grade_for_certification_staff(certificated, client):
    from accounts.tests.helpers import sign_in

    season = certificated
    url, number = _page(season)
    sign_in(client, season.officer)
    detail = client.get(f"/certificates/{number}/")
    assert url in detail.content.decode()
    page = client.get(url)
    assert page.status_code == 200
    assert '<label for="id_reason">' in page.content.decode()
    response = client.post(
        url,
        {"unit": season.units[1].pk, "new_grade": season.grade("D").pk, "reason": "Marking error"},
    )
    assert response.status_code == 302
    new = Certificate.objects.get(replaces__number=number)
    assert response["Location"].endswith(f"/certificates/{new.number}/")
    assert new.replacement_fee_pence == 0


def test_the_page_shows_errors_at_the_field_and_keeps_what_was_typed(certificated, client):
    from accounts.tests.helpers import sign_in

    season = certificated
    url, _ = _page(season)
    sign_in(client, season.officer)
    response = client.post(
        url, {"unit": season.units[1].pk, "new_grade": season.grade("P").pk, "reason": "Typed"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_new_grade_error"' in body
    assert "already graded Pass" in body
    assert "Typed</textarea>" in body
    assert Certificate.objects.filter(status=Certificate.Status.REPLACED).count() == 0


def test_the_page_is_refused_to_the_centre(certificated, client):
    from accounts.tests.helpers import sign_in

    season = certificated
    url, _ = _page(season)
    sign_in(client, season.provider_user)
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {"reason": "x"}).status_code in (403, 404)


def test_a_unit_certificate_is_replaced_with_the_corrected_unit_grade(certificated):
    season = certificated
    old = season.result(1).certificates.get()
    new = _correct(season, index=1, unit=0, code="M")
    assert new.replaces_id == old.pk
    assert new.grade == old.grade
    assert {u["reference"]: u["grade"] for u in new.units}[season.units[0].reference] == "Merit"
