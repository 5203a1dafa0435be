"""Later events that reach the LRS (decisions 0123, 0162): voiding a certificated registration and
revoking a certificate withdraw the achievements they touch; a registration's new language for
assessment updates them. A record in a batch with the LRS is marked, and the batch's outcome
applies what was marked (`achievements_apply_after_batch`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils import timezone

from audit.services import snapshot
from registrations.models import LanguageForAssessment

from .achievement_models import (
    Achievement,
    AchievementBatch,
    AchievementChange,
    AchievementState,
    ActionReason,
    LrsAction,
)
from .achievements import (
    AUDIT_FIELDS,
    _record_change,
    _save,
    achievement_update,
    achievement_withdraw,
)

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


def _language(code: str) -> str:
    return f"{LanguageForAssessment(code).label} ({code})" if code else "(none)"


def _waits_for_the_lrs(achievement: Achievement) -> bool:
    """In a batch, or a Reinstate not yet accepted (the LRS applies no language with it): an
    Update now would overtake what the LRS has not answered yet."""
    return achievement.state == S.IN_BATCH or achievement.pending_action == LrsAction.REINSTATE


def _language_mark(achievement: Achievement, *, language: str, acting_user: User | None) -> bool:
    """Mark the new language for after the batch; True when the mark changed."""
    wanted = "" if language == achievement.language_for_assessment else language
    if wanted == achievement.language_after_batch:
        return False
    before = snapshot(achievement, AUDIT_FIELDS)
    achievement.language_after_batch = wanted
    _save(achievement, "language_after_batch")
    where = (
        f"this record is in batch {achievement.batch_id}"
        if achievement.state == S.IN_BATCH
        else "its reinstatement has not reached the LRS"
    )
    if wanted:
        note = (
            f"The registration's language for assessment changed to {_language(language)} while "
            f"{where}; it is applied as soon as the LRS has answered."
        )
    else:
        note = (
            f"The registration's language for assessment is back to {_language(language)}, "
            "the language this record already has: nothing to change after all."
        )
    _record_change(
        achievement,
        from_state=achievement.state,
        note=note,
        acting_user=acting_user,
        action="achievement.language_marked",
        before=before,
    )
    return True


def achievements_update_language(
    *, registration_id: int, language: str, acting_user: User | None
) -> int:
    """Changing a registration's language for assessment reaches its achievements as an Update
    (R-LRS-6, decision 0121): each record not withdrawn takes the new language. A record
    waiting for the LRS's answer is marked, and the answer applies it (decision 0162)."""
    count = 0
    records = Achievement.objects.filter(registration_id=registration_id, withdrawn=False)
    for achievement in records.select_related("provider").order_by("pk"):
        if _waits_for_the_lrs(achievement):
            count += _language_mark(achievement, language=language, acting_user=acting_user)
            continue
        if achievement.language_for_assessment == language:
            continue
        achievement_update(
            achievement=achievement,
            changes={"language_for_assessment": language},
            acting_user=acting_user,
            note="The registration's language for assessment changed.",
        )
        count += 1
    return count


# --- what waited for a batch ------------------------------------------------------------------


def achievements_apply_after_batch(*, batch: AchievementBatch) -> None:
    """Once the LRS has answered for a batch (whatever its outcome), in the transaction that
    stores the answer: records marked to be withdrawn are withdrawn, then marked languages are
    applied."""
    waiting = Achievement.objects.filter(batch=batch).exclude(withdraw_after_batch="")
    for achievement in waiting.order_by("pk"):
        reason = achievement.withdraw_after_batch
        Achievement.objects.filter(pk=achievement.pk).update(withdraw_after_batch="")
        if not achievement.withdrawn:
            achievement_withdraw(
                achievement=achievement,
                action_date=timezone.localdate(),
                reason=reason,
                acting_user=None,
                note=f"As marked while batch {batch.pk} was with the LRS.",
            )
    marked = Achievement.objects.filter(batch=batch).exclude(language_after_batch="")
    for achievement in marked.select_related("provider").order_by("pk"):
        _language_apply(achievement, batch=batch)


def _language_apply(achievement: Achievement, *, batch: AchievementBatch) -> None:
    """R-LRS-6, decision 0162: accepted, the language goes as an Update in the next batch;
    not accepted (rejected, or the batch failed: RS005), the record takes it in place and its
    resubmission carries it; withdrawn, it is not sent."""
    language = achievement.language_after_batch
    changed = _language(language)
    if achievement.withdrawn:
        before = snapshot(achievement, AUDIT_FIELDS)
        achievement.language_after_batch = ""
        _save(achievement, "language_after_batch")
        _record_change(
            achievement,
            from_state=achievement.state,
            note=f"The language for assessment {changed} is not sent: the record is withdrawn.",
            acting_user=None,
            action="achievement.language_dropped",
            before=before,
        )
        return
    if achievement.pending_action == LrsAction.REINSTATE:
        # The Reinstate is still to be accepted: the mark stays for the batch that carries it.
        return
    if achievement.state in (S.ACCEPTED, S.REINSTATED):
        Achievement.objects.filter(pk=achievement.pk).update(language_after_batch="")
        achievement_update(
            achievement=achievement,
            changes={"language_for_assessment": language},
            acting_user=None,
            note=f"The registration's language for assessment changed while the record was in "
            f"batch {batch.pk}; the LRS has accepted the record, so the change goes as an Update.",
        )
        return
    before = snapshot(achievement, AUDIT_FIELDS)
    from_state = achievement.state
    achievement.language_for_assessment = language
    achievement.language_after_batch = ""
    achievement.state = S.PENDING
    _save(achievement, "language_for_assessment", "language_after_batch", "state")
    _record_change(
        achievement,
        from_state=from_state,
        note=f"Language for assessment {_language(before['language_for_assessment'])} → "
        f"{changed}, changed while the record was in batch {batch.pk}, which the LRS did not "
        "accept for it: the record waits with the new language and is sent again with it.",
        acting_user=None,
        action="achievement.update",
        before=before,
    )
