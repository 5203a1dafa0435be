"""Every write to learners, validated by the same rules everywhere and audited (R-LRN, R-ACC-7)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from audit.context import client_ip
from audit.models import AuditEvent
from audit.services import audit_record, changed_fields, snapshot
from awards_portal.bulk_insert import records, recordset, rows_insert

from .models import STATUS_FOR_CODE, VERIFIED_FIELDS, Learner, VerificationStatus
from .reference_data import prison_postcodes, prohibited_text
from .validators import FieldError, age_error, learner_details_check, name_match_key

if TYPE_CHECKING:
    from accounts.models import User
    from providers.models import Provider

LEARNER_FIELDS = (
    "uln",
    "title",
    "given_name",
    "preferred_given_name",
    "middle_names",
    "family_name",
    "previous_family_name",
    "family_name_at_16",
    "date_of_birth",
    "gender",
    "email",
    "address_line_1",
    "address_line_2",
    "town",
    "county",
    "postcode",
    "country",
    "ethnicity",
    "ability_status",
    "prior_attainment",
    "employment_status",
    "employer",
)
POSSIBLE_DUPLICATE = "possible_duplicate"


class LearnerRejected(ValidationError):
    """A learner's details broke one or more rules; `errors` lists them by field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        by_field: dict[str, list[str]] = {}
        for error in errors:
            by_field.setdefault(error.field, []).append(error.message)
        super().__init__(by_field)

    @property
    def needs_confirmation_only(self) -> bool:
        """The only problem is a possible duplicate the user can confirm is a different person."""
        return bool(self.errors) and all(e.code == POSSIBLE_DUPLICATE for e in self.errors)


