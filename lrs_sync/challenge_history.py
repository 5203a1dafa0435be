"""A challenge's history and audit: every transition and action writes a line of the history the
page shows and an audit row, in the caller's transaction; and the error the rules raise."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from accounts.models import Organisation, User
from audit.services import audit_record

from .challenge_models import ChallengeChange, EventDataChallenge


class ChallengeRejected(ValidationError):
    """A change the rules do not allow; keyed by the field to correct."""


def rejection(field: str, message: str) -> ChallengeRejected:
    return ChallengeRejected({field: [message]})


def awarding_organisation_id() -> int | None:
    return (
        Organisation.objects.filter(kind=Organisation.Kind.AWARDING_ORGANISATION)
        .values_list("pk", flat=True)
        .first()
    )


def challenge_change_record(
    challenge: EventDataChallenge,
    *,
    from_status: str,
    note: str,
    acting_user: User | None,
    action: str,
    detail: dict | None = None,
) -> None:
    ChallengeChange.objects.create(
        challenge=challenge,
        actor=acting_user,
        from_status=from_status,
        to_status=challenge.status,
        note=note,
    )
    audit_record(
        actor=acting_user,
        action=action,
        target=challenge,
        before={"status": from_status} if from_status != challenge.status else None,
        after={"status": challenge.status} if from_status != challenge.status else None,
        detail={"reference": challenge.reference, "note": note, **(detail or {})},
        organisation_id=awarding_organisation_id(),
    )
