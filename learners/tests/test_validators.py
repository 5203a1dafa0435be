import datetime

import pytest

from learners.tests.factories import learner_details
from learners.validators import (
    age_error,
    fold,
    learner_details_check,
    name_error,
    name_match_key,
    name_normalise,
    postcode_error,
    postcode_normalise,
    prohibited_text_found,
    uln_error,
    uln_is_valid,
)


@pytest.mark.parametrize("uln", ["9276308686", "1000000043", "4444599390"])
def test_r_lrn_1_the_listed_valid_ulns_are_accepted(uln):
    assert uln_is_valid(uln)
    assert uln_error(uln) == ""


@pytest.mark.parametrize("uln", ["1234567890", "1000000063", "0123456789", "9999999999"])
def test_r_lrn_1_the_listed_invalid_ulns_are_refused(uln):
    assert not uln_is_valid(uln)
    assert uln_error(uln) != ""


def test_r_lrn_1_a_prefix_with_remainder_zero_has_no_valid_uln():
    # 2 x 10 + 1 x 2 = 22, and 22 mod 11 = 0: no check digit makes these valid.
    for last in "0123456789":
        assert not uln_is_valid("200000001" + last)


def test_r_lrn_1_a_mistyped_uln_gets_a_message_about_the_check_digit():
    assert "last digit does not match" in uln_error("9276308687")


def test_r_lrn_1_a_short_uln_says_how_many_digits_it_has():
    assert uln_error("927630868") == "ULN must be 10 digits; this one has 9."


@pytest.mark.parametrize("name", ["Zoë", "O'Brien", "Jean-Luc", "St. John", "d`Arcy", "Ñúñez"])
def test_r_lrn_2_names_with_accents_and_the_allowed_punctuation_are_accepted(name):
    assert name_error(name) == ""


@pytest.mark.parametrize("name", ["J0hn", "Anna!", "李", "Ivan ✓"])
def test_r_lrn_2_names_with_other_characters_are_refused(name):
    assert "can contain only letters" in name_error(name, "Given name")


def test_r_lrn_2_a_name_needs_at_least_one_letter():
    assert name_error("-'.", "Family name") == "Family name must contain at least one letter."


def test_r_lrn_2_names_are_stored_as_typed_in_nfc():
    decomposed = "Zoe\u0308"
    assert name_normalise(decomposed) == "Zoë"
    assert len(name_normalise(decomposed)) == 3


def test_r_lrn_2_names_match_ignoring_case_and_accents():
    assert name_match_key("ZOË", "o\u2019brien") == name_match_key("zoe", "O'Brien")
    assert fold("Émilie") == "emilie"


def test_r_lrn_3_age_is_measured_on_the_registration_date():
    born = datetime.date(2015, 3, 14)
    assert age_error(born, datetime.date(2026, 3, 13)) != ""  # 10 the day before
    assert age_error(born, datetime.date(2026, 3, 14)) == ""  # 11 on the day


def test_r_lrn_3_ages_over_110_are_refused():
    born = datetime.date(1915, 3, 14)
    assert age_error(born, datetime.date(2026, 3, 13)) == ""  # 110
    assert "no older than 110" in age_error(born, datetime.date(2026, 3, 14))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("ls14ap", "LS1 4AP"), ("  sw1a   1aa ", "SW1A 1AA"), ("EC1A1BB", "EC1A 1BB")],
)
def test_r_lrn_4_postcodes_are_normalised_to_upper_case_with_one_space(typed, stored):
    assert postcode_error(typed) == ""
    assert postcode_normalise(typed) == stored


@pytest.mark.parametrize("typed", ["LS1", "12345", "LS1 4CI", "QQ1 1AA"])
def test_r_lrn_4_things_that_are_not_uk_postcodes_are_refused(typed):
    assert "real UK postcode" in postcode_error(typed)


def test_r_lrn_4_a_prison_postcode_is_refused():
    assert "prison" in postcode_error("ls12 2tj", {"LS12 2TJ"})


def test_r_lrn_5_prohibited_text_is_found_as_whole_words_ignoring_case():
    assert prohibited_text_found("DUMMY learner", ["dummy"]) == "dummy"
    assert prohibited_text_found("Dummyshire Road", ["dummy"]) == ""
    assert prohibited_text_found("N/A", ["n/a"]) == "n/a"


def test_r_lrn_5_every_text_field_is_checked_for_prohibited_text():
    _, errors = learner_details_check(
        learner_details(employer="Test Learner Ltd"),
        on_date=datetime.date(2026, 1, 1),
        prison_postcodes=(),
        prohibited=["test learner"],
    )
    assert [(e.field, e.code) for e in errors] == [("employer", "prohibited_text")]


def test_every_problem_is_listed_at_once_with_the_field_it_belongs_to():
    _, errors = learner_details_check(
        learner_details(uln="1234567890", given_name="J0hn", postcode="nowhere", gender=""),
        on_date=datetime.date(2026, 1, 1),
        prison_postcodes=(),
        prohibited=(),
    )
    assert {e.field for e in errors} == {"uln", "given_name", "postcode", "gender"}


def test_checking_one_field_reports_only_that_field():
    _, errors = learner_details_check(
        learner_details(uln="1234567890", given_name="J0hn"),
        on_date=datetime.date(2026, 1, 1),
        prison_postcodes=(),
        prohibited=(),
        only=["uln"],
    )
    assert [e.field for e in errors] == ["uln"]


def test_r_lrn_1_a_uln_with_a_digit_that_is_not_ascii_is_refused_with_a_message():
    from learners.validators import uln_error

    assert "only digits" in uln_error("92763086²6")
