import datetime
from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from audit.models import AuditEvent
from learners.tests.factories import LearnerFactory
from qualifications.tests.factories import QualificationFactory
from registrations.models import Registration, RegistrationStatus
from registrations.numbers import registration_number_is_well_formed
from registrations.services import (
    RegistrationRejected,
    course_run_create,
    registration_create,
    registration_update_status,
    registration_validate,
    registration_void,
)
from registrations.tests.factories import CourseRunFactory, RegistrationFactory
from registrations.validators import RegistrationRecord

pytestmark = pytest.mark.django_db
S = RegistrationStatus


@pytest.fixture
def course_run():
    return CourseRunFactory()


@pytest.fixture
def provider_user(course_run):
    return UserFactory(organisation=course_run.provider.organisation)


@pytest.fixture
def learner(course_run):
    return LearnerFactory(provider=course_run.provider)


def _codes(caught):
    return {(e.field, e.code) for e in caught.value.errors}


def test_r_reg_5_a_request_that_passes_every_rule_is_accepted_at_once_with_a_number(
    course_run, learner, provider_user
):
    registration = registration_create(
        learner=learner, course_run=course_run, acting_user=provider_user
    )
    registration.refresh_from_db()
    assert registration.status == S.REGISTERED
    assert registration_number_is_well_formed(registration.registration_number)
    assert registration.registration_date is not None


def test_r_reg_5_numbers_come_from_the_sequence_and_are_unique(course_run, provider_user):
    numbers = {
        registration_create(
            learner=LearnerFactory(provider=course_run.provider),
            course_run=course_run,
            acting_user=provider_user,
        ).registration_number
        for _ in range(5)
    }
    assert len(numbers) == 5


def test_r_reg_5_a_number_already_held_by_a_migrated_record_is_skipped(
    course_run, learner, provider_user
):
    from registrations.numbers import registration_number_format, registration_serials_next

    # An older system's record happens to hold the next number the sequence would give.
    next_serial = registration_serials_next(1)[0] + 1
    RegistrationFactory(
        course_run=course_run,
        status=S.REGISTERED,
        registration_number=registration_number_format(next_serial),
    )
    registration = registration_create(
        learner=learner, course_run=course_run, acting_user=provider_user
    )
    assert registration.registration_number == registration_number_format(next_serial + 1)


def test_r_reg_4_the_database_refuses_registered_without_a_number(learner, course_run):
    with pytest.raises(IntegrityError):
        Registration.objects.create(learner=learner, course_run=course_run, status=S.REGISTERED)


@pytest.mark.parametrize("status", [S.NOT_REGISTERED, S.EXEMPT, S.REGISTRATION_NOT_REQUIRED])
def test_r_reg_4_statuses_before_registered_need_no_number(
    status, course_run, learner, provider_user
):
    registration = registration_create(
        learner=learner,
        course_run=course_run,
        acting_user=provider_user,
        record=RegistrationRecord(status=status),
    )
    assert registration.status == status
    assert registration.registration_number is None


def test_r_reg_11_moving_to_a_numbered_status_without_a_number_is_refused_and_keeps_the_status(
    course_run, learner
):
    registration = RegistrationFactory(course_run=course_run, learner=learner)
    ao_user = AOStaffFactory()
    with pytest.raises(RegistrationRejected) as caught:
        registration_update_status(
            registration=registration,
            proposed=RegistrationRecord(status=S.ACHIEVED),
            acting_user=ao_user,
        )
    assert ("status", "number_required") in _codes(caught)
    assert "the status stays Not registered" in caught.value.errors[0].message
    registration.refresh_from_db()
    assert registration.status == S.NOT_REGISTERED


def test_r_reg_14_a_move_to_registered_is_a_request_that_gets_a_number(
    course_run, learner, provider_user
):
    registration = RegistrationFactory(course_run=course_run, learner=learner)
    updated = registration_update_status(
        registration=registration,
        proposed=RegistrationRecord(status=S.REGISTERED),
        acting_user=provider_user,
    )
    assert updated.status == S.REGISTERED
    assert registration_number_is_well_formed(updated.registration_number)


