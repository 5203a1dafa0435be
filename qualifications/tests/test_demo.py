"""The demo data shows the catalogue and provider features (issue 14)."""

import pytest
from django.core.management import call_command

from providers.models import Provider
from qualifications.demo import DOUBTFUL_NUMBER, POINTS_SCHEME
from qualifications.models import GradingScheme, Qualification

pytestmark = pytest.mark.django_db


def test_demo_has_a_provider_page_worth_reading_a_points_scheme_and_a_doubtful_number():
    call_command("seed_demo")
    riverside = Provider.objects.get(centre_number="10042")
    assert riverside.address_lines == ["Park Lane Campus", "Leeds", "LS1 4AP"]
    assert riverside.contact_email == "exams@riverside.example"
    assert riverside.qualification_approvals.filter(withdrawn_at__isnull=True).count() >= 2
    scheme = GradingScheme.objects.get(name=POINTS_SCHEME)
    assert [g.points for g in scheme.grades.all()] == [3, 2, 1, 0]
    assert Qualification.objects.get(number=DOUBTFUL_NUMBER).number_warning
