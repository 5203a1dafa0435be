"""Late certificates (R-CRT-4, R-CRT-5): a learner held back by an open query, certificated after
the course run's dispatch, goes out in a later consignment with its own tracking reference and its
own receipt confirmation, deadline and emails."""

import datetime
import importlib

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.core.exceptions import PermissionDenied

from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from registrations.models import Registration, RegistrationStatus
from registrations.tests.factories import CourseRunFactory
from results import services
from results.models import LateCertificates, LearnerResult, Stage
from results.selectors import late_dispatch_candidates, receipt_pending
from results.services import ResultsRejected

S = RegistrationStatus
LATE_DAY = datetime.date(2026, 3, 10)  # Tuesday; deadline ten working days later: 24/3/2026


def _registration(season, index: int) -> Registration:
    return Registration.objects.get(pk=season.registrations[index].pk)


def _late(season) -> LateCertificates:
    return LateCertificates.objects.get(results__course_run=season.course_run)


def _sent_late(season):
    season.dispatched_with_amira_held_back()
    season.release_amira()
    return season.dispatch(
        day=LATE_DAY, tracking="RM200000002GB", late_course_runs=(season.course_run,)
    )


def _confirm_late(season, received: datetime.date, note: str = ""):
    with time_machine.travel(datetime.date(2026, 3, 12), tick=False):
        return services.late_certificates_receipt_confirm(
            late=_late(season), received_date=received, note=note, acting_user=season.provider_user
        )


def test_r_crt_4_a_learner_released_after_dispatch_waits_at_certificate_claimed(season):
    season.dispatched_with_amira_held_back()

    issued = season.release_amira()

    assert len(issued) == 1
    assert _registration(season, 0).status == S.CERTIFICATE_CLAIMED
    assert _registration(season, 1).status == S.CERTIFICATE_SENT
    assert [r.course_run_id for r in late_dispatch_candidates(user=season.officer)] == [
        season.course_run.pk
    ]
    notes = [change.note for change in season.state().history.all()]
    assert (
        "1 certificate issued for learners whose query was resolved. They are late "
        "certificates, to be sent in a later consignment." in notes
    )


def test_r_crt_4_late_certificates_go_in_a_later_consignment_with_their_own_tracking(season):
    _sent_late(season)

    amira, kwame = _registration(season, 0), _registration(season, 1)
    assert (amira.status, amira.certificate_sent_date, amira.postal_tracking_reference) == (
        S.CERTIFICATE_SENT,
        LATE_DAY,
        "RM200000002GB",
    )
    assert (kwame.certificate_sent_date, kwame.postal_tracking_reference) == (
        datetime.date(2026, 3, 3),
        "RM100000001GB",
    )
    assert season.state().stage == Stage.DISPATCHED  # the course run's own stage is unchanged
    assert list(late_dispatch_candidates(user=season.officer)) == []


def test_r_crt_4_late_certificates_are_shown_in_the_course_run_history_and_audited(season):
    consignment = _sent_late(season)
    _confirm_late(season, datetime.date(2026, 3, 11))

    notes = [change.note for change in season.state().history.all()]
    assert f"Late certificates added to consignment {consignment.pk}: Amira Learner0." in notes
    assert any(
        n.startswith(f"Late certificates sent in consignment {consignment.pk}:")
        and "RM200000002GB" in n
        and "Amira Learner0" in n
        for n in notes
    )
    assert any(n.startswith("CRF Received on 11/03/2026 for the late certificates") for n in notes)
    actions = set(
        AuditEvent.objects.filter(object_id=str(_late(season).pk)).values_list("action", flat=True)
    )
    assert actions == {
        "results.late_certificates_add",
        "results.late_certificates_dispatch",
        "results.late_certificates_receive",
    }


def test_r_crt_4_only_a_dispatched_course_run_has_late_certificates(season):
    season.to_certificated(award_date=datetime.date(2026, 3, 2))

    with pytest.raises(ResultsRejected) as raised:
        services.consignment_create(
            provider=season.course_run.provider,
            course_runs=[],
            late_course_runs=[season.course_run],
            acting_user=season.officer,
        )

    assert raised.value.errors[0].code == "not_dispatched"


def test_r_crt_4_a_course_run_with_nothing_late_cannot_be_added_as_late(season):
    season.dispatched_with_amira_held_back()  # Amira's query is still open: nothing issued

    with pytest.raises(ResultsRejected) as raised:
        services.consignment_create(
            provider=season.course_run.provider,
            course_runs=[],
            late_course_runs=[season.course_run],
            acting_user=season.officer,
        )

    assert raised.value.errors[0].code == "no_late_certificates"