def test_r_reg_10_a_number_cannot_be_removed_outside_the_edit_form(course_run, learner):
    registration = RegistrationFactory(
        course_run=course_run, learner=learner, status=S.REGISTERED, registration_number="R1"
    )
    with pytest.raises(RegistrationRejected) as caught:
        registration_update_status(
            registration=registration,
            proposed=RegistrationRecord(status=S.NOT_REGISTERED),
            acting_user=AOStaffFactory(),
        )
    assert ("registration_number", "number_removal") in _codes(caught)


def test_r_reg_10_the_ao_edit_form_may_remove_a_number(course_run, learner):
    registration = RegistrationFactory(
        course_run=course_run, learner=learner, status=S.REGISTERED, registration_number="R1"
    )
    updated = registration_update_status(
        registration=registration,
        proposed=RegistrationRecord(status=S.NOT_REGISTERED),
        acting_user=AOStaffFactory(),
        number_removal_allowed=True,
    )
    assert updated.registration_number is None


def test_r_reg_14_a_provider_cannot_set_achieved(course_run, learner, provider_user):
    registration = registration_create(
        learner=learner, course_run=course_run, acting_user=provider_user
    )
    with pytest.raises(RegistrationRejected) as caught:
        registration_update_status(
            registration=registration,
            proposed=replace(
                RegistrationRecord.of(registration),
                status=S.ACHIEVED,
                achieved_date=datetime.date(2026, 1, 5),
            ),
            acting_user=provider_user,
        )
    assert ("status", "ao_only_status") in _codes(caught)
    assert ("achieved_date", "ao_only_field") in _codes(caught)


def test_r_reg_14_a_provider_row_matching_what_is_recorded_changes_nothing(
    course_run, learner, provider_user
):
    registration = RegistrationFactory(
        course_run=course_run,
        learner=learner,
        status=S.CERTIFICATE_SENT,
        registration_number="R-OLD-1",
        registration_date=datetime.date(2025, 9, 10),
        certificate_sent_date=datetime.date(2026, 2, 1),
        postal_tracking_reference="RM123456789GB",
    )
    before = AuditEvent.objects.count()
    updated = registration_update_status(
        registration=registration,
        proposed=RegistrationRecord.of(registration),
        acting_user=provider_user,
    )
    assert updated.status == S.CERTIFICATE_SENT
    assert AuditEvent.objects.count() == before


def test_r_reg_14_a_provider_confirms_receipt_of_a_sent_certificate_with_its_date(
    course_run, learner, provider_user
):
    registration = RegistrationFactory(
        course_run=course_run,
        learner=learner,
        status=S.CERTIFICATE_SENT,
        registration_number="R-OLD-2",
        registration_date=datetime.date(2025, 9, 10),
        certificate_sent_date=datetime.date(2026, 2, 1),
    )
    proposed = replace(RegistrationRecord.of(registration), status=S.CERTIFICATE_RECEIVED)
    with pytest.raises(RegistrationRejected) as caught:
        registration_update_status(
            registration=registration, proposed=proposed, acting_user=provider_user
        )
    assert ("certificate_received_date", "required") in _codes(caught)
    updated = registration_update_status(
        registration=registration,
        proposed=replace(proposed, certificate_received_date=datetime.date(2026, 2, 4)),
        acting_user=provider_user,
    )
    assert updated.status == S.CERTIFICATE_RECEIVED


def test_r_reg_14_a_provider_cannot_confirm_receipt_before_dispatch(
    course_run, learner, provider_user
):
    registration = registration_create(
        learner=learner, course_run=course_run, acting_user=provider_user
    )
    with pytest.raises(RegistrationRejected) as caught:
        registration_update_status(
            registration=registration,
            proposed=replace(
                RegistrationRecord.of(registration),
                status=S.CERTIFICATE_RECEIVED,
                certificate_received_date=datetime.date(2026, 2, 4),
            ),
            acting_user=provider_user,
        )
    assert ("status", "not_sent") in _codes(caught)


def test_r_reg_14_a_provider_cannot_make_up_a_registration_number(
    course_run, learner, provider_user
):
    with pytest.raises(RegistrationRejected) as caught:
        registration_create(
            learner=learner,
            course_run=course_run,
            acting_user=provider_user,
            record=RegistrationRecord(status=S.REGISTERED, registration_number="MY-OWN-1"),
        )
    assert ("registration_number", "number_not_issued") in _codes(caught)


