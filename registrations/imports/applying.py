"""Applying (Upload): the plan's rows written in batches, all or nothing, with one audit row
each."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils import timezone

from audit.context import client_ip
from audit.models import AuditEvent
from audit.services import changed_fields, snapshot
from awards_portal.bulk_insert import rows_copy as _copy_rows

from ..models import ImportJob, Registration
from ..services import REGISTRATION_AUDIT_FIELDS, registration_requests_accept
from ..validators import (
    RegistrationRecord,
)
from .planning import RECORD_FIELDS, ImportPlan

if TYPE_CHECKING:
    from accounts.models import User
    from providers.models import Provider


WRITE_BATCH = 1000


# Applying (Upload) ---------------------------------------------------------------------------


def _set_record(registration: Registration, record: RegistrationRecord) -> None:
    for name in RECORD_FIELDS:
        setattr(registration, name, getattr(record, name))
    registration.registration_number = record.registration_number or None


# Column -> PostgreSQL array type, for `_registrations_update`.
UPDATE_COLUMNS = (
    ("status", "text"),
    ("registration_number", "text"),
    ("registration_date", "date"),
    ("achieved_date", "date"),
    ("certificate_claimed_date", "date"),
    ("certificate_sent_date", "date"),
    ("certificate_received_date", "date"),
    ("postal_tracking_reference", "text"),
    ("language_for_assessment", "text"),
    ("updated_at", "timestamptz"),
)


def _registrations_update(registrations: Sequence[Registration]) -> None:
    """Write the record fields of many registrations: one UPDATE per batch joined to arrays
    (`unnest`), which PostgreSQL runs in linear time; Django's bulk_update builds a CASE per
    field and row, which takes tens of seconds for the largest file."""
    table = Registration._meta.db_table
    assignments = ", ".join(f"{name} = v.{name}" for name, _ in UPDATE_COLUMNS)
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in UPDATE_COLUMNS)
    names = ", ".join(name for name, _ in UPDATE_COLUMNS)
    sql = (
        f"UPDATE {table} AS r SET {assignments} "  # noqa: S608 - names are constants
        f"FROM unnest(%s::bigint[], {arrays}) AS v(id, {names}) WHERE r.id = v.id"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(registrations), 5 * WRITE_BATCH):
            batch = registrations[start : start + 5 * WRITE_BATCH]
            params: list[list[Any]] = [[r.pk for r in batch]]
            params += [[getattr(r, name) for r in batch] for name, _ in UPDATE_COLUMNS]
            cursor.execute(sql, params)


AUDIT_COLUMNS = (
    "occurred_at",
    "actor_id",
    "actor_username",
    "organisation_id",
    "ip_address",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "detail",
)
REGISTRATION_OBJECT_TYPE = Registration._meta.label_lower


def _audit_row(
    *,
    acting_user: User | None,
    organisation_id: int,
    action: str,
    registration: Registration,
    before: dict[str, Any],
    after: dict[str, Any],
    detail: dict[str, Any],
    ip: str | None,
    now: Any,
) -> tuple[Any, ...]:
    """The row `audit.services.audit_record` would write, as values for one COPY (AUDIT_COLUMNS).

    The snapshots are already JSON-ready (`audit.services.snapshot`)."""
    return (
        now,
        acting_user.pk if acting_user is not None else None,
        acting_user.username if acting_user is not None else "",
        organisation_id,
        ip,
        action,
        REGISTRATION_OBJECT_TYPE,
        str(registration.pk),
        str(registration)[:200],
        json.dumps(before),
        json.dumps(after),
        json.dumps(detail),
    )


def _registrations_insert(registrations: Sequence[Registration]) -> None:
    """New registrations: their ids drawn from the table's own sequence in one query, then one
    COPY (triggers and constraints apply as to any INSERT)."""
    if not registrations:
        return
    table = Registration._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(registrations)],
        )
        for registration, (pk,) in zip(registrations, cursor.fetchall(), strict=True):
            registration.pk = pk
    fields = Registration._meta.concrete_fields
    _copy_rows(
        table,
        [f.column for f in fields],
        [[getattr(r, f.attname) for f in fields] for r in registrations],
    )


def _apply_plan(
    plan: ImportPlan, *, job: ImportJob, provider: Provider, acting_user: User | None
) -> dict[str, Any]:
    now = timezone.now()
    ip = client_ip()
    creates = [p for p in plan.planned if p.action == "create"]
    updates = [p for p in plan.planned if p.action == "update"]
    changing = creates + updates
    accepted = registration_requests_accept([(p.current, p.proposed) for p in changing])
    issued: list[dict[str, Any]] = []

    new_registrations = []
    for planned, record in zip(creates, accepted[: len(creates)], strict=True):
        registration = Registration(
            learner_id=planned.learner_id,
            course_run_id=planned.course_run_id,
            created_at=now,
            updated_at=now,
        )
        _set_record(registration, record)
        new_registrations.append(registration)
    _registrations_insert(new_registrations)

    events: list[tuple[Any, ...]] = []
    for planned, registration in zip(creates, new_registrations, strict=True):
        events.append(
            _audit_row(
                acting_user=acting_user,
                organisation_id=provider.organisation_id,
                action="registration.create",
                registration=registration,
                before={},
                after=snapshot(registration, REGISTRATION_AUDIT_FIELDS),
                detail={"import_job": job.pk, "row": planned.row},
                ip=ip,
                now=now,
            )
        )
    changed: list[Registration] = []
    languages: list[Registration] = []
    for planned, record in zip(updates, accepted[len(creates) :], strict=True):
        existing = planned.registration
        assert existing is not None
        before = snapshot(existing, REGISTRATION_AUDIT_FIELDS)
        _set_record(existing, record)
        existing.updated_at = now
        old, new = changed_fields(before, snapshot(existing, REGISTRATION_AUDIT_FIELDS))
        changed.append(existing)
        if "language_for_assessment" in new:
            languages.append(existing)
        events.append(
            _audit_row(
                acting_user=acting_user,
                organisation_id=provider.organisation_id,
                action="registration.update",
                registration=existing,
                before=old,
                after=new,
                detail={"import_job": job.pk, "row": planned.row},
                ip=ip,
                now=now,
            )
        )
    _registrations_update(changed)
    _copy_rows(AuditEvent._meta.db_table, AUDIT_COLUMNS, events)
    if languages:
        # Their achievements take the new language as an LRS Update (R-LRS-6, decision 0121).
        from lrs_sync.achievement_events import achievements_update_language

        for registration in languages:
            achievements_update_language(
                registration_id=registration.pk,
                language=registration.language_for_assessment,
                acting_user=acting_user,
            )

    for planned, record in zip(changing, accepted, strict=True):
        if planned.is_request:
            issued.append(
                {
                    "row": planned.row,
                    "uln": planned.uln,
                    "qualification_number": planned.qualification_number,
                    "registration_number": record.registration_number,
                }
            )
    return {
        "created": len(creates),
        "updated": len(updates),
        "unchanged": len(plan.planned) - len(changing),
        "numbers_issued": issued,
    }
