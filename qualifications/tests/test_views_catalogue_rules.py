"""Catalogue pages for grading schemes and the qualification's stated rules (issue 14 item 9)."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from accounts.tests.helpers import sign_in
from audit.models import AuditEvent
from providers.tests.factories import ProviderFactory
from qualifications.models import GradingScheme
from qualifications.tests.factories import GradingSchemeFactory, QualificationFactory

pytestmark = pytest.mark.django_db


def _scheme_post(name, rows):
    data = {
        "name": name,
        "grades-TOTAL_FORMS": str(len(rows)),
        "grades-INITIAL_FORMS": "0",
        "grades-MIN_NUM_FORMS": "0",
        "grades-MAX_NUM_FORMS": "20",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"grades-{i}-{key}"] = value
    return data


@pytest.fixture
def manager(client):
    sign_in(client, AOStaffFactory(roles=[Role.CATALOGUE_MANAGER]))


def test_a_catalogue_manager_adds_a_grading_scheme_with_its_grade_rule(client, manager):
    response = client.post(
        reverse("qualifications:grading_scheme_create"),
        _scheme_post(
            "Pass/Fail (points)",
            [
                {"code": "P", "label": "Pass", "is_pass": "on", "points": "1"},
                {"code": "F", "label": "Fail", "points": "0"},
            ],
        ),
    )
    assert response.url == reverse("qualifications:grading_schemes")
    scheme = GradingScheme.objects.get(name="Pass/Fail (points)")
    assert [(g.code, g.points) for g in scheme.grades.all()] == [("P", 1), ("F", 0)]
    assert AuditEvent.objects.filter(action="grading_scheme.create").exists()


def test_a_threshold_on_a_grade_that_is_not_a_pass_is_refused_at_the_field(client, manager):
    response = client.post(
        reverse("qualifications:grading_scheme_create"),
        _scheme_post(
            "Odd",
            [
                {"code": "P", "label": "Pass", "is_pass": "on"},
                {"code": "F", "label": "Fail", "qualification_threshold": "1"},
            ],
        ),
    )
    body = response.content.decode()
    assert "Only a pass can be a qualification grade" in body
    assert 'id="id_grades-1-qualification_threshold_error"' in body
    assert 'value="Fail"' in body
    assert not GradingScheme.objects.filter(name="Odd").exists()


def test_r_acc_5_a_provider_user_cannot_open_grading_schemes(client):
    provider = ProviderFactory()
    sign_in(client, UserFactory(organisation=provider.organisation))
    assert client.get(reverse("qualifications:grading_schemes")).status_code == 403
    scheme = GradingSchemeFactory()
    url = reverse("qualifications:grading_scheme_edit", args=[scheme.pk])
    assert client.get(url).status_code == 403


def test_r_reg_1_the_qualification_page_keeps_a_doubtful_number_and_states_its_rules(
    client, manager
):
    qualification = QualificationFactory(number="603/4567/1", minimum_credits=15)
    body = client.get(reverse("qualifications:detail", args=[qualification.pk])).content.decode()
    assert "Check character doubtful" in body
    assert "would usually be 6, not 1" in body
    assert "How the qualification is graded" in body
    assert "Not achievable yet" in body