def test_r_reg_14_ao_staff_migrate_every_status_with_an_older_systems_number(course_run, learner):
    registration = registration_create(
        learner=learner,
        course_run=course_run,
        acting_user=AOStaffFactory(),
        record=RegistrationRecord(
            status=S.CERTIFICATE_SENT,
            registration_number="LEGACY-0042",
            registration_date=datetime.date(2025, 9, 10),
            achieved_date=datetime.date(2026, 1, 10),
            certificate_sent_date=datetime.date(2026, 2, 1),
            postal_tracking_reference="RM123456789GB",
        ),
    )
    assert registration.registration_number == "LEGACY-0042"
    assert registration.status == S.CERTIFICATE_SENT


def test_a_provider_can_register_only_on_qualifications_it_is_approved_for(provider_user):
    course_run = CourseRunFactory(provider=provider_user.organisation.provider, approved=False)
    learner = LearnerFactory(provider=course_run.provider)
    with pytest.raises(RegistrationRejected) as caught:
        registration_create(learner=learner, course_run=course_run, acting_user=provider_user)
    assert ("qualification", "not_approved") in _codes(caught)
    assert not Registration.objects.exists()


def test_a_provider_can_register_only_while_the_qualification_is_open(provider_user):
    qualification = QualificationFactory(
        operational_start_date=datetime.date(2020, 1, 1),
        operational_end_date=datetime.date(2025, 12, 31),
    )
    course_run = CourseRunFactory(
        provider=provider_user.organisation.provider, qualification=qualification
    )
    learner = LearnerFactory(provider=course_run.provider)
    with pytest.raises(RegistrationRejected) as caught:
        registration_create(
            learner=learner,
            course_run=course_run,
            acting_user=provider_user,
            record=RegistrationRecord(
                status=S.REGISTERED, registration_date=datetime.date(2026, 1, 5)
            ),
        )
    assert ("registration_date", "qualification_closed") in _codes(caught)
    assert "is not open on 05/01/2026" in caught.value.errors[0].message


def test_r_lrn_3_a_learner_under_11_on_the_registration_date_is_refused(course_run, provider_user):
    learner = LearnerFactory(provider=course_run.provider, date_of_birth=datetime.date(2015, 6, 1))
    with pytest.raises(RegistrationRejected) as caught:
        registration_create(
            learner=learner,
            course_run=course_run,
            acting_user=provider_user,
            record=RegistrationRecord(
                status=S.REGISTERED, registration_date=datetime.date(2026, 5, 31)
            ),
        )
    assert ("registration_date", "age") in _codes(caught)


def test_r_acc_6_a_provider_user_cannot_register_at_another_centre(course_run, learner):
    stranger = UserFactory()
    with pytest.raises(PermissionDenied):
        registration_create(learner=learner, course_run=course_run, acting_user=stranger)


def test_registration_validate_lists_the_errors_and_writes_nothing(
    course_run, learner, provider_user
):
    errors = registration_validate(
        course_run=course_run,
        learner=learner,
        proposed=RegistrationRecord(status="Graduated"),
        acting_user=provider_user,
    )
    assert [e.code for e in errors] == ["status_unknown"]
    assert "Status must be one of: Not registered, Registered" in errors[0].message
    assert not Registration.objects.exists()


def test_the_same_learner_cannot_be_registered_twice_on_one_course_run(
    course_run, learner, provider_user
):
    registration_create(learner=learner, course_run=course_run, acting_user=provider_user)
    with pytest.raises(RegistrationRejected) as caught:
        registration_create(learner=learner, course_run=course_run, acting_user=provider_user)
    assert ("course_run", "already_registered") in _codes(caught)


def test_r_acc_7_a_status_change_is_audited_with_before_and_after(
    course_run, learner, provider_user
):
    registration = RegistrationFactory(course_run=course_run, learner=learner)
    registration_update_status(
        registration=registration,
        proposed=RegistrationRecord(status=S.EXEMPT),
        acting_user=provider_user,
    )
    event = AuditEvent.objects.get(action="registration.update")
    assert event.before == {"status": "not_registered"}
    assert event.after == {"status": "exempt"}
    assert event.actor == provider_user