def learner_validate(
    *,
    provider: Provider,
    details: Mapping[str, Any],
    existing: Learner | None = None,
    registration_date: datetime.date | None = None,
    confirm_possible_duplicate: bool = False,
    only: Iterable[str] | None = None,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Every learner rule without writing: R-LRN-1 to R-LRN-5 and the duplicate rules.

    - The same ULN already at this provider is refused (code "uln_duplicate").
    - The same name (case- and accent-insensitive) and date of birth at this provider, when no ULN
      is given, is reported with code "possible_duplicate" unless `confirm_possible_duplicate`.
    Returns (normalised details, errors); empty errors means `learner_create` would accept it.
    `only` restricts the checks to the named fields (field-by-field checking in the browser)."""
    wanted = set(only) if only is not None else None
    on_date = registration_date or timezone.localdate()
    cleaned, errors = learner_details_check(
        dict(details),
        on_date=on_date,
        prison_postcodes=prison_postcodes(),
        prohibited=prohibited_text(),
        only=wanted,
    )
    others = Learner.objects.filter(provider=provider)
    if existing is not None:
        others = others.exclude(pk=existing.pk)
    uln = cleaned.get("uln") or ""
    if uln and (wanted is None or "uln" in wanted) and not any(e.field == "uln" for e in errors):
        same = others.filter(uln=uln).first()
        if same is not None:
            errors.append(
                FieldError(
                    "uln",
                    f"A learner with this ULN is already at your centre ({same.full_name}). "
                    "Register that learner instead of adding them again.",
                    "uln_duplicate",
                )
            )
    dob = cleaned.get("date_of_birth")
    given, family = cleaned.get("given_name"), cleaned.get("family_name")
    if (
        not uln
        and not confirm_possible_duplicate
        and wanted is None
        and isinstance(dob, datetime.date)
        and given
        and family
        and not errors
    ):
        key = name_match_key(str(given), str(family))
        same = others.filter(name_match_key=key, date_of_birth=dob).first()
        if same is not None:
            # At the confirmation box, where the user acts on it (the API's field of that name).
            errors.append(
                FieldError(
                    "confirm_possible_duplicate",
                    f"{same.full_name}, born {dob:%d/%m/%Y}, is already a learner at your centre. "
                    "If this is a different person, confirm it and save again; otherwise "
                    "register the existing learner.",
                    POSSIBLE_DUPLICATE,
                )
            )
    return cleaned, errors


def learner_possible_duplicate_of(
    *, provider: Provider, details: Mapping[str, Any]
) -> Learner | None:
    """The learner at `provider` with the same name and date of birth, if any (R-LRN-2)."""
    date_of_birth = details.get("date_of_birth")
    if not isinstance(date_of_birth, datetime.date):
        return None
    key = name_match_key(
        str(details.get("given_name") or ""), str(details.get("family_name") or "")
    )
    return (
        Learner.objects.filter(provider=provider, name_match_key=key, date_of_birth=date_of_birth)
        .order_by("pk")
        .first()
    )


@transaction.atomic
def learner_create(
    *,
    provider: Provider,
    details: Mapping[str, Any],
    acting_user: User | None,
    registration_date: datetime.date | None = None,
    confirm_possible_duplicate: bool = False,
) -> Learner:
    """Create a learner at `provider` from `details` (Learner field names -> values).

    Raises LearnerRejected (a ValidationError keyed by field) listing every broken rule."""
    cleaned, errors = learner_validate(
        provider=provider,
        details=details,
        registration_date=registration_date,
        confirm_possible_duplicate=confirm_possible_duplicate,
    )
    if errors:
        raise LearnerRejected(errors)
    learner = Learner(
        provider=provider, **{k: v for k, v in cleaned.items() if k in LEARNER_FIELDS}
    )
    learner.name_match_key = name_match_key(learner.given_name, learner.family_name)
    try:
        with transaction.atomic():
            learner.save()
    except IntegrityError as error:  # two people adding the same ULN at once
        raise LearnerRejected(
            [
                FieldError(
                    "uln", "A learner with this ULN is already at your centre.", "uln_duplicate"
                )
            ]
        ) from error
    audit_record(
        actor=acting_user,
        action="learner.create",
        target=learner,
        after=snapshot(learner, LEARNER_FIELDS),
        organisation_id=provider.organisation_id,
    )
    return learner


@transaction.atomic
def learner_update(
    *, learner: Learner, details: Mapping[str, Any], acting_user: User | None
) -> Learner:
    """Change some of a learner's details; `details` holds only the fields to change.

    Raises LearnerRejected listing every broken rule; audits the changed fields before/after."""
    unknown = set(details) - set(LEARNER_FIELDS)
    if unknown:
        raise ValueError(f"Not learner fields: {sorted(unknown)}")
    # Locked and re-read, so two changes at once both apply to the latest details.
    learner = Learner.objects.select_for_update().select_related("provider").get(pk=learner.pk)
    merged = {**snapshot_values(learner), **details}
    cleaned, errors = learner_validate(
        provider=learner.provider,
        details=merged,
        existing=learner,
        confirm_possible_duplicate=True,
        registration_date=learner.created_at.date(),
    )
    # R-LRN-3: age is judged on each registration date. A new date of birth is checked against
    # every registration the learner has (void ones aside); unchanged, it already passed.
    errors = [e for e in errors if e.code != "age"]
    date_of_birth = cleaned.get("date_of_birth")
    if isinstance(date_of_birth, datetime.date) and date_of_birth != learner.date_of_birth:
        for day in learner_registration_dates(learner=learner) or [learner.created_at.date()]:
            if message := age_error(date_of_birth, day):
                errors.append(FieldError("date_of_birth", message, "age"))
                break
    if errors:
        raise LearnerRejected(errors)
    before = snapshot(learner, LEARNER_FIELDS)
    for name in LEARNER_FIELDS:
        setattr(learner, name, cleaned[name])
    learner.name_match_key = name_match_key(learner.given_name, learner.family_name)
    old, new = changed_fields(before, snapshot(learner, LEARNER_FIELDS))
    if not new:
        return learner
    learner.updated_at = timezone.now()
    detail: dict[str, Any] = {}
    # R-LRN-7: a verification speaks for the details the LRS saw; new details need a new one.
    if set(new) & set(VERIFIED_FIELDS) and (
        learner.verification_status != VerificationStatus.UNVERIFIED or learner.verification_code
    ):
        detail["verification"] = (
            f"reset to not verified (was {learner.get_verification_status_display()})"
        )
        _verification_clear(learner)
    try:
        with transaction.atomic():
            learner.save()
    except IntegrityError as error:
        raise LearnerRejected(
            [
                FieldError(
                    "uln", "A learner with this ULN is already at your centre.", "uln_duplicate"
                )
            ]
        ) from error
    audit_record(
        actor=acting_user,
        action="learner.update",
        target=learner,
        before=old,
        after=new,
        detail=detail,
        organisation_id=learner.provider.organisation_id,
    )
    return learner


def _verification_clear(learner: Learner) -> None:
    learner.verification_status = VerificationStatus.UNVERIFIED
    learner.verification_code = ""
    learner.verification_flags = []
    learner.lrs_uln = ""
    learner.lrs_given_name = ""
    learner.lrs_family_name = ""
    learner.lrs_date_of_birth = None
    learner.lrs_gender = ""
    learner.verified_at = None
    learner.verified_by = None


@dataclass(frozen=True)
class LearnerVerificationOutcome:
    """The LRS's answer for one learner, with the details that were sent (R-LRN-7)."""

    learner_id: int
    # What was sent: the answer is stored only if the learner still has these details.
    sent_uln: str
    sent_given_name: str  # PII
    sent_family_name: str  # PII
    sent_date_of_birth: datetime.date | None  # PII
    sent_gender: str
    response_code: str
    failure_flags: tuple[str, ...] = ()
    lrs_uln: str = ""
    lrs_given_name: str = ""  # PII
    lrs_family_name: str = ""  # PII
    lrs_date_of_birth: datetime.date | None = None  # PII
    lrs_gender: str = ""


# (column, PostgreSQL type) for the one UPDATE that stores many answers.
_OUTCOME_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "bigint"),
    ("sent_uln", "text"),
    ("sent_given_name", "text"),
    ("sent_family_name", "text"),
    ("sent_date_of_birth", "date"),
    ("sent_gender", "text"),
    ("status", "text"),
    ("code", "text"),
    ("flags", "text"),
    ("lrs_uln", "text"),
    ("lrs_given_name", "text"),
    ("lrs_family_name", "text"),
    ("lrs_date_of_birth", "date"),
    ("lrs_gender", "text"),
)


