"""Factories for course runs and registrations."""

import datetime

import factory

from learners.tests.factories import LearnerFactory
from providers.tests.factories import ProviderFactory
from qualifications.tests.factories import ProviderApprovalFactory, QualificationFactory
from registrations.models import CourseRun, Registration, RegistrationStatus


class CourseRunFactory(factory.django.DjangoModelFactory):
    """A course run whose provider is approved for its qualification."""

    class Meta:
        model = CourseRun
        skip_postgeneration_save = True

    provider = factory.SubFactory(ProviderFactory)
    qualification = factory.SubFactory(QualificationFactory)
    start_date = datetime.date(2025, 9, 1)
    planned_achievement_date = datetime.date(2026, 7, 15)
    programme_name = factory.Sequence(lambda n: f"Programme {n}")
    primary_tutor = "Jo Tutor"

    @factory.post_generation
    def approved(self, create, extracted, **kwargs):
        if create and extracted is not False:
            ProviderApprovalFactory(provider=self.provider, qualification=self.qualification)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    course_run = factory.SubFactory(CourseRunFactory)
    learner = factory.SubFactory(
        LearnerFactory, provider=factory.SelfAttribute("..course_run.provider")
    )
    status = RegistrationStatus.NOT_REGISTERED
    registration_number = None


def register_form_data(course_run, **overrides):  # type: ignore[no-untyped-def]
    """What the register form posts for a new learner on `course_run`, dates as typed."""
    from learners.tests.factories import learner_details

    data = {
        k: (v.strftime("%d/%m/%Y") if isinstance(v, datetime.date) else v)
        for k, v in learner_details().items()
    }
    data["course_run"] = str(course_run.pk)
    data.update(overrides)
    return data