def test_r_reg_5_ao_staff_void_a_registration_with_a_reason(course_run, learner, provider_user):
    registration = registration_create(
        learner=learner, course_run=course_run, acting_user=provider_user
    )
    ao_user = AOStaffFactory(roles=[Role.AO_SUPER_USER])
    voided = registration_void(
        registration=registration, reason="Registered on the wrong course", acting_user=ao_user
    )
    assert voided.is_void
    assert voided.registration_number == registration.registration_number
    assert AuditEvent.objects.filter(action="registration.void").exists()
    with pytest.raises(RegistrationRejected) as caught:
        registration_update_status(
            registration=voided,
            proposed=RegistrationRecord.of(voided),
            acting_user=provider_user,
        )
    assert ("status", "voided") in _codes(caught)


def test_voiding_needs_a_reason(course_run, learner):
    registration = RegistrationFactory(course_run=course_run, learner=learner)
    with pytest.raises(RegistrationRejected) as caught:
        registration_void(registration=registration, reason="  ", acting_user=AOStaffFactory())
    assert ("void_reason", "required") in _codes(caught)


def test_a_provider_user_cannot_void(course_run, learner, provider_user):
    registration = RegistrationFactory(course_run=course_run, learner=learner)
    with pytest.raises(PermissionDenied):
        registration_void(registration=registration, reason="Mistake", acting_user=provider_user)


def test_r_reg_3_course_run_create_needs_approval(provider_user):
    qualification = QualificationFactory()
    with pytest.raises(RegistrationRejected) as caught:
        course_run_create(
            provider=provider_user.organisation.provider,
            qualification=qualification,
            start_date=datetime.date(2025, 9, 1),
            planned_achievement_date=datetime.date(2026, 7, 1),
            programme_name="Evening class",
            primary_tutor="Jo Tutor",
            acting_user=provider_user,
        )
    assert ("qualification", "not_approved") in _codes(caught)


def test_r_reg_3_course_run_planned_achievement_cannot_precede_start(course_run, provider_user):
    with pytest.raises(RegistrationRejected) as caught:
        course_run_create(
            provider=course_run.provider,
            qualification=course_run.qualification,
            start_date=datetime.date(2025, 9, 1),
            planned_achievement_date=datetime.date(2025, 8, 1),
            programme_name="Evening class",
            primary_tutor="Jo Tutor",
            acting_user=provider_user,
        )
    assert ("planned_achievement_date", "date_order") in _codes(caught)


def test_r_reg_3_course_run_create_is_audited(course_run, provider_user):
    created = course_run_create(
        provider=course_run.provider,
        qualification=course_run.qualification,
        start_date=datetime.date(2025, 9, 1),
        planned_achievement_date=datetime.date(2026, 7, 1),
        programme_name="Evening class",
        primary_tutor="Jo Tutor",
        acting_user=provider_user,
    )
    assert AuditEvent.objects.filter(action="course_run.create", object_id=str(created.pk)).exists()


def test_learner_register_creates_the_learner_and_an_accepted_registration(provider_user):
    from learners.tests.factories import learner_details
    from registrations.services import learner_register

    course_run = CourseRunFactory(provider=provider_user.organisation.provider)
    registration = learner_register(
        provider=course_run.provider,
        details=learner_details(),
        course_run=course_run,
        acting_user=provider_user,
    )
    assert registration.learner.uln == "9276308686"
    assert registration.status == S.REGISTERED


def test_learner_register_saves_nothing_when_the_registration_is_refused(provider_user):
    from learners.models import Learner
    from learners.tests.factories import learner_details
    from registrations.services import learner_register

    course_run = CourseRunFactory(provider=provider_user.organisation.provider, approved=False)
    with pytest.raises(RegistrationRejected):
        learner_register(
            provider=course_run.provider,
            details=learner_details(),
            course_run=course_run,
            acting_user=provider_user,
        )
    assert not Learner.objects.exists()


