"""Results services: entry, submission, verification, certification, dispatch and receipt."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from audit.models import AuditEvent
from certificates.models import Certificate
from providers.tests.factories import ProviderFactory
from registrations.models import RegistrationStatus
from results import services
from results.models import Consignment, ResultsImport, Stage, UnitResult
from results.selectors import receipt_pending
from results.services import ResultsRejected
from results.validators import CSV_COLUMNS, LearnerEntry

S = RegistrationStatus


def _stage(season):
    return services.course_run_results_get(course_run=season.course_run).stage


# --- entry (R-RES-1, R-CRT-7) ---------------------------------------------------------------


def test_r_crt_7_draft_keeps_grades_and_assessment_records(season):
    season.enter_standard()

    result = season.result(0)
    assert result.assessor_name == "Ann Assessor"
    assert result.internal_verifier_name == "Ivan Verifier"
    assert result.decision_reason == "Evidence meets every assessment criterion"
    assert sorted(u.grade.code for u in result.unit_results.all()) == ["D", "M", "P"]
    assert season.result(2).not_claiming
    event = AuditEvent.objects.filter(
        action="results.learner_update", object_id=str(result.pk)
    ).get()
    assert event.after["assessor_name"] == "Ann Assessor"


def test_a_draft_can_be_saved_incomplete_and_a_grade_cleared(season):
    services.results_draft_save(
        course_run=season.course_run,
        entries=[season.entry(0, {0: "P"})],
        acting_user=season.provider_user,
    )
    entry = LearnerEntry(
        registration_id=season.registrations[0].pk, grades={season.units[0].pk: None}
    )
    services.results_draft_save(
        course_run=season.course_run, entries=[entry], acting_user=season.provider_user
    )

    assert UnitResult.objects.filter(learner_result=season.result(0)).count() == 0
    assert _stage(season) == Stage.DRAFT


def test_a_grade_from_another_scheme_is_refused_naming_learner_and_unit(season):
    entry = LearnerEntry(
        registration_id=season.registrations[0].pk, grades={season.units[0].pk: 999999}
    )

    with pytest.raises(ResultsRejected) as raised:
        services.results_draft_save(
            course_run=season.course_run, entries=[entry], acting_user=season.provider_user
        )

    error = raised.value.errors[0]
    assert error.field == f"grade-{season.registrations[0].pk}-{season.units[0].pk}"
    assert season.units[0].reference in error.message
    assert not UnitResult.objects.exists()


def test_r_acc_6_another_centre_cannot_enter_results(season):
    outsider = UserFactory(organisation=ProviderFactory().organisation, roles=[Role.RESULTS_ENTRY])

    with pytest.raises(PermissionDenied):
        services.results_draft_save(course_run=season.course_run, entries=[], acting_user=outsider)


# --- submission and verification (R-RES-1) --------------------------------------------------------


def test_r_res_1_a_course_run_is_submitted_only_when_complete(season):
    services.results_draft_save(
        course_run=season.course_run,
        entries=[season.entry(0, {0: "P"})],
        acting_user=season.provider_user,
    )

    with pytest.raises(ResultsRejected) as raised:
        services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)

    names = {season.registrations[1].pk, season.registrations[2].pk}
    assert {e.field for e in raised.value.errors} == {f"grade-{pk}" for pk in names}
    assert _stage(season) == Stage.DRAFT


def test_r_res_1_submission_goes_to_the_default_verifier_with_history(
    season, django_capture_on_commit_callbacks
):
    season.enter_standard()

    with django_capture_on_commit_callbacks(execute=True):
        results = services.course_run_submit(
            course_run=season.course_run, acting_user=season.provider_user
        )

    assert results.stage == Stage.SUBMITTED
    assert results.verifier == season.verifier
    change = results.history.get()
    assert (change.from_stage, change.to_stage, change.actor) == (
        "draft",
        "submitted",
        season.provider_user,
    )
    assert mail.outbox[-1].to == [season.verifier.email]


def test_default_verifier_is_the_one_with_fewest_waiting(season):
    busy = season.verifier
    idle = AOStaffFactory(roles=[Role.VERIFIER], username="z.idle")
    season.enter_standard()
    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)

    assert services.default_verifier() == idle
    assert busy != idle


def test_r_res_1_submitted_results_are_read_only_for_the_provider(season):
    season.enter_standard()
    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)

    with pytest.raises(ResultsRejected) as raised:
        services.results_draft_save(
            course_run=season.course_run,
            entries=[season.entry(0, {0: "D"})],
            acting_user=season.provider_user,
        )

    assert raised.value.errors[0].code == "read_only"


def test_an_invalid_transition_is_refused_with_a_clear_message(season):
    season.enter_standard()

    with pytest.raises(ResultsRejected) as raised:
        services.course_run_certificate(course_run=season.course_run, acting_user=season.officer)

    assert raised.value.errors[0].message.startswith(
        "These results are Draft, so they cannot be moved to Certificated."
    )


def test_r_res_1_a_query_goes_back_to_the_provider_who_amends_and_resubmits(
    season, django_capture_on_commit_callbacks
):
    season.enter_standard()
    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)
    kwame = season.result(1)

    with django_capture_on_commit_callbacks(execute=True):
        query = services.course_run_query(
            course_run=season.course_run,
            note="Unit 2 evidence is missing a witness statement.",
            learner_result_ids=[kwame.pk],
            acting_user=season.verifier,
        )

    assert _stage(season) == Stage.QUERIED
    assert list(query.learners.all()) == [kwame]
    assert season.result(1).query_open
    email = mail.outbox[-1]
    assert email.to == [season.provider_user.email]
    assert "Kwame Learner1" in email.body and "witness statement" in email.body

    services.results_draft_save(
        course_run=season.course_run,
        entries=[season.entry(1, {0: "P", 1: "P", 3: "P"})],
        acting_user=season.provider_user,
    )
    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)

    stages = [(c.from_stage, c.to_stage) for c in season.state().history.all()]
    assert stages == [("draft", "submitted"), ("submitted", "queried"), ("queried", "submitted")]


def test_a_query_needs_a_note_and_learners(season):
    season.enter_standard()
    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)

    with pytest.raises(ResultsRejected) as raised:
        services.course_run_query(
            course_run=season.course_run,
            note=" ",
            learner_result_ids=[],
            acting_user=season.verifier,
        )

    assert {e.field for e in raised.value.errors} == {"note", "learners"}


def test_only_the_assigned_verifier_decides(season):
    season.enter_standard()
    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)
    other = AOStaffFactory(roles=[Role.VERIFIER], username="b.other")

    with pytest.raises(ResultsRejected) as raised:
        services.course_run_confirm(course_run=season.course_run, acting_user=other)
    services.verifier_assign(course_run=season.course_run, verifier=other, acting_user=other)
    services.course_run_confirm(course_run=season.course_run, acting_user=other)

    assert raised.value.errors[0].code == "not_assigned"
    assert _stage(season) == Stage.CONFIRMED


# --- certification (R-RES-2, R-RES-3, R-CRT-4) ----------------------------------------------------


def test_r_res_2_certification_issues_qualification_and_unit_certificates(season):
    season.to_certificated(award_date=datetime.date(2026, 3, 2))

    amira, kwame, zoe = (season.result(i) for i in range(3))
    qualification_certificate = amira.certificates.get()
    assert (
        qualification_certificate.achievement_reference
        == f"registration:{season.registrations[0].pk}"
    )
    # The scheme's grade rule (decision 0110): Merit, Pass, Distinction average 2 points a credit.
    assert qualification_certificate.grade == "Merit"
    assert qualification_certificate.qualification_number == season.qualification.number
    unit_certificate = kwame.certificates.get()
    assert unit_certificate.achievement_reference == (
        f"registration:{season.registrations[1].pk}:units"
    )
    assert unit_certificate.is_unit_certificate
    assert not qualification_certificate.is_unit_certificate
    # Units achieved towards the named qualification, with no qualification grade.
    assert unit_certificate.qualification_title == season.qualification.title
    assert unit_certificate.qualification_number == season.qualification.number
    assert unit_certificate.grade == ""
    assert [u["reference"] for u in unit_certificate.units] == [season.units[0].reference]
    assert zoe.certificates.count() == 0
    assert Certificate.objects.count() == 2


def test_r_res_2_a_learner_with_units_only_gets_one_certificate_listing_every_unit(season):
    # Kwame passes three units (15 credits) but fails mandatory unit 2: no qualification.
    services.results_draft_save(
        course_run=season.course_run,
        entries=[
            season.entry(1, {0: "P", 1: "F", 2: "M", 3: "D"}),
            *(
                LearnerEntry(registration_id=season.registrations[i].pk, not_claiming=True)
                for i in (0, 2)
            ),
        ],
        acting_user=season.provider_user,
    )
    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)
    services.course_run_confirm(course_run=season.course_run, acting_user=season.verifier)
    services.course_run_certificate(course_run=season.course_run, acting_user=season.officer)

    certificate = season.result(1).certificates.get()
    assert certificate.is_unit_certificate
    assert certificate.qualification_title == season.qualification.title
    assert certificate.grade == ""
    assert [(u["reference"], u["grade"]) for u in certificate.units] == [
        (season.units[0].reference, "Pass"),
        (season.units[2].reference, "Merit"),
        (season.units[3].reference, "Distinction"),
    ]
    assert Certificate.objects.count() == 1


def test_registrations_move_to_certificate_claimed_with_dates(season):
    season.to_certificated(award_date=datetime.date(2026, 3, 2))

    amira, kwame, zoe = (r.__class__.objects.get(pk=r.pk) for r in season.registrations)
    assert (amira.status, amira.achieved_date, amira.certificate_claimed_date) == (
        S.CERTIFICATE_CLAIMED,
        datetime.date(2026, 3, 2),
        datetime.date(2026, 3, 2),
    )
    assert (kwame.status, kwame.achieved_date) == (S.CERTIFICATE_CLAIMED, None)
    assert zoe.status == S.REGISTERED


def test_r_res_3_results_issued_date_is_kept_per_learner(season):
    season.to_certificated(award_date=datetime.date(2026, 3, 2))

    assert season.result(0).results_issued_date == datetime.date(2026, 3, 2)
    assert season.result(1).results_issued_date == datetime.date(2026, 3, 2)
    assert season.result(2).results_issued_date is None  # not claiming: nothing issued


def test_r_crt_4_learners_with_open_queries_stay_back_until_resolved(season):
    season.enter_standard()
    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)
    amira = season.result(0)
    services.course_run_query(
        course_run=season.course_run,
        note="Check the ID",
        learner_result_ids=[amira.pk],
        acting_user=season.verifier,
    )
    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)
    services.course_run_confirm(
        course_run=season.course_run, acting_user=season.verifier, hold_back_ids=[amira.pk]
    )

    services.course_run_certificate(course_run=season.course_run, acting_user=season.officer)

    assert season.result(0).certificates.count() == 0
    assert season.result(1).certificates.count() == 1
    assert "Held back with open queries: Amira Learner0." in season.state().history.last().note

    services.learner_query_resolve(learner_result=amira, acting_user=season.verifier)
    issued = services.course_run_certificate_released(
        course_run=season.course_run, acting_user=season.officer
    )

    assert len(issued) == 1
    assert season.result(0).certificates.count() == 1


def test_certification_starts_a_render_job_for_the_course_run(season):
    season.to_certificated()

    job = season.state().render_job
    assert job.batch_key == f"course-run:{season.course_run.pk}"
    assert job.total == 2


def test_only_certification_officers_certificate(season):
    season.to_confirmed()

    with pytest.raises(PermissionDenied):
        services.course_run_certificate(course_run=season.course_run, acting_user=season.verifier)


# --- dispatch (R-CRT-4) ---------------------------------------------------------------------


def _dispatch(season, day=datetime.date(2026, 3, 3), tracking="RM123456785GB"):
    consignment = services.consignment_create(
        provider=season.course_run.provider,
        course_runs=[season.course_run],
        acting_user=season.officer,
    )
    return services.consignment_dispatch(
        consignment=consignment,
        carrier=Consignment.Carrier.ROYAL_MAIL,
        tracking_reference=tracking,
        dispatched_on=day,
        acting_user=season.officer,
    )


@time_machine.travel(datetime.date(2026, 3, 5), tick=False)
def test_r_crt_4_dispatch_records_tracking_and_moves_registrations_to_sent(
    season, django_capture_on_commit_callbacks
):
    season.to_certificated(award_date=datetime.date(2026, 3, 2))
    with django_capture_on_commit_callbacks(execute=True):
        _dispatch(season)

    assert _stage(season) == Stage.DISPATCHED
    amira = season.registrations[0].__class__.objects.get(pk=season.registrations[0].pk)
    assert (amira.status, amira.certificate_sent_date, amira.postal_tracking_reference) == (
        S.CERTIFICATE_SENT,
        datetime.date(2026, 3, 3),
        "RM123456785GB",
    )
    assert any("e-certificates are ready" in m.subject.lower() for m in mail.outbox)


@time_machine.travel(datetime.date(2026, 3, 5), tick=False)
def test_r_crt_4_dispatch_refuses_a_missing_tracking_reference(season):
    season.to_certificated(award_date=datetime.date(2026, 3, 2))

    with pytest.raises(ResultsRejected) as raised:
        _dispatch(season, tracking="")

    assert raised.value.errors[0].field == "tracking_reference"
    assert _stage(season) == Stage.CERTIFICATED


def test_a_consignment_takes_only_certificated_course_runs_of_its_provider(season):
    season.to_confirmed()

    with pytest.raises(ResultsRejected) as raised:
        services.consignment_create(
            provider=season.course_run.provider,
            course_runs=[season.course_run],
            acting_user=season.officer,
        )

    assert raised.value.errors[0].code == "not_certificated"


# --- receipt (R-CRT-5) ----------------------------------------------------------------------


@time_machine.travel(datetime.date(2026, 3, 10), tick=False)
def test_r_crt_5_crf_received_moves_registrations_to_received(season):
    season.to_certificated(award_date=datetime.date(2026, 3, 2))
    _dispatch(season)

    services.course_run_receipt_confirm(
        course_run=season.course_run,
        received_date=datetime.date(2026, 3, 6),
        note="Box slightly damaged",
        acting_user=season.provider_user,
    )

    results = season.state()
    assert (results.stage, results.received_date, results.receipt_note) == (
        Stage.RECEIVED,
        datetime.date(2026, 3, 6),
        "Box slightly damaged",
    )
    statuses = sorted(r.__class__.objects.get(pk=r.pk).status for r in season.registrations[:2])
    assert statuses == [S.CERTIFICATE_RECEIVED, S.CERTIFICATE_RECEIVED]


@time_machine.travel(datetime.date(2026, 3, 10), tick=False)
def test_r_crt_5_received_date_before_dispatch_is_refused(season):
    season.to_certificated(award_date=datetime.date(2026, 3, 2))
    _dispatch(season)

    with pytest.raises(ResultsRejected) as raised:
        services.course_run_receipt_confirm(
            course_run=season.course_run,
            received_date=datetime.date(2026, 3, 2),
            note="",
            acting_user=season.provider_user,
        )

    assert raised.value.errors[0].code == "before_dispatch"


def test_r_crt_5_deadline_is_ten_working_days_across_christmas():
    # Dispatched Friday 19/12/2025: 25, 26 December and 1 January are bank holidays.
    assert services.receipt_deadline(datetime.date(2025, 12, 19)) == datetime.date(2026, 1, 7)


def test_r_crt_5_deadline_skips_easter_and_the_late_may_bank_holiday():
    # Good Friday 3/4/2026 and Easter Monday 6/4/2026; late May bank holiday 25/5/2026.
    assert services.receipt_deadline(datetime.date(2026, 4, 1)) == datetime.date(2026, 4, 17)
    assert services.receipt_deadline(datetime.date(2026, 5, 20)) == datetime.date(2026, 6, 4)


def test_r_crt_5_reminder_on_the_seventh_working_day_once(
    season, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime.date(2026, 3, 3), tick=False):
        season.to_certificated(award_date=datetime.date(2026, 3, 2))
        _dispatch(season)  # Tuesday 3/3/2026: 7th working day is Thursday 12/3

    with django_capture_on_commit_callbacks(execute=True):
        too_early = services.receipt_reminders_send(today=datetime.date(2026, 3, 11))
        sent = services.receipt_reminders_send(today=datetime.date(2026, 3, 12))
        again = services.receipt_reminders_send(today=datetime.date(2026, 3, 13))

    assert (too_early, sent, again) == (0, 1, 0)
    reminders = [m for m in mail.outbox if m.subject.startswith("Reminder")]
    assert len(reminders) == 1 and "17/03/2026" in reminders[0].body


def test_r_crt_5_overdue_email_after_the_tenth_working_day_once(
    season, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime.date(2026, 3, 3), tick=False):
        season.to_certificated(award_date=datetime.date(2026, 3, 2))
        _dispatch(season)  # deadline Tuesday 17/3/2026

    with django_capture_on_commit_callbacks(execute=True):
        on_deadline = services.receipt_overdue_send(today=datetime.date(2026, 3, 17))
        after = services.receipt_overdue_send(today=datetime.date(2026, 3, 18))
        again = services.receipt_overdue_send(today=datetime.date(2026, 3, 19))

    assert (on_deadline, after, again) == (0, 1, 0)
    assert [m.subject for m in mail.outbox if m.subject.startswith("Overdue")] == [
        f"Overdue: confirm receipt of certificates for {season.course_run.programme_name}"
    ]


def test_r_crt_5_pending_report_shows_days_left_then_empties(season):
    with time_machine.travel(datetime.date(2026, 3, 3), tick=False):
        season.to_certificated(award_date=datetime.date(2026, 3, 2))
        _dispatch(season)

    rows = receipt_pending(user=season.provider_user, today=datetime.date(2026, 3, 12))
    late = receipt_pending(user=season.provider_user, today=datetime.date(2026, 3, 19))
    assert [(r.deadline, r.status_text) for r in rows] == [
        (datetime.date(2026, 3, 17), "3 working days left")
    ]
    assert late[0].status_text == "Overdue by 2 working days"

    with time_machine.travel(datetime.date(2026, 3, 12), tick=False):
        services.course_run_receipt_confirm(
            course_run=season.course_run,
            received_date=datetime.date(2026, 3, 5),
            note="",
            acting_user=season.provider_user,
        )

    assert receipt_pending(user=season.provider_user) == []


def test_r_acc_6_pending_report_shows_a_provider_only_its_own(season):
    with time_machine.travel(datetime.date(2026, 3, 3), tick=False):
        season.to_certificated(award_date=datetime.date(2026, 3, 2))
        _dispatch(season)
    outsider = UserFactory(organisation=ProviderFactory().organisation)

    assert receipt_pending(user=outsider) == []
    assert len(receipt_pending(user=season.officer)) == 1


# --- CSV import --------------------------------------------------------------------------------

HEADER = ",".join(CSV_COLUMNS) + "\n"


def _csv(season, *lines):
    return (HEADER + "".join(line + "\n" for line in lines)).encode()


def test_import_validate_changes_nothing_and_upload_writes_all_accepted(season):
    u1, u2 = season.units[0].reference, season.units[1].reference
    number = season.registrations[0].registration_number
    other = season.registrations[1].registration_number
    raw = _csv(
        season,
        f"{number},,{u1},Merit,Ann,Ivan,Meets,",
        f"{number},,{u2},P,,,,",
        f"{other},,{u2},Q,,,,",
    )

    job = services.results_import_validate(
        course_run=season.course_run,
        filename="results.csv",
        raw=raw,
        delimiter=",",
        acting_user=season.provider_user,
    )

    assert (job.row_count, job.accepted_count, len(job.errors)) == (3, 2, 1), job.errors
    assert not UnitResult.objects.exists()

    services.results_import_upload(job=job, acting_user=season.provider_user)

    assert sorted(u.grade.code for u in season.result(0).unit_results.all()) == ["M", "P"]
    assert season.result(0).assessor_name == "Ann"
    job.refresh_from_db()
    assert job.status == ResultsImport.Status.UPLOADED


def test_import_upload_refuses_when_the_course_run_changed_since_validation(season):
    number = season.registrations[0].registration_number
    raw = _csv(season, f"{number},,{season.units[0].reference},P,,,,")
    job = services.results_import_validate(
        course_run=season.course_run,
        filename="results.csv",
        raw=raw,
        delimiter=",",
        acting_user=season.provider_user,
    )
    season.registrations[0].__class__.objects.filter(pk=season.registrations[0].pk).update(
        status=S.NOT_REGISTERED
    )

    with pytest.raises(ResultsRejected) as raised:
        services.results_import_upload(job=job, acting_user=season.provider_user)

    assert raised.value.errors[0].code == "stale"
    assert not UnitResult.objects.exists()


def test_import_refuses_a_file_that_is_not_csv(season):
    with pytest.raises(ResultsRejected) as raised:
        services.results_import_validate(
            course_run=season.course_run,
            filename="results.xlsx",
            raw=b"x",
            delimiter=",",
            acting_user=season.provider_user,
        )

    assert raised.value.errors[0].field == "file"


def test_a_results_file_that_is_not_csv_text_is_refused_with_the_same_message_as_elsewhere(season):
    with pytest.raises(ResultsRejected) as raised:
        services.results_import_validate(
            course_run=season.course_run,
            filename="results.csv",
            raw="Registration number\x00,ULN\n".encode("utf-16"),
            delimiter=",",
            acting_user=season.provider_user,
        )
    [error] = raised.value.errors
    assert error.field == "file" and "CSV UTF-8" in error.message
    assert not ResultsImport.objects.exists()
