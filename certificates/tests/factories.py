"""Factories for certificates, render jobs and checks."""

import datetime

import factory

from certificates.models import Certificate, CertificateCheck, RenderJob
from certificates.validators import certificate_number_generate, qr_token_generate
from providers.tests.factories import ProviderFactory


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    number = factory.LazyFunction(certificate_number_generate)
    qr_token = factory.LazyFunction(qr_token_generate)
    achievement_reference = factory.Sequence(lambda n: f"registration:{n}")
    provider = factory.SubFactory(ProviderFactory)
    learner_name = factory.Sequence(lambda n: f"Learner Número{n} Smith")
    qualification_number = "610/0311/4"
    qualification_title = "Level 2 Certificate in Health and Social Care"
    units = factory.LazyFunction(list)
    grade = "Merit"
    award_date = datetime.date(2025, 7, 18)
    awarding_organisation_name = "Northgate Awards"


class RenderJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RenderJob

    provider = factory.SubFactory(ProviderFactory)


class CertificateCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificateCheck

    certificate = factory.SubFactory(CertificateFactory)
    method = CertificateCheck.Method.NAME_AND_NUMBER
    outcome = CertificateCheck.Outcome.MATCH