def _received(course_run, learner):
    return RegistrationFactory(
        course_run=course_run,
        learner=learner,
        status=S.CERTIFICATE_RECEIVED,
        registration_number="R-OLD-9",
        registration_date=datetime.date(2025, 9, 10),
        achieved_date=datetime.date(2026, 1, 10),
        certificate_claimed_date=datetime.date(2026, 1, 20),
        certificate_sent_date=datetime.date(2026, 2, 1),
        certificate_received_date=datetime.date(2026, 2, 5),
    )


@pytest.mark.parametrize(
    "status", [S.EXEMPT, S.NOT_REGISTERED, S.REGISTERED, S.REGISTRATION_NOT_REQUIRED]
)
def test_r_reg_14_a_provider_cannot_move_a_received_certificate_to_another_status(
    course_run, learner, provider_user, status
):
    registration = _received(course_run, learner)
    with pytest.raises(RegistrationRejected) as caught:
        registration_update_status(
            registration=registration,
            proposed=replace(RegistrationRecord.of(registration), status=status),
            acting_user=provider_user,
        )
    assert ("status", "ao_only_status") in _codes(caught)
    registration.refresh_from_db()
    assert registration.status == S.CERTIFICATE_RECEIVED


def test_r_reg_14_a_provider_may_correct_the_received_date(course_run, learner, provider_user):
    registration = _received(course_run, learner)
    updated = registration_update_status(
        registration=registration,
        proposed=replace(
            RegistrationRecord.of(registration),
            certificate_received_date=datetime.date(2026, 2, 6),
        ),
        acting_user=provider_user,
    )
    assert updated.certificate_received_date == datetime.date(2026, 2, 6)


def test_r_reg_14_receipt_cannot_be_dated_before_the_certificate_was_sent(
    course_run, learner, provider_user
):
    registration = RegistrationFactory(
        course_run=course_run,
        learner=learner,
        status=S.CERTIFICATE_SENT,
        registration_number="R-OLD-3",
        registration_date=datetime.date(2025, 9, 10),
        certificate_sent_date=datetime.date(2026, 2, 1),
    )
    with pytest.raises(RegistrationRejected) as caught:
        registration_update_status(
            registration=registration,
            proposed=replace(
                RegistrationRecord.of(registration),
                status=S.CERTIFICATE_RECEIVED,
                certificate_received_date=datetime.date(2025, 10, 1),
            ),
            acting_user=provider_user,
        )
    assert ("certificate_received_date", "date_order") in _codes(caught)
    assert "before the certificate sent date (01/02/2026)" in caught.value.errors[0].message


@pytest.mark.parametrize(
    ("field", "earlier"),
    [
        ("certificate_claimed_date", "achieved_date"),
        ("certificate_sent_date", "certificate_claimed_date"),
        ("certificate_sent_date", "achieved_date"),
    ],
)
def test_r_reg_14_the_aos_dates_run_achieved_claimed_sent(course_run, learner, field, earlier):
    record = RegistrationRecord(
        status=S.CERTIFICATE_SENT,
        registration_number="LEGACY-7",
        registration_date=datetime.date(2025, 9, 10),
        achieved_date=datetime.date(2026, 1, 10),
        certificate_claimed_date=datetime.date(2026, 1, 20),
        certificate_sent_date=datetime.date(2026, 2, 1),
    )
    if earlier == "achieved_date" and field == "certificate_sent_date":
        record = replace(record, certificate_claimed_date=None)
    record = replace(record, **{field: getattr(record, earlier) - datetime.timedelta(days=1)})
    with pytest.raises(RegistrationRejected) as caught:
        registration_create(
            learner=learner, course_run=course_run, acting_user=AOStaffFactory(), record=record
        )
    assert (field, "date_order") in _codes(caught)


def test_r_lrn_3_changing_the_registration_date_rechecks_age(course_run, provider_user):
    learner = LearnerFactory(provider=course_run.provider, date_of_birth=datetime.date(2004, 6, 1))
    registration = registration_create(
        learner=learner,
        course_run=course_run,
        acting_user=provider_user,
        record=RegistrationRecord(
            status=S.REGISTERED, registration_date=datetime.date(2025, 9, 10)
        ),
    )
    with pytest.raises(RegistrationRejected) as caught:
        registration_update_status(
            registration=registration,
            proposed=replace(
                RegistrationRecord.of(registration), registration_date=datetime.date(2014, 1, 1)
            ),
            acting_user=provider_user,
        )
    assert ("registration_date", "age") in _codes(caught)


