"""Pure checks on provider identifiers (R-REG-2); no database."""

import re

UKPRN_PATTERN = re.compile(r"1\d{7}", re.ASCII)


def ukprn_is_valid(ukprn: str) -> bool:
    """A UK Provider Reference Number is 8 digits starting with 1."""
    return bool(UKPRN_PATTERN.fullmatch(ukprn))
