"""Planning (Validate): who may import, and the plan of what Upload would do with each row of
a file, with every problem found. Planning writes nothing."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.roles import Capability
from learners.validators import uln_error
from qualifications.validators import qualification_number_check

from ..csv_format import (
    COLUMN_LABELS,
    CsvRow,
    parse_registration_csv,
)
from ..import_rules import (
    KnownRegistration,
    course_run_for_new_registration,
    number_needed_message,
    record_from_row,
    registration_match,
)
from ..models import RegistrationStatus
from ..numbers import registration_number_normalise
from ..services import acting_as_ao
from ..validators import (
    RegistrationFacts,
    RegistrationRecord,
    is_registration_request,
    registration_change_errors,
)
from .facts import (
    FileKeys,
    ImportFacts,
    LearnerFacts,
    QualificationFacts,
    RecordedRegistration,
    import_facts_load,
)

if TYPE_CHECKING:
    from accounts.models import User
    from providers.models import Provider


PROGRESS_EVERY = 2000  # rows between progress reports (each is a cache write)
NOT_IMPORTED = "Not imported"
RECORD_FIELDS = tuple(f.name for f in fields(RegistrationRecord))
# Where a rule's field shows in the report.
FIELD_COLUMNS = {
    **COLUMN_LABELS,
    "qualification": COLUMN_LABELS["qualification_number"],
    "course_run": COLUMN_LABELS["qualification_number"],
}
COLUMN_KEYS = {label: key for key, label in COLUMN_LABELS.items()}
S = RegistrationStatus


class ImportRefused(Exception):
    """The file cannot be imported at all (too large, not CSV); the message says why."""


@dataclass
class PlannedRow:
    """What Upload will do with one accepted row."""

    row: int
    action: str  # "create", "update" or "unchanged"
    uln: str
    qualification_number: str
    learner_id: int
    course_run_id: int
    proposed: RegistrationRecord
    current: RegistrationRecord | None = None
    registration_id: int | None = None  # the registration it updates

    @property
    def is_request(self) -> bool:
        return self.action != "unchanged" and is_registration_request(self.current, self.proposed)


@dataclass
class ImportPlan:
    """The outcome of validating a file: the accepted rows and every problem found."""

    file_error: str = ""
    data_rows: int = 0
    planned: list[PlannedRow] = field(default_factory=list)
    report: list[dict[str, Any]] = field(default_factory=list)
    rejected_rows: set[int] = field(default_factory=set)
    # What the file names, and the fingerprint of the facts planned from (decision 0170).
    keys: FileKeys = field(default_factory=FileKeys)
    fingerprint: str = ""

    def reject(self, row: int, column: str, value: str, reason: str) -> None:
        self.rejected_rows.add(row)
        self.report.append(
            {
                "row": row,
                "column": column,
                "value": value,
                "reason": reason,
                "outcome": NOT_IMPORTED,
            }
        )

    def note(self, row: int, column: str, value: str, reason: str, outcome: str) -> None:
        """A problem that does not stop the row (R-REG-11: the status is kept)."""
        self.report.append(
            {"row": row, "column": column, "value": value, "reason": reason, "outcome": outcome}
        )

    def summary(self) -> dict[str, Any]:
        counts: dict[str, Any] = {"create": 0, "update": 0, "unchanged": 0, "requests": 0}
        for planned in self.planned:
            counts[planned.action] += 1
            counts["requests"] += planned.is_request
        counts["digest"] = self.digest()
        return counts

    def digest(self) -> str:
        """Identifies exactly what Upload would write, to tell whether records changed since."""
        hasher = hashlib.sha256()
        for p in self.planned:
            hasher.update(
                repr(
                    (p.row, p.action, p.registration_id, p.course_run_id, p.current, p.proposed)
                ).encode()
            )
        return hasher.hexdigest()


# Permissions ---------------------------------------------------------------------------------


def import_permission_check(*, acting_user: User, provider: Provider) -> None:
    """R-REG-12: only Bulk Upload may import; a provider's users only for their own centre."""
    if not acting_user.can(Capability.BULK_UPLOAD):
        raise PermissionDenied("Importing needs the Bulk Upload role.")
    if not acting_user.is_ao_staff and acting_user.organisation_id != provider.organisation_id:
        raise PermissionDenied("You can import only for your own centre.")


# Planning (Validate) -------------------------------------------------------------------------


def _known(registration: RecordedRegistration) -> KnownRegistration:
    return KnownRegistration(
        pk=registration.pk,
        learner_id=registration.learner_id,
        qualification_id=registration.qualification_id,
        registration_number=registration.record.registration_number,
        voided=registration.voided,
    )