def learners_verification_store(
    *,
    outcomes: Sequence[LearnerVerificationOutcome],
    acting_user: User | None,
    via: str,
    job_id: int | None = None,
) -> list[int]:
    """Store the LRS's answers on the learners in one statement, and audit each in one insert.

    A learner whose ULN, names, date of birth or gender changed since the details were sent keeps
    its "Not verified" status: the answer was about details it no longer has. Returns the ids of
    the learners updated."""
    if not outcomes:
        return []
    for outcome in outcomes:
        if outcome.response_code not in STATUS_FOR_CODE:
            raise ValueError(f"Not an LRS verification code: {outcome.response_code!r}")
    now = timezone.now()
    table = Learner._meta.db_table
    sql = (
        f"UPDATE {table} AS l SET verification_status = v.status, "  # noqa: S608 - constants
        "verification_code = v.code, "
        "verification_flags = string_to_array(v.flags, ','), "
        "lrs_uln = v.lrs_uln, lrs_given_name = v.lrs_given_name, "
        "lrs_family_name = v.lrs_family_name, lrs_date_of_birth = v.lrs_date_of_birth, "
        "lrs_gender = v.lrs_gender, verified_at = %s, verified_by_id = %s "
        f"FROM {recordset(_OUTCOME_COLUMNS)} "
        "WHERE l.id = v.id AND l.uln = v.sent_uln AND l.given_name = v.sent_given_name "
        "AND l.family_name = v.sent_family_name "
        "AND l.date_of_birth IS NOT DISTINCT FROM v.sent_date_of_birth "
        "AND l.gender = v.sent_gender "
        "RETURNING l.id, l.provider_id"
    )
    rows = [
        (
            outcome.learner_id,
            outcome.sent_uln,
            outcome.sent_given_name,
            outcome.sent_family_name,
            outcome.sent_date_of_birth,
            outcome.sent_gender,
            str(STATUS_FOR_CODE[outcome.response_code]),
            outcome.response_code,
            ",".join(outcome.failure_flags),
            outcome.lrs_uln,
            outcome.lrs_given_name,
            outcome.lrs_family_name,
            outcome.lrs_date_of_birth,
            outcome.lrs_gender,
        )
        for outcome in outcomes
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [
                    now,
                    acting_user.pk if acting_user is not None else None,
                    records(_OUTCOME_COLUMNS, rows),
                ],
            )
            updated = {row[0]: row[1] for row in cursor.fetchall()}
        _verification_audit(
            outcomes=[o for o in outcomes if o.learner_id in updated],
            providers=updated,
            acting_user=acting_user,
            via=via,
            job_id=job_id,
            now=now,
        )
    return sorted(updated)


