"""Seeds the sandpit register to match the portal's demo learners, plus learners of its own.

Of the demo learners (ordered by centre number and ULN):
- the 2nd is held with a different date of birth (WSVRC005, VRF7);
- the 3rd's ULN is a linked ULN of a master record (WSVRC002, answered with the master's ULN);
- the 4th's ULN is not on the register at all (WSVRC006);
- the first whose given name has a synonym in the `nicknames` data is held under that synonym
  (WSVRC003);
- every other one is held exactly as the portal holds it (WSVRC001).
The register also holds learners of its own that show previous family names, double names,
names with accents and a master with linked ULNs. Idempotent: a ULN already held is left alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import transaction

from learners.models import Learner
from learners.validators import uln_check_digit

from .matching import _given_name_family, fold
from .models import RegisteredLearner
from .services import registered_learner_add, sandpit_account_ensure

DIFFERENT_DATE_OF_BIRTH = 1
LINKED_ULN = 2
UNKNOWN_ULN = 3


@dataclass(frozen=True)
class OwnLearner:
    uln: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date
    gender: str
    previous_family_name: str = ""
    master_uln: str = ""


# Learners only the sandpit holds (ULNs starting 8, which the portal's demo does not use).
OWN_LEARNERS = (
    OwnLearner("8000000015", "Sally Ann", "Whitfield", datetime.date(2005, 4, 2), "2"),
    OwnLearner("8000000023", "Megan", "Lloyd-Jones", datetime.date(2006, 11, 19), "2"),
    OwnLearner(
        "8000000031",
        "Rebecca",
        "Turner",
        datetime.date(2004, 7, 8),
        "2",
        previous_family_name="Marsh",
    ),
    OwnLearner("8000000058", "Élodie", "Müller", datetime.date(2005, 1, 23), "2"),
    OwnLearner("8000000066", "Seán", "Ó Súilleabháin", datetime.date(2006, 2, 14), "1"),
    OwnLearner("8000000074", "James", "Okafor", datetime.date(2005, 9, 30), "1"),
    OwnLearner(
        "8000000082", "James", "Okafor", datetime.date(2005, 9, 30), "1", master_uln="8000000074"
    ),
)


def _valid_uln(first_nine: str) -> str:
    candidate = int(first_nine)
    while True:
        prefix = f"{candidate:09d}"
        check = uln_check_digit(prefix)
        if (
            check is not None
            and not RegisteredLearner.objects.filter(uln=f"{prefix}{check}").exists()
        ):
            return f"{prefix}{check}"
        candidate += 1


def _synonym(given_name: str) -> str:
    for part in fold(given_name).split():
        related = sorted(_given_name_family(part) - {part})
        if related:
            return related[0].title()
    return ""


@transaction.atomic
def seed_register() -> list[str]:
    """Seeds the sandpit's account and register; returns what it added."""
    added: list[str] = []
    if settings.LRS_ORGANISATION_REF and settings.LRS_USERNAME:
        sandpit_account_ensure(
            organisation_ref=settings.LRS_ORGANISATION_REF,
            ukprn=settings.LRS_UKPRN,
            user_name=settings.LRS_USERNAME,
            password=settings.LRS_PASSWORD,
        )
    for own in OWN_LEARNERS:
        if not RegisteredLearner.objects.filter(uln=own.uln).exists():
            registered_learner_add(**own.__dict__)
            added.append(f"sandpit learner {own.uln}")

    learners = list(
        Learner.objects.exclude(uln="").order_by("provider__centre_number", "uln").distinct()
    )
    synonym_index = next(
        (
            i
            for i, learner in enumerate(learners)
            if i > UNKNOWN_ULN and _synonym(learner.given_name)
        ),
        None,
    )
    for index, learner in enumerate(learners):
        if index == UNKNOWN_ULN or RegisteredLearner.objects.filter(uln=learner.uln).exists():
            continue
        own = OwnLearner(
            uln=learner.uln,
            given_name=learner.given_name,
            family_name=learner.family_name,
            previous_family_name=learner.previous_family_name,
            date_of_birth=learner.date_of_birth,
            gender=learner.gender,
        )
        if index == DIFFERENT_DATE_OF_BIRTH:
            own = replace(own, date_of_birth=learner.date_of_birth - datetime.timedelta(days=366))
        elif index == LINKED_ULN:
            master = registered_learner_add(
                **replace(own, uln=_valid_uln(f"7{learner.uln[1:9]}")).__dict__
            )
            own = replace(own, master_uln=master.uln)
            added.append(f"sandpit learner {master.uln} (master of {learner.uln})")
        elif index == synonym_index:
            own = replace(own, given_name=_synonym(learner.given_name))
        registered_learner_add(**own.__dict__)
        added.append(f"sandpit learner {learner.uln}")
    return added


def seed(report: object) -> None:
    """`seed_demo`'s hook: the register, only where the sandpit is switched on."""
    if not settings.LRS_SANDPIT_ENABLED:
        return
    created = seed_register()
    from .achievement_demo import seed_aims

    created += seed_aims()
    getattr(report, "created", []).extend(created)