def test_r_crt_4_late_certificates_of_another_centre_are_refused(season):
    season.dispatched_with_amira_held_back()
    season.release_amira()
    other = CourseRunFactory()

    with pytest.raises(ResultsRejected) as raised:
        services.consignment_create(
            provider=other.provider,
            course_runs=[],
            late_course_runs=[season.course_run],
            acting_user=season.officer,
        )

    assert "belongs to another centre" in raised.value.errors[0].message
    assert not LateCertificates.objects.exists()


def test_r_crt_4_late_dispatch_cannot_be_dated_before_the_certificates_were_issued(season):
    season.dispatched_with_amira_held_back()
    season.release_amira(day=datetime.date(2026, 3, 9))

    with pytest.raises(ResultsRejected) as raised:
        season.dispatch(
            day=datetime.date(2026, 3, 5),
            tracking="RM200000002GB",
            late_course_runs=(season.course_run,),
        )

    assert raised.value.errors[0].code == "before_certification"
    assert _registration(season, 0).status == S.CERTIFICATE_CLAIMED


def test_r_crt_4_a_learner_released_before_the_consignment_goes_out_travels_with_it(season):
    season.enter_standard()
    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)
    services.course_run_query(
        course_run=season.course_run,
        note="Check the ID",
        learner_result_ids=[season.result(0).pk],
        acting_user=season.verifier,
    )
    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)
    services.course_run_confirm(
        course_run=season.course_run,
        acting_user=season.verifier,
        hold_back_ids=[season.result(0).pk],
    )
    with time_machine.travel(datetime.date(2026, 3, 2), tick=False):
        services.course_run_certificate(course_run=season.course_run, acting_user=season.officer)
        consignment = services.consignment_create(
            provider=season.course_run.provider,
            course_runs=[season.course_run],
            acting_user=season.officer,
        )
    season.release_amira(day=datetime.date(2026, 3, 3))
    with time_machine.travel(datetime.date(2026, 3, 4), tick=False):
        services.consignment_dispatch(
            consignment=consignment,
            carrier="royal_mail",
            tracking_reference="RM100000001GB",
            dispatched_on=datetime.date(2026, 3, 4),
            acting_user=season.officer,
        )

    assert season.result(0).consignment_id == consignment.pk
    assert _registration(season, 0).postal_tracking_reference == "RM100000001GB"
    assert list(late_dispatch_candidates(user=season.officer)) == []


# --- receipt (R-CRT-5) -------------------------------------------------------------------------


def test_r_crt_5_late_certificates_appear_in_the_pending_report_with_their_own_deadline(season):
    season.dispatched_with_amira_held_back()
    with time_machine.travel(datetime.date(2026, 3, 6), tick=False):
        services.course_run_receipt_confirm(
            course_run=season.course_run,
            received_date=datetime.date(2026, 3, 5),
            note="",
            acting_user=season.provider_user,
        )
    season.release_amira()
    _sent_late_day = season.dispatch(
        day=LATE_DAY, tracking="RM200000002GB", late_course_runs=(season.course_run,)
    )

    rows = receipt_pending(user=season.provider_user, today=datetime.date(2026, 3, 19))

    assert [
        (r.late is not None, r.tracking_reference, r.deadline, r.status_text) for r in rows
    ] == [(True, "RM200000002GB", datetime.date(2026, 3, 24), "3 working days left")]
    assert rows[0].description == "Care 2026: late certificates (Amira Learner0)"
    assert rows[0].consignment == _sent_late_day


def test_r_crt_5_provider_confirms_receipt_of_late_certificates_and_the_report_empties(season):
    season.dispatched_with_amira_held_back()
    with time_machine.travel(datetime.date(2026, 3, 6), tick=False):
        services.course_run_receipt_confirm(
            course_run=season.course_run,
            received_date=datetime.date(2026, 3, 5),
            note="",
            acting_user=season.provider_user,
        )
    season.release_amira()
    season.dispatch(day=LATE_DAY, tracking="RM200000002GB", late_course_runs=(season.course_run,))

    _confirm_late(season, datetime.date(2026, 3, 11), note="Signed for by reception")

    amira = _registration(season, 0)
    assert (amira.status, amira.certificate_received_date) == (
        S.CERTIFICATE_RECEIVED,
        datetime.date(2026, 3, 11),
    )
    late = _late(season)
    assert (late.received_date, late.receipt_note, late.received_by) == (
        datetime.date(2026, 3, 11),
        "Signed for by reception",
        season.provider_user,
    )
    assert _registration(season, 1).certificate_received_date == datetime.date(2026, 3, 5)
    assert season.state().stage == Stage.RECEIVED
    assert receipt_pending(user=season.officer, today=datetime.date(2026, 3, 12)) == []


