"""Verifying one learner against the LRS (R-LRN-7, R-LRS-10), from the learner's page: the
answer is stored on the learner, and a linked match offers the master ULN."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.roles import Capability
from audit.services import audit_record
from learners.models import Learner
from learners.services import (
    LearnerVerificationOutcome,
    learner_update,
    learners_verification_store,
)

from .verification_types import LINKED_MATCH, LearnerToVerify, VerifiedLearner

if TYPE_CHECKING:
    from accounts.models import User
    from lrs_sync.client import LrsClient


def _lrs_client() -> LrsClient:
    from .client import lrs_client

    return lrs_client()


# One learner ----------------------------------------------------------------------------------


def learner_to_verify(learner: Learner, *, mis_identifier: str = "") -> LearnerToVerify:
    return LearnerToVerify(
        uln=learner.uln,
        given_name=learner.given_name,
        family_name=learner.family_name,
        date_of_birth=learner.date_of_birth,
        gender=learner.gender,
        mis_identifier=mis_identifier,
    )


def _outcome(learner_id: int, answer: VerifiedLearner) -> LearnerVerificationOutcome:
    sent = answer.searched
    return LearnerVerificationOutcome(
        learner_id=learner_id,
        sent_uln=sent.uln,
        sent_given_name=sent.given_name,
        sent_family_name=sent.family_name,
        sent_date_of_birth=sent.date_of_birth,
        sent_gender=sent.gender,
        response_code=answer.response_code,
        failure_flags=tuple(answer.failure_flags),
        lrs_uln=answer.lrs_uln,
        lrs_given_name=answer.lrs_given_name[:100],
        lrs_family_name=answer.lrs_family_name[:100],
        lrs_date_of_birth=answer.lrs_date_of_birth,
        lrs_gender=answer.lrs_gender[:1],
    )


def _require(user: User, capability: str) -> None:
    if not (user.is_ao_staff and user.can(capability)):
        raise PermissionDenied


def learner_verify(*, learner: Learner, acting_user: User) -> VerifiedLearner:
    """Ask the LRS about one learner (`verifyLearner`) and keep the answer on the learner.

    Raises ValidationError when the learner has no ULN, and LrsError (LrsUnavailable,
    LrsFault ...) when the LRS could not answer; then nothing changes."""
    _require(acting_user, Capability.VERIFY_LEARNERS)
    learner = Learner.objects.get(pk=learner.pk)
    if not learner.uln:
        raise ValidationError("This learner has no ULN yet: add the learner's ULN, then verify it.")
    # The call is made outside any transaction: no row is locked while the LRS thinks.
    with _lrs_client() as client:
        answer = client.verify_learner(learner_to_verify(learner))
    stored = learners_verification_store(
        outcomes=[_outcome(learner.pk, answer)], acting_user=acting_user, via="single"
    )
    if not stored:
        raise ValidationError(
            "The learner's details changed while the LRS was answering, so its answer was not "
            "kept. Verify the learner again."
        )
    return answer


@transaction.atomic
def learner_uln_use_master(*, learner: Learner, acting_user: User) -> Learner:
    """After an exact linked match (WSVRC002), replace the learner's ULN with the master ULN the
    LRS returned: a learner update, audited with the reason."""
    _require(acting_user, Capability.VERIFY_LEARNERS)
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    if learner.verification_code != LINKED_MATCH or not learner.lrs_uln:
        raise ValidationError(
            "Only a learner whose last verification was an exact linked match (WSVRC002) can "
            "take the master ULN."
        )
    if learner.lrs_uln == learner.uln:
        raise ValidationError("The learner already has the master ULN.")
    old_uln, master = learner.uln, learner.lrs_uln
    updated = learner_update(learner=learner, details={"uln": master}, acting_user=acting_user)
    audit_record(
        actor=acting_user,
        action="learner.master_uln_used",
        target=updated,
        before={"uln": old_uln},
        after={"uln": master},
        detail={"reason": "The LRS linked this ULN to a master ULN (WSVRC002)."},
        organisation_id=updated.provider.organisation_id,
    )
    return updated