def _value(row: CsvRow, column: str) -> str:
    key = COLUMN_KEYS.get(column)
    return row.cells.get(key, "") if key else ""


def registration_import_plan(
    *,
    content: bytes,
    separator: str,
    provider: Provider,
    acting_user: User | None,
    lock: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportPlan:
    """Validate a file against the records as they are: every row either planned or reported.

    Writes nothing. With `lock`, the registrations rows may update are locked (Upload)."""
    parsed = parse_registration_csv(content, separator)
    plan = ImportPlan(file_error=parsed.file_error, data_rows=len(parsed.rows))
    if parsed.file_error:
        return plan
    usable = _usable_rows(plan, parsed.rows)
    plan.keys = FileKeys(
        qualification_numbers=tuple(sorted({row.cells["qualification_number"] for row in usable})),
        ulns=tuple(sorted({row.cells["uln"] for row in usable})),
        registration_numbers=tuple(
            sorted({n for row in usable if (n := row.cells["registration_number"])})
        ),
    )
    facts = import_facts_load(
        keys=plan.keys,
        provider=provider,
        as_ao=acting_as_ao(acting_user),
        today=timezone.localdate(),
        lock=lock,
    )
    plan.fingerprint = facts.fingerprint
    found = _FoundRegistrations(facts, provider)
    seen: dict[tuple[Any, ...], int] = {}
    for index, row in enumerate(usable, start=1):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress(index, len(usable))
        _plan_row(
            plan,
            row,
            provider=provider,
            facts=facts,
            found=found,
            qualification=facts.qualifications.get(row.cells["qualification_number"]),
            learner=facts.learners.get(row.cells["uln"]),
            seen=seen,
        )
    if progress is not None:
        progress(len(usable), len(usable))
    plan.report.sort(key=lambda entry: entry["row"])
    return plan


def _usable_rows(plan: ImportPlan, rows: list[CsvRow]) -> list[CsvRow]:
    """The rows whose cells can be read, with the qualification and registration numbers
    normalised; every other row reported."""
    usable: list[CsvRow] = []
    checked: dict[str, Any] = {}  # a file names a few qualifications, each on many rows
    for row in rows:
        for error in row.errors:
            plan.reject(row.row, error.column, error.value, error.reason)
        if row.errors:
            continue
        given = row.cells["qualification_number"]
        check = checked.get(given)
        if check is None:
            check = checked[given] = qualification_number_check(given)
        if check.error:
            plan.reject(
                row.row, "Qualification Number", row.cells["qualification_number"], check.error
            )
        else:
            row.cells["qualification_number"] = check.number
        if message := uln_error(row.cells["uln"]):
            plan.reject(row.row, "ULN", row.cells["uln"], message)
        row.cells["registration_number"] = registration_number_normalise(
            row.cells["registration_number"]
        )
        if row.row not in plan.rejected_rows:
            usable.append(row)
    return usable


class _FoundRegistrations:
    """The registrations the file names, as matching looks them up."""

    def __init__(self, facts: ImportFacts, provider: Provider) -> None:
        self.by_number: dict[str, RecordedRegistration] = {}
        self.by_learner_and_qualification: dict[tuple[int, int], list[RecordedRegistration]] = (
            defaultdict(list)
        )
        self.runs_taken: set[tuple[int, int]] = set()
        for registration in facts.registrations:
            if registration.record.registration_number:
                self.by_number[registration.record.registration_number] = registration
            if not registration.voided:
                self.runs_taken.add((registration.learner_id, registration.course_run_id))
            if registration.provider_id == provider.pk:
                key = (registration.learner_id, registration.qualification_id)
                self.by_learner_and_qualification[key].append(registration)


def _plan_row(
    plan: ImportPlan,
    row: CsvRow,
    *,
    provider: Provider,
    facts: ImportFacts,
    found: _FoundRegistrations,
    qualification: QualificationFacts | None,
    learner: LearnerFacts | None,
    seen: dict[tuple[Any, ...], int],
) -> None:
    cells = row.cells
    number = cells["registration_number"]
    if qualification is None:
        plan.reject(
            row.row,
            "Qualification Number",
            cells["qualification_number"],
            f"There is no qualification {cells['qualification_number']} in the catalogue.",
        )
        return
    if learner is None:
        plan.reject(
            row.row,
            "ULN",
            cells["uln"],
            f"No learner with ULN {cells['uln']} is registered at {provider.name}. The file has "
            "no names, so it cannot add learners: register the learner first (Register a "
            "learner), then import this row again.",
        )
        return
    holder = found.by_number.get(number) if number else None
    if holder is not None and holder.provider_id != provider.pk:
        plan.reject(
            row.row,
            "Registration number",
            number,
            f"Registration number {number} is not a registration at {provider.name}.",
        )
        return
    same_learner_and_qualification = found.by_learner_and_qualification.get(
        (learner.pk, qualification.pk), []
    )
    match = registration_match(
        registration_number=number,
        learner_id=learner.pk,
        qualification_id=qualification.pk,
        qualification_number=qualification.number,
        by_number=_known(holder) if holder is not None else None,
        same_learner_and_qualification=[_known(r) for r in same_learner_and_qualification],
    )
    if match.error:
        plan.reject(row.row, "Registration number", number, match.error)
        return
    registration: RecordedRegistration | None = None
    if match.registration_pk is not None:
        registration = next(
            r
            for r in same_learner_and_qualification + ([holder] if holder is not None else [])
            if r.pk == match.registration_pk
        )
    key: tuple[Any, ...] = (
        ("registration", registration.pk)
        if registration is not None
        else ("new", learner.pk, qualification.pk)
    )
    if key in seen:
        plan.reject(
            row.row,
            "ULN",
            cells["uln"],
            f"Row {seen[key]} already gives this registration (ULN {cells['uln']}, "
            f"{qualification.number}); put each registration in the file once.",
        )
        return
    seen[key] = row.row

    current = registration.record if registration is not None else None
    proposed = record_from_row(
        current,
        status=row.status,
        registration_number=number,
        dates=row.dates,
        postal_tracking_reference=cells["postal_tracking_reference"],
        language_for_assessment=row.language,
    )
    base: dict[str, Any] = {
        "row": row.row,
        "uln": cells["uln"],
        "qualification_number": qualification.number,
        "learner_id": learner.pk,
    }
    if registration is not None and proposed == current:
        plan.planned.append(
            PlannedRow(
                **base,
                action="unchanged",
                course_run_id=registration.course_run_id,
                proposed=proposed,
                current=current,
                registration_id=registration.pk,
            )
        )
        return
    if match.only_if_unchanged:
        assert current is not None
        plan.reject(
            row.row,
            "Registration number",
            "",
            number_needed_message(current.registration_number, qualification.number),
        )
        return

    course_run_id: int
    if registration is not None:
        course_run_id = registration.course_run_id
    else:
        day = proposed.registration_date or facts.today
        run = course_run_for_new_registration(
            facts.runs_by_qualification.get(qualification.pk, []), day
        )
        if run is None:
            if qualification.pk not in facts.approved and not facts.as_ao:
                plan.reject(
                    row.row,
                    "Qualification Number",
                    qualification.number,
                    f"Your centre is not approved to deliver {qualification.number} "
                    f"{qualification.title}.",
                )
            else:
                plan.reject(
                    row.row,
                    "Qualification Number",
                    qualification.number,
                    f"{provider.name} has no course run for {qualification.number} running on "
                    f"{day:%d/%m/%Y}. Create a course run first, then import this row again.",
                )
            return
        if (learner.pk, run.pk) in found.runs_taken:
            plan.reject(
                row.row,
                "ULN",
                cells["uln"],
                f"This learner is already registered on the course run {run.programme_name} "
                "for another qualification row in this file or in the portal.",
            )
            return
        course_run_id = run.pk

    rule_facts = RegistrationFacts(
        acting_as_ao=facts.as_ao,
        provider_approved=qualification.pk in facts.approved,
        qualification_label=f"{qualification.number} {qualification.title}",
        qualification_start=qualification.operational_start_date,
        qualification_end=qualification.operational_end_date,
        learner_date_of_birth=learner.date_of_birth,
        today=facts.today,
        voided=registration is not None and registration.voided,
    )
    errors = registration_change_errors(current=current, proposed=proposed, facts=rule_facts)
    if any(e.code == "number_required" for e in errors):
        # R-REG-11: the status stays as it was; the rest of the row may still be imported.
        kept = current.status if current is not None else S.NOT_REGISTERED
        kept_record = replace(proposed, status=kept)
        kept_errors = registration_change_errors(
            current=current, proposed=kept_record, facts=rule_facts
        )
        if not kept_errors:
            message = next(e.message for e in errors if e.code == "number_required")
            plan.note(
                row.row,
                "Status",
                cells["status"],
                message,
                f"Imported; status kept as {S(kept).label}",
            )
            proposed = kept_record
            errors = []
    if errors:
        for error in errors:
            column = FIELD_COLUMNS.get(error.field, "")
            plan.reject(row.row, column, _value(row, column), error.message)
        return
    if registration is not None and proposed == current:
        action = "unchanged"
    else:
        action = "update" if registration is not None else "create"
    plan.planned.append(
        PlannedRow(
            **base,
            action=action,
            course_run_id=course_run_id,
            proposed=proposed,
            current=current,
            registration_id=registration.pk if registration is not None else None,
        )
    )
