"""Certificate numbers, tokens and name matching (R-CRT-1, R-CRT-2)."""

import string
import unicodedata

import pytest

from certificates.validators import (
    _TYPED_ALIASES,
    NUMBER_ALPHABET,
    NUMBER_LENGTH,
    _Dropping,
    _is_name_punctuation,
    _is_separator,
    certificate_number_check_symbol,
    certificate_number_display,
    certificate_number_generate,
    certificate_number_is_valid,
    certificate_number_normalise,
    certificate_number_problem,
    learner_name_key,
    learner_names_match,
    looks_like_pdf,
    qr_token_generate,
    qr_token_is_well_formed,
)


def test_r_crt_1_a_generated_number_is_ten_symbols_with_a_valid_check_symbol():
    number = certificate_number_generate()

    assert len(number) == NUMBER_LENGTH
    assert set(number) <= set(NUMBER_ALPHABET)
    assert certificate_number_is_valid(number)


def test_r_crt_1_numbers_leave_out_letters_misread_aloud():
    assert not set("ILOUZ") & set(NUMBER_ALPHABET)


def test_r_crt_1_the_check_symbol_catches_every_single_mistyped_character():
    for _ in range(20):
        number = certificate_number_generate()
        for position in range(NUMBER_LENGTH):
            for symbol in NUMBER_ALPHABET:
                if symbol == number[position]:
                    continue
                typo = number[:position] + symbol + number[position + 1 :]
                assert not certificate_number_is_valid(typo), (number, typo)


def test_r_crt_1_the_check_symbol_catches_every_swap_of_neighbouring_characters():
    for _ in range(200):
        number = certificate_number_generate()
        for position in range(NUMBER_LENGTH - 1):
            a, b = number[position], number[position + 1]
            if a == b:
                continue
            swapped = number[:position] + b + a + number[position + 2 :]
            assert not certificate_number_is_valid(swapped), (number, swapped)


def test_r_crt_1_numbers_are_random_not_sequential():
    numbers = [certificate_number_generate() for _ in range(2000)]

    assert len(set(numbers)) == len(numbers)
    assert numbers != sorted(numbers)
    # Every data position uses (nearly) the whole alphabet: nothing counts up.
    for position in range(NUMBER_LENGTH - 1):
        assert len({n[position] for n in numbers}) >= len(NUMBER_ALPHABET) - 1


def test_the_check_symbol_is_always_one_of_the_alphabet():
    assert certificate_number_check_symbol("000000000") == "0"
    assert certificate_number_check_symbol("YYYYYYYYY") in NUMBER_ALPHABET


def test_a_typed_number_is_normalised_to_its_canonical_form():
    number = certificate_number_generate()
    typed = f"  {number[:5].lower()} - {number[5:].lower()} "

    assert certificate_number_normalise(typed) == number


def test_letters_people_type_for_digits_are_read_as_the_digits():
    assert certificate_number_normalise("o1-il") == "0111"


def test_the_number_is_displayed_as_two_groups_of_five():
    assert certificate_number_display("ABCDE12345") == "ABCDE-12345"


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "Enter the certificate number."),
        ("ABC", "has 10 letters and digits"),
        ("ABCDE-1234Z", "never contains Z"),
    ],
)
def test_a_malformed_number_gets_a_message_saying_what_is_wrong(typed, problem):
    assert problem in certificate_number_problem(typed)


def test_a_number_with_a_typo_is_reported_as_mistyped():
    number = certificate_number_generate()
    other = next(s for s in NUMBER_ALPHABET if s != number[3])
    typo = number[:3] + other + number[4:]

    assert "typing mistake" in certificate_number_problem(typo)
    assert certificate_number_problem(number) is None


def test_r_crt_1_a_qr_token_carries_at_least_128_random_bits_and_is_url_safe():
    tokens = {qr_token_generate() for _ in range(500)}

    assert len(tokens) == 500
    for token in tokens:
        assert qr_token_is_well_formed(token)
        assert set(token) <= set(string.ascii_letters + string.digits + "-_")
        assert len(token) * 6 >= 128


def test_a_token_with_other_characters_is_not_well_formed():
    assert not qr_token_is_well_formed("../../etc/passwd")
    assert not qr_token_is_well_formed("")


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("zoe o'brien", "Zoë O'Brien"),
        ("ZOË O\u2019BRIEN", "Zoë O'Brien"),
        ("  Zoë   O'Brien ", "Zoë O'Brien"),
        ("zoeo'brien", "Zoë O'Brien"),
        ("joel brennan-o suilleabhain", "Joël Brennan-Ó Súilleabháin"),
    ],
)
def test_r_crt_2_names_match_ignoring_case_accents_and_whitespace(typed, printed):
    assert learner_names_match(typed, printed)


def test_r_crt_2_punctuation_in_a_name_is_ignored():
    assert learner_names_match("Zoe OBrien", "Zoë O'Brien")
    assert learner_names_match("Mary Jane St John", "Mary-Jane St. John")


def test_r_crt_2_ignoring_punctuation_still_tells_different_names_apart():
    assert not learner_names_match("Zoe Brien", "Zoë O'Brien")


def test_r_crt_2_a_different_name_does_not_match():
    assert not learner_names_match("Zoe OBrian", "Zoë O'Brien")
    assert not learner_names_match("", "Zoë O'Brien")


def test_the_name_key_drops_case_accents_and_spaces():
    assert learner_name_key(" Siobhán  KELLEHER ") == "siobhankelleher"


def test_a_pdf_is_recognised_by_its_header():
    assert looks_like_pdf(b"%PDF-1.7\n...")
    assert not looks_like_pdf(b"PK\x03\x04 a zip file")


# --- the translate tables give what the rules say, character by character -------------------


def _name_key_by_the_rules(name: str) -> str:
    """learner_name_key as decision 0061 states it, one character at a time."""
    decomposed = unicodedata.normalize("NFKD", name)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(
        c for c in without_marks.casefold() if not c.isspace() and not _is_name_punctuation(c)
    )


def _number_by_the_rules(typed: str) -> str:
    text = unicodedata.normalize("NFKC", typed)
    return "".join(c for c in text if not _is_separator(c)).upper().translate(_TYPED_ALIASES)


# Every character of the Latin, Greek, Cyrillic, Hebrew, Arabic and combining-mark blocks, the
# general punctuation and the CJK symbols; spaces, dashes, invisible format characters.
_CHARACTERS = [chr(code) for code in (*range(0x0000, 0x0800), *range(0x2000, 0x2070))] + [
    "\u3000",
    "\u30fb",
    "\ufeff",
    "\uff0d",
    "\uff10",
]


@pytest.mark.parametrize(
    ("cleaned", "by_the_rules", "around"),
    [
        (learner_name_key, _name_key_by_the_rules, ("{}", "Zoë {}O\u2019Brien", "{}{}a")),
        (certificate_number_normalise, _number_by_the_rules, ("{}", "7kq4m{}2xhpr", " {}-o1l ")),
    ],
    ids=["name", "number"],
)
def test_each_character_is_kept_or_dropped_as_the_rules_say(cleaned, by_the_rules, around):
    typed = [text.format(c, c) for c in _CHARACTERS for text in around]

    assert [text for text in typed if cleaned(text) != by_the_rules(text)] == []


def test_the_tables_remember_a_bounded_number_of_characters():
    table = _Dropping(str.isspace, bound=3)
    text = "".join(chr(code) for code in range(0x4E00, 0x4E10)) + " \t"

    assert text.translate(table) == text.strip()
    assert len(table) == 3
