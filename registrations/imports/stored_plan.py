"""Validate's plan kept on the import job, so that Upload can write it as it is when nothing it
was planned from has changed (decision 0170): compressed JSON of the planned rows, the lookups
the file makes and the fingerprint of the facts it was planned from."""

from __future__ import annotations

import datetime
import json
import zlib
from typing import Any

from ..validators import RegistrationRecord
from .facts import FileKeys
from .planning import RECORD_FIELDS, ImportPlan, PlannedRow

FORMAT = 1
_date = datetime.date.fromisoformat
_DATE_POSITIONS = tuple(
    i for i, name in enumerate(RECORD_FIELDS) if name.endswith("_date")
)  # where the record's dates are, written as ISO text


def _record_values(record: RegistrationRecord | None) -> tuple[Any, ...] | None:
    return record.values() if record is not None else None  # dates: `_iso` writes them


def _iso(value: Any) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be kept in a plan")


def _record(values: list[Any] | None) -> RegistrationRecord | None:
    if values is None:
        return None
    for i in _DATE_POSITIONS:
        if values[i] is not None:
            values[i] = _date(values[i])
    return RegistrationRecord(*values)


_ENCODER = json.JSONEncoder(separators=(",", ":"), default=_iso)


def plan_pack(plan: ImportPlan) -> bytes:
    """The plan's rows, lookups and fingerprint, to keep on the job; empty for a plan without a
    fingerprint (nothing to compare with later)."""
    if not plan.fingerprint:
        return b""
    document = {
        "format": FORMAT,
        "fingerprint": plan.fingerprint,
        "data_rows": plan.data_rows,
        "keys": [
            plan.keys.qualification_numbers,
            plan.keys.ulns,
            plan.keys.registration_numbers,
        ],
        "planned": [
            (
                p.row,
                p.action,
                p.uln,
                p.qualification_number,
                p.learner_id,
                p.course_run_id,
                p.registration_id,
                _record_values(p.current),
                _record_values(p.proposed),
            )
            for p in plan.planned
        ],
    }
    return zlib.compress(_ENCODER.encode(document).encode(), 1)


def plan_unpack(data: bytes) -> ImportPlan | None:
    """The plan `plan_pack` kept, or None if there is none, or none this code can read (then
    Upload plans the file again, as it would if records had changed)."""
    try:
        return _unpack(data) if data else None
    except (zlib.error, ValueError, KeyError, TypeError):
        return None


def _unpack(data: bytes) -> ImportPlan | None:
    document = json.loads(zlib.decompress(data))
    if document.get("format") != FORMAT:
        return None
    qualification_numbers, ulns, registration_numbers = document["keys"]
    plan = ImportPlan(
        data_rows=document["data_rows"],
        fingerprint=document["fingerprint"],
        keys=FileKeys(tuple(qualification_numbers), tuple(ulns), tuple(registration_numbers)),
    )
    plan.planned = [
        PlannedRow(
            row=row,
            action=action,
            uln=uln,
            qualification_number=qualification_number,
            learner_id=learner_id,
            course_run_id=course_run_id,
            registration_id=registration_id,
            current=_record(current),
            proposed=_record(proposed),  # type: ignore[arg-type]  # never None
        )
        for (
            row,
            action,
            uln,
            qualification_number,
            learner_id,
            course_run_id,
            registration_id,
            current,
            proposed,
        ) in document["planned"]
    ]
    return plan
