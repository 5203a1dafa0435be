"""Working days skip weekends and England and Wales bank holidays (R-RES-3, R-CRT-5)."""

import datetime

import pytest

from awards_portal.working_days import is_working_day, working_day_add, working_days_between

D = datetime.date


@pytest.mark.parametrize(
    ("dispatched", "deadline"),
    [
        # Christmas 2026: Christmas Day (Fri), Boxing Day observed on Mon 28, New Year's Day (Fri).
        (D(2026, 12, 23), D(2027, 1, 11)),
        # Easter 2026: Good Friday 3 April and Easter Monday 6 April.
        (D(2026, 4, 2), D(2026, 4, 20)),
        # The late-May (spring) bank holiday, Monday 25 May 2026.
        (D(2026, 5, 22), D(2026, 6, 8)),
        # An ordinary fortnight with no bank holiday: two weeks exactly.
        (D(2026, 10, 5), D(2026, 10, 19)),
    ],
)
def test_r_crt_5_ten_working_days_after_dispatch(dispatched, deadline):
    assert working_day_add(dispatched, 10) == deadline


def test_r_crt_5_bank_holidays_and_weekends_are_not_working_days():
    assert not is_working_day(D(2026, 12, 28))  # Boxing Day, observed
    assert not is_working_day(D(2026, 5, 25))  # spring bank holiday
    assert not is_working_day(D(2026, 11, 28))  # a Saturday
    assert is_working_day(D(2026, 11, 24))


def test_r_res_3_counting_working_days_between_two_dates_matches_adding_them():
    start = D(2026, 12, 23)
    for days in range(0, 25):
        assert working_days_between(start, working_day_add(start, days)) == days


def test_working_days_between_is_negative_when_the_end_is_earlier():
    assert working_days_between(D(2026, 6, 8), D(2026, 5, 22)) == -10