def test_r_crt_5_the_course_runs_own_receipt_leaves_late_certificates_pending(season):
    _sent_late(season)  # both consignments out before the centre confirms anything

    with time_machine.travel(datetime.date(2026, 3, 11), tick=False):
        services.course_run_receipt_confirm(
            course_run=season.course_run,
            received_date=datetime.date(2026, 3, 5),
            note="",
            acting_user=season.provider_user,
        )

    assert _registration(season, 1).status == S.CERTIFICATE_RECEIVED
    assert _registration(season, 0).status == S.CERTIFICATE_SENT
    rows = receipt_pending(user=season.provider_user, today=datetime.date(2026, 3, 11))
    assert [r.late is not None for r in rows] == [True]


def test_r_crt_5_late_receipt_cannot_be_before_the_later_dispatch(season):
    _sent_late(season)

    with pytest.raises(ResultsRejected) as raised:
        _confirm_late(season, datetime.date(2026, 3, 5))  # after the first dispatch only

    assert raised.value.errors[0].code == "before_dispatch"
    assert "10/03/2026" in raised.value.errors[0].message


def test_r_crt_5_late_receipt_is_confirmed_once(season):
    _sent_late(season)
    _confirm_late(season, datetime.date(2026, 3, 11))

    with pytest.raises(ResultsRejected) as raised:
        _confirm_late(season, datetime.date(2026, 3, 12))

    assert raised.value.errors[0].code == "already_received"


def test_r_crt_5_late_receipt_is_the_centres_own_work(season):
    _sent_late(season)
    outsider = UserFactory(roles=season.provider_user.roles)

    with pytest.raises(PermissionDenied):
        services.late_certificates_receipt_confirm(
            late=_late(season),
            received_date=datetime.date(2026, 3, 11),
            note="",
            acting_user=outsider,
        )


def test_r_crt_5_late_certificates_get_their_reminder_and_overdue_emails_once(
    season, django_capture_on_commit_callbacks
):
    season.dispatched_with_amira_held_back()
    with time_machine.travel(datetime.date(2026, 3, 6), tick=False):
        services.course_run_receipt_confirm(
            course_run=season.course_run,
            received_date=datetime.date(2026, 3, 5),
            note="",
            acting_user=season.provider_user,
        )
    season.release_amira()
    season.dispatch(day=LATE_DAY, tracking="RM200000002GB", late_course_runs=(season.course_run,))
    mail.outbox.clear()

    # Tuesday 10/3: the 7th working day is Thursday 19/3, the 10th Tuesday 24/3.
    with django_capture_on_commit_callbacks(execute=True):
        early = services.receipt_reminders_send(today=datetime.date(2026, 3, 18))
        reminded = services.receipt_reminders_send(today=datetime.date(2026, 3, 19))
        not_yet_overdue = services.receipt_overdue_send(today=datetime.date(2026, 3, 24))
        overdue = services.receipt_overdue_send(today=datetime.date(2026, 3, 25))
        again = (
            services.receipt_reminders_send(today=datetime.date(2026, 3, 26)),
            services.receipt_overdue_send(today=datetime.date(2026, 3, 26)),
        )

    assert (early, reminded, not_yet_overdue, overdue, again) == (0, 1, 0, 1, (0, 0))
    assert [m.subject for m in mail.outbox] == [
        "Reminder: confirm receipt of late certificates for Care 2026",
        "Overdue: confirm receipt of late certificates for Care 2026",
    ]
    body = mail.outbox[0].body
    assert "Amira Learner0" in body and "RM200000002GB" in body and "24/03/2026" in body
    assert f"/results/late-certificates/{_late(season).pk}/receipt/" in body


def test_r_crt_5_no_late_email_once_late_receipt_is_confirmed(
    season, django_capture_on_commit_callbacks
):
    _sent_late(season)
    _confirm_late(season, datetime.date(2026, 3, 11))
    with time_machine.travel(datetime.date(2026, 3, 11), tick=False):
        services.course_run_receipt_confirm(
            course_run=season.course_run,
            received_date=datetime.date(2026, 3, 5),
            note="",
            acting_user=season.provider_user,
        )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        sent = services.receipt_overdue_send(today=datetime.date(2026, 4, 30))

    assert sent == 0 and mail.outbox == []


# --- existing data -----------------------------------------------------------------------------


def test_existing_consignments_record_the_learners_they_carried(season):
    season.dispatched_with_amira_held_back()
    season.release_amira()
    LearnerResult.objects.update(consignment=None)  # as before the migration
    migration = importlib.import_module("results.migrations.0002_late_certificates")

    migration.record_consignment_of_each_learner(apps, None)

    main = season.state().consignment_id
    assert season.result(1).consignment_id == main  # sent with the course run
    assert season.result(0).consignment_id is None  # certificated later: still to be sent
    assert season.result(2).consignment_id is None  # not claiming
