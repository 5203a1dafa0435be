"""The LRS's rules for achievement records, as pure functions."""

import datetime

from lrs_sync.achievement_rules import (
    BATCH_MAX_BYTES,
    action_date_error,
    award_date_errors,
    batch_fails_rs005,
    split_into_batches,
    update_error,
    upload_deadline,
)

TODAY = datetime.date(2026, 6, 10)


def test_r_lrs_4_award_date_must_be_in_the_past():
    errors = award_date_errors(
        award_date=datetime.date(2026, 6, 11), today=TODAY, aim_start=None, aim_end=None
    )
    assert errors == ["The award date is in the future; it must be in the past."]


def test_r_lrs_4_award_date_not_before_1_september_2006():
    errors = award_date_errors(
        award_date=datetime.date(2006, 8, 31), today=TODAY, aim_start=None, aim_end=None
    )
    assert "1 September 2006" in errors[0]
    assert not award_date_errors(
        award_date=datetime.date(2006, 9, 1), today=TODAY, aim_start=None, aim_end=None
    )


def test_r_lrs_4_award_date_within_the_aims_operational_dates():
    start, end = datetime.date(2020, 9, 1), datetime.date(2025, 8, 31)
    before = award_date_errors(
        award_date=datetime.date(2020, 8, 31), today=TODAY, aim_start=start, aim_end=end
    )
    after = award_date_errors(
        award_date=datetime.date(2025, 9, 1), today=TODAY, aim_start=start, aim_end=end
    )
    assert before == ["The award date is before the aim's operational start date (01/09/2020)."]
    assert after == ["The award date is after the aim's operational end date (31/08/2025)."]


def test_r_lrs_6_update_may_change_only_grade_ukprn_or_language():
    assert update_error({"grade", "ukprn", "language_for_assessment"}) == ""
    message = update_error({"grade", "award_date"})
    assert "not award date" in message and "Withdraw" in message


def test_r_lrs_7_action_date_must_be_given_and_in_the_past():
    assert "Enter the action date" in action_date_error(action_date=None, today=TODAY)
    assert "future" in action_date_error(action_date=datetime.date(2026, 6, 11), today=TODAY)
    assert action_date_error(action_date=TODAY, today=TODAY) == ""


def test_r_lrs_9_more_than_30_percent_rejected_fails_the_batch():
    assert not batch_fails_rs005(records=10, rejected=3)
    assert batch_fails_rs005(records=10, rejected=4)


def test_r_lrs_1_split_at_10000_records():
    assert split_into_batches([100] * 25_000, overhead=500) == [
        (0, 10_000),
        (10_000, 20_000),
        (20_000, 25_000),
    ]


def test_r_lrs_1_split_at_6_megabytes():
    size = 1000
    slices = split_into_batches([size] * 9000, overhead=500)
    per_batch = (BATCH_MAX_BYTES - 500) // size
    assert slices[0] == (0, per_batch)
    assert all((end - start) * size + 500 <= BATCH_MAX_BYTES for start, end in slices)
    assert slices[-1][1] == 9000


def test_r_res_3_deadline_is_ten_working_days_skipping_weekends_and_bank_holidays():
    # Issued Thursday 21/5/2026; Monday 25/5 is the spring bank holiday.
    deadline = upload_deadline(
        results_issued=datetime.date(2026, 5, 21), today=datetime.date(2026, 5, 22)
    )
    assert deadline.due == datetime.date(2026, 6, 5)
    assert deadline.status == "due"
    at_risk = upload_deadline(
        results_issued=datetime.date(2026, 5, 21), today=datetime.date(2026, 6, 2)
    )
    assert at_risk.status == "at_risk"
    overdue = upload_deadline(
        results_issued=datetime.date(2026, 5, 21), today=datetime.date(2026, 6, 8)
    )
    assert overdue.status == "overdue" and overdue.working_days_left == -1
