"""Pure checks of learners' details (R-LRN-1 to R-LRN-5). Each returns a message for the person
who typed the value, or "" when it is fine; none touches the database."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable

ULN_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
ULN_PATTERN = re.compile(r"^[1-9][0-9]{9}$")

MIN_AGE = 11
MAX_AGE = 110
TOO_LONG = "Use at most {limit} characters; this has {length}."


def too_long_message(limit: int, length: int) -> str:
    """The one wording for text over a length limit, at a field of any form, API or import."""
    return TOO_LONG.format(limit=limit, length=length)


def uln_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits (R-LRN-1), or None when no valid ULN has that prefix."""
    remainder = sum(int(d) * w for d, w in zip(first_nine, ULN_WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return None
    return 10 - remainder


def uln_is_valid(uln: str) -> bool:
    """10 digits, the first 1-9, the last the check digit of the first nine (R-LRN-1)."""
    if not ULN_PATTERN.match(uln):
        return False
    return uln_check_digit(uln[:9]) == int(uln[9])


def uln_error(uln: str) -> str:
    value = uln.strip()
    if not value:
        return ""
    if not (value.isascii() and value.isdigit()):
        return "ULN must contain only digits, for example 9276308686."
    if len(value) != 10:
        return f"ULN must be 10 digits; this one has {len(value)}."
    if value[0] == "0":
        return "ULN cannot start with 0."
    if not uln_is_valid(value):
        return (
            "This is not a valid ULN: the last digit does not match. Check it for a typing error."
        )
    return ""


def name_normalise(value: str) -> str:
    """As typed, in Unicode NFC, with runs of spaces collapsed (R-LRN-2)."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def _is_latin_letter(char: str) -> bool:
    if "A" <= char <= "Z" or "a" <= char <= "z":
        return True
    if not char.isalpha():
        return False
    # Accented Latin letters decompose to an ASCII letter plus combining marks (é -> e + ́).
    base = unicodedata.normalize("NFD", char)[0]
    if "A" <= base <= "Z" or "a" <= base <= "z":
        return True
    return unicodedata.name(char, "").startswith("LATIN ")


# Apostrophe includes the typographic one (U+2019) phones and word processors type.
NAME_PUNCTUATION = frozenset(" -'`.\u2019")


def name_error(value: str, label: str = "Name") -> str:
    """At least one letter, and only letters, space, hyphen, apostrophe, backtick, dot.

    R-LRN-2; letters include accented Latin letters."""
    value = name_normalise(value)
    if not value:
        return ""
    bad = sorted({c for c in value if c not in NAME_PUNCTUATION and not _is_latin_letter(c)})
    if bad:
        shown = " ".join(bad)
        return (
            f"{label} can contain only letters, spaces, hyphens, apostrophes and full stops; "
            f"remove {shown}."
        )
    if not any(_is_latin_letter(c) for c in value):
        return f"{label} must contain at least one letter."
    return ""


def fold(value: str) -> str:
    """Case- and accent-insensitive form for matching: 'Zoë O\u2019Brien' -> 'zoe o'brien'."""
    decomposed = unicodedata.normalize("NFKD", value.replace("\u2019", "'"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def name_match_key(given_name: str, family_name: str) -> str:
    """What two learners' names must share to be the same person's (R-LRN-2)."""
    return f"{fold(given_name)}|{fold(family_name)}"


def age_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def age_error(date_of_birth: datetime.date, registration_date: datetime.date) -> str:
    """Age on the registration date must be 11 to 110 inclusive (R-LRN-3)."""
    if date_of_birth > registration_date:
        return "Date of birth must be in the past."
    age = age_on(date_of_birth, registration_date)
    if age < MIN_AGE:
        return (
            f"The learner must be at least {MIN_AGE} on the registration date "
            f"({registration_date:%d/%m/%Y}); with this date of birth they would be {age}."
        )
    if age > MAX_AGE:
        return (
            f"The learner must be no older than {MAX_AGE} on the registration date; with this "
            f"date of birth they would be {age}. Check the year."
        )
    return ""


# The UK's published postcode shape: area letters exclude Q, V, X first and I, J, Z second.
POSTCODE_PATTERN = re.compile(
    r"^(GIR0AA|[A-PR-UWYZ]([0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def postcode_normalise(value: str) -> str:
    """Upper case with exactly one space before the last three characters (R-LRN-4)."""
    compact = "".join(value.split()).upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_error(value: str, prison_postcodes: Iterable[str] = ()) -> str:
    """A UK postcode that is not a prison's or young offender institution's (R-LRN-4)."""
    if not value.strip():
        return ""
    compact = "".join(value.split()).upper()
    if not POSTCODE_PATTERN.match(compact):
        return "Enter a real UK postcode, for example LS1 4AP."
    if postcode_normalise(compact) in set(prison_postcodes):
        return (
            "This postcode belongs to a prison or young offender institution and cannot be used "
            "as a learner's address."
        )
    return ""


def prohibited_text_found(value: str, prohibited: Iterable[str]) -> str:
    """The first prohibited term the value contains as whole words (R-LRN-5), or ""."""
    folded = f" {' '.join(re.split(r'[^0-9a-z]+', fold(value)))} "
    for term in prohibited:
        folded_term = " ".join(re.split(r"[^0-9a-z]+", fold(term))).strip()
        if folded_term and f" {folded_term} " in folded:
            return term
    return ""


def prohibited_text_error(value: str, prohibited: Iterable[str], label: str) -> str:
    term = prohibited_text_found(value, prohibited)
    if term:
        return f'{label} contains text that is not allowed ("{term}"). Enter the real value.'
    return ""


class FieldError:
    """One problem with one field: what the browser shows at the field, the API returns under the
    field's name and the importer reports with its row and column. `code` is stable for programs.
    """

    __slots__ = ("code", "field", "message")

    def __init__(self, field: str, message: str, code: str = "invalid") -> None:
        self.field = field
        self.message = message
        self.code = code

    def __repr__(self) -> str:
        return f"FieldError({self.field!r}, {self.message!r}, {self.code!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldError) and (self.field, self.message, self.code) == (
            other.field,
            other.message,
            other.code,
        )

    def __hash__(self) -> int:
        return hash((self.field, self.message, self.code))


NAME_FIELDS = (
    ("given_name", "Given name"),
    ("preferred_given_name", "Preferred given name"),
    ("middle_names", "Middle names"),
    ("family_name", "Family name"),
    ("previous_family_name", "Previous family name"),
    ("family_name_at_16", "Family name at 16"),
)
TEXT_FIELDS = (
    *NAME_FIELDS,
    ("email", "Email address"),
    ("address_line_1", "Address line 1"),
    ("address_line_2", "Address line 2"),
    ("town", "Town or city"),
    ("county", "County"),
    ("country", "Country"),
    ("employer", "Employer"),
)
TEXT_LIMITS = {
    "given_name": 100,
    "preferred_given_name": 100,
    "middle_names": 100,
    "family_name": 100,
    "previous_family_name": 100,
    "family_name_at_16": 100,
    "email": 254,
    "address_line_1": 128,
    "address_line_2": 128,
    "town": 100,
    "county": 100,
    "country": 100,
    "employer": 128,
}
REQUIRED_FIELDS = {
    "given_name": "Enter the learner's given name.",
    "family_name": "Enter the learner's family name.",
    "date_of_birth": "Enter the learner's date of birth.",
    "gender": "Choose the learner's gender, or Not known.",
    "ethnicity": "Choose the learner's ethnicity, or Not known.",
    "ability_status": "Choose the learner's ability status, or Not known.",
    "prior_attainment": "Choose the learner's prior attainment, or Not known.",
    "employment_status": "Choose the learner's employment status, or Not known.",
}
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def learner_details_check(
    details: dict[str, object],
    *,
    on_date: datetime.date,
    prison_postcodes: Iterable[str],
    prohibited: Iterable[str],
    only: Iterable[str] | None = None,
) -> tuple[dict[str, object], list[FieldError]]:
    """Normalise a learner's details and list every problem (R-LRN-1 to R-LRN-5).

    `details` maps Learner field names to values (strings, or a date for date_of_birth; choice
    fields hold their codes and are checked against their choices by the caller's form or
    serializer). `on_date` is the registration date the age is measured on (R-LRN-3). `only`
    limits the checks to some fields, for checking one field as the user leaves it.
    Returns (normalised details, errors)."""
    wanted = set(only) if only is not None else None
    prohibited = tuple(prohibited)
    cleaned: dict[str, object] = dict(details)
    errors: list[FieldError] = []

    def checking(name: str) -> bool:
        return wanted is None or name in wanted

    for name, value in details.items():
        if isinstance(value, str):
            cleaned[name] = value.strip()
    for name, label in NAME_FIELDS:
        if name in cleaned and isinstance(cleaned[name], str):
            cleaned[name] = name_normalise(str(cleaned[name]))
            if checking(name) and (message := name_error(str(cleaned[name]), label)):
                errors.append(FieldError(name, message, "name_characters"))
    for name, message in REQUIRED_FIELDS.items():
        if checking(name) and cleaned.get(name) in (None, ""):
            errors.append(FieldError(name, message, "required"))
    for name, limit in TEXT_LIMITS.items():
        value = cleaned.get(name)
        if checking(name) and isinstance(value, str) and len(value) > limit:
            errors.append(FieldError(name, too_long_message(limit, len(value)), "long"))
    uln = cleaned.get("uln")
    if isinstance(uln, str):
        uln = "".join(uln.split())
        cleaned["uln"] = uln
        if checking("uln") and (message := uln_error(uln)):
            errors.append(FieldError("uln", message, "uln_invalid"))
    postcode = cleaned.get("postcode")
    if isinstance(postcode, str) and postcode:
        if checking("postcode") and (message := postcode_error(postcode, prison_postcodes)):
            errors.append(FieldError("postcode", message, "postcode_invalid"))
        else:
            cleaned["postcode"] = postcode_normalise(postcode)
    email = cleaned.get("email")
    if checking("email") and isinstance(email, str) and email and not EMAIL_PATTERN.match(email):
        errors.append(
            FieldError("email", "Enter an email address like name@example.com.", "email_invalid")
        )
    date_of_birth = cleaned.get("date_of_birth")
    if (
        checking("date_of_birth")
        and isinstance(date_of_birth, datetime.date)
        and (message := age_error(date_of_birth, on_date))
    ):
        errors.append(FieldError("date_of_birth", message, "age"))
    for name, label in TEXT_FIELDS:
        value = cleaned.get(name)
        if not checking(name) or not isinstance(value, str) or not value:
            continue
        if any(e.field == name for e in errors):
            continue
        if message := prohibited_text_error(value, prohibited, label):
            errors.append(FieldError(name, message, "prohibited_text"))
    return cleaned, errors
