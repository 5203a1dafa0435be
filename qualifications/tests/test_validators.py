import datetime

import pytest

from qualifications.validators import (
    RulesOfCombination,
    qualification_achieved,
    qualification_closed_error,
    qualification_number_check,
)


@pytest.mark.parametrize("number", ["601/2977/3", "500/7911/6"])
def test_r_reg_1_published_numbers_pass_the_check(number):
    check = qualification_number_check(number)
    assert check.error == "" and check.warning == ""


def test_r_reg_1_a_check_character_of_10_is_written_x():
    # 600/0004: 48 + 0 + 0 + 0 + 0 + 0 + 8 = 56 -> 1; 600/0000 -> 48 -> 4; 601/0005 -> 54+10=64->9
    # 600/0012: 48 + 3 + 4 = 55 -> 0; 600/0022: 48 + 6 + 4 = 58 -> 3; 603/0000: 48+18=66 -> 0
    # 600/0101: 48 + 4 + 2 = 54 -> 10 (X)
    assert qualification_number_check("600/0101/X").warning == ""


def test_r_reg_1_a_check_character_mismatch_is_a_warning_not_an_error():
    check = qualification_number_check("601/2977/4")
    assert check.is_well_formed
    assert "would usually be 3" in check.warning


@pytest.mark.parametrize("number", ["6012977", "601/297/3", "ABC/2977/3", "601/2977/Y"])
def test_r_reg_1_a_number_of_the_wrong_shape_is_refused(number):
    assert "NNN/NNNN/C" in qualification_number_check(number).error


def test_r_reg_1_numbers_are_trimmed_and_upper_cased():
    assert qualification_number_check(" 600/0101/x ").number == "600/0101/X"


RULES = RulesOfCombination(
    mandatory_units=frozenset({"M1", "M2"}),
    optional_units=frozenset({"O1", "O2", "O3"}),
    unit_credits={"M1": 10, "M2": 10, "O1": 5, "O2": 5, "O3": 10},
    minimum_credits=30,
)


def test_r_res_2_mandatory_units_and_enough_credits_achieve_the_qualification():
    outcome = qualification_achieved(rules=RULES, passed_units={"M1", "M2", "O3"})
    assert outcome.achieved
    assert outcome.credits == 30


def test_r_res_2_a_missing_mandatory_unit_means_not_achieved():
    outcome = qualification_achieved(rules=RULES, passed_units={"M1", "O1", "O2", "O3"})
    assert not outcome.achieved
    assert outcome.missing_mandatory_units == ("M2",)


def test_r_res_2_too_few_credits_means_not_achieved():
    outcome = qualification_achieved(rules=RULES, passed_units={"M1", "M2", "O1"})
    assert not outcome.achieved
    assert "25 credits passed; at least 30 are needed." in outcome.reasons


def test_r_res_2_units_outside_the_qualification_earn_no_credit():
    outcome = qualification_achieved(rules=RULES, passed_units={"M1", "M2", "X9"})
    assert outcome.credits == 20


def test_a_qualification_is_open_from_its_start_to_its_end_date_inclusive():
    start, end = datetime.date(2020, 9, 1), datetime.date(2025, 12, 31)
    assert qualification_closed_error(start=start, end=end, day=start, label="Q") == ""
    assert qualification_closed_error(start=start, end=end, day=end, label="Q") == ""
    assert (
        qualification_closed_error(start=start, end=None, day=datetime.date(2099, 1, 1), label="Q")
        == ""
    )


def test_a_closed_qualification_says_when_it_is_open():
    message = qualification_closed_error(
        start=datetime.date(2020, 9, 1),
        end=datetime.date(2025, 12, 31),
        day=datetime.date(2026, 1, 5),
        label="601/2977/3 Food Safety",
    )
    assert message == (
        "601/2977/3 Food Safety is not open on 05/01/2026; it is open from 01/09/2020 to "
        "31/12/2025."
    )
