"""Replacement and revocation (R-CRT-6), and telling the centre about either."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from audit.services import audit_record, snapshot
from providers.selectors import provider_recipients

from .. import public_cache
from ..models import Certificate
from .access import _require_certification_officer, _require_grade_correction_authority
from .issuing import SNAPSHOT_FIELDS, _create_with_fresh_number, _render_single

logger = logging.getLogger(__name__)


STATUS_FIELDS = ("status", "status_reason", "status_changed_at")


# --- replacement and revocation (R-CRT-6) ---------------------------------------------------


def _lock(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update().get(pk=certificate.pk)


@transaction.atomic
def certificate_replace(
    *,
    certificate: Certificate,
    reason: str,
    fee_pence: int,
    acting_user: User,
    render: bool = True,
    corrected: dict[str, object] | None = None,
    challenge_reference: str = "",
) -> Certificate:
    """A replacement with a new number and token; the old one then checks as replaced.

    `corrected` (units and/or grade) is what a grade correction changes on the replacement.
    `challenge_reference` names the upheld event data challenge a no-fee grade correction acts
    on, which is its authority (decision 0161); anything else needs a certification officer."""
    if challenge_reference and corrected is not None and fee_pence == 0:
        _require_grade_correction_authority(acting_user, challenge_reference=challenge_reference)
    else:
        _require_certification_officer(acting_user)
    problems: dict[str, str] = {}
    if not reason.strip():
        problems["reason"] = "Say why the certificate is being replaced."
    if fee_pence is None or fee_pence < 0:
        problems["fee"] = "Enter the fee charged, 0 or more."
    if problems:
        raise ValidationError(problems)
    old = _lock(certificate)
    if old.status != Certificate.Status.VALID:
        raise ValidationError(
            f"Only a valid certificate can be replaced; {old.display_number} is already "
            f"{old.get_status_display().lower()}."
        )
    before = snapshot(old, STATUS_FIELDS)
    old.status = Certificate.Status.REPLACED
    old.status_changed_at = timezone.now()
    old.save(update_fields=["status", "status_changed_at"])
    public_cache.forget_after_commit(old)  # the public check says "replaced" at once
    new = _create_with_fresh_number(
        {
            "achievement_reference": old.achievement_reference,
            "replaces": old,
            "provider_id": old.provider_id,
            "learner_name": old.learner_name,
            "qualification_number": old.qualification_number,
            "qualification_title": old.qualification_title,
            "units": old.units,
            "grade": old.grade,
            "award_date": old.award_date,
            "awarding_organisation_name": old.awarding_organisation_name,
            "replacement_reason": reason.strip(),
            "replacement_fee_pence": fee_pence,
            "issued_by": acting_user,
            **{k: v for k, v in (corrected or {}).items() if k in ("units", "grade")},
        }
    )
    organisation_id = old.provider.organisation_id
    audit_record(
        actor=acting_user,
        action="certificate.replace",
        target=old,
        before=before,
        after={**snapshot(old, STATUS_FIELDS), "replaced_by": new.number},
        detail={
            "reason": new.replacement_reason,
            "fee_pence": fee_pence,
            "challenge": challenge_reference,
        },
        organisation_id=organisation_id,
    )
    audit_record(
        actor=acting_user,
        action="certificate.issue",
        target=new,
        after={
            **snapshot(new, SNAPSHOT_FIELDS),
            "replaces": old.number,
            "replacement_fee_pence": fee_pence,
        },
        organisation_id=organisation_id,
    )
    if render:
        _render_single(new, acting_user=acting_user)
    _notify_after_commit(old.pk, "replaced")
    return new


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, acting_user: User) -> Certificate:
    _require_certification_officer(acting_user)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the certificate is being revoked."})
    locked = _lock(certificate)
    if locked.status != Certificate.Status.VALID:
        raise ValidationError(
            f"Only a valid certificate can be revoked; {locked.display_number} is already "
            f"{locked.get_status_display().lower()}."
        )
    before = snapshot(locked, STATUS_FIELDS)
    locked.status = Certificate.Status.REVOKED
    locked.status_reason = reason.strip()
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=list(STATUS_FIELDS))
    public_cache.forget_after_commit(locked)  # the public check says "revoked" at once
    audit_record(
        actor=acting_user,
        action="certificate.revoke",
        target=locked,
        before=before,
        after=snapshot(locked, STATUS_FIELDS),
        organisation_id=locked.provider.organisation_id,
    )
    _notify_after_commit(locked.pk, "revoked")
    # The achievement the certificate proves is withdrawn at the LRS (decision 0123).
    from lrs_sync.achievement_events import achievements_withdraw_for_certificate

    achievements_withdraw_for_certificate(
        achievement_reference=locked.achievement_reference,
        qualification_number=locked.qualification_number,
        acting_user=acting_user,
    )
    return locked


def _notify_after_commit(certificate_id: int, event: str) -> None:
    from outbox.services import outbox_queue

    from ..tasks import certificate_notify_provider_task

    outbox_queue(task=certificate_notify_provider_task, args=[certificate_id, event])


# Who hears that a certificate was replaced or revoked: those who hear its PDFs are ready.
NOTIFIED_ROLES = {Role.PROVIDER_SUPER_USER, Role.MANAGE_REGISTRATION}


def certificate_provider_notify(*, certificate_id: int, event: str) -> bool:
    """Email the provider that a certificate was replaced or revoked; once per certificate.

    The certificate is claimed (its `provider_notified_at` set) in a short transaction that
    commits before the email goes, so no row lock is held while SMTP is slow; if sending fails
    the claim is released and the task retries. Returns False when there was nothing to do
    (already notified, or no one to tell).
    """
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update()
            .select_related("provider__organisation")
            .get(pk=certificate_id)
        )
        if certificate.provider_notified_at is not None:
            return False
        recipients = provider_recipients(provider=certificate.provider, roles=NOTIFIED_ROLES)
        if not recipients:
            logger.warning("no one to notify at provider %s", certificate.provider_id)
            return False
        claimed_at = timezone.now()
        Certificate.objects.filter(pk=certificate.pk).update(provider_notified_at=claimed_at)
    replacement = getattr(certificate, "replaced_by", None) if event == "replaced" else None
    context = {
        "certificate": certificate,
        "replacement": replacement,
        "event": event,
        "provider": certificate.provider,
        "ao_name": certificate.awarding_organisation_name,
        "portal_url": settings.PORTAL_BASE_URL,
    }
    subject = " ".join(render_to_string(f"certificates/email/{event}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"certificates/email/{event}.txt", context),
        to=recipients,
    )
    message.attach_alternative(
        render_to_string(f"certificates/email/{event}.html", context), "text/html"
    )
    try:
        message.send()
    except Exception:
        Certificate.objects.filter(pk=certificate.pk, provider_notified_at=claimed_at).update(
            provider_notified_at=None
        )
        raise
    return True
