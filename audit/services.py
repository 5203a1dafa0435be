"""The one way every app writes to the audit log (R-ACC-7)."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import models

from .context import client_ip
from .models import AuditEvent

if TYPE_CHECKING:
    from accounts.models import User


def _jsonable(value: Any) -> Any:
    if isinstance(value, str):
        # PostgreSQL's jsonb cannot hold NUL; whatever a request carried, the row must be written.
        return value.replace("\x00", "")
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of a row, as JSON-ready values (foreign keys as their ids)."""
    result: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        result[name] = _jsonable(getattr(instance, attname))
    return result


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict, dict]:
    """Only what differs between two snapshots, so an audit row shows the change and no more."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    detail: Mapping[str, Any] | None = None,
    organisation_id: int | None = None,
) -> AuditEvent:
    """Write one audit row in the caller's transaction; the organisation defaults to the actor's."""
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
    if organisation_id is None and actor is not None:
        organisation_id = actor.organisation_id
    return AuditEvent.objects.create(
        actor=actor,
        actor_username=actor.username if actor is not None else "",
        organisation_id=organisation_id,
        ip_address=client_ip(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=str(target).replace("\x00", "")[:200] if target is not None else "",
        before=_jsonable(dict(before or {})),
        after=_jsonable(dict(after or {})),
        detail=_jsonable(dict(detail or {})),
    )
