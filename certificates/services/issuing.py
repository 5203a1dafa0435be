"""Issuing a certificate: a snapshot of the achievement under a fresh number and QR token,
the same certificate again for a second issue of one achievement (R-CRT-1)."""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record, snapshot
from providers.models import Provider

from .. import public_cache
from ..models import UNIT_CERTIFICATE_MARK, Certificate, RenderJob
from ..validators import (
    certificate_number_generate,
    qr_token_generate,
)
from .render_jobs import render_job_create

SNAPSHOT_FIELDS = (
    "number",
    "qr_token",
    "achievement_reference",
    "provider",
    "learner_name",
    "qualification_number",
    "qualification_title",
    "units",
    "grade",
    "award_date",
    "awarding_organisation_name",
)


NUMBER_ATTEMPTS = 8


def unit_achievement_reference(registration_id: int) -> str:
    """The achievement of a learner's unit certificate: every unit they achieved on one
    registration, towards a qualification they did not achieve (`Certificate.is_unit_certificate`).
    """
    return f"registration:{registration_id}{UNIT_CERTIFICATE_MARK}s"


# --- issuing -----------------------------------------------------------------------------


# The longest value each snapshot column holds (models.py), so bad input gets a clear message
# rather than a database error.
MAX_LENGTHS = {
    "achievement_reference": 200,
    "learner_name": 300,
    "qualification_number": 20,
    "qualification_title": 300,
    "grade": 50,
}


def _snapshot_problems(
    *,
    learner_name: str,
    qualification_title: str,
    units: Sequence[dict[str, Any]],
    award_date: datetime.date,
    achievement_reference: str,
    qualification_number: str = "",
    grade: str = "",
) -> dict[str, str]:
    problems: dict[str, str] = {}
    values = {
        "achievement_reference": achievement_reference,
        "learner_name": learner_name,
        "qualification_number": qualification_number,
        "qualification_title": qualification_title,
        "grade": grade,
    }
    for name, value in values.items():
        if "\x00" in value:
            problems[name] = "This contains a NUL character, which a certificate cannot hold."
        elif len(value) > MAX_LENGTHS[name]:
            problems[name] = (
                f"This is {len(value)} characters long; a certificate holds at most "
                f"{MAX_LENGTHS[name]}."
            )
    if not achievement_reference.strip():
        problems["achievement_reference"] = "Say which achievement this certificate is for."
    if not learner_name.strip():
        problems["learner_name"] = "A certificate needs the learner's name."
    if not qualification_title.strip() and not units:
        problems["qualification_title"] = (
            "A certificate needs a qualification or at least one unit."
        )
    for index, unit in enumerate(units, start=1):
        if not str(unit.get("reference", "")).strip() or not str(unit.get("title", "")).strip():
            problems["units"] = f"Unit {index} needs a reference and a title."
        elif any("\x00" in str(value) for value in unit.values()):
            problems["units"] = f"Unit {index} contains a NUL character."
    if award_date > timezone.localdate():
        problems["award_date"] = "The award date cannot be in the future."
    return problems


