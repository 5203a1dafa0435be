"""The LRS's rules for achievement records, as pure functions (R-LRS-1 to R-LRS-9, R-RES-3)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from awards_portal.working_days import working_day_add, working_days_between

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
