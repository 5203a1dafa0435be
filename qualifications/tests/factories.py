"""Factories for the catalogue."""

import datetime

import factory

from providers.tests.factories import ProviderFactory
from qualifications.models import (
    Grade,
    GradingScheme,
    ProviderApproval,
    Qualification,
    QualificationUnit,
    Unit,
)
from qualifications.validators import default_grade_points, qualification_check_character


def _qualification_number(n: int) -> str:
    digits = f"{600 + n % 300:03d}{(1000 + n) % 10000:04d}"
    return f"{digits[:3]}/{digits[3:]}/{qualification_check_character(digits)}"


class GradingSchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GradingScheme
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = "Pass/Fail"

    @factory.post_generation
    def grades(self, create, extracted, **kwargs):
        if not create or self.grades.exists():
            return
        grades = extracted or [("P", "Pass", True), ("F", "Fail", False)]
        rule = default_grade_points([is_pass for _, _, is_pass in grades])
        for position, ((code, label, is_pass), (points, threshold)) in enumerate(
            zip(grades, rule, strict=True), start=1
        ):
            Grade.objects.create(
                scheme=self,
                code=code,
                label=label,
                position=position,
                is_pass=is_pass,
                points=points,
                qualification_threshold=threshold,
            )


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Qualification

    number = factory.Sequence(_qualification_number)
    title = factory.Sequence(lambda n: f"Level 2 Certificate in Subject {n}")
    level = "2"
    qualification_type = Qualification.Type.REGULATED
    grading_scheme = factory.SubFactory(GradingSchemeFactory)
    credit_value = 15
    operational_start_date = datetime.date(2020, 9, 1)
    operational_end_date = None
    minimum_credits = 15


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    reference = factory.Sequence(lambda n: f"U/{500 + n % 400:03d}/{n % 10000:04d}")
    title = factory.Sequence(lambda n: f"Unit {n}")
    level = "2"
    grading_scheme = factory.SubFactory(GradingSchemeFactory)
    credit_value = 5
    operational_start_date = datetime.date(2020, 9, 1)


class QualificationUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QualificationUnit

    qualification = factory.SubFactory(QualificationFactory)
    unit = factory.SubFactory(UnitFactory)
    mandatory = True


class ProviderApprovalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderApproval

    provider = factory.SubFactory(ProviderFactory)
    qualification = factory.SubFactory(QualificationFactory)
