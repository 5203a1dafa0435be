import pytest
from django.core.management import call_command

from learners.models import Learner
from learners.validators import uln_is_valid
from registrations.models import Registration, RegistrationStatus

pytestmark = pytest.mark.django_db


def test_demo_data_has_registrations_in_every_status_and_valid_ulns():
    call_command("seed_demo")
    statuses = set(Registration.objects.values_list("status", flat=True))
    assert statuses == set(RegistrationStatus.values)
    assert all(uln_is_valid(uln) for uln in Learner.objects.values_list("uln", flat=True))
    assert Registration.objects.filter(voided_at__isnull=False).count() == 1