def test_changing_the_registration_date_rechecks_that_the_qualification_was_open(
    course_run, provider_user
):
    learner = LearnerFactory(provider=course_run.provider, date_of_birth=datetime.date(1990, 6, 1))
    registration = RegistrationFactory(course_run=course_run, learner=learner)
    with pytest.raises(RegistrationRejected) as caught:
        registration_update_status(
            registration=registration,
            proposed=replace(
                RegistrationRecord.of(registration), registration_date=datetime.date(2019, 1, 1)
            ),
            acting_user=provider_user,
        )
    assert ("registration_date", "qualification_closed") in _codes(caught)


def test_an_unchanged_registration_date_is_not_rechecked(course_run, provider_user):
    """A registration accepted while the qualification was open keeps its date after it closes."""
    learner = LearnerFactory(provider=course_run.provider)
    registration = registration_create(
        learner=learner,
        course_run=course_run,
        acting_user=provider_user,
        record=RegistrationRecord(
            status=S.REGISTERED, registration_date=datetime.date(2025, 9, 10)
        ),
    )
    qualification = course_run.qualification
    qualification.operational_end_date = datetime.date(2025, 12, 31)
    qualification.save()
    updated = registration_update_status(
        registration=registration,
        proposed=replace(RegistrationRecord.of(registration), status=S.EXEMPT),
        acting_user=provider_user,
    )
    assert updated.status == S.EXEMPT


def test_a_closed_qualification_gets_one_message_for_course_runs_and_registrations(
    provider_user,
):
    qualification = QualificationFactory(
        operational_start_date=datetime.date(2020, 1, 1),
        operational_end_date=datetime.date(2025, 12, 31),
    )
    course_run = CourseRunFactory(
        provider=provider_user.organisation.provider, qualification=qualification
    )
    learner = LearnerFactory(provider=course_run.provider)
    day = datetime.date(2026, 1, 5)
    with pytest.raises(RegistrationRejected) as run_refused:
        course_run_create(
            provider=course_run.provider,
            qualification=qualification,
            start_date=day,
            planned_achievement_date=datetime.date(2026, 7, 1),
            programme_name="Evening class",
            primary_tutor="Jo Tutor",
            acting_user=provider_user,
        )
    with pytest.raises(RegistrationRejected) as registration_refused:
        registration_create(
            learner=learner,
            course_run=course_run,
            acting_user=provider_user,
            record=RegistrationRecord(status=S.REGISTERED, registration_date=day),
        )
    [run_error] = [e for e in run_refused.value.errors if e.code == "qualification_closed"]
    [registration_error] = [
        e for e in registration_refused.value.errors if e.code == "qualification_closed"
    ]
    assert run_error.message == registration_error.message


def test_a_course_runs_qualification_cannot_change(course_run, provider_user):
    from registrations.services import course_run_update

    other = QualificationFactory()
    with pytest.raises(RegistrationRejected) as caught:
        course_run_update(course_run=course_run, acting_user=provider_user, qualification=other)
    assert ("qualification", "immutable") in _codes(caught)


def test_a_course_run_update_naming_its_own_qualification_is_fine(course_run, provider_user):
    from registrations.services import course_run_update

    updated = course_run_update(
        course_run=course_run,
        acting_user=provider_user,
        qualification=course_run.qualification,
        programme_name="Renamed",
    )
    assert updated.programme_name == "Renamed"


@pytest.mark.parametrize("field", ["learner", "course_run"])
def test_a_registrations_learner_and_course_run_cannot_change(
    course_run, learner, provider_user, field
):
    registration = RegistrationFactory(course_run=course_run, learner=learner)
    replacement = {
        "learner": LearnerFactory(provider=course_run.provider),
        "course_run": CourseRunFactory(provider=course_run.provider),
    }[field]
    with pytest.raises(RegistrationRejected) as caught:
        registration_update_status(
            registration=registration,
            proposed=RegistrationRecord.of(registration),
            acting_user=provider_user,
            **{field: replacement},
        )
    assert (field, "immutable") in _codes(caught)


