"""Registration numbers (R-REG-5): issued by the AO from a PostgreSQL sequence, readable over the
phone. Format: "R", eight digits, one check letter, e.g. R10000017V.

- The digits come from the sequence `registration_number_seq` (starting at 10000000), never max+1.
- The check letter catches any single mistyped digit and any swap of two neighbouring digits: it is
  the sum of the digits weighted 1..8, mod 23, as a letter of CHECK_LETTERS (no I, O or U, which
  are misheard or mistaken for digits).
- People may type it with spaces, hyphens or in lower case ("r 1000 0017 v"); it is stored and
  shown in the compact upper-case form.
Numbers from an older system, brought in by the AO's migration import, keep their own form.
"""

from __future__ import annotations

import re

from django.db import connection

SEQUENCE_NAME = "registration_number_seq"
PREFIX = "R"
CHECK_LETTERS = "ABCDEFGHJKLMNPQRSTVWXYZ"  # 23 letters: a prime, so every weight is invertible
PORTAL_NUMBER_PATTERN = re.compile(r"^R(\d{8})([A-Z])$", re.ASCII)
MAX_LENGTH = 128
SPACES_AND_HYPHENS = re.compile(r"[\s-]")


def registration_check_letter(digits: str) -> str:
    total = sum(int(d) * weight for weight, d in enumerate(digits, start=1))
    return CHECK_LETTERS[total % len(CHECK_LETTERS)]


def registration_number_format(serial: int) -> str:
    digits = f"{serial:08d}"
    return f"{PREFIX}{digits}{registration_check_letter(digits)}"


def registration_number_normalise(value: str) -> str:
    """Upper case with spaces and hyphens removed when it looks like a portal number; otherwise
    only trimmed (an older system's number is kept as it was)."""
    value = (value or "").strip()
    if not value or PORTAL_NUMBER_PATTERN.match(value):
        return value  # nothing to do (the usual case in a file)
    compact = SPACES_AND_HYPHENS.sub("", value).upper()
    if PORTAL_NUMBER_PATTERN.match(compact):
        return compact
    return value


def registration_number_is_well_formed(value: str) -> bool:
    """A portal-issued number whose check letter matches."""
    match = PORTAL_NUMBER_PATTERN.match(value)
    if match is None:
        return False
    return registration_check_letter(match.group(1)) == match.group(2)


def registration_number_for_phone(value: str) -> str:
    """R10000017V -> "R 1000 0017 V", for reading aloud and on printed pages."""
    match = PORTAL_NUMBER_PATTERN.match(value)
    if not match:
        return value
    digits = match.group(1)
    return f"{PREFIX} {digits[:4]} {digits[4:]} {match.group(2)}"


def registration_serials_next(count: int = 1) -> list[int]:
    """`count` fresh values from the database sequence, in one query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [SEQUENCE_NAME, count])
        return [row[0] for row in cursor.fetchall()]
