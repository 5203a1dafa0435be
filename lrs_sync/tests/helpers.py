"""Test helpers: people with the verification roles, and learners the sandpit knows."""

from __future__ import annotations

from accounts.models import User
from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory
from learners.models import Learner
from lrs_sandpit.services import registered_learner_add


def ao_user() -> User:
    return AOStaffFactory(roles=[Role.AO_USER])


def batch_user() -> User:
    return AOStaffFactory(roles=[Role.BATCH_USER])


def on_register(learner: Learner, **changes: object) -> Learner:
    """Put the learner on the sandpit's register as the LRS would hold them (`changes` apply)."""
    details: dict[str, object] = {
        "uln": learner.uln,
        "given_name": learner.given_name,
        "family_name": learner.family_name,
        "date_of_birth": learner.date_of_birth,
        "gender": learner.gender,
    }
    details.update(changes)
    registered_learner_add(**details)  # type: ignore[arg-type]
    return learner
