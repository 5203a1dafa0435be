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
    waiting_reasons,
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


def _reasons(**overrides):
    values = {
        "exception_code": "",
        "exception_text": "",
        "uln": "9276308686",
        "learner_uln": "9276308686",
        "learner_verification_status": "verified",
        "aim_ownership": "owned",
        "pending_action": 1,
        "award_date": datetime.date(2026, 3, 2),
        "aim_start": datetime.date(2020, 9, 1),
        "aim_end": None,
        "today": TODAY,
    }
    return waiting_reasons(**{**values, **overrides})


def test_a_record_that_meets_every_rule_waits_for_nothing():
    assert _reasons() == []


def test_r_lrs_10_a_record_of_an_unverified_learner_waits():
    assert _reasons(learner_verification_status="possible_match") == [
        "The learner's ULN has not been verified with the LRS. Verify the learner first."
    ]
    assert _reasons(learner_verification_status="linked") == []


def test_r_lrs_6_a_record_held_under_the_learners_old_uln_waits_to_be_moved():
    (reason,) = _reasons(learner_uln="1234567890")
    assert reason.startswith("The learner's ULN is now 1234567890, not 9276308686")


def test_r_lrs_5_a_record_of_an_aim_the_ao_neither_owns_nor_shares_waits():
    assert _reasons(aim_ownership="") == ["The aim is neither owned by nor shared with the AO."]


def test_r_lrs_4_the_award_date_is_checked_for_a_create_or_update_but_not_a_withdraw():
    early = {"award_date": datetime.date(2019, 1, 1)}
    assert "operational start date" in _reasons(**early)[0]
    assert _reasons(pending_action=3, **early) == []


def test_a_record_rejected_for_its_own_data_waits_for_a_fix_but_a_failed_batch_does_not():
    (reason,) = _reasons(exception_code="LRN001", exception_text="No match.")
    assert reason.startswith("The LRS rejected it: No match.")
    assert _reasons(exception_code="RS005", exception_text="The batch failed.") == []
