"""Query parameters a person can edit in the address bar never give a 500: a value no form could
have sent is ignored (or answered with a message), and the page still works."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from accounts.tests.helpers import sign_in
from learners.tests.factories import LearnerFactory
from qualifications.tests.factories import QualificationFactory
from registrations.models import RegistrationStatus
from registrations.tests.factories import CourseRunFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

LONG = "x" * 5000

# (url name, query string) a provider's user can open.
PROVIDER_PAGES = [
    ("learners:list", "course_run=²"),
    ("learners:list", "course_run=١٢"),
    ("learners:list", "course_run=99999999999999999999999"),
    ("learners:list", "course_run=-1"),
    ("learners:list", "q=%00"),
    ("learners:list", "q=Ann%00a"),
    ("learners:list", "q=%1F%7F"),
    ("learners:list", f"q={LONG}"),
    ("learners:list", "q=²"),
    ("learners:list", "page=abc"),
    ("learners:list", "page=-1"),
    ("learners:list", "page=99999999999999999999999"),
    ("learners:list", "status=zzz"),
    ("learners:list", "status=%00"),
    ("registrations:register", "course_run=²"),
    ("registrations:register", "course_run=%00"),
    ("registrations:register", "course_run=99999999999999999999999"),
    ("registrations:course_run_list", "q=%00"),
    ("registrations:course_run_list", f"q={LONG}"),
    ("registrations:course_run_list", "page=abc"),
    ("registrations:course_run_list", "page=99999999999999999999999"),
]

API_URLS = [
    "/api/v1/learners/?course_run=abc",
    "/api/v1/learners/?course_run=²",
    "/api/v1/learners/?course_run=1e999",
    "/api/v1/learners/?status=zzz",
    "/api/v1/learners/?page=abc",
    "/api/v1/learners/?page=99999999999999999999999",
    "/api/v1/learners/?search=%00",
    f"/api/v1/learners/?search={LONG}",
    "/api/v1/learners/?uln=%00",
    "/api/v1/registrations/?course_run=1e999",
    "/api/v1/registrations/?learner=99999999999999999999",
    "/api/v1/registrations/?registration_number=%00",
    f"/api/v1/registrations/?registration_number={LONG}",
    "/api/v1/course-runs/?start_date_from=31/02/2026",
    "/api/v1/course-runs/?start_date_from=2026-02-31",
    "/api/v1/course-runs/?start_date_to=0000-01-01",
    "/api/v1/course-runs/?qualification_number=%00",
]


@pytest.fixture
def provider_user(client):
    course_run = CourseRunFactory()
    user = UserFactory(
        organisation=course_run.provider.organisation,
        roles=[Role.MANAGE_REGISTRATION, Role.PROVIDER_SUPER_USER],
    )
    sign_in(client, user)
    return user


@pytest.mark.parametrize(("url_name", "query"), PROVIDER_PAGES)
def test_a_query_parameter_no_form_sends_still_shows_the_page(
    client, provider_user, url_name, query
):
    response = client.get(f"{reverse(url_name)}?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize("url", API_URLS)
def test_the_api_answers_a_bad_query_parameter_with_a_message_not_a_500(client, provider_user, url):
    response = client.get(url)
    assert response.status_code in {200, 400, 404}
    if response.status_code != 200:
        body = response.json()
        assert body.get("errors") or body.get("detail")


def test_the_api_reports_an_unreal_filter_date_by_parameter(client, provider_user):
    response = client.get("/api/v1/course-runs/?start_date_from=31/02/2026")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "start_date_from"
    assert "real date" in error["message"]


def test_the_api_filters_course_runs_by_a_day_month_year_date(client, provider_user):
    response = client.get("/api/v1/course-runs/?start_date_from=01/08/2025")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_the_catalogue_search_ignores_control_characters(client):
    QualificationFactory(title="Food Safety")
    sign_in(client, AOStaffFactory(roles=[Role.CATALOGUE_MANAGER]))
    response = client.get(reverse("qualifications:catalogue") + "?q=Food%00")
    assert response.status_code == 200
    assert "Food Safety" in response.content.decode()


def test_a_search_with_a_nul_character_searches_the_rest(client, provider_user):
    provider = provider_user.organisation.provider
    LearnerFactory(provider=provider, given_name="Anna", family_name="Kowalska")
    LearnerFactory(provider=provider, given_name="Bob", family_name="Quilliamson")
    response = client.get(reverse("learners:list") + "?q=Kowal%00ska")
    body = response.content.decode()
    assert "Kowalska" in body
    assert "Quilliamson" not in body


def test_an_over_long_search_says_only_the_start_was_used(client, provider_user):
    response = client.get(reverse("learners:list") + f"?q={LONG}")
    assert "first 100 characters" in response.content.decode()


def test_a_course_run_id_in_other_digits_is_ignored_not_a_500(client, provider_user):
    provider = provider_user.organisation.provider
    run = provider.course_runs.get()
    RegistrationFactory(course_run=run, status=RegistrationStatus.EXEMPT)
    LearnerFactory(provider=provider)
    response = client.get(reverse("learners:list") + "?course_run=²")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2
