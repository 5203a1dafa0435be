from registrations.models import RegistrationStatus
from registrations.numbers import (
    registration_check_letter,
    registration_number_for_phone,
    registration_number_format,
    registration_number_is_well_formed,
    registration_number_normalise,
)


def test_r_reg_5_a_number_is_r_eight_digits_and_a_check_letter():
    number = registration_number_format(10000017)
    assert len(number) == 10
    assert number.startswith("R10000017")
    assert registration_number_is_well_formed(number)


def test_r_reg_5_the_check_letter_catches_every_single_mistyped_digit():
    digits = "10004321"
    letter = registration_check_letter(digits)
    for position in range(8):
        for replacement in "0123456789":
            if replacement == digits[position]:
                continue
            typo = digits[:position] + replacement + digits[position + 1 :]
            assert registration_check_letter(typo) != letter


def test_r_reg_5_the_check_letter_catches_swapped_neighbouring_digits():
    digits = "12345678"
    letter = registration_check_letter(digits)
    for position in range(7):
        swapped = (
            digits[:position] + digits[position + 1] + digits[position] + digits[position + 2 :]
        )
        assert registration_check_letter(swapped) != letter


def test_r_reg_5_numbers_typed_with_spaces_and_lower_case_are_normalised():
    number = registration_number_format(10000017)
    spoken = registration_number_for_phone(number)
    assert spoken.count(" ") == 3
    assert registration_number_normalise(spoken.lower().replace(" ", "-")) == number


def test_an_older_systems_number_is_kept_as_it_was():
    assert registration_number_normalise(" ab-12 ") == "ab-12"


def test_r_reg_4_statuses_are_read_from_their_csv_labels_in_any_case():
    assert RegistrationStatus.from_label("certificate claimed") == "certificate_claimed"
    assert RegistrationStatus.from_label("Registration Not Required") == (
        RegistrationStatus.REGISTRATION_NOT_REQUIRED
    )
    assert RegistrationStatus.from_label("Enrolled") is None
