"""The import's own rules as pure functions: which record a CSV row updates (R-REG-9), what an
empty cell means (R-REG-10), and which course run a new registration goes on. The rules every
registration change must pass live in `validators.registration_change_errors`."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from .validators import RegistrationRecord


@dataclass(frozen=True)
class KnownRegistration:
    """What matching needs to know about a registration already recorded."""

    pk: int
    learner_id: int
    qualification_id: int
    registration_number: str  # "" when it has none
    voided: bool = False


@dataclass(frozen=True)
class Match:
    """The outcome of matching one row: update `registration_pk`, create (None), or `error`.

    `sets_number`: the row's number goes onto a record that had none (R-REG-9 second case).
    `only_if_unchanged`: a row without a number met a record that has one; R-REG-9 lets it
    through only if it changes nothing (so re-importing a file after its requests were accepted
    is harmless)."""

    registration_pk: int | None = None
    error: str = ""
    sets_number: bool = False
    only_if_unchanged: bool = False

    @property
    def creates(self) -> bool:
        return self.registration_pk is None and not self.error


def registration_match(
    *,
    registration_number: str,
    learner_id: int,
    qualification_id: int,
    qualification_number: str,
    by_number: KnownRegistration | None,
    same_learner_and_qualification: Sequence[KnownRegistration],
) -> Match:
    """R-REG-9. A row without a registration number matches on ULN + qualification number, as
    long as that record has no number yet. A row with a number matches that number first; failing
    that, a record of the same ULN + qualification with no number (and sets it); failing that, it
    creates a record. Once a record has a number, later rows must carry it to update it.

    `by_number` is the record holding the row's number (if any, already scoped to the provider);
    `same_learner_and_qualification` the learner's records for the qualification. Void records
    are never matched by ULN + qualification."""
    live = [r for r in same_learner_and_qualification if not r.voided]
    numberless = [r for r in live if not r.registration_number]
    if registration_number:
        if by_number is not None:
            if (by_number.learner_id, by_number.qualification_id) != (learner_id, qualification_id):
                return Match(
                    error=f"Registration number {registration_number} belongs to another learner "
                    "or qualification. Check the ULN, the qualification number and the "
                    "registration number."
                )
            return Match(registration_pk=by_number.pk)
        if len(numberless) == 1:
            return Match(registration_pk=numberless[0].pk, sets_number=True)
        if len(numberless) > 1:
            return Match(error=_ambiguous(qualification_number, len(numberless)))
        return Match()
    if len(numberless) == 1:
        return Match(registration_pk=numberless[0].pk)
    if len(numberless) > 1:
        return Match(error=_ambiguous(qualification_number, len(numberless)))
    numbered = [r for r in live if r.registration_number]
    if len(numbered) == 1:
        return Match(registration_pk=numbered[0].pk, only_if_unchanged=True)
    if numbered:
        shown = ", ".join(sorted(r.registration_number for r in numbered))
        return Match(
            error=f"This learner has registrations {shown} for {qualification_number}; put the "
            "one to update in the Registration number column."
        )
    return Match()


def number_needed_message(registration_number: str, qualification_number: str) -> str:
    """R-REG-9: why a numberless row cannot update a record that has a number."""
    return (
        f"This learner's registration for {qualification_number} has the number "
        f"{registration_number}; put it in the Registration number column to update the record."
    )


def _ambiguous(qualification_number: str, count: int) -> str:
    return (
        f"This learner has {count} registrations for {qualification_number} without a "
        "registration number, so the row cannot tell which to update. Ask the awarding "
        "organisation to resolve it."
    )


def record_from_row(
    current: RegistrationRecord | None,
    *,
    status: str,
    registration_number: str,
    dates: dict[str, datetime.date | None],
    postal_tracking_reference: str,
    language_for_assessment: str = "",
) -> RegistrationRecord:
    """The record a row asks for. Our decision (R-REG-10, generalised): an empty cell leaves the
    recorded value as it is; import never clears a value, only the edit form can. The status is
    mandatory, so it is always the row's."""
    base = current or RegistrationRecord(status=status)

    def date(name: str, recorded: datetime.date | None) -> datetime.date | None:
        value = dates.get(name)
        return recorded if value is None else value

    # Built in one go rather than by dataclasses.replace: the importer does this for every row.
    return RegistrationRecord(
        status=status,
        registration_number=registration_number or base.registration_number,
        registration_date=date("registration_date", base.registration_date),
        achieved_date=date("achieved_date", base.achieved_date),
        certificate_claimed_date=date("certificate_claimed_date", base.certificate_claimed_date),
        certificate_sent_date=date("certificate_sent_date", base.certificate_sent_date),
        certificate_received_date=date("certificate_received_date", base.certificate_received_date),
        postal_tracking_reference=postal_tracking_reference or base.postal_tracking_reference,
        language_for_assessment=language_for_assessment or base.language_for_assessment,
    ).normalised()


@dataclass(frozen=True)
class CourseRunOption:
    pk: int
    start_date: datetime.date
    planned_achievement_date: datetime.date
    programme_name: str = ""


def course_run_for_new_registration(
    options: Sequence[CourseRunOption], day: datetime.date
) -> CourseRunOption | None:
    """Our decision: a new registration from a CSV row goes on the provider's course run for the
    qualification that is running on the registration date (started on or before it, planned
    achievement on or after it), the most recently started if several; if none has started yet,
    the one starting soonest that has not ended. None when every course run has ended."""
    live = [o for o in options if o.planned_achievement_date >= day]
    started = [o for o in live if o.start_date <= day]
    if started:
        return max(started, key=lambda o: (o.start_date, o.pk))
    if live:
        return min(live, key=lambda o: (o.start_date, o.pk))
    return None