def test_ao_staff_are_told_this_centre_is_not_approved(provider_user):
    course_run = CourseRunFactory(provider=provider_user.organisation.provider, approved=False)
    learner = LearnerFactory(provider=course_run.provider)
    errors = registration_validate(
        course_run=course_run,
        learner=learner,
        proposed=RegistrationRecord(status=S.REGISTERED),
        acting_user=AOStaffFactory(),
    )
    [error] = [e for e in errors if e.code == "not_approved"]
    assert error.message.startswith("This centre is not approved to deliver")


def test_an_older_systems_number_already_taken_is_refused_at_the_number(course_run, learner):
    RegistrationFactory(course_run=course_run, status=S.REGISTERED, registration_number="LEG-1")
    with pytest.raises(RegistrationRejected) as caught:
        registration_create(
            learner=learner,
            course_run=course_run,
            acting_user=AOStaffFactory(),
            record=RegistrationRecord(status=S.REGISTERED, registration_number="LEG-1"),
        )
    assert _codes(caught) == {("registration_number", "number_taken")}
    assert "LEG-1 already belongs to another registration" in caught.value.errors[0].message


def test_changing_to_a_number_already_taken_is_refused_not_a_500(course_run, learner):
    RegistrationFactory(course_run=course_run, status=S.REGISTERED, registration_number="LEG-1")
    registration = RegistrationFactory(course_run=course_run, learner=learner)
    with pytest.raises(RegistrationRejected) as caught:
        registration_update_status(
            registration=registration,
            proposed=RegistrationRecord(status=S.REGISTERED, registration_number="LEG-1"),
            acting_user=None,
        )
    assert _codes(caught) == {("registration_number", "number_taken")}


def test_a_number_taken_between_the_check_and_the_save_is_reported_at_the_number(
    course_run, learner, monkeypatch
):
    """Two imports at once: the unique constraint decides, and the message names the number."""
    from registrations import services

    RegistrationFactory(course_run=course_run, status=S.REGISTERED, registration_number="LEG-2")
    registration = RegistrationFactory(course_run=course_run, learner=learner)
    monkeypatch.setattr(services.registering, "_number_taken_errors", lambda **kwargs: [])
    with pytest.raises(RegistrationRejected) as caught:
        registration_update_status(
            registration=registration,
            proposed=RegistrationRecord(status=S.REGISTERED, registration_number="LEG-2"),
            acting_user=None,
        )
    assert _codes(caught) == {("registration_number", "number_taken")}


def test_r_reg_5_a_learner_whose_registration_was_voided_can_be_registered_again(
    course_run, learner, provider_user
):
    registration = registration_create(
        learner=learner, course_run=course_run, acting_user=provider_user
    )
    registration_void(registration=registration, reason="Wrong date", acting_user=AOStaffFactory())

    again = registration_create(learner=learner, course_run=course_run, acting_user=provider_user)

    assert again.pk != registration.pk
    assert (
        again.registration_number and again.registration_number != registration.registration_number
    )
    registration.refresh_from_db()
    assert registration.is_void


def test_a_learner_cannot_be_on_a_course_run_twice_while_the_first_registration_stands(
    course_run, learner, provider_user
):
    registration_create(learner=learner, course_run=course_run, acting_user=provider_user)
    with pytest.raises(RegistrationRejected) as caught:
        registration_create(learner=learner, course_run=course_run, acting_user=provider_user)
    [error] = caught.value.errors
    assert error.code == "already_registered"


def test_r_reg_5_a_portal_number_with_the_wrong_check_letter_is_refused(course_run, learner):
    with pytest.raises(RegistrationRejected) as caught:
        registration_create(
            learner=learner,
            course_run=course_run,
            acting_user=AOStaffFactory(),
            record=RegistrationRecord(status=S.REGISTERED, registration_number="r 1000 0017 n"),
        )
    assert _codes(caught) == {("registration_number", "check_letter")}
    assert "R10000017N" in caught.value.errors[0].message