def _verification_audit(
    *,
    outcomes: Sequence[LearnerVerificationOutcome],
    providers: Mapping[int, int],
    acting_user: User | None,
    via: str,
    job_id: int | None,
    now: datetime.datetime,
) -> None:
    from providers.models import Provider

    organisations = dict(
        Provider.objects.filter(pk__in=set(providers.values())).values_list("pk", "organisation_id")
    )
    ip = client_ip()
    actor_id = acting_user.pk if acting_user is not None else None
    actor_username = acting_user.username if acting_user is not None else ""
    detail = {"via": via, **({"verify_job": job_id} if job_id is not None else {})}
    rows_insert(
        table=AuditEvent._meta.db_table,
        columns=_AUDIT_COLUMNS,
        rows=[
            (
                now,
                actor_id,
                actor_username,
                organisations.get(providers[outcome.learner_id]),
                ip,
                "learner.verified",
                Learner._meta.label_lower,
                str(outcome.learner_id),
                f"{outcome.sent_given_name} {outcome.sent_family_name}"[:200],
                {},
                {
                    "verification_status": str(STATUS_FOR_CODE[outcome.response_code]),
                    "verification_code": outcome.response_code,
                    "verification_flags": list(outcome.failure_flags),
                },
                detail,
            )
            for outcome in outcomes
        ],
    )


# The audit row `audit_record` writes, as columns for one INSERT of many.
_AUDIT_COLUMNS = (
    ("occurred_at", "timestamptz"),
    ("actor_id", "bigint"),
    ("actor_username", "text"),
    ("organisation_id", "bigint"),
    ("ip_address", "inet"),
    ("action", "text"),
    ("object_type", "text"),
    ("object_id", "text"),
    ("object_repr", "text"),
    ("before", "jsonb"),
    ("after", "jsonb"),
    ("detail", "jsonb"),
)


def learner_registration_dates(*, learner: Learner) -> list[datetime.date]:
    """The registration dates of the learner's registrations that are not void, earliest first."""
    dates = learner.registrations.filter(voided_at__isnull=True).values_list(
        "registration_date", flat=True
    )
    return sorted({day for day in dates if day is not None})


def snapshot_values(learner: Learner) -> dict[str, Any]:
    """The learner's editable details as Python values (dates stay dates)."""
    return {name: getattr(learner, name) for name in LEARNER_FIELDS}


def learner_data_viewed(
    *,
    acting_user: User,
    action: str,
    learner_ids: Sequence[int],
    target: models.Model | None = None,
    object_type: str = "learners.learner",
    via: str = "web",
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Someone read learners' personal data: a list, a learner, a course run's learners or a
    registration (R-ACC-7). One audit row naming the learners on what they saw."""
    audit_record(
        actor=acting_user,
        action=action,
        target=target,
        object_type="" if target is not None else object_type,
        detail={"via": via, **(detail or {}), "learner_ids": list(learner_ids)},
    )
