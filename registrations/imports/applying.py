"""Applying (Upload): the plan's rows written set-based, all or nothing, with one audit row each.

Everything is written from the plan's own values (no model instances): new registrations and
the audit rows by COPY, changed registrations by COPY into a temporary table and one
UPDATE ... FROM (decisions 0131, 0170)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils import timezone

from audit.context import client_ip
from audit.models import AuditEvent
from awards_portal.bulk_insert import rows_copy as _copy_rows

from ..models import ImportJob, Registration, RegistrationStatus
from ..services import registration_requests_accept
from ..validators import RegistrationRecord
from .planning import RECORD_FIELDS, ImportPlan, PlannedRow

if TYPE_CHECKING:
    from accounts.models import User
    from providers.models import Provider


REGISTRATION_TABLE = Registration._meta.db_table
# The record's columns, as UPDATE ... FROM writes them (with updated_at).
UPDATE_COLUMNS = RECORD_FIELDS
# Every column of a new registration, in the order `_new_registration_row` gives them.
NEW_COLUMNS = (
    "id",
    "learner_id",
    "course_run_id",
    *RECORD_FIELDS,
    "voided_at",
    "voided_by_id",
    "void_reason",
    "created_at",
    "updated_at",
)
# The part of a new registration's audit snapshot (REGISTRATION_AUDIT_FIELDS) that an import
# cannot set.
_NEW_REGISTRATION_SNAPSHOT = {"voided_at": None, "void_reason": ""}
_STATUS_LABELS = dict(RegistrationStatus.choices)


def _stored(record: RegistrationRecord) -> tuple[Any, ...]:
    """The record's values as the registration's columns hold them (no number is NULL)."""
    status, number, *others = record.values()
    return (status, number or None, *others)


def _record_snapshot(record: RegistrationRecord) -> dict[str, Any]:
    """The record's part of a registration's audit snapshot, as `audit.services.snapshot` gives
    it once written as JSON by `_json` (dates as ISO text, no number as None)."""
    return dict(zip(RECORD_FIELDS, _stored(record), strict=True))


def _iso(value: Any) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not written in an audit snapshot")


# One encoder for every audit value (json.dumps with `default` would build one per call).
_json = json.JSONEncoder(default=_iso).encode


def _registration_repr(record: RegistrationRecord) -> str:
    """What `str(registration)` gives for a registration with this record."""
    return f"{record.registration_number or 'unnumbered'}: {_STATUS_LABELS[record.status]}"[:200]


def _registrations_insert(
    creates: Sequence[PlannedRow], records: Sequence[RegistrationRecord], now: datetime.datetime
) -> list[int]:
    """New registrations: their ids drawn from the table's own sequence in one query, then one
    COPY (triggers and constraints apply as to any INSERT). Returns their ids."""
    if not creates:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [REGISTRATION_TABLE, len(creates)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    _copy_rows(
        REGISTRATION_TABLE,
        NEW_COLUMNS,
        [
            (
                pk,
                planned.learner_id,
                planned.course_run_id,
                *_stored(record),
                None,
                None,
                "",
                now,
                now,
            )
            for pk, planned, record in zip(ids, creates, records, strict=True)
        ],
    )
    return ids


def _registrations_update(
    rows: Sequence[tuple[int, RegistrationRecord]], now: datetime.datetime
) -> None:
    """Write the records of many registrations: one COPY into a temporary table and one
    UPDATE ... FROM it (Django's bulk_update builds a CASE per field and row, which takes tens
    of seconds for the largest file)."""
    if not rows:
        return
    staging = "registration_import_changes"
    columns = ", ".join(UPDATE_COLUMNS)
    assignments = ", ".join(f"{name} = s.{name}" for name in UPDATE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "  # noqa: S608 - our names
            f"SELECT id, {columns} FROM {REGISTRATION_TABLE} WITH NO DATA"
        )
        _copy_rows(staging, ("id", *UPDATE_COLUMNS), [(pk, *_stored(r)) for pk, r in rows])
        cursor.execute(
            f"UPDATE {REGISTRATION_TABLE} AS r SET {assignments}, updated_at = %s "  # noqa: S608
            f"FROM {staging} AS s WHERE r.id = s.id",
            [now],
        )
        # Dropped now, not only at commit: an enclosing transaction may upload again.
        cursor.execute(f"DROP TABLE {staging}")


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


def _apply_plan(
    plan: ImportPlan, *, job: ImportJob, provider: Provider, acting_user: User | None
) -> dict[str, Any]:
    now = timezone.now()
    creates = [p for p in plan.planned if p.action == "create"]
    updates = [p for p in plan.planned if p.action == "update"]
    changing = creates + updates
    accepted = registration_requests_accept([(p.current, p.proposed) for p in changing])
    ids = _registrations_insert(creates, accepted[: len(creates)], now)

    # The row `audit.services.audit_record` would write for each change, as values for COPY.
    common = (
        now,
        acting_user.pk if acting_user is not None else None,
        acting_user.username if acting_user is not None else "",
        provider.organisation_id,
        client_ip(),
    )
    events: list[tuple[Any, ...]] = []
    for pk, planned, record in zip(ids, creates, accepted[: len(creates)], strict=True):
        after = {
            "learner": planned.learner_id,
            "course_run": planned.course_run_id,
            **_record_snapshot(record),
            **_NEW_REGISTRATION_SNAPSHOT,
        }
        events.append(
            (
                *common,
                "registration.create",
                REGISTRATION_OBJECT_TYPE,
                str(pk),
                _registration_repr(record),
                "{}",
                _json(after),
                _json({"import_job": job.pk, "row": planned.row}),
            )
        )
    changed: list[tuple[int, RegistrationRecord]] = []
    languages: list[tuple[int, str]] = []
    for planned, record in zip(updates, accepted[len(creates) :], strict=True):
        assert planned.registration_id is not None and planned.current is not None
        before = _record_snapshot(planned.current)
        after = _record_snapshot(record)
        keys = [name for name in after if before[name] != after[name]]
        changed.append((planned.registration_id, record))
        if "language_for_assessment" in keys:
            languages.append((planned.registration_id, record.language_for_assessment))
        events.append(
            (
                *common,
                "registration.update",
                REGISTRATION_OBJECT_TYPE,
                str(planned.registration_id),
                _registration_repr(record),
                _json({name: before[name] for name in keys}),
                _json({name: after[name] for name in keys}),
                _json({"import_job": job.pk, "row": planned.row}),
            )
        )
    _registrations_update(changed, now)
    _copy_rows(AuditEvent._meta.db_table, AUDIT_COLUMNS, events)
    if languages:
        # Their achievements take the new language as an LRS Update (R-LRS-6, decision 0121).
        from lrs_sync.achievement_events import achievements_update_language

        for registration_id, language in languages:
            achievements_update_language(
                registration_id=registration_id, language=language, acting_user=acting_user
            )

    issued = [
        {
            "row": planned.row,
            "uln": planned.uln,
            "qualification_number": planned.qualification_number,
            "registration_number": record.registration_number,
        }
        for planned, record in zip(changing, accepted, strict=True)
        if planned.is_request
    ]
    return {
        "created": len(creates),
        "updated": len(updates),
        "unchanged": len(plan.planned) - len(changing),
        "numbers_issued": issued,
    }
