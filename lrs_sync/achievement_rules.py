"""The LRS's rules for achievement records, as pure functions (R-LRS-1 to R-LRS-9, R-RES-3)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from awards_portal.working_days import working_day_add, working_days_between
from learners.models import VerificationStatus
from qualifications.models import Ownership

from .achievement_models import LrsAction

# R-LRS-1: a batch holds at most 10,000 records and 6 MB.
BATCH_MAX_RECORDS = 10_000
BATCH_MAX_BYTES = 6 * 1024 * 1024
# R-LRS-4: no award date before the LRS began recording achievements.
EARLIEST_AWARD_DATE = datetime.date(2006, 9, 1)
# R-LRS-6: all an Update may change; anything else is withdraw + create.
UPDATABLE_FIELDS = frozenset({"grade", "ukprn", "language_for_assessment"})
# R-LRS-9: more than this share rejected fails the whole batch with RS005.
RS005_THRESHOLD = 0.30
RS005 = "RS005"
# The sandpit's record-level error codes (decision 0124): a record rejected with one of these
# waits for a person to fix it; batch-level reasons (RS005) do not hold a record back.
RECORD_ERROR_CODES = frozenset(
    {"ULN001", "LRN001", "AIM001", "DAT001", "ACH001", "ACH002", "ACH003", "FLD001"}
)
# R-LRS-10: the learner verification statuses that let a learner's records go to the LRS.
ULN_VERIFIED_STATUSES = frozenset({VerificationStatus.VERIFIED, VerificationStatus.LINKED})
# R-LRS-5: aims the AO owns or shares; the catalogue holds nothing else.
SENDABLE_OWNERSHIPS = frozenset({Ownership.OWNED, Ownership.SHARED})
# R-RES-3: uploaded within ten working days of the results being issued; "at risk" in the last 3.
UPLOAD_WORKING_DAYS = 10
AT_RISK_WORKING_DAYS = 3


def award_date_errors(
    *,
    award_date: datetime.date,
    today: datetime.date,
    aim_start: datetime.date | None,
    aim_end: datetime.date | None,
) -> list[str]:
    """R-LRS-4: in the past, not before 1 September 2006, within the aim's operational dates."""
    errors = []
    if award_date > today:
        errors.append("The award date is in the future; it must be in the past.")
    if award_date < EARLIEST_AWARD_DATE:
        errors.append("The award date is before 1 September 2006, when the LRS begins.")
    if aim_start is not None and award_date < aim_start:
        errors.append(
            f"The award date is before the aim's operational start date ({aim_start:%d/%m/%Y})."
        )
    if aim_end is not None and award_date > aim_end:
        errors.append(
            f"The award date is after the aim's operational end date ({aim_end:%d/%m/%Y})."
        )
    return errors


def uln_is_verified(*, uln: str, verification_status: str) -> bool:
    """R-LRS-10 comes first: only a learner whose ULN the LRS verified may have records sent."""
    return bool(uln) and verification_status in ULN_VERIFIED_STATUSES


def waiting_reasons(
    *,
    exception_code: str,
    exception_text: str,
    uln: str,
    learner_uln: str,
    learner_verification_status: str,
    aim_ownership: str,
    pending_action: int | None,
    award_date: datetime.date,
    aim_start: datetime.date | None,
    aim_end: datetime.date | None,
    today: datetime.date,
) -> list[str]:
    """Why a pending record cannot go in a batch yet (R-LRS-3 to R-LRS-5, R-LRS-10); empty
    when it can. Plain values, so a batch of 10,000 records is checked without model instances.
    """
    reasons = []
    if exception_code in RECORD_ERROR_CODES:
        reasons.append(
            f'The LRS rejected it: {exception_text} Fix it, then choose "Resubmit the fixed '
            'records" on its batch.'
        )
    if not uln_is_verified(uln=learner_uln, verification_status=learner_verification_status):
        reasons.append(
            "The learner's ULN has not been verified with the LRS. Verify the learner first."
        )
    elif learner_uln != uln:
        reasons.append(
            f"The learner's ULN is now {learner_uln}, not {uln}: move the achievement to the "
            "right ULN (withdraw and create)."
        )
    if aim_ownership not in SENDABLE_OWNERSHIPS:
        reasons.append("The aim is neither owned by nor shared with the AO.")
    if pending_action in (LrsAction.CREATE, LrsAction.UPDATE):
        reasons += award_date_errors(
            award_date=award_date, today=today, aim_start=aim_start, aim_end=aim_end
        )
    return reasons


def action_date_error(*, action_date: datetime.date | None, today: datetime.date) -> str:
    """R-LRS-7: a withdraw or reinstate carries an action date in the past."""
    if action_date is None:
        return "Enter the action date: the date the change was agreed."
    if action_date > today:
        return "The action date is in the future; it must be in the past."
    return ""


def update_error(changed: set[str]) -> str:
    """R-LRS-6: an Update changes only grade, UKPRN or language for assessment."""
    other = sorted(changed - UPDATABLE_FIELDS)
    if not other:
        return ""
    names = ", ".join(name.replace("_", " ") for name in other)
    return (
        f"The LRS lets an update change only the grade, UKPRN or language for assessment, not "
        f"{names}. Withdraw this achievement and create a new one instead."
    )


def batch_fails_rs005(*, records: int, rejected: int) -> bool:
    """R-LRS-9: more than 30% of a batch's records rejected fails the whole batch."""
    return records > 0 and rejected / records > RS005_THRESHOLD


def split_into_batches(sizes: list[int], *, overhead: int) -> list[tuple[int, int]]:
    """R-LRS-1: (start, end) slices of records, each at most 10,000 records and 6 MB.

    `sizes` are the serialised sizes of the records in order; `overhead` is the envelope's size
    without records."""
    slices = []
    start = 0
    total = overhead
    for index, size in enumerate(sizes):
        count = index - start
        if count and (count >= BATCH_MAX_RECORDS or total + size > BATCH_MAX_BYTES):
            slices.append((start, index))
            start = index
            total = overhead
        total += size
    if start < len(sizes):
        slices.append((start, len(sizes)))
    return slices


@dataclass(frozen=True)
class UploadDeadline:
    """R-RES-3: where an achievement stands against its ten-working-day upload deadline."""

    due: datetime.date
    working_days_left: int  # negative when overdue

    @property
    def status(self) -> str:
        if self.working_days_left < 0:
            return "overdue"
        if self.working_days_left <= AT_RISK_WORKING_DAYS:
            return "at_risk"
        return "due"


def upload_deadline(*, results_issued: datetime.date, today: datetime.date) -> UploadDeadline:
    due = working_day_add(results_issued, UPLOAD_WORKING_DAYS)
    return UploadDeadline(due=due, working_days_left=working_days_between(today, due))
