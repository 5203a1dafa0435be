import datetime

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from providers.tests.factories import ProviderFactory
from qualifications.models import Qualification
from qualifications.selectors import (
    qualifications_approved_for,
    rules_of_combination_for,
)
from qualifications.services import (
    grading_scheme_create,
    provider_approval_withdraw,
    provider_approve,
    qualification_create,
    qualification_unit_set,
)
from qualifications.tests.factories import GradingSchemeFactory, QualificationFactory, UnitFactory
from qualifications.validators import qualification_achieved

pytestmark = pytest.mark.django_db


def _fields(**overrides):
    fields = {
        "number": "601/2977/3",
        "title": "Level 2 Certificate in Food Safety",
        "level": "2",
        "qualification_type": Qualification.Type.REGULATED,
        "grading_scheme": GradingSchemeFactory(),
        "credit_value": 12,
        "operational_start_date": datetime.date(2020, 9, 1),
        "ownership": "owned",
    }
    fields.update(overrides)
    return fields


def test_r_reg_1_qualification_create_keeps_a_warning_for_a_check_mismatch():
    qualification = qualification_create(acting_user=None, **_fields(number="601/2977/4"))
    event = AuditEvent.objects.get(action="qualification.create")
    assert qualification.number == "601/2977/4"
    assert "would usually be 3" in event.detail["warning"]


def test_r_reg_1_qualification_create_refuses_a_malformed_number():
    with pytest.raises(ValidationError) as caught:
        qualification_create(acting_user=None, **_fields(number="6012977"))
    assert "number" in caught.value.message_dict


def test_r_reg_1_the_end_date_cannot_precede_the_start_date():
    with pytest.raises(ValidationError) as caught:
        qualification_create(
            acting_user=None, **_fields(operational_end_date=datetime.date(2019, 1, 1))
        )
    assert "operational_end_date" in caught.value.message_dict


def test_a_grading_scheme_needs_a_passing_grade():
    with pytest.raises(ValidationError):
        grading_scheme_create(name="All fail", grades=[("F", "Fail", False)], acting_user=None)


def test_r_res_2_rules_of_combination_come_from_the_catalogue():
    qualification = QualificationFactory(minimum_credits=15)
    mandatory, optional = UnitFactory(credit_value=10), UnitFactory(credit_value=5)
    qualification_unit_set(
        qualification=qualification, unit=mandatory, mandatory=True, acting_user=None
    )
    qualification_unit_set(
        qualification=qualification, unit=optional, mandatory=False, acting_user=None
    )
    rules = rules_of_combination_for(qualification=qualification)
    assert qualification_achieved(
        rules=rules, passed_units={mandatory.reference, optional.reference}
    ).achieved
    assert not qualification_achieved(rules=rules, passed_units={optional.reference}).achieved


def test_r_reg_2_approval_per_qualification_can_be_withdrawn_and_granted_again():
    provider, qualification = ProviderFactory(), QualificationFactory()
    approval = provider_approve(provider=provider, qualification=qualification, acting_user=None)
    assert list(qualifications_approved_for(provider=provider)) == [qualification]
    provider_approval_withdraw(approval=approval, acting_user=None)
    assert not qualifications_approved_for(provider=provider).exists()
    provider_approve(provider=provider, qualification=qualification, acting_user=None)
    assert qualifications_approved_for(provider=provider).exists()
    assert AuditEvent.objects.filter(action="provider_approval.grant").count() == 2


def test_only_qualifications_open_on_the_day_are_offered():
    provider = ProviderFactory()
    closed = QualificationFactory(operational_end_date=datetime.date(2024, 7, 31))
    open_ = QualificationFactory()
    for qualification in (closed, open_):
        provider_approve(provider=provider, qualification=qualification, acting_user=None)
    offered = qualifications_approved_for(provider=provider, open_on=datetime.date(2025, 9, 1))
    assert list(offered) == [open_]
