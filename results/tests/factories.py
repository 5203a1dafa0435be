"""Factories for results: a course run with units, graded learners and the results state."""

import factory

from qualifications.tests.factories import GradingSchemeFactory
from results.models import (
    Consignment,
    CourseRunResults,
    LateCertificates,
    LearnerResult,
    ResultsImport,
)

PMD = [("D", "Distinction", True), ("M", "Merit", True), ("P", "Pass", True), ("F", "Fail", False)]


def pass_merit_distinction():
    return GradingSchemeFactory(name="Pass/Merit/Distinction", grades=PMD)


class CourseRunResultsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseRunResults
        django_get_or_create = ("course_run",)

    course_run = factory.SubFactory("registrations.tests.factories.CourseRunFactory")


class LearnerResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearnerResult
        django_get_or_create = ("registration",)

    registration = factory.SubFactory("registrations.tests.factories.RegistrationFactory")


class ConsignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consignment

    provider = factory.SubFactory("providers.tests.factories.ProviderFactory")


class LateCertificatesFactory(factory.django.DjangoModelFactory):
    """Late certificates of a course run, in a later consignment to the same provider."""

    class Meta:
        model = LateCertificates

    results = factory.SubFactory(CourseRunResultsFactory)
    consignment = factory.SubFactory(
        ConsignmentFactory, provider=factory.SelfAttribute("..results.course_run.provider")
    )


class ResultsImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResultsImport

    course_run = factory.SubFactory("registrations.tests.factories.CourseRunFactory")
    created_by = factory.SubFactory(
        "accounts.tests.factories.UserFactory",
        organisation=factory.SelfAttribute("..course_run.provider.organisation"),
    )
    filename = "results.csv"
    content = "Registration number,ULN,Unit reference,Grade\n"
