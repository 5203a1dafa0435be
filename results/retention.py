"""How long assessment records are kept (R-CRT-7): three years from the end of the academic year.

Pure date arithmetic, no database. The academic year runs from 1 August to 31 July.
"""

import datetime

RETENTION_YEARS = 3


def academic_year_end(day: datetime.date) -> datetime.date:
    """31 July that ends the academic year `day` falls in."""
    return datetime.date(day.year if day.month <= 7 else day.year + 1, 7, 31)


def assessment_record_kept_until(day: datetime.date) -> datetime.date:
    """The last day a record dated `day` must be kept: 3 years after its academic year ends."""
    end = academic_year_end(day)
    return end.replace(year=end.year + RETENTION_YEARS)


def latest_date_due_for_deletion(today: datetime.date) -> datetime.date:
    """Records dated on or before this day are past their retention period on `today`."""
    # A record is due once today is after its kept-until date (31 July, year Y + 3), so the
    # latest academic year whose records are due ends on 31 July of the year below.
    year = today.year - RETENTION_YEARS
    if today <= datetime.date(today.year, 7, 31):
        year -= 1
    return datetime.date(year, 7, 31)
