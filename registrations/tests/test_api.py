import datetime

import pytest

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import sign_in
from audit.models import AuditEvent
from learners.models import Learner
from learners.tests.factories import LearnerFactory, learner_details
from registrations.models import Registration, RegistrationStatus
from registrations.tests.factories import CourseRunFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course_run():
    return CourseRunFactory()


@pytest.fixture
def api(client, course_run):
    sign_in(client, UserFactory(organisation=course_run.provider.organisation))
    return client


def _learner_json(**overrides):
    data = learner_details(**overrides)
    if hasattr(data["date_of_birth"], "isoformat"):
        data["date_of_birth"] = data["date_of_birth"].isoformat()
    return data


def test_the_api_creates_a_learner_with_the_same_rules(api):
    response = api.post("/api/v1/learners/", _learner_json(), content_type="application/json")
    assert response.status_code == 201
    assert Learner.objects.get().uln == "9276308686"


def test_r_lrn_1_the_api_refuses_a_bad_uln_with_the_forms_message(api):
    response = api.post(
        "/api/v1/learners/", _learner_json(uln="9276308687"), content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "uln" and error["code"] == "uln_invalid"
    assert "the last digit does not match" in error["message"]


def test_the_api_reports_an_unparseable_date_in_the_same_shape(api):
    response = api.post(
        "/api/v1/learners/",
        _learner_json(date_of_birth="31/02/2005"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "date_of_birth"


def test_r_reg_5_the_api_registers_and_returns_the_number(api, course_run):
    learner = LearnerFactory(provider=course_run.provider)
    response = api.post(
        "/api/v1/registrations/",
        {"learner": learner.pk, "course_run": course_run.pk},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "registered"
    assert response.json()["registration_number"].startswith("R")


def test_r_reg_14_the_api_refuses_a_provider_setting_achieved(api, course_run):
    registration = RegistrationFactory(course_run=course_run)
    response = api.patch(
        f"/api/v1/registrations/{registration.pk}/",
        {"status": "achieved"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "ao_only_status"


def test_the_api_filters_registrations_by_status(api, course_run):
    RegistrationFactory(course_run=course_run, status=RegistrationStatus.EXEMPT)
    RegistrationFactory(course_run=course_run)
    response = api.get("/api/v1/registrations/", {"status": "exempt"})
    assert response.json()["count"] == 1


def test_r_acc_6_the_api_lists_only_the_callers_centre(api, course_run):
    LearnerFactory(provider=course_run.provider)
    LearnerFactory()
    assert api.get("/api/v1/learners/").json()["count"] == 1


def test_r_acc_6_another_centres_registration_is_not_found(api):
    other = RegistrationFactory()
    assert api.get(f"/api/v1/registrations/{other.pk}/").status_code == 404
    assert Registration.objects.count() == 1


def test_the_api_needs_sign_in_or_a_token(client):
    response = client.get("/api/v1/learners/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_the_openapi_schema_and_docs_are_served(api):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/registrations/" in schema.content
    docs = api.get("/api/docs/").content.decode()
    assert "POST /api/v1/registrations/" in docs
    assert "cdn" not in docs.lower()


@pytest.mark.parametrize("field", ["learner", "course_run"])
def test_r_acc_6_another_centres_id_is_answered_like_an_id_that_does_not_exist(
    api, course_run, field
):
    own = {"learner": LearnerFactory(provider=course_run.provider).pk, "course_run": course_run.pk}
    others = RegistrationFactory()
    other_id = {"learner": others.learner_id, "course_run": others.course_run_id}[field]
    missing_id = max(other_id, own[field]) + 1000

    answers = [
        api.post(
            "/api/v1/registrations/", {**own, field: pk}, content_type="application/json"
        ).json()["errors"]
        for pk in (other_id, missing_id)
    ]

    assert answers[0] == answers[1]
    assert answers[0][0]["field"] == field
    assert answers[0][0]["code"] == "does_not_exist"
    assert "at your centre" in answers[0][0]["message"]


def test_r_acc_6_a_registration_cannot_be_moved_to_another_centres_learner(api, course_run):
    registration = RegistrationFactory(course_run=course_run)
    stranger = LearnerFactory()
    response = api.patch(
        f"/api/v1/registrations/{registration.pk}/",
        {"learner": stranger.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "does_not_exist"


def test_the_api_answers_in_json_only_outside_development(api, settings):
    settings.DEBUG = False
    response = api.get("/api/v1/registrations/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    browser = api.get(
        "/api/v1/registrations/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8"
    )
    assert browser["Content-Type"] == "application/json"


def test_r_acc_7_reading_the_learner_list_through_the_api_is_audited(api, course_run):
    learner = LearnerFactory(provider=course_run.provider)
    api.get("/api/v1/learners/", {"search": learner.family_name})
    event = AuditEvent.objects.get(action="learner.list_viewed")
    assert event.detail["via"] == "api"
    assert event.detail["learner_ids"] == [learner.pk]
    assert event.detail["filters"] == {"search": learner.family_name}


def test_r_acc_7_reading_a_learner_through_the_api_is_audited(api, course_run):
    learner = LearnerFactory(provider=course_run.provider)
    api.get(f"/api/v1/learners/{learner.pk}/")
    event = AuditEvent.objects.get(action="learner.viewed")
    assert event.object_id == str(learner.pk)
    assert event.detail["via"] == "api"


def test_r_acc_7_reading_the_registration_list_through_the_api_is_audited(api, course_run):
    registration = RegistrationFactory(course_run=course_run)
    api.get("/api/v1/registrations/", {"status": "not_registered"})
    event = AuditEvent.objects.get(action="registration.list_viewed")
    assert event.detail["registration_ids"] == [registration.pk]
    assert event.detail["learner_ids"] == [registration.learner_id]
    assert event.detail["filters"] == {"status": "not_registered"}


def test_r_acc_7_reading_a_registration_through_the_api_is_audited(api, course_run):
    registration = RegistrationFactory(course_run=course_run)
    api.get(f"/api/v1/registrations/{registration.pk}/")
    event = AuditEvent.objects.get(action="registration.viewed")
    assert event.object_id == str(registration.pk)
    assert event.detail["learner_ids"] == [registration.learner_id]


def test_r_acc_7_the_audit_records_only_the_filters_the_api_knows(api, course_run):
    response = api.get("/api/v1/learners/", {"status": "exempt", "x": "\x00", "page": "1"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="learner.list_viewed")
    assert event.detail["filters"] == {"status": "exempt"}
    assert event.detail["page"] == 1


def test_r_lrn_3_the_api_refuses_backdating_a_registration_before_the_learner_was_11(
    api, course_run
):
    learner = LearnerFactory(provider=course_run.provider)  # born 01/06/2004
    registration = api.post(
        "/api/v1/registrations/",
        {"learner": learner.pk, "course_run": course_run.pk, "registration_date": "2025-09-10"},
        content_type="application/json",
    ).json()
    response = api.patch(
        f"/api/v1/registrations/{registration['id']}/",
        {"registration_date": "2006-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    codes = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert ("registration_date", "age") in codes


def test_r_lrn_3_the_api_refuses_a_birth_date_that_makes_a_registered_learner_10(api, course_run):
    learner = LearnerFactory(provider=course_run.provider)
    RegistrationFactory(
        course_run=course_run, learner=learner, registration_date=datetime.date(2025, 9, 10)
    )
    response = api.patch(
        f"/api/v1/learners/{learner.pk}/",
        {"date_of_birth": "2014-09-11"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "age"


def test_the_api_names_its_own_field_for_a_course_runs_qualification(api, course_run):
    from qualifications.tests.factories import QualificationFactory

    other = QualificationFactory()
    response = api.patch(
        f"/api/v1/course-runs/{course_run.pk}/",
        {"qualification_number": other.number},
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == ("qualification_number", "immutable")


def test_r_reg_4_the_api_takes_a_status_by_its_csv_label(api, course_run):
    registration = RegistrationFactory(course_run=course_run)
    response = api.patch(
        f"/api/v1/registrations/{registration.pk}/",
        {"status": "Exempt"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "exempt"


def test_the_api_reports_a_missing_approval_at_the_course_run(api, course_run):
    course_run.provider.qualification_approvals.all().delete()
    learner = LearnerFactory(provider=course_run.provider)
    response = api.post(
        "/api/v1/registrations/",
        {"learner": learner.pk, "course_run": course_run.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == ("course_run", "not_approved")


def test_the_api_finds_a_registration_by_its_number_as_people_type_it(api, course_run):
    RegistrationFactory(
        course_run=course_run,
        status=RegistrationStatus.REGISTERED,
        registration_number="R10000017V",
    )
    response = api.get("/api/v1/registrations/", {"registration_number": "r 1000 0017 v"})
    assert response.json()["count"] == 1


@pytest.mark.parametrize("kind", ["learners", "course-runs", "registrations"])
def test_the_api_changes_records_with_patch_only(api, course_run, kind):
    """PUT used to behave as PATCH (fields left out were kept); the API offers PATCH alone."""
    registration = RegistrationFactory(course_run=course_run)
    pk = {
        "learners": registration.learner_id,
        "course-runs": course_run.pk,
        "registrations": registration.pk,
    }[kind]
    response = api.put(f"/api/v1/{kind}/{pk}/", {}, content_type="application/json")
    assert response.status_code == 405
