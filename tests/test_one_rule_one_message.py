"""The browser forms and the API give the same message for the same problem: the words come
from the validators and services (or one shared table), never from each front end."""

import datetime

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import sign_in
from learners.models import Learner
from learners.tests.factories import learner_details
from registrations.tests.factories import CourseRunFactory

pytestmark = pytest.mark.django_db

# field -> value typed into both the form and the API
LEARNER_CASES = {
    "name_too_long": ("given_name", "A" * 120),
    "unreal_date": ("date_of_birth", "31/02/2006"),
    "date_missing": ("date_of_birth", ""),
    "name_missing": ("family_name", ""),
    "choice_unknown": ("gender", "7"),
    "choice_missing": ("ethnicity", ""),
    "email_too_long": ("email", "a" * 250 + "@example.com"),
    "postcode_not_a_postcode": ("postcode", "NOT A CODE"),
}


@pytest.fixture
def course_run():
    return CourseRunFactory()


@pytest.fixture
def user(client, course_run):
    user = UserFactory(
        organisation=course_run.provider.organisation, roles=[Role.MANAGE_REGISTRATION]
    )
    sign_in(client, user)
    return user


def _form_data(course_run, **overrides):
    data = {
        k: (v.strftime("%d/%m/%Y") if isinstance(v, datetime.date) else v)
        for k, v in learner_details().items()
    }
    data["course_run"] = str(course_run.pk)
    data.update(overrides)
    return data


def _api_data(**overrides):
    data = learner_details()
    data["date_of_birth"] = data["date_of_birth"].isoformat()
    data.update(overrides)
    return {k: v for k, v in data.items() if v != "" or k not in overrides}


def _form_messages(client, course_run, field, value):
    response = client.post(
        reverse("registrations:register"), _form_data(course_run, **{field: value})
    )
    assert response.status_code == 200
    return sorted(response.context["form"].errors.get(field, []))


def _api_messages(client, field, value, *, omit=False):
    body = _api_data(**{field: value})
    if omit:
        body.pop(field, None)
    response = client.post("/api/v1/learners/", body, content_type="application/json")
    assert response.status_code == 400
    return sorted(e["message"] for e in response.json()["errors"] if e["field"] == field)


@pytest.mark.parametrize("case", sorted(LEARNER_CASES))
def test_the_form_and_the_api_give_the_same_message(client, course_run, user, case):
    field, value = LEARNER_CASES[case]
    form = _form_messages(client, course_run, field, value)
    api = _api_messages(client, field, value)
    assert form, "the form should refuse it"
    assert form == api


@pytest.mark.parametrize("field", ["date_of_birth", "given_name", "gender"])
def test_a_field_left_out_of_the_api_gets_the_forms_required_message(
    client, course_run, user, field
):
    form = _form_messages(client, course_run, field, "")
    assert form == _api_messages(client, field, "", omit=True)


@pytest.mark.parametrize("typed", ["SW1A  1AA", "sw1a1aa", " SW1A 1AA "])
def test_r_lrn_4_the_form_and_the_api_both_accept_and_normalise_a_loosely_typed_postcode(
    client, course_run, user, typed
):
    api = client.post(
        "/api/v1/learners/", _api_data(postcode=typed), content_type="application/json"
    )
    assert api.status_code == 201, api.content
    assert api.json()["postcode"] == "SW1A 1AA"
    Learner.objects.all().delete()
    form = client.post(reverse("registrations:register"), _form_data(course_run, postcode=typed))
    assert form.status_code == 302
    assert Learner.objects.get().postcode == "SW1A 1AA"


@pytest.mark.parametrize("typed", ["14/3/2007", "14032007", "14-03-2007", "2007-03-14"])
def test_the_form_and_the_api_read_the_same_date_typings(client, course_run, user, typed):
    api = client.post(
        "/api/v1/learners/", _api_data(date_of_birth=typed), content_type="application/json"
    )
    assert api.status_code == 201, api.content
    assert api.json()["date_of_birth"] == "2007-03-14"
    Learner.objects.all().delete()
    form = client.post(
        reverse("registrations:register"), _form_data(course_run, date_of_birth=typed)
    )
    assert form.status_code == 302
    assert Learner.objects.get().date_of_birth == datetime.date(2007, 3, 14)


def test_an_eight_digit_date_is_day_month_year_only(client, course_run, user):
    """20070314 is not read as 20/07/0314, nor anything else: it is refused with the message."""
    form = _form_messages(client, course_run, "date_of_birth", "20070314")
    assert form == _api_messages(client, "date_of_birth", "20070314")
    assert "real date" in form[0]


def test_a_course_runs_programme_name_too_long_gets_the_same_message(client, course_run):
    user = UserFactory(
        organisation=course_run.provider.organisation, roles=[Role.MANAGE_REGISTRATION]
    )
    sign_in(client, user)
    name = "P" * 200
    form = client.post(
        reverse("registrations:course_run_create"),
        {
            "qualification": course_run.qualification_id,
            "programme_name": name,
            "primary_tutor": "Jo Tutor",
            "start_date": "01/10/2025",
            "planned_achievement_date": "01/07/2026",
        },
    )
    api = client.post(
        "/api/v1/course-runs/",
        {
            "qualification_number": course_run.qualification.number,
            "programme_name": name,
            "primary_tutor": "Jo Tutor",
            "start_date": "2025-10-01",
            "planned_achievement_date": "2026-07-01",
        },
        content_type="application/json",
    )
    form_messages = form.context["form"].errors["programme_name"]
    api_messages = [e["message"] for e in api.json()["errors"] if e["field"] == "programme_name"]
    assert form_messages == api_messages
