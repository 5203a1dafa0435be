"""Later events that reach the LRS (decision 0123): voiding a certificated registration and
revoking a certificate withdraw the achievements they touch."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils import timezone

from .achievement_models import Achievement, AchievementChange, AchievementState, ActionReason
from .achievements import achievement_withdraw

if TYPE_CHECKING:
    from accounts.models import User

S = AchievementState


def achievements_withdraw_all(
    *,
    achievements: Iterable[Achievement],
    reason: str,
    acting_user: User | None,
    note: str,
) -> int:
    """Withdraw each record not already withdrawn (voiding a registration, revoking a
    certificate). A record waiting in a batch is withdrawn after the batch instead: it is
    marked so the batch's completion withdraws it."""
    count = 0
    today = timezone.localdate()
    for achievement in sorted(achievements, key=lambda a: a.pk):
        if achievement.withdrawn:
            continue
        if achievement.state == S.IN_BATCH:
            Achievement.objects.filter(pk=achievement.pk).update(withdraw_after_batch=reason)
            AchievementChange.objects.create(
                achievement=achievement,
                actor=acting_user,
                from_state=S.IN_BATCH,
                to_state=S.IN_BATCH,
                note=f"To be withdrawn ({reason}) once batch {achievement.batch_id} has been "
                f"processed. {note}",
            )
            count += 1
            continue
        achievement_withdraw(
            achievement=achievement,
            action_date=today,
            reason=reason,
            acting_user=acting_user,
            note=note,
        )
        count += 1
    return count


def achievements_withdraw_for_registration(
    *, registration_id: int, acting_user: User | None
) -> int:
    """Voiding a certificated registration withdraws its achievements (ACHINVALID)."""
    records = Achievement.objects.filter(registration_id=registration_id, withdrawn=False)
    return achievements_withdraw_all(
        achievements=list(records),
        reason=ActionReason.ACHINVALID,
        acting_user=acting_user,
        note="The registration was voided.",
    )


def achievements_withdraw_for_certificate(
    *, achievement_reference: str, qualification_number: str, acting_user: User | None
) -> int:
    """Revoking a certificate withdraws the achievement it proves (SUBINERROR): the
    qualification for a qualification certificate, the unit for a unit certificate. The
    certificate's reference is "registration:<pk>", "registration:<pk>:units" (one certificate
    for every unit achieved: all those units) or "registration:<pk>:unit:<reference>"."""
    parts = achievement_reference.split(":")
    if len(parts) < 2 or parts[0] != "registration" or not parts[1].isdigit():
        return 0
    records = Achievement.objects.filter(registration_id=int(parts[1]), withdrawn=False)
    if len(parts) == 3 and parts[2] == "units":
        records = records.exclude(aim_reference=qualification_number)
    else:
        aim = parts[3] if len(parts) == 4 and parts[2] == "unit" else qualification_number
        records = records.filter(aim_reference=aim)
    return achievements_withdraw_all(
        achievements=list(records),
        reason=ActionReason.SUBINERROR,
        acting_user=acting_user,
        note="The certificate that proves it was revoked.",
    )


def achievements_update_language(
    *, registration_id: int, language: str, acting_user: User | None
) -> int:
    """Changing a registration's language for assessment reaches its achievements as an Update
    (R-LRS-6, decision 0121): each record not withdrawn takes the new language. A record waiting
    in a batch cannot change until the LRS answers: its history says so, to update it then."""
    from .achievements import achievement_update

    count = 0
    records = Achievement.objects.filter(registration_id=registration_id, withdrawn=False)
    for achievement in records.exclude(language_for_assessment=language).order_by("pk"):
        if achievement.state == S.IN_BATCH:
            AchievementChange.objects.create(
                achievement=achievement,
                actor=acting_user,
                from_state=S.IN_BATCH,
                to_state=S.IN_BATCH,
                note=f"The registration's language for assessment changed to {language} while "
                f"this record is in batch {achievement.batch_id}; update it once the batch has "
                "been processed.",
            )
            continue
        achievement_update(
            achievement=achievement,
            changes={"language_for_assessment": language},
            acting_user=acting_user,
            note="The registration's language for assessment changed.",
        )
        count += 1
    return count
