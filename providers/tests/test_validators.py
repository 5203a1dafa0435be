import pytest

from providers.validators import ukprn_is_valid


@pytest.mark.parametrize("ukprn", ["10004321", "19999999"])
def test_r_reg_2_ukprn_of_eight_digits_starting_with_1_is_valid(ukprn):
    assert ukprn_is_valid(ukprn)


@pytest.mark.parametrize("ukprn", ["20004321", "1000432", "100043210", "1000432A", ""])
def test_r_reg_2_other_ukprns_are_invalid(ukprn):
    assert not ukprn_is_valid(ukprn)


def test_r_reg_2_a_ukprn_in_non_ascii_digits_is_invalid():
    assert not ukprn_is_valid("1\u0661\u0662\u0663\u0664\u0665\u0666\u0667")
