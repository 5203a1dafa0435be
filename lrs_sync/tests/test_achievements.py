"""Achievement records: made at certification, changed one at a time within the LRS's rules."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError

from audit.models import AuditEvent
from learners.tests.factories import LearnerFactory
from lrs_sync.achievement_models import Achievement, AchievementState, LrsAction
from lrs_sync.achievements import (
    AchievementRejected,
    achievement_move,
    achievement_reinstate,
    achievement_update,
    achievement_waiting_reasons,
    achievement_withdraw,
)
from qualifications.models import LrsType
from qualifications.tests.factories import UnitFactory

from .conftest import AWARDED

pytestmark = pytest.mark.django_db
CERTIFICATED = datetime.date(2026, 3, 2)


def _certificate(season, lrs_type=LrsType.UNIT_BASED):
    season.qualification.lrs_type = lrs_type
    season.qualification.save()
    with time_machine.travel(datetime.date(2026, 3, 4), tick=False):
        season.to_certificated(award_date=CERTIFICATED)


def test_r_lrs_2_certification_creates_the_qualification_and_every_passed_unit_as_final(season):
    _certificate(season)

    amira = season.registrations[0].learner
    records = Achievement.objects.filter(learner=amira).order_by("aim_reference")
    expected = sorted([season.qualification.number] + [u.reference for u in season.units[:3]])
    assert sorted(r.aim_reference for r in records) == expected
    assert {r.submission_type for r in records} == {"Final"}
    assert {r.award_date for r in records} == {CERTIFICATED}
    assert {r.state for r in records} == {AchievementState.PENDING}
    # Same transaction as the certificates: each record's history says so.
    assert records[0].history.get().note.startswith("Created at certification")


def test_r_lrs_11_failed_units_are_never_created(season):
    _certificate(season)

    kwame = season.registrations[1].learner
    # Kwame passed unit 1 and failed unit 2: only the passed unit, no qualification.
    assert list(
        Achievement.objects.filter(learner=kwame).values_list("aim_reference", flat=True)
    ) == [season.units[0].reference]
    assert not Achievement.objects.filter(learner=season.registrations[2].learner).exists()


def test_r_lrs_11_general_qualifications_upload_a_not_achieved_grade_as_u(season):
    _certificate(season, LrsType.GENERAL)

    kwame = season.registrations[1].learner
    record = Achievement.objects.get(learner=kwame)
    assert (record.aim_reference, record.grade) == (season.qualification.number, "U")


def test_quality_endorsed_courses_are_not_uploaded(season):
    _certificate(season, LrsType.NOT_UPLOADED)

    assert not Achievement.objects.exists()


def test_r_lrs_3_uln_award_date_and_aim_are_unique_in_the_database(make_achievement):
    record = make_achievement()
    duplicate = Achievement.objects.get(pk=record.pk)
    duplicate.pk = None
    with pytest.raises(IntegrityError):
        duplicate.save()


def test_r_lrs_3_a_second_record_with_the_same_reference_is_refused_by_name(make_achievement):
    unit = UnitFactory()
    record = make_achievement(aim=unit)
    with pytest.raises(AchievementRejected) as raised:
        make_achievement(record.learner, aim=unit)
    assert "must be unique" in str(raised.value.message_dict["aim_reference"])


def test_r_lrs_4_a_future_award_date_is_refused(make_achievement):
    with pytest.raises(AchievementRejected) as raised:
        make_achievement(award_date=datetime.date.today() + datetime.timedelta(days=1))
    assert "in the future" in raised.value.message_dict["award_date"][0]


def test_r_lrs_5_an_aim_the_ao_does_not_own_or_share_is_refused(make_achievement):
    class Unknown:
        reference = "Z/999/9999"

    with pytest.raises(AchievementRejected) as raised:
        make_achievement(aim=Unknown())
    assert "not a qualification or unit owned by or shared" in str(raised.value)


def test_r_lrs_6_update_of_grade_is_sent_as_an_update_once_held(make_achievement):
    record = make_achievement()
    Achievement.objects.filter(pk=record.pk).update(
        state=AchievementState.ACCEPTED, held_at_lrs=True, pending_action=None
    )

    record = achievement_update(achievement=record, changes={"grade": "M"}, acting_user=None)

    assert (record.state, record.pending_action, record.grade) == (
        AchievementState.PENDING,
        LrsAction.UPDATE,
        "M",
    )
    assert "grade P → M" in record.history.last().note
    assert AuditEvent.objects.filter(action="achievement.update", object_id=str(record.pk)).exists()


def test_r_lrs_6_changing_the_award_date_is_offered_as_withdraw_and_create(make_achievement):
    record = make_achievement()
    Achievement.objects.filter(pk=record.pk).update(
        state=AchievementState.ACCEPTED, held_at_lrs=True, pending_action=None
    )
    with pytest.raises(AchievementRejected) as raised:
        achievement_update(
            achievement=record,
            changes={"award_date": datetime.date(2026, 3, 3)},
            acting_user=None,
        )
    assert "Withdraw this achievement and create a new one" in str(raised.value)


def test_r_lrs_6_a_withdrawn_record_cannot_be_updated_or_withdrawn_again(make_achievement):
    record = make_achievement()
    achievement_withdraw(
        achievement=record, action_date=AWARDED, reason="SUBINERROR", acting_user=None
    )
    with pytest.raises(AchievementRejected, match="reinstate it before updating"):
        achievement_update(achievement=record, changes={"grade": "M"}, acting_user=None)
    with pytest.raises(AchievementRejected, match="already been withdrawn"):
        achievement_withdraw(
            achievement=record, action_date=AWARDED, reason="SUBINERROR", acting_user=None
        )
    reinstated = achievement_reinstate(
        achievement=record, action_date=AWARDED, reason="SUBINERROR", acting_user=None
    )
    assert not reinstated.withdrawn


def test_r_lrs_7_withdraw_needs_an_action_date_in_the_past_and_a_listed_reason(make_achievement):
    record = make_achievement()
    with pytest.raises(AchievementRejected) as raised:
        achievement_withdraw(
            achievement=record,
            action_date=datetime.date.today() + datetime.timedelta(days=2),
            reason="SUBINERROR",
            acting_user=None,
        )
    assert "action_date" in raised.value.message_dict
    with pytest.raises(AchievementRejected) as raised:
        achievement_withdraw(
            achievement=record, action_date=AWARDED, reason="BECAUSE", acting_user=None
        )
    assert "action_reason" in raised.value.message_dict


def test_r_lrs_6_move_to_another_learner_is_withdraw_and_create(make_achievement):
    record = make_achievement()
    Achievement.objects.filter(pk=record.pk).update(
        state=AchievementState.ACCEPTED, held_at_lrs=True, pending_action=None
    )
    other = LearnerFactory(provider=record.learner.provider)

    moved = achievement_move(
        achievement=record, to_learner=other, action_date=AWARDED, acting_user=None
    )

    record.refresh_from_db()
    assert (record.withdrawn, record.pending_action, record.action_reason) == (
        True,
        LrsAction.WITHDRAW,
        "ULNINVALID",
    )
    assert (moved.uln, moved.pending_action, moved.aim_reference) == (
        other.uln,
        LrsAction.CREATE,
        record.aim_reference,
    )


def test_r_lrs_10_a_record_for_an_unverified_learner_waits_and_says_why(make_achievement):
    record = make_achievement(verified=False)
    reasons = achievement_waiting_reasons(record)
    assert reasons == [
        "The learner's ULN has not been verified with the LRS. Verify the learner first."
    ]


def test_r_lrs_6_the_award_date_of_a_record_the_lrs_never_held_can_be_corrected(
    make_achievement,
):
    record = make_achievement()

    record = achievement_update(
        achievement=record, changes={"award_date": datetime.date(2026, 3, 3)}, acting_user=None
    )

    assert (record.award_date, record.pending_action) == (
        datetime.date(2026, 3, 3),
        LrsAction.CREATE,
    )


def _accept_all():
    Achievement.objects.update(
        state=AchievementState.ACCEPTED, held_at_lrs=True, pending_action=None
    )


def test_voiding_a_certificated_registration_withdraws_its_achievements_achinvalid(season):
    from accounts.roles import Role
    from accounts.tests.factories import AOStaffFactory
    from registrations.services import registration_void

    _certificate(season)
    _accept_all()
    registration = season.registrations[0]

    registration_void(
        registration=registration,
        reason="Registered in error",
        acting_user=AOStaffFactory(roles=[Role.AO_SUPER_USER]),
    )

    records = Achievement.objects.filter(registration=registration)
    assert records.count() == 4
    assert {(r.withdrawn, r.pending_action, r.action_reason) for r in records} == {
        (True, LrsAction.WITHDRAW, "ACHINVALID")
    }


def test_revoking_a_certificate_withdraws_the_achievement_it_proves(season):
    from certificates.services import certificate_revoke

    _certificate(season)
    _accept_all()
    certificate = season.result(0).certificates.get()

    certificate_revoke(certificate=certificate, reason="Malpractice", acting_user=season.officer)

    withdrawn = Achievement.objects.filter(withdrawn=True)
    assert [a.aim_reference for a in withdrawn] == [season.qualification.number]
    assert withdrawn.get().action_reason == "SUBINERROR"


def test_revoking_a_unit_certificate_withdraws_every_unit_it_lists(season):
    from certificates.services import certificate_revoke

    _certificate(season)
    _accept_all()
    certificate = season.result(1).certificates.get()  # Kwame: units only
    assert certificate.is_unit_certificate

    certificate_revoke(certificate=certificate, reason="Malpractice", acting_user=season.officer)

    withdrawn = Achievement.objects.filter(withdrawn=True)
    assert sorted(a.aim_reference for a in withdrawn) == [u["reference"] for u in certificate.units]
    assert {a.registration_id for a in withdrawn} == {season.registrations[1].pk}


def test_a_replacement_certificate_changes_nothing_at_the_lrs(season):
    from certificates.services import certificate_replace

    _certificate(season)
    _accept_all()
    certificate = season.result(0).certificates.get()

    certificate_replace(
        certificate=certificate, reason="Lost", fee_pence=2500, acting_user=season.officer
    )

    assert not Achievement.objects.exclude(state=AchievementState.ACCEPTED).exists()


def test_r_lrs_10_the_learners_page_lists_their_achievements_and_why_one_waits(
    make_achievement, client
):
    from django.urls import reverse

    from accounts.tests.factories import UserFactory
    from accounts.tests.helpers import sign_in

    record = make_achievement(verified=False)
    sign_in(client, UserFactory(organisation=record.learner.provider.organisation))

    page = client.get(reverse("learners:detail", args=[record.learner.pk])).content.decode()

    assert "Achievements at the LRS" in page
    assert record.aim_reference in page
    assert "Verify the learner first." in page
    # A centre reads the record but does not get the AO's achievement page link.
    assert reverse("lrs_sync:achievement", args=[record.pk]) not in page
