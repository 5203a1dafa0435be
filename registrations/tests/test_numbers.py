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


def test_r_reg_5_a_worked_example_of_the_check_letter():
    # 1x1 + 0x2 + 0x3 + 0x4 + 0x5 + 0x6 + 1x7 + 7x8 = 64; 64 mod 23 = 18; letter 18 of
    # ABCDEFGHJKLMNPQRSTVWXYZ (from 0) is V.
    assert registration_check_letter("10000017") == "V"
    assert registration_number_format(10000017) == "R10000017V"
    assert registration_number_is_well_formed("R10000017V")
    assert not registration_number_is_well_formed("R10000017N")


def test_r_reg_5_every_example_in_the_documentation_is_a_number_the_portal_would_issue():
    import re
    from pathlib import Path

    from django.conf import settings

    from registrations import numbers

    texts = [
        numbers.__doc__ or "",
        numbers.registration_number_for_phone.__doc__ or "",
        (
            Path(settings.BASE_DIR) / "docs/decisions/0010-registrations-rules-and-numbers.md"
        ).read_text(),
    ]
    examples = [
        re.sub(r"[\s-]", "", found).upper()
        for text in texts
        for found in re.findall(r"\b[Rr][ -]?\d{4}[ -]?\d{4}[ -]?[A-Za-z]\b", text)
    ]
    assert examples
    assert all(registration_number_is_well_formed(example) for example in examples), examples
