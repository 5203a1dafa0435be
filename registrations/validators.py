"""The registration rules as pure functions (R-REG-4, R-REG-5, R-REG-10, R-REG-11, R-REG-14,
R-LRN-3), so the browser, the API and the CSV importer apply the same rules with the same words.

`registration_change_errors` needs no database: a caller gathers the facts once (e.g. the
importer loads a provider's approvals in one query) and checks row after row."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from learners.validators import FieldError, age_error, too_long_message
from qualifications.validators import qualification_closed_error

from .models import NUMBER_REQUIRED_STATUSES, LanguageForAssessment, RegistrationStatus
from .numbers import (
    MAX_LENGTH,
    PORTAL_NUMBER_PATTERN,
    registration_number_is_well_formed,
    registration_number_normalise,
)

if TYPE_CHECKING:
    from .models import Registration

S = RegistrationStatus

# R-REG-14: what a provider may set; the rest follows from the AO's results and dispatch work.
PROVIDER_SETTABLE_STATUSES = frozenset(
    {S.NOT_REGISTERED, S.REGISTERED, S.EXEMPT, S.REGISTRATION_NOT_REQUIRED, S.CERTIFICATE_RECEIVED}
)
AO_ONLY_STATUSES = frozenset({S.ACHIEVED, S.CERTIFICATE_CLAIMED, S.CERTIFICATE_SENT})
AO_ONLY_FIELDS = (
    ("achieved_date", "Achieved date"),
    ("certificate_claimed_date", "Certificate claimed date"),
    ("certificate_sent_date", "Certificate sent date"),
    ("postal_tracking_reference", "Postal tracking reference"),
)
STATUS_UNKNOWN = f"Status must be one of: {', '.join(S.labels)}."
STATUS_VALUES = frozenset(S.values)
DATE_FIELDS = (
    ("registration_date", "Registration date"),
    ("achieved_date", "Achieved date"),
    ("certificate_claimed_date", "Certificate claimed date"),
    ("certificate_sent_date", "Certificate sent date"),
    ("certificate_received_date", "Certificate received date"),
)


@dataclass(frozen=True)
class RegistrationRecord:
    """The values of a registration a person or a CSV row can set (the 004 columns after ULN
    and qualification number). Build one from a row, or from a registration with `of()` and
    change it with `dataclasses.replace`."""

    status: str
    registration_number: str = ""
    registration_date: datetime.date | None = None
    achieved_date: datetime.date | None = None
    certificate_claimed_date: datetime.date | None = None
    certificate_sent_date: datetime.date | None = None
    certificate_received_date: datetime.date | None = None
    postal_tracking_reference: str = ""
    language_for_assessment: str = LanguageForAssessment.ENGLISH.value

    @classmethod
    def of(cls, registration: Registration) -> RegistrationRecord:
        values: dict[str, Any] = {
            f.name: (getattr(registration, f.name) or ("" if f.type == "str" else None))
            for f in fields(cls)
        }
        return cls(**values)

    def normalised(self) -> RegistrationRecord:
        number = registration_number_normalise(self.registration_number)
        tracking = (self.postal_tracking_reference or "").strip()
        if number == self.registration_number and tracking == self.postal_tracking_reference:
            return self  # already normal (the usual case): frozen, so it can be shared
        return replace(self, registration_number=number, postal_tracking_reference=tracking)

    def values(self) -> tuple[Any, ...]:
        """The values in the order of the fields, for writing many records at once."""
        return tuple(self.__dict__.values())


@dataclass(frozen=True)
class RegistrationFacts:
    """What the rules need to know beyond the record itself."""

    acting_as_ao: bool
    provider_approved: bool
    qualification_label: str
    qualification_start: datetime.date
    qualification_end: datetime.date | None
    learner_date_of_birth: datetime.date
    today: datetime.date
    voided: bool = False


def not_approved_message(label: str, *, own_centre: bool = True) -> str:
    """The provider is not approved for the qualification (R-REG-2): one wording everywhere."""
    centre = "Your centre" if own_centre else "This centre"
    return f"{centre} is not approved to deliver {label}."


def immutable_error(field: str, message: str) -> FieldError:
    return FieldError(field, message, "immutable")


def _label(status: str) -> str:
    try:
        return S(status).label
    except ValueError:
        return status


def is_registration_request(
    current: RegistrationRecord | None, proposed: RegistrationRecord
) -> bool:
    """Asking for Registered with no number yet: the AO accepts it and issues a number (R-REG-5)."""
    return (
        proposed.status == S.REGISTERED
        and not proposed.registration_number
        and not (current and current.registration_number)
    )


def registration_change_errors(
    *,
    current: RegistrationRecord | None,
    proposed: RegistrationRecord,
    facts: RegistrationFacts,
    number_removal_allowed: bool = False,
) -> list[FieldError]:
    """Every rule a new (`current` None) or changed registration must pass, as field errors.

    Field names are RegistrationRecord's, plus "qualification" for approval. Codes a caller may
    act on: "number_required" (R-REG-11: an importer keeps the old status and reports it),
    "number_removal" (R-REG-10), "ao_only_status"/"ao_only_field" (R-REG-14), "not_approved",
    "qualification_closed", "age", "voided", "number_not_issued", "number_change", "not_sent".
    A record with no errors and `is_registration_request` true gets a number when saved."""
    errors: list[FieldError] = []
    proposed = proposed.normalised()
    was = current or RegistrationRecord(status="")

    if facts.voided:
        return [
            FieldError("status", "This registration has been voided and cannot change.", "voided")
        ]
    if proposed.status not in STATUS_VALUES:
        return [FieldError("status", STATUS_UNKNOWN, "status_unknown")]
    if len(proposed.registration_number) > MAX_LENGTH:
        errors.append(
            FieldError(
                "registration_number",
                too_long_message(MAX_LENGTH, len(proposed.registration_number)),
                "long",
            )
        )
    if len(proposed.postal_tracking_reference) > MAX_LENGTH:
        errors.append(
            FieldError(
                "postal_tracking_reference",
                too_long_message(MAX_LENGTH, len(proposed.postal_tracking_reference)),
                "long",
            )
        )
    for name, label in DATE_FIELDS:
        value = getattr(proposed, name)
        if value is not None and value > facts.today and value != getattr(was, name):
            errors.append(FieldError(name, f"{label} cannot be in the future.", "future_date"))

    # R-REG-14: a provider must not certify its own learners.
    if not facts.acting_as_ao:
        if proposed.status in AO_ONLY_STATUSES and proposed.status != was.status:
            errors.append(
                FieldError(
                    "status",
                    f"Only the awarding organisation sets {_label(proposed.status)}: it follows "
                    "from results and certificate dispatch.",
                    "ao_only_status",
                )
            )
        elif (
            was.status in AO_ONLY_STATUSES | {S.CERTIFICATE_RECEIVED}
            and proposed.status != was.status
            and not (was.status == S.CERTIFICATE_SENT and proposed.status == S.CERTIFICATE_RECEIVED)
        ):
            # Certificate Received is final for a provider: the AO's certification outcome
            # must not hide behind a status the provider chose (only its date may be corrected).
            errors.append(
                FieldError(
                    "status",
                    f"This registration is {_label(was.status)}; only the awarding organisation "
                    "can change that.",
                    "ao_only_status",
                )
            )
        for name, label in AO_ONLY_FIELDS:
            if getattr(proposed, name) != getattr(was, name):
                errors.append(
                    FieldError(
                        name,
                        f"Only the awarding organisation sets the {label.lower()}.",
                        "ao_only_field",
                    )
                )
        if (
            proposed.status == S.CERTIFICATE_RECEIVED
            and was.status not in (S.CERTIFICATE_SENT, S.CERTIFICATE_RECEIVED)
            and not any(e.field == "status" for e in errors)
        ):
            errors.append(
                FieldError(
                    "status",
                    "Receipt can be confirmed only for a certificate that has been sent.",
                    "not_sent",
                )
            )
        if (
            proposed.registration_number
            and proposed.registration_number != was.registration_number
            and not was.registration_number
        ):
            errors.append(
                FieldError(
                    "registration_number",
                    "Registration numbers are issued by the awarding organisation; leave it "
                    "empty and ask for Registered to request one.",
                    "number_not_issued",
                )
            )

    # R-REG-5: a number in the portal's own form must carry its check letter (a typing error).
    if (
        proposed.registration_number
        and proposed.registration_number != was.registration_number
        and PORTAL_NUMBER_PATTERN.match(proposed.registration_number)
        and not registration_number_is_well_formed(proposed.registration_number)
    ):
        errors.append(
            FieldError(
                "registration_number",
                f"The check letter of {proposed.registration_number} does not match its digits; "
                "check the number for a typing error.",
                "check_letter",
            )
        )

    # R-REG-10: a number stays unless the edit form removes it; it never changes.
    if was.registration_number and proposed.registration_number != was.registration_number:
        if not proposed.registration_number:
            if (
                number_removal_allowed
                and facts.acting_as_ao
                and proposed.status in NUMBER_REQUIRED_STATUSES
            ):
                errors.append(
                    FieldError(
                        "status",
                        f"{_label(proposed.status)} needs a registration number. To remove the "
                        "number, choose Not registered, Exempt or Registration Not Required.",
                        "number_required",
                    )
                )
            elif not (number_removal_allowed and facts.acting_as_ao):
                errors.append(
                    FieldError(
                        "registration_number",
                        f"The registration number {was.registration_number} cannot be removed "
                        "here; the awarding organisation removes numbers on the edit form.",
                        "number_removal",
                    )
                )
        else:
            errors.append(
                FieldError(
                    "registration_number",
                    f"This registration already has the number {was.registration_number}; it "
                    "cannot be changed.",
                    "number_change",
                )
            )

    # R-REG-4 / R-REG-11: statuses from Registered on need a number (Registered requests one).
    if (
        proposed.status in NUMBER_REQUIRED_STATUSES
        and not proposed.registration_number
        and not was.registration_number
        and not is_registration_request(current, proposed)
        and not any(e.field == "status" for e in errors)
    ):
        kept = _label(was.status) if was.status else "Not registered"
        errors.append(
            FieldError(
                "status",
                f"{_label(proposed.status)} needs a registration number, and this record has "
                f"none; the status stays {kept}.",
                "number_required",
            )
        )

    if proposed.status == S.CERTIFICATE_RECEIVED and proposed.certificate_received_date is None:
        errors.append(
            FieldError(
                "certificate_received_date",
                "Enter the date the certificate was received.",
                "required",
            )
        )

    # Registering: approval, open qualification and age, on the registration date.
    registering = is_registration_request(current, proposed) or (
        current is None and not facts.acting_as_ao
    )
    if registering and not facts.provider_approved:
        errors.append(
            FieldError(
                "qualification",
                not_approved_message(facts.qualification_label, own_centre=not facts.acting_as_ao),
                "not_approved",
            )
        )
    # The qualification must be open, and the learner 11 to 110 (R-LRN-3), on the registration
    # date: when registering, and whenever that date changes later.
    date_changed = (
        proposed.registration_date is not None
        and proposed.registration_date != was.registration_date
    )
    if is_registration_request(current, proposed) or date_changed:
        day = proposed.registration_date or facts.today
        if message := qualification_closed_error(
            start=facts.qualification_start,
            end=facts.qualification_end,
            day=day,
            label=facts.qualification_label,
        ):
            errors.append(FieldError("registration_date", message, "qualification_closed"))
        if message := age_error(facts.learner_date_of_birth, day):
            errors.append(FieldError("registration_date", message, "age"))

    errors += _date_order_errors(proposed, errors)
    return errors


def _date_order_errors(proposed: RegistrationRecord, found: list[FieldError]) -> list[FieldError]:
    """Registered, achieved, claimed, sent, received: each date on or after every earlier one
    (R-REG-14, R-CRT-5: receipt is confirmed after dispatch). One error per field, naming the
    first earlier date it precedes."""
    errors: list[FieldError] = []
    for position, (name, label) in enumerate(DATE_FIELDS[1:], start=1):
        value = getattr(proposed, name)
        if value is None or any(e.field == name for e in found):
            continue
        for earlier, earlier_label in DATE_FIELDS[:position]:
            earlier_value = getattr(proposed, earlier)
            if earlier_value is not None and value < earlier_value:
                errors.append(
                    FieldError(
                        name,
                        f"{label} cannot be before the {earlier_label.lower()} "
                        f"({earlier_value:%d/%m/%Y}).",
                        "date_order",
                    )
                )
                break
    return errors