def _clean_text(value: str) -> str:
    """As stored: NFC (R-LRN-2), whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def _clean_units(units: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {
            "reference": _clean_text(str(u.get("reference", ""))),
            "title": _clean_text(str(u.get("title", ""))),
            "grade": _clean_text(str(u.get("grade", ""))),
        }
        for u in units
    ]


def _latest_for_achievement(achievement_reference: str) -> Certificate | None:
    return (
        Certificate.objects.filter(achievement_reference=achievement_reference)
        .order_by("-issued_at", "-pk")
        .first()
    )


def _create_with_fresh_number(fields: dict[str, Any]) -> Certificate:
    """Insert with a random number and token; a collision (the unique constraint) draws again."""
    for _attempt in range(NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                created = Certificate.objects.create(
                    number=certificate_number_generate(), qr_token=qr_token_generate(), **fields
                )
            # Its number or token may have been tried, and kept as "no match", before it existed.
            public_cache.forget_after_commit(created)
            return created
        except IntegrityError as error:
            constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", "")
            if constraint and ("number" in constraint or "qr_token" in constraint):
                continue
            raise
    raise RuntimeError("could not draw an unused certificate number")  # 31**9 numbers: never


@transaction.atomic
def certificate_issue(
    *,
    provider: Provider,
    achievement_reference: str,
    learner_name: str,
    qualification_number: str,
    qualification_title: str,
    units: list[dict[str, Any]],
    grade: str,
    award_date: datetime.date,
    acting_user: User | None,
    render: bool = True,
    awarding_organisation_name: str | None = None,
) -> Certificate:
    """Issue the certificate for one achievement, or return the one already issued (R-CRT-1).

    Everything the certificate shows is copied onto it, so later edits to the learner or the
    qualification never change it. With `render`, its PDF is rendered after commit; batch
    callers pass `render=False` and use `render_job_create` for the whole course run.
    """
    achievement_reference = achievement_reference.strip()
    cleaned_units = _clean_units(units)
    fields = {
        "achievement_reference": achievement_reference,
        "provider": provider,
        "learner_name": _clean_text(learner_name),
        "qualification_number": _clean_text(qualification_number),
        "qualification_title": _clean_text(qualification_title),
        "units": cleaned_units,
        "grade": _clean_text(grade),
        "award_date": award_date,
        "awarding_organisation_name": awarding_organisation_name or settings.AO_NAME,
        "issued_by": acting_user,
    }
    existing = _latest_for_achievement(achievement_reference)
    if existing is not None:
        return _same_certificate_or_refuse(existing, fields)
    problems = _snapshot_problems(
        learner_name=learner_name,
        qualification_title=qualification_title,
        units=cleaned_units,
        award_date=award_date,
        achievement_reference=achievement_reference,
        qualification_number=qualification_number,
        grade=grade,
    )
    if problems:
        raise ValidationError(problems)
    try:
        with transaction.atomic():
            certificate = _create_with_fresh_number(fields)
    except IntegrityError:
        # Issued by someone else a moment ago (the one-original-per-achievement constraint).
        existing = _latest_for_achievement(achievement_reference)
        if existing is None:
            raise
        return _same_certificate_or_refuse(existing, fields)
    audit_record(
        actor=acting_user,
        action="certificate.issue",
        target=certificate,
        after=snapshot(certificate, SNAPSHOT_FIELDS),
        organisation_id=provider.organisation_id,
    )
    if render:
        _render_single(certificate, acting_user=acting_user)
    return certificate


# What must match for a second issue of one achievement to be the same certificate.
IDENTITY_FIELDS = {
    "provider": "provider",
    "learner_name": "learner name",
    "qualification_number": "qualification number",
    "qualification_title": "qualification title",
    "units": "units",
    "grade": "grade",
    "award_date": "award date",
}


def _same_certificate_or_refuse(existing: Certificate, fields: dict[str, Any]) -> Certificate:
    """Issuing is idempotent only for the same details; different ones are refused, not hidden.

    A second issue with other details means a re-grade, a collision of references or a bug: the
    caller must replace or revoke the certificate instead (R-CRT-6), not get the old one back.
    """
    differing = []
    for name, label in IDENTITY_FIELDS.items():
        if name == "provider":
            same = existing.provider_id == fields["provider"].pk
        else:
            same = getattr(existing, name) == fields[name]
        if not same:
            differing.append(label)
    if differing:
        raise ValidationError(
            f"Achievement {existing.achievement_reference} already has certificate "
            f"{existing.display_number} with a different {', '.join(differing)}; replace or "
            "revoke that certificate instead of issuing again.",
            code="conflicting_certificate",
        )
    return existing


def _render_single(certificate: Certificate, *, acting_user: User | None) -> RenderJob:
    """One certificate's rendering gets a job row too: progress, failure and retry are recorded."""
    return render_job_create(
        provider=certificate.provider,
        certificates=[certificate],
        acting_user=acting_user,
        batch_key=f"Certificate {certificate.display_number}",
    )
