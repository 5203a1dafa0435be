import datetime

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from accounts.tests.helpers import sign_in
from audit.models import AuditEvent
from learners.models import Learner
from learners.tests.factories import LearnerFactory
from providers.tests.factories import ProviderFactory
from registrations.models import Registration, RegistrationStatus
from registrations.tests.factories import CourseRunFactory, RegistrationFactory, register_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def course_run():
    return CourseRunFactory()


@pytest.fixture
def provider_user(course_run):
    return UserFactory(organisation=course_run.provider.organisation)


def test_registering_a_learner_ends_on_the_learners_page(client, course_run, provider_user):
    sign_in(client, provider_user)
    response = client.post(reverse("registrations:register"), register_form_data(course_run))
    learner = Learner.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("learners:detail", args=[learner.pk])
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.REGISTERED
    page = client.get(response.url).content.decode()
    assert registration.registration_number in page


def test_r_lrn_1_a_mistyped_uln_is_shown_at_the_field_and_nothing_typed_is_lost(
    client, course_run, provider_user
):
    sign_in(client, provider_user)
    response = client.post(
        reverse("registrations:register"), register_form_data(course_run, uln="9276308687")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "the last digit does not match" in body
    assert 'href="#id_uln"' in body  # the error summary links to the field
    assert 'value="9276308687"' in body
    assert 'value="Amira"' in body and 'value="Leeds Bakery Ltd"' in body
    assert not Learner.objects.exists()


def test_a_possible_duplicate_asks_for_confirmation_then_registers(
    client, course_run, provider_user
):
    LearnerFactory(
        provider=course_run.provider,
        uln="",
        given_name="Amira",
        family_name="Hassan",
        date_of_birth=datetime.date(2005, 3, 14),
    )
    sign_in(client, provider_user)
    response = client.post(
        reverse("registrations:register"), register_form_data(course_run, uln="")
    )
    assert "is already a learner at your centre" in response.content.decode()
    assert "This is a different person" in response.content.decode()
    response = client.post(
        reverse("registrations:register"),
        register_form_data(course_run, uln="", confirm_possible_duplicate="on"),
    )
    assert response.status_code == 302
    assert Learner.objects.count() == 2


def test_r_lrn_7_the_uln_check_digit_is_validated_as_the_user_leaves_the_field(
    client, course_run, provider_user
):
    sign_in(client, provider_user)
    response = client.post(
        reverse("registrations:register_check"),
        register_form_data(course_run, uln="9276308687", given_name="J0hn", field="uln"),
    )
    assert response.json()["field"] == "uln"
    assert len(response.json()["errors"]) == 1
    assert "the last digit does not match" in response.json()["errors"][0]


def test_the_field_check_reports_nothing_for_a_good_value(client, course_run, provider_user):
    sign_in(client, provider_user)
    response = client.post(
        reverse("registrations:register_check"), register_form_data(course_run, field="postcode")
    )
    assert response.json()["errors"] == []


def test_r_acc_6_another_centres_course_run_cannot_be_chosen(client, provider_user):
    other = CourseRunFactory()
    sign_in(client, provider_user)
    response = client.post(reverse("registrations:register"), register_form_data(other))
    assert "Select a valid choice" in response.content.decode()
    assert not Learner.objects.exists()


def test_r_acc_5_the_register_page_needs_manage_registrations(client, course_run):
    user = UserFactory(organisation=course_run.provider.organisation, roles=[Role.DATA_EXPORT])
    sign_in(client, user)
    assert client.get(reverse("registrations:register")).status_code == 403


def test_r_acc_6_another_centres_course_run_page_is_not_found(client, provider_user):
    other = CourseRunFactory()
    sign_in(client, provider_user)
    url = reverse("registrations:course_run_detail", args=[other.pk])
    assert client.get(url).status_code == 404


def test_a_course_run_is_created_from_the_page(client, course_run, provider_user):
    sign_in(client, provider_user)
    response = client.post(
        reverse("registrations:course_run_create"),
        {
            "qualification": course_run.qualification.pk,
            "programme_name": "Evening group",
            "primary_tutor": "Sam Lee",
            "start_date": "01/09/2025",
            "planned_achievement_date": "01/07/2025",
        },
    )
    assert "Planned achievement date must be on or after the start date." in (
        response.content.decode()
    )


def test_r_reg_5_ao_staff_void_a_registration_with_a_reason(client, course_run):
    registration = RegistrationFactory(
        course_run=course_run, status=RegistrationStatus.REGISTERED, registration_number="R1"
    )
    sign_in(client, AOStaffFactory(roles=[Role.AO_SUPER_USER]))
    url = reverse("registrations:void", args=[registration.pk])
    assert "Enter the reason" in client.post(url, {"void_reason": ""}).content.decode()
    response = client.post(url, {"void_reason": "Duplicate of another registration"})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.is_void


def test_r_acc_7_viewing_the_learner_list_is_audited(client, course_run, provider_user):
    LearnerFactory(provider=course_run.provider, given_name="Zoë", family_name="Brown")
    sign_in(client, provider_user)
    body = client.get(reverse("learners:list"), {"q": "zoe"}).content.decode()
    assert "Brown, Zoë" in body
    event = AuditEvent.objects.get(action="learner.list_viewed")
    assert event.actor == provider_user
    assert event.detail["search"] == "zoe"


def test_r_acc_6_the_learner_list_shows_only_the_users_centre(client, course_run, provider_user):
    LearnerFactory(provider=course_run.provider, family_name="Ownly")
    LearnerFactory(family_name="Elsewhere")
    sign_in(client, provider_user)
    body = client.get(reverse("learners:list")).content.decode()
    assert "Ownly" in body and "Elsewhere" not in body


def test_the_learner_list_filters_by_course_run_and_status(client, course_run, provider_user):
    RegistrationFactory(course_run=course_run, learner__family_name="Onrun")
    LearnerFactory(provider=course_run.provider, family_name="Offrun")
    sign_in(client, provider_user)
    body = client.get(
        reverse("learners:list"),
        {"course_run": course_run.pk, "status": RegistrationStatus.NOT_REGISTERED},
    ).content.decode()
    assert "Onrun" in body and "Offrun" not in body


def test_r_lrn_6_the_not_known_report_counts_not_known_answers_per_provider(client, course_run):
    LearnerFactory(provider=course_run.provider, gender="0", ethnicity="31")
    LearnerFactory(provider=course_run.provider, gender="2", ethnicity="31")
    sign_in(client, AOStaffFactory(roles=[Role.AO_SUPER_USER]))
    body = client.get(reverse("learners:not_known_report")).content.decode()
    assert course_run.provider.name in body
    assert "1 (50.0%)" in body  # gender: one of two
    assert "0 (0.0%)" in body  # ethnicity: none


def test_r_lrn_6_providers_see_only_their_own_not_known_figures(client, provider_user):
    other = ProviderFactory(organisation__name="Somebody Else's College")
    LearnerFactory(provider=other)
    sign_in(client, provider_user)
    response = client.get(reverse("learners:not_known_report"))
    assert response.status_code == 200
    assert "Somebody Else's College" not in response.content.decode()


def test_r_acc_7_viewing_a_course_runs_learners_is_audited(client, course_run, provider_user):
    registration = RegistrationFactory(course_run=course_run)
    sign_in(client, provider_user)
    client.get(reverse("registrations:course_run_detail", args=[course_run.pk]))
    event = AuditEvent.objects.get(action="course_run.learners_viewed")
    assert event.actor == provider_user
    assert event.object_id == str(course_run.pk)
    assert event.detail["learner_ids"] == [registration.learner_id]


def _learner_on_two_runs(course_run):
    """Not registered on run A, Exempt on run B."""
    other_run = CourseRunFactory(provider=course_run.provider)
    learner = LearnerFactory(provider=course_run.provider, family_name="Twoways")
    RegistrationFactory(course_run=course_run, learner=learner)
    RegistrationFactory(course_run=other_run, learner=learner, status=RegistrationStatus.EXEMPT)
    return learner


def test_the_learner_list_matches_course_run_and_status_on_the_same_registration(
    client, course_run, provider_user
):
    _learner_on_two_runs(course_run)
    sign_in(client, provider_user)
    response = client.get(
        reverse("learners:list"), {"course_run": course_run.pk, "status": "exempt"}
    )
    assert response.context["page"].paginator.count == 0
    response = client.get(
        reverse("learners:list"), {"course_run": course_run.pk, "status": "not_registered"}
    )
    assert response.context["page"].paginator.count == 1


def test_the_api_matches_course_run_and_status_on_the_same_registration(
    client, course_run, provider_user
):
    _learner_on_two_runs(course_run)
    sign_in(client, provider_user)
    body = client.get("/api/v1/learners/", {"course_run": course_run.pk, "status": "exempt"})
    assert body.json()["count"] == 0
    body = client.get(
        "/api/v1/learners/", {"course_run": course_run.pk, "status": "not_registered"}
    )
    assert body.json()["count"] == 1


def test_the_course_run_list_pages_instead_of_stopping(
    client, course_run, provider_user, monkeypatch
):
    from registrations import views

    for _ in range(4):
        CourseRunFactory(provider=course_run.provider)
    sign_in(client, provider_user)
    monkeypatch.setattr(views, "COURSE_RUN_PAGE_SIZE", 2)
    first = client.get(reverse("registrations:course_run_list"))
    last = client.get(reverse("registrations:course_run_list"), {"page": 3})
    assert "Page 1 of 3" in first.content.decode()
    assert "Next page" in first.content.decode()
    assert len(last.context["page"].object_list) == 1


def test_ao_staff_filter_the_learner_list_by_course_run_without_a_list_of_every_run(client):
    runs = [CourseRunFactory() for _ in range(3)]
    sign_in(client, AOStaffFactory())
    page = client.get(reverse("learners:list")).content.decode()
    assert all(run.programme_name not in page for run in runs)
    filtered = client.get(reverse("learners:list"), {"course_run": runs[0].pk}).content.decode()
    assert runs[0].programme_name in filtered
    assert f'name="course_run" value="{runs[0].pk}"' in filtered


def test_a_course_runs_page_links_to_its_learners_in_the_learner_list(
    client, course_run, provider_user
):
    sign_in(client, provider_user)
    page = client.get(reverse("registrations:course_run_detail", args=[course_run.pk]))
    assert f"{reverse('learners:list')}?course_run={course_run.pk}" in page.content.decode()


def _numbered(course_run, **overrides):
    values = {
        "course_run": course_run,
        "status": RegistrationStatus.REGISTERED,
        "registration_number": "LEGACY-0099",
        "registration_date": datetime.date(2025, 9, 10),
    }
    values.update(overrides)
    return RegistrationFactory(**values)


def _edit_data(registration, **overrides):
    data = {
        "status": registration.status,
        "registration_number": registration.registration_number or "",
        "registration_date": (
            registration.registration_date.strftime("%d/%m/%Y")
            if registration.registration_date
            else ""
        ),
        "achieved_date": "",
        "certificate_claimed_date": "",
        "certificate_sent_date": "",
        "certificate_received_date": "",
        "postal_tracking_reference": "",
        "reason": "Registered on the wrong course run by mistake",
    }
    data.update(overrides)
    return data


def test_r_reg_10_the_ao_edit_form_removes_a_registration_number(client, course_run):
    registration = _numbered(course_run)
    editor = AOStaffFactory()
    sign_in(client, editor)
    response = client.post(
        reverse("registrations:edit", args=[registration.pk]),
        _edit_data(registration, status="not_registered", registration_number=""),
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.registration_number is None
    assert registration.status == RegistrationStatus.NOT_REGISTERED
    event = AuditEvent.objects.get(action="registration.update")
    assert event.actor == editor
    assert event.before["registration_number"] == "LEGACY-0099"
    assert event.detail["reason"] == "Registered on the wrong course run by mistake"


def test_r_reg_10_removing_the_number_of_a_status_that_needs_one_is_explained(client, course_run):
    registration = _numbered(course_run)
    sign_in(client, AOStaffFactory())
    response = client.post(
        reverse("registrations:edit", args=[registration.pk]),
        _edit_data(registration, registration_number=""),
    )
    assert response.status_code == 200
    assert "needs a registration number" in response.content.decode()
    registration.refresh_from_db()
    assert registration.registration_number == "LEGACY-0099"


def test_the_ao_edit_form_needs_a_reason_and_keeps_what_was_typed(client, course_run):
    registration = _numbered(course_run)
    sign_in(client, AOStaffFactory())
    response = client.post(
        reverse("registrations:edit", args=[registration.pk]),
        _edit_data(registration, reason="", postal_tracking_reference="RM123456789GB"),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter the reason for this change" in body
    assert 'value="RM123456789GB"' in body


def test_the_ao_edit_form_is_for_ao_staff_who_may_void(client, course_run):
    registration = _numbered(course_run)
    url = reverse("registrations:edit", args=[registration.pk])
    sign_in(client, AOStaffFactory(roles=[Role.VERIFIER]))
    assert client.get(url).status_code == 403
    sign_in(client, AOStaffFactory())
    assert client.get(url).status_code == 200


def test_the_learners_page_links_ao_staff_to_the_edit_form(client, course_run):
    registration = _numbered(course_run)
    sign_in(client, AOStaffFactory())
    page = client.get(reverse("learners:detail", args=[registration.learner_id])).content.decode()
    assert reverse("registrations:edit", args=[registration.pk]) in page


def test_r_lrn_2_a_possible_duplicate_points_at_the_confirmation_and_the_existing_learner(
    client, course_run, provider_user
):
    existing = LearnerFactory(
        provider=course_run.provider,
        uln="",
        given_name="Amira",
        family_name="Hassan",
        date_of_birth=datetime.date(2005, 3, 14),
    )
    sign_in(client, provider_user)
    response = client.post(
        reverse("registrations:register"), register_form_data(course_run, uln="")
    )
    body = response.content.decode()
    assert 'href="#id_confirm_possible_duplicate"' in body
    assert "given_name" not in response.context["form"].errors
    assert reverse("registrations:register_existing", args=[existing.pk]) in body


def test_r_reg_14_a_centre_with_manage_registrations_changes_its_own_registration(
    client, course_run, provider_user
):
    registration = _numbered(course_run)
    url = reverse("registrations:edit", args=[registration.pk])
    sign_in(client, provider_user)
    page = client.get(url).content.decode()
    assert "Change or withdraw a registration" in page
    assert 'value="achieved"' not in page  # only the statuses a provider may set
    response = client.post(
        url,
        {
            "status": "not_registered",
            "registration_date": registration.registration_date.strftime("%d/%m/%Y"),
            "reason": "Left the course",
        },
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == "not_registered"
