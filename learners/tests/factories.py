"""Factories for learners, with valid ULNs (R-LRN-1)."""

import datetime

import factory

from learners.choices import AbilityStatus, EmploymentStatus, Ethnicity, Gender, PriorAttainment
from learners.models import Learner
from learners.validators import name_match_key, uln_check_digit
from providers.tests.factories import ProviderFactory


def valid_uln(n: int) -> str:
    """The n-th valid ULN: nine digits from n, then their check digit (skipping r = 0)."""
    candidate = 100000000 + n * 7
    while True:
        prefix = f"{candidate:09d}"
        check = uln_check_digit(prefix)
        if check is not None and check < 10:
            return f"{prefix}{check}"
        candidate += 1


def learner_details(**overrides: object) -> dict[str, object]:
    """A complete, valid set of details for learner_create."""
    details: dict[str, object] = {
        "uln": "9276308686",
        "title": "Ms",
        "given_name": "Amira",
        "family_name": "Hassan",
        "date_of_birth": datetime.date(2005, 3, 14),
        "gender": Gender.FEMALE,
        "email": "amira.hassan@example.com",
        "address_line_1": "12 Park Row",
        "town": "Leeds",
        "postcode": "LS1 5HD",
        "ethnicity": Ethnicity.NOT_KNOWN,
        "ability_status": AbilityStatus.NO,
        "prior_attainment": PriorAttainment.LEVEL_2,
        "employment_status": EmploymentStatus.EMPLOYED,
        "employer": "Leeds Bakery Ltd",
    }
    details.update(overrides)
    return details


class LearnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Learner

    provider = factory.SubFactory(ProviderFactory)
    uln = factory.Sequence(valid_uln)
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    date_of_birth = datetime.date(2004, 6, 1)
    gender = Gender.NOT_KNOWN
    postcode = "LS1 5HD"
    ethnicity = Ethnicity.NOT_KNOWN
    ability_status = AbilityStatus.NOT_KNOWN
    prior_attainment = PriorAttainment.NOT_KNOWN
    employment_status = EmploymentStatus.NOT_KNOWN
    name_match_key = factory.LazyAttribute(lambda o: name_match_key(o.given_name, o.family_name))
