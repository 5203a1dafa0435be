import datetime

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from learners.models import Learner
from learners.reference_data import registry
from learners.services import LearnerRejected, learner_create, learner_update, learner_validate
from learners.tests.factories import LearnerFactory, learner_details
from providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def _codes(caught):
    return {(e.field, e.code) for e in caught.value.errors}


def test_learner_create_stores_normalised_details_and_audits_them():
    provider = ProviderFactory()
    learner = learner_create(
        provider=provider,
        details=learner_details(given_name="  Zoe\u0308 ", postcode="ls1 5hd"),
        acting_user=None,
    )
    learner.refresh_from_db()
    assert learner.given_name == "Zoë"
    assert learner.postcode == "LS1 5HD"
    event = AuditEvent.objects.get(action="learner.create")
    assert event.after["uln"] == "9276308686"


def test_r_lrn_1_learner_create_refuses_a_mistyped_uln_naming_the_field():
    with pytest.raises(LearnerRejected) as caught:
        learner_create(
            provider=ProviderFactory(), details=learner_details(uln="9276308687"), acting_user=None
        )
    assert ("uln", "uln_invalid") in _codes(caught)
    assert not Learner.objects.exists()


def test_the_same_uln_at_the_same_provider_is_refused():
    provider = ProviderFactory()
    learner_create(provider=provider, details=learner_details(), acting_user=None)
    with pytest.raises(LearnerRejected) as caught:
        learner_create(
            provider=provider, details=learner_details(given_name="Other"), acting_user=None
        )
    assert ("uln", "uln_duplicate") in _codes(caught)


def test_the_same_uln_at_another_provider_is_allowed():
    learner_create(provider=ProviderFactory(), details=learner_details(), acting_user=None)
    learner_create(provider=ProviderFactory(), details=learner_details(), acting_user=None)
    assert Learner.objects.count() == 2


def test_r_lrn_2_same_name_and_birth_date_without_a_uln_asks_for_confirmation():
    provider = ProviderFactory()
    learner_create(
        provider=provider, details=learner_details(uln="", given_name="Zoë"), acting_user=None
    )
    with pytest.raises(LearnerRejected) as caught:
        learner_create(
            provider=provider,
            details=learner_details(uln="", given_name="ZOE", family_name="HASSAN"),
            acting_user=None,
        )
    assert caught.value.needs_confirmation_only
    learner_create(
        provider=provider,
        details=learner_details(uln="", given_name="ZOE", family_name="HASSAN"),
        acting_user=None,
        confirm_possible_duplicate=True,
    )
    assert Learner.objects.filter(provider=provider).count() == 2


def test_r_lrn_3_age_is_checked_on_the_registration_date():
    with pytest.raises(LearnerRejected) as caught:
        learner_create(
            provider=ProviderFactory(),
            details=learner_details(date_of_birth=datetime.date(2015, 9, 2)),
            registration_date=datetime.date(2026, 9, 1),
            acting_user=None,
        )
    assert ("date_of_birth", "age") in _codes(caught)


def test_r_lrn_4_a_prison_postcode_from_the_data_file_is_refused():
    with pytest.raises(LearnerRejected) as caught:
        learner_create(
            provider=ProviderFactory(),
            details=learner_details(postcode="ls12 2tj"),
            acting_user=None,
        )
    assert ("postcode", "postcode_invalid") in _codes(caught)


def test_r_lrn_5_prohibited_text_from_the_data_file_is_refused():
    with pytest.raises(LearnerRejected) as caught:
        learner_create(
            provider=ProviderFactory(),
            details=learner_details(family_name="Dummy"),
            acting_user=None,
        )
    assert ("family_name", "prohibited_text") in _codes(caught)


def test_r_lrn_4_r_lrn_5_the_lists_are_data_reloaded_by_a_command(tmp_path, settings):
    (tmp_path / "prison_postcodes.txt").write_text("LS1 5HD  # a new prison\n")
    (tmp_path / "prohibited_text.txt").write_text("bakery\n")
    settings.LEARNER_REFERENCE_DATA_DIR = tmp_path
    try:
        call_command("reload_learner_lists")
        _, errors = learner_validate(provider=ProviderFactory(), details=learner_details())
        assert {e.field for e in errors} == {"postcode", "employer"}
    finally:
        del settings.LEARNER_REFERENCE_DATA_DIR
        registry.load()


def test_learner_update_audits_only_the_changed_fields():
    learner = learner_create(
        provider=ProviderFactory(), details=learner_details(), acting_user=None
    )
    learner_update(learner=learner, details={"employer": "Harrogate Mills"}, acting_user=None)
    event = AuditEvent.objects.get(action="learner.update")
    assert event.before == {"employer": "Leeds Bakery Ltd"}
    assert event.after == {"employer": "Harrogate Mills"}


def test_learner_update_refuses_another_learners_uln_at_the_same_provider():
    first = LearnerFactory()
    second = LearnerFactory(provider=first.provider)
    with pytest.raises(LearnerRejected) as caught:
        learner_update(learner=second, details={"uln": first.uln}, acting_user=None)
    assert ("uln", "uln_duplicate") in _codes(caught)


def test_r_lrn_3_changing_the_birth_date_rechecks_every_registration():
    from registrations.models import RegistrationStatus
    from registrations.tests.factories import CourseRunFactory, RegistrationFactory

    run = CourseRunFactory()
    learner = LearnerFactory(provider=run.provider, date_of_birth=datetime.date(2004, 6, 1))
    RegistrationFactory(
        course_run=run,
        learner=learner,
        status=RegistrationStatus.EXEMPT,
        registration_date=datetime.date(2025, 9, 10),
    )
    with pytest.raises(LearnerRejected) as caught:
        learner_update(
            learner=learner, details={"date_of_birth": datetime.date(2014, 9, 11)}, acting_user=None
        )
    assert ("date_of_birth", "age") in _codes(caught)
    assert "10/09/2025" in caught.value.errors[0].message


def test_r_lrn_3_a_void_registration_does_not_hold_the_birth_date_back():
    from django.utils import timezone

    from registrations.tests.factories import CourseRunFactory, RegistrationFactory

    run = CourseRunFactory()
    learner = LearnerFactory(provider=run.provider, date_of_birth=datetime.date(2004, 6, 1))
    RegistrationFactory(
        course_run=run,
        learner=learner,
        registration_date=datetime.date(2012, 9, 10),
        voided_at=timezone.now(),
        void_reason="Wrong learner",
    )
    updated = learner_update(
        learner=learner, details={"date_of_birth": datetime.date(2004, 6, 2)}, acting_user=None
    )
    assert updated.date_of_birth == datetime.date(2004, 6, 2)


def test_a_learner_update_applies_to_the_latest_details_not_a_stale_copy():
    """Two people editing at once: the second change must not undo the first (row lock)."""
    learner = LearnerFactory(employer="Leeds Bakery Ltd", town="Leeds")
    stale = Learner.objects.get(pk=learner.pk)
    learner_update(learner=learner, details={"employer": "Harrogate Mills"}, acting_user=None)
    learner_update(learner=stale, details={"town": "York"}, acting_user=None)
    learner.refresh_from_db()
    assert (learner.employer, learner.town) == ("Harrogate Mills", "York")
