"""Changes to the sandpit register and accounts."""

import datetime

from django.db import transaction

from .models import RegisteredLearner, SandpitAccount, password_digest


@transaction.atomic
def registered_learner_add(
    *,
    uln: str,
    given_name: str,
    family_name: str,
    date_of_birth: datetime.date,
    gender: str,
    previous_family_name: str = "",
    master_uln: str = "",
) -> RegisteredLearner:
    """Puts a learner on the register; with `master_uln`, as a ULN linked to that master."""
    master = RegisteredLearner.objects.get(uln=master_uln) if master_uln else None
    if master is not None and master.master_id is not None:
        master = master.master  # a link always points at the master itself
    return RegisteredLearner.objects.create(
        uln=uln,
        given_name=given_name,
        family_name=family_name,
        previous_family_name=previous_family_name,
        date_of_birth=date_of_birth,
        gender=gender,
        master=master,
    )


def sandpit_account_ensure(
    *, organisation_ref: str, ukprn: str, user_name: str, password: str
) -> SandpitAccount:
    """The account the sandpit accepts for an organisation, created or brought up to date."""
    account, _ = SandpitAccount.objects.update_or_create(
        organisation_ref=organisation_ref,
        defaults={
            "ukprn": ukprn,
            "user_name": user_name,
            "password_digest": password_digest(password),
        },
    )
    return account
